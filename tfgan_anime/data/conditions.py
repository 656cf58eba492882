"""Tag groups -> integer labels for the tag-conditional GAN, and the fake labels it asks for.

A group is one categorical variable read from the tags file (`tags.py`'s `id,tag:count ...`
lines: the synthetic faces' `tags.csv` or the real data set's tags file): 'hair' is the colour
tags ending in ' hair' ('red hair', 'light brown hair'), 'eyes' those ending in ' eyes'. Only
colour tags count, because both data sets also have tags with those endings that are not
colours: the synthetic faces draw 'long hair' and 'short hair' beside every hair colour, and
the real tags hold 'hair between eyes' and 'closed eyes'. Every other tag is ignored.

An image with no colour tag or several in a group is dropped (policy 'drop', the default) or
labelled with the group's extra class 'unknown' (policy 'unknown', kept last in the
vocabulary; it holds no space so no tag can take its name). Each group's vocabulary is its
sorted tag names, written into the run directory (`write_vocabulary`) and later into the
export, so that 'red hair,blue eyes' can be looked up there.

How the labels flow (for the lead's wiring):

* `load_labels(folder, groups, policy, image_ids)` gives a `LabelTable`: labels int32 [N, G]
  in the order of `image_ids` (the folder's file names without extension), and `kept` [N] bool
  for the images that the 'drop' policy keeps. The pipeline filters its file list by `kept`
  before the stateless shuffle, then zips each file with its label row, so that
  `group_for_critic` makes elements (images [B, n_critic, H, W, C], labels [B, n_critic, G]):
  the labels ride along with their images, and resume stays exact because the stream is still
  a function of (seed, position).
* `LabelTable.describe()` is the one start-up line: groups, class counts, affected images.
* Fake labels are drawn per critic update (and per generator update) by
  `FakeLabels.sample(shape, seed)`, stateless like z: from the real joint distribution of the
  groups (the table's rows, 'empirical') or uniformly over the combinations of named values
  ('uniform'). Its signature is the one gan.py's `_replica_slice` gives its samplers.
"""

import collections
import dataclasses
import os

import numpy as np

from tfgan_anime import files
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError

# Group name -> the last word of its tags.
GROUPS = {'hair': 'hair', 'eyes': 'eyes'}
# The colour words a group's tag starts with: the synthetic faces' colours and the other
# colours of anime tag sets, optionally with 'light ' or 'dark ' before them.
COLORS = ('aqua', 'black', 'blonde', 'blue', 'brown', 'gold', 'gray', 'green', 'grey', 'orange',
          'pink', 'purple', 'red', 'silver', 'white', 'yellow')
SHADES = ('light', 'dark')
POLICIES = ('drop', 'unknown')
FAKE_LABELS = ('empirical', 'uniform')
UNKNOWN = 'unknown'
TAGS_FILENAME = 'tags.csv'
VOCABULARY_FILENAME = 'conditions.json'


def parse_groups(text):
  """'hair,eyes' (or a list of names) -> ('hair', 'eyes'); '' -> () (unconditional).

  Raises:
    UserError: an empty name between commas, an unknown group or one named twice.
  """
  names = text.split(',') if isinstance(text, str) else list(text)
  if isinstance(text, str) and not text.strip():
    return ()
  groups = []
  for name in names:
    name = name.strip()
    if name not in GROUPS or name in groups:
      why = 'named twice' if name in groups else 'unknown'
      raise UserError(f'Invalid --condition ({why} group). Received: condition={text!r}; '
                      f'accepted: a comma-separated list of distinct groups from '
                      f'{", ".join(GROUPS)}, or empty')
    groups.append(name)
  return tuple(groups)


def tag_group(tag):
  """The group a tag belongs to ('red hair' -> 'hair'), or None ('long hair', 'blush')."""
  words = tag.strip().split(' ')
  if len(words) < 2:
    return None
  colour = words[:-1]
  if len(colour) == 2 and colour[0] in SHADES:
    colour = colour[1:]
  if len(colour) != 1 or colour[0] not in COLORS:
    return None
  for group, last_word in GROUPS.items():
    if words[-1] == last_word:
      return group
  return None


def find_tags_file(data_folder, tags_file=None, condition=''):
  """The tags file to read: `tags_file` if given, else `<data_folder>/tags.csv`.

  Raises:
    UserError: that file does not exist.
  """
  path = tags_file or os.path.join(os.fspath(data_folder), TAGS_FILENAME)
  if not os.path.isfile(path):
    given = f'--tags_file={tags_file!r}' if tags_file else f'data folder {data_folder!r}'
    raise UserError(f'Invalid --condition for this data: no tags file. Received: '
                    f'condition={condition!r} with {given}; accepted: a data folder holding '
                    f'{TAGS_FILENAME}, or --tags_file=PATH to an "id,tag:count ..." file')
  return path


@dataclasses.dataclass(frozen=True)
class LabelTable:
  """The labels of a data set's images.

  Attributes:
    groups: group names, in the order of the label columns.
    vocabulary: {group: tuple of tag names}; index i of a column means vocabulary[group][i]
      (with policy 'unknown', the last entry is UNKNOWN).
    image_ids: [N] ids in the order asked for.
    labels: int32 [N, G]; rows of dropped images are -1.
    kept: bool [N], the images with a label in every group (all True with policy 'unknown').
    policy: 'drop' or 'unknown'.
    affected: {group: {'none': count, 'several': count}} of images (among image_ids) with no
      colour tag, or several, in that group.
  """
  groups: tuple
  vocabulary: dict
  image_ids: tuple
  labels: np.ndarray
  kept: np.ndarray
  policy: str
  affected: dict

  @property
  def num_classes(self):
    """Classes per group, in column order (with policy 'unknown', the unknown class counts)."""
    return tuple(len(self.vocabulary[group]) for group in self.groups)

  @property
  def num_named(self):
    """Named values per group: the classes a request can name (the unknown class excluded)."""
    extra = 1 if self.policy == 'unknown' else 0
    return tuple(n - extra for n in self.num_classes)

  def kept_labels(self):
    """int32 [N_kept, G]: the labels of the images training sees."""
    return self.labels[self.kept]

  def describe(self):
    """One start-up line: the groups, their classes, and the images without one clear tag."""
    classes = ', '.join(f'{group} ({n} values)' for group, n in zip(self.groups, self.num_named))
    counts = '; '.join(f'{group}: {a["none"]} without a tag, {a["several"]} with several'
                       for group, a in self.affected.items())
    kept = int(self.kept.sum())
    if self.policy == 'drop':
      action = f'dropped {len(self.image_ids) - kept}'
    else:
      action = f'labelled {UNKNOWN} where unclear'
    return (f'Conditioning on {classes}: {kept} of {len(self.image_ids)} images kept, '
            f'{action} ({counts}).')


def _group_tags(tags, groups):
  """{group: sorted colour tags of that group} of one image's {tag: count}."""
  found = {group: [] for group in groups}
  for tag in tags:
    group = tag_group(tag)
    if group in found:
      found[group].append(tag)
  return {group: sorted(values) for group, values in found.items()}


def build_labels(tags_by_id, groups, policy='drop', image_ids=None):
  """Labels of the images from their tags.

  Args:
    tags_by_id: {image_id: {tag: count}} (`tags.read_tags`).
    groups: group names (`parse_groups`).
    policy: 'drop' or 'unknown' for an image with no colour tag or several in a group.
    image_ids: the images to label, in order (default: every id of `tags_by_id`, sorted). An
      id without a tag line has no tag in any group.

  Returns:
    A LabelTable.
  Raises:
    UserError: no group, a policy not in POLICIES, or a group with fewer than 2 values.
  """
  if policy not in POLICIES:
    raise UserError(f'Invalid --label_policy. Received: label_policy={policy!r}; '
                    f'accepted: {", ".join(POLICIES)}')
  groups = parse_groups(groups)
  if not groups:
    raise UserError(f'Invalid --condition. Received: condition={groups!r}; accepted: a '
                    f'comma-separated list of groups from {", ".join(GROUPS)}')
  ids = tuple(sorted(tags_by_id) if image_ids is None else image_ids)
  per_image = [_group_tags(tags_by_id.get(image_id, {}), groups) for image_id in ids]
  affected = {group: collections.Counter(none=0, several=0) for group in groups}
  for found in per_image:
    for group, values in found.items():
      if len(values) != 1:
        affected[group]['none' if not values else 'several'] += 1
  kept = np.array([all(len(v) == 1 for v in found.values()) for found in per_image], bool)
  if policy == 'unknown':
    kept = np.ones(len(ids), bool)
  vocabulary = {}
  for group in groups:
    # Only clear tags name a class, so that every class has images to learn it from.
    values = sorted({found[group][0] for found, keep in zip(per_image, kept)
                     if keep and len(found[group]) == 1})
    if len(values) < 2:
      raise UserError(f'Invalid --condition: a group needs at least 2 values. Received: '
                      f'group {group!r} with values {values} in {len(ids)} images; accepted: '
                      f'groups whose colour tags ("COLOUR {GROUPS[group]}") take 2 or more '
                      'values')
    vocabulary[group] = tuple(values) + ((UNKNOWN,) if policy == 'unknown' else ())
  index = {group: {tag: i for i, tag in enumerate(vocabulary[group])} for group in groups}
  labels = np.full((len(ids), len(groups)), -1, np.int32)
  for row, (found, keep) in enumerate(zip(per_image, kept)):
    if keep:
      for column, group in enumerate(groups):
        values = found[group]
        labels[row, column] = index[group][values[0] if len(values) == 1 else UNKNOWN]
  return LabelTable(groups=groups, vocabulary=vocabulary, image_ids=ids, labels=labels,
                    kept=kept, policy=policy,
                    affected={group: dict(counts) for group, counts in affected.items()})


def load_labels(data_folder, groups, policy='drop', image_ids=None, tags_file=None):
  """Reads the tags file of `data_folder` (or `tags_file`) and labels the images.

  Raises:
    UserError: no tags file, a malformed line (naming the file and line), or the errors of
      `build_labels`.
  """
  path = find_tags_file(data_folder, tags_file, condition=','.join(parse_groups(groups)))
  try:
    tags_by_id = tags_lib.read_tags(path)
  except ValueError as error:
    raise UserError(f'Invalid tags file: {error}') from None
  return build_labels(tags_by_id, groups, policy, image_ids)


def image_id(path):
  """The id a tags file gives an image file: its name without extension ('faces/00012.jpg'
  -> '00012')."""
  return os.path.splitext(os.path.basename(os.fspath(path)))[0]


def vocabulary_json(table):
  """What the run directory and the export keep of the labels: groups, vocabulary, policy, and
  each class's count among the kept images (a group left out of a request is drawn from these).
  """
  kept = table.kept_labels()
  counts = {group: np.bincount(kept[:, column], minlength=n).tolist()
            for column, (group, n) in enumerate(zip(table.groups, table.num_classes))}
  return {'groups': list(table.groups),
          'vocabulary': {group: list(table.vocabulary[group]) for group in table.groups},
          'policy': table.policy, 'counts': counts}


def write_vocabulary(run_dir, table):
  """Writes `vocabulary_json(table)` to <run_dir>/conditions.json (atomically); returns the path."""
  path = os.path.join(os.fspath(run_dir), VOCABULARY_FILENAME)
  files.write_json(path, vocabulary_json(table))
  return path


def parse_request(text, vocabulary):
  """'red hair, blue eyes' -> {'hair': index, 'eyes': index}; a group not named is left out.

  Args:
    text: comma-separated tag names.
    vocabulary: {group: sequence of tag names} (`vocabulary_json(...)['vocabulary']`).

  Raises:
    UserError: a tag in no group's vocabulary (the accepted ones are listed), or two tags of
      one group.
  """
  request = {}
  for tag in (part.strip() for part in text.split(',')):
    group = next((g for g, values in vocabulary.items() if tag in values and tag != UNKNOWN), None)
    if group is None or group in request:
      accepted = ', '.join(t for values in vocabulary.values() for t in values if t != UNKNOWN)
      why = f'two tags of group {group!r}' if group else 'unknown tag'
      raise UserError(f'Invalid --tags ({why}). Received: tags={text!r}; accepted: '
                      f'comma-separated tags, at most one per group, from: {accepted}')
    request[group] = list(vocabulary[group]).index(tag)
  return request


class FakeLabels:
  """Stateless draws of fake labels for the generator: int32 [B, G], like z a function of a seed.

  'empirical' draws from the real joint distribution of the groups: a row of the real label
  table, each row equally likely (rows are merged into their distinct combinations, weighted by
  their counts, which is the same distribution at a smaller draw). 'uniform' draws each group
  independently and uniformly over its named values, so every combination is equally likely
  (the unknown class is never asked for: it names no look).
  """

  def __init__(self, labels, num_named, distribution='empirical'):
    """
    Args:
      labels: int [N, G], the real labels of the images training sees (`kept_labels()`).
      num_named: [G] named values per group (`LabelTable.num_named`).
      distribution: 'empirical' or 'uniform'.
    Raises:
      UserError: a distribution not in FAKE_LABELS.
      ValueError: no labels, or labels and num_named of different widths.
    """
    if distribution not in FAKE_LABELS:
      raise UserError(f'Invalid --fake_labels. Received: fake_labels={distribution!r}; '
                      f'accepted: {", ".join(FAKE_LABELS)}')
    labels = np.asarray(labels, np.int32)
    if labels.ndim != 2 or not len(labels) or labels.shape[1] != len(num_named):
      raise ValueError(f'Invalid labels. Received: labels of shape {labels.shape} with '
                       f'num_named={tuple(num_named)}; accepted: a non-empty [N, G] table')
    self.distribution = distribution
    self.num_named = tuple(int(n) for n in num_named)
    self.combinations, counts = np.unique(labels, axis=0, return_counts=True)
    self.log_counts = np.log(counts).astype(np.float32)

  @classmethod
  def from_table(cls, table, distribution='empirical'):
    return cls(table.kept_labels(), table.num_named, distribution)

  def sample(self, shape, seed):
    """int32 [shape[0], G] labels drawn from `seed` (an int tensor [2], as stateless ops take).

    `shape` is [B] or [B, G], so that gan.py's `_replica_slice(shape, draw, sampler)` can draw
    the global batch and keep this replica's slice, as it does for z.
    """
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    batch = shape[0]
    if self.distribution == 'empirical':
      rows = tf.random.stateless_categorical(self.log_counts[None], batch, seed=seed)[0]
      return tf.gather(tf.constant(self.combinations, tf.int32), rows)
    columns = []
    for group, n in enumerate(self.num_named):
      group_seed = tf.random.experimental.stateless_fold_in(seed, group)
      columns.append(tf.random.stateless_categorical(tf.zeros([1, n]), batch, seed=group_seed,
                                                     dtype=tf.int32)[0])
    return tf.stack(columns, axis=1)
