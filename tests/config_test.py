"""TrainConfig validation, flag definitions, and the shipped flagfiles."""

import os

from absl import flags
from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import flags as flags_lib
from tfgan_anime.training import loop as train_lib
from tfgan_anime.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _parse(argv):
  """Parses argv with a fresh FlagValues holding every TrainConfig flag, from the repo root."""
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  cwd = os.getcwd()
  os.chdir(REPO)  # Flagfiles name their base relative to the repository root.
  try:
    values(['train'] + argv)
  finally:
    os.chdir(cwd)
  return flags_lib.config_from_flags(values)


class ValidateTest(tf.test.TestCase, parameterized.TestCase):

  def test_defaults_with_a_model_dir_are_valid(self):
    config_lib.TrainConfig(model_dir='x').validate()

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
      ('inject', dict(inject_nan_at_step=-1), 'inject_nan_at_step=-1'),
      ('lr_factor_with_a_schedule', dict(rollback_lr_factor=0.5, lr_decay='linear'),
       r'rollback_lr_factor=0.5; accepted: 1 with --lr_decay=linear'),
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

  def test_batch_norm_critic_is_fine_without_gp(self):
    config_lib.TrainConfig(model_dir='x', penalty='none', d_norm='batch').validate()

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
    self._paths(data='synthetic_faces', cache_dir=os.path.join(self.root, 'c')).check_paths()
    self._paths(data='toy2d:ring8').check_paths()
    self.assertCountEqual(os.listdir(self.root), ['a_file', 'images'])

  @parameterized.named_parameters(
      ('model_dir_is_a_file', dict(model_dir='FILE'), r'--model_dir.*not a file'),
      ('model_dir_below_a_file', dict(model_dir='FILE/run'), r'--model_dir.*is a file'),
      ('data_missing', dict(data='ROOT/nothing'), r'--data.*this path is missing'),
      ('data_is_a_file', dict(data='FILE'), r'--data.*this path is a file'),
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
    config = self._paths(restore_step=10, inject_nan_at_step=3, deterministic=True)
    text = config.to_flagfile()
    self.assertNotIn('restore_step', text)
    self.assertNotIn('inject_nan_at_step', text)
    self.assertIn('--deterministic\n', text)


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

  def test_quickstart_is_small(self):
    config = _parse(['--flagfile=configs/quickstart.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual(config.resolution, 32)
    self.assertEqual(config.data, 'synthetic_faces')

  def test_command_line_overrides_flagfile(self):
    config = _parse(['--flagfile=configs/wgan_gp.cfg', '--model_dir=x', '--n_critic=2'])
    self.assertEqual(config.n_critic, 2)

  def test_enum_flags_reject_bad_values_at_parse_time(self):
    with self.assertRaisesRegex(flags.IllegalFlagValueError, 'penalty'):
      _parse(['--penalty=r2'])


if __name__ == '__main__':
  tf.test.main()
