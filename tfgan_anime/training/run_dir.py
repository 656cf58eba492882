"""The run directory (`config.model_dir`): its layout, and making it ready to train into.

Layout:
  config.json, flags.cfg   the resolved options (flags.cfg reproduces the run via --flagfile)
  data_scan.json           which data files are readable and how each is decoded (data/scan.py)
  conditions.json          with --condition: the label groups, their vocabulary, policy and
                           class counts (data/conditions.py vocabulary_json)
  checkpoints/             both networks, both optimisers, the step and the data position
                           (checkpoints.py); checkpoints/kept/ holds the ones kept per N epochs
  samples/                 epoch_EEEE.png grids from one fixed z, and latest.png (toy data:
                           samples over the data and the critic's surface, see toy_plots.py)
  tensorboard/             scalars and sample images
  export/                  the generator as a SavedModel (see export.py)
  best/, export_best/      with --eval_every_epochs: the best checkpoint by --eval_metric and
                           its export
  worker_N/                under --strategy=multi_worker, the same layout for worker N > 0
Reusing a model_dir resumes from its latest checkpoint, exactly where the data stream was.
"""

import dataclasses
import os

from tfgan_anime.errors import UserError
from tfgan_anime.training import distribute


def for_worker(config, strategy):
  """`config`, with the model_dir of this worker: the run's own for the chief, else worker_N/.

  Every worker keeps the run's state (checkpoints, guard rollbacks) in lockstep; the others keep
  theirs beside the chief's, which is the run's record and the one to look at.
  """
  if distribute.is_chief(strategy):
    return config
  task = strategy.cluster_resolver.task_id
  return dataclasses.replace(config, model_dir=os.path.join(config.model_dir, f'worker_{task}'))


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


def checkpoint_directory(model_dir):
  return os.path.join(model_dir, 'checkpoints')


def samples_directory(model_dir):
  return os.path.join(model_dir, 'samples')


def tag_grid_directory(model_dir):
  """A conditional run's grids of every tag combination (callbacks.TagGrid)."""
  return os.path.join(model_dir, 'tag_grid')


def tensorboard_directory(model_dir):
  return os.path.join(model_dir, 'tensorboard')


def data_scan_path(model_dir):
  return os.path.join(model_dir, 'data_scan.json')


def export_directory(model_dir):
  return os.path.join(model_dir, 'export')


def export_raw_directory(model_dir):
  """The generator before averaging, with EMA on and --export_raw."""
  return os.path.join(model_dir, 'export_raw')


def best_directory(model_dir):
  return os.path.join(model_dir, 'best')


def export_best_directory(model_dir):
  return os.path.join(model_dir, 'export_best')
