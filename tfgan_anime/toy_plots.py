"""Plots of the 2-D toy runs with PIL and numpy only: samples over the data, and the critic.

Two panels side by side, as in the WGAN-GP paper's Figure 1 (Gulrajani et al. 2017):

* left: real points (grey) under generated points (orange), so uncovered modes show as grey;
* right: the critic's value D(x) over the plot box as a heat map (dark blue low, yellow high),
  with iso-value contour lines (white) at 10 evenly spaced levels, and the generated points.

A WGAN critic's value is only defined up to a constant, so the colour scale is each panel's own
min..max. matplotlib is not a dependency of this package; these few drawing primitives suffice.
"""

import numpy as np
from PIL import Image
from PIL import ImageDraw

PANEL = 384  # Pixels per panel side.
_MARGIN = 6
_BACKGROUND = (255, 255, 255)
_REAL = (150, 150, 150)
_FAKE = (235, 110, 20)
_FAKE_ON_HEAT = (255, 60, 60)
# Anchor colours of a blue-green-yellow ramp (viridis-like), interpolated linearly.
_RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
                 np.float64)
CONTOUR_LEVELS = 10


def colour_ramp(values):
  """values in [0, 1] (any shape) -> uint8 RGB (shape + [3]) along the blue-to-yellow ramp."""
  values = np.clip(np.asarray(values, np.float64), 0.0, 1.0) * (len(_RAMP) - 1)
  low = np.minimum(np.floor(values).astype(int), len(_RAMP) - 2)
  t = (values - low)[..., np.newaxis]
  return np.round(_RAMP[low] * (1.0 - t) + _RAMP[low + 1] * t).astype(np.uint8)


def to_pixels(points, box, size=PANEL):
  """Data points [N, 2] -> pixel coordinates [N, 2] (x right, y up in data; down in pixels)."""
  x_min, x_max, y_min, y_max = box
  points = np.asarray(points, np.float64)
  px = (points[:, 0] - x_min) / (x_max - x_min) * (size - 1)
  py = (y_max - points[:, 1]) / (y_max - y_min) * (size - 1)
  return np.stack([px, py], axis=1)


def grid_points(box, cells):
  """Centres of a cells x cells grid over `box`, row-major from the top: float32 [cells^2, 2]."""
  x_min, x_max, y_min, y_max = box
  xs = x_min + (np.arange(cells) + 0.5) / cells * (x_max - x_min)
  ys = y_max - (np.arange(cells) + 0.5) / cells * (y_max - y_min)
  gx, gy = np.meshgrid(xs, ys)
  return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def contour_mask(values, levels=CONTOUR_LEVELS):
  """bool [H, W]: True where the quantised value [0, levels) changes to a neighbour's.

  values: [H, W] in [0, 1]. Marks the pixel on the low side of each crossing, which draws a
  one-pixel line along each iso-value level i / levels.
  """
  bands = np.minimum((np.asarray(values) * levels).astype(int), levels - 1)
  mask = np.zeros(bands.shape, bool)
  mask[:, :-1] |= bands[:, :-1] < bands[:, 1:]
  mask[:, 1:] |= bands[:, 1:] < bands[:, :-1]
  mask[:-1, :] |= bands[:-1, :] < bands[1:, :]
  mask[1:, :] |= bands[1:, :] < bands[:-1, :]
  return mask


def _dots(image, pixels, colour, radius):
  draw = ImageDraw.Draw(image)
  size = image.size[0]
  for x, y in pixels:
    if -radius <= x < size + radius and -radius <= y < size + radius:
      draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)


def samples_panel(real, fake, box, size=PANEL):
  """uint8 [size, size, 3]: real points (grey) under generated points (orange)."""
  image = Image.new('RGB', (size, size), _BACKGROUND)
  _dots(image, to_pixels(real, box, size), _REAL, 1.5)
  _dots(image, to_pixels(fake, box, size), _FAKE, 1.5)
  return np.asarray(image)


def critic_panel(values, fake, box, size=PANEL):
  """uint8 [size, size, 3]: the critic surface with contours and the generated points.

  Args:
    values: critic values on `grid_points(box, cells)` reshaped to [cells, cells] (any range).
    fake: generated points [N, 2].
  """
  values = np.asarray(values, np.float64)
  low, high = float(values.min()), float(values.max())
  scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
  # Bilinear upsampling of the values (not of the colours) gives smooth contour lines.
  scaled = np.asarray(Image.fromarray(scaled.astype(np.float32), mode='F').resize(
      (size, size), Image.BILINEAR), np.float64)
  heat = colour_ramp(scaled)
  heat[contour_mask(scaled)] = 255
  image = Image.fromarray(heat)
  _dots(image, to_pixels(fake, box, size), _FAKE_ON_HEAT, 1.0)
  return np.asarray(image)


def side_by_side(*panels):
  """uint8 panels [S, S, 3] -> one uint8 image with a white margin between them."""
  size = panels[0].shape[0]
  out = np.full((size, len(panels) * size + (len(panels) - 1) * _MARGIN, 3), 255, np.uint8)
  for i, panel in enumerate(panels):
    out[:, i * (size + _MARGIN):i * (size + _MARGIN) + size] = panel
  return out
