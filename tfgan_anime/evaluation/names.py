"""The metric names of the evaluate binary and their check; no TensorFlow, so that the binary's
--help and a bad --metrics cost nothing."""

from tfgan_anime.errors import UserError

METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags', 'toy')
INCEPTION_METRICS = ('fid', 'kid', 'is', 'pr')
IMAGE_METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags')
TOY_METRICS = ('swd', 'toy')


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
