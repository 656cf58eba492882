"""The tag-conditional DCGAN: conditional batch norm in the generator, a projection critic.

Labels are int32 [B, G], one class index per tag group (`data/conditions.py`); the networks
one-hot each group and concatenate them, y in {0, 1}^D with D = sum of the groups' class counts.

Generator, z [B, z_dim] and labels [B, G] -> images [B, H, W, C] in [-1, 1]:
* mode 'cbn' (default): the DCGAN generator with every BatchNormalization replaced by
  `ConditionalBatchNormalization` (compare_gan's `conditional_batch_norm`; Dumoulin et al.
  2017, de Vries et al. 2017): normalise without affine, then scale by 1 + W_gamma y and shift
  by W_beta y. W_gamma and W_beta start at zero, so the untrained network is the DCGAN one.
* mode 'concat': y concatenated to z (Mirza & Osindero 2014), for comparison.

Critic, images [B, H, W, C] and labels [B, G] -> logits [B, 1]:
* mode 'projection' (default; Miyato & Koyama 2018, "cGANs with projection discriminator"):
  the DCGAN critic's features phi(x) (the input of its last, logit convolution, flattened, so
  that its linear term is exactly that convolution), plus sum_g <embed_g(y_g), phi(x)>. The
  embeddings take the critic's spectral normalisation and weight clipping.
* mode 'concat': y tiled over the image and concatenated to its channels.

The unconditional parts are dcgan.py's own builders, called with the same keyword arguments,
so every option they take (normalisations, clipping, upsampling, synchronised BN) holds here;
the conditional pieces are added around them. With labels held fixed, the critic is a function
of the images alone, so the gradient penalty (taken w.r.t. images) is unchanged; gan.py passes
the real labels with the interpolates (Miyato & Koyama's WGAN-GP variant).

The labels flow: the pipeline yields (images [B, n_critic, H, W, C], labels [B, n_critic, G]);
critic update i gives critic([real[:, i], labels[:, i]]) and critic([G([z_i, fake_i]), fake_i])
with fake_i drawn statelessly for that update (`conditions.FakeLabels`); the generator update
draws its own fake labels.
"""

import inspect

import keras

from tfgan_anime.models import dcgan
from tfgan_anime.models.constraints import WeightClip

GENERATOR_MODES = ('cbn', 'concat')
CRITIC_MODES = ('projection', 'concat')


def _check_groups(groups):
  groups = tuple(groups)
  if not groups or any(isinstance(n, bool) or not isinstance(n, int) or n < 2 for n in groups):
    raise ValueError(f'Invalid groups. Received: groups={groups!r}; accepted: a non-empty list '
                     'of class counts, each an integer >= 2')
  return groups


def _check_mode(mode, modes):
  if mode not in modes:
    raise ValueError(f'Unknown mode. Received: mode={mode!r}; accepted: {", ".join(modes)}')


@keras.saving.register_keras_serializable(package='tfgan_anime')
class OneHotGroups(keras.layers.Layer):
  """int labels [B, G] -> float [B, sum(groups)]: each group's one-hot, concatenated."""

  def __init__(self, groups, **kwargs):
    super().__init__(**kwargs)
    self.groups = _check_groups(groups)

  def call(self, labels):
    labels = keras.ops.cast(labels, 'int32')
    parts = [keras.ops.one_hot(labels[:, g], n, dtype=self.compute_dtype)
             for g, n in enumerate(self.groups)]
    return keras.ops.concatenate(parts, axis=-1)

  def compute_output_shape(self, input_shape):
    return (input_shape[0], sum(self.groups))

  def get_config(self):
    return {**super().get_config(), 'groups': list(self.groups)}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class ConditionalBatchNormalization(keras.layers.Layer):
  """Batch norm whose scale and shift are linear in a condition y [B, D].

  out = (x - mean) / sqrt(var + epsilon) * (1 + y W_gamma) + y W_beta, per channel (last
  axis). Mean and variance are the batch's in training and the moving statistics otherwise,
  kept by an inner `keras.layers.BatchNormalization(center=False, scale=False)`, which also
  gives `momentum`, `epsilon` and `synchronized` their Keras meaning.

  Call: layer(x [B, ..., C], y [B, D], training=...) -> [B, ..., C].
  """

  def __init__(self, momentum=dcgan.BN_MOMENTUM, epsilon=1e-3, synchronized=False,
               kernel_initializer='zeros', **kwargs):
    super().__init__(**kwargs)
    self.momentum = float(momentum)
    self.epsilon = float(epsilon)
    self.synchronized = bool(synchronized)
    self.kernel_initializer = keras.initializers.get(kernel_initializer)
    self.normalize = keras.layers.BatchNormalization(
        momentum=self.momentum, epsilon=self.epsilon, center=False, scale=False,
        synchronized=self.synchronized, name='normalize')
    self.gamma = None
    self.beta = None

  def build(self, x_shape, y_shape):
    channels = x_shape[-1]
    self.normalize.build(x_shape)
    # No bias: the constant parts of scale and shift are BN's 1 and 0; with one-hot y a bias
    # would only duplicate every row of W.
    self.gamma = keras.layers.Dense(channels, use_bias=False,
                                    kernel_initializer=self.kernel_initializer, name='gamma')
    self.beta = keras.layers.Dense(channels, use_bias=False,
                                   kernel_initializer=self.kernel_initializer, name='beta')
    self.gamma.build(y_shape)
    self.beta.build(y_shape)

  def call(self, x, y, training=None):
    normalized = self.normalize(x, training=training)
    y = keras.ops.cast(y, normalized.dtype)
    # [B, C] -> [B, 1, ..., 1, C], broadcast over the spatial axes.
    spatial = (1,) * (len(x.shape) - 2)
    channels = x.shape[-1]
    scale = keras.ops.reshape(1.0 + self.gamma(y), (-1,) + spatial + (channels,))
    shift = keras.ops.reshape(self.beta(y), (-1,) + spatial + (channels,))
    return normalized * keras.ops.cast(scale, normalized.dtype) + keras.ops.cast(
        shift, normalized.dtype)

  def compute_output_shape(self, x_shape, y_shape):
    return x_shape

  def get_config(self):
    return {**super().get_config(), 'momentum': self.momentum, 'epsilon': self.epsilon,
            'synchronized': self.synchronized,
            'kernel_initializer': keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class Projection(keras.layers.Layer):
  """The projection term: features [B, F] and labels [B, G] -> [B, 1],
  sum over groups g of <embed_g[labels[:, g]], features> (Miyato & Koyama 2018, eq. 3).

  Args:
    groups: class counts per group.
    spectral: wrap each embedding in `keras.layers.SpectralNormalization` (the paper's SN critic
      normalises its embedding too).
    clip_value: WGAN weight clipping of the embeddings, as the critic's other weights.
  """

  def __init__(self, groups, spectral=False, clip_value=None, **kwargs):
    super().__init__(**kwargs)
    self.groups = _check_groups(groups)
    self.spectral = bool(spectral)
    self.clip_value = clip_value
    self.embeddings = []

  def build(self, features_shape, labels_shape):
    # The embeddings' width is the features', known only now.
    clip = WeightClip(self.clip_value) if self.clip_value is not None else None
    for g, n in enumerate(self.groups):
      layer = keras.layers.Embedding(n, features_shape[-1], embeddings_constraint=clip,
                                     name=f'embed{g}')
      if self.spectral:
        layer = keras.layers.SpectralNormalization(layer, name=f'embed{g}_sn')
      layer.build((labels_shape[0],))
      self.embeddings.append(layer)

  def call(self, features, labels, training=None):
    features = keras.ops.cast(features, self.compute_dtype)
    labels = keras.ops.cast(labels, 'int32')
    total = 0.0
    for g, layer in enumerate(self.embeddings):
      index = labels[:, g]
      extra = {}
      if self.spectral:
        # SpectralNormalization casts its output to its input's dtype: int indices would
        # truncate the embedding and cut its gradient. Float indices are exact for class
        # counts below 2**24, and Embedding casts them back to int for the lookup.
        index = keras.ops.cast(index, 'float32')
        extra = {'training': training}
      embedded = keras.ops.cast(layer(index, **extra), self.compute_dtype)
      total = total + keras.ops.sum(embedded * features, axis=-1, keepdims=True)
    return total

  def compute_output_shape(self, features_shape, labels_shape):
    return (features_shape[0], 1)

  def get_config(self):
    return {**super().get_config(), 'groups': list(self.groups), 'spectral': self.spectral,
            'clip_value': self.clip_value}


def _replace_batch_norms(unconditional, condition, name):
  """Re-applies the layers of a chain-shaped generator, each BatchNormalization replaced by a
  ConditionalBatchNormalization of the same name, momentum, epsilon and synchronisation."""
  z = unconditional.inputs[0]
  x = z
  previous = unconditional.layers[0]
  for layer in unconditional.layers[1:]:
    if layer.input is not previous.output:
      raise ValueError(f'Conditional batch norm needs a chain of layers. Received: layer '
                       f'{layer.name!r} of {unconditional.name!r} not fed by {previous.name!r}')
    if isinstance(layer, keras.layers.BatchNormalization):
      x = ConditionalBatchNormalization(momentum=layer.momentum, epsilon=layer.epsilon,
                                        synchronized=layer.synchronized,
                                        name=layer.name)(x, condition)
    else:
      x = layer(x)
    previous = layer
  return x


def _default(builder, argument):
  return inspect.signature(builder).parameters[argument].default


def build_generator(resolution=64, *, groups, mode='cbn', name='generator', **kwargs):
  """The conditional DCGAN generator: [z [B, z_dim], labels [B, G] int32] -> images
  [B, resolution, resolution, channels] in [-1, 1].

  Args:
    resolution, **kwargs: `dcgan.build_generator`'s (z_dim, base_width, norm, ...).
    groups: class counts per group, [G].
    mode: 'cbn' (conditional batch norm at every batch norm; needs norm='batch') or 'concat'
      (the one-hot labels concatenated to z).
  """
  groups = _check_groups(groups)
  _check_mode(mode, GENERATOR_MODES)
  labels = keras.Input(shape=(len(groups),), dtype='int32', name='labels')
  condition = OneHotGroups(groups, name='one_hot')(labels)
  if mode == 'concat':
    z_dim = kwargs.get('z_dim', _default(dcgan.build_generator, 'z_dim'))
    # The DCGAN generator on [z, y]: its first layer reads z_dim + D inputs.
    widened = dcgan.build_generator(resolution, **{**kwargs, 'z_dim': z_dim + sum(groups)})
    z = keras.Input(shape=(z_dim,), name='z')
    joined = keras.layers.Concatenate(name='z_and_labels')([z, condition])
    return keras.Model([z, labels], widened(joined), name=name)
  if kwargs.get('norm', _default(dcgan.build_generator, 'norm')) != 'batch':
    raise ValueError(f'Conditional batch norm needs batch norm. Received: mode={mode!r} with '
                     f'norm={kwargs["norm"]!r}; accepted: norm=\'batch\', or mode=\'concat\'')
  unconditional = dcgan.build_generator(resolution, **kwargs)
  images = _replace_batch_norms(unconditional, condition, name)
  return keras.Model([unconditional.inputs[0], labels], images, name=name)


def _logit_layer(critic):
  """The critic's last convolution (maybe wrapped in SpectralNormalization): the layer whose
  input is phi(x)."""
  for layer in reversed(critic.layers):
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.SpectralNormalization)):
      return layer
  raise ValueError(f'No convolution in critic {critic.name!r}')


def build_critic(resolution=64, *, groups, mode='projection', name='critic', **kwargs):
  """The conditional DCGAN critic: [images [B, H, W, C] in [-1, 1], labels [B, G] int32] ->
  logits [B, 1].

  Args:
    resolution, **kwargs: `dcgan.build_critic`'s (base_width, kernel_size, norm, clip_value,
      channels, ...); norm='spectral' and clip_value reach the projection too.
    groups: class counts per group, [G].
    mode: 'projection' (phi(x)'s linear term plus the projection term) or 'concat' (one-hot
      labels tiled and concatenated to the image's channels).
  """
  groups = _check_groups(groups)
  _check_mode(mode, CRITIC_MODES)
  labels = keras.Input(shape=(len(groups),), dtype='int32', name='labels')
  condition = OneHotGroups(groups, name='one_hot')(labels)
  if mode == 'concat':
    channels = kwargs.get('channels', _default(dcgan.build_critic, 'channels'))
    widened = dcgan.build_critic(resolution, **{**kwargs, 'channels': channels + sum(groups)})
    images = keras.Input(shape=(resolution, resolution, channels), name='images')
    planes = keras.layers.Reshape((1, 1, sum(groups)))(condition)
    planes = keras.layers.UpSampling2D(resolution, name='tile_labels')(planes)
    joined = keras.layers.Concatenate(name='images_and_labels')([images, planes])
    return keras.Model([images, labels], widened(joined), name=name)
  critic = dcgan.build_critic(resolution, **kwargs)
  features = _logit_layer(critic).input
  linear = critic.outputs[0]
  phi = keras.layers.Flatten(name='phi')(features)
  projection = Projection(groups, spectral=kwargs.get('norm') == 'spectral',
                          clip_value=kwargs.get('clip_value'), dtype='float32',
                          name='projection')(phi, labels)
  logits = keras.layers.Add(dtype='float32', name='logits')([linear, projection])
  return keras.Model([critic.inputs[0], labels], logits, name=name)
