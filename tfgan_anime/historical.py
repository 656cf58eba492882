"""Historical averaging (Salimans et al. 2016, section 3.3): lambda ||theta - mean of past theta||^2.

Each network's loss gets the term lambda * sum_i ||theta_i - mean_i||^2, mean_i the running mean
of variable theta_i over the values it held after each update so far. The mean is kept as
non-trainable variables beside the network (one per trainable variable, its shape), updated as

    mean_t = mean_{t-1} + (theta_t - mean_{t-1}) / t,

not as a growing list of past values, so memory is one copy of the network and a checkpoint
holds the average. The mean enters the penalty as a constant (stop_gradient): the gradient
of the term is 2 lambda (theta - mean).
"""

import keras
import tensorflow as tf


class HistoricalAverage(keras.layers.Layer):
  """The running mean of `variables` (a network's trainable variables) and its penalty.

  A Keras layer holding only non-trainable weights, so a `tf.train.Checkpoint` that tracks it
  saves and restores the mean and the count; create it inside the strategy scope, where its
  variables are mirrored (updated with the first replica's values, which every replica holds
  after an all-reduced update).

  gan.py holds one per network (d_history over critic.trainable_variables, g_history over
  generator.trainable_variables) and, in each update of that network:
    inside the tape:        loss += history.penalty(network.trainable_variables)
    after apply_gradients:  history.update(network.trainable_variables)
  Before the first update the count is 0 and the penalty is 0.

  Args:
    variables: the variables to average, in a fixed order (the same list at every call).
    weight: lambda, the penalty's coefficient.
  """

  def __init__(self, variables, weight, **kwargs):
    super().__init__(trainable=False, **kwargs)
    if not weight >= 0:
      raise ValueError(f'weight must be >= 0. Received: weight={weight!r}')
    self.weight = float(weight)
    self.count = self.add_weight(name='count', shape=(), dtype='int64', initializer='zeros',
                                 trainable=False, aggregation='only_first_replica')
    # One attribute per mean: tf.train.Checkpoint follows attributes, not Keras' tracked lists.
    self._num_means = len(variables)
    for i, v in enumerate(variables):
      setattr(self, f'mean_{i}', self.add_weight(
          name=f'mean_{i}', shape=tuple(v.shape), dtype='float32', initializer='zeros',
          trainable=False, aggregation='only_first_replica'))
    self.built = True

  @property
  def means(self):
    """The running means, in the order of the variables it was built on."""
    return [getattr(self, f'mean_{i}') for i in range(self._num_means)]

  def _check(self, variables):
    if len(variables) != len(self.means):
      raise ValueError(f'HistoricalAverage holds {len(self.means)} means. Received: '
                       f'{len(variables)} variables; accepted: the list it was built on')

  def penalty(self, variables):
    """weight * sum_i ||theta_i - stop_gradient(mean_i)||^2, a float32 scalar (0 before any
    update)."""
    self._check(variables)
    total = tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32) -
                                              tf.stop_gradient(mean.value)))
                      for v, mean in zip(variables, self.means)])
    started = tf.cast(self.count.value > 0, tf.float32)
    return self.weight * started * total

  def update(self, variables):
    """count += 1; mean += (theta - mean) / count, for every variable."""
    self._check(variables)
    count = self.count.assign_add(1)
    rate = 1.0 / tf.cast(count, tf.float32)
    for v, mean in zip(variables, self.means):
      mean.assign(mean.value + (tf.cast(v, tf.float32) - mean.value) * rate)
