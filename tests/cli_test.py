"""The binaries' convention (cli.py): instant help and bad flags, quiet TensorFlow start-up,
hidden test hooks, flagfiles from any folder."""

import os
import subprocess
import sys
import tempfile
import textwrap

import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What TensorFlow's C++ start-up prints before any option of ours matters.
NOISE = ('cuInit', 'oneDNN', 'absl::InitializeLog', 'cuda drivers')


def _python(args, cwd=None, pythonpath=REPO, **extra_env):
  """Runs `python args` from `cwd` (default: an empty folder) with `pythonpath`, and
  TF_CPP_MIN_LOG_LEVEL as a user without it has it (unset) unless given."""
  env = dict(os.environ, PYTHONPATH=pythonpath, **extra_env)
  if 'TF_CPP_MIN_LOG_LEVEL' not in extra_env:
    env.pop('TF_CPP_MIN_LOG_LEVEL', None)
  return subprocess.run([sys.executable, *args], cwd=cwd or tempfile.mkdtemp(), env=env,
                        capture_output=True, text=True, timeout=300, check=False)


def _loads_tensorflow(module, *args):
  """(exit status, stderr, whether TensorFlow was imported) of running `module` as a binary."""
  code = textwrap.dedent(f'''
      import runpy, sys
      sys.argv = [{module!r}] + {list(args)!r}
      try:
        runpy.run_module({module!r}, run_name='__main__', alter_sys=True)
      except SystemExit as e:
        status = e.code
      else:
        status = 0
      print('STATUS', status, 'TENSORFLOW', 'tensorflow' in sys.modules)
  ''')
  result = _python(['-c', code])
  last = result.stdout.strip().splitlines()[-1].split()
  return int(last[1]), result.stderr, last[3] == 'True'


class NoTensorFlowTest(tf.test.TestCase):

  def test_help_loads_no_tensorflow(self):
    for module in ('tfgan_anime.train', 'tfgan_anime.generate'):
      status, _, loaded = _loads_tensorflow(module, '--helpfull')
      self.assertEqual(status, 1, module)  # absl's help exits with 1.
      self.assertFalse(loaded, module)

  def test_bad_flags_fail_before_tensorflow(self):
    for module, args, part in (
        ('tfgan_anime.train', ['--model_dir=x', '--resolution=100'], 'resolution=100'),
        ('tfgan_anime.train', ['--flagfile=wgan_gp.cfg', '--model_dir=x', '--d_norm=batch'],
         "d_norm='batch'; accepted: none, layer or spectral with --penalty=gp"),
        ('tfgan_anime.generate', ['--saved_model=/nonexistent'], 'No SavedModel found'),
    ):
      status, stderr, loaded = _loads_tensorflow(module, *args)
      self.assertEqual(status, 2, stderr)
      self.assertFalse(loaded, module)
      self.assertEqual([line for line in stderr.splitlines() if line.startswith('error: ')],
                       [line for line in stderr.splitlines() if line], stderr)
      self.assertIn(part, stderr)


class FlagfileBinaryTest(tf.test.TestCase):

  def test_a_missing_flagfile_is_one_line(self):
    result = _python(['-m', 'tfgan_anime.train', '--flagfile=configs/nope.cfg', '--model_dir=x'])
    self.assertEqual(result.returncode, 2, result.stderr)
    self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
    self.assertStartsWith(result.stderr, "error: Missing flagfile. Received: "
                          "flagfile='configs/nope.cfg'; looked for: ")
    self.assertIn(os.path.join('tfgan_anime', 'configs', 'nope.cfg'), result.stderr)

  def test_test_hooks_are_hidden_from_helpshort(self):
    short = _python(['-m', 'tfgan_anime.train', '--helpshort'])
    self.assertIn('--model_dir', short.stdout)  # The options are listed...
    self.assertNotIn('inject_nan_at_step', short.stdout)  # ...but not the test hook.
    full = _python(['-m', 'tfgan_anime.train', '--helpfull'])
    section = full.stdout.split('tfgan_anime.training.testing:')[1]
    self.assertIn('--inject_nan_at_step: Testing only', section)


class QuietStartTest(tf.test.TestCase):
  """cli.import_tensorflow against a stand-in `tensorflow` that prints what the real one does."""

  def setUp(self):
    super().setUp()
    self.fake = tempfile.mkdtemp(dir=self.get_temp_dir())
    os.makedirs(os.path.join(self.fake, 'tensorflow'))
    with open(os.path.join(self.fake, 'tensorflow', '__init__.py'), 'w') as f:
      f.write(textwrap.dedent('''
          import os, sys, types
          os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are '
                      b'written to STDERR\\n'
                      b'I0000 port.cc:153] oneDNN custom operations are on. You may see ...\\n'
                      b'I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine\\n'
                      b'W0000 something.cc:1] a warning worth seeing\\n')
          print('a Python warning on stderr', file=sys.stderr)
          if os.environ.get('FAKE_TF_FAIL'):
            raise ImportError('libcudart.so.12: cannot open shared object file')
          def _devices(kind=None):
            os.write(2, b'E0000 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR\\n')
            return []
          config = types.SimpleNamespace(list_physical_devices=_devices)
      '''))

  def _import(self, **env):
    code = ('import os; from tfgan_anime import cli; cli.import_tensorflow(); '
            'print(os.environ["TF_CPP_MIN_LOG_LEVEL"])')
    return _python(['-c', code], pythonpath=os.pathsep.join([self.fake, REPO]), **env)

  def test_start_up_noise_is_dropped_and_the_rest_kept(self):
    result = self._import()
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stderr.splitlines(),
                     ['W0000 something.cc:1] a warning worth seeing',
                      'a Python warning on stderr'])
    self.assertEqual(result.stdout.strip(), '2')  # The default level.

  def test_an_import_error_shows_everything(self):
    result = self._import(FAKE_TF_FAIL='1')
    self.assertEqual(result.returncode, 1)
    self.assertIn('oneDNN custom operations', result.stderr)
    self.assertIn('a warning worth seeing', result.stderr)
    self.assertIn('ImportError: libcudart.so.12', result.stderr.splitlines()[-1])

  def test_the_users_level_is_kept(self):
    result = self._import(TF_CPP_MIN_LOG_LEVEL='1')
    self.assertEqual(result.stdout.strip(), '1')
    self.assertNotIn('oneDNN', result.stderr)
    # 0 asks for every line: nothing is filtered.
    result = self._import(TF_CPP_MIN_LOG_LEVEL='0')
    self.assertEqual(result.stdout.strip(), '0')
    self.assertIn('oneDNN custom operations', result.stderr)
    self.assertIn('absl::InitializeLog', result.stderr)

  def test_the_real_tensorflow_starts_quietly(self):
    result = _python(['-c', 'from tfgan_anime import cli; tf = cli.import_tensorflow(); '
                      'print(tf.reduce_sum(tf.ones([3])).numpy())'])
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stdout.strip(), '3.0')
    for noise in NOISE:
      self.assertNotIn(noise, result.stderr)


if __name__ == '__main__':
  tf.test.main()
