"""Testing only: hooks that tests pass to the training binary, kept out of TrainConfig.

`--inject_nan_at_step` is defined here, not in `flags.py`, so that the training binary's
`--helpshort` (which lists the flags it adopts from `flags.py`) does not show it; it is listed
only under this module in `--helpfull`. No TensorFlow here: the binary defines it before it
loads TensorFlow.
"""

from absl import flags


def define_flags(flag_values=flags.FLAGS):
  flags.DEFINE_integer(
      'inject_nan_at_step', 0, 'Testing only: set a generator weight to NaN just before this '
      'step (once per process), to exercise the divergence guard. 0: never.', lower_bound=0,
      flag_values=flag_values)


def extra_callbacks(inject_nan_at_step):
  """The training callbacks the testing flags' values ask for (the loop runs them first)."""
  if not inject_nan_at_step:
    return []
  from tfgan_anime.training import guard  # pylint: disable=g-import-not-at-top (loads TensorFlow)
  return [guard.InjectNaN(inject_nan_at_step)]
