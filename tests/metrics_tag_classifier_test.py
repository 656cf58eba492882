"""The synthetic faces' tag classifier: labels, histograms, smoothed KL, training and its cache."""

import math
import os
from unittest import mock

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.data import pil_images
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import protocol
from tfgan_anime.metrics import tag_classifier as tc

_SIZE = 16


def _block_image(hair, eyes):
  """Top half in the hair colour, bottom half in the eye colour: learnable in a few epochs."""
  image = np.zeros((_SIZE, _SIZE, 3), np.uint8)
  image[:_SIZE // 2] = tc.synthetic.HAIR_COLORS[tc.HAIR_COLORS[hair]]
  image[_SIZE // 2:] = tc.synthetic.EYE_COLORS[tc.EYE_COLORS[eyes]]
  return image


def _one_hot(indices, classes):
  return np.eye(classes)[indices]


class HistogramTest(tf.test.TestCase):

  def test_labels_from_tags(self):
    tags = {'1': {'blonde hair': 1, 'blue eyes': 1, 'bob': 1},
            '2': {'grey hair': 1, 'orange eyes': 1, 'blush': 1}}
    hair, eyes = tc.labels_from_tags(tags, ['2', '1'])
    self.assertAllEqual(hair, [tc.HAIR_COLORS.index('grey'), 0])
    self.assertAllEqual(eyes, [tc.EYE_COLORS.index('orange'), 0])
    with self.assertRaisesRegex(ValueError, "image_id='3'"):
      tc.labels_from_tags(tags, ['3'])
    with self.assertRaisesRegex(ValueError, "one hair and one eye colour.*image_id='4'"):
      tc.labels_from_tags({'4': {'blue eyes': 1}}, ['4'])

  def test_smoothed_reverse_kl_known_answers(self):
    self.assertEqual(tc.smoothed_reverse_kl([3, 0, 5], [3, 0, 5]), 0.0)
    # g = [1, 0], r = [0, 1]: q = [3/4, 1/4], p = [1/4, 3/4]; KL = 3/4 log 3 - 1/4 log 3.
    self.assertAllClose(tc.smoothed_reverse_kl([1, 0], [0, 1]), 0.5 * math.log(3))
    # Finite where the real sample has an empty bin.
    self.assertTrue(np.isfinite(tc.smoothed_reverse_kl([10, 0], [0, 10])))

  def test_joint_histogram_and_metrics(self):
    hair = _one_hot([0, 0, 1, 11], 12)
    eyes = _one_hot([0, 0, 2, 9], 10)
    counts = tc.joint_histogram(hair, eyes)
    self.assertEqual(counts.shape, (12, 10))
    self.assertEqual(counts[0, 0], 2)
    self.assertEqual(counts[1, 2], 1)
    self.assertEqual(counts[11, 9], 1)
    self.assertEqual(counts.sum(), 4)
    features = np.random.default_rng(0).normal(size=(4, 3))
    same = tc.tag_metrics((hair, eyes, features), (hair, eyes, features))
    self.assertEqual(same['tag_combinations_covered'], 3)
    self.assertEqual(same['tag_num_combinations'], 120)
    self.assertEqual(same['tag_reverse_kl'], 0.0)
    self.assertAllClose(same['tag_fd'], 0.0, atol=1e-6)
    # All generated images on one combination that the real images also have.
    collapsed = tc.tag_metrics((hair, eyes, features),
                               (_one_hot([0] * 4, 12), _one_hot([0] * 4, 10), features))
    self.assertEqual(collapsed['tag_combinations_covered'], 1)
    self.assertGreater(collapsed['tag_reverse_kl'], 0.0)
    self.assertEqual(collapsed['tag_eye_reverse_kl'] > 0, True)


class TrainAndCacheTest(tf.test.TestCase):

  def test_trains_on_a_tags_folder_and_reloads_from_the_cache(self):
    folder = os.path.join(self.get_temp_dir(), 'faces')
    os.makedirs(os.path.join(folder, 'faces'))
    rng = np.random.default_rng(0)
    tags_by_id = {}
    for i in range(1200):
      hair, eyes = int(rng.integers(12)), int(rng.integers(10))
      Image.fromarray(_block_image(hair, eyes)).save(os.path.join(folder, 'faces', f'{i:04d}.png'))
      tags_by_id[f'{i:04d}'] = [f'{tc.HAIR_COLORS[hair]} hair', f'{tc.EYE_COLORS[eyes]} eyes']
    tags_lib.write_tags(os.path.join(folder, tc.TAGS_FILENAME), tags_by_id)
    cache = os.path.join(self.get_temp_dir(), 'cache')

    def load(files):
      return protocol.images_from_files(files, _SIZE)

    files = pil_images.list_images(folder)
    classifier = tc.load_or_train(cache, folder, _SIZE, files, load, progress=False)
    # Solid colour blocks are easy: the held-out 240 are read almost perfectly.
    self.assertGreater(classifier.accuracy['hair'], 0.9)
    self.assertGreater(classifier.accuracy['eyes'], 0.9)
    self.assertTrue(os.path.isfile(tc.weights_path(cache, _SIZE, len(files))))
    # The weights and the accuracy, and no temporary file beside them.
    weights_name = os.path.basename(tc.weights_path(cache, _SIZE, len(files)))
    self.assertCountEqual(os.listdir(os.path.join(cache, 'tag_classifier')),
                          [weights_name, weights_name[:-len('.weights.npz')] + '.json'])
    images = np.stack([_block_image(h, e) for h, e in ((0, 0), (5, 7), (11, 9))])
    hair, eyes, features = classifier.predict(images)
    self.assertEqual(features.shape, (3, tc.FEATURE_DIM))
    self.assertAllClose(hair.sum(1), np.ones(3))
    # The second call loads the cached weights and does not train again.
    with mock.patch.object(tc, 'train_classifier', side_effect=AssertionError('trained again')):
      cached = tc.load_or_train(cache, folder, _SIZE, files, load, progress=False)
    self.assertEqual(cached.accuracy, classifier.accuracy)
    self.assertAllClose(cached.predict(images)[0], hair, atol=1e-6)
    # A classifier of more faces is not taken for one of fewer (a small folder's is weaker).
    with mock.patch.object(tc, 'train_classifier', side_effect=AssertionError('trained again')):
      with self.assertRaisesRegex(AssertionError, 'trained again'):
        tc.load_or_train(cache, folder, _SIZE, files[:len(files) // 2], load, progress=False)
    with self.assertRaisesRegex(ValueError, r'reads uint8 \[N, 16, 16, 3\]'):
      classifier.predict(images.astype(np.float32))

  def test_weights_round_trip_and_object_arrays_are_never_unpickled(self):
    model = tc.build_classifier(_SIZE, width=4)
    path = os.path.join(self.get_temp_dir(), 'w.weights.npz')
    tc.save_weights(model, path)
    other = tc.build_classifier(_SIZE, width=4)
    tc.load_weights(other, path)
    for saved, loaded in zip(model.get_weights(), other.get_weights()):
      self.assertAllEqual(saved, loaded)
    np.savez(path, w000=np.array([{'a': 1}], dtype=object))
    with self.assertRaisesRegex(ValueError, 'allow_pickle=False'):
      tc.load_weights(other, path)

  def test_needs_a_tags_file(self):
    with self.assertRaisesRegex(UserError, 'without tags.csv; accepted: --data=synthetic_faces'):
      tc.load_or_train(os.path.join(self.get_temp_dir(), 'c'), self.get_temp_dir(), _SIZE, [],
                       lambda files: None, progress=False)


if __name__ == '__main__':
  tf.test.main()
