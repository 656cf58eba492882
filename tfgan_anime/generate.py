r"""Generates images from an exported generator; needs only the SavedModel.

  python -m tfgan_anime.generate --saved_model=runs/quickstart/export --num=64 --seed=0 \
      --out=grid.png [--out_dir=faces/]
"""

import os
import sys

from absl import app
from absl import flags
import numpy as np

from tfgan_anime import export as export_lib
from tfgan_anime import images as images_lib
from tfgan_anime import toy_plots


def _define_flags():
  """Defined only when run as a binary, so that importing check_flags registers no flags."""
  flags.DEFINE_string('saved_model', None, 'Export directory written by tfgan_anime.train '
                      '(<model_dir>/export).')
  flags.DEFINE_integer('num', 64, 'How many images to generate.')
  flags.DEFINE_integer('seed', 0, 'Seed of z ~ N(0, I); the same seed gives the same images.')
  flags.DEFINE_string('out', 'grid.png', 'PNG path of a grid of all images ("" for none).')
  flags.DEFINE_string('out_dir', '', 'If set, also write each image as out_dir/NNNNN.png.')
  flags.DEFINE_integer('rows', 0, 'Grid rows; 0: the square root of --num, rounded up.')


FLAGS = flags.FLAGS

MAX_NUM = 100000
# Images generated per call of the SavedModel: memory stays bounded whatever --num is.
CHUNK = 256


def generate(saved_model, num, seed):
  """Returns uint8 images [num, H, W, 3] (or float32 points [num, D] from a toy export) from the
  export at `saved_model`, z from `seed`."""
  generator = export_lib.load_generator(saved_model)
  z = np.random.default_rng(seed).standard_normal((num, generator.z_dim)).astype(np.float32)
  return np.concatenate([generator(z[i:i + CHUNK]) for i in range(0, num, CHUNK)])


def check_flags(saved_model, num, seed, out, out_dir, rows):
  """The first problem with the flags as one line naming flag, value and what is accepted."""
  if not saved_model:
    return ('Missing --saved_model. Received: saved_model=None; accepted: an export directory '
            '(<model_dir>/export)')
  if not 1 <= num <= MAX_NUM:
    return (f'Invalid --num. Received: num={num}; accepted: an integer in [1, {MAX_NUM}] (run '
            'again with another --seed for more)')
  if seed < 0:
    return f'Invalid --seed. Received: seed={seed}; accepted: an integer >= 0'
  if not 0 <= rows <= num:
    return f'Invalid --rows. Received: rows={rows}; accepted: an integer in [0, --num={num}]'
  if not out and not out_dir:
    return ('Nothing to write. Received: out="", out_dir=""; accepted: a PNG path in --out or a '
            'directory in --out_dir')
  if out:
    if not out.lower().endswith('.png') or os.path.isdir(out):
      return f'Invalid --out. Received: out={out!r}; accepted: a file path ending in .png'
    problem = _uncreatable('out', out)
    if problem:
      return problem
  if out_dir:
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
      return f'Invalid --out_dir. Received: out_dir={out_dir!r}; accepted: a directory, not a file'
    problem = _uncreatable('out_dir', out_dir)
    if problem:
      return problem
  if not os.path.isfile(os.path.join(saved_model, 'saved_model.pb')):
    return (f'No SavedModel found. Received: saved_model={saved_model!r}; accepted: a directory '
            'written by tfgan_anime.train (<model_dir>/export)')
  return None


def _uncreatable(name, path):
  """A problem line when a folder above `path` is a file, so it can never be written."""
  parent = os.path.dirname(os.path.abspath(path))
  while not os.path.exists(parent):
    parent = os.path.dirname(parent)
  if not os.path.isdir(parent):
    return (f'Invalid --{name}. Received: {name}={path!r}; accepted: a path whose folders can be '
            f'created ({parent!r} is a file)')
  return None


def _write_points(points):
  """A toy export gives points [N, 2]: --out gets a scatter plot, --out_dir a points.csv."""
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
  problem = check_flags(FLAGS.saved_model, FLAGS.num, FLAGS.seed, FLAGS.out, FLAGS.out_dir,
                        FLAGS.rows)
  if problem:
    print(f'error: {problem}', file=sys.stderr)
    sys.exit(2)
  try:
    images = generate(FLAGS.saved_model, FLAGS.num, FLAGS.seed)
  except ValueError as e:
    print(f'error: {e}', file=sys.stderr)
    sys.exit(2)
  try:
    if images.ndim == 2:
      _write_points(images)
      return
    if FLAGS.out:
      images_lib.save_png(images_lib.make_grid(images, FLAGS.rows or None), FLAGS.out)
      print(f'Wrote a grid of {len(images)} images to {FLAGS.out}')
    if FLAGS.out_dir:
      for i, image in enumerate(images):
        images_lib.save_png(image, os.path.join(FLAGS.out_dir, f'{i:05d}.png'))
      print(f'Wrote {len(images)} images to {FLAGS.out_dir}')
  except OSError as e:
    print(f'error: cannot write the output ({type(e).__name__}: {e.strerror}: '
          f'{e.filename!r}); check --out and --out_dir', file=sys.stderr)
    sys.exit(2)


if __name__ == '__main__':
  _define_flags()
  app.run(main)
