"""Tests for tools/small_folder.py on a stand-in package: selection, conversion, provenance."""

import importlib.util
import json
import os

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.errors import UserError

_SPEC = importlib.util.spec_from_file_location(
    'small_folder', os.path.join(os.path.dirname(__file__), '..', 'tools', 'small_folder.py'))
small_folder = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(small_folder)


def _fake_package(root, names):
  """A folder shaped like the npm package: package.json and assets/*.webp (half transparent)."""
  os.makedirs(os.path.join(root, 'assets'))
  with open(os.path.join(root, 'package.json'), 'w') as f:
    json.dump({'name': small_folder.PACKAGE, 'version': '9.9.9', 'license': 'MIT'}, f)
  for name in names:
    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[:, :4] = (255, 0, 0, 255)  # left half opaque red, right half fully transparent
    Image.fromarray(pixels, 'RGBA').save(os.path.join(root, 'assets', name), format='WEBP',
                                         lossless=True)
  return root


class SelectTest(tf.test.TestCase):

  def test_skin_tones_left_out_and_an_even_subset_in_code_point_order(self):
    names = ['1f600.webp', '1f44b-1f3fd.webp', '1f44b.webp', '0023-fe0f-20e3.webp',
             'README.md', '1f9d4-1f3fe-200d-2640-fe0f.webp']
    self.assertEqual(small_folder.select(names, 10),
                     ['0023-fe0f-20e3.webp', '1f44b.webp', '1f600.webp'])
    self.assertLen(small_folder.select(names, 10, skin_tones=True), 5)
    eligible = [f'{i:05x}.webp' for i in range(10)]
    # round(i * 10 / 4) for i < 4: 0, 2 (2.5 rounds to even), 5, 8.
    self.assertEqual(small_folder.select(eligible, 4),
                     ['00000.webp', '00002.webp', '00005.webp', '00008.webp'])


class WriteFolderTest(tf.test.TestCase):

  def test_rgb_on_white_resized_named_and_sourced(self):
    root = self.get_temp_dir()
    package = _fake_package(os.path.join(root, 'pkg'), ['1f600.webp', '1f601.webp'])
    out = os.path.join(root, 'out')
    os.makedirs(out)
    Image.new('RGB', (4, 4)).save(os.path.join(out, 'stale.png'))
    self.assertEqual(small_folder.find_package(package), package)
    self.assertEqual(small_folder.write_folder(package, out, max_images=5, size=4), 2)
    self.assertEqual(sorted(os.listdir(out)), ['0000_1f600.png', '0001_1f601.png', 'SOURCE.txt'])
    with Image.open(os.path.join(out, '0000_1f600.png')) as image:
      self.assertEqual((image.mode, image.size), ('RGB', (4, 4)))
      pixels = np.asarray(image)
    self.assertAllEqual(pixels[:, :2], np.full((4, 2, 3), (255, 0, 0)))  # red stays red
    self.assertAllEqual(pixels[:, 2:], np.full((4, 2, 3), 255))  # transparent -> white
    with open(os.path.join(out, 'SOURCE.txt')) as f:
      source = f.read()
    self.assertIn(f'2 images from the npm package {small_folder.PACKAGE} 9.9.9', source)
    self.assertIn('licence MIT', source)

  def test_missing_package_and_bad_sizes_fail_in_one_line(self):
    with self.assertRaisesRegex(UserError, 'Invalid --package_dir.*npm install --prefix'):
      small_folder.find_package(self.get_temp_dir())
    package = _fake_package(os.path.join(self.get_temp_dir(), 'pkg2'), ['1f600.webp'])
    with self.assertRaisesRegex(UserError, 'max_images=0'):
      small_folder.write_folder(package, self.get_temp_dir(), max_images=0, size=4)
    with self.assertRaisesRegex(UserError, 'size=-1'):
      small_folder.write_folder(package, self.get_temp_dir(), max_images=1, size=-1)


if __name__ == '__main__':
  tf.test.main()
