"""Golden values for every loss, and the gradient penalties on linear and quadratic critics."""

from unittest import mock

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
    with self.assertRaisesRegex(ValueError, "penalty='r2'; accepted: none, gp, clip, r1, dragan"):
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



def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


class LabelSmoothingTest(tf.test.TestCase, parameterized.TestCase):
  """One-sided label smoothing: real targets 1 - alpha, fakes 0, against the cross-entropy."""

  @parameterized.parameters(('minimax', 0.1), ('non_saturating', 0.1), ('minimax', 0.25))
  def test_closed_form(self, name, alpha):
    d_fn, _ = losses.get_losses(name, label_smoothing=alpha)
    t = 1.0 - alpha
    real_ce = -(t * np.log(_sigmoid(PAIR_REAL)) + (1 - t) * np.log(1 - _sigmoid(PAIR_REAL)))
    fake_ce = -np.log(1 - _sigmoid(PAIR_FAKE))
    self.assertAllClose(d_fn(PAIR_REAL, PAIR_FAKE), real_ce.mean() + fake_ce.mean(), rtol=1e-6)
    # By hand for alpha 0.1: real r = [1, -2]: 0.9 sp(-1) + 0.1 sp(1) = 0.9 * 0.31326169
    # + 0.1 * 1.31326169 = 0.41326169; 0.9 sp(2) + 0.1 sp(-2) = 1.92692801; the fakes as minimax.
    if alpha == 0.1:
      by_hand = (0.41326169 + 1.92692801) / 2 + (SP[0.5] + SP[3.0]) / 2
      self.assertAllClose(d_fn(PAIR_REAL, PAIR_FAKE), by_hand, rtol=1e-6)

  def test_the_optimum_is_the_smoothed_target(self):
    # d/dr of t softplus(-r) + (1 - t) softplus(r) is sigmoid(r) - t: zero at sigmoid(r) = 0.9.
    d_fn, _ = losses.get_losses('non_saturating', label_smoothing=0.1)
    r = tf.Variable([np.log(0.9 / 0.1)], dtype=tf.float32)
    with tf.GradientTape() as tape:
      loss = d_fn(r, tf.zeros([1]))
    self.assertAllClose(tape.gradient(loss, r), [0.0], atol=1e-6)

  def test_zero_is_the_plain_loss_and_fakes_are_unsmoothed(self):
    d_fn, g_fn = losses.get_losses('minimax', label_smoothing=0.0)
    self.assertIs(d_fn, losses.minimax_discriminator_loss)
    self.assertIs(g_fn, losses.minimax_generator_loss)
    smoothed, _ = losses.get_losses('minimax', label_smoothing=0.3)
    # Only the real term changes: the difference is the same whatever the fakes.
    self.assertAllClose(smoothed(PAIR_REAL, PAIR_FAKE) - d_fn(PAIR_REAL, PAIR_FAKE),
                        smoothed(PAIR_REAL, -PAIR_FAKE) - d_fn(PAIR_REAL, -PAIR_FAKE), atol=1e-6)

  def test_stable_for_large_logits(self):
    d_fn, _ = losses.get_losses('minimax', label_smoothing=0.1)
    big = np.array([1000.0, -1000.0], np.float32)
    # 0.1 * softplus(1000) + 0.9 * softplus(1000) for the two reals; softplus(+-1000) of fakes.
    self.assertAllClose(d_fn(big, big), (100.0 + 900.0) / 2 + 1000.0 / 2, rtol=1e-6)

  @parameterized.parameters('wasserstein', 'hinge', 'least_squares')
  def test_refused_without_a_cross_entropy(self, name):
    with self.assertRaisesRegex(ValueError, f"loss='{name}'.*accepted: minimax, non_saturating"):
      losses.get_losses(name, label_smoothing=0.1)
    self.assertEqual(losses.get_losses(name), losses.LOSSES[name])

  def test_out_of_range(self):
    with self.assertRaisesRegex(ValueError, 'label_smoothing=1.0'):
      losses.get_losses('minimax', label_smoothing=1.0)


def _draws(batch, step=0, uniform=0.0):
  return losses.PenaltyDraws(
      epsilon=np.ones(batch, np.float32), uniform=lambda shape: tf.fill(shape, uniform),
      normal=lambda shape: tf.zeros(shape), step=tf.cast(step, tf.int64))


def _quadratic(x):
  """D(x) = sum(x^2) per sample: grad = 2 x, so ||grad|| = 2 ||x||."""
  return tf.reduce_sum(tf.square(x), axis=[1, 2, 3])


class R1Test(tf.test.TestCase, parameterized.TestCase):
  """R1 = E||grad D(x)||^2 on reals; --gp_weight is gamma / 2."""

  REAL = np.stack([np.full((2, 2, 1), 1.0), np.full((2, 2, 1), 3.0)]).astype(np.float32)

  def test_linear_critic(self):
    w = tf.constant(np.full((1, 2, 2, 1), 1.5, np.float32))  # ||w|| = 3.
    penalty, norms = losses.r1_penalty(lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3]), self.REAL)
    self.assertAllClose(penalty, 9.0, atol=1e-5)
    self.assertAllClose(norms, [3.0, 3.0], atol=1e-5)

  def test_quadratic_critic_on_reals_only(self):
    # grad = 2x: ||2 x_0||^2 = 4 * 4 * 1 = 16, ||2 x_1||^2 = 4 * 4 * 9 = 144; mean 80.
    term_fn = losses.get_penalty('r1').critic_loss_term
    fake = np.full_like(self.REAL, 100.0)  # Ignored: R1 looks at the data only.
    term, metrics = term_fn(_quadratic, self.REAL, fake, _draws(2),
                            losses.PenaltyOptions(weight=5.0))
    self.assertAllClose(term, 5.0 * 80.0, rtol=1e-6)
    self.assertEqual(list(metrics), list(losses.get_penalty('r1').metrics))
    self.assertAllClose(metrics['r1'], 80.0, rtol=1e-6)
    self.assertAllClose(metrics['grad_norm'], (4.0 + 12.0) / 2, rtol=1e-5)

  @parameterized.parameters((8, 4.0 * 80.0), (4, 4.0 * 80.0), (9, 0.0), (2, 0.0))
  def test_lazy_is_k_times_every_k_steps(self, step, expected_r1_times_every):
    term_fn = losses.get_penalty('r1').critic_loss_term
    # Traced, as in train_step: the step is a tensor there, and the tf.cond a graph op.
    term, metrics = tf.function(lambda step: term_fn(
        _quadratic, self.REAL, self.REAL, _draws(2, step=step),
        losses.PenaltyOptions(weight=0.5, every=4)))(tf.constant(step, tf.int64))
    self.assertAllClose(term, 0.5 * expected_r1_times_every, rtol=1e-6)
    self.assertAllClose(metrics['r1'], expected_r1_times_every / 4, rtol=1e-6)

  def test_lazy_gradient_reaches_the_weights_through_the_cond(self):
    # D = <w, x>: r1 = ||w||^2, d(weight * k * r1)/dw = 2 weight k w, inside a traced tf.cond.
    w0 = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    w = tf.Variable(w0)
    term_fn = losses.get_penalty('r1').critic_loss_term

    @tf.function
    def grad(step):
      with tf.GradientTape() as tape:
        term, _ = term_fn(lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3]), self.REAL, self.REAL,
                          _draws(2, step=step), losses.PenaltyOptions(weight=0.5, every=3))
      return tape.gradient(term, w)

    self.assertAllClose(grad(tf.constant(6, tf.int64)), 2 * 0.5 * 3 * w0, rtol=1e-6)
    self.assertAllClose(grad(tf.constant(7, tf.int64)), np.zeros_like(w0))

  def test_the_lipschitz_penalties_refuse_lazy(self):
    for name in ('gp', 'dragan'):
      with self.assertRaisesRegex(ValueError, f'penalty={name}.*every=2'):
        losses.get_penalty(name).critic_loss_term(
            _quadratic, self.REAL, self.REAL, _draws(2), losses.PenaltyOptions(every=2))
    self.assertEqual(tuple(name for name, p in losses.PENALTIES.items() if p.lazy),
                     choices.LAZY_PENALTIES)


class DraganTest(tf.test.TestCase):
  """DRAGAN: (||grad D(x_hat)|| - 1)^2 at x_hat = x + eps * 0.5 std(x) u."""

  REAL = np.stack([np.full((2, 2, 1), 1.0), np.full((2, 2, 1), 3.0)]).astype(np.float32)

  def test_perturbation(self):
    # std of four 1s and four 3s is 1: x_p = x + 0.5 * u.
    u = np.linspace(0, 0.9, 8, dtype=np.float32).reshape(self.REAL.shape)
    self.assertAllClose(losses.dragan_perturb(self.REAL, u), self.REAL + 0.5 * u, atol=1e-6)

  def test_linear_critic(self):
    w = tf.constant(np.full((1, 2, 2, 1), 1.5, np.float32))  # ||w|| = 3: (3 - 1)^2 = 4.
    penalty, norms = losses.dragan_penalty(lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3]),
                                           self.REAL, np.ones_like(self.REAL), [0.3, 0.7])
    self.assertAllClose(penalty, 4.0, atol=1e-5)
    self.assertAllClose(norms, [3.0, 3.0], atol=1e-5)

  def test_quadratic_critic_through_the_registry(self):
    # u = 0.5, eps = 1, std 1: x_hat = x + 0.25, 1.25 and 3.25 everywhere (4 pixels).
    # ||grad|| = 2 ||x_hat|| = 2 * 2 * 1.25 = 5 and 2 * 2 * 3.25 = 13.
    term_fn = losses.get_penalty('dragan').critic_loss_term
    fake = np.full_like(self.REAL, 100.0)  # Ignored: DRAGAN looks around the data only.
    term, metrics = term_fn(_quadratic, self.REAL, fake, _draws(2, uniform=0.5),
                            losses.PenaltyOptions(weight=10.0))
    expected = ((5.0 - 1) ** 2 + (13.0 - 1) ** 2) / 2
    self.assertAllClose(term, 10.0 * expected, rtol=1e-5)
    self.assertEqual(list(metrics), list(losses.get_penalty('dragan').metrics))
    self.assertAllClose(metrics['dragan'], expected, rtol=1e-5)
    self.assertAllClose(metrics['grad_norm'], 9.0, rtol=1e-5)
    # One-sided (WGAN-LP's form) and target reach it: norms 5 and 13 under target 20.
    term, _ = term_fn(_quadratic, self.REAL, fake, _draws(2, uniform=0.5),
                      losses.PenaltyOptions(weight=10.0, target=20.0, one_sided=True))
    self.assertAllClose(term, 0.0)


class Float16InputGradientTest(tf.test.TestCase):
  """The scaled inner tape against float16 underflow (INPUT_GRADIENT_SCALE)."""

  def tearDown(self):
    keras.mixed_precision.set_dtype_policy('float32')
    super().tearDown()

  def _critics(self, shrink):
    """A float32 critic and its mixed_float16 copy, the logit kernel times `shrink`."""
    keras.utils.set_random_seed(0)
    critic32 = dcgan.build_critic(16, base_width=8)
    keras.mixed_precision.set_dtype_policy('mixed_float16')
    critic16 = dcgan.build_critic(16, base_width=8)
    keras.mixed_precision.set_dtype_policy('float32')
    weights = critic32.get_weights()
    weights[-2] = weights[-2] * shrink  # A critic of small input gradient, as R1 makes them.
    critic32.set_weights(weights)
    critic16.set_weights(weights)
    return critic32, critic16

  def _real(self):
    return np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)

  def test_small_gradients_survive_float16(self):
    critic32, critic16 = self._critics(SHRINK)
    real = self._real()
    r1_32, norms32 = losses.r1_penalty(critic32, real)
    r1_16, norms16 = losses.r1_penalty(critic16, real)
    # Measured: norms within 4.2e-4 relative, R1 within 3.4e-4 (docs/BENCHMARKS.md).
    self.assertAllClose(norms16, norms32, rtol=2e-3, atol=0)
    self.assertAllClose(r1_16, r1_32, rtol=2e-3, atol=0)
    # Unscaled, the same float16 critic loses them (measured: 1.3e-2 in the norm, 9e-3 in R1).
    with mock.patch.object(losses, 'INPUT_GRADIENT_SCALE', 1.0):
      unscaled_r1, unscaled = losses.r1_penalty(critic16, real)
    self.assertGreater(np.max(np.abs(unscaled - norms32) / norms32), 5e-3)
    self.assertGreater(abs(unscaled_r1 - r1_32) / r1_32, 4e-3)

  def test_float32_is_unchanged_bit_for_bit(self):
    critic32, _ = self._critics(1.0)
    real = self._real()
    scaled = losses.input_gradients(critic32, real)
    with mock.patch.object(losses, 'INPUT_GRADIENT_SCALE', 1.0):
      plain = losses.input_gradients(critic32, real)
    self.assertAllEqual(scaled, plain)  # A power of two scales exactly.


# The logit kernel's factor of Float16InputGradientTest: ||grad D(x)|| about 3e-5. (At 1e-5 the
# float16 copy of the kernel itself is subnormal, an error no scaling of the gradient removes.)
SHRINK = 1e-4


class FeatureMatchingTest(tf.test.TestCase):

  def test_by_hand(self):
    # Real means (2, 1, 0), fake means (1, 1, 3): squared differences 1, 0, 9; mean 10 / 3.
    real = tf.constant([[1., 2., 0.], [3., 0., 0.]])
    fake = tf.constant([[0., 1., 3.], [2., 1., 3.], [1., 1., 3.]])
    self.assertAllClose(losses.feature_matching(real, fake), 10.0 / 3.0)

  def test_feature_maps_are_flattened_and_the_reals_are_constant(self):
    real = tf.ones([2, 2, 2, 1])
    fake = tf.zeros([2, 2, 2, 1])
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([real, fake])
      loss = losses.feature_matching(real, fake)
    self.assertAllClose(loss, 1.0)
    self.assertIsNone(tape.gradient(loss, real))
    # d/d fake_b,k of mean_k (1 - mean_b fake)^2 = -2 (1 - 0) / (K * B) = -2 / 8.
    self.assertAllClose(tape.gradient(loss, fake), tf.fill([2, 2, 2, 1], -0.25))

  def test_replace_or_add(self):
    self.assertAllClose(losses.feature_matching_generator_loss(5.0, 2.0, 0.0), 2.0)
    self.assertAllClose(losses.feature_matching_generator_loss(5.0, 2.0, 0.5), 6.0)
    with self.assertRaisesRegex(ValueError, 'feature_matching_weight=-1'):
      losses.feature_matching_generator_loss(5.0, 2.0, -1)


if __name__ == '__main__':
  tf.test.main()
