"""The divergence guard in a training run on the bad-image folder; the stop-signal handler.

The binary tests (robust_binary_test) cover running out of rollbacks (exit 3) and SIGTERM.
"""

import dataclasses
import math
import os
import shutil
import signal
import tempfile
import time

import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime.reporting import runs
from tfgan_anime.training import guard
from tfgan_anime.training import signals
from tfgan_anime.training import loop as train_lib


def _snapshot(folder):
  """{relative path: (size, mtime)} of everything under folder."""
  found = {}
  for root, dirs, names in os.walk(folder):
    for name in names + dirs:
      stat = os.stat(os.path.join(root, name))
      found[os.path.relpath(os.path.join(root, name), folder)] = (stat.st_size, stat.st_mtime_ns)
  return found


def _reader(model_dir, step):
  return tf.train.load_checkpoint(os.path.join(model_dir, 'checkpoints', f'ckpt-{step}'))


def _value(reader, name):
  return reader.get_tensor(f'{name}/.ATTRIBUTES/VARIABLE_VALUE')


class DivergenceGuardTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.data = os.path.join(cls.root, 'images')
    testing_utils.build_training_folder(cls.data)
    cls.config = config_lib.TrainConfig(
        model_dir=os.path.join(cls.root, 'rollback'), data=cls.data, resolution=16, z_dim=8,
        g_base_width=4, d_base_width=4, batch_size=2, n_critic=2, steps_per_epoch=2,
        num_samples=4, checkpoint_every_steps=2, train_steps=6, max_rollbacks=2,
        rollback_lr_factor=0.5, g_lr=2e-4, d_lr=2e-4)
    cls.before = _snapshot(cls.data)
    cls.log = []
    cls.training = testing_utils.Shared(train_lib.train, cls.config, log=cls.log.append,
                                   extra_callbacks=[guard.InjectNaN(4)])

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_rolls_back_once_and_finishes(self):
    result = self.training.value
    self.assertEqual(result.step, 6)
    self.assertEqual(result.rollbacks, 1)
    lines = [line for line in self.log if line.startswith('Divergence guard:')]
    self.assertEqual(lines, [
        'Divergence guard: d_loss, g_loss, gp, grad_norm, w_dist turned NaN or Inf at step 4; '
        'rolled back to step 2 (rollback 1 of 2), skipping the data of steps 3-4; learning '
        'rates now g 0.0001, d 0.0001.'])
    self.assertTrue(os.path.isdir(result.export_dir))

  def test_final_checkpoint_is_finite_and_remembers_the_rollback(self):
    self.training.value  # pylint: disable=pointless-statement
    reader = _reader(self.config.model_dir, 6)
    for name in reader.get_variable_to_shape_map():
      value = reader.get_tensor(name)
      if isinstance(value, np.ndarray) and value.dtype.kind == 'f':
        self.assertTrue(np.all(np.isfinite(value)), name)
    self.assertEqual(_value(reader, 'run_state/rollbacks'), 1)
    self.assertAllClose(_value(reader, 'g_optimizer/_learning_rate'), 1e-4)
    # 6 steps of 4 images, plus the 2 steps of data skipped at the rollback.
    self.assertEqual(_value(reader, 'run_state/data_position'), 8 * 4)

  def test_no_bad_checkpoint_was_written(self):
    # Step 4 was bad: the checkpoint of step 4 is from after the rollback, and finite.
    self.training.value  # pylint: disable=pointless-statement
    reader = _reader(self.config.model_dir, 4)
    self.assertEqual(_value(reader, 'run_state/rollbacks'), 1)

  def test_trains_on_every_readable_image_and_names_the_rest(self):
    self.training.value  # pylint: disable=pointless-statement
    skipped = [line for line in self.log if 'unreadable' in line]
    self.assertLen(skipped, 1)
    self.assertStartsWith(skipped[0], 'Data: skipped 3 unreadable files of 22: empty.jpg '
                          '(empty file (0 bytes)), notes.jpg (UnidentifiedImageError')
    self.assertIn('truncated.jpg (OSError: image file is truncated', skipped[0])
    self.assertIn('data_scan.json', skipped[0])
    self.assertIn('Data: 19 images in', '\n'.join(self.log))
    self.assertIn('Data: 9 images in odd formats', '\n'.join(self.log))

  def test_the_data_folder_is_only_read(self):
    # Whether the run ended well or not, it must not have touched the data.
    self.assertEqual(_snapshot(self.data), self.before)

  def test_nonfinite_logs(self):
    self.assertEqual(guard.nonfinite_logs({'a': 1.0, 'b': math.inf, 'c': np.float32('nan'),
                                           'd': tf.constant(2.0)}), ['b', 'c'])


class GuardUnderStrategyTest(tf.test.TestCase):
  """2 replicas (logical CPUs), --cache: two NaNs at step 4, two rollbacks, an exact resume."""

  def test_rollbacks_compound_and_the_resume_is_exact(self):
    if not testing_utils.rerun_in_fresh_process(self):
      return
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py)')
    root = self.get_temp_dir()
    data = testing_utils.make_folder(os.path.join(root, 'images'), count=12)
    config = config_lib.TrainConfig(
        model_dir=os.path.join(root, 'straight'), data=data, resolution=8, z_dim=4,
        g_base_width=2, d_base_width=2, batch_size=4, n_critic=1, steps_per_epoch=2,
        train_steps=6, checkpoint_every_steps=2, num_samples=2, export=False, cache='memory',
        max_rollbacks=2, rollback_lr_factor=0.5, g_lr=2e-4, d_lr=2e-4, log_every_steps=1)

    def train(config, inject):
      strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
      log = []
      extra = [guard.InjectNaN(4, times=2)] if inject else []
      result = train_lib.train(config, strategy=strategy, log=log.append, extra_callbacks=extra)
      return result, [line for line in log if line.startswith('Divergence guard:')]

    straight, lines = train(config, inject=True)
    self.assertEqual((straight.step, straight.rollbacks), (6, 2))
    # Both rollbacks go back to step 2; the second rate is 2e-4 * 0.5**2.
    self.assertLen(lines, 2)
    self.assertIn('rolled back to step 2 (rollback 1 of 2)', lines[0])
    self.assertIn('learning rates now g 0.0001, d 0.0001', lines[0])
    self.assertIn('rolled back to step 2 (rollback 2 of 2)', lines[1])
    self.assertIn('learning rates now g 5e-05, d 5e-05', lines[1])
    # Stopped at step 5 (after both rollbacks), then resumed to 6 in a new strategy.
    resumed = dataclasses.replace(config, model_dir=os.path.join(root, 'resumed'))
    self.assertEqual(train(dataclasses.replace(resumed, train_steps=5), inject=True)[0].step, 5)
    result, lines = train(resumed, inject=False)
    self.assertEqual((result.step, result.rollbacks, lines), (6, 2, []))
    compared = testing_utils.assert_same_checkpoints(
        self, *(os.path.join(root, run, 'checkpoints') for run in ('straight', 'resumed')))
    self.assertGreater(compared, 10)
    # The checkpoint holds 6 steps of 4 images plus the 2 x 2 steps skipped at the rollbacks.
    reader = _reader(config.model_dir, 6)
    self.assertEqual(_value(reader, 'run_state/data_position'), 10 * 4)
    self.assertAllClose(_value(reader, 'run_state/lr_factor'), 0.25)
    expected, got = (runs.read_scalars(os.path.join(root, run)) for run in ('straight', 'resumed'))
    self.assertEqual(sorted(got), sorted(expected))
    self.assertIn('train/d_loss', expected)
    for tag, (steps, values) in expected.items():
      if tag.startswith('train/'):
        self.assertAllEqual(steps, [1, 2, 3, 4, 5, 6], msg=tag)
        self.assertAllEqual(got[tag][0], steps, msg=tag)
      # The stop at step 5 also logged the end-of-training diversity/ there: the straight run's
      # points, and maybe that one.
      at = np.isin(got[tag][0], steps)
      self.assertAllEqual(got[tag][0][at], steps, msg=tag)
      self.assertAllEqual(got[tag][1][at], values, msg=tag)


class StopOnSignalTest(tf.test.TestCase):

  def test_handler_records_the_first_signal_and_the_second_stops_at_once(self):
    # Python's own SIGINT handler first: a process started in the background by a shell without
    # job control inherits SIGINT ignored, and then the second signal would be ignored too.
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
      with signals.StopRequest() as request:
        os.kill(os.getpid(), signal.SIGINT)
        self.assertEqual(request.received, 'SIGINT')
        with self.assertRaises(KeyboardInterrupt):
          os.kill(os.getpid(), signal.SIGINT)
          time.sleep(1)  # The handler runs at the next bytecode; never reached.
      self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
    finally:
      signal.signal(signal.SIGINT, outer)


if __name__ == '__main__':
  tf.test.main()
