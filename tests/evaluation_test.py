"""The evaluation library: protocol, real-vs-real floor, exports of images and of points."""

import json
import math
import os

import keras
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import evaluation
from tfgan_anime import export as export_lib
from tfgan_anime.metrics import features
from tfgan_anime.metrics import swd
from tfgan_anime.models import dcgan
from metrics_features_test import _write_tiny_inception_graph  # pylint: disable=g-bad-import-order


def _write_folder(root, images):
  os.makedirs(root, exist_ok=True)
  for i, image in enumerate(images):
    Image.fromarray(image).save(os.path.join(root, f'{i:03d}.png'))
  return root


class PointsTest(tf.test.TestCase):

  def test_sliced_wasserstein_points_known_answers(self):
    points = np.random.default_rng(0).normal(size=(500, 2))
    self.assertEqual(evaluation.sliced_wasserstein_points(points, points), 0.0)
    # A shift v moves every projection by v . theta: W1 = |v . theta|, mean over directions
    # 2 |v| / pi. 4,000 random directions put the estimate within about 1%.
    shifted = points + np.array([0.3, 0.4])
    self.assertAllClose(
        evaluation.sliced_wasserstein_points(points, shifted, num_directions=4000),
        2 * 0.5 / math.pi, rtol=0.02)
    with self.assertRaisesRegex(ValueError, r'real.shape=\(500, 2\), fake.shape=\(3, 2\)'):
      evaluation.sliced_wasserstein_points(points, points[:3])

  def test_toy_export_constant_generator(self):
    # A generator that puts every point on the first ring8 mode, (1, 0).
    z = keras.Input((2,))
    out = keras.layers.Dense(2, kernel_initializer='zeros',
                             bias_initializer=keras.initializers.Constant([1.0, 0.0]))(z)
    export_dir = export_lib.export_generator(keras.Model(z, out),
                                             os.path.join(self.get_temp_dir(), 'toy'))
    loaded = export_lib.load_generator(export_dir)
    self.assertEqual(loaded.output_key, 'samples')
    results = evaluation.evaluate(('toy', 'swd'), 100, 'toy2d:ring8', saved_model=export_dir)
    self.assertEqual(results['toy_modes_captured'], 1)
    self.assertEqual(results['toy_num_modes'], 8)
    self.assertEqual(results['toy_high_quality_fraction'], 1.0)
    self.assertAllClose(results['toy_reverse_kl'], math.log(8))
    self.assertGreater(results['swd'], 0.3)
    floor = evaluation.evaluate(('toy', 'swd'), 2500, 'toy2d:ring8', real_vs_real=True)
    self.assertEqual(floor['toy_modes_captured'], 8)
    self.assertLess(floor['swd'], 0.05)
    with self.assertRaisesRegex(ValueError, 'makes 2-D points, not images'):
      evaluation.evaluate(('swd',), 10, self.get_temp_dir(), saved_model=export_dir)


class ImagesTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.cache_dir = os.path.join(self.get_temp_dir(), 'cache')

  def test_real_images_are_the_decoded_uint8_and_halves_are_disjoint(self):
    colours = [np.full((8, 8, 3), 40 * i, np.uint8) for i in range(6)]
    root = _write_folder(os.path.join(self.get_temp_dir(), 'solid'), colours)
    first = evaluation.real_images(root, 8, 3, seed=5)
    second = evaluation.real_images(root, 8, 3, seed=5, offset=3)
    self.assertEqual(first.dtype, np.uint8)
    self.assertEqual(first.shape, (3, 8, 8, 3))
    values = sorted(int(image[0, 0, 0]) for image in np.concatenate([first, second]))
    self.assertEqual(values, [0, 40, 80, 120, 160, 200])  # exact pixels, each image once
    self.assertAllEqual(first, evaluation.real_images(root, 8, 3, seed=5))
    with self.assertRaisesRegex(ValueError, 'needs 8 .*two halves.*with 6 readable images'):
      evaluation.real_images(root, 8, 4, offset=4)

  def test_real_images_are_checked_and_routed_as_in_training(self):
    root = _write_folder(os.path.join(self.get_temp_dir(), 'odd'),
                         [np.full((8, 8, 3), 40, np.uint8)])
    # Transparent RGBA goes through PIL and is composited on white, as training decodes it.
    Image.fromarray(np.zeros((8, 8, 4), np.uint8)).save(os.path.join(root, 'clear.png'))
    open(os.path.join(root, 'empty.png'), 'wb').close()  # unreadable: left out
    images = evaluation.real_images(root, 8, 2)
    self.assertEqual(sorted(int(image[0, 0, 0]) for image in images), [40, 255])
    with self.assertRaisesRegex(ValueError, 'with 2 readable images'):
      evaluation.real_images(root, 8, 3)

  def test_real_vs_real_floor_is_zero_for_identical_images(self):
    image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'same'), [image] * 24)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    results = evaluation.evaluate(('swd', 'fid', 'kid', 'is', 'pr'), 12, root, real_vs_real=True,
                                  resolution=16,
                                  inception_graph=graph, cache_dir=self.cache_dir)
    self.assertEqual(results['swd_x1e3'], 0.0)
    self.assertAllClose(results['fid'], 0.0, atol=1e-6)
    self.assertAllClose(results['kid_x1e3'], 0.0, atol=1e-6)
    self.assertAllClose(results['is'], 1.0)  # one image, one class distribution
    self.assertEqual((results['precision'], results['recall']), (1.0, 1.0))
    self.assertEqual(results['resolution'], 16)
    # Real statistics were cached for this folder, selection, size and extractor.
    self.assertLen(os.listdir(os.path.join(self.cache_dir, 'stats')), 1)

  def test_export_goes_through_the_same_path(self):
    keras.utils.set_random_seed(0)
    generator = dcgan.build_generator(16, z_dim=4, base_width=4)
    export_dir = export_lib.export_generator(generator, os.path.join(self.get_temp_dir(), 'g'))
    noise = np.random.default_rng(1).integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'noise'), noise)
    results = evaluation.evaluate(('swd',), 20, root, saved_model=export_dir, seed=3)
    # The same numbers from the pieces: uint8 real images, the export's uint8 output for the
    # seeded z, one SWD call.
    real = evaluation.real_images(root, 16, 20, seed=3)
    fake = export_lib.load_generator(export_dir)(evaluation.latents(4, 20, seed=3))
    _, expected = swd.sliced_wasserstein_distance(real, fake, rng=3)
    self.assertAllClose(results['swd_x1e3'], 1e3 * expected)
    self.assertEqual(results['resolution'], 16)
    with self.assertRaisesRegex(ValueError, 'makes 16 px images'):
      evaluation.evaluate(('swd',), 20, root, saved_model=export_dir, resolution=32)
    table = evaluation.format_table(results, 'title')
    self.assertIn('SWD x1e3 (mean of levels)', table)
    json.dumps(results)  # everything in it is JSON

  def test_training_evaluators_are_zero_for_a_generator_of_the_real_image(self):
    image = np.random.default_rng(2).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'one'), [image] * 12)
    # z -> exactly that image: a zero kernel and the image (in [-1, 1]) as the bias.
    z = keras.Input((4,))
    flat = keras.layers.Dense(16 * 16 * 3, kernel_initializer='zeros',
                              bias_initializer=keras.initializers.Constant(
                                  image.reshape(-1) / 127.5 - 1.0))(z)
    generator = keras.Model(z, keras.layers.Reshape((16, 16, 3))(flat))
    swd_fn, swd_name = evaluation.training_evaluator('swd', root, root, 16, 12, 4)
    self.assertEqual(swd_name, 'swd_x1e3')
    self.assertEqual(swd_fn(generator), 0.0)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    kid_fn, kid_name = evaluation.training_evaluator('kid', root, root, 16, 12, 4,
                                                     cache_dir=self.cache_dir,
                                                     inception_graph=graph)
    self.assertEqual(kid_name, 'kid_x1e3')
    self.assertAllClose(kid_fn(generator), 0.0, atol=1e-6)
    # A different image scores above 0 on both.
    flat_layer = generator.layers[1]
    flat_layer.bias.assign(np.zeros(16 * 16 * 3, np.float32) + 0.3 * np.sign(
        flat_layer.bias.numpy()))
    self.assertGreater(swd_fn(generator), 0.0)
    self.assertGreater(kid_fn(generator), 0.0)

  def test_errors_name_the_flag(self):
    with self.assertRaisesRegex(ValueError, r'--metrics=fid,kid needs Inception features.*'
                                r'--inception_graph=PATH.*inception-2015-12-05.tgz.*'
                                r'--inception_keras_weights=PATH'):
      evaluation.evaluate(('fid', 'kid', 'swd'), 100, 'synthetic_faces', real_vs_real=True)
    self.assertNotIn('\n', evaluation.inception_missing_message(('fid',)))
    with self.assertRaisesRegex(ValueError, r"Invalid --metrics. Received: metrics='fid,nope'"):
      evaluation.parse_metrics('fid,nope')
    with self.assertRaisesRegex(ValueError, 'accepted: .*swd, toy for toy data'):
      evaluation.parse_metrics('fid', toy=True)
    self.assertEqual(evaluation.parse_metrics(' swd, tags'), ('swd', 'tags'))
    with self.assertRaisesRegex(ValueError, 'Missing --saved_model'):
      evaluation.evaluate(('swd',), 100, 'synthetic_faces')
    with self.assertRaisesRegex(ValueError, 'tags with --data=synthetic_faces'):
      evaluation.evaluate(('tags',), 100, self.get_temp_dir(), real_vs_real=True)


if __name__ == '__main__':
  tf.test.main()
