"""choices.py and the pure-python leaves that config.py uses agree with the implementations.

config.py validates options against `choices.py`, `data/spec.py` and `models/layout.py` so that
it loads no TensorFlow; these tests fail when an implementation gains or loses a name, or a leaf
drifts from the module it stands in for.
"""

from absl.testing import parameterized
import keras
import tensorflow as tf

from tfgan_anime import choices
from tfgan_anime import config as config_lib
from tfgan_anime import losses
from tfgan_anime.data import pipeline
from tfgan_anime.data import decode
from tfgan_anime.data import spec
from tfgan_anime.data import tfds as tfds_lib
from tfgan_anime.data import toy2d
from tfgan_anime.models import dcgan
from tfgan_anime.models import layout
from tfgan_anime.models import talk
from tfgan_anime.training import distribute
from tfgan_anime.training import loop


class RegistriesTest(tf.test.TestCase):

  def test_losses(self):
    self.assertEqual(tuple(losses.LOSSES), choices.LOSSES)

  def test_penalties(self):
    self.assertEqual(tuple(losses.PENALTIES), choices.PENALTIES)

  def test_norms(self):
    self.assertEqual(tuple(dcgan.GENERATOR_NORMS), choices.GENERATOR_NORMS)
    self.assertEqual(tuple(dcgan.CRITIC_NORMS), choices.CRITIC_NORMS)

  def test_strategies(self):
    self.assertEqual(tuple(distribute.STRATEGIES), choices.STRATEGIES)

  def test_toy_datasets(self):
    self.assertEqual(tuple(toy2d.DATASETS), choices.TOY_DATASETS)
    self.assertEqual(toy2d.PREFIX, choices.TOY_PREFIX)

  def test_architectures_and_channels(self):
    self.assertContainsSubset(talk.BUILDERS, choices.ARCHITECTURES)
    self.assertEqual(choices.TALK_RESOLUTIONS, talk.RESOLUTIONS)
    self.assertEqual(choices.CHANNELS, decode.CHANNELS)
    self.assertEqual(tfds_lib.PREFIX, choices.TFDS_PREFIX)

  def test_data_specs(self):
    self.assertEqual(pipeline.SYNTHETIC_FACES, choices.SYNTHETIC_FACES)
    self.assertEqual(pipeline.TFRECORD_PREFIX, choices.TFRECORD_PREFIX)

  def test_optimizers(self):
    for name in choices.OPTIMIZERS:
      self.assertIsInstance(loop.make_optimizer(name, 1e-4, 0.5, 0.9), keras.optimizers.Optimizer)
    with self.assertRaisesRegex(ValueError, 'accepted: adam, rmsprop'):
      loop.make_optimizer('sgd', 1e-4, 0.5, 0.9)

  def test_mixed_precision_policies(self):
    for name in choices.POLICIES:
      self.assertEqual(keras.mixed_precision.DTypePolicy(name).name, name)
    self.assertEqual(choices.MIXED_PRECISION, choices.POLICIES + ('auto',))

  def test_conditioning(self):
    from tfgan_anime.data import conditions  # pylint: disable=g-import-not-at-top
    from tfgan_anime.models import conditional  # pylint: disable=g-import-not-at-top
    self.assertEqual(tuple(conditions.GROUPS), choices.CONDITION_GROUPS)
    self.assertEqual(conditions.POLICIES, choices.LABEL_POLICIES)
    self.assertEqual(conditions.FAKE_LABELS, choices.FAKE_LABELS)
    self.assertEqual(conditional.GENERATOR_MODES, choices.G_CONDITIONS)
    self.assertEqual(conditional.CRITIC_MODES, choices.D_CONDITIONS)

  def test_config_validates_against_the_same_names(self):
    fields = {field.name: field.metadata['choices']
              for field in config_lib.dataclasses.fields(config_lib.TrainConfig)}
    self.assertEqual(fields['loss'], choices.LOSSES)
    self.assertEqual(fields['penalty'], choices.PENALTIES)
    self.assertEqual(fields['g_norm'], choices.GENERATOR_NORMS)
    self.assertEqual(fields['d_norm'], choices.CRITIC_NORMS)
    self.assertEqual(fields['strategy'], choices.STRATEGIES)


class LeavesTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters('toy2d:ring8', 'toy2d:swiss_roll', 'toy2d:', 'toy2d:ring9',
                            'synthetic_faces', '/data/faces', 'ring8')
  def test_toy_spec_matches_toy2d(self, data):
    self.assertEqual(spec.is_toy(data), toy2d.is_toy(data))
    try:
      expected = toy2d.parse(data)
    except ValueError as e:
      with self.assertRaises(ValueError) as raised:
        spec.parse_toy(data)
      self.assertEqual(str(raised.exception), str(e))
    else:
      self.assertEqual(spec.parse_toy(data), expected)

  @parameterized.parameters('tfrecord:/x/*.tfrecord', 'tfrecord:', '/x/a-*.tfrecord',
                            'synthetic_faces', '/data/faces', 'toy2d:ring8', 'x.tfrecords')
  def test_tfrecord_pattern_matches_pipeline(self, data):
    self.assertEqual(spec.tfrecord_pattern(data), pipeline.tfrecord_pattern(data))

  def test_dcgan_builds_from_the_layout(self):
    self.assertIs(dcgan.stage_layout, layout.stage_layout)
    self.assertEqual(layout.stage_layout(96), (6, 4))


if __name__ == '__main__':
  tf.test.main()
