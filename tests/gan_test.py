"""The GAN model's schedule: n_critic critic updates on fresh batches, then one generator update."""

import os

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import testing_utils

from tfgan_anime import config as config_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.training import loop as train_lib
from tfgan_anime.data import pipeline
from tfgan_anime.models import dcgan


Spy = testing_utils.Spy


class RecordingSGD(keras.optimizers.SGD):
  """SGD that snapshots both networks after each update it applies."""

  def __init__(self, record, **kwargs):
    super().__init__(**kwargs)
    # A function, not the list itself: Keras would track (copy) a list attribute.
    self._record = record

  def apply_gradients(self, grads_and_vars):
    result = super().apply_gradients(grads_and_vars)
    self._record()
    return result


def _tiny_config(**overrides):
  values = dict(model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
                batch_size=2, n_critic=2, loss='wasserstein', penalty='gp', d_norm='none')
  values.update(overrides)
  return config_lib.TrainConfig(**values)


def _changed(before, after):
  return any(not np.array_equal(b, a) for b, a in zip(before, after))


class ScheduleTest(tf.test.TestCase, parameterized.TestCase):

  def _gan(self, n_critic, penalty='none', **kwargs):
    keras.utils.set_random_seed(1)
    generator = dcgan.build_generator(16, z_dim=8, base_width=4, norm='none')
    critic = Spy(dcgan.build_critic(16, base_width=4, norm='none', **kwargs))
    critic(tf.zeros([1, 16, 16, 3]))
    gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=n_critic, penalty=penalty,
                      gp_weight=10.0)
    log = []

    def recorder(tag):
      return lambda: log.append((tag, [[w.numpy().copy() for w in net.weights]
                                       for net in (generator, critic)]))

    gan.compile(d_optimizer=RecordingSGD(recorder('critic'), learning_rate=0.01),
                g_optimizer=RecordingSGD(recorder('generator'), learning_rate=0.01),
                d_loss_fn=losses.wasserstein_critic_loss,
                g_loss_fn=losses.wasserstein_generator_loss)
    return gan, log

  @parameterized.parameters(1, 3, 5)
  def test_critic_updates_n_critic_times_then_generator_once(self, n_critic):
    gan, log = self._gan(n_critic)
    g0 = [w.numpy().copy() for w in gan.generator.weights]
    d0 = [w.numpy().copy() for w in gan.critic.weights]
    data = tf.random.uniform([2, n_critic, 16, 16, 3], -1, 1)
    gan.train_step(data)

    self.assertEqual([tag for tag, _ in log], ['critic'] * n_critic + ['generator'])
    previous_g, previous_d = g0, d0
    for tag, (g_now, d_now) in log:
      if tag == 'critic':
        self.assertTrue(_changed(previous_d, d_now), 'a critic update left the critic unchanged')
        self.assertFalse(_changed(previous_g, g_now), 'a critic update moved the generator')
      else:
        self.assertTrue(_changed(previous_g, g_now), 'the generator update left it unchanged')
        self.assertFalse(_changed(previous_d, d_now), 'the generator update moved the critic')
      previous_g, previous_d = g_now, d_now
    self.assertEqual(int(gan.step.numpy()), 1)

  @parameterized.parameters(('none', 2), ('gp', 3))
  def test_each_critic_update_sees_its_own_real_batch(self, penalty, calls_per_update):
    n_critic = 3
    gan, _ = self._gan(n_critic, penalty=penalty)
    # Batch i of the element is filled with the value i / 10, so each is recognisable.
    data = np.stack([np.full((2, 16, 16, 3), i / 10, np.float32) for i in range(n_critic)], axis=1)
    gan.critic.seen.clear()
    gan.train_step(tf.constant(data))
    seen = gan.critic.seen
    # Per critic update: real, fake[, interpolates]; then one call for the generator update.
    self.assertLen(seen, n_critic * calls_per_update + 1)
    for i in range(n_critic):
      self.assertAllClose(seen[i * calls_per_update], data[:, i])
    fakes = [seen[i * calls_per_update + 1] for i in range(n_critic)]
    # Each critic update draws its own z.
    self.assertFalse(np.allclose(fakes[0], fakes[1]))
    if penalty == 'gp':
      # Interpolates lie between the real batch and that update's fakes, per sample.
      real, fake, x_hat = data[:, 0], fakes[0], seen[2]
      eps = (x_hat - fake).reshape(2, -1).sum(1) / (real - fake).reshape(2, -1).sum(1)
      self.assertAllClose(x_hat, eps[:, None, None, None] * real +
                          (1 - eps[:, None, None, None]) * fake, atol=1e-5)
      self.assertTrue(np.all((eps >= 0) & (eps <= 1)))

  def test_metrics(self):
    gan, _ = self._gan(1, penalty='gp')
    logs = gan.train_step(tf.random.uniform([2, 1, 16, 16, 3], -1, 1))
    self.assertSetEqual(set(logs), {'d_loss', 'g_loss', 'w_dist', 'gp', 'grad_norm'})
    # The critic loss is E[D(fake)] - E[D(real)] + lambda * gp, and the logged Wasserstein
    # estimate is E[D(real)] - E[D(fake)] of the same critic update.
    self.assertAllClose(logs['w_dist'], -(logs['d_loss'] - 10.0 * logs['gp']), atol=1e-5)
    self.assertGreater(float(logs['grad_norm']), 0.0)

  def _one_step_change(self, make_optimizer):
    """Each weight's change in one train_step, from seeded weights on a fixed batch."""
    keras.utils.set_random_seed(3)
    generator = dcgan.build_generator(16, z_dim=8, base_width=4, norm='none')
    critic = dcgan.build_critic(16, base_width=4, norm='none')
    gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=1)
    gan.compile(d_optimizer=make_optimizer(), g_optimizer=make_optimizer(),
                d_loss_fn=losses.wasserstein_critic_loss,
                g_loss_fn=losses.wasserstein_generator_loss)
    weights = generator.trainable_weights + critic.trainable_weights
    before = [w.numpy().copy() for w in weights]
    data = np.random.default_rng(0).uniform(-1, 1, (2, 1, 16, 16, 3)).astype(np.float32)
    gan.train_step(tf.constant(data))
    return [w.numpy() - b for w, b in zip(weights, before)]

  def test_losses_go_through_scale_loss(self):
    # A LossScaleOptimizer divides the gradients it is given by its scale: the step equals a
    # plain SGD step only if the loss was multiplied by the scale first (scale_loss). Without
    # it every change would be 1/1024 of plain SGD's.
    plain = self._one_step_change(lambda: keras.optimizers.SGD(0.1))
    scaled = self._one_step_change(lambda: keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.1), initial_scale=1024.0))
    self.assertGreater(max(float(np.abs(c).max()) for c in plain), 1e-4)
    for a, b in zip(plain, scaled):
      self.assertAllClose(a, b, rtol=1e-4, atol=1e-7)

  def test_bad_arguments(self):
    g = dcgan.build_generator(16, z_dim=8, base_width=4)
    d = dcgan.build_critic(16, base_width=4)
    with self.assertRaisesRegex(ValueError, 'n_critic=0'):
      gan_lib.GAN(g, d, 8, n_critic=0)
    with self.assertRaisesRegex(ValueError, "penalty='r2'"):
      gan_lib.GAN(g, d, 8, penalty='r2')
    with self.assertRaisesRegex(ValueError, 'gp_weight=0'):
      gan_lib.GAN(g, d, 8, penalty='gp', gp_weight=0.0)


class TracingTest(tf.test.TestCase):

  def test_fit_traces_the_train_step_once(self):
    # A retrace recompiles the whole step (seconds at 64 px); the shapes of every element and
    # every epoch are the same, so one trace must serve the whole run.
    config = _tiny_config(g_norm='none')
    gan = train_lib.build_gan(config)
    images = np.zeros((16, 16, 16, 3), np.uint8)
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
    gan.fit(dataset, steps_per_epoch=2, epochs=3, verbose=0)
    self.assertEqual(int(gan.step.numpy()), 6)
    self.assertEqual(gan_lib.train_step_traces(gan), 1)
    # The count is for tests and the benchmark, not part of the model a user sees.
    self.assertFalse(hasattr(gan, 'train_step_traces'))


class MixedPrecisionTest(tf.test.TestCase, parameterized.TestCase):

  def tearDown(self):
    keras.mixed_precision.set_dtype_policy('float32')
    super().tearDown()

  @parameterized.parameters('mixed_float16', 'mixed_bfloat16')
  def test_train_step_runs_with_finite_metrics(self, policy):
    config = _tiny_config(mixed_precision=policy)
    gan = train_lib.build_gan(config)
    self.assertEqual(gan.generator.layers[1].compute_dtype, policy.split('_')[1])
    self.assertEqual(gan.generator.layers[1].variable_dtype, 'float32')
    before = [w.copy() for w in gan.critic.get_weights()]
    logs = {}
    for _ in range(2):
      logs = gan.train_step(tf.random.uniform([2, 2, 16, 16, 3], -1, 1))
    for name, value in logs.items():
      self.assertEqual(value.dtype, tf.float32, name)
      self.assertTrue(np.isfinite(value.numpy()), name)
    self.assertTrue(_changed(before, gan.critic.get_weights()))
    scaled = policy == 'mixed_float16'
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
      self.assertEqual(isinstance(optimizer, keras.optimizers.LossScaleOptimizer), scaled)

  def test_checkpoint_holds_the_loss_scale(self):
    gan = train_lib.build_gan(_tiny_config(mixed_precision='mixed_float16'))
    gan.d_optimizer.dynamic_scale.assign(1024.0)
    path = train_lib.make_checkpoint(gan).save(os.path.join(self.get_temp_dir(), 'ckpt'))
    again = train_lib.build_gan(_tiny_config(mixed_precision='mixed_float16'))
    train_lib.make_checkpoint(again).restore(path).assert_existing_objects_matched()
    self.assertEqual(float(again.d_optimizer.dynamic_scale.numpy()), 1024.0)


class ClippingTest(tf.test.TestCase):

  def test_weights_stay_clipped_after_every_critic_update(self):
    config = _tiny_config(penalty='clip', clip_value=0.01, d_optimizer='rmsprop',
                          g_optimizer='rmsprop', d_lr=0.05, g_lr=0.05, n_critic=3)
    gan = train_lib.build_gan(config)
    log = []
    original = gan.d_optimizer.apply_gradients

    def recording(grads_and_vars):
      result = original(grads_and_vars)
      log.append(max(float(np.max(np.abs(v.numpy()))) for v in gan.critic.trainable_variables))
      return result

    gan.d_optimizer.apply_gradients = recording
    for _ in range(2):
      gan.train_step(tf.random.uniform([2, 3, 16, 16, 3], -1, 1))
    self.assertLen(log, 6)
    for largest in log:
      self.assertLessEqual(largest, 0.01 + 1e-7)
    # The learning rate is large enough that clipping is active, not vacuous.
    self.assertAllClose(log[-1], 0.01)


class LearningTest(tf.test.TestCase, parameterized.TestCase):
  """On data of one flat colour, every loss must pull the generator's colour to it.

  (No batch norm in the discriminator here: a batch of identical real images has no variance.)
  """

  @parameterized.named_parameters(
      ('wgan_gp', dict(loss='wasserstein', penalty='gp', n_critic=2)),
      ('wgan_clip', dict(loss='wasserstein', penalty='clip', n_critic=2, d_optimizer='rmsprop',
                         g_optimizer='rmsprop', d_lr=5e-3, g_lr=5e-3, clip_value=0.1)),
      ('dcgan', dict(loss='non_saturating', penalty='none', n_critic=1,
                     g_beta1=0.5, d_beta1=0.5)),
      ('hinge', dict(loss='hinge', penalty='none', n_critic=1, d_norm='spectral')),
      ('least_squares', dict(loss='least_squares', penalty='none', n_critic=1)),
  )
  def test_learns_a_flat_colour(self, overrides):
    values = dict(resolution=8, z_dim=4, g_base_width=8, d_base_width=8, batch_size=8,
                  g_lr=2e-3, d_lr=2e-3, g_norm='none', d_norm='none')
    values.update(overrides)
    config = _tiny_config(**values)
    colour = np.array([0.6, -0.5, 0.1], np.float32)
    images = np.broadcast_to(((colour + 1) * 127.5).round().astype(np.uint8), (64, 8, 8, 3))
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
    gan = train_lib.build_gan(config)
    z = tf.random.normal([64, config.z_dim], seed=3)
    before = np.abs(np.mean(gan.generator(z).numpy(), axis=(0, 1, 2)) - colour).max()
    gan.fit(dataset, steps_per_epoch=250, epochs=1, verbose=0)
    after = np.abs(np.mean(gan.generator(z).numpy(), axis=(0, 1, 2)) - colour).max()
    self.assertGreater(before, 0.3)
    self.assertLess(after, 0.15)


class DistributedTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')
    self.strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])

  def test_replicas_draw_different_slices_of_the_global_draw(self):
    config = _tiny_config()
    with self.strategy.scope():
      gan = train_lib.build_gan(config)
    per_replica = self.strategy.run(lambda: gan._normal([2, 3], draw=0))
    parts = self.strategy.experimental_local_results(per_replica)
    self.assertFalse(np.allclose(parts[0], parts[1]))
    single = train_lib.build_gan(config)._normal([4, 3], draw=0)
    self.assertAllClose(np.concatenate(parts), single)

  def test_mirrored_matches_one_device(self):
    # No batch norm: per-replica batch statistics would differ from one device's by design.
    config = _tiny_config(g_norm='none', d_norm='none', batch_size=4, n_critic=2)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(32, 16, 16, 3), dtype=np.uint8)
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)

    single = train_lib.build_gan(config)
    with self.strategy.scope():
      mirrored = train_lib.build_gan(config)
    mirrored.generator.set_weights(single.generator.get_weights())
    mirrored.critic.set_weights(single.critic.get_weights())

    single.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
    mirrored.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
    self.assertEqual(int(mirrored.step.numpy()), 3)
    for a, b in zip(single.generator.get_weights() + single.critic.get_weights(),
                    mirrored.generator.get_weights() + mirrored.critic.get_weights()):
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)
    # And training moved the weights (the comparison is not between two untouched models).
    fresh = train_lib.build_gan(config)
    self.assertTrue(_changed(fresh.critic.get_weights(), single.critic.get_weights()))


if __name__ == '__main__':
  tf.test.main()
