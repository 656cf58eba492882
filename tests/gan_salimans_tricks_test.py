"""Instance noise, feature matching, historical averaging, the minibatch layers and VBN through
build_gan and train_step, and an exact resume with them.

The first three need gan.py's wiring (GAN(instance_noise=..., feature_matching=...,
historical_averaging=...)); until gan.py takes those arguments, the tests that need them skip.
"""

import dataclasses
import inspect
import os

import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime.data import pipeline
from tfgan_anime.training import builders

_WIRED = 'historical_averaging' in inspect.signature(gan_lib.GAN).parameters


def _config(**overrides):
  values = dict(model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
                batch_size=2, n_critic=2, loss='non_saturating', penalty='none', d_norm='none',
                g_norm='none')
  values.update(overrides)
  config = config_lib.TrainConfig(**values)
  config.validate()
  return config


def _fit(gan, config, steps):
  images = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
  dataset = pipeline.group_for_critic(
      tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
  return gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0).history


class ModelTricksTest(tf.test.TestCase):
  """The model-side tricks need only builders.py."""

  def test_minibatch_layers_and_vbn_train(self):
    config = _config(minibatch_stddev=2, minibatch_discrimination='3,2', g_norm='virtual',
                     vbn_reference_size=2)
    gan = builders.build_gan(config)
    self.assertIn('minibatch_stddev', [layer.name for layer in gan.critic.layers])
    history = _fit(gan, config, steps=2)
    for values in history.values():
      self.assertTrue(np.all(np.isfinite(values)))
    self.assertEqual(gan_lib.train_step_traces(gan), 1)


class WiredTricksTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if not _WIRED:
      self.skipTest('gan.py does not take the tricks\' arguments yet')

  def test_each_trains_finite(self):
    for overrides in (dict(instance_noise=0.1, instance_noise_anneal_steps=2),
                      dict(feature_matching='down1_lrelu'),
                      dict(feature_matching='down0_lrelu', feature_matching_weight=0.5),
                      dict(historical_averaging=0.01)):
      config = _config(**overrides)
      gan = builders.build_gan(config)
      history = _fit(gan, config, steps=2)
      for values in history.values():
        self.assertTrue(np.all(np.isfinite(values)), overrides)
      self.assertEqual(gan_lib.train_step_traces(gan), 1)

  def test_replacing_feature_matching_is_the_generator_loss(self):
    config = _config(feature_matching='down1_lrelu')
    history = _fit(builders.build_gan(config), config, steps=2)
    self.assertTrue(np.all(np.asarray(history['g_loss']) >= 0))  # A squared distance.

  def test_historical_average_counts_every_update(self):
    config = _config(historical_averaging=0.01)
    gan = builders.build_gan(config)
    _fit(gan, config, steps=3)
    self.assertEqual(int(gan.d_history.count.numpy()), 3 * config.n_critic)
    self.assertEqual(int(gan.g_history.count.numpy()), 3)
    # The mean lies between the initial and the current weights: not the current weights alone.
    self.assertNotAllClose(gan.g_history.means[0], gan.generator.trainable_variables[0])

  def test_resume_is_exact(self):
    root = self.get_temp_dir()
    config = dataclasses.replace(
        _config(instance_noise=0.1, instance_noise_anneal_steps=3, historical_averaging=0.01,
                feature_matching='down1_lrelu', feature_matching_weight=0.5,
                g_norm='virtual', vbn_reference_size=2, minibatch_stddev=2,
                data='synthetic_faces', synthetic_num_images=16,
                cache_dir=os.path.join(root, 'cache'), train_steps=4, checkpoint_every_steps=1,
                export=False, diversity_every_epochs=0),
        model_dir=os.path.join(root, 'straight'))
    testing_utils.assert_resume_is_exact(self, config)
    reader = tf.train.load_checkpoint(os.path.join(root, 'straight', 'checkpoints'))
    names = reader.get_variable_to_shape_map()
    self.assertTrue(any(name.startswith('d_history/') for name in names), sorted(names))


if __name__ == '__main__':
  tf.test.main()
