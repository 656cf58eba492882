"""The callbacks of a training run, in the order they must run.

Order matters: test hooks first (they act before the guard looks), then the divergence guard,
so that everything after it sees restored weights, never NaNs; then the step limit, the
TensorBoard scalars, the sample grid, the checkpoints, the toy metrics, the evaluation, and last
the stop on a signal (which saves once everything else has acted on the step).
"""

import dataclasses
import os

import tensorflow as tf

from tfgan_anime.evaluation import runner as evaluation_runner
from tfgan_anime import latent
from tfgan_anime.data import toy2d
from tfgan_anime.training import callbacks as callbacks_lib
from tfgan_anime.training import checkpoints as checkpoints_lib
from tfgan_anime.training import guard as guard_lib
from tfgan_anime.training import run_dir
from tfgan_anime.training import signals


@dataclasses.dataclass
class RunCallbacks:
  """The list `fit` gets, and the callbacks whose state the loop reads afterwards."""
  all: list
  guard: guard_lib.DivergenceGuard
  grid: callbacks_lib.SampleGrid  # Or its toy counterpart, ToyPlots.
  toy_logger: callbacks_lib.ToyMetricsLogger = None  # ring8 / grid25 runs only.
  evaluator: callbacks_lib.EvaluationCallback = None  # With --eval_every_epochs only.


def make_callbacks(config, gan, checkpoints, stream, writer, log, stop_request=None,
                   extra_callbacks=()):
  """The RunCallbacks of a run.

  Args:
    config: the TrainConfig (of this worker).
    gan: the compiled GAN.
    checkpoints: the run's checkpoints.RunCheckpoints.
    stream: the run's data_stream.DataStream (its info, steps per epoch and length).
    writer: the TensorBoard summary writer.
    log: a function of one message line.
    stop_request: an optional signals.StopRequest.
    extra_callbacks: keras callbacks placed first, before the guard (e.g. guard.InjectNaN).
  """
  steps_per_epoch = stream.steps_per_epoch
  if toy2d.is_toy(config.data):
    grid, toy_logger = _toy_callbacks(config, steps_per_epoch, writer)
  else:
    z_fixed = latent.sample(config.num_samples, config.z_dim, config.seed)
    grid = callbacks_lib.SampleGrid(z_fixed, run_dir.samples_directory(config.model_dir),
                                    steps_per_epoch, writer)
    toy_logger = None
  guard = guard_lib.DivergenceGuard(checkpoints, config.max_rollbacks,
                                    config.rollback_lr_factor, log=log)
  every = [
      *extra_callbacks,
      guard,
      callbacks_lib.StepLimit(stream.total_steps),
      callbacks_lib.ScalarLogger(writer, config.log_every_steps),
      grid,
      checkpoints_lib.Checkpointer(checkpoints, config.checkpoint_every_steps, steps_per_epoch),
  ]
  if toy_logger is not None:
    every.append(toy_logger)
  evaluator = None
  if config.eval_every_epochs:
    evaluator = _evaluation_callback(config, gan, stream.info, steps_per_epoch, writer, log)
    every.append(evaluator)
  if stop_request is not None:
    every.append(signals.StopOnSignal(stop_request, checkpoints))
  return RunCallbacks(every, guard, grid, toy_logger, evaluator)


def _toy_callbacks(config, steps_per_epoch, writer):
  """(ToyPlots, ToyMetricsLogger or None) of a toy run; the logger only for ring8 / grid25."""
  name = toy2d.parse(config.data)
  # 2,500 samples: the count of PacGAN's and VEEGAN's tables; the plots show 1,000 of them.
  z = latent.sample(2500, config.z_dim, config.seed)
  real = toy2d.sample(name, 2000, seed=config.seed)
  plots = callbacks_lib.ToyPlots(z[:1000], real, toy2d.plot_box(name),
                                 run_dir.samples_directory(config.model_dir), steps_per_epoch,
                                 writer)
  logger = None
  if name in toy2d.MIXTURES:
    centres, sigma = toy2d.MIXTURES[name]
    logger = callbacks_lib.ToyMetricsLogger(z, centres, sigma, steps_per_epoch, writer, name)
  return plots, logger


def _evaluation_callback(config, gan, info, steps_per_epoch, writer, log):
  evaluate_fn, metric_name = evaluation_runner.training_evaluator(
      config.eval_metric, config.data, info.folder, config.resolution, config.eval_num_samples,
      config.z_dim, seed=config.seed, cache_dir=config.cache_dir,
      inception_graph=config.inception_graph,
      inception_keras_weights=config.inception_keras_weights,
      scan_cache=os.path.join(config.model_dir, 'data_scan.json'), log=log)
  # Generator, critic and step: enough to export the best generator or to look at its critic.
  best = tf.train.Checkpoint(generator=gan.generator, critic=gan.critic, step=gan.step)
  best_manager = tf.train.CheckpointManager(best, run_dir.best_directory(config.model_dir),
                                            max_to_keep=1)
  return callbacks_lib.EvaluationCallback(evaluate_fn, metric_name, best_manager,
                                          steps_per_epoch, config.eval_every_epochs, writer)
