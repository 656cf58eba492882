"""Tests for tfgan_anime.metrics.diversity."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime import images as images_lib
from tfgan_anime.metrics import diversity


def _uint8_images(seed, n=48, size=32):
  return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _reference_diversity(features):
  """The definition with two loops: mean over i < j of the RMS difference."""
  pairs = list(itertools.combinations(range(len(features)), 2))
  return np.mean([np.sqrt(np.mean((features[i] - features[j]) ** 2)) for i, j in pairs])


class DownsampleTest(tf.test.TestCase):

  def test_divisible_size_is_the_mean_of_each_block(self):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3))
    expected = x.reshape(2, 16, 2, 16, 2, 3).mean(axis=(2, 4))
    self.assertAllClose(diversity.downsample(x, 16), expected, rtol=0, atol=1e-12)

  def test_other_sizes_average_near_equal_blocks(self):
    x = np.random.default_rng(1).uniform(-1, 1, (1, 20, 7, 1))
    # 20 rows into 3 blocks start at 0, 6, 13; 7 columns into 3 start at 0, 2, 4.
    rows, cols = [(0, 6), (6, 13), (13, 20)], [(0, 2), (2, 4), (4, 7)]
    expected = np.array([[x[0, r0:r1, c0:c1, 0].mean() for c0, c1 in cols] for r0, r1 in rows])
    self.assertAllClose(diversity.downsample(x, 3)[0, :, :, 0], expected, rtol=0, atol=1e-12)

  def test_too_small_and_out_of_range_inputs_fail(self):
    with self.assertRaisesRegex(ValueError, 'at least side x side'):
      diversity.downsample(np.zeros((2, 8, 8, 3), np.uint8), 16)
    with self.assertRaisesRegex(ValueError, r'in \[-1, 1\]. Received: values in \[0, 255\]'):
      diversity.downsample(np.linspace(0, 255, 2 * 16 * 16 * 3).reshape(2, 16, 16, 3), 16)
    with self.assertRaisesRegex(ValueError, 'uint8 or float'):
      diversity.downsample(np.zeros((2, 16, 16, 3), np.int32), 16)


class DiversityTest(parameterized.TestCase, tf.test.TestCase):

  def test_identical_samples_score_exactly_zero(self):
    batch = np.repeat(_uint8_images(0, n=1), 16, axis=0)
    self.assertEqual(diversity.diversity(batch), 0.0)

  def test_opposite_constant_images_score_two(self):
    # All -1 against all +1: every value differs by 2, the largest possible RMS distance.
    batch = np.stack([np.full((16, 16, 3), -1.0), np.full((16, 16, 3), 1.0)])
    self.assertAlmostEqual(diversity.diversity(batch), 2.0, places=12)

  def test_matches_the_definition(self):
    x = np.random.default_rng(2).uniform(-1, 1, (7, 32, 32, 3))
    features = x.reshape(7, 16, 2, 16, 2, 3).mean(axis=(2, 4)).reshape(7, -1)
    self.assertAlmostEqual(diversity.diversity(x), _reference_diversity(features), places=12)

  def test_more_varied_samples_score_higher(self):
    rng = np.random.default_rng(3)
    base = rng.uniform(-0.5, 0.5, (1, 32, 32, 3))
    noise = rng.normal(size=(32, 32, 32, 3))
    values = [diversity.diversity(np.clip(base + s * noise, -1, 1)) for s in (0.0, 0.1, 0.3)]
    self.assertEqual(values[0], 0.0)
    self.assertLess(values[0], values[1])
    self.assertLess(values[1], values[2])

  def test_copies_lower_the_score_by_the_fraction_of_copied_pairs(self):
    # n samples made of k copies of m = n / k distinct images: the pairs between copies are 0 and
    # the others keep their distances, so the value is diversity(m distinct) * (n - k) / (n - 1).
    distinct = _uint8_images(4, n=48)
    n = len(distinct)
    values = []
    for k in (1, 2, 3, 4, 8, 16):
      m = n // k
      batch = np.repeat(distinct[:m], k, axis=0)
      value = diversity.diversity(batch)
      expected = (diversity.diversity(distinct[:m]) * (n - k) / (n - 1)) if m > 1 else 0.0
      self.assertAlmostEqual(value, expected, places=10, msg=f'k={k}')
      values.append(value)
    self.assertEqual(values, sorted(values, reverse=True))
    self.assertLess(values[1], values[0])  # strictly: halving the distinct images is seen
    self.assertLess(values[-1], values[-2])

  def test_uint8_and_minus_one_one_floats_give_the_same_value(self):
    batch = _uint8_images(5, n=12)
    as_float = images_lib.from_uint8(batch).numpy()  # the package's own conversion
    self.assertEqual(as_float.dtype, np.float32)
    self.assertEqual(diversity.diversity(batch), diversity.diversity(as_float))
    self.assertAlmostEqual(diversity.diversity(batch),
                           diversity.diversity(batch.astype(np.float64) / 127.5 - 1), places=6)

  def test_a_seed_fixes_the_subset_of_a_large_batch(self):
    batch = _uint8_images(6, n=300, size=16)
    first = diversity.diversity(batch, max_samples=100, seed=7)
    self.assertEqual(first, diversity.diversity(batch, max_samples=100, seed=7))
    self.assertNotEqual(first, diversity.diversity(batch, max_samples=100, seed=8))
    # Below the cap every sample is used and the seed plays no part.
    self.assertEqual(diversity.diversity(batch[:50], seed=1), diversity.diversity(batch[:50], seed=2))

  def test_needs_two_images(self):
    with self.assertRaisesRegex(ValueError, 'at least 2 images. Received: N=1'):
      diversity.diversity(_uint8_images(0, n=1))


class DiversityRatioTest(tf.test.TestCase):

  def test_the_real_images_themselves_score_one_and_a_collapse_zero(self):
    real = _uint8_images(7, n=32)
    self.assertAlmostEqual(diversity.diversity_ratio(real, real), 1.0, places=12)
    collapsed = np.repeat(real[:1], 32, axis=0)
    self.assertEqual(diversity.diversity_ratio(collapsed, real), 0.0)

  def test_collapse_onto_two_images_falls_below_the_warning(self):
    real = _uint8_images(8, n=64)
    two_faces = np.repeat(real[:2], 32, axis=0)
    ratio = diversity.diversity_ratio(two_faces, real)
    # Half the pairs are copies; the two faces are as far apart as two real images, about.
    self.assertLess(ratio, diversity.WARN_RATIO + 0.05)
    self.assertGreater(ratio, 0.3)
    self.assertGreater(diversity.diversity_ratio(real[32:], real[:32]), 0.9)

  def test_resolutions_may_differ_but_channels_may_not(self):
    real = _uint8_images(9, n=8, size=64)
    fake = real.reshape(8, 32, 2, 32, 2, 3).mean(axis=(2, 4)).round().astype(np.uint8)
    self.assertAlmostEqual(diversity.diversity_ratio(fake, real), 1.0, places=2)
    with self.assertRaisesRegex(ValueError, 'same channels'):
      diversity.diversity_ratio(fake[..., :1], real)

  def test_identical_real_images_fail(self):
    real = np.zeros((4, 16, 16, 3), np.uint8)
    with self.assertRaisesRegex(ValueError, 'real images are all identical'):
      diversity.diversity_ratio(_uint8_images(0, n=4, size=16), real)


if __name__ == '__main__':
  tf.test.main()
