"""Sliced Wasserstein distance (SWD) between image sets on Laplacian-pyramid patches.

Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and Variation"
(arXiv:1710.10196), Section 5 and Appendix D. It needs no pretrained network, so it works offline
and on any image domain (anime faces included, where ImageNet features are a poor fit):

1. Build a Laplacian pyramid per image: blur with the 5x5 binomial kernel [1, 4, 6, 4, 1]^2 / 256
   (mirror borders) and subsample by 2 (as cv2.pyrDown); each level keeps the image minus the
   upsampled next level (cv2.pyrUp), the last level keeps the blurred image itself. Levels go from
   the full resolution down to `min_resolution` (16 in the paper): level i is H / 2^i.
2. Take `patches_per_image` random 7x7 patches per image and level: descriptors of 7 * 7 * C values
   (C = 1 for gray images: 49 values, nothing tiled).
3. Normalise each set's descriptors per channel (mean 0, std 1 over patches and pixels), as the
   reference code does for each set separately.
4. SWD = mean over `num_repeats` x `directions_per_repeat` random unit directions of the 1-D
   Wasserstein-1 distance between the projected descriptor sets (sort both, mean |difference|).

Consequence of step 3, worth knowing when reading the numbers: SWD is blind to any per-channel
change x -> a x + b with a > 0 applied to a whole set (a colour cast, brightness or contrast
change); it measures texture and structure at each scale, and colour only through how channels
co-vary (a hue change that mixes or inverts channels does show). It is also why uint8 [0, 255]
and float [-1, 1] versions of the same images give the same value.

Papers report SWD x 10^3 per level; this module returns the raw values. For identical image sets
the value is exactly 0: both sets use the same patch positions and directions.

For point sets (the 2-D toy data) `sliced_wasserstein_points` is step 4 alone, on the points
themselves, in data units.
"""

import numpy as np
import scipy.ndimage

_BINOMIAL_5 = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype=np.float32) / 16.0
PATCH_SIZE = 7


def _blur(images, gain=1.0):
  """Separable 5x5 binomial blur of NHWC float32 images over H and W, mirror borders."""
  kernel = _BINOMIAL_5 * gain
  images = scipy.ndimage.convolve1d(images, kernel, axis=1, mode='mirror')
  return scipy.ndimage.convolve1d(images, kernel, axis=2, mode='mirror')


def _pyramid_down(images):
  return _blur(images)[:, ::2, ::2, :]


def _pyramid_up(images):
  n, h, w, c = images.shape
  upsampled = np.zeros((n, 2 * h, 2 * w, c), dtype=images.dtype)
  upsampled[:, ::2, ::2, :] = images
  # Zero insertion keeps 1/4 of the samples; the gain of 2 per axis restores the mean.
  return _blur(upsampled, gain=2.0)


def num_levels(height, width, min_resolution=16):
  """Pyramid levels for [height, width] images: halve while both sides stay even and >= min."""
  levels = 1
  while (height % 2 == 0 and width % 2 == 0 and height // 2 >= min_resolution and
         width // 2 >= min_resolution):
    height, width = height // 2, width // 2
    levels += 1
  return levels


def laplacian_pyramid(images, levels):
  """List of `levels` float32 NHWC arrays, finest first; their sum of upsamplings is the image."""
  pyramid = [np.asarray(images, dtype=np.float32)]
  for _ in range(levels - 1):
    pyramid.append(_pyramid_down(pyramid[-1]))
    pyramid[-2] = pyramid[-2] - _pyramid_up(pyramid[-1])
  return pyramid


def _descriptors(level, ys, xs):
  """[N * P, 7 * 7 * C] patches of `level` [N, h, w, C] with top-left corners (ys, xs) [N, P]."""
  n, p = ys.shape
  offsets = np.arange(PATCH_SIZE)
  rows = ys[:, :, np.newaxis, np.newaxis] + offsets[:, np.newaxis]  # [N, P, 7, 1]
  cols = xs[:, :, np.newaxis, np.newaxis] + offsets[np.newaxis, :]  # [N, P, 1, 7]
  image_index = np.arange(n)[:, np.newaxis, np.newaxis, np.newaxis]
  patches = level[image_index, rows, cols, :]  # [N, P, 7, 7, C]
  patches = patches.reshape(n * p, PATCH_SIZE, PATCH_SIZE, level.shape[-1])
  patches = patches - patches.mean(axis=(0, 1, 2), keepdims=True)
  std = patches.std(axis=(0, 1, 2), keepdims=True)
  # A constant channel (std 0) stays 0 instead of becoming NaN.
  patches = patches / np.where(std > 0, std, 1.0)
  return patches.reshape(n * p, -1)


def _sliced_wasserstein(a, b, directions):
  projected_a = np.sort(a @ directions, axis=0)
  projected_b = np.sort(b @ directions, axis=0)
  return float(np.mean(np.abs(projected_a - projected_b)))


def _check_images(name, images):
  images = np.asarray(images)
  if images.ndim != 4:
    raise ValueError(f'`{name}` must be NHWC [N, H, W, C]. Received: {name}.shape={images.shape}')
  if images.dtype != np.uint8:
    if not np.issubdtype(images.dtype, np.floating):
      raise ValueError(f'`{name}` must be uint8 or float. Received: {name}.dtype={images.dtype}')
    if not np.all(np.isfinite(images)):
      raise ValueError(f'`{name}` must be finite. Received: non-finite values in {name}')
  return images


def sliced_wasserstein_distance(real_images, generated_images, min_resolution=16,
                                patches_per_image=128, num_repeats=4, directions_per_repeat=128,
                                rng=0):
  """SWD per pyramid level and its mean (method in the module docstring).

  Args:
    real_images: [N, H, W, C] uint8 in [0, 255] or float (e.g. [-1, 1]); H, W >= 7.
    generated_images: same shape as `real_images` (same N: the 1-D distances compare sorted
      projections one to one).
    min_resolution: coarsest level's smallest side (paper: 16).
    patches_per_image: 7x7 patches per image and level (paper: 128). Memory per level and set is
      N * patches_per_image * 49 * C * 4 bytes.
    num_repeats, directions_per_repeat: random directions, 4 x 128 in the paper.
    rng: seed or `np.random.Generator` for patch positions and directions.

  Returns:
    (per_level, mean): list of Python floats, finest level first (level i at H / 2^i), and their
    mean. Multiply by 1e3 to compare with the paper's tables.
  """
  real = _check_images('real_images', real_images)
  generated = _check_images('generated_images', generated_images)
  if real.shape != generated.shape:
    raise ValueError('`real_images` and `generated_images` must have the same shape. '
                     f'Received: real_images.shape={real.shape}, '
                     f'generated_images.shape={generated.shape}')
  n, height, width, channels = real.shape
  if min(height, width) < PATCH_SIZE:
    raise ValueError(f'Images must be at least {PATCH_SIZE}x{PATCH_SIZE}. '
                     f'Received: real_images.shape={real.shape}')
  for name, value in (('patches_per_image', patches_per_image), ('num_repeats', num_repeats),
                      ('directions_per_repeat', directions_per_repeat)):
    if int(value) < 1:
      raise ValueError(f'`{name}` must be >= 1. Received: {name}={value}')
  rng = np.random.default_rng(rng)
  levels = num_levels(height, width, max(int(min_resolution), PATCH_SIZE))
  real_pyramid = laplacian_pyramid(real, levels)
  generated_pyramid = laplacian_pyramid(generated, levels)

  per_level = []
  for real_level, generated_level in zip(real_pyramid, generated_pyramid):
    h, w = real_level.shape[1:3]
    ys = rng.integers(0, h - PATCH_SIZE + 1, size=(n, int(patches_per_image)))
    xs = rng.integers(0, w - PATCH_SIZE + 1, size=(n, int(patches_per_image)))
    real_desc = _descriptors(real_level, ys, xs)
    generated_desc = _descriptors(generated_level, ys, xs)
    distances = []
    for _ in range(int(num_repeats)):
      directions = rng.standard_normal(
          (real_desc.shape[1], int(directions_per_repeat))).astype(np.float32)
      directions /= np.linalg.norm(directions, axis=0, keepdims=True)
      distances.append(_sliced_wasserstein(real_desc, generated_desc, directions))
    per_level.append(float(np.mean(distances)))
  return per_level, float(np.mean(per_level))


def sliced_wasserstein_points(real, fake, num_directions=256, seed=0):
  """Sliced Wasserstein-1 distance between point sets real [N, D] and fake [N, D] (same N).

  The SWD of the toy data: no pyramid, no patches, no normalisation, only the projections.
  The mean over `num_directions` random unit directions of the 1-D Wasserstein-1 distance of the
  projections (sorted, matched one to one). In data units; 0 for identical sets; for fake = real
  + v (a shift) in 2-D it tends to |v| E|cos theta| = 2 |v| / pi.
  """
  real = np.asarray(real, np.float64)
  fake = np.asarray(fake, np.float64)
  if real.ndim != 2 or real.shape != fake.shape:
    raise ValueError('`real` and `fake` must both be [N, D] with the same shape. Received: '
                     f'real.shape={real.shape}, fake.shape={fake.shape}')
  directions = np.random.default_rng(seed).standard_normal((real.shape[1], num_directions))
  directions /= np.linalg.norm(directions, axis=0, keepdims=True)
  return _sliced_wasserstein(real, fake, directions)
