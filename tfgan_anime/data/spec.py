"""What kind of data a `--data` spec names, in pure Python (no TensorFlow), for `config.py`.

A spec is `synthetic_faces`, a folder of images, TFRecord shards (`tfrecord:GLOB` or a glob
ending in `.tfrecord`), `tfds:NAME[/CONFIG][:SPLIT]` or `toy2d:NAME`; the prefixes and names live in `choices.py`.
"""

from tfgan_anime import choices
from tfgan_anime.errors import UserError


def is_toy(data):
  """True for a `toy2d:NAME` data spec (whatever the NAME)."""
  return isinstance(data, str) and data.startswith(choices.TOY_PREFIX)


def parse_toy(data):
  """'toy2d:ring8' -> 'ring8'. Raises UserError naming the spec and the accepted names."""
  if not is_toy(data) or data[len(choices.TOY_PREFIX):] not in choices.TOY_DATASETS:
    raise UserError(f'Unknown toy dataset. Received: data={data!r}; accepted: '
                     + ', '.join(choices.TOY_PREFIX + name for name in choices.TOY_DATASETS))
  return data[len(choices.TOY_PREFIX):]


def tfrecord_pattern(data):
  """The shard glob of a data spec, or None when the spec is not TFRecord shards."""
  if data.startswith(choices.TFRECORD_PREFIX):
    return data[len(choices.TFRECORD_PREFIX):]
  if data.endswith('.tfrecord'):
    return data
  return None


def is_tfds(data):
  """True for a `tfds:NAME[/CONFIG][:SPLIT]` data spec (data/tfds.py reads it)."""
  return isinstance(data, str) and data.startswith(choices.TFDS_PREFIX)
