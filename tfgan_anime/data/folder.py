"""A folder of images -> tf.data.Dataset of uint8 images [resolution, resolution, 3].

Pipeline: list (recursive) -> shuffle file names -> read -> decode in parallel -> centre crop to
square -> antialiased resize -> uint8. Shuffling names before decoding gives a full-dataset
shuffle without holding decoded images in a buffer. Grayscale and RGBA decode to RGB (alpha is
dropped); 16-bit PNGs are scaled to 8 bits; GIFs give their first frame. Files that fail to
decode are skipped (`ignore_errors`), so one corrupt file does not end a run.

Images stay uint8 until batching (`tfgan_anime.data.to_float`) so that caches hold 4x less.
"""

import os

import tensorflow as tf

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp')


def list_image_files(folder):
  """All image files under `folder`, recursively, sorted; extensions in any letter case.

  Raises:
    ValueError: if `folder` is not a directory or holds no image file.
  """
  if not os.path.isdir(folder):
    raise ValueError(f'Data folder not found. Received: data={folder!r}; accepted: a directory '
                     'of images (jpg, jpeg, png, gif, bmp, webp), or synthetic_faces')
  files = []
  for root, dirs, names in os.walk(folder):
    dirs.sort()
    for name in sorted(names):
      if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith('.'):
        files.append(os.path.join(root, name))
  if not files:
    raise ValueError(f'No image files in the data folder. Received: data={folder!r}; accepted: '
                     f'a directory holding files ending in {", ".join(IMAGE_EXTENSIONS)}')
  return files


def decode_and_resize(contents, resolution):
  """Encoded image bytes -> uint8 [resolution, resolution, 3]: centre square crop, antialiased."""
  image = tf.io.decode_image(contents, channels=3, dtype=tf.float32, expand_animations=False)
  height, width = tf.shape(image)[0], tf.shape(image)[1]
  side = tf.minimum(height, width)
  image = tf.image.crop_to_bounding_box(image, (height - side) // 2, (width - side) // 2,
                                        side, side)
  image = tf.image.resize(image, [resolution, resolution], method='bilinear', antialias=True)
  image = tf.clip_by_value(image, 0.0, 1.0)
  image = tf.cast(tf.round(image * 255.0), tf.uint8)
  image.set_shape([resolution, resolution, 3])
  return image


def folder_dataset(files, resolution, shuffle=True, seed=0, cache=None):
  """Decoded uint8 images from a list of files, in an endless (repeated) stream.

  Args:
    files: image paths (see `list_image_files`).
    resolution: output side in pixels.
    shuffle: reshuffle every epoch (seeded).
    seed: shuffle seed.
    cache: None, 'memory', or a file path prefix for tf.data's on-disk cache of decoded images.
  """
  ds = tf.data.Dataset.from_tensor_slices(tf.constant(files, dtype=tf.string))
  if shuffle and not cache:
    ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)

  def load(path):
    return decode_and_resize(tf.io.read_file(path), resolution)

  ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
  ds = ds.ignore_errors(log_warning=True)
  if cache:
    ds = ds.cache('' if cache == 'memory' else cache)
    if shuffle:
      ds = ds.shuffle(min(len(files), 10000), seed=seed, reshuffle_each_iteration=True)
  return ds.repeat()
