"""The WGAN-GP talk's networks: parameter counts as its tables print them, shapes and ranges."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime.models import mlp
from tfgan_anime.models import talk
from tfgan_anime.models.layers import LeakyReLU


def _non_trainable(model):
  return sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)


class TalkNetworksTest(tf.test.TestCase, parameterized.TestCase):

  # (builder, total, non-trainable): the seed's Figures 36-39. The MNIST pair is keras.io's
  # examples/generative/wgan_gp.py: discriminator 4,305,409, generator 910,660 (902,082
  # trainable, 8,578 BN moving statistics).
  @parameterized.named_parameters(
      ('mnist_critic', talk.build_mnist_critic, 4_305_409, 0),
      ('mnist_generator', talk.build_mnist_generator, 910_660, 910_660 - 902_082),
      ('cars_critic', talk.build_cars_critic, 4_319_361, 0),
      ('cars_generator', talk.build_cars_generator, 1_453_804, 8_646),
  )
  def test_parameter_counts(self, build, total, non_trainable):
    model = build()
    self.assertEqual(model.count_params(), total)
    self.assertEqual(_non_trainable(model), non_trainable)

  def test_layer_shapes_follow_the_tables(self):
    critic = talk.build_mnist_critic()
    self.assertEqual(critic.get_layer('pad').output.shape, (None, 32, 32, 1))
    self.assertEqual([critic.get_layer(f'down{i}').output.shape[1] for i in range(4)],
                     [16, 8, 4, 2])
    cars = talk.build_cars_critic()
    self.assertEqual(cars.get_layer('pad').output.shape, (None, 68, 68, 3))
    self.assertEqual([cars.get_layer(f'down{i}').output.shape[1] for i in range(4)],
                     [34, 17, 9, 5])
    self.assertEqual(cars.get_layer('flatten').output.shape, (None, 12800))
    # Dropout after the 2nd and 3rd convolutions and after the flatten, all 0.3.
    for model in (critic, cars):
      dropouts = [layer for layer in model.layers if 'dropout' in layer.name]
      self.assertEqual([d.name for d in dropouts],
                       ['down1_dropout', 'down2_dropout', 'flatten_dropout'])
      self.assertEqual({d.rate for d in dropouts}, {0.3})
      # The project's LeakyReLU: its cheaper second derivative serves the gradient penalty.
      self.assertLen([l for l in model.layers if isinstance(l, LeakyReLU)], 4)
    generator = talk.build_mnist_generator()
    self.assertEqual(generator.get_layer('tanh').output.shape, (None, 32, 32, 1))
    # LeakyReLU after the dense and every conv but the last (3 for MNIST, 4 for CARS).
    self.assertLen([l for l in generator.layers if isinstance(l, LeakyReLU)], 3)
    self.assertLen([l for l in talk.build_cars_generator().layers
                    if isinstance(l, LeakyReLU)], 4)

  @parameterized.named_parameters(
      ('mnist', 'mnist', talk.build_mnist_generator, talk.build_mnist_critic, 128, (28, 28, 1)),
      ('cars', 'cars', talk.build_cars_generator, talk.build_cars_critic, 256, (64, 64, 3)),
  )
  def test_outputs_on_a_batch_of_two(self, arch, build_generator, build_critic, z_dim, shape):
    generator, critic = build_generator(), build_critic()
    self.assertEqual((generator.name, critic.name), ('generator', 'critic'))
    z = tf.random.stateless_normal([2, z_dim], seed=[1, 2]) * 10.0
    images = generator(z, training=True)
    self.assertEqual(images.shape, (2,) + shape)
    self.assertEqual(images.dtype, tf.float32)
    self.assertAllInRange(images, -1.0, 1.0)
    logits = critic(images, training=True)
    self.assertEqual((logits.shape, logits.dtype), ((2, 1), tf.float32))
    self.assertAllEqual(tf.math.is_finite(logits), [[True], [True]])
    self.assertEqual(talk.RESOLUTIONS[arch], shape[0])
    self.assertEqual((talk.Z_DIMS[arch], talk.CHANNELS[arch]), (z_dim, shape[2]))
    self.assertEqual(talk.BUILDERS[arch], (build_generator, build_critic))

  def test_channels_and_z_dim_are_arguments(self):
    self.assertEqual(talk.build_mnist_generator(z_dim=8, channels=3).output_shape,
                     (None, 28, 28, 3))
    self.assertEqual(talk.build_cars_critic(channels=1).input_shape, (None, 64, 64, 1))
    with self.assertRaisesRegex(ValueError, 'z_dim must be a positive integer'):
      talk.build_cars_generator(z_dim=0)

  def test_the_talks_toy_mlps_are_models_mlp(self):
    # Figures 34-35: generator 2-512-512-512-2, critic 2-512-512-512-1, ReLU hidden layers.
    generator = mlp.build_generator(z_dim=2, output_dim=2, width=512, depth=3)
    critic = mlp.build_critic(input_dim=2, width=512, depth=3)
    self.assertEqual(generator.count_params(), 527_874)
    self.assertEqual(critic.count_params(), 527_361)
    self.assertEqual([l.units for l in generator.layers[1:]], [512, 512, 512, 2])
    self.assertEqual([l.units for l in critic.layers[1:]], [512, 512, 512, 1])
    # The defaults are the talk's already.
    self.assertEqual(mlp.build_generator().count_params(), 527_874)
    self.assertEqual(mlp.build_critic().count_params(), 527_361)


if __name__ == '__main__':
  tf.test.main()
