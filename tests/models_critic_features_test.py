"""A critic returning (logits, features of a named layer), for feature matching."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.models import critic_features
from tfgan_anime.models import dcgan
from tfgan_anime.models import mlp


class WithFeaturesTest(tf.test.TestCase):

  def test_dcgan_layer(self):
    critic = dcgan.build_critic(16, base_width=4)
    model = critic_features.with_features(critic, 'down1_lrelu')
    x = tf.random.normal([2, 16, 16, 3])
    logits, features = model(x)
    self.assertAllClose(logits, critic(x))
    self.assertEqual(features.shape, (2, 4, 4, 8))
    # The same weights: the tap's features move when the critic's do.
    critic.get_layer('down0').kernel.assign_add(tf.ones_like(critic.get_layer('down0').kernel))
    self.assertNotAllClose(model(x)[1], features)

  def test_features_by_hand_on_a_linear_critic(self):
    points = keras.Input((2,))
    hidden = keras.layers.Dense(2, use_bias=False, name='hidden')(points)
    critic = keras.Model(points, keras.layers.Dense(1, name='out')(hidden))
    critic.get_layer('hidden').kernel.assign([[1., 2.], [3., 4.]])
    _, features = critic_features.with_features(critic, 'hidden')(np.array([[1., 1.]]))
    self.assertAllClose(features, [[4., 6.]])

  def test_unknown_layer_lists_the_accepted_names_in_one_line(self):
    critic = dcgan.build_critic(16, base_width=4)
    with self.assertRaisesRegex(ValueError, r"^Unknown feature_matching layer of critic 'critic'\. "
                                r"Received: feature_matching='conv9'; accepted: down0, "
                                r'down0_lrelu, down1, down1_lrelu, logit$'):
      critic_features.with_features(critic, 'conv9')

  def test_the_logits_and_inputs_are_not_features(self):
    names = critic_features.feature_layer_names(mlp.build_critic(2, 4, 2))
    self.assertNotIn('flatten', names)
    self.assertTrue(names)
    critic = dcgan.build_critic(16, base_width=4)
    self.assertNotIn('images', critic_features.feature_layer_names(critic))
    self.assertNotIn('flatten', critic_features.feature_layer_names(critic))


if __name__ == '__main__':
  tf.test.main()
