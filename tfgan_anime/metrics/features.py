"""Feature extractors for FID / KID / IS / precision-recall, from local weight files only.

Nothing here downloads anything. Two extractors:

* `InceptionGraphExtractor`: the 2015 TF Inception graph `classify_image_graph_def.pb` from
  inception-2015-12-05.tgz, the network of the TTUR FID code (Heusel et al. 2017) and the
  improved-gan IS code (Salimans et al. 2016). Features are `pool_3:0` (2048-d); logits are
  pool_3 times the weights of `softmax/logits/MatMul` (1008 classes) *without* the bias, as the
  IS reference code computes them. Only numbers from this extractor, with the protocol below, are
  comparable with published FIDs.
* `KerasInceptionV3Extractor`: `keras.applications.InceptionV3` with weights from a local `.h5`
  (avg_pool features, 2048-d; 1000-class logits). Its weights were trained separately from the
  2015 graph, so its FIDs are NOT comparable with published ones; it warns when built.

One preprocessing protocol for real and generated images (`preprocess_for_features`):

1. Quantise to uint8: float images in [-1, 1] become round((x + 1) * 127.5) clipped to [0, 255];
   uint8 images pass through. Generated images are evaluated exactly as they would be saved as
   PNG files, and real images as they were decoded. Generated images are never JPEG-encoded.
2. Resize to 299 x 299 with bilinear interpolation, no antialiasing, legacy pixel alignment
   (`ResizeBilinear` with align_corners=False, half_pixel_centers=False), kept in float (no
   second rounding). This is the `ResizeBilinear` op inside the 2015 graph, which the TTUR code
   relied on by feeding images at their own size, so this module's resize followed by the graph's
   (now an identity at 299) reproduces that protocol.

Gray images (a --channels=1 run, e.g. MNIST) are tiled to three equal channels before step 2,
since both networks take RGB: real and generated alike, so FID, KID, IS and precision/recall
compare gray with gray, but they are ImageNet features of gray pictures, not numbers comparable
with colour results. SWD (swd.py) needs no such step: it works on any number of channels.

Why it matters: Parmar et al. 2022, "On Aliased Resizing and Surprising Subtleties in GAN
Evaluation" (CVPR, arXiv:2104.11222), show FID moving by several points with the resize filter and
library and with JPEG quality of the stored images. The only safe comparison is the same protocol
on both sides, which is why real and generated images go through this one function. Bilinear
without antialiasing aliases when it *downsamples*; our images (32-128 px) are only ever
upsampled to 299, where it does not. Feed real images at the generator's resolution (the output
of the training data pipeline), not at their original size.
"""

import hashlib
import logging
import os
import warnings

import numpy as np
import tensorflow as tf

from tfgan_anime import images as images_lib
from tfgan_anime.errors import UserError

INCEPTION_2015_URL = ('http://download.tensorflow.org/models/image/imagenet/'
                      'inception-2015-12-05.tgz')
INCEPTION_2015_FILENAME = 'classify_image_graph_def.pb'
# No published SHA-256 of classify_image_graph_def.pb could be found (searched code, issues and
# docs for the file name and the tgz). Rather than invent one, the default skips the check and
# logs the file's hash so a user can pin it with expected_sha256=... after a trusted download.
INCEPTION_2015_SHA256 = None
# Tensor and op names inside the 2015 graph (TTUR fid.py, improved-gan inception_score/model.py).
INCEPTION_2015_INPUT = 'ExpandDims:0'  # float32 [1, H, W, 3] in [0, 255], before ResizeBilinear
INCEPTION_2015_POOL = 'pool_3:0'  # [N, 1, 1, 2048]
INCEPTION_2015_LOGITS_MATMUL = 'softmax/logits/MatMul'  # inputs[1]: [2048, 1008] weights

KERAS_INCEPTION_V3_URL = ('https://storage.googleapis.com/tensorflow/keras-applications/'
                          'inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5')
# The MD5 that keras.applications.InceptionV3 checks for this file (keras/src/applications/
# inception_v3.py, `file_hash=`); Keras publishes MD5, not SHA-256, for it.
KERAS_INCEPTION_V3_MD5 = '9a0d58056eeedaa3f26cb7ebd46da564'

INCEPTION_SIZE = 299
# Bump when preprocess_for_features changes: cached statistics depend on it.
PREPROCESS_VERSION = 'u8-bilinear-legacy-v1'


def file_hash(path, algorithm='sha256'):
  """Hex digest of a file, read in 1 MiB chunks."""
  digest = hashlib.new(algorithm)
  with open(path, 'rb') as f:
    for chunk in iter(lambda: f.read(1 << 20), b''):
      digest.update(chunk)
  return digest.hexdigest()


def _check_hash(path, expected, algorithm, url):
  actual = file_hash(path, algorithm)
  if expected is None:
    logging.warning('Not verifying %s (no expected %s given); its %s is %s. Pin it with '
                    'expected_%s=%r.', path, algorithm, algorithm, actual, algorithm, actual)
  elif actual != expected.lower():
    raise UserError(
        f'{algorithm.upper()} mismatch for the weights file. Received: path={path!r} with '
        f'{algorithm}={actual}; expected {algorithm}={expected}. The file is corrupt or a '
        f'different version: download it again from {url}, or pass expected_{algorithm}=None '
        'to skip the check.')
  return actual


def _to_numpy(images):
  if isinstance(images, tf.Tensor):
    return images.numpy()
  return np.asarray(images)


def quantize_to_uint8(images):
  """uint8 [N, H, W, C] from uint8 or float images in [-1, 1] (`images.to_uint8`: round to
  nearest, clip to [0, 255]), a numpy array; the range is checked first."""
  images = _to_numpy(images)
  if images.dtype == np.uint8:
    return images
  if not np.issubdtype(images.dtype, np.floating):
    raise ValueError('`images` must be uint8 in [0, 255] or float in [-1, 1]. '
                     f'Received: images.dtype={images.dtype}')
  if images.size:
    low, high = float(np.min(images)), float(np.max(images))
    # A little slack for float error in a tanh output; [0, 255] floats are a caller's mistake.
    if not (np.isfinite(low) and np.isfinite(high)) or low < -1.01 or high > 1.01:
      raise ValueError('Float `images` must be in [-1, 1] (convert [0, 255] images to uint8 '
                       f'first). Received: images in [{low:.4g}, {high:.4g}]')
  return images_lib.to_uint8(images).numpy()


def preprocess_for_features(images, size=INCEPTION_SIZE):
  """The one protocol for real and generated images (see the module docstring).

  Args:
    images: [N, H, W, C] (or [H, W, C]) uint8 in [0, 255] or float in [-1, 1]; C is 1 or 3
      (grey images are repeated to 3 channels). numpy array or tf.Tensor.
    size: network input side (299 for both Inception extractors).

  Returns:
    float32 numpy array [N, size, size, 3] with values in [0, 255].
  """
  images = quantize_to_uint8(images)
  if images.ndim == 3:
    images = images[np.newaxis]
  if images.ndim != 4 or images.shape[-1] not in (1, 3):
    raise ValueError('`images` must be [N, H, W, C] with C in {1, 3}. '
                     f'Received: images.shape={images.shape}')
  if images.shape[-1] == 1:
    images = np.repeat(images, 3, axis=-1)
  resized = tf.raw_ops.ResizeBilinear(
      images=tf.constant(images), size=[size, size], align_corners=False,
      half_pixel_centers=False)
  return resized.numpy()


class InceptionGraphExtractor:
  """The 2015 TF Inception graph: float images [N, 299, 299, 3] in [0, 255] -> (pool, logits).

  Loads a GraphDef with `tf.compat.v1.GraphDef` and imports it inside `tf.compat.v1.wrap_function`
  with `input_map` replacing `ExpandDims:0` by a [None, None, None, 3] float32 input, so the batch
  dimension is free (the frozen graph hard-codes batch 1 in `pool_3/_reshape` and `softmax`, which
  are therefore not used: logits are recomputed from pool_3). Any GraphDef with the same tensor
  names works, which is how the tests exercise this class with a tiny graph.

  Attributes:
    sha256: hex SHA-256 of the graph file (part of the statistics cache key).
    feature_dim, num_classes: 2048 and 1008 for the real graph.
    image_size: 299.
  """

  name = 'inception2015'
  image_size = INCEPTION_SIZE

  def __init__(self, graph_path, expected_sha256=INCEPTION_2015_SHA256):
    """Args: graph_path: the .pb file, or a folder holding classify_image_graph_def.pb.
    expected_sha256: hex digest to verify, or None to skip (logs the actual hash)."""
    path = os.fspath(graph_path)
    if os.path.isdir(path):
      path = os.path.join(path, INCEPTION_2015_FILENAME)
    if not os.path.isfile(path):
      raise UserError(
          f'Inception graph not found. Received: graph_path={os.fspath(graph_path)!r}. '
          f'Download {INCEPTION_2015_URL}, extract {INCEPTION_2015_FILENAME} from it and pass '
          f'its path with --inception_graph=/path/to/{INCEPTION_2015_FILENAME} '
          '(this package never downloads it).')
    self.sha256 = _check_hash(path, expected_sha256, 'sha256', INCEPTION_2015_URL)
    graph_def = tf.compat.v1.GraphDef()
    with open(path, 'rb') as f:
      try:
        graph_def.ParseFromString(f.read())
      except Exception as e:  # protobuf's DecodeError has no stable import path
        raise UserError(f'Not a GraphDef file. Received: graph_path={path!r}') from e
    names = {node.name for node in graph_def.node}
    for tensor in (INCEPTION_2015_INPUT, INCEPTION_2015_POOL, INCEPTION_2015_LOGITS_MATMUL):
      if tensor.split(':')[0] not in names:
        raise UserError(f'The graph has no {tensor!r}; expected the 2015 Inception graph from '
                         f'{INCEPTION_2015_URL}. Received: graph_path={path!r}')

    def _features_and_logits(images):
      pool, matmul = tf.compat.v1.import_graph_def(
          graph_def, input_map={INCEPTION_2015_INPUT: images},
          return_elements=[INCEPTION_2015_POOL, INCEPTION_2015_LOGITS_MATMUL], name='')
      features = tf.squeeze(pool, axis=[1, 2])  # [N, 1, 1, D] -> [N, D]
      return features, tf.matmul(features, matmul.inputs[1])

    self._function = tf.compat.v1.wrap_function(
        _features_and_logits, [tf.TensorSpec([None, None, None, 3], tf.float32)])
    features_spec, logits_spec = self._function.structured_outputs
    self.feature_dim = int(features_spec.shape[-1])
    self.num_classes = int(logits_spec.shape[-1])

  @property
  def cache_key(self):
    return f'{self.name}-{self.sha256[:16]}-{PREPROCESS_VERSION}'

  def __call__(self, images):
    """images: float32 [N, H, W, 3] in [0, 255] (from `preprocess_for_features`).

    Returns (features [N, 2048], logits [N, 1008]) as float32 numpy arrays."""
    features, logits = self._function(tf.convert_to_tensor(images, tf.float32))
    return features.numpy(), logits.numpy()


def build_keras_inception_v3(image_size=INCEPTION_SIZE):
  """`keras.applications.InceptionV3` with the 1000-way top and logits (no softmax), random init.

  image_size >= 75; anything but 299 only makes sense for tests."""
  import keras  # pylint: disable=g-import-not-at-top  (only this extractor needs it)
  return keras.applications.InceptionV3(
      weights=None, include_top=True, input_shape=(image_size, image_size, 3),
      classifier_activation=None)


class KerasInceptionV3Extractor:
  """Keras InceptionV3 from a local weights file: images in [0, 255] -> (avg_pool, logits).

  NOT comparable with published FIDs (different weights and graph from the 2015 network); use it
  to compare runs with each other when the 2015 graph is not available.
  """

  name = 'keras_inception_v3'

  def __init__(self, weights_path, expected_md5=KERAS_INCEPTION_V3_MD5,
               image_size=INCEPTION_SIZE):
    """Args: weights_path: `.h5` (the Keras applications file) or `.weights.h5` file.
    expected_md5: hex digest Keras publishes for its file, or None to skip the check.
    image_size: network input side; 299 except in tests."""
    import keras  # pylint: disable=g-import-not-at-top
    path = os.fspath(weights_path)
    if not os.path.isfile(path):
      raise UserError(
          f'InceptionV3 weights not found. Received: weights_path={path!r}. Download '
          f'{KERAS_INCEPTION_V3_URL} and pass its path with --inception_keras_weights=PATH '
          '(this package never downloads it).')
    self.md5 = _check_hash(path, expected_md5, 'md5', KERAS_INCEPTION_V3_URL)
    warnings.warn('Keras InceptionV3 features: FID/KID/IS from them are not comparable with '
                  'published numbers, which use the 2015 TF Inception graph.', stacklevel=2)
    self.image_size = int(image_size)
    model = build_keras_inception_v3(self.image_size)
    model.load_weights(path)
    self._model = keras.Model(model.input, [model.get_layer('avg_pool').output, model.output])
    self.feature_dim = int(self._model.outputs[0].shape[-1])
    self.num_classes = int(self._model.outputs[1].shape[-1])

  @property
  def cache_key(self):
    return f'{self.name}-{self.md5[:16]}-{self.image_size}-{PREPROCESS_VERSION}'

  def __call__(self, images):
    """images: float32 [N, S, S, 3] in [0, 255], S = image_size. Returns float32 numpy arrays
    (features [N, 2048], logits [N, 1000])."""
    # keras.applications.inception_v3.preprocess_input: x / 127.5 - 1, the package's one map from
    # [0, 255] to [-1, 1] (here on resized, so non-integer, values).
    x = images_lib.from_uint8(images)
    features, logits = self._model(x, training=False)
    return features.numpy(), logits.numpy()


_DEFAULT_HASH = object()


def load_feature_extractor(kind, path, expected_hash=_DEFAULT_HASH):
  """Builds an extractor by name (for binaries that take the kind and path as flags).

  Args:
    kind: 'inception2015' (graph .pb file or its folder) or 'keras_inception_v3' (.h5 weights).
    path: the local file.
    expected_hash: a hex digest (SHA-256 for the graph, MD5 for Keras), or None to skip the check;
      left out, the module constant for that kind.
  """
  if kind == InceptionGraphExtractor.name:
    if expected_hash is _DEFAULT_HASH:
      expected_hash = INCEPTION_2015_SHA256
    return InceptionGraphExtractor(path, expected_sha256=expected_hash)
  if kind == KerasInceptionV3Extractor.name:
    if expected_hash is _DEFAULT_HASH:
      expected_hash = KERAS_INCEPTION_V3_MD5
    return KerasInceptionV3Extractor(path, expected_md5=expected_hash)
  raise ValueError(f'Unknown feature extractor. Received: kind={kind!r}; expected '
                   f'{InceptionGraphExtractor.name!r} or {KerasInceptionV3Extractor.name!r}')


def compute_features(extractor, images, batch_size=50):
  """Runs `extractor` over images through `preprocess_for_features`.

  Args:
    extractor: an extractor above (callable: preprocessed batch -> (features, logits), with an
      `image_size` attribute).
    images: [N, H, W, C] array (uint8 or float in [-1, 1]), or an iterable of such batches
      (e.g. a tf.data.Dataset of image batches, or a generator sampling a GAN).
    batch_size: images per forward pass when `images` is one array.

  Returns:
    (features [N, D], logits [N, K]): float32 numpy arrays.
  """
  if isinstance(images, (np.ndarray, tf.Tensor)):
    array = _to_numpy(images)
    batches = (array[i:i + batch_size] for i in range(0, len(array), batch_size))
  else:
    batches = images
  features, logits = [], []
  for batch in batches:
    batch_features, batch_logits = extractor(
        preprocess_for_features(batch, extractor.image_size))
    features.append(batch_features)
    logits.append(batch_logits)
  if not features:
    raise ValueError('No images to compute features of. Received: an empty `images`')
  return (np.concatenate(features).astype(np.float32),
          np.concatenate(logits).astype(np.float32))
