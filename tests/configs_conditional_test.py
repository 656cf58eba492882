"""configs/conditional.cfg (the CPU demo) and configs/conditional_64.cfg (the report's 64 px
WGAN-GP with tags): they parse, validate, name their sources and pass --dry_run."""

import contextlib
import io
import os

from absl.testing import parameterized
import tensorflow as tf

import testing_utils
from configs_test import _parse  # pylint: disable=g-bad-import-order
from tfgan_anime import dry_run

CONFIGS = ('conditional.cfg', 'conditional_64.cfg')


class ConditionalConfigsTest(tf.test.TestCase, parameterized.TestCase):

  def test_the_demo_is_the_quickstart_with_tags(self):
    demo, quickstart = _parse('conditional.cfg'), _parse('quickstart.cfg')
    demo.validate()
    self.assertEqual((demo.condition, demo.label_policy, demo.fake_labels, demo.g_condition,
                      demo.d_condition), ('hair,eyes', 'drop', 'empirical', 'cbn', 'projection'))
    for name, value in quickstart.to_dict().items():
      if name not in ('condition', 'label_policy', 'fake_labels', 'g_condition', 'd_condition'):
        self.assertEqual(getattr(demo, name), value, name)

  def test_the_64_px_config_is_the_reports_wgan_gp_with_tags(self):
    config, wgan_gp = _parse('conditional_64.cfg'), _parse('wgan_gp.cfg')
    config.validate()
    self.assertEqual(config.condition, 'hair,eyes')
    self.assertEqual((config.resolution, config.loss, config.penalty, config.n_critic),
                     (64, 'wasserstein', 'gp', 5))
    for name in ('g_base_width', 'd_base_width', 'kernel_size', 'batch_size', 'epochs', 'gp_weight',
                 'd_norm', 'g_lr', 'd_beta1', 'z_dim'):
      self.assertEqual(getattr(config, name), getattr(wgan_gp, name), name)

  @parameterized.parameters(*CONFIGS)
  def test_every_value_names_its_source(self, name):
    with open(os.path.join(os.path.dirname(dry_run.__file__), 'configs', name)) as f:
      lines = f.read().splitlines()
    for i, line in enumerate(lines):
      if line.startswith('--') and not line.startswith('--flagfile'):
        self.assertTrue(lines[i - 1].startswith('#'), f'{name}: {line} has no comment')

  @parameterized.parameters(*CONFIGS)
  def test_dry_run_builds_the_conditional_networks(self, name):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
      dry_run.print_networks(_parse(name))
    text = out.getvalue()
    # 12 hair and 10 eye colours: CBN's scale and shift maps read 22 one-hot inputs.
    self.assertIn('ConditionalBatchNormalization', text)
    self.assertIn('projection (Projection)', text)

  def test_one_binary_dry_run(self):
    model_dir = os.path.join(self.get_temp_dir(), 'run')
    result = testing_utils.run_module('tfgan_anime.train', '--flagfile=conditional.cfg',
                                      f'--model_dir={model_dir}', '--dry_run', timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('"condition": "hair,eyes"', result.stdout)
    self.assertIn('one_hot (OneHotGroups)', result.stdout)
    self.assertFalse(os.path.exists(model_dir))


if __name__ == '__main__':
  tf.test.main()
