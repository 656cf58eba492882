"""Evaluation of a generator against real data: the library under `evaluate.py` and the
evaluation during training (`callbacks.EvaluationCallback`).

Protocol (see metrics/features.py for why it matters):
* Real images come from the data folder through the training decode path
  (`data/decode.decode_and_resize`: centre square crop, antialiased resize to the generator's
  resolution, uint8), *without* the float conversion; generated images are the export's uint8
  output (or `images.to_uint8` of the in-memory generator). So both sides are uint8 at the same
  resolution before any metric, and neither is ever JPEG-encoded on the way.
* Real images are a seeded random selection of the folder: the first `num` of a permutation of
  the sorted file list. Real-vs-real compares the first `num` with the next `num` (two disjoint
  halves), which is the floor a model is judged against: what the metric says about two samples
  of the same distribution at this sample size.
* Real-data feature statistics are cached (`metrics/stats_cache.py`) under a name holding the
  folder and the selection seed, with the sample count, resolution and extractor in the key.

Metric names (`METRICS`), lower is better unless said:
  swd    sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2018), reported
         x 1e3 as in the paper, per level and mean; needs no pretrained network. For toy data:
         the sliced Wasserstein-1 distance between the point sets, in data units.
  fid    Fréchet Inception distance.               kid  KID (x 1e3) mean and std over subsets.
  is     Inception score (higher is better).       pr   precision and recall (higher is better).
  tags   the synthetic faces' tag classifier (metrics/tag_classifier.py): hair x eye colour
         combinations covered, reverse KL of the tag histograms, Fréchet distance in its features.
  toy    ring8 / grid25 mode coverage on the points (metrics/toy.py).
"""

import json
import os

import numpy as np
import tensorflow as tf

from tfgan_anime import export as export_lib
from tfgan_anime import images as images_lib
from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import pipeline
from tfgan_anime.data import scan
from tfgan_anime.data import synthetic
from tfgan_anime.data import toy2d
from tfgan_anime.metrics import features
from tfgan_anime.metrics import fid
from tfgan_anime.metrics import inception_score
from tfgan_anime.metrics import kid
from tfgan_anime.metrics import precision_recall
from tfgan_anime.metrics import stats_cache
from tfgan_anime.metrics import swd
from tfgan_anime.metrics import tag_classifier
from tfgan_anime.metrics import toy

METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags', 'toy')
INCEPTION_METRICS = ('fid', 'kid', 'is', 'pr')
IMAGE_METRICS = ('swd', 'fid', 'kid', 'is', 'pr', 'tags')
TOY_METRICS = ('swd', 'toy')


def parse_metrics(text, toy=False):
  """'fid,swd' -> ('fid', 'swd'), checked against what the data allows.

  Raises ValueError naming --metrics, the value and the accepted names.
  """
  names = tuple(name.strip() for name in text.split(',') if name.strip())
  accepted = TOY_METRICS if toy else IMAGE_METRICS
  bad = [name for name in names if name not in accepted]
  if not names or bad:
    raise ValueError(f'Invalid --metrics. Received: metrics={text!r}; accepted: a comma-separated '
                     f'list of {", ".join(accepted)}' + (' for toy data' if toy else ''))
  return names


def inception_missing_message(metrics):
  """One line saying where to get a feature network, for metrics that need one."""
  return (f'--metrics={",".join(metrics)} needs Inception features, and no network was given. '
          f'Received: inception_graph="", inception_keras_weights=""; accepted: '
          f'--inception_graph=PATH to {features.INCEPTION_2015_FILENAME} from '
          f'{features.INCEPTION_2015_URL} (comparable with published FIDs), or '
          f'--inception_keras_weights=PATH to {features.KERAS_INCEPTION_V3_URL}; '
          f'--metrics=swd needs no download')


class RealData:
  """The readable images of a folder, each decoded as training decodes it.

  Files are checked and routed by `scan.scan_folder` (unreadable ones left out; odd formats
  through PIL), as `pipeline.make_dataset` does, so the real images measured are the ones
  training saw. A selection is the first `num` files after `offset` of a seeded permutation of
  the sorted readable files: disjoint for disjoint ranges, the same for the same seed.
  """

  def __init__(self, folder, scan_cache=None):
    scanned = scan.scan_folder(folder, cache_path=scan_cache)
    self.folder = scanned.folder
    self.files = scanned.files
    self._routes = dict(zip(scanned.files, scanned.routes))

  def select(self, num, seed=0, offset=0):
    """`num` paths: items [offset, offset + num) of the seeded permutation."""
    if len(self.files) < offset + num:
      raise ValueError(f'Not enough images for the evaluation: it needs {offset + num} '
                       f'({"two halves of " if offset else ""}--num_samples={num}). Received: '
                       f'{self.folder!r} with {len(self.files)} readable images')
    order = np.random.default_rng(seed).permutation(len(self.files))[offset:offset + num]
    return [self.files[i] for i in order]

  def load(self, files, resolution):
    """uint8 [len(files), resolution, resolution, 3] of some of `self.files`."""
    return images_from_files(files, resolution, [self._routes[f] for f in files])

  def images(self, resolution, num, seed=0, offset=0):
    return self.load(self.select(num, seed, offset), resolution)


def real_images(folder, resolution, num, seed=0, offset=0, scan_cache=None):
  """uint8 [num, resolution, resolution, 3]: a seeded selection of `folder` (see RealData)."""
  return RealData(folder, scan_cache).images(resolution, num, seed, offset)


def images_from_files(files, resolution, routes=None):
  """uint8 [len(files), resolution, resolution, 3] through the training decode path
  (`folder.folder_dataset`: centre square crop, antialiased resize; routes as from the scan)."""
  dataset = folder_lib.folder_dataset(files, resolution, shuffle=False, routes=routes)
  dataset = dataset.take(len(files)).batch(500)
  return np.concatenate([batch.numpy() for batch in dataset]).astype(np.uint8)


def latents(z_dim, num, seed=0):
  """z ~ N(0, I), float32 [num, z_dim], from a seed (the same seed gives the same z)."""
  return np.random.default_rng(seed).standard_normal((num, z_dim)).astype(np.float32)


def generate(generator_fn, z, batch_size=250):
  """Concatenated `generator_fn(z_batch)` (numpy outputs) over z [N, z_dim] in batches."""
  outputs = [np.asarray(generator_fn(z[i:i + batch_size]))
             for i in range(0, len(z), batch_size)]
  return np.concatenate(outputs)


def sliced_wasserstein_points(real, fake, num_directions=256, seed=0):
  """Sliced Wasserstein-1 distance between point sets real [N, D] and fake [N, D] (same N).

  The mean over `num_directions` random unit directions of the 1-D Wasserstein-1 distance of the
  projections (sorted, matched one to one). In data units; 0 for identical sets; for fake = real
  + v (a shift) in 2-D it tends to |v| E|cos theta| = 2 |v| / pi.
  """
  real = np.asarray(real, np.float64)
  fake = np.asarray(fake, np.float64)
  if real.ndim != 2 or real.shape != fake.shape:
    raise ValueError('`real` and `fake` must both be [N, D] with the same shape. Received: '
                     f'real.shape={real.shape}, fake.shape={fake.shape}')
  directions = np.random.default_rng(seed).standard_normal((real.shape[1], num_directions))
  directions /= np.linalg.norm(directions, axis=0, keepdims=True)
  return float(np.mean(np.abs(np.sort(real @ directions, axis=0) -
                              np.sort(fake @ directions, axis=0))))


def swd_metrics(real, fake, seed=0):
  """{'swd_x1e3': mean, 'swd_levels_x1e3': [finest .. coarsest]} of uint8 image sets."""
  levels, mean = swd.sliced_wasserstein_distance(real, fake, rng=seed)
  return {'swd_x1e3': 1e3 * mean, 'swd_levels_x1e3': [1e3 * value for value in levels]}


def inception_metrics(metrics, real_stats, fake_features, fake_logits, seed=0):
  """FID / KID / IS / precision-recall from features; `real_stats` is a RealStatistics."""
  results = {}
  if 'fid' in metrics:
    results['fid'] = fid.frechet_distance(real_stats.mu, real_stats.sigma,
                                          *fid.feature_statistics(fake_features))
  if 'kid' in metrics:
    mean, std = kid.kernel_inception_distance(real_stats.features, fake_features,
                                              subset_size=min(1000, len(fake_features)),
                                              rng=seed)
    results['kid_x1e3'], results['kid_std_x1e3'] = 1e3 * mean, 1e3 * std
  if 'is' in metrics:
    results['is'], results['is_std'] = inception_score.inception_score(
        fake_logits, num_splits=min(10, len(fake_logits)), from_logits=True)
  if 'pr' in metrics:
    results['precision'], results['recall'] = precision_recall.precision_recall(
        real_stats.features, fake_features)
  return results


def toy_metrics(name, fake):
  """{'toy_high_quality_fraction', 'toy_modes_captured', 'toy_num_modes', 'toy_reverse_kl'}."""
  if name not in toy2d.MIXTURES:
    raise ValueError(f'Invalid --metrics for this data. Received: metrics=toy with '
                     f'data=toy2d:{name}; accepted: toy with toy2d:{", toy2d:".join(toy2d.MIXTURES)}'
                     ' (the mixtures with countable modes)')
  centres, sigma = toy2d.MIXTURES[name]
  m = toy.toy_metrics(fake, centres, sigma)
  return {'toy_high_quality_fraction': m.high_quality_fraction,
          'toy_modes_captured': m.modes_captured, 'toy_num_modes': len(centres),
          'toy_reverse_kl': m.reverse_kl}


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
    ('toy_modes_captured', 'modes captured', None),
    ('toy_high_quality_fraction', 'high-quality samples', '{:.1%}'),
    ('toy_reverse_kl', 'reverse KL of the mode histogram', '{:.4f}'),
)


def format_table(results, title):
  """A plain-text table of the metrics in `results` (keys as in _ROWS), under `title`."""
  lines = [title]
  rows = []
  for key, label, fmt in _ROWS:
    if key not in results:
      continue
    value = results[key]
    if key == 'swd_levels_x1e3':
      text = ', '.join(f'{v:.2f}' for v in value)
    elif key == 'tag_combinations_covered':
      text = f'{value} / {results["tag_num_combinations"]}'
    elif key == 'toy_modes_captured':
      text = f'{value} / {results["toy_num_modes"]}'
    elif key == 'tag_classifier_accuracy':
      text = ', '.join(f'{head} {acc:.3f}' for head, acc in value.items())
    else:
      text = fmt.format(value)
    rows.append((label, text))
  width = max(len(label) for label, _ in rows) if rows else 0
  lines.append('-' * (width + 24))
  lines += [f'{label:<{width}}  {text}' for label, text in rows]
  return '\n'.join(lines)


def default_json_path(saved_model, real_vs_real):
  """Where results go by default: beside the export (<model_dir>/eval.json), or ./eval.json."""
  if saved_model:
    return os.path.join(os.path.dirname(os.path.abspath(saved_model)),
                        'eval_real_vs_real.json' if real_vs_real else 'eval.json')
  return 'eval_real_vs_real.json' if real_vs_real else 'eval.json'


def resolve_run_defaults(saved_model):
  """The training config.json beside an export (<model_dir>/export), as a dict, or {}."""
  if not saved_model:
    return {}
  path = os.path.join(os.path.dirname(os.path.abspath(saved_model)), 'config.json')
  if not os.path.isfile(path):
    return {}
  with open(path) as f:
    return json.load(f)


def _load_extractor(inception_graph, inception_keras_weights):
  if inception_graph and inception_keras_weights:
    raise ValueError('Give one feature network. Received: inception_graph='
                     f'{inception_graph!r}, inception_keras_weights={inception_keras_weights!r}; '
                     'accepted: one of the two')
  if inception_graph:
    return features.load_feature_extractor(features.InceptionGraphExtractor.name, inception_graph)
  return features.load_feature_extractor(features.KerasInceptionV3Extractor.name,
                                         inception_keras_weights)


def _real_statistics(extractor, real, folder, seed, cache_dir):
  return stats_cache.cached_real_statistics(
      os.path.join(cache_dir, 'stats'), f'{folder}|perm{seed}', real.shape[1],
      extractor.cache_key, lambda: features.compute_features(extractor, real)[0],
      num_samples=len(real))


def evaluate(metrics, num_samples, data, saved_model='', real_vs_real=False, inception_graph='',
             inception_keras_weights='', seed=0, cache_dir='', synthetic_num_images=10000,
             data_seed=0, resolution=0, batch_size=250, scan_cache=None):
  """Evaluates an export (or real data against itself) on `data`. Returns a dict of results.

  Args:
    metrics: names from METRICS (see `parse_metrics`).
    num_samples: generated images and real images (real-vs-real: real images per half).
    data: a folder, 'synthetic_faces' or 'toy2d:NAME'.
    saved_model: export directory (unused with real_vs_real, except for the resolution).
    real_vs_real: compare two disjoint halves of the real data instead of a generator.
    inception_graph, inception_keras_weights: feature network file for fid/kid/is/pr.
    seed: seed of z, of the real selection and of the metrics' random projections/subsets.
    cache_dir: synthetic faces, real statistics and the tag classifier live here.
    synthetic_num_images, data_seed: which synthetic faces folder (as in training).
    resolution: image side; 0: the export's output side (required for real-vs-real without one).
    batch_size: z per generator call.
    scan_cache: the file check's JSON cache (a run's data_scan.json), or None.

  Returns:
    A flat dict: the metric values (keys as in `format_table`) and what was measured
    (saved_model, data, num_samples, resolution, real_vs_real, feature_extractor, ...).
  """
  if num_samples < 10:
    raise ValueError(f'Invalid --num_samples. Received: num_samples={num_samples}; accepted: an '
                     'integer >= 10')
  if not real_vs_real and not saved_model:
    raise ValueError('Missing --saved_model. Received: saved_model=""; accepted: an export '
                     'directory (<model_dir>/export), or --real_vs_real')
  points = toy2d.is_toy(data)
  needs_features = [m for m in metrics if m in INCEPTION_METRICS]
  if needs_features and not (inception_graph or inception_keras_weights):
    raise ValueError(inception_missing_message(needs_features))
  if 'tags' in metrics and data != pipeline.SYNTHETIC_FACES:
    raise ValueError(f'Invalid --metrics. Received: metrics=tags with data={data!r}; accepted: '
                     'tags with --data=synthetic_faces (its classifier reads their colours)')
  cache_dir = cache_dir or synthetic.default_cache_dir()
  generator = export_lib.load_generator(saved_model) if saved_model else None
  results = {'saved_model': saved_model, 'data': data, 'num_samples': num_samples,
             'real_vs_real': bool(real_vs_real), 'seed': seed}

  if points:
    name = toy2d.parse(data)
    real = toy2d.sample(name, num_samples, seed=seed)
    if real_vs_real:
      fake = toy2d.sample(name, num_samples, seed=seed + 1)
    else:
      if generator.output_key != 'samples':
        raise ValueError(f'The export makes images, not points. Received: saved_model='
                         f'{saved_model!r} with data={data!r}; accepted: an export of a toy run')
      fake = generate(generator, latents(generator.z_dim, num_samples, seed), batch_size)
    if 'swd' in metrics:
      results['swd'] = sliced_wasserstein_points(real, fake, seed=seed)
    if 'toy' in metrics:
      results.update(toy_metrics(name, fake))
    return results

  if generator is not None and generator.output_key != 'images':
    raise ValueError(f'The export makes 2-D points, not images. Received: saved_model='
                     f'{saved_model!r} with data={data!r}; accepted: --data=toy2d:NAME')
  real_data = RealData(pipeline.resolve_folder(data, cache_dir or None, synthetic_num_images,
                                               data_seed), scan_cache)
  folder = real_data.folder
  if generator is not None:
    fake = generate(generator, latents(generator.z_dim, num_samples, seed), batch_size)
    if resolution and resolution != fake.shape[1]:
      raise ValueError(f'Invalid --resolution. Received: resolution={resolution}; the export '
                       f'makes {fake.shape[1]} px images (leave --resolution at 0)')
    resolution = fake.shape[1]
  elif not resolution:
    raise ValueError('Missing --resolution. Received: resolution=0 with real_vs_real and no '
                     '--saved_model; accepted: the image side to compare at (e.g. 32 or 64)')
  real = real_data.images(resolution, num_samples, seed)
  if real_vs_real:
    fake = real_data.images(resolution, num_samples, seed, offset=num_samples)
  results.update({'folder': folder, 'resolution': int(resolution)})

  if 'swd' in metrics:
    results.update(swd_metrics(real, fake, seed))
  if needs_features:
    extractor = _load_extractor(inception_graph, inception_keras_weights)
    real_stats = _real_statistics(extractor, real, folder, seed, cache_dir)
    fake_features, fake_logits = features.compute_features(extractor, fake)
    results.update(inception_metrics(needs_features, real_stats, fake_features, fake_logits, seed))
    results['feature_extractor'] = extractor.cache_key
  if 'tags' in metrics:
    classifier = tag_classifier.load_or_train(
        cache_dir, folder, resolution, real_data.files,
        lambda files: real_data.load(files, resolution))
    results.update(tag_classifier.tag_metrics(classifier.predict(real), classifier.predict(fake)))
    if classifier.accuracy:
      results['tag_classifier_accuracy'] = classifier.accuracy
  return results


def training_evaluator(metric, data, folder, resolution, num_samples, z_dim, seed=0, cache_dir='',
                       inception_graph='', inception_keras_weights='', scan_cache=None):
  """The evaluation during training: (evaluate_fn(generator) -> float, TensorBoard name).

  Real samples (and, for KID, their features) are drawn once here; every call generates from
  the same z, so successive values differ only by what the generator learned.

  Args:
    metric: 'swd' (x 1e3 on images; sliced W1 in data units on toy points) or 'kid' (x 1e3).
    data, folder: the data spec and the folder `pipeline.make_dataset` resolved (`DataInfo`).
    resolution, num_samples, z_dim, seed: as in the TrainConfig.
    cache_dir: for the real-statistics cache of KID.
    inception_graph, inception_keras_weights: the feature network file of KID.
    scan_cache: the run's data_scan.json, so that the folder is not checked twice.
  """
  # A seed of its own, so that evaluation z are not the sample grid's z.
  z = latents(z_dim, num_samples, seed + 7919)

  if toy2d.is_toy(data):
    real = toy2d.sample(toy2d.parse(data), num_samples, seed=seed)

    def points_fn(generator):
      fake = generate(lambda zb: generator(tf.constant(zb), training=False).numpy(), z)
      return sliced_wasserstein_points(real, fake, seed=seed)

    return points_fn, 'swd'

  real = real_images(folder, resolution, num_samples, seed, scan_cache=scan_cache)

  def images(generator):
    return generate(
        lambda zb: images_lib.to_uint8(generator(tf.constant(zb), training=False)).numpy(), z)

  if metric == 'swd':
    return (lambda generator: swd_metrics(real, images(generator), seed)['swd_x1e3']), 'swd_x1e3'
  if metric != 'kid':
    raise ValueError(f'Unknown eval_metric. Received: eval_metric={metric!r}; accepted: swd, kid')
  extractor = _load_extractor(inception_graph, inception_keras_weights)
  real_stats = _real_statistics(extractor, real, folder, seed,
                                cache_dir or synthetic.default_cache_dir())

  def kid_fn(generator):
    fake_features, _ = features.compute_features(extractor, images(generator))
    mean, _ = kid.kernel_inception_distance(real_stats.features, fake_features,
                                            subset_size=min(1000, num_samples), rng=seed)
    return 1e3 * mean

  return kid_fn, 'kid_x1e3'
