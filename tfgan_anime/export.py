"""SavedModel export and load of the generator.

Unconditional export: `serving_default(z: float32[None, z_dim]) -> {'images': uint8[None, H, W,
C]}`, C the run's --channels (the generator's last output dimension: 3 for RGB, 1 for gray):
generation needs only TensorFlow, not this package. The signature rejects what it cannot use
with an InvalidArgumentError that says what it expected: a dtype other than float32 (TF's own
check), a z whose shape is not [N, z_dim], and a z holding NaN or Inf (whose images would be
meaningless). Sampling uses the generator in inference mode (batch norm with its moving
statistics), like the sample grids.

The generator's output rank decides the output: an image generator ([B, H, W, C]) gives
`images`, a generator of points ([B, D], the toy MLP) gives `samples: float32[None, D]` as they
are, since points are not pixels and rounding them to uint8 would destroy them.

Tag-conditional export (`export_generator(..., conditions=vocabulary)`, the vocabulary dict of
`data/conditions.vocabulary_json`: groups, each group's tag names, policy, per-class counts):

* `serving_default(z: float32[None, z_dim], <group>: int32[None] for each group) -> {'images':
  uint8[None, H, W, C]}`, e.g. `serve(z=z, hair=[3, 3], eyes=[0, 1])`. Index i of group g means
  the tag `vocabulary[g][i]`. Besides z's checks, each label vector must hold N indices in
  [0, classes); the refusal names the group, the accepted range and the tags it indexes.
* `generate_from_tags(tags: string[], z: float32[None, z_dim], seed: int64[]) -> {'images':
  uint8[None, H, W, C], <group>: int32[None] for each group}`: `tags` is comma-separated tag
  names ('red hair, blue eyes'; spaces around a name are ignored; '' asks for nothing), at most
  one per group. Every row of z gets the requested tags; a group left out is drawn per row from
  its training distribution (the vocabulary's counts of its named values; the 'unknown' class is
  never drawn), statelessly from `seed`, so the same (tags, z, seed) give the same images. The
  labels used come back under the groups' names. The vocabulary lives in the graph as
  constants, so TF Serving needs nothing else; an unknown tag, or two tags of one group, is
  refused with the list of accepted tags. For the same labels its images are serving_default's
  (one generator call, the same graph).
* The vocabulary dict itself is written to `<export>/assets.extra/conditions.json` (TF Serving's
  place for files beside the model), where `LoadedGenerator.conditions` and the generate binary
  read it without loading TensorFlow.
"""

import json
import os

import numpy as np
import tensorflow as tf

from tfgan_anime import files
from tfgan_anime import images as images_lib
from tfgan_anime.data.conditions import UNKNOWN
from tfgan_anime.errors import UserError

CONDITIONS_FILE = os.path.join('assets.extra', 'conditions.json')
TAGS_SIGNATURE = 'generate_from_tags'


def _checked_z(z, z_dim):
  """z with its shape and finiteness checked in the graph (an InvalidArgumentError otherwise)."""
  # The signature declares [None, z_dim], but a concrete function does not check the shape
  # of what it is fed: without this, a wrong z fails deep inside the generator. The test is
  # written on the dynamic size and first dimension because TensorFlow folds anything it can
  # read off the declared shape (the rank, the last dimension) into constants.
  shape = tf.shape(z)
  ok = tf.logical_and(tf.equal(tf.size(z), shape[0] * z_dim),
                      tf.reduce_all(tf.equal(shape[-1:], z_dim)))
  checks = [
      tf.debugging.Assert(ok, [f'z must be float32 [N, {z_dim}]; received shape', shape]),
      tf.debugging.assert_all_finite(z, 'z must be finite (z ~ N(0, I))'),
  ]
  with tf.control_dependencies(checks):
    return tf.identity(z)


class _ServableGenerator(tf.Module):

  def __init__(self, generator, z_dim):
    super().__init__()
    self.generator = generator
    self.z_dim = z_dim
    self.serve = tf.function(
        self._serve, input_signature=[tf.TensorSpec([None, z_dim], tf.float32, name='z')])

  def _serve(self, z):
    outputs = self.generator(_checked_z(z, self.z_dim), training=False)
    if outputs.shape.rank == 2:
      return {'samples': tf.cast(outputs, tf.float32)}
    return {'images': images_lib.to_uint8(outputs)}


def named_values(conditions, group):
  """The tag names of `group` a request can name: its vocabulary without the unknown class."""
  return [tag for tag in conditions['vocabulary'][group] if tag != UNKNOWN]


def label_weights(conditions, group):
  """float64 [classes of group]: the training frequencies of the group's named values (from the
  vocabulary's counts; uniform without counts), 0 for the unknown class."""
  vocabulary = conditions['vocabulary'][group]
  counts = conditions.get('counts', {}).get(group)
  weights = np.asarray(counts if counts else [1] * len(vocabulary), np.float64)
  weights = weights * np.array([tag != UNKNOWN for tag in vocabulary], np.float64)
  if not weights.sum() > 0:
    weights = np.array([tag != UNKNOWN for tag in vocabulary], np.float64)
  return weights / weights.sum()


def check_conditions(conditions, generator=None):
  """Raises ValueError when `conditions` is not a vocabulary dict (of `generator`'s groups)."""
  try:
    groups = list(conditions['groups'])
    sizes = [len(conditions['vocabulary'][group]) for group in groups]
  except (KeyError, TypeError) as e:
    raise ValueError(f'Invalid conditions. Received: {conditions!r}; accepted: the dict of '
                     'data/conditions.vocabulary_json (groups, vocabulary, policy, counts)') from e
  if not groups or min(sizes) < 1:
    raise ValueError(f'Invalid conditions: no group or an empty vocabulary. Received: '
                     f'{conditions!r}')
  for group in groups:
    counts = conditions.get('counts', {}).get(group)
    if counts is not None and len(counts) != len(conditions['vocabulary'][group]):
      raise ValueError(f'Invalid conditions: group {group!r} has {len(counts)} counts for '
                       f'{len(conditions["vocabulary"][group])} tags')
  if generator is not None:
    inputs = generator.inputs
    width = inputs[1].shape[-1] if len(inputs) == 2 else None
    if width != len(groups):
      raise ValueError(f'The generator does not take labels of these groups. Received: '
                       f'generator inputs {[tuple(i.shape) for i in inputs]} with groups '
                       f'{groups}; accepted: a generator of [z [B, z_dim], labels [B, '
                       f'{len(groups)}]] (models/conditional.build_generator)')
  return groups


class _ServableConditionalGenerator(tf.Module):
  """The two signatures of a tag-conditional generator (module docstring)."""

  def __init__(self, generator, z_dim, conditions):
    super().__init__()
    self.generator = generator
    self.z_dim = z_dim
    self.groups = check_conditions(conditions, generator)
    vocabulary = {group: list(conditions['vocabulary'][group]) for group in self.groups}
    self.num_classes = [len(vocabulary[group]) for group in self.groups]
    self.range_messages = [
        f'{group} must hold class indices in [0, {len(vocabulary[group])}) (index i is the i-th '
        f'of {", ".join(vocabulary[group])}); received' for group in self.groups]
    # Every nameable tag, its group and its class index, as graph constants.
    self.tags, self.tag_group, self.tag_class = [], [], []
    for g, group in enumerate(self.groups):
      for i, tag in enumerate(vocabulary[group]):
        if tag != UNKNOWN:
          self.tags.append(tag)
          self.tag_group.append(g)
          self.tag_class.append(i)
    self.log_weights = []
    for group in self.groups:
      weights = label_weights(conditions, group)
      self.log_weights.append(np.where(weights > 0, np.log(np.maximum(weights, 1e-30)),
                                       -np.inf).astype(np.float32))
    z_spec = tf.TensorSpec([None, z_dim], tf.float32, name='z')
    self.serve = tf.function(self._serve, input_signature=[z_spec] + [
        tf.TensorSpec([None], tf.int32, name=group) for group in self.groups])
    self.serve_tags = tf.function(self._serve_tags, input_signature=[
        tf.TensorSpec([], tf.string, name='tags'), z_spec,
        tf.TensorSpec([], tf.int64, name='seed')])

  def _generate(self, z, labels):
    images = self.generator([z, tf.stack(labels, axis=1)], training=False)
    return images_lib.to_uint8(images)

  def _serve(self, z, *labels):
    z = _checked_z(z, self.z_dim)
    checks = []
    for group, n, message, values in zip(self.groups, self.num_classes, self.range_messages,
                                         labels):
      checks.append(tf.debugging.Assert(
          tf.equal(tf.size(values), tf.shape(z)[0]),
          [f'{group} must be int32 [N], one index per row of z; received shape', tf.shape(values),
           'with z of shape', tf.shape(z)]))
      checks.append(tf.debugging.Assert(
          tf.reduce_all(tf.logical_and(values >= 0, values < n)),
          [message, values], summarize=16))
    with tf.control_dependencies(checks):
      labels = [tf.identity(values) for values in labels]
    return {'images': self._generate(z, labels)}

  def _serve_tags(self, tags, z, seed):
    z = _checked_z(z, self.z_dim)
    n = tf.shape(z)[0]
    accepted = ', '.join(self.tags)
    parts = tf.strings.strip(tf.strings.split(tags, ','))
    parts = tf.boolean_mask(parts, tf.strings.length(parts) > 0)
    match = tf.equal(parts[:, None], tf.constant(self.tags)[None, :])  # [P, T]
    checks = [tf.debugging.Assert(
        tf.reduce_all(tf.reduce_any(match, axis=1)),
        [f'unknown tag in tags; accepted: comma-separated tags, at most one per group, from: '
         f'{accepted}. Received: tags=', tags])]
    found = tf.argmax(tf.cast(match, tf.int32), axis=1, output_type=tf.int32)  # [P]
    part_group = tf.gather(tf.constant(self.tag_group, tf.int32), found)
    part_class = tf.gather(tf.constant(self.tag_class, tf.int32), found)
    labels, counts = [], []
    for g, group in enumerate(self.groups):
      in_group = tf.equal(part_group, g)
      count = tf.reduce_sum(tf.cast(in_group, tf.int32))
      counts.append(count)
      checks.append(tf.debugging.Assert(
          count <= 1, [f'two tags of group {group} in tags; accepted: comma-separated tags, at '
                       f'most one per group, from: {accepted}. Received: tags=', tags]))
      requested = tf.reduce_sum(tf.where(in_group, part_class, 0))
      drawn = tf.random.stateless_categorical(
          tf.constant(self.log_weights[g])[None], n,
          seed=tf.stack([seed, tf.constant(g, tf.int64)]), dtype=tf.int32)[0]
      labels.append(tf.where(count > 0, tf.fill([n], requested), drawn))
    with tf.control_dependencies(checks):
      labels = [tf.identity(values) for values in labels]
    return {'images': self._generate(z, labels), **dict(zip(self.groups, labels))}


def export_generator(generator, export_dir, conditions=None):
  """Saves `generator` as a SavedModel at `export_dir`.

  `generator` maps z [B, z_dim] to images [B, H, W, C] in [-1, 1] (exported as uint8 `images`)
  or to points [B, D] (exported as float32 `samples`). With `conditions` (the vocabulary dict
  of `data/conditions.vocabulary_json`), it is a tag-conditional generator, [z [B, z_dim],
  labels int32 [B, G]] -> images, exported with the signatures of the module docstring.

  It is written beside `export_dir` and renamed into place, so a crash never leaves a
  half-written export; an existing export is replaced only once the new one is complete.
  """
  if conditions is None:
    module = _ServableGenerator(generator, generator.input_shape[-1])
    signatures = {'serving_default': module.serve}
  else:
    module = _ServableConditionalGenerator(generator, generator.inputs[0].shape[-1], conditions)
    signatures = {'serving_default': module.serve, TAGS_SIGNATURE: module.serve_tags}
  with files.atomic_directory(export_dir) as staging:
    tf.saved_model.save(module, staging, signatures=signatures)
    if conditions is not None:
      files.write_json(os.path.join(staging, CONDITIONS_FILE), conditions)
  return export_dir


def read_conditions(export_dir):
  """The vocabulary dict of a conditional export, or None (an unconditional one). No TensorFlow
  runs: the generate binary checks --tags with it before loading the model."""
  path = os.path.join(export_dir, CONDITIONS_FILE)
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)


def sample_labels(conditions, num, seed=0, distribution='empirical'):
  """int32 [num, G] labels of a conditional export, numpy, from `seed`.

  'empirical': each group independently from its training distribution (`label_weights`: the
  vocabulary keeps each group's counts, not their joint, so this is the product of the
  marginals); 'uniform': each group uniformly over its named values, so every combination of
  tags is equally likely. The unknown class is never drawn.
  """
  rng = np.random.default_rng(seed)
  columns = []
  for group in conditions['groups']:
    if distribution == 'uniform':
      named = np.array([tag != UNKNOWN for tag in conditions['vocabulary'][group]], np.float64)
      weights = named / named.sum()
    elif distribution == 'empirical':
      weights = label_weights(conditions, group)
    else:
      raise ValueError(f'Unknown distribution. Received: distribution={distribution!r}; '
                       'accepted: empirical, uniform')
    columns.append(rng.choice(len(weights), size=num, p=weights))
  return np.stack(columns, axis=1).astype(np.int32).reshape(num, len(columns))


class LoadedGenerator:
  """A loaded export: call with z (numpy or tensor [N, z_dim]) to get uint8 images [N, H, W, C]
  (or float32 points [N, D] from a toy export; `output_key` says which: 'images' or 'samples').

  A conditional export (`conditions` is its vocabulary dict, else None; `groups` its group
  names) is called with labels too: `generator(z, labels)`, labels int [N, G] in the order of
  `groups` (or a dict {group: int [N]}); `from_tags(text, z, seed)` calls generate_from_tags.
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
    self.conditions = read_conditions(export_dir)
    self.groups = tuple(self.conditions['groups']) if self.conditions else ()
    inputs = set(self._fn.structured_input_signature[1]) - {'z'}
    if inputs != set(self.groups):
      raise UserError(f'The SavedModel\'s serving_default inputs do not match its '
                      f'{CONDITIONS_FILE}. Received: saved_model={export_dir!r} with label '
                      f'inputs {sorted(inputs)} and groups {list(self.groups)}; accepted: a '
                      'directory written by tfgan_anime.train (<model_dir>/export)')

  def _check_z(self, z):
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != self.z_dim or z.dtype.kind not in 'fiu':
      raise ValueError(f'z must be a float array [N, {self.z_dim}]. Received: z of shape '
                       f'{z.shape} and dtype {z.dtype}')
    return tf.constant(z, tf.float32)

  def __call__(self, z, labels=None):
    z = self._check_z(z)
    if not self.groups:
      if labels is not None:
        raise ValueError('This export is unconditional: it takes no labels. Received: labels '
                         f'of shape {np.shape(labels)}')
      return self._fn(z=z)[self.output_key].numpy()
    if labels is None:
      raise ValueError(f'This export is conditional on {", ".join(self.groups)}: call it with '
                       'labels [N, G] (or from_tags). Received: labels=None')
    if isinstance(labels, dict):
      labels = np.stack([np.asarray(labels[group]) for group in self.groups], axis=1)
    labels = np.asarray(labels)
    if labels.shape != (z.shape[0], len(self.groups)) or labels.dtype.kind not in 'iu':
      raise ValueError(f'labels must be an int array [N, {len(self.groups)}] (columns '
                       f'{", ".join(self.groups)}) with N the rows of z. Received: labels of '
                       f'shape {labels.shape} and dtype {labels.dtype} with z of {z.shape[0]} '
                       'rows')
    kwargs = {group: tf.constant(labels[:, g], tf.int32) for g, group in enumerate(self.groups)}
    return self._fn(z=z, **kwargs)['images'].numpy()

  def from_tags(self, text, z, seed=0):
    """(uint8 images [N, H, W, C], int32 labels [N, G] used) for comma-separated tag names
    (generate_from_tags: groups left out drawn from their training distribution, from seed)."""
    if not self.groups:
      raise ValueError('This export is unconditional: it takes no tags.')
    out = self._loaded.signatures[TAGS_SIGNATURE](
        tags=tf.constant(text, tf.string), z=self._check_z(z), seed=tf.constant(seed, tf.int64))
    labels = np.stack([out[group].numpy() for group in self.groups], axis=1)
    return out['images'].numpy(), labels


def load_generator(export_dir):
  return LoadedGenerator(export_dir)
