"""Export round trip: the SavedModel generates what the in-memory generator does."""

import os
import tempfile

import numpy as np
import tensorflow as tf

from tfgan_anime import export
from tfgan_anime import generate
from tfgan_anime import images
from tfgan_anime.errors import UserError
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

  def test_a_gray_generator_exports_one_channel(self):
    generator = dcgan.build_generator(16, z_dim=8, base_width=4, channels=1)
    path = os.path.join(self.get_temp_dir(), 'export')
    export.export_generator(generator, path)
    fn = tf.saved_model.load(path).signatures['serving_default']
    self.assertEqual(fn.structured_outputs['images'].shape.as_list(), [None, 16, 16, 1])
    z = np.random.default_rng(1).standard_normal((3, 8)).astype(np.float32)
    out = export.load_generator(path)(z)
    self.assertEqual((out.shape, out.dtype), ((3, 16, 16, 1), np.uint8))
    self.assertAllEqual(out, images.to_uint8(generator(z, training=False)).numpy())

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


class ServingInputTest(tf.test.TestCase):
  """The loaded signature, as a server would call it, refuses what it cannot use, clearly."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.path = os.path.join(tempfile.mkdtemp(), 'export')
    export.export_generator(dcgan.build_generator(16, z_dim=8, base_width=4), cls.path)
    cls.serve = tf.saved_model.load(cls.path).signatures['serving_default']

  def test_wrong_shape(self):
    for z in (tf.zeros([2, 5]), tf.zeros([8]), tf.zeros([2, 8, 1]), tf.zeros([8, 1])):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r'z must be float32 \[N, 8\]; received shape'):
        self.serve(z=z)

  def test_wrong_dtype(self):
    for dtype in (tf.int32, tf.float64):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'expected to be a float'):
        self.serve(z=tf.zeros([2, 8], dtype))

  def test_not_finite(self):
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, r'z must be finite'):
      self.serve(z=tf.constant([[0.0] * 7 + [float('nan')]]))

  def test_right_input_still_works(self):
    self.assertEqual(self.serve(z=tf.zeros([3, 8]))['images'].shape, (3, 16, 16, 3))

  def test_loaded_generator_names_z(self):
    loaded = export.load_generator(self.path)
    with self.assertRaisesRegex(ValueError, r'z must be a float array \[N, 8\]. Received: z of '
                                r'shape \(2, 5\)'):
      loaded(np.zeros((2, 5), np.float32))
    self.assertEqual(loaded(np.zeros((1, 8), np.float64)).shape, (1, 16, 16, 3))

  def test_a_saved_model_of_something_else(self):
    other = os.path.join(self.get_temp_dir(), 'other')
    module = tf.Module()
    module.f = tf.function(lambda x: x, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, other, signatures={'serving_default': module.f})
    with self.assertRaisesRegex(ValueError, 'no serving_default\\(z'):
      export.load_generator(other)


class GenerateFlagsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.export = os.path.join(self.get_temp_dir(), 'export')
    os.makedirs(self.export, exist_ok=True)
    open(os.path.join(self.export, 'saved_model.pb'), 'wb').close()
    self.file = os.path.join(self.get_temp_dir(), 'a_file')
    open(self.file, 'w').close()

  def _check(self, **overrides):
    values = dict(saved_model=self.export, num=4, seed=0, out='grid.png', out_dir='', rows=0)
    values.update(overrides)
    return generate.check_flags(**values)

  def test_good(self):
    # Good flags raise nothing.
    self.assertIsNone(self._check())
    self.assertIsNone(self._check(out='', out_dir=os.path.join(self.get_temp_dir(), 'new')))

  def test_each_problem_in_one_line(self):
    for overrides, part in (
        (dict(saved_model=None), 'Missing --saved_model'),
        (dict(saved_model=self.get_temp_dir()), 'No SavedModel found'),
        (dict(num=0), 'Invalid --num. Received: num=0; accepted: an integer in [1, 100000]'),
        (dict(num=10**6), 'num=1000000'),
        (dict(seed=-3), 'Invalid --seed. Received: seed=-3'),
        (dict(rows=5), 'Invalid --rows. Received: rows=5; accepted: an integer in [0, --num=4]'),
        (dict(out='', out_dir=''), 'Nothing to write'),
        (dict(out='grid.jpg'), "Invalid --out. Received: out='grid.jpg'"),
        (dict(out=self.get_temp_dir() + '/x.png/'), 'Invalid --out'),
        (dict(out=self.file + '/grid.png'), 'is a file'),
        (dict(out_dir=self.file), 'Invalid --out_dir'),
        (dict(out_dir=self.file + '/sub'), 'is a file'),
        (dict(grid_scale=-1), 'Invalid --grid_scale. Received: grid_scale=-1'),
    ):
      with self.assertRaises(UserError, msg=overrides) as raised:
        self._check(**overrides)
      problem = str(raised.exception)
      self.assertIn(part, problem)
      self.assertNotIn('\n', problem)

  def test_generates_in_chunks(self):
    path = os.path.join(self.get_temp_dir(), 'real')
    export.export_generator(dcgan.build_generator(16, z_dim=8, base_width=4), path)
    images_out = generate.generate(path, generate.CHUNK + 3, seed=1)
    self.assertEqual(images_out.shape, (generate.CHUNK + 3, 16, 16, 3))
    z = np.random.default_rng(1).standard_normal((generate.CHUNK + 3, 8)).astype(np.float32)
    self.assertAllEqual(images_out[-3:], export.load_generator(path)(z[-3:]))


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
