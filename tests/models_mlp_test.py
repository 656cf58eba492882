"""The seed's toy MLPs: parameter counts, shapes, clipping."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.models import mlp


class MLPTest(tf.test.TestCase):

  def test_parameter_counts_of_the_seed_tables(self):
    # Seed, Figures 34-35: Dense 2->512, 512->512, 512->512, then ->2 (generator) or ->1.
    self.assertEqual(mlp.build_generator(z_dim=2).count_params(),
                     (2 * 512 + 512) + 2 * (512 * 512 + 512) + (512 * 2 + 2))
    self.assertEqual(mlp.build_generator(z_dim=2).count_params(), 527_874)
    self.assertEqual(mlp.build_critic().count_params(), 527_361)

  def test_width_depth_and_linear_output(self):
    g = mlp.build_generator(z_dim=3, output_dim=2, width=8, depth=2)
    dense = [layer for layer in g.layers if isinstance(layer, keras.layers.Dense)]
    self.assertEqual([layer.units for layer in dense], [8, 8, 2])
    self.assertEqual(dense[-1].activation, keras.activations.linear)
    # No normalisation anywhere: the gradient penalty is per sample.
    self.assertFalse(any('Normalization' in type(layer).__name__ for layer in g.layers))
    # A linear output reaches grid25's +-4 without a tanh: scale the last layer and see it grow.
    z = tf.random.normal([4, 3])
    before = g(z).numpy()
    dense[-1].kernel.assign(dense[-1].kernel * 10.0)
    dense[-1].bias.assign(dense[-1].bias * 10.0)
    self.assertAllClose(g(z).numpy(), 10.0 * before, rtol=1e-5)
    d = mlp.build_critic(input_dim=2, width=8, depth=4)
    self.assertEqual(d(tf.zeros([5, 2])).shape, (5, 1))
    self.assertLen([layer for layer in d.layers if isinstance(layer, keras.layers.Dense)], 5)

  def test_clipped_after_an_update(self):
    d = mlp.build_critic(width=8, depth=1, clip_value=0.01)
    optimizer = keras.optimizers.SGD(10.0)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(d(tf.random.normal([4, 2])))
    optimizer.apply_gradients(zip(tape.gradient(loss, d.trainable_variables),
                                  d.trainable_variables))
    for weight in d.trainable_variables:
      self.assertLessEqual(float(np.max(np.abs(weight.numpy()))), 0.01 + 1e-7)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, r'width must be a positive integer. Received: '
                                r'width=0'):
      mlp.build_generator(width=0)
    with self.assertRaisesRegex(ValueError, 'depth=-1'):
      mlp.build_critic(depth=-1)


if __name__ == '__main__':
  tf.test.main()
