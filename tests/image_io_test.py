"""Tests for tfgan_anime.data.image_io on a folder of the odd files people scrape.

`build_bad_folder` is shared with prepare_data_test, which checks the report
on the same folder.
"""

import os
import shutil
import tempfile

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.data import image_io

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

# Every readable image is a smooth texture, so no two of them share a
# perceptual hash by accident, with a flat 16x16 block of a known colour in the
# top-left corner (16x16 so that JPEG's 2x2 chroma subsampling leaves the centre
# of the block alone).
SIZE = 32
BLOCK = 16


def texture(seed, width=SIZE, height=SIZE, block=None):
  """uint8 [height, width, 3]: 4x4 random colours, bilinearly enlarged."""
  rng = np.random.default_rng(seed)
  small = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
  pixels = np.asarray(small.resize((width, height), Image.BILINEAR)).copy()
  if block is not None:
    pixels[:BLOCK, :BLOCK] = block
  return pixels


# name -> (PIL mode as opened, expected RGB of pixel (4, 4), tolerance), for
# every file that should load; None for the files that should not.
BAD_FOLDER_FILES = {
    'truncated.jpg': None,
    'empty.jpg': None,
    'notes.jpg': None,
    'alpha.png': ('RGBA', RED, 0),
    'gray.png': ('L', (100, 100, 100), 0),
    'cmyk.jpg': ('CMYK', RED, 12),
    'deep16.png': ('I;16', WHITE, 0),
    'palette.png': ('P', GREEN, 0),
    'tiny.png': ('RGB', None, 0),
    'LARGE.JPG': ('RGB', BLUE, 12),
    'anim.gif': ('P', RED, 0),
    'picture.bmp': ('RGB', GREEN, 0),
    'picture.webp': ('RGB', BLUE, 0),
    'with space.png': ('RGB', RED, 0),
    'café ñandú 顔.png': ('RGB', GREEN, 0),
    'face.png': ('RGB', BLUE, 0),
    os.path.join('sub dir', 'face copy.png'): ('RGB', BLUE, 0),
    'face_bright.png': ('RGB', (12, 12, 255), 0),
}
# Sizes as (width, height) where they are not SIZE x SIZE.
BAD_FOLDER_SIZES = {'tiny.png': (1, 1), 'LARGE.JPG': (1200, 900),
                    'truncated.jpg': (128, 128),
                    'picture.bmp': (48, 32)}


def build_bad_folder(folder):
  """Writes the BAD_FOLDER_FILES into `folder` (created) plus a readme.txt."""
  os.makedirs(os.path.join(folder, 'sub dir'), exist_ok=True)

  def path(name):
    return os.path.join(folder, name)

  # A noisy 128x128 JPEG cut at two thirds: the headers survive, the pixels
  # end early, as after a broken download.
  noise = np.random.default_rng(1).integers(0, 256, (128, 128, 3), np.uint8)
  Image.fromarray(noise).save(path('full.jpg.tmp'), 'JPEG', quality=90)
  with open(path('full.jpg.tmp'), 'rb') as f:
    data = f.read()
  os.remove(path('full.jpg.tmp'))
  with open(path('truncated.jpg'), 'wb') as f:
    f.write(data[:len(data) * 2 // 3])
  open(path('empty.jpg'), 'wb').close()
  with open(path('notes.jpg'), 'w') as f:
    f.write('not an image, just text saved with the wrong name\n')
  with open(path('readme.txt'), 'w') as f:
    f.write('not listed: no image extension\n')

  rgba = np.concatenate([texture(2, block=RED),
                         np.full((SIZE, SIZE, 1), 255, np.uint8)], axis=2)
  rgba[BLOCK:, BLOCK:] = (0, 0, 255, 0)  # transparent blue -> white
  Image.fromarray(rgba, 'RGBA').save(path('alpha.png'))

  gray = texture(3, block=(100, 100, 100))[:, :, 0]
  Image.fromarray(gray, 'L').save(path('gray.png'))

  Image.fromarray(texture(4, block=RED)).convert('CMYK').save(
      path('cmyk.jpg'), 'JPEG', quality=95)

  deep = texture(5)[:, :, 0].astype(np.uint16) * 257
  deep[:BLOCK, :BLOCK] = 65535
  deep[0, 0] = 0
  deep[0, 1] = 100 * 257
  Image.fromarray(deep).save(path('deep16.png'))  # mode I;16

  Image.fromarray(texture(6, block=GREEN)).convert('P').save(path('palette.png'))
  Image.new('RGB', (1, 1), (10, 20, 30)).save(path('tiny.png'))
  Image.fromarray(texture(7, 1200, 900, block=BLUE)).save(
      path('LARGE.JPG'), 'JPEG', quality=90)

  first = Image.fromarray(texture(8, block=RED)).convert('P')
  second = Image.new('RGB', (SIZE, SIZE), BLUE).convert('P')
  first.save(path('anim.gif'), save_all=True, append_images=[second],
             duration=100, loop=0)

  Image.fromarray(texture(9, 48, 32, block=GREEN)).save(path('picture.bmp'))
  Image.fromarray(texture(10, block=BLUE)).save(path('picture.webp'),
                                                lossless=True)
  Image.fromarray(texture(11, block=RED)).save(path('with space.png'))
  Image.fromarray(texture(12, block=GREEN)).save(path('café ñandú 顔.png'))

  face = texture(13, block=BLUE)
  Image.fromarray(face).save(path('face.png'))
  shutil.copyfile(path('face.png'), path(os.path.join('sub dir', 'face copy.png')))
  bright = np.clip(face.astype(np.int32) + 12, 0, 255).astype(np.uint8)
  Image.fromarray(bright).save(path('face_bright.png'))


class ImageIoTest(tf.test.TestCase, parameterized.TestCase):

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
    paths = image_io.list_images(self.folder)
    self.assertEqual(paths, sorted(paths))
    relative = sorted(os.path.relpath(p, self.folder) for p in paths)
    self.assertEqual(relative, sorted(BAD_FOLDER_FILES))

  def test_list_images_missing_folder(self):
    missing = os.path.join(self.get_temp_dir(), 'no_such_folder')
    with self.assertRaisesRegex(ValueError, 'Received: folder=.*no_such_folder'):
      image_io.list_images(missing)

  def test_list_images_folder_without_images(self):
    folder = os.path.join(self.get_temp_dir(), 'only_text')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'a.txt'), 'w') as f:
      f.write('x')
    with self.assertRaisesRegex(ValueError, 'no files ending in .*Received: folder='):
      image_io.list_images(folder)

  @parameterized.parameters(sorted(BAD_FOLDER_FILES))
  def test_load_rgb(self, name):
    expected = BAD_FOLDER_FILES[name]
    pixels = image_io.load_rgb(os.path.join(self.folder, name))
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
    pixels = image_io.load_rgb(os.path.join(self.folder, 'alpha.png'))
    self.assertAllEqual(pixels[SIZE - 1, SIZE - 1], WHITE)

  def test_sixteen_bit_is_scaled_to_eight(self):
    pixels = image_io.load_rgb(os.path.join(self.folder, 'deep16.png'))
    self.assertAllEqual(pixels[0, 0], (0, 0, 0))
    self.assertAllEqual(pixels[0, 1], (100, 100, 100))
    self.assertAllEqual(pixels[4, 4], (255, 255, 255))

  def test_gif_gives_first_frame(self):
    pixels = image_io.load_rgb(os.path.join(self.folder, 'anim.gif'))
    self.assertAllEqual(pixels[4, 4], RED)

  def test_tiny_value(self):
    pixels = image_io.load_rgb(os.path.join(self.folder, 'tiny.png'))
    self.assertAllEqual(pixels, [[[10, 20, 30]]])

  def test_exif_orientation_is_applied(self):
    path = os.path.join(self.get_temp_dir(), 'rotated.jpg')
    pixels = np.zeros((16, 32, 3), np.uint8)  # wide on disk
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    Image.fromarray(pixels).save(path, 'JPEG', exif=exif)
    self.assertEqual(image_io.load_rgb(path).shape, (32, 16, 3))

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
    info = image_io.describe(os.path.join(self.folder, name))
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
    describe = lambda name: image_io.describe(os.path.join(self.folder, name))
    self.assertIn('truncated', describe('truncated.jpg')['error'].lower())
    self.assertIn('0 bytes', describe('empty.jpg')['error'])
    self.assertIn('cannot identify', describe('notes.jpg')['error'])


if __name__ == '__main__':
  tf.test.main()
