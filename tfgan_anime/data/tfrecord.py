"""TFRecord shards of images: a writer for prepare_data and a tf.data reader.

Each record is a `tf.train.Example` with

  image/encoded          bytes  the file's own bytes when TensorFlow's decoder
                                gives the same RGB pixels as pil_images.load_rgb
                                (8-bit RGB or gray JPEG/PNG, upright, no alpha);
                                otherwise a lossless PNG of load_rgb's output
  image/format           bytes  b'jpeg' or b'png'
  image/height, /width   int64  size of image/encoded
  image/raw              bytes  encode='uint8' only: [R, R, 3] uint8, already
                                centre-cropped and resized
  image/raw_resolution   int64  R of image/raw (0 when absent)

Cropping and resizing is one function, `decode.center_crop_and_resize`: the largest
centred square, then `tf.image.resize(method='bilinear', antialias=True)`. The
writer (for image/raw, rounded by `decode.square_uint8`), the reader (for
image/encoded) and the folder pipeline all call it, so a record reads back the
same either way, up to the uint8 rounding of image/raw.
"""

import glob
import io
import os

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import files
from tfgan_anime import images as images_lib
from tfgan_anime.data import decode
from tfgan_anime.data import scan
from tfgan_anime.errors import UserError

ENCODE_MODES = ('jpeg_bytes', 'uint8')
AUTO_SHARD_POLICIES = ('FILE', 'DATA', 'OFF')

FEATURES = {
    'image/encoded': tf.io.FixedLenFeature([], tf.string),
    'image/format': tf.io.FixedLenFeature([], tf.string),
    'image/height': tf.io.FixedLenFeature([], tf.int64),
    'image/width': tf.io.FixedLenFeature([], tf.int64),
    'image/raw': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'image/raw_resolution': tf.io.FixedLenFeature([], tf.int64, default_value=0),
}

# Records parsed together by tf.io.parse_example. The lab measured batched
# parsing at 9,100 img/s against 3,900 for one record at a time.
PARSE_BATCH_SIZE = 128
# Shards read at once (one open file and its read buffer each).
MAX_OPEN_SHARDS = 64


def shard_name(prefix, index, num_shards):
  """'prefix-00003-of-00008.tfrecord'."""
  return f'{prefix}-{index:05d}-of-{num_shards:05d}.tfrecord'


def _check_resolution(resolution):
  if (isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer))
      or resolution < 1):
    raise ValueError(
        f'resolution must be a positive int (pixels per side). '
        f'Received: resolution={resolution!r}')


def _png_bytes(pixels):
  buffer = io.BytesIO()
  Image.fromarray(pixels).save(buffer, 'PNG')
  return buffer.getvalue()


def _encode_one(item):
  """An image path or array -> (encoded bytes, format, uint8 RGB pixels)."""
  if isinstance(item, np.ndarray):
    pixels = item
    if pixels.ndim == 2:
      pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
      raise ValueError(
          f'Image arrays must be uint8 [H, W, 3] or [H, W]. '
          f'Received: array of dtype={item.dtype} shape={item.shape}')
    return _png_bytes(pixels), 'png', pixels
  path = os.fspath(item)
  # The data check's judgement (scan.check_bytes): the same files are readable, and the
  # route it gives training decides what the record stores.
  check = scan.check_file(path, decode=True)
  if check.route is None:
    raise UserError(
        f'Cannot decode the image (run prepare_data --check to find such '
        f'files). Received: path={path!r} ({check.reason})')
  if check.route == 'tf':
    return check.data, check.info['format'].lower(), check.pixels
  return _png_bytes(check.pixels), 'png', check.pixels


def _bytes_feature(value):
  return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _int_feature(value):
  return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))


def make_example(item, resolution=None):
  """One image path or uint8 array -> tf.train.Example (see module docstring).

  With `resolution`, image/raw holds the [resolution, resolution, 3] uint8
  crop-and-resize of the image.
  """
  encoded, image_format, pixels = _encode_one(item)
  feature = {
      'image/encoded': _bytes_feature(encoded),
      'image/format': _bytes_feature(image_format.encode()),
      'image/height': _int_feature(pixels.shape[0]),
      'image/width': _int_feature(pixels.shape[1]),
  }
  if resolution is not None:
    raw = decode.square_uint8(pixels, resolution).numpy()
    feature['image/raw'] = _bytes_feature(raw.tobytes())
    feature['image/raw_resolution'] = _int_feature(resolution)
  return tf.train.Example(features=tf.train.Features(feature=feature))


def write_shards(image_paths_or_arrays, out_dir, num_shards, resolution=None,
                 encode='jpeg_bytes', prefix='images', progress=None):
  """Writes images into `num_shards` TFRecord files in `out_dir`.

  Shard k holds the k-th contiguous slice of the input, in input order
  (shuffle the list first to mix sources); the reader interleaves shards.
  Each shard is written under a temporary name and renamed into place
  (files.atomic_write), so a shard file that exists is complete.

  Args:
    image_paths_or_arrays: sequence of image file paths and/or uint8 arrays
      [H, W, 3] or [H, W]. Every path must pass the data check (scan.check_bytes).
    out_dir: created if needed; nothing outside it is written.
    num_shards: number of files, 1 <= num_shards <= number of images.
    resolution: side of image/raw; required for encode='uint8', and only
      accepted then.
    encode: 'jpeg_bytes' (encoded image only: the original file bytes where
      TensorFlow reads them the same, else PNG) or 'uint8' (also image/raw,
      pre-resized, so the reader skips decoding and resizing).
    prefix: shard file names are prefix-00000-of-00008.tfrecord.
    progress: optional callable, called as progress(done, total) after each
      image.
  Returns:
    The shard paths, in order.
  Raises:
    UserError: an unreadable image, more shards than images, a prefix that is not a
      file name, or stale shards with this prefix and another shard count in out_dir.
    ValueError: an unknown encode, or a resolution that does not fit it.
  """
  items = list(image_paths_or_arrays)
  if encode not in ENCODE_MODES:
    raise ValueError(f'encode must be one of {ENCODE_MODES}. Received: encode={encode!r}')
  if encode == 'uint8':
    _check_resolution(resolution)
  elif resolution is not None:
    raise ValueError(
        f"resolution is only used with encode='uint8' (which stores pre-resized "
        f"pixels); leave it None for encode='jpeg_bytes'. Received: resolution={resolution!r}")
  if not items:
    raise UserError('There are no images to write. Received: image_paths_or_arrays=[]')
  if (isinstance(num_shards, bool) or not isinstance(num_shards, (int, np.integer))
      or not 1 <= num_shards <= len(items)):
    raise UserError(
        f'num_shards must be an int in [1, {len(items)}] (the number of images). '
        f'Received: num_shards={num_shards!r}')
  if not prefix or os.sep in prefix or (os.altsep and os.altsep in prefix):
    raise UserError(f'prefix must be a plain file name part. Received: prefix={prefix!r}')

  os.makedirs(out_dir, exist_ok=True)
  names = [shard_name(prefix, k, num_shards) for k in range(num_shards)]
  pattern = os.path.join(glob.escape(out_dir), f'{glob.escape(prefix)}-?????-of-?????.tfrecord')
  stale = sorted(set(os.path.basename(p) for p in glob.glob(pattern)) - set(names))
  if stale:
    raise UserError(
        f'out_dir holds shards of another write with the same prefix; remove '
        f'them or pick another prefix. Received: out_dir={out_dir!r} holding {stale[:3]}')

  paths = []
  written = 0
  for name, indices in zip(names, np.array_split(np.arange(len(items)), num_shards)):
    final_path = os.path.join(out_dir, name)
    # TFRecordWriter takes a path: it writes the temporary file that atomic_write renames.
    with files.atomic_write(final_path, 'wb') as temp, tf.io.TFRecordWriter(temp.name) as writer:
      for i in indices:
        example = make_example(items[i], resolution if encode == 'uint8' else None)
        writer.write(example.SerializeToString())
        written += 1
        if progress is not None:
          progress(written, len(items))
    paths.append(final_path)
  return paths


def parse_batch(serialized):
  """Parses a batch of serialized Examples: [N] string -> dict of [N] tensors."""
  return tf.io.parse_example(serialized, FEATURES)


def decode_features(features, resolution):
  """One parsed record -> float32 [resolution, resolution, 3] in [-1, 1].

  Uses image/raw when it was written at this resolution, else decodes
  image/encoded, centre-crops and resizes (center_crop_and_resize).
  """
  def from_raw():
    raw = tf.io.decode_raw(features['image/raw'], tf.uint8)
    return tf.cast(tf.reshape(raw, [resolution, resolution, 3]), tf.float32)

  def from_encoded():
    image = decode.decode_rgb(features['image/encoded'])
    return decode.center_crop_and_resize(image, resolution)

  use_raw = tf.equal(features['image/raw_resolution'], resolution)
  pixels = tf.cond(use_raw, from_raw, from_encoded)
  # For image/raw (uint8 values) the clip changes nothing: x / 127.5 - 1 of 0..255 is in
  # [-1, 1]. The encoded branch is not rounded to uint8, and the antialiased resize can land a
  # float ulp past 255 (255.0001), hence the clip.
  return tf.clip_by_value(images_lib.from_uint8(pixels), -1.0, 1.0)


def decode_features_uint8(features, resolution):
  """One parsed record -> uint8 [resolution, resolution, 3], as the folder pipeline gives."""
  def from_raw():
    raw = tf.io.decode_raw(features['image/raw'], tf.uint8)
    return tf.reshape(raw, [resolution, resolution, 3])

  def from_encoded():
    return decode.decode_and_resize(features['image/encoded'], resolution)

  use_raw = tf.equal(features['image/raw_resolution'], resolution)
  return tf.cond(use_raw, from_raw, from_encoded)


def read_shards(file_pattern, resolution, *, shuffle_files=True, seed=None, dtype='float32'):
  """A dataset of the images in TFRecord shards written by write_shards.

  list_files -> interleave(TFRecordDataset) -> batch -> parse_example ->
  decode (crop, resize) -> unbatch; a batch whose records all hold image/raw
  at this resolution is decoded by one op. Shuffling records (and batching, repeating,
  prefetching) is the caller's business; apply dataset_options(...) for
  distributed input.

  Args:
    file_pattern: a glob or a list of globs, e.g. 'data/images-*.tfrecord'.
    resolution: output side in pixels.
    shuffle_files: visit the shards in a random order (reshuffled each epoch).
    seed: makes the file order and the interleaving reproducible. Without a
      seed and with shuffle_files, element order is not deterministic (faster).
    dtype: 'float32' for values in [-1, 1], or 'uint8' for [0, 255] pixels
      (rounded as the folder pipeline rounds them), which a cache holds in 4x
      less memory.
  Returns:
    tf.data.Dataset of [resolution, resolution, 3] images of `dtype`.
  Raises:
    ValueError: no file matches, or a bad resolution.
  """
  _check_resolution(resolution)
  if dtype not in ('float32', 'uint8'):
    raise ValueError(f"dtype must be 'float32' or 'uint8'. Received: dtype={dtype!r}")
  patterns = [file_pattern] if isinstance(file_pattern, (str, os.PathLike)) else list(file_pattern)
  patterns = [os.fspath(p) for p in patterns]
  num_files = sum(len(tf.io.gfile.glob(p)) for p in patterns)
  if not num_files:
    raise ValueError(f'No TFRecord file matches. Received: file_pattern={file_pattern!r}')
  deterministic = (not shuffle_files) or seed is not None
  files = tf.data.Dataset.list_files(patterns, shuffle=shuffle_files, seed=seed)
  # Records round-robin over up to MAX_OPEN_SHARDS files, so that any stretch of the output
  # mixes many shards even when the files come in a fixed order.
  records = files.interleave(tf.data.TFRecordDataset,
                             cycle_length=min(num_files, MAX_OPEN_SHARDS),
                             num_parallel_calls=tf.data.AUTOTUNE,
                             deterministic=deterministic)
  decode_fn = decode_features if dtype == 'float32' else decode_features_uint8

  def parse_and_decode(serialized):
    features = parse_batch(serialized)

    def all_raw():
      # One op for the whole batch: 2-3x the images/s of one record at a time.
      raw = tf.io.decode_raw(features['image/raw'], tf.uint8)
      images = tf.reshape(raw, [-1, resolution, resolution, 3])
      return images if dtype == 'uint8' else images_lib.from_uint8(images)

    def one_by_one():
      return tf.map_fn(lambda one: decode_fn(one, resolution), features,
                       fn_output_signature=tf.TensorSpec([resolution, resolution, 3], dtype))

    use_raw = tf.reduce_all(tf.equal(features['image/raw_resolution'], resolution))
    return tf.cond(use_raw, all_raw, one_by_one)

  return records.batch(PARSE_BATCH_SIZE).map(
      parse_and_decode, num_parallel_calls=tf.data.AUTOTUNE,
      deterministic=deterministic).unbatch()


def dataset_options(auto_shard='FILE'):
  """tf.data.Options with the auto-shard policy set explicitly.

  Args:
    auto_shard: 'FILE' (each worker reads its own shards; needs at least as
      many shards as workers), 'DATA' (every worker reads everything and keeps
      its share of the elements) or 'OFF' (every worker sees all data).
      Any letter case.
  """
  policy = str(auto_shard).upper()
  if policy not in AUTO_SHARD_POLICIES:
    raise ValueError(
        f'auto_shard must be one of {AUTO_SHARD_POLICIES}. Received: auto_shard={auto_shard!r}')
  options = tf.data.Options()
  options.experimental_distribute.auto_shard_policy = getattr(
      tf.data.experimental.AutoShardPolicy, policy)
  return options
