"""The seed report's networks: shapes, parameter counts, normalisation, clipping constraint."""

import contextlib
import io
import os

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import dry_run
from tfgan_anime import ema
from tfgan_anime import export
from tfgan_anime import images as images_lib
from tfgan_anime.models import constraints
from tfgan_anime.models import dcgan


def _conv(k, c_in, c_out, bias=True):
  return k * k * c_in * c_out + (c_out if bias else 0)


class DCGANTest(tf.test.TestCase, parameterized.TestCase):

  def test_generator_parameter_count_at_64px(self):
    # Report table: Dense 100 -> 4*4*512 + BN, then 5x5 ConvT 512->256->128->64 (+ BN), ->3 (bias).
    # No bias before BN; BN holds 4 numbers per channel (gamma, beta, moving mean and variance).
    expected = (100 * 4 * 4 * 512 + 4 * 512 +
                _conv(5, 512, 256, bias=False) + 4 * 256 +
                _conv(5, 256, 128, bias=False) + 4 * 128 +
                _conv(5, 128, 64, bias=False) + 4 * 64 +
                _conv(5, 64, 3))
    self.assertEqual(expected, 5_128_643)
    self.assertEqual(dcgan.build_generator(64).count_params(), expected)

  def test_critic_parameter_count_at_64px(self):
    # Report table: 5x5 stride-2 convs 3->64->128->256->512, then a 4x4 conv to one logit.
    expected = (_conv(5, 3, 64) + _conv(5, 64, 128) + _conv(5, 128, 256) + _conv(5, 256, 512) +
                _conv(4, 512, 1))
    self.assertEqual(expected, 4_314_753)
    self.assertEqual(dcgan.build_critic(64, norm='none').count_params(), expected)
    # DCGAN's discriminator: BN after every conv, no conv bias before BN.
    with_bn = expected - (64 + 128 + 256 + 512) + 4 * (64 + 128 + 256 + 512)
    self.assertEqual(dcgan.build_critic(64, norm='batch').count_params(), with_bn)

  def test_layer_shapes_follow_the_table(self):
    g = dcgan.build_generator(64)
    shapes = [layer.output.shape[1:] for layer in g.layers if 'Conv' in type(layer).__name__]
    self.assertEqual([tuple(s) for s in shapes],
                     [(8, 8, 256), (16, 16, 128), (32, 32, 64), (64, 64, 3)])
    d = dcgan.build_critic(64)
    shapes = [layer.output.shape[1:] for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    self.assertEqual([tuple(s) for s in shapes],
                     [(32, 32, 64), (16, 16, 128), (8, 8, 256), (4, 4, 512), (1, 1, 1)])

  @parameterized.parameters((16, 4, 2), (32, 4, 3), (48, 6, 3), (64, 4, 4), (96, 6, 4),
                            (128, 4, 5))
  def test_resolutions(self, resolution, start, blocks):
    self.assertEqual(dcgan.stage_layout(resolution), (start, blocks))
    g = dcgan.build_generator(resolution, z_dim=8, base_width=4)
    d = dcgan.build_critic(resolution, base_width=4)
    images = g(tf.random.normal([2, 8]))
    self.assertEqual(images.shape, (2, resolution, resolution, 3))
    self.assertEqual(d(images).shape, (2, 1))
    # tanh output range.
    self.assertAllInRange(images, -1.0, 1.0)

  @parameterized.parameters(36, 100, 7, '64')
  def test_bad_resolution(self, resolution):
    with self.assertRaisesRegex(ValueError, 'resolution'):
      dcgan.stage_layout(resolution)

  def test_critic_outputs_logits(self):
    # No sigmoid inside: outputs are unbounded.
    d = dcgan.build_critic(16, base_width=4)
    d.layers[-2].kernel.assign(tf.fill(d.layers[-2].kernel.shape, 50.0))
    out = d(tf.ones([1, 16, 16, 3]))
    self.assertFalse(0.0 <= float(out[0, 0]) <= 1.0)

  @parameterized.parameters('none', 'layer', 'spectral', 'batch')
  def test_critic_norms(self, norm):
    d = dcgan.build_critic(16, base_width=4, norm=norm)
    names = [type(layer).__name__ for layer in d.layers]
    self.assertEqual('BatchNormalization' in names, norm == 'batch')
    self.assertEqual('LayerNormalization' in names, norm == 'layer')
    self.assertEqual('SpectralNormalization' in names, norm == 'spectral')
    self.assertEqual(d(tf.zeros([2, 16, 16, 3]), training=True).shape, (2, 1))

  def test_generator_without_bn(self):
    g = dcgan.build_generator(16, z_dim=4, base_width=4, norm='none')
    self.assertNotIn('BatchNormalization', [type(layer).__name__ for layer in g.layers])

  @parameterized.parameters('nearest', 'bilinear')
  def test_upsampling_generator_parameter_counts(self, upsample):
    # UpSampling2D has no weights: a stride-1 k x k conv holds what a k x k transposed one does.
    at_64px = (100 * 4 * 4 * 512 + 4 * 512 +
               _conv(5, 512, 256, bias=False) + 4 * 256 +
               _conv(5, 256, 128, bias=False) + 4 * 128 +
               _conv(5, 128, 64, bias=False) + 4 * 64 +
               _conv(5, 64, 3))
    self.assertEqual(dcgan.build_generator(64, upsample=upsample).count_params(), at_64px)
    # The quickstart's 32 px, widths 32 (128 at 4x4), at the 3x3 kernel of about the transposed
    # 5x5's FLOPs (models/dcgan.upsample_conv).
    quickstart = (100 * 4 * 4 * 128 + 4 * 128 +
                  _conv(3, 128, 64, bias=False) + 4 * 64 +
                  _conv(3, 64, 32, bias=False) + 4 * 32 +
                  _conv(3, 32, 3))
    self.assertEqual(quickstart, 298_723)
    g = dcgan.build_generator(32, base_width=32, kernel_size=3, upsample=upsample)
    self.assertEqual(g.count_params(), quickstart)
    self.assertEqual(g.output.shape[1:], (32, 32, 3))

  @parameterized.parameters('nearest', 'bilinear')
  def test_upsampling_generator_resizes_then_convolves(self, upsample):
    g = dcgan.build_generator(64, kernel_size=3, upsample=upsample)
    resizes = [layer for layer in g.layers if isinstance(layer, keras.layers.UpSampling2D)]
    convs = [layer for layer in g.layers if isinstance(layer, keras.layers.Conv2D)]
    self.assertLen(resizes, 4)
    self.assertTrue(all(layer.interpolation == upsample for layer in resizes))
    self.assertNotIn('Conv2DTranspose', [type(layer).__name__ for layer in g.layers])
    self.assertEqual([layer.strides for layer in convs], [(1, 1)] * 4)
    self.assertEqual([tuple(layer.output.shape[1:]) for layer in convs],
                     [(8, 8, 256), (16, 16, 128), (32, 32, 64), (64, 64, 3)])
    # Each resize feeds the conv of the same stage, at twice its input's side.
    for resize, conv in zip(resizes, convs):
      self.assertEqual(resize.output.shape[1], conv.output.shape[1])

  @parameterized.parameters(('transpose', 5), ('nearest', 3), ('bilinear', 3))
  def test_only_transpose_draws_a_checkerboard_on_a_constant(self, upsample, kernel_size):
    # A constant 4x4 map (Dense kernel 0, bias 1) through convolutions of constant kernels: a
    # transposed 5x5 stride-2 conv overlaps its taps unevenly (9, 6 or 4 per output pixel), so
    # even and odd pixels differ; a resize then a conv keeps the interior constant.
    g = dcgan.build_generator(16, z_dim=2, base_width=1, kernel_size=kernel_size, norm='none',
                              upsample=upsample)
    for layer in g.layers:
      for weight in layer.weights:
        if layer.name == 'project':
          weight.assign(tf.zeros_like(weight) if weight.name == 'kernel' else
                        tf.ones_like(weight))
        else:
          weight.assign(tf.fill(weight.shape, 0.01) if weight.name == 'kernel' else
                        tf.zeros_like(weight))
    interior = g(tf.zeros([1, 2])).numpy()[0, 4:12, 4:12, 0]
    distinct = np.unique(np.round(interior, 6))
    if upsample == 'transpose':
      self.assertGreater(len(distinct), 1)
      self.assertNotAllClose(interior[0::2, 0::2], interior[1::2, 1::2])
    else:
      self.assertLen(distinct, 1)

  def test_bad_upsample(self):
    with self.assertRaisesRegex(ValueError, "upsample='pixel_shuffle'"):
      dcgan.build_generator(16, upsample='pixel_shuffle')

  @parameterized.parameters(True, False)
  def test_sync_batch_norm_reaches_every_bn_layer(self, sync):
    g = dcgan.build_generator(16, z_dim=4, base_width=4, sync_batch_norm=sync)
    d = dcgan.build_critic(16, base_width=4, norm='batch', sync_batch_norm=sync)
    bns = [layer for model in (g, d) for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)]
    self.assertLen(bns, 2 + 2)  # 16 px: project and up0; down0 and down1.
    self.assertEqual({layer.synchronized for layer in bns}, {sync})
    self.assertEqual({layer.momentum for layer in bns}, {dcgan.BN_MOMENTUM})

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, "norm='group'"):
      dcgan.build_critic(16, norm='group')
    with self.assertRaisesRegex(ValueError, 'z_dim=0'):
      dcgan.build_generator(16, z_dim=0)


class WeightClipTest(tf.test.TestCase):

  def test_clips(self):
    clip = constraints.WeightClip(0.01)
    self.assertAllClose(clip(tf.constant([-1.0, 0.005, 2.0])), [-0.01, 0.005, 0.01])

  def test_config_round_trip(self):
    clip = constraints.WeightClip(0.05)
    again = constraints.WeightClip.from_config(clip.get_config())
    self.assertEqual(again.clip_value, 0.05)

  def test_bad_value(self):
    with self.assertRaisesRegex(ValueError, 'clip_value=0'):
      constraints.WeightClip(0)

  def test_every_critic_weight_is_constrained(self):
    d = dcgan.build_critic(16, base_width=4, norm='batch', clip_value=0.01)
    constrained = [v for v in d.trainable_variables if v.constraint is not None]
    self.assertLen(constrained, len(d.trainable_variables))
    self.assertTrue(all(isinstance(v.constraint, constraints.WeightClip) for v in constrained))
    self.assertEqual(np.sum([v.constraint.clip_value for v in constrained]),
                     0.01 * len(constrained))



class MinibatchCriticTest(tf.test.TestCase):
  """The minibatch layers before the critic's last convolution (training tricks, issue 14)."""

  def test_parameter_counts_at_64px(self):
    base = 4_314_753
    # The stddev channel adds a 4x4 kernel slice to the logit convolution.
    self.assertEqual(dcgan.build_critic(64, minibatch_stddev=4).count_params(), base + 16)
    # improved-gan's 100 kernels of 5: T [4*4*512, 500], 100 biases, 100 more logit channels.
    self.assertEqual(dcgan.build_critic(64, minibatch_discrimination=(100, 5)).count_params(),
                     base + 8192 * 500 + 100 + 16 * 100)
    self.assertEqual(4_314_753 + 4_097_700, 8_412_453)

  def test_placed_before_the_logit(self):
    critic = dcgan.build_critic(16, base_width=4, minibatch_stddev=2,
                                minibatch_discrimination=(3, 2))
    names = [layer.name for layer in critic.layers]
    self.assertEqual(names[-4:], ['minibatch_stddev', 'minibatch_discrimination', 'logit',
                                  'flatten'])
    self.assertEqual(critic.get_layer('logit').input.shape[-1], 8 + 1 + 3)
    self.assertEqual(critic(tf.random.normal([4, 16, 16, 3])).shape, (4, 1))

  def test_logits_depend_on_the_other_samples(self):
    critic = dcgan.build_critic(16, base_width=4, minibatch_stddev=2)
    x = tf.random.normal([2, 16, 16, 3])
    y = tf.concat([x[:1], x[1:] * 3.0], 0)
    self.assertNotAllClose(critic(x)[0], critic(y)[0])
    plain = dcgan.build_critic(16, base_width=4)
    self.assertAllClose(plain(x)[0], plain(y)[0])

  def test_clipping_reaches_the_minibatch_kernel(self):
    critic = dcgan.build_critic(16, base_width=4, clip_value=0.01,
                                minibatch_discrimination=(3, 2))
    layer = critic.get_layer('minibatch_discrimination')
    self.assertIsInstance(layer.kernel_constraint, constraints.WeightClip)

  def test_refuses_a_bad_spec(self):
    with self.assertRaisesRegex(ValueError, 'minibatch_discrimination'):
      dcgan.build_critic(16, minibatch_discrimination=(3,))
    with self.assertRaisesRegex(ValueError, 'minibatch_stddev must be a positive integer'):
      dcgan.build_critic(16, minibatch_stddev=-1)


class VirtualBatchNormGeneratorTest(tf.test.TestCase):
  """--g_norm=virtual: the generator keeps its z -> images contract (training tricks, issue 14)."""

  def _generator(self, seed=1, **kwargs):
    keras.utils.set_random_seed(seed)
    return dcgan.build_generator(16, z_dim=8, base_width=4, norm='virtual',
                                 vbn_reference_size=3, **kwargs)

  def test_parameter_count_at_64px(self):
    # Each BN's 4 numbers per channel become VBN's 2 (gamma, beta; no moving statistics), and
    # the reference batch adds 64 x 100 non-trainable latents.
    widths = 512 + 256 + 128 + 64
    g = dcgan.build_generator(64, norm='virtual')
    self.assertEqual(g.count_params(), 5_128_643 - 2 * widths + 64 * 100)
    self.assertEqual(sum(int(np.prod(w.shape)) for w in g.non_trainable_weights), 6400)

  def test_contract_and_batch_independence(self):
    g = self._generator()
    z = tf.random.normal([3, 8])
    images = g(z, training=True)
    self.assertEqual(images.shape, (3, 16, 16, 3))
    self.assertAllInRange(images, -1.0, 1.0)
    # No example depends on another, and training and inference compute the same.
    self.assertAllClose(g(z[1:2], training=False), images[1:2], atol=1e-5)

  def test_ema_clone_holds_the_same_reference(self):
    g = self._generator()
    average = ema.clone(g)
    z = tf.random.normal([2, 8])
    self.assertAllClose(average(z), g(z))
    ema.update(average, g, tf.constant(0.5))  # The reference is copied, not averaged.
    self.assertAllClose(average.get_layer('reference_z').reference,
                        g.get_layer('reference_z').reference)

  def test_checkpoint_restores_the_reference(self):
    g, other = self._generator(seed=1), self._generator(seed=2)
    z = tf.random.normal([2, 8])
    self.assertNotAllClose(g(z), other(z))
    path = tf.train.Checkpoint(generator=g).save(os.path.join(self.get_temp_dir(), 'ckpt'))
    tf.train.Checkpoint(generator=other).restore(path).assert_consumed()
    self.assertAllClose(other(z), g(z))

  def test_export_generates_what_memory_does(self):
    g = self._generator()
    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    export_dir = export.export_generator(g, os.path.join(self.get_temp_dir(), 'export'))
    loaded = export.load_generator(export_dir)
    self.assertAllEqual(loaded(z), images_lib.to_uint8(g(z, training=False)))

  def test_dry_run_prints_the_virtual_generator(self):
    config = config_lib.TrainConfig(model_dir='x', resolution=16, z_dim=8, g_base_width=4,
                                    d_base_width=4, g_norm='virtual', vbn_reference_size=3,
                                    penalty='none', minibatch_stddev=2)
    config.validate()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
      dry_run.print_networks(config)
    self.assertIn('project_vbn (VirtualBatchNorm)', out.getvalue())
    self.assertIn('minibatch_stddev (MinibatchStddev)', out.getvalue())
    self.assertIn('non-trainable 24)', out.getvalue())  # The 3 x 8 reference latents.


if __name__ == '__main__':
  tf.test.main()
