r"""The cost per step of the model-side training tricks, as ratios in one run.

  python tools/model_tricks_cost.py --steps=20 --repeats=7

Trains configs/quickstart.cfg's networks (32 px, batch 32, n_critic 1, resize + 3x3 generator)
on random images, with --penalty=none and --ema_kimg=0 for every variant (the minibatch layers
refuse the gradient penalty, and EMA is not what is timed): the baseline, ProGAN's minibatch
stddev (--minibatch_stddev=4), Salimans et al.'s minibatch discrimination
(--minibatch_discrimination=100,5, improved-gan's size) and virtual batch norm in the
generator (--g_norm=virtual at the default reference of 64 latents, and at 32 = one batch, as
improved-gan takes one minibatch). The variants are timed interleaved, repeat by repeat
(tools/interleaved.py), each repeat one fit() of --steps steps after a warm-up that traces it.
"""

import dataclasses
import statistics
import sys

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from tfgan_anime.data import pipeline
from tfgan_anime.training import loop as train_lib
import interleaved  # tools/interleaved.py, beside this script

flags.DEFINE_integer('steps', 20, 'Generator steps per timed repeat.')
flags.DEFINE_integer('repeats', 7, 'Timed repeats of each variant, interleaved.')
FLAGS = flags.FLAGS

_COMMON = dict(penalty='none', loss='non_saturating', ema_kimg=0.0, ema_rampup=0.0)
VARIANTS = {
    'baseline (batch norm G)': dict(),
    'minibatch_stddev=4': dict(minibatch_stddev=4),
    'minibatch_discrimination=100,5': dict(minibatch_discrimination='100,5'),
    'g_norm=virtual, R=64': dict(g_norm='virtual', vbn_reference_size=64),
    'g_norm=virtual, R=32': dict(g_norm='virtual', vbn_reference_size=32),
}


def main(argv):
  del argv
  base = dataclasses.replace(interleaved.quickstart_config(), **_COMMON)
  images = np.random.default_rng(0).integers(0, 256, (512, 32, 32, 3), dtype=np.uint8)
  runs = {}
  for name, overrides in VARIANTS.items():
    config = dataclasses.replace(base, **overrides)
    config.validate()
    dataset = pipeline.group_for_critic(tf.data.Dataset.from_tensor_slices(images).repeat(),
                                        config.batch_size, config.n_critic)
    gan = train_lib.build_gan(config)
    gan.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)  # Traces and warms up.
    runs[name] = (gan, dataset)
  seconds = interleaved.seconds_per_step(runs, FLAGS.steps, FLAGS.repeats)
  # On a shared machine the repeats are often bimodal; the fastest repeat is the least
  # disturbed, so its ratio is printed beside the median's.
  baseline = statistics.median(seconds['baseline (batch norm G)'])
  fastest = min(seconds['baseline (batch norm G)'])
  print('| variant | median ms/step | fastest ms/step | ratio (median) | ratio (fastest) |')
  print('| --- | --- | --- | --- | --- |')
  for name, values in seconds.items():
    median = statistics.median(values)
    print(f'| {name} | {1e3 * median:.1f} | {1e3 * min(values):.1f} | {median / baseline:.3f} '
          f'| {min(values) / fastest:.3f} |')


if __name__ == '__main__':
  sys.exit(app.run(main))
