"""Training as a function of a TrainConfig: strategy, data, networks, callbacks, fit, export.

Layout of a run directory (`config.model_dir`):
  config.json, flags.cfg   the resolved options (flags.cfg reproduces the run via --flagfile)
  checkpoints/             both networks, both optimisers and the step (tf.train.CheckpointManager)
  samples/                 epoch_EEEE.png grids from one fixed z, and latest.png
  tensorboard/             scalars and sample images
  export/                  the generator as a SavedModel (see export.py)
Reusing a model_dir resumes from its latest checkpoint.
"""

import dataclasses
import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import callbacks as callbacks_lib
from tfgan_anime import distribute
from tfgan_anime.data import pipeline
from tfgan_anime.data import tfrecord
from tfgan_anime import export as export_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.models import dcgan


@dataclasses.dataclass
class TrainResult:
  """Where a run's outputs are and where it ended."""
  model_dir: str
  step: int
  samples: list
  export_dir: str
  history: dict


def make_strategy(name):
  return distribute.make_strategy(name)


def make_optimizer(name, learning_rate, beta1, beta2, loss_scale=False):
  """Adam(lr, beta1, beta2), or RMSprop(lr) as the WGAN paper prescribes for weight clipping.

  With `loss_scale` (for mixed_float16) it is wrapped in a LossScaleOptimizer, whose dynamic
  scale is saved in checkpoints with the optimiser it wraps.
  """
  if name == 'adam':
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta1, beta_2=beta2)
  elif name == 'rmsprop':
    optimizer = keras.optimizers.RMSprop(learning_rate)
  else:
    raise ValueError(f'Unknown optimizer. Received: optimizer={name!r}; accepted: adam, rmsprop')
  if loss_scale:
    optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
  return optimizer


def build_gan(config):
  """The compiled GAN of a config; call inside the strategy scope."""
  # Global state, so set every time: a float32 build after a mixed one must be float32 again.
  keras.mixed_precision.set_dtype_policy(config.mixed_precision)
  keras.utils.set_random_seed(config.seed)
  generator = dcgan.build_generator(config.resolution, config.z_dim, config.g_base_width,
                                    config.kernel_size, config.g_norm)
  critic = dcgan.build_critic(config.resolution, config.d_base_width, config.kernel_size,
                              config.d_norm,
                              clip_value=config.clip_value if config.penalty == 'clip' else None)
  gan = gan_lib.GAN(generator, critic, config.z_dim, n_critic=config.n_critic,
                    penalty=config.penalty, gp_weight=config.gp_weight,
                    gp_target=config.gp_target, gp_one_sided=config.gp_one_sided,
                    seed=config.seed)
  d_loss_fn, g_loss_fn = losses.get_losses(config.loss)
  # float16 gradients underflow without loss scaling; bfloat16 has float32's exponent range.
  loss_scale = config.mixed_precision == 'mixed_float16'
  gan.compile(
      d_optimizer=make_optimizer(config.d_optimizer, config.d_lr, config.d_beta1, config.d_beta2,
                                 loss_scale),
      g_optimizer=make_optimizer(config.g_optimizer, config.g_lr, config.g_beta1, config.g_beta2,
                                 loss_scale),
      d_loss_fn=d_loss_fn, g_loss_fn=g_loss_fn, jit_compile=config.jit_compile)
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
  # First: MultiWorkerMirroredStrategy must exist before TensorFlow runs any op.
  strategy = strategy or make_strategy(config.strategy)
  # Under several workers only the chief writes the run directory (config, grids, logs,
  # checkpoints, export); the others train in lockstep and write nothing.
  chief = distribute.is_chief(strategy)
  if chief:
    config.write(config.model_dir)
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
    gan = build_gan(config)
  checkpoint = make_checkpoint(gan)
  manager = tf.train.CheckpointManager(checkpoint, os.path.join(config.model_dir, 'checkpoints'),
                                       max_to_keep=config.keep_checkpoints)
  if manager.latest_checkpoint:
    checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    _say(f'Resumed from {manager.latest_checkpoint} at step {int(gan.step.numpy())}.')
  start = int(gan.step.numpy())

  writer = (tf.summary.create_file_writer(os.path.join(config.model_dir, 'tensorboard'))
            if chief else None)
  z_fixed = np.random.default_rng(config.seed).standard_normal(
      (config.num_samples, config.z_dim)).astype(np.float32)
  grid = callbacks_lib.SampleGrid(z_fixed, os.path.join(config.model_dir, 'samples'),
                                  steps_per_epoch, writer)
  callbacks = [
      callbacks_lib.StepLimit(total_steps),
      callbacks_lib.ScalarLogger(writer, config.log_every_steps),
      grid,
      callbacks_lib.Checkpointer(manager, config.checkpoint_every_steps),
  ] if chief else [callbacks_lib.StepLimit(total_steps)]
  history = {}
  if start < total_steps:
    initial_epoch = start // steps_per_epoch
    epochs = initial_epoch + math.ceil((total_steps - start) / steps_per_epoch)
    # Set explicitly, not AUTO: shards are split by file across workers, folders by element.
    policy = pipeline.auto_shard_policy(info, distribute.num_workers(strategy))
    fit = gan.fit(
        dataset.with_options(tfrecord.dataset_options(policy)),
        epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
        callbacks=callbacks, shuffle=False, verbose='auto')
    history = {name: [float(v) for v in values] for name, values in fit.history.items()}
  else:
    _say(f'Step {start} already reaches {total_steps} steps; nothing to train.')
  if writer is not None:
    writer.flush()

  export_dir = os.path.join(config.model_dir, 'export')
  if config.export and chief:
    export_lib.export_generator(gan.generator, export_dir)
  return TrainResult(model_dir=config.model_dir, step=int(gan.step.numpy()),
                     samples=grid.written, export_dir=export_dir if config.export else '',
                     history=history)


def _say(message):
  print(message, flush=True)

