"""The WGAN-GP paper's Figure 2 networks (models/paper.py): shapes, ranges, parameter counts.

Expected counts are computed here from the layer sizes (weights + biases, and BN's 4 values per
channel: gamma, beta and the two moving statistics, which count_params includes), not by the
code under test.
"""

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.models import dcgan
from tfgan_anime.models import paper

# Small networks: 16 px is a 4 x 4 start and 2 stride-2 stages.
RES, START, STAGES, Z, WIDTH, KERNEL, C = 16, 4, 2, 8, 4, 3, 3


def _dense(inputs, units, bias=True):
  return inputs * units + (units if bias else 0)


def _conv(size, inputs, filters, bias=True):
  return size * size * inputs * filters + (filters if bias else 0)


def _bn(channels):
  return 4 * channels


def _dcgan_generator(factor=1):
  """The DCGAN-shaped generator with BN; `factor` 2: each layer doubled for the gate."""
  widths = [WIDTH * 2**(STAGES - 1 - i) for i in range(STAGES)]  # [8, 4]
  total = _dense(Z, START * START * widths[0] * factor, bias=False) + _bn(widths[0] * factor)
  for previous, width in zip(widths, widths[1:]):
    total += _conv(KERNEL, previous, width * factor, bias=False) + _bn(width * factor)
  return total + _conv(KERNEL, widths[-1], C)


def _dcgan_critic(factor=1):
  widths = [WIDTH * 2**i for i in range(STAGES)]  # [4, 8]
  total, previous = 0, C
  for width in widths:
    total += _conv(KERNEL, previous, width * factor)
    previous = width
  return total + _conv(START, widths[-1], 1)


def _block(inputs, width, resample, bn):
  """_residual_block: two 3x3 convs (the first without bias under BN), norms, a shortcut."""
  total = _conv(3, inputs, width, bias=not bn) + _conv(3, width, width)
  if bn:
    total += _bn(inputs) + _bn(width)
  if resample or inputs != width:
    total += _conv(1, inputs, width)
  return total


def _resnet_generator(depth):
  widths = [WIDTH * 2**(STAGES - 1 - i) for i in range(STAGES)]  # [8, 4]
  total = _dense(Z, START * START * widths[0])
  previous = widths[0]
  for width in widths:
    for block in range(depth):
      total += _block(previous, width, block == 0, bn=True)
      previous = width
  return total + _bn(previous) + _conv(3, previous, C)


def _resnet_critic(depth):
  total = _conv(3, C, WIDTH)
  previous, width = WIDTH, WIDTH
  for stage in range(STAGES):
    if stage < STAGES - 1:
      width *= 2
    for block in range(depth):
      total += _block(previous, width, block == depth - 1, bn=False)
      previous = width
  return total + _dense(START * START * previous, 1)


class ParameterCountTest(tf.test.TestCase, parameterized.TestCase):

  def test_no_bn_constant_width(self):
    model = paper.build_no_bn_constant_generator(RES, Z, dim=WIDTH, kernel_size=KERNEL)
    expected = (_dense(Z, START * START * WIDTH) + (STAGES - 1) * _conv(KERNEL, WIDTH, WIDTH)
                + _conv(KERNEL, WIDTH, C))
    self.assertEqual(model.count_params(), expected)
    self.assertEmpty([l for l in model.layers if 'BatchNormalization' in type(l).__name__])

  def test_the_papers_crippled_generator_at_64_px(self):
    # WGANPaper_CrippledDCGANGenerator: z 128, dim 64, 5x5 kernels, 4 x 4 x 64 -> 64 x 64 x 3.
    model = paper.build_no_bn_constant_generator(64, 128, dim=64, kernel_size=5)
    self.assertEqual(model.count_params(),
                     128 * 16 * 64 + 16 * 64 + 3 * (25 * 64 * 64 + 64) + 25 * 64 * 3 + 3)
    self.assertEqual(model.count_params(), 444291)

  def test_mlp(self):
    model = paper.build_mlp_generator(RES, Z, width=16, depth=4)
    expected = _dense(Z, 16) + 3 * _dense(16, 16) + _dense(16, RES * RES * C)
    self.assertEqual(model.count_params(), expected)
    # The paper's: 4 x 512 ReLU, z 128, 64 px.
    self.assertEqual(paper.build_mlp_generator(64, 128).count_params(), 7157760)

  def test_gated(self):
    generator = paper.build_gated_generator(RES, Z, WIDTH, KERNEL)
    critic = paper.build_gated_critic(RES, WIDTH, KERNEL)
    self.assertEqual(generator.count_params(), _dcgan_generator(factor=2))
    self.assertEqual(critic.count_params(), _dcgan_critic(factor=2))

  def test_tanh_has_dcgans_counts(self):
    generator = paper.build_tanh_generator(RES, Z, WIDTH, KERNEL)
    critic = paper.build_tanh_critic(RES, WIDTH, KERNEL)
    self.assertEqual(generator.count_params(), _dcgan_generator())
    self.assertEqual(critic.count_params(), _dcgan_critic())
    self.assertEqual(dcgan.build_generator(RES, Z, WIDTH, KERNEL).count_params(),
                     _dcgan_generator())
    self.assertNotIn('ReLU', [type(l).__name__ for l in generator.layers])

  @parameterized.parameters(1, 2, 3)
  def test_resnet(self, depth):
    generator = paper.build_resnet_generator(RES, Z, WIDTH, depth=depth)
    critic = paper.build_resnet_critic(RES, WIDTH, depth=depth)
    self.assertEqual(generator.count_params(), _resnet_generator(depth))
    self.assertEqual(critic.count_params(), _resnet_critic(depth))
    convs = [l for l in generator.layers if isinstance(l, tf.keras.layers.Conv2D)
             and l.kernel_size == (3, 3)]
    self.assertLen(convs, 2 * depth * STAGES + 1)


class ShapesTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*sorted(paper.GENERATORS))
  def test_generator(self, name):
    model = paper.GENERATORS[name](resolution=RES, z_dim=Z)
    self.assertEqual(model.name, 'generator')
    z = np.random.default_rng(0).standard_normal((3, Z)).astype(np.float32) * 30
    images = model(z, training=False).numpy()
    self.assertEqual(images.shape, (3, RES, RES, C))
    self.assertTrue(np.all(np.abs(images) <= 1.0))

  @parameterized.parameters(*sorted(paper.CRITICS))
  def test_critic(self, name):
    model = paper.CRITICS[name](resolution=RES)
    self.assertEqual(model.name, 'critic')
    images = np.random.default_rng(0).uniform(-1, 1, (3, RES, RES, C)).astype(np.float32)
    self.assertEqual(model(images).shape, (3, 1))

  @parameterized.parameters(*sorted(paper.CRITICS))
  def test_critic_weights_are_clipped(self, name):
    model = paper.CRITICS[name](resolution=RES, clip_value=0.01)
    clipped = [l for l in model.layers if getattr(l, 'kernel_constraint', None) is not None]
    self.assertEqual(len(clipped), len([l for l in model.layers if hasattr(l, 'kernel')]))
    self.assertNotEmpty(clipped)
    for layer in clipped:
      self.assertAllClose(layer.kernel_constraint(tf.constant([-1.0, 0.005, 1.0])),
                          [-0.01, 0.005, 0.01])

  def test_gate_is_sigmoid_times_tanh(self):
    inputs = tf.keras.Input((1, 1, 4))
    model = tf.keras.Model(inputs, paper._gate(inputs, 'g'))  # pylint: disable=protected-access
    x = np.array([[[[0.3, -1.2, 2.0, 0.5]]]], np.float32)
    expected = 1 / (1 + np.exp(-x[..., :2])) * np.tanh(x[..., 2:])
    self.assertAllClose(model(x).numpy(), expected, atol=1e-6)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, 'depth must be a positive integer'):
      paper.build_resnet_generator(RES, Z, WIDTH, depth=0)
    with self.assertRaisesRegex(ValueError, "Unknown norm. Received: norm='batch'"):
      paper.build_resnet_critic(RES, WIDTH, norm='batch')


class RegistryTest(tf.test.TestCase):

  def test_config_names_the_registry(self):
    self.assertEqual(tuple(paper.GENERATORS), config_lib.G_ARCHS)
    self.assertContainsSubset(set(paper.CRITICS), set(config_lib.G_ARCHS))
    self.assertIs(paper.GENERATORS['dcgan'], dcgan.build_generator)


if __name__ == '__main__':
  tf.test.main()
