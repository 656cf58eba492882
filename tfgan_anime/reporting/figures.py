"""The comparison's two figures, drawn with matplotlib (Agg, no display): sample grids side by
side, and the runs' training curves.

The table has one column per run and one row per epoch, as the report's tables put the settings
being compared next to each other: a row compares the runs at the same point of training, a
column follows one run through it, and the captions (which can be long) sit above the columns,
where a cell's width leaves room for them.
"""

import dataclasses
import math

from matplotlib import figure as figure_lib
from matplotlib import patches
from matplotlib.backends import backend_agg

from tfgan_anime import files
from tfgan_anime.errors import UserError
from tfgan_anime.reporting import runs as runs_lib

# Titles of the training scalars (training/gan.py's metrics); other tags are titled by their name.
TAG_TITLES = {
    'train/d_loss': 'critic loss (train/d_loss)',
    'train/g_loss': 'generator loss (train/g_loss)',
    'train/w_dist': 'Wasserstein estimate E[D(x)] - E[D(G(z))] (train/w_dist)',
    'train/gp': 'gradient penalty (train/gp)',
    'train/grad_norm': "critic gradient norm at x^ (train/grad_norm)",
}
MISSING_COLOUR = '#d9d9d9'


@dataclasses.dataclass(frozen=True)
class TableLayout:
  """Pixel sizes of the sample table. The DPI is a power of two, so inches = pixels / dpi exactly
  and the PNG has exactly `size(...)` pixels."""
  cell_px: int = 384    # side of the square cell each grid is fitted into
  gap_px: int = 8       # after each cell, right and below
  label_px: int = 32    # the left margin with the row labels
  line_px: int = 20     # one caption line
  font_pt: float = 9.0
  dpi: int = 128

  def chars_per_line(self):
    # A character of a proportional font is about 0.6 em wide.
    return max(8, int(self.cell_px / (0.6 * self.font_pt * self.dpi / 72)))

  def caption_px(self, caption_lines):
    return caption_lines * self.line_px + self.gap_px

  def size(self, num_columns, num_rows, caption_lines):
    """(width, height) in pixels of a table with that many columns, rows and caption lines."""
    width = self.label_px + num_columns * (self.cell_px + self.gap_px)
    height = self.caption_px(caption_lines) + num_rows * (self.cell_px + self.gap_px)
    return width, height

  def cell_box(self, column, row, caption_lines):
    """(left, top) pixel of a cell, from the image's top-left corner."""
    return (self.label_px + column * (self.cell_px + self.gap_px),
            self.caption_px(caption_lines) + row * (self.cell_px + self.gap_px))


def _save(fig, path, dpi):
  backend_agg.FigureCanvasAgg(fig)
  # PIL and matplotlib pick a format by suffix; atomic_write's temporary name ends in .tmp.
  with files.atomic_write(path, 'wb') as f:
    fig.savefig(f, format='png', dpi=dpi)


def draw_table(grids, row_labels, column_captions, path, layout=TableLayout()):
  """Writes a PNG of `grids[row][column]` (uint8 [H, W, 3], or None for a missing cell).

  Args:
    grids: a list per row of one grid (or None) per column.
    row_labels: one per row, e.g. 'epoch 10'.
    column_captions: one per column.
    path: the PNG to write.
    layout: pixel sizes; the PNG is `layout.size(columns, rows, caption lines)`.

  Returns:
    (width, height) of the PNG in pixels.
  """
  width_chars = layout.chars_per_line()
  wrapped = [runs_lib.wrap_caption(caption, width_chars) for caption in column_captions]
  lines = max(len(w) for w in wrapped)
  width, height = layout.size(len(column_captions), len(row_labels), lines)
  fig = figure_lib.Figure(figsize=(width / layout.dpi, height / layout.dpi), dpi=layout.dpi)
  cell_w, cell_h = layout.cell_px / width, layout.cell_px / height
  for column, caption_lines in enumerate(wrapped):
    left, _ = layout.cell_box(column, 0, lines)
    fig.text((left + layout.cell_px / 2) / width, 1 - layout.gap_px / 2 / height,
             '\n'.join(caption_lines), ha='center', va='top', fontsize=layout.font_pt)
  for row, label in enumerate(row_labels):
    _, top = layout.cell_box(0, row, lines)
    fig.text(layout.label_px / 2 / width, 1 - (top + layout.cell_px / 2) / height, label,
             ha='center', va='center', rotation=90, fontsize=layout.font_pt)
    for column, grid in enumerate(grids[row]):
      left, top = layout.cell_box(column, row, lines)
      ax = fig.add_axes((left / width, 1 - top / height - cell_h, cell_w, cell_h))
      ax.set_axis_off()  # no frame: a cell covers its square and nothing beyond it
      if grid is None:
        ax.add_patch(patches.Rectangle((0, 0), 1, 1, color=MISSING_COLOUR,
                                       transform=ax.transAxes))
        ax.text(0.5, 0.5, f'missing\n{label}', ha='center', va='center',
                fontsize=layout.font_pt, transform=ax.transAxes)
      else:
        ax.imshow(grid, interpolation='antialiased')
  _save(fig, path, layout.dpi)
  return width, height


def write_table(runs, epochs, path, layout=TableLayout()):
  """The runs' sample grids at `epochs` side by side, captioned with the settings that differ.

  Args:
    runs: runs_lib.Run values, one column each.
    epochs: 1-based epochs or runs_lib.LATEST, one row each.
    path: the PNG to write.
    layout: pixel sizes.

  Returns:
    The (run name, row label) of every missing cell.
  """
  grids = [[runs_lib.read_grid(run.path, epoch) for run in runs] for epoch in epochs]
  labels = [runs_lib.row_label(epoch) for epoch in epochs]
  draw_table(grids, labels, runs_lib.captions(runs), path, layout)
  return [(run.name, label) for row, label in zip(grids, labels)
          for run, grid in zip(runs, row) if grid is None]


def draw_curves(scalars_per_run, legends, path, columns=3, dpi=100):
  """Writes a PNG of one subplot per tag, one line per run, against the generator step.

  Args:
    scalars_per_run: per run, {tag: (steps [K], values [K])} as runs_lib.read_scalars returns;
      a tag a run lacks has no line for it.
    legends: one label per run.
    path: the PNG to write.
    columns: subplots per row.

  Returns:
    The tags plotted, in order.

  Raises:
    UserError: no run has any scalar.
  """
  tags = runs_lib.ordered_tags(scalars_per_run)
  if not tags:
    raise UserError('No scalars to plot: no run has TensorBoard event files with scalars '
                    '(<run>/tensorboard/events.out.tfevents.*).')
  columns = min(columns, len(tags))
  rows = math.ceil(len(tags) / columns)
  fig = figure_lib.Figure(figsize=(4.4 * columns, 3.0 * rows + 0.3 * len(legends)),
                          layout='constrained')
  axes = fig.subplots(rows, columns, squeeze=False).ravel()
  handles = {}
  for ax, tag in zip(axes, tags):
    for i, scalars in enumerate(scalars_per_run):
      if tag in scalars:
        steps, values = scalars[tag]
        (line,) = ax.plot(steps, values, color=f'C{i % 10}', linewidth=1.0,
                          marker='.' if len(steps) < 20 else None)
        handles.setdefault(i, line)
    ax.set_title(TAG_TITLES.get(tag, tag), fontsize=9)
    ax.set_xlabel('generator step', fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
  for ax in axes[len(tags):]:
    ax.set_axis_off()
  order = sorted(handles)
  fig.legend([handles[i] for i in order], [legends[i] for i in order],
             loc='outside lower center', ncols=1, fontsize=8, frameon=False)
  _save(fig, path, dpi)
  return tags


def write_curves(runs, path):
  """d_loss, g_loss, the Wasserstein estimate, the penalty and every other scalar (eval/...) of
  the runs, from their TensorBoard logs, legended with the same captions as the table.

  Returns:
    The tags plotted.
  """
  scalars = [runs_lib.read_scalars(run.path) for run in runs]
  return draw_curves(scalars, runs_lib.captions(runs), path)
