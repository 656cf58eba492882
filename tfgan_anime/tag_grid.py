"""The tag grid of a tag-conditional generator: one row per value of a tag group, one column per
value of another, a fixed z per row, with captions.

Shared by the generate binary (`--tag_grid`, over an export) and training's `TagGrid` callback
(over the in-memory sampler), so both draw the same picture for the same weights and seed.

Layout (`requests`), from the vocabulary dict of `data/conditions.vocabulary_json`:
* two groups or more: rows are the first group's named values ('blonde hair', ...), columns the
  second's ('aqua eyes', ...); row r uses z number r across the row, so a row shows what the
  second group's tag changes in one face. Any further group is held at its most frequent value.
* one group: rows are its values, and the columns are `columns` z's (column c uses z number c),
  so a column shows what the tag changes in one face.
The unknown class of policy 'unknown' names no look and gets no row or column.
"""

import dataclasses

import numpy as np

from tfgan_anime import images as images_lib
from tfgan_anime import latent
from tfgan_anime.data.conditions import UNKNOWN

# Columns of a one-group grid.
SINGLE_GROUP_COLUMNS = 8


@dataclasses.dataclass(frozen=True)
class Requests:
  """What the grid asks the generator for.

  Attributes:
    row_captions, column_captions: the text beside each row and above each column.
    corner: the caption of the top-left corner ('hair \\ eyes').
    labels: int32 [R, C, G], the label row of each cell (columns in the order of the groups).
    z_index: int [R, C], which of the `num_z` z's each cell uses.
    num_z: how many z's the grid draws (latent.sample(num_z, z_dim, seed)).
  """
  row_captions: tuple
  column_captions: tuple
  corner: str
  labels: np.ndarray
  z_index: np.ndarray
  num_z: int


def _named(conditions, group):
  return [(i, tag) for i, tag in enumerate(conditions['vocabulary'][group]) if tag != UNKNOWN]


def _most_frequent(conditions, group):
  named = _named(conditions, group)
  counts = conditions.get('counts', {}).get(group)
  if not counts:
    return named[0][0]
  return max(named, key=lambda item: counts[item[0]])[0]


def requests(conditions, columns=SINGLE_GROUP_COLUMNS):
  """The grid's cells for a vocabulary dict (module docstring). Returns a Requests."""
  groups = list(conditions['groups'])
  if not groups:
    raise ValueError(f'The tag grid needs a conditional generator. Received: groups={groups}')
  base = [_most_frequent(conditions, group) for group in groups]
  rows = _named(conditions, groups[0])
  if len(groups) == 1:
    labels = np.array([[[i] for _ in range(columns)] for i, _ in rows], np.int32)
    z_index = np.tile(np.arange(columns), (len(rows), 1))
    return Requests(tuple(tag for _, tag in rows),
                    tuple(f'z {c + 1}' for c in range(columns)), f'{groups[0]} \\ z', labels,
                    z_index, columns)
  cols = _named(conditions, groups[1])
  labels = np.empty((len(rows), len(cols), len(groups)), np.int32)
  for r, (row_class, _) in enumerate(rows):
    for c, (column_class, _) in enumerate(cols):
      labels[r, c] = [row_class, column_class] + base[2:]
  z_index = np.tile(np.arange(len(rows))[:, None], (1, len(cols)))
  return Requests(tuple(tag for _, tag in rows), tuple(tag for _, tag in cols),
                  f'{groups[0]} \\ {groups[1]}', labels, z_index, len(rows))


def render(generate_fn, conditions, z_dim, seed=0, scale=0):
  """The captioned tag grid, uint8 [H', W', C].

  Args:
    generate_fn: (z float32 [N, z_dim], labels int32 [N, G]) -> uint8 images [N, H, W, C].
    conditions: the vocabulary dict.
    z_dim: the generator's latent size.
    seed: seed of the z's (latent.sample).
    scale: integer upscale of each cell (images.grid_scale: 0 is the smallest that shows each
      at least 64 px wide, so that captions fit).
  """
  grid = requests(conditions)
  z = latent.sample(grid.num_z, z_dim, seed)
  rows, columns, groups = grid.labels.shape
  out = np.asarray(generate_fn(z[grid.z_index.reshape(-1)], grid.labels.reshape(-1, groups)))
  factor = images_lib.grid_scale(scale, out.shape[1])
  cells = np.stack([images_lib.upscale(image, factor) for image in out])
  cells = cells.reshape((rows, columns) + cells.shape[1:])
  return images_lib.captioned_grid(cells, grid.row_captions, grid.column_captions, grid.corner)
