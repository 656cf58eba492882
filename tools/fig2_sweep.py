r"""The WGAN-GP paper's Figure 2 as a sweep: generator architectures x losses x seeds.

  python -m tools.fig2_sweep --archs=dcgan,no_bn_constant,mlp --losses=gan,wgan --seeds=0 \
      --work_dir=runs/fig2 --out=runs/fig2/fig2.md

(from the repository root, so that its tfgan_anime is the one imported).

Each cell (arch, loss, seed) trains `training.loop.train` on the flags

  --flagfile=<--base_flagfile>              configs/base.cfg: the report's data and networks
  --flagfile=report_cpu/fig2_loss_<loss>.cfg  the method's settings, as its paper gives them
  --g_arch=<arch>                           the generator of Figure 2 (models/paper.py)
  --flagfile=<--size_flagfile>              report_cpu/fig2_cpu.cfg: 16 px, half widths, budget
  <--train_flags>  --seed=<seed>  --model_dir=<work_dir>/<arch>_<loss>_seed<seed>

(configs/report_cpu/fig2_<loss>_<arch>.cfg are the same flags, one command per cell). The critic
is the DCGAN one in every cell, as in the paper (`--g_arch` changes only the generator, except
gated, tanh and resnet, which have their own critic). The losses:

  gan       DCGAN: non-saturating, BN in D, Adam(2e-4, 0.5)          fig2_loss_gan.cfg
  lsgan     least squares, BN in D, Adam(2e-4, 0.5)                  fig2_loss_lsgan.cfg
  wgan      clip 0.01, BN in D, n_critic 5, RMSprop(5e-5)            fig2_loss_wgan.cfg
  wgan_gp   lambda 10, layer norm in D, n_critic 5, Adam(1e-4, 0, 0.9)  fig2_loss_wgan_gp.cfg

After training, a cell's export is measured by the sliced Wasserstein distance (SWD x 1e3,
`evaluation.runner.evaluate`) of --eval_num_samples generated faces against as many real ones, and
read against the floor: the same distance between two disjoint halves of the real data
(`runner.real_vs_real_floor`, cached). The verdict: **trains** when SWD <= --trains_below x the
floor, else **fails**. The table gives, per architecture and loss, the SWD (mean over seeds),
its ratio to the floor, the verdict (seeds that train / seeds), and a thumbnail of the first
seed's last sample grid (<work_dir>/thumbs/).

Resuming: a finished cell leaves <cell>/fig2_cell.json and is not trained again; a cell stopped
half-way resumes from its last checkpoint (the training loop restores it). Run the same command
again to finish a sweep. Raw numbers go to <out>.json after every cell.
"""

import json
import os
import shlex
import sys
import time

from absl import flags
from absl import logging
import numpy as np

# cli first, and nothing that loads TensorFlow up here: see tfgan_anime/cli.py.
from tfgan_anime import cli
from tfgan_anime import files
from tfgan_anime.errors import UserError

FLAGS = flags.FLAGS

ARCHS = ('dcgan', 'no_bn_constant', 'mlp', 'gated', 'tanh', 'resnet')
LOSSES = ('gan', 'lsgan', 'wgan', 'wgan_gp')
LABELS = {'gan': 'DCGAN (GAN)', 'lsgan': 'LSGAN', 'wgan': 'WGAN (clipping)', 'wgan_gp': 'WGAN-GP',
          'dcgan': 'DCGAN generator', 'no_bn_constant': 'no BN, constant width',
          'mlp': '4 x 512 ReLU MLP', 'gated': 'gated nonlinearities', 'tanh': 'tanh everywhere',
          'resnet': 'ResNet'}
CELL_FILE = 'fig2_cell.json'
THUMBS = 'thumbs'


def define_flags():
  flags.DEFINE_string('archs', 'dcgan,no_bn_constant,mlp', f'Comma-separated: {", ".join(ARCHS)}.')
  flags.DEFINE_string('losses', 'gan,wgan', f'Comma-separated: {", ".join(LOSSES)}.')
  flags.DEFINE_string('seeds', '0', 'Comma-separated seeds (weights, data order, z).')
  flags.DEFINE_string('base_flagfile', 'base.cfg', 'The report\'s data and networks (a path, or '
                      'a name under the shipped configs).')
  flags.DEFINE_string('size_flagfile', 'report_cpu/fig2_cpu.cfg', 'Resolution, widths and '
                      'budget of every cell, after the loss (a path, or a name under the shipped '
                      'configs).')
  flags.DEFINE_string('train_flags', '', 'More training flags for every cell, last, e.g. '
                      '"--train_steps=200 --resolution=16".')
  flags.DEFINE_string('work_dir', 'runs/fig2', 'One run directory per cell (kept: a second '
                      'command resumes the sweep).')
  flags.DEFINE_string('out', '', 'Markdown table; default <work_dir>/fig2.md. Raw numbers go to '
                      '<out>.json.')
  flags.DEFINE_integer('eval_num_samples', 400, 'Generated and real faces of the SWD (and twice '
                       'as many real ones for the floor).')
  flags.DEFINE_float('trains_below', 4.0, 'Verdict: a cell trains when its SWD is at most this '
                     'many times the real-vs-real floor.')
  flags.DEFINE_integer('thumb_px', 128, 'Side of each cell\'s thumbnail in pixels.')


def split_list(text, allowed, name):
  """The items of comma-separated `text`; UserError when one is not in `allowed` (None: ints)."""
  items = [item.strip() for item in text.split(',') if item.strip()]
  if allowed is None:
    bad = [item for item in items if not item.isdigit()]
  else:
    bad = [item for item in items if item not in allowed]
  if not items or bad:
    raise UserError(f'Invalid --{name}. Received: {name}={text!r}; accepted: a comma-'
                    f'separated list of {", ".join(allowed) if allowed else "integers >= 0"}')
  return items


def cell_name(arch, loss, seed):
  return f'{arch}_{loss}_seed{seed}'


def cell_args(arch, loss, seed, model_dir, base_flagfile='base.cfg',
              size_flagfile='report_cpu/fig2_cpu.cfg', train_flags=()):
  """The training flags of one cell, in order (later flags win), flagfiles not yet expanded."""
  return [f'--flagfile={base_flagfile}', f'--flagfile=report_cpu/fig2_loss_{loss}.cfg',
          f'--g_arch={arch}', f'--flagfile={size_flagfile}', *train_flags, f'--seed={seed}',
          f'--model_dir={model_dir}']


def parse_config(args):
  """The TrainConfig that the train binary would build from `args` (validated)."""
  from tfgan_anime import flags as flags_lib  # pylint: disable=g-import-not-at-top
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  values(['fig2_sweep'] + flags_lib.expand_flagfiles(args))
  config = flags_lib.config_from_flags(values)
  config.validate()
  return config


def thumbnail(grid_path, out_path, side):
  """Writes the sample grid at `grid_path` downscaled to side x side (PNG); '' if it is missing."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  if not os.path.isfile(grid_path):
    return ''
  with Image.open(grid_path) as image:
    small = image.convert('RGB').resize((side, side), Image.LANCZOS)
  os.makedirs(os.path.dirname(out_path), exist_ok=True)
  with files.atomic_write(out_path, 'wb') as f:
    small.save(f, format='PNG')
  return out_path


def train_and_measure(config, model_dir, metrics, eval_num_samples):
  """Trains (or resumes) `config` into `model_dir`, then measures its export and the floor.

  The training log goes to <model_dir>/train.log. The export is evaluated on `metrics` against
  `eval_num_samples` real images of the run's data (seed = the run's seed), and so is the
  real-vs-real floor (cached).

  Returns:
    (trained, measured, floor, train_seconds): the loop's result, the evaluation's and the
    floor's results dicts, and the training's wall time.
  """
  cli.import_tensorflow()
  from tfgan_anime.evaluation import runner  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import loop as train_lib  # pylint: disable=g-import-not-at-top
  os.makedirs(model_dir, exist_ok=True)
  with open(os.path.join(model_dir, 'train.log'), 'a') as log_file:
    def log(message):
      log_file.write(message + '\n')
      log_file.flush()
    start = time.time()
    trained = train_lib.train(config, log=log)
    seconds = time.time() - start
    eval_args = dict(synthetic_num_images=config.synthetic_num_images, data_seed=config.seed,
                     cache_dir=config.cache_dir, seed=config.seed)
    measured = runner.evaluate(metrics, eval_num_samples, config.data,
                               saved_model=trained.export_dir, **eval_args)
    floor, _ = runner.real_vs_real_floor(metrics, eval_num_samples, config.data,
                                         resolution=config.resolution, log=log, **eval_args)
  return trained, measured, floor, seconds


def run_cell(arch, loss, seed, work_dir, base_flagfile, size_flagfile, train_flags,
             eval_num_samples, thumb_px):
  """Trains (or resumes) one cell and measures it; returns its result dict.

  A cell with a fig2_cell.json is finished: its stored result comes back and nothing trains.
  """
  name = cell_name(arch, loss, seed)
  model_dir = os.path.join(work_dir, name)
  done_path = os.path.join(model_dir, CELL_FILE)
  if os.path.isfile(done_path):
    with open(done_path) as f:
      result = json.load(f)
    result['resumed'] = 'finished before'
    return result
  config = parse_config(cell_args(arch, loss, seed, model_dir, base_flagfile, size_flagfile,
                                  train_flags))
  if not config.export:
    raise UserError('Invalid --train_flags. Received: --export=false; accepted: the default '
                    '--export (the sweep measures each cell\'s export)')
  had_checkpoint = os.path.isdir(os.path.join(model_dir, 'checkpoints'))
  trained, measured, floor, seconds = train_and_measure(config, model_dir, ['swd'],
                                                        eval_num_samples)
  thumb = thumbnail(os.path.join(model_dir, 'samples', 'latest.png'),
                    os.path.join(work_dir, THUMBS, name + '.png'), thumb_px)
  result = {'arch': arch, 'loss': loss, 'seed': seed, 'model_dir': model_dir,
            'step': trained.step, 'swd_x1e3': float(measured['swd_x1e3']),
            'floor_swd_x1e3': float(floor['swd_x1e3']), 'thumbnail': thumb,
            'train_seconds': seconds,
            'resumed': 'from a checkpoint' if had_checkpoint else 'new'}
  files.write_json(done_path, result)
  return result


def verdict(result, trains_below):
  return result['swd_x1e3'] <= trains_below * result['floor_swd_x1e3']


def markdown_table(results, archs, losses, trains_below, out_dir):
  """Two tables: SWD / ratio / verdict per (arch, loss), and the first seed's thumbnails."""
  head = '| generator | ' + ' | '.join(LABELS[loss] for loss in losses) + ' |'
  rule = '| --- |' + ' --- |' * len(losses)
  numbers, thumbs = [head, rule], [head, rule]
  for arch in archs:
    row, thumb_row = [], []
    for loss in losses:
      cell = [r for r in results if r['arch'] == arch and r['loss'] == loss]
      if not cell:
        row.append('not run')
        thumb_row.append('')
        continue
      swd = np.mean([r['swd_x1e3'] for r in cell])
      ratio = np.mean([r['swd_x1e3'] / r['floor_swd_x1e3'] for r in cell])
      trains = sum(verdict(r, trains_below) for r in cell)
      word = 'trains' if trains * 2 > len(cell) else 'fails'
      row.append(f'{swd:.1f} ({ratio:.1f}x floor): **{word}** ({trains}/{len(cell)} seeds)')
      first = min(cell, key=lambda r: r['seed'])
      thumb_row.append(f'![{arch} {loss}]({os.path.relpath(first["thumbnail"], out_dir)})'
                       if first['thumbnail'] else 'no grid')
    numbers.append(f'| {LABELS[arch]} | ' + ' | '.join(row) + ' |')
    thumbs.append(f'| {LABELS[arch]} | ' + ' | '.join(thumb_row) + ' |')
  floors = sorted({round(r['floor_swd_x1e3'], 2) for r in results})
  steps = sorted({(r['loss'], r['step']) for r in results})
  return '\n'.join([
      f'SWD x 1e3 of the generated faces against real ones (mean over seeds); **trains** when '
      f'it is at most {trains_below:g}x the real-vs-real floor '
      f'({", ".join(f"{f:g}" for f in floors)}), in most seeds. Generator steps: '
      f'{", ".join(f"{loss} {step}" for loss, step in steps)}.', '', *numbers, '',
      'Last sample grid of the first seed:', '', *thumbs]) + '\n'


def write_table(out, table, num_cells, started):
  """Writes the markdown `table` to `out` and prints it, with the sweep's time since `started`."""
  with files.atomic_write(out, 'w') as f:
    f.write(table)
  print(table)
  print(f'{num_cells} cells in {(time.time() - started) / 60:.1f} min; wrote {out}',
        file=sys.stderr)


def main(argv):
  del argv
  # TensorFlow's INFO lines (checkpoint sharding, ...) would bury the results.
  logging.set_verbosity(logging.WARNING)
  archs = split_list(FLAGS.archs, ARCHS, 'archs')
  losses = split_list(FLAGS.losses, LOSSES, 'losses')
  seeds = [int(s) for s in split_list(FLAGS.seeds, None, 'seeds')]
  if FLAGS.eval_num_samples < 10:
    raise UserError(f'Invalid --eval_num_samples. Received: {FLAGS.eval_num_samples}; '
                    'accepted: an integer >= 10')
  if not FLAGS.trains_below > 0:
    raise UserError(f'Invalid --trains_below. Received: {FLAGS.trains_below}; accepted: a '
                    'number > 0')
  train_flags = shlex.split(FLAGS.train_flags)
  out = FLAGS.out or os.path.join(FLAGS.work_dir, 'fig2.md')
  results = []
  started = time.time()
  for arch in archs:
    for loss in losses:
      for seed in seeds:
        result = run_cell(arch, loss, seed, FLAGS.work_dir, FLAGS.base_flagfile,
                          FLAGS.size_flagfile, train_flags, FLAGS.eval_num_samples,
                          FLAGS.thumb_px)
        results.append(result)
        print(f'{arch} {loss} seed {seed}: SWD {result["swd_x1e3"]:.1f} against a floor of '
              f'{result["floor_swd_x1e3"]:.1f} at step {result["step"]} '
              f'({"trains" if verdict(result, FLAGS.trains_below) else "fails"}; '
              f'{result["resumed"]})', flush=True)
        # After every cell, so that a long sweep that is stopped still leaves its numbers.
        files.write_json(out + '.json', results)
  table = markdown_table(results, archs, losses, FLAGS.trains_below,
                         os.path.dirname(os.path.abspath(out)))
  write_table(out, table, len(results), started)


def run():
  cli.run(main, define_flags)


if __name__ == '__main__':
  run()
