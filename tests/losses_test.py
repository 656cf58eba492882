"""Golden values for every loss, and the gradient penalty on a linear critic."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime import losses

REAL = np.array([1.0, -2.0, 0.5], np.float32)
FAKE = np.array([-1.0, 3.0, 0.0], np.float32)


def _softplus(x):
  return np.log1p(np.exp(x))


class LossGoldenTest(tf.test.TestCase, parameterized.TestCase):

  def test_minimax_discriminator(self):
    # -log sigmoid(r) = softplus(-r); -log(1 - sigmoid(f)) = softplus(f).
    expected = np.mean(_softplus(-REAL)) + np.mean(_softplus(FAKE))
    self.assertAllClose(losses.minimax_discriminator_loss(REAL, FAKE), expected)
    # By hand: mean(softplus(-1), softplus(2), softplus(-0.5)) + mean(softplus(-1), softplus(3), ln2).
    by_hand = (0.31326169 + 2.12692801 + 0.47407698) / 3 + (0.31326169 + 3.04858735 + 0.69314718) / 3
    self.assertAllClose(losses.minimax_discriminator_loss(REAL, FAKE), by_hand)

  def test_minimax_generator(self):
    self.assertAllClose(losses.minimax_generator_loss(FAKE), -np.mean(_softplus(FAKE)))

  def test_non_saturating_generator(self):
    self.assertAllClose(losses.non_saturating_generator_loss(FAKE), np.mean(_softplus(-FAKE)))

  def test_wasserstein(self):
    # mean(fake) - mean(real) = 2/3 - (-1/6) = 5/6.
    self.assertAllClose(losses.wasserstein_critic_loss(REAL, FAKE), 5.0 / 6.0)
    self.assertAllClose(losses.wasserstein_generator_loss(FAKE), -2.0 / 3.0)

  def test_hinge(self):
    # relu(1 - r) = [0, 3, 0.5] -> 7/6; relu(1 + f) = [0, 4, 1] -> 5/3.
    self.assertAllClose(losses.hinge_discriminator_loss(REAL, FAKE), 7 / 6 + 5 / 3)
    self.assertAllClose(losses.hinge_generator_loss(FAKE), -2.0 / 3.0)

  def test_least_squares(self):
    # (r - 1)^2 = [0, 9, 0.25] -> 37/12; f^2 = [1, 9, 0] -> 10/3; half of the sum.
    self.assertAllClose(losses.least_squares_discriminator_loss(REAL, FAKE),
                        0.5 * (37 / 12 + 10 / 3))
    # (f - 1)^2 = [4, 4, 1] -> 3.
    self.assertAllClose(losses.least_squares_generator_loss(FAKE), 1.5)

  def test_logit_losses_are_stable_for_large_logits(self):
    big = np.array([1000.0, -1000.0], np.float32)
    for value in (losses.minimax_discriminator_loss(big, big),
                  losses.non_saturating_generator_loss(big),
                  losses.minimax_generator_loss(big)):
      self.assertTrue(np.isfinite(value))
    self.assertAllClose(losses.non_saturating_generator_loss(big), 500.0)

  def test_accepts_column_outputs(self):
    self.assertAllClose(losses.wasserstein_critic_loss(REAL[:, None], FAKE[:, None]), 5.0 / 6.0)

  @parameterized.parameters(*losses.LOSSES)
  def test_get_losses(self, name):
    d_fn, g_fn = losses.get_losses(name)
    self.assertTrue(np.isfinite(d_fn(REAL, FAKE)))
    self.assertTrue(np.isfinite(g_fn(FAKE)))

  def test_get_losses_unknown(self):
    with self.assertRaisesRegex(ValueError, "loss='nope'.*accepted: hinge"):
      losses.get_losses('nope')


class GradientPenaltyTest(tf.test.TestCase, parameterized.TestCase):
  """A linear critic D(x) = <w, x> has gradient w everywhere, so ||grad|| = ||w|| exactly."""

  def _linear_critic(self, w):
    w = tf.constant(w, tf.float32)
    return lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])

  def test_interpolate_is_per_sample(self):
    real = np.ones((2, 2, 2, 1), np.float32)
    fake = np.zeros((2, 2, 2, 1), np.float32)
    x_hat = losses.interpolate(real, fake, [0.25, 1.0])
    self.assertAllClose(x_hat[0], np.full((2, 2, 1), 0.25))
    self.assertAllClose(x_hat[1], np.ones((2, 2, 1)))

  @parameterized.parameters((0.5,), (1.0,), (3.0,))
  def test_linear_critic(self, scale):
    w = np.full((1, 4, 4, 3), scale / np.sqrt(48.0), np.float32)  # ||w|| = scale.
    rng = np.random.default_rng(0)
    real = rng.normal(size=(5, 4, 4, 3)).astype(np.float32)
    fake = rng.normal(size=(5, 4, 4, 3)).astype(np.float32)
    eps = rng.uniform(size=5).astype(np.float32)
    penalty, norms = losses.gradient_penalty(self._linear_critic(w), real, fake, eps)
    self.assertAllClose(norms, np.full(5, scale), atol=1e-5)
    self.assertAllClose(penalty, (scale - 1.0)**2, atol=1e-5)

  def test_one_sided_and_target(self):
    w = np.full((1, 2, 2, 1), 0.25, np.float32)  # ||w|| = 0.5.
    x = np.zeros((3, 2, 2, 1), np.float32)
    critic = self._linear_critic(w)
    self.assertAllClose(losses.gradient_penalty(critic, x, x, np.ones(3))[0], 0.25)
    self.assertAllClose(losses.gradient_penalty(critic, x, x, np.ones(3), one_sided=True)[0], 0.0)
    self.assertAllClose(losses.gradient_penalty(critic, x, x, np.ones(3), target=2.0)[0], 2.25)

  def test_norm_is_per_sample_for_a_nonlinear_critic(self):
    # D(x) = sum(x^2): grad = 2 x_hat, so each sample's norm is 2 ||x_hat_i||.
    real = np.stack([np.full((2, 2, 1), 1.0), np.full((2, 2, 1), 3.0)]).astype(np.float32)
    fake = np.zeros_like(real)
    eps = np.array([0.5, 1.0], np.float32)
    _, norms = losses.gradient_penalty(
        lambda x: tf.reduce_sum(tf.square(x), axis=[1, 2, 3]), real, fake, eps)
    # x_hat_0 = 0.5 everywhere (4 pixels): 2 * sqrt(4 * 0.25) = 2; x_hat_1 = 3: 2 * sqrt(36) = 12.
    self.assertAllClose(norms, [2.0, 12.0], atol=1e-5)

  def test_zero_gradient_has_finite_penalty_gradient(self):
    # At a flat critic the norm is 0; the epsilon inside the sqrt keeps d(penalty)/dw finite.
    w = tf.Variable(tf.zeros((1, 2, 2, 1)))
    x = tf.ones((2, 2, 2, 1))
    with tf.GradientTape() as tape:
      penalty, _ = losses.gradient_penalty(
          lambda v: tf.reduce_sum(v * w, axis=[1, 2, 3]), x, x, tf.ones(2))
    grad = tape.gradient(penalty, w)
    self.assertAllClose(penalty, 1.0, atol=1e-5)
    self.assertTrue(np.all(np.isfinite(grad.numpy())))

  def test_penalty_gradient_reaches_critic_weights(self):
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||: the nested tape differentiates the norm.
    w0 = np.full((1, 2, 2, 1), 1.0, np.float32)  # ||w|| = 2.
    w = tf.Variable(w0)
    x = tf.ones((3, 2, 2, 1))
    with tf.GradientTape() as tape:
      penalty, _ = losses.gradient_penalty(
          lambda v: tf.reduce_sum(v * w, axis=[1, 2, 3]), x, 0 * x, tf.ones(3) * 0.3)
    self.assertAllClose(tape.gradient(penalty, w), 2 * (2.0 - 1.0) * w0 / 2.0, atol=1e-5)


if __name__ == '__main__':
  tf.test.main()
