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

flags.DEFINE_string('saved_model', None, 'Export directory written by tfgan_anime.train '
                    '(<model_dir>/export).')
flags.DEFINE_integer('num', 64, 'How many images to generate.')
flags.DEFINE_integer('seed', 0, 'Seed of z ~ N(0, I); the same seed gives the same images.')
flags.DEFINE_string('out', 'grid.png', 'PNG path of a grid of all images ("" for none).')
flags.DEFINE_string('out_dir', '', 'If set, also write each image as out_dir/NNNNN.png.')
flags.DEFINE_integer('rows', 0, 'Grid rows; 0: the square root of --num, rounded up.')
FLAGS = flags.FLAGS


def generate(saved_model, num, seed):
  """Returns uint8 images [num, H, W, 3] (or float32 points [num, D] from a toy export) from the
  export at `saved_model`, z from `seed`."""
  generator = export_lib.load_generator(saved_model)
  z = np.random.default_rng(seed).standard_normal((num, generator.z_dim)).astype(np.float32)
  return generator(z)


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
  problems = []
  if not FLAGS.saved_model:
    problems.append('Missing --saved_model. Received: saved_model=None; accepted: an export '
                    'directory (<model_dir>/export)')
  if FLAGS.num < 1:
    problems.append(f'Invalid --num. Received: num={FLAGS.num}; accepted: an integer >= 1')
  if FLAGS.rows < 0:
    problems.append(f'Invalid --rows. Received: rows={FLAGS.rows}; accepted: an integer >= 0')
  if not FLAGS.out and not FLAGS.out_dir:
    problems.append('Nothing to write. Received: out="", out_dir=""; accepted: a PNG path in '
                    '--out or a directory in --out_dir')
  if problems:
    print(f'error: {problems[0]}', file=sys.stderr)
    sys.exit(2)
  try:
    images = generate(FLAGS.saved_model, FLAGS.num, FLAGS.seed)
  except ValueError as e:
    print(f'error: {e}', file=sys.stderr)
    sys.exit(2)
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


if __name__ == '__main__':
  app.run(main)
