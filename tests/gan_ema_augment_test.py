"""The generator's weight average (EMA) and DiffAugment inside the GAN's train step."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import augment
from tfgan_anime import config as config_lib
from tfgan_anime import ema
from tfgan_anime import export
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.data import pipeline
from tfgan_anime.models import dcgan
from tfgan_anime.training import loop as train_lib
from gan_test import RecordingSGD
from gan_test import Spy


class BetaTest(tf.test.TestCase):

  def test_half_life_in_images(self):
    self.assertAllClose(ema.beta(10**6, 32, ema_kimg=10), 0.5 ** (32 / 10000))
    # Ramp-up: the half-life is at most 5% of the images seen; none seen copies the weights.
    self.assertAllClose(ema.beta(1000, 32, ema_kimg=10, rampup=0.05), 0.5 ** (32 / 50))
    self.assertAllClose(ema.beta(0, 32, ema_kimg=10, rampup=0.05), 0.0)
    self.assertAllClose(ema.beta(0, 32, decay=0.999), 0.999)


class UpdateTest(tf.test.TestCase):

  def test_closed_form_and_copied_batch_norm_statistics(self):
    model = keras.Sequential([keras.Input([3]), keras.layers.Dense(2),
                              keras.layers.BatchNormalization()])
    average = ema.clone(model)
    trainable = [j for j, w in enumerate(model.weights) if w.trainable]
    w0 = [model.weights[j].numpy() for j in trainable]
    beta, history = 0.8, []
    rng = np.random.default_rng(0)
    for _ in range(4):
      for w in model.weights:
        w.assign(rng.normal(size=w.shape).astype(np.float32))
      history.append([model.weights[j].numpy() for j in trainable])
      ema.update(average, model, tf.constant(beta))
    k = len(history)
    self.assertLen(trainable, 4)  # kernel, bias, gamma, beta
    for j, avg in enumerate(average.weights[i] for i in trainable):
      # avg_k = beta^k w_0 + (1 - beta) sum_t beta^(k - t) w_t.
      expected = beta ** k * w0[j] + (1 - beta) * sum(
          beta ** (k - t) * history[t - 1][j] for t in range(1, k + 1))
      self.assertAllClose(avg, expected, atol=1e-6)
    for avg, w in zip(average.weights[4:], model.weights[4:]):
      self.assertAllEqual(avg, w)  # Moving statistics copied, not averaged.


def _gan(augment_ops=(), ema_decay=0.0, penalty='none', norm='none'):
  keras.utils.set_random_seed(1)
  generator = dcgan.build_generator(16, z_dim=8, base_width=4, norm=norm)
  critic = Spy(dcgan.build_critic(16, base_width=4, norm='none'))
  critic(tf.zeros([1, 16, 16, 3]))
  gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=2, penalty=penalty, gp_weight=10.0,
                    augment=augment_ops, ema_decay=ema_decay)
  log = []
  gan.compile(
      d_optimizer=keras.optimizers.SGD(0.01),
      g_optimizer=RecordingSGD(lambda: log.append([w.numpy() for w in generator.weights]),
                               learning_rate=0.05),
      d_loss_fn=losses.wasserstein_critic_loss, g_loss_fn=losses.wasserstein_generator_loss)
  return gan, log


class GanEmaTest(tf.test.TestCase):

  def test_average_after_k_steps_is_the_closed_form(self):
    decay = 0.7
    gan, log = _gan(ema_decay=decay, norm='batch')
    w0 = [w.numpy() for w in gan.generator.weights]
    data = tf.random.stateless_uniform([2, 2, 16, 16, 3], [0, 1], -1, 1)
    for _ in range(3):
      gan.train_step(data)
    trainable = {id(w) for w in gan.generator.trainable_weights}
    for j, (avg, w) in enumerate(zip(gan.ema_generator.weights, gan.generator.weights)):
      if id(w) in trainable:
        expected = decay ** 3 * w0[j] + (1 - decay) * sum(
            decay ** (3 - t) * log[t - 1][j] for t in (1, 2, 3))
        self.assertAllClose(avg, expected, atol=1e-6)
      else:
        self.assertAllEqual(avg, w)
    self.assertIs(gan.sampler, gan.ema_generator)
    self.assertFalse(np.allclose(gan.ema_generator.weights[0], gan.generator.weights[0]))

  def test_off_by_default(self):
    gan, _ = _gan()
    self.assertIsNone(gan.ema_generator)
    self.assertIs(gan.sampler, gan.generator)


class GanAugmentTest(tf.test.TestCase):

  def test_real_and_fake_are_augmented_in_both_updates_and_samples_never(self):
    gan, _ = _gan(augment_ops=('cutout',), penalty='gp')
    data = np.full((2, 2, 16, 16, 3), 0.5, np.float32)
    gan.critic.seen.clear()
    gan.train_step(tf.constant(data))
    seen = gan.critic.seen
    self.assertLen(seen, 2 * 3 + 1)  # Per critic update: real, fake, interpolates; then G's.
    square = 8 * 8  # Pixels zeroed by an unclipped 8 x 8 cut-out at 16 px, per channel.
    for images in [seen[0], seen[1], seen[3], seen[4], seen[6]]:  # reals, fakes, G's fakes
      zeros = (np.abs(images) < 1e-12).all(axis=3).reshape(2, -1).sum(axis=1)
      self.assertTrue(np.all(zeros > 0) and np.all(zeros <= square), zeros)
    # The reals' squares differ per sample and per update (stateless draws of their own).
    self.assertFalse(np.array_equal(seen[0], seen[3]))
    # The penalty interpolates the augmented pair, one epsilon per sample.
    real, fake, x_hat = seen[0], seen[1], seen[2]
    eps = ((x_hat - fake).reshape(2, -1).sum(1) / (real - fake).reshape(2, -1).sum(1))
    self.assertAllClose(x_hat, eps[:, None, None, None] * real +
                        (1 - eps[:, None, None, None]) * fake, atol=1e-5)
    # Samples are the generator's own outputs: no zeroed squares, equal to calling it.
    z = tf.random.normal([4, 8])
    self.assertAllClose(gan.sampler(z), gan.generator(z, training=False))
    self.assertFalse(np.any(np.all(np.abs(gan.sampler(z).numpy()) < 1e-12, axis=3)))


def _hinge_gan(bias, augment_p, augment_target):
  """A GAN whose critic outputs about `bias` on everything and never learns (rate 0)."""
  keras.utils.set_random_seed(1)
  generator = dcgan.build_generator(16, z_dim=8, base_width=4, norm='none')
  critic = Spy(dcgan.build_critic(16, base_width=4, norm='none'))
  critic(tf.zeros([1, 16, 16, 3]))
  output_bias = critic.inner.trainable_weights[-1]
  assert output_bias.shape == (1,), output_bias.path
  output_bias.assign([bias])
  # 4 images a step (batch 2, n_critic 2) at 0.04 kimg: p moves by 0.1 a step.
  gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=2, augment=('cutout',),
                    augment_p=augment_p, augment_target=augment_target, augment_kimg=0.04)
  gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.01),
              d_loss_fn=losses.hinge_discriminator_loss,
              g_loss_fn=losses.hinge_generator_loss)
  return gan


def _augmented(images):
  """Per sample: does it hold a zeroed cut-out square (all channels exactly 0 somewhere)?"""
  return (np.abs(images) < 1e-12).all(axis=3).reshape(len(images), -1).any(axis=1)


class GanAdaptiveAugmentTest(tf.test.TestCase):

  def test_probability_follows_the_sign_of_the_critic_on_reals(self):
    data = tf.constant(np.full((2, 2, 16, 16, 3), 0.5, np.float32))
    for bias, expected in ((50.0, (0.6, 0.7, 0.8)), (-50.0, (0.4, 0.3, 0.2))):
      gan = _hinge_gan(bias, augment_p=0.5, augment_target=0.6)
      for p in expected:
        logs = gan.train_step(data)
        self.assertAllClose(logs['augment_p'], p, atol=1e-6)
        self.assertAllClose(gan.augment_p, p, atol=1e-6)
        self.assertAllClose(logs['augment_rt'], np.sign(bias))

  def test_a_fixed_probability_augments_some_samples_and_stays(self):
    gan = _hinge_gan(0.0, augment_p=0.5, augment_target=0.0)
    data = tf.constant(np.full((8, 2, 16, 16, 3), 0.5, np.float32))
    gan.critic.seen.clear()
    logs = gan.train_step(data)
    self.assertNotIn('augment_p', logs)
    self.assertAllClose(gan.augment_p, 0.5)
    for images in gan.critic.seen:  # Reals and fakes of both critic updates, then G's fakes.
      augmented = _augmented(images)
      self.assertTrue(0 < augmented.sum() < len(augmented), augmented)
    # The gates are their own draws: the reals of the two updates are gated differently.
    self.assertFalse(np.array_equal(_augmented(gan.critic.seen[0]),
                                    _augmented(gan.critic.seen[2])))

  def test_refusals(self):
    generator = dcgan.build_generator(16, z_dim=8, base_width=4)
    critic = dcgan.build_critic(16, base_width=4)
    for kwargs, message in ((dict(augment_p=1.5), 'Invalid augmentation probability'),
                            (dict(augment_target=1.0), 'Invalid augmentation probability'),
                            (dict(augment_kimg=0.0), 'Invalid augmentation probability'),
                            (dict(augment=(), augment_p=0.5), 'need augment ops')):
      with self.assertRaisesRegex(ValueError, message):
        gan_lib.GAN(generator, critic, z_dim=8, **dict(dict(augment=('cutout',)), **kwargs))


class RunTest(tf.test.TestCase):

  def _config(self, root, **overrides):
    values = dict(model_dir=os.path.join(root, 'straight'), resolution=16, z_dim=8,
                  g_base_width=4, d_base_width=4, batch_size=4, n_critic=2, train_steps=4,
                  steps_per_epoch=3, num_samples=4, data=testing_utils.make_folder(
                      os.path.join(root, 'images')),
                  ema_kimg=0.01, ema_rampup=0.05, augment='color,translation,cutout')
    values.update(overrides)
    return config_lib.TrainConfig(**values)

  def test_resume_is_exact_with_ema_and_augment(self):
    config = self._config(self.get_temp_dir(), export=False)
    compared = testing_utils.assert_resume_is_exact(self, config)
    self.assertGreater(compared, 30)  # The average's weights are in the checkpoints too.
    reader = tf.train.load_checkpoint(os.path.join(config.model_dir, 'checkpoints'))
    self.assertTrue(any(name.startswith('ema_generator/')
                        for name in reader.get_variable_to_shape_map()))

  def test_resume_is_exact_with_an_adaptive_probability(self):
    config = self._config(self.get_temp_dir(), export=False, loss='hinge', augment_p=0.3,
                          augment_target=0.6, augment_kimg=0.1)
    testing_utils.assert_resume_is_exact(self, config)
    reader = tf.train.load_checkpoint(os.path.join(config.model_dir, 'checkpoints'))
    names = [name for name in reader.get_variable_to_shape_map()
             if name.startswith('augment_p/')]
    self.assertLen(names, 1)
    # 8 images a step at 0.1 kimg: 0.08 a step, so 4 steps moved it off its start.
    p = reader.get_tensor(names[0])
    self.assertNotAlmostEqual(float(p), 0.3)
    self.assertAllClose((float(p) - 0.3) / 0.08, round((float(p) - 0.3) / 0.08), atol=1e-4)

  def test_export_is_the_average_and_export_raw_the_generator(self):
    root = self.get_temp_dir()
    config = self._config(root, export_raw=True, train_steps=3, ema_kimg=0.0, ema_rampup=0.0,
                          ema_decay=0.9)
    result = train_lib.train(config, log=lambda _: None)
    networks = train_lib.build_networks(config)
    average = ema.clone(networks[0])
    tf.train.Checkpoint(generator=networks[0], ema_generator=average).restore(
        tf.train.latest_checkpoint(os.path.join(config.model_dir, 'checkpoints'))
    ).expect_partial()
    z = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    to_uint8 = lambda g: export.load_generator(g) if isinstance(g, str) else None
    self.assertAllEqual(to_uint8(result.export_dir)(z),
                        export._ServableGenerator(average, 8).serve(z)['images'])
    raw = to_uint8(os.path.join(config.model_dir, 'export_raw'))(z)
    self.assertAllEqual(raw, export._ServableGenerator(networks[0], 8).serve(z)['images'])
    self.assertFalse(np.array_equal(raw, to_uint8(result.export_dir)(z)))


def _fit_single_and_mirrored(config, strategy, steps=3):
  """The GAN of `config` on one device and under `strategy`, from the same weights, after
  `steps` fit steps on the same 32 random images each."""
  images = np.random.default_rng(0).integers(0, 256, size=(32, 16, 16, 3), dtype=np.uint8)
  dataset = pipeline.group_for_critic(
      tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
  single = train_lib.build_gan(config)
  with strategy.scope():
    mirrored = train_lib.build_gan(config)
  mirrored.generator.set_weights(single.generator.get_weights())
  mirrored.critic.set_weights(single.critic.get_weights())
  if single.ema_generator is not None:
    mirrored.ema_generator.set_weights(single.ema_generator.get_weights())
  for gan in (single, mirrored):
    gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
  return single, mirrored


class DistributedEmaTest(tf.test.TestCase):

  def test_mirrored_average_matches_one_device(self):
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    config = config_lib.TrainConfig(
        model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
        batch_size=4, n_critic=2, loss='wasserstein', penalty='gp', g_norm='none',
        d_norm='none', ema_decay=0.5, augment='translation,cutout')
    single, mirrored = _fit_single_and_mirrored(config, strategy)
    for a, b in zip(single.ema_generator.get_weights(), mirrored.ema_generator.get_weights()):
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)
    self.assertFalse(np.allclose(single.ema_generator.get_weights()[0],
                                 single.generator.get_weights()[0]))

  def test_mirrored_adaptive_probability_matches_one_device(self):
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')
    # The probability's signal is all-reduced in the replica context with collective ops.
    if not testing_utils.rerun_in_fresh_process(self):
      return
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    config = config_lib.TrainConfig(
        model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
        batch_size=4, n_critic=2, loss='hinge', penalty='none', g_norm='none', d_norm='none',
        augment='translation,cutout', augment_p=0.5, augment_target=0.6, augment_kimg=0.04)
    single, mirrored = _fit_single_and_mirrored(config, strategy)
    # 8 images a step at 0.04 kimg: 0.2 a step; both saw the same signs.
    self.assertAllClose(single.augment_p, mirrored.augment_p, atol=1e-6)
    self.assertNotAlmostEqual(float(single.augment_p), 0.5)
    for a, b in zip(single.critic.get_weights(), mirrored.critic.get_weights()):
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)


if __name__ == '__main__':
  tf.test.main()
