"""A diversity statistic of a batch of images, for watching a generator for mode collapse.

The statistic is the mean pairwise distance between the samples after an area downsampling to
`side` x `side` pixels (16 by default):

    diversity(X) = mean over pairs i < j of ||f(x_i) - f(x_j)||_2 / sqrt(dim f)

where f(x) is the image in [-1, 1], averaged over equal pixel blocks to side x side x C and
flattened. Dividing by sqrt(dim f) makes it the root-mean-square difference of one value between
two samples, in the units of the [-1, 1] images: 0 for identical samples, at most 2, and
comparable across resolutions. The watch compares it with the same statistic on real images:

    ratio = diversity(fake) / diversity(real)

Why this one:
- Cost: one box filter and scipy's pdist, milliseconds for a few hundred samples on a CPU; no
  network runs, so it can be computed every epoch on a fixed batch without slowing training.
- No weights to download, no feature extractor trained on another domain (Inception features are
  a poor fit for anime faces): it works on any folder of images, at any resolution >= `side`.
- Sensitivity to collapse: a collapsed generator keeps varying its high frequencies (noise,
  texture) while its faces are the same; the downsampling removes those and keeps what collapse
  takes away (layout, hair and eye colour, pose). Identical samples score exactly 0. If n samples
  fall evenly on m distinct images, a fraction (n/m - 1) / (n - 1) of the pairs are copies, so
  the value falls by that fraction (the other pairs keeping their distances): collapse onto 2
  images about halves it, onto 1 makes it 0, and
  samples that vary far less than the real images do (near copies of a few faces) lower it at
  every scale of their differences.
- What it misses: it measures spread, not coverage. A generator that covers few modes which lie
  as far apart as real images do (m >= 4 distinct faces) loses only about 1/m of the value;
  memorising training images scores like the real data. The tag classifier's combinations
  covered (metrics/tag_classifier.py) is the coverage check on the synthetic faces. Pixels at
  16 px also weigh colour more than shape: samples that differ only in colour count as diverse.

MS-SSIM between pairs (Odena et al. 2017) or LPIPS were the alternatives: MS-SSIM's 5 scales with
its 11 px window need images over 160 px (the 64 px samples allow 3), and LPIPS needs pretrained
weights.

Pure numpy and scipy, no TensorFlow. The only randomness is which samples are kept when a batch
has more than `max_samples` (pairwise distances are O(N^2)), drawn from `seed`.
"""

import numpy as np
import scipy.spatial.distance

# The watch's proposed warning level: fake diversity below half the real data's. Collapse onto two
# faces, or samples that differ half as much as real ones do, reach it; a healthy run stays near 1.
WARN_RATIO = 0.5


def _to_float(images):
  """uint8 [0, 255] or float [-1, 1] -> float64 in [-1, 1], with one conversion for uint8."""
  images = np.asarray(images)
  if images.ndim != 4:
    raise ValueError(f'images must be [N, H, W, C]. Received: shape={images.shape}')
  if images.dtype == np.uint8:
    # images.from_uint8's formula in float32, so that a float batch converted by it scores the same.
    return (images.astype(np.float32) / 127.5 - 1.0).astype(np.float64)
  if not np.issubdtype(images.dtype, np.floating):
    raise ValueError(f'images must be uint8 or float. Received: dtype={images.dtype}')
  low, high = float(images.min()), float(images.max())
  if low < -1.0 - 1e-5 or high > 1.0 + 1e-5:
    raise ValueError('float images must be in [-1, 1]. Received: values in '
                     f'[{low:.4g}, {high:.4g}]; accepted: [-1, 1] floats or uint8 [0, 255]')
  return images.astype(np.float64)


def _block_edges(size, side):
  """Start index of each of `side` near-equal blocks of range(size)."""
  return (np.arange(side) * size) // side


def downsample(images, side=16):
  """Area average of [N, H, W, C] images to [N, side, side, C] (blocks of near-equal size).

  Args:
    images: uint8 [0, 255] or float [-1, 1], [N, H, W, C] with H, W >= side.
    side: output height and width.

  Returns:
    float64 [N, side, side, C] in [-1, 1].
  """
  x = _to_float(images)
  _, h, w, _ = x.shape
  if h < side or w < side:
    raise ValueError(f'images must be at least side x side. Received: {h}x{w}, side={side}')
  rows, cols = _block_edges(h, side), _block_edges(w, side)
  sums = np.add.reduceat(np.add.reduceat(x, rows, axis=1), cols, axis=2)
  counts = np.diff(np.append(rows, h))[:, None] * np.diff(np.append(cols, w))[None, :]
  return sums / counts[None, :, :, None]


def diversity(images, side=16, max_samples=1000, seed=0):
  """Mean pairwise RMS distance of the samples at `side` x `side` pixels (see the module doc).

  Args:
    images: uint8 [0, 255] or float [-1, 1], [N, H, W, C], N >= 2, H and W >= side.
    side: the downsampled size the distances are measured at.
    max_samples: when N is larger, this many samples drawn without replacement from `seed`.
    seed: of that draw (unused when N <= max_samples).

  Returns:
    A float in [0, 2]: 0 when all samples are equal.
  """
  images = np.asarray(images)
  if len(images) < 2:
    raise ValueError(f'diversity needs at least 2 images. Received: N={len(images)}')
  if len(images) > max_samples:
    keep = np.random.default_rng(seed).choice(len(images), max_samples, replace=False)
    images = images[np.sort(keep)]
  features = downsample(images, side).reshape(len(images), -1)
  distances = scipy.spatial.distance.pdist(features, 'euclidean')
  return float(distances.mean() / np.sqrt(features.shape[1]))


def diversity_ratio(fake, real, side=16, max_samples=1000, seed=0):
  """diversity(fake) / diversity(real): about 1 for a healthy generator, 0 for total collapse.

  Args:
    fake: generated images, uint8 or float [-1, 1], [N, H, W, C]; a fixed batch (one z) per run.
    real: real images of the same channels, [M, H', W', C]; any resolution >= side.
    side, max_samples, seed: as in `diversity`, applied to both sets.

  Returns:
    A float >= 0; compare it with WARN_RATIO.
  """
  if np.shape(fake)[-1] != np.shape(real)[-1]:
    raise ValueError('fake and real images must have the same channels. Received: '
                     f'fake={np.shape(fake)}, real={np.shape(real)}')
  reference = diversity(real, side, max_samples, seed)
  if reference == 0.0:
    raise ValueError('The real images are all identical (diversity 0): no reference to compare '
                     'against.')
  return diversity(fake, side, max_samples, seed) / reference
