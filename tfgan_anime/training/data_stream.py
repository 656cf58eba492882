"""The training stream of a run: the data's size, the run's length, and a stream from any image.

Image i of the stream is a function of (seed, i) (data/folder.py; a TFDS split that fits in
memory likewise, data/tfds.py), so a stream started at the position a checkpoint saved reads what
an uninterrupted run would have read next. Images come in --channels (colour to luma, gray tiled).
With --condition each image comes with its labels (data/conditions.py), which ride along.
"""

import contextlib
import os

import keras

from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import pipeline
from tfgan_anime.data import scan
from tfgan_anime.data import tfrecord
from tfgan_anime.training import progress
from tfgan_anime.training import run_dir


def claim_cache(cache):
  """The lock of an on-disk --cache, held until the returned context exits (else a no-op)."""
  if cache in ('', 'memory'):
    return contextlib.nullcontext()
  return contextlib.closing(folder_lib.claim_file_cache(cache))


class DataStream:
  """The run's data (checked once), its length in steps, and streams from a position.

  Attributes:
    info: the pipeline.DataInfo of the latest stream made (number of images, folder, skips).
    policy: how workers split the input: 'FILE' (each reads its own shards) or 'DATA'.
    steps_per_epoch: --steps_per_epoch, or the images // (batch_size * n_critic).
    total_steps: generator steps of the whole run (--train_steps, or --epochs of them).
  """

  def __init__(self, config, workers):
    self.config = config
    self.workers = workers
    # The data's size sets the run's length, which a learning-rate schedule needs at build time;
    # a later stream at a checkpoint's position rechecks nothing (the file check is cached).
    self._first, self.info = self._make(0)
    # Set explicitly, not AUTO: shards are split by file across workers, folders by element.
    self.policy = pipeline.auto_shard_policy(self.info, workers)
    self.steps_per_epoch = (config.steps_per_epoch or
                            max(1, self.info.num_images // (config.batch_size * config.n_critic)))
    self.total_steps = config.train_steps or config.epochs * self.steps_per_epoch

  def at(self, position):
    """The stream from image `position` of the run, with the options of its sharding policy."""
    first, self._first = self._first, None
    if position == 0 and first is not None:
      dataset = first
    else:
      dataset, self.info = self._make(self.shard_position(position))
    return dataset.with_options(tfrecord.dataset_options(self.policy))

  def shard_position(self, position):
    """Where this worker's stream starts when the run has consumed `position` images.

    With FILE each worker reads its own shards and consumes 1/workers of the images of a step,
    so it skips its share of the position: exact from a step that is a multiple of workers (a
    worker's element spans that many steps; training_distribute_test checks it).
    """
    return position // self.workers if self.policy == 'FILE' else position

  def _make(self, start_position):
    config = self.config
    # tf.data's seeded shuffles of TFRecord shards also depend on TensorFlow's global seed;
    # build_gan sets it too, so every stream of the run (first or resumed) sees the same one.
    keras.utils.set_random_seed(config.seed)
    return pipeline.make_dataset(
        config.data, config.resolution, config.batch_size, config.n_critic, seed=config.seed,
        cache=config.cache or None, cache_dir=config.cache_dir or None,
        synthetic_num_images=config.synthetic_num_images, start_position=start_position,
        scan_cache=run_dir.data_scan_path(config.model_dir),
        progress=progress.ProgressBar('checking images'), channels=config.channels,
        tfds_data_dir=config.tfds_data_dir or None, condition=config.condition,
        label_policy=config.label_policy, tags_file=config.tags_file or None)

  def describe(self, log):
    """Logs the data, what its check left out or routed through PIL, and the run's length."""
    info, model_dir = self.info, self.config.model_dir
    if info.changes and any(info.changes.values()):
      log(f'Data: since the last check, {info.changes["new"]} files are new, '
          f'{info.changes["changed"]} changed and {info.changes["removed"]} removed; the data '
          'order differs from the earlier run from here on.')
    if info.skipped:
      log(f'Data: skipped {len(info.skipped)} unreadable files of '
          f'{info.num_images + len(info.skipped)}: {scan.describe_skipped(info.skipped)}. '
          f'All are listed in {os.path.join(model_dir, "data_scan.json")}.')
    if info.num_pil:
      log(f'Data: {info.num_pil} images in odd formats or modes (CMYK, 16-bit, alpha, palette, '
          'GIF, BMP, WebP, rotated) are decoded with PIL.')
    log(f'Data: {info.num_images} images in {info.folder}; {self.steps_per_epoch} steps per '
        f'epoch; {self.total_steps} steps in all.')
    if info.labels is not None:
      log(f'Data: {info.labels.describe()}')

  @property
  def labels(self):
    """The conditions.LabelTable of a run with --condition (its images' labels), else None."""
    return self.info.labels
