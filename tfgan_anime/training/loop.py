"""Training as a function of a TrainConfig: strategy, data, networks, callbacks, fit, export.

Layout of a run directory (`config.model_dir`):
  config.json, flags.cfg   the resolved options (flags.cfg reproduces the run via --flagfile)
  data_scan.json           which data files are readable and how each is decoded (data/scan.py)
  checkpoints/             both networks, both optimisers, the step and the data position
                           (checkpoints.py); checkpoints/kept/ holds the ones kept per N epochs
  samples/                 epoch_EEEE.png grids from one fixed z, and latest.png (toy data:
                           samples over the data and the critic's surface, see toy_plots.py)
  tensorboard/             scalars and sample images
  export/                  the generator as a SavedModel (see export.py)
  best/, export_best/      with --eval_every_epochs: the best checkpoint by --eval_metric and
                           its export
Reusing a model_dir resumes from its latest checkpoint, exactly where the data stream was.

Training runs as one or more `fit` segments: the divergence guard (guard.py) ends a segment when
it rolls back, and the next one starts the data stream where the guard says.
"""

import dataclasses
import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.training import callbacks as callbacks_lib
from tfgan_anime.training import checkpoints as checkpoints_lib
from tfgan_anime.training import distribute
from tfgan_anime import evaluation
from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import pipeline
from tfgan_anime.data import scan
from tfgan_anime.data import tfrecord
from tfgan_anime.data import toy2d
from tfgan_anime import export as export_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime.training import guard as guard_lib
from tfgan_anime import losses
from tfgan_anime.training import progress
from tfgan_anime.training import signals
from tfgan_anime.errors import UserError
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
  # The name of the signal that stopped training early ('SIGTERM', 'SIGINT'), or ''.
  stopped_by: str = ''
  rollbacks: int = 0


def make_strategy(name):
  return distribute.make_strategy(name)


def make_optimizer(name, learning_rate, beta1, beta2, decay_steps=None, loss_scale=False):
  """Adam(lr, beta1, beta2), or RMSprop(lr) as the WGAN paper prescribes for weight clipping.

  With `decay_steps` the rate falls linearly from `learning_rate` to 0 over that many updates of
  this optimiser (its own iteration count, saved in checkpoints, so a resumed run continues the
  schedule). With `loss_scale` (for mixed_float16) it is wrapped in a LossScaleOptimizer, whose
  dynamic scale is saved in checkpoints with the optimiser it wraps.
  """
  if decay_steps:
    learning_rate = keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps, end_learning_rate=0.0, power=1.0)
  if name == 'adam':
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta1, beta_2=beta2)
  elif name == 'rmsprop':
    optimizer = keras.optimizers.RMSprop(learning_rate)
  else:
    raise ValueError(f'Unknown optimizer. Received: optimizer={name!r}; accepted: adam, rmsprop')
  if loss_scale:
    optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
  return optimizer


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
  # Global state, so set every time: a float32 build after a mixed one must be float32 again.
  keras.mixed_precision.set_dtype_policy(config.mixed_precision)
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
  # float16 gradients underflow without loss scaling; bfloat16 has float32's exponent range.
  loss_scale = config.mixed_precision == 'mixed_float16'
  gan.compile(
      d_optimizer=make_optimizer(config.d_optimizer, config.d_lr, config.d_beta1, config.d_beta2,
                                 d_decay, loss_scale),
      g_optimizer=make_optimizer(config.g_optimizer, config.g_lr, config.g_beta1, config.g_beta2,
                                 g_decay, loss_scale),
      d_loss_fn=d_loss_fn, g_loss_fn=g_loss_fn, jit_compile=config.jit_compile)
  return gan


def make_checkpoint(gan):
  """Both networks, both optimisers and the step (see checkpoints.make_checkpoint)."""
  return checkpoints_lib.make_checkpoint(gan)


def prepare_model_dir(model_dir):
  """Creates the run directory and proves it writable, or raises UserError naming the flag."""
  probe = os.path.join(model_dir, f'.write_test_{os.getpid()}')
  try:
    os.makedirs(model_dir, exist_ok=True)
    with open(probe, 'w') as f:
      f.write('ok')
    os.remove(probe)
  except OSError as e:
    raise UserError(f'Invalid --model_dir. Received: model_dir={model_dir!r}; accepted: a '
                    f'directory this user can create and write ({type(e).__name__}: '
                    f'{e.strerror})') from None


def train(config, strategy=None, stop_request=None, log=None):
  """Trains (or resumes) the run described by `config`. Returns a TrainResult.

  Args:
    config: a TrainConfig (validated here).
    strategy: a tf.distribute.Strategy; default from `config.strategy`.
    stop_request: an optional signals.StopRequest; once it has received a signal, training
      saves a checkpoint at the next step boundary and returns with `stopped_by` set.
    log: a function of one message line (default: print to stdout).

  Raises:
    UserError: a bad flag or data folder, or a --restore_step with no checkpoint.
    guard.DivergenceError: losses or weights stayed NaN/Inf through --max_rollbacks rollbacks.
  """
  log = log or _say
  config.validate()
  config.check_paths()
  # Before any TensorFlow op: MultiWorkerMirroredStrategy must exist first.
  strategy = strategy or make_strategy(config.strategy)
  chief = distribute.is_chief(strategy)
  if not chief:
    # Every worker keeps the run's state (checkpoints, guard rollbacks) in lockstep; the others
    # keep theirs beside the chief's, which is the run's record and the one to look at.
    task = strategy.cluster_resolver.task_id
    config = dataclasses.replace(config, model_dir=os.path.join(config.model_dir,
                                                                f'worker_{task}'))
  if config.deterministic:
    # Process-wide and permanent: TensorFlow has no way to turn it off again.
    tf.config.experimental.enable_op_determinism()
  prepare_model_dir(config.model_dir)
  if config.batch_size % strategy.num_replicas_in_sync:
    raise UserError(f'Invalid --batch_size. Received: batch_size={config.batch_size}; accepted: '
                    f'a multiple of the {strategy.num_replicas_in_sync} replicas')
  images_per_step = config.batch_size * config.n_critic

  cache_lock = None
  if config.cache not in ('', 'memory'):
    cache_lock = folder_lib.claim_file_cache(config.cache)

  workers = distribute.num_workers(strategy)

  def make_dataset(start_position, policy='DATA'):
    # tf.data's seeded shuffles of TFRecord shards also depend on TensorFlow's global seed;
    # build_gan sets it too, so every stream of the run (first or resumed) sees the same one.
    keras.utils.set_random_seed(config.seed)
    if policy == 'FILE':
      # Each worker reads its own shards and consumes 1/workers of the images of a step, so it
      # skips its share of the position: exact from a step that is a multiple of workers (a
      # worker's element spans that many steps; distribute_test checks it).
      start_position //= workers
    return pipeline.make_dataset(
        config.data, config.resolution, config.batch_size, config.n_critic, seed=config.seed,
        cache=config.cache or None, cache_dir=config.cache_dir or None,
        synthetic_num_images=config.synthetic_num_images, start_position=start_position,
        scan_cache=os.path.join(config.model_dir, 'data_scan.json'),
        progress=progress.ProgressBar('checking images'))

  # The data's size sets the run's length, which a learning-rate schedule needs at build time;
  # the stream is rebuilt below at the checkpoint's position (the file check is cached).
  dataset, info = make_dataset(0)
  # Set explicitly, not AUTO: shards are split by file across workers, folders by element.
  policy = pipeline.auto_shard_policy(info, workers)
  steps_per_epoch = (config.steps_per_epoch or
                     max(1, info.num_images // (config.batch_size * config.n_critic)))
  total_steps = config.train_steps or config.epochs * steps_per_epoch

  with strategy.scope():
    gan = build_gan(config, total_steps)
  checkpoints = checkpoints_lib.RunCheckpoints(
      gan, os.path.join(config.model_dir, 'checkpoints'), config.keep_checkpoints,
      keep_every_epochs=config.keep_checkpoint_every_epochs, images_per_step=images_per_step,
      log=log)
  checkpoints.steps_per_epoch = steps_per_epoch
  restore_step = None if config.restore_step < 0 else config.restore_step
  restored = checkpoints.restore(restore_step)
  if restored is not None:
    if restore_step is not None:
      checkpoints.make_latest(restored)
    log(f'Resumed from {checkpoints.available()[restored]} at step {restored}.')
    _say_if_learning_rates_differ(gan, config, log)
  start = int(gan.step.numpy())
  position = int(checkpoints.state.data_position.numpy())
  if position:
    dataset, info = make_dataset(position, policy)
  # Written once the flags, the checkpoint and the data have all been accepted, so that a
  # command that fails leaves an earlier run's record as it was.
  config.write(config.model_dir)
  _say_data(info, config.model_dir, log)
  log(f'Data: {info.num_images} images in {info.folder}; {steps_per_epoch} steps per epoch; '
      f'{total_steps} steps in all.')
  if restored is None:
    # A first checkpoint before any step, so that the divergence guard always has one.
    checkpoints.begin_segment(start, position)
    checkpoints.save(start)

  writer = tf.summary.create_file_writer(os.path.join(config.model_dir, 'tensorboard'))
  z_fixed = np.random.default_rng(config.seed).standard_normal(
      (config.num_samples, config.z_dim)).astype(np.float32)
  if toy2d.is_toy(config.data):
    grid, toy_logger = _toy_callbacks(config, steps_per_epoch, writer)
  else:
    grid = callbacks_lib.SampleGrid(z_fixed, os.path.join(config.model_dir, 'samples'),
                                    steps_per_epoch, writer)
    toy_logger = None
  guard = guard_lib.DivergenceGuard(checkpoints, config.max_rollbacks,
                                    config.rollback_lr_factor, log=log)
  # The guard comes first so that everything after it sees restored weights, never NaNs.
  callbacks = [
      guard,
      callbacks_lib.StepLimit(total_steps),
      callbacks_lib.ScalarLogger(writer, config.log_every_steps),
      grid,
      checkpoints_lib.Checkpointer(checkpoints, config.checkpoint_every_steps, steps_per_epoch),
  ]
  if toy_logger is not None:
    callbacks.append(toy_logger)
  evaluator = None
  if config.eval_every_epochs:
    evaluator = _evaluation_callback(config, gan, info, steps_per_epoch, writer)
    callbacks.append(evaluator)
  if stop_request is not None:
    callbacks.append(signals.StopOnSignal(stop_request, checkpoints))
  if config.inject_nan_at_step:
    callbacks.insert(0, guard_lib.InjectNaN(config.inject_nan_at_step))
  history = {}
  stopped_by = ''
  if start >= total_steps:
    log(f'Step {start} already reaches {total_steps} steps; nothing to train.')
  while True:
    step = int(gan.step.numpy())
    if stop_request is not None and stop_request.received:
      stopped_by = stop_request.received
      break
    if step >= total_steps:
      break
    if dataset is None:
      dataset, _ = make_dataset(position, policy)
    checkpoints.begin_segment(step, position)
    initial_epoch = step // steps_per_epoch
    epochs = initial_epoch + math.ceil((total_steps - step) / steps_per_epoch)
    fit = gan.fit(
        dataset.with_options(tfrecord.dataset_options(policy)),
        epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
        callbacks=callbacks, shuffle=False, verbose='auto')
    for name, values in fit.history.items():
      history.setdefault(name, []).extend(float(v) for v in values)
    if guard.failure:
      writer.flush()
      raise guard_lib.DivergenceError(guard.failure)
    if guard.rollback_to is not None:
      _, position = guard.rollback_to
      guard.rollback_to = None
      dataset = None
      continue
    if int(gan.step.numpy()) == step and not (stop_request and stop_request.received):
      raise RuntimeError(f'fit() returned without training a step at step {step}.')
    position = checkpoints.position_at(int(gan.step.numpy()))
  writer.flush()

  if cache_lock is not None:
    cache_lock.close()

  export_dir = os.path.join(config.model_dir, 'export')
  exported = config.export and not stopped_by and chief
  if exported:
    export_lib.export_generator(gan.generator, export_dir)
  best = evaluator.best if evaluator is not None else None
  export_best_dir = ''
  if best is not None and exported and config.export_best:
    export_best_dir = export_best(config, os.path.join(config.model_dir, 'export_best'))
    log(f'Best {best["metric"]} {best["value"]:.5g} at step {best["step"]}: exported to '
        f'{export_best_dir}')
  return TrainResult(model_dir=config.model_dir, step=int(gan.step.numpy()),
                     samples=grid.written, export_dir=export_dir if exported else '',
                     history=history,
                     toy_metrics=toy_logger.latest if toy_logger is not None else None,
                     best=best, export_best_dir=export_best_dir, stopped_by=stopped_by,
                     rollbacks=int(checkpoints.state.rollbacks.numpy()))


def _say_data(info, model_dir, log):
  """Logs what the data check left out or routed through PIL."""
  if info.changes and any(info.changes.values()):
    log(f'Data: since the last check, {info.changes["new"]} files are new, '
        f'{info.changes["changed"]} changed and {info.changes["removed"]} removed; the data '
        'order differs from the earlier run from here on.')
  if info.skipped:
    log(f'Data: skipped {len(info.skipped)} unreadable files of '
        f'{info.num_images + len(info.skipped)}: {scan.describe_skipped(info.skipped)}. '
        f'All are listed in {os.path.join(model_dir, "data_scan.json")}.')
  if info.num_pil:
    log(f'Data: {info.num_pil} images in odd formats or modes (CMYK, 16-bit, alpha, palette, '
        'GIF, BMP, WebP, rotated) are decoded with PIL.')


def _say_if_learning_rates_differ(gan, config, log):
  """The optimisers' learning rates come from the checkpoint; say so when the flags differ."""
  if config.lr_decay != 'none':
    return  # The schedule sets the rates from the restored iteration count.
  restored = gan.learning_rates()
  flags = (config.g_lr, config.d_lr)
  if any(not math.isclose(a, b, rel_tol=1e-6) for a, b in zip(restored, flags)):
    log(f'Learning rates restored from the checkpoint: g {restored[0]:.3g}, d {restored[1]:.3g} '
        f'(--g_lr={config.g_lr:g}, --d_lr={config.d_lr:g} apply to a new run).')


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
      inception_keras_weights=config.inception_keras_weights,
      scan_cache=os.path.join(config.model_dir, 'data_scan.json'))
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

