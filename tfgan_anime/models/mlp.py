"""MLP generator and critic for the 2-D toy data (`--architecture=mlp`).

The seed's toy experiments (its Figures 34-35) use, for both networks, three hidden Dense layers
of 512 units with ReLU, no normalisation, z of size 2 and a linear 2-unit generator output:

  Generator                          Critic
  z(2) -> Dense 512 + ReLU           x(2) -> Dense 512 + ReLU
       -> Dense 512 + ReLU                -> Dense 512 + ReLU
       -> Dense 512 + ReLU                -> Dense 512 + ReLU
       -> Dense 2 (linear)                -> Dense 1 (a logit)

(527,874 and 527,361 parameters at z_dim 2.) The WGAN-GP paper's toy networks are the same shape.
No batch norm anywhere: the gradient penalty is per sample, and the toy points are not in
[-1, 1], so the generator output has no tanh.
"""

import keras

from tfgan_anime.models.constraints import WeightClip


def _check_positive(name, value):
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ValueError(f'{name} must be a positive integer. Received: {name}={value!r}')


def build_generator(z_dim=2, output_dim=2, width=512, depth=3, name='generator'):
  """z [B, z_dim] -> points [B, output_dim], unbounded (linear output).

  Args:
    z_dim: latent size (2 in the seed and in the WGAN-GP toy code).
    output_dim: data dimension (2 for the toys).
    width: units of every hidden layer (512 in the seed).
    depth: hidden layers (3 in the seed).
  """
  for arg, value in (('z_dim', z_dim), ('output_dim', output_dim), ('width', width),
                     ('depth', depth)):
    _check_positive(arg, value)
  z = keras.Input(shape=(z_dim,), name='z')
  x = z
  for i in range(depth):
    x = keras.layers.Dense(width, activation='relu', name=f'hidden{i}')(x)
  samples = keras.layers.Dense(output_dim, dtype='float32', name='samples')(x)
  return keras.Model(z, samples, name=name)


def build_critic(input_dim=2, width=512, depth=3, clip_value=None, name='critic'):
  """points [B, input_dim] -> logits [B, 1].

  Args:
    input_dim: data dimension (2 for the toys).
    width, depth: hidden layers, as in `build_generator`.
    clip_value: if set, every kernel and bias is clipped to [-c, c] after each update (WGAN).
  """
  for arg, value in (('input_dim', input_dim), ('width', width), ('depth', depth)):
    _check_positive(arg, value)
  clip = WeightClip(clip_value) if clip_value is not None else None
  points = keras.Input(shape=(input_dim,), name='points')
  x = points
  for i in range(depth):
    x = keras.layers.Dense(width, activation='relu', kernel_constraint=clip,
                           bias_constraint=clip, name=f'hidden{i}')(x)
  logits = keras.layers.Dense(1, kernel_constraint=clip, bias_constraint=clip, dtype='float32',
                              name='logit')(x)
  return keras.Model(points, logits, name=name)
