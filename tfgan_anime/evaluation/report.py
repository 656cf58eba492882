"""What the evaluate binary shows and where it writes: the table, the JSON beside the run, and the
run-directory conventions it reads (config.json, data_scan.json). No TensorFlow."""

import json
import os

from tfgan_anime import files

# name in results -> (label in the table, format).
_ROWS = (
    ('swd_x1e3', 'SWD x1e3 (mean of levels)', '{:.2f}'),
    ('swd_levels_x1e3', 'SWD x1e3 per level, finest first', None),
    ('swd', 'sliced W1 of the points', '{:.4f}'),
    ('fid', 'FID', '{:.2f}'),
    ('kid_x1e3', 'KID x1e3', '{:.2f}'),
    ('kid_std_x1e3', 'KID x1e3 std over subsets', '{:.2f}'),
    ('is', 'Inception score', '{:.3f}'),
    ('is_std', 'Inception score std (10 splits)', '{:.3f}'),
    ('precision', 'precision (k=3)', '{:.3f}'),
    ('recall', 'recall (k=3)', '{:.3f}'),
    ('tag_combinations_covered', 'hair x eye combinations covered', None),
    ('tag_reverse_kl', 'tag reverse KL (hair x eye)', '{:.4f}'),
    ('tag_hair_reverse_kl', 'tag reverse KL (hair)', '{:.4f}'),
    ('tag_eye_reverse_kl', 'tag reverse KL (eyes)', '{:.4f}'),
    ('tag_fd', 'Frechet distance, tag features', '{:.3f}'),
    ('tag_classifier_accuracy', 'tag classifier held-out accuracy', None),
    ('tag_conditional_accuracy', 'tag-conditional accuracy (uniform requests)', None),
    ('toy_modes_captured', 'modes captured', None),
    ('toy_high_quality_fraction', 'high-quality samples', '{:.1%}'),
    ('toy_reverse_kl', 'reverse KL of the mode histogram', '{:.4f}'),
)


def _cell(results, key, fmt):
  value = results[key]
  if key == 'swd_levels_x1e3':
    return ', '.join(f'{v:.2f}' for v in value)
  if key == 'tag_combinations_covered':
    return f'{value:g} / {results["tag_num_combinations"]}'
  if key == 'toy_modes_captured':
    return f'{value:g} / {results["toy_num_modes"]}'
  if key in ('tag_classifier_accuracy', 'tag_conditional_accuracy'):
    return ', '.join(f'{head} {acc:.3f}' for head, acc in value.items())
  return fmt.format(value)


def format_table(results, title, floor=None):
  """A plain-text table of the metrics in `results` (keys as in _ROWS), under `title`.

  floor: real-vs-real results of the same settings (`runner.real_vs_real_floor`); each metric
  it holds is printed beside the model's, as `25.30 (floor 12.20)`.
  """
  rows = []
  for key, label, fmt in _ROWS:
    if key in results:
      text = _cell(results, key, fmt)
      if floor and key in floor and key != 'tag_classifier_accuracy':
        text += f' (floor {_cell(floor, key, fmt)})'
      rows.append((label, text))
  width = max(len(label) for label, _ in rows) if rows else 0
  lines = [title, '-' * (width + 24)]
  lines += [f'{label:<{width}}  {text}' for label, text in rows]
  return '\n'.join(lines)


def floor_values(floor):
  """The metric entries of a floor's results (keys of _ROWS and their denominators), for the
  JSON beside the model's."""
  keys = {key for key, _, _ in _ROWS} | {'tag_num_combinations', 'toy_num_modes'}
  return {key: value for key, value in floor.items() if key in keys}


def default_json_path(saved_model, real_vs_real):
  """Where results go by default: beside the export (<model_dir>/eval.json), or ./eval.json."""
  name = 'eval_real_vs_real.json' if real_vs_real else 'eval.json'
  if saved_model:
    return os.path.join(_run_directory(saved_model), name)
  return name


def write_results(path, results):
  """Writes `results` (a flat dict of JSON values) to `path`, atomically."""
  files.write_json(path, results)


def resolve_run_defaults(saved_model):
  """The training config.json beside an export (<model_dir>/export), as a dict, or {}."""
  if not saved_model:
    return {}
  path = os.path.join(_run_directory(saved_model), 'config.json')
  if not os.path.isfile(path):
    return {}
  with open(path) as f:
    return json.load(f)


def run_scan_cache(saved_model, data, run):
  """The run's data_scan.json when evaluating on the data it trained on (`run`: its config.json
  as a dict), so that the folder is not checked a second time; else None."""
  if not saved_model or data != run.get('data'):
    return None
  return os.path.join(_run_directory(saved_model), 'data_scan.json')


def _run_directory(saved_model):
  """<model_dir> of <model_dir>/export (or export_best)."""
  return os.path.dirname(os.path.abspath(saved_model))
