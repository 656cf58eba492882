r"""Generates images from an exported generator; needs only the SavedModel.

  python -m tfgan_anime.generate --saved_model=runs/quickstart/export --num=64 --seed=0 \
      --out=grid.png [--out_dir=faces/]

A tag-conditional export (trained with --condition) takes tags, and draws every group left out
from its training distribution (all of them without --tags):

  python -m tfgan_anime.generate --saved_model=runs/conditional/export \
      --tags="red hair,blue eyes" --num=16 --out=grid.png [--out_dir=faces/]
  python -m tfgan_anime.generate --saved_model=runs/conditional/export --tag_grid \
      --out=tag_grid.png      # rows: hair colours, columns: eye colours, one z per row

--out_dir also gets a tags.csv naming each image's tags (the tags file format). An unknown tag,
or --tags / --tag_grid on an unconditional export, is one `error:` line.

Exit status: 0 written; 2 a bad flag or path (one `error:` line on stderr, nothing written).
"""

import json
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
  flags.DEFINE_string('tags', '', 'Tag-conditional exports: comma-separated tag names, at most '
                      'one per group ("red hair,blue eyes"); a group left out is drawn from its '
                      'training distribution.')
  flags.DEFINE_bool('tag_grid', False, 'Tag-conditional exports: write to --out a grid of every '
                    'combination, rows = the first group\'s values, columns = the second\'s, '
                    'one z per row (from --seed), with captions.')
  flags.DEFINE_integer('grid_scale', 1, 'Integer upscale (nearest) of the --out grid; 0: the '
                       'smallest that shows each image at least 64 px wide (as training\'s '
                       'grids).')


def generate(saved_model, num, seed, tags=''):
  """Returns uint8 images [num, H, W, C] (C = 3 RGB or 1 gray; or float32 points [num, D] from a
  toy export) from the export at `saved_model`, z from `seed`.

  A tag-conditional export goes through its generate_from_tags signature with `tags` (groups
  left out drawn from their training distribution; chunk i from seed * MAX_NUM + i, so the
  labels too are a function of `seed`); use `generate_with_labels` to get the labels as well.
  """
  return generate_with_labels(saved_model, num, seed, tags)[0]


def generate_with_labels(saved_model, num, seed, tags=''):
  """(images as `generate`'s, int32 labels [num, G] or None for an unconditional export, the
  export's vocabulary dict or None)."""
  from tfgan_anime import export as export_lib  # pylint: disable=g-import-not-at-top (TensorFlow)
  generator = export_lib.load_generator(saved_model)
  z = latent.sample(num, generator.z_dim, seed)
  if not generator.groups:
    return (np.concatenate([generator(z[i:i + CHUNK]) for i in range(0, num, CHUNK)]), None,
            None)
  chunks = [generator.from_tags(tags, z[i:i + CHUNK], seed=seed * MAX_NUM + i)
            for i in range(0, num, CHUNK)]
  return (np.concatenate([images for images, _ in chunks]),
          np.concatenate([labels for _, labels in chunks]), generator.conditions)


# export.CONDITIONS_FILE, repeated here because export.py imports TensorFlow (a test pins both).
CONDITIONS_FILE = os.path.join('assets.extra', 'conditions.json')


def read_conditions(saved_model):
  """The vocabulary dict of a conditional export, or None; reads JSON only, no TensorFlow."""
  path = os.path.join(saved_model, CONDITIONS_FILE)
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)


def check_tags(saved_model, tags, tag_grid, out_dir=''):
  """Raises UserError when --tags or --tag_grid cannot work with this export; reads only its
  vocabulary file, no TensorFlow."""
  if not tags and not tag_grid:
    return
  conditions = read_conditions(saved_model)
  flag = f'--tags={tags!r}' if tags else '--tag_grid'
  if conditions is None:
    raise UserError(f'Invalid {flag}: this export is unconditional. Received: {flag[2:]} with '
                    f'saved_model={saved_model!r}; accepted: an export of a run trained with '
                    '--condition, or no --tags/--tag_grid')
  if tags and tag_grid:
    raise UserError(f'Give --tags or --tag_grid. Received: tags={tags!r} with tag_grid; '
                    'accepted: one of them (the tag grid asks for every combination)')
  if tag_grid and out_dir:
    raise UserError(f'Invalid --out_dir with --tag_grid. Received: out_dir={out_dir!r}; '
                    'accepted: --out=PATH.png alone (the tag grid is one picture)')
  if tags:
    from tfgan_anime.data import conditions as conditions_lib  # pylint: disable=g-import-not-at-top
    conditions_lib.parse_request(tags, conditions['vocabulary'])


def check_flags(saved_model, num, seed, out, out_dir, rows, grid_scale=1, tags='',
                tag_grid=False):
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
  if tag_grid and not out:
    raise UserError('Invalid --out with --tag_grid. Received: out=""; accepted: a PNG path')
  check_tags(saved_model, tags, tag_grid, out_dir)


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
              FLAGS.grid_scale, FLAGS.tags, FLAGS.tag_grid)
  cli.import_tensorflow()
  try:
    if FLAGS.tag_grid:
      # Captions need room: each cell at least 64 px wide unless --grid_scale says otherwise.
      write_tag_grid(FLAGS.saved_model, FLAGS.out, FLAGS.seed,
                     FLAGS.grid_scale if FLAGS['grid_scale'].present else 0)
      return
    images, labels, conditions = generate_with_labels(FLAGS.saved_model, FLAGS.num, FLAGS.seed,
                                                      FLAGS.tags)
    if images.ndim == 2:
      _write_points(images)
    else:
      _write_images(images)
      if labels is not None and FLAGS.out_dir:
        _write_tags(labels, conditions)
  except OSError as e:
    raise UserError(f'Cannot write the output. Received: {e.filename!r} ({type(e).__name__}: '
                    f'{e.strerror}); accepted: writable paths in --out and --out_dir') from e


def write_tag_grid(saved_model, out, seed=0, scale=0):
  """Writes the captioned tag grid (`tag_grid.render`) of a conditional export to `out`."""
  from tfgan_anime import export as export_lib  # pylint: disable=g-import-not-at-top (TensorFlow)
  from tfgan_anime import images as images_lib  # pylint: disable=g-import-not-at-top
  from tfgan_anime import tag_grid  # pylint: disable=g-import-not-at-top
  generator = export_lib.load_generator(saved_model)
  image = tag_grid.render(generator, generator.conditions, generator.z_dim, seed, scale)
  images_lib.save_png(image, out)
  print(f'Wrote the tag grid ({" x ".join(generator.groups[:2])}) to {out}')
  return image


def _write_tags(labels, conditions):
  """--out_dir/tags.csv: each image's tags, in the tags file format (`data/tags.py`)."""
  from tfgan_anime.data import tags as tags_lib  # pylint: disable=g-import-not-at-top
  groups = conditions['groups']
  tags_by_id = {f'{i:05d}': [conditions['vocabulary'][group][label]
                             for group, label in zip(groups, row)]
                for i, row in enumerate(labels)}
  tags_lib.write_tags(os.path.join(FLAGS.out_dir, 'tags.csv'), tags_by_id)


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
