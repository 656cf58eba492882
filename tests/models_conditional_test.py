"""Conditional batch norm and the projection term against closed forms; the conditional DCGAN."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.models import conditional
from tfgan_anime.models import constraints
from tfgan_anime.models import dcgan

GROUPS = (3, 2)
LABELS = np.array([[0, 1], [2, 0]], np.int32)
# Keras refuses a list mixing tensors and arrays as a model's inputs.
LABELS_T = tf.constant(LABELS)


def _one_hot(labels, groups=GROUPS):
  return np.concatenate([np.eye(n)[labels[:, g]] for g, n in enumerate(groups)], axis=1)


class ConditionalBatchNormTest(tf.test.TestCase):

  def test_closed_form(self):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 3, 2)).astype(np.float32) * 2 + 1
    y = _one_hot(np.array([[0, 1], [2, 0], [1, 1], [0, 0]])).astype(np.float32)
    layer = conditional.ConditionalBatchNormalization(epsilon=1e-3)
    layer(x, y)
    w_gamma = rng.normal(size=(5, 2)).astype(np.float32)
    w_beta = rng.normal(size=(5, 2)).astype(np.float32)
    layer.gamma.kernel.assign(w_gamma)
    layer.beta.kernel.assign(w_beta)
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    expected = ((x - mean) / np.sqrt(var + 1e-3) * (1 + y @ w_gamma)[:, None, None] +
                (y @ w_beta)[:, None, None])
    self.assertAllClose(layer(x, y, training=True), expected, atol=1e-5)
    # Moving statistics as BatchNormalization's: m <- 0.9 m + 0.1 batch (from 0 and 1).
    self.assertAllClose(layer.normalize.moving_mean, 0.1 * mean, atol=1e-5)
    moving_var = 0.9 + 0.1 * var
    self.assertAllClose(layer(x, y, training=False),
                        (x - 0.1 * mean) / np.sqrt(moving_var + 1e-3) *
                        (1 + y @ w_gamma)[:, None, None] + (y @ w_beta)[:, None, None],
                        atol=1e-4)

  def test_starts_as_batch_norm_and_round_trips_its_config(self):
    layer = conditional.ConditionalBatchNormalization(synchronized=True, name='cbn')
    x = tf.random.normal([4, 5])
    plain = keras.layers.BatchNormalization(momentum=dcgan.BN_MOMENTUM)
    self.assertAllClose(layer(x, tf.ones([4, 3]), training=True), plain(x, training=True),
                        atol=1e-5)
    again = conditional.ConditionalBatchNormalization.from_config(layer.get_config())
    self.assertTrue(again.synchronized)
    self.assertEqual(again.momentum, dcgan.BN_MOMENTUM)


class ProjectionTest(tf.test.TestCase, parameterized.TestCase):

  def test_hand_computation(self):
    features = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]], np.float32)
    layer = conditional.Projection(GROUPS)
    layer(features, LABELS)
    e0 = np.arange(9, dtype=np.float32).reshape(3, 3) / 10
    e1 = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]], np.float32)
    layer.embeddings[0].embeddings.assign(e0)
    layer.embeddings[1].embeddings.assign(e1)
    # Row 0: <e0[0], f0> + <e1[1], f0> = (0 + .2 - .2) + (0 + 6 - 1) = 5.
    # Row 1: <e0[2], f1> + <e1[0], f1> = (.3 + 0 + 2.4) + (.5 + 0 + 6) = 9.2.
    self.assertAllClose(layer(features, LABELS), [[5.0], [9.2]])

  def test_spectral_and_clipped_embeddings(self):
    layer = conditional.Projection(GROUPS, spectral=True, clip_value=0.01)
    layer(tf.ones([2, 4]), LABELS)
    self.assertTrue(all(isinstance(e, keras.layers.SpectralNormalization)
                        for e in layer.embeddings))
    self.assertIsInstance(layer.embeddings[0].layer.embeddings.constraint,
                          constraints.WeightClip)

  def test_spectral_embeddings_are_float_and_trained(self):
    # Keras' SpectralNormalization casts its output to its input's dtype: with the int labels
    # as input, the term was truncated to integers and the embeddings got no gradient.
    layer = conditional.Projection(GROUPS, spectral=True)
    features = tf.constant([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    layer(features, LABELS)
    e0 = np.arange(9, dtype=np.float32).reshape(3, 3) / 10
    e1 = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]], np.float32)
    layer.embeddings[0].layer.embeddings.assign(e0)
    layer.embeddings[1].layer.embeddings.assign(e1)
    # Not training: the embeddings as they are, so the hand computation's 5 and 9.2.
    self.assertAllClose(layer(features, LABELS, training=False), [[5.0], [9.2]])
    with tf.GradientTape() as tape:
      out = layer(features, LABELS, training=True)
    grads = tape.gradient(out, layer.trainable_variables)
    self.assertLen(grads, 2)
    self.assertTrue(all(g is not None for g in grads))


class ConditionalDCGANTest(tf.test.TestCase, parameterized.TestCase):

  def test_parameter_counts(self):
    # 16 px, z 4, base width 4: project 4 -> 4*4*8, up0 8 -> 4, to_image 4 -> 3 (dcgan_test's
    # arithmetic: 1663). CBN replaces 4 numbers per channel by 2 moving statistics plus a D x C
    # scale and a D x C shift (D = 3 + 2 = 5), at 8 and 4 channels.
    plain = dcgan.build_generator(16, z_dim=4, base_width=4).count_params()
    self.assertEqual(plain, 1663)
    cbn = conditional.build_generator(16, z_dim=4, base_width=4, groups=GROUPS)
    self.assertEqual(cbn.count_params(), plain - 2 * (8 + 4) + 2 * 5 * (8 + 4))
    concat = conditional.build_generator(16, z_dim=4, base_width=4, groups=GROUPS, mode='concat')
    self.assertEqual(concat.count_params(), plain + 5 * 4 * 4 * 8)
    # Critic: phi is 4x4x8 = 128 features; one 128-wide embedding per class.
    plain = dcgan.build_critic(16, base_width=4).count_params()
    critic = conditional.build_critic(16, base_width=4, groups=GROUPS)
    self.assertEqual(critic.count_params(), plain + 5 * 128)
    concat = conditional.build_critic(16, base_width=4, groups=GROUPS, mode='concat')
    self.assertEqual(concat.count_params(), plain + 5 * 5 * 5 * 4)

  @parameterized.parameters('cbn', 'concat')
  def test_generator(self, mode):
    g = conditional.build_generator(16, z_dim=4, base_width=4, groups=GROUPS, mode=mode)
    z = tf.random.normal([2, 4])
    images = g([z, LABELS_T], training=True)
    self.assertEqual(images.shape, (2, 16, 16, 3))
    self.assertAllInRange(images, -1.0, 1.0)
    if mode == 'cbn':
      names = [type(layer).__name__ for layer in g.layers]
      self.assertNotIn('BatchNormalization', names)
      self.assertEqual(names.count('ConditionalBatchNormalization'), 2)
      # The labels change the images once the scale and shift maps are not zero.
      for layer in g.layers:
        if isinstance(layer, conditional.ConditionalBatchNormalization):
          layer.beta.kernel.assign(tf.random.normal(layer.beta.kernel.shape))
    # One z, two label rows: two different images.
    same_z = tf.repeat(z[:1], 2, axis=0)
    images = g([same_z, LABELS_T], training=False)
    self.assertGreater(float(tf.reduce_max(tf.abs(images[0] - images[1]))), 1e-3)

  def test_cbn_needs_batch_norm(self):
    with self.assertRaisesRegex(ValueError, "norm='none'"):
      conditional.build_generator(16, z_dim=4, base_width=4, norm='none', groups=GROUPS)
    g = conditional.build_generator(16, z_dim=4, base_width=4, norm='none', groups=GROUPS,
                                    mode='concat')
    self.assertEqual(g([tf.zeros([1, 4]), LABELS_T[:1]]).shape, (1, 16, 16, 3))

  @parameterized.product(mode=('projection', 'concat'),
                         norm=('none', 'spectral', 'layer', 'batch'))
  def test_critic_penalty_gradient_with_labels_held(self, mode, norm):
    critic = conditional.build_critic(16, base_width=4, norm=norm, groups=GROUPS, mode=mode)
    x = tf.random.uniform([2, 16, 16, 3], -1.0, 1.0)
    with tf.GradientTape() as tape:
      tape.watch(x)
      out = critic([x, LABELS_T], training=True)
    self.assertEqual(out.shape, (2, 1))
    self.assertEqual(out.dtype, tf.float32)
    grad = tape.gradient(out, x)
    self.assertIsNotNone(grad)
    self.assertAllEqual(tf.math.is_finite(grad), tf.ones_like(grad, tf.bool))
    self.assertGreater(float(tf.reduce_sum(tf.abs(grad))), 0.0)

  def test_projection_critic_adds_the_projection_to_dcgans_logit(self):
    critic = conditional.build_critic(16, base_width=4, groups=GROUPS)
    x = tf.random.uniform([2, 16, 16, 3], -1.0, 1.0)
    projection = critic.get_layer('projection')
    phi = keras.Model(critic.inputs, critic.get_layer('phi').output)([x, LABELS_T]).numpy()
    embeddings = [e.embeddings.numpy() for e in projection.embeddings]
    expected_term = sum((embeddings[g][LABELS[:, g]] * phi).sum(axis=1, keepdims=True)
                        for g in range(2))
    for e in projection.embeddings:
      e.embeddings.assign(tf.zeros_like(e.embeddings))
    linear = critic([x, LABELS_T]).numpy()
    for e, value in zip(projection.embeddings, embeddings):
      e.embeddings.assign(value)
    self.assertAllClose(critic([x, LABELS_T]), linear + expected_term, atol=1e-5)

  def test_clipping_reaches_every_critic_weight(self):
    critic = conditional.build_critic(16, base_width=4, clip_value=0.01, groups=GROUPS)
    self.assertTrue(all(isinstance(v.constraint, constraints.WeightClip)
                        for v in critic.trainable_variables))
    self.assertLen(critic.trainable_variables,
                   len(dcgan.build_critic(16, base_width=4).trainable_variables) + 2)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, 'groups=\\(3, 1\\)'):
      conditional.build_critic(16, groups=[3, 1])
    with self.assertRaisesRegex(ValueError, "mode='acgan'"):
      conditional.build_generator(16, groups=GROUPS, mode='acgan')


if __name__ == '__main__':
  tf.test.main()
