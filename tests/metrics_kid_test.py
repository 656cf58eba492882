"""Known-answer tests for tfgan_anime.metrics.kid."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime.metrics import kid


def _mmd2_by_loops(x, y):
  """The unbiased estimator written straight from its definition."""
  d = x.shape[1]

  def k(a, b):
    return (np.dot(a, b) / d + 1.0)**3

  m, n = len(x), len(y)
  xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
  yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
  xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
  return xx + yy - 2 * xy


class KernelInceptionDistanceTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((6, 6), (5, 7))
  def test_matches_definition(self, m, n):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(m, 3)), rng.normal(size=(n, 3)) + 0.5
    self.assertAllClose(kid.mmd2_polynomial(x, y), _mmd2_by_loops(x, y), rtol=1e-10)

  def test_point_masses(self):
    # All x at 0, all y at b = (1, 1, 1, 1): k(0, 0) = k(0, b) = 1, k(b, b) = (|b|^2 / d + 1)^3 = 8.
    x = np.zeros((10, 4))
    y = np.ones((10, 4))
    self.assertAllClose(kid.mmd2_polynomial(x, y), 8.0 + 1.0 - 2.0)
    mean, std = kid.kernel_inception_distance(x, y, num_subsets=3, subset_size=5)
    self.assertAllClose((mean, std), (7.0, 0.0))

  def test_identical_sets_give_the_unbiased_estimators_small_negative_value(self):
    # x == y: with S = sum_ij k(x_i, x_j) and T = sum_i k(x_i, x_i) the estimator is
    #   2 (S - T) / (m (m - 1)) - 2 S / m^2 = 2 (S - m T) / (m^2 (m - 1)),
    # <= 0 since S <= m T for a positive semi-definite kernel, and O(1 / m) of the kernel's
    # diagonal: ~0, exactly 0 only when all rows are equal.
    m, d = 200, 3
    x = np.random.default_rng(6).normal(size=(m, d))
    k = (x @ x.T / d + 1.0)**3
    expected = 2 * (k.sum() - m * np.trace(k)) / (m**2 * (m - 1))
    value = kid.mmd2_polynomial(x, x.copy())
    self.assertAllClose(value, expected, rtol=1e-10)
    self.assertLessEqual(value, 0.0)
    self.assertLess(abs(value), 2 * np.mean(np.diag(k)) / (m - 1))
    same_row = np.tile(x[:1], (m, 1))
    self.assertAllClose(kid.mmd2_polynomial(same_row, same_row), 0.0, atol=1e-10)

  def test_shift_by_a_constant_vector_by_hand(self):
    # d = 1, x = {0, 1}, y = x + c with c = 1: y = {1, 2}; k(a, b) = (a b + 1)^3.
    #   xx (i != i'): k(0, 1) = 1, twice, / (2 * 1)            = 1
    #   yy (j != j'): k(1, 2) = 27, twice, / (2 * 1)           = 27
    #   xy: k(0, 1) + k(0, 2) + k(1, 1) + k(1, 2) = 1 + 1 + 8 + 27 = 37, / 4 = 9.25
    #   MMD^2_u = 1 + 27 - 2 * 9.25 = 9.5
    x = np.array([[0.0], [1.0]])
    self.assertAllClose(kid.mmd2_polynomial(x, x + 1.0), 9.5, rtol=1e-12)
    # Subsets of 2 out of 2 are the whole sets, whatever the draw: every estimate is 9.5.
    self.assertAllClose(kid.kernel_inception_distance(x, x + 1.0, num_subsets=3, subset_size=2),
                        (9.5, 0.0))
    # d = 2, x = {(1, 0), (0, 1)}, c = (1, 1): y = {(2, 1), (1, 2)}; k(a, b) = (a.b / 2 + 1)^3.
    #   xx: k((1, 0), (0, 1)) = 1                              -> 1
    #   yy: k((2, 1), (1, 2)) = (4 / 2 + 1)^3 = 27             -> 27
    #   xy: k((1,0),(2,1)) = 8, k((1,0),(1,2)) = (1.5)^3 = 3.375, and symmetrically for (0, 1):
    #       (8 + 3.375 + 3.375 + 8) / 4 = 5.6875
    #   MMD^2_u = 1 + 27 - 2 * 5.6875 = 16.625
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    self.assertAllClose(kid.mmd2_polynomial(x, x + np.array([1.0, 1.0])), 16.625, rtol=1e-12)

  def test_mean_shift_matches_closed_form(self):
    # x ~ N(0, I_d), y ~ N(mu, I_d), M = |mu|^2. With s = a . b for independent Gaussians,
    # E s = alpha.beta, E s^2 = d + |alpha|^2 + |beta|^2 + (alpha.beta)^2 and
    # E s^3 = m^3 + 3 m (|alpha|^2 + |beta|^2 + d + 2), m = alpha.beta. Expanding
    # k = 1 + 3u + 3u^2 + u^3 (u = s / d) in the three expectations of MMD^2 gives
    #   3 M / d + 3 M^2 / d^2 + (M^3 + 6 M^2 + 3 M (d + 2)) / d^3.
    d, mu = 4, np.array([1.0, 0.0, 0.0, 0.0])
    m_sq = 1.0
    expected = (3 * m_sq / d + 3 * m_sq**2 / d**2 +
                (m_sq**3 + 6 * m_sq**2 + 3 * m_sq * (d + 2)) / d**3)  # 1.328125
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, d))
    y = rng.normal(size=(2000, d)) + mu
    # The cubic kernel is heavy-tailed: across seeds this estimate has a standard deviation of
    # about 0.06 at 2000 samples, so the tolerance is ~2.5 of those.
    self.assertAllClose(kid.mmd2_polynomial(x, y), expected, atol=0.15)

  def test_unbiased_for_two_halves_of_one_sample(self):
    rng = np.random.default_rng(2)
    sample = rng.normal(size=(4000, 8))
    rng.shuffle(sample)
    x, y = sample[:2000], sample[2000:]
    num_subsets, size = 100, 100
    mean, std = kid.kernel_inception_distance(x, y, num_subsets=num_subsets, subset_size=size,
                                              rng=3)
    self.assertLess(abs(mean), 3 * std / np.sqrt(num_subsets))

    # The biased estimator on the same subsets is off by (E k(x, x) - E k(x, x')) * 2 / size.
    draws = np.random.default_rng(3)
    biased = []
    for _ in range(num_subsets):
      xs = x[draws.choice(len(x), size, replace=False)]
      ys = y[draws.choice(len(y), size, replace=False)]
      biased.append(kid.mmd2_polynomial(xs, ys, unbiased=False))
    self.assertGreater(np.mean(biased), 3 * np.std(biased) / np.sqrt(num_subsets))

  def test_same_seed_same_answer(self):
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=(60, 3))
    first = kid.kernel_inception_distance(x, y, num_subsets=5, subset_size=20, rng=7)
    second = kid.kernel_inception_distance(x, y, num_subsets=5, subset_size=20,
                                           rng=np.random.default_rng(7))
    self.assertEqual(first, second)

  def test_subset_size_is_capped_by_the_smaller_set(self):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(30, 3))
    capped = kid.kernel_inception_distance(x, y, num_subsets=2, subset_size=1000, rng=1)
    self.assertEqual(capped, kid.kernel_inception_distance(x, y, num_subsets=2, subset_size=8,
                                                           rng=1))
    # Every subset of x is all 8 rows (the estimator does not depend on their order), so the
    # mean is that of the definition over the y rows each subset drew.
    draws = np.random.default_rng(1)
    estimates = []
    for _ in range(2):
      draws.choice(8, 8, replace=False)
      estimates.append(_mmd2_by_loops(x, y[draws.choice(30, 8, replace=False)]))
    self.assertAllClose(capped, (np.mean(estimates), np.std(estimates)), rtol=1e-10)

  def test_bad_inputs_raise(self):
    with self.assertRaisesRegex(ValueError, r'Received: real_features.shape=\(5, 3\), '
                                r'generated_features.shape=\(5, 4\)'):
      kid.kernel_inception_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with self.assertRaisesRegex(ValueError, 'Received: num_subsets=0'):
      kid.kernel_inception_distance(np.zeros((5, 3)), np.zeros((5, 3)), num_subsets=0)
    with self.assertRaisesRegex(ValueError, r'Received: x.shape=\(1, 3\)'):
      kid.mmd2_polynomial(np.zeros((1, 3)), np.zeros((5, 3)))


if __name__ == '__main__':
  tf.test.main()
