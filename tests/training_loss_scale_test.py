"""Loss scaling under MirroredStrategy: an overflow on any replica skips the step on all."""

import math

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import testing_utils

from tfgan_anime.training import builders


class LossScaleReplicasTest(tf.test.TestCase, parameterized.TestCase):

  def _step(self, bad_replica):
    """One SGD(0.5) step on w = [1, 2] from a 2-replica strategy; replica `bad_replica` (or
    none: -1) sends an Inf gradient. Returns (w after, the scale after)."""
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py)')
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    with strategy.scope():
      w = keras.Variable([1.0, 2.0])
      optimizer = builders.make_optimizer('rmsprop', 0.5, 0.5, 0.9, loss_scale=True)
      optimizer.inner_optimizer = keras.optimizers.SGD(0.5)
      optimizer.build([w])
    scale = float(optimizer.dynamic_scale.numpy())

    @tf.function
    def step():
      def replica_step():
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        # Scaled gradients, as scale_loss makes them: replica r's is scale * [r + 1, 1].
        grad = scale * tf.stack([tf.cast(replica, tf.float32) + 1.0, 1.0])
        grad = tf.where(tf.equal(replica, bad_replica), [math.inf, 1.0], grad)
        optimizer.apply_gradients([(grad, w)])
      strategy.run(replica_step)

    step()
    return w.numpy(), float(optimizer.dynamic_scale.numpy()) / scale

  @parameterized.parameters(0, 1)
  def test_an_overflow_on_either_replica_skips_the_step_on_both(self, bad_replica):
    if not testing_utils.rerun_in_fresh_process(self):
      return
    w, scale_change = self._step(bad_replica)
    self.assertAllEqual(w, [1.0, 2.0])
    self.assertEqual(scale_change, 0.5)

  def test_finite_gradients_are_summed_over_replicas_and_unscaled(self):
    if not testing_utils.rerun_in_fresh_process(self):
      return
    w, scale_change = self._step(-1)
    # The gradients sum over replicas: [1 + 2, 1 + 1]; w - 0.5 * that.
    self.assertAllClose(w, np.array([1.0, 2.0]) - 0.5 * np.array([3.0, 2.0]))
    self.assertEqual(scale_change, 1.0)


if __name__ == '__main__':
  tf.test.main()
