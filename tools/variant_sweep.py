r"""Variants of one config x seeds, each trained and measured: a table of mean +- std per variant.

  python tools/variant_sweep.py --base_flagfile=quickstart.cfg \
      --variants=tools/variants/demo_tricks.txt --seeds=0,1,2 --metrics=swd,tags \
      --work_dir=runs/tricks --out=runs/tricks/tricks.md

(run from the repository root). A variants file has one variant a line, `name | label | flags`:

  baseline        | WGAN-GP (quickstart.cfg)      |
  instance_noise  | + instance noise 0.1 annealed | --instance_noise=0.1 --instance_noise_anneal_steps=1800

Each cell (variant, seed) trains `training.loop.train` on

  --flagfile=<--base_flagfile>  <the variant's flags>  <--train_flags>  --seed=<seed>
  --model_dir=<work_dir>/<variant>_seed<seed>

then evaluates its export on --metrics (SWD, and the synthetic faces' tag metrics) against
--eval_num_samples real images, beside the real-vs-real floor (cached), as fig2_sweep does; the
evaluation's seed is the cell's seed, so each seed's floor is its own data's. --only picks some
variants of the file.

Resuming: a finished cell leaves <cell>/variant_cell.json and is not trained again; a cell
stopped half-way resumes from its last checkpoint. Raw numbers go to <out>.json after every
cell; the table is written at the end.
"""

import json
import os
import shlex
import time

from absl import flags
from absl import logging
import numpy as np

# cli first, and nothing that loads TensorFlow up here: see tfgan_anime/cli.py.
from tfgan_anime import cli
from tfgan_anime import files
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import names
import fig2_sweep  # tools/fig2_sweep.py, beside this script

FLAGS = flags.FLAGS

CELL_FILE = 'variant_cell.json'
# (result key, column title, format): what the table shows when the cells have it.
COLUMNS = (
    ('swd_x1e3', 'SWD x1e3', '{:.1f}'),
    ('tag_combinations_covered', 'hair x eye of 120', '{:.0f}'),
    ('tag_reverse_kl', 'tag reverse KL', '{:.3f}'),
    ('tag_fd', 'tag FD', '{:.0f}'),
)


def define_flags():
  flags.DEFINE_string('base_flagfile', 'quickstart.cfg', 'The config every variant changes (a '
                      'path, or a name under the shipped configs).')
  flags.DEFINE_string('variants', '', 'File of variants, one a line: "name | label | flags" '
                      '(# starts a comment).')
  flags.DEFINE_string('only', '', 'Comma-separated variant names to run (default: all).')
  flags.DEFINE_string('seeds', '0,1,2', 'Comma-separated seeds (weights, data, z).')
  flags.DEFINE_string('metrics', 'swd,tags', 'What each export is measured on '
                      '(evaluate\'s --metrics).')
  flags.DEFINE_string('train_flags', '', 'More training flags for every cell, last.')
  flags.DEFINE_string('work_dir', 'runs/variants', 'One run directory per cell (kept: a second '
                      'command resumes the sweep).')
  flags.DEFINE_string('out', '', 'Markdown table; default <work_dir>/variants.md. Raw numbers '
                      'go to <out>.json.')
  flags.DEFINE_integer('eval_num_samples', 1000, 'Generated and real images of the metrics.')


def read_variants(path):
  """[(name, label, [flags])] of a variants file; UserError naming the line when one is bad."""
  if not os.path.isfile(path):
    raise UserError(f'Invalid --variants. Received: {path!r} (no such file); accepted: a file '
                    'of "name | label | flags" lines')
  variants, names = [], set()
  with open(path) as f:
    for number, line in enumerate(f, 1):
      line = line.split('#', 1)[0].strip()
      if not line:
        continue
      parts = [part.strip() for part in line.split('|')]
      if (len(parts) != 3 or not parts[0].replace('_', '').isalnum() or not parts[1]
          or parts[0] in names):
        raise UserError(f'Invalid --variants line {number} of {path}. Received: {line!r}; '
                        'accepted: "name | label | flags" with a new name of letters, digits '
                        'and _, and a label')
      names.add(parts[0])
      variants.append((parts[0], parts[1], shlex.split(parts[2])))
  if not variants:
    raise UserError(f'Invalid --variants. Received: {path!r} with no variant lines; accepted: '
                    'a file of "name | label | flags" lines')
  return variants


def cell_args(base_flagfile, variant_flags, train_flags, seed, model_dir):
  """The training flags of one cell, in order (later flags win)."""
  return [f'--flagfile={base_flagfile}', *variant_flags, *train_flags, f'--seed={seed}',
          f'--model_dir={model_dir}']


def run_cell(name, args, seed, model_dir, metrics, eval_num_samples):
  """Trains (or resumes) one cell and measures it; returns its result dict."""
  done_path = os.path.join(model_dir, CELL_FILE)
  if os.path.isfile(done_path):
    with open(done_path) as f:
      return json.load(f)
  config = fig2_sweep.parse_config(args)
  if not config.export:
    raise UserError('Invalid --train_flags. Received: --export=false; accepted: the default '
                    '--export (the sweep measures each cell\'s export)')
  trained, measured, floor, seconds = fig2_sweep.train_and_measure(config, model_dir, metrics,
                                                                   eval_num_samples)
  result = {'variant': name, 'seed': seed, 'model_dir': model_dir, 'step': trained.step,
            'train_seconds': seconds, 'args': args}
  for key, _, _ in COLUMNS:
    if key in measured:
      result[key] = float(measured[key])
      result['floor_' + key] = float(floor[key])
  files.write_json(done_path, result)
  return result


def mean_std(values, fmt):
  if len(values) == 1:
    return fmt.format(values[0])
  return f'{fmt.format(np.mean(values))} ± {fmt.format(np.std(values, ddof=1))}'


def markdown_table(results, variants):
  """One row per variant: each metric's mean ± sample std over seeds, and the floor's row."""
  keys = [(key, title, fmt) for key, title, fmt in COLUMNS if any(key in r for r in results)]
  lines = ['| variant | seeds | ' + ' | '.join(title for _, title, _ in keys)
           + ' | SWD per seed | s / run |', '| --- ' * (len(keys) + 4) + '|']
  floor = [mean_std([r['floor_' + key] for r in results if key in r], fmt)
           for key, _, fmt in keys]
  lines.append('| real-vs-real floor | | ' + ' | '.join(floor) + ' | | |')
  for name, label, _ in variants:
    cells = sorted((r for r in results if r['variant'] == name), key=lambda r: r['seed'])
    if not cells:
      continue
    numbers = [mean_std([r[key] for r in cells], fmt) for key, _, fmt in keys]
    per_seed = ', '.join(f'{r["swd_x1e3"]:.1f}' for r in cells if 'swd_x1e3' in r)
    seconds = np.mean([r['train_seconds'] for r in cells])
    lines.append(f'| {label} | {len(cells)} | ' + ' | '.join(numbers)
                 + f' | {per_seed} | {seconds:.0f} |')
  return '\n'.join(lines) + '\n'


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  variants = read_variants(FLAGS.variants)
  if FLAGS.only:
    known = [name for name, _, _ in variants]
    wanted = fig2_sweep.split_list(FLAGS.only, known, 'only')
    variants = [v for v in variants if v[0] in wanted]
  seeds = [int(s) for s in fig2_sweep.split_list(FLAGS.seeds, None, 'seeds')]
  metrics = list(names.parse_metrics(FLAGS.metrics))  # Before hours of training, not after.
  if FLAGS.eval_num_samples < 10:
    raise UserError(f'Invalid --eval_num_samples. Received: {FLAGS.eval_num_samples}; '
                    'accepted: an integer >= 10')
  train_flags = shlex.split(FLAGS.train_flags)
  out = FLAGS.out or os.path.join(FLAGS.work_dir, 'variants.md')
  # Every cell's flags are checked before the first one trains: a typo in the last variant
  # should not cost the hours of the ones before it.
  # Seed by seed, so that a sweep stopped early has every variant at its first seeds.
  cells = []
  for seed in seeds:
    for name, _, variant_flags in variants:
      model_dir = os.path.join(FLAGS.work_dir, f'{name}_seed{seed}')
      args = cell_args(FLAGS.base_flagfile, variant_flags, train_flags, seed, model_dir)
      fig2_sweep.parse_config(args)
      cells.append((name, args, seed, model_dir))
  results = []
  started = time.time()
  for name, args, seed, model_dir in cells:
    result = run_cell(name, args, seed, model_dir, metrics, FLAGS.eval_num_samples)
    results.append(result)
    print(f'{name} seed {seed}: ' + ', '.join(
        f'{key} {result[key]:.3f}' for key, _, _ in COLUMNS if key in result), flush=True)
    files.write_json(out + '.json', results)
  table = markdown_table(results, variants)
  fig2_sweep.write_table(out, table, len(results), started)


def run():
  cli.run(main, define_flags)


if __name__ == '__main__':
  run()
