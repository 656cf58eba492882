"""The tricks through build_gan and train_step: label smoothing, r1 (lazy), dragan."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import testing_utils

from tfgan_anime import gan as gan_lib
from tfgan_anime.training import builders


_config = testing_utils.tiny_gan_config
_fit = testing_utils.fit_on_noise


class BuildGanTest(tf.test.TestCase, parameterized.TestCase):

  def test_label_smoothing_reaches_the_discriminator_loss(self):
    gan = builders.build_gan(_config(label_smoothing=0.2))
    # Real logit 0, fake logit 0: 0.8 softplus(0) + 0.2 softplus(0) + softplus(0) = 2 ln 2, the
    # same as unsmoothed at 0; at real logit 2: 0.8 sp(-2) + 0.2 sp(2) + ln 2.
    value = gan.d_loss_fn(tf.constant([2.0]), tf.constant([0.0]))
    self.assertAllClose(value, 0.8 * 0.12692801 + 0.2 * 2.12692801 + np.log(2.0), rtol=1e-6)

  @parameterized.parameters(('r1', 2), ('dragan', 1))
  def test_penalty_trains(self, penalty, every):
    config = _config(penalty=penalty, gp_weight=5.0, penalty_every=every)
    gan = builders.build_gan(config)
    self.assertEqual(gan.penalty_options.every, every)
    history = _fit(gan, config, steps=3)
    self.assertIn(penalty, history)
    self.assertIn('grad_norm', history)
    for values in history.values():
      self.assertTrue(np.all(np.isfinite(values)))
    self.assertEqual(gan_lib.train_step_traces(gan), 1)

  def test_lazy_r1_skips_odd_steps(self):
    # every=2: generator step 0 applies the penalty (and logs it), step 1 skips it (logs 0).
    config = _config(penalty='r1', gp_weight=5.0, penalty_every=2)
    gan = builders.build_gan(config)
    history = _fit(gan, config, steps=1)  # Step 0: applied.
    self.assertGreater(history['r1'][0], 0.0)
    history = _fit(gan, config, steps=1)  # Step 1: skipped.
    self.assertEqual(history['r1'][0], 0.0)
    self.assertEqual(history['grad_norm'][0], 0.0)


if __name__ == '__main__':
  tf.test.main()
