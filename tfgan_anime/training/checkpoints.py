"""The checkpoints of a run: what they hold, when they are written, which are kept, going back.

A checkpoint holds both networks (with batch-norm statistics), both optimisers (slots, iteration
counts and learning rates), the generator step, and a RunState: the data position (images of the
stream consumed) and the rollback count. z and the penalty's epsilon are stateless functions of
(seed, step) (gan.py) and image i of the stream is a function of (seed, i) (data/folder.py), so
that is all a resumed run needs to continue exactly as an uninterrupted one would.

Crash safety. tf.train.CheckpointManager.save writes the shards under `<prefix>_temp/`, merges
them into `ckpt-N.data-*` and `ckpt-N.index` (MergeV2Checkpoints), and only then rewrites the
`checkpoint` state file, through a temporary file and a rename
(file_io.atomic_write_string_to_file). It records the new state before deleting old checkpoints.
A run resumes only from the checkpoint the state file names, so a process killed at any moment,
kill -9 included, leaves at worst the orphan files of an unfinished save, which nothing reads,
and loses only the steps since the last completed save.

Power cuts. With --fsync (the default) the new checkpoint's files and then the folder are
fsynced before the state file is renamed to name them (a write callback that the manager runs
before it records its state), and the state file and the folder once more after the rename. A
power cut then leaves the state file naming a checkpoint whose files are on the disk whole: at
worst the last save is lost, never the checkpoint a resume reads. (TensorFlow writes the state
file's temporary copy without an fsync of its own. ext4, whose default auto_da_alloc flushes a
file renamed over another, and XFS keep that rename after its data; elsewhere a cut between the
rename and the fsync that follows it could leave the state file empty.)

This module adds two rules:
- a checkpoint is written only when every variable in it is finite, so a NaN never replaces a
  good checkpoint (the divergence guard rolls back to the latest one);
- the latest checkpoint is never rewritten in place (a save at the step it already holds is
  skipped): its index and data files are replaced one after the other, not together.
"""

import glob
import json
import os
import time

import tensorflow as tf

from tfgan_anime import files
from tfgan_anime.errors import UserError
from tfgan_anime.training import callbacks

KEPT_SUBDIR = 'kept'
# The run's rollback count and cumulative learning-rate factor, written at each rollback.
ROLLBACKS_FILE = 'rollbacks.json'


class RunState(tf.Module):
  """Bookkeeping saved beside the networks: where the data stream is, how often it rolled back."""

  def __init__(self):
    super().__init__(name='run_state')
    # Images of the training stream consumed: the stream of a resumed run starts here.
    self.data_position = tf.Variable(0, dtype=tf.int64, trainable=False, name='data_position')
    self.rollbacks = tf.Variable(0, dtype=tf.int64, trainable=False, name='rollbacks')
    # The product of --rollback_lr_factor over every rollback: the optimisers' rates in this
    # checkpoint are the flags' (or the schedule's) times this.
    self.lr_factor = tf.Variable(1.0, dtype=tf.float64, trainable=False, name='lr_factor')


def make_checkpoint(gan, run_state=None):
  """A tf.train.Checkpoint of both networks, both optimisers, the step (and a RunState)."""
  objects = dict(generator=gan.generator, critic=gan.critic, g_optimizer=gan.g_optimizer,
                 d_optimizer=gan.d_optimizer, step=gan.step)
  if gan.ema_generator is not None:
    objects['ema_generator'] = gan.ema_generator
  if getattr(gan, 'augment_p', None) is not None:
    objects['augment_p'] = gan.augment_p
  if getattr(gan, 'd_history', None) is not None:
    objects['d_history'] = gan.d_history
    objects['g_history'] = gan.g_history
  if run_state is not None:
    objects['run_state'] = run_state
  return tf.train.Checkpoint(**objects)


def step_of(path):
  """'.../ckpt-120' -> 120."""
  return int(path.rsplit('-', 1)[1])


@tf.function
def _all_finite(variables):
  return tf.reduce_all([tf.reduce_all(tf.math.is_finite(v)) for v in variables])


def all_finite(variables):
  """True when every floating-point variable in the list holds only finite values."""
  floats = [v for v in variables if tf.as_dtype(v.dtype).is_floating]
  return bool(_all_finite(floats)) if floats else True


class RunCheckpoints:
  """The checkpoints of one run directory.

  The last `max_to_keep` live in `directory`; with `keep_every_epochs`, the checkpoint at every
  keep_every_epochs-th epoch boundary is also written to `directory/kept/`, where nothing is
  deleted: a way back to before a collapse.

  The data position saved with a checkpoint is computed from the step: training streams from
  (step, position) given to `begin_segment`, and each step consumes `images_per_step` images.
  """

  def __init__(self, gan, directory, max_to_keep, keep_every_epochs=0, steps_per_epoch=1,
               images_per_step=1, log=print):
    self.gan = gan
    self.state = RunState()
    self.checkpoint = make_checkpoint(gan, self.state)
    self.directory = directory
    self.max_to_keep = max_to_keep
    self.keep_every_epochs = keep_every_epochs
    self.steps_per_epoch = steps_per_epoch
    self.images_per_step = images_per_step
    self.log = log
    self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=max_to_keep)
    self.kept_manager = None
    if keep_every_epochs:
      self.kept_manager = tf.train.CheckpointManager(
          self.checkpoint, os.path.join(directory, KEPT_SUBDIR), max_to_keep=None)
    self._segment = (0, 0)
    # Steps whose save was refused because a variable was not finite.
    self.refused = []
    # Run by the managers after a checkpoint's files are written, before the state file names it.
    self._options = tf.train.CheckpointOptions(experimental_write_callbacks=[self._sync_files])

  def variables(self):
    """Every variable a checkpoint holds."""
    return (self._network_variables() + list(self.gan.g_optimizer.variables)
            + list(self.gan.d_optimizer.variables))

  def _network_variables(self):
    networks = [self.gan.generator, self.gan.critic]
    if self.gan.ema_generator is not None:
      networks.append(self.gan.ema_generator)
    return [v for network in networks for v in network.variables]

  def networks_finite(self):
    """True when both networks' weights (batch-norm statistics, the EMA) are finite."""
    return all_finite(self._network_variables())

  def begin_segment(self, step, position):
    """Training (re)starts at `step` with the stream at image `position`."""
    self._segment = (int(step), int(position))

  def position_at(self, step):
    """Images of the stream consumed once generator step `step` is done."""
    first_step, first_position = self._segment
    return first_position + (int(step) - first_step) * self.images_per_step

  def latest_step(self):
    path = self.manager.latest_checkpoint
    return step_of(path) if path else None

  def available(self):
    """{step: checkpoint path} of every checkpoint on disk (the recent ones win over kept)."""
    found = {}
    if self.kept_manager is not None:
      found.update((step_of(p), p) for p in self.kept_manager.checkpoints)
    else:
      kept = tf.train.get_checkpoint_state(os.path.join(self.directory, KEPT_SUBDIR))
      if kept is not None:
        found.update((step_of(p), p) for p in kept.all_model_checkpoint_paths
                     if tf.io.gfile.exists(p + '.index'))
    found.update((step_of(p), p) for p in self.manager.checkpoints)
    return found

  def restore(self, step=None):
    """Restores the latest checkpoint, or the one of `step`. Returns its step (None: none yet).

    Raises:
      UserError: `step` is given and no checkpoint of that step exists; the message lists those
        that do.
    """
    if step is None:
      path = self.manager.latest_checkpoint
      if path is None:
        return None
    else:
      available = self.available()
      if step not in available:
        steps = ', '.join(str(s) for s in sorted(available)) or 'none yet'
        raise UserError(f'No checkpoint of that step. Received: restore_step={step}; accepted: '
                        f'one of the saved steps ({steps}) in {self.directory}')
      path = available[step]
    self.checkpoint.restore(path).assert_existing_objects_matched()
    self._apply_rollback_record()
    return int(self.gan.step.numpy())

  def record_rollback(self, lr_factor=1.0):
    """Counts a rollback just restored, scales both learning rates by `lr_factor`, and writes the
    count and the cumulative factor at once (ROLLBACKS_FILE), not at the next checkpoint.

    The factor compounds: the checkpoint restored may predate earlier rollbacks, and restore()
    brings its rates to the cumulative factor first, so a second rollback to the same
    checkpoint gives lr * factor**2.
    """
    self.state.rollbacks.assign_add(1)
    self.state.lr_factor.assign(self.state.lr_factor * lr_factor)
    if lr_factor != 1:
      self._scale_learning_rates(lr_factor)
    files.write_json(os.path.join(self.directory, ROLLBACKS_FILE),
                     {'rollbacks': int(self.state.rollbacks.numpy()),
                      'lr_factor': float(self.state.lr_factor.numpy())})

  def _apply_rollback_record(self):
    """Brings the restored state to the run's rollbacks (ROLLBACKS_FILE), when it has more."""
    path = os.path.join(self.directory, ROLLBACKS_FILE)
    if not os.path.exists(path):
      return
    with open(path, encoding='utf-8') as f:
      record = json.load(f)
    if record['rollbacks'] <= int(self.state.rollbacks.numpy()):
      return
    ratio = record['lr_factor'] / float(self.state.lr_factor.numpy())
    self.state.rollbacks.assign(record['rollbacks'])
    self.state.lr_factor.assign(record['lr_factor'])
    if ratio != 1:
      self._scale_learning_rates(ratio)

  def _scale_learning_rates(self, factor):
    optimizers = (self.gan.g_optimizer, self.gan.d_optimizer)
    for optimizer, rate in zip(optimizers, self.gan.learning_rates()):
      optimizer.learning_rate = rate * factor

  def make_latest(self, step):
    """Makes the restored checkpoint of `step` the one a plain resume starts from.

    Used by --restore_step: without it, a run killed before its first save would resume the
    abandoned later checkpoints. Later checkpoints stay on disk until the usual rotation.
    """
    if self.latest_step() == step:
      return
    name = f'ckpt-{step}'
    state = tf.train.get_checkpoint_state(self.directory)
    paths = [os.path.basename(p) for p in state.all_model_checkpoint_paths]
    if name not in paths:
      # Restored from kept/ only: write it here too (nothing here names this file).
      self._write(step)
      return
    stamps = list(state.all_model_checkpoint_timestamps) or [time.time()] * len(paths)
    order = [i for i, p in enumerate(paths) if p != name]
    paths = [paths[i] for i in order] + [name]
    stamps = [stamps[i] for i in order] + [time.time()]
    # Relative names, as the manager writes them, so the run directory can move.
    tf.compat.v1.train.update_checkpoint_state(
        self.directory, name, all_model_checkpoint_paths=paths,
        all_model_checkpoint_timestamps=stamps,
        last_preserved_timestamp=state.last_preserved_timestamp)
    self._sync_state(self.directory)
    self.manager = tf.train.CheckpointManager(self.checkpoint, self.directory,
                                              max_to_keep=self.max_to_keep)

  def save(self, step):
    """Saves the run at generator step `step`. Returns the path, or None when skipped.

    Skipped when `step` is already the latest checkpoint, and refused (logged, remembered in
    `refused`) when a variable is not finite.
    """
    step = int(step)
    if self.latest_step() == step:
      return None
    if not all_finite(self.variables()):
      self.refused.append(step)
      self.log(f'Not saving step {step}: a weight or optimiser value is NaN or Inf; the latest '
               f'good checkpoint stays step {self.latest_step()}.')
      return None
    return self._write(step)

  def _write(self, step):
    self.state.data_position.assign(self.position_at(step))
    path = self.manager.save(checkpoint_number=step, options=self._options)
    self._sync_state(self.directory)
    epochs = self.keep_every_epochs * self.steps_per_epoch
    if self.kept_manager is not None and step > 0 and step % epochs == 0:
      if step not in [step_of(p) for p in self.kept_manager.checkpoints]:
        self.kept_manager.save(checkpoint_number=step, options=self._options)
        self._sync_state(self.kept_manager.directory)
    return path

  @staticmethod
  def _sync_files(save_path):
    """fsyncs a written checkpoint's files, then its folder (before the state file names it)."""
    for name in sorted(glob.glob(glob.escape(save_path) + '.*')):
      files.sync_file(name)
    files.sync_directory(os.path.dirname(save_path))

  @staticmethod
  def _sync_state(directory):
    """fsyncs the state file just renamed into place, then its folder (the rename itself)."""
    files.sync_file(os.path.join(directory, 'checkpoint'))
    files.sync_directory(directory)


class Checkpointer(callbacks.StepCallback):
  """Saves every `every_steps` generator steps, at each epoch boundary and at the end.

  Epoch boundaries are counted in generator steps (step % steps_per_epoch == 0), not by Keras'
  epochs, which a resumed run starts mid-epoch.
  """

  def __init__(self, run_checkpoints, every_steps, steps_per_epoch):
    super().__init__(every_steps=every_steps, steps_per_epoch=steps_per_epoch, at_end=True)
    self.checkpoints = run_checkpoints

  def on_step(self, step, logs, at_end):
    self.checkpoints.save(step)
