"""A folder of images -> tf.data.Dataset of uint8 images [resolution, resolution, 3].

Pipeline: list (recursive, `image_io.list_images`) -> shuffle file names -> read -> decode in
parallel -> centre crop to square -> antialiased resize -> uint8 (`decode.decode_and_resize`).
Shuffling names before decoding gives a full-dataset shuffle without holding decoded images in a
buffer. Grayscale and RGBA decode to RGB (alpha is
dropped); 16-bit PNGs are scaled to 8 bits; GIFs give their first frame. Files that fail to
decode are skipped (`ignore_errors`), so one corrupt file does not end a run.

Images stay uint8 until batching (`pipeline.to_float`) so that caches hold 4x less.
"""

import tensorflow as tf

from tfgan_anime.data import decode


def folder_dataset(files, resolution, shuffle=True, seed=0, cache=None):
  """Decoded uint8 images from a list of files, in an endless (repeated) stream.

  Args:
    files: image paths (see `image_io.list_images`).
    resolution: output side in pixels.
    shuffle: reshuffle every epoch (seeded).
    seed: shuffle seed.
    cache: None, 'memory', or a file path prefix for tf.data's on-disk cache of decoded images.
  """
  ds = tf.data.Dataset.from_tensor_slices(tf.constant(files, dtype=tf.string))
  if shuffle and not cache:
    ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)

  def load(path):
    return decode.decode_and_resize(tf.io.read_file(path), resolution)

  ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
  ds = ds.ignore_errors(log_warning=True)
  if cache:
    ds = ds.cache('' if cache == 'memory' else cache)
    if shuffle:
      ds = ds.shuffle(min(len(files), 10000), seed=seed, reshuffle_each_iteration=True)
  return ds.repeat()
