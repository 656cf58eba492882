"""Tests for tfgan_anime.data.pil_images on a folder of the odd files people scrape.

The folder comes from testing_utils.build_bad_folder, shared with tools_prepare_data_test and the
training tests.
"""

import os
import shutil
import tempfile

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

from testing_utils import BAD_FOLDER_FILES
from testing_utils import BAD_FOLDER_SIZES
from testing_utils import BLUE
from testing_utils import RED
from testing_utils import SIZE
from testing_utils import WHITE
from testing_utils import build_bad_folder
from tfgan_anime.data import pil_images

class PilImagesTest(tf.test.TestCase, parameterized.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    # Built once for the class: the 1200x900 JPEG is the slow part.
    cls.root = tempfile.mkdtemp()
    cls.folder = os.path.join(cls.root, 'bad_images')
    build_bad_folder(cls.folder)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_list_images_is_recursive_sorted_and_any_case(self):
    paths = pil_images.list_images(self.folder)
    self.assertEqual(paths, sorted(paths))
    relative = sorted(os.path.relpath(p, self.folder) for p in paths)
    self.assertEqual(relative, sorted(BAD_FOLDER_FILES))

  def test_list_images_missing_folder(self):
    missing = os.path.join(self.get_temp_dir(), 'no_such_folder')
    with self.assertRaisesRegex(ValueError, 'Received: folder=.*no_such_folder'):
      pil_images.list_images(missing)

  def test_list_images_folder_without_images(self):
    folder = os.path.join(self.get_temp_dir(), 'only_text')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'a.txt'), 'w') as f:
      f.write('x')
    with self.assertRaisesRegex(ValueError, 'no files ending in .*Received: folder='):
      pil_images.list_images(folder)

  @parameterized.parameters(sorted(BAD_FOLDER_FILES))
  def test_load_rgb(self, name):
    expected = BAD_FOLDER_FILES[name]
    pixels = pil_images.load_rgb(os.path.join(self.folder, name))
    if expected is None:
      self.assertIsNone(pixels)
      return
    _, colour, tolerance = expected
    width, height = BAD_FOLDER_SIZES.get(name, (SIZE, SIZE))
    self.assertEqual(pixels.dtype, np.uint8)
    self.assertEqual(pixels.shape, (height, width, 3))
    if colour is not None:
      self.assertAllClose(pixels[4, 4], colour, atol=tolerance)

  def test_transparent_pixels_are_composited_on_white(self):
    pixels = pil_images.load_rgb(os.path.join(self.folder, 'alpha.png'))
    self.assertAllEqual(pixels[SIZE - 1, SIZE - 1], WHITE)

  def test_sixteen_bit_is_scaled_to_eight(self):
    pixels = pil_images.load_rgb(os.path.join(self.folder, 'deep16.png'))
    self.assertAllEqual(pixels[0, 0], (0, 0, 0))
    self.assertAllEqual(pixels[0, 1], (100, 100, 100))
    self.assertAllEqual(pixels[4, 4], (255, 255, 255))

  def test_gif_gives_first_frame(self):
    pixels = pil_images.load_rgb(os.path.join(self.folder, 'anim.gif'))
    self.assertAllEqual(pixels[4, 4], RED)

  def test_tiny_value(self):
    pixels = pil_images.load_rgb(os.path.join(self.folder, 'tiny.png'))
    self.assertAllEqual(pixels, [[[10, 20, 30]]])

  def test_exif_orientation_is_applied(self):
    path = os.path.join(self.get_temp_dir(), 'rotated.jpg')
    pixels = np.zeros((16, 32, 3), np.uint8)  # wide on disk
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    Image.fromarray(pixels).save(path, 'JPEG', exif=exif)
    self.assertEqual(pil_images.load_rgb(path).shape, (32, 16, 3))

  @parameterized.parameters(
      ('deep16.png', 'I;16', (SIZE, SIZE), 16, 'PNG', True),
      ('gray.png', 'L', (SIZE, SIZE), 8, 'PNG', True),
      ('cmyk.jpg', 'CMYK', (SIZE, SIZE), 8, 'JPEG', True),
      ('LARGE.JPG', 'RGB', (1200, 900), 8, 'JPEG', True),
      ('picture.webp', 'RGB', (SIZE, SIZE), 8, 'WEBP', True),
      # The header of a truncated file is fine; the pixels are not.
      ('truncated.jpg', 'RGB', (128, 128), 8, 'JPEG', False),
      ('empty.jpg', None, None, None, None, False),
      ('notes.jpg', None, None, None, None, False),
  )
  def test_describe(self, name, mode, size, bit_depth, image_format, readable):
    info = pil_images.describe(os.path.join(self.folder, name))
    self.assertEqual(info['mode'], mode)
    self.assertEqual(info['size'], size)
    self.assertEqual(info['bit_depth'], bit_depth)
    self.assertEqual(info['format'], image_format)
    self.assertEqual(info['readable'], readable)
    if readable:
      self.assertIsNone(info['error'])
    else:
      self.assertIsInstance(info['error'], str)
      self.assertNotIn('\n', info['error'])

  def test_describe_names_the_problem(self):
    describe = lambda name: pil_images.describe(os.path.join(self.folder, name))
    self.assertIn('truncated', describe('truncated.jpg')['error'].lower())
    self.assertIn('0 bytes', describe('empty.jpg')['error'])
    self.assertIn('cannot identify', describe('notes.jpg')['error'])


if __name__ == '__main__':
  tf.test.main()
