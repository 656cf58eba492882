"""What happens between training steps: sample grids, TensorBoard, the step limit.

Checkpoints live in checkpoints.py, the divergence guard in guard.py, stopping on a signal in
signals.py.

Every callback counts in generator steps (`gan.step`, saved in the checkpoint), not in Keras'
epoch and batch counters, so that a resumed run names its grids and logs its scalars exactly as
an uninterrupted run would.
"""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import images as images_lib


def _step(model):
  return int(model.step.numpy())


class StepLimit(keras.callbacks.Callback):
  """Stops training once the generator has taken `total_steps` steps."""

  def __init__(self, total_steps):
    super().__init__()
    self.total_steps = total_steps

  def on_train_batch_end(self, batch, logs=None):
    if _step(self.model) >= self.total_steps:
      self.model.stop_training = True


class SampleGrid(keras.callbacks.Callback):
  """Writes a grid of generated images from one fixed z at each epoch boundary and at the end.

  Files: `<directory>/epoch_EEEE.png` after each epoch (a partial last epoch ends in
  `step_SSSSSSS.png`) and `<directory>/latest.png`; also a TensorBoard image when a writer is set.
  """

  def __init__(self, z, directory, steps_per_epoch, writer=None):
    super().__init__()
    self.z = tf.constant(z, tf.float32)
    self.directory = directory
    self.steps_per_epoch = steps_per_epoch
    self.writer = writer
    self.written = []
    self._last_step = None

  def write(self, name):
    step = _step(self.model)
    if step == self._last_step:
      return
    self._last_step = step
    images = images_lib.to_uint8(self.model.generator(self.z, training=False)).numpy()
    grid = images_lib.make_grid(images)
    path = os.path.join(self.directory, name)
    images_lib.save_png(grid, path)
    images_lib.save_png(grid, os.path.join(self.directory, 'latest.png'))
    self.written.append(path)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.image('samples', grid[None], step=step)

  def on_train_batch_end(self, batch, logs=None):
    step = _step(self.model)
    if step % self.steps_per_epoch == 0:
      self.write(f'epoch_{step // self.steps_per_epoch:04d}.png')

  def on_train_end(self, logs=None):
    self.write(f'step_{_step(self.model):07d}.png')


class ScalarLogger(keras.callbacks.Callback):
  """Writes the step's metrics (Keras' epoch-to-date means) to TensorBoard every N steps."""

  def __init__(self, writer, every_steps):
    super().__init__()
    self.writer = writer
    self.every_steps = every_steps

  def on_train_batch_end(self, batch, logs=None):
    step = _step(self.model)
    if logs and step % self.every_steps == 0:
      with self.writer.as_default():
        for name, value in logs.items():
          tf.summary.scalar(f'train/{name}', float(np.asarray(value)), step=step)
