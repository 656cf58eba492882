"""Reading run directories for a comparison: their options, their sample grids, their scalars.

A run directory is what `python -m tfgan_anime.train` writes (layout in training/loop.py):
`config.json` (the resolved options), `samples/epoch_EEEE.png` (EEEE the 1-based epoch) and
`samples/latest.png`, and `tensorboard/` event files with the scalars `train/d_loss`,
`train/g_loss`, `train/w_dist`, `train/gp`, `train/grad_norm` (training/callbacks.py
ScalarLogger), `eval/<metric>` and `eval/best_<metric>` (EvaluationCallback) and `toy/...`.

No TensorFlow and no matplotlib at import: the scalar reader loads TensorBoard's event reader
when it is called.
"""

import dataclasses
import glob
import json
import os
import textwrap

import numpy as np
from PIL import Image

from tfgan_anime.errors import UserError

# Options that say where a run writes or how often it saves, not what it trains: never captions.
BOOKKEEPING_KEYS = frozenset({
    'model_dir', 'cache_dir', 'cache', 'dry_run', 'restore_step', 'inject_nan_at_step',
    'checkpoint_every_steps', 'keep_checkpoints', 'keep_checkpoint_every_epochs',
    'log_every_steps', 'export', 'export_best', 'inception_graph', 'inception_keras_weights',
})

LATEST = 'latest'

# Options that mean nothing under some of a run's other settings: the penalty's weight, target
# and one-sidedness without a gradient penalty, the clipping bound without clipping, Adam's
# betas with RMSprop (Keras' RMSprop(lr) takes none). Left out of that run's caption, so that a
# clipped WGAN next to a WGAN-GP does not read "gp_weight=10".
_PENALTY_WEIGHTED = ('gp', 'r1', 'dragan')
_USED_ONLY_WHEN = {
    'gp_weight': lambda c: c.get('penalty', 'gp') in _PENALTY_WEIGHTED,
    'gp_target': lambda c: c.get('penalty', 'gp') in _PENALTY_WEIGHTED,
    'gp_one_sided': lambda c: c.get('penalty', 'gp') in _PENALTY_WEIGHTED,
    'clip_value': lambda c: c.get('penalty', 'clip') == 'clip',
    'g_beta1': lambda c: c.get('g_optimizer', 'adam') == 'adam',
    'g_beta2': lambda c: c.get('g_optimizer', 'adam') == 'adam',
    'd_beta1': lambda c: c.get('d_optimizer', 'adam') == 'adam',
    'd_beta2': lambda c: c.get('d_optimizer', 'adam') == 'adam',
}

# The training scalars in the order they are plotted; any other scalar tag follows, sorted.
TRAIN_TAGS = ('train/d_loss', 'train/g_loss', 'train/w_dist', 'train/gp', 'train/grad_norm')


@dataclasses.dataclass
class Run:
  """One run directory and its resolved options (config.json)."""
  path: str
  config: dict

  @property
  def name(self):
    return os.path.basename(os.path.normpath(self.path))


def load_runs(paths):
  """The runs at `paths`, in order.

  Raises:
    UserError: no paths, a path that is not a directory, or one without a readable config.json.
  """
  if not paths:
    raise UserError('No run directories. Received: none; accepted: one or more directories '
                    'written by tfgan_anime.train (python -m tfgan_anime.compare RUN_DIR ...)')
  runs = []
  for path in paths:
    config_path = os.path.join(path, 'config.json')
    if not os.path.isdir(path):
      raise UserError(f'Run directory not found. Received: {path!r}; accepted: a directory '
                      'written by tfgan_anime.train')
    if not os.path.isfile(config_path):
      raise UserError(f'Not a run directory: no config.json. Received: {path!r}; accepted: a '
                      'directory written by tfgan_anime.train')
    try:
      with open(config_path, encoding='utf-8') as f:
        config = json.load(f)
    except (OSError, ValueError) as e:
      raise UserError(f'Unreadable config.json. Received: {config_path!r} ({e})') from e
    if not isinstance(config, dict):
      raise UserError(f'config.json is not a JSON object. Received: {config_path!r}')
    runs.append(Run(path, config))
  return runs


def parse_epochs(text):
  """'10,30,latest' -> [10, 30, 'latest']: 1-based epochs, or `latest` for samples/latest.png.

  Raises:
    UserError: an empty list, or an item that is neither a positive integer nor `latest`.
  """
  items = [item.strip() for item in text.split(',') if item.strip()]
  if not items:
    raise UserError(f'Invalid --epochs. Received: {text!r}; accepted: a comma-separated list of '
                    f'epochs (1-based) or {LATEST}, e.g. 10,30,50')
  epochs = []
  for item in items:
    if item == LATEST:
      epochs.append(LATEST)
    elif item.isdigit() and int(item) >= 1:
      epochs.append(int(item))
    else:
      raise UserError(f'Invalid --epochs. Received: {text!r} ({item!r}); accepted: positive '
                      f'integers (1-based epochs) or {LATEST}, comma-separated')
  return epochs


def row_label(epoch):
  return 'latest' if epoch == LATEST else f'epoch {epoch}'


def sample_path(run_dir, epoch):
  """samples/epoch_EEEE.png (or samples/latest.png) of a run; may not exist."""
  name = 'latest.png' if epoch == LATEST else f'epoch_{epoch:04d}.png'
  return os.path.join(run_dir, 'samples', name)


def read_grid(run_dir, epoch):
  """The uint8 [H, W, 3] sample grid of `epoch`, or None when the run has none for it.

  Raises:
    UserError: the file exists but is not a readable image.
  """
  path = sample_path(run_dir, epoch)
  if not os.path.isfile(path):
    return None
  try:
    with Image.open(path) as image:
      return np.asarray(image.convert('RGB'))
  except OSError as e:
    raise UserError(f'Unreadable sample grid. Received: {path!r} ({e})') from e


def format_value(value):
  """A config value as a caption shows it: 5.0 -> 5, 0.0001 -> 0.0001, True -> true."""
  if isinstance(value, bool):
    return 'true' if value else 'false'
  if isinstance(value, float):
    return f'{value:g}'
  return str(value)


def differing_keys(configs):
  """The option names whose values are not the same in every config, bookkeeping left out.

  A name missing from some configs (older runs) differs. Order: as the first config lists them,
  then names only later configs have.
  """
  keys = []
  for config in configs:
    keys.extend(key for key in config if key not in keys)
  def value(config, key):
    # As JSON text, so that list and dict values can be compared in a set.
    return json.dumps(config[key], sort_keys=True) if key in config else None
  return [key for key in keys if key not in BOOKKEEPING_KEYS
          and len({value(config, key) for config in configs}) > 1]


def captions(runs):
  """One caption per run: the settings that differ between the runs, e.g. 'n_critic=2, gp_weight=5'.

  A run's caption is its directory name when no setting differs; two runs whose settings agree
  get their directory names appended, so that every caption names one run. A setting the run
  does not use (gp_weight without a gradient penalty, clip_value without clipping, Adam's betas
  with RMSprop) is left out of its caption.
  """
  keys = differing_keys([run.config for run in runs])
  texts = [', '.join(f'{key}={format_value(run.config[key]) if key in run.config else "unset"}'
                     for key in keys if _USED_ONLY_WHEN.get(key, lambda c: True)(run.config))
           for run in runs]
  result = []
  for run, text in zip(runs, texts):
    if not text:
      result.append(run.name)
    elif texts.count(text) > 1:
      result.append(f'{text} ({run.name})')
    else:
      result.append(text)
  return result


def wrap_caption(caption, width):
  """A caption as lines of at most `width` characters, broken at spaces (after the commas), and
  a setting longer than a line cut into lines of `width`."""
  lines = []
  for line in textwrap.wrap(caption, width=width, break_long_words=False) or ['']:
    lines.extend(line[i:i + width] for i in range(0, max(len(line), 1), width))
  return lines


def _event_files(run_dir):
  # The writer's file names start with its creation time, so a sort puts a resumed run's files
  # after the ones it continues.
  return sorted(glob.glob(os.path.join(run_dir, 'tensorboard', '**', 'events.out.tfevents.*'),
                          recursive=True))


def _scalar(value, tensor_util):
  """The float of one summary value, or None when it is not a scalar (an image, a histogram)."""
  if value.HasField('simple_value'):
    return float(value.simple_value)
  if not value.HasField('tensor'):
    return None
  array = tensor_util.make_ndarray(value.tensor)
  if array.shape != () or not np.issubdtype(array.dtype, np.number):
    return None
  return float(array)


def read_scalars(run_dir):
  """Every scalar of a run's TensorBoard logs: {tag: (steps int64 [K], values float64 [K])}.

  tf.summary.scalar in TF2 stores a rank-0 tensor, older writers a simple_value: both are read.
  A step at or before one already read for the tag (a resumed run, a rollback of the divergence
  guard) drops the points from that step on, as TensorBoard does, so each curve is the history
  the run kept. A run without event files has no scalars.
  """
  from tensorboard.backend.event_processing import event_file_loader  # pylint: disable=g-import-not-at-top
  from tensorboard.util import tensor_util  # pylint: disable=g-import-not-at-top
  points = {}
  for path in _event_files(run_dir):
    for event in event_file_loader.EventFileLoader(path).Load():
      for value in event.summary.value:
        number = _scalar(value, tensor_util)
        if number is None:
          continue
        series = points.setdefault(value.tag, [])
        while series and series[-1][0] >= event.step:
          series.pop()
        series.append((event.step, number))
  return {tag: (np.array([s for s, _ in series], np.int64),
                np.array([v for _, v in series], np.float64))
          for tag, series in points.items()}


def ordered_tags(scalars_per_run):
  """The tags to plot: TRAIN_TAGS that any run has, in that order, then every other tag, sorted."""
  present = set()
  for scalars in scalars_per_run:
    present.update(scalars)
  return [tag for tag in TRAIN_TAGS if tag in present] + sorted(present - set(TRAIN_TAGS))
