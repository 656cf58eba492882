"""The seed report's DCGAN generator and discriminator/critic, parameterised by resolution.

At 64 px with the defaults these are the report's tables (Anime Face Generator using GAN, Model
Setup of DCGAN and WGAN-GP):

  Generator                                       Discriminator / critic
  z(100) -> Dense 4*4*512 + BN + ReLU              image 64x64x3
  ConvT 5x5/2 -> 8x8x256 + BN + ReLU               Conv 5x5/2 -> 32x32x64  [+ BN] + LeakyReLU(0.2)
  ConvT 5x5/2 -> 16x16x128 + BN + ReLU             Conv 5x5/2 -> 16x16x128 [+ BN] + LeakyReLU(0.2)
  ConvT 5x5/2 -> 32x32x64 + BN + ReLU              Conv 5x5/2 -> 8x8x256   [+ BN] + LeakyReLU(0.2)
  ConvT 5x5/2 -> 64x64x3 + tanh                    Conv 5x5/2 -> 4x4x512   [+ BN] + LeakyReLU(0.2)
                                                   Conv 4x4 valid -> 1 (a logit: no sigmoid here)

BN in the discriminator is DCGAN's; WGAN-GP's critic has none. The losses take logits, so the
report's final sigmoid lives in the loss (`losses.py`), where it is numerically stable.

Other resolutions keep the shape: `num_blocks` stride-2 stages from a start size of 4 to 7 pixels
(32 px: 4 -> 32 in 3 stages; 96 px: 6 -> 96 in 4; 128 px: 4 -> 128 in 5). Widths double per stage
away from the image: the layer next to the image has `base_width` filters.
"""

import keras

from tfgan_anime.models.constraints import WeightClip
from tfgan_anime.models.layers import LeakyReLU
from tfgan_anime.models.layout import stage_layout

GENERATOR_NORMS = ('batch', 'none')
CRITIC_NORMS = ('batch', 'layer', 'spectral', 'none')
# PyTorch's default (0.1 there): Keras' 0.99 makes the moving statistics that sampling uses lag
# hundreds of steps behind a fast-changing generator.
BN_MOMENTUM = 0.9


def _check_choice(name, value, choices):
  if value not in choices:
    raise ValueError(f'Unknown {name}. Received: {name}={value!r}; accepted: {", ".join(choices)}')


def _check_positive(name, value):
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ValueError(f'{name} must be a positive integer. Received: {name}={value!r}')


def build_generator(resolution=64, z_dim=100, base_width=64, kernel_size=5, norm='batch',
                    channels=3, name='generator'):
  """The DCGAN generator: z [B, z_dim] -> images [B, resolution, resolution, channels] in [-1, 1].

  Args:
    resolution: output size in pixels (see `stage_layout`).
    z_dim: latent size (100 in the report).
    base_width: filters of the last hidden stage (64 in the report; 512 at 4x4 for 64 px).
    kernel_size: transposed-convolution kernel (5 in the report).
    norm: 'batch' (the report) or 'none' (the WGAN-GP paper's "no BN" variant).
    channels: output channels (3 for RGB).
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('z_dim', z_dim), ('base_width', base_width),
                     ('kernel_size', kernel_size), ('channels', channels)):
    _check_positive(arg, value)
  _check_choice('norm', norm, GENERATOR_NORMS)
  use_bn = norm == 'batch'

  z = keras.Input(shape=(z_dim,), name='z')
  width = base_width * 2**(num_blocks - 1)
  # A bias before batch norm is cancelled by its mean subtraction, so it is left out.
  x = keras.layers.Dense(start * start * width, use_bias=not use_bn, name='project')(z)
  x = keras.layers.Reshape((start, start, width))(x)
  if use_bn:
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name='project_bn')(x)
  x = keras.layers.ReLU()(x)
  for i in range(num_blocks - 1):
    width //= 2
    x = keras.layers.Conv2DTranspose(width, kernel_size, strides=2, padding='same',
                                     use_bias=not use_bn, name=f'up{i}')(x)
    if use_bn:
      x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'up{i}_bn')(x)
    x = keras.layers.ReLU()(x)
  x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding='same',
                                   name='to_image')(x)
  # tanh in float32 keeps the [-1, 1] range exact under mixed precision.
  images = keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)
  return keras.Model(z, images, name=name)


def build_critic(resolution=64, base_width=64, kernel_size=5, norm='none', clip_value=None,
                 channels=3, name='critic'):
  """The DCGAN discriminator / WGAN critic: images [B, H, W, C] in [-1, 1] -> logits [B, 1].

  Args:
    resolution: input size in pixels (see `stage_layout`).
    base_width: filters of the first convolution (64 in the report).
    kernel_size: strided-convolution kernel (5 in the report).
    norm: 'batch' (DCGAN), 'none' (WGAN and WGAN-GP), 'layer' (the WGAN-GP paper's suggestion)
      or 'spectral' (Miyato et al. 2018, `keras.layers.SpectralNormalization` on every conv).
    clip_value: if set, every kernel, bias and norm weight is clipped to [-c, c] after each
      update (WGAN's weight clipping).
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('base_width', base_width), ('kernel_size', kernel_size),
                     ('channels', channels)):
    _check_positive(arg, value)
  _check_choice('norm', norm, CRITIC_NORMS)
  clip = WeightClip(clip_value) if clip_value is not None else None

  def conv(filters, size, strides, padding, use_bias, layer_name):
    layer = keras.layers.Conv2D(filters, size, strides=strides, padding=padding,
                                use_bias=use_bias, kernel_constraint=clip,
                                bias_constraint=clip, name=layer_name)
    if norm == 'spectral':
      layer = keras.layers.SpectralNormalization(layer, name=f'{layer_name}_sn')
    return layer

  images = keras.Input(shape=(resolution, resolution, channels), name='images')
  x = images
  width = base_width
  for i in range(num_blocks):
    x = conv(width, kernel_size, 2, 'same', norm != 'batch', f'down{i}')(x)
    if norm == 'batch':
      x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, beta_constraint=clip, gamma_constraint=clip,
                                          name=f'down{i}_bn')(x)
    elif norm == 'layer':
      x = keras.layers.LayerNormalization(axis=[1, 2, 3], beta_constraint=clip,
                                          gamma_constraint=clip, name=f'down{i}_ln')(x)
    # Keras' LeakyReLU computes the same; this one makes the gradient penalty cheaper.
    x = LeakyReLU(negative_slope=0.2, name=f'down{i}_lrelu')(x)
    width *= 2
  x = conv(1, start, 1, 'valid', True, 'logit')(x)
  logits = keras.layers.Flatten(dtype='float32', name='flatten')(x)
  return keras.Model(images, logits, name=name)
