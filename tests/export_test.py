"""Export round trip: the SavedModel generates what the in-memory generator does."""

import os
import tempfile

import numpy as np
import tensorflow as tf

from tfgan_anime import export
from tfgan_anime import generate
from tfgan_anime import images
from tfgan_anime.errors import UserError
from tfgan_anime.models import conditional
from tfgan_anime.models import dcgan

# A vocabulary dict as data/conditions.vocabulary_json writes it: policy 'unknown', so hair has an
# unknown class (last) that a request cannot name and a draw never picks.
CONDITIONS = {
    'groups': ['hair', 'eyes'],
    'vocabulary': {'hair': ['blue hair', 'red hair', 'silver hair', 'unknown'],
                   'eyes': ['blue eyes', 'green eyes']},
    'policy': 'unknown',
    'counts': {'hair': [6, 2, 0, 50], 'eyes': [1, 3]},
}


def _conditional_generator():
  generator = conditional.build_generator(16, groups=(4, 2), z_dim=8, base_width=4)
  # Move the BN moving statistics away from their initial values, and the conditional scales
  # and shifts away from zero, so that the labels change the images.
  for weight in generator.weights:
    if 'gamma' in weight.path or 'beta' in weight.path:
      weight.assign(tf.random.stateless_normal(weight.shape, [1, 2]) * 0.5)
  generator([tf.random.normal([4, 8]), tf.constant([[0, 1], [1, 0], [2, 1], [3, 0]])],
            training=True)
  return generator


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


class ConditionalExportTest(tf.test.TestCase):
  """serving_default(z, hair, eyes) and generate_from_tags(tags, z, seed) of a conditional export."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.generator = _conditional_generator()
    cls.path = os.path.join(tempfile.mkdtemp(), 'export')
    export.export_generator(cls.generator, cls.path, conditions=CONDITIONS)
    cls.loaded = export.load_generator(cls.path)
    cls.signatures = tf.saved_model.load(cls.path).signatures
    cls.z = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)

  def _in_memory(self, labels):
    return images.to_uint8(self.generator([self.z, np.asarray(labels, np.int32)],
                                          training=False)).numpy()

  def test_round_trip_with_labels(self):
    labels = [[0, 0], [1, 1], [2, 0], [3, 1], [1, 0], [0, 1]]
    out = self.loaded(self.z, labels)
    self.assertEqual((out.shape, out.dtype), ((6, 16, 16, 3), np.uint8))
    self.assertAllEqual(out, self._in_memory(labels))
    # The labels matter: another hair colour gives other images.
    self.assertNotAllEqual(out, self.loaded(self.z, [[1, 0]] * 6))
    # A dict by group is the same request.
    by_group = {'hair': [row[0] for row in labels], 'eyes': [row[1] for row in labels]}
    self.assertAllEqual(self.loaded(self.z, by_group), out)

  def test_signatures(self):
    serve = self.signatures['serving_default']
    inputs = serve.structured_input_signature[1]
    self.assertEqual(sorted(inputs), ['eyes', 'hair', 'z'])
    self.assertEqual(inputs['z'].shape.as_list(), [None, 8])
    self.assertEqual((inputs['hair'].shape.as_list(), inputs['hair'].dtype), ([None], tf.int32))
    self.assertEqual(serve.structured_outputs['images'].dtype, tf.uint8)
    tags = self.signatures[export.TAGS_SIGNATURE].structured_input_signature[1]
    self.assertEqual({k: (v.shape.as_list(), v.dtype) for k, v in tags.items()},
                     {'tags': ([], tf.string), 'z': ([None, 8], tf.float32),
                      'seed': ([], tf.int64)})
    self.assertEqual(self.loaded.conditions, CONDITIONS)
    self.assertEqual(self.loaded.groups, ('hair', 'eyes'))
    # The generate binary reads the vocabulary from the same file without TensorFlow.
    self.assertEqual(generate.CONDITIONS_FILE, export.CONDITIONS_FILE)
    self.assertEqual(generate.read_conditions(self.path), CONDITIONS)

  def test_tags_give_the_images_of_the_equivalent_labels(self):
    for text, hair, eyes in (('red hair, green eyes', 1, 1), ('green eyes,silver hair', 2, 1),
                             (' blue hair ,blue eyes', 0, 0)):
      out, labels = self.loaded.from_tags(text, self.z, seed=5)
      self.assertAllEqual(labels, [[hair, eyes]] * 6)
      self.assertAllEqual(out, self._in_memory(labels))

  def test_a_group_left_out_is_drawn_from_its_training_counts(self):
    z = np.zeros((4000, 8), np.float32)
    _, labels = self.loaded.from_tags('red hair', z, seed=1)
    self.assertAllEqual(labels[:, 0], np.ones(4000))
    # eyes counts 1 : 3.
    self.assertAllClose(np.mean(labels[:, 1] == 1), 0.75, atol=0.03)
    _, labels = self.loaded.from_tags('', z, seed=1)
    # hair counts 6 : 2 : 0, the unknown class never drawn.
    self.assertAllClose(np.bincount(labels[:, 0], minlength=4) / 4000, [0.75, 0.25, 0, 0],
                        atol=0.03)
    # The same seed gives the same draw; another seed another.
    self.assertAllEqual(self.loaded.from_tags('', z[:50], seed=1)[1], labels[:50])
    self.assertNotAllEqual(self.loaded.from_tags('', z[:50], seed=2)[1], labels[:50])
    # The numpy sampler (evaluate's) follows the same weights.
    drawn = export.sample_labels(CONDITIONS, 4000, seed=0)
    self.assertAllClose(np.bincount(drawn[:, 0], minlength=4) / 4000, [0.75, 0.25, 0, 0],
                        atol=0.03)
    uniform = export.sample_labels(CONDITIONS, 6000, seed=0, distribution='uniform')
    self.assertAllClose(np.bincount(uniform[:, 0], minlength=4) / 6000, [1 / 3, 1 / 3, 1 / 3, 0],
                        atol=0.03)

  def test_refusals(self):
    serve = self.signatures['serving_default']
    tags_fn = self.signatures[export.TAGS_SIGNATURE]
    accepted = 'from: blue hair, red hair, silver hair, blue eyes, green eyes'
    for text, message in (('purple hair', 'unknown tag in tags; accepted: '),
                          ('unknown', 'unknown tag'),
                          ('red hair,blue hair', 'two tags of group hair')):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, message) as raised:
        tags_fn(tags=tf.constant(text), z=tf.zeros([2, 8]), seed=tf.constant(0, tf.int64))
      self.assertIn(accepted, str(raised.exception))
    for hair in ([0, 4], [-1, 0]):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r'hair must hold class indices in \[0, 4\)'):
        serve(z=tf.zeros([2, 8]), hair=tf.constant(hair), eyes=tf.constant([0, 0]))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, r'eyes must be int32 \[N\]'):
      serve(z=tf.zeros([2, 8]), hair=tf.constant([0, 0]), eyes=tf.constant([0, 0, 1]))
    for fn, extra in ((serve, dict(hair=tf.constant([0, 0]), eyes=tf.constant([0, 0]))),
                      (tags_fn, dict(tags=tf.constant('red hair'), seed=tf.constant(0, tf.int64)))):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r'z must be float32 \[N, 8\]; received shape'):
        fn(z=tf.zeros([2, 5]), **extra)
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'z must be finite'):
        fn(z=tf.constant([[0.0] * 7 + [float('inf')]] * 2), **extra)

  def test_the_loaded_generator_checks_its_labels(self):
    with self.assertRaisesRegex(ValueError, 'conditional on hair, eyes'):
      self.loaded(self.z)
    with self.assertRaisesRegex(ValueError, r'labels must be an int array \[N, 2\]'):
      self.loaded(self.z, np.zeros((6, 3), np.int32))
    with self.assertRaisesRegex(ValueError, r'labels must be an int array'):
      self.loaded(self.z, np.zeros((6, 2), np.float32))

  def test_unconditional_exports_are_unchanged(self):
    path = os.path.join(self.get_temp_dir(), 'plain')
    export.export_generator(dcgan.build_generator(16, z_dim=8, base_width=4), path)
    loaded = export.load_generator(path)
    self.assertIsNone(loaded.conditions)
    self.assertEqual(loaded.groups, ())
    self.assertEqual(list(tf.saved_model.load(path).signatures), ['serving_default'])
    self.assertFalse(os.path.exists(os.path.join(path, 'assets.extra')))
    with self.assertRaisesRegex(ValueError, 'unconditional: it takes no labels'):
      loaded(self.z, np.zeros((6, 2), np.int32))

  def test_bad_conditions_fail_before_anything_is_written(self):
    path = os.path.join(self.get_temp_dir(), 'bad')
    with self.assertRaisesRegex(ValueError, 'does not take labels of these groups'):
      export.export_generator(self.generator, path,
                              {'groups': ['hair'], 'vocabulary': {'hair': ['a hair', 'b hair']}})
    with self.assertRaisesRegex(ValueError, 'Invalid conditions'):
      export.export_generator(self.generator, path, {'groups': ['hair']})
    self.assertFalse(os.path.exists(path))


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
