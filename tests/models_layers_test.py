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


if __name__ == '__main__':
  tf.test.main()
