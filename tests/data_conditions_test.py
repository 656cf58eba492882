"""Tag groups -> labels: parsing, policies, counts, vocabulary, requests, stateless fake labels."""

import json
import os

import numpy as np
import tensorflow as tf

from tfgan_anime.data import conditions
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError

# The synthetic faces' style: a colour and a style tag both end in ' hair'.
TAGS = {
    '0': {'red hair': 1, 'long hair': 1, 'blue eyes': 1, 'blush': 1},
    '1': {'blonde hair': 1, 'short hair': 1, 'blue eyes': 1},
    '2': {'red hair': 1, 'green eyes': 1, 'hair between eyes': 1},
    '3': {'red hair': 1, 'blonde hair': 1, 'green eyes': 1},  # several hair colours
    '4': {'twintails': 1, 'blue eyes': 1},  # no hair colour
    '5': {'light brown hair': 1, 'closed eyes': 1},  # no eye colour
}


class ConditionsTest(tf.test.TestCase):

  def test_parse_groups(self):
    self.assertEqual(conditions.parse_groups('hair, eyes'), ('hair', 'eyes'))
    self.assertEqual(conditions.parse_groups(''), ())
    for bad in ('hair,', 'hat', 'hair,hair'):
      with self.assertRaisesRegex(UserError, f'condition={bad!r}.*accepted: .*hair, eyes'):
        conditions.parse_groups(bad)

  def test_tag_group_takes_colours_only(self):
    self.assertEqual(conditions.tag_group('red hair'), 'hair')
    self.assertEqual(conditions.tag_group('light brown hair'), 'hair')
    self.assertEqual(conditions.tag_group('blue eyes'), 'eyes')
    for other in ('long hair', 'short hair', 'hair between eyes', 'closed eyes', 'blush',
                  'red', 'light hair'):
      self.assertIsNone(conditions.tag_group(other), other)

  def test_drop_policy(self):
    table = conditions.build_labels(TAGS, 'hair,eyes')
    self.assertEqual(table.vocabulary, {'hair': ('blonde hair', 'red hair'),
                                        'eyes': ('blue eyes', 'green eyes')})
    self.assertEqual(table.image_ids, ('0', '1', '2', '3', '4', '5'))
    self.assertEqual(table.kept.tolist(), [True, True, True, False, False, False])
    self.assertAllEqual(table.kept_labels(), [[1, 0], [0, 0], [1, 1]])
    self.assertAllEqual(table.labels[3:], -np.ones([3, 2]))
    self.assertEqual(table.affected, {'hair': {'none': 1, 'several': 1},
                                      'eyes': {'none': 1, 'several': 0}})
    self.assertEqual(table.num_classes, (2, 2))
    self.assertEqual(table.describe(),
                     'Conditioning on hair (2 values), eyes (2 values): 3 of 6 images kept, '
                     'dropped 3 (hair: 1 without a tag, 1 with several; eyes: 1 without a tag, '
                     '0 with several).')

  def test_unknown_policy(self):
    table = conditions.build_labels(TAGS, ['hair', 'eyes'], policy='unknown')
    # 'light brown hair' is a clear tag of a kept image now, so it is a class.
    self.assertEqual(table.vocabulary['hair'],
                     ('blonde hair', 'light brown hair', 'red hair', 'unknown'))
    self.assertEqual(table.vocabulary['eyes'], ('blue eyes', 'green eyes', 'unknown'))
    self.assertTrue(table.kept.all())
    self.assertAllEqual(table.labels, [[2, 0], [0, 0], [2, 1], [3, 1], [3, 0], [1, 2]])
    self.assertEqual(table.num_named, (3, 2))
    self.assertIn('labelled unknown where unclear', table.describe())

  def test_one_group_and_image_ids_without_tags(self):
    table = conditions.build_labels(TAGS, 'eyes', image_ids=['2', '1', '9'])
    self.assertEqual(table.groups, ('eyes',))
    self.assertAllEqual(table.labels, [[1], [0], [-1]])
    self.assertEqual(table.affected, {'eyes': {'none': 1, 'several': 0}})

  def test_errors(self):
    with self.assertRaisesRegex(UserError, "group 'hair' with values \\['red hair'\\]"):
      conditions.build_labels({'0': {'red hair': 1, 'blue eyes': 1},
                               '1': {'red hair': 1, 'green eyes': 1}}, 'hair,eyes')
    with self.assertRaisesRegex(UserError, "label_policy='keep'.*drop, unknown"):
      conditions.build_labels(TAGS, 'hair', policy='keep')
    with self.assertRaisesRegex(UserError, 'condition=\\(\\)'):
      conditions.build_labels(TAGS, '')

  def test_load_labels_from_a_folder(self):
    folder = self.get_temp_dir()
    tags_lib.write_tags(os.path.join(folder, 'tags.csv'),
                        {image_id: list(tags) for image_id, tags in TAGS.items()})
    table = conditions.load_labels(folder, 'hair,eyes')
    self.assertAllEqual(table.kept_labels(), [[1, 0], [0, 0], [1, 1]])
    self.assertEqual(conditions.image_id('x/faces/00012.jpg'), '00012')

  def test_no_tags_file(self):
    folder = os.path.join(self.get_temp_dir(), 'empty')
    os.makedirs(folder)
    with self.assertRaisesRegex(UserError, f"condition='hair' with data folder '{folder}'.*"
                                'tags.csv, or --tags_file'):
      conditions.load_labels(folder, 'hair')
    with self.assertRaisesRegex(UserError, "tags_file='/nope.csv'"):
      conditions.load_labels(folder, 'hair', tags_file='/nope.csv')

  def test_malformed_line_is_one_user_error(self):
    path = os.path.join(self.get_temp_dir(), 'bad.csv')
    with open(path, 'w', encoding='utf-8') as f:
      f.write('0,red hair:1 blue eyes:1\n1,red hair blue eyes\n')
    with self.assertRaisesRegex(UserError, 'bad.csv:2: malformed tag at column 1'):
      conditions.load_labels(self.get_temp_dir(), 'hair', tags_file=path)
    with open(path, 'w', encoding='utf-8') as f:
      f.write('no comma here\n')
    with self.assertRaisesRegex(UserError, 'bad.csv:1: expected "id,tag:count'):
      conditions.load_labels(self.get_temp_dir(), 'hair', tags_file=path)

  def test_write_vocabulary(self):
    table = conditions.build_labels(TAGS, 'hair,eyes')
    path = conditions.write_vocabulary(self.get_temp_dir(), table)
    self.assertEqual(os.path.basename(path), 'conditions.json')
    with open(path, encoding='utf-8') as f:
      self.assertEqual(json.load(f), {
          'groups': ['hair', 'eyes'],
          'vocabulary': {'hair': ['blonde hair', 'red hair'], 'eyes': ['blue eyes', 'green eyes']},
          'policy': 'drop', 'counts': {'hair': [1, 2], 'eyes': [2, 1]}})

  def test_parse_request(self):
    vocabulary = conditions.build_labels(TAGS, 'hair,eyes', policy='unknown').vocabulary
    self.assertEqual(conditions.parse_request('red hair, green eyes', vocabulary),
                     {'hair': 2, 'eyes': 1})
    self.assertEqual(conditions.parse_request('blue eyes', vocabulary), {'eyes': 0})
    for bad in ('grey hair', 'unknown', 'red hair,blonde hair'):
      with self.assertRaisesRegex(UserError, f'tags={bad!r}; accepted: .*blonde hair, '
                                  'light brown hair, red hair, blue eyes, green eyes$'):
        conditions.parse_request(bad, vocabulary)


class FakeLabelsTest(tf.test.TestCase):

  LABELS = np.array([[0, 0]] * 6 + [[1, 2]] * 3 + [[2, 1]] * 1, np.int32)

  def test_deterministic_per_seed(self):
    for distribution in conditions.FAKE_LABELS:
      fake = conditions.FakeLabels(self.LABELS, (3, 3), distribution)
      a = fake.sample([64, 2], seed=tf.constant([7, 3], tf.int64))
      b = fake.sample([64], seed=tf.constant([7, 3], tf.int64))
      c = fake.sample([64], seed=tf.constant([7, 4], tf.int64))
      self.assertEqual(a.dtype, tf.int32)
      self.assertEqual(a.shape, (64, 2))
      self.assertAllEqual(a, b)
      self.assertNotAllEqual(a, c)

  def test_empirical_frequencies(self):
    fake = conditions.FakeLabels(self.LABELS, (3, 3))
    draws = fake.sample([20000], seed=tf.constant([1, 2])).numpy()
    combos, counts = np.unique(draws, axis=0, return_counts=True)
    # Only real rows, at their frequencies 0.6, 0.3, 0.1 (4 sigma at n = 20000 is ~0.014).
    self.assertAllEqual(combos, [[0, 0], [1, 2], [2, 1]])
    self.assertAllClose(counts / 20000, [0.6, 0.3, 0.1], atol=0.015)

  def test_uniform_over_named_combinations(self):
    # The third class of group 1 is an unknown class: never asked for.
    fake = conditions.FakeLabels(self.LABELS, (3, 2), 'uniform')
    draws = fake.sample([24000], seed=tf.constant([5, 0])).numpy()
    joint = np.zeros([3, 2])
    np.add.at(joint, (draws[:, 0], draws[:, 1]), 1)
    self.assertEqual(joint.sum(), 24000)
    self.assertAllClose(joint / 24000, np.full([3, 2], 1 / 6), atol=0.012)

  def test_from_table_and_errors(self):
    table = conditions.build_labels(TAGS, 'hair,eyes')
    fake = conditions.FakeLabels.from_table(table)
    self.assertEqual(fake.num_named, (2, 2))
    self.assertAllEqual(fake.combinations, [[0, 0], [1, 0], [1, 1]])
    with self.assertRaisesRegex(UserError, "fake_labels='real'"):
      conditions.FakeLabels(self.LABELS, (3, 3), 'real')
    with self.assertRaisesRegex(ValueError, 'shape \\(10, 2\\) with num_named=\\(3,\\)'):
      conditions.FakeLabels(self.LABELS, (3,))


if __name__ == '__main__':
  tf.test.main()
