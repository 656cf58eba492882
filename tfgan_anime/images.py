"""Image conversions and sample grids shared by training, export and generation."""

import math
import os

import numpy as np
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont
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


# Captions of `captioned_grid`: PIL's default font (its FreeType build), black on white.
CAPTION_SIZE = 11
CAPTION_PAD = 4
CELL_GAP = 2


def _wrap(draw, font, text, width):
  """`text` as lines no wider than `width` px where spaces allow (a long word stays whole)."""
  lines = []
  for word in text.split():
    if lines and draw.textlength(f'{lines[-1]} {word}', font=font) <= width:
      lines[-1] = f'{lines[-1]} {word}'
    else:
      lines.append(word)
  return lines or ['']


def captioned_grid(cells, row_captions, column_captions, corner=''):
  """uint8 cells [R, C, H, W, ch] -> one uint8 [top + R*(H+gap), left + C*(W+gap), ch] image:
  the cells in rows and columns on white, each row's caption left of it, each column's above it
  (wrapped at spaces to the cell's width), `corner` in the top-left corner (e.g. 'hair \\ eyes').

  Text is drawn with PIL's default font in black; ch is 3 (RGB) or 1 (gray). The tag grid
  (`tag_grid.render`) lays out its requests with this.
  """
  cells = np.asarray(cells)
  if cells.ndim != 5 or cells.dtype != np.uint8 or cells.shape[-1] not in (1, 3):
    raise ValueError('cells must be uint8 [R, C, H, W, 1 or 3]. Received: '
                     f'shape={cells.shape}, dtype={cells.dtype}')
  rows, columns, h, w, channels = cells.shape
  if len(row_captions) != rows or len(column_captions) != columns:
    raise ValueError(f'One caption per row and per column. Received: {len(row_captions)} row '
                     f'and {len(column_captions)} column captions for {rows} x {columns} cells')
  font = ImageFont.load_default(size=CAPTION_SIZE)
  measure = ImageDraw.Draw(Image.new('L', (1, 1)))
  line_height = CAPTION_SIZE + 3
  column_lines = [_wrap(measure, font, text, w) for text in column_captions]
  corner_lines = _wrap(measure, font, corner, 10**6) if corner else []
  top = (max(len(lines) for lines in column_lines + [corner_lines]) * line_height
         + 2 * CAPTION_PAD)
  left = max(measure.textlength(text, font=font) for text in list(row_captions) + [corner])
  left = int(np.ceil(left)) + 2 * CAPTION_PAD
  canvas = Image.new('RGB' if channels == 3 else 'L',
                     (left + columns * (w + CELL_GAP), top + rows * (h + CELL_GAP)),
                     (255, 255, 255) if channels == 3 else 255)
  draw = ImageDraw.Draw(canvas)
  black = (0, 0, 0) if channels == 3 else 0
  for i, line in enumerate(corner_lines):
    draw.text((CAPTION_PAD, CAPTION_PAD + i * line_height), line, fill=black, font=font)
  for c, lines in enumerate(column_lines):
    x = left + c * (w + CELL_GAP)
    for i, line in enumerate(lines):
      draw.text((x, CAPTION_PAD + i * line_height), line, fill=black, font=font)
  for r, text in enumerate(row_captions):
    y = top + r * (h + CELL_GAP) + max(0, (h - line_height) // 2)
    draw.text((CAPTION_PAD, y), text, fill=black, font=font)
  out = np.array(canvas)
  if channels == 1:
    out = out[..., None]
  for r in range(rows):
    for c in range(columns):
      y, x = top + r * (h + CELL_GAP), left + c * (w + CELL_GAP)
      out[y:y + h, x:x + w] = cells[r, c]
  return out
