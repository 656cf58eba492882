"""The metric names of the evaluate binary and their check; no TensorFlow, so that the binary's
--help and a bad --metrics cost nothing."""

from tfgan_anime.errors import UserError

METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags', 'toy')
INCEPTION_METRICS = ('fid', 'kid', 'is', 'pr')
IMAGE_METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags')
TOY_METRICS = ('swd', 'toy')
# Splits of the real data that a real-vs-real floor averages (runner.real_vs_real_floor). One
# split's SWD on the demo's faces ranged from 8.8 to 12.2 over five seeds (docs/BENCHMARKS.md,
# "How noisy the demo's floor is"): as noisy as the differences it is read against.
FLOOR_SPLITS = 3


def parse_metrics(text, toy=False):
  """'fid,swd' -> ('fid', 'swd'), checked against what the data allows.

  Raises UserError naming --metrics, the value and the accepted names.
  """
  names = tuple(name.strip() for name in text.split(',') if name.strip())
  accepted = TOY_METRICS if toy else IMAGE_METRICS
  bad = [name for name in names if name not in accepted]
  if not names or bad:
    raise UserError(f'Invalid --metrics. Received: metrics={text!r}; accepted: a comma-separated '
                    f'list of {", ".join(accepted)}' + (' for toy data' if toy else ''))
  return names


def check_floor_splits(splits):
  """Raises UserError unless `splits` (--floor_splits) is an integer >= 1."""
  if isinstance(splits, bool) or not isinstance(splits, int) or splits < 1:
    raise UserError(f'Invalid --floor_splits. Received: floor_splits={splits!r}; accepted: an '
                    'integer >= 1')
