"""On-disk cache of real-data feature statistics for FID / KID / precision-recall.

Real-image features cost as much to compute as generated ones but never change, so they are
computed once per (dataset, resolution, feature extractor, sample count) and stored as
`<cache_dir>/<dataset>_<resolution>px_<n>_<extractor key>.npz` with

    mu [D] float64, sigma [D, D] float64, features [N, D] float32,
    and the key fields as 0-d string / int arrays (checked on load).

The extractor key (`extractor.cache_key` in `features.py`) holds the hash of the weight file and
the preprocessing version, so a different network or protocol never reuses stale statistics.
Files are read with `np.load(allow_pickle=False)`: nothing is unpickled, and a file holding
object arrays is refused. Writes go through `files.atomic_write` (a temporary file renamed into
place), so an interrupted run leaves no half-written cache entry.
"""

import hashlib
import os
import re
from typing import NamedTuple

import numpy as np

from tfgan_anime import files
from tfgan_anime.metrics import fid


class RealStatistics(NamedTuple):
  mu: np.ndarray  # [D] float64
  sigma: np.ndarray  # [D, D] float64
  features: np.ndarray  # [N, D] float32


def cache_path(cache_dir, dataset_name, resolution, extractor_key, num_samples=None):
  """Path of the cache entry. `dataset_name` may be anything (a folder path, 'tfds:NAME'): it is
  made filename-safe and suffixed with a short hash of the original so names cannot collide."""
  if not dataset_name:
    raise ValueError(f'`dataset_name` must be non-empty. Received: dataset_name={dataset_name!r}')
  if int(resolution) < 1:
    raise ValueError(f'`resolution` must be >= 1. Received: resolution={resolution}')
  safe = re.sub(r'[^A-Za-z0-9._-]+', '_', str(dataset_name)).strip('_.')[:64]
  name_hash = hashlib.sha256(str(dataset_name).encode('utf-8')).hexdigest()[:8]
  key = re.sub(r'[^A-Za-z0-9._-]+', '_', str(extractor_key))
  count = 'all' if num_samples is None else str(int(num_samples))
  filename = f'{safe}-{name_hash}_{int(resolution)}px_{count}_{key}.npz'
  return os.path.join(os.fspath(cache_dir), filename)


def _key_fields(dataset_name, resolution, extractor_key, num_samples):
  return {
      'dataset_name': str(dataset_name),
      'resolution': int(resolution),
      'extractor_key': str(extractor_key),
      'num_samples': -1 if num_samples is None else int(num_samples),
  }


def save_statistics(path, stats, key_fields):
  """Writes `stats` (RealStatistics) and `key_fields` (str/int values) to `path` atomically."""
  arrays = {
      'mu': np.asarray(stats.mu, np.float64),
      'sigma': np.asarray(stats.sigma, np.float64),
      'features': np.asarray(stats.features, np.float32),
  }
  for name, value in key_fields.items():
    arrays['key_' + name] = np.array(value)  # '<U..' or int64: no object arrays, no pickle
  with files.atomic_write(path, 'wb') as f:
    np.savez(f, **arrays)


def load_statistics(path, key_fields=None):
  """Reads a cache entry; checks its stored key against `key_fields` when given.

  Returns RealStatistics. Raises ValueError if the file holds object arrays (numpy refuses them
  with allow_pickle=False) or was written for a different key.
  """
  with np.load(os.fspath(path), allow_pickle=False) as data:
    stats = RealStatistics(mu=data['mu'], sigma=data['sigma'], features=data['features'])
    stored = {name[len('key_'):]: data[name].item() for name in data.files
              if name.startswith('key_')}
  if key_fields is not None and stored != key_fields:
    raise ValueError(f'The statistics cache entry was written for another key. Received: '
                     f'path={os.fspath(path)!r} with key {stored}; expected {key_fields}. '
                     'Delete the file to recompute it.')
  return stats


def cached_real_statistics(cache_dir, dataset_name, resolution, extractor_key, compute_features,
                           num_samples=None):
  """Real-data statistics from the cache, computing and storing them on a miss.

  Args:
    cache_dir: folder for .npz entries (created if missing).
    dataset_name: what identifies the real data (e.g. the --dataset value).
    resolution: image side the real images were fed at (the generator's resolution).
    extractor_key: `extractor.cache_key` from features.py.
    compute_features: callable with no arguments returning real features [N, D]; called only
      on a miss.
    num_samples: how many real images `compute_features` uses, None for all; part of the key.

  Returns:
    RealStatistics(mu, sigma, features).
  """
  key_fields = _key_fields(dataset_name, resolution, extractor_key, num_samples)
  path = cache_path(cache_dir, dataset_name, resolution, extractor_key, num_samples)
  if os.path.exists(path):
    return load_statistics(path, key_fields)
  features = np.asarray(compute_features(), np.float32)
  mu, sigma = fid.feature_statistics(features)
  stats = RealStatistics(mu=mu, sigma=sigma, features=features)
  save_statistics(path, stats, key_fields)
  return stats
