"""images.py: the uint8 conversions, grids and PNGs, for RGB and gray."""

import os

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import images


class GridAndPngTest(tf.test.TestCase):

  def test_upscale_repeats_each_pixel_as_a_block(self):
    image = np.array([[1, 2], [3, 4]], np.uint8)
    self.assertAllEqual(images.upscale(image, 2), [[1, 1, 2, 2], [1, 1, 2, 2],
                                                   [3, 3, 4, 4], [3, 3, 4, 4]])
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    tripled = images.upscale(rgb, 3)
    self.assertEqual(tripled.shape, (6, 9, 3))
    self.assertAllEqual(tripled[4, 7], rgb[1, 2])
    self.assertIs(images.upscale(rgb, 1), rgb)
    with self.assertRaisesRegex(ValueError, 'factor=0'):
      images.upscale(rgb, 0)

  def test_grid_scale(self):
    self.assertEqual([images.grid_scale(0, side) for side in (16, 28, 32, 48, 64, 128)],
                     [4, 3, 2, 2, 1, 1])
    self.assertEqual(images.grid_scale(3, 64), 3)
    with self.assertRaisesRegex(ValueError, 'scale=-2'):
      images.grid_scale(-2, 32)

  def test_a_gray_grid_is_a_mode_l_png(self):
    tiles = np.arange(5 * 2 * 3, dtype=np.uint8).reshape(5, 2, 3, 1)
    grid = images.make_grid(tiles)
    # 5 images: 3 rows of 2, row by row, the sixth cell black.
    self.assertEqual(grid.shape, (6, 6, 1))
    self.assertAllEqual(grid[2:4, 3:6], tiles[3])
    self.assertAllEqual(grid[4:6, 3:6], np.zeros((2, 3, 1)))
    path = os.path.join(self.get_temp_dir(), 'gray.png')
    images.save_png(grid, path)
    with Image.open(path) as image:
      self.assertEqual((image.mode, image.size), ('L', (6, 6)))
      self.assertAllEqual(np.asarray(image), grid[..., 0])

  def test_rgb_and_two_dimensional_gray(self):
    rgb = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    for array, mode in ((rgb, 'RGB'), (rgb[..., 0], 'L')):
      path = os.path.join(self.get_temp_dir(), f'{mode}.png')
      images.save_png(array, path)
      with Image.open(path) as image:
        self.assertEqual(image.mode, mode)
        self.assertAllEqual(np.asarray(image), array)

  def test_save_png_refuses_what_is_not_an_image(self):
    for array in (np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3), np.float32)):
      with self.assertRaisesRegex(ValueError, r'image must be uint8 \[H, W, 3\], \[H, W, 1\] or '
                                  r'\[H, W\]. Received: shape=\(4, 4, \d\)'):
        images.save_png(array, os.path.join(self.get_temp_dir(), 'x.png'))
    self.assertEqual(os.listdir(self.get_temp_dir()), [])


if __name__ == '__main__':
  tf.test.main()
