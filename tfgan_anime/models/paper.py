"""The WGAN-GP paper's architecture sweep (Gulrajani et al. 2017, Figure 2): generators (and,
where the paper changes both, critics) that a method must train to count as robust.

  name             generator                                           critic
  dcgan            the report's DCGAN (models/dcgan.py)                DCGAN
  no_bn_constant   no BN, `dim` filters at every layer (the authors'   DCGAN
                   WGANPaper_CrippledDCGANGenerator, dim 64)
  mlp              4 ReLU Dense layers of 512, a Dense to the pixels,  DCGAN
                   tanh (the authors' FCGenerator)
  gated            DCGAN with sigmoid(a) * tanh(b) units: each layer   the same units
                   makes twice the channels, split in halves a and b
  tanh             DCGAN with tanh in place of every ReLU              tanh for LeakyReLU
  resnet           residual blocks, `depth` per stage (the authors'    its mirror image
                   64 px ResNet: depth 1; their 101-layer one is deeper)

Conventions as in dcgan.py: models named 'generator' and 'critic', images in [-1, 1] (a float32
tanh), logits [B, 1]; the stages come from `layout.stage_layout` (4 to 7 px, doubling); a bias
is left out before batch norm, which cancels it. The paper's z has 128 entries, the report's
100: z_dim is a parameter. `GENERATORS` and `CRITICS` are the registries `--g_arch` names
(config.G_ARCHS holds the same names without importing Keras).
"""

import keras

from tfgan_anime.models import dcgan
from tfgan_anime.models.constraints import WeightClip
from tfgan_anime.models.layers import LeakyReLU
from tfgan_anime.models.layout import stage_layout

BN_MOMENTUM = dcgan.BN_MOMENTUM


def _check_positive(name, value):
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ValueError(f'{name} must be a positive integer. Received: {name}={value!r}')


def _image(x, channels, kernel_size, name='to_image'):
  """The last layer of every image generator: a stride-2 transposed conv, a float32 tanh."""
  x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding='same', name=name)(x)
  return keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)


def _gate(x, name):
  """sigmoid(a) * tanh(b) of the two channel halves a, b of x (PixelCNN's gated unit)."""
  half = x.shape[-1] // 2
  a = keras.layers.Lambda(lambda t: t[..., :half], name=f'{name}_a')(x)
  b = keras.layers.Lambda(lambda t: t[..., half:], name=f'{name}_b')(x)
  return keras.layers.Multiply(name=f'{name}_gate')(
      [keras.layers.Activation('sigmoid')(a), keras.layers.Activation('tanh')(b)])


def build_no_bn_constant_generator(resolution=64, z_dim=100, dim=64, kernel_size=5, channels=3,
                                   name='generator'):
  """z [B, z_dim] -> images [B, res, res, channels] in [-1, 1]; no BN, `dim` filters throughout.

  Dense start*start*dim + ReLU, then stride-2 ConvT(dim) + ReLU up to res/2, then ConvT(channels).
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('z_dim', z_dim), ('dim', dim), ('kernel_size', kernel_size),
                     ('channels', channels)):
    _check_positive(arg, value)
  z = keras.Input(shape=(z_dim,), name='z')
  x = keras.layers.Dense(start * start * dim, activation='relu', name='project')(z)
  x = keras.layers.Reshape((start, start, dim))(x)
  for i in range(num_blocks - 1):
    x = keras.layers.Conv2DTranspose(dim, kernel_size, strides=2, padding='same',
                                     activation='relu', name=f'up{i}')(x)
  return keras.Model(z, _image(x, channels, kernel_size), name=name)


def build_mlp_generator(resolution=64, z_dim=100, width=512, depth=4, channels=3,
                        name='generator'):
  """z [B, z_dim] -> images [B, res, res, channels] in [-1, 1]: `depth` ReLU Dense layers of
  `width`, a Dense to every pixel, tanh (resolution may be any size >= 1)."""
  for arg, value in (('resolution', resolution), ('z_dim', z_dim), ('width', width),
                     ('depth', depth), ('channels', channels)):
    _check_positive(arg, value)
  z = keras.Input(shape=(z_dim,), name='z')
  x = z
  for i in range(depth):
    x = keras.layers.Dense(width, activation='relu', name=f'hidden{i}')(x)
  x = keras.layers.Dense(resolution * resolution * channels, name='to_pixels')(x)
  x = keras.layers.Reshape((resolution, resolution, channels))(x)
  images = keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)
  return keras.Model(z, images, name=name)


def _activation(kind, name):
  """A unit of the DCGAN-shaped networks: 'relu', 'lrelu' (0.2), 'tanh' or 'gated'."""
  if kind == 'relu':
    return keras.layers.ReLU(name=name)
  if kind == 'lrelu':
    return LeakyReLU(negative_slope=0.2, name=name)
  if kind == 'tanh':
    return keras.layers.Activation('tanh', name=name)
  return lambda x: _gate(x, name)


def _dcgan_like_generator(activation, resolution, z_dim, base_width, kernel_size, norm,
                          channels, name, sync_batch_norm=False):
  """dcgan.build_generator's shape with another unit; 'gated' doubles each layer's channels."""
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('z_dim', z_dim), ('base_width', base_width),
                     ('kernel_size', kernel_size), ('channels', channels)):
    _check_positive(arg, value)
  dcgan._check_choice('norm', norm, dcgan.GENERATOR_NORMS)  # pylint: disable=protected-access
  use_bn = norm == 'batch'
  factor = 2 if activation == 'gated' else 1
  z = keras.Input(shape=(z_dim,), name='z')
  width = base_width * 2**(num_blocks - 1)
  x = keras.layers.Dense(start * start * width * factor, use_bias=not use_bn, name='project')(z)
  x = keras.layers.Reshape((start, start, width * factor))(x)
  if use_bn:
    x = dcgan.batch_norm('project_bn', sync_batch_norm)(x)
  x = _activation(activation, 'project_act')(x)
  for i in range(num_blocks - 1):
    width //= 2
    x = keras.layers.Conv2DTranspose(width * factor, kernel_size, strides=2, padding='same',
                                     use_bias=not use_bn, name=f'up{i}')(x)
    if use_bn:
      x = dcgan.batch_norm(f'up{i}_bn', sync_batch_norm)(x)
    x = _activation(activation, f'up{i}_act')(x)
  return keras.Model(z, _image(x, channels, kernel_size), name=name)


def _clip_args(clip_value):
  """Keras constraint arguments of WGAN's weight clipping to [-c, c] (none without a value)."""
  clip = WeightClip(clip_value) if clip_value is not None else None
  return {'kernel_constraint': clip, 'bias_constraint': clip}


def _dcgan_like_critic(activation, resolution, base_width, kernel_size, norm, channels, name,
                       clip_value=None):
  """dcgan.build_critic's shape (norm none or layer) with another unit; 'gated' doubles widths."""
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('base_width', base_width), ('kernel_size', kernel_size),
                     ('channels', channels)):
    _check_positive(arg, value)
  dcgan._check_choice('norm', norm, ('none', 'layer'))  # pylint: disable=protected-access
  factor = 2 if activation == 'gated' else 1
  images = keras.Input(shape=(resolution, resolution, channels), name='images')
  x = images
  width = base_width
  for i in range(num_blocks):
    x = keras.layers.Conv2D(width * factor, kernel_size, strides=2, padding='same',
                            name=f'down{i}', **_clip_args(clip_value))(x)
    if norm == 'layer':
      clip = _clip_args(clip_value)['kernel_constraint']
      x = keras.layers.LayerNormalization(axis=[1, 2, 3], beta_constraint=clip,
                                          gamma_constraint=clip, name=f'down{i}_ln')(x)
    x = _activation(activation, f'down{i}_act')(x)
    width *= 2
  x = keras.layers.Conv2D(1, start, padding='valid', name='logit', **_clip_args(clip_value))(x)
  logits = keras.layers.Flatten(dtype='float32', name='flatten')(x)
  return keras.Model(images, logits, name=name)


def build_gated_generator(resolution=64, z_dim=100, base_width=64, kernel_size=5, norm='batch',
                          channels=3, name='generator', sync_batch_norm=False):
  """The DCGAN generator with gated units: each layer makes 2w channels, sigmoid(a) * tanh(b)
  keeps w. z [B, z_dim] -> images [B, res, res, channels] in [-1, 1]."""
  return _dcgan_like_generator('gated', resolution, z_dim, base_width, kernel_size, norm,
                               channels, name, sync_batch_norm)


def build_gated_critic(resolution=64, base_width=64, kernel_size=5, norm='none', channels=3,
                       name='critic', clip_value=None):
  """The DCGAN critic with gated units. images [B, res, res, channels] -> logits [B, 1]."""
  return _dcgan_like_critic('gated', resolution, base_width, kernel_size, norm, channels, name,
                            clip_value)


def build_tanh_generator(resolution=64, z_dim=100, base_width=64, kernel_size=5, norm='batch',
                         channels=3, name='generator', sync_batch_norm=False):
  """The DCGAN generator with tanh for every ReLU (DCGAN's parameter count)."""
  return _dcgan_like_generator('tanh', resolution, z_dim, base_width, kernel_size, norm,
                               channels, name, sync_batch_norm)


def build_tanh_critic(resolution=64, base_width=64, kernel_size=5, norm='none', channels=3,
                       name='critic', clip_value=None):
  """The DCGAN critic with tanh for every LeakyReLU (DCGAN's parameter count)."""
  return _dcgan_like_critic('tanh', resolution, base_width, kernel_size, norm, channels, name,
                            clip_value)


def _residual_block(x, width, resample, norm, name, clip_value=None, sync_batch_norm=False):
  """A pre-activation residual block: [norm, ReLU, conv3x3] twice, plus a shortcut.

  resample: 'up' (nearest x2 before the first conv, and on the shortcut), 'down' (2x2 mean pool
  after the second conv, and on the shortcut) or None. The shortcut is a 1x1 conv when the width
  or the size changes, else the identity.
  """
  shortcut = x
  if resample == 'up':
    shortcut = keras.layers.UpSampling2D(name=f'{name}_short_up')(shortcut)
  elif resample == 'down':
    shortcut = keras.layers.AveragePooling2D(2, name=f'{name}_short_pool')(shortcut)
  if resample or x.shape[-1] != width:
    shortcut = keras.layers.Conv2D(width, 1, name=f'{name}_short', **_clip_args(clip_value))(
        shortcut)
  use_bias = norm != 'batch'
  for j in range(2):
    if norm == 'batch':
      x = dcgan.batch_norm(f'{name}_bn{j}', sync_batch_norm)(x)
    elif norm == 'layer':
      clip = _clip_args(clip_value)['kernel_constraint']
      x = keras.layers.LayerNormalization(axis=[1, 2, 3], beta_constraint=clip,
                                          gamma_constraint=clip, name=f'{name}_ln{j}')(x)
    x = keras.layers.ReLU(name=f'{name}_relu{j}')(x)
    if j == 0 and resample == 'up':
      x = keras.layers.UpSampling2D(name=f'{name}_up')(x)
    # The second conv feeds the sum, not a norm: it keeps its bias.
    x = keras.layers.Conv2D(width, 3, padding='same', use_bias=use_bias or j == 1,
                            name=f'{name}_conv{j}', **_clip_args(clip_value))(x)
  if resample == 'down':
    x = keras.layers.AveragePooling2D(2, name=f'{name}_pool')(x)
  return keras.layers.Add(name=f'{name}_add')([shortcut, x])


def build_resnet_generator(resolution=64, z_dim=100, base_width=64, depth=1, norm='batch',
                           channels=3, name='generator', sync_batch_norm=False):
  """z [B, z_dim] -> images [B, res, res, channels] in [-1, 1] through residual blocks.

  Dense to start x start x (base_width * 2**(stages-1)) [the paper: 4 x 4 x 8 * dim]; per stage
  `depth` blocks, the first upsampling and halving the width except at the first stage (the
  paper's Res1 keeps 8 * dim); then norm, ReLU, conv3x3 to the image, tanh.
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('z_dim', z_dim), ('base_width', base_width), ('depth', depth),
                     ('channels', channels)):
    _check_positive(arg, value)
  dcgan._check_choice('norm', norm, dcgan.GENERATOR_NORMS)  # pylint: disable=protected-access
  z = keras.Input(shape=(z_dim,), name='z')
  width = base_width * 2**(num_blocks - 1)
  x = keras.layers.Dense(start * start * width, name='project')(z)
  x = keras.layers.Reshape((start, start, width))(x)
  for stage in range(num_blocks):
    if stage:
      width //= 2
    for block in range(depth):
      x = _residual_block(x, width, 'up' if block == 0 else None, norm, f'up{stage}_{block}',
                          sync_batch_norm=sync_batch_norm)
  if norm == 'batch':
    x = dcgan.batch_norm('out_bn', sync_batch_norm)(x)
  x = keras.layers.ReLU(name='out_relu')(x)
  x = keras.layers.Conv2D(channels, 3, padding='same', name='to_image')(x)
  images = keras.layers.Activation('tanh', dtype='float32', name='tanh')(x)
  return keras.Model(z, images, name=name)


def build_resnet_critic(resolution=64, base_width=64, depth=1, norm='none', channels=3,
                        name='critic', clip_value=None):
  """images [B, res, res, channels] -> logits [B, 1] through residual blocks.

  conv3x3 to base_width; per stage `depth` blocks, the last one mean-pooling, the first doubling
  the width except at the last stage (the paper's Res4 keeps 8 * dim); a Dense to the logit.
  norm: 'none' or 'layer' (the WGAN-GP authors' choice for this critic).
  """
  start, num_blocks = stage_layout(resolution)
  for arg, value in (('base_width', base_width), ('depth', depth), ('channels', channels)):
    _check_positive(arg, value)
  dcgan._check_choice('norm', norm, ('none', 'layer'))  # pylint: disable=protected-access
  images = keras.Input(shape=(resolution, resolution, channels), name='images')
  x = keras.layers.Conv2D(base_width, 3, padding='same', name='from_image',
                          **_clip_args(clip_value))(images)
  width = base_width
  for stage in range(num_blocks):
    if stage < num_blocks - 1:
      width *= 2
    for block in range(depth):
      x = _residual_block(x, width, 'down' if block == depth - 1 else None, norm,
                          f'down{stage}_{block}', clip_value)
  x = keras.layers.Flatten(name='flatten_features')(x)
  del start  # The last stage is start x start; the Dense reads all of it.
  logits = keras.layers.Dense(1, dtype='float32', name='logit', **_clip_args(clip_value))(x)
  return keras.Model(images, logits, name=name)


GENERATORS = {
    'dcgan': dcgan.build_generator,
    'no_bn_constant': build_no_bn_constant_generator,
    'mlp': build_mlp_generator,
    'gated': build_gated_generator,
    'tanh': build_tanh_generator,
    'resnet': build_resnet_generator,
}
# The variants that change the critic too; the others train against dcgan.build_critic. Each
# takes clip_value (WGAN's weight clipping), as dcgan.build_critic does.
CRITICS = {
    'gated': build_gated_critic,
    'tanh': build_tanh_critic,
    'resnet': build_resnet_critic,
}
