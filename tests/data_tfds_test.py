"""TFDS data specs on mock data (no download): shapes, labels, resume, one-line errors."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfgan_anime.data import decode
from tfgan_anime.data import pipeline
from tfgan_anime.data import tfds as tfds_lib
from tfgan_anime.errors import UserError


def _mock_metadata(name, data_dir, splits=None):
  """Writes a data set's metadata (no examples) so that mock_data finds it prepared.

  Under `mock_data(data_dir=...)` TFDS reads the info from these files and generates random
  examples. The splits are empty unless given ({name: num_examples}), as TFDS's own mock
  metadata often has them, so nothing may rely on their sizes.
  """
  builder = tfds.builder(name, data_dir=data_dir)
  if splits:
    builder.info.set_splits(tfds.core.SplitDict([
        tfds.core.SplitInfo(name=split, shard_lengths=[count], num_bytes=0)
        for split, count in splits.items()]))
  os.makedirs(builder.data_dir, exist_ok=True)
  builder.info.write_to_directory(builder.data_dir)
  return data_dir


def _take(dataset, n):
  return [tf.nest.map_structure(lambda t: t.numpy(), x) for x in dataset.take(n)]


class ParseSpecTest(parameterized.TestCase):

  @parameterized.parameters(
      ('tfds:mnist', ('mnist', None, 'train')),
      ('tfds:cars196:test', ('cars196', None, 'test')),
      ('tfds:mnist:train[:10%]', ('mnist', None, 'train[:10%]')),
      ('tfds:wmt19_translate/de-en:validation', ('wmt19_translate', 'de-en', 'validation')),
  )
  def test_parse(self, spec, expected):
    self.assertEqual(tfds_lib.parse_spec(spec), expected)

  @parameterized.parameters('tfds:', 'tfds:MNIST', 'tfds:mnist:', 'tfds:mnist/', 'mnist')
  def test_malformed(self, spec):
    with self.assertRaisesRegex(UserError, r'Invalid --data\. Received: data=.*tfds:NAME'):
      tfds_lib.parse_spec(spec)


class TfdsStreamTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    tfds_lib._MEMO.clear()  # pylint: disable=protected-access
    self.data_dir = os.path.join(self.get_temp_dir(), self.id().rsplit('.', 1)[-1])

  def _mock(self, name, num_examples=10):
    _mock_metadata(name, self.data_dir)
    return tfds.testing.mock_data(num_examples=num_examples, data_dir=self.data_dir)

  @parameterized.parameters(('mnist', 1), ('mnist', 3), ('cars196', 3), ('cars196', 1))
  def test_elements(self, name, channels):
    with self._mock(name):
      dataset, info = pipeline.make_dataset(f'tfds:{name}', 16, batch_size=2, n_critic=3,
                                            seed=1, channels=channels,
                                            tfds_data_dir=self.data_dir)
      elements = _take(dataset, 2)
    self.assertEqual(info.num_images, 10)
    self.assertEqual(info.num_classes, {'mnist': 10, 'cars196': 196}[name])
    for element in elements:
      self.assertEqual(element.shape, (2, 3, 16, 16, channels))
      self.assertEqual(element.dtype, np.float32)
      self.assertBetween(element.min(), -1.0, 1.0)
      self.assertBetween(element.max(), -1.0, 1.0)
      # Values are k / 127.5 - 1 for uint8 k: the pixels stayed uint8 until scaling.
      levels = (element + 1.0) * 127.5
      self.assertAllClose(levels, np.round(levels), atol=1e-3)
    if name == 'mnist' and channels == 3:
      # MNIST's gray is tiled: the three channels are equal.
      self.assertAllEqual(elements[0][..., 0], elements[0][..., 2])

  @parameterized.parameters(('mnist', 10), ('cars196', 196))
  def test_features_found_by_type_and_labels_kept(self, name, num_classes):
    with self._mock(name):
      builder, _ = tfds_lib.open_builder(f'tfds:{name}', self.data_dir)
      self.assertEqual(tfds_lib.find_features(builder.info.features), ('image', 'label'))
      dataset, _ = pipeline.make_dataset(f'tfds:{name}', 8, batch_size=2, n_critic=2,
                                         tfds_data_dir=self.data_dir, with_labels=True)
      images, labels = _take(dataset, 1)[0]
    # channels=3 by default: MNIST's gray is tiled.
    self.assertEqual(images.shape, (2, 2, 8, 8, 3))
    self.assertEqual(labels.shape, (2, 2))
    self.assertEqual(labels.dtype, np.int64)
    self.assertTrue(np.all((labels >= 0) & (labels < num_classes)))

  def test_find_features_ignores_the_key(self):
    features = tfds.features.FeaturesDict({
        'id': tfds.features.Text(), 'class': tfds.features.ClassLabel(num_classes=3),
        'picture': tfds.features.Image(shape=(None, None, 3))})
    self.assertEqual(tfds_lib.find_features(features), ('picture', 'class'))

  def test_the_folder_crop_and_resize_path(self):
    # cars196's mock images come in random sizes: each sample is decode.square_uint8 of one.
    with self._mock('cars196', num_examples=6):
      builder, _ = tfds_lib.open_builder('tfds:cars196', self.data_dir)
      raw = [ex for ex in builder.as_dataset(split='train', shuffle_files=False)]
      expected = [decode.square_uint8(ex['image'], 12).numpy() for ex in raw]
      labels = [int(ex['label']) for ex in raw]
      stream, info = tfds_lib.image_stream('tfds:cars196', 12, seed=3, data_dir=self.data_dir,
                                           with_labels=True)
      epoch = _take(stream, 6)
    self.assertTrue(info.in_memory)
    self.assertGreater(len({e.shape for e in [ex['image'].numpy() for ex in raw]}), 1)
    # One epoch is a permutation of the split: every example once, label kept with its image.
    matched = []
    for image, label in epoch:
      index = [i for i, e in enumerate(expected) if np.array_equal(e, image)]
      self.assertLen(index, 1)
      self.assertEqual(label, labels[index[0]])
      matched.append(index[0])
    self.assertCountEqual(matched, range(6))
    self.assertNotEqual(matched, list(range(6)))

  @parameterized.parameters((1 << 30, True), (0, False))
  def test_resumed_stream_equals_the_straight_one(self, max_memory_bytes, in_memory):
    with self._mock('mnist', num_examples=7):
      def stream(start):
        tf.random.set_seed(0)  # the loop sets it; the streamed mode's buffer depends on it
        return tfds_lib.image_stream('tfds:mnist', 8, channels=1, seed=5, start=start,
                                     data_dir=self.data_dir, with_labels=True,
                                     max_memory_bytes=max_memory_bytes)
      straight, info = stream(0)
      straight = _take(straight, 20)
      resumed = _take(stream(9)[0], 11)
    self.assertEqual(info.in_memory, in_memory)
    for (a_image, a_label), (b_image, b_label) in zip(straight[9:], resumed):
      self.assertAllEqual(a_image, b_image)
      self.assertEqual(a_label, b_label)
    # Every epoch has its own order (epoch 1 against epoch 0, 7 examples each).
    self.assertFalse(all(np.array_equal(a[0], b[0]) for a, b in zip(straight, straight[7:])))

  def test_make_dataset_resumes_at_its_position(self):
    with self._mock('mnist', num_examples=9):
      def elements(position, n):
        dataset, _ = pipeline.make_dataset('tfds:mnist', 8, batch_size=2, n_critic=2, seed=2,
                                           start_position=position, channels=1,
                                           tfds_data_dir=self.data_dir)
        return _take(dataset, n)
      straight = elements(0, 5)
      resumed = elements(3 * 4, 2)
    self.assertAllEqual(straight[3], resumed[0])
    self.assertAllEqual(straight[4], resumed[1])


class TfdsErrorTest(tf.test.TestCase):

  def _error(self, spec, data_dir=None, **kwargs):
    with self.assertRaises(UserError) as caught:
      tfds_lib.image_stream(spec, 8, data_dir=data_dir, **kwargs)
    message = str(caught.exception)
    self.assertNotIn('\n', message)
    self.assertIn(f'data={spec!r}', message)
    return message

  def test_unknown_name_lists_close_names(self):
    message = self._error('tfds:mnistt')
    self.assertRegex(message, r'^Invalid --data\. Received')
    self.assertIn('mnist', message.split('accepted:')[1])

  def test_unknown_config(self):
    self.assertIn('a config of mnist', self._error('tfds:mnist/nosuch'))

  def test_not_prepared_says_where_and_how(self):
    data_dir = os.path.join(self.get_temp_dir(), 'empty')
    message = self._error('tfds:mnist', data_dir)
    self.assertIn(f'not prepared in {data_dir}/mnist/', message)
    self.assertIn(f'tfds build mnist --data_dir={data_dir}', message)
    self.assertIn('download_and_prepare()', message)
    self.assertFalse(os.path.exists(os.path.join(data_dir, 'downloads')))

  def test_cars196_not_prepared_gives_the_manual_route(self):
    data_dir = os.path.join(self.get_temp_dir(), 'empty')
    message = self._error('tfds:cars196', data_dir)
    self.assertIn('tensorflow/datasets#5656', message)
    self.assertIn(f'{data_dir}/downloads/manual', message)
    self.assertIn('--manual_dir=', message)

  def test_unknown_split_lists_the_splits(self):
    data_dir = _mock_metadata('mnist', os.path.join(self.get_temp_dir(), 'splits'),
                              splits={'train': 60000, 'test': 10000})
    with tfds.testing.mock_data(num_examples=4, data_dir=data_dir):
      message = self._error('tfds:mnist:validation', data_dir)
      self.assertIn('accepted: a split of mnist: test, train', message)
      self.assertIn('a split of mnist', self._error('tfds:mnist:train+valid', data_dir))
      # Slices of a known split pass the check.
      _, split = tfds_lib.open_builder('tfds:mnist:test[:50%]', data_dir)
    self.assertEqual(split, 'test[:50%]')

  def test_labels_need_a_class_label(self):
    with self.assertRaisesRegex(UserError, 'Invalid --data for labels'):
      pipeline.make_dataset(self.get_temp_dir(), 8, 2, with_labels=True)


if __name__ == '__main__':
  tf.test.main()
