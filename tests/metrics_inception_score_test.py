"""Known-answer tests for tfgan_anime.metrics.inception_score."""

from absl.testing import parameterized
import numpy as np
import scipy.special
import tensorflow as tf

from tfgan_anime.metrics import inception_score as is_lib


class InceptionScoreTest(tf.test.TestCase, parameterized.TestCase):

  def test_uniform_predictions_give_one(self):
    probs = np.full((100, 7), 1.0 / 7)
    self.assertAllClose(is_lib.inception_score(probs), (1.0, 0.0))

  @parameterized.parameters(2, 5, 1008)
  def test_one_hot_spread_evenly_gives_num_classes(self, num_classes):
    # Each of the 10 consecutive splits holds every class once.
    labels = np.tile(np.arange(num_classes), 10)
    probs = np.eye(num_classes)[labels]
    mean, std = is_lib.inception_score(probs, num_splits=10)
    self.assertAllClose(mean, num_classes, rtol=1e-9)
    self.assertAllClose(std, 0.0, atol=1e-9)

  def test_one_hot_all_same_class_gives_one(self):
    probs = np.zeros((20, 4))
    probs[:, 2] = 1.0
    self.assertAllClose(is_lib.inception_score(probs)[0], 1.0)

  def test_logits_match_probabilities(self):
    logits = np.random.default_rng(0).normal(scale=3.0, size=(50, 6))
    from_logits = is_lib.inception_score(logits, num_splits=5, from_logits=True)
    from_probs = is_lib.inception_score(scipy.special.softmax(logits, axis=1), num_splits=5)
    self.assertAllClose(from_logits, from_probs, rtol=1e-9)

  def test_confident_logits_stay_finite(self):
    logits = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    self.assertAllClose(is_lib.inception_score(logits, num_splits=1, from_logits=True)[0], 2.0)

  def test_hand_computed_two_samples(self):
    # p(y|x) rows (1, 0) and (0.5, 0.5): p(y) = (0.75, 0.25).
    # KL1 = log(1 / 0.75); KL2 = 0.5 log(0.5 / 0.75) + 0.5 log(0.5 / 0.25).
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    kl = [np.log(4 / 3), 0.5 * np.log(2 / 3) + 0.5 * np.log(2.0)]
    self.assertAllClose(is_lib.inception_score(probs, num_splits=1)[0], np.exp(np.mean(kl)))

  def test_bad_inputs_raise(self):
    with self.assertRaisesRegex(ValueError, r'Received: predictions.shape=\(4,\)'):
      is_lib.inception_score(np.ones(4))
    with self.assertRaisesRegex(ValueError, 'Received: num_splits=10'):
      is_lib.inception_score(np.full((5, 2), 0.5))
    with self.assertRaisesRegex(ValueError, 'from_logits=True'):
      is_lib.inception_score(np.ones((10, 2)))


if __name__ == '__main__':
  tf.test.main()
