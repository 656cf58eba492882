"""The training input pipeline: a data spec -> batched tensors in [-1, 1].

`make_dataset` is the one entry point for training. A data spec is a folder of images,
`synthetic_faces` (built in, drawn once into a cache folder), `toy2d:NAME` (2-D points, see
`toy2d.py`), or TFRecord shards written by `tools/prepare_data.py --out_format=tfrecord`:
`tfrecord:GLOB`, or any glob or path ending in `.tfrecord` (e.g. `data/faces-*.tfrecord`), or a
prepared TensorFlow Datasets split, `tfds:NAME[/CONFIG][:SPLIT]` (see `tfds.py`).
"""

import dataclasses
import os

import tensorflow as tf

from tfgan_anime import choices
from tfgan_anime import images as images_lib
from tfgan_anime.data import conditions
from tfgan_anime.data import decode
from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import scan
from tfgan_anime.data import spec
from tfgan_anime.data import synthetic
from tfgan_anime.data import tfds as tfds_lib
from tfgan_anime.data import tfrecord
from tfgan_anime.data import toy2d
from tfgan_anime.errors import UserError

SYNTHETIC_FACES = choices.SYNTHETIC_FACES
TFRECORD_PREFIX = choices.TFRECORD_PREFIX
TFDS_PREFIX = tfds_lib.PREFIX
# Records of shards come in file order; a shuffle buffer this big (or the whole set) mixes them.
SHARD_SHUFFLE_BUFFER = 10000


@dataclasses.dataclass
class DataInfo:
  """What `make_dataset` found.

  Attributes:
    folder: the resolved folder.
    num_images: readable images, all in the stream.
    skipped: [(name relative to folder, reason)] of the unreadable files left out.
    num_pil: images decoded through PIL (odd formats and modes).
    num_checked: files checked now (the rest came from the scan cache).
    changes: files new, changed or removed since the cached scan ({} without one).
  """
  folder: str
  num_images: int
  skipped: list = dataclasses.field(default_factory=list)
  num_pil: int = 0
  num_checked: int = 0
  changes: dict = dataclasses.field(default_factory=dict)
  # TFRecord files read (0 for a folder): they decide how workers split the input.
  num_shards: int = 0
  # Classes of the labels that come with the images (a TFDS ClassLabel), 0 without labels.
  num_classes: int = 0
  # With --condition: the conditions.LabelTable of the folder's readable images (its `kept`
  # ones are the stream's, num_images of them); None without.
  labels: object = None


tfrecord_pattern = spec.tfrecord_pattern  # Pure Python, for config.py too.


def auto_shard_policy(info, num_workers):
  """How workers split the input: 'FILE' (each reads its own shards) or 'DATA'.

  FILE needs at least one shard per worker; an image folder is one list of names in memory, so
  every worker reads it and keeps its share of each global batch (DATA); so does a TFDS split,
  whose index-based stream every worker builds alike (num_shards 0).
  """
  if info.num_shards >= num_workers > 1:
    return 'FILE'
  return 'DATA'


def resolve_folder(data, cache_dir=None, synthetic_num_images=10000, seed=0):
  """A data spec -> a folder of images (drawing the synthetic faces once if asked)."""
  if data == SYNTHETIC_FACES:
    return synthetic.ensure_synthetic_faces(synthetic_num_images, seed=seed, cache_dir=cache_dir)
  return data


def to_float(images):
  """uint8 [0, 255] -> float32 [-1, 1] (`images.from_uint8`)."""
  return images_lib.from_uint8(images)


def group_for_critic(samples, batch_size, n_critic):
  """Groups a stream of single samples into training elements [batch_size, n_critic, ...].

  Samples are uint8 images [H, W, C] (converted to float32 in [-1, 1] here), float32 points [D]
  of the toy data (kept as they are), or (image, label) pairs (each part grouped alike:
  int64 class labels become [batch_size, n_critic], int32 tag labels [G] become
  [batch_size, n_critic, G]).
  Element [:, i] is the real batch of critic update i: every critic update sees fresh images.
  The batch axis is first so that a strategy's split of the batch axis splits each of the
  n_critic batches across replicas. The remainder is dropped so every batch is full.
  """
  grouped = samples.batch(batch_size * n_critic, drop_remainder=True)
  ranks = [spec.shape.rank for spec in tf.nest.flatten(samples.element_spec)]

  def arrange_one(batch, rank):
    # Swap the two leading axes, whatever the rank of one sample.
    perm = [1, 0] + list(range(2, rank + 2))
    shape = tf.shape(batch)
    batch = tf.reshape(batch, tf.concat([[n_critic, batch_size], shape[1:]], axis=0))
    batch = tf.transpose(batch, perm)
    return to_float(batch) if batch.dtype == tf.uint8 else batch

  def arrange(*parts):
    arranged = tuple(arrange_one(part, rank) for part, rank in zip(parts, ranks))
    return arranged[0] if len(arranged) == 1 else arranged

  return grouped.map(arrange, num_parallel_calls=tf.data.AUTOTUNE)


def _check_enough(data, what, num_images, batch_size, n_critic):
  if num_images < batch_size * n_critic:
    raise UserError(
        f'The {what} fewer images than one training step needs (batch_size * n_critic = '
        f'{batch_size * n_critic}). Received: data={data!r} with {num_images} images; '
        f'accepted: at least {batch_size * n_critic}, or a smaller --batch_size or --n_critic')


def make_dataset(data, resolution, batch_size, n_critic=1, seed=0, cache=None, cache_dir=None,
                 synthetic_num_images=10000, start_position=0, scan_cache=None, progress=None,
                 channels=3, tfds_data_dir=None, with_labels=False, condition='',
                 label_policy='drop', tags_file=None):
  """The endless training stream and what it was made from.

  Every file is checked first (`scan.scan_folder`): unreadable ones are left out and named in
  the DataInfo, odd ones are routed through PIL.

  Args:
    data: a folder of images, 'synthetic_faces', 'toy2d:NAME' (then `resolution` and the
      cache options are unused), or TFRecord shards ('tfrecord:GLOB' or a glob ending in
      '.tfrecord'; they are not scanned: prepare_data checked them when it wrote them).
    resolution: image side in pixels; images are centre-cropped and resized to it.
    batch_size: the global batch of one critic update.
    n_critic: critic updates per generator step; each element holds that many real batches.
    seed: shuffle seed (and the synthetic faces' seed).
    cache: None, 'memory' or a path prefix: keep decoded images after the first epoch.
    cache_dir: where the synthetic faces are drawn (default `synthetic.default_cache_dir()`).
    start_position: images of the stream already consumed (a resumed run's position); the
      stream begins at the next one, so element k holds images start_position + k * batch_size
      * n_critic onwards.
    scan_cache: optional JSON path where the file check is cached (the run directory's).
    progress: optional progress(done, total) callable for the file check.
    channels: 3 (RGB) or 1 (gray): colour is converted to luma, gray tiled to RGB
      (`decode.convert_channels`). Unused for toy data.
    tfds_data_dir: the TFDS data dir of a 'tfds:' spec (None: TFDS's default).
    with_labels: 'tfds:' specs only: elements are (images, int64 labels [batch_size, n_critic]).
    condition: tag groups ('hair,eyes', `conditions.parse_groups`); image folders and
      'synthetic_faces' only: each image's labels come from the folder's tags file (or
      `tags_file`); images the `label_policy` drops are left out before the shuffle, and
      elements are (images, int32 labels [batch_size, n_critic, G]). DataInfo.labels holds
      the LabelTable. '': no labels.
    label_policy: 'drop' or 'unknown' (see `conditions.build_labels`).
    tags_file: the tags file; None: <folder>/tags.csv.

  Returns:
    (dataset of float32 [batch_size, n_critic, resolution, resolution, channels] in [-1, 1]
    (with labels, pairs (that, labels)), or [batch_size, n_critic, 2] points for toy data,
    DataInfo)
  Raises:
    UserError: the folder is missing, holds nothing readable, or too few images for one step;
      a TFDS spec that `tfds.open_builder` rejects; labels asked of data without them.
  """
  if condition and (toy2d.is_toy(data) or tfds_lib.is_tfds(data) or
                    tfrecord_pattern(data) is not None):
    raise UserError(f'Invalid --condition for this data. Received: condition={condition!r} with '
                    f'data={data!r}; accepted: an image folder with a tags file, or '
                    f'{SYNTHETIC_FACES}')
  if toy2d.is_toy(data):
    points = toy2d.toy_dataset(toy2d.parse(data), seed=seed, start=start_position)
    dataset = group_for_critic(points, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
    # The stream is endless: num_images is the nominal epoch that sets steps per epoch.
    return dataset, DataInfo(folder=data, num_images=toy2d.EPOCH_POINTS)
  if tfds_lib.is_tfds(data):
    samples, found = tfds_lib.image_stream(data, resolution, channels=channels, seed=seed,
                                           start=start_position, data_dir=tfds_data_dir,
                                           with_labels=with_labels)
    _check_enough(data, 'split holds', found.num_examples, batch_size, n_critic)
    dataset = group_for_critic(samples, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
    return dataset, DataInfo(folder=f'{found.source} ({found.split})',
                             num_images=found.num_examples, num_classes=found.num_classes)
  if with_labels:
    raise UserError(f'Invalid --data for labels. Received: data={data!r}; accepted: a '
                    f'{TFDS_PREFIX}NAME data set with a ClassLabel feature')
  pattern = tfrecord_pattern(data)
  if pattern is not None:
    images, info = _shard_images(data, pattern, resolution, seed, cache, start_position)
    _check_enough(data, 'shards hold', info.num_images, batch_size, n_critic)
    if channels != 3:
      images = images.map(lambda image: decode.convert_channels(image, channels),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return group_for_critic(images, batch_size, n_critic).prefetch(tf.data.AUTOTUNE), info
  return _folder_stream(data, resolution, batch_size, n_critic, seed, cache, cache_dir,
                        synthetic_num_images, start_position, scan_cache, progress, channels,
                        condition, label_policy, tags_file)


def _folder_stream(data, resolution, batch_size, n_critic, seed, cache, cache_dir,
                   synthetic_num_images, start_position, scan_cache, progress, channels,
                   condition, label_policy, tags_file):
  """`make_dataset` of an image folder or the synthetic faces (its arguments)."""
  folder = resolve_folder(data, cache_dir, synthetic_num_images, seed)
  scanned = scan.scan_folder(folder, cache_path=scan_cache, progress=progress)
  files, routes, labels, table = _labelled_files(scanned, folder, condition, label_policy,
                                                 tags_file)
  if len(files) < batch_size * n_critic:
    kept = f' kept by --label_policy={label_policy}' if condition else ''
    raise UserError(
        f'The data folder holds fewer images than one training step needs (batch_size * '
        f'n_critic = {batch_size * n_critic}). Received: data={data!r} with '
        f'{len(files)} readable images{kept}; accepted: at least {batch_size * n_critic}, or '
        'a smaller --batch_size or --n_critic')
  if cache:
    images = cached_folder_images(files, resolution, seed, cache, routes=routes,
                                  start=start_position, channels=channels, labels=labels)
  else:
    images = folder_lib.folder_dataset(files, resolution, shuffle=True, seed=seed,
                                       routes=routes, start=start_position,
                                       channels=channels, labels=labels)
  dataset = group_for_critic(images, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
  return dataset, DataInfo(folder=scanned.folder, num_images=len(files),
                           skipped=scanned.skipped, num_pil=routes.count('pil'),
                           num_checked=scanned.num_checked, changes=scanned.changes,
                           labels=table)


def _labelled_files(scanned, folder, condition, label_policy, tags_file):
  """(files, routes, int32 labels [N, G] or None, LabelTable or None) of a scanned folder.

  With a condition, the files the label policy drops leave the list here, before the shuffle:
  the stream is a permutation of the kept files alone, so it stays a function of (seed,
  position).
  """
  if not condition:
    return scanned.files, scanned.routes, None, None
  table = conditions.load_labels(folder, condition, label_policy, tags_file=tags_file,
                                 image_ids=[conditions.image_id(f) for f in scanned.files])
  files = [f for f, keep in zip(scanned.files, table.kept) if keep]
  routes = [r for r, keep in zip(scanned.routes, table.kept) if keep]
  return files, routes, table.kept_labels(), table


def cached_folder_images(files, resolution, seed, cache, routes=None, start=0, channels=3,
                         labels=None):
  """The folder stream of `folder.folder_dataset`, decoded once into a cache; the same order.

  Decoded images are cached in file order on the first pass. Each epoch is then read in blocks
  of up to `folder.CACHE_SHUFFLE_BUFFER` images, and block k of the stream comes out in the
  stateless permutation drawn from (seed, k) (k is the epoch when an epoch is one block): the
  stream is a function of (seed, i) alone, not of how many iterators opened it or in which
  order (a shuffle buffer that reshuffles each epoch draws from a seed generator that every
  iterator of the dataset shares, and Keras opens an extra one under a strategy). An epoch of
  one block, up to 10000 images, is the uncached stream's order exactly. Starting at `start`
  skips whole blocks, then images within one, all read from the cache.

  Args:
    files: image paths, sorted (see `scan.scan_folder`); routes: 'tf' or 'pil' per file.
    resolution, channels: as for `folder.folder_dataset`.
    seed: the permutation seed.
    cache: 'memory', or a file path prefix for tf.data's on-disk cache.
    start: index in the stream of the first image returned.
    labels: optional int32 [len(files), G]: cached and permuted with their images.
  Returns:
    An endless tf.data.Dataset of uint8 [resolution, resolution, channels] (with labels,
    pairs of that and int32 [G]).
  """
  count = len(files)
  decoded = folder_lib.folder_dataset(files, resolution, shuffle=False, routes=routes,
                                      channels=channels, labels=labels).take(count)
  decoded = decoded.cache('' if cache == 'memory' else cache)
  block = min(count, folder_lib.CACHE_SHUFFLE_BUFFER)
  blocks_per_epoch = -(-count // block)
  epoch, within = divmod(int(start), count)
  first_block, offset = divmod(within, block)

  def permute(k, images):
    # Block k of the stream: with one block per epoch, k is the epoch, as in folder_dataset.
    # `images` is a batch of images, or (images, labels): both take the same order.
    size = tf.cast(tf.shape(tf.nest.flatten(images)[0])[0], tf.int64)
    order = tf.random.experimental.index_shuffle(
        tf.range(size), seed=tf.stack([tf.constant(seed, tf.int64), k]), max_index=size - 1)
    return tf.nest.map_structure(lambda part: tf.gather(part, order), images)

  blocks = decoded.batch(block).repeat().enumerate()
  blocks = blocks.skip(epoch * blocks_per_epoch + first_block)
  return blocks.map(permute).unbatch().skip(offset)


def count_records(files):
  """Records in TFRecord files (reads them once, without parsing)."""
  return int(tf.data.TFRecordDataset(files).reduce(tf.constant(0, tf.int64), lambda n, _: n + 1))


def _shard_images(data, pattern, resolution, seed, cache, start_position=0):
  """Endless uint8 images from the shards matching `pattern`, and their DataInfo.

  Every iterator of the stream reads the same order: the files come in a fixed order, read
  round-robin, and one seeded shuffle runs over the endless stream. (tf.data's per-epoch
  reshuffles share one seed generator across iterators, and Keras opens an extra iterator
  under a strategy, for one element, whose prefetching advances it: the order would then
  depend on a race.) A resumed run skips `start_position` images of that stream: exact, but it
  reads them (cheap for pre-resized uint8 records, a decode each for JPEG records).
  """
  files = sorted(tf.io.gfile.glob(pattern))
  if not files:
    raise UserError(f'No TFRecord file matches. Received: data={data!r}; accepted: a glob '
                    'that matches the shards prepare_data wrote')
  # Decoded to uint8 like the folder pipeline, so caches hold 4x less.
  images = tfrecord.read_shards(files, resolution, shuffle_files=False, dtype='uint8')
  if cache:
    images = images.cache('' if cache == 'memory' else cache)
  num_images = count_records(files)
  images = images.repeat().shuffle(min(num_images, SHARD_SHUFFLE_BUFFER), seed=seed,
                                   reshuffle_each_iteration=False)
  info = DataInfo(folder=pattern, num_images=num_images, num_shards=len(files))
  return images.skip(start_position), info
