"""Instance noise, feature matching, historical averaging, the minibatch layers and VBN through
build_gan and train_step, and an exact resume with them.

The first three live in gan.py (GAN(instance_noise=..., feature_matching=...,
historical_averaging=...)); the instance noise test watches what the critic sees.
"""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.models import dcgan
from tfgan_anime.training import builders

_config = testing_utils.tiny_gan_config
_fit = testing_utils.fit_on_noise


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

  def test_instance_noise_reaches_every_critic_input_and_anneals(self):
    sigma, anneal = 0.5, 2
    generator = dcgan.build_generator(16, z_dim=8, base_width=4, norm='none')
    critic = testing_utils.Spy(dcgan.build_critic(16, base_width=4, norm='none'))
    critic(tf.zeros([1, 16, 16, 3]))
    gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=1, instance_noise=sigma,
                      instance_noise_anneal_steps=anneal)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0),
                d_loss_fn=losses.wasserstein_critic_loss,
                g_loss_fn=losses.wasserstein_generator_loss)
    real = tf.zeros([8, 1, 16, 16, 3])  # All zeros: what the critic sees of them is the noise.
    for step in range(anneal + 1):
      critic.seen.clear()
      fake = generator(gan._normal([8, 8], draw=0), training=True)  # pylint: disable=protected-access
      gan.train_step(real)
      seen_real, seen_fake, seen_generated = critic.seen
      # sigma(step) = 0.5 * (1 - step / 2): 0.5, 0.25, then 0; 8 x 16 x 16 x 3 draws each.
      expected = sigma * max(0.0, 1.0 - step / anneal)
      self.assertAllClose(np.std(seen_real), expected, atol=0.02)
      self.assertAllClose(np.std(seen_fake - fake.numpy()), expected, atol=0.02)
      self.assertEqual(seen_generated.shape, (8, 16, 16, 3))

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
