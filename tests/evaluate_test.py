"""The evaluate binary as a user runs it: a toy export, a table on stdout, JSON beside the run."""

import json
import os
import subprocess
import sys

import keras
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import export as export_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class EvaluateBinaryTest(tf.test.TestCase):

  def test_toy_export_table_and_json(self):
    run_dir = os.path.join(self.get_temp_dir(), 'run')
    # A generator that puts every point on ring8's first mode, (1, 0), and the run's config.json
    # that tells the binary which data it was trained on.
    z = keras.Input((2,))
    out = keras.layers.Dense(2, kernel_initializer='zeros',
                             bias_initializer=keras.initializers.Constant([1.0, 0.0]))(z)
    export_lib.export_generator(keras.Model(z, out), os.path.join(run_dir, 'export'))
    config_lib.TrainConfig(model_dir=run_dir, data='toy2d:ring8', architecture='mlp').write(run_dir)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', PYTHONPATH=REPO)
    result = subprocess.run(
        [sys.executable, '-m', 'tfgan_anime.evaluate', f'--saved_model={run_dir}/export',
         '--metrics=toy,swd', '--num_samples=200'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    self.assertIn('modes captured', result.stdout)
    self.assertRegex(result.stdout, r'modes captured\s+1 / 8')
    self.assertRegex(result.stdout, r'high-quality samples\s+100.0%')
    with open(os.path.join(run_dir, 'eval.json')) as f:
      results = json.load(f)
    self.assertEqual(results['data'], 'toy2d:ring8')
    self.assertEqual(results['toy_modes_captured'], 1)
    self.assertAlmostEqual(results['toy_reverse_kl'], 2.0794415, places=5)  # log 8

  def test_with_floor_prints_each_metric_beside_its_cached_floor(self):
    run_dir = os.path.join(self.get_temp_dir(), 'floor_run')
    cache_dir = os.path.join(self.get_temp_dir(), 'floor_cache')
    z = keras.Input((2,))
    out = keras.layers.Dense(2, kernel_initializer='zeros',
                             bias_initializer=keras.initializers.Constant([1.0, 0.0]))(z)
    export_lib.export_generator(keras.Model(z, out), os.path.join(run_dir, 'export'))
    config_lib.TrainConfig(model_dir=run_dir, data='toy2d:ring8', architecture='mlp').write(run_dir)
    args = (f'--saved_model={run_dir}/export', '--metrics=toy', '--num_samples=400',
            f'--cache_dir={cache_dir}', '--with_floor')
    first, second = self._run(*args), self._run(*args)
    for result in (first, second):
      self.assertEqual(result.returncode, 0, result.stderr[-2000:])
      # Two halves of ring8 cover its 8 modes; the export covers 1.
      self.assertRegex(result.stdout, r'modes captured\s+1 / 8 \(floor 8 / 8\)')
    self.assertIn('Computing the real-vs-real floor once', first.stdout)
    self.assertIn('Real-vs-real floor from', second.stdout)
    self.assertLen(os.listdir(os.path.join(cache_dir, 'stats')), 1)
    with open(os.path.join(run_dir, 'eval.json')) as f:
      self.assertEqual(json.load(f)['floor']['toy_modes_captured'], 8)

  def _run(self, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', PYTHONPATH=REPO)
    return subprocess.run([sys.executable, '-m', 'tfgan_anime.evaluate', *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300, check=False)

  def test_bad_input_is_one_error_line_and_exit_2(self):
    # Refused before TensorFlow loads: stderr holds that one line and nothing else.
    result = self._run('--real_vs_real', '--data=toy2d:ring8', '--metrics=fid')
    self.assertEqual(result.returncode, 2, result.stderr[-2000:])
    self.assertEqual(result.stderr.strip().splitlines(),
                     ["error: Invalid --metrics. Received: metrics='fid'; accepted: a "
                      'comma-separated list of swd, toy for toy data'])
    self.assertEqual(result.stdout, '')
    # Raised by the library after TensorFlow loaded: still one line, no traceback.
    missing = os.path.join(self.get_temp_dir(), 'no_run', 'export')
    result = self._run(f'--saved_model={missing}', '--data=toy2d:ring8', '--metrics=swd')
    self.assertEqual(result.returncode, 2, result.stderr[-2000:])
    self.assertNotIn('Traceback', result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith('error:')]
    self.assertEqual(errors, [f'error: Invalid --saved_model: no saved_model.pb there. Received: '
                              f'saved_model={missing!r}; accepted: an export directory written '
                              'by tfgan_anime.train (<model_dir>/export or export_best)'])


if __name__ == '__main__':
  tf.test.main()
