"""The evaluation library (protocol and runner): real-vs-real floor, exports of images and of
points, the evaluation during training and its small-folder rule."""

import json
import math
import os

import keras
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import export as export_lib
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import names
from tfgan_anime.evaluation import protocol
from tfgan_anime.evaluation import report
from tfgan_anime.evaluation import runner
from tfgan_anime.metrics import features
from tfgan_anime.metrics import swd
from tfgan_anime.models import dcgan
from metrics_features_test import _write_tiny_inception_graph  # pylint: disable=g-bad-import-order


def _write_folder(root, images):
  os.makedirs(root, exist_ok=True)
  for i, image in enumerate(images):
    Image.fromarray(image).save(os.path.join(root, f'{i:03d}.png'))
  return root


def _image_generator(image, z_dim=4):
  """A Keras generator z -> exactly `image` (uint8 [H, W, 3]): a zero kernel, the image in
  [-1, 1] as the bias."""
  z = keras.Input((z_dim,))
  flat = keras.layers.Dense(image.size, kernel_initializer='zeros',
                            bias_initializer=keras.initializers.Constant(
                                image.reshape(-1) / 127.5 - 1.0))(z)
  return keras.Model(z, keras.layers.Reshape(image.shape)(flat))


class PointsTest(tf.test.TestCase):

  def test_toy_export_constant_generator(self):
    # A generator that puts every point on the first ring8 mode, (1, 0).
    z = keras.Input((2,))
    out = keras.layers.Dense(2, kernel_initializer='zeros',
                             bias_initializer=keras.initializers.Constant([1.0, 0.0]))(z)
    export_dir = export_lib.export_generator(keras.Model(z, out),
                                             os.path.join(self.get_temp_dir(), 'toy'))
    loaded = export_lib.load_generator(export_dir)
    self.assertEqual(loaded.output_key, 'samples')
    results = runner.evaluate(('toy', 'swd'), 100, 'toy2d:ring8', saved_model=export_dir)
    self.assertEqual(results['toy_modes_captured'], 1)
    self.assertEqual(results['toy_num_modes'], 8)
    self.assertEqual(results['toy_high_quality_fraction'], 1.0)
    self.assertAllClose(results['toy_reverse_kl'], math.log(8))
    self.assertGreater(results['swd'], 0.3)
    floor = runner.evaluate(('toy', 'swd'), 2500, 'toy2d:ring8', real_vs_real=True)
    self.assertEqual(floor['toy_modes_captured'], 8)
    self.assertLess(floor['swd'], 0.05)
    with self.assertRaisesRegex(UserError, 'makes 2-D points, not images'):
      runner.evaluate(('swd',), 10, self.get_temp_dir(), saved_model=export_dir)


class ImagesTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.cache_dir = os.path.join(self.get_temp_dir(), 'cache')

  def test_real_images_are_the_decoded_uint8_and_halves_are_disjoint(self):
    colours = [np.full((8, 8, 3), 40 * i, np.uint8) for i in range(6)]
    root = _write_folder(os.path.join(self.get_temp_dir(), 'solid'), colours)
    first = protocol.real_images(root, 8, 3, seed=5)
    second = protocol.real_images(root, 8, 3, seed=5, offset=3)
    self.assertEqual(first.dtype, np.uint8)
    self.assertEqual(first.shape, (3, 8, 8, 3))
    values = sorted(int(image[0, 0, 0]) for image in np.concatenate([first, second]))
    self.assertEqual(values, [0, 40, 80, 120, 160, 200])  # exact pixels, each image once
    self.assertAllEqual(first, protocol.real_images(root, 8, 3, seed=5))
    # The evaluate binary's own message: its flag, the folder's count and what would fit.
    with self.assertRaisesRegex(UserError, r'needs 8 \(two halves of --num_samples=4\).*with 6 '
                                r'readable images; accepted: --num_samples <= 3'):
      protocol.real_images(root, 8, 4, offset=4)

  def test_real_images_are_checked_and_routed_as_in_training(self):
    root = _write_folder(os.path.join(self.get_temp_dir(), 'odd'),
                         [np.full((8, 8, 3), 40, np.uint8)])
    # Transparent RGBA goes through PIL and is composited on white, as training decodes it.
    Image.fromarray(np.zeros((8, 8, 4), np.uint8)).save(os.path.join(root, 'clear.png'))
    open(os.path.join(root, 'empty.png'), 'wb').close()  # unreadable: left out
    images = protocol.real_images(root, 8, 2)
    self.assertEqual(sorted(int(image[0, 0, 0]) for image in images), [40, 255])
    with self.assertRaisesRegex(UserError, 'with 2 readable images'):
      protocol.real_images(root, 8, 3)

  def test_real_vs_real_floor_is_zero_for_identical_images(self):
    image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'same'), [image] * 24)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    results = runner.evaluate(('swd', 'fid', 'kid', 'is', 'pr'), 12, root, real_vs_real=True,
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

  def test_the_floor_is_real_vs_real_computed_once_and_cached_by_its_settings(self):
    noise = np.random.default_rng(2).integers(0, 256, (40, 16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'floor'), noise)
    lines = []
    floor, path = runner.real_vs_real_floor(('swd',), 12, root, resolution=16, seed=1,
                                            cache_dir=self.cache_dir, log=lines.append)
    # The mean of names.FLOOR_SPLITS splits: evaluation seeds 1, 2, 3.
    splits = [runner.evaluate(('swd',), 12, root, real_vs_real=True, resolution=16, seed=seed,
                              cache_dir=self.cache_dir) for seed in (1, 2, 3)]
    self.assertEqual(floor['floor_splits'], 3)
    self.assertAllClose(floor['swd_x1e3'], np.mean([r['swd_x1e3'] for r in splits]))
    self.assertAllClose(floor['swd_levels_x1e3'],
                        np.mean([r['swd_levels_x1e3'] for r in splits], axis=0))
    self.assertEqual((floor['seed'], floor['num_samples'], floor['resolution']), (1, 12, 16))
    self.assertGreater(floor['swd_x1e3'], 0.0)
    self.assertLen({r['swd_x1e3'] for r in splits}, 3)  # The splits differ.
    self.assertEqual(os.path.dirname(path), os.path.join(self.cache_dir, 'stats'))
    # The second call reads the file: a value planted there comes back, nothing is computed.
    with open(path) as f:
      stored = json.load(f)
    stored['results']['swd_x1e3'] = 123.0
    with open(path, 'w') as f:
      json.dump(stored, f)
    again, same_path = runner.real_vs_real_floor(('swd',), 12, root, resolution=16, seed=1,
                                                 cache_dir=self.cache_dir, log=lines.append)
    self.assertEqual((again['swd_x1e3'], same_path), (123.0, path))
    self.assertEqual([line.split(' ')[0] for line in lines], ['Computing', 'Real-vs-real'])
    # Another resolution, sample count, seed, metric list, folder or network is another floor.
    args = dict(metrics=('swd',), num_samples=12, data=root, resolution=16, seed=1,
                cache_dir=self.cache_dir)
    self.assertEqual(runner.floor_cache_key(**args)[1], path)
    paths = {runner.floor_cache_key(**dict(args, **overrides))[1] for overrides in (
        dict(resolution=8), dict(num_samples=10), dict(seed=2), dict(metrics=('swd', 'tags')),
        dict(data=root + '_other'), dict(feature_network='/x/graph.pb'), dict(splits=1))}
    self.assertLen(paths - {path}, 7)
    # The synthetic faces are keyed by their count and seed.
    faces = dict(args, data='synthetic_faces')
    self.assertNotEqual(runner.floor_cache_key(**faces)[1],
                        runner.floor_cache_key(**faces, synthetic_num_images=5000)[1])
    other, other_path = runner.real_vs_real_floor(('swd',), 12, root, resolution=8, seed=1,
                                                  cache_dir=self.cache_dir, log=lines.append)
    self.assertNotEqual(other_path, path)
    self.assertNotEqual(other['swd_x1e3'], 123.0)
    self.assertEqual(other['resolution'], 8)

  def test_mean_results_averages_measurements_and_keeps_settings(self):
    runs = [{'swd_x1e3': 1.0, 'swd_levels_x1e3': [1.0, 3.0], 'seed': 4, 'num_samples': 10,
             'tag_combinations_covered': 119, 'tag_num_combinations': 120, 'data': 'a',
             'tag_classifier_accuracy': {'hair': 0.5}, 'real_vs_real': True},
            {'swd_x1e3': 2.0, 'swd_levels_x1e3': [2.0, 5.0], 'seed': 5, 'num_samples': 10,
             'tag_combinations_covered': 120, 'tag_num_combinations': 120, 'data': 'a',
             'tag_classifier_accuracy': {'hair': 0.7}, 'real_vs_real': True}]
    self.assertEqual(runner.mean_results(runs), {
        'swd_x1e3': 1.5, 'swd_levels_x1e3': [1.5, 4.0], 'seed': 4, 'num_samples': 10,
        'tag_combinations_covered': 119.5, 'tag_num_combinations': 120, 'data': 'a',
        'tag_classifier_accuracy': {'hair': 0.6}, 'real_vs_real': True})

  def test_floor_splits_refused_below_one(self):
    with self.assertRaisesRegex(UserError, r'^Invalid --floor_splits\. Received: '
                                r'floor_splits=0; accepted: an integer >= 1'):
      runner.real_vs_real_floor(('swd',), 12, 'unused', resolution=16, splits=0)

  def test_export_goes_through_the_same_path(self):
    keras.utils.set_random_seed(0)
    generator = dcgan.build_generator(16, z_dim=4, base_width=4)
    export_dir = export_lib.export_generator(generator, os.path.join(self.get_temp_dir(), 'g'))
    noise = np.random.default_rng(1).integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'noise'), noise)
    results = runner.evaluate(('swd',), 20, root, saved_model=export_dir, seed=3)
    # The same numbers from the pieces: uint8 real images, the export's uint8 output for the
    # seeded z, one SWD call.
    real = protocol.real_images(root, 16, 20, seed=3)
    # The z of numpy's default generator seeded with --seed, as before latent.py existed.
    z = np.random.default_rng(3).standard_normal((20, 4)).astype(np.float32)
    fake = export_lib.load_generator(export_dir)(z)
    _, expected = swd.sliced_wasserstein_distance(real, fake, rng=3)
    self.assertAllClose(results['swd_x1e3'], 1e3 * expected)
    self.assertEqual(results['resolution'], 16)
    with self.assertRaisesRegex(UserError, 'makes 16 px images'):
      runner.evaluate(('swd',), 20, root, saved_model=export_dir, resolution=32)
    table = report.format_table(results, 'title')
    self.assertIn('SWD x1e3 (mean of levels)', table)
    json.dumps(results)  # everything in it is JSON

  def test_training_evaluators_are_zero_for_a_generator_of_the_real_image(self):
    image = np.random.default_rng(2).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'one'), [image] * 12)
    generator = _image_generator(image)
    messages = []
    swd_fn, swd_name = runner.training_evaluator('swd', root, root, 16, 12, 4,
                                                 log=messages.append)
    self.assertEqual(swd_name, 'swd_x1e3')
    self.assertEqual(swd_fn(generator), 0.0)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    kid_fn, kid_name = runner.training_evaluator('kid', root, root, 16, 12, 4,
                                                 cache_dir=self.cache_dir,
                                                 inception_graph=graph, log=messages.append)
    self.assertEqual(kid_name, 'kid_x1e3')
    self.assertAllClose(kid_fn(generator), 0.0, atol=1e-6)
    self.assertEqual(messages, [])  # the folder holds the 12 asked for: nothing to say
    # A different image scores above 0 on both.
    flat_layer = generator.layers[1]
    flat_layer.bias.assign(np.zeros(16 * 16 * 3, np.float32) + 0.3 * np.sign(
        flat_layer.bias.numpy()))
    self.assertGreater(swd_fn(generator), 0.0)
    self.assertGreater(kid_fn(generator), 0.0)

  def test_a_gray_generator_is_measured_against_the_luma_of_colour_data(self):
    image = np.random.default_rng(4).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'colour'), [image] * 12)
    # ITU-R 601 luma, rounded: what --channels=1 trains on.
    luma = np.round(np.clip(image.astype(np.float64) @ [0.2989, 0.5870, 0.1140], 0, 255))
    luma = luma.astype(np.uint8)[..., np.newaxis]
    self.assertAllEqual(protocol.match_channels(image[np.newaxis], 1)[0], luma)
    self.assertAllEqual(protocol.match_channels(luma[np.newaxis], 3)[0],
                        np.repeat(luma, 3, axis=-1))
    generator = _image_generator(luma)
    swd_fn, _ = runner.training_evaluator('swd', root, root, 16, 12, 4, log=lambda _: None)
    self.assertEqual(swd_fn(generator), 0.0)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    kid_fn, _ = runner.training_evaluator('kid', root, root, 16, 12, 4, cache_dir=self.cache_dir,
                                          inception_graph=graph, log=lambda _: None)
    self.assertAllClose(kid_fn(generator), 0.0, atol=1e-6)
    # Statistics are kept per channels: a colour generator of the image is 0 against the
    # colour statistics, where the gray ones would score it above 0.
    self.assertAllClose(kid_fn(_image_generator(image)), 0.0, atol=1e-6)

  def test_training_evaluation_shrinks_to_a_small_folder_and_says_so_once(self):
    # --eval_num_samples=1000 on a folder of 3 images: all 3 real against 3 generated.
    image = np.random.default_rng(5).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    root = _write_folder(os.path.join(self.get_temp_dir(), 'three'), [image] * 3)
    generator = _image_generator(image)
    graph = os.path.join(self.get_temp_dir(), features.INCEPTION_2015_FILENAME)
    _write_tiny_inception_graph(graph)
    for metric in ('swd', 'kid'):
      messages = []
      evaluate_fn, _ = runner.training_evaluator(metric, root, root, 16, 1000, 4,
                                                 cache_dir=self.cache_dir, inception_graph=graph,
                                                 log=messages.append)
      # The same image on both sides: 0 only if both sides hold the same number of samples
      # (SWD compares sorted projections one to one; KID's estimator is unbiased).
      self.assertAllClose(evaluate_fn(generator), 0.0, atol=1e-6)
      evaluate_fn(generator)
      self.assertEqual(messages, ['Evaluation: the folder holds 3 images; evaluating on 3 real '
                                  'and 3 generated samples (--eval_num_samples=1000).'])

  def test_training_evaluation_of_a_folder_too_small_names_eval_num_samples(self):
    root = _write_folder(os.path.join(self.get_temp_dir(), 'single'),
                         [np.zeros((16, 16, 3), np.uint8)])
    with self.assertRaisesRegex(UserError, r'^Invalid --eval_num_samples .*at least 2 real '
                                r'images. Received: eval_num_samples=1000 with .* holding 1 '
                                r'readable image; accepted') as caught:
      runner.training_evaluator('swd', root, root, 16, 1000, 4, log=self.fail)
    self.assertNotIn('--num_samples', str(caught.exception))
    with self.assertRaisesRegex(UserError, r"Invalid --eval_metric. Received: eval_metric='fid'"):
      runner.training_evaluator('fid', root, root, 16, 1, 4)

  def test_a_folder_without_an_export_is_a_user_error(self):
    with self.assertRaisesRegex(UserError, r'Invalid --saved_model: no saved_model.pb there. '
                                r"Received: saved_model='/nonexistent/export'"):
      runner.evaluate(('swd',), 10, 'toy2d:ring8', saved_model='/nonexistent/export')

  def test_errors_name_the_flag(self):
    with self.assertRaisesRegex(UserError, r'--metrics=fid,kid needs Inception features.*'
                                r'--inception_graph=PATH.*inception-2015-12-05.tgz.*'
                                r'--inception_keras_weights=PATH'):
      runner.evaluate(('fid', 'kid', 'swd'), 100, 'synthetic_faces', real_vs_real=True)
    self.assertNotIn('\n', runner.inception_missing_message(('fid',)))
    with self.assertRaisesRegex(UserError, r"Invalid --metrics. Received: metrics='fid,nope'"):
      names.parse_metrics('fid,nope')
    with self.assertRaisesRegex(UserError, 'accepted: .*swd, toy for toy data'):
      names.parse_metrics('fid', toy=True)
    self.assertEqual(names.parse_metrics(' swd, tags'), ('swd', 'tags'))
    with self.assertRaisesRegex(UserError, 'Missing --saved_model'):
      runner.evaluate(('swd',), 100, 'synthetic_faces')
    with self.assertRaisesRegex(UserError, 'tags with --data=synthetic_faces'):
      runner.evaluate(('tags',), 100, self.get_temp_dir(), real_vs_real=True)


if __name__ == '__main__':
  tf.test.main()
