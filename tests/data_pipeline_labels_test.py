"""The folder pipeline with --condition: (images, labels) pairs that stay aligned with their
files through the drop policy, the stateless shuffle, the cache and a resumed position."""

import os

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.data import conditions
from tfgan_anime.data import pipeline
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError

HAIR = ('blue hair', 'red hair', 'white hair')
EYES = ('brown eyes', 'green eyes')


def make_tagged_folder(root, count=30):
  """Image i is flat gray 8 * i; its tags follow from i, with a few unclear ones.

  Returns {i: (hair index, eyes index)} of the images the drop policy keeps.
  """
  os.makedirs(root, exist_ok=True)
  tags_by_id, expected = {}, {}
  for i in range(count):
    Image.fromarray(np.full((8, 8, 3), 8 * i, np.uint8)).save(os.path.join(root, f'{i:03d}.png'))
    hair, eyes = i % 3, (i // 3) % 2
    tags = [HAIR[hair], EYES[eyes], 'long hair', 'hair between eyes']
    if i == 4:
      tags = [EYES[eyes]]  # No hair colour: dropped.
    elif i == 7:
      tags = [HAIR[0], HAIR[1], EYES[eyes]]  # Two hair colours: dropped.
    else:
      expected[i] = (hair, eyes)
    tags_by_id[f'{i:03d}'] = tags
  tags_by_id['999'] = ['red hair', 'blue eyes']  # A tag line without an image: ignored.
  tags_lib.write_tags(os.path.join(root, 'tags.csv'), tags_by_id)
  return expected


def _pairs(dataset, elements):
  """[(image index, labels)] of the first `elements` elements, in stream order."""
  pairs = []
  for images, labels in dataset.take(elements):
    images = np.round((images.numpy() + 1) * 127.5)  # [B, n_critic, H, W, C]
    for b in range(images.shape[0]):
      for i in range(images.shape[1]):
        pairs.append((int(images[b, i, 0, 0, 0]) // 8, tuple(labels.numpy()[b, i])))
  return pairs


class LabelledFolderTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.root = os.path.join(self.get_temp_dir(), 'tagged')
    self.expected = make_tagged_folder(self.root)

  def _dataset(self, start=0, **kwargs):
    options = dict(condition='hair,eyes', seed=3, start_position=start, batch_size=2, n_critic=2)
    options.update(kwargs)
    return pipeline.make_dataset(self.root, 8, **options)

  @parameterized.parameters(None, 'memory')
  def test_every_image_comes_with_its_files_labels(self, cache):
    dataset, info = self._dataset(cache=cache)
    images, labels = dataset.element_spec
    self.assertEqual(images.shape.as_list(), [2, 2, 8, 8, 3])
    self.assertEqual(labels.shape.as_list(), [2, 2, 2])
    self.assertEqual(labels.dtype, tf.int32)
    self.assertEqual(info.num_images, 28)
    hair = info.labels.vocabulary['hair']
    eyes = info.labels.vocabulary['eyes']
    self.assertEqual(hair, HAIR)
    self.assertEqual(eyes, EYES)
    # Two epochs of 28 kept images: each appears twice, always with its own labels.
    pairs = _pairs(dataset, 14)
    seen = [index for index, _ in pairs]
    self.assertCountEqual(seen, sorted(self.expected) * 2)
    for index, labels in pairs:
      self.assertEqual(labels, self.expected[index], msg=f'image {index}')
    self.assertNotEqual(seen[:28], sorted(seen[:28]))  # Shuffled.

  @parameterized.parameters(None, 'memory')
  def test_a_resumed_stream_reads_what_an_uninterrupted_one_does(self, cache):
    straight = _pairs(self._dataset(cache=cache)[0], 12)
    resumed = _pairs(self._dataset(start=20, cache=cache)[0], 7)
    self.assertEqual(resumed, straight[20:48])

  def test_the_unknown_policy_keeps_every_image(self):
    dataset, info = self._dataset(label_policy='unknown')
    self.assertEqual(info.num_images, 30)
    self.assertEqual(info.labels.vocabulary['hair'], HAIR + ('unknown',))
    pairs = dict(_pairs(dataset, 8))
    self.assertEqual(pairs[4][0], 3)
    self.assertEqual(pairs[7][0], 3)
    self.assertEqual(pairs[5], self.expected[5])
    self.assertIn('30 of 30 images kept', info.labels.describe())

  def test_describe_counts_the_dropped_images(self):
    _, info = self._dataset()
    line = info.labels.describe()
    self.assertIn('28 of 30 images kept, dropped 2', line)
    self.assertIn('hair: 1 without a tag, 1 with several', line)

  def test_a_tags_file_elsewhere(self):
    elsewhere = os.path.join(self.get_temp_dir(), 'other_tags.txt')
    tags_lib.write_tags(elsewhere, {f'{i:03d}': [HAIR[i % 2], EYES[0]] for i in range(30)})
    _, info = self._dataset(condition='hair', tags_file=elsewhere)
    self.assertEqual(info.num_images, 30)
    self.assertEqual(info.labels.vocabulary, {'hair': HAIR[:2]})

  def test_no_tags_file_fails_in_one_line(self):
    os.remove(os.path.join(self.root, 'tags.csv'))
    with self.assertRaisesRegex(UserError, 'no tags file') as raised:
      self._dataset()
    self.assertNotIn('\n', str(raised.exception))

  def test_labels_need_a_folder(self):
    for data in ('tfds:mnist', 'toy2d:ring8', 'tfrecord:/nothing/*.tfrecord'):
      with self.assertRaisesRegex(UserError, 'Invalid --condition for this data'):
        pipeline.make_dataset(data, 8, 2, condition='hair')

  def test_too_few_kept_images(self):
    with self.assertRaisesRegex(UserError, r'28 readable images kept by --label_policy=drop'):
      self._dataset(batch_size=10, n_critic=3)

  def test_unconditional_elements_are_images_alone(self):
    dataset, info = pipeline.make_dataset(self.root, 8, 2, n_critic=2, seed=3)
    self.assertIsInstance(dataset.element_spec, tf.TensorSpec)
    self.assertIsNone(info.labels)
    self.assertEqual(info.num_images, 30)


class SyntheticFacesTest(tf.test.TestCase):

  def test_faces_carry_hair_and_eye_labels(self):
    cache_dir = os.path.join(self.get_temp_dir(), 'cache')
    dataset, info = pipeline.make_dataset('synthetic_faces', 16, 4, n_critic=1,
                                          synthetic_num_images=64, cache_dir=cache_dir,
                                          condition='hair,eyes')
    self.assertEqual(info.num_images, 64)  # Every face has one hair and one eye colour.
    self.assertEqual(info.labels.groups, ('hair', 'eyes'))
    images, labels = next(iter(dataset))
    self.assertEqual(images.shape, (4, 1, 16, 16, 3))
    self.assertEqual(labels.shape, (4, 1, 2))
    self.assertAllInRange(labels[..., 0], 0, len(info.labels.vocabulary['hair']) - 1)


if __name__ == '__main__':
  tf.test.main()
