r"""The cost of EMA and DiffAugment per step, as ratios in one run.

  python tools/ema_augment_benchmark.py --steps=40 --repeats=5
  python tools/ema_augment_benchmark.py --train_flags="--loss=non_saturating --penalty=none"

Trains configs/quickstart.cfg's networks (32 px, batch 32, n_critic 1, WGAN-GP, resize + 3x3
generator) on random images four ways: neither, EMA only (--ema_kimg=10 --ema_rampup=0.05),
DiffAugment only (--augment=color,translation,cutout), and both, and prints each one's median
seconds per step and its ratio to neither. The variants are timed interleaved, repeat by
repeat, so that they see the same load on a shared machine; each repeat is one fit() of
--steps steps after a warm-up fit() that traces the step. --train_flags changes the method they
share (the ratio depends on it: a step without a gradient penalty is cheaper, so the same
augmentation is a larger share of it).
"""

import dataclasses
import shlex
import sys

from absl import app
from absl import flags

import interleaved  # tools/interleaved.py, beside this script

flags.DEFINE_integer('steps', 40, 'Generator steps per timed repeat.')
flags.DEFINE_integer('repeats', 5, 'Timed repeats of each variant, interleaved.')
flags.DEFINE_string('train_flags', '', 'Training flags applied to every variant after '
                    'configs/quickstart.cfg, e.g. "--loss=non_saturating --penalty=none".')
FLAGS = flags.FLAGS

_EMA = dict(ema_kimg=10.0, ema_rampup=0.05)
_AUGMENT = dict(augment='color,translation,cutout')
VARIANTS = {
    'neither': dict(ema_kimg=0.0, ema_rampup=0.0, augment='none'),
    'ema': dict(_EMA, augment='none'),
    'augment': dict(_AUGMENT, ema_kimg=0.0, ema_rampup=0.0),
    'both': dict(_EMA, **_AUGMENT),
}


def main(argv):
  del argv
  base = interleaved.quickstart_config(shlex.split(FLAGS.train_flags))
  runs = interleaved.random_image_runs(
      {name: dataclasses.replace(base, **overrides) for name, overrides in VARIANTS.items()},
      warmup_steps=5)
  seconds = interleaved.seconds_per_step(runs, FLAGS.steps, FLAGS.repeats)
  interleaved.print_ratios(seconds, 'neither', FLAGS.steps)


if __name__ == '__main__':
  sys.exit(app.run(main))
