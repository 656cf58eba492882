"""Golden values for every loss, and the gradient penalty on a linear critic."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import choices
from tfgan_anime import losses
from tfgan_anime.models import dcgan

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

  def test_get_losses_unknown(self):
    with self.assertRaisesRegex(ValueError, "loss='nope'.*accepted: hinge"):
      losses.get_losses('nope')


# The fixed logits of the registry's contract tests: real [1, -2], fake [0.5, 3].
PAIR_REAL = np.array([1.0, -2.0], np.float32)
PAIR_FAKE = np.array([0.5, 3.0], np.float32)
# softplus(x) = log(1 + e^x) of the values the goldens below need.
SP = {-2.0: 0.12692801, -1.0: 0.31326169, -0.5: 0.47407698, 0.5: 0.97407698, 2.0: 2.12692801,
      3.0: 3.04858735, -3.0: 0.04858735}


class _LossPairTest:
  """The (d, g) pair `get_losses(NAME)` returns, on PAIR_REAL / PAIR_FAKE, against goldens."""
  NAME = None
  D_GOLDEN = None
  G_GOLDEN = None

  def test_golden_values(self):
    d_fn, g_fn = losses.get_losses(self.NAME)
    self.assertAllClose(d_fn(PAIR_REAL, PAIR_FAKE), self.D_GOLDEN, rtol=1e-6, atol=1e-6)
    self.assertAllClose(g_fn(PAIR_FAKE), self.G_GOLDEN, rtol=1e-6, atol=1e-6)

  def test_scalar_float32_of_column_outputs(self):
    d_fn, g_fn = losses.get_losses(self.NAME)
    for value in (d_fn(PAIR_REAL[:, None], PAIR_FAKE[:, None]), g_fn(PAIR_FAKE[:, None])):
      self.assertEqual((value.dtype, value.shape.rank), (tf.float32, 0))
    self.assertAllClose(d_fn(PAIR_REAL[:, None], PAIR_FAKE[:, None]), self.D_GOLDEN, rtol=1e-6)


class MinimaxPairTest(_LossPairTest, tf.test.TestCase):
  NAME = 'minimax'
  # mean softplus(-r) + mean softplus(f) = (sp(-1) + sp(2)) / 2 + (sp(0.5) + sp(3)) / 2.
  D_GOLDEN = (SP[-1.0] + SP[2.0]) / 2 + (SP[0.5] + SP[3.0]) / 2  # 3.2314270
  # -mean softplus(f).
  G_GOLDEN = -(SP[0.5] + SP[3.0]) / 2  # -2.0113322


class NonSaturatingPairTest(_LossPairTest, tf.test.TestCase):
  NAME = 'non_saturating'
  D_GOLDEN = MinimaxPairTest.D_GOLDEN  # The same discriminator as minimax.
  # mean softplus(-f) = (sp(-0.5) + sp(-3)) / 2.
  G_GOLDEN = (SP[-0.5] + SP[-3.0]) / 2  # 0.2613322


class WassersteinPairTest(_LossPairTest, tf.test.TestCase):
  NAME = 'wasserstein'
  D_GOLDEN = 1.75 - (-0.5)  # mean f - mean r.
  G_GOLDEN = -1.75  # -mean f.


class HingePairTest(_LossPairTest, tf.test.TestCase):
  NAME = 'hinge'
  # mean relu(1 - r) = (0 + 3) / 2; mean relu(1 + f) = (1.5 + 4) / 2.
  D_GOLDEN = 1.5 + 2.75
  G_GOLDEN = -1.75


class LeastSquaresPairTest(_LossPairTest, tf.test.TestCase):
  NAME = 'least_squares'
  # 1/2 (mean (r - 1)^2 + mean f^2) = 1/2 ((0 + 9) / 2 + (0.25 + 9) / 2).
  D_GOLDEN = 0.5 * (4.5 + 4.625)
  # 1/2 mean (f - 1)^2 = 1/2 (0.25 + 4) / 2.
  G_GOLDEN = 0.5 * 2.125


class LossRegistryTest(tf.test.TestCase):

  def test_every_loss_has_its_golden_test(self):
    tested = {cls.NAME for cls in _LossPairTest.__subclasses__()}
    self.assertEqual(tested, set(losses.LOSSES))
    self.assertEqual(tuple(losses.LOSSES), choices.LOSSES)


class PenaltyRegistryTest(tf.test.TestCase):

  def _linear_critic(self, norm):
    w = tf.constant(np.full((1, 2, 2, 1), norm / 2.0, np.float32))  # ||w|| = norm.
    return lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])

  def test_names_are_the_choices(self):
    self.assertEqual(tuple(losses.PENALTIES), choices.PENALTIES)
    for name, penalty in losses.PENALTIES.items():
      self.assertEqual(penalty.name, name)

  def _draws(self, batch):
    return losses.PenaltyDraws(
        epsilon=np.ones(batch, np.float32), uniform=lambda shape: tf.zeros(shape),
        normal=lambda shape: tf.zeros(shape), step=tf.constant(0, tf.int64))

  def test_gp_adds_the_weighted_penalty_and_logs_it(self):
    term_fn = losses.get_penalty('gp').critic_loss_term
    x = np.zeros((3, 2, 2, 1), np.float32)
    # A linear critic of gradient norm 3: gp = (3 - 1)^2 = 4, weighted by 10.
    term, metrics = term_fn(self._linear_critic(3.0), x, x, self._draws(3),
                            losses.PenaltyOptions(weight=10.0, target=1.0, one_sided=False))
    self.assertAllClose(term, 40.0, atol=1e-4)
    self.assertEqual(list(metrics), list(losses.get_penalty('gp').metrics))
    self.assertAllClose(metrics['gp'], 4.0, atol=1e-5)
    self.assertAllClose(metrics['grad_norm'], 3.0, atol=1e-5)
    # Target and one-sidedness reach the penalty: a norm of 0.5 under target 1, one-sided.
    term, _ = term_fn(self._linear_critic(0.5), x, x, self._draws(3),
                      losses.PenaltyOptions(weight=10.0, target=1.0, one_sided=True))
    self.assertAllClose(term, 0.0)

  def test_clip_constrains_the_critic_and_adds_nothing(self):
    self.assertIsNone(losses.get_penalty('clip').critic_loss_term)
    self.assertEqual(losses.get_penalty('clip').metrics, ())
    self.assertEqual(losses.penalty_constraint('clip', 0.01), 0.01)
    self.assertIsNone(losses.penalty_constraint('gp', 0.01))
    self.assertIsNone(losses.penalty_constraint('none', 0.01))

  def test_none_does_nothing(self):
    none = losses.get_penalty('none')
    self.assertEqual((none.critic_loss_term, none.metrics, none.clips_weights), (None, (), False))

  def test_unknown_penalty(self):
    with self.assertRaisesRegex(ValueError, "penalty='r2'; accepted: none, gp, clip"):
      losses.get_penalty('r2')


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


class MixedPrecisionPenaltyTest(tf.test.TestCase, parameterized.TestCase):
  """The penalty of a critic computing in 16 bits, against the same weights in float32."""

  def tearDown(self):
    keras.mixed_precision.set_dtype_policy('float32')
    super().tearDown()

  # Measured: the penalty differs by 4e-4 (float16) and 3e-4 (bfloat16) relative, the norms
  # by at most 4e-3 and 5e-3. The tolerances leave room for other seeds and CPUs.
  @parameterized.parameters(('mixed_float16', 1e-2, 2e-2), ('mixed_bfloat16', 2e-2, 5e-2))
  def test_penalty_is_float32_finite_and_close(self, policy, penalty_rtol, norm_rtol):
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    fake = rng.uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    eps = rng.uniform(0, 1, 8).astype(np.float32)
    keras.utils.set_random_seed(0)
    critic32 = dcgan.build_critic(16, base_width=8)
    keras.mixed_precision.set_dtype_policy(policy)
    critic16 = dcgan.build_critic(16, base_width=8)
    keras.mixed_precision.set_dtype_policy('float32')
    critic16.set_weights(critic32.get_weights())
    self.assertEqual(critic16.layers[1].compute_dtype, policy.split('_')[1])

    penalty32, norms32 = losses.gradient_penalty(critic32, real, fake, eps)
    penalty16, norms16 = losses.gradient_penalty(critic16, real, fake, eps)
    self.assertEqual((penalty16.dtype, norms16.dtype), (tf.float32, tf.float32))
    self.assertTrue(np.isfinite(penalty16.numpy()))
    self.assertTrue(np.all(np.isfinite(norms16.numpy())))
    self.assertAllClose(penalty16, penalty32, rtol=penalty_rtol, atol=0)
    self.assertAllClose(norms16, norms32, rtol=norm_rtol, atol=0)


if __name__ == '__main__':
  tf.test.main()
