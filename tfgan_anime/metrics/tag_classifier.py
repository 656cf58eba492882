"""A domain metric for the synthetic faces: a small tag classifier (hair and eye colour).

Inception features know ImageNet, not anime faces; the synthetic faces (`data/synthetic.py`) come
with exact tags, so a classifier trained on them can say what a generator draws. A small CNN with
two softmax heads, hair colour (12 classes) and eye colour (10), trained on the faces and their
tags file (`data/tags.py`), gives:

* the generated tag distribution against the real one, both as the classifier reads them (so its
  errors fall on both sides): how many of the 12 x 10 hair x eye combinations the generated
  images cover, and the reverse KL  KL(q_generated || p_real)  of the joint and of each marginal
  histogram. Both histograms get Jeffreys' add-1/2 smoothing (counts + 1/2 in every bin), which
  keeps the KL finite when the real sample misses a rare combination and is exactly 0 for
  identical histograms; 0 means the same distribution, log K (K bins) all mass on one bin;
* a Fréchet distance between the Gaussians of real and generated penultimate features (64-d),
  FID's formula in this classifier's space.

The weights are trained once (about 4,500 images, a few epochs: seconds on a CPU) and cached
under the cache dir as an .npz of the model's weight arrays (written atomically, read with
allow_pickle=False), keyed by this module's VERSION, the synthetic faces' VERSION and the
resolution; the held-out accuracy goes beside it in a JSON file.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import files as files_lib
from tfgan_anime.data import synthetic
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError
from tfgan_anime.metrics import fid

# Bump when the network or its training changes, so that cached weights are not reused.
VERSION = 2
HAIR_COLORS = tuple(synthetic.HAIR_COLORS)
EYE_COLORS = tuple(synthetic.EYE_COLORS)
FEATURE_DIM = 64
TAGS_FILENAME = 'tags.csv'


def labels_from_tags(tags_by_id, image_ids):
  """Hair and eye colour indices of the images named `image_ids`: two int arrays [N].

  Args:
    tags_by_id: {image_id: {tag: count}} from `tags.read_tags`.
    image_ids: ids in the order wanted (file names without extension).

  Raises:
    ValueError: an image has no tag line, or not exactly one known hair and one eye colour.
  """
  hair, eyes = [], []
  for image_id in image_ids:
    tags = tags_by_id.get(image_id)
    if tags is None:
      raise ValueError(f'No tags for an image. Received: image_id={image_id!r}; expected a line '
                       f'"{image_id},... hair:1 ... eyes:1" in {TAGS_FILENAME}')
    found_hair = [i for i, name in enumerate(HAIR_COLORS) if f'{name} hair' in tags]
    found_eyes = [i for i, name in enumerate(EYE_COLORS) if f'{name} eyes' in tags]
    if len(found_hair) != 1 or len(found_eyes) != 1:
      raise ValueError(f'An image needs one hair and one eye colour of the synthetic faces. '
                       f'Received: image_id={image_id!r} with tags {sorted(tags)}')
    hair.append(found_hair[0])
    eyes.append(found_eyes[0])
  return np.array(hair, np.int32), np.array(eyes, np.int32)


def build_classifier(resolution, width=32):
  """uint8-valued images [B, res, res, 3] as float in [0, 255] -> {'hair': [B, 12] logits,
  'eyes': [B, 10] logits, 'features': [B, 64]}.

  Three stride-2 3x3 convolutions, global average pooling, a 64-unit ReLU layer (the Fréchet
  features), two heads. A first convolution at full resolution read the eyes of 32 px faces no
  better (99.6% against 97.6-99% held-out) at 3x the cost, and `make demo` trains this once.
  """
  images = keras.Input(shape=(resolution, resolution, 3), name='images')
  x = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0)(images)
  for multiple in (1, 2, 4):
    x = keras.layers.Conv2D(width * multiple, 3, strides=2, padding='same', activation='relu')(x)
  x = keras.layers.GlobalAveragePooling2D()(x)
  features = keras.layers.Dense(FEATURE_DIM, activation='relu', name='features')(x)
  hair = keras.layers.Dense(len(HAIR_COLORS), name='hair')(features)
  eyes = keras.layers.Dense(len(EYE_COLORS), name='eyes')(features)
  return keras.Model(images, {'hair': hair, 'eyes': eyes, 'features': features},
                     name='tag_classifier')


_SUFFIX = '.weights.npz'


def weights_path(cache_dir, resolution, num_images):
  """Where the classifier trained on `num_images` faces at `resolution` is cached.

  The count is part of the name: a classifier trained on a small folder (a CPU twin's 960
  faces) reads eyes far worse than one trained on 5,000, and must not be reused for those.
  """
  return os.path.join(os.fspath(cache_dir), 'tag_classifier',
                      f'tags_v{VERSION}_faces_v{synthetic.VERSION}_{int(resolution)}px_'
                      f'n{int(num_images)}{_SUFFIX}')


def save_weights(model, path):
  """Writes `model`'s weight arrays to `path` (.npz, `w000`, `w001`, ... in model order)."""
  arrays = {f'w{i:03d}': value for i, value in enumerate(model.get_weights())}
  with files_lib.atomic_write(path, 'wb') as f:
    np.savez(f, **arrays)


def load_weights(model, path):
  """Sets `model`'s weights from a `save_weights` file; nothing is unpickled."""
  with np.load(path, allow_pickle=False) as data:
    weights = [data[f'w{i:03d}'] for i in range(len(data.files))]
  model.set_weights(weights)


def _cache_key(resolution, num_images):
  return f'tagclf-v{VERSION}-faces-v{synthetic.VERSION}-{int(resolution)}px-n{int(num_images)}'


class TagClassifier:
  """A trained classifier: `predict(images)` -> (hair probs, eye probs, features).

  Attributes:
    resolution: the image side it reads.
    accuracy: {'hair': float, 'eyes': float} on held-out real images (None if unknown).
    cache_key: names the weights (for the real-statistics cache).
  """

  def __init__(self, model, resolution, accuracy=None, num_images=0):
    self.model = model
    self.resolution = int(resolution)
    self.accuracy = accuracy
    self.cache_key = _cache_key(self.resolution, num_images)

  def predict(self, images, batch_size=500):
    """images: uint8 [N, res, res, 3]. Returns float64 numpy arrays hair [N, 12] and eyes
    [N, 10] (probabilities), features [N, 64]."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.shape[1:] != (self.resolution, self.resolution, 3):
      raise ValueError(f'The tag classifier reads uint8 [N, {self.resolution}, {self.resolution}, '
                       f'3] images. Received: shape={images.shape}, dtype={images.dtype}')
    hair, eyes, features = [], [], []
    for i in range(0, len(images), batch_size):
      out = self.model(tf.constant(images[i:i + batch_size], tf.float32), training=False)
      hair.append(tf.nn.softmax(out['hair']).numpy())
      eyes.append(tf.nn.softmax(out['eyes']).numpy())
      features.append(out['features'].numpy())
    return (np.concatenate(hair).astype(np.float64), np.concatenate(eyes).astype(np.float64),
            np.concatenate(features).astype(np.float64))


def train_classifier(images, hair, eyes, epochs=5, batch_size=64, learning_rate=2e-3, seed=0,
                     verbose=0):
  """Trains a classifier on uint8 images [N, res, res, 3] and labels hair [N], eyes [N].

  The last min(500, N / 5) images are kept out of training and measure its accuracy.
  Returns a TagClassifier.
  """
  images = np.asarray(images)
  if len(images) < 50:
    raise UserError(f'Too few images to train the tag classifier. Received: {len(images)} '
                    'images; expected at least 50')
  num_held_out = min(500, len(images) // 5)
  keras.utils.set_random_seed(seed)
  model = build_classifier(images.shape[1])
  train = slice(0, len(images) - num_held_out)
  held_out = slice(len(images) - num_held_out, len(images))
  model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                loss={'hair': keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      'eyes': keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      'features': None})
  dataset = tf.data.Dataset.from_tensor_slices(
      (images[train].astype(np.float32), {'hair': hair[train], 'eyes': eyes[train]}))
  dataset = dataset.shuffle(len(images), seed=seed).batch(batch_size)
  model.fit(dataset, epochs=epochs, verbose=verbose)
  classifier = TagClassifier(model, images.shape[1])
  hair_probs, eye_probs, _ = classifier.predict(images[held_out])
  classifier.accuracy = {
      'hair': float(np.mean(np.argmax(hair_probs, 1) == hair[held_out])),
      'eyes': float(np.mean(np.argmax(eye_probs, 1) == eyes[held_out])),
  }
  return classifier


def load_or_train(cache_dir, folder, resolution, files, load_images, num_images=5000,
                  progress=True):
  """The cached classifier for `resolution`, trained on `folder` on the first call.

  Args:
    cache_dir: where weights are kept (`<cache_dir>/tag_classifier/...weights.npz`).
    folder: a synthetic faces folder (`faces/*.jpg` and tags.csv).
    resolution: image side.
    files: the readable image paths of `folder` (an image's id is its file name).
    load_images: callable(files) -> uint8 [N, res, res, 3] through the evaluation decode path.
    num_images: at most this many images to train and hold out.
  """
  num_images = min(num_images, len(files))
  path = weights_path(cache_dir, resolution, num_images)
  accuracy_path = path[:-len(_SUFFIX)] + '.json'
  if os.path.isfile(path):
    model = build_classifier(resolution)
    load_weights(model, path)
    accuracy = None
    if os.path.isfile(accuracy_path):
      with open(accuracy_path) as f:
        accuracy = json.load(f).get('accuracy')
    return TagClassifier(model, resolution, accuracy, num_images)

  tags_file = os.path.join(folder, TAGS_FILENAME)
  if not os.path.isfile(tags_file):
    raise UserError(f'The tag classifier trains on the synthetic faces and their {TAGS_FILENAME}. '
                    f'Received: data folder {folder!r} without {TAGS_FILENAME}; accepted: '
                    '--data=synthetic_faces')
  files = [files[i] for i in np.random.default_rng(1).permutation(len(files))[:num_images]]
  ids = [os.path.splitext(os.path.basename(f))[0] for f in files]
  hair, eyes = labels_from_tags(tags_lib.read_tags(tags_file), ids)
  if progress:
    print(f'Training the tag classifier at {resolution} px on {len(files)} faces (once; cached '
          f'in {path}).', flush=True)
  classifier = train_classifier(load_images(files), hair, eyes)
  classifier.cache_key = _cache_key(resolution, num_images)
  save_weights(classifier.model, path)
  files_lib.write_json(accuracy_path, {'accuracy': classifier.accuracy})
  return classifier


def joint_histogram(hair_probs, eye_probs):
  """Counts of (argmax hair, argmax eye) pairs: int array [12, 10]."""
  counts = np.zeros((hair_probs.shape[1], eye_probs.shape[1]), np.int64)
  np.add.at(counts, (np.argmax(hair_probs, 1), np.argmax(eye_probs, 1)), 1)
  return counts


def smoothed_reverse_kl(generated_counts, real_counts):
  """KL(q || p) of two histograms (same shape), each with add-1/2 smoothing (module docstring).

  q_k = (g_k + 1/2) / (G + K/2), p_k = (r_k + 1/2) / (R + K/2); sum_k q_k log(q_k / p_k) >= 0.
  """
  g = np.asarray(generated_counts, np.float64).ravel() + 0.5
  r = np.asarray(real_counts, np.float64).ravel() + 0.5
  q = g / g.sum()
  p = r / r.sum()
  return float(np.sum(q * np.log(q / p)))


def tag_metrics(real_predictions, generated_predictions):
  """Domain metrics from `TagClassifier.predict` outputs of real and generated images.

  Returns a dict: tag_combinations_covered (int, combinations predicted for at least one generated
  image), tag_real_combinations_covered, tag_num_combinations (120), tag_reverse_kl (joint),
  tag_hair_reverse_kl, tag_eye_reverse_kl, tag_fd (Fréchet distance of the features).
  """
  real_hair, real_eyes, real_features = real_predictions
  gen_hair, gen_eyes, gen_features = generated_predictions
  real_joint = joint_histogram(real_hair, real_eyes)
  gen_joint = joint_histogram(gen_hair, gen_eyes)
  return {
      'tag_combinations_covered': int(np.count_nonzero(gen_joint)),
      'tag_real_combinations_covered': int(np.count_nonzero(real_joint)),
      'tag_num_combinations': int(real_joint.size),
      'tag_reverse_kl': smoothed_reverse_kl(gen_joint, real_joint),
      'tag_hair_reverse_kl': smoothed_reverse_kl(gen_joint.sum(1), real_joint.sum(1)),
      'tag_eye_reverse_kl': smoothed_reverse_kl(gen_joint.sum(0), real_joint.sum(0)),
      'tag_fd': fid.frechet_distance(*fid.feature_statistics(real_features),
                                     *fid.feature_statistics(gen_features)),
  }
