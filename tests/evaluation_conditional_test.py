"""evaluate on a tag-conditional export: tag_conditional_accuracy against generators whose output
for each label is known (one that draws the requested colours, one that ignores the request),
and the unconditional metrics on labels from the training distribution."""

import json
import os
import tempfile

import keras
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import export as export_lib
from tfgan_anime.data import conditions as conditions_lib
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import report
from tfgan_anime.evaluation import runner
from tfgan_anime.metrics import tag_classifier as tc
from tfgan_anime.models import conditional
import testing_utils  # pylint: disable=g-bad-import-order

_SIZE = 16
_Z_DIM = 22  # 12 + 10: the ignoring generator picks its colours as argmaxes of z's parts


class _BlockFaces(keras.layers.Layer):
  """[z, labels] -> the tag classifier test's block face: top half the hair colour, bottom
  half the eye colour, in [-1, 1]. With `ignore_labels`, the colours come from z instead
  (argmax of z[:, :12] and of z[:, 12:22]: uniform and independent of the request)."""

  def __init__(self, hair_rgb, eye_rgb, ignore_labels=False, **kwargs):
    super().__init__(**kwargs)
    self.hair_rgb = np.asarray(hair_rgb, np.float32)
    self.eye_rgb = np.asarray(eye_rgb, np.float32)
    self.ignore_labels = ignore_labels

  def call(self, z, labels):
    if self.ignore_labels:
      hair = tf.argmax(z[:, :12], axis=1)
      eyes = tf.argmax(z[:, 12:22], axis=1)
    else:
      hair, eyes = labels[:, 0], labels[:, 1]
    top = tf.gather(tf.constant(self.hair_rgb), hair)[:, None, None, :]
    bottom = tf.gather(tf.constant(self.eye_rgb), eyes)[:, None, None, :]
    half = [1, _SIZE // 2, _SIZE, 1]
    image = tf.concat([tf.tile(top, half), tf.tile(bottom, half)], axis=1)
    return image / 127.5 - 1.0


def _block_image(hair, eyes):
  image = np.zeros((_SIZE, _SIZE, 3), np.uint8)
  image[:_SIZE // 2] = tc.synthetic.HAIR_COLORS[hair]
  image[_SIZE // 2:] = tc.synthetic.EYE_COLORS[eyes]
  return image


class TagConditionalAccuracyTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tempfile.mkdtemp()
    cls.cache_dir = os.path.join(root, 'cache')
    # A folder like the synthetic faces: block faces and their tags.csv, so that the tag
    # classifier trains on it (in seconds) and reads block faces almost perfectly.
    cls.folder = os.path.join(root, 'faces')
    os.makedirs(os.path.join(cls.folder, 'faces'))
    rng = np.random.default_rng(0)
    tags_by_id = {}
    for i in range(1200):
      hair, eyes = tc.HAIR_COLORS[rng.integers(12)], tc.EYE_COLORS[rng.integers(10)]
      Image.fromarray(_block_image(hair, eyes)).save(
          os.path.join(cls.folder, 'faces', f'{i:04d}.png'))
      tags_by_id[f'{i:04d}'] = [f'{hair} hair', f'{eyes} eyes', 'bob']
    tags_lib.write_tags(os.path.join(cls.folder, 'tags.csv'), tags_by_id)
    # The vocabulary as training writes it (data/conditions.py): sorted tag names per group.
    table = conditions_lib.load_labels(cls.folder, 'hair,eyes')
    cls.conditions = conditions_lib.vocabulary_json(table)
    hair_rgb = [tc.synthetic.HAIR_COLORS[tag[:-len(' hair')]]
                for tag in cls.conditions['vocabulary']['hair']]
    eye_rgb = [tc.synthetic.EYE_COLORS[tag[:-len(' eyes')]]
               for tag in cls.conditions['vocabulary']['eyes']]
    cls.exports = {}
    for name, ignore in (('obeys', False), ('ignores', True)):
      z = keras.Input((_Z_DIM,), name='z')
      labels = keras.Input((2,), dtype='int32', name='labels')
      generator = keras.Model([z, labels], _BlockFaces(hair_rgb, eye_rgb, ignore)(z, labels))
      cls.exports[name] = export_lib.export_generator(
          generator, os.path.join(root, name, 'export'), conditions=cls.conditions)

  def _evaluate(self, name):
    return runner.evaluate(('swd',), 600, self.folder, saved_model=self.exports[name],
                           cache_dir=self.cache_dir, seed=0)

  def test_a_generator_that_draws_the_requested_colours_scores_about_one(self):
    results = self._evaluate('obeys')
    accuracy = results['tag_conditional_accuracy']
    print('draws the request:', accuracy)
    self.assertEqual(set(accuracy), {'hair', 'eyes', 'joint'})
    self.assertGreater(accuracy['hair'], 0.95)
    self.assertGreater(accuracy['eyes'], 0.95)
    self.assertGreater(accuracy['joint'], 0.9)
    self.assertLessEqual(accuracy['joint'], min(accuracy['hair'], accuracy['eyes']))
    # The unconditional metrics are there too, on labels from the training distribution.
    self.assertIn('swd_x1e3', results)
    self.assertRegex(report.format_table(results, 't'),
                     r'tag-conditional accuracy \(uniform requests\)\s+hair (0\.9\d\d|1\.000), '
                     r'eyes (0\.9\d\d|1\.000), joint (0\.9\d\d|1\.000)')

  def test_a_generator_that_ignores_the_request_scores_chance(self):
    results = self._evaluate('ignores')
    accuracy = results['tag_conditional_accuracy']
    print('ignores the request:', accuracy)
    # Chance: 1/12 = 0.083 (std 0.011 at 600 samples), 1/10, 1/120.
    self.assertBetween(accuracy['hair'], 0.04, 0.14)
    self.assertBetween(accuracy['eyes'], 0.05, 0.16)
    self.assertLess(accuracy['joint'], 0.04)
    # Its SWD against the real faces is still small: the colours are right, only not on request.
    obeys = self._evaluate('obeys')
    self.assertLess(abs(results['swd_x1e3'] - obeys['swd_x1e3']),
                    max(results['swd_x1e3'], obeys['swd_x1e3']))

  def test_the_binary_prints_and_writes_it(self):
    result = testing_utils.run_module(
        'tfgan_anime.evaluate', f'--saved_model={self.exports["obeys"]}', f'--data={self.folder}',
        '--metrics=swd', '--num_samples=100', f'--cache_dir={self.cache_dir}')
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    self.assertRegex(result.stdout, r'tag-conditional accuracy \(uniform requests\)\s+hair '
                     r'(0\.9\d\d|1\.000), eyes (0\.9\d\d|1\.000), joint (0\.9\d\d|1\.000)')
    with open(os.path.join(os.path.dirname(self.exports['obeys']), 'eval.json')) as f:
      written = json.load(f)
    self.assertEqual(set(written['tag_conditional_accuracy']), {'hair', 'eyes', 'joint'})
    self.assertGreater(written['tag_conditional_accuracy']['joint'], 0.9)

  def test_accuracy_against_hand_counts(self):
    maps = {'hair': np.array([3, 0, -1]), 'eyes': np.array([1, 2])}
    requested = np.array([[0, 0], [0, 1], [1, 1], [1, 0]])
    hair_probs = np.eye(4)[[3, 3, 0, 2]]  # right, right, right, wrong
    eye_probs = np.eye(3)[[1, 1, 2, 1]]  # right, wrong, right, right
    self.assertEqual(runner.tag_conditional_accuracy(
        requested, {'hair': hair_probs, 'eyes': eye_probs}, maps),
                     {'hair': 0.75, 'eyes': 0.75, 'joint': 0.5})

  def test_other_tags_on_other_data_are_evaluated_without_the_accuracy(self):
    # The real data set's tags ('light brown hair') on a folder without the classifier's
    # tags.csv: the unconditional metrics, on labels from the counts, and no refusal.
    folder = os.path.join(self.get_temp_dir(), 'plain')
    os.makedirs(folder)
    rng = np.random.default_rng(1)
    for i in range(12):
      Image.fromarray(rng.integers(0, 256, (_SIZE, _SIZE, 3), dtype=np.uint8)).save(
          os.path.join(folder, f'{i}.png'))
    conditions = {'groups': ['hair'], 'vocabulary': {'hair': ['light brown hair', 'red hair']},
                  'policy': 'drop', 'counts': {'hair': [3, 1]}}
    generator = conditional.build_generator(_SIZE, groups=(2,), z_dim=8, base_width=4)
    path = export_lib.export_generator(generator, os.path.join(self.get_temp_dir(), 'e'),
                                       conditions=conditions)
    results = runner.evaluate(('swd',), 10, folder, saved_model=path, cache_dir=self.cache_dir)
    self.assertIn('swd_x1e3', results)
    self.assertNotIn('tag_conditional_accuracy', results)

  def test_tags_the_classifier_does_not_read_are_refused_in_one_line(self):
    maps = runner.check_classifier_tags(self.conditions)
    self.assertEqual(maps['hair'][self.conditions['vocabulary']['hair'].index('red hair')],
                     tc.HAIR_COLORS.index('red'))
    unknown = {'groups': ['hair'], 'vocabulary': {'hair': ['red hair', 'unknown']}}
    self.assertAllEqual(runner.check_classifier_tags(unknown)['hair'],
                        [tc.HAIR_COLORS.index('red'), -1])
    real_tags = {'groups': ['hair'], 'vocabulary': {'hair': ['light brown hair', 'red hair']}}
    with self.assertRaisesRegex(UserError, r"tag_conditional_accuracy cannot be measured. "
                                r"Received: group 'hair' tag 'light brown hair'; accepted: "
                                r'.*hair: blonde hair, brown hair') as raised:
      runner.check_classifier_tags(real_tags)
    self.assertNotIn('\n', str(raised.exception))


if __name__ == '__main__':
  tf.test.main()
