"""Tests of training/builders.py: each --architecture and --g_arch builds the networks it names."""

from absl.testing import parameterized
import keras
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

  def test_g_upsample_and_g_kernel_size_reach_the_generator_only(self):
    generator, critic = builders.build_networks(_config(g_upsample='bilinear', g_kernel_size=2))
    resizes = [l for l in generator.layers if isinstance(l, keras.layers.UpSampling2D)]
    self.assertEqual([l.interpolation for l in resizes], ['bilinear'] * 2)
    self.assertEqual({l.kernel_size for l in generator.layers
                      if isinstance(l, keras.layers.Conv2D)}, {(2, 2)})
    # The critic keeps --kernel_size (3 here).
    self.assertEqual({l.kernel_size for l in critic.layers
                      if isinstance(l, keras.layers.Conv2D) and l.name != 'logit'}, {(3, 3)})

  def test_g_upsample_is_the_dcgan_generator_s(self):
    with self.assertRaisesRegex(ValueError, 'Invalid --g_upsample.*transpose with'):
      _config(g_upsample='nearest', g_arch='resnet')

  @parameterized.parameters(('auto', 1, False), ('auto', 2, True), ('true', 1, True),
                            ('false', 2, False))
  def test_sync_batch_norm(self, setting, replicas, expected):
    if replicas == 2 and len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')
    strategy = (tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1']) if replicas == 2 else
                tf.distribute.get_strategy())
    self.assertEqual(builders.sync_batch_norm(setting, strategy), expected)
    with strategy.scope():  # auto reads the strategy in scope, as build_gan runs.
      generator, critic = builders.build_networks(
          _config(sync_batch_norm=setting, d_norm='batch', penalty='none'))
    bns = [l for model in (generator, critic) for l in model.layers
           if isinstance(l, keras.layers.BatchNormalization)]
    self.assertLen(bns, 4)
    self.assertEqual({l.synchronized for l in bns}, {expected})


if __name__ == '__main__':
  tf.test.main()
