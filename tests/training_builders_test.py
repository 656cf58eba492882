"""Tests of training/builders.py: each --architecture and --g_arch builds the networks it names."""

from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.models import dcgan
from tfgan_anime.models import paper
from tfgan_anime.training import builders


def _config(**overrides):
  values = dict(model_dir='x', resolution=16, z_dim=8, g_base_width=8, d_base_width=8,
                kernel_size=3, batch_size=2, n_critic=1)
  values.update(overrides)
  config = config_lib.TrainConfig(**values)
  config.validate()
  return config


class BuildNetworksTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*config_lib.G_ARCHS)
  def test_each_g_arch_builds_its_generator_and_critic(self, g_arch):
    config = _config(g_arch=g_arch)
    generator, critic = builders.build_networks(config)
    images = generator(tf.random.normal([2, 8]))
    self.assertEqual(images.shape, (2, 16, 16, 3))
    self.assertEqual(critic(images).shape, (2, 1))
    own_critic = g_arch in paper.CRITICS
    expected = (paper.CRITICS[g_arch] if own_critic else dcgan.build_critic)
    kwargs = dict(resolution=16, base_width=8, norm='none', channels=3)
    if g_arch == 'resnet':
      kwargs['depth'] = config.resnet_depth
    else:
      kwargs['kernel_size'] = 3
    self.assertEqual(critic.count_params(), expected(**kwargs).count_params())

  def test_the_report_generator_by_default(self):
    generator, _ = builders.build_networks(_config())
    self.assertEqual(generator.count_params(),
                     dcgan.build_generator(16, 8, 8, 3, 'batch').count_params())

  def test_a_variant_critic_refuses_batch_norm_in_one_line(self):
    with self.assertRaisesRegex(ValueError, 'none or layer with --g_arch=gated'):
      _config(g_arch='gated', d_norm='batch', penalty='none', loss='non_saturating')


if __name__ == '__main__':
  tf.test.main()
