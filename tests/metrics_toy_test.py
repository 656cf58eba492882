"""Known-answer tests for tfgan_anime.metrics.toy, on the mixtures of data/toy2d.py."""

import math

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime.data import toy2d
from tfgan_anime.metrics import toy


class ToyMetricsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(('ring8', toy2d.ring8), ('grid25', toy2d.grid25))
  def test_samples_at_every_mode(self, mixture):
    centres, sigma = mixture()
    samples = np.repeat(centres, 10, axis=0)
    result = toy.toy_metrics(samples, centres, sigma)
    self.assertEqual(result.modes_captured, len(centres))
    self.assertEqual(result.high_quality_fraction, 1.0)
    self.assertAllClose(result.reverse_kl, 0.0, atol=1e-12)
    self.assertAllEqual(result.mode_counts, np.full(len(centres), 10))

  def test_all_samples_at_one_mode(self):
    centres, sigma = toy2d.ring8()
    samples = np.repeat(centres[3:4], 50, axis=0)
    result = toy.toy_metrics(samples, centres, sigma)
    self.assertEqual(result.modes_captured, 1)
    self.assertEqual(result.high_quality_fraction, 1.0)
    self.assertAllClose(result.reverse_kl, math.log(8))

  def test_samples_far_away(self):
    centres, sigma = toy2d.ring8()
    samples = np.zeros((20, 2))  # the ring's centre is 1 = 100 sigma from every mode
    result = toy.toy_metrics(samples, centres, sigma)
    self.assertEqual(result.high_quality_fraction, 0.0)
    self.assertEqual(result.modes_captured, 0)
    self.assertTrue(math.isnan(result.reverse_kl))

  def test_three_sigma_boundary_and_partial_coverage(self):
    centres, sigma = toy2d.ring8()
    # Mode 0 at (1, 0): 2.99 sigma away counts, 3.01 sigma does not.
    inside = centres[0] + [2.99 * sigma, 0.0]
    boundary = centres[0] + [3.01 * sigma, 0.0]
    # Two more samples at mode 1: q = (1/3, 2/3) over two of eight modes.
    samples = np.stack([inside, boundary, centres[1], centres[1]])
    result = toy.toy_metrics(samples, centres, sigma)
    self.assertEqual(result.high_quality_fraction, 0.75)
    self.assertEqual(result.modes_captured, 2)
    q = np.array([1 / 3, 2 / 3])
    self.assertAllClose(result.reverse_kl, np.sum(q * np.log(q * 8)))

  def test_gaussian_samples_from_the_mixture_look_good(self):
    centres, sigma = toy2d.grid25()
    rng = np.random.default_rng(0)
    samples = centres[rng.integers(0, 25, size=5000)] + sigma * rng.normal(size=(5000, 2))
    result = toy.toy_metrics(samples, centres, sigma)
    self.assertEqual(result.modes_captured, 25)
    # P(|x| < 3 sigma) for a 2-D standard normal is 1 - exp(-4.5) ~ 0.989.
    self.assertAllClose(result.high_quality_fraction, 1 - math.exp(-4.5), atol=0.01)
    self.assertLess(result.reverse_kl, 0.01)

  def test_bad_inputs_raise(self):
    centres, sigma = toy2d.ring8()
    with self.assertRaisesRegex(ValueError, r'Received: samples.shape=\(2,\)'):
      toy.toy_metrics(np.zeros(2), centres, sigma)
    with self.assertRaisesRegex(ValueError, r'Received: centres.shape=\(8, 3\)'):
      toy.toy_metrics(np.zeros((4, 2)), np.zeros((8, 3)), sigma)
    with self.assertRaisesRegex(ValueError, 'Received: sigma=0'):
      toy.toy_metrics(np.zeros((4, 2)), centres, 0)


if __name__ == '__main__':
  tf.test.main()
