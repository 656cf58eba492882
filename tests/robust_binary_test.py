"""The training binary survives kills and signals and resumes bit for bit; bad input fails in one line.

One uninterrupted run of N steps is compared with a run interrupted four times, each at a
different kind of moment, every time resumed by rerunning the same command (scalars logged at
every step, so that the curves are compared point by point):
  A. kill -9 in the middle of writing checkpoint 6 (shards written, not yet merged);
  B. kill -9 after checkpoint 9 is complete but before the state file names it;
  C. kill -9 at a random moment shortly after a checkpoint;
  D. SIGTERM: the binary saves at the next step boundary and exits 75;
  E. the last run trains to N.
With --deterministic, the final checkpoints must hold the same values, bit for bit, the
exports must generate the same images, and every scalar of the TensorBoard logs (as TensorBoard
shows a run resumed over its own steps) must be the same.
"""

import concurrent.futures
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import export
from tfgan_anime.reporting import runs

N = 30

# Runs the real binary with a hook that kills the process (SIGKILL, as a crash or an OOM killer
# would) at one chosen point of one chosen checkpoint save.
_KILLING_TRAIN = r'''
import os, signal, sys
from tensorflow.python.checkpoint import checkpoint_management
from tensorflow.python.ops import gen_io_ops
where, target = sys.argv[1], sys.argv[2]

def die():
  os.kill(os.getpid(), signal.SIGKILL)

if where == 'merge':  # The shards of the save are written under <prefix>_temp/, not merged.
  real_merge = gen_io_ops.merge_v2_checkpoints
  def merge(prefixes, destination, *args, **kwargs):
    if os.path.basename(destination.numpy().decode()) == target:
      die()
    return real_merge(prefixes, destination, *args, **kwargs)
  gen_io_ops.merge_v2_checkpoints = merge
else:  # The checkpoint files are complete; the state file does not name them yet.
  real_update = checkpoint_management.update_checkpoint_state_internal
  def update(save_dir, model_checkpoint_path, *args, **kwargs):
    if os.path.basename(model_checkpoint_path) == target:
      die()
    return real_update(save_dir, model_checkpoint_path, *args, **kwargs)
  checkpoint_management.update_checkpoint_state_internal = update

from tfgan_anime import train
sys.argv = ['train'] + sys.argv[3:]
train.run()
'''


def _latest_step(model_dir):
  """The step the checkpoint state file names, or -1."""
  try:
    with open(os.path.join(model_dir, 'checkpoints', 'checkpoint')) as f:
      match = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', f.read(), re.MULTILINE)
  except FileNotFoundError:
    return -1
  return int(match.group(1)) if match else -1


def _start(args):
  return subprocess.Popen([sys.executable, '-m', 'tfgan_anime.train', *args],
                          cwd=testing_utils.REPO, env=testing_utils.module_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_checkpoint_after(process, model_dir, step, timeout=300):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline and process.poll() is None:
    latest = _latest_step(model_dir)
    if latest > step:
      return latest
    time.sleep(0.01)
  process.kill()
  raise AssertionError(f'No checkpoint after step {step}: {process.communicate()[1][-2000:]}')


class ExactResumeTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.data = testing_utils.make_folder(os.path.join(cls.root, 'data'), count=24)
    cls.flags = [f'--data={cls.data}', '--resolution=16', '--z_dim=8', '--g_base_width=4',
                 '--d_base_width=4', '--batch_size=2', '--n_critic=2', '--steps_per_epoch=6',
                 '--num_samples=4', '--checkpoint_every_steps=3', f'--train_steps={N}',
                 '--deterministic', '--log_every_steps=1']
    cls.straight_dir = os.path.join(cls.root, 'straight')
    cls.dir = os.path.join(cls.root, 'interrupted')
    flags = cls.flags + [f'--model_dir={cls.dir}']

    def killing(where, target):
      return subprocess.run(
          [sys.executable, '-c', _KILLING_TRAIN, where, target, *flags], cwd=testing_utils.REPO,
          env=testing_utils.module_env(), capture_output=True, text=True, timeout=600)

    def state():
      return _latest_step(cls.dir), sorted(os.listdir(os.path.join(cls.dir, 'checkpoints')))

    def kill_at_random():
      after = cls.b_state.value[0]
      c = _start(flags)
      seen = _wait_for_checkpoint_after(c, cls.dir, after)
      time.sleep(random.uniform(0.0, 0.05))
      c.send_signal(signal.SIGKILL)
      c.communicate()
      return seen, c.returncode, _latest_step(cls.dir)

    def sigterm():
      after = cls.c.value[2]
      d = _start(flags)
      try:
        _wait_for_checkpoint_after(d, cls.dir, after)
        d.send_signal(signal.SIGTERM)
        stdout, stderr = d.communicate(timeout=300)
      finally:
        if d.poll() is None:
          d.kill()
      return stdout, stderr, d.returncode, _latest_step(cls.dir)

    # Each stage keeps its outcome or its error (testing_utils.Shared), so a failing stage fails
    # the tests that read it, one by one. The straight run and A (then the rest) share the two
    # cores.
    shared = testing_utils.Shared
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
      straight = pool.submit(testing_utils.run_module, 'tfgan_anime.train', *cls.flags,
                             f'--model_dir={cls.straight_dir}')
      cls.a = shared(killing, 'merge', 'ckpt-6')
      cls.a_state = shared(state)
      cls.b = shared(killing, 'state', 'ckpt-9')
      cls.b_state = shared(state)
      cls.straight = shared(straight.result)
    cls.c = shared(kill_at_random)
    cls.d = shared(sigterm)
    cls.e = shared(testing_utils.run_module, 'tfgan_anime.train', *flags)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_kill_while_writing_a_checkpoint_keeps_the_previous_one(self):
    a = self.a.value
    self.assertEqual(a.returncode, -signal.SIGKILL, a.stderr[-2000:])
    latest, names = self.a_state.value
    self.assertEqual(latest, 3)
    self.assertIn('ckpt-6_temp', names)  # The unfinished save, which nothing reads.
    self.assertNotIn('ckpt-6.index', names)

  def test_kill_before_the_state_file_names_a_checkpoint(self):
    b = self.b.value
    self.assertEqual(b.returncode, -signal.SIGKILL, b.stderr[-2000:])
    self.assertIn('Resumed from', b.stdout)
    self.assertIn('ckpt-3 at step 3', b.stdout)
    latest, names = self.b_state.value
    self.assertEqual(latest, 6)
    self.assertIn('ckpt-9.index', names)  # Complete, but not named: the resume starts at 6.

  def test_kill_at_a_random_moment(self):
    seen, returncode, latest = self.c.value
    self.assertEqual(returncode, -signal.SIGKILL)
    self.assertGreaterEqual(latest, seen)

  def test_sigterm_saves_and_exits_75(self):
    stdout, stderr, returncode, latest = self.d.value
    self.assertEqual(returncode, 75, stderr[-2000:])
    self.assertNotIn('Traceback', stderr)
    match = re.search(r'Stopped by SIGTERM at step (\d+)', stderr)
    self.assertIsNotNone(match, stderr[-2000:])
    self.assertEqual(int(match.group(1)), latest)
    self.assertLess(latest, N)
    self.assertNotIn('Trained to step', stdout)

  def test_resumed_run_equals_the_straight_run_bit_for_bit(self):
    straight, e = self.straight.value, self.e.value
    self.assertEqual(straight.returncode, 0, straight.stderr[-2000:])
    self.assertEqual(e.returncode, 0, e.stderr[-2000:])
    d_latest = self.d.value[3]
    self.assertIn(f'ckpt-{d_latest} at step {d_latest}', e.stdout)
    self.assertIn(f'Trained to step {N}.', e.stdout)
    path = os.path.join('checkpoints', f'ckpt-{N}')
    compared = testing_utils.assert_same_checkpoints(
        self, os.path.join(self.straight_dir, path), os.path.join(self.dir, path))
    self.assertGreater(compared, 40)  # Both networks, both optimisers, the step, the data.
    z = np.random.default_rng(7).standard_normal((6, 8)).astype(np.float32)
    self.assertAllEqual(export.load_generator(os.path.join(self.straight_dir, 'export'))(z),
                        export.load_generator(os.path.join(self.dir, 'export'))(z))

  def test_resumed_run_logs_every_scalar_of_the_straight_run(self):
    straight, e = self.straight.value, self.e.value
    self.assertEqual(straight.returncode, 0, straight.stderr[-2000:])
    self.assertEqual(e.returncode, 0, e.stderr[-2000:])
    expected, resumed = runs.read_scalars(self.straight_dir), runs.read_scalars(self.dir)
    self.assertEqual(sorted(resumed), sorted(expected))
    self.assertContainsSubset(['train/d_loss', 'train/g_loss', 'train/w_dist', 'train/gp'],
                              expected)
    for tag, (steps, values) in expected.items():
      if tag.startswith('train/'):  # The others (diversity/) are logged at epoch ends.
        self.assertAllEqual(steps, np.arange(1, N + 1), msg=tag)
      self.assertAllEqual(resumed[tag][0], steps, msg=tag)
      self.assertAllEqual(resumed[tag][1], values, msg=tag)


class BadInputTest(tf.test.TestCase):
  """Each bad input: one line on stderr naming the input, a non-zero status, no traceback."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.data = testing_utils.make_folder(os.path.join(cls.root, 'data'), count=8)
    unreadable = os.path.join(cls.root, 'unreadable')
    os.makedirs(unreadable)
    open(os.path.join(unreadable, 'empty.jpg'), 'wb').close()
    with open(os.path.join(unreadable, 'notes.png'), 'w') as f:
      f.write('text')
    tiny = ['--resolution=16', '--z_dim=8', '--g_base_width=4', '--d_base_width=4',
            '--batch_size=2', '--n_critic=1', '--num_samples=4']
    run = lambda name: os.path.join(cls.root, name)  # pylint: disable=unnecessary-lambda-assignment
    # Other bad flags and paths are tested in process (config_test, training_checkpoints_test,
    # export_test); these take the paths that only the binary has: a UserError raised during
    # training, DivergenceError, and generate's own checks.
    cases = {
        'unreadable_data': [f'--data={unreadable}', f'--model_dir={run("b")}'],
        'diverged': [f'--data={cls.data}', f'--model_dir={run("d")}', '--train_steps=4',
                     '--checkpoint_every_steps=2', '--inject_nan_at_step=3',
                     '--max_rollbacks=0'],
    }
    with concurrent.futures.ThreadPoolExecutor(len(cases)) as pool:
      futures = {name: pool.submit(testing_utils.run_module, 'tfgan_anime.train', *tiny, *args)
                 for name, args in cases.items()}
      generate = pool.submit(testing_utils.run_module, 'tfgan_anime.generate',
                             f'--saved_model={cls.root}', '--out=grid.jpg')
      cls.results = {name: testing_utils.Shared(future.result)
                     for name, future in futures.items()}
      cls.generate = testing_utils.Shared(generate.result)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _one_line(self, shared, status, *parts):
    result = shared.value
    self.assertEqual(result.returncode, status, result.stderr[-3000:])
    self.assertNotIn('Traceback', result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    self.assertLen(lines, 1, result.stderr[-3000:])
    for part in parts:
      self.assertIn(part, lines[0])
    return lines[0]

  def test_nothing_readable_fails_before_training(self):
    self._one_line(self.results['unreadable_data'], 2, 'None of the 2 image files',
                   'empty.jpg (empty file (0 bytes))')
    self.assertFalse(os.path.exists(os.path.join(self.root, 'b', 'checkpoints')))

  def test_divergence_exits_3(self):
    self._one_line(self.results['diverged'], 3, 'Training diverged', 'at step 3',
                   '--max_rollbacks=0', 'the last good checkpoint is step 2')
    # The bad step 3 was never saved, and nothing was exported.
    names = os.listdir(os.path.join(self.root, 'd', 'checkpoints'))
    self.assertCountEqual([n for n in names if n.endswith('.index')],
                          ['ckpt-0.index', 'ckpt-2.index'])
    self.assertFalse(os.path.exists(os.path.join(self.root, 'd', 'export')))

  def test_generate_bad_flag(self):
    self._one_line(self.generate, 2, 'Invalid --out', "out='grid.jpg'", 'ending in .png')


if __name__ == '__main__':
  tf.test.main()
