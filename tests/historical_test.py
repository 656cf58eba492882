"""Historical averaging: the running mean and its penalty against closed forms."""

import numpy as np
import tensorflow as tf

from tfgan_anime import historical


class HistoricalAverageTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.a = tf.Variable([0.0, 0.0])
    self.b = tf.Variable([[0.0]])
    self.history = historical.HistoricalAverage([self.a, self.b], weight=0.5)

  def test_no_penalty_before_the_first_update(self):
    self.a.assign([3.0, 4.0])
    self.assertAllClose(self.history.penalty([self.a, self.b]), 0.0)

  def test_after_k_updates_the_mean_and_term_are_the_closed_form(self):
    values = [([1.0, 2.0], 3.0), ([3.0, 0.0], 6.0), ([5.0, 4.0], 0.0), ([7.0, 2.0], 3.0)]
    for a, b in values:
      self.a.assign(a)
      self.b.assign([[b]])
      self.history.update([self.a, self.b])
    # mean of a: (4, 2); mean of b: 3; count 4.
    self.assertAllClose(self.history.means[0], [4.0, 2.0])
    self.assertAllClose(self.history.means[1], [[3.0]])
    self.assertEqual(int(self.history.count.numpy()), 4)
    self.a.assign([6.0, 0.0])
    self.b.assign([[1.0]])
    # 0.5 * ((6 - 4)^2 + (0 - 2)^2 + (1 - 3)^2) = 0.5 * 12 = 6.
    self.assertAllClose(self.history.penalty([self.a, self.b]), 6.0)

  def test_gradient_treats_the_mean_as_constant(self):
    self.a.assign([1.0, 1.0])
    self.history.update([self.a, self.b])
    self.a.assign([2.0, 4.0])
    with tf.GradientTape() as tape:
      penalty = self.history.penalty([self.a, self.b])
    # 2 * weight * (theta - mean) = (1, 3).
    self.assertAllClose(tape.gradient(penalty, self.a), [1.0, 3.0])

  def test_in_a_tf_function(self):
    @tf.function
    def step(value):
      self.a.assign(value)
      self.history.update([self.a, self.b])
      return self.history.penalty([self.a, self.b])

    for value in ([2.0, 0.0], [4.0, 0.0]):
      penalty = step(tf.constant(value))
    # mean (3, 0), theta (4, 0): 0.5 * 1.
    self.assertAllClose(penalty, 0.5)

  def test_checkpoint_round_trip(self):
    self.a.assign([2.0, 6.0])
    self.history.update([self.a, self.b])
    path = tf.train.Checkpoint(history=self.history).save(
        self.get_temp_dir() + '/ckpt')
    other = historical.HistoricalAverage([tf.Variable([0.0, 0.0]), tf.Variable([[0.0]])], 0.5)
    tf.train.Checkpoint(history=other).restore(path).assert_consumed()
    self.assertAllClose(other.means[0], [2.0, 6.0])
    self.assertEqual(int(other.count.numpy()), 1)

  def test_one_mean_per_variable_not_per_step(self):
    for _ in range(5):
      self.history.update([self.a, self.b])
    self.assertLen(self.history.weights, 3)  # count and two means.
    self.assertEqual(sum(int(np.prod(w.shape)) for w in self.history.weights), 1 + 2 + 1)

  def test_refuses_another_list(self):
    with self.assertRaisesRegex(ValueError, 'holds 2 means. Received: 1 variables'):
      self.history.penalty([self.a])
    with self.assertRaisesRegex(ValueError, 'weight=-1'):
      historical.HistoricalAverage([self.a], -1)


if __name__ == '__main__':
  tf.test.main()
