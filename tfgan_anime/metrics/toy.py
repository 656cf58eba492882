"""Mode-coverage metrics for 2-D toy mixtures (ring of 8, grid of 25 Gaussians).

Definitions follow VEEGAN (Srivastava et al. 2017, arXiv:1705.07761, Section 5) and PacGAN
(Lin et al. 2018, arXiv:1712.04086, Section 4 and its released code):

* a generated sample is *high quality* when its Euclidean distance to the nearest mode centre is
  below 3 sigma (strictly, as in PacGAN's code);
* a mode is *captured* when it is the nearest mode of at least one high-quality sample;
* reverse KL = KL(q || p) where q is the histogram of the high-quality samples over their nearest
  modes, normalised to sum to 1, and p is the uniform distribution over the M modes:

      KL(q || p) = sum_m q_m log(q_m M)      in [0, log M].

  Empty bins (q_m = 0) contribute 0 (the limit of q log q); p has no empty bins, so the value is
  always finite. 0 means every mode gets the same share of high-quality samples; log M means they
  all sit on one mode. When no sample is high quality q is undefined and reverse KL is NaN (the
  high-quality fraction of 0 says what happened).

The mixtures are the data's (`data/toy2d.py` owns them, `toy2d.MIXTURES`): `ring8` (8 modes on
the unit circle, sigma 0.01) and `grid25` (5 x 5 at {-4, -2, 0, 2, 4}^2, sigma 0.05).
"""

import math
from typing import NamedTuple

import numpy as np

from tfgan_anime.data import toy2d

HIGH_QUALITY_STDS = 3.0
# The mixtures are defined with the data they are drawn from; the metrics only read them.
ring8 = toy2d.ring8
grid25 = toy2d.grid25


class ToyMetrics(NamedTuple):
  high_quality_fraction: float  # in [0, 1]
  modes_captured: int  # in [0, M]
  reverse_kl: float  # in [0, log M], NaN when no sample is high quality
  mode_counts: np.ndarray  # [M] int, high-quality samples per mode


def mode_counts(samples, centres, sigma):
  """High-quality samples per mode: int array [M] (definitions in the module docstring)."""
  samples = np.asarray(samples, dtype=np.float64)
  centres = np.asarray(centres, dtype=np.float64)
  if samples.ndim != 2 or samples.shape[0] < 1:
    raise ValueError(f'`samples` must have shape [N, D] with N >= 1. '
                     f'Received: samples.shape={samples.shape}')
  if centres.ndim != 2 or centres.shape[1] != samples.shape[1]:
    raise ValueError(f'`centres` must have shape [M, D] with D = {samples.shape[1]}. '
                     f'Received: centres.shape={centres.shape}')
  if not sigma > 0:
    raise ValueError(f'`sigma` must be > 0. Received: sigma={sigma}')
  # [N, M] distances; M is at most a few dozen, so this is small.
  distances = np.linalg.norm(samples[:, np.newaxis, :] - centres[np.newaxis, :, :], axis=-1)
  nearest = np.argmin(distances, axis=1)
  high_quality = distances[np.arange(len(samples)), nearest] < HIGH_QUALITY_STDS * sigma
  return np.bincount(nearest[high_quality], minlength=centres.shape[0])


def toy_metrics(samples, centres, sigma):
  """High-quality fraction, modes captured and reverse KL of samples [N, 2] against a mixture.

  Args:
    samples: generated points [N, D] (D = 2 for the toys), in data units.
    centres: mode centres [M, D], e.g. from `ring8()` or `grid25()`.
    sigma: the modes' standard deviation (isotropic).

  Returns:
    ToyMetrics(high_quality_fraction, modes_captured, reverse_kl, mode_counts).
  """
  counts = mode_counts(samples, centres, sigma)
  num_samples = np.asarray(samples).shape[0]
  num_modes = counts.shape[0]
  total = int(counts.sum())
  if total == 0:
    reverse_kl = math.nan
  else:
    q = counts[counts > 0] / total
    reverse_kl = float(np.sum(q * np.log(q * num_modes)))
  return ToyMetrics(
      high_quality_fraction=total / num_samples,
      modes_captured=int(np.count_nonzero(counts)),
      reverse_kl=reverse_kl,
      mode_counts=counts)
