"""RunCheckpoints: never a NaN checkpoint, never the latest rewritten, kept epochs, going back."""

import math
import os
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_anime import files
from tfgan_anime.training import checkpoints
from tfgan_anime import config as config_lib
from tfgan_anime.training import loop as train_lib
from tfgan_anime.errors import UserError


def _tiny_gan():
  config = config_lib.TrainConfig(model_dir='x', resolution=16, z_dim=8, g_base_width=4,
                                  d_base_width=4)
  return train_lib.build_gan(config)


def _listing(directory):
  return sorted(n for n in os.listdir(directory) if n.endswith('.index'))


class RunCheckpointsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.gan = _tiny_gan()
    self.dir = os.path.join(self.get_temp_dir(), self._testMethodName, 'checkpoints')
    self.logged = []

  def _checkpoints(self, **kwargs):
    kwargs.setdefault('max_to_keep', 3)
    return checkpoints.RunCheckpoints(self.gan, self.dir, log=self.logged.append, **kwargs)

  def _at(self, ckpts, step):
    self.gan.step.assign(step)
    return ckpts.save(step)

  def test_a_nan_never_replaces_a_good_checkpoint(self):
    ckpts = self._checkpoints()
    self.assertIsNotNone(self._at(ckpts, 2))
    kernel = self.gan.critic.trainable_variables[0]
    good = kernel.numpy()
    kernel.assign(np.full(kernel.shape, math.inf, np.float32))
    self.assertIsNone(self._at(ckpts, 4))
    self.assertEqual(ckpts.refused, [4])
    self.assertIn('Not saving step 4', self.logged[-1])
    self.assertEqual(ckpts.latest_step(), 2)
    self.assertEqual(_listing(self.dir), ['ckpt-2.index'])
    # An optimiser slot counts too: a NaN there would poison every later update.
    kernel.assign(good)
    slot = [v for v in self.gan.d_optimizer.variables if 'momentum' in v.path][0]
    slot.assign(tf.fill(slot.shape, math.nan))
    self.assertIsNone(self._at(ckpts, 6))
    self.assertEqual(ckpts.latest_step(), 2)

  def test_the_latest_checkpoint_is_never_rewritten(self):
    ckpts = self._checkpoints()
    path = self._at(ckpts, 2)
    before = os.path.getmtime(path + '.index')
    self.assertIsNone(ckpts.save(2))
    self.assertEqual(os.path.getmtime(path + '.index'), before)

  def test_data_position_and_rollbacks_are_saved(self):
    ckpts = self._checkpoints(images_per_step=8)
    ckpts.begin_segment(step=3, position=40)
    ckpts.state.rollbacks.assign(2)
    self._at(ckpts, 5)
    reader = tf.train.load_checkpoint(ckpts.manager.latest_checkpoint)
    self.assertEqual(reader.get_tensor('run_state/data_position/.ATTRIBUTES/VARIABLE_VALUE'), 56)
    self.assertEqual(reader.get_tensor('run_state/rollbacks/.ATTRIBUTES/VARIABLE_VALUE'), 2)
    self.assertEqual(reader.get_tensor('step/.ATTRIBUTES/VARIABLE_VALUE'), 5)

  def test_one_checkpoint_kept_every_n_epochs(self):
    ckpts = self._checkpoints(max_to_keep=1, keep_every_epochs=2, steps_per_epoch=3)
    for step in range(1, 14):
      self._at(ckpts, step)
    # Epochs end at steps 3, 6, 9, 12: every second one is kept, the rest rotate away.
    self.assertEqual(_listing(os.path.join(self.dir, 'kept')), ['ckpt-12.index', 'ckpt-6.index'])
    self.assertEqual(_listing(self.dir), ['ckpt-13.index'])
    self.assertEqual(sorted(ckpts.available()), [6, 12, 13])
    # A new process (no keep flag) still finds the kept ones.
    again = checkpoints.RunCheckpoints(_tiny_gan(), self.dir, max_to_keep=1)
    self.assertEqual(sorted(again.available()), [6, 12, 13])

  def test_restore_step_missing_lists_what_exists(self):
    ckpts = self._checkpoints()
    for step in (2, 4):
      self._at(ckpts, step)
    with self.assertRaises(UserError) as raised:
      ckpts.restore(3)
    message = str(raised.exception)
    self.assertIn('restore_step=3', message)
    self.assertIn('(2, 4)', message)
    self.assertNotIn('\n', message)
    empty = checkpoints.RunCheckpoints(_tiny_gan(), os.path.join(self.dir, 'none'), 3)
    with self.assertRaisesRegex(UserError, r'\(none yet\)'):
      empty.restore(0)

  def test_restore_step_goes_back_and_becomes_the_latest(self):
    ckpts = self._checkpoints(max_to_keep=5)
    kernel = self.gan.generator.trainable_variables[0]
    for step in (2, 4, 6):
      kernel.assign(tf.fill(kernel.shape, float(step)))
      self._at(ckpts, step)
    gan = _tiny_gan()
    back = checkpoints.RunCheckpoints(gan, self.dir, max_to_keep=5)
    self.assertEqual(back.restore(4), 4)
    self.assertAllEqual(gan.generator.trainable_variables[0], tf.fill(kernel.shape, 4.0))
    back.make_latest(4)
    # A plain resume now starts from 4, not from the abandoned 6; and the state file still
    # rotates: 6 is the oldest entry now, so it goes first.
    fresh = checkpoints.RunCheckpoints(_tiny_gan(), self.dir, max_to_keep=5)
    self.assertEqual(fresh.latest_step(), 4)
    self.assertEqual([checkpoints.step_of(p) for p in fresh.manager.checkpoints], [2, 6, 4])
    self.assertEqual(fresh.restore(), 4)

  def test_restore_from_kept_only(self):
    ckpts = self._checkpoints(max_to_keep=1, keep_every_epochs=1, steps_per_epoch=2)
    for step in (2, 3, 4):
      self._at(ckpts, step)
    self.assertEqual(_listing(self.dir), ['ckpt-4.index'])
    back = checkpoints.RunCheckpoints(_tiny_gan(), self.dir, max_to_keep=1)
    self.assertEqual(back.restore(2), 2)
    back.make_latest(2)
    self.assertEqual(checkpoints.RunCheckpoints(_tiny_gan(), self.dir, 1).latest_step(), 2)

  def test_rollback_factors_compound_and_are_saved_at_once(self):
    ckpts = self._checkpoints()
    rates = self.gan.learning_rates()
    self._at(ckpts, 2)
    for _ in range(2):  # Two rollbacks in a row, both to the checkpoint of step 2.
      self.assertEqual(ckpts.restore(), 2)
      ckpts.record_rollback(0.5)
    self.assertAllClose(self.gan.learning_rates(), [r * 0.25 for r in rates])
    self.assertEqual(int(ckpts.state.rollbacks.numpy()), 2)
    # No checkpoint was saved since: a new process (a resume after kill -9) restores step 2
    # and still has both rollbacks and the factor 0.5**2.
    gan = _tiny_gan()
    again = checkpoints.RunCheckpoints(gan, self.dir, max_to_keep=3)
    self.assertEqual(again.restore(), 2)
    self.assertAllClose(gan.learning_rates(), [r * 0.25 for r in rates])
    self.assertEqual(int(again.state.rollbacks.numpy()), 2)
    self.assertAllClose(again.state.lr_factor.numpy(), 0.25)
    # A checkpoint saved after the rollbacks holds the factor and its rates; restoring it does
    # not apply the factor twice.
    gan.step.assign(4)
    again.save(4)
    gan = _tiny_gan()
    third = checkpoints.RunCheckpoints(gan, self.dir, max_to_keep=3)
    self.assertEqual(third.restore(), 4)
    self.assertAllClose(gan.learning_rates(), [r * 0.25 for r in rates])

  def test_checkpoint_files_are_fsynced_before_the_state_file_names_them(self):
    # Each fsync is recorded with the checkpoint the state file names at that moment: the
    # state file is renamed (by TensorFlow, in C++) only after the data and the folder.
    events = []
    real_fsync = os.fsync

    def fsync(fd):
      named = tf.train.latest_checkpoint(self.dir)
      events.append((os.path.basename(os.readlink(f'/proc/self/fd/{fd}')),
                     os.path.basename(named)))
      real_fsync(fd)

    ckpts = self._checkpoints()
    self._at(ckpts, 1)
    with mock.patch.object(os, 'fsync', fsync):
      self._at(ckpts, 2)
    directory = os.path.basename(self.dir)
    self.assertEqual(events, [
        ('ckpt-2.data-00000-of-00001', 'ckpt-1'), ('ckpt-2.index', 'ckpt-1'),
        (directory, 'ckpt-1'),  # Data, then the folder, then the rename:
        ('checkpoint', 'ckpt-2'), (directory, 'ckpt-2')])  # the rename made durable.
    events.clear()
    files.set_fsync(False)  # --fsync=false
    try:
      with mock.patch.object(os, 'fsync', fsync):
        self._at(ckpts, 3)
    finally:
      files.set_fsync(True)
    self.assertEqual(events, [])

if __name__ == '__main__':
  tf.test.main()
