"""Tests for tools/fig2_sweep.py: the cells' flags, the table, resuming a half-done sweep."""

import json
import os
import sys

from absl.testing import parameterized
import tensorflow as tf

import testing_utils

sys.path.insert(0, os.path.join(testing_utils.REPO, 'tools'))
import fig2_sweep  # pylint: disable=g-import-not-at-top,wrong-import-position

# A few seconds per cell on a CPU: 16 px (SWD's smallest pyramid level), 40 faces, 2 steps.
TINY = ('--synthetic_num_images=40 --resolution=16 --g_base_width=8 --d_base_width=8 '
        '--z_dim=8 --batch_size=4 --num_samples=4 --diversity_every_epochs=0 '
        '--nodiversity_tags --log_every_steps=1')


class CellFlagsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(arch=('dcgan', 'no_bn_constant', 'mlp'), loss=('gan', 'wgan'))
  def test_the_cell_is_its_cpu_flagfile(self, arch, loss):
    """configs/report_cpu/fig2_<loss>_<arch>.cfg is the sweep's cell, one command each."""
    swept = fig2_sweep.parse_config(fig2_sweep.cell_args(arch, loss, 0, 'run'))
    shipped = fig2_sweep.parse_config([f'--flagfile=report_cpu/fig2_{loss}_{arch}.cfg',
                                       '--model_dir=run'])
    self.assertEqual(swept.to_dict(), shipped.to_dict())
    self.assertEqual(swept.g_arch, arch)
    self.assertEqual((swept.resolution, swept.d_norm), (16, 'batch'))  # The DCGAN critic.

  def test_the_losses_are_the_papers(self):
    wgan = fig2_sweep.parse_config(fig2_sweep.cell_args('mlp', 'wgan', 0, 'run'))
    # WGAN paper, Algorithm 1.
    self.assertEqual((wgan.loss, wgan.penalty, wgan.clip_value, wgan.n_critic, wgan.d_optimizer,
                      wgan.d_lr), ('wasserstein', 'clip', 0.01, 5, 'rmsprop', 5e-5))
    gan = fig2_sweep.parse_config(fig2_sweep.cell_args('mlp', 'gan', 0, 'run'))
    self.assertEqual((gan.loss, gan.n_critic, gan.d_optimizer, gan.d_lr, gan.d_beta1),
                     ('non_saturating', 1, 'adam', 2e-4, 0.5))
    gp = fig2_sweep.parse_config(fig2_sweep.cell_args('dcgan', 'wgan_gp', 0, 'run'))
    self.assertEqual((gp.penalty, gp.gp_weight, gp.d_norm, gp.n_critic), ('gp', 10.0, 'layer', 5))
    lsgan = fig2_sweep.parse_config(fig2_sweep.cell_args('dcgan', 'lsgan', 0, 'run'))
    self.assertEqual(lsgan.loss, 'least_squares')

  def test_later_flags_win(self):
    config = fig2_sweep.parse_config(
        fig2_sweep.cell_args('mlp', 'gan', 3, 'run', train_flags=['--resolution=32']))
    self.assertEqual((config.resolution, config.seed), (32, 3))

  def test_bad_lists_fail_in_one_line(self):
    with self.assertRaisesRegex(fig2_sweep.UserError, r'--archs.*archs=.dcgan,vit.*accepted'):
      fig2_sweep.split_list('dcgan,vit', fig2_sweep.ARCHS, 'archs')
    with self.assertRaisesRegex(fig2_sweep.UserError, r'--seeds'):
      fig2_sweep.split_list('0,x', None, 'seeds')


class MarkdownTableTest(tf.test.TestCase):

  def test_verdict_by_the_threshold(self):
    results = [
        {'arch': 'dcgan', 'loss': 'gan', 'seed': 0, 'swd_x1e3': 30.0, 'floor_swd_x1e3': 10.0,
         'step': 5, 'thumbnail': '/w/thumbs/a.png'},
        {'arch': 'mlp', 'loss': 'gan', 'seed': 0, 'swd_x1e3': 50.0, 'floor_swd_x1e3': 10.0,
         'step': 5, 'thumbnail': ''},
    ]
    table = fig2_sweep.markdown_table(results, ['dcgan', 'mlp'], ['gan', 'wgan'], 4.0, '/w')
    self.assertIn('| DCGAN generator | 30.0 (3.0x floor): **trains** (1/1 seeds) | not run |',
                  table)
    self.assertIn('| 4 x 512 ReLU MLP | 50.0 (5.0x floor): **fails** (0/1 seeds) | not run |',
                  table)
    self.assertIn('![dcgan gan](thumbs/a.png)', table)
    self.assertIn('at most 4x the real-vs-real floor (10)', table)


class SweepBinaryTest(tf.test.TestCase):

  def _sweep(self, work_dir, archs, losses):
    result = testing_utils.run_module(
        'tools.fig2_sweep', f'--archs={archs}', f'--losses={losses}', '--seeds=0',
        f'--work_dir={work_dir}', '--size_flagfile=report_cpu/cpu.cfg',
        f'--train_flags={TINY} --train_steps=2 --cache_dir={work_dir}/cache',
        '--eval_num_samples=10', '--thumb_px=16')
    self.assertEqual(result.returncode, 0, result.stderr)
    return result.stdout

  def test_writes_its_table_and_resumes(self):
    work_dir = os.path.join(self.get_temp_dir(), 'sweep')
    # A cell stopped half-way: one step trained and checkpointed, never measured.
    half = os.path.join(work_dir, 'mlp_wgan_seed0')
    config = fig2_sweep.parse_config(fig2_sweep.cell_args(
        'mlp', 'wgan', 0, half, size_flagfile='report_cpu/cpu.cfg',
        train_flags=[*TINY.split(), '--train_steps=1', f'--cache_dir={work_dir}/cache']))
    from tfgan_anime.training import loop  # pylint: disable=g-import-not-at-top
    loop.train(config, log=lambda message: None)

    first = self._sweep(work_dir, 'mlp', 'gan,wgan')
    with open(os.path.join(work_dir, 'fig2.md')) as f:
      table = f.read()
    self.assertIn('| generator | DCGAN (GAN) | WGAN (clipping) |', table)
    self.assertRegex(table, r'\| 4 x 512 ReLU MLP \| [0-9.]+ \([0-9.]+x floor\): '
                     r'\*\*(trains|fails)\*\* \(\d/1 seeds\) \| [0-9.]+ ')
    self.assertIn('![mlp gan](thumbs/mlp_gan_seed0.png)', table)
    self.assertTrue(os.path.isfile(os.path.join(work_dir, 'thumbs', 'mlp_wgan_seed0.png')))
    with open(os.path.join(work_dir, 'fig2.md.json')) as f:
      results = {(r['arch'], r['loss']): r for r in json.load(f)}
    self.assertLen(results, 2)
    # The half-done cell went on from its checkpoint to the end; the other started anew.
    self.assertEqual(results['mlp', 'wgan']['resumed'], 'from a checkpoint')
    self.assertEqual(results['mlp', 'gan']['resumed'], 'new')
    self.assertEqual({r['step'] for r in results.values()}, {2})
    self.assertIn('mlp wgan seed 0:', first)

    # Run again with one more architecture: the finished cell is not trained again.
    stamp = os.path.getmtime(os.path.join(work_dir, 'mlp_gan_seed0', 'config.json'))
    second = self._sweep(work_dir, 'mlp,no_bn_constant', 'gan')
    self.assertIn('mlp gan seed 0: SWD', second)
    self.assertEqual(second.count('finished before'), 1)
    self.assertEqual(
        os.path.getmtime(os.path.join(work_dir, 'mlp_gan_seed0', 'config.json')), stamp)
    self.assertTrue(os.path.isfile(os.path.join(work_dir, 'no_bn_constant_gan_seed0',
                                                fig2_sweep.CELL_FILE)))
    with open(os.path.join(work_dir, 'fig2.md')) as f:
      self.assertIn('| no BN, constant width |', f.read())


if __name__ == '__main__':
  tf.test.main()
