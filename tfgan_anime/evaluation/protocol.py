"""What an evaluation compares: real images of a folder (or of a prepared TFDS split,
`TfdsRealData`) and generated samples, both uint8.

Real images are a seeded selection of the folder's readable files, decoded as training decodes
them (`RealData`), in the generator's channels (`match_channels`: luma for a gray run); generated samples come from seeded z (`latent.sample`) through an export or
an in-memory generator (`generate`). The package docstring states the protocol and why.
"""

import numpy as np
import tensorflow as tf

from tfgan_anime import images as images_lib
from tfgan_anime.data import decode
from tfgan_anime.data import folder as folder_lib
from tfgan_anime.data import scan
from tfgan_anime.data import spec as spec_lib
from tfgan_anime.errors import UserError

# The evaluation during training draws its z from seed + this offset, so that they are not the
# sample grid's z (which uses the run's seed itself).
TRAINING_Z_SEED_OFFSET = 7919


class RealData:
  """The readable images of a folder, each decoded as training decodes it.

  Files are checked and routed by `scan.scan_folder` (unreadable ones left out; odd formats
  through PIL), as `pipeline.make_dataset` does, so the real images measured are the ones
  training saw. A selection is the first `num` files after `offset` of a seeded permutation of
  the sorted readable files: disjoint for disjoint ranges, the same for the same seed.
  """

  def __init__(self, folder, scan_cache=None):
    scanned = scan.scan_folder(folder, cache_path=scan_cache)
    self.folder = scanned.folder
    self.files = scanned.files
    self._routes = dict(zip(scanned.files, scanned.routes))

  def select(self, num, seed=0, offset=0):
    """`num` paths: items [offset, offset + num) of the seeded permutation.

    Raises UserError naming --num_samples (the evaluate binary's flag) when the folder holds
    fewer than offset + num readable images; the training evaluator sizes its request first.
    """
    _check_enough(self.folder, len(self.files), num, offset, 'readable images')
    order = np.random.default_rng(seed).permutation(len(self.files))[offset:offset + num]
    return [self.files[i] for i in order]

  def load(self, files, resolution):
    """uint8 [len(files), resolution, resolution, 3] of some of `self.files`."""
    return images_from_files(files, resolution, [self._routes[f] for f in files])

  def images(self, resolution, num, seed=0, offset=0):
    """uint8 [num, resolution, resolution, 3]: `load` of `select(num, seed, offset)`."""
    return self.load(self.select(num, seed, offset), resolution)


def _check_enough(source, count, num, offset, what):
  """Raises UserError naming --num_samples (the evaluate binary's flag) when `source` holds
  fewer than offset + num images; the training evaluator sizes its request first."""
  if count < offset + num:
    # offset is 0, or num for the second half of real-vs-real.
    most = count // 2 if offset else count
    raise UserError(f'Not enough images for the evaluation: it needs {offset + num} '
                    f'({"two halves of " if offset else ""}--num_samples={num}). Received: '
                    f'{source!r} with {count} {what}; accepted: --num_samples <= {most}')


class TfdsRealData:
  """The examples of a prepared TFDS split (--data=tfds:NAME[/CONFIG][:SPLIT]), as RealData is
  a folder's.

  Decoded as training decodes them (`data/tfds.image_stream`: centre square crop, antialiased
  resize, uint8), in the data set's own channels (1 for MNIST; `match_channels` gives a run's).
  A selection is samples [offset, offset + num) of `image_stream` with the selection's seed,
  whose first N samples are a seeded permutation of the split's N examples (held in memory):
  disjoint for disjoint ranges, the same for the same seed. A split too big for memory is read
  through TFDS's seeded shuffle buffer instead, where the first N samples are a seeded order of
  the split only within the buffer's reach. Nothing is downloaded: a set that is not prepared is
  refused in one line (`tfds.open_builder`).

  Attributes:
    folder: 'tfds:SPEC (the builder's data dir)', the name the results and the real-statistics
      cache use.
    files: range(number of examples), for the code that counts a folder's files (read once).
  """

  def __init__(self, spec, data_dir=None, resolution=32):
    from tfgan_anime.data import tfds as tfds_lib  # pylint: disable=g-import-not-at-top
    self._tfds = tfds_lib
    builder, _ = tfds_lib.open_builder(spec, data_dir or None)
    image_key, _ = tfds_lib.find_features(builder.info.features)
    self.channels = int(builder.info.features[image_key].shape[-1])
    self.spec = spec
    self.data_dir = data_dir or None
    self.folder = f'{spec} ({builder.data_dir})'
    self._resolution = resolution
    self._count = None

  @property
  def files(self):
    if self._count is None:
      _, info = self._tfds.image_stream(self.spec, self._resolution, self.channels,
                                        data_dir=self.data_dir)
      self._count = info.num_examples
    return range(self._count)

  def images(self, resolution, num, seed=0, offset=0):
    """uint8 [num, resolution, resolution, C] (C the data set's channels)."""
    stream, info = self._tfds.image_stream(self.spec, resolution, self.channels, seed=seed,
                                           start=offset, data_dir=self.data_dir)
    self._count = info.num_examples
    _check_enough(self.folder, info.num_examples, num, offset, 'examples')
    batches = stream.take(num).batch(1024)
    return np.concatenate([batch.numpy() for batch in batches]).astype(np.uint8)


def open_real_data(data, folder, scan_cache=None, tfds_data_dir=None, resolution=32):
  """The real data of an evaluation: TfdsRealData for a `tfds:` spec, else RealData(folder)."""
  if spec_lib.is_tfds(data):
    return TfdsRealData(data, tfds_data_dir, resolution)
  return RealData(folder, scan_cache)


def real_images(folder, resolution, num, seed=0, offset=0, scan_cache=None):
  """uint8 [num, resolution, resolution, 3]: a seeded selection of `folder` (see RealData)."""
  return RealData(folder, scan_cache).images(resolution, num, seed, offset)


def images_from_files(files, resolution, routes=None):
  """uint8 [len(files), resolution, resolution, 3] through the training decode path
  (`folder.folder_dataset`: centre square crop, antialiased resize; routes as from the scan)."""
  dataset = folder_lib.folder_dataset(files, resolution, shuffle=False, routes=routes)
  dataset = dataset.take(len(files)).batch(500)
  return np.concatenate([batch.numpy() for batch in dataset]).astype(np.uint8)


def match_channels(images, channels):
  """uint8 [N, H, W, C] -> uint8 [N, H, W, channels], numpy: colour to luma, gray tiled to RGB.

  The conversion training applies to its data (`decode.convert_channels`), so that the real
  images of a gray run are measured as the run saw them; unchanged when C == channels.
  """
  images = np.asarray(images)
  if images.shape[-1] == channels:
    return images
  return decode.convert_channels(images, channels).numpy()


def generate(generator_fn, z, batch_size=250, labels=None):
  """Concatenated `generator_fn(z_batch)` (numpy outputs) over z [N, z_dim] in batches; with
  labels int [N, G] (a tag-conditional generator), `generator_fn(z_batch, labels_batch)`."""
  if labels is None:
    outputs = [np.asarray(generator_fn(z[i:i + batch_size])) for i in range(0, len(z), batch_size)]
  else:
    outputs = [np.asarray(generator_fn(z[i:i + batch_size], labels[i:i + batch_size]))
               for i in range(0, len(z), batch_size)]
  return np.concatenate(outputs)


def generated_images(generator, z, batch_size=250, labels=None):
  """uint8 [N, H, W, 3] of an in-memory generator (float output in [-1, 1]) for z [N, z_dim]:
  `images.to_uint8`, the export's own conversion, so that both give the same pixels. With labels
  int [N, G], a tag-conditional generator called as generator([z, labels])."""
  if labels is None:
    return generate(
        lambda zb: images_lib.to_uint8(generator(tf.constant(zb), training=False)).numpy(), z,
        batch_size)
  return generate(
      lambda zb, lb: images_lib.to_uint8(generator(
          [tf.constant(zb), tf.constant(lb, tf.int32)], training=False)).numpy(), z, batch_size,
      labels)


def generated_points(generator, z, batch_size=250):
  """float32 [N, D] of an in-memory toy generator for z [N, z_dim]."""
  return generate(lambda zb: generator(tf.constant(zb), training=False).numpy(), z, batch_size)
