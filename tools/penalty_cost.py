r"""Seconds per generator step of each penalty on the toy MLPs, as a ratio to no penalty.

  python tools/penalty_cost.py --steps=100 --rounds=3

The tools/toy_benchmark.py networks (MLP 3 x 128, z 2, batch 256), the non-saturating loss,
n_critic 1, on random 2-D points. Every method is built once and traced; then the methods take
turns, `--rounds` times `--steps` steps each, so that a machine shared with other work slows
them alike; the median round is reported.
"""


from absl import flags
import numpy as np

from tfgan_anime import cli
import interleaved  # tools/interleaved.py, beside this script

FLAGS = flags.FLAGS
METHODS = {
    'none': dict(penalty='none'),
    'label_smoothing': dict(penalty='none', label_smoothing=0.1),
    'gp': dict(penalty='gp', gp_weight=0.1),
    'r1': dict(penalty='r1', gp_weight=0.1),
    'r1 every 4': dict(penalty='r1', gp_weight=0.1, penalty_every=4),
    'dragan': dict(penalty='dragan', gp_weight=0.1),
}


def define_flags():
  flags.DEFINE_integer('steps', 100, 'Generator steps per timed round.')
  flags.DEFINE_integer('rounds', 3, 'Timed rounds per method (the median is reported).')


def main(argv):
  del argv
  cli.import_tensorflow()
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_anime import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfgan_anime.data import pipeline  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import builders  # pylint: disable=g-import-not-at-top
  points = np.random.default_rng(0).normal(size=(4096, 2)).astype(np.float32)
  runs = {}
  for name, values in METHODS.items():
    config = config_lib.TrainConfig(model_dir='unused', data='toy2d:ring8', architecture='mlp',
                                    z_dim=2, mlp_width=128, mlp_depth=3, batch_size=256,
                                    n_critic=1, loss='non_saturating', **values)
    config.validate()
    gan = builders.build_gan(config)
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(points).repeat(), config.batch_size, 1)
    gan.fit(dataset, steps_per_epoch=8, epochs=1, verbose=0)  # Traces the step.
    runs[name] = (gan, dataset)
  seconds = interleaved.seconds_per_step(runs, FLAGS.steps, FLAGS.rounds)
  base = float(np.median(seconds['none']))
  print('| method | ms / step (median round) | ratio to none |')
  print('| --- | --- | --- |')
  for name, values in seconds.items():
    median = float(np.median(values))
    print(f'| {name} | {1000 * median:.2f} | {median / base:.2f} |')


if __name__ == '__main__':
  cli.run(main, define_flags)
