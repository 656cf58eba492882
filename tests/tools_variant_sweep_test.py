"""Tests for tools/variant_sweep.py: the variants file, the cells' flags, the table, resuming."""

import json
import os
import subprocess
import sys

import tensorflow as tf

import testing_utils

sys.path.insert(0, os.path.join(testing_utils.REPO, 'tools'))
import variant_sweep  # pylint: disable=g-import-not-at-top,wrong-import-position

SHIPPED = [os.path.join(testing_utils.REPO, 'tools', 'variants', name)
           for name in ('demo_tricks.txt', 'small_folder.txt', 'demo_candidates.txt',
                        'precision.txt')]
# A few seconds per cell on a CPU: 16 px (SWD's smallest pyramid level), 40 faces, 2 steps.
TINY = ('--resolution=16 --synthetic_num_images=40 --g_base_width=8 --d_base_width=8 '
        '--z_dim=8 --batch_size=4 --num_samples=4 --diversity_every_epochs=0 '
        '--nodiversity_tags --train_steps=2 --steps_per_epoch=2')


class VariantsFileTest(tf.test.TestCase):

  def _write(self, text):
    path = os.path.join(self.get_temp_dir(), 'variants.txt')
    with open(path, 'w') as f:
      f.write(text)
    return path

  def test_reads_names_labels_and_flags(self):
    path = self._write('# a comment\n\nbase | the base |\n'
                       'noise | + noise 0.1 | --instance_noise=0.1 --seed=3  # why\n')
    self.assertEqual(variant_sweep.read_variants(path),
                     [('base', 'the base', []),
                      ('noise', '+ noise 0.1', ['--instance_noise=0.1', '--seed=3'])])

  def test_bad_lines_fail_naming_the_line(self):
    for text in ('a | label\n', 'a b | label | --x\n', 'a |  | --x\n', 'a | x |\na | y |\n'):
      with self.assertRaisesRegex(variant_sweep.UserError, r'--variants line \d+ of .*Received'):
        variant_sweep.read_variants(self._write(text))
    with self.assertRaisesRegex(variant_sweep.UserError, 'no such file'):
      variant_sweep.read_variants('/no/such/variants.txt')
    with self.assertRaisesRegex(variant_sweep.UserError, 'no variant lines'):
      variant_sweep.read_variants(self._write('# nothing\n'))

  def test_a_bad_metric_fails_before_anything_trains(self):
    work_dir = os.path.join(self.get_temp_dir(), 'never')
    result = subprocess.run(
        [sys.executable, os.path.join('tools', 'variant_sweep.py'),
         f'--variants={SHIPPED[0]}', '--metrics=swd,fid2', f'--work_dir={work_dir}'],
        cwd=testing_utils.REPO, env=testing_utils.module_env(), capture_output=True, text=True,
        timeout=300, check=False)
    self.assertNotEqual(result.returncode, 0)
    self.assertIn("Invalid --metrics. Received: metrics='swd,fid2'", result.stderr)
    self.assertFalse(os.path.exists(work_dir))

  def test_every_shipped_variant_is_a_valid_config(self):
    """Each cell of the shipped sweeps parses and validates, so a typo fails before hours of
    training (the sweep checks every cell first, too)."""
    bases = {'demo_tricks.txt': 'quickstart.cfg', 'small_folder.txt': 'sngan_cpu.cfg',
             'demo_candidates.txt': 'quickstart.cfg', 'precision.txt': 'quickstart.cfg'}
    self.assertCountEqual(os.listdir(os.path.dirname(SHIPPED[0])), bases)
    for path in SHIPPED:
      variants = variant_sweep.read_variants(path)
      self.assertGreaterEqual(len(variants), 2)
      for name, _, flags in variants:
        args = variant_sweep.cell_args(bases[os.path.basename(path)], flags, [], 1, 'run')
        config = variant_sweep.fig2_sweep.parse_config(args)
        self.assertEqual((config.seed, config.model_dir), (1, 'run'), name)

  def test_the_tricks_change_what_they_name(self):
    variants = {name: flags for name, _, flags in
                variant_sweep.read_variants(SHIPPED[0])}
    parse = lambda name: variant_sweep.fig2_sweep.parse_config(
        variant_sweep.cell_args('quickstart.cfg', variants[name], [], 0, 'run'))
    base = parse('baseline').to_dict()
    for name, expected in (('sngan', {'loss': 'hinge', 'd_norm': 'spectral', 'penalty': 'none'}),
                           ('ns_r1_ls', {'loss': 'non_saturating', 'penalty': 'r1',
                                         'label_smoothing': 0.1}),
                           ('sngan_mbstd', {'minibatch_stddev': 4})):
      config = parse(name).to_dict()
      for key, value in expected.items():
        self.assertEqual(config[key], value, (name, key))
      # The budget is the demo's in every variant.
      self.assertEqual((config['train_steps'], config['batch_size'], config['resolution']),
                       (base['train_steps'], base['batch_size'], base['resolution']))


class MarkdownTableTest(tf.test.TestCase):

  def test_mean_and_sample_std_over_seeds(self):
    results = [
        {'variant': 'a', 'seed': s, 'swd_x1e3': swd, 'floor_swd_x1e3': 10.0,
         'train_seconds': 60.0} for s, swd in ((0, 30.0), (1, 34.0), (2, 38.0))]
    results.append({'variant': 'b', 'seed': 0, 'swd_x1e3': 50.0, 'floor_swd_x1e3': 12.0,
                    'train_seconds': 90.0})
    table = variant_sweep.markdown_table(results, [('a', 'A label', []), ('b', 'B', []),
                                                   ('c', 'not run', [])])
    # std with ddof 1: sqrt(((30-34)^2 + 0 + (38-34)^2) / 2) = 4.
    self.assertIn('| A label | 3 | 34.0 ± 4.0 | 30.0, 34.0, 38.0 | 60 |', table)
    self.assertIn('| B | 1 | 50.0 | 50.0 | 90 |', table)
    self.assertIn('| real-vs-real floor | | 10.5 ± 1.0 | | |', table)
    self.assertNotIn('not run', table)
    self.assertNotIn('tag', table)


class SweepBinaryTest(tf.test.TestCase):

  def _sweep(self, work_dir, variants, only):
    result = subprocess.run(
        [sys.executable, os.path.join('tools', 'variant_sweep.py'), f'--variants={variants}',
         f'--only={only}', '--seeds=0', f'--work_dir={work_dir}', '--metrics=swd',
         '--eval_num_samples=10', f'--train_flags={TINY} --cache_dir={work_dir}/cache'],
        cwd=testing_utils.REPO, env=testing_utils.module_env(), capture_output=True, text=True,
        timeout=600, check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    return result.stdout

  def test_writes_its_table_and_does_not_train_a_finished_cell_again(self):
    work_dir = os.path.join(self.get_temp_dir(), 'sweep')
    variants = os.path.join(self.get_temp_dir(), 'variants.txt')
    with open(variants, 'w') as f:
      f.write('plain | WGAN-GP |\nnoisy | + instance noise | --instance_noise=0.5\n')
    first = self._sweep(work_dir, variants, 'plain')
    self.assertIn('plain seed 0: swd_x1e3', first)
    stamp = os.path.getmtime(os.path.join(work_dir, 'plain_seed0', 'config.json'))
    second = self._sweep(work_dir, variants, 'plain,noisy')
    self.assertEqual(
        os.path.getmtime(os.path.join(work_dir, 'plain_seed0', 'config.json')), stamp)
    with open(os.path.join(work_dir, 'variants.md.json')) as f:
      results = {r['variant']: r for r in json.load(f)}
    self.assertEqual(set(results), {'plain', 'noisy'})
    self.assertEqual({r['step'] for r in results.values()}, {2})
    self.assertIn('--instance_noise=0.5', results['noisy']['args'])
    with open(os.path.join(work_dir, 'plain_seed0', 'config.json')) as f:
      self.assertEqual(json.load(f)['instance_noise'], 0.0)
    self.assertRegex(second, r'\| \+ instance noise \| 1 \| [0-9.]+ \| [0-9.]+ \| \d+ \|')


if __name__ == '__main__':
  tf.test.main()
