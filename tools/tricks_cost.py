r"""The cost per step of every training trick and penalty on the demo's image networks, as ratios.

  python tools/tricks_cost.py --steps=20 --repeats=7

Trains configs/quickstart.cfg's networks (32 px, batch 32, n_critic 1, resize + 3x3 generator,
EMA) on random images. Each variant is one change to one of two baselines, and its ratio is to
that baseline:
- the quickstart itself (WGAN-GP): the one-sided penalty, instance noise, feature matching,
  historical averaging and virtual batch norm (R = 64, the default, and 32 = one batch, as
  improved-gan takes one minibatch);
- the non-saturating loss with no penalty, where the tricks that the gradient penalty refuses
  or that need a probability live: label smoothing, R1 (every step, and lazily every 4), DRAGAN,
  ProGAN's minibatch stddev, Salimans et al.'s minibatch discrimination (improved-gan's 100, 5)
  and SN-GAN (configs/sngan_cpu.cfg's hinge loss and spectral norm).
The variants are timed interleaved, repeat by repeat (tools/interleaved.py), each repeat one
fit() of --steps steps after a warm-up that traces it.
"""

import dataclasses
import statistics
import sys

from absl import app
from absl import flags

import interleaved  # tools/interleaved.py, beside this script

flags.DEFINE_integer('steps', 20, 'Generator steps per timed repeat.')
flags.DEFINE_integer('repeats', 7, 'Timed repeats of each variant, interleaved.')
flags.DEFINE_string('only', '', 'Comma-separated variant names (default: all); their baselines '
                    'are always timed.')
FLAGS = flags.FLAGS

WGAN_GP = 'WGAN-GP (quickstart)'
NS = 'non-saturating, no penalty'
_NS = dict(penalty='none', loss='non_saturating')
# name -> (its baseline, the changes to the quickstart's config).
VARIANTS = {
    WGAN_GP: (WGAN_GP, {}),
    'gp_one_sided': (WGAN_GP, dict(gp_one_sided=True)),
    'instance_noise=0.1': (WGAN_GP, dict(instance_noise=0.1, instance_noise_anneal_steps=1800)),
    'feature_matching=down2_lrelu': (WGAN_GP, dict(feature_matching='down2_lrelu',
                                                   feature_matching_weight=1.0)),
    'historical_averaging=0.01': (WGAN_GP, dict(historical_averaging=0.01)),
    'g_norm=virtual, R=64': (WGAN_GP, dict(g_norm='virtual', vbn_reference_size=64)),
    'g_norm=virtual, R=32': (WGAN_GP, dict(g_norm='virtual', vbn_reference_size=32)),
    NS: (NS, _NS),
    'label_smoothing=0.1': (NS, dict(_NS, label_smoothing=0.1)),
    'r1': (NS, dict(_NS, penalty='r1', gp_weight=1.0)),
    'r1, every 4': (NS, dict(_NS, penalty='r1', gp_weight=1.0, penalty_every=4)),
    'dragan': (NS, dict(_NS, penalty='dragan', gp_weight=10.0)),
    'minibatch_stddev=4': (NS, dict(_NS, minibatch_stddev=4)),
    'minibatch_discrimination=100,5': (NS, dict(_NS, minibatch_discrimination='100,5')),
    'SN-GAN (hinge, spectral norm)': (NS, dict(_NS, loss='hinge', d_norm='spectral',
                                               g_beta2=0.999, d_beta2=0.999)),
}


def main(argv):
  del argv
  wanted = [name.strip() for name in FLAGS.only.split(',') if name.strip()] or list(VARIANTS)
  unknown = [name for name in wanted if name not in VARIANTS]
  if unknown:
    raise app.UsageError(f'Invalid --only. Received: {FLAGS.only!r}; accepted: a comma-'
                         f'separated list of {", ".join(VARIANTS)}')
  needed = set(wanted) | {VARIANTS[name][0] for name in wanted}  # And their baselines.
  names = [name for name in VARIANTS if name in needed]
  quickstart = interleaved.quickstart_config()
  runs = interleaved.random_image_runs(
      {name: dataclasses.replace(quickstart, **VARIANTS[name][1]) for name in names})
  seconds = interleaved.seconds_per_step(runs, FLAGS.steps, FLAGS.repeats)
  # On a shared machine the repeats are often bimodal; the fastest repeat is the least
  # disturbed, so its ratio is printed beside the median's.
  print('| variant | baseline | median ms/step | fastest ms/step | ratio (median) | '
        'ratio (fastest) |')
  print('| --- | --- | --- | --- | --- | --- |')
  for name, values in seconds.items():
    base = seconds[VARIANTS[name][0]]
    median = statistics.median(values)
    print(f'| {name} | {VARIANTS[name][0]} | {1e3 * median:.1f} | {1e3 * min(values):.1f} | '
          f'{median / statistics.median(base):.3f} | {min(values) / min(base):.3f} |')


if __name__ == '__main__':
  sys.exit(app.run(main))
