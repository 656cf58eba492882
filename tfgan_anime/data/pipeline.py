"""The training input pipeline: a data spec -> batched tensors in [-1, 1].

`make_dataset` is the one entry point for training. A data spec is a folder of images,
`synthetic_faces` (built in, drawn once into a cache folder), or TFRecord shards written by
`tools/prepare_data.py --out_format=tfrecord`: `tfrecord:GLOB`, or any glob or path ending in
`.tfrecord` (e.g. `data/faces-*.tfrecord`).
"""

import dataclasses
import os

import tensorflow as tf

from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import image_io
from tfgan_anime.data import synthetic
from tfgan_anime.data import tfrecord

SYNTHETIC_FACES = 'synthetic_faces'
TFRECORD_PREFIX = 'tfrecord:'
# Records of shards come in file order; a shuffle buffer this big (or the whole set) mixes them.
SHARD_SHUFFLE_BUFFER = 10000


@dataclasses.dataclass
class DataInfo:
  """What `make_dataset` found: the resolved folder (or shard glob) and its number of images."""
  folder: str
  num_images: int
  # TFRecord files read (0 for an image folder): they decide how workers split the input.
  num_shards: int = 0


def tfrecord_pattern(data):
  """The shard glob of a data spec, or None when the spec is not TFRecord shards."""
  if data.startswith(TFRECORD_PREFIX):
    return data[len(TFRECORD_PREFIX):]
  if data.endswith('.tfrecord'):
    return data
  return None


def auto_shard_policy(info, num_workers):
  """How workers split the input: 'FILE' (each reads its own shards) or 'DATA'.

  FILE needs at least one shard per worker; an image folder is one list of names in memory, so
  every worker reads it and keeps its share of each global batch (DATA).
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
  """uint8 [0, 255] -> float32 [-1, 1]."""
  return tf.cast(images, tf.float32) / 127.5 - 1.0


def group_for_critic(images, batch_size, n_critic):
  """Groups a stream of single images into training elements [batch_size, n_critic, H, W, C].

  Element [:, i] is the real batch of critic update i: every critic update sees fresh images.
  The batch axis is first so that a strategy's split of the batch axis splits each of the
  n_critic batches across replicas. The remainder is dropped so every batch is full.
  """
  grouped = images.batch(batch_size * n_critic, drop_remainder=True)

  def arrange(batch):
    shape = tf.shape(batch)
    batch = tf.reshape(batch, tf.concat([[n_critic, batch_size], shape[1:]], axis=0))
    return to_float(tf.transpose(batch, [1, 0, 2, 3, 4]))

  return grouped.map(arrange, num_parallel_calls=tf.data.AUTOTUNE)


def make_dataset(data, resolution, batch_size, n_critic=1, seed=0, cache=None, cache_dir=None,
                 synthetic_num_images=10000):
  """The endless training stream and what it was made from.

  Args:
    data: a folder of images, 'synthetic_faces', or TFRecord shards ('tfrecord:GLOB' or a glob
      ending in '.tfrecord').
    resolution: image side in pixels; images are centre-cropped and resized to it.
    batch_size: the global batch of one critic update.
    n_critic: critic updates per generator step; each element holds that many real batches.
    seed: shuffle seed (and the synthetic faces' seed).
    cache: None, 'memory' or a path prefix: keep decoded images after the first epoch.
    cache_dir: where the synthetic faces are drawn (default `synthetic.default_cache_dir()`).

  Returns:
    (dataset of float32 [batch_size, n_critic, resolution, resolution, 3] in [-1, 1], DataInfo)
  """
  pattern = tfrecord_pattern(data)
  if pattern is not None:
    images, info = _shard_images(data, pattern, resolution, seed, cache)
  else:
    folder = resolve_folder(data, cache_dir, synthetic_num_images, seed)
    files = image_io.list_images(folder)
    images = folder_lib.folder_dataset(files, resolution, shuffle=True, seed=seed, cache=cache)
    info = DataInfo(folder=os.path.abspath(folder), num_images=len(files))
  if info.num_images < batch_size * n_critic:
    raise ValueError(
        f'The data holds fewer images than one training step needs (batch_size * n_critic = '
        f'{batch_size * n_critic}). Received: data={data!r} with {info.num_images} images')
  dataset = group_for_critic(images, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
  return dataset, info


def count_records(files):
  """Records in TFRecord files (reads them once, without parsing)."""
  return int(tf.data.TFRecordDataset(files).reduce(tf.constant(0, tf.int64), lambda n, _: n + 1))


def _shard_images(data, pattern, resolution, seed, cache):
  """Endless uint8 images from the shards matching `pattern`, and their DataInfo."""
  files = sorted(tf.io.gfile.glob(pattern))
  if not files:
    raise ValueError(f'No TFRecord file matches. Received: data={data!r}')
  # Interleaved shards, decoded to uint8 like the folder pipeline, so caches hold 4x less.
  images = tfrecord.read_shards(files, resolution, shuffle_files=True, seed=seed, dtype='uint8')
  if cache:
    images = images.cache('' if cache == 'memory' else cache)
  num_images = count_records(files)
  images = images.shuffle(min(num_images, SHARD_SHUFFLE_BUFFER), seed=seed,
                          reshuffle_each_iteration=True)
  return images.repeat(), DataInfo(folder=pattern, num_images=num_images, num_shards=len(files))
