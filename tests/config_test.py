"""TrainConfig validation, flag definitions, and the shipped flagfiles."""

import dataclasses
import os
import tempfile

from absl import flags
from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import flags as flags_lib
from tfgan_anime.training import loop as train_lib
from tfgan_anime.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _parse(argv, cwd=None):
  """Parses argv as the binary does (flagfiles expanded first) with a fresh FlagValues holding
  every TrainConfig flag, from `cwd` (default: a folder unrelated to the repository)."""
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  previous = os.getcwd()
  os.chdir(cwd or tempfile.mkdtemp())
  try:
    values(['train'] + flags_lib.expand_flagfiles(argv))
  finally:
    os.chdir(previous)
  return flags_lib.config_from_flags(values)


class ValidateTest(tf.test.TestCase, parameterized.TestCase):

  def test_defaults_with_a_model_dir_are_valid(self):
    self.assertIsNone(config_lib.TrainConfig(model_dir='x').validate())
    # The defaults are the WGAN-GP paper's.
    config = config_lib.TrainConfig(model_dir='x')
    self.assertEqual((config.loss, config.penalty, config.gp_weight, config.n_critic,
                      config.g_lr, config.g_beta1, config.g_beta2, config.d_norm),
                     ('wasserstein', 'gp', 10.0, 5, 1e-4, 0.0, 0.9, 'none'))
    # And the model_dir is what made them valid.
    with self.assertRaisesRegex(UserError, 'model_dir'):
      config_lib.TrainConfig().validate()

  @parameterized.named_parameters(
      ('no_model_dir', dict(model_dir=''), 'model_dir'),
      ('gp_with_batch_norm', dict(penalty='gp', d_norm='batch'), r"--d_norm.*d_norm='batch'"),
      ('gp_weight', dict(penalty='gp', gp_weight=0.0), 'gp_weight=0.0'),
      ('clip_value', dict(penalty='clip', clip_value=-1.0), 'clip_value=-1.0'),
      ('resolution', dict(resolution=100), 'resolution=100'),
      ('n_critic', dict(n_critic=0), 'n_critic=0'),
      ('batch', dict(batch_size=0), 'batch_size=0'),
      ('lr', dict(g_lr=0.0), 'g_lr=0.0'),
      ('beta', dict(d_beta2=1.0), 'd_beta2=1.0'),
      ('loss', dict(loss='l1'), "loss='l1'"),
      ('epochs', dict(epochs=0), 'epochs=0'),
      ('train_steps', dict(train_steps=-1), 'train_steps=-1'),
      ('strategy', dict(strategy='tpu'), "strategy='tpu'"),
      ('mixed_precision', dict(mixed_precision='float16'), "mixed_precision='float16'"),
      ('seed_negative', dict(seed=-1), 'seed=-1'),
      ('seed_too_big', dict(seed=2**32), 'seed=4294967296'),
      ('nan_lr', dict(d_lr=float('nan')), 'd_lr=nan'),
      ('inf_gp_weight', dict(gp_weight=float('inf')), r'gp_weight=inf.*finite'),
      ('nan_clip', dict(penalty='clip', clip_value=float('nan')), 'clip_value=nan'),
      ('gp_target', dict(gp_target=-1.0), 'gp_target=-1.0'),
      ('max_rollbacks', dict(max_rollbacks=-1), 'max_rollbacks=-1'),
      ('lr_factor_zero', dict(rollback_lr_factor=0.0), r'rollback_lr_factor=0.0.*\(0, 1\]'),
      ('lr_factor_above_one', dict(rollback_lr_factor=2.0), 'rollback_lr_factor=2.0'),
      ('keep_every', dict(keep_checkpoint_every_epochs=-2), 'keep_checkpoint_every_epochs=-2'),
      ('restore_step', dict(restore_step=-5), 'restore_step=-5'),
      ('lr_factor_with_a_schedule', dict(rollback_lr_factor=0.5, lr_decay='linear'),
       r'rollback_lr_factor=0.5; accepted: 1 with --lr_decay=linear'),
      ('mnist_at_64', dict(architecture='mnist', resolution=64),
       r'Invalid --resolution. Received: resolution=64; accepted: 28 with --architecture=mnist'),
      ('cars_at_28', dict(architecture='cars', resolution=28),
       r'resolution=28; accepted: 64 with --architecture=cars'),
      ('channels', dict(channels=2), r'Invalid --channels. Received: channels=2; accepted: 1 or 3'),
      ('tfds_name', dict(data='tfds:MNIST'), r"Invalid --data. Received: data='tfds:MNIST'; "
       r'accepted: tfds:NAME\[/CONFIG\]\[:SPLIT\]'),
      ('tfds_empty_split', dict(data='tfds:mnist:'), r"data='tfds:mnist:'"),
      ('mlp_with_tfds', dict(data='tfds:mnist', architecture='mlp'),
       r"architecture='mlp'; accepted: dcgan, mnist or cars with --data=tfds:mnist"),
  )
  def test_invalid(self, overrides, pattern):
    values = dict(model_dir='x')
    values.update(overrides)
    with self.assertRaisesRegex(ValueError, pattern) as raised:
      config_lib.TrainConfig(**values).validate()
    message = str(raised.exception)
    self.assertNotIn('\n', message)
    self.assertIn('accepted', message)

  def test_invalid_is_a_user_error(self):
    with self.assertRaises(UserError):
      config_lib.TrainConfig(model_dir='x', seed=-1).validate()

  def test_the_talk_networks_and_tfds_specs(self):
    for values in (dict(architecture='mnist', resolution=28, channels=1, z_dim=128),
                   dict(architecture='cars', resolution=64, z_dim=256),
                   dict(architecture='mnist', resolution=28, channels=3),
                   dict(architecture='dcgan', channels=1, resolution=32),
                   dict(data='tfds:mnist'), dict(data='tfds:cars196:train'),
                   dict(data='tfds:mnist:train[:10%]'), dict(data='tfds:wmt14_translate/de-en'),
                   # The evaluation during training reads the TFDS split too.
                   dict(data='tfds:mnist', eval_every_epochs=1)):
      self.assertIsNone(config_lib.TrainConfig(model_dir='x', **values).validate(), values)
    # The option defaults: 3 channels, TFDS's own data dir.
    config = config_lib.TrainConfig(model_dir='x')
    self.assertEqual((config.channels, config.tfds_data_dir), (3, ''))

  def test_batch_norm_critic_is_fine_without_gp(self):
    for penalty in ('none', 'clip'):
      self.assertIsNone(
          config_lib.TrainConfig(model_dir='x', penalty=penalty, d_norm='batch').validate())
    # Only the gradient penalty, which is per sample, refuses it.
    with self.assertRaisesRegex(UserError, 'd_norm'):
      config_lib.TrainConfig(model_dir='x', penalty='gp', d_norm='batch').validate()

  def test_write_and_reproduce(self):
    config = config_lib.TrainConfig(model_dir=self.get_temp_dir(), resolution=32, gp_one_sided=True,
                                    g_lr=3e-4)
    config.write(config.model_dir)
    again = _parse([f'--flagfile={os.path.join(config.model_dir, "flags.cfg")}'])
    self.assertEqual(again, config)
    self.assertTrue(os.path.isfile(os.path.join(config.model_dir, 'config.json')))


class CheckPathsTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.get_temp_dir()
    self.file = os.path.join(self.root, 'a_file')
    with open(self.file, 'w') as f:
      f.write('x')
    self.folder = os.path.join(self.root, 'images')
    os.makedirs(self.folder, exist_ok=True)

  def _paths(self, **overrides):
    values = dict(model_dir=os.path.join(self.root, 'run'), data=self.folder)
    for key, value in overrides.items():
      if isinstance(value, str):
        value = value.replace('FILE', self.file).replace('ROOT', self.root)
      values[key] = value
    return config_lib.TrainConfig(**values)

  def test_good_paths_pass_and_create_nothing(self):
    self._paths(cache=os.path.join(self.root, 'new', 'cache')).check_paths()
    # A TFDS spec is not a path; whether it is prepared is the data's check, before training.
    self._paths(data='tfds:mnist').check_paths()
    self._paths(data='tfds:mnist', tfds_data_dir=self.root).check_paths()
    self._paths(data='synthetic_faces', cache_dir=os.path.join(self.root, 'c')).check_paths()
    self._paths(data='toy2d:ring8').check_paths()
    self.assertCountEqual(os.listdir(self.root), ['a_file', 'images'])

  @parameterized.named_parameters(
      ('model_dir_is_a_file', dict(model_dir='FILE'), r'--model_dir.*not a file'),
      ('model_dir_below_a_file', dict(model_dir='FILE/run'), r'--model_dir.*is a file'),
      ('data_missing', dict(data='ROOT/nothing'), r'--data.*this path is missing'),
      ('data_is_a_file', dict(data='FILE'), r'--data.*this path is a file'),
      ('tfds_data_dir_missing', dict(data='tfds:mnist', tfds_data_dir='ROOT/nothing'),
       r'--tfds_data_dir.*accepted: an existing folder'),
      ('cache_dir_is_a_file', dict(cache_dir='FILE'), r'--cache_dir.*not a file'),
      ('cache_below_a_file', dict(cache='FILE/prefix'), r'--cache.*is a file'),
  )
  def test_bad_path(self, overrides, pattern):
    with self.assertRaisesRegex(UserError, pattern) as raised:
      self._paths(**overrides).check_paths()
    self.assertNotIn('\n', str(raised.exception))
    self.assertIn('accepted', str(raised.exception))

  def test_cache_directory_is_refused(self):
    with self.assertRaisesRegex(UserError, r'--cache.*not a directory'):
      self._paths(cache=self.folder).validate()

  def test_model_dir_that_cannot_be_created(self):
    # /proc refuses new folders even to root, whom chmod would not stop.
    with self.assertRaisesRegex(UserError, r"Invalid --model_dir.*'/proc/tfgan_anime_test/run'"):
      train_lib.prepare_model_dir('/proc/tfgan_anime_test/run')
    train_lib.prepare_model_dir(os.path.join(self.root, 'fine'))
    self.assertEqual(os.listdir(os.path.join(self.root, 'fine')), [])

  def test_one_off_flags_stay_out_of_the_flagfile(self):
    config = self._paths(restore_step=10, dry_run=True, deterministic=True)
    text = config.to_flagfile()
    self.assertNotIn('restore_step', text)
    self.assertNotIn('dry_run', text)
    self.assertIn('--deterministic\n', text)

  def test_test_hooks_are_not_options(self):
    # --inject_nan_at_step is a flag of the binary only (training/testing.py).
    names = [field.name for field in dataclasses.fields(config_lib.TrainConfig)]
    self.assertNotIn('inject_nan_at_step', names)
    with self.assertRaises(TypeError):
      config_lib.TrainConfig(model_dir='x', inject_nan_at_step=3)  # pylint: disable=unexpected-keyword-arg


class FlagfileTest(tf.test.TestCase, parameterized.TestCase):

  def test_wgan_gp(self):
    config = _parse(['--flagfile=configs/wgan_gp.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.loss, config.penalty, config.gp_weight, config.n_critic),
                     ('wasserstein', 'gp', 10.0, 5))
    self.assertEqual((config.g_lr, config.g_beta1, config.g_beta2), (1e-4, 0.0, 0.9))
    self.assertEqual((config.resolution, config.z_dim, config.batch_size), (64, 100, 128))
    self.assertEqual(config.d_norm, 'none')

  def test_wgan(self):
    config = _parse(['--flagfile=configs/wgan.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.penalty, config.clip_value, config.d_optimizer, config.n_critic),
                     ('clip', 0.01, 'rmsprop', 5))

  def test_dcgan(self):
    config = _parse(['--flagfile=configs/dcgan.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.loss, config.penalty, config.d_norm, config.n_critic),
                     ('non_saturating', 'none', 'batch', 1))

  def test_mnist_wgan_gp(self):
    config = _parse(['--flagfile=mnist_wgan_gp.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.data, config.architecture, config.resolution, config.channels,
                      config.z_dim), ('tfds:mnist', 'mnist', 28, 1, 128))
    self.assertEqual((config.penalty, config.gp_weight, config.n_critic, config.batch_size,
                      config.g_lr, config.g_beta1, config.g_beta2, config.epochs),
                     ('gp', 10.0, 5, 64, 1e-4, 0.0, 0.9, 140))
    small = _parse(['--flagfile=mnist_wgan_gp_cpu.cfg', '--model_dir=x'])
    small.validate()
    self.assertEqual(dataclasses.replace(small, batch_size=64, train_steps=0,
                                         checkpoint_every_steps=500, num_samples=64), config)
    self.assertLess(small.batch_size * small.n_critic * small.train_steps, 60000)

  def test_cars196_wgan_gp(self):
    config = _parse(['--flagfile=cars196_wgan_gp.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.data, config.architecture, config.resolution, config.channels,
                      config.z_dim, config.epochs), ('tfds:cars196:train', 'cars', 64, 3, 256, 900))

  def test_every_value_of_the_talk_configs_names_its_source(self):
    for name in ('mnist_wgan_gp.cfg', 'cars196_wgan_gp.cfg', 'mnist_wgan_gp_cpu.cfg'):
      with open(os.path.join(flags_lib.CONFIGS_DIR, name)) as f:
        lines = f.read().splitlines()
      for i, line in enumerate(lines):
        if line.startswith('--') and not lines[i - 1].startswith('--'):
          self.assertTrue(lines[i - 1].startswith('#'), (name, line))

  def test_quickstart_is_small(self):
    config = _parse(['--flagfile=configs/quickstart.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual(config.resolution, 32)
    self.assertEqual(config.data, 'synthetic_faces')

  def test_command_line_overrides_flagfile(self):
    config = _parse(['--flagfile=configs/wgan_gp.cfg', '--model_dir=x', '--n_critic=2'])
    self.assertEqual(config.n_critic, 2)

  def test_every_spelling_from_any_folder(self):
    # The README's spelling, a bare shipped name, and absolute paths, from the repository root
    # and from an unrelated folder: all the same run.
    expected = _parse(['--flagfile=configs/wgan_gp.cfg', '--model_dir=x'], cwd=REPO)
    for spelling in ('configs/wgan_gp.cfg', 'wgan_gp.cfg', os.path.join(REPO, 'configs/wgan_gp.cfg'),
                     os.path.join(flags_lib.CONFIGS_DIR, 'wgan_gp.cfg')):
      for cwd in (REPO, None):
        self.assertEqual(_parse([f'--flagfile={spelling}', '--model_dir=x'], cwd=cwd), expected,
                         (spelling, cwd))
    self.assertEqual(expected.batch_size, 128)  # From base.cfg, included by wgan_gp.cfg.

  def test_the_working_directory_comes_before_the_shipped_configs(self):
    cwd = tempfile.mkdtemp(dir=self.get_temp_dir())
    with open(os.path.join(cwd, 'wgan_gp.cfg'), 'w') as f:
      f.write('--n_critic=3\n')
    self.assertEqual(_parse(['--flagfile=wgan_gp.cfg'], cwd=cwd).n_critic, 3)

  def test_nested_flagfiles_are_relative_to_the_file_that_names_them(self):
    root = tempfile.mkdtemp(dir=self.get_temp_dir())
    os.makedirs(os.path.join(root, 'a', 'sub'))
    files = {'a/outer.cfg': '--flagfile=sub/inner.cfg\n--z_dim=7\n',
             'a/sub/inner.cfg': '# a comment\n\n  --flagfile=../../leaf.cfg\n// another\n'
                                '--z_dim=5\n--n_critic=4\n',
             'leaf.cfg': '--batch_size=3\n--n_critic=9\n'}
    for name, text in files.items():
      with open(os.path.join(root, name), 'w') as f:
        f.write(text)
    outer = os.path.join(root, 'a', 'outer.cfg')
    # In place and in order, so that later flags win as with absl's own expansion.
    self.assertEqual(flags_lib.expand_flagfiles(['--seed=1', f'--flagfile={outer}', '--seed=2']),
                     ['--seed=1', '--batch_size=3', '--n_critic=9', '--z_dim=5', '--n_critic=4',
                      '--z_dim=7', '--seed=2'])
    config = _parse([f'--flagfile={outer}'])
    self.assertEqual((config.batch_size, config.n_critic, config.z_dim), (3, 4, 7))
    # The two-argument spelling, one dash, and nothing expanded after "--".
    self.assertEqual(flags_lib.expand_flagfiles(['-flagfile', os.path.join(root, 'leaf.cfg'),
                                                 '--', '--flagfile=x.cfg']),
                     ['--batch_size=3', '--n_critic=9', '--', '--flagfile=x.cfg'])

  def test_a_missing_flagfile_says_where_it_looked(self):
    cwd = tempfile.mkdtemp(dir=self.get_temp_dir())
    with self.assertRaises(UserError) as raised:
      _parse(['--flagfile=configs/nope.cfg'], cwd=cwd)
    message = str(raised.exception)
    self.assertStartsWith(message, "Missing flagfile. Received: flagfile='configs/nope.cfg'")
    for looked in (os.path.join(cwd, 'configs', 'nope.cfg'),
                   os.path.join(flags_lib.CONFIGS_DIR, 'nope.cfg')):
      self.assertIn(looked, message)
    self.assertIn('wgan_gp.cfg', message)  # The shipped names.
    self.assertNotIn('\n', message)

  def test_a_missing_nested_flagfile_names_its_includer(self):
    root = tempfile.mkdtemp(dir=self.get_temp_dir())
    outer = os.path.join(root, 'outer.cfg')
    with open(outer, 'w') as f:
      f.write('--flagfile=base.cfg\n')
    with self.assertRaises(UserError) as raised:
      flags_lib.expand_flagfiles([f'--flagfile={outer}'])
    message = str(raised.exception)
    self.assertIn(f"Received: '--flagfile=base.cfg' in {outer}", message)
    self.assertIn(f'looked for: {os.path.join(root, "base.cfg")}', message)
    self.assertNotIn('\n', message)

  def test_a_flagfile_cycle_is_refused(self):
    root = tempfile.mkdtemp(dir=self.get_temp_dir())
    for name, other in (('a.cfg', 'b.cfg'), ('b.cfg', 'a.cfg')):
      with open(os.path.join(root, name), 'w') as f:
        f.write(f'--flagfile={other}\n')
    with self.assertRaisesRegex(UserError, r'includes itself.*a\.cfg -> .*b\.cfg -> .*a\.cfg'):
      flags_lib.expand_flagfiles([f'--flagfile={os.path.join(root, "a.cfg")}'])

  def test_shipped_configs_include_their_base_by_file_name(self):
    # So that they work wherever the package is installed (no path from the repository root).
    for name in flags_lib.shipped_configs():
      with open(os.path.join(flags_lib.CONFIGS_DIR, name)) as f:
        for line in f:
          if line.startswith('--flagfile='):
            included = line.strip().split('=', 1)[1]
            self.assertEqual(os.path.basename(included), included, name)
            self.assertTrue(os.path.isfile(os.path.join(flags_lib.CONFIGS_DIR, included)), name)
    self.assertContainsSubset({'base.cfg', 'wgan_gp.cfg', 'quickstart.cfg'},
                              set(flags_lib.shipped_configs()))

  def test_enum_flags_reject_bad_values_at_parse_time(self):
    with self.assertRaisesRegex(flags.IllegalFlagValueError, 'penalty'):
      _parse(['--penalty=r2'])


if __name__ == '__main__':
  tf.test.main()
