r"""The cost of synchronised batch norm per step: 2 logical CPUs, MirroredStrategy, one run.

  python tools/sync_bn_benchmark.py --steps=30 --repeats=3

Trains the quickstart's networks (configs/quickstart.cfg: 32 px, widths 32, batch 32, n_critic
1, WGAN-GP, batch norm in the generator) under MirroredStrategy on two logical CPU devices, with
--sync_batch_norm=true and =false, and prints the median seconds per step of each and their
ratio. The two variants are timed interleaved, repeat by repeat, so that they see the same load
on a shared machine. Each repeat is one fit() of --steps steps after a warm-up fit().
"""

import statistics
import sys

import numpy as np
import tensorflow as tf

# Before any op runs: two logical CPUs, as tests/conftest.py sets them up.
_CPUS = tf.config.list_physical_devices('CPU')
tf.config.set_logical_device_configuration(_CPUS[0],
                                           [tf.config.LogicalDeviceConfiguration()] * 2)

# pylint: disable=g-import-not-at-top,wrong-import-position
from absl import app
from absl import flags

from tfgan_anime import config as config_lib
from tfgan_anime.data import pipeline
from tfgan_anime.training import loop as train_lib
import interleaved  # tools/interleaved.py, beside this script

flags.DEFINE_integer('steps', 30, 'Generator steps per timed repeat.')
flags.DEFINE_integer('repeats', 3, 'Timed repeats of each variant, interleaved.')
FLAGS = flags.FLAGS


def _quickstart(sync):
  return config_lib.TrainConfig(
      model_dir='unused', resolution=32, z_dim=100, g_base_width=32, d_base_width=32,
      kernel_size=5, g_norm='batch', d_norm='none', n_critic=1, batch_size=32, g_lr=2e-4,
      d_lr=2e-4, g_beta1=0.5, d_beta1=0.5, sync_batch_norm=sync)


def main(argv):
  del argv
  strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
  images = np.random.default_rng(0).integers(0, 256, (512, 32, 32, 3), dtype=np.uint8)
  gans = {}
  for sync in ('true', 'false'):
    config = _quickstart(sync)
    dataset = pipeline.group_for_critic(tf.data.Dataset.from_tensor_slices(images).repeat(),
                                        config.batch_size, config.n_critic)
    with strategy.scope():
      gan = train_lib.build_gan(config)
    gan.fit(dataset, steps_per_epoch=5, epochs=1, verbose=0)  # Traces and warms up.
    gans[sync] = (gan, dataset)
  seconds = interleaved.seconds_per_step(gans, FLAGS.steps, FLAGS.repeats)
  for sync, values in seconds.items():
    print(f'sync_batch_norm={sync}: {1e3 * statistics.median(values):.1f} ms/step median '
          f'(min {1e3 * min(values):.1f}, max {1e3 * max(values):.1f}) over {FLAGS.repeats} '
          f'repeats of {FLAGS.steps} steps')
  ratio = statistics.median(seconds['true']) / statistics.median(seconds['false'])
  print(f'ratio synchronised / per replica: {ratio:.3f}')


if __name__ == '__main__':
  sys.exit(app.run(main))
