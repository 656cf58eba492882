"""A folder of images -> an endless tf.data stream of uint8 images [resolution, resolution, C].

The files come checked by `scan.scan_folder`: unreadable ones are already left out, and each
file has a route. 'tf' files (nearly all) are read and decoded by TensorFlow in parallel; 'pil'
files (CMYK, 16-bit, alpha, palette, GIF, BMP, WebP, EXIF-rotated) by `pil_images.load_rgb`
through `tf.numpy_function`, so they become RGB exactly as the data doctor reports them. Then
every image is centre-cropped to a square and resized with antialiasing (`decode.square_uint8`),
then given the asked channels (`decode.convert_channels`: colour -> gray by luma, rounded to
uint8; C = 3 by default, 1 for gray).

Without a cache the stream is index-based: image i is file perm_e(i mod N) of epoch e = i // N,
where perm_e is a stateless permutation drawn from (seed, e)
(`tf.random.experimental.index_shuffle`). The stream is then a pure function of (seed, i):
starting it at image `start` (a resumed run) costs nothing, touches no file before it, and
gives exactly the images an uninterrupted run would see. Decoding stays parallel (AUTOTUNE)
and in order (tf.data's map is deterministic unless told otherwise).

With a cache, decoded images are cached in file order on the first pass and shuffled by a
seeded buffer; the stream is still a function of the seed, but starting at `start` skips that
many decoded images (cheap once the cache is filled).

Images stay uint8 until batching (`pipeline.to_float`) so that caches hold 4x less. A file that
changed after the scan and no longer decodes is dropped (`ignore_errors`) rather than ending
the run; only then would later images shift.
"""

import fcntl
import glob
import os

import tensorflow as tf

from tfgan_anime.data import decode
from tfgan_anime.data import pil_images
from tfgan_anime.errors import UserError

# A shuffle buffer of decoded images (cache mode only) holds at most this many.
CACHE_SHUFFLE_BUFFER = 10000


def claim_file_cache(prefix):
  """Takes the on-disk cache `prefix` for this process and clears what a killed run left there.

  tf.data marks a cache being written with `<prefix>_N.lockfile` and refuses to start while one
  exists ("There appears to be a concurrent caching iterator running"), so a run killed in its
  first epoch could never resume. The lock file cannot tell a dead writer from a live one; an
  flock can: the kernel releases it when its process ends, kill -9 included. Holding it, this
  process knows no other training process writes the cache, so TF's lock files are stale.

  Returns:
    The open lock file: keep it open while training (closing it releases the cache).
  Raises:
    UserError: another training process holds the cache.
  """
  directory = os.path.dirname(os.path.abspath(prefix))
  os.makedirs(directory, exist_ok=True)
  lock = open(f'{prefix}.tfgan_anime.lock', 'w')  # pylint: disable=consider-using-with
  try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
  except OSError:
    lock.close()
    raise UserError(f'Invalid --cache. Received: cache={prefix!r}; accepted: a cache path no other '
                    'running training process uses') from None
  pattern = glob.escape(prefix)
  for stale in glob.glob(f'{pattern}_*.lockfile') + glob.glob(f'{pattern}_*.tempstate*'):
    os.remove(stale)
  return lock


def _load_with_pil(path):
  pixels = pil_images.load_rgb(os.fsdecode(path))
  if pixels is None:
    raise ValueError(f'{os.fsdecode(path)!r} no longer decodes (changed since the data check)')
  return pixels


def _loader(resolution, channels=3):
  def load(path, use_pil):
    def with_tf():
      return decode.decode_rgb(tf.io.read_file(path))

    def with_pil():
      # stateful=False: the result is a function of the file alone, so tf.data may run it in
      # parallel under op determinism.
      image = tf.numpy_function(_load_with_pil, [path], tf.uint8, stateful=False)
      image.set_shape([None, None, 3])
      return image

    image = decode.square_uint8(tf.cond(use_pil, with_pil, with_tf), resolution)
    return decode.convert_channels(image, channels)
  return load


def folder_dataset(files, resolution, shuffle=True, seed=0, cache=None, routes=None, start=0,
                   channels=3, labels=None):
  """Decoded uint8 images from a list of files, an endless stream beginning at image `start`.

  Args:
    files: image paths (see `scan.scan_folder`), in a fixed order (sorted).
    resolution: output side in pixels.
    shuffle: a new permutation every epoch (seeded); without it, the list order repeated.
    seed: permutation seed.
    cache: None, 'memory', or a file path prefix for tf.data's on-disk cache of decoded images.
    routes: 'tf' or 'pil' per file (default all 'tf').
    start: index in the stream of the first image returned (images already trained on).
    channels: 3 (RGB) or 1 (gray, `decode.convert_channels`).
    labels: optional int32 [len(files), G], the labels of the files (`conditions.LabelTable`);
      each image then comes with its file's row, picked by the same index, so that the pair
      stays together through the shuffle, the cache and a dropped file.
  Returns:
    tf.data.Dataset of uint8 [resolution, resolution, channels] (with labels: pairs of that
    and int32 [G]).
  """
  if not files:
    raise ValueError('files is empty. Received: files=[]; accepted: at least one image path')
  routes = routes or ['tf'] * len(files)
  # Bytes, not str: file names that are not valid UTF-8 still reach the file system unchanged.
  paths = tf.constant([os.fsencode(f) for f in files], dtype=tf.string)
  use_pil = tf.constant([route == 'pil' for route in routes], dtype=tf.bool)
  load = _loader(resolution, channels)
  count = len(files)
  if labels is not None:
    labels = tf.constant(labels, tf.int32)
    if labels.shape.rank != 2 or labels.shape[0] != count:
      raise ValueError(f'labels must be [len(files), G]. Received: labels of shape '
                       f'{labels.shape} for {count} files')
    load_image = load

    def load(path, use_pil, label):  # pylint: disable=function-redefined
      return load_image(path, use_pil), label

  if cache:
    slices = (paths, use_pil) if labels is None else (paths, use_pil, labels)
    ds = tf.data.Dataset.from_tensor_slices(slices)
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE).ignore_errors(log_warning=True)
    ds = ds.cache('' if cache == 'memory' else cache)
    if shuffle:
      ds = ds.shuffle(min(count, CACHE_SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)
    return ds.repeat().skip(start)

  seed = tf.constant(seed, tf.int64)
  count_t = tf.constant(count, tf.int64)

  def pick_and_load(i):
    epoch, position = i // count_t, i % count_t
    if shuffle:
      position = tf.random.experimental.index_shuffle(
          position, seed=tf.stack([seed, epoch]), max_index=count_t - 1)
    if labels is None:
      return load(tf.gather(paths, position), tf.gather(use_pil, position))
    return load(tf.gather(paths, position), tf.gather(use_pil, position),
                tf.gather(labels, position))

  ds = tf.data.Dataset.counter(start, dtype=tf.int64)
  ds = ds.map(pick_and_load, num_parallel_calls=tf.data.AUTOTUNE)
  return ds.ignore_errors(log_warning=True)
