"""SavedModel export and load of the generator.

The exported signature is `serving_default(z: float32[None, z_dim]) -> {'images': uint8[None, H,
W, 3]}`: generation needs only TensorFlow, not this package. Sampling uses the generator in
inference mode (batch norm with its moving statistics), like the sample grids.

The generator's output rank decides the output: an image generator ([B, H, W, C]) gives
`images`, a generator of points ([B, D], the toy MLP) gives `samples: float32[None, D]` as they
are, since points are not pixels and rounding them to uint8 would destroy them.
"""

import os
import shutil
import tempfile

import tensorflow as tf

from tfgan_anime import images as images_lib


class _ServableGenerator(tf.Module):

  def __init__(self, generator, z_dim):
    super().__init__()
    self.generator = generator
    self.serve = tf.function(
        self._serve, input_signature=[tf.TensorSpec([None, z_dim], tf.float32, name='z')])

  def _serve(self, z):
    outputs = self.generator(z, training=False)
    if outputs.shape.rank == 2:
      return {'samples': tf.cast(outputs, tf.float32)}
    return {'images': images_lib.to_uint8(outputs)}


def export_generator(generator, export_dir):
  """Saves `generator` as a SavedModel at `export_dir`.

  `generator` maps z [B, z_dim] to images [B, H, W, C] in [-1, 1] (exported as uint8 `images`)
  or to points [B, D] (exported as float32 `samples`).

  It is written beside `export_dir` and renamed into place, so a crash never leaves a
  half-written export; an existing export is replaced only once the new one is complete.
  """
  z_dim = generator.input_shape[-1]
  module = _ServableGenerator(generator, z_dim)
  parent = os.path.dirname(os.path.abspath(export_dir))
  os.makedirs(parent, exist_ok=True)
  staging = tempfile.mkdtemp(prefix='.export_', dir=parent)
  try:
    tf.saved_model.save(module, staging, signatures={'serving_default': module.serve})
    if os.path.exists(export_dir):
      old = tempfile.mkdtemp(prefix='.export_old_', dir=parent)
      os.rename(export_dir, os.path.join(old, 'x'))
      os.rename(staging, export_dir)
      shutil.rmtree(old)
    else:
      os.rename(staging, export_dir)
  finally:
    if os.path.isdir(staging):
      shutil.rmtree(staging)
  return export_dir


class LoadedGenerator:
  """A loaded export: call with z (numpy or tensor [N, z_dim]) to get uint8 images [N, H, W, 3]
  (or float32 points [N, D] from a toy export; `output_key` says which: 'images' or 'samples').
  """

  def __init__(self, export_dir):
    if not os.path.isfile(os.path.join(export_dir, 'saved_model.pb')):
      raise ValueError(f'No SavedModel found. Received: saved_model={export_dir!r}; accepted: a '
                       'directory written by tfgan_anime.train (<model_dir>/export)')
    self._loaded = tf.saved_model.load(export_dir)
    self._fn = self._loaded.signatures['serving_default']
    self.z_dim = int(self._fn.structured_input_signature[1]['z'].shape[-1])
    self.output_key = 'samples' if 'samples' in self._fn.structured_outputs else 'images'

  def __call__(self, z):
    return self._fn(z=tf.convert_to_tensor(z, tf.float32))[self.output_key].numpy()


def load_generator(export_dir):
  return LoadedGenerator(export_dir)
