r"""Mode coverage of GAN, WGAN (clipping) and WGAN-GP on ring8 and grid25, over seeds.

  python tools/toy_benchmark.py --seeds=0,1,2,3,4 --datasets=ring8,grid25 \
      --methods=gan,wgan,wgan_gp --train_steps=1200 --out=toy_benchmark.md

Every run trains `train_lib.train` on `toy2d:NAME` with the MLPs, then counts modes on 2,500
samples from a fixed z (`callbacks.ToyMetricsLogger`: PacGAN's and VEEGAN's protocol). The table
gives, per dataset and method, the mean and standard deviation over seeds of modes captured,
the high-quality fraction and the reverse KL, and each seed's modes. Each run's Keras output
goes to <work_dir>/<run>/train.log; raw numbers to <out>.json.

The three methods share the networks (MLP 3 x --mlp_width, z of size 2), the batch (256), the
number of generator steps and a linear learning-rate decay to 0; they differ as their papers do:

  gan       non-saturating loss, 1 discriminator update per step, Adam(1e-3, 0.5, 0.9)
  wgan      Wasserstein loss, weights clipped to [-0.01, 0.01], 5 critic updates, RMSprop(1e-3)
  wgan_gp   Wasserstein loss + gradient penalty lambda 0.1 (the WGAN-GP toy code), 5 critic
            updates, Adam(2e-3, 0.5, 0.9): configs/toy_ring8.cfg

and the tricks, each the gan row with one change: gan_ls (--label_smoothing=0.1), gan_r1
(--penalty=r1, gamma / 2 = 0.1), gan_r1_lazy4 (the same every 4 steps, times 4) and gan_dragan
(--penalty=dragan, lambda 0.1), gan_noise (--instance_noise=0.1 annealed over 1,200 steps),
gan_fm (--feature_matching=hidden2 --feature_matching_weight=1) and gan_ha
(--historical_averaging=0.01).
"""

import contextlib
import json
import os
import shutil
import sys
import time

from absl import flags
from absl import logging
import numpy as np

# cli first, and nothing that loads TensorFlow up here: see tfgan_anime/cli.py.
from tfgan_anime import cli
from tfgan_anime.errors import UserError

FLAGS = flags.FLAGS


def define_flags():
  flags.DEFINE_string('seeds', '0,1,2,3,4', 'Comma-separated seeds.')
  flags.DEFINE_string('datasets', 'ring8,grid25', 'Comma-separated: ring8, grid25.')
  flags.DEFINE_string('methods', 'gan,wgan,wgan_gp', 'Comma-separated: gan, wgan, wgan_gp, '
                      'gan_ls, gan_r1, gan_r1_lazy4, gan_dragan.')
  flags.DEFINE_integer('train_steps', 1200, 'Generator steps per run.')
  flags.DEFINE_integer('mlp_width', 128, 'Hidden units of both MLPs (512 in the seed).')
  flags.DEFINE_string('work_dir', '/tmp/tfgan_anime_toy_benchmark',
                      'Run directories (replaced).')
  flags.DEFINE_string('out', 'toy_benchmark.md', 'Markdown table; raw numbers go to <out>.json.')


COMMON = dict(architecture='mlp', z_dim=2, mlp_depth=3, batch_size=256, lr_decay='linear',
              g_beta1=0.5, d_beta1=0.5, g_beta2=0.9, d_beta2=0.9, export=False, log_every_steps=50)
METHODS = {
    'gan': dict(loss='non_saturating', penalty='none', n_critic=1, g_optimizer='adam',
                d_optimizer='adam', g_lr=1e-3, d_lr=1e-3),
    'wgan': dict(loss='wasserstein', penalty='clip', clip_value=0.01, n_critic=5,
                 g_optimizer='rmsprop', d_optimizer='rmsprop', g_lr=1e-3, d_lr=1e-3),
    'wgan_gp': dict(loss='wasserstein', penalty='gp', gp_weight=0.1, n_critic=5,
                    g_optimizer='adam', d_optimizer='adam', g_lr=2e-3, d_lr=2e-3),
}
# The tricks of issue 14 on the GAN row's settings, one change each (weights not tuned: the
# WGAN-GP toy code's lambda 0.1 for both penalties, gamma / 2 = 0.1 for R1).
METHODS.update({
    'gan_ls': dict(METHODS['gan'], label_smoothing=0.1),
    'gan_r1': dict(METHODS['gan'], penalty='r1', gp_weight=0.1),
    'gan_r1_lazy4': dict(METHODS['gan'], penalty='r1', gp_weight=0.1, penalty_every=4),
    'gan_dragan': dict(METHODS['gan'], penalty='dragan', gp_weight=0.1),
    # Salimans et al.'s and the notes' remedies (not tuned either): noise of sigma 0.1 on the
    # discriminator's inputs, annealed to 0 over the run's 1,200 steps; feature matching on the
    # last hidden layer added to the generator's loss; historical averaging lambda 0.01.
    'gan_noise': dict(METHODS['gan'], instance_noise=0.1, instance_noise_anneal_steps=1200),
    'gan_fm': dict(METHODS['gan'], feature_matching='hidden2', feature_matching_weight=1.0),
    'gan_ha': dict(METHODS['gan'], historical_averaging=0.01),
})
LABELS = {'gan': 'GAN (non-saturating)', 'wgan': 'WGAN (clipping)', 'wgan_gp': 'WGAN-GP',
          'gan_ls': 'GAN + label smoothing 0.1', 'gan_r1': 'GAN + R1 (gamma/2 = 0.1)',
          'gan_r1_lazy4': 'GAN + R1, lazy every 4', 'gan_dragan': 'GAN + DRAGAN (lambda 0.1)',
          'gan_noise': 'GAN + instance noise 0.1, annealed',
          'gan_fm': 'GAN + feature matching (hidden2, weight 1)',
          'gan_ha': 'GAN + historical averaging 0.01'}
NUM_MODES = {'ring8': 8, 'grid25': 25}


def run_one(dataset, method, seed, train_steps, mlp_width, work_dir):
  """Trains one run from scratch; returns a dict of its mode-coverage numbers and time."""
  cli.import_tensorflow()
  from tfgan_anime import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import loop as train_lib  # pylint: disable=g-import-not-at-top
  model_dir = os.path.join(work_dir, f'{dataset}_{method}_seed{seed}')
  shutil.rmtree(model_dir, ignore_errors=True)  # a leftover run would be resumed, not redone
  values = dict(COMMON, **METHODS[method])
  config = config_lib.TrainConfig(
      model_dir=model_dir, data=f'toy2d:{dataset}', seed=seed, mlp_width=mlp_width,
      train_steps=train_steps, steps_per_epoch=train_steps, checkpoint_every_steps=train_steps,
      **values)
  os.makedirs(model_dir)
  start = time.time()
  with open(os.path.join(model_dir, 'train.log'), 'w') as log, contextlib.redirect_stdout(log):
    result = train_lib.train(config)
  metrics = result.toy_metrics
  return {'dataset': dataset, 'method': method, 'seed': seed,
          'modes_captured': int(metrics.modes_captured),
          'high_quality_fraction': float(metrics.high_quality_fraction),
          'reverse_kl': float(metrics.reverse_kl), 'seconds': time.time() - start}


def _mean_std(values, fmt):
  values = np.asarray(values, np.float64)
  finite = values[np.isfinite(values)]
  if not len(finite):
    return 'n/a'
  text = f'{fmt.format(finite.mean())} ± {fmt.format(finite.std())}'
  if len(finite) < len(values):
    text += f' ({len(values) - len(finite)} NaN)'
  return text


def markdown_table(results):
  """Rows per (dataset, method): mean ± std over seeds (population std) and per-seed modes."""
  lines = ['| data | method | seeds | modes captured | high-quality samples | reverse KL | '
           'modes per seed | s / run |',
           '| --- | --- | --- | --- | --- | --- | --- | --- |']
  for dataset in NUM_MODES:
    for method in METHODS:
      rows = [r for r in results if r['dataset'] == dataset and r['method'] == method]
      if not rows:
        continue
      modes = [r['modes_captured'] for r in rows]
      lines.append(
          f'| {dataset} | {LABELS[method]} | {len(rows)} | '
          f'{_mean_std(modes, "{:.1f}")} / {NUM_MODES[dataset]} | '
          f'{_mean_std([100 * r["high_quality_fraction"] for r in rows], "{:.1f}")} % | '
          f'{_mean_std([r["reverse_kl"] for r in rows], "{:.3f}")} | '
          f'{", ".join(str(m) for m in modes)} | '
          f'{np.mean([r["seconds"] for r in rows]):.0f} |')
  return '\n'.join(lines) + '\n'


def split_list(text, allowed, name):
  """The items of comma-separated `text`; UserError when one is not in `allowed` (None: ints)."""
  items = [item.strip() for item in text.split(',') if item.strip()]
  if allowed is None:
    bad = [item for item in items if not item.lstrip('-').isdigit()]
  else:
    bad = [item for item in items if item not in allowed]
  if not items or bad:
    raise UserError(f'Invalid --{name}. Received: {name}={text!r}; accepted: a comma-'
                    f'separated list of {", ".join(allowed) if allowed else "integers"}')
  return items


def main(argv):
  del argv
  # TensorFlow's INFO lines (checkpoint sharding, ...) would bury the results.
  logging.set_verbosity(logging.WARNING)
  seeds = [int(s) for s in split_list(FLAGS.seeds, None, 'seeds')]
  datasets = split_list(FLAGS.datasets, tuple(NUM_MODES), 'datasets')
  methods = split_list(FLAGS.methods, tuple(METHODS), 'methods')
  results = []
  started = time.time()
  for dataset in datasets:
    for method in methods:
      for seed in seeds:
        result = run_one(dataset, method, seed, FLAGS.train_steps, FLAGS.mlp_width,
                         FLAGS.work_dir)
        results.append(result)
        print(f'{dataset} {method} seed {seed}: {result["modes_captured"]}/{NUM_MODES[dataset]} '
              f'modes, {100 * result["high_quality_fraction"]:.1f}% high quality, reverse KL '
              f'{result["reverse_kl"]:.3f} ({result["seconds"]:.0f} s)', flush=True)
        # Written after every run, so a long sweep that is stopped still leaves its numbers.
        with open(FLAGS.out + '.json', 'w') as f:
          json.dump(results, f, indent=2)
  table = markdown_table(results)
  with open(FLAGS.out, 'w') as f:
    f.write(table)
  print(table)
  print(f'{len(results)} runs in {(time.time() - started) / 60:.1f} min; wrote {FLAGS.out}',
        file=sys.stderr)


def run():
  cli.run(main, define_flags)


if __name__ == '__main__':
  run()
