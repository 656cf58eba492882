"""The benchmark's arithmetic: FLOP counts, the analytic formula, the baseline's loss, the table.

Nothing here is timed; speed is the tool's business (docs/BENCHMARKS.md).
"""

import os

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import benchmark
from tfgan_anime.training import loop as train_lib
from tfgan_anime.models import dcgan
from tfgan_anime.models import layers


class FlopsTest(tf.test.TestCase, parameterized.TestCase):

  def test_forward_flops_of_the_seed_networks(self):
    # 2 * H_out * W_out * k * k * C_in * C_out per convolution (input H, W when transposed).
    flops = benchmark.conv_flops_per_image(dcgan.build_generator(64), dcgan.build_critic(64))
    self.assertEqual(flops['generator/project'], 2 * 100 * 4 * 4 * 512)
    self.assertEqual(flops['generator/up0'], 2 * 4 * 4 * 5 * 5 * 512 * 256)
    self.assertEqual(flops['generator/to_image'], 2 * 32 * 32 * 5 * 5 * 64 * 3)
    self.assertEqual(flops['critic/down0'], 2 * 32 * 32 * 5 * 5 * 3 * 64)
    self.assertEqual(flops['critic/logit'], 2 * 4 * 4 * 512)
    self.assertEqual(sum(v for k, v in flops.items() if k.startswith('generator/')), 326041600)
    self.assertEqual(sum(v for k, v in flops.items() if k.startswith('critic/')), 324419584)

  @parameterized.parameters('wgan_gp', 'dcgan')
  def test_counted_flops_match_the_analytic_formula(self, kind):
    # The cost model also counts bias, activation, norm and optimiser arithmetic: a few %.
    config = benchmark.benchmark_config(kind, batch_size=4, n_critic=2, resolution=16)
    config.g_base_width = config.d_base_width = 16
    gan = train_lib.build_gan(config)
    data = tf.TensorSpec([4, config.n_critic, 16, 16, 3], tf.float32)
    counted = benchmark.count_flops(tf.function(gan.train_step).get_concrete_function(data))
    analytic = benchmark.analytic_step_flops(gan.generator, gan.critic, 4, config.n_critic,
                                             config.penalty)
    self.assertBetween(counted / analytic, 1.0, 1.1)

  def test_the_baseline_does_the_penalty_the_slow_way(self):
    config = benchmark.benchmark_config('wgan_gp', batch_size=2, n_critic=1, resolution=16)
    config.g_base_width = config.d_base_width = 4
    gan = train_lib.build_gan(config)
    critic = benchmark.with_keras_leaky_relu(gan.critic)
    self.assertFalse(any(isinstance(layer, layers.LeakyReLU) for layer in critic.layers))
    x = tf.random.uniform([2, 16, 16, 3], -1, 1)
    self.assertAllClose(critic(x), gan.critic(x))
    step = benchmark.baseline_step(config, gan.generator, critic)
    data = tf.random.uniform([2, 1, 16, 16, 3], -1, 1)
    baseline_flops = benchmark.count_flops(step.get_concrete_function(data))
    ours = benchmark.count_flops(tf.function(gan.train_step).get_concrete_function(data))
    self.assertGreater(baseline_flops, ours)
    logs = step(data)
    self.assertTrue(np.isfinite(logs['d_loss'].numpy()))


class MnistStepTest(tf.test.TestCase):

  def test_the_mnist_section_times_the_talk_networks_against_the_keras_io_baseline(self):
    config = benchmark.benchmark_config('mnist', batch_size=4, n_critic=5)
    # keras.io wgan_gp.py: 3 critic steps, Adam(2e-4, 0.5, 0.9), z 128, whatever --n_critic says.
    self.assertEqual((config.architecture, config.resolution, config.channels, config.z_dim,
                      config.n_critic, config.d_lr, config.d_beta1, config.d_beta2),
                     ('mnist', 28, 1, 128, 3, 2e-4, 0.5, 0.9))
    config.validate()
    logs = []
    result = benchmark.run_benchmark(sections=('mnist',), quick=True, batch_size=4, repeats=1,
                                     log=logs.append)
    steps = result['mnist_steps']
    self.assertCountEqual(steps, ['mnist', 'mnist_baseline'])
    for step in steps.values():
      self.assertEqual((step['batch_size'], step['n_critic']), (4, 3))
      self.assertEqual(step['seconds']['n'], 1)
    # Both do the same work: the analytic FLOPs of the talk's pair, counted close to it.
    self.assertEqual(steps['mnist']['analytic_flops'], steps['mnist_baseline']['analytic_flops'])
    self.assertBetween(steps['mnist']['flops'] / steps['mnist']['analytic_flops'], 1.0, 1.1)
    self.assertAllClose(result['mnist_speedup_over_baseline'],
                        steps['mnist']['img_s'] / steps['mnist_baseline']['img_s'])
    table = benchmark.format_table(result)
    self.assertIn('step mnist_baseline (batch 4, n_critic 3)', table)
    self.assertIn('MNIST WGAN-GP step (talk networks, n_critic 3) vs keras.io-style baseline',
                  table)


class ToolTest(tf.test.TestCase):

  def test_naive_load(self):
    path = os.path.join(self.get_temp_dir(), 'a.jpg')
    Image.fromarray(np.full((30, 40, 3), 255, np.uint8)).save(path)
    image = benchmark.naive_load(path, 8)
    self.assertEqual((image.shape, image.dtype), ((8, 8, 3), np.float32))
    self.assertAllClose(image, np.ones((8, 8, 3)), atol=1 / 127.5)

  def test_table_reports_each_target(self):
    seconds = {'median': 2.0, 'min': 1.5, 'max': 3.0, 'n': 3}
    step = {'seconds': seconds, 'img_s': 160.0, 'img_s_min': 100.0, 'img_s_max': 200.0,
            'flops': 2e11, 'analytic_flops': 1.9e11, 'gflops': 100.0, 'batch_size': 64,
            'n_critic': 5}
    result = {'resolution': 64, 'batch_size': 64, 'n_critic': 5, 'repeats': 3, 'quick': False,
              'tensorflow': tf.__version__, 'cpus': 2, 'load_average_start': 1.0,
              'load_average_end': 2.0, 'seconds': 60.0,
              'peak': {'numpy_4096': {'median': 150.0, 'min': 140.0, 'max': 160.0, 'n': 3}},
              'peak_during_steps': seconds, 'steps': {'wgan_gp': step},
              'step_fraction_of_peak': 0.66, 'step_fraction_of_peak_same_load': 0.7,
              'pipeline_over_naive': 6.0, 'pipeline_source': 'tfrecord_uint8',
              'end_to_end_ratio': 1.01}
    table = benchmark.format_table(result)
    self.assertIn('target step GFLOP/s / highest peak: 0.66 (>= 0.7: not met)', table)
    self.assertIn('target pipeline (tfrecord_uint8) / naive: 6.00 (>= 5.0: met)', table)
    self.assertIn('target end-to-end step / in-memory step: 1.01 (<= 1.05: met)', table)


class PrecisionTest(tf.test.TestCase):

  def test_precisions_are_checked_and_float32_comes_first(self):
    self.assertEqual(benchmark.check_precisions(['mixed_bfloat16', 'float32', 'float32']),
                     ('float32', 'mixed_bfloat16'))
    with self.assertRaisesRegex(ValueError, "precisions='float32,bf16'; accepted: a comma"):
      benchmark.check_precisions(['float32', 'bf16'])

  def test_each_precision_is_held_to_the_peak_of_its_own_dtype(self):
    def step(img_s, gflops):
      return {'img_s': img_s, 'gflops': gflops}
    peak = lambda median: {'median': median, 'min': median, 'max': median, 'n': 1}
    result = {'policies': ['float32', 'mixed_bfloat16'],
              'peak': {'numpy_2048': peak(300.0), 'tf_2048': peak(180.0),
                       'tf_bfloat16_2048': peak(600.0)},
              'peak_during_steps': peak(250.0),
              'steps': {'wgan_gp': step(10.0, 150.0), 'wgan_gp_baseline': step(8.0, 120.0),
                        'dcgan': step(30.0, 0.0),
                        'wgan_gp_bf16': step(25.0, 375.0),
                        'wgan_gp_bf16_baseline': step(20.0, 300.0),
                        'dcgan_bf16': step(60.0, 0.0)}}
    benchmark._summarise_precisions(result)
    fp32, bf16 = result['precisions']['float32'], result['precisions']['mixed_bfloat16']
    self.assertEqual(fp32['peak_gflops'], 300.0)  # numpy's, the higher float32 peak.
    self.assertAllClose([fp32['fraction_of_peak'], fp32['speedup_over_baseline']], [0.5, 1.25])
    self.assertEqual(bf16['peak_gflops'], 600.0)
    self.assertAllClose([bf16['fraction_of_peak'], bf16['speedup_over_float32'],
                         bf16['step_img_s'], bf16['achieved_gflops']], [0.625, 2.5, 25.0, 375.0])



if __name__ == '__main__':
  tf.test.main()
