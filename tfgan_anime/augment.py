"""Differentiable augmentation of the critic's inputs (DiffAugment, Zhao et al. 2020).

A critic trained on a small set memorises it; showing it randomly transformed images, real and
fake alike, in the critic's updates and in the generator's, keeps it from doing so without
teaching the generator the transformations (the generator's loss is taken through the same
differentiable transformation, so its gradient undoes it). Augmenting only the critic's inputs
in its own update shifts what it calls real, and is a known way to diverge.

The ops follow the paper's code, on images in [-1, 1] (0 is mid-grey, what the padding and the
cut-out square are filled with):
  color:        brightness + (u - 0.5); saturation * 2u about the pixel's channel mean;
                contrast * (u + 0.5) about the image's mean;
  translation:  an integer shift in [-H/8, H/8] and [-W/8, W/8], zero padded;
  cutout:       a zeroed H/2 x W/2 square at a random place, possibly cut by the border.

Every random number is given, one row of NUM_DRAWS uniforms in [0, 1) per sample, so that the
caller draws them statelessly (a resumed run augments exactly as an uninterrupted one).

With a probability p < 1 (ADA, Karras et al. 2020), each op is applied to each sample when that
sample's gate for it (one more uniform per op, NUM_GATES of them) is below p, and the sample
passes through that op unchanged otherwise. An augmentation applied with p < 1 does not leak
into the generator where p = 1 can: the critic still sees unaugmented images of both kinds, so
the generator cannot match the reals by producing augmented-looking images (ADA's section
2.2: about p < 0.8 for these ops). `adjust_probability` is ADA's controller, which moves p to
hold the critic's overfitting signal at a target.
"""

import tensorflow as tf

OPS = ('color', 'translation', 'cutout')
# Columns of the uniform draws: the same layout for every subset of OPS, so enabling one op
# never changes another's draws.
_BRIGHTNESS, _SATURATION, _CONTRAST, _SHIFT_Y, _SHIFT_X, _CUT_Y, _CUT_X = range(7)
NUM_DRAWS = 7
# One gate per op in OPS (its index there), drawn separately: p = 1 draws none.
NUM_GATES = len(OPS)
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse(spec):
  """'color,translation' -> ('color', 'translation'); '' or 'none' -> ()."""
  if spec in ('', 'none'):
    return ()
  ops = tuple(op.strip() for op in spec.split(','))
  unknown = [op for op in ops if op not in OPS]
  if unknown or len(set(ops)) != len(ops):
    raise ValueError(f'Invalid augment. Received: augment={spec!r}; accepted: none, or a '
                     f'comma-separated subset of {", ".join(OPS)} without repeats')
  return ops


def augment(images, ops, uniforms, probability=None, gates=None):
  """Applies `ops` in the paper's order (color, translation, cutout).

  Args:
    images: float [B, H, W, C] in [-1, 1].
    ops: a subset of OPS (see `parse`).
    uniforms: float32 [B, NUM_DRAWS] in [0, 1), this batch's draws.
    probability: None (every op on every sample, DiffAugment), or a float32 scalar p in
      [0, 1]: op k is applied to sample b where gates[b, k] < p (ADA).
    gates: float32 [B, NUM_GATES] in [0, 1), with `probability`; column k is OPS[k]'s.

  Returns:
    The augmented images, same shape and dtype; differentiable in `images`.
  """
  if not ops:
    return images
  if (probability is None) != (gates is None):
    raise ValueError('augment takes probability and gates together. Received: probability='
                     f'{probability!r}, gates={gates!r}')
  u = tf.cast(uniforms, images.dtype)
  transforms = {
      'color': lambda x: color(x, u[:, _BRIGHTNESS], u[:, _SATURATION], u[:, _CONTRAST]),
      'translation': lambda x: translation(x, uniforms[:, _SHIFT_Y], uniforms[:, _SHIFT_X]),
      'cutout': lambda x: cutout(x, uniforms[:, _CUT_Y], uniforms[:, _CUT_X]),
  }
  for op in OPS:
    if op not in ops:
      continue
    transformed = transforms[op](images)
    if probability is None:
      images = transformed
    else:
      applied = gates[:, OPS.index(op)] < tf.cast(probability, gates.dtype)
      images = tf.where(tf.reshape(applied, [-1, 1, 1, 1]), transformed, images)
  return images


def adjust_probability(probability, signal, target, images, kimg):
  """ADA's controller: p + sign(signal - target) * images / (1000 * kimg), clipped to [0, 1].

  Args:
    probability: p now, a float32 scalar.
    signal: ADA's r_t = E[sign(D(x_real))] over the real images the critic just scored, in
      [-1, 1]: near 1 when the critic calls nearly every real image real (it has learned the
      folder), near 0 when it cannot tell. It needs a critic whose output's sign means real or
      fake: a logistic or hinge discriminator; a Wasserstein critic's output is defined up to a
      constant, so its sign says nothing.
    target: the r_t held (ADA: 0.6).
    images: the real images behind `signal` (the step's global batch times n_critic).
    kimg: thousands of images over which p can move from 0 to 1 (ADA: 500).

  Returns:
    The new p, a float32 scalar.
  """
  step = tf.sign(tf.cast(signal, tf.float32) - target) * tf.cast(images, tf.float32)
  return tf.clip_by_value(tf.cast(probability, tf.float32) + step / (1000.0 * kimg), 0.0, 1.0)


def _per_sample(values):
  return tf.reshape(values, [-1, 1, 1, 1])


def color(images, brightness, saturation, contrast):
  """The paper's brightness, saturation and contrast; each argument [B] in [0, 1)."""
  images = images + _per_sample(brightness - 0.5)
  mean = tf.reduce_mean(images, axis=3, keepdims=True)
  images = (images - mean) * _per_sample(saturation * 2.0) + mean
  mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
  return (images - mean) * _per_sample(contrast + 0.5) + mean


def _integers(u, low, count):
  """Uniform integers in [low, low + count) from u in [0, 1), int32 [B]."""
  return tf.minimum(tf.cast(tf.floor(u * count), tf.int32), count - 1) + low


def translation(images, u_y, u_x, ratio=TRANSLATION_RATIO):
  """out[b, i, j] = images[b, i + ty_b, j + tx_b], 0 outside; ty, tx in [-s, s], s = ratio * size."""
  for axis, u in ((1, u_y), (2, u_x)):
    size = images.shape[axis]
    shift = int(size * ratio + 0.5)
    offset = _integers(u, -shift, 2 * shift + 1)
    source = tf.range(size)[None, :] + offset[:, None]  # [B, size]
    inside = tf.cast((source >= 0) & (source < size), images.dtype)
    images = tf.gather(images, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    mask_shape = [-1, size, 1, 1] if axis == 1 else [-1, 1, size, 1]
    images = images * tf.reshape(inside, mask_shape)
  return images


def cutout(images, u_y, u_x, ratio=CUTOUT_RATIO):
  """Zeroes a (ratio * H) x (ratio * W) square per sample, placed as the paper's code does."""
  masks = []
  for axis, u in ((1, u_y), (2, u_x)):
    size = images.shape[axis]
    cut = int(size * ratio + 0.5)
    centre = _integers(u, 0, size + (1 - cut % 2))
    start = centre - cut // 2
    index = tf.range(size)[None, :]
    masks.append((index >= start[:, None]) & (index < start[:, None] + cut))  # [B, size]
  inside = tf.logical_and(masks[0][:, :, None], masks[1][:, None, :])  # [B, H, W]
  return images * tf.cast(~inside, images.dtype)[..., None]


# Instance noise (Sonderby et al. 2017; Arjovsky & Bottou 2017, section 3.1; Salimans et al.
# 2016's "add noise to the discriminator's inputs").

def instance_noise_sigma(step, sigma, anneal_steps):
  """sigma * max(0, 1 - step / anneal_steps): linear annealing to 0; anneal_steps 0: sigma.

  Args:
    step: the generator step now (an int or an int64 tensor).
    sigma: the noise's standard deviation at step 0 (images are in [-1, 1]).
    anneal_steps: the step at which it reaches 0 and stays there; 0: constant.

  Returns:
    A float32 scalar tensor.
  """
  if sigma < 0 or anneal_steps < 0:
    raise ValueError(f'Invalid instance noise. Received: sigma={sigma!r}, anneal_steps='
                     f'{anneal_steps!r}; accepted: sigma >= 0, anneal_steps >= 0')
  sigma = tf.constant(sigma, tf.float32)
  if not anneal_steps:
    return sigma
  fraction = tf.cast(step, tf.float32) / float(anneal_steps)
  return sigma * tf.maximum(0.0, 1.0 - fraction)


def add_instance_noise(images, sigma, normal):
  """images + sigma * normal: Gaussian instance noise on a critic input.

  gan.py applies it to what the critic sees, after DiffAugment and before the penalty:

    real = add_instance_noise(_critic_view(real), sigma, N(0, 1) draw)   (critic update)
    fake = add_instance_noise(_critic_view(G(z)), sigma, another draw)  (both updates)

  After DiffAugment, because the noise models the critic's input distributions as smoothed
  (the point of the trick: overlapping supports); augmenting after it would translate the
  noise and cut it out with the image. Before the penalty, because the penalty then
  constrains the critic where it is trained: gp interpolates between noisy reals and noisy
  fakes (the WGAN-GP definition applied to the two smoothed distributions, with no extra
  draw), r1 takes the gradient at noisy reals (a point of the smoothed data distribution) and
  dragan perturbs around them.

  Args:
    images: critic inputs [B, ...] (images in [-1, 1], or toy points).
    sigma: a scalar, `instance_noise_sigma` of this step.
    normal: N(0, 1) values of `images`' shape (stateless draws, so a resume is exact).

  Returns:
    The noisy inputs, `images`' dtype; the noise is not clipped to [-1, 1].
  """
  return images + tf.cast(sigma, images.dtype) * tf.cast(normal, images.dtype)
