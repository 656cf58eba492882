"""The tag-conditional GAN's step: labels with each real batch, stateless fake labels, the
penalty with the labels held fixed, every loss and penalty, strategies, and a learning test."""

import os

from absl.testing import parameterized
import keras
import numpy as np
from PIL import Image
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.data import conditions
from tfgan_anime.data import pipeline
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.models import conditional
from tfgan_anime.training import builders

# Two groups: 3 hair colours, 2 eye colours.
TAGS = {f'{i:03d}': [('red hair', 'blue hair', 'white hair')[i % 3],
                     ('green eyes', 'brown eyes')[(i // 3) % 2]] for i in range(24)}


def _table():
  return conditions.build_labels(TAGS, 'hair,eyes')


def _tiny_config(**overrides):
  values = dict(model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
                batch_size=2, n_critic=2, loss='wasserstein', penalty='gp', d_norm='none',
                condition='hair,eyes')
  values.update(overrides)
  return config_lib.TrainConfig(**values)


def _element(table, batch=2, n_critic=2, seed=0):
  """(images [B, n_critic, 16, 16, 3], labels [B, n_critic, G]) from the table's rows."""
  rng = np.random.default_rng(seed)
  images = rng.uniform(-1, 1, (batch, n_critic, 16, 16, 3)).astype(np.float32)
  rows = rng.integers(0, len(table.labels), batch * n_critic)
  labels = table.labels[rows].reshape(batch, n_critic, -1)
  return tf.constant(images), tf.constant(labels)


Spy = testing_utils.Spy


class ConditionalStepTest(tf.test.TestCase, parameterized.TestCase):

  def _spied_gan(self, penalty='none', n_critic=2):
    keras.utils.set_random_seed(1)
    table = _table()
    generator = Spy(conditional.build_generator(16, z_dim=8, base_width=4, groups=(3, 2)))
    critic = Spy(conditional.build_critic(16, base_width=4, groups=(3, 2)))
    gan = gan_lib.GAN(generator, critic, z_dim=8, n_critic=n_critic, penalty=penalty,
                      fake_labels=conditions.FakeLabels.from_table(table),
                      conditions=conditions.vocabulary_json(table), seed=5)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.01), g_optimizer=keras.optimizers.SGD(0.01),
                d_loss_fn=losses.wasserstein_critic_loss,
                g_loss_fn=losses.wasserstein_generator_loss)
    return gan, table

  @parameterized.parameters(('none', 2), ('gp', 3), ('r1', 3), ('dragan', 3))
  def test_what_the_networks_see(self, penalty, calls_per_update):
    gan, table = self._spied_gan(penalty)
    images, labels = _element(table)
    gan.train_step((images, labels))
    seen_g, seen_d = gan.generator.seen, gan.critic.seen
    self.assertLen(seen_g, 3)  # One per critic update, one for the generator update.
    self.assertLen(seen_d, 2 * calls_per_update + 1)
    for i in range(2):
      real, fake = seen_d[i * calls_per_update], seen_d[i * calls_per_update + 1]
      # The real batch i with its own labels.
      self.assertAllClose(real[0], images[:, i])
      self.assertAllEqual(real[1], labels[:, i])
      # The fakes with the labels they were generated for, drawn statelessly in STREAM_LABELS.
      self.assertAllEqual(fake[1], seen_g[i][1])
      seed = tf.random.experimental.stateless_fold_in(
          tf.constant([5, i], tf.int64), gan_lib.STREAM_LABELS)
      self.assertAllEqual(fake[1], gan.fake_labels.sample([2], seed))
      if calls_per_update == 3:
        # The penalty holds the labels at the real ones.
        self.assertAllEqual(seen_d[i * calls_per_update + 2][1], labels[:, i])
    # The generator update draws its own labels, draw n_critic, and scores with them.
    seed = tf.random.experimental.stateless_fold_in(tf.constant([5, 2], tf.int64),
                                                    gan_lib.STREAM_LABELS)
    self.assertAllEqual(seen_g[2][1], gan.fake_labels.sample([2], seed))
    self.assertAllEqual(seen_d[-1][1], seen_g[2][1])
    # Labels change from one step to the next (the step is in the seed).
    first_step = np.concatenate([s[1] for s in seen_g])
    gan.generator.seen.clear()
    gan.train_step((images, labels))
    self.assertFalse(np.array_equal(np.concatenate([s[1] for s in gan.generator.seen]),
                                    first_step))

  def test_the_sampler_takes_z_and_labels(self):
    gan, _ = self._spied_gan()
    self.assertTrue(gan.conditional)
    self.assertEqual(gan.conditions['groups'], ['hair', 'eyes'])
    images = gan.sampler([tf.zeros([3, 8]), tf.constant([[0, 1], [1, 0], [2, 1]])])
    self.assertEqual(images.shape, (3, 16, 16, 3))

  def test_conditions_need_a_fake_label_sampler(self):
    with self.assertRaisesRegex(ValueError, 'fake_labels=None'):
      gan_lib.GAN(None, None, z_dim=8, conditions={'groups': ['hair']})

  @parameterized.named_parameters(
      *[(f'{loss}_gp', dict(loss=loss)) for loss in
        ('wasserstein', 'hinge', 'non_saturating', 'least_squares')],
      ('clip', dict(penalty='clip', d_optimizer='rmsprop', g_optimizer='rmsprop')),
      ('r1_lazy', dict(loss='non_saturating', penalty='r1', penalty_every=2)),
      ('dragan', dict(loss='non_saturating', penalty='dragan')),
      ('spectral', dict(loss='hinge', penalty='none', d_norm='spectral')),
      ('concat_uniform_unknown', dict(g_condition='concat', g_norm='none', d_condition='concat',
                                      fake_labels='uniform', label_policy='unknown')),
      ('ema_augment_bfloat16', dict(ema_decay=0.9, augment='color,translation,cutout',
                                    mixed_precision='mixed_bfloat16')),
  )
  def test_one_step(self, overrides):
    config = _tiny_config(**overrides)
    config.validate()
    table = conditions.build_labels(TAGS, config.condition, config.label_policy)
    gan = builders.build_gan(config, labels=table)
    before = [w.numpy().copy() for w in gan.generator.weights + gan.critic.weights]
    # Eagerly: tracing the step costs more than the step at these sizes.
    logs = gan.train_step(_element(table))
    self.assertEqual(int(gan.step.numpy()), 1)
    for name, value in logs.items():
      self.assertTrue(np.isfinite(float(value)), f'{name}: {value}')
    after = gan.generator.weights + gan.critic.weights
    changed = [not np.array_equal(b, a.numpy()) for b, a in zip(before, after)]
    self.assertGreater(sum(changed), len(changed) // 2)
    # Every weight of the projection (or the concatenated critic input) was trained.
    for variable in gan.critic.trainable_variables:
      if 'embed' in variable.path:
        self.assertTrue(any(c for c, w in zip(changed, after) if w.path == variable.path),
                        variable.path)
    if config.penalty == 'clip':
      for variable in gan.critic.trainable_variables:
        self.assertLessEqual(float(tf.reduce_max(tf.abs(variable))), config.clip_value + 1e-7)
    keras.mixed_precision.set_dtype_policy('float32')


def _write_two_colour_folder(root, count=64):
  """16 px images, all red or all blue (with noise), tagged 'red hair' or 'blue hair'."""
  os.makedirs(root, exist_ok=True)
  rng = np.random.default_rng(0)
  tags = {}
  for i in range(count):
    image = np.zeros((16, 16, 3))
    image[..., 0 if i % 2 == 0 else 2] = 200
    image += rng.normal(0, 20, image.shape)
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
        os.path.join(root, f'{i:03d}.png'))
    tags[f'{i:03d}'] = ['red hair' if i % 2 == 0 else 'blue hair']
  tags_lib.write_tags(os.path.join(root, 'tags.csv'), tags)
  return root


class LearningTest(tf.test.TestCase):

  def test_requested_colours_are_produced(self):
    root = _write_two_colour_folder(os.path.join(self.get_temp_dir(), 'two_colours'))
    config = config_lib.TrainConfig(
        model_dir='unused', data=root, resolution=16, z_dim=8, g_base_width=8, d_base_width=8,
        batch_size=16, n_critic=1, condition='hair', g_lr=1e-3, d_lr=1e-3, g_beta1=0.5,
        d_beta1=0.5)
    config.validate()
    dataset, info = pipeline.make_dataset(root, 16, 16, 1, condition='hair')
    gan = builders.build_gan(config, labels=info.labels)
    z = tf.random.normal([100, 8], seed=1)
    vocabulary = info.labels.vocabulary['hair']
    self.assertEqual(vocabulary, ('blue hair', 'red hair'))

    def red_fraction(label):
      images = gan.sampler([z, tf.fill([100, 1], label)], training=False).numpy()
      means = images.mean(axis=(1, 2))
      return float((means[:, 0] > means[:, 2]).mean())

    # Untrained, the labels barely matter: both requests give the same colour mix.
    self.assertLess(abs(red_fraction(0) - red_fraction(1)), 0.5)
    gan.fit(dataset, steps_per_epoch=200, epochs=1, verbose=0)
    self.assertLessEqual(red_fraction(vocabulary.index('blue hair')), 0.1)
    self.assertGreaterEqual(red_fraction(vocabulary.index('red hair')), 0.9)


class DistributedTest(tf.test.TestCase):
  """Under MirroredStrategy on 2 logical CPUs, in a fresh process (testing_utils explains)."""

  def setUp(self):
    super().setUp()
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')

  def test_each_replica_gets_its_images_labels(self):
    if not testing_utils.rerun_in_fresh_process(self):
      return
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    root = os.path.join(self.get_temp_dir(), 'gray')
    os.makedirs(root)
    tags = {}
    for i in range(24):  # Image i is flat gray 8 * i, with hair i % 3 and eyes i % 2.
      Image.fromarray(np.full((8, 8, 3), 8 * i, np.uint8)).save(os.path.join(root, f'{i}.png'))
      tags[str(i)] = [('blue hair', 'red hair', 'white hair')[i % 3],
                      ('brown eyes', 'green eyes')[i % 2]]
    tags_lib.write_tags(os.path.join(root, 'tags.csv'), tags)
    dataset, _ = pipeline.make_dataset(root, 8, batch_size=4, n_critic=2, condition='hair,eyes')
    distributed = iter(strategy.experimental_distribute_dataset(dataset))
    for _ in range(3):
      images, labels = next(distributed)
      for part_images, part_labels in zip(strategy.experimental_local_results(images),
                                          strategy.experimental_local_results(labels)):
        self.assertEqual(part_images.shape[:2], (2, 2))
        self.assertEqual(part_labels.shape, (2, 2, 2))
        index = np.round((part_images.numpy()[..., 0, 0, 0] + 1) * 127.5 / 8).astype(int)
        self.assertAllEqual(part_labels.numpy()[..., 0], index % 3)
        self.assertAllEqual(part_labels.numpy()[..., 1], index % 2)

  def test_mirrored_matches_one_device(self):
    if not testing_utils.rerun_in_fresh_process(self):
      return
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    # No batch norm (concat generator): per-replica statistics differ from one device's.
    config = _tiny_config(g_condition='concat', g_norm='none', batch_size=4)
    table = _table()
    elements = [_element(table, batch=4, seed=s) for s in range(3)]
    dataset = tf.data.Dataset.from_tensor_slices(
        tuple(tf.stack(parts) for parts in zip(*elements)))
    single = builders.build_gan(config, labels=table)
    with strategy.scope():
      mirrored = builders.build_gan(config, labels=table)
    mirrored.generator.set_weights(single.generator.get_weights())
    mirrored.critic.set_weights(single.critic.get_weights())
    per_replica = strategy.run(lambda: mirrored._fake_labels(2, draw=0))  # pylint: disable=protected-access
    parts = strategy.experimental_local_results(per_replica)
    self.assertAllEqual(np.concatenate(parts), single._fake_labels(4, draw=0))  # pylint: disable=protected-access
    single.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
    mirrored.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
    self.assertEqual(int(mirrored.step.numpy()), 3)
    for a, b in zip(single.generator.get_weights() + single.critic.get_weights(),
                    mirrored.generator.get_weights() + mirrored.critic.get_weights()):
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)
    fresh = builders.build_gan(config, labels=table)
    self.assertFalse(all(np.array_equal(a, b) for a, b in
                         zip(fresh.critic.get_weights(), single.critic.get_weights())))


if __name__ == '__main__':
  tf.test.main()
