"""GAN losses and penalties: pure functions of critic outputs (and, for penalties, the critic).

Every loss takes the raw critic outputs (logits, shape [B] or [B, 1]); no network here ends in a
sigmoid, so the log-sigmoid terms are computed stably with `softplus`:
    -log(sigmoid(x)) = softplus(-x),    -log(1 - sigmoid(x)) = softplus(x).

Each function returns the mean over the batch it is given. Under a `tf.distribute` strategy the
caller divides by the number of replicas, because Keras 3 optimisers sum gradients across replicas.

Names follow TF-GAN's `losses_impl.py`; formulas follow the papers named in each docstring.

`PENALTIES` says what each --penalty does to the critic: a term added to its loss (gp), a
constraint on its weights (clip), or nothing (none); gan.py and the network builders ask it
instead of switching on the name.
"""

import dataclasses
from typing import Callable, Optional, Tuple

import tensorflow as tf



def _flat(x):
  return tf.reshape(tf.cast(x, tf.float32), [-1])


# The original GAN (Goodfellow et al. 2014).

def minimax_discriminator_loss(real_logits, fake_logits):
  """-E[log D(x)] - E[log(1 - D(G(z)))], with D = sigmoid(logits)."""
  return (tf.reduce_mean(tf.math.softplus(-_flat(real_logits))) +
          tf.reduce_mean(tf.math.softplus(_flat(fake_logits))))


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


def get_losses(name):
  """Returns (discriminator_loss_fn, generator_loss_fn) for a name in `LOSSES`."""
  if name not in LOSSES:
    raise ValueError(
        f'Unknown loss. Received: loss={name!r}; accepted: {", ".join(sorted(LOSSES))}')
  return LOSSES[name]


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


def gradient_penalty(critic_fn, real, fake, epsilon, target=1.0, one_sided=False):
  """lambda-free gradient penalty E[(||grad_x_hat D(x_hat)||_2 - target)^2].

  The norm runs over all non-batch axes of each sample, with a small epsilon inside the square
  root so that its gradient is finite at 0. Everything is float32, also under mixed precision.
  Summing the critic's outputs before differentiating gives each sample's own gradient because a
  critic for this penalty has no batch statistics (no batch norm).

  Args:
    critic_fn: maps images [B, ...] to outputs [B] or [B, 1].
    real, fake: [B, ...] tensors.
    epsilon: [B] interpolation weights.
    target: the norm the critic's gradient is pulled towards (1 for 1-Lipschitz).
    one_sided: penalise only norms above `target`: max(0, ||g|| - target)^2.

  Returns:
    (penalty, gradient_norms): the scalar mean penalty and the [B] per-sample norms.
  """
  x_hat = interpolate(real, fake, epsilon)
  with tf.GradientTape() as tape:
    tape.watch(x_hat)
    outputs = tf.reduce_sum(tf.cast(critic_fn(x_hat), tf.float32))
  grads = tape.gradient(outputs, x_hat)
  axes = list(range(1, grads.shape.rank))
  norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + GRADIENT_NORM_EPSILON)
  excess = norms - target
  if one_sided:
    excess = tf.nn.relu(excess)
  return tf.reduce_mean(tf.square(excess)), norms


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
  """
  name: str
  critic_loss_term: Optional[Callable[..., Tuple[tf.Tensor, dict]]] = None
  metrics: Tuple[str, ...] = ()
  clips_weights: bool = False


def _gradient_penalty_term(critic_fn, real, fake, draws, options):
  """weight * gradient_penalty, logged as `gp` (unweighted) and `grad_norm` (batch mean)."""
  gp, norms = gradient_penalty(critic_fn, real, fake, draws.epsilon, target=options.target,
                               one_sided=options.one_sided)
  return options.weight * gp, {'gp': gp, 'grad_norm': tf.reduce_mean(norms)}


# name -> Penalty. The flag --penalty takes these names.
PENALTIES = {
    'none': Penalty('none'),
    'gp': Penalty('gp', critic_loss_term=_gradient_penalty_term, metrics=('gp', 'grad_norm')),
    'clip': Penalty('clip', clips_weights=True),
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
