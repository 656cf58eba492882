"""The divergence guard: a NaN or Inf sends the run back to its last good checkpoint.

After every generator step the guard looks at the step's losses and at both networks' weights.
When one is not finite it restores the latest checkpoint (never a bad one: see checkpoints.py),
and stops this `fit`; the loop (loop.py) starts the stream again past the data that led to the blow-up,
as PaLM did for its loss spikes (Chowdhery et al. 2022, section 5.1): z is a function of the
step, so without new data a retry could repeat the same failure exactly. Optionally both
learning rates shrink at each rollback, and the factors compound: the k-th rollback leaves
lr * factor**k, even when each goes back to the same checkpoint. After `max_rollbacks` the run
stops with DivergenceError. The count and the cumulative factor are written at each rollback
(checkpoints.RunCheckpoints.record_rollback), so they hold across resumes.
"""

import math

import keras
import numpy as np
import tensorflow as tf


class DivergenceError(RuntimeError):
  """Training diverged and the rollbacks ran out; the message is one line."""


def nonfinite_logs(logs):
  """Names of the values in a Keras logs dict that are NaN or Inf."""
  bad = []
  for name, value in (logs or {}).items():
    array = np.asarray(value)
    if array.dtype.kind == 'f' and not np.all(np.isfinite(array)):
      bad.append(name)
  return bad


class DivergenceGuard(keras.callbacks.Callback):
  """Rolls back to the last good checkpoint on a non-finite loss or weight.

  Run it before the callbacks that save or draw, so they see the restored weights. After `fit`
  returns, `rollback_to` is (step, data position) to restart from, or `failure` is the message
  of a run that must stop.
  """

  def __init__(self, run_checkpoints, max_rollbacks, lr_factor=1.0, log=print):
    super().__init__()
    self.checkpoints = run_checkpoints
    self.max_rollbacks = max_rollbacks
    self.lr_factor = lr_factor
    self.log = log
    self.rollback_to = None
    self.failure = None

  def on_train_batch_end(self, batch, logs=None):
    bad = nonfinite_logs(logs)
    if not bad and not self.checkpoints.networks_finite():
      bad = ['a network weight']
    if not bad:
      return
    step = int(self.model.step.numpy())
    position = self.checkpoints.position_at(step)
    rollbacks = int(self.checkpoints.state.rollbacks.numpy())
    # Restored even when giving up, so that what is drawn and saved at the end is good.
    restored = self.checkpoints.restore()
    self.model.stop_training = True
    what = f'{", ".join(bad)} turned NaN or Inf at step {step}'
    if restored is None:
      self.failure = f'Training diverged: {what}, and there is no checkpoint to go back to.'
      return
    if rollbacks >= self.max_rollbacks:
      self.failure = (
          f'Training diverged: {what} after {rollbacks} rollbacks (--max_rollbacks='
          f'{self.max_rollbacks}); the last good checkpoint is step {restored} in '
          f'{self.checkpoints.directory}. Lower --g_lr/--d_lr, or allow more --max_rollbacks '
          f'with --rollback_lr_factor < 1.')
      return
    self.checkpoints.record_rollback(self.lr_factor)
    rates = ''
    if self.lr_factor != 1:
      g_rate, d_rate = self.model.learning_rates()
      rates = f'; learning rates now g {g_rate:.3g}, d {d_rate:.3g}'
    self.rollback_to = (restored, position)
    self.log(f'Divergence guard: {what}; rolled back to step {restored} (rollback '
             f'{rollbacks + 1} of {self.max_rollbacks}), skipping the data of steps '
             f'{restored + 1}-{step}{rates}.')


class InjectNaN(keras.callbacks.Callback):
  """Testing only: one generator weight becomes NaN just before generator step `at_step`.

  `times` times per process (once by default), so that a rollback past `at_step` then trains on
  normally. Tests pass it to `loop.train(..., extra_callbacks=[InjectNaN(step)])`, which runs it
  before the guard.
  """

  def __init__(self, at_step, times=1):
    super().__init__()
    self.at_step = at_step
    self.left = times

  @property
  def done(self):
    return self.left <= 0

  def on_train_batch_begin(self, batch, logs=None):
    if self.done or int(self.model.step.numpy()) + 1 != self.at_step:
      return
    variable = self.model.generator.trainable_variables[0]
    index = [[0] * len(variable.shape)]
    variable.assign(tf.tensor_scatter_nd_update(variable, index, [math.nan]))
    self.left -= 1
