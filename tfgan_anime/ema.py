"""An exponential moving average of the generator's weights (Karras et al. 2018, 2020).

Keras 3's `use_ema` averages only for `model.optimizer`, which a GAN with two optimisers does not
use, so the GAN keeps its own averaged copy: a clone of the generator whose trainable weights
follow

    w_avg <- w + beta * (w_avg - w)          (StyleGAN2-ADA's lerp, after every generator step)

and whose non-trainable weights (batch norm's moving statistics) are copied, not averaged:
averaging moving statistics of different weights would describe neither network.

beta comes either from a fixed decay, or from a half-life in images as StyleGAN2-ADA sets it:
beta = 0.5 ** (global_batch / ema_nimg), with ema_nimg = ema_kimg * 1000, optionally ramped up
as min(ema_nimg, images_seen * rampup) so that early, fast-changing weights are not kept long.
"""

import keras
import tensorflow as tf

# ema_nimg is floored at this, so that beta is 0 (copy the weights) when no image was seen yet.
_MIN_NIMG = 1e-8


def clone(generator):
  """A copy of `generator` with equal weights, to hold the average (call in the strategy scope)."""
  average = keras.models.clone_model(generator)
  average.set_weights(generator.get_weights())
  average.trainable = False
  return average


def beta(images_seen, global_batch, ema_kimg=0.0, rampup=0.0, decay=0.0):
  """The weight of the old average in this update, a float32 scalar in [0, 1).

  Args:
    images_seen: images the generator was trained on before this update (step * global batch).
    global_batch: images per generator step, over all replicas.
    ema_kimg: the half-life of a weight's contribution, in thousands of images; 0: use `decay`.
    rampup: StyleGAN2-ADA's ramp-up (0.05 there); 0: none.
    decay: a fixed beta, used when `ema_kimg` is 0.
  """
  if ema_kimg <= 0:
    return tf.constant(decay, tf.float32)
  nimg = tf.constant(ema_kimg * 1000.0, tf.float32)
  if rampup > 0:
    nimg = tf.minimum(nimg, tf.cast(images_seen, tf.float32) * rampup)
  nimg = tf.maximum(nimg, _MIN_NIMG)
  return tf.pow(0.5, tf.cast(global_batch, tf.float32) / nimg)


def update(average, model, beta_value):
  """Moves `average`'s weights towards `model`'s (see the module docstring).

  Works in a replica context under any tf.distribute strategy: every replica holds the same
  weights after the all-reduced update, so each mirrored copy is updated from its own replica's
  values, as Keras' optimisers update their slots.
  """
  if len(average.weights) != len(model.weights):
    raise ValueError(f'The average and the model differ. Received: {len(average.weights)} and '
                     f'{len(model.weights)} weights; accepted: a clone of the model')
  # The clone lists its weights in the model's order; the average itself is frozen (no
  # optimiser may train it), so which weights are averaged is read from the model.
  trainable = {id(w) for w in model.trainable_weights}
  pairs = [(a, w, id(w) in trainable) for a, w in zip(average.weights, model.weights)]
  values = [tf.identity(w.value) for _, w, _ in pairs]
  beta_value = tf.identity(beta_value)

  def apply(distribution, values, beta_value):
    for (avg, _, averaged), value in zip(pairs, values):
      fn = _lerp if averaged else _copy
      distribution.extended.update(avg.value, fn, args=(value, beta_value), group=False)

  tf.__internal__.distribute.interim.maybe_merge_call(
      apply, tf.distribute.get_strategy(), values, beta_value)


def _lerp(variable, value, beta_value):
  return variable.assign(value + tf.cast(beta_value, variable.dtype) * (variable - value))


def _copy(variable, value, beta_value):
  del beta_value  # Moving statistics are copied.
  return variable.assign(value)
