"""What happens between training steps: sample grids, TensorBoard, the step limit.

Checkpoints live in checkpoints.py, the divergence guard in guard.py, stopping on a signal in
signals.py.

Every callback counts in generator steps (`gan.step`, saved in the checkpoint), not in Keras'
epoch and batch counters, so that a resumed run names its grids and logs its scalars exactly as
an uninterrupted run would.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import images as images_lib
from tfgan_anime import toy_plots
from tfgan_anime.metrics import toy as toy_metrics


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

  def render(self):
    """The uint8 [H, W, 3] picture of the generator now."""
    images = images_lib.to_uint8(self.model.generator(self.z, training=False)).numpy()
    return images_lib.make_grid(images)

  def write(self, name):
    step = _step(self.model)
    if step == self._last_step:
      return
    self._last_step = step
    image = self.render()
    path = os.path.join(self.directory, name)
    images_lib.save_png(image, path)
    images_lib.save_png(image, os.path.join(self.directory, 'latest.png'))
    self.written.append(path)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.image('samples', image[None], step=step)

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


# --- Toy data and evaluation during training (issue 3) -------------------------------------------


class ToyPlots(SampleGrid):
  """Toy runs' counterpart of SampleGrid: samples over the data and the critic's value surface.

  Writes `<directory>/epoch_EEEE.png` (a partial last epoch: `step_SSSSSSS.png`) and
  `latest.png`, two panels drawn by `toy_plots` (left: real points grey, generated orange; right:
  the critic D(x) on a `cells` x `cells` grid over `box`, with contours), and a TensorBoard image.

  Args:
    z: fixed latent batch [N, z_dim] for the generated points.
    real: real points [M, 2] drawn once for the background.
    box: (x_min, x_max, y_min, y_max) of the plots.
  """

  def __init__(self, z, real, box, directory, steps_per_epoch, writer=None, cells=96):
    super().__init__(z, directory, steps_per_epoch, writer)
    self.real = np.asarray(real)
    self.box = box
    self.grid = tf.constant(toy_plots.grid_points(box, cells))
    self.cells = cells

  def render(self):
    fake = self.model.generator(self.z, training=False).numpy()
    values = self.model.critic(self.grid, training=False).numpy().reshape(self.cells, self.cells)
    return toy_plots.side_by_side(toy_plots.samples_panel(self.real, fake, self.box),
                                  toy_plots.critic_panel(values, fake, self.box))


class ToyMetricsLogger(keras.callbacks.Callback):
  """Mode coverage of a ring8 / grid25 run at each epoch end and at the end of training.

  Generates from a fixed z (2,500 points, as PacGAN and VEEGAN count) and logs
  `toy/high_quality_fraction`, `toy/modes_captured` and `toy/reverse_kl` (see metrics/toy.py).
  `latest` holds the last ToyMetrics; `on_train_end` prints them.

  Args:
    z: fixed latent batch [N, z_dim].
    centres, sigma: the mixture's modes [M, 2] and their standard deviation.
  """

  def __init__(self, z, centres, sigma, steps_per_epoch, writer=None, name='toy'):
    super().__init__()
    self.z = tf.constant(z, tf.float32)
    self.centres = centres
    self.sigma = sigma
    self.steps_per_epoch = steps_per_epoch
    self.writer = writer
    self.name = name
    self.latest = None
    self._last_step = None

  def measure(self):
    step = _step(self.model)
    if step == self._last_step:
      return self.latest
    self._last_step = step
    fake = self.model.generator(self.z, training=False).numpy()
    self.latest = toy_metrics.toy_metrics(fake, self.centres, self.sigma)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.scalar('toy/high_quality_fraction', self.latest.high_quality_fraction, step)
        tf.summary.scalar('toy/modes_captured', self.latest.modes_captured, step)
        if np.isfinite(self.latest.reverse_kl):
          tf.summary.scalar('toy/reverse_kl', self.latest.reverse_kl, step)
    return self.latest

  def on_train_batch_end(self, batch, logs=None):
    if _step(self.model) % self.steps_per_epoch == 0:
      self.measure()

  def on_train_end(self, logs=None):
    m = self.measure()
    print(f'{self.name} at step {_step(self.model)} on {len(self.z)} samples: '
          f'{m.modes_captured}/{len(self.centres)} modes, '
          f'{100 * m.high_quality_fraction:.1f}% high quality, '
          f'reverse KL {m.reverse_kl:.3f}', flush=True)


class EvaluationCallback(keras.callbacks.Callback):
  """Evaluates a metric every N epochs and at the end; keeps the best checkpoint by it.

  The metric is computed by `evaluate_fn(generator) -> float` (lower is better, as SWD and KID
  are); this callback only schedules it, logs it to TensorBoard as `eval/<metric_name>` (and
  `eval/best_<metric_name>`), and saves a checkpoint through `best_manager` (a separate
  `tf.train.CheckpointManager`, max_to_keep=1, under `<model_dir>/best`) whenever the value
  improves. The best value and its step are kept in `<best directory>/best.json`, so a resumed
  run compares against the best of the whole run, not only of its own part.
  """

  def __init__(self, evaluate_fn, metric_name, best_manager, steps_per_epoch, every_epochs,
               writer=None):
    super().__init__()
    self.evaluate_fn = evaluate_fn
    self.metric_name = metric_name
    self.best_manager = best_manager
    self.every_steps = steps_per_epoch * every_epochs
    self.writer = writer
    self.history = []  # (step, value)
    self._last_step = None
    self.best = read_best(best_manager.directory)

  def evaluate(self):
    step = _step(self.model)
    if step == self._last_step:
      return
    self._last_step = step
    value = float(self.evaluate_fn(self.model.generator))
    self.history.append((step, value))
    improved = np.isfinite(value) and (self.best is None or value < self.best['value'])
    if improved:
      self.best_manager.save(checkpoint_number=step)
      self.best = {'metric': self.metric_name, 'value': value, 'step': step}
      _write_json(os.path.join(self.best_manager.directory, 'best.json'), self.best)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.scalar(f'eval/{self.metric_name}', value, step=step)
        if self.best is not None:
          tf.summary.scalar(f'eval/best_{self.metric_name}', self.best['value'], step=step)
    if improved:
      note = ' (best so far)'
    elif self.best is None:
      note = ' (not finite: not kept)'
    else:
      note = f' (best {self.best["value"]:.5g} at step {self.best["step"]})'
    print(f'\nStep {step}: {self.metric_name} {value:.5g}{note}', flush=True)

  def on_train_batch_end(self, batch, logs=None):
    if _step(self.model) % self.every_steps == 0:
      self.evaluate()

  def on_train_end(self, logs=None):
    self.evaluate()


def read_best(directory):
  """The {'metric', 'value', 'step'} of `<directory>/best.json`, or None when there is none."""
  path = os.path.join(directory, 'best.json')
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)


def _write_json(path, value):
  tmp = path + '.tmp'
  with open(tmp, 'w') as f:
    json.dump(value, f, indent=2, sort_keys=True)
  os.replace(tmp, path)
