"""Tests for the compare binary and its library: tfgan_anime/reporting/runs.py and figures.py."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.errors import UserError
from tfgan_anime.reporting import figures
from tfgan_anime.reporting import runs as runs_lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Solid colours, one per (run, epoch), so that a cell of the table shows whose grid it holds.
COLOURS = {('a', 1): (255, 0, 0), ('a', 2): (0, 255, 0), ('a', 3): (0, 0, 255),
           ('b', 1): (255, 255, 0), ('b', 2): (0, 255, 255)}
SCALARS_A = {'train/d_loss': [(10, -0.5), (20, -1.25), (30, -2.0)],
             'train/w_dist': [(10, 0.25), (20, 1.5), (30, 3.0)],
             'train/gp': [(10, 0.125), (20, 0.0625), (30, 0.03125)]}
SCALARS_B = {'train/d_loss': [(10, 0.75), (20, 0.5)],
             'eval/swd': [(20, 40.0)]}


def _write_run(root, name, overrides, scalars):
  """A run directory as training writes it: config.json, samples/*.png, tensorboard/."""
  path = os.path.join(root, name)
  config = config_lib.TrainConfig(model_dir=path, cache_dir=f'/cache/{name}', **overrides)
  config.write(path)
  os.makedirs(os.path.join(path, 'samples'))
  for (run, epoch), colour in COLOURS.items():
    if run == name:
      grid = np.zeros((32, 32, 3), np.uint8) + np.array(colour, np.uint8)
      Image.fromarray(grid).save(os.path.join(path, 'samples', f'epoch_{epoch:04d}.png'))
      Image.fromarray(grid).save(os.path.join(path, 'samples', 'latest.png'))
  writer = tf.summary.create_file_writer(os.path.join(path, 'tensorboard'))
  with writer.as_default():
    for tag, points in scalars.items():
      for step, value in points:
        tf.summary.scalar(tag, value, step=step)
    tf.summary.image('samples', np.zeros((1, 4, 4, 3), np.uint8), step=10)  # not a scalar
  writer.close()
  return path


class CompareTestCase(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.get_temp_dir()
    self.dir_a = os.path.join(self.root, 'a')
    if not os.path.isdir(self.dir_a):
      _write_run(self.root, 'a', {'n_critic': 1, 'gp_weight': 0.5}, SCALARS_A)
      _write_run(self.root, 'b', {'n_critic': 2, 'gp_weight': 5.0}, SCALARS_B)
    self.runs = runs_lib.load_runs([self.dir_a, os.path.join(self.root, 'b')])


class CaptionTest(CompareTestCase):

  def test_captions_name_only_the_settings_that_differ(self):
    # model_dir and cache_dir differ too, but are bookkeeping; config.json sorts its keys.
    self.assertEqual(runs_lib.differing_keys([r.config for r in self.runs]),
                     ['gp_weight', 'n_critic'])
    self.assertEqual(runs_lib.captions(self.runs), ['gp_weight=0.5, n_critic=1',
                                                    'gp_weight=5, n_critic=2'])

  def test_a_setting_the_run_does_not_use_is_left_out_of_its_caption(self):
    clip = runs_lib.Run('x/wgan', {'penalty': 'clip', 'clip_value': 0.01, 'gp_weight': 10.0,
                                   'd_optimizer': 'rmsprop', 'd_beta1': 0.0})
    gp = runs_lib.Run('x/gp', {'penalty': 'gp', 'clip_value': 0.02, 'gp_weight': 5.0,
                               'd_optimizer': 'adam', 'd_beta1': 0.5})
    self.assertEqual(runs_lib.captions([clip, gp]),
                     ['penalty=clip, clip_value=0.01, d_optimizer=rmsprop',
                      'penalty=gp, gp_weight=5, d_optimizer=adam, d_beta1=0.5'])

  def test_runs_that_agree_are_named_by_their_directories(self):
    same = [runs_lib.Run('x/run1', {'n_critic': 5}), runs_lib.Run('x/run2/', {'n_critic': 5})]
    self.assertEqual(runs_lib.captions(same), ['run1', 'run2'])
    three = same + [runs_lib.Run('x/run3', {'n_critic': 1})]
    self.assertEqual(runs_lib.captions(three),
                     ['n_critic=5 (run1)', 'n_critic=5 (run2)', 'n_critic=1'])

  def test_a_key_one_run_lacks_differs_and_values_read_plainly(self):
    runs = [runs_lib.Run('r1', {'loss': 'wasserstein', 'gp_one_sided': True, 'd_lr': 1e-4}),
            runs_lib.Run('r2', {'loss': 'wasserstein', 'd_lr': 5e-05})]
    self.assertEqual(runs_lib.captions(runs), ['gp_one_sided=true, d_lr=0.0001',
                                               'gp_one_sided=unset, d_lr=5e-05'])

  def test_long_captions_wrap_after_commas(self):
    self.assertEqual(runs_lib.wrap_caption('gp_weight=0.5, n_critic=1', 16),
                     ['gp_weight=0.5,', 'n_critic=1'])
    self.assertEqual(runs_lib.wrap_caption('gp_weight=0.5, n_critic=1', 8),
                     ['gp_weigh', 't=0.5,', 'n_critic', '=1'])
    self.assertEqual(runs_lib.wrap_caption('', 8), [''])


class LoadAndEpochsTest(CompareTestCase):

  def test_bad_run_directories_are_user_errors(self):
    with self.assertRaisesRegex(UserError, 'No run directories'):
      runs_lib.load_runs([])
    with self.assertRaisesRegex(UserError, 'Run directory not found'):
      runs_lib.load_runs([os.path.join(self.root, 'nowhere')])
    empty = os.path.join(self.root, 'empty')
    os.makedirs(empty, exist_ok=True)
    with self.assertRaisesRegex(UserError, 'no config.json'):
      runs_lib.load_runs([empty])

  def test_epochs_parse(self):
    self.assertEqual(runs_lib.parse_epochs('10, 30,latest'), [10, 30, 'latest'])
    for bad in ('', '0', '3,x', '-1', '2.5'):
      with self.assertRaisesRegex(UserError, 'Invalid --epochs'):
        runs_lib.parse_epochs(bad)


class TableTest(CompareTestCase):

  def test_one_column_per_run_one_row_per_epoch_and_a_missing_cell(self):
    # 256 px cells hold 26 characters a line: each caption is one line.
    layout = figures.TableLayout(cell_px=256, gap_px=8, label_px=32, line_px=20)
    self.assertEqual(layout.chars_per_line(), 26)
    path = os.path.join(self.root, 'table.png')
    missing = figures.write_table(self.runs, [1, 2, 3], path, layout)
    self.assertEqual(missing, [('b', 'epoch 3')])
    with Image.open(path) as image:
      pixels = np.asarray(image.convert('RGB'))
    # 32 + 2 x (256 + 8) wide; one caption line (20) + 8 + 3 x (256 + 8) high.
    self.assertEqual(layout.size(2, 3, 1), (560, 820))
    self.assertEqual(pixels.shape, (820, 560, 3))
    for column, name in enumerate('ab'):
      for row, epoch in enumerate((1, 2, 3)):
        left, top = layout.cell_box(column, row, caption_lines=1)
        inside = pixels[top + 4:top + 20, left + 4:left + 20].reshape(-1, 3)
        expected = COLOURS.get((name, epoch), (0xd9, 0xd9, 0xd9))  # missing: figures' grey
        np.testing.assert_array_equal(inside, np.tile(expected, (len(inside), 1)),
                                      err_msg=f'{name} epoch {epoch}')
    # Nothing beyond the second column: each run has one column.
    self.assertTrue(np.all(pixels[:, 32 + 2 * 264 - 8:] == 255))

  def test_long_captions_make_the_header_taller(self):
    layout = figures.TableLayout(cell_px=64)
    self.assertEqual(layout.chars_per_line(), 8)
    path = os.path.join(self.root, 'tall.png')
    size = figures.draw_table([[None, None]], ['latest'], ['gp_weight=0.5, n_critic=1', 'x'],
                              path, layout)
    # 'gp_weight=0.5, n_critic=1' in lines of 8 characters: 'gp_weigh', 't=0.5,', 'n_critic',
    # '=1': four lines.
    self.assertEqual(size, layout.size(2, 1, 4))
    with Image.open(path) as image:
      self.assertEqual(image.size, size)


class CurvesTest(CompareTestCase):

  def test_the_reader_returns_the_values_written(self):
    scalars = runs_lib.read_scalars(self.dir_a)
    self.assertEqual(sorted(scalars), sorted(SCALARS_A))  # the image summary is left out
    for tag, points in SCALARS_A.items():
      steps, values = scalars[tag]
      self.assertEqual(steps.tolist(), [s for s, _ in points])
      self.assertEqual(values.tolist(), [v for _, v in points])

  def test_a_resumed_run_keeps_the_history_it_kept(self):
    path = os.path.join(self.root, 'resumed')
    for points in ([(10, 1.0), (20, 2.0), (30, 3.0)], [(20, 20.0), (40, 40.0)]):
      writer = tf.summary.create_file_writer(os.path.join(path, 'tensorboard'))
      with writer.as_default():
        for step, value in points:
          tf.summary.scalar('train/g_loss', value, step=step)
      writer.close()
    steps, values = runs_lib.read_scalars(path)['train/g_loss']
    self.assertEqual(steps.tolist(), [10, 20, 40])
    self.assertEqual(values.tolist(), [1.0, 20.0, 40.0])
    self.assertEqual(runs_lib.read_scalars(os.path.join(self.root, 'no_logs')), {})

  def test_curves_plot_every_tag_and_skip_what_a_run_lacks(self):
    path = os.path.join(self.root, 'curves.png')
    tags = figures.write_curves(self.runs, path)
    self.assertEqual(tags, ['train/d_loss', 'train/w_dist', 'train/gp', 'eval/swd'])
    with Image.open(path) as image:
      width, height = image.size
    # Three subplots a row at 4.4 in, 100 dpi.
    self.assertEqual(width, 1320)
    self.assertGreater(height, 500)
    with self.assertRaisesRegex(UserError, 'No scalars to plot'):
      figures.draw_curves([{}, {}], ['x', 'y'], os.path.join(self.root, 'none.png'))


class BinaryTest(CompareTestCase):

  def _run(self, *args):
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL='2')
    return subprocess.run([sys.executable, '-m', 'tfgan_anime.compare', *args], cwd=self.root,
                          env=env, capture_output=True, text=True, timeout=300)

  def assertOneLineError(self, result, pattern):
    self.assertEqual(result.returncode, 2, result.stderr)
    lines = result.stderr.strip().splitlines()
    self.assertLen(lines, 1, result.stderr)
    self.assertRegex(lines[0], '^error: ' + pattern)

  def test_help_loads_neither_tensorflow_nor_matplotlib(self):
    code = ('import sys; import tfgan_anime.compare; print(sorted(m for m in ("tensorflow", '
            '"matplotlib", "tensorboard") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONPATH=ROOT)).stdout
    self.assertEqual(out.strip(), '[]')
    self.assertIn('--epochs', self._run('--help').stdout)  # absl exits 1 after help

  def test_bad_input_is_one_line(self):
    self.assertOneLineError(self._run('--epochs=1'), 'No run directories')
    self.assertOneLineError(self._run(self.root), 'Not a run directory: no config.json')
    self.assertOneLineError(self._run(self.dir_a, '--epochs=1,two'), r'Invalid --epochs')
    self.assertOneLineError(self._run(self.dir_a, '--nosuchflag'), '.*nosuchflag')

  def test_writes_the_table_and_the_curves(self):
    result = self._run('a', 'b', '--epochs=2,3', '--out=t.png', '--curves_out=c.png',
                       '--cell_px=64')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('missing: b has no grid for epoch 3', result.stdout)
    with Image.open(os.path.join(self.root, 't.png')) as image:
      self.assertEqual(image.size, figures.TableLayout(cell_px=64).size(2, 2, 4))
    self.assertTrue(os.path.isfile(os.path.join(self.root, 'c.png')))


if __name__ == '__main__':
  tf.test.main()
