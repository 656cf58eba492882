"""TrainConfig validation, flag definitions, and the shipped flagfiles."""

import os

from absl import flags
from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import flags as flags_lib

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
  )
  def test_invalid(self, overrides, pattern):
    values = dict(model_dir='x')
    values.update(overrides)
    with self.assertRaisesRegex(ValueError, pattern) as raised:
      config_lib.TrainConfig(**values).validate()
    message = str(raised.exception)
    self.assertNotIn('\n', message)
    self.assertIn('accepted', message)

  def test_batch_norm_critic_is_fine_without_gp(self):
    config_lib.TrainConfig(model_dir='x', penalty='none', d_norm='batch').validate()

  def test_write_and_reproduce(self):
    config = config_lib.TrainConfig(model_dir=self.get_temp_dir(), resolution=32, gp_one_sided=True,
                                    g_lr=3e-4)
    config.write(config.model_dir)
    again = _parse([f'--flagfile={os.path.join(config.model_dir, "flags.cfg")}'])
    self.assertEqual(again, config)
    self.assertTrue(os.path.isfile(os.path.join(config.model_dir, 'config.json')))


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
