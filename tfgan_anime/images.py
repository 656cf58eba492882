"""Image conversions and sample grids shared by training, export and generation."""

import math
import os

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import files


def to_uint8(images):
  """float images in [-1, 1] -> uint8 in [0, 255] (round to nearest, clipped); a tf.Tensor.

  The one conversion of the package in this direction: grids, the export, evaluation.
  """
  images = tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) * 127.5, 0.0, 255.0)
  return tf.cast(tf.round(images), tf.uint8)


def from_uint8(images):
  """uint8 images in [0, 255] -> float32 in [-1, 1] (x / 127.5 - 1); a tf.Tensor.

  The one conversion of the package in this direction: the data pipelines and the metrics.
  """
  return tf.cast(images, tf.float32) / 127.5 - 1.0


def make_grid(images, rows=None):
  """uint8 [N, H, W, C] -> one uint8 [rows*H, cols*W, C] image, filled row by row (any C: 1 for
  gray, 3 for RGB; empty cells are black).

  rows defaults to the integer square root rounded up, so 64 images make an 8 x 8 grid.
  """
  images = np.asarray(images)
  if images.ndim != 4 or images.dtype != np.uint8:
    raise ValueError('images must be uint8 [N, H, W, C]. Received: '
                     f'shape={images.shape}, dtype={images.dtype}')
  n, h, w, c = images.shape
  rows = rows or math.ceil(math.sqrt(n))
  cols = math.ceil(n / rows)
  grid = np.zeros((rows * h, cols * w, c), np.uint8)
  for i in range(n):
    r, col = divmod(i, cols)
    grid[r * h:(r + 1) * h, col * w:(col + 1) * w] = images[i]
  return grid


# The smallest side at which one sample of a grid is readable on a screen: a 32 px face shown at
# 32 screen pixels (on a high-DPI display, fewer) hides the artefacts a user looks for.
MIN_GRID_CELL = 64


def grid_scale(scale, side):
  """The integer upscale of a grid of `side` px images: `scale`, or with 0 the smallest that
  shows each image at least MIN_GRID_CELL px wide (2 at 32 px, 1 at 64 px and above)."""
  if isinstance(scale, bool) or not isinstance(scale, int) or scale < 0:
    raise ValueError(f'Invalid grid scale. Received: scale={scale!r}; accepted: an integer >= 0 '
                     '(0: automatic)')
  return scale or max(1, math.ceil(MIN_GRID_CELL / side))


def upscale(image, factor):
  """uint8 [H, W] or [H, W, C] -> [factor*H, factor*W(, C)]: each pixel a factor x factor block
  (nearest neighbour; no new colours, so a sample's pixels stay visible as they are)."""
  if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
    raise ValueError(f'Invalid upscale factor. Received: factor={factor!r}; accepted: an integer '
                     '>= 1')
  image = np.asarray(image)
  if factor == 1:
    return image
  return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def save_png(image, path):
  """Writes a uint8 [H, W, 3] (RGB) or [H, W, 1] / [H, W] (gray, PNG mode 'L') image as PNG, via
  a temporary file and a rename."""
  image = np.asarray(image)
  if image.dtype != np.uint8 or not (image.ndim == 2 or
                                     (image.ndim == 3 and image.shape[-1] in (1, 3))):
    raise ValueError('image must be uint8 [H, W, 3], [H, W, 1] or [H, W]. Received: '
                     f'shape={image.shape}, dtype={image.dtype}')
  if image.ndim == 3 and image.shape[-1] == 1:
    image = image[..., 0]  # PIL reads [H, W] uint8 as mode 'L'; [H, W, 1] it refuses.
  with files.atomic_write(path, 'wb') as f:
    Image.fromarray(image).save(f, format='PNG')
