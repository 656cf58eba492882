"""2-D toy distributions (`--data=toy2d:NAME`): endless seeded streams of float32 [2] points.

This module owns the toy data: the sets, their mixtures (centres, sigma), their plot boxes and
their sampling. The mixtures are PacGAN's (Lin et al. 2018, Section 4); the mode-coverage
metrics (`metrics/toy.py`) score against these same `MIXTURES`, so that training data and
metrics agree by construction:

  ring8       8 Gaussians on the unit circle, sigma 0.01            points in about [-1, 1]^2
  grid25      5 x 5 Gaussians at {-4, -2, 0, 2, 4}^2, sigma 0.05    points in about [-4, 4]^2

and the shapes of the seed's experiments (its Figures 11-19), drawn the way scikit-learn's
`make_*` functions draw them (scikit-learn itself is not a dependency):

  parabola    y = x^2 - 1/2, x ~ U[-1, 1], noise 0.03               [-1, 1] x [-0.6, 0.6]
  circle      the unit circle, radial noise 0.02
  blobs       6 Gaussians at fixed scattered centres, sigma 0.15    about [-2, 2]^2
  circles     two concentric circles (radius 1 and 0.5), noise 0.03 (make_circles)
  moons       two interleaving half circles, noise 0.05, centred    (make_moons)
  spiral      one arm, 2 turns from the centre to radius 1, noise 0.02
  s_curve     the S curve of make_s_curve seen from its side (x, z), noise 0.05, scaled by 1/2
  swiss_roll  make_swiss_roll's (x, z) plane, noise 0.25, divided by 7.5 (as the WGAN-GP toy code)

Points are not scaled into [-1, 1]: the toy generator (`models/mlp.py`) has a linear output.

Sampling is stateless (`tf.random.stateless_*` keyed by (seed, chunk index)), so a stream is a
function of its seed alone, needs no Python in the tf.data graph, and restarts identically.
"""

import math

import numpy as np
import tensorflow as tf

from tfgan_anime import choices
from tfgan_anime.data import spec

PREFIX = choices.TOY_PREFIX
# Points drawn per map call of the stream; it is unbatched afterwards, so this only trades
# per-element overhead against memory.
_CHUNK = 4096
# A stream is endless; an "epoch" of toy data is this many points. With batch 256 and n_critic 5
# that is 200 generator steps: often enough for plots, rare enough to cost little.
EPOCH_POINTS = 256_000

# Fixed, scattered centres for `blobs` (made up once, not drawn, so they never change).
_BLOB_CENTRES = np.array([[-1.5, 1.2], [0.2, 1.6], [1.4, 0.5], [-0.6, -0.1], [1.0, -1.3],
                          [-1.2, -1.4]], np.float32)


def ring8():
  """8 modes at (cos 2 pi i / 8, sin 2 pi i / 8), i = 0..7; returns (centres [8, 2], sigma=0.01).

  PacGAN's ring; VEEGAN and Unrolled GAN use radius 2 and sigma 0.02 instead.
  """
  angles = 2.0 * np.pi * np.arange(8) / 8
  centres = np.stack([np.cos(angles), np.sin(angles)], axis=1)
  return centres, 0.01


def grid25():
  """25 modes at {-4, -2, 0, 2, 4}^2 (row-major in x); returns (centres [25, 2], sigma=0.05)."""
  axis = np.arange(-4.0, 5.0, 2.0)
  xs, ys = np.meshgrid(axis, axis, indexing='ij')
  return np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05


def _mixture(centres, sigma):
  # numpy here, a tensor only when sampling: a TensorFlow op at import time would stop
  # MultiWorkerMirroredStrategy, which must be created before the first op of the process.
  centres = np.asarray(centres, np.float32)

  def sample(n, seed):
    seeds = tf.random.experimental.stateless_split(seed, 2)
    index = tf.random.stateless_uniform([n], seeds[0], 0, centres.shape[0], dtype=tf.int32)
    noise = tf.random.stateless_normal([n, 2], seeds[1], stddev=sigma)
    return tf.gather(centres, index) + noise

  return sample


def _uniform_and_noise(n, seed, noise_std, low=0.0, high=1.0):
  seeds = tf.random.experimental.stateless_split(seed, 2)
  u = tf.random.stateless_uniform([n], seeds[0], low, high)
  noise = tf.random.stateless_normal([n, 2], seeds[1], stddev=noise_std)
  return u, noise


def _parabola(n, seed):
  x, noise = _uniform_and_noise(n, seed, 0.03, -1.0, 1.0)
  return tf.stack([x, x * x - 0.5], axis=1) + noise


def _circle(n, seed):
  seeds = tf.random.experimental.stateless_split(seed, 2)
  angle = tf.random.stateless_uniform([n], seeds[0], 0.0, 2.0 * math.pi)
  radius = 1.0 + tf.random.stateless_normal([n], seeds[1], stddev=0.02)
  return tf.stack([radius * tf.cos(angle), radius * tf.sin(angle)], axis=1)


def _circles(n, seed):
  # make_circles(factor=0.5): half the points on each circle.
  seeds = tf.random.experimental.stateless_split(seed, 2)
  angle, noise = _uniform_and_noise(n, seeds[0], 0.03, 0.0, 2.0 * math.pi)
  inner = tf.random.stateless_uniform([n], seeds[1]) < 0.5
  radius = tf.where(inner, 0.5, 1.0)
  return tf.stack([radius * tf.cos(angle), radius * tf.sin(angle)], axis=1) + noise


def _moons(n, seed):
  # make_moons: the outer moon (cos t, sin t) and the inner (1 - cos t, 1/2 - sin t), t in
  # [0, pi]; shifted by (-1/2, -1/4) to centre the pair on the origin.
  seeds = tf.random.experimental.stateless_split(seed, 2)
  t, noise = _uniform_and_noise(n, seeds[0], 0.05, 0.0, math.pi)
  inner = tf.random.stateless_uniform([n], seeds[1]) < 0.5
  x = tf.where(inner, 1.0 - tf.cos(t), tf.cos(t)) - 0.5
  y = tf.where(inner, 0.5 - tf.sin(t), tf.sin(t)) - 0.25
  return tf.stack([x, y], axis=1) + noise


def _spiral(n, seed):
  # sqrt(u) spreads points evenly along the arm (its length grows with the radius).
  u, noise = _uniform_and_noise(n, seed, 0.02)
  r = tf.sqrt(u)
  angle = 4.0 * math.pi * r
  return tf.stack([r * tf.cos(angle), r * tf.sin(angle)], axis=1) + noise


def _s_curve(n, seed):
  # make_s_curve: t = 3 pi (u - 1/2), x = sin t, z = sign(t) (cos t - 1); y (the depth) dropped.
  t, noise = _uniform_and_noise(n, seed, 0.05, -1.5 * math.pi, 1.5 * math.pi)
  return 0.5 * tf.stack([tf.sin(t), tf.sign(t) * (tf.cos(t) - 1.0)], axis=1) + noise


def _swiss_roll(n, seed):
  # make_swiss_roll(noise=0.25)[:, [0, 2]] / 7.5: t = 3 pi / 2 (1 + 2u), (t cos t, t sin t).
  t, noise = _uniform_and_noise(n, seed, 0.25, 1.5 * math.pi, 4.5 * math.pi)
  return (tf.stack([t * tf.cos(t), t * tf.sin(t)], axis=1) + noise) / 7.5


# The mixtures whose modes `metrics/toy.py` counts: name -> (centres [M, 2] float64, sigma).
MIXTURES = {'ring8': ring8(), 'grid25': grid25()}

# name -> (sampler(n, seed [2]) -> float32 [n, 2], plot box (x_min, x_max, y_min, y_max)), in
# the order of choices.TOY_DATASETS (the names config.py accepts).
DATASETS = {
    'ring8': (_mixture(*MIXTURES['ring8']), (-1.5, 1.5, -1.5, 1.5)),
    'grid25': (_mixture(*MIXTURES['grid25']), (-5.5, 5.5, -5.5, 5.5)),
    'parabola': (_parabola, (-1.5, 1.5, -1.0, 1.0)),
    'circle': (_circle, (-1.5, 1.5, -1.5, 1.5)),
    'blobs': (_mixture(_BLOB_CENTRES, 0.15), (-2.5, 2.5, -2.5, 2.5)),
    'circles': (_circles, (-1.5, 1.5, -1.5, 1.5)),
    'moons': (_moons, (-2.0, 2.0, -1.5, 1.5)),
    'spiral': (_spiral, (-1.3, 1.3, -1.3, 1.3)),
    's_curve': (_s_curve, (-1.0, 1.0, -1.5, 1.5)),
    'swiss_roll': (_swiss_roll, (-2.0, 2.0, -2.0, 2.0)),
}


# The spec parsing lives in spec.py, which config.py reads without TensorFlow.
is_toy = spec.is_toy
parse = spec.parse_toy


def sample(name, n, seed=0):
  """n points of toy `name` as a float32 numpy array [n, 2] (seeded, stateless)."""
  sampler, _ = DATASETS[name]
  return sampler(int(n), tf.constant([seed, -1], tf.int64)).numpy()


def plot_box(name):
  """(x_min, x_max, y_min, y_max) that holds the data with a margin, for plots."""
  return DATASETS[name][1]


def toy_dataset(name, seed=0, start=0):
  """An endless stream of float32 [2] points of toy `name`; the same seed gives the same stream.

  Chunk i is drawn with the stateless seed (seed, i), so chunks are independent of each other,
  and the stream can begin at point `start` (a resumed run's data position) without drawing the
  chunks before it.
  """
  sampler, _ = DATASETS[name]

  def chunk(index):
    return sampler(_CHUNK, tf.stack([tf.constant(seed, tf.int64), index]))

  first_chunk, offset = divmod(int(start), _CHUNK)
  points = tf.data.Dataset.counter(first_chunk, dtype=tf.int64).map(chunk).unbatch()
  return points.skip(offset)
