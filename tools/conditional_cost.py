r"""The tag-conditional step's cost against the unconditional one, as a ratio in one run.

  python tools/conditional_cost.py --steps=40 --repeats=5

Trains configs/quickstart.cfg's networks (32 px, batch 32, n_critic 1, WGAN-GP, resize + 3x3
generator, EMA) on random images twice: unconditional, and with configs/conditional.cfg's
conditioning (hair and eyes: 12 x 10 classes as the synthetic faces have, conditional batch
norm in the generator, a projection critic, labels with every real batch and fake labels
drawn in the step). The two are timed interleaved, repeat by repeat, so that they see the same
load on a shared machine; each repeat is one fit() of --steps steps after a warm-up fit().
"""

import dataclasses
import sys

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from tfgan_anime.data import conditions
from tfgan_anime.data import pipeline
from tfgan_anime.metrics import tag_classifier
from tfgan_anime.training import loop as train_lib
import interleaved  # tools/interleaved.py, beside this script

flags.DEFINE_integer('steps', 40, 'Generator steps per timed repeat.')
flags.DEFINE_integer('repeats', 5, 'Timed repeats of each variant, interleaved.')
FLAGS = flags.FLAGS

_NUM_IMAGES = 512
_CONDITIONAL = dict(condition='hair,eyes')  # The images and their tags are made here.


def _labels(rng):
  """A LabelTable of _NUM_IMAGES images with uniform hair and eye colours (the faces' own)."""
  tags = {f'{i:04d}': {f'{tag_classifier.HAIR_COLORS[rng.integers(12)]} hair': 1,
                       f'{tag_classifier.EYE_COLORS[rng.integers(10)]} eyes': 1}
          for i in range(_NUM_IMAGES)}
  return conditions.build_labels(tags, ('hair', 'eyes'))


def main(argv):
  del argv
  base = interleaved.quickstart_config()
  rng = np.random.default_rng(0)
  images = rng.integers(0, 256, (_NUM_IMAGES, 32, 32, 3), dtype=np.uint8)
  table = _labels(rng)
  runs = {}
  for name in ('unconditional', 'conditional'):
    if name == 'conditional':
      config = dataclasses.replace(base, **_CONDITIONAL)
      samples = tf.data.Dataset.from_tensor_slices((images, table.kept_labels()))
      gan = train_lib.build_gan(config, labels=table)
    else:
      config = base
      samples = tf.data.Dataset.from_tensor_slices(images)
      gan = train_lib.build_gan(config)
    dataset = pipeline.group_for_critic(samples.repeat(), config.batch_size, config.n_critic)
    gan.fit(dataset, steps_per_epoch=5, epochs=1, verbose=0)  # Traces and warms up.
    runs[name] = (gan, dataset)
  seconds = interleaved.seconds_per_step(runs, FLAGS.steps, FLAGS.repeats)
  interleaved.print_ratios(seconds, 'unconditional', FLAGS.steps)


if __name__ == '__main__':
  sys.exit(app.run(main))
