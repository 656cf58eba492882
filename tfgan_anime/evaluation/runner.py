"""The orchestration: `evaluate` (an export, or real data against itself, for the evaluate binary)
and `training_evaluator` (the metric the training loop tracks).

Bad input raises `errors.UserError` naming the flag, the value and what is accepted; the binary
prints it as one line. The metrics themselves are in tfgan_anime/metrics/.
"""

import hashlib
import json
import os

import numpy as np

from tfgan_anime import choices
from tfgan_anime import files
from tfgan_anime import export as export_lib
from tfgan_anime import latent
from tfgan_anime.data import conditions as conditions_lib
from tfgan_anime.data import pipeline
from tfgan_anime.data import spec as spec_lib
from tfgan_anime.data import synthetic
from tfgan_anime.data import toy2d
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import names
from tfgan_anime.evaluation import protocol
from tfgan_anime.metrics import features
from tfgan_anime.metrics import fid
from tfgan_anime.metrics import inception_score
from tfgan_anime.metrics import kid
from tfgan_anime.metrics import precision_recall
from tfgan_anime.metrics import stats_cache
from tfgan_anime.metrics import swd
from tfgan_anime.metrics import tag_classifier
from tfgan_anime.metrics import toy

# Fewest real images the evaluation during training runs on: the floor of --eval_num_samples,
# and what KID's unbiased estimator needs (two samples of each set).
MIN_TRAINING_SAMPLES = 2


def inception_missing_message(metrics):
  """One line saying where to get a feature network, for metrics that need one."""
  return (f'--metrics={",".join(metrics)} needs Inception features, and no network was given. '
          f'Received: inception_graph="", inception_keras_weights=""; accepted: '
          f'--inception_graph=PATH to {features.INCEPTION_2015_FILENAME} from '
          f'{features.INCEPTION_2015_URL} (comparable with published FIDs), or '
          f'--inception_keras_weights=PATH to {features.KERAS_INCEPTION_V3_URL}; '
          f'--metrics=swd needs no download')


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
    raise UserError(f'Invalid --metrics for this data. Received: metrics=toy with '
                    f'data=toy2d:{name}; accepted: toy with toy2d:{", toy2d:".join(toy2d.MIXTURES)}'
                    ' (the mixtures with countable modes)')
  centres, sigma = toy2d.MIXTURES[name]
  m = toy.toy_metrics(fake, centres, sigma)
  return {'toy_high_quality_fraction': m.high_quality_fraction,
          'toy_modes_captured': m.modes_captured, 'toy_num_modes': len(centres),
          'toy_reverse_kl': m.reverse_kl}


def _load_extractor(inception_graph, inception_keras_weights):
  if inception_graph and inception_keras_weights:
    raise UserError('Give one feature network. Received: inception_graph='
                    f'{inception_graph!r}, inception_keras_weights={inception_keras_weights!r}; '
                    'accepted: one of the two')
  if inception_graph:
    return features.load_feature_extractor(features.InceptionGraphExtractor.name, inception_graph)
  return features.load_feature_extractor(features.KerasInceptionV3Extractor.name,
                                         inception_keras_weights)


def _real_statistics(extractor, real, folder, seed, cache_dir):
  # Gray real images (a gray run's) have features of their own; RGB keys stay as they were.
  key = f'{folder}|perm{seed}' + ('|gray' if real.shape[-1] == 1 else '')
  return stats_cache.cached_real_statistics(
      os.path.join(cache_dir, 'stats'), key, real.shape[1],
      extractor.cache_key, lambda: features.compute_features(extractor, real)[0],
      num_samples=len(real))


def _load_generator(saved_model):
  """The export at `saved_model`, checked to be one before TensorFlow reads it."""
  if not os.path.isfile(os.path.join(saved_model, 'saved_model.pb')):
    raise UserError(f'Invalid --saved_model: no saved_model.pb there. Received: '
                    f'saved_model={saved_model!r}; accepted: an export directory written by '
                    'tfgan_anime.train (<model_dir>/export or export_best)')
  return export_lib.load_generator(saved_model)


def _check_request(metrics, num_samples, data, saved_model, real_vs_real, has_network):
  """Raises UserError for a request that cannot work, before anything is loaded."""
  if num_samples < 10:
    raise UserError(f'Invalid --num_samples. Received: num_samples={num_samples}; accepted: an '
                    'integer >= 10')
  if not real_vs_real and not saved_model:
    raise UserError('Missing --saved_model. Received: saved_model=""; accepted: an export '
                    'directory (<model_dir>/export), or --real_vs_real')
  needs_features = [m for m in metrics if m in names.INCEPTION_METRICS]
  if needs_features and not has_network:
    raise UserError(inception_missing_message(needs_features))
  if 'tags' in metrics and data != pipeline.SYNTHETIC_FACES:
    raise UserError(f'Invalid --metrics. Received: metrics=tags with data={data!r}; accepted: '
                    'tags with --data=synthetic_faces (its classifier reads their colours)')


def evaluate(metrics, num_samples, data, saved_model='', real_vs_real=False, inception_graph='',
             inception_keras_weights='', seed=0, cache_dir='', synthetic_num_images=10000,
             data_seed=0, resolution=0, batch_size=250, scan_cache=None, tfds_data_dir=''):
  """Evaluates an export (or real data against itself) on `data`. Returns a dict of results.

  Args:
    metrics: names from names.METRICS (see `names.parse_metrics`).
    num_samples: generated images and real images (real-vs-real: real images per half).
    data: a folder, 'synthetic_faces', 'tfds:NAME[/CONFIG][:SPLIT]' (a prepared TFDS split,
      read from `tfds_data_dir` or TFDS's default) or 'toy2d:NAME'.
    saved_model: export directory (unused with real_vs_real, except for the resolution).
    real_vs_real: compare two disjoint halves of the real data instead of a generator.
    inception_graph, inception_keras_weights: feature network file for fid/kid/is/pr.
    seed: seed of z, of the real selection and of the metrics' random projections/subsets.
    cache_dir: synthetic faces, real statistics and the tag classifier live here.
    synthetic_num_images, data_seed: which synthetic faces folder (as in training).
    resolution: image side; 0: the export's output side (required for real-vs-real without one).
    batch_size: z per generator call.
    scan_cache: the file check's JSON cache (a run's data_scan.json), or None.
    tfds_data_dir: where a tfds: data set is prepared ('' for TFDS's default).

  Returns:
    A flat dict: the metric values (keys as in `report.format_table`) and what was measured
    (saved_model, data, num_samples, resolution, real_vs_real, feature_extractor, ...).

  Raises:
    UserError: for input that cannot work (the flag, the value and what is accepted).
  """
  _check_request(metrics, num_samples, data, saved_model, real_vs_real,
                 bool(inception_graph or inception_keras_weights))
  cache_dir = cache_dir or synthetic.default_cache_dir()
  generator = _load_generator(saved_model) if saved_model else None
  results = {'saved_model': saved_model, 'data': data, 'num_samples': num_samples,
             'real_vs_real': bool(real_vs_real), 'seed': seed}
  if toy2d.is_toy(data):
    results.update(_evaluate_points(metrics, num_samples, data, generator, saved_model, seed,
                                    batch_size))
    return results
  if generator is not None and generator.output_key != 'images':
    raise UserError(f'The export makes 2-D points, not images. Received: saved_model='
                    f'{saved_model!r} with data={data!r}; accepted: --data=toy2d:NAME')
  real_data = protocol.open_real_data(
      data, pipeline.resolve_folder(data, cache_dir, synthetic_num_images, data_seed), scan_cache,
      tfds_data_dir, resolution or 32)
  if generator is not None and generator.groups and _has_tags_file(real_data):
    check_classifier_tags(generator.conditions)  # Before anything is generated.
  real, fake = _real_and_generated_images(real_data, generator, num_samples, resolution, seed,
                                          batch_size)
  results.update({'folder': real_data.folder, 'resolution': int(real.shape[1])})
  results.update(_image_metrics(metrics, real, fake, real_data, seed, cache_dir,
                                inception_graph, inception_keras_weights))
  if generator is not None and generator.groups:
    results.update(_tag_conditional_accuracy(generator, real_data, fake.shape, num_samples, seed,
                                             cache_dir, batch_size))
  return results


def check_classifier_tags(conditions):
  """{group: int [classes]}: each class of a conditional export's group as the tag classifier's
  class of the same tag name (-1 for the unknown class, which is never requested).

  Raises:
    UserError: a group or a tag the classifier does not read (it reads the synthetic faces'
      hair and eye colours).
  """
  known = {'hair': tag_classifier.HAIR_COLORS, 'eyes': tag_classifier.EYE_COLORS}
  maps = {}
  for group in conditions['groups']:
    classes = []
    for tag in conditions['vocabulary'][group]:
      if tag == conditions_lib.UNKNOWN:
        classes.append(-1)
        continue
      colour = tag[:-len(f' {group}')] if tag.endswith(f' {group}') else None
      if group not in known or colour not in known[group]:
        accepted = '; '.join(f'{g}: {", ".join(f"{c} {g}" for c in colours)}'
                             for g, colours in known.items())
        raise UserError(f'The export\'s tags are not the tag classifier\'s, so '
                        f'tag_conditional_accuracy cannot be measured. Received: group {group!r} '
                        f'tag {tag!r}; accepted: groups and tags of the synthetic faces ({accepted})')
      classes.append(known[group].index(colour))
    maps[group] = np.array(classes, np.int64)
  return maps


def tag_conditional_accuracy(requested, predictions, maps):
  """{group: accuracy, ..., 'joint': accuracy}: how often the classifier reads the requested tag.

  Args:
    requested: int [N, G], the export's class per group and sample (no unknown class).
    predictions: {group: classifier probabilities [N, classes of the classifier]}.
    maps: `check_classifier_tags` of the export's vocabulary.
  """
  correct = []
  results = {}
  for g, (group, classes) in enumerate(maps.items()):
    hit = np.argmax(predictions[group], axis=1) == classes[requested[:, g]]
    results[group] = float(np.mean(hit))
    correct.append(hit)
  results['joint'] = float(np.mean(np.all(correct, axis=0)))
  return results


def _has_tags_file(real_data):
  """True when the real data is a folder the tag classifier trains on (the synthetic faces)."""
  return os.path.isfile(os.path.join(real_data.folder, tag_classifier.TAGS_FILENAME))


def _tag_conditional_accuracy(generator, real_data, fake_shape, num_samples, seed, cache_dir,
                              batch_size):
  """{'tag_conditional_accuracy': {...}} of a conditional export on uniformly random requests,
  or {} (said once) when the data's classifier cannot read them."""
  if not _has_tags_file(real_data):
    _say(f'tag_conditional_accuracy: skipped; the tag classifier trains on the synthetic faces '
         f'(a folder with {tag_classifier.TAGS_FILENAME}), and {real_data.folder!r} has none.')
    return {}
  if fake_shape[-1] != 3:
    _say('tag_conditional_accuracy: skipped; the tag classifier reads colour images and the '
         f'export makes {fake_shape[-1]}-channel ones.')
    return {}
  maps = check_classifier_tags(generator.conditions)
  resolution = fake_shape[1]
  classifier = tag_classifier.load_or_train(
      cache_dir, real_data.folder, resolution, real_data.files,
      lambda files: real_data.load(files, resolution))
  # Uniform over the combinations of named tags, from a seed of their own.
  requested = export_lib.sample_labels(generator.conditions, num_samples, seed + 1, 'uniform')
  z = latent.sample(num_samples, generator.z_dim, seed)
  fake = protocol.generate(generator, z, batch_size, labels=requested)
  hair, eyes, _ = classifier.predict(fake)
  return {'tag_conditional_accuracy': tag_conditional_accuracy(
      requested, {'hair': hair, 'eyes': eyes}, maps)}


# Keys of an `evaluate` result that describe it rather than measure: never averaged.
_SETTINGS = ('seed', 'num_samples', 'resolution', 'real_vs_real', 'tag_num_combinations',
             'toy_num_modes')


def mean_results(runs):
  """The key-by-key mean of several `evaluate` results of the same metrics.

  Numbers and lists of numbers are averaged (lists element by element), dicts key by key;
  settings (`_SETTINGS`) and anything else (names, paths) are the first run's.
  """
  def mean(values):
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, (int, float, list, dict)):
      return first
    if isinstance(first, dict):
      return {k: mean([v[k] for v in values]) if k not in _SETTINGS else first[k]
              for k in first}
    if isinstance(first, list):
      return [mean(list(column)) for column in zip(*values)]
    return float(np.mean(values))
  return mean(list(runs))


def real_vs_real_floor(metrics, num_samples, data, resolution=0, seed=0, cache_dir='',
                      synthetic_num_images=10000, data_seed=0, inception_graph='',
                      inception_keras_weights='', batch_size=250, scan_cache=None, log=None,
                      tfds_data_dir='', splits=names.FLOOR_SPLITS):
  """`evaluate(..., real_vs_real=True)` for these settings, averaged over splits and cached.

  The floor a model's numbers are read against: the same metrics on two disjoint halves of the
  real data, at the model's resolution and sample count, averaged over `splits` evaluation
  seeds (seed, seed + 1, ...: each its own halves and its own random projections). It is
  cached as JSON in <cache_dir>/stats/ (beside the real feature statistics) under a name
  hashing the data (the folder's absolute path, or the synthetic faces' count and seed), the
  resolution, the sample count, the seed, the splits, the metrics and the feature network
  file; the stored key is checked on load. Arguments as `evaluate`; `resolution` 0 only for
  toy data.

  Returns:
    (results, path): the mean real-vs-real results (`mean_results`, with 'floor_splits') and
    the cache file they came from or went to.
  """
  names.check_floor_splits(splits)
  cache_dir = cache_dir or synthetic.default_cache_dir()
  key, path = floor_cache_key(metrics, num_samples, data, resolution, seed, cache_dir,
                              synthetic_num_images, data_seed,
                              inception_graph or inception_keras_weights, tfds_data_dir,
                              splits)
  if os.path.isfile(path):
    with open(path) as f:
      stored = json.load(f)
    if stored.get('key') == key:
      (log or _say)(f'Real-vs-real floor from {path}')
      return stored['results'], path
  (log or _say)(f'Computing the real-vs-real floor once, over {splits} split(s) of the real '
                f'data (cached in {path}) ...')
  results = mean_results([
      evaluate(metrics, num_samples, data, real_vs_real=True, inception_graph=inception_graph,
               inception_keras_weights=inception_keras_weights, seed=seed + split,
               cache_dir=cache_dir, synthetic_num_images=synthetic_num_images,
               data_seed=data_seed, resolution=resolution, batch_size=batch_size,
               scan_cache=scan_cache, tfds_data_dir=tfds_data_dir)
      for split in range(splits)])
  results['floor_splits'] = splits
  files.write_json(path, {'key': key, 'results': results})
  return results, path


def floor_cache_key(metrics, num_samples, data, resolution, seed, cache_dir,
                    synthetic_num_images=10000, data_seed=0, feature_network='',
                    tfds_data_dir='', splits=names.FLOOR_SPLITS):
  """(key dict, JSON path under <cache_dir>/stats/) of a real-vs-real floor's cache entry."""
  if data == pipeline.SYNTHETIC_FACES:
    what = {'synthetic_num_images': int(synthetic_num_images), 'data_seed': int(data_seed)}
  elif toy2d.is_toy(data):
    what = {}
  elif spec_lib.is_tfds(data):
    what = {'tfds_data_dir': os.path.abspath(tfds_data_dir) if tfds_data_dir else ''}
  else:
    what = {'folder': os.path.abspath(data)}
  key = {'data': data, **what, 'resolution': int(resolution), 'num_samples': int(num_samples),
         'seed': int(seed), 'splits': int(splits), 'metrics': sorted(metrics),
         'feature_network': os.path.abspath(feature_network) if feature_network else ''}
  digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
  return key, os.path.join(cache_dir, 'stats', f'floor_{resolution}px_{num_samples}_{digest}.json')


def _evaluate_points(metrics, num_samples, data, generator, saved_model, seed, batch_size):
  """Toy data: the mixture's own samples against the export's points (or a second draw)."""
  name = toy2d.parse(data)
  real = toy2d.sample(name, num_samples, seed=seed)
  if generator is None:  # real vs real
    fake = toy2d.sample(name, num_samples, seed=seed + 1)
  else:
    if generator.output_key != 'samples':
      raise UserError(f'The export makes images, not points. Received: saved_model='
                      f'{saved_model!r} with data={data!r}; accepted: an export of a toy run')
    fake = protocol.generate(generator, latent.sample(num_samples, generator.z_dim, seed),
                             batch_size)
  results = {}
  if 'swd' in metrics:
    results['swd'] = swd.sliced_wasserstein_points(real, fake, seed=seed)
  if 'toy' in metrics:
    results.update(toy_metrics(name, fake))
  return results


def _real_and_generated_images(real_data, generator, num_samples, resolution, seed, batch_size):
  """uint8 (real, fake) at one resolution; without a generator fake is the second real half."""
  if generator is not None:
    # A tag-conditional export is asked for labels from the training distribution (the
    # vocabulary's counts), so that its samples are comparable with the real data's.
    labels = (export_lib.sample_labels(generator.conditions, num_samples, seed)
              if generator.groups else None)
    fake = protocol.generate(generator, latent.sample(num_samples, generator.z_dim, seed),
                             batch_size, labels=labels)
    if resolution and resolution != fake.shape[1]:
      raise UserError(f'Invalid --resolution. Received: resolution={resolution}; the export '
                      f'makes {fake.shape[1]} px images (leave --resolution at 0)')
    real = protocol.match_channels(real_data.images(fake.shape[1], num_samples, seed),
                                   fake.shape[-1])
    return real, fake
  if not resolution:
    raise UserError('Missing --resolution. Received: resolution=0 with real_vs_real and no '
                    '--saved_model; accepted: the image side to compare at (e.g. 32 or 64)')
  return (real_data.images(resolution, num_samples, seed),
          real_data.images(resolution, num_samples, seed, offset=num_samples))


def _image_metrics(metrics, real, fake, real_data, seed, cache_dir, inception_graph,
                   inception_keras_weights):
  """The image metrics of uint8 real and fake [N, H, W, 3] that `metrics` asks for."""
  results = {}
  if 'swd' in metrics:
    results.update(swd_metrics(real, fake, seed))
  needs_features = [m for m in metrics if m in names.INCEPTION_METRICS]
  if needs_features:
    extractor = _load_extractor(inception_graph, inception_keras_weights)
    real_stats = _real_statistics(extractor, real, real_data.folder, seed, cache_dir)
    fake_features, fake_logits = features.compute_features(extractor, fake)
    results.update(inception_metrics(needs_features, real_stats, fake_features, fake_logits, seed))
    results['feature_extractor'] = extractor.cache_key
  if 'tags' in metrics:
    resolution = real.shape[1]
    classifier = tag_classifier.load_or_train(
        cache_dir, real_data.folder, resolution, real_data.files,
        lambda files: real_data.load(files, resolution))
    results.update(tag_classifier.tag_metrics(classifier.predict(real), classifier.predict(fake)))
    if classifier.accuracy:
      results['tag_classifier_accuracy'] = classifier.accuracy
  return results


def training_evaluator(metric, data, folder, resolution, num_samples, z_dim, seed=0, cache_dir='',
                       inception_graph='', inception_keras_weights='', scan_cache=None, log=None,
                       conditions=None, tfds_data_dir=''):
  """The evaluation during training: (evaluate_fn(generator) -> float, TensorBoard name).

  Real samples are drawn once here (for KID, their features at the first call, in the generated
  images' channels: a gray run is measured against the luma of colour data); every call
  generates from the same z, so successive values differ only by what the generator learned.

  A folder with fewer readable images than `num_samples` is evaluated on all of them, with as
  many generated samples, and `log` says so once: a smaller evaluation still ranks the run's
  checkpoints against each other, where stopping would cost the user a run for a default they
  did not choose.

  Args:
    metric: 'swd' (x 1e3 on images; sliced W1 in data units on toy points) or 'kid' (x 1e3).
    data, folder: the data spec and the folder `pipeline.make_dataset` resolved (`DataInfo`);
      a tfds: spec is read from its prepared split (protocol.TfdsRealData), not from `folder`.
    resolution, num_samples, z_dim, seed: as in the TrainConfig (num_samples is
      --eval_num_samples).
    cache_dir: for the real-statistics cache of KID.
    inception_graph, inception_keras_weights: the feature network file of KID.
    scan_cache: the run's data_scan.json, so that the folder is not checked twice.
    log: a function of one message line (default: print to stdout).
    tfds_data_dir: where a tfds: `data` is prepared ('' for TFDS's default; the run's
      --tfds_data_dir).
    conditions: a tag-conditional run's vocabulary dict (`data/conditions.vocabulary_json`):
      the generator is called as generator([z, labels]) with fixed labels drawn from the
      training distribution (`export.sample_labels`), as `evaluate` does with an export.

  Raises:
    UserError: an unknown metric, or a folder with fewer than MIN_TRAINING_SAMPLES readable
      images (naming --eval_num_samples and the folder's count).
  """
  if toy2d.is_toy(data):
    real_points = toy2d.sample(toy2d.parse(data), num_samples, seed=seed)
    z = latent.sample(num_samples, z_dim, seed + protocol.TRAINING_Z_SEED_OFFSET)
    return (lambda generator: swd.sliced_wasserstein_points(
        real_points, protocol.generated_points(generator, z), seed=seed)), 'swd'
  if metric not in choices.EVAL_METRICS:
    raise UserError(f'Invalid --eval_metric. Received: eval_metric={metric!r}; accepted: '
                    f'{", ".join(choices.EVAL_METRICS)}')
  real_data = protocol.open_real_data(data, folder, scan_cache, tfds_data_dir, resolution)
  num_samples = _training_sample_count(real_data, num_samples, log or _say)
  # Rows of one seeded draw: a shrunk evaluation's z are the first rows of the full one's.
  z = latent.sample(num_samples, z_dim, seed + protocol.TRAINING_Z_SEED_OFFSET)
  labels = (export_lib.sample_labels(conditions, num_samples,
                                     seed + protocol.TRAINING_Z_SEED_OFFSET)
            if conditions else None)
  real = real_data.images(resolution, num_samples, seed)

  if metric == 'swd':

    def swd_fn(generator):
      fake = protocol.generated_images(generator, z, labels=labels)
      return swd_metrics(protocol.match_channels(real, fake.shape[-1]), fake, seed)['swd_x1e3']

    return swd_fn, 'swd_x1e3'
  extractor = _load_extractor(inception_graph, inception_keras_weights)
  real_stats = {}  # By channels: the first call of a gray run computes the gray statistics.

  def kid_fn(generator):
    fake = protocol.generated_images(generator, z, labels=labels)
    channels = fake.shape[-1]
    if channels not in real_stats:
      real_stats[channels] = _real_statistics(
          extractor, protocol.match_channels(real, channels), real_data.folder, seed,
          cache_dir or synthetic.default_cache_dir())
    fake_features, _ = features.compute_features(extractor, fake)
    mean, _ = kid.kernel_inception_distance(real_stats[channels].features, fake_features,
                                            subset_size=min(1000, num_samples), rng=seed)
    return 1e3 * mean

  return kid_fn, 'kid_x1e3'


def _training_sample_count(real_data, num_samples, log):
  """`num_samples`, or all the folder's readable images when it holds fewer (said once)."""
  available = len(real_data.files)
  if available >= num_samples:
    return num_samples
  if available < MIN_TRAINING_SAMPLES:
    raise UserError(f'Invalid --eval_num_samples for this folder: the evaluation needs at least '
                    f'{MIN_TRAINING_SAMPLES} real images. Received: eval_num_samples={num_samples} '
                    f'with {real_data.folder!r} holding {available} readable image'
                    f'{"" if available == 1 else "s"}; accepted: a folder of at least '
                    f'{MIN_TRAINING_SAMPLES} images, or --eval_every_epochs=0 (no evaluation)')
  log(f'Evaluation: the folder holds {available} images; evaluating on {available} real and '
      f'{available} generated samples (--eval_num_samples={num_samples}).')
  return available


def _say(message):
  print(message, flush=True)
