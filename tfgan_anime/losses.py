"""GAN losses and penalties: pure functions of critic outputs (and, for penalties, the critic).

Every loss takes the raw critic outputs (logits, shape [B] or [B, 1]); no network here ends in a
sigmoid, so the log-sigmoid terms are computed stably with `softplus`:
    -log(sigmoid(x)) = softplus(-x),    -log(1 - sigmoid(x)) = softplus(x).

Each function returns the mean over the batch it is given. Under a `tf.distribute` strategy the
caller divides by the number of replicas, because Keras 3 optimisers sum gradients across replicas.

Names follow TF-GAN's `losses_impl.py`; formulas follow the papers named in each docstring.

`PENALTIES` says what each --penalty does to the critic: a term added to its loss (gp, r1,
dragan), a constraint on its weights (clip), or nothing (none); gan.py and the network builders
ask it instead of switching on the name.
"""

import dataclasses
import functools
from typing import Callable, Optional, Tuple

import tensorflow as tf

from tfgan_anime import choices



def _flat(x):
  return tf.reshape(tf.cast(x, tf.float32), [-1])


# The original GAN (Goodfellow et al. 2014).

def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """-E[t log D(x) + (1 - t) log(1 - D(x))] - E[log(1 - D(G(z)))], D = sigmoid(logits).

  The cross-entropy with target t = 1 - label_smoothing on real data and 0 on fakes: one-sided
  label smoothing (Salimans et al. 2016, section 3.4), which keeps the fakes' target at 0 so
  that the optimal discriminator does not reward the generator for staying where data is not.
  label_smoothing = 0 is the GAN paper's loss.

  Args:
    real_logits, fake_logits: [B] or [B, 1] logits.
    label_smoothing: alpha in [0, 1). Note that TF-GAN's label_smoothing=0.25 goes through
      tf.losses.sigmoid_cross_entropy, which smooths towards 1/2: its real target is
      1 - 0.25 / 2 = 0.875, this function's alpha = 0.125.
  """
  real = _flat(real_logits)
  target = 1.0 - label_smoothing
  # -t log sigmoid(r) - (1 - t) log(1 - sigmoid(r)) = t softplus(-r) + (1 - t) softplus(r).
  real_term = target * tf.math.softplus(-real)
  if label_smoothing:
    real_term += label_smoothing * tf.math.softplus(real)
  return tf.reduce_mean(real_term) + tf.reduce_mean(tf.math.softplus(_flat(fake_logits)))


def minimax_generator_loss(fake_logits):
  """E[log(1 - D(G(z)))]: the zero-sum generator loss; saturates when D rejects fakes."""
  return -tf.reduce_mean(tf.math.softplus(_flat(fake_logits)))


def non_saturating_generator_loss(fake_logits):
  """-E[log D(G(z))]: the generator loss the GAN paper recommends in practice."""
  return tf.reduce_mean(tf.math.softplus(-_flat(fake_logits)))


# Wasserstein GAN (Arjovsky et al. 2017).

def wasserstein_critic_loss(real_logits, fake_logits):
  """E[D(G(z))] - E[D(x)]: minus the critic's estimate of the Wasserstein-1 distance."""
  return tf.reduce_mean(_flat(fake_logits)) - tf.reduce_mean(_flat(real_logits))


def wasserstein_generator_loss(fake_logits):
  """-E[D(G(z))]."""
  return -tf.reduce_mean(_flat(fake_logits))


# Hinge (Lim & Ye 2017; Miyato et al. 2018).

def hinge_discriminator_loss(real_logits, fake_logits):
  """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
  return (tf.reduce_mean(tf.nn.relu(1.0 - _flat(real_logits))) +
          tf.reduce_mean(tf.nn.relu(1.0 + _flat(fake_logits))))


def hinge_generator_loss(fake_logits):
  """-E[D(G(z))]."""
  return -tf.reduce_mean(_flat(fake_logits))


# Least squares (Mao et al. 2017, a = 0, b = c = 1).

def least_squares_discriminator_loss(real_logits, fake_logits):
  """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
  return 0.5 * (tf.reduce_mean(tf.square(_flat(real_logits) - 1.0)) +
                tf.reduce_mean(tf.square(_flat(fake_logits))))


def least_squares_generator_loss(fake_logits):
  """1/2 E[(D(G(z)) - 1)^2]."""
  return 0.5 * tf.reduce_mean(tf.square(_flat(fake_logits) - 1.0))


# name -> (discriminator loss, generator loss). The flag --loss takes these names.
LOSSES = {
    'minimax': (minimax_discriminator_loss, minimax_generator_loss),
    'non_saturating': (minimax_discriminator_loss, non_saturating_generator_loss),
    'wasserstein': (wasserstein_critic_loss, wasserstein_generator_loss),
    'hinge': (hinge_discriminator_loss, hinge_generator_loss),
    'least_squares': (least_squares_discriminator_loss, least_squares_generator_loss),
}


# The losses whose discriminator is a cross-entropy on logits, where --label_smoothing means
# something (a soft target); the others have no targets to smooth.
SMOOTHABLE_LOSSES = choices.SMOOTHABLE_LOSSES


def get_losses(name, label_smoothing=0.0):
  """Returns (discriminator_loss_fn, generator_loss_fn) for a name in `LOSSES`.

  Args:
    name: a key of `LOSSES`.
    label_smoothing: alpha of one-sided label smoothing (real targets 1 - alpha), in [0, 1);
      only for the cross-entropy losses, `SMOOTHABLE_LOSSES`.
  """
  if name not in LOSSES:
    raise ValueError(
        f'Unknown loss. Received: loss={name!r}; accepted: {", ".join(sorted(LOSSES))}')
  if not 0 <= label_smoothing < 1:
    raise ValueError(f'label_smoothing must be in [0, 1). Received: '
                     f'label_smoothing={label_smoothing!r}')
  d_loss_fn, g_loss_fn = LOSSES[name]
  if label_smoothing:
    if name not in SMOOTHABLE_LOSSES:
      raise ValueError(f'label_smoothing needs a cross-entropy loss. Received: loss={name!r}, '
                       f'label_smoothing={label_smoothing!r}; accepted: '
                       f'{", ".join(SMOOTHABLE_LOSSES)}, or label_smoothing=0')
    d_loss_fn = functools.partial(d_loss_fn, label_smoothing=float(label_smoothing))
  return d_loss_fn, g_loss_fn


# Gradient penalty (Gulrajani et al. 2017).

GRADIENT_NORM_EPSILON = 1e-12


def interpolate(real, fake, epsilon):
  """x_hat = epsilon * x + (1 - epsilon) * x_tilde, one epsilon per sample.

  Args:
    real: real images x, [B, ...].
    fake: generated images x_tilde, same shape.
    epsilon: [B] values in [0, 1] (the WGAN-GP paper draws them from U[0, 1]).
  """
  real = tf.cast(real, tf.float32)
  fake = tf.cast(fake, tf.float32)
  epsilon = tf.reshape(tf.cast(epsilon, tf.float32), [-1] + [1] * (real.shape.rank - 1))
  return epsilon * real + (1.0 - epsilon) * fake


# The inner tape differentiates sum(D(x)) * INPUT_GRADIENT_SCALE and divides the gradient by it.
# Under mixed_float16 the critic's backward pass runs in float16, whose normal range ends at
# 6e-5: the per-element gradients of a critic with a small input gradient (the one R1 pulls
# towards 0) underflow, unscaled. Measured on the 64 px DCGAN critic with ||grad|| = 4.6e-5:
# 12% error in the norms unscaled, 0.08% scaled (docs/BENCHMARKS.md). A power
# of two, so the float32 and bfloat16 results are the same bit for bit. In float16 the scaled
# backward overflows only where the critic's gradient with respect to one activation exceeds
# 65504 / 1024 = 64, far above the norms of 1 (gp, dragan) or less (r1) these penalties keep;
# then the penalty is not finite, the loss-scale optimiser skips the update and the guard
# (training/guard.py) sees a non-finite loss: loud, never silent.
INPUT_GRADIENT_SCALE = 1024.0


def input_gradients(critic_fn, x):
  """grad_x sum(D(x)) in float32, [B, ...]: each sample's own gradient of its output.

  Summing the outputs before differentiating gives each sample's own gradient because a
  critic for these penalties has no batch statistics (no batch norm). The inputs and the
  gradient are float32; under a mixed policy the critic's own passes run in its compute dtype,
  with the backward pass scaled by INPUT_GRADIENT_SCALE against float16 underflow.

  Args:
    critic_fn: maps images [B, ...] to outputs [B] or [B, 1].
    x: [B, ...] inputs.
  """
  x = tf.cast(x, tf.float32)
  with tf.GradientTape() as tape:
    tape.watch(x)
    outputs = tf.reduce_sum(tf.cast(critic_fn(x), tf.float32)) * INPUT_GRADIENT_SCALE
  return tape.gradient(outputs, x) / INPUT_GRADIENT_SCALE


def _squared_norms(grads):
  return tf.reduce_sum(tf.square(grads), axis=list(range(1, grads.shape.rank)))


def gradient_penalty(critic_fn, real, fake, epsilon, target=1.0, one_sided=False):
  """lambda-free gradient penalty E[(||grad_x_hat D(x_hat)||_2 - target)^2].

  The norm runs over all non-batch axes of each sample, with a small epsilon inside the square
  root so that its gradient is finite at 0. The inputs, gradients and penalty are float32; under
  a mixed policy the critic computes in 16 bits, its gradient scaled (see `input_gradients`).

  Args:
    critic_fn: maps images [B, ...] to outputs [B] or [B, 1].
    real, fake: [B, ...] tensors.
    epsilon: [B] interpolation weights.
    target: the norm the critic's gradient is pulled towards (1 for 1-Lipschitz).
    one_sided: penalise only norms above `target`: max(0, ||g|| - target)^2 (WGAN-LP,
      Petzka et al. 2018).

  Returns:
    (penalty, gradient_norms): the scalar mean penalty and the [B] per-sample norms.
  """
  grads = input_gradients(critic_fn, interpolate(real, fake, epsilon))
  norms = tf.sqrt(_squared_norms(grads) + GRADIENT_NORM_EPSILON)
  excess = norms - target
  if one_sided:
    excess = tf.nn.relu(excess)
  return tf.reduce_mean(tf.square(excess)), norms


def r1_penalty(critic_fn, real):
  """E[||grad_x D(x)||_2^2] on real data x only (Mescheder et al. 2018, R1, without gamma / 2).

  Zero-centred, on the data's support: at the equilibrium (generator = data, D constant there)
  the penalty and its gradient vanish.

  Args:
    critic_fn: maps images [B, ...] to outputs [B] or [B, 1].
    real: real images [B, ...].

  Returns:
    (penalty, gradient_norms): the scalar mean squared norm and the [B] per-sample norms.
  """
  squared = _squared_norms(input_gradients(critic_fn, real))
  return tf.reduce_mean(squared), tf.sqrt(squared + GRADIENT_NORM_EPSILON)


def dragan_perturb(real, uniform):
  """x_p = x + 0.5 * std(x) * u, u ~ U[0, 1) (Kodali et al. 2017, their code's perturbation).

  std is over every element of the global batch (all replicas), as in the paper's code
  (`X.std()` of the whole batch), so a strategy run perturbs as one device does.

  Args:
    real: real images [B, ...] (this replica's slice).
    uniform: [B, ...] values in [0, 1), the same shape.
  """
  real = tf.cast(real, tf.float32)
  moments = tf.stack([tf.cast(tf.size(real), tf.float32), tf.reduce_sum(real),
                      tf.reduce_sum(tf.square(real))])
  ctx = tf.distribute.get_replica_context()
  if ctx is not None and ctx.num_replicas_in_sync > 1:
    moments = ctx.all_reduce(tf.distribute.ReduceOp.SUM, moments)
  count, total, total_sq = tf.unstack(moments)
  mean = total / count
  std = tf.sqrt(tf.maximum(total_sq / count - tf.square(mean), 0.0))
  return real + 0.5 * tf.stop_gradient(std) * tf.cast(uniform, tf.float32)


def dragan_penalty(critic_fn, real, uniform, epsilon, target=1.0, one_sided=False):
  """E[(||grad D(x_hat)|| - target)^2] at x_hat = x + epsilon (x_p - x) (DRAGAN).

  x_p = dragan_perturb(real, uniform): the penalty pulls the norm towards 1 in a neighbourhood
  of the data, not between data and fakes as WGAN-GP does. Jin et al. 2017 train their anime
  faces with it (lambda 0.5 there; 10 in Kodali et al.).

  Args:
    critic_fn: maps images [B, ...] to outputs [B] or [B, 1].
    real: real images [B, ...].
    uniform: [B, ...] values in [0, 1), the perturbation's noise u.
    epsilon: [B] interpolation weights in [0, 1].
    target, one_sided: as for gradient_penalty.

  Returns:
    (penalty, gradient_norms) as gradient_penalty.
  """
  # interpolate(a, b, e) = e a + (1 - e) b: x + e (x_p - x) = e x_p + (1 - e) x.
  return gradient_penalty(critic_fn, dragan_perturb(real, uniform), real, epsilon,
                          target=target, one_sided=one_sided)


# Penalties: what --penalty adds to the critic's loss or imposes on its weights.


@dataclasses.dataclass(frozen=True)
class PenaltyOptions:
  """The --penalty settings a critic_loss_term reads.

  Attributes:
    weight: the penalty's coefficient (lambda of WGAN-GP).
    target: the gradient norm pulled towards (1 for 1-Lipschitz).
    one_sided: penalise only norms above `target` (WGAN-LP).
    every: apply the term every `every` generator steps, scaled by `every` (lazy
      regularisation); 1 applies it at every critic update.
  """
  weight: float = 10.0
  target: float = 1.0
  one_sided: bool = False
  every: int = 1


@dataclasses.dataclass(frozen=True)
class PenaltyDraws:
  """The random numbers of one critic update, for a critic_loss_term.

  All are stateless functions of (seed, step, update), so a resumed run draws the same ones.

  Attributes:
    epsilon: [B] in [0, 1], one interpolation weight per real/fake pair (U[0, 1]).
    uniform: fn(shape) -> U[0, 1) float32 values of `shape` (batch axis first, this replica's
      slice), for a penalty's own noise; each call of one update returns the same draw.
    normal: fn(shape) -> N(0, 1) float32 values, likewise.
    step: the int64 generator step now (for lazy regularisation).
  """
  epsilon: tf.Tensor
  uniform: Callable[..., tf.Tensor]
  normal: Callable[..., tf.Tensor]
  step: tf.Tensor


@dataclasses.dataclass(frozen=True)
class Penalty:
  """What one --penalty does to the critic.

  Attributes:
    name: the --penalty name (the same names as choices.PENALTIES).
    critic_loss_term: None, or fn(critic_fn, real, fake, draws, options) -> (term, metrics):
      the scalar float32 `term` added to the critic's loss (weight included) and a dict of
      scalar metrics to log. `draws` is a PenaltyDraws, `options` a PenaltyOptions.
    metrics: the names of those metrics, in the order they are logged.
    clips_weights: the critic's weights are clipped to [-clip_value, clip_value] after every
      update (a constraint set when the critic is built; see penalty_constraint).
    lazy: the term accepts PenaltyOptions.every > 1 (lazy regularisation); the others refuse
      it when traced.
  """
  name: str
  critic_loss_term: Optional[Callable[..., Tuple[tf.Tensor, dict]]] = None
  metrics: Tuple[str, ...] = ()
  clips_weights: bool = False
  lazy: bool = False


def _check_not_lazy(name, options):
  if options.every != 1:
    raise ValueError(f'penalty={name} is applied at every critic update. Received: '
                     f'every={options.every!r}; accepted: 1 (lazy regularisation: penalty=r1)')


def _gradient_penalty_term(critic_fn, real, fake, draws, options):
  """weight * gradient_penalty, logged as `gp` (unweighted) and `grad_norm` (batch mean)."""
  _check_not_lazy('gp', options)
  gp, norms = gradient_penalty(critic_fn, real, fake, draws.epsilon, target=options.target,
                               one_sided=options.one_sided)
  return options.weight * gp, {'gp': gp, 'grad_norm': tf.reduce_mean(norms)}


def _dragan_term(critic_fn, real, fake, draws, options):
  """weight * dragan_penalty, logged as `dragan` (unweighted) and `grad_norm` (batch mean)."""
  del fake  # DRAGAN looks at the data's neighbourhood only.
  _check_not_lazy('dragan', options)
  penalty, norms = dragan_penalty(critic_fn, real, draws.uniform([tf.shape(real)[0]] + list(real.shape[1:])),
                                  draws.epsilon, target=options.target,
                                  one_sided=options.one_sided)
  return options.weight * penalty, {'dragan': penalty, 'grad_norm': tf.reduce_mean(norms)}


def _r1_term(critic_fn, real, fake, draws, options):
  """weight * r1_penalty (weight = gamma / 2), logged as `r1` and `grad_norm` (batch mean).

  Lazy with options.every = k > 1 (StyleGAN2, Karras et al. 2020, section 3.1): the term is
  computed only at generator steps with step % k == 0, and multiplied by k there, so that its
  average over steps is unchanged at 1/k of the cost. On the other steps the term and both
  metrics are 0 (so their logged means are 1/k of the applied values).
  """
  del fake  # R1 penalises the critic's gradient on real data only.

  def apply():
    penalty, norms = r1_penalty(critic_fn, real)
    return (options.weight * options.every * penalty, penalty, tf.reduce_mean(norms))

  if options.every == 1:
    term, penalty, grad_norm = apply()
  else:
    due = tf.equal(tf.math.floormod(tf.cast(draws.step, tf.int64), options.every), 0)
    term, penalty, grad_norm = tf.cond(due, apply, lambda: (tf.zeros([]),) * 3)
  return term, {'r1': penalty, 'grad_norm': grad_norm}


# name -> Penalty. The flag --penalty takes these names.
PENALTIES = {
    'none': Penalty('none'),
    'gp': Penalty('gp', critic_loss_term=_gradient_penalty_term, metrics=('gp', 'grad_norm')),
    'clip': Penalty('clip', clips_weights=True),
    'r1': Penalty('r1', critic_loss_term=_r1_term, metrics=('r1', 'grad_norm'), lazy=True),
    'dragan': Penalty('dragan', critic_loss_term=_dragan_term, metrics=('dragan', 'grad_norm')),
}


def get_penalty(name):
  """The Penalty of a name in `PENALTIES`."""
  if name not in PENALTIES:
    raise ValueError(
        f'Unknown penalty. Received: penalty={name!r}; accepted: {", ".join(PENALTIES)}')
  return PENALTIES[name]


def penalty_constraint(name, clip_value):
  """The critic's weight clip of penalty `name`: `clip_value` when it clips, else None."""
  return clip_value if get_penalty(name).clips_weights else None


# Feature matching (Salimans et al. 2016, section 3.1).

def feature_matching(real_features, fake_features):
  """mean_k (E_x f(x)_k - E_z f(G(z))_k)^2: the squared distance of the batch-mean features.

  The paper writes ||E f(x) - E f(G(z))||_2^2; openai/improved-gan's code (its CIFAR and SVHN
  `loss_gen`) takes T.mean(T.square(m1 - m2)), the mean over the K features, which is the
  paper's sum divided by K. This is the code's mean, so a weight means the same on layers of
  any width. Features of any rank [B, ...] are flattened per sample; the expectation is the
  mean over the batch given (each replica's slice under a strategy: the mean of 32 samples
  rather than 64 on 2 replicas, a small bias in a squared distance of means).

  The real features are treated as constants (stop_gradient): the loss trains the generator
  only. gan.py adds it in the generator update, see `feature_matching_generator_loss`.

  Args:
    real_features: [B, ...] features of real images.
    fake_features: [B', ...] features of generated images (B' may differ from B).

  Returns:
    A float32 scalar.
  """
  def batch_mean(features):
    features = tf.cast(features, tf.float32)
    return tf.reduce_mean(tf.reshape(features, [tf.shape(features)[0], -1]), axis=0)

  difference = tf.stop_gradient(batch_mean(real_features)) - batch_mean(fake_features)
  return tf.reduce_mean(tf.square(difference))


def feature_matching_generator_loss(adversarial_loss, matching_loss, weight):
  """The generator's loss with --feature_matching: weight 0 replaces, weight > 0 adds.

  weight == 0: the matching loss alone (the paper's feature matching, which replaces the
  generator's objective); weight > 0: adversarial_loss + weight * matching_loss.
  """
  if weight < 0:
    raise ValueError(f'feature_matching_weight must be >= 0. Received: '
                     f'feature_matching_weight={weight!r}')
  if weight == 0:
    return matching_loss
  return tf.cast(adversarial_loss, tf.float32) + weight * matching_loss
