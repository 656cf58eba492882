"""Known-answer tests for tfgan_anime.metrics.fid."""

from unittest import mock

from absl.testing import parameterized
import numpy as np
import scipy.stats
import tensorflow as tf

from tfgan_anime.metrics import fid


def _random_covariance(rng, dim):
  a = rng.normal(size=(dim, dim))
  return a @ a.T / dim + 0.1 * np.eye(dim)


class FrechetDistanceTest(tf.test.TestCase, parameterized.TestCase):

  def test_identical_features_give_zero(self):
    features = np.random.default_rng(0).normal(size=(500, 16))
    mu, sigma = fid.feature_statistics(features)
    value = fid.fid_from_features(features, features)
    # Relative to the scale of the statistics (Tr sigma ~ 16).
    self.assertLess(abs(value), 1e-6 * np.trace(sigma))

  @parameterized.named_parameters(
      # sqrt a = (1, 2, 3), sqrt b = (2, 1, 0.5): sum (sqrt a - sqrt b)^2 = 1 + 1 + 6.25.
      ('same_mean', np.zeros(3), np.zeros(3), 8.25),
      # ||mu1 - mu2||^2 = 1 + 9 + 0 on top.
      ('mean_shift', np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 0.5]), 18.25),
  )
  def test_diagonal_covariances_match_closed_form(self, mu1, mu2, golden):
    # Commuting (diagonal) covariances: Tr(s1 + s2 - 2 sqrt(s1 s2)) = sum (sqrt a - sqrt b)^2.
    a = np.array([1.0, 4.0, 9.0])
    b = np.array([4.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2)**2) + np.sum((np.sqrt(a) - np.sqrt(b))**2)
    self.assertAllClose(expected, golden, rtol=1e-12)
    value = fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    self.assertAllClose(value, golden, rtol=1e-9)

  def test_full_covariances_match_symmetric_form(self):
    # Tr((s1 s2)^1/2) = Tr((s1^1/2 s2 s1^1/2)^1/2): the eigenvalues of the symmetric form are the
    # squares of those of the root, so an eigendecomposition gives an independent answer.
    rng = np.random.default_rng(1)
    s1, s2 = _random_covariance(rng, 5), _random_covariance(rng, 5)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    w, v = np.linalg.eigh(s1)
    s1_root = v @ np.diag(np.sqrt(w)) @ v.T
    inner = np.linalg.eigvalsh(s1_root @ s2 @ s1_root)
    expected = (np.sum((mu1 - mu2)**2) + np.trace(s1) + np.trace(s2) -
                2 * np.sum(np.sqrt(np.clip(inner, 0, None))))
    self.assertAllClose(fid.frechet_distance(mu1, s1, mu2, s2), expected, rtol=1e-8)

  def test_1d_is_squared_wasserstein_between_gaussians(self):
    # In 1-D: (m1 - m2)^2 + (s1 - s2)^2 with s the standard deviations.
    value = fid.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]])
    self.assertAllClose(value, 4.0 + 1.0)

  def test_samples_from_known_gaussians_approach_closed_form(self):
    rng = np.random.default_rng(2)
    x = rng.normal(loc=0.0, scale=1.0, size=(20000, 2))
    y = rng.normal(loc=[1.0, 0.0], scale=[2.0, 1.0], size=(20000, 2))
    # ||mu||^2 = 1, covariance term (1 - 2)^2 + 0 = 1.
    self.assertAllClose(fid.fid_from_features(x, y), 2.0, atol=0.1)

  def test_singular_covariances_match_symmetric_form(self):
    # Fewer samples than dimensions: both covariances have rank <= 4 in 32-d, so sigma1 sigma2 is
    # singular. The answer is still the closed form, computed here through the symmetric
    # Tr((s1^1/2 s2 s1^1/2)^1/2) with eigendecompositions (no sqrtm).
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 32))
    y = rng.normal(size=(5, 32)) + 1.0
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    w, v = np.linalg.eigh(s1)
    s1_root = v @ np.diag(np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(s1_root @ s2 @ s1_root)
    expected = (np.sum((mu1 - mu2)**2) + np.trace(s1) + np.trace(s2) -
                2 * np.sum(np.sqrt(np.clip(inner, 0, None))))
    # They agree to ~1e-8 (102.119...); the tolerance leaves room for round-off in either root.
    self.assertAllClose(fid.fid_from_features(x, y), expected, rtol=1e-6)

  def test_exactly_singular_diagonal_covariances(self):
    a = np.diag([1.0, 0.0, 4.0])
    b = np.diag([0.0, 1.0, 4.0])
    # sum (sqrt a - sqrt b)^2 = 1 + 1 + 0.
    self.assertAllClose(fid.frechet_distance(np.zeros(3), a, np.zeros(3), b), 2.0, atol=1e-4)

  def test_non_finite_root_is_retried_with_offset(self):
    real_sqrtm = fid.scipy.linalg.sqrtm
    calls = []

    def sqrtm_failing_once(a):
      calls.append(a)
      if len(calls) == 1:
        return np.full_like(a, np.nan)
      return real_sqrtm(a)

    a, b = np.diag([1.0, 4.0]), np.diag([4.0, 1.0])
    with mock.patch.object(fid.scipy.linalg, 'sqrtm', sqrtm_failing_once):
      value = fid.frechet_distance(np.zeros(2), a, np.zeros(2), b, eps=1e-6)
    self.assertLen(calls, 2)
    self.assertAllClose(calls[1], (a + 1e-6 * np.eye(2)) @ (b + 1e-6 * np.eye(2)))
    self.assertAllClose(value, 2.0, atol=1e-5)

  def test_symmetric_in_its_arguments(self):
    rng = np.random.default_rng(4)
    s1, s2 = _random_covariance(rng, 4), _random_covariance(rng, 4)
    mu1, mu2 = rng.normal(size=4), rng.normal(size=4)
    self.assertAllClose(
        fid.frechet_distance(mu1, s1, mu2, s2), fid.frechet_distance(mu2, s2, mu1, s1))

  def test_not_positive_semi_definite_raises(self):
    bad = np.array([[1.0, 0.0], [0.0, -1.0]])
    with self.assertRaisesRegex(ValueError, 'imaginary'):
      fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), bad)

  def test_mismatched_shapes_raise(self):
    with self.assertRaisesRegex(ValueError, r'sigma1.*Received: sigma1.shape=\(2, 2\)'):
      fid.frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with self.assertRaisesRegex(ValueError, 'Received: mu1.shape'):
      fid.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))

  def test_feature_statistics_shapes_and_errors(self):
    mu, sigma = fid.feature_statistics(np.arange(12.0).reshape(4, 3))
    self.assertEqual(mu.shape, (3,))
    self.assertEqual(sigma.shape, (3, 3))
    self.assertAllClose(sigma, np.cov(np.arange(12.0).reshape(4, 3), rowvar=False))
    with self.assertRaisesRegex(ValueError, r'Received: features.shape=\(1, 3\)'):
      fid.feature_statistics(np.zeros((1, 3)))
    with self.assertRaisesRegex(ValueError, 'non-finite'):
      fid.feature_statistics(np.array([[0.0, np.nan], [1.0, 2.0]]))

  def test_one_dimensional_statistics_round_trip(self):
    # np.cov of one feature is a 0-d array; the statistics still come out [1] and [1, 1].
    x = scipy.stats.norm.rvs(size=(100, 1), random_state=5)
    mu, sigma = fid.feature_statistics(x)
    self.assertEqual(sigma.shape, (1, 1))
    self.assertAllClose(fid.frechet_distance(mu, sigma, mu, sigma), 0.0, atol=1e-12)


if __name__ == '__main__':
  tf.test.main()
