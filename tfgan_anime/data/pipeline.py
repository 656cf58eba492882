"""The training input pipeline: a data spec -> batched tensors in [-1, 1].

`make_dataset` is the one entry point for training. A data spec is a folder of images,
`synthetic_faces` (built in, drawn once into a cache folder), or `toy2d:NAME` (2-D points, see
`toy2d.py`).
"""

import dataclasses
import os

import tensorflow as tf

from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import scan
from tfgan_anime.data import synthetic
from tfgan_anime.data import toy2d
from tfgan_anime.errors import UserError

SYNTHETIC_FACES = 'synthetic_faces'


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


def resolve_folder(data, cache_dir=None, synthetic_num_images=10000, seed=0):
  """A data spec -> a folder of images (drawing the synthetic faces once if asked)."""
  if data == SYNTHETIC_FACES:
    return synthetic.ensure_synthetic_faces(synthetic_num_images, seed=seed, cache_dir=cache_dir)
  return data


def to_float(images):
  """uint8 [0, 255] -> float32 [-1, 1]."""
  return tf.cast(images, tf.float32) / 127.5 - 1.0


def group_for_critic(images, batch_size, n_critic):
  """Groups a stream of single samples into training elements [batch_size, n_critic, ...].

  Samples are uint8 images [H, W, C] (converted to float32 in [-1, 1] here) or float32 points
  [D] of the toy data (kept as they are).
  Element [:, i] is the real batch of critic update i: every critic update sees fresh images.
  The batch axis is first so that a strategy's split of the batch axis splits each of the
  n_critic batches across replicas. The remainder is dropped so every batch is full.
  """
  grouped = images.batch(batch_size * n_critic, drop_remainder=True)
  # Swap the two leading axes, whatever the rank of one sample.
  perm = [1, 0] + list(range(2, images.element_spec.shape.rank + 2))

  def arrange(batch):
    shape = tf.shape(batch)
    batch = tf.reshape(batch, tf.concat([[n_critic, batch_size], shape[1:]], axis=0))
    batch = tf.transpose(batch, perm)
    return to_float(batch) if batch.dtype == tf.uint8 else batch

  return grouped.map(arrange, num_parallel_calls=tf.data.AUTOTUNE)


def make_dataset(data, resolution, batch_size, n_critic=1, seed=0, cache=None, cache_dir=None,
                 synthetic_num_images=10000, start_position=0, scan_cache=None, progress=None):
  """The endless training stream and what it was made from.

  Every file is checked first (`scan.scan_folder`): unreadable ones are left out and named in
  the DataInfo, odd ones are routed through PIL.

  Args:
    data: a folder of images, 'synthetic_faces', or 'toy2d:NAME' (then `resolution` and the
      cache options are unused).
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

  Returns:
    (dataset of float32 [batch_size, n_critic, resolution, resolution, 3] in [-1, 1], or
    [batch_size, n_critic, 2] points for toy data, DataInfo)
  Raises:
    UserError: the folder is missing, holds nothing readable, or too few images for one step.
  """
  if toy2d.is_toy(data):
    points = toy2d.toy_dataset(toy2d.parse(data), seed=seed, start=start_position)
    dataset = group_for_critic(points, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
    # The stream is endless: num_images is the nominal epoch that sets steps per epoch.
    return dataset, DataInfo(folder=data, num_images=toy2d.EPOCH_POINTS)
  folder = resolve_folder(data, cache_dir, synthetic_num_images, seed)
  scanned = scan.scan_folder(folder, cache_path=scan_cache, progress=progress)
  if len(scanned.files) < batch_size * n_critic:
    raise UserError(
        f'The data folder holds fewer images than one training step needs (batch_size * '
        f'n_critic = {batch_size * n_critic}). Received: data={data!r} with '
        f'{len(scanned.files)} readable images; accepted: at least {batch_size * n_critic}, or '
        'a smaller --batch_size or --n_critic')
  images = folder_lib.folder_dataset(scanned.files, resolution, shuffle=True, seed=seed,
                                     cache=cache, routes=scanned.routes, start=start_position)
  dataset = group_for_critic(images, batch_size, n_critic).prefetch(tf.data.AUTOTUNE)
  return dataset, DataInfo(folder=scanned.folder, num_images=len(scanned.files),
                           skipped=scanned.skipped, num_pil=scanned.routes.count('pil'),
                           num_checked=scanned.num_checked, changes=scanned.changes)
