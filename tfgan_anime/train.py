r"""Trains a GAN image generator.

  python -m tfgan_anime.train --flagfile=configs/quickstart.cfg --model_dir=runs/quickstart

Flags: see `tfgan_anime/config.py` (or --helpshort). Reusing --model_dir resumes the run.
A flagfile path is looked up in the working directory, then among the shipped configs
(`--flagfile=wgan_gp.cfg` works from any folder); one included by a flagfile is relative to it.

Exit status: 0 trained to the end; 2 a bad flag, path or data folder (one line on stderr, nothing
trained); 3 training diverged and --max_rollbacks ran out; 75 stopped by SIGTERM or SIGINT after
saving a checkpoint (rerun the same command to resume; 75 is EX_TEMPFAIL, "try again", so a
scheduler restarts the job rather than counting it done); 130 a second Ctrl-C, nothing saved.
"""

from absl import flags
from absl import logging

# cli first, and nothing that loads TensorFlow up here: see cli.py.
from tfgan_anime import cli
from tfgan_anime import dry_run
from tfgan_anime import flags as flags_lib
from tfgan_anime.training import testing

FLAGS = flags.FLAGS

EXIT_DIVERGED = 3
EXIT_STOPPED = 75
EXIT_INTERRUPTED = 130


def define_flags():
  flags_lib.define_flags()
  flags.adopt_module_key_flags(flags_lib)  # --helpshort lists the options.
  testing.define_flags()  # Hidden: only under training.testing in --helpfull.


def main(argv):
  del argv
  config = flags_lib.config_from_flags(FLAGS)
  config.validate()
  config.check_paths()
  if config.dry_run:
    dry_run.print_options(config)
    dry_run.print_networks(config)
    return
  cli.import_tensorflow()
  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import guard
  from tfgan_anime.training import loop as train_lib
  from tfgan_anime.training import signals
  # pylint: enable=g-import-not-at-top
  # TensorFlow logs every SavedModel asset and checkpoint shard at INFO; our own progress lines
  # are printed by the training loop.
  logging.set_verbosity(logging.WARNING)
  hooks = {}
  if FLAGS.inject_nan_at_step:
    hooks['extra_callbacks'] = testing.extra_callbacks(FLAGS.inject_nan_at_step)
  try:
    with signals.StopRequest() as stop_request:
      result = train_lib.train(config, stop_request=stop_request, **hooks)
  except guard.DivergenceError as e:
    cli.fail(f'error: {e}', EXIT_DIVERGED)
  except KeyboardInterrupt:
    cli.fail('Interrupted twice: stopped without saving; the latest checkpoint is from before.',
             EXIT_INTERRUPTED)
  if result.stopped_by:
    cli.fail(f'Stopped by {result.stopped_by} at step {result.step}; the checkpoint is saved in '
             f'{config.model_dir}/checkpoints. Run the same command to resume.', EXIT_STOPPED)
  _print_result(config, result)


def _print_result(config, result):
  print(f'Trained to step {result.step}.')
  if result.rollbacks:
    print(f'The divergence guard rolled back {result.rollbacks} '
          f'time{"" if result.rollbacks == 1 else "s"}.')
  if result.samples:
    print(f'Sample grids: {len(result.samples)} in {config.model_dir}/samples '
          f'(latest: {result.samples[-1]})')
  if result.export_dir:
    print(f'Exported generator: {result.export_dir}')


def run():
  """The binary: python -m tfgan_anime.train (tests wrap it to kill it at chosen moments)."""
  cli.run(main, define_flags, flags_lib.parse_flags)


if __name__ == '__main__':
  run()
