"""The critic's LeakyReLU: Keras' values and gradients, a gradient penalty without dead work."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import losses
from tfgan_anime.models import layers


def _critic(activation):
  """A tiny conv critic with the given activation layer class; weights seeded identically."""
  keras.utils.set_random_seed(4)
  images = keras.Input((8, 8, 3))
  x = keras.layers.Conv2D(4, 3, strides=2, padding='same')(images)
  x = activation(negative_slope=0.2)(x)
  x = keras.layers.Conv2D(8, 3, strides=2, padding='same')(x)
  x = activation(negative_slope=0.2)(x)
  x = keras.layers.Conv2D(1, 2, padding='valid')(x)
  return keras.Model(images, keras.layers.Flatten()(x))


def _count_needed(graph, op_type):
  """Ops of `op_type` that the graph's outputs depend on (the ones that run after pruning)."""
  seen, stack = set(), [tensor.op for tensor in graph.outputs]
  while stack:
    op = stack.pop()
    if op.name in seen:
      continue
    seen.add(op.name)
    stack.extend(tensor.op for tensor in op.inputs)
    stack.extend(op.control_inputs)
  return sum(graph.get_operation_by_name(name).type == op_type for name in seen)


class LeakyReLUTest(tf.test.TestCase):

  def test_values_and_gradient_match_keras(self):
    x = tf.constant([-2.0, -0.5, 0.0, 0.5, 3.0])
    ours, theirs = layers.LeakyReLU(0.2), keras.layers.LeakyReLU(negative_slope=0.2)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      y_ours, y_theirs = ours(x), theirs(x)
    self.assertAllClose(y_ours, [-0.4, -0.1, 0.0, 0.5, 3.0])
    self.assertAllClose(y_ours, y_theirs)
    self.assertAllClose(tape.gradient(y_ours, x), tape.gradient(y_theirs, x))

  def test_gradient_penalty_gradient_matches_keras(self):
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (4, 8, 8, 3)).astype(np.float32)
    fake = rng.uniform(-1, 1, (4, 8, 8, 3)).astype(np.float32)
    eps = rng.uniform(0, 1, 4).astype(np.float32)
    results = []
    for activation in (layers.LeakyReLU, keras.layers.LeakyReLU):
      critic = _critic(activation)
      with tf.GradientTape() as tape:
        penalty, _ = losses.gradient_penalty(critic, real, fake, eps)
      results.append((penalty, tape.gradient(penalty, critic.trainable_variables)))
    (p_ours, g_ours), (p_keras, g_keras) = results
    self.assertAllClose(p_ours, p_keras)
    for variable, a, b in zip(_critic(layers.LeakyReLU).trainable_variables, g_ours, g_keras):
      # The input gradient does not depend on biases: no gradient here, zeros from Keras.
      a = np.zeros(variable.shape) if a is None else a
      b = np.zeros(variable.shape) if b is None else b
      self.assertAllClose(a, b, atol=1e-6, rtol=1e-5)

  def test_penalty_needs_no_backward_pass_through_the_forward_convolutions(self):
    # Keras' LeakyReluGrad sends zeros back through the forward pass of the interpolates:
    # one Conv2DBackpropFilter per layer more than the penalty needs.
    x = tf.random.uniform([2, 8, 8, 3])

    def count_filter_grads(activation):
      critic = _critic(activation)

      @tf.function
      def penalty_grads(x):
        with tf.GradientTape() as tape:
          penalty, _ = losses.gradient_penalty(critic, x, x, tf.ones(2))
        return tape.gradient(penalty, critic.trainable_variables)

      graph = penalty_grads.get_concrete_function(x).graph
      return _count_needed(graph, 'Conv2DBackpropFilter')

    # The penalty differentiates the input-gradient ops of the three convolutions (3 filter
    # gradients); Keras' version adds one per forward convolution that feeds a LeakyReLU (2).
    self.assertEqual(count_filter_grads(layers.LeakyReLU), 3)
    self.assertEqual(count_filter_grads(keras.layers.LeakyReLU), 5)

  def test_config_round_trip(self):
    layer = layers.LeakyReLU(0.3, name='act')
    again = layers.LeakyReLU.from_config(layer.get_config())
    self.assertEqual((again.negative_slope, again.name), (0.3, 'act'))



class MinibatchStddevTest(tf.test.TestCase):

  def test_by_hand(self):
    # Groups of 2 in a batch of 4: sample n is in group n mod 2, so {0, 2} and {1, 3}.
    x = np.array([[0., 0.], [2., 4.], [2., 2.], [4., 0.]], np.float32).reshape(4, 1, 1, 2)
    out = layers.MinibatchStddev(2)(x).numpy()
    self.assertAllClose(out[..., :2], x)
    # Group {0, 2}: channel stds (population) 1 and 1 -> 1; group {1, 3}: 1 and 2 -> 1.5.
    self.assertAllClose(out[:, 0, 0, 2], [1.0, 1.5, 1.0, 1.5], atol=1e-6)

  def test_constant_channel_and_group_capped_at_the_batch(self):
    x = np.array([1., 3.], np.float32).reshape(2, 1, 1, 1) * np.ones((1, 2, 3, 1), np.float32)
    out = layers.MinibatchStddev(4)(x).numpy()  # One group of 2 < 4.
    self.assertEqual(out.shape, (2, 2, 3, 2))
    self.assertAllClose(out[..., 1], np.ones((2, 2, 3)), atol=1e-6)

  def test_config_round_trip(self):
    again = layers.MinibatchStddev.from_config(layers.MinibatchStddev(8).get_config())
    self.assertEqual(again.group_size, 8)

  def test_refuses_a_bad_group(self):
    with self.assertRaisesRegex(ValueError, 'group_size=0'):
      layers.MinibatchStddev(0)


class MinibatchDiscriminationTest(tf.test.TestCase):

  def _layer(self, kernel):
    layer = layers.MinibatchDiscrimination(2, 2)
    layer.build((None, 1, 1, 2))
    layer.kernel.assign(kernel)
    return layer

  def test_by_hand(self):
    # A = 2 features, K = 2 kernels of D = 2: kernel 0 reads x as is, kernel 1 reads 2x.
    kernel = np.concatenate([np.eye(2), 2 * np.eye(2)], axis=1).astype(np.float32)
    x = np.array([[0., 0.], [1., 0.], [0., 2.]], np.float32).reshape(3, 1, 1, 2)
    out = self._layer(kernel)(x).numpy()
    self.assertEqual(out.shape, (3, 1, 1, 4))
    self.assertAllClose(out[..., :2], x)
    # L1 distances d01 = 1, d02 = 2, d12 = 3 (doubled for kernel 1); the self term is left out.
    e = np.exp
    expected = [[e(-1) + e(-2), e(-2) + e(-4)],
                [e(-1) + e(-3), e(-2) + e(-6)],
                [e(-2) + e(-3), e(-4) + e(-6)]]
    self.assertAllClose(out[:, 0, 0, 2:], expected, atol=1e-6)

  def test_features_are_constant_planes(self):
    layer = layers.MinibatchDiscrimination(3, 2)
    out = layer(tf.random.normal([2, 4, 4, 5])).numpy()
    self.assertEqual(out.shape, (2, 4, 4, 8))
    self.assertAllClose(out[:, :, :, 5:], np.broadcast_to(out[:, :1, :1, 5:], out[:, :, :, 5:].shape))
    # Parameters: T [4 * 4 * 5, 3 * 2] and a bias per kernel.
    self.assertEqual(layer.count_params(), 80 * 6 + 3)

  def test_a_lone_sample_sees_nobody(self):
    out = layers.MinibatchDiscrimination(2, 3)(tf.random.normal([1, 2, 2, 1])).numpy()
    self.assertAllClose(out[..., 1:], np.zeros((1, 2, 2, 2)))


class VirtualBatchNormTest(tf.test.TestCase):

  def test_dense_by_hand(self):
    # Reference [1, 3]: mean 2, mean square 5. Example 5, weighted 1/3: mean 2/3 * 2 + 5/3 = 3,
    # mean square 2/3 * 5 + 25/3 = 35/3, variance 35/3 - 9 = 8/3.
    layer = layers.VirtualBatchNorm(2, epsilon=1e-3)
    out = layer(np.array([[1.], [3.], [5.]], np.float32)).numpy()
    self.assertAllClose(out[:, 0], [-1 / np.sqrt(1.001), 1 / np.sqrt(1.001),
                                    2 / np.sqrt(8 / 3 + 1e-3)], atol=1e-6)

  def test_conv_by_hand_with_gamma_and_beta(self):
    # R = 1, positions [0, 2]: reference mean 1, mean square 2. Example [4, 4]: mean 4, mean
    # square 16, weighted 1/2: mean 2.5, mean square 9, variance 2.75.
    layer = layers.VirtualBatchNorm(1, epsilon=1e-3)
    x = np.array([[0., 2.], [4., 4.]], np.float32).reshape(2, 1, 2, 1)
    layer.build(x.shape)
    layer.gamma.assign([2.0])
    layer.beta.assign([1.0])
    out = layer(x).numpy().reshape(2, 2)
    self.assertAllClose(out[0], [1 - 2 / np.sqrt(1.001), 1 + 2 / np.sqrt(1.001)], atol=1e-6)
    self.assertAllClose(out[1], [1 + 2 * 1.5 / np.sqrt(2.751)] * 2, atol=1e-6)

  def test_examples_do_not_see_each_other(self):
    layer = layers.VirtualBatchNorm(3)
    ref = tf.random.normal([3, 2, 2, 4])
    a, b = tf.random.normal([1, 2, 2, 4]), tf.random.normal([5, 2, 2, 4])
    alone = layer(tf.concat([ref, a], 0))[3:]
    together = layer(tf.concat([ref, a, b], 0))[3:4]
    self.assertAllClose(alone, together, atol=1e-6)
    self.assertEqual(layer.count_params(), 8)  # gamma and beta per channel, no moving stats.

  def test_reference_batch_is_a_saved_weight(self):
    z = keras.Input((3,))
    model = keras.Model(z, layers.DropReference(2)(layers.ReferenceBatch(2)(z)))
    self.assertEqual(model(np.ones((4, 3), np.float32)).shape, (4, 3))
    self.assertEqual([w.name for w in model.non_trainable_weights], ['reference_z'])
    self.assertEqual(model.count_params(), 6)

  def test_config_round_trips(self):
    for layer in (layers.VirtualBatchNorm(5, epsilon=0.01), layers.ReferenceBatch(7),
                  layers.DropReference(7), layers.MinibatchDiscrimination(4, 3)):
      again = type(layer).from_config(layer.get_config())
      self.assertEqual(again.get_config(), layer.get_config())


if __name__ == '__main__':
  tf.test.main()
