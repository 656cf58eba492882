"""The DCGAN networks' stage layout, in pure Python: `config.py` validates a resolution with it
without importing Keras, and `dcgan.py` builds its stages from it."""

import math


def stage_layout(resolution):
  """Returns (start_size, num_blocks) with start_size * 2**num_blocks == resolution.

  Raises:
    ValueError: if no start size in [4, 7] gives `resolution` by doubling (e.g. 36 or 100).
  """
  if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 8:
    raise ValueError(f'resolution must be an integer >= 8. Received: resolution={resolution!r}')
  num_blocks = int(math.floor(math.log2(resolution / 4)))
  start = resolution // 2**num_blocks
  if start * 2**num_blocks != resolution or not 4 <= start <= 7:
    raise ValueError(
        'resolution must be 4, 5, 6 or 7 times a power of two (e.g. 16, 32, 48, 64, 96, 128). '
        f'Received: resolution={resolution}')
  return start, num_blocks
