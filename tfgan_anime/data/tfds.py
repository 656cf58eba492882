"""TensorFlow Datasets as training data: `tfds:NAME[/CONFIG][:SPLIT]` -> uint8 images (and labels).

`tfds:mnist`, `tfds:cars196:train`, `tfds:mnist:train[:10%]` (a TFDS slice), with split `train`
by default. The image feature is the first `tfds.features.Image` of the data set's features,
whatever its key; the label is its first `tfds.features.ClassLabel`, kept for conditioning.
Images take the folder path: centre square crop and antialiased resize (`decode.square_uint8`),
then the asked channels (`decode.convert_channels`; MNIST's gray is tiled for 3, colour becomes
luma for 1), uint8 until `pipeline.group_for_critic` scales them to [-1, 1].

Order and resume. The split is read once in its stored order (`shuffle_files=False`) and kept,
resized, in memory when it fits `MAX_MEMORY_BYTES` (MNIST at 28 px: 47 MB; CARS196's train split
at 64 px: 100 MB). The stream is then index-based like a folder's (`folder.py`): sample i is
example perm_e(i mod N) of epoch e = i // N, a stateless permutation drawn from (seed, e), so the
stream is a pure function of (seed, i) and a resumed run starts at its data position for free,
with exactly the samples an uninterrupted run would see. A split too big for memory is streamed:
repeated, shuffled by a seeded buffer of `SHUFFLE_BUFFER` examples, and `skip(position)`ed.
That is exact too, for the same seed and TensorFlow global seed (the training loop sets both),
but a resume reads and resizes every example before its position again, and an epoch is only
mixed within the buffer's reach.

Under tf.distribute every worker builds the same stream and keeps its share of each global batch
(the DATA auto-shard policy, as for folders: `pipeline.auto_shard_policy` returns DATA since a
TFDS stream has no shard files of its own).

Nothing here downloads: the machine that trains may have no network. A data set must already be
prepared in the data dir (TFDS's default, `~/tensorflow_datasets` or $TFDS_DATA_DIR, unless
given). On a machine with network: `tfds build mnist --data_dir=DIR`, or
`tfds.builder('mnist', data_dir=DIR).download_and_prepare()`, then copy DIR over.

CARS196 cannot be downloaded by TFDS at present: its upstream URLs at ai.stanford.edu return 404
(tensorflow/datasets#5656). Build it from the original archives instead: put `cars_train.tgz`,
`cars_test.tgz`, `car_devkit.tgz` and `cars_test_annos_withlabels.mat` (the Stanford Cars files,
e.g. from a copy you trust; TFDS checks their checksums) into `DIR/downloads/manual/`, then run
`tfds build cars196 --data_dir=DIR --manual_dir=DIR/downloads/manual` (TFDS's download manager
takes a file from the manual dir when its name matches the expected download). Its splits are
`train` (8,144 images) and `test` (8,041).

tensorflow_datasets is imported inside the functions, so importing this module runs no TF op.
"""

import dataclasses
import difflib
import os
import re

import numpy as np

from tfgan_anime import choices
from tfgan_anime.data import spec as spec_lib
from tfgan_anime.errors import UserError

PREFIX = choices.TFDS_PREFIX
DEFAULT_SPLIT = 'train'
# Resized uint8 splits up to this size are kept in memory for the exact index-based stream; the
# tf.data graph holds them as one constant, and its serialised form (auto-sharding) is capped at
# 2 GB by protobuf.
MAX_MEMORY_BYTES = 1 << 30
# The streaming mode's shuffle buffer (examples), as for TFRecord shards.
SHUFFLE_BUFFER = 10000
_NAME = re.compile(r'[a-z0-9_]+\Z')
# Configs are freer: 'de-en', '128', '3.0.0'.
_CONFIG = re.compile(r'[A-Za-z0-9_.\-]+\Z')
# The last materialised split, so that the loop's rebuilds (resume, rollbacks) decode it once.
_MEMO = {}


@dataclasses.dataclass
class TfdsInfo:
  """What `image_stream` read.

  Attributes:
    spec: the data spec.
    source: the prepared data set's folder (builder.data_dir).
    split: the split read.
    num_examples: examples in the split (one epoch).
    image_key: the image feature used.
    label_key: the ClassLabel feature, or None.
    num_classes: the label's classes (0 without a label).
    in_memory: True for the index-based stream (free resume), False for the streamed one.
  """
  spec: str
  source: str
  split: str
  num_examples: int
  image_key: str
  label_key: str = None
  num_classes: int = 0
  in_memory: bool = True


is_tfds = spec_lib.is_tfds


def _invalid(spec, accepted):
  return UserError(f'Invalid --data. Received: data={spec!r}; accepted: {accepted}')


def parse_spec(spec):
  """'tfds:NAME[/CONFIG][:SPLIT]' -> (name, config or None, split); pure Python.

  The split is everything after the first ':' following the name, so TFDS slices such as
  'train[:10%]' and 'train+test' pass through.

  Raises:
    UserError: not a `tfds:` spec, or a malformed name or config.
  """
  form = 'tfds:NAME[/CONFIG][:SPLIT], e.g. tfds:mnist or tfds:cars196:train'
  if not is_tfds(spec):
    raise _invalid(spec, form)
  dataset, colon, split = spec[len(PREFIX):].partition(':')
  name, slash, config = dataset.partition('/')
  if not _NAME.match(name) or (slash and not _CONFIG.match(config)) or (colon and not split):
    raise _invalid(spec, f'{form} (lower-case names)')
  return name, config or None, split or DEFAULT_SPLIT


def _data_root(builder, config):
  """The data dir a builder looks in: its data_dir is ROOT/NAME[/CONFIG]/VERSION."""
  path = os.fspath(builder.data_dir)
  for _ in range(3 if config else 2):
    path = os.path.dirname(path)
  return path


def _make_builder(spec, name, config, data_dir):
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  full = f'{name}/{config}' if config else name
  try:
    return tfds.builder(full, data_dir=data_dir)
  except tfds.core.registered.DatasetNotFoundError:
    close = difflib.get_close_matches(name, tfds.list_builders(with_community_datasets=False),
                                      n=5, cutoff=0.6)
    raise _invalid(spec, 'a TFDS data set name' + (
        f' such as {", ".join(close)}' if close else ' (tfds.list_builders())')) from None
  except ValueError as error:
    if not config:
      raise
    try:
      configs = [c.name for c in tfds.builder_cls(name).BUILDER_CONFIGS]
    except Exception:  # pylint: disable=broad-except
      configs = []
    raise _invalid(spec, f'a config of {name}: {", ".join(configs) or "(none)"}') from error


def _split_names(split):
  """'train[:10%]+test' -> ['train', 'test']."""
  return [part.split('[')[0].strip() for part in split.split('+')]


def open_builder(spec, data_dir=None):
  """The prepared builder of a spec, checked before training.

  Args:
    spec: 'tfds:NAME[/CONFIG][:SPLIT]'.
    data_dir: where prepared data sets live (None: TFDS's default).
  Returns:
    (builder, split).
  Raises:
    UserError, in one line: an unknown name or config; a data set not prepared in the data dir
      (where TFDS looked and how to prepare it; nothing is downloaded); a split the data set
      does not have. A builder without split metadata (TFDS's mock data) accepts any split.
  """
  name, config, split = parse_spec(spec)
  builder = _make_builder(spec, name, config, data_dir)
  if not builder.is_prepared():
    root = _data_root(builder, config)
    full = f'{name}/{config}' if config else name
    how = (f'`tfds build {full} --data_dir={root}` or tfds.builder({full!r}, '
           f'data_dir={root!r}).download_and_prepare()')
    if name == 'cars196':
      how = (f'its download is broken (tensorflow/datasets#5656): put cars_train.tgz, '
             f'cars_test.tgz, car_devkit.tgz and cars_test_annos_withlabels.mat in '
             f'{root}/downloads/manual and run `tfds build cars196 --data_dir={root} '
             f'--manual_dir={root}/downloads/manual`')
    raise UserError(
        f'Invalid --data: TFDS data set {full} is not prepared in {os.fspath(builder.data_dir)} '
        f'and training never downloads. Received: data={spec!r}, --tfds_data_dir={root!r}; '
        f'accepted: a prepared data set: on a machine with network, {how}, then copy {root} here '
        'or point --tfds_data_dir at it')
  splits = sorted(builder.info.splits.keys())
  missing = [s for s in _split_names(split) if s not in splits]
  if splits and missing:
    raise _invalid(spec, f'a split of {name}: {", ".join(splits)} (or a TFDS slice of one, '
                   'e.g. train[:10%])')
  return builder, split


def find_features(features):
  """The image and label keys of a FeaturesDict: (first Image key, first ClassLabel key or None).

  Raises:
    ValueError: no top-level `tfds.features.Image`.
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  images = [k for k, f in features.items() if isinstance(f, tfds.features.Image)]
  labels = [k for k, f in features.items() if isinstance(f, tfds.features.ClassLabel)]
  if not images:
    raise ValueError(f'The features hold no Image. Received: features={list(features)}')
  return images[0], (labels[0] if labels else None)


def _check_image_feature(spec, feature, key):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  dtype = tf.as_dtype(getattr(feature, 'np_dtype', feature.dtype))
  if dtype != tf.uint8 or feature.shape[-1] not in (1, 3):
    raise _invalid(spec, f'a data set of uint8 images with 1 or 3 channels; its {key!r} is '
                   f'{dtype.name} {feature.shape}')


def _examples(builder, split, spec, prepare):
  """The split in its stored order, each example through `prepare`."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  try:
    ds = builder.as_dataset(split=split, shuffle_files=False)
  except (ValueError, KeyError) as error:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    raise _invalid(spec, f'a split TFDS can read ({message})') from None
  return ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)


def _count(ds):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  count = int(ds.cardinality())
  if count < 0:
    count = int(ds.reduce(tf.constant(0, tf.int64), lambda n, *_: n + 1))
  return count


def _materialise(ds, key):
  """(uint8 images [N, R, R, C], int64 labels [N]) of a finite dataset, decoded once per key."""
  if key not in _MEMO:
    images, labels = [], []
    for image, label in ds.batch(1024).as_numpy_iterator():
      images.append(image)
      labels.append(label)
    _MEMO.clear()
    _MEMO[key] = (np.concatenate(images), np.concatenate(labels))
  return _MEMO[key]


def index_stream(images, labels, seed, start, with_labels):
  """An endless index-based stream over in-memory examples, beginning at sample `start`.

  Sample i is example perm_e(i mod N) of epoch e = i // N, perm_e a stateless permutation of
  (seed, e) (as `folder.folder_dataset`).

  Args:
    images: uint8 [N, H, W, C].
    labels: int64 [N].
  Returns:
    tf.data.Dataset of uint8 [H, W, C] images, or (image, int64 label) with `with_labels`.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  images = tf.constant(images)
  labels = tf.constant(labels)
  count = tf.constant(int(images.shape[0]), tf.int64)
  seed = tf.constant(seed, tf.int64)

  def pick(i):
    position = tf.random.experimental.index_shuffle(
        i % count, seed=tf.stack([seed, i // count]), max_index=count - 1)
    image = tf.gather(images, position)
    return (image, tf.gather(labels, position)) if with_labels else image

  return tf.data.Dataset.counter(start, dtype=tf.int64).map(
      pick, num_parallel_calls=tf.data.AUTOTUNE)


def image_stream(spec, resolution, channels=3, seed=0, start=0, data_dir=None, with_labels=False,
                 max_memory_bytes=MAX_MEMORY_BYTES):
  """The endless stream of a TFDS split (see the module docstring for order and resume).

  Args:
    spec: 'tfds:NAME[/CONFIG][:SPLIT]'.
    resolution: image side in pixels (centre crop and antialiased resize).
    channels: 1 or 3.
    seed: shuffle seed.
    start: samples already consumed (a resumed run's data position).
    data_dir: TFDS data dir (None: TFDS's default).
    with_labels: yield (image, label) pairs; needs a ClassLabel feature.
    max_memory_bytes: the biggest resized split kept in memory (index-based stream).
  Returns:
    (tf.data.Dataset of uint8 [resolution, resolution, channels], or (that, int64 label []),
    TfdsInfo).
  Raises:
    UserError: see `open_builder`; images that are not uint8 with 1 or 3 channels; labels
      asked of a data set without a ClassLabel.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_anime.data import decode  # pylint: disable=g-import-not-at-top
  builder, split = open_builder(spec, data_dir)
  features = builder.info.features
  image_key, label_key = find_features(features)
  _check_image_feature(spec, features[image_key], image_key)
  if with_labels and label_key is None:
    raise _invalid(spec, f'a data set with a ClassLabel feature for labels; it has '
                   f'{", ".join(features.keys())}')
  num_classes = features[label_key].num_classes if label_key else 0

  def prepare(example):
    image = decode.convert_channels(decode.square_uint8(example[image_key], resolution), channels)
    label = example[label_key] if label_key else tf.constant(-1, tf.int64)
    return image, tf.cast(label, tf.int64)

  examples = _examples(builder, split, spec, prepare)
  count = _count(examples)
  info = TfdsInfo(spec=spec, source=os.fspath(builder.data_dir), split=split,
                  num_examples=count, image_key=image_key, label_key=label_key,
                  num_classes=num_classes)
  if count == 0:
    raise _invalid(spec, 'a split with at least one example')
  if count * resolution * resolution * channels <= max_memory_bytes:
    key = (info.source, split, count, resolution, channels)
    images, labels = _materialise(examples, key)
    return index_stream(images, labels, seed, start, with_labels), info
  info.in_memory = False
  stream = examples.repeat().shuffle(min(count, SHUFFLE_BUFFER), seed=seed,
                                     reshuffle_each_iteration=False)
  if not with_labels:
    stream = stream.map(lambda image, label: image)
  return stream.skip(start), info
