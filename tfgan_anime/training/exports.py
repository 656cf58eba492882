"""What a finished run exports: the generator, and with --eval_every_epochs the best one."""

import tensorflow as tf

from tfgan_anime import export as export_lib
from tfgan_anime.training import builders
from tfgan_anime.training import run_dir


def export_run(config, gan, best, log):
  """Exports the generator (and the best one); returns (export_dir, export_best_dir).

  Args:
    config: the TrainConfig of the run (call on the chief only: the others export nothing).
    gan: the trained GAN.
    best: the {'metric', 'value', 'step'} of the best evaluation, or None.
    log: a function of one message line.

  Returns:
    export_dir: '' without --export; export_best_dir: '' unless --export_best exported the best
    checkpoint's generator.
  """
  if not config.export:
    return '', ''
  # With EMA on, the average is the generator people see: the grids and the scores are its.
  # A conditional run's export takes labels and tags (export.py), from the run's vocabulary.
  export_dir = export_lib.export_generator(gan.sampler,
                                           run_dir.export_directory(config.model_dir),
                                           conditions=gan.conditions)
  if config.export_raw and gan.ema_generator is not None:
    raw_dir = export_lib.export_generator(gan.generator,
                                         run_dir.export_raw_directory(config.model_dir),
                                         conditions=gan.conditions)
    log(f'Raw (not averaged) generator exported to {raw_dir}')
  export_best_dir = ''
  if best is not None and config.export_best:
    export_best_dir = export_best(config, run_dir.export_best_directory(config.model_dir),
                                  gan.conditions)
    log(f'Best {best["metric"]} {best["value"]:.5g} at step {best["step"]}: exported to '
        f'{export_best_dir}')
  return export_dir, export_best_dir


def export_best(config, export_dir, conditions=None):
  """Exports the generator of the best checkpoint in <model_dir>/best to `export_dir`.

  conditions: a conditional run's vocabulary dict (`gan.conditions`), which sizes its networks.
  """
  latest = tf.train.latest_checkpoint(run_dir.best_directory(config.model_dir))
  if latest is None:
    raise ValueError(f'No best checkpoint. Received: model_dir={config.model_dir!r} without '
                     'best/; accepted: a run trained with --eval_every_epochs > 0')
  num_classes = (tuple(len(conditions['vocabulary'][group]) for group in conditions['groups'])
                 if conditions else None)
  generator, _ = builders.build_networks(config, num_classes)
  tf.train.Checkpoint(generator=generator).restore(latest).expect_partial()
  return export_lib.export_generator(generator, export_dir, conditions=conditions)
