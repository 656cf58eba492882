"""Tests for tfgan_anime.metrics.features, with a tiny stand-in for the 2015 Inception graph."""

import hashlib
import os
import warnings

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime.errors import UserError
from tfgan_anime.metrics import features

_FEATURE_DIM = 4
_NUM_CLASSES = 5
_INNER_SIZE = 8


def _write_tiny_inception_graph(path):
  """A GraphDef with the 2015 graph's structure and tensor names, small enough to run anywhere.

  DecodeJpeg/contents -> DecodeJpeg -> Cast -> ExpandDims -> ResizeBilinear -> Sub -> Mul ->
  conv + ReLU -> pool_3 (avg pool) -> pool_3/_reshape ([1, F] hard-coded, like the real one) ->
  softmax/logits/MatMul -> softmax/logits (bias) -> softmax.
  """
  rng = np.random.default_rng(0)
  graph = tf.Graph()
  with graph.as_default():
    contents = tf.compat.v1.placeholder(tf.string, shape=[], name='DecodeJpeg/contents')
    decoded = tf.io.decode_jpeg(contents, channels=3, name='DecodeJpeg')
    expanded = tf.expand_dims(tf.cast(decoded, tf.float32, name='Cast'), 0, name='ExpandDims')
    resized = tf.raw_ops.ResizeBilinear(
        images=expanded, size=[_INNER_SIZE, _INNER_SIZE], align_corners=False,
        half_pixel_centers=False, name='ResizeBilinear')
    normalised = tf.multiply(tf.subtract(resized, 128.0, name='Sub'), 1 / 128.0, name='Mul')
    kernel = tf.constant(rng.normal(size=(3, 3, 3, _FEATURE_DIM)), tf.float32)
    activations = tf.nn.relu(tf.nn.conv2d(normalised, kernel, 1, 'SAME'))
    pool = tf.nn.avg_pool2d(activations, _INNER_SIZE, 1, 'VALID', name='pool_3')
    flat = tf.reshape(pool, [1, _FEATURE_DIM], name='pool_3/_reshape')
    weights = tf.constant(rng.normal(size=(_FEATURE_DIM, _NUM_CLASSES)), tf.float32,
                          name='softmax/weights')
    logits = tf.matmul(flat, weights, name='softmax/logits/MatMul')
    biased = tf.nn.bias_add(logits, tf.constant(np.ones(_NUM_CLASSES), tf.float32),
                            name='softmax/logits')
    tf.nn.softmax(biased, name='softmax')
  with open(path, 'wb') as f:
    f.write(graph.as_graph_def().SerializeToString())
  return graph


def _run_graph_one_image_at_a_time(graph, images):
  """What the TTUR code does: feed ExpandDims:0 with batch 1 in a TF1 session."""
  pools, logits = [], []
  with tf.compat.v1.Session(graph=graph) as session:
    for image in images:
      pool, logit = session.run(['pool_3:0', 'softmax/logits/MatMul:0'],
                                {'ExpandDims:0': image[np.newaxis]})
      pools.append(pool.reshape(-1))
      logits.append(logit.reshape(-1))
  return np.stack(pools), np.stack(logits)


def _sha256(path):
  with open(path, 'rb') as f:
    return hashlib.sha256(f.read()).hexdigest()


class InceptionGraphExtractorTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.path = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    self.graph = _write_tiny_inception_graph(self.path)

  def test_round_trip_matches_the_graph_run_one_image_at_a_time(self):
    extractor = features.InceptionGraphExtractor(self.path, expected_sha256=_sha256(self.path))
    self.assertEqual((extractor.feature_dim, extractor.num_classes), (_FEATURE_DIM, _NUM_CLASSES))
    images = np.random.default_rng(1).uniform(0, 255, size=(3, 299, 299, 3)).astype(np.float32)
    pool, logits = extractor(images)
    self.assertEqual(pool.shape, (3, _FEATURE_DIM))
    self.assertEqual(logits.shape, (3, _NUM_CLASSES))
    expected_pool, expected_logits = _run_graph_one_image_at_a_time(self.graph, images)
    self.assertAllClose(pool, expected_pool, rtol=1e-5, atol=1e-5)
    # Logits are the MatMul output, without the softmax/logits bias (improved-gan's IS code).
    self.assertAllClose(logits, expected_logits, rtol=1e-5, atol=1e-5)

  def test_folder_path_and_compute_features(self):
    extractor = features.InceptionGraphExtractor(self.get_temp_dir(),
                                                 expected_sha256=_sha256(self.path))
    images = np.random.default_rng(2).uniform(-1, 1, size=(5, 16, 16, 3)).astype(np.float32)
    pool, logits = features.compute_features(extractor, images, batch_size=2)
    self.assertEqual(pool.shape, (5, _FEATURE_DIM))
    self.assertEqual(logits.shape, (5, _NUM_CLASSES))
    # Batching does not change the numbers; an iterable of batches gives the same answer.
    pool_batches, _ = features.compute_features(extractor, iter([images[:3], images[3:]]))
    self.assertAllClose(pool, pool_batches, rtol=1e-5, atol=1e-6)
    self.assertStartsWith(extractor.cache_key, 'inception2015-' + _sha256(self.path)[:16])

  def test_wrong_hash_fails_with_a_clear_message(self):
    with self.assertRaisesRegex(UserError, 'SHA256 mismatch.*Received: path=.*sha256=' +
                                _sha256(self.path) + '.*expected_sha256=None'):
      features.InceptionGraphExtractor(self.path, expected_sha256='0' * 64)

  def test_no_hash_skips_the_check_and_logs_the_actual_one(self):
    with self.assertLogs(level='WARNING') as logs:
      extractor = features.InceptionGraphExtractor(self.path, expected_sha256=None)
    self.assertIn(_sha256(self.path), '\n'.join(logs.output))
    self.assertEqual(extractor.sha256, _sha256(self.path))

  def test_missing_file_names_where_to_get_it(self):
    missing = os.path.join(self.get_temp_dir(), 'nowhere', 'graph.pb')
    with self.assertRaisesRegex(UserError, 'inception-2015-12-05.tgz.*--inception_graph='):
      features.InceptionGraphExtractor(missing)

  def test_graph_without_the_tensors_is_rejected(self):
    path = os.path.join(self.get_temp_dir(), 'other.pb')
    graph = tf.Graph()
    with graph.as_default():
      tf.constant(1.0, name='something_else')
    with open(path, 'wb') as f:
      f.write(graph.as_graph_def().SerializeToString())
    with self.assertRaisesRegex(UserError, "no 'ExpandDims:0'"):
      features.InceptionGraphExtractor(path, expected_sha256=None)


class KerasInceptionV3ExtractorTest(tf.test.TestCase):

  def test_weights_round_trip_at_small_size(self):
    # 75 px (InceptionV3's minimum) instead of 299 keeps this a few seconds on a CPU.
    model = features.build_keras_inception_v3(image_size=75)
    path = os.path.join(self.get_temp_dir(), 'inception_v3.weights.h5')
    model.save_weights(path)
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter('always')
      extractor = features.KerasInceptionV3Extractor(path, expected_md5=None, image_size=75)
    self.assertTrue(any('not comparable' in str(w.message) for w in caught))
    images = np.random.default_rng(3).uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32)
    pool, logits = features.compute_features(extractor, images)
    self.assertEqual(pool.shape, (2, 2048))
    self.assertEqual(logits.shape, (2, 1000))
    x = features.preprocess_for_features(images, 75) / 127.5 - 1.0
    self.assertAllClose(logits, model(x, training=False), rtol=1e-4, atol=1e-4)

  def test_missing_weights_name_where_to_get_them(self):
    with self.assertRaisesRegex(UserError, 'inception_v3_weights_tf_dim_ordering'):
      features.KerasInceptionV3Extractor(os.path.join(self.get_temp_dir(), 'none.h5'))

  def test_wrong_md5_fails(self):
    path = os.path.join(self.get_temp_dir(), 'junk.h5')
    with open(path, 'wb') as f:
      f.write(b'not weights')
    with self.assertRaisesRegex(UserError, 'MD5 mismatch'):
      features.KerasInceptionV3Extractor(path)


class PreprocessTest(tf.test.TestCase, parameterized.TestCase):

  def test_float_and_uint8_versions_of_an_image_agree(self):
    pixels = np.random.default_rng(4).integers(0, 256, size=(2, 8, 8, 3)).astype(np.uint8)
    as_float = pixels.astype(np.float32) / 127.5 - 1.0
    self.assertAllEqual(features.quantize_to_uint8(as_float), pixels)
    self.assertAllClose(features.preprocess_for_features(as_float, 16),
                        features.preprocess_for_features(pixels, 16))

  def test_quantisation_rounds_and_clips(self):
    x = np.array([-1.0, -0.999, 0.0, 1.0, 1.005], np.float32).reshape(1, 1, 5, 1)
    self.assertAllEqual(features.quantize_to_uint8(x).ravel(), [0, 0, 128, 255, 255])

  def test_resize_is_the_legacy_bilinear_of_the_2015_graph(self):
    # 2 -> 4 with align_corners=False, half_pixel_centers=False samples at x * 2 / 4 =
    # 0, 0.5, 1, 1.5 (the last clamps to pixel 1): [a, (a + b) / 2, b, b].
    image = np.zeros((1, 2, 2, 3), np.uint8)
    image[0, :, 0, :] = 10
    image[0, :, 1, :] = 30
    row = features.preprocess_for_features(image, 4)[0, 0, :, 0]
    self.assertAllClose(row, [10.0, 20.0, 30.0, 30.0])

  def test_grey_images_become_three_channels(self):
    out = features.preprocess_for_features(np.full((2, 4, 4, 1), 7, np.uint8), 4)
    self.assertEqual(out.shape, (2, 4, 4, 3))
    self.assertAllEqual(out, np.full((2, 4, 4, 3), 7.0))

  @parameterized.named_parameters(
      ('float_0_255', np.full((1, 4, 4, 3), 200.0, np.float32), r'Received: images in \[200'),
      ('int32', np.zeros((1, 4, 4, 3), np.int32), 'Received: images.dtype=int32'),
      ('four_channels', np.zeros((1, 4, 4, 4), np.uint8), r'Received: images.shape=\(1, 4, 4, 4\)'),
  )
  def test_bad_images_raise(self, images, message):
    with self.assertRaisesRegex(ValueError, message):
      features.preprocess_for_features(images)

  def test_load_feature_extractor_by_kind(self):
    path = os.path.join(self.get_temp_dir(), 'graph.pb')
    _write_tiny_inception_graph(path)
    extractor = features.load_feature_extractor('inception2015', path, expected_hash=None)
    self.assertIsInstance(extractor, features.InceptionGraphExtractor)

  def test_unknown_extractor_kind(self):
    with self.assertRaisesRegex(ValueError, "Received: kind='vgg'"):
      features.load_feature_extractor('vgg', '/nonexistent')


if __name__ == '__main__':
  tf.test.main()
