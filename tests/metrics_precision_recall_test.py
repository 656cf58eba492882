"""Known-answer tests for tfgan_anime.metrics.precision_recall."""

from absl.testing import parameterized
import numpy as np
import scipy.spatial.distance
import tensorflow as tf

from tfgan_anime.metrics import precision_recall as pr


class PrecisionRecallTest(tf.test.TestCase, parameterized.TestCase):

  def test_identical_sets_give_one_one(self):
    features = np.random.default_rng(0).normal(size=(200, 8))
    self.assertEqual(pr.precision_recall(features, features.copy()), (1.0, 1.0))

  def test_disjoint_far_sets_give_zero_zero(self):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(100, 8))
    generated = rng.normal(size=(100, 8)) + 100.0
    self.assertEqual(pr.precision_recall(real, generated), (0.0, 0.0))

  def test_mode_dropping_lowers_recall_not_precision(self):
    # Real: two clusters; generated: only the first one.
    rng = np.random.default_rng(2)
    real = np.concatenate([rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 50.0])
    generated = rng.normal(size=(100, 2))
    precision, recall = pr.precision_recall(real, generated)
    self.assertGreater(precision, 0.9)
    self.assertAllClose(recall, 0.5, atol=0.05)

  def test_hand_computed_line(self):
    # Real points 0, 1, 2, 3 with k = 1: every radius is 1. Generated 0.5 is inside, 10 is not.
    # The two generated points are each other's nearest neighbour (radius 9.5), which covers all
    # four real points.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    generated = np.array([[0.5], [10.0]])
    self.assertAllClose(pr.knn_radii(real, k=1), [1.0, 1.0, 1.0, 1.0])
    self.assertEqual(pr.precision_recall(real, generated, k=1), (0.5, 1.0))

  @parameterized.parameters(1, 3, 5)
  def test_knn_radii_match_brute_force(self, k):
    features = np.random.default_rng(3).normal(size=(60, 5)).astype(np.float32)
    d = scipy.spatial.distance.cdist(features, features, 'sqeuclidean')
    expected = np.sort(d, axis=1)[:, k]
    self.assertAllClose(pr.knn_radii(features, k=k, batch_size=7), expected, rtol=1e-4)

  def test_batch_size_does_not_change_the_answer(self):
    rng = np.random.default_rng(4)
    real, generated = rng.normal(size=(300, 6)), rng.normal(size=(250, 6)) * 1.3 + 0.2
    self.assertEqual(
        pr.precision_recall(real, generated, batch_size=17),
        pr.precision_recall(real, generated, batch_size=1000))

  def test_bad_inputs_raise(self):
    with self.assertRaisesRegex(ValueError, r'Received: real_features.shape=\(5, 3\), '
                                r'generated_features.shape=\(5, 2\)'):
      pr.precision_recall(np.zeros((5, 3)), np.zeros((5, 2)))
    with self.assertRaisesRegex(ValueError, r'Received: k=3'):
      pr.precision_recall(np.zeros((3, 2)), np.zeros((5, 2)))
    with self.assertRaisesRegex(ValueError, r'Received: batch_size=0'):
      pr.precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), batch_size=0)


if __name__ == '__main__':
  tf.test.main()
