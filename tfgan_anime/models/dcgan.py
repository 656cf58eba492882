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
from tfgan_anime.models import layers
from tfgan_anime.models.layers import LeakyReLU
from tfgan_anime.models.layout import stage_layout

# virtual: Salimans et al. 2016's virtual batch norm, statistics from a fixed reference batch.
GENERATOR_NORMS = ('batch', 'none', 'virtual')
# Reference batch of --g_norm=virtual: improved-gan's is one minibatch (100 there).
VBN_REFERENCE_SIZE = 64
# How the generator doubles its side: the report's stride-2 transposed convolutions, or a resize
# followed by a stride-1 convolution (Odena et al. 2016, "Deconvolution and Checkerboard
# Artifacts"; the seed's MNIST and CARS196 generators), which has no uneven kernel overlap.
UPSAMPLINGS = ('transpose', 'nearest', 'bilinear')
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


def batch_norm(name, synchronized=False, **kwargs):
  """The package's BatchNormalization: BN_MOMENTUM; `synchronized` all-reduces the batch
  statistics over a strategy's replicas (a no-op with one replica)."""
  return keras.layers.BatchNormalization(momentum=BN_MOMENTUM, synchronized=synchronized,
                                         name=name, **kwargs)


def upsample_conv(filters, kernel_size, upsample, use_bias, name):
  """A layer function doubling the side: [B, H, W, C] -> [B, 2H, 2W, filters].

  transpose: Conv2DTranspose(kernel_size, stride 2), as in the report; nearest or bilinear:
  UpSampling2D(2, interpolation) then Conv2D(kernel_size, stride 1). The latter's multiply-adds
  are 4x those of a transposed convolution of the same kernel (it runs at the output side), so
  kernel k' = k / 2 matches a transposed k: per layer 3 costs 9 * 4 / 25 = 1.44x of 5, and 2
  costs 0.64x (TensorFlow's profiler on the quickstart's generator: 1.43x and 0.65x).
  """
  _check_choice('upsample', upsample, UPSAMPLINGS)
  if upsample == 'transpose':
    return keras.layers.Conv2DTranspose(filters, kernel_size, strides=2, padding='same',
                                        use_bias=use_bias, name=name)
  resize = keras.layers.UpSampling2D(2, interpolation=upsample, name=f'{name}_resize')
  conv = keras.layers.Conv2D(filters, kernel_size, padding='same', use_bias=use_bias, name=name)
  return lambda x: conv(resize(x))


def build_generator(resolution=64, z_dim=100, base_width=64, kernel_size=5, norm='batch',
                    channels=3, upsample='transpose', sync_batch_norm=False,
                    vbn_reference_size=VBN_REFERENCE_SIZE, name='generator'):
  """The DCGAN generator: z [B, z_dim] -> images [B, resolution, resolution, channels] in [-1, 1].

  Args:
    resolution: output size in pixels (see `stage_layout`).
    z_dim: latent size (100 in the report).
    base_width: filters of the last hidden stage (64 in the report; 512 at 4x4 for 64 px).
    kernel_size: kernel of each upsampling convolution (5 in the report).
    norm: 'batch' (the report), 'none' (the WGAN-GP paper's "no BN" variant) or 'virtual'
      (virtual batch norm, Salimans et al. 2016: a `ReferenceBatch` of `vbn_reference_size`
      latents, held as a non-trainable weight, runs beside every batch and gives each
      `VirtualBatchNorm` its statistics; the model still maps z [B, z_dim] to [B, ...] images,
      at the cost of R more rows per call, and computes the same in training and inference).
    channels: output channels (3 for RGB).
    upsample: 'transpose' (the report's Conv2DTranspose stride 2), or 'nearest' / 'bilinear'
      (UpSampling2D then a stride-1 Conv2D; see `upsample_conv` for the kernel of equal FLOPs).
    sync_batch_norm: batch statistics over all replicas of a strategy, not per replica (VBN
      needs none: each example's statistics involve only itself and the reference batch).
    vbn_reference_size: R, the reference batch of norm='virtual'.
  """
  start, num_blocks = stage_layout(resolution)
  _check_choice('upsample', upsample, UPSAMPLINGS)
  for arg, value in (('z_dim', z_dim), ('base_width', base_width),
                     ('kernel_size', kernel_size), ('channels', channels)):
    _check_positive(arg, value)
  _check_choice('norm', norm, GENERATOR_NORMS)
  use_bn = norm != 'none'
  virtual = norm == 'virtual'
  if virtual:
    _check_positive('vbn_reference_size', vbn_reference_size)

  def normalise(layer_name):
    if virtual:
      return layers.VirtualBatchNorm(vbn_reference_size, name=f'{layer_name}_vbn')
    return batch_norm(f'{layer_name}_bn', sync_batch_norm)

  z = keras.Input(shape=(z_dim,), name='z')
  x = layers.ReferenceBatch(vbn_reference_size, name='reference_z')(z) if virtual else z
  width = base_width * 2**(num_blocks - 1)
  # A bias before batch norm is cancelled by its mean subtraction, so it is left out.
  x = keras.layers.Dense(start * start * width, use_bias=not use_bn, name='project')(x)
  x = keras.layers.Reshape((start, start, width))(x)
  if use_bn:
    x = normalise('project')(x)
  x = keras.layers.ReLU()(x)
  for i in range(num_blocks - 1):
    width //= 2
    x = upsample_conv(width, kernel_size, upsample, not use_bn, f'up{i}')(x)
    if use_bn:
      x = normalise(f'up{i}')(x)
    x = keras.layers.ReLU()(x)
  x = upsample_conv(channels, kernel_size, upsample, True, 'to_image')(x)
  # tanh in float32 keeps the [-1, 1] range exact under mixed precision.
  images = keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)
  if virtual:
    images = layers.DropReference(vbn_reference_size, dtype='float32',
                                  name='drop_reference')(images)
  return keras.Model(z, images, name=name)


def build_critic(resolution=64, base_width=64, kernel_size=5, norm='none', clip_value=None,
                 channels=3, sync_batch_norm=False, minibatch_stddev=0,
                 minibatch_discrimination=None, name='critic'):
  """The DCGAN discriminator / WGAN critic: images [B, H, W, C] in [-1, 1] -> logits [B, 1].

  Args:
    resolution: input size in pixels (see `stage_layout`).
    base_width: filters of the first convolution (64 in the report).
    kernel_size: strided-convolution kernel (5 in the report).
    norm: 'batch' (DCGAN), 'none' (WGAN and WGAN-GP), 'layer' (the WGAN-GP paper's suggestion)
      or 'spectral' (Miyato et al. 2018, `keras.layers.SpectralNormalization` on every conv).
    clip_value: if set, every kernel, bias and norm weight is clipped to [-c, c] after each
      update (WGAN's weight clipping).
    sync_batch_norm: with norm='batch', batch statistics over all replicas of a strategy.
    minibatch_stddev: G > 0 appends ProGAN's minibatch standard deviation over groups of G
      (`layers.MinibatchStddev`) as one channel before the last convolution; 0: off.
    minibatch_discrimination: (K, D) appends Salimans et al.'s K minibatch features
      (`layers.MinibatchDiscrimination`, kernels of dimension D) as K channels before the last
      convolution (after the stddev channel when both are on); None: off.
      Both make each logit depend on the other samples of the (per-replica) batch, so
      per-sample input-gradient penalties (gp, r1, dragan) are refused with them (config.py).
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('base_width', base_width), ('kernel_size', kernel_size),
                     ('channels', channels)):
    _check_positive(arg, value)
  if minibatch_stddev:
    _check_positive('minibatch_stddev', minibatch_stddev)
  if minibatch_discrimination is not None:
    if len(minibatch_discrimination) != 2:
      raise ValueError('minibatch_discrimination must be (num_kernels, kernel_dim). Received: '
                       f'minibatch_discrimination={minibatch_discrimination!r}')
    for value in minibatch_discrimination:
      _check_positive('minibatch_discrimination', value)
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
      x = batch_norm(f'down{i}_bn', sync_batch_norm, beta_constraint=clip,
                     gamma_constraint=clip)(x)
    elif norm == 'layer':
      x = keras.layers.LayerNormalization(axis=[1, 2, 3], beta_constraint=clip,
                                          gamma_constraint=clip, name=f'down{i}_ln')(x)
    # Keras' LeakyReLU computes the same; this one makes the gradient penalty cheaper.
    x = LeakyReLU(negative_slope=0.2, name=f'down{i}_lrelu')(x)
    width *= 2
  # Batch statistics go in before the last convolution, where the features are smallest
  # (ProGAN puts its stddev there; improved-gan its minibatch layer before the last dense).
  if minibatch_stddev:
    x = layers.MinibatchStddev(minibatch_stddev, name='minibatch_stddev')(x)
  if minibatch_discrimination is not None:
    x = layers.MinibatchDiscrimination(*minibatch_discrimination, kernel_constraint=clip,
                                       name='minibatch_discrimination')(x)
  x = conv(1, start, 1, 'valid', True, 'logit')(x)
  logits = keras.layers.Flatten(dtype='float32', name='flatten')(x)
  return keras.Model(images, logits, name=name)
