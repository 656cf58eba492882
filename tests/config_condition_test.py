"""The conditioning options of TrainConfig (--condition and friends): values, combinations,
and the tags file, each refused in one line before any TensorFlow work."""

import os

from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.errors import UserError


class ConditionValidateTest(tf.test.TestCase, parameterized.TestCase):

  def _config(self, **overrides):
    return config_lib.TrainConfig(model_dir=os.path.join(self.get_temp_dir(), 'run'),
                                  **overrides)

  def test_unconditional_by_default(self):
    config = self._config()
    config.validate()
    self.assertEqual(config.condition, '')

  @parameterized.parameters('hair', 'eyes', 'hair,eyes', 'eyes, hair')
  def test_groups(self, condition):
    self._config(condition=condition).validate()

  def test_concat_modes_take_any_norm(self):
    self._config(condition='hair', g_condition='concat', g_norm='none',
                 d_condition='concat', d_norm='spectral', penalty='none').validate()

  @parameterized.named_parameters(
      ('unknown_group', dict(condition='hair,nose'), r"--condition.*'hair,nose'.*hair, eyes"),
      ('repeated_group', dict(condition='hair,hair'), r'--condition.*distinct'),
      ('empty_name', dict(condition='hair,'), r'--condition'),
      ('toy_data', dict(condition='hair', data='toy2d:ring8', architecture='mlp'),
       r'--condition.*with --data=toy2d:ring8'),
      ('tfds_data', dict(condition='hair', data='tfds:mnist'), r'--condition.*tfds:mnist'),
      ('shards', dict(condition='hair', data='tfrecord:x/*.tfrecord'), r'--condition.*tfrecord'),
      ('talk_networks', dict(condition='hair', architecture='mnist', resolution=28),
       r'--condition.*--architecture=mnist'),
      ('paper_generator', dict(condition='hair', g_arch='resnet'), r'--condition.*resnet'),
      ('cbn_without_batch_norm', dict(condition='hair', g_norm='none'),
       r'--g_condition.*concat with --g_norm=none'),
      ('virtual_batch_norm', dict(condition='hair', g_condition='concat', g_norm='virtual'),
       r'--g_norm.*batch or none with --condition=hair'),
      ('policy', dict(label_policy='keep'), r'--label_policy.*drop, unknown'),
      ('fake_labels', dict(fake_labels='real'), r'--fake_labels.*empirical, uniform'),
      ('g_condition', dict(g_condition='film'), r'--g_condition.*cbn, concat'),
      ('d_condition', dict(d_condition='acgan'), r'--d_condition.*projection, concat'),
  )
  def test_invalid(self, overrides, pattern):
    with self.assertRaisesRegex(UserError, pattern) as raised:
      self._config(**overrides).validate()
    self.assertNotIn('\n', str(raised.exception))


class ConditionPathsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.folder = os.path.join(self.get_temp_dir(), 'images')
    os.makedirs(self.folder, exist_ok=True)

  def _config(self, **overrides):
    return config_lib.TrainConfig(model_dir=os.path.join(self.get_temp_dir(), 'run'),
                                  data=self.folder, condition='hair', **overrides)

  def test_a_folder_without_a_tags_file_fails_in_one_line(self):
    with self.assertRaisesRegex(UserError, r'no tags file.*condition=.hair.*tags\.csv') as raised:
      self._config().check_paths()
    self.assertNotIn('\n', str(raised.exception))

  def test_a_missing_tags_file_fails_in_one_line(self):
    with self.assertRaisesRegex(UserError, r'--tags_file.*nothing\.csv'):
      self._config(tags_file=os.path.join(self.folder, 'nothing.csv')).check_paths()

  def test_tags_in_the_folder_or_elsewhere(self):
    tags = os.path.join(self.get_temp_dir(), 'tags.txt')
    with open(tags, 'w') as f:
      f.write('0,red hair:1\n')
    self._config(tags_file=tags).check_paths()
    with open(os.path.join(self.folder, 'tags.csv'), 'w') as f:
      f.write('0,red hair:1\n')
    self._config().check_paths()

  def test_synthetic_faces_draw_their_tags(self):
    config_lib.TrainConfig(model_dir=os.path.join(self.get_temp_dir(), 'run'),
                           data='synthetic_faces', condition='hair,eyes').check_paths()


if __name__ == '__main__':
  tf.test.main()
