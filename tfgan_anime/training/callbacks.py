"""What happens between training steps: sample grids, TensorBoard, the step limit.

Checkpoints live in checkpoints.py, the divergence guard in guard.py, stopping on a signal in
signals.py.

Every callback counts in generator steps (`gan.step`, saved in the checkpoint), not in Keras'
epoch and batch counters, so that a resumed run names its grids and logs its scalars exactly as
an uninterrupted run would. `StepCallback` owns that step and the "every N steps, at each epoch
boundary, at the end" schedule; the callbacks here and checkpoints.Checkpointer build on it.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import files
from tfgan_anime import images as images_lib
from tfgan_anime import latent
from tfgan_anime import tag_grid as tag_grid_lib
from tfgan_anime import toy_plots
from tfgan_anime.evaluation import protocol
from tfgan_anime.metrics import diversity as diversity_lib
from tfgan_anime.metrics import toy as toy_metrics


class StepCallback(keras.callbacks.Callback):
  """A callback that acts on generator steps: every N steps, at epoch boundaries, at the end.

  This class owns the step and the schedule; a subclass only says what to do, in
  `on_step(step, logs, at_end)`. It acts at most once per step in a row: a step that is both an
  epoch boundary and the end of training is acted on once, at the boundary.

  The step is read from `model.step` once when `fit` begins, then counted (one generator step per
  batch), so no callback reads a variable from the device on every batch. It is read again when
  training was stopped during the batch, because the divergence guard (earlier in the list)
  stops it after restoring an earlier checkpoint, and with it an earlier step; and at the end.

  Args:
    every_steps: act when step % every_steps == 0 (0: not by count).
    steps_per_epoch: act at each epoch boundary, step % steps_per_epoch == 0 (0: not by epoch).
      Epochs are counted in generator steps, not by Keras' epochs, which a resumed run starts
      mid-epoch.
    at_end: act when `fit` ends, at the step it ended at.
  """

  def __init__(self, every_steps=0, steps_per_epoch=0, at_end=False):
    super().__init__()
    self.every_steps = every_steps
    self.steps_per_epoch = steps_per_epoch
    self.at_end = at_end
    self.step = None  # The generator steps done, once `fit` has begun.
    self._acted_at = None

  def _read_step(self):
    self.step = int(self.model.step.numpy())

  def due(self, step):
    """True when `step` is a multiple of every_steps or an epoch boundary."""
    return bool((self.every_steps and step % self.every_steps == 0) or
                (self.steps_per_epoch and step % self.steps_per_epoch == 0))

  def on_train_begin(self, logs=None):
    self._read_step()
    self._acted_at = None

  def on_train_batch_end(self, batch, logs=None):
    self.step += 1
    # Keras sets stop_training when fit begins; a model driven by hand may not have it.
    if getattr(self.model, 'stop_training', False):
      self._read_step()
    self.after_step(self.step, logs)

  def on_train_end(self, logs=None):
    self._read_step()
    if self.at_end:
      self._act(self.step, logs, at_end=True)

  def after_step(self, step, logs):
    """Called after every generator step; acts when the step is due."""
    if self.due(step):
      self._act(step, logs, at_end=False)

  def _act(self, step, logs, at_end):
    if step == self._acted_at:
      return
    self._acted_at = step
    self.on_step(step, logs, at_end)

  def on_step(self, step, logs, at_end):
    """What to do at a due step (at_end: the end of `fit`). logs: Keras' logs of the batch."""
    raise NotImplementedError


class StepLimit(StepCallback):
  """Stops training once the generator has taken `total_steps` steps."""

  def __init__(self, total_steps):
    super().__init__()
    self.total_steps = total_steps

  def after_step(self, step, logs):
    if step >= self.total_steps:
      self.model.stop_training = True


class SampleGrid(StepCallback):
  """Writes a grid of generated images from one fixed z at each epoch boundary and at the end.

  Files: `<directory>/epoch_EEEE.png` after each epoch (a partial last epoch ends in
  `step_SSSSSSS.png`) and `<directory>/latest.png`; also a TensorBoard image when a writer is set.

  Args:
    z: the fixed latent batch, float32 [N, z_dim] (latent.sample).
    scale: integer upscale of the grid (nearest; --grid_scale); 0: `images.grid_scale`'s
      automatic one, each sample at least 64 px wide.
  """

  # The TensorBoard image's name.
  summary_name = 'samples'

  def __init__(self, z, directory, steps_per_epoch, writer=None, scale=0):
    super().__init__(steps_per_epoch=steps_per_epoch, at_end=True)
    images_lib.grid_scale(scale, 1)  # Checks it now, not at the first epoch's end.
    self.z = tf.constant(z, tf.float32)
    self.directory = directory
    self.writer = writer
    self.scale = scale
    self.written = []

  def render(self):
    """The uint8 [H, W, C] picture of the generator now, upscaled by `scale`."""
    images = images_lib.to_uint8(self.model.sampler(self.z, training=False)).numpy()
    factor = images_lib.grid_scale(self.scale, images.shape[1])
    return images_lib.upscale(images_lib.make_grid(images), factor)

  def on_step(self, step, logs, at_end):
    if at_end:
      name = f'step_{step:07d}.png'
    else:
      name = f'epoch_{step // self.steps_per_epoch:04d}.png'
    image = self.render()
    path = os.path.join(self.directory, name)
    images_lib.save_png(image, path)
    images_lib.save_png(image, os.path.join(self.directory, 'latest.png'))
    self.written.append(path)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.image(self.summary_name, image[None], step=step)


class TagGrid(SampleGrid):
  """A tag-conditional run's grid of every tag combination, beside SampleGrid's.

  At each epoch boundary and at the end it renders `tag_grid.render` of `model.sampler`
  (called as sampler([z, labels], training=False)): rows are the first group's values, columns
  the second's, a fixed z per row (from `seed`), with captions; the same picture as
  `generate --tag_grid` of an export of these weights. Files and schedule are SampleGrid's
  (`<directory>/epoch_EEEE.png`, `step_SSSSSSS.png` at a partial last epoch, `latest.png`), and
  the TensorBoard image is `tag_grid`.

  Args:
    conditions: the vocabulary dict (`data/conditions.vocabulary_json`).
    z_dim: the generator's latent size.
    seed: seed of the grid's z (latent.sample), e.g. the run's seed.
    scale: each cell's integer upscale; 0: at least 64 px wide (`images.grid_scale`).
  """

  summary_name = 'tag_grid'

  def __init__(self, conditions, z_dim, directory, steps_per_epoch, writer=None, scale=0, seed=0):
    requests = tag_grid_lib.requests(conditions)  # Checks the vocabulary now.
    # The rows' z, as tag_grid.render draws them from the seed.
    super().__init__(latent.sample(requests.num_z, z_dim, seed), directory, steps_per_epoch,
                     writer, scale)
    self.conditions = conditions
    self.z_dim = z_dim
    self.seed = seed

  def _generate(self, z, labels):
    images = self.model.sampler([tf.constant(z, tf.float32), tf.constant(labels, tf.int32)],
                                training=False)
    return images_lib.to_uint8(images).numpy()

  def render(self):
    return tag_grid_lib.render(self._generate, self.conditions, self.z_dim, self.seed, self.scale)


class ScalarLogger(StepCallback):
  """Writes the step's metrics to TensorBoard every N steps.

  The values are the step's own (gan.GAN.train_step), not Keras' epoch-to-date means, so that
  every point is a function of the step alone and a resumed run's curves equal an uninterrupted
  run's. Each write is flushed (the writer would wait up to 2 minutes), and this runs before the
  Checkpointer: a run killed after a checkpoint has every point up to it on disk, and its resume
  logs the rest.
  """

  def __init__(self, writer, every_steps):
    super().__init__(every_steps=every_steps)
    self.writer = writer

  def on_step(self, step, logs, at_end):
    if logs:
      with self.writer.as_default():
        for name, value in logs.items():
          tf.summary.scalar(f'train/{name}', float(np.asarray(value)), step=step)
      self.writer.flush()


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
    fake = self.model.sampler(self.z, training=False).numpy()
    values = self.model.critic(self.grid, training=False).numpy().reshape(self.cells, self.cells)
    return toy_plots.side_by_side(toy_plots.samples_panel(self.real, fake, self.box),
                                  toy_plots.critic_panel(values, fake, self.box))


class ToyMetricsLogger(StepCallback):
  """Mode coverage of a ring8 / grid25 run at each epoch end and at the end of training.

  Generates from a fixed z (2,500 points, as PacGAN and VEEGAN count) and logs
  `toy/high_quality_fraction`, `toy/modes_captured` and `toy/reverse_kl` (see metrics/toy.py).
  `latest` holds the last ToyMetrics; `on_train_end` prints them.

  Args:
    z: fixed latent batch [N, z_dim].
    centres, sigma: the mixture's modes [M, 2] and their standard deviation.
  """

  def __init__(self, z, centres, sigma, steps_per_epoch, writer=None, name='toy'):
    super().__init__(steps_per_epoch=steps_per_epoch, at_end=True)
    self.z = tf.constant(z, tf.float32)
    self.centres = centres
    self.sigma = sigma
    self.writer = writer
    self.name = name
    self.latest = None

  def on_step(self, step, logs, at_end):
    fake = self.model.sampler(self.z, training=False).numpy()
    self.latest = toy_metrics.toy_metrics(fake, self.centres, self.sigma)
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.scalar('toy/high_quality_fraction', self.latest.high_quality_fraction, step)
        tf.summary.scalar('toy/modes_captured', self.latest.modes_captured, step)
        if np.isfinite(self.latest.reverse_kl):
          tf.summary.scalar('toy/reverse_kl', self.latest.reverse_kl, step)

  def on_train_end(self, logs=None):
    super().on_train_end(logs)
    m = self.latest
    print(f'{self.name} at step {self.step} on {len(self.z)} samples: '
          f'{m.modes_captured}/{len(self.centres)} modes, '
          f'{100 * m.high_quality_fraction:.1f}% high quality, '
          f'reverse KL {m.reverse_kl:.3f}', flush=True)


class EvaluationCallback(StepCallback):
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
    super().__init__(every_steps=steps_per_epoch * every_epochs, at_end=True)
    self.evaluate_fn = evaluate_fn
    self.metric_name = metric_name
    self.best_manager = best_manager
    self.writer = writer
    self.history = []  # (step, value)
    self.best = read_best(best_manager.directory)

  def on_step(self, step, logs, at_end):
    value = float(self.evaluate_fn(self.model.sampler))
    self.history.append((step, value))
    improved = np.isfinite(value) and (self.best is None or value < self.best['value'])
    if improved:
      self.best_manager.save(checkpoint_number=step)
      self.best = {'metric': self.metric_name, 'value': value, 'step': step}
      files.write_json(os.path.join(self.best_manager.directory, 'best.json'), self.best)
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


class DiversityWatch(StepCallback):
  """The mode-collapse watch: the diversity of a fixed batch of samples every N epochs.

  At every `every_epochs`-th epoch end and at the end of training it generates from one fixed z,
  computes `metrics.diversity.diversity` of the uint8 samples (the mean pairwise RMS distance at
  `side` x `side` px, 0 for identical samples) and divides it by the same statistic of a fixed
  set of real images, computed once by the caller. It logs `diversity/fake` and
  `diversity/ratio` (and, with a `tags_fn`, `diversity/tag_combinations_covered`) to TensorBoard
  and one line to the log, and one warning line whenever the ratio is below `warn_ratio`.

  Args:
    z: the fixed latent batch, float32 [N, z_dim], N >= 2 (not the sample grid's z).
    real_diversity: diversity of the real reference images, > 0.
    steps_per_epoch, every_epochs: act every steps_per_epoch * every_epochs generator steps.
    warn_ratio: warn when diversity(fake) / real_diversity falls below this.
    side: the downsampled size of the statistic (16; less for smaller images).
    writer: a TensorBoard summary writer, or None.
    log: a function of one message line.
    tags_fn: None, or uint8 samples [N, H, W, 3] -> the tag classifier's hair x eye
      combinations covered (synthetic faces only).
  """

  def __init__(self, z, real_diversity, steps_per_epoch, every_epochs=1,
               warn_ratio=diversity_lib.WARN_RATIO, side=16, writer=None, log=print,
               tags_fn=None):
    super().__init__(every_steps=steps_per_epoch * every_epochs, at_end=True)
    if len(z) < 2:
      raise ValueError(f'The diversity watch needs at least 2 samples. Received: z of shape '
                       f'{np.shape(z)}')
    if not real_diversity > 0:
      raise ValueError('The real images of the diversity watch are all identical. Received: '
                       f'real_diversity={real_diversity!r}; expected a value > 0')
    self.z = np.asarray(z, np.float32)
    self.real_diversity = float(real_diversity)
    self.warn_ratio = float(warn_ratio)
    self.side = side
    self.writer = writer
    self.log = log
    self.tags_fn = tags_fn
    self.history = []  # (step, diversity of the samples, ratio)
    self.warnings = []  # The warning lines printed.

  def measure(self, generator):
    """(diversity, ratio, uint8 samples [N, H, W, C]) of `generator` on the fixed z."""
    fake = protocol.generated_images(generator, self.z)
    value = diversity_lib.diversity(fake, side=self.side, max_samples=len(fake))
    return value, value / self.real_diversity, fake

  def on_step(self, step, logs, at_end):
    value, ratio, fake = self.measure(self.model.sampler)
    covered = self.tags_fn(fake) if self.tags_fn is not None else None
    self.history.append((step, value, ratio))
    if self.writer is not None:
      with self.writer.as_default():
        tf.summary.scalar('diversity/fake', value, step=step)
        tf.summary.scalar('diversity/ratio', ratio, step=step)
        if covered is not None:
          tf.summary.scalar('diversity/tag_combinations_covered', covered, step=step)
    tags = f', {covered} hair x eye combinations' if covered is not None else ''
    self.log(f'Step {step}: sample diversity {value:.4g}, {ratio:.2f} of the real data\'s '
             f'{self.real_diversity:.4g}{tags}')
    if ratio < self.warn_ratio:
      line = (f'Warning: step {step}: the samples vary {ratio:.2f} times as much as the real '
              f'images (below --diversity_warn_ratio={self.warn_ratio:g}): the generator may be '
              'collapsing onto a few images (mode collapse).')
      self.warnings.append(line)
      self.log(line)


def read_best(directory):
  """The {'metric', 'value', 'step'} of `<directory>/best.json`, or None when there is none."""
  path = os.path.join(directory, 'best.json')
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)

