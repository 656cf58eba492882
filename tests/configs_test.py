"""The shipped flagfiles: every one parses and validates; the report's runs match the report."""

import glob
import os
import re
import tempfile

from absl import flags
from absl.testing import parameterized
import tensorflow as tf

import testing_utils
from tfgan_anime import flags as flags_lib

CONFIGS = flags_lib.CONFIGS_DIR
ALL_CONFIGS = sorted(os.path.relpath(path, CONFIGS)
                     for path in glob.glob(os.path.join(CONFIGS, '**', '*.cfg'), recursive=True))


def _parse(path, *extra):
  """The TrainConfig of the flagfile at `path` (relative to the configs), as the binary parses."""
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  previous = os.getcwd()
  os.chdir(tempfile.mkdtemp())  # Nested flagfiles must resolve from their own folder.
  try:
    values(['train'] + flags_lib.expand_flagfiles(
        [f'--flagfile={path}', '--model_dir=run', *extra]))
  finally:
    os.chdir(previous)
  return flags_lib.config_from_flags(values)


# The report's settings of each run (the report, sections DCGAN, WGAN and WGAN-GP):
# (loss, penalty, n_critic, gp_weight, clip_value, optimiser, lr, batch, epochs).
# gp_weight and clip_value are checked only where the penalty uses them.
REPORT = {
    'dcgan.cfg': ('non_saturating', 'none', 1, None, None, 'adam', 1e-4, 128, 50),
    'wgan_clip_ncritic1.cfg': ('wasserstein', 'clip', 1, None, 0.01, 'rmsprop', 1e-4, 128, 50),
    'wgan_clip_ncritic2.cfg': ('wasserstein', 'clip', 2, None, 0.01, 'rmsprop', 1e-4, 128, 50),
    'wgan_clip_ncritic4.cfg': ('wasserstein', 'clip', 4, None, 0.01, 'rmsprop', 1e-4, 128, 50),
    'wgan_gp_lambda0.5_ncritic1.cfg': ('wasserstein', 'gp', 1, 0.5, None, 'adam', 1e-4, 128, 50),
    'wgan_gp_lambda5_ncritic1.cfg': ('wasserstein', 'gp', 1, 5.0, None, 'adam', 1e-4, 128, 50),
    'wgan_gp_lambda5_ncritic2.cfg': ('wasserstein', 'gp', 2, 5.0, None, 'adam', 1e-4, 128, 50),
}


# The CPU twins' batch (report_cpu/cpu.cfg): twice the report's generator steps per CPU second.
TWIN_BATCH = 64


class EveryConfigTest(tf.test.TestCase, parameterized.TestCase):

  def test_the_configs_are_found(self):
    self.assertContainsSubset(
        {'base.cfg', 'wgan_gp.cfg', 'report/dcgan.cfg', 'report_cpu/dcgan.cfg',
         'report_cpu/cpu.cfg'}, ALL_CONFIGS)
    self.assertEqual({os.path.basename(name) for name in ALL_CONFIGS if name.startswith('report/')},
                     set(REPORT))

  @parameterized.parameters(*ALL_CONFIGS)
  def test_parses_and_validates(self, name):
    config = _parse(name)
    config.validate()  # What --dry_run checks before it builds the networks.

  def test_one_binary_dry_run(self):
    model_dir = os.path.join(self.get_temp_dir(), 'run')
    result = testing_utils.run_module('tfgan_anime.train', '--flagfile=report_cpu/dcgan.cfg',
                                      f'--model_dir={model_dir}', '--dry_run', timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('"resolution": 16', result.stdout)
    self.assertIn('Generator', result.stdout)
    self.assertIn('Critic', result.stdout)
    self.assertFalse(os.path.exists(model_dir))


class ReportTableTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*sorted(REPORT))
  def test_matches_the_report(self, name):
    loss, penalty, n_critic, gp_weight, clip_value, optimizer, lr, batch, epochs = REPORT[name]
    for folder in ('report', 'report_cpu'):
      config = _parse(f'{folder}/{name}')
      with self.subTest(folder=folder):
        self.assertEqual(config.loss, loss)
        self.assertEqual(config.penalty, penalty)
        self.assertEqual(config.n_critic, n_critic)
        if gp_weight is not None:
          self.assertEqual(config.gp_weight, gp_weight)
        if clip_value is not None:
          self.assertEqual(config.clip_value, clip_value)
        self.assertEqual((config.g_optimizer, config.d_optimizer), (optimizer, optimizer))
        self.assertEqual((config.g_lr, config.d_lr), (lr, lr))
        if folder == 'report':
          self.assertEqual(config.batch_size, batch)
          self.assertEqual(config.epochs, epochs)
        else:  # The twin's budget (report_cpu/cpu.cfg): 2/5 of the report's epochs.
          self.assertEqual((config.batch_size, config.epochs), (TWIN_BATCH, epochs * 2 // 5))
        self.assertEqual(config.z_dim, 100)  # Report: noise 100.
        self.assertEqual(config.d_norm, 'batch' if name == 'dcgan.cfg' else 'none')

  @parameterized.parameters(*sorted(REPORT))
  def test_the_cpu_twin_is_small(self, name):
    full, twin = _parse(f'report/{name}'), _parse(f'report_cpu/{name}')
    self.assertEqual((full.resolution, full.g_base_width, full.d_base_width), (64, 64, 64))
    self.assertEqual((twin.resolution, twin.g_base_width, twin.d_base_width), (16, 32, 32))
    self.assertEqual(twin.data, 'synthetic_faces')
    self.assertLessEqual(twin.synthetic_num_images, 2000)
    self.assertTrue(twin.diversity_tags)
    # Nothing else differs: the twin is the report's run, smaller.
    differ = {key for key, value in full.to_dict().items() if twin.to_dict()[key] != value}
    self.assertEqual(differ, {'resolution', 'g_base_width', 'd_base_width',
                              'synthetic_num_images', 'diversity_tags', 'batch_size', 'epochs',
                              'keep_checkpoint_every_epochs'})
    # The report's epochs map to the twin's at 2/5 (docs/EXPERIMENTS.md): 25 -> 10, 50 -> 20.
    self.assertEqual(twin.keep_checkpoint_every_epochs, 10)

  @parameterized.parameters(*sorted(REPORT))
  def test_every_value_names_its_source(self, name):
    with open(os.path.join(CONFIGS, 'report', name)) as f:
      lines = f.read().splitlines()
    previous_comment = False
    for line in lines:
      if line.startswith('--') and not line.startswith('--flagfile'):
        # A flag follows a comment, or another flag under the same comment.
        self.assertTrue(previous_comment, f'{name}: {line} has no comment naming its source')
      if line.startswith('#'):
        self.assertTrue(previous_comment or re.search(
            r'Report|paper|Keep', line), f'{name}: {line}')
        previous_comment = True
      elif not line.strip():
        previous_comment = False

  def test_the_readme_names_every_report_config(self):
    with open(os.path.join(CONFIGS, 'report', 'README.md')) as f:
      readme = f.read()
    for name in REPORT:
      self.assertIn(f'`{name}`', readme)


class SnganConfigTest(tf.test.TestCase, parameterized.TestCase):
  """configs/sngan.cfg (Miyato et al. 2018) and its CPU twin."""

  def test_the_papers_settings(self):
    config = _parse('sngan.cfg')
    config.validate()
    self.assertEqual((config.loss, config.penalty, config.d_norm), ('hinge', 'none', 'spectral'))
    self.assertEqual(config.n_critic, 5)
    self.assertEqual((config.d_optimizer, config.d_lr, config.d_beta1, config.d_beta2),
                     ('adam', 2e-4, 0.0, 0.9))
    self.assertEqual((config.g_optimizer, config.g_lr, config.g_beta1, config.g_beta2),
                     ('adam', 2e-4, 0.0, 0.9))
    self.assertEqual(config.resolution, 64)

  def test_the_cpu_twin_is_the_quickstarts_budget(self):
    twin, quickstart = _parse('sngan_cpu.cfg'), _parse('quickstart.cfg')
    twin.validate()
    self.assertEqual((twin.loss, twin.d_norm, twin.n_critic), ('hinge', 'spectral', 1))
    # Table 1 setting C of the paper.
    self.assertEqual((twin.d_lr, twin.d_beta1, twin.d_beta2), (2e-4, 0.5, 0.999))
    # Only the method differs from the quickstart: data, networks, EMA and budget are its own.
    method = {'loss', 'd_norm', 'penalty', 'd_lr', 'g_beta2', 'd_beta2', 'model_dir'}
    differ = {name for name, value in twin.to_dict().items()
              if value != quickstart.to_dict()[name]}
    self.assertEqual(differ - {'model_dir'}, method - {'model_dir'})

  @parameterized.parameters('sngan.cfg', 'sngan_cpu.cfg')
  def test_every_value_names_its_source(self, name):
    with open(os.path.join(CONFIGS, name)) as f:
      lines = f.read().splitlines()
    previous_comment = False
    for line in lines:
      if line.startswith('--') and not line.startswith('--flagfile'):
        self.assertTrue(previous_comment, f'{name}: {line} has no comment naming its source')
      if line.startswith('#'):
        previous_comment = True
      elif not line.strip():
        previous_comment = False
    if name == 'sngan.cfg':
      self.assertEqual(sum('Miyato et al. 2018' in line for line in lines), 4)

  def test_dry_run_builds_the_spectral_critic(self):
    model_dir = os.path.join(self.get_temp_dir(), 'run')
    result = testing_utils.run_module('tfgan_anime.train', '--flagfile=sngan_cpu.cfg',
                                      f'--model_dir={model_dir}', '--dry_run', timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('"d_norm": "spectral"', result.stdout)
    self.assertIn('down0_sn', result.stdout)  # The critic's convolutions are wrapped.
    self.assertFalse(os.path.exists(model_dir))


if __name__ == '__main__':
  tf.test.main()
