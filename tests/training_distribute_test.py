"""Strategies by name, TF_CONFIG, and two worker processes training like one device."""

import dataclasses
import json
import os
import socket
import subprocess
import sys

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime.training import distribute
from tfgan_anime.training import loop as train_lib
from tfgan_anime.data import pil_images
from tfgan_anime.data import pipeline
from tfgan_anime.data import tfrecord

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(('127.0.0.1', 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def _make_folder(root, count=32):
  os.makedirs(root, exist_ok=True)
  rng = np.random.default_rng(0)
  for i in range(count):
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
        os.path.join(root, f'{i:03d}.png'))
  return root


def tiny_config(model_dir, data):
  """16 px, widths 4, batch 4, n_critic 2, 3 steps; no batch norm, whose per-replica batch
  statistics differ from one device's by design."""
  return config_lib.TrainConfig(
      model_dir=model_dir, data=data, resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
      g_norm='none', d_norm='none', batch_size=4, n_critic=2, train_steps=3, steps_per_epoch=3,
      num_samples=4, export=False, checkpoint_every_steps=100, log_every_steps=1)


def fixed_images():
  return np.random.default_rng(0).integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)


class StrategyTest(tf.test.TestCase):

  def test_by_name(self):
    self.assertIs(distribute.make_strategy('default'), tf.distribute.get_strategy())
    if len(tf.config.list_logical_devices('CPU')) >= 2:
      mirrored = distribute.make_strategy('mirrored', ['/cpu:0', '/cpu:1'])
      self.assertEqual(mirrored.num_replicas_in_sync, 2)
      self.assertTrue(distribute.is_chief(mirrored))
      self.assertEqual(distribute.num_workers(mirrored), 1)
      self.assertFalse(distribute.in_multi_worker_mode(mirrored))
    with self.assertRaisesRegex(ValueError, "strategy='tpu'"):
      distribute.make_strategy('tpu')

  def test_multi_worker_needs_tf_config(self):
    previous = os.environ.pop('TF_CONFIG', None)
    try:
      with self.assertRaisesRegex(ValueError, 'TF_CONFIG'):
        distribute.make_strategy('multi_worker')
    finally:
      if previous is not None:
        os.environ['TF_CONFIG'] = previous

  def test_importing_the_binary_runs_no_tensorflow_op(self):
    # MultiWorkerMirroredStrategy must be created before the process's first op ("Collective
    # ops must be configured at program startup"); train.py creates it after its imports.
    code = ('import tensorflow as tf; from tensorflow.python.eager import context; '
            'import tfgan_anime.train; print(context.context()._context_handle is None)')
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=REPO), check=False)
    self.assertEqual(result.stdout.strip().splitlines()[-1:], ['True'], result.stderr[-2000:])

  def test_tf_config(self):
    value = json.loads(distribute.tf_config(['a:1', 'b:2'], 1))
    self.assertEqual(value, {'cluster': {'worker': ['a:1', 'b:2']},
                             'task': {'type': 'worker', 'index': 1}})
    with self.assertRaisesRegex(ValueError, 'index=2'):
      distribute.tf_config(['a:1', 'b:2'], 2)


class SyncBatchNormTest(tf.test.TestCase, parameterized.TestCase):
  """2 replicas of a batch-norm generator (and DCGAN critic) against one device."""

  def setUp(self):
    super().setUp()
    if len(tf.config.list_logical_devices('CPU')) < 2:
      self.skipTest('needs 2 logical CPUs (tests/conftest.py sets them up)')

  def _train(self, sync_batch_norm, strategy=None):
    # Batch norm in both networks: the generator's (the default --g_norm) and DCGAN's critic's
    # (with the minimax loss; the gradient penalty refuses a batch-norm critic).
    config = dataclasses.replace(
        tiny_config(self.get_temp_dir(), 'unused'), g_norm='batch', d_norm='batch',
        loss='non_saturating', penalty='none', sync_batch_norm=sync_batch_norm)
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(fixed_images()).repeat(), config.batch_size,
        config.n_critic)
    with (strategy or tf.distribute.get_strategy()).scope():
      gan = train_lib.build_gan(config)
    # build_gan seeds the initial weights: both runs start from the same ones.
    gan.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
    return gan.generator.get_weights() + gan.critic.get_weights()

  def test_two_replicas_equal_one_device_only_with_sync_batch_norm(self):
    # Synchronised batch norm all-reduces with collective ops: a fresh process of its own (see
    # testing_utils.rerun_in_fresh_process).
    if testing_utils.rerun_in_fresh_process(self):
      self._check_sync_batch_norm()

  def _check_sync_batch_norm(self):
    single = self._train('auto')  # One replica: per-batch statistics of the global batch.
    mirrored = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    synced = self._train('auto', mirrored)  # auto: synchronised with 2 replicas.
    unsynced = self._train('false', mirrored)
    self.assertLen(synced, len(single))
    for a, b in zip(single, synced):
      # The all-reduce sums in another order, and the variance is E[x^2] - E[x]^2.
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)
    # Per-replica statistics (2 images each instead of 4) train other weights.
    far = [np.max(np.abs(a - b)) for a, b in zip(single, unsynced)]
    self.assertGreater(max(far), 1e-3)
    self.assertGreater(sum(value > 1e-4 for value in far), len(far) // 2)


class MultiWorkerTest(tf.test.TestCase, parameterized.TestCase):

  def _start_workers(self, *args):
    """Two worker processes of tests/multi_worker_main.py on 127.0.0.1, one CPU device each."""
    workers = [f'127.0.0.1:{port}' for port in _free_ports(2)]
    processes = []
    for index in range(2):
      env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', PYTHONPATH=REPO,
                 TF_CONFIG=distribute.tf_config(workers, index))
      processes.append(subprocess.Popen(
          [sys.executable, os.path.join(REPO, 'tests', 'multi_worker_main.py'), *args],
          cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    return processes

  def _wait(self, processes):
    outputs = []
    try:
      for process in processes:
        outputs.append(process.communicate(timeout=400)[0])
    finally:
      for process in processes:
        if process.poll() is None:
          process.kill()
    for process, output in zip(processes, outputs):
      self.assertEqual(process.returncode, 0, output[-3000:])
    return outputs

  def test_two_workers_match_one_device(self):
    # Two processes of one CPU device each (2 replicas, 2 images each) against one device
    # (4 images), from the same seeded initial weights, on the same global batches.
    root = self.get_temp_dir()
    folder = _make_folder(os.path.join(root, 'images'))
    out_dir = os.path.join(root, 'multi')
    os.makedirs(out_dir)
    processes = self._start_workers(out_dir, folder)

    # The one-device run, here, while the workers start.
    config = tiny_config(os.path.join(root, 'single'), folder)
    single = train_lib.build_gan(config)
    untouched = [w.copy() for w in single.critic.get_weights()]
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(fixed_images()).repeat(), config.batch_size,
        config.n_critic)
    single.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)

    for output in self._wait(processes):
      # train_lib.train under --strategy=multi_worker ran to the end on every worker.
      self.assertIn('Trained to step 3.', output)

    with np.load(os.path.join(out_dir, 'weights.npz')) as saved:
      multi = [saved[f'arr_{i}'] for i in range(len(saved.files))]
    expected = single.generator.get_weights() + single.critic.get_weights()
    self.assertLen(multi, len(expected))
    for a, b in zip(expected, multi):
      # The all-reduce sums float32 gradients in another order than one device's batch mean.
      self.assertAllClose(a, b, atol=1e-5, rtol=1e-4)
    # Training moved the weights: the comparison is not between two untouched models.
    self.assertNotAllClose(untouched[0], single.critic.get_weights()[0])
    # Only the chief wrote the run directory: one event file; its last checkpoint is step 3.
    run = os.path.join(out_dir, 'run')
    self.assertLen(tf.io.gfile.glob(os.path.join(run, 'tensorboard', 'events.*')), 1)
    self.assertEndsWith(tf.train.latest_checkpoint(os.path.join(run, 'checkpoints')), 'ckpt-3')

  @parameterized.parameters('folder', 'shards')
  def test_resume_is_exact(self, data):
    # 4 steps straight against 2 steps, then a resume to 4, each as two worker processes: the
    # same weights, optimiser states, step and data position. Every worker reads a folder and
    # keeps its share of each batch; with shards each worker reads its own file (FILE).
    root = self.get_temp_dir()
    folder = _make_folder(os.path.join(root, 'images'))
    if data == 'shards':
      tfrecord.write_shards(pil_images.list_images(folder), os.path.join(root, 'shards'), 2)
      folder = os.path.join(root, 'shards', 'images-*.tfrecord')
    out_dir = os.path.join(root, 'multi')
    os.makedirs(out_dir)
    outputs = self._wait(self._start_workers('--resume', out_dir, folder))
    for output in outputs:
      self.assertIn('Resumed from', output)
      self.assertIn('Trained to step 4.', output)
    compared = testing_utils.assert_same_checkpoints(
        self, *(os.path.join(out_dir, run, 'checkpoints') for run in ('straight', 'resumed')))
    self.assertGreater(compared, 20)  # Both networks, both optimisers, the step, the data.


if __name__ == '__main__':
  tf.test.main()
