"""The WGAN-GP talk's MNIST and CARS196 networks (`--architecture=mnist` / `cars`), as its tables print.

The seed talk (seeds/004, "Architectures - MNIST Critic" to "CARS Generator", Figures 36-39):

  MNIST critic (4,305,409 params)              MNIST generator (910,660; 902,082 trainable)
  image 28x28x1 -> ZeroPadding2D(2) 32x32x1    z(128) -> Dense 4096, no bias + BN + LeakyReLU
  Conv 5x5/2, 64 + LeakyReLU(0.2)  16x16x64    Reshape 4x4x256
  Conv 5x5/2, 128 + LeakyReLU + Dropout 0.3    UpSampling2D, Conv 3x3 128, no bias + BN + LReLU
  Conv 5x5/2, 256 + LeakyReLU + Dropout 0.3    UpSampling2D, Conv 3x3 64, no bias + BN + LReLU
  Conv 5x5/2, 512 + LeakyReLU       2x2x512    UpSampling2D, Conv 3x3 1, no bias + BN
  Flatten + Dropout 0.3, Dense 1 (a logit)     tanh, Cropping2D(2) -> 28x28x1

  CARS critic (4,319,361 params): the same on 64x64x3, zero-padded to 68x68 (34, 17, 9, 5 px),
  Flatten 12,800 -> Dense 1.
  CARS generator (1,453,804 params, 8,646 of them BN moving statistics): z(256) -> Dense 4096 +
  BN + LeakyReLU -> 4x4x256 -> four UpSampling2D + Conv 3x3 (128, 64, 32, 3) + BN, LeakyReLU
  on all but the last -> tanh -> 64x64x3.

The MNIST pair is exactly keras.io's WGAN-GP example (examples/generative/wgan_gp.py: its
`get_discriminator_model` has 4,305,409 parameters and `get_generator_model` 910,660, 902,082
trainable), which the talk's tables print.

Conventions of `dcgan.py`: the critics end in a float32 logit [B, 1] (no activation: the losses
take logits), the generators in a float32 tanh, images in [-1, 1]; batch norm uses
`dcgan.BN_MOMENTUM`, not Keras' 0.99 (keras.io's example keeps 0.99; the parameter counts are
the same). Every LeakyReLU (slope 0.2, keras.io's) is the project's `layers.LeakyReLU`, whose
cheaper second derivative the gradient penalty relies on. The critics' dropout is the talk's,
active in training, the gradient penalty's critic calls included, as in keras.io's example.
"""

import keras

from tfgan_anime.models.constraints import WeightClip
from tfgan_anime.models.dcgan import BN_MOMENTUM
from tfgan_anime.models.layers import LeakyReLU

# Image side and latent size of each architecture, as the talk's tables give them.
RESOLUTIONS = {'mnist': 28, 'cars': 64}
Z_DIMS = {'mnist': 128, 'cars': 256}
CHANNELS = {'mnist': 1, 'cars': 3}
CRITIC_FILTERS = (64, 128, 256, 512)
DROPOUT = 0.3
SLOPE = 0.2


def _check_positive(name, value):
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ValueError(f'{name} must be a positive integer. Received: {name}={value!r}')


def _critic(side, channels, dropout, clip_value, name):
  """images [B, side, side, channels] -> zero-pad 2 -> 4 strided convs -> logits [B, 1]."""
  _check_positive('channels', channels)
  if not 0.0 <= dropout < 1.0:
    raise ValueError(f'dropout must be in [0, 1). Received: dropout={dropout!r}')
  clip = WeightClip(clip_value) if clip_value is not None else None
  images = keras.Input(shape=(side, side, channels), name='images')
  x = keras.layers.ZeroPadding2D(2, name='pad')(images)
  for i, filters in enumerate(CRITIC_FILTERS):
    x = keras.layers.Conv2D(filters, 5, strides=2, padding='same', kernel_constraint=clip,
                            bias_constraint=clip, name=f'down{i}')(x)
    x = LeakyReLU(negative_slope=SLOPE, name=f'down{i}_lrelu')(x)
    if i in (1, 2):
      x = keras.layers.Dropout(dropout, name=f'down{i}_dropout')(x)
  x = keras.layers.Flatten(name='flatten')(x)
  x = keras.layers.Dropout(dropout, name='flatten_dropout')(x)
  logits = keras.layers.Dense(1, kernel_constraint=clip, bias_constraint=clip, dtype='float32',
                              name='logit')(x)
  return keras.Model(images, logits, name=name)


def _generator(z_dim, widths, channels, crop, name, sync_batch_norm=False):
  """z [B, z_dim] -> Dense 4x4x256 -> (UpSampling2D, conv 3x3 + BN[, LeakyReLU]) per width."""
  _check_positive('z_dim', z_dim)
  _check_positive('channels', channels)
  z = keras.Input(shape=(z_dim,), name='z')
  # No biases before batch norm, whose mean subtraction would cancel them (the talk's tables).
  x = keras.layers.Dense(4 * 4 * 256, use_bias=False, name='project')(z)
  x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, synchronized=sync_batch_norm,
                                         name='project_bn')(x)
  x = LeakyReLU(negative_slope=SLOPE, name='project_lrelu')(x)
  x = keras.layers.Reshape((4, 4, 256), name='reshape')(x)
  widths = tuple(widths) + (channels,)
  for i, width in enumerate(widths):
    x = keras.layers.UpSampling2D(2, name=f'up{i}_upsample')(x)
    x = keras.layers.Conv2D(width, 3, padding='same', use_bias=False, name=f'up{i}')(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, synchronized=sync_batch_norm,
                                           name=f'up{i}_bn')(x)
    if i < len(widths) - 1:
      x = LeakyReLU(negative_slope=SLOPE, name=f'up{i}_lrelu')(x)
  # tanh in float32 keeps the [-1, 1] range exact under mixed precision; the crop stays float32.
  images = keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)
  if crop:
    images = keras.layers.Cropping2D(crop, dtype='float32', name='crop')(images)
  return keras.Model(z, images, name=name)


def build_mnist_critic(channels=1, dropout=DROPOUT, clip_value=None, name='critic'):
  """The talk's MNIST critic: images [B, 28, 28, channels] in [-1, 1] -> logits [B, 1].

  4,305,409 parameters at channels=1 (Figure 36; keras.io wgan_gp.py's discriminator).

  Args:
    channels: image channels (1 in the talk).
    dropout: rate after the 2nd and 3rd convolutions and after the flatten (0.3).
    clip_value: if set, kernels and biases are clipped to [-c, c] after each update (WGAN).
  """
  return _critic(RESOLUTIONS['mnist'], channels, dropout, clip_value, name)


def build_mnist_generator(z_dim=Z_DIMS['mnist'], channels=1, name='generator',
                          sync_batch_norm=False):
  """The talk's MNIST generator: z [B, z_dim] -> images [B, 28, 28, channels] in [-1, 1].

  910,660 parameters at z_dim=128, channels=1, 902,082 trainable (Figure 37; keras.io
  wgan_gp.py's generator): 32x32 upsampled, then cropped by 2 on each side. sync_batch_norm:
  batch statistics over all replicas of a strategy.
  """
  return _generator(z_dim, (128, 64), channels, 2, name, sync_batch_norm)


def build_cars_critic(channels=3, dropout=DROPOUT, clip_value=None, name='critic'):
  """The talk's CARS196 critic: images [B, 64, 64, channels] in [-1, 1] -> logits [B, 1].

  4,319,361 parameters at channels=3 (Figure 38). Arguments as `build_mnist_critic`.
  """
  return _critic(RESOLUTIONS['cars'], channels, dropout, clip_value, name)


def build_cars_generator(z_dim=Z_DIMS['cars'], channels=3, name='generator',
                          sync_batch_norm=False):
  """The talk's CARS196 generator: z [B, z_dim] -> images [B, 64, 64, channels] in [-1, 1].

  1,453,804 parameters at z_dim=256, channels=3, 8,646 of them non-trainable (Figure 39).
  sync_batch_norm: as `build_mnist_generator`.
  """
  return _generator(z_dim, (128, 64, 32), channels, None, name, sync_batch_norm)


BUILDERS = {
    'mnist': (build_mnist_generator, build_mnist_critic),
    'cars': (build_cars_generator, build_cars_critic),
}
