"""Dynamic loss scaling whose replicas agree on skipping a step.

Keras 3's `LossScaleOptimizer` decides whether a step's gradients are finite from replica 0's
local gradients, before the all-reduce (keras/src/optimizers/loss_scale_optimizer.py,
`_handle_cross_replica` takes `experimental_local_results(...)[0]`). Under MirroredStrategy an
overflow on another replica then goes unseen: the all-reduced gradient is Inf, the weights
become NaN and the scale stays. Here the replicas' verdicts are all-reduced first (a count of
replicas with a non-finite gradient: tf.distribute reduces by SUM or MEAN, not MIN), so all of
them skip the step and halve the scale together when any one overflowed.
"""

import keras
import tensorflow as tf


class LossScaleOptimizer(keras.optimizers.LossScaleOptimizer):
  """keras.optimizers.LossScaleOptimizer whose finiteness check spans every replica."""

  def check_finite(self, grads):
    finite = super().check_finite(grads)
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
      return finite
    # float32: what every cross-device all-reduce (NCCL included) carries.
    overflowed = ctx.all_reduce(tf.distribute.ReduceOp.SUM,
                                tf.cast(tf.logical_not(finite), tf.float32))
    return tf.equal(overflowed, 0.0)
