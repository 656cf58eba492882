r"""Generates images from an exported generator; needs only the SavedModel.

  python -m tfgan_anime.generate --saved_model=runs/quickstart/export --num=64 --seed=0 \
      --out=grid.png [--out_dir=faces/]

Exit status: 0 written; 2 a bad flag or path (one `error:` line on stderr, nothing written).
"""

import os

from absl import flags
import numpy as np

# cli first, and nothing that loads TensorFlow up here: see cli.py.
from tfgan_anime import cli
from tfgan_anime import latent
from tfgan_anime.errors import UserError

FLAGS = flags.FLAGS

MAX_NUM = 100000
# Images generated per call of the SavedModel: memory stays bounded whatever --num is.
CHUNK = 256


def define_flags():
  """Defined only when run as a binary (by cli.run), so that importing this module registers no
  flags."""
  flags.DEFINE_string('saved_model', None, 'Export directory written by tfgan_anime.train '
                      '(<model_dir>/export).')
  flags.DEFINE_integer('num', 64, 'How many images to generate.')
  flags.DEFINE_integer('seed', 0, 'Seed of z ~ N(0, I); the same seed gives the same images.')
  flags.DEFINE_string('out', 'grid.png', 'PNG path of a grid of all images ("" for none).')
  flags.DEFINE_string('out_dir', '', 'If set, also write each image as out_dir/NNNNN.png.')
  flags.DEFINE_integer('rows', 0, 'Grid rows; 0: the square root of --num, rounded up.')
  flags.DEFINE_integer('grid_scale', 1, 'Integer upscale (nearest) of the --out grid; 0: the '
                       'smallest that shows each image at least 64 px wide (as training\'s '
                       'grids).')


def generate(saved_model, num, seed):
  """Returns uint8 images [num, H, W, C] (C = 3 RGB or 1 gray; or float32 points [num, D] from a toy export) from the
  export at `saved_model`, z from `seed`."""
  from tfgan_anime import export as export_lib  # pylint: disable=g-import-not-at-top (TensorFlow)
  generator = export_lib.load_generator(saved_model)
  z = latent.sample(num, generator.z_dim, seed)
  return np.concatenate([generator(z[i:i + CHUNK]) for i in range(0, num, CHUNK)])


def check_flags(saved_model, num, seed, out, out_dir, rows, grid_scale=1):
  """Raises UserError for the first problem with the flags, naming flag, value and what is accepted.

  Looks at the file system but loads nothing, so a bad flag is reported before TensorFlow loads.
  """
  if not saved_model:
    raise UserError('Missing --saved_model. Received: saved_model=None; accepted: an export '
                    'directory (<model_dir>/export)')
  if not 1 <= num <= MAX_NUM:
    raise UserError(f'Invalid --num. Received: num={num}; accepted: an integer in [1, {MAX_NUM}] '
                    '(run again with another --seed for more)')
  if seed < 0:
    raise UserError(f'Invalid --seed. Received: seed={seed}; accepted: an integer >= 0')
  if not 0 <= rows <= num:
    raise UserError(f'Invalid --rows. Received: rows={rows}; accepted: an integer in [0, '
                    f'--num={num}]')
  if isinstance(grid_scale, bool) or not isinstance(grid_scale, int) or grid_scale < 0:
    raise UserError(f'Invalid --grid_scale. Received: grid_scale={grid_scale!r}; accepted: an '
                    'integer >= 0 (0: automatic)')
  if not out and not out_dir:
    raise UserError('Nothing to write. Received: out="", out_dir=""; accepted: a PNG path in '
                    '--out or a directory in --out_dir')
  if out:
    if not out.lower().endswith('.png') or os.path.isdir(out):
      raise UserError(f'Invalid --out. Received: out={out!r}; accepted: a file path ending in '
                      '.png')
    _check_creatable('out', out)
  if out_dir:
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
      raise UserError(f'Invalid --out_dir. Received: out_dir={out_dir!r}; accepted: a directory, '
                      'not a file')
    _check_creatable('out_dir', out_dir)
  if not os.path.isfile(os.path.join(saved_model, 'saved_model.pb')):
    raise UserError(f'No SavedModel found. Received: saved_model={saved_model!r}; accepted: a '
                    'directory written by tfgan_anime.train (<model_dir>/export)')


def _check_creatable(name, path):
  """Raises UserError when a folder above `path` is a file, so it can never be written."""
  parent = os.path.dirname(os.path.abspath(path))
  while not os.path.exists(parent):
    parent = os.path.dirname(parent)
  if not os.path.isdir(parent):
    raise UserError(f'Invalid --{name}. Received: {name}={path!r}; accepted: a path whose '
                    f'folders can be created ({parent!r} is a file)')


def _write_points(points):
  """A toy export gives points [N, 2]: --out gets a scatter plot, --out_dir a points.csv."""
  from tfgan_anime import images as images_lib  # pylint: disable=g-import-not-at-top
  from tfgan_anime import toy_plots  # pylint: disable=g-import-not-at-top
  if FLAGS.out:
    low, high = points.min(0), points.max(0)
    margin = 0.1 * np.maximum(high - low, 1e-3)
    box = (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])
    images_lib.save_png(toy_plots.samples_panel(np.zeros((0, 2)), points, box), FLAGS.out)
    print(f'Wrote a scatter plot of {len(points)} points to {FLAGS.out}')
  if FLAGS.out_dir:
    os.makedirs(FLAGS.out_dir, exist_ok=True)
    path = os.path.join(FLAGS.out_dir, 'points.csv')
    np.savetxt(path, points, fmt='%.6g', delimiter=',', header='x,y', comments='')
    print(f'Wrote {len(points)} points to {path}')


def main(argv):
  del argv
  check_flags(FLAGS.saved_model, FLAGS.num, FLAGS.seed, FLAGS.out, FLAGS.out_dir, FLAGS.rows,
              FLAGS.grid_scale)
  cli.import_tensorflow()
  images = generate(FLAGS.saved_model, FLAGS.num, FLAGS.seed)
  try:
    if images.ndim == 2:
      _write_points(images)
    else:
      _write_images(images)
  except OSError as e:
    raise UserError(f'Cannot write the output. Received: {e.filename!r} ({type(e).__name__}: '
                    f'{e.strerror}); accepted: writable paths in --out and --out_dir') from e


def _write_images(images):
  """uint8 images [N, H, W, C]: --out gets a grid, --out_dir one PNG each (mode 'L' for C = 1)."""
  from tfgan_anime import images as images_lib  # pylint: disable=g-import-not-at-top
  if FLAGS.out:
    grid = images_lib.make_grid(images, FLAGS.rows or None)
    scale = images_lib.grid_scale(FLAGS.grid_scale, images.shape[1])
    images_lib.save_png(images_lib.upscale(grid, scale), FLAGS.out)
    print(f'Wrote a grid of {len(images)} images to {FLAGS.out}')
  if FLAGS.out_dir:
    for i, image in enumerate(images):
      images_lib.save_png(image, os.path.join(FLAGS.out_dir, f'{i:05d}.png'))
    print(f'Wrote {len(images)} images to {FLAGS.out_dir}')


if __name__ == '__main__':
  cli.run(main, define_flags)
