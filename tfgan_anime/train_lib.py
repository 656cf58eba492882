"""Training as a function of a TrainConfig: strategy, data, networks, callbacks, fit, export.

Layout of a run directory (`config.model_dir`):
  config.json, flags.cfg   the resolved options (flags.cfg reproduces the run via --flagfile)
  checkpoints/             both networks, both optimisers and the step (tf.train.CheckpointManager)
  samples/                 epoch_EEEE.png grids from one fixed z, and latest.png (toy data:
                           samples over the data and the critic's surface, see toy_plots.py)
  tensorboard/             scalars and sample images
  export/                  the generator as a SavedModel (see export.py)
  best/, export_best/      with --eval_every_epochs: the best checkpoint by --eval_metric and
                           its export
Reusing a model_dir resumes from its latest checkpoint.
"""

import dataclasses
import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import callbacks as callbacks_lib
from tfgan_anime import evaluation
from tfgan_anime.data import pipeline
from tfgan_anime.data import toy2d
from tfgan_anime import export as export_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.models import dcgan
from tfgan_anime.models import mlp


@dataclasses.dataclass
class TrainResult:
  """Where a run's outputs are and where it ended."""
  model_dir: str
  step: int
  samples: list
  export_dir: str
  history: dict
  # ring8 / grid25 runs: the final mode coverage (metrics/toy.py ToyMetrics); else None.
  toy_metrics: object = None
  # With --eval_every_epochs: {'metric', 'value', 'step'} of the best evaluation, and its export.
  best: dict = None
  export_best_dir: str = ''


def make_strategy(name):
  if name == 'mirrored':
    return tf.distribute.MirroredStrategy()
  return tf.distribute.get_strategy()


def make_optimizer(name, learning_rate, beta1, beta2, decay_steps=None):
  """Adam(lr, beta1, beta2), or RMSprop(lr) as the WGAN paper prescribes for weight clipping.

  With `decay_steps` the rate falls linearly from `learning_rate` to 0 over that many updates of
  this optimiser (its own iteration count, saved in checkpoints, so a resumed run continues the
  schedule).
  """
  if decay_steps:
    learning_rate = keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps, end_learning_rate=0.0, power=1.0)
  if name == 'adam':
    return keras.optimizers.Adam(learning_rate, beta_1=beta1, beta_2=beta2)
  if name == 'rmsprop':
    return keras.optimizers.RMSprop(learning_rate)
  raise ValueError(f'Unknown optimizer. Received: optimizer={name!r}; accepted: adam, rmsprop')


def build_networks(config):
  """(generator, critic) of `config.architecture`: DCGAN for images, MLP for toy points."""
  clip_value = config.clip_value if config.penalty == 'clip' else None
  if config.architecture == 'mlp':
    return (mlp.build_generator(config.z_dim, 2, config.mlp_width, config.mlp_depth),
            mlp.build_critic(2, config.mlp_width, config.mlp_depth, clip_value=clip_value))
  generator = dcgan.build_generator(config.resolution, config.z_dim, config.g_base_width,
                                    config.kernel_size, config.g_norm)
  critic = dcgan.build_critic(config.resolution, config.d_base_width, config.kernel_size,
                              config.d_norm, clip_value=clip_value)
  return generator, critic


def build_gan(config, total_steps=None):
  """The compiled GAN of a config; call inside the strategy scope.

  total_steps: generator steps of the whole run; needed by --lr_decay=linear.
  """
  keras.utils.set_random_seed(config.seed)
  generator, critic = build_networks(config)
  gan = gan_lib.GAN(generator, critic, config.z_dim, n_critic=config.n_critic,
                    penalty=config.penalty, gp_weight=config.gp_weight,
                    gp_target=config.gp_target, gp_one_sided=config.gp_one_sided,
                    seed=config.seed)
  d_loss_fn, g_loss_fn = losses.get_losses(config.loss)
  g_decay = d_decay = None
  if config.lr_decay == 'linear':
    if not total_steps:
      raise ValueError(f'--lr_decay=linear needs the run length. Received: total_steps='
                       f'{total_steps!r}; accepted: an integer >= 1')
    # The critic's optimiser counts its own updates: n_critic per generator step.
    g_decay, d_decay = total_steps, total_steps * config.n_critic
  gan.compile(
      d_optimizer=make_optimizer(config.d_optimizer, config.d_lr, config.d_beta1, config.d_beta2,
                                 d_decay),
      g_optimizer=make_optimizer(config.g_optimizer, config.g_lr, config.g_beta1, config.g_beta2,
                                 g_decay),
      d_loss_fn=d_loss_fn, g_loss_fn=g_loss_fn)
  return gan


def make_checkpoint(gan):
  return tf.train.Checkpoint(generator=gan.generator, critic=gan.critic,
                             g_optimizer=gan.g_optimizer, d_optimizer=gan.d_optimizer,
                             step=gan.step)


def train(config, strategy=None):
  """Trains (or resumes) the run described by `config`. Returns a TrainResult.

  Args:
    config: a TrainConfig (validated here).
    strategy: a tf.distribute.Strategy; default from `config.strategy`.
  """
  config.validate()
  config.write(config.model_dir)
  strategy = strategy or make_strategy(config.strategy)
  if config.batch_size % strategy.num_replicas_in_sync:
    raise ValueError(f'Invalid --batch_size. Received: batch_size={config.batch_size}; accepted: '
                     f'a multiple of the {strategy.num_replicas_in_sync} replicas')

  dataset, info = pipeline.make_dataset(
      config.data, config.resolution, config.batch_size, config.n_critic, seed=config.seed,
      cache=config.cache or None, cache_dir=config.cache_dir or None,
      synthetic_num_images=config.synthetic_num_images)
  steps_per_epoch = (config.steps_per_epoch or
                     max(1, info.num_images // (config.batch_size * config.n_critic)))
  total_steps = config.train_steps or config.epochs * steps_per_epoch
  _say(f'Data: {info.num_images} images in {info.folder}; {steps_per_epoch} steps per epoch; '
       f'{total_steps} steps in all.')

  with strategy.scope():
    gan = build_gan(config, total_steps)
  checkpoint = make_checkpoint(gan)
  manager = tf.train.CheckpointManager(checkpoint, os.path.join(config.model_dir, 'checkpoints'),
                                       max_to_keep=config.keep_checkpoints)
  if manager.latest_checkpoint:
    checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    _say(f'Resumed from {manager.latest_checkpoint} at step {int(gan.step.numpy())}.')
  start = int(gan.step.numpy())

  writer = tf.summary.create_file_writer(os.path.join(config.model_dir, 'tensorboard'))
  z_fixed = np.random.default_rng(config.seed).standard_normal(
      (config.num_samples, config.z_dim)).astype(np.float32)
  if toy2d.is_toy(config.data):
    grid, toy_logger = _toy_callbacks(config, steps_per_epoch, writer)
  else:
    grid = callbacks_lib.SampleGrid(z_fixed, os.path.join(config.model_dir, 'samples'),
                                    steps_per_epoch, writer)
    toy_logger = None
  callbacks = [
      callbacks_lib.StepLimit(total_steps),
      callbacks_lib.ScalarLogger(writer, config.log_every_steps),
      grid,
      callbacks_lib.Checkpointer(manager, config.checkpoint_every_steps),
  ]
  if toy_logger is not None:
    callbacks.append(toy_logger)
  evaluator = None
  if config.eval_every_epochs:
    evaluator = _evaluation_callback(config, gan, info, steps_per_epoch, writer)
    callbacks.append(evaluator)
  history = {}
  if start < total_steps:
    initial_epoch = start // steps_per_epoch
    epochs = initial_epoch + math.ceil((total_steps - start) / steps_per_epoch)
    fit = gan.fit(
        dataset.with_options(_options()) if strategy.num_replicas_in_sync > 1 else dataset,
        epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
        callbacks=callbacks, shuffle=False, verbose='auto')
    history = {name: [float(v) for v in values] for name, values in fit.history.items()}
  else:
    _say(f'Step {start} already reaches {total_steps} steps; nothing to train.')
  writer.flush()

  export_dir = os.path.join(config.model_dir, 'export')
  if config.export:
    export_lib.export_generator(gan.generator, export_dir)
  best = evaluator.best if evaluator is not None else None
  export_best_dir = ''
  if best is not None and config.export and config.export_best:
    export_best_dir = export_best(config, os.path.join(config.model_dir, 'export_best'))
    _say(f'Best {best["metric"]} {best["value"]:.5g} at step {best["step"]}: exported to '
         f'{export_best_dir}')
  return TrainResult(model_dir=config.model_dir, step=int(gan.step.numpy()),
                     samples=grid.written, export_dir=export_dir if config.export else '',
                     history=history,
                     toy_metrics=toy_logger.latest if toy_logger is not None else None,
                     best=best, export_best_dir=export_best_dir)


def _toy_callbacks(config, steps_per_epoch, writer):
  """(ToyPlots, ToyMetricsLogger or None) of a toy run; the logger only for ring8 / grid25."""
  name = toy2d.parse(config.data)
  rng = np.random.default_rng(config.seed)
  # 2,500 samples: the count of PacGAN's and VEEGAN's tables; the plots show 1,000 of them.
  z = rng.standard_normal((2500, config.z_dim)).astype(np.float32)
  real = toy2d.sample(name, 2000, seed=config.seed)
  plots = callbacks_lib.ToyPlots(z[:1000], real, toy2d.plot_box(name),
                                 os.path.join(config.model_dir, 'samples'), steps_per_epoch,
                                 writer)
  logger = None
  if name in toy2d.MIXTURES:
    centres, sigma = toy2d.MIXTURES[name]
    logger = callbacks_lib.ToyMetricsLogger(z, centres, sigma, steps_per_epoch, writer, name)
  return plots, logger


def best_directory(model_dir):
  return os.path.join(model_dir, 'best')


def _evaluation_callback(config, gan, info, steps_per_epoch, writer):
  evaluate_fn, metric_name = evaluation.training_evaluator(
      config.eval_metric, config.data, info.folder, config.resolution, config.eval_num_samples,
      config.z_dim, seed=config.seed, cache_dir=config.cache_dir,
      inception_graph=config.inception_graph,
      inception_keras_weights=config.inception_keras_weights)
  # Generator, critic and step: enough to export the best generator or to look at its critic.
  best = tf.train.Checkpoint(generator=gan.generator, critic=gan.critic, step=gan.step)
  best_manager = tf.train.CheckpointManager(best, best_directory(config.model_dir),
                                            max_to_keep=1)
  return callbacks_lib.EvaluationCallback(evaluate_fn, metric_name, best_manager,
                                          steps_per_epoch, config.eval_every_epochs, writer)


def export_best(config, export_dir):
  """Exports the generator of the best checkpoint in <model_dir>/best to `export_dir`."""
  latest = tf.train.latest_checkpoint(best_directory(config.model_dir))
  if latest is None:
    raise ValueError(f'No best checkpoint. Received: model_dir={config.model_dir!r} without '
                     'best/; accepted: a run trained with --eval_every_epochs > 0')
  generator, _ = build_networks(config)
  tf.train.Checkpoint(generator=generator).restore(latest).expect_partial()
  return export_lib.export_generator(generator, export_dir)


def _say(message):
  print(message, flush=True)


def _options():
  options = tf.data.Options()
  # Every replica reads the same stream and the strategy splits each global batch.
  options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
  return options
