"""Export round trip: the SavedModel generates what the in-memory generator does."""

import os

import numpy as np
import tensorflow as tf

from tfgan_anime import export
from tfgan_anime import images
from tfgan_anime.models import dcgan


class ExportTest(tf.test.TestCase):

  def test_round_trip_same_images(self):
    generator = dcgan.build_generator(16, z_dim=8, base_width=4)
    # Move the BN moving statistics away from their initial values, as training does.
    generator(tf.random.normal([4, 8]), training=True)
    path = os.path.join(self.get_temp_dir(), 'export')
    export.export_generator(generator, path)
    loaded = export.load_generator(path)
    self.assertEqual(loaded.z_dim, 8)
    z = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    out = loaded(z)
    self.assertEqual(out.dtype, np.uint8)
    self.assertEqual(out.shape, (5, 16, 16, 3))
    self.assertAllEqual(out, images.to_uint8(generator(z, training=False)).numpy())

  def test_signature(self):
    generator = dcgan.build_generator(16, z_dim=8, base_width=4)
    path = os.path.join(self.get_temp_dir(), 'export')
    export.export_generator(generator, path)
    fn = tf.saved_model.load(path).signatures['serving_default']
    spec = fn.structured_input_signature[1]['z']
    self.assertEqual(spec.shape.as_list(), [None, 8])
    self.assertEqual(spec.dtype, tf.float32)
    self.assertEqual(fn.structured_outputs['images'].dtype, tf.uint8)

  def test_replaces_an_existing_export_whole(self):
    path = os.path.join(self.get_temp_dir(), 'export')
    first = dcgan.build_generator(16, z_dim=8, base_width=4)
    second = dcgan.build_generator(16, z_dim=8, base_width=4)
    export.export_generator(first, path)
    export.export_generator(second, path)
    z = np.ones((1, 8), np.float32)
    self.assertAllEqual(export.load_generator(path)(z),
                        images.to_uint8(second(z, training=False)).numpy())
    # Nothing is left beside it.
    self.assertEqual(sorted(os.listdir(self.get_temp_dir())), ['export'])

  def test_load_missing(self):
    with self.assertRaisesRegex(ValueError, 'No SavedModel found'):
      export.load_generator(self.get_temp_dir())


class ImagesTest(tf.test.TestCase):

  def test_to_uint8(self):
    self.assertAllEqual(images.to_uint8(tf.constant([-1.0, -2.0, 0.0, 1.0, 3.0, -0.996])),
                        [0, 0, 128, 255, 255, 1])

  def test_make_grid(self):
    batch = np.stack([np.full((2, 3, 3), i, np.uint8) for i in range(5)])
    grid = images.make_grid(batch)
    # 5 images: ceil(sqrt(5)) = 3 rows of ceil(5/3) = 2 columns; the last cell stays black.
    self.assertEqual(grid.shape, (6, 6, 3))
    self.assertEqual(grid[0, 0, 0], 0)
    self.assertEqual(grid[0, 3, 0], 1)
    self.assertEqual(grid[2, 0, 0], 2)
    self.assertEqual(grid[4, 0, 0], 4)
    self.assertEqual(grid[4, 3, 0], 0)
    self.assertEqual(images.make_grid(batch, rows=1).shape, (2, 15, 3))

  def test_make_grid_rejects_floats(self):
    with self.assertRaisesRegex(ValueError, 'uint8'):
      images.make_grid(np.zeros((1, 2, 2, 3), np.float32))


if __name__ == '__main__':
  tf.test.main()
