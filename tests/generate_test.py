"""The generate binary on a tag-conditional export: --tags, --tag_grid, tags.csv, one-line errors;
and the captioned tag grid it shares with training's TagGrid."""

import os
import tempfile

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import export
from tfgan_anime import generate
from tfgan_anime import images
from tfgan_anime import latent
from tfgan_anime import tag_grid
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError
from tfgan_anime.models import dcgan
import testing_utils  # pylint: disable=g-bad-import-order
from export_test import CONDITIONS  # pylint: disable=g-bad-import-order
from export_test import _conditional_generator  # pylint: disable=g-bad-import-order


class TagGridLayoutTest(tf.test.TestCase):

  def test_rows_are_the_first_group_columns_the_second_z_per_row(self):
    grid = tag_grid.requests(CONDITIONS)
    # hair's unknown class gets no row.
    self.assertEqual(grid.row_captions, ('blue hair', 'red hair', 'silver hair'))
    self.assertEqual(grid.column_captions, ('blue eyes', 'green eyes'))
    self.assertEqual(grid.corner, 'hair \\ eyes')
    self.assertAllEqual(grid.labels[..., 0], [[0, 0], [1, 1], [2, 2]])
    self.assertAllEqual(grid.labels[..., 1], [[0, 1], [0, 1], [0, 1]])
    self.assertAllEqual(grid.z_index, [[0, 0], [1, 1], [2, 2]])
    self.assertEqual(grid.num_z, 3)

  def test_one_group_has_a_z_per_column(self):
    one = {'groups': ['eyes'], 'vocabulary': {'eyes': ['blue eyes', 'red eyes']},
           'counts': {'eyes': [1, 1]}}
    grid = tag_grid.requests(one, columns=3)
    self.assertEqual(grid.row_captions, ('blue eyes', 'red eyes'))
    self.assertAllEqual(grid.labels[..., 0], [[0, 0, 0], [1, 1, 1]])
    self.assertAllEqual(grid.z_index, [[0, 1, 2], [0, 1, 2]])

  def test_render_places_each_request_in_its_cell(self):
    # A stand-in generator whose cell colour encodes (z number, hair, eyes): the picture shows
    # which request each cell got.
    z_all = latent.sample(3, 8, seed=4)

    def fake(z, labels):
      z_number = np.argmax(np.all(np.isclose(z[:, None], z_all[None]), axis=2), axis=1)
      colour = np.stack([40 * z_number, 60 * labels[:, 0], 100 * labels[:, 1]], axis=1)
      return np.broadcast_to(colour[:, None, None].astype(np.uint8), (len(z), 4, 4, 3)).copy()

    image = tag_grid.render(fake, CONDITIONS, 8, seed=4, scale=16)
    rows, columns, cell = 3, 2, 64
    top = image.shape[0] - rows * (cell + images.CELL_GAP)
    left = image.shape[1] - columns * (cell + images.CELL_GAP)
    self.assertGreater(top, 10)  # room for the captions
    self.assertGreater(left, 40)
    for r in range(rows):
      for c in range(columns):
        y, x = top + r * (cell + images.CELL_GAP), left + c * (cell + images.CELL_GAP)
        self.assertAllEqual(image[y + cell // 2, x + cell // 2], [40 * r, 60 * r, 100 * c])
    # Captions are drawn: dark pixels in the margins, which are otherwise white.
    self.assertLess(image[:top].min(), 100)
    self.assertLess(image[top:, :left].min(), 100)

  def test_captioned_grid_of_gray_cells(self):
    cells = np.full((2, 3, 8, 8, 1), 128, np.uint8)
    out = images.captioned_grid(cells, ['a', 'b'], ['x', 'y', 'a long caption'], 'r \\ c')
    self.assertEqual(out.dtype, np.uint8)
    self.assertEqual(out.shape[-1], 1)
    # The long caption wraps onto more lines than one.
    one_line = images.captioned_grid(cells, ['a', 'b'], ['x', 'y', 'z'])
    self.assertGreater(out.shape[0], one_line.shape[0])
    with self.assertRaisesRegex(ValueError, 'One caption per row and per column'):
      images.captioned_grid(cells, ['a'], ['x', 'y', 'z'])


class GenerateConditionalTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.export = os.path.join(cls.root, 'export')
    export.export_generator(_conditional_generator(), cls.export, conditions=CONDITIONS)
    cls.plain = os.path.join(cls.root, 'plain')
    export.export_generator(dcgan.build_generator(16, z_dim=8, base_width=4), cls.plain)

  def test_tags_fix_the_named_group_and_draw_the_others(self):
    out, labels, conditions = generate.generate_with_labels(self.export, generate.CHUNK + 5, 3,
                                                            'silver hair')
    self.assertEqual(out.shape, (generate.CHUNK + 5, 16, 16, 3))
    self.assertEqual(conditions, CONDITIONS)
    self.assertAllEqual(labels[:, 0], np.full(len(labels), 2))
    # eyes drawn 1 : 3, differently in each chunk (each from its own seed).
    self.assertBetween(np.mean(labels[:, 1]), 0.6, 0.9)
    self.assertNotAllEqual(labels[:5, 1], labels[generate.CHUNK:, 1])
    loaded = export.load_generator(self.export)
    z = latent.sample(generate.CHUNK + 5, 8, 3)
    self.assertAllEqual(out, loaded(z, labels))
    # The same seed, the same images.
    self.assertAllEqual(generate.generate(self.export, 7, 3, 'silver hair'), out[:7])

  def test_check_tags(self):
    self.assertIsNone(generate.check_tags(self.export, 'red hair, green eyes', False))
    self.assertIsNone(generate.check_tags(self.plain, '', False))
    for args, part in (
        ((self.export, 'purple hair', False), 'Invalid --tags (unknown tag)'),
        ((self.export, 'red hair,blue hair', False), 'two tags of group'),
        ((self.plain, 'red hair', False), 'this export is unconditional'),
        ((self.plain, '', True), 'Invalid --tag_grid: this export is unconditional'),
        ((self.export, 'red hair', True), 'Give --tags or --tag_grid'),
        ((self.export, '', True, 'dir'), 'Invalid --out_dir with --tag_grid'),
    ):
      with self.assertRaises(UserError, msg=args) as raised:
        generate.check_tags(*args)
      self.assertIn(part, str(raised.exception))
      self.assertNotIn('\n', str(raised.exception))

  def test_binary_tags_out_dir_and_tag_grid(self):
    out = os.path.join(self.root, 'grid.png')
    out_dir = os.path.join(self.root, 'faces')
    result = testing_utils.run_module(
        'tfgan_anime.generate', f'--saved_model={self.export}', '--tags=red hair,blue eyes',
        '--num=4', f'--out={out}', f'--out_dir={out_dir}')
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    tags = tags_lib.read_tags(os.path.join(out_dir, 'tags.csv'))
    self.assertEqual(tags, {f'{i:05d}': {'red hair': 1, 'blue eyes': 1} for i in range(4)})
    self.assertLen([f for f in os.listdir(out_dir) if f.endswith('.png')], 4)
    grid_path = os.path.join(self.root, 'tag_grid.png')
    result = testing_utils.run_module('tfgan_anime.generate', f'--saved_model={self.export}',
                                      '--tag_grid', f'--out={grid_path}')
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    with Image.open(grid_path) as image:
      picture = np.asarray(image)
    # 3 hair rows x 2 eye columns of 16 px cells shown at 64 px, plus captions.
    self.assertAllEqual(picture, generate.write_tag_grid(self.export, grid_path + '.png', 0, 0))
    self.assertGreater(picture.shape[0], 3 * 64)
    self.assertGreater(picture.shape[1], 2 * 64)

  def test_binary_errors_are_one_line(self):
    for args, part in (
        (('--tags=purple hair',), 'accepted: comma-separated tags, at most one per group, from: '),
        (('--tag_grid', '--tags=red hair'), 'Give --tags or --tag_grid')):
      result = testing_utils.run_module('tfgan_anime.generate', f'--saved_model={self.export}',
                                        f'--out={self.root}/x.png', *args)
      self.assertEqual(result.returncode, 2, result.stderr[-2000:])
      lines = result.stderr.strip().splitlines()
      self.assertLen(lines, 1)
      self.assertTrue(lines[0].startswith('error: '), lines)
      self.assertIn(part, lines[0])
      if 'purple' in args[0]:
        for tag in ('blue hair', 'red hair', 'silver hair', 'blue eyes', 'green eyes'):
          self.assertIn(tag, lines[0])
        self.assertNotIn('unknown,', lines[0])
    result = testing_utils.run_module('tfgan_anime.generate', f'--saved_model={self.plain}',
                                      '--tags=red hair', f'--out={self.root}/x.png')
    self.assertEqual(result.returncode, 2)
    self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
    self.assertIn('this export is unconditional', result.stderr)


if __name__ == '__main__':
  tf.test.main()
