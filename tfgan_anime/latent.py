"""The one latent sampler outside the train step: z ~ N(0, I) as a function of a seed.

Sample grids, generation from an export, evaluation and the benchmark all draw their z here, so
the same seed gives the same z everywhere. (The train step draws its own, stateless and per
replica, in gan.py: it must run inside the graph.) No TensorFlow here.
"""

import numpy as np


def sample(num, z_dim, seed=0):
  """float32 [num, z_dim], z ~ N(0, I), from numpy's default generator seeded with `seed`."""
  if num < 0 or z_dim < 1:
    raise ValueError(f'Invalid latent shape. Received: num={num}, z_dim={z_dim}; accepted: '
                     'num >= 0 and z_dim >= 1')
  return np.random.default_rng(seed).standard_normal((num, z_dim)).astype(np.float32)
