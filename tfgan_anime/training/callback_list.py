"""The callbacks of a training run, in the order they must run.

Order matters: test hooks first (they act before the guard looks), then the divergence guard,
so that everything after it sees restored weights, never NaNs; then the step limit, the
TensorBoard scalars, the sample grid, the checkpoints, the toy metrics, the evaluation, the
diversity watch, and last the stop on a signal (which saves once everything else has acted on the
step).

A conditional run (`gan.conditional`) gets the labelled grid and watch (labelled_callbacks.py):
each fixed z with fixed labels drawn once from the run's fake-label distribution.
"""

import dataclasses
import os

import tensorflow as tf

from tfgan_anime.evaluation import protocol
from tfgan_anime.evaluation import runner as evaluation_runner
from tfgan_anime import latent
from tfgan_anime.data import synthetic
from tfgan_anime.data import toy2d
from tfgan_anime.metrics import diversity as diversity_lib
from tfgan_anime.metrics import tag_classifier
from tfgan_anime.training import callbacks as callbacks_lib
from tfgan_anime.training import checkpoints as checkpoints_lib
from tfgan_anime.training import guard as guard_lib
from tfgan_anime.training import labelled_callbacks
from tfgan_anime.training import run_dir
from tfgan_anime.training import signals

# The diversity watch draws its z from seed + this offset: neither the sample grid's z (the seed
# itself) nor the evaluation's (protocol.TRAINING_Z_SEED_OFFSET).
DIVERSITY_Z_SEED_OFFSET = 104729
# The watch's statistic is measured at 16 x 16 px (metrics/diversity.py), or at the image size
# when that is smaller.
DIVERSITY_SIDE = 16


@dataclasses.dataclass
class RunCallbacks:
  """The list `fit` gets, and the callbacks whose state the loop reads afterwards."""
  all: list
  guard: guard_lib.DivergenceGuard
  grid: callbacks_lib.SampleGrid  # Or its toy counterpart, ToyPlots.
  toy_logger: callbacks_lib.ToyMetricsLogger = None  # ring8 / grid25 runs only.
  evaluator: callbacks_lib.EvaluationCallback = None  # With --eval_every_epochs only.
  diversity: callbacks_lib.DiversityWatch = None  # Image runs with --diversity_every_epochs.


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
    if gan.conditional:
      labels = labelled_callbacks.fixed_labels(gan, config.num_samples, config.seed)
      grid = labelled_callbacks.LabelledSampleGrid(
          z_fixed, labels, run_dir.samples_directory(config.model_dir), steps_per_epoch,
          writer, scale=config.grid_scale)
    else:
      grid = callbacks_lib.SampleGrid(z_fixed, run_dir.samples_directory(config.model_dir),
                                      steps_per_epoch, writer, scale=config.grid_scale)
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
  if gan.conditional:
    every.append(callbacks_lib.TagGrid(
        gan.conditions, config.z_dim, run_dir.tag_grid_directory(config.model_dir),
        steps_per_epoch, writer, scale=config.grid_scale, seed=config.seed))
  evaluator = None
  if config.eval_every_epochs:
    evaluator = _evaluation_callback(config, gan, stream.info, steps_per_epoch, writer, log)
    every.append(evaluator)
  diversity = None
  if config.diversity_every_epochs and not toy2d.is_toy(config.data):
    diversity = _diversity_callback(config, gan, stream.info, steps_per_epoch, writer, log)
    if diversity is not None:
      every.append(diversity)
  if stop_request is not None:
    every.append(signals.StopOnSignal(stop_request, checkpoints))
  return RunCallbacks(every, guard, grid, toy_logger, evaluator, diversity)


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
      scan_cache=os.path.join(config.model_dir, 'data_scan.json'), log=log,
      conditions=gan.conditions, tfds_data_dir=config.tfds_data_dir)
  # The sampled generator (the average with EMA on: what was scored), critic and step: enough
  # to export the best generator or to look at its critic.
  best = tf.train.Checkpoint(generator=gan.sampler, critic=gan.critic, step=gan.step)
  best_manager = tf.train.CheckpointManager(best, run_dir.best_directory(config.model_dir),
                                            max_to_keep=1)
  return callbacks_lib.EvaluationCallback(evaluate_fn, metric_name, best_manager,
                                          steps_per_epoch, config.eval_every_epochs, writer)


def _diversity_callback(config, gan, info, steps_per_epoch, writer, log):
  """The DiversityWatch of an image run, or None (said in the log) without a folder to read.

  Its real reference is a seeded selection of the run's folder through the evaluation's
  protocol.RealData (the files training reads, decoded as training decodes them).
  """
  if not os.path.isdir(info.folder):
    log(f'Diversity watch: off, it compares against a folder of images. Received: '
        f'data={config.data!r}; set --diversity_every_epochs=0 to say so.')
    return None
  real_data = protocol.RealData(info.folder, run_dir.data_scan_path(config.model_dir))
  num_real = min(config.diversity_num_samples, len(real_data.files))
  real = real_data.images(config.resolution, num_real, config.seed)
  side = min(DIVERSITY_SIDE, config.resolution)
  try:
    real_diversity = diversity_lib.diversity(real, side=side, max_samples=num_real)
  except ValueError:  # Fewer than 2 readable images.
    real_diversity = 0.0
  if not real_diversity > 0:
    log(f'Diversity watch: off, the {num_real} real images of {info.folder} do not vary '
        '(nothing to compare against).')
    return None
  tags_fn = None
  if config.diversity_tags:
    tags_fn = _tag_combinations_fn(config, real_data)
  z = latent.sample(config.diversity_num_samples, config.z_dim,
                    config.seed + DIVERSITY_Z_SEED_OFFSET)
  log(f'Diversity watch: {len(z)} samples every {config.diversity_every_epochs} epoch(s) against '
      f'{num_real} real images (diversity {real_diversity:.4g}); warns below '
      f'{config.diversity_warn_ratio:g} of it.')
  options = dict(warn_ratio=config.diversity_warn_ratio, side=side, writer=writer, log=log,
                 tags_fn=tags_fn)
  if gan.conditional:
    labels = labelled_callbacks.fixed_labels(gan, len(z), config.seed + DIVERSITY_Z_SEED_OFFSET)
    return labelled_callbacks.LabelledDiversityWatch(
        z, labels, real_diversity, steps_per_epoch, config.diversity_every_epochs, **options)
  return callbacks_lib.DiversityWatch(z, real_diversity, steps_per_epoch,
                                      config.diversity_every_epochs, **options)


def _tag_combinations_fn(config, real_data):
  """uint8 samples -> hair x eye combinations the synthetic faces' tag classifier reads in them."""
  resolution = config.resolution
  classifier = tag_classifier.load_or_train(
      config.cache_dir or synthetic.default_cache_dir(), real_data.folder, resolution,
      real_data.files, lambda files: real_data.load(files, resolution))

  def combinations_covered(fake):
    hair, eyes, _ = classifier.predict(fake)
    return int((tag_classifier.joint_histogram(hair, eyes) > 0).sum())

  return combinations_covered
