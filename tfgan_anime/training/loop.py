"""Training as a function of a TrainConfig: build, restore, a loop of `fit` segments, export.

Each concern has its own module: run_dir.py (the run directory and its layout), data_stream.py
(the data, the run's length, streams from a position), builders.py (networks, optimisers, the
GAN), checkpoints.py, callback_list.py (the callbacks in their order), exports.py.

Training runs as one or more `fit` segments: the divergence guard (guard.py) ends a segment when
it rolls back, and the next one starts the data stream where the guard says.
"""

import contextlib
import dataclasses
import math

import tensorflow as tf

from tfgan_anime import files
from tfgan_anime.data import conditions
from tfgan_anime.training import builders
from tfgan_anime.training import callback_list
from tfgan_anime.training import checkpoints as checkpoints_lib
from tfgan_anime.training import data_stream
from tfgan_anime.training import distribute
from tfgan_anime.training import exports
from tfgan_anime.training import guard as guard_lib
from tfgan_anime.training import precision
from tfgan_anime.training import run_dir

# Where they live now; tests and tools import them from here too.
build_gan = builders.build_gan
build_networks = builders.build_networks
make_optimizer = builders.make_optimizer
make_checkpoint = builders.make_checkpoint
make_strategy = distribute.make_strategy
prepare_model_dir = run_dir.prepare_model_dir
best_directory = run_dir.best_directory
export_best = exports.export_best


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


def train(config, strategy=None, stop_request=None, log=None, extra_callbacks=()):
  """Trains (or resumes) the run described by `config`. Returns a TrainResult.

  Args:
    config: a TrainConfig (validated here).
    strategy: a tf.distribute.Strategy; default from `config.strategy`.
    stop_request: an optional signals.StopRequest; once it has received a signal, training
      saves a checkpoint at the next step boundary and returns with `stopped_by` set.
    log: a function of one message line (default: print to stdout).
    extra_callbacks: keras callbacks run first at every step, before the divergence guard
      (tests inject a NaN with guard.InjectNaN).

  Raises:
    UserError: a bad flag or data folder, or a --restore_step with no checkpoint.
    guard.DivergenceError: losses or weights stayed NaN/Inf through --max_rollbacks rollbacks.
  """
  log = log or _say
  config.validate()
  # Process-wide, like the dtype policy: every atomic write of this run honours --fsync.
  files.set_fsync(config.fsync)
  config.check_paths()
  # Before any TensorFlow op: MultiWorkerMirroredStrategy must exist first.
  strategy = strategy or distribute.make_strategy(config.strategy)
  config = run_dir.for_worker(config, strategy)
  config = precision.resolve_config(config, log)
  if config.deterministic:
    # Process-wide and permanent: TensorFlow has no way to turn it off again.
    tf.config.experimental.enable_op_determinism()
  run_dir.prepare_model_dir(config.model_dir)
  distribute.check_batch_size(config.batch_size, strategy)
  # Released however training ends: the cache's lock, then the TensorBoard writer.
  with contextlib.ExitStack() as resources:
    resources.enter_context(data_stream.claim_cache(config.cache))
    stream = data_stream.DataStream(config, distribute.num_workers(strategy))
    with strategy.scope():
      gan = builders.build_gan(config, stream.total_steps, labels=stream.labels)
    checkpoints, restored = _restore(config, gan, stream.steps_per_epoch, log)
    position = int(checkpoints.state.data_position.numpy())
    dataset = stream.at(position)
    # Written once the flags, the checkpoint and the data have all been accepted, so that a
    # command that fails leaves an earlier run's record as it was.
    config.write(config.model_dir)
    if stream.labels is not None:
      # What the labels mean (gan.conditions too): groups, vocabulary, policy, class counts.
      conditions.write_vocabulary(config.model_dir, stream.labels)
    stream.describe(log)
    if restored is None:
      # A first checkpoint before any step, so that the divergence guard always has one.
      checkpoints.begin_segment(int(gan.step.numpy()), position)
      checkpoints.save(int(gan.step.numpy()))
    writer = tf.summary.create_file_writer(run_dir.tensorboard_directory(config.model_dir))
    resources.callback(writer.close)
    hooks = callback_list.make_callbacks(config, gan, checkpoints, stream, writer, log,
                                         stop_request, extra_callbacks)
    history, stopped_by = _fit_segments(gan, stream, dataset, position, checkpoints, hooks,
                                        stop_request, log)

  best = hooks.evaluator.best if hooks.evaluator is not None else None
  export_dir = export_best_dir = ''
  if not stopped_by and distribute.is_chief(strategy):
    export_dir, export_best_dir = exports.export_run(config, gan, best, log)
  return TrainResult(model_dir=config.model_dir, step=int(gan.step.numpy()),
                     samples=hooks.grid.written, export_dir=export_dir, history=history,
                     toy_metrics=hooks.toy_logger.latest if hooks.toy_logger is not None else None,
                     best=best, export_best_dir=export_best_dir, stopped_by=stopped_by,
                     rollbacks=int(checkpoints.state.rollbacks.numpy()))


def _restore(config, gan, steps_per_epoch, log):
  """(the run's RunCheckpoints, the step restored or None for a new run)."""
  checkpoints = checkpoints_lib.RunCheckpoints(
      gan, run_dir.checkpoint_directory(config.model_dir), config.keep_checkpoints,
      keep_every_epochs=config.keep_checkpoint_every_epochs, steps_per_epoch=steps_per_epoch,
      images_per_step=config.batch_size * config.n_critic, log=log)
  restore_step = None if config.restore_step < 0 else config.restore_step
  restored = checkpoints.restore(restore_step)
  if restored is not None:
    if restore_step is not None:
      checkpoints.make_latest(restored)
    log(f'Resumed from {checkpoints.available()[restored]} at step {restored}.')
    _say_if_learning_rates_differ(gan, config, log)
  return checkpoints, restored


def _fit_segments(gan, stream, dataset, position, checkpoints, hooks, stop_request, log):
  """Runs `fit` segments to the run's length or a stop request; returns (history, stopped_by).

  A segment ends early when the guard rolls back: the next starts the stream at the position
  the guard gives, past the data that led to the blow-up.

  Raises:
    guard.DivergenceError: the guard gave up.
  """
  total_steps, steps_per_epoch = stream.total_steps, stream.steps_per_epoch
  history = {}
  if int(gan.step.numpy()) >= total_steps:
    log(f'Step {int(gan.step.numpy())} already reaches {total_steps} steps; nothing to train.')
  while True:
    step = int(gan.step.numpy())
    if stop_request is not None and stop_request.received:
      return history, stop_request.received
    if step >= total_steps:
      return history, ''
    if dataset is None:
      dataset = stream.at(position)
    checkpoints.begin_segment(step, position)
    initial_epoch = step // steps_per_epoch
    epochs = initial_epoch + math.ceil((total_steps - step) / steps_per_epoch)
    fit = gan.fit(dataset, epochs=epochs, initial_epoch=initial_epoch,
                  steps_per_epoch=steps_per_epoch, callbacks=hooks.all, shuffle=False,
                  verbose='auto')
    for name, values in fit.history.items():
      history.setdefault(name, []).extend(float(v) for v in values)
    if hooks.guard.failure:
      raise guard_lib.DivergenceError(hooks.guard.failure)
    if hooks.guard.rollback_to is not None:
      _, position = hooks.guard.rollback_to
      hooks.guard.rollback_to = None
      dataset = None
      continue
    if int(gan.step.numpy()) == step and not (stop_request and stop_request.received):
      raise RuntimeError(f'fit() returned without training a step at step {step}.')
    position = checkpoints.position_at(int(gan.step.numpy()))


def _say_if_learning_rates_differ(gan, config, log):
  """The optimisers' learning rates come from the checkpoint; say so when the flags differ."""
  if config.lr_decay != 'none':
    return  # The schedule sets the rates from the restored iteration count.
  restored = gan.learning_rates()
  flags = (config.g_lr, config.d_lr)
  if any(not math.isclose(a, b, rel_tol=1e-6) for a, b in zip(restored, flags)):
    log(f'Learning rates restored from the checkpoint: g {restored[0]:.3g}, d {restored[1]:.3g} '
        f'(--g_lr={config.g_lr:g}, --d_lr={config.d_lr:g} apply to a new run).')


def _say(message):
  print(message, flush=True)
