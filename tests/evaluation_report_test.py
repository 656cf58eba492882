"""The evaluate binary's table, JSON paths and run-directory conventions; its TF-free modules."""

import json
import os
import subprocess
import sys

import tensorflow as tf

from tfgan_anime.evaluation import report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ReportTest(tf.test.TestCase):

  def test_table_rows_in_order_with_their_formats(self):
    results = {'toy_reverse_kl': 0.123456, 'swd_levels_x1e3': [1.234, 5.0], 'swd_x1e3': 3.117,
               'toy_modes_captured': 7, 'toy_num_modes': 8, 'saved_model': 'x',
               'tag_classifier_accuracy': {'hair': 0.9876, 'eyes': 0.5}}
    self.assertEqual(report.format_table(results, 'title').splitlines(), [
        'title',
        '-' * (len('reverse KL of the mode histogram') + 24),
        'SWD x1e3 (mean of levels)         3.12',
        'SWD x1e3 per level, finest first  1.23, 5.00',
        'tag classifier held-out accuracy  hair 0.988, eyes 0.500',
        'modes captured                    7 / 8',
        'reverse KL of the mode histogram  0.1235',
    ])
    self.assertEqual(report.format_table({'saved_model': 'x'}, 't').splitlines(), ['t', '-' * 24])

  def test_each_metric_beside_its_floor(self):
    results = {'swd_x1e3': 25.31, 'tag_combinations_covered': 69, 'tag_num_combinations': 120,
               'tag_reverse_kl': 1.1, 'tag_classifier_accuracy': {'hair': 0.9}}
    floor = {'swd_x1e3': 12.2, 'tag_combinations_covered': 120, 'tag_num_combinations': 120,
             'tag_reverse_kl': 0.1, 'tag_classifier_accuracy': {'hair': 0.9}, 'seed': 0,
             'real_vs_real': True}
    lines = report.format_table(results, 'title', floor).splitlines()
    self.assertEqual(lines[2:], [
        'SWD x1e3 (mean of levels)         25.31 (floor 12.20)',
        'hair x eye combinations covered   69 / 120 (floor 120 / 120)',
        'tag reverse KL (hair x eye)       1.1000 (floor 0.1000)',
        'tag classifier held-out accuracy  hair 0.900',
    ])
    # Without a floor (or a metric the floor lacks) the table is as before.
    self.assertEqual(report.format_table(results, 'title'),
                     report.format_table(results, 'title', {'seed': 0}))
    self.assertEqual(report.floor_values(floor), {
        'swd_x1e3': 12.2, 'tag_combinations_covered': 120, 'tag_num_combinations': 120,
        'tag_reverse_kl': 0.1, 'tag_classifier_accuracy': {'hair': 0.9}})

  def test_paths_beside_the_run(self):
    run_dir = os.path.join(self.get_temp_dir(), 'run')
    export = os.path.join(run_dir, 'export')
    self.assertEqual(report.default_json_path(export, False), os.path.join(run_dir, 'eval.json'))
    self.assertEqual(report.default_json_path(export, True),
                     os.path.join(run_dir, 'eval_real_vs_real.json'))
    self.assertEqual(report.default_json_path('', False), 'eval.json')
    self.assertEqual(report.resolve_run_defaults(export), {})  # no config.json yet
    self.assertEqual(report.resolve_run_defaults(''), {})
    os.makedirs(run_dir)
    with open(os.path.join(run_dir, 'config.json'), 'w') as f:
      json.dump({'data': '/faces', 'seed': 3}, f)
    run = report.resolve_run_defaults(export)
    self.assertEqual(run, {'data': '/faces', 'seed': 3})
    # The run's file check is reused only for the data the run trained on.
    self.assertEqual(report.run_scan_cache(export, '/faces', run),
                     os.path.join(run_dir, 'data_scan.json'))
    self.assertIsNone(report.run_scan_cache(export, '/other', run))
    self.assertIsNone(report.run_scan_cache('', '/faces', run))

  def test_write_results_leaves_only_the_file(self):
    path = os.path.join(self.get_temp_dir(), 'out', 'eval.json')
    report.write_results(path, {'b': 1, 'a': [0.5]})
    with open(path) as f:
      self.assertEqual(json.load(f), {'a': [0.5], 'b': 1})
    self.assertEqual(os.listdir(os.path.dirname(path)), ['eval.json'])

  def test_names_and_report_load_no_tensorflow(self):
    # The evaluate binary reads them for --help and to refuse a bad --metrics at once.
    code = ('import sys; import tfgan_anime.evaluate, tfgan_anime.evaluation.names, '
            'tfgan_anime.evaluation.report; '
            'print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO)).stdout
    self.assertEqual(out.strip(), '[]')


if __name__ == '__main__':
  tf.test.main()
