"""SavedModel export and load of the generator.

The exported signature is `serving_default(z: float32[None, z_dim]) -> {'images': uint8[None, H,
W, C]}`, C the run's --channels (the generator's last output dimension: 3 for RGB, 1 for gray):
generation needs only TensorFlow, not this package. The signature rejects what it cannot
use with an InvalidArgumentError that says what it expected: a dtype other than float32 (TF's own
check), a z whose shape is not [N, z_dim], and a z holding NaN or Inf (whose images would be
meaningless). Sampling uses the generator in inference mode (batch norm with its moving
statistics), like the sample grids.

The generator's output rank decides the output: an image generator ([B, H, W, C]) gives
`images`, a generator of points ([B, D], the toy MLP) gives `samples: float32[None, D]` as they
are, since points are not pixels and rounding them to uint8 would destroy them.
"""

import os

import numpy as np
import tensorflow as tf

from tfgan_anime import files
from tfgan_anime import images as images_lib
from tfgan_anime.errors import UserError


class _ServableGenerator(tf.Module):

  def __init__(self, generator, z_dim):
    super().__init__()
    self.generator = generator
    self.z_dim = z_dim
    self.serve = tf.function(
        self._serve, input_signature=[tf.TensorSpec([None, z_dim], tf.float32, name='z')])

  def _serve(self, z):
    # The signature declares [None, z_dim], but a concrete function does not check the shape
    # of what it is fed: without this, a wrong z fails deep inside the generator. The test is
    # written on the dynamic size and first dimension because TensorFlow folds anything it can
    # read off the declared shape (the rank, the last dimension) into constants.
    shape = tf.shape(z)
    ok = tf.logical_and(tf.equal(tf.size(z), shape[0] * self.z_dim),
                        tf.reduce_all(tf.equal(shape[-1:], self.z_dim)))
    checks = [
        tf.debugging.Assert(ok, [f'z must be float32 [N, {self.z_dim}]; received shape', shape]),
        tf.debugging.assert_all_finite(z, 'z must be finite (z ~ N(0, I))'),
    ]
    with tf.control_dependencies(checks):
      z = tf.identity(z)
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
  with files.atomic_directory(export_dir) as staging:
    tf.saved_model.save(module, staging, signatures={'serving_default': module.serve})
  return export_dir


class LoadedGenerator:
  """A loaded export: call with z (numpy or tensor [N, z_dim]) to get uint8 images [N, H, W, C]
  (or float32 points [N, D] from a toy export; `output_key` says which: 'images' or 'samples').
  """

  def __init__(self, export_dir):
    if not os.path.isfile(os.path.join(export_dir, 'saved_model.pb')):
      raise UserError(f'No SavedModel found. Received: saved_model={export_dir!r}; accepted: a '
                       'directory written by tfgan_anime.train (<model_dir>/export)')
    self._loaded = tf.saved_model.load(export_dir)
    self._fn = self._loaded.signatures.get('serving_default')
    spec = (self._fn.structured_input_signature[1].get('z')
            if self._fn is not None else None)
    if spec is None or spec.shape.rank != 2 or spec.shape[-1] is None:
      raise UserError(f'The SavedModel has no serving_default(z: float32[None, z_dim]) '
                       f'signature. Received: saved_model={export_dir!r}; accepted: a directory '
                       'written by tfgan_anime.train (<model_dir>/export)')
    self.z_dim = int(spec.shape[-1])
    self.output_key = 'samples' if 'samples' in self._fn.structured_outputs else 'images'

  def __call__(self, z):
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != self.z_dim or z.dtype.kind not in 'fiu':
      raise ValueError(f'z must be a float array [N, {self.z_dim}]. Received: z of shape '
                       f'{z.shape} and dtype {z.dtype}')
    return self._fn(z=tf.constant(z, tf.float32))[self.output_key].numpy()


def load_generator(export_dir):
  return LoadedGenerator(export_dir)
