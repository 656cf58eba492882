"""Layers the DCGAN networks need beyond Keras' own."""

import keras


@keras.saving.register_keras_serializable(package='tfgan_anime')
class LeakyReLU(keras.layers.Layer):
  """max(x, negative_slope * x), whose gradient is itself treated as constant in x.

  The same values and first derivatives as `keras.layers.LeakyReLU`. It differs only in what a
  second derivative costs: the gradient penalty differentiates the critic's input gradient
  with respect to the weights, and TensorFlow's LeakyReluGrad passes a zero tensor back to the
  activations, which then flows through every forward convolution of the interpolates (a
  Conv2DBackpropInput and a Conv2DBackpropFilter per layer on zeros). The slope of a leaky ReLU
  is piecewise constant, so its derivative in x is 0 almost everywhere: stopping the gradient
  there is exact, and it spares about 10% of a WGAN-GP step's FLOPs (docs/BENCHMARKS.md).
  """

  def __init__(self, negative_slope=0.2, **kwargs):
    super().__init__(**kwargs)
    self.negative_slope = float(negative_slope)

  def call(self, x):
    slope = self.negative_slope
    if keras.backend.backend() != 'tensorflow':
      # Other backends (tools/gpu_proxy_jax.py runs these networks on JAX) take Keras' op.
      return keras.ops.leaky_relu(x, negative_slope=slope)
    import tensorflow as tf  # pylint: disable=g-import-not-at-top

    @tf.custom_gradient
    def leaky_relu(x):
      def grad(upstream):
        # The slope's choice depends on x only through its sign: no gradient flows to x.
        positive = tf.stop_gradient(x) > 0
        return tf.where(positive, upstream, upstream * tf.cast(slope, upstream.dtype))
      return tf.nn.leaky_relu(x, alpha=slope), grad

    return leaky_relu(x)

  def compute_output_shape(self, input_shape):
    return input_shape

  def get_config(self):
    return {**super().get_config(), 'negative_slope': self.negative_slope}


def _tile_features(features, like):
  """[B, K] -> [B, H, W, K], each feature a constant plane of `like`'s side ([B, H, W, C])."""
  shape = keras.ops.shape(like)
  planes = keras.ops.reshape(features, (-1, 1, 1, features.shape[-1]))
  return keras.ops.tile(planes, (1, shape[1], shape[2], 1))


@keras.saving.register_keras_serializable(package='tfgan_anime')
class MinibatchStddev(keras.layers.Layer):
  """ProGAN's minibatch standard deviation (Karras et al. 2018, section 3): [B, H, W, C] ->
  [B, H, W, C + 1].

  The batch is split into groups of G = min(group_size, B) samples, sample n in group n mod
  (B / G) (the paper's code reshapes [G, B / G, ...]). For each group: the standard deviation
  over its G samples of every feature and position, sqrt(var + 1e-8) with the population
  variance (divided by G), averaged over H, W and C to one number, appended as a constant
  channel to each of the group's samples. B must be a multiple of G.

  The statistic is over the batch the layer sees: under a tf.distribute strategy that is each
  replica's slice, so groups never span replicas (as in ProGAN's multi-GPU code).
  """

  def __init__(self, group_size=4, **kwargs):
    super().__init__(**kwargs)
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
      raise ValueError(f'group_size must be a positive integer. Received: group_size='
                       f'{group_size!r}')
    self.group_size = group_size

  def call(self, x):
    ops = keras.ops
    shape = ops.shape(x)
    group = ops.minimum(self.group_size, shape[0])
    y = ops.cast(x, 'float32')
    y = ops.reshape(y, (group, -1, shape[1], shape[2], shape[3]))  # [G, M, H, W, C]
    y = y - ops.mean(y, axis=0, keepdims=True)
    y = ops.sqrt(ops.mean(ops.square(y), axis=0) + 1e-8)  # [M, H, W, C]
    y = ops.mean(y, axis=(1, 2, 3))  # [M]
    y = ops.tile(y, (group,))  # sample n gets group n mod M's value
    y = _tile_features(ops.reshape(y, (-1, 1)), x)
    return ops.concatenate([x, ops.cast(y, x.dtype)], axis=-1)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)

  def get_config(self):
    return {**super().get_config(), 'group_size': self.group_size}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class MinibatchDiscrimination(keras.layers.Layer):
  """Salimans et al. 2016's minibatch discrimination (section 3.2): [B, H, W, C] ->
  [B, H, W, C + K].

  With f the flattened input [B, A] and T a trainable [A, K * D] tensor, M = f T reshaped
  [B, K, D]; c_b(i, j) = exp(-||M_i,b - M_j,b||_1) and o(x_i)_b = sum_{j != i} c_b(i, j) + bias_b.
  The self term (always exp(0) = 1) is left out, as openai/improved-gan's `MinibatchLayer`
  does (it adds 1e6 to the diagonal distance). The K features o(x_i) are appended as K
  constant channels, so that the next convolution sees them beside the image features.

  Differences from improved-gan: T is a plain kernel (glorot-normal, fan-in A, fan-out K * D),
  not the weight-normalised theta with a data-dependent init; the bias starts at 0.

  The sum runs over the batch the layer sees: each replica's slice under a strategy.

  Args:
    num_kernels: K, the number of minibatch features (100 in improved-gan's CIFAR model).
    kernel_dim: D, the dimension of each kernel's projection (5 there).
    kernel_constraint: e.g. WGAN's weight clip, applied to T and the bias.
  """

  def __init__(self, num_kernels, kernel_dim, kernel_constraint=None, **kwargs):
    super().__init__(**kwargs)
    for name, value in (('num_kernels', num_kernels), ('kernel_dim', kernel_dim)):
      if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{name} must be a positive integer. Received: {name}={value!r}')
    self.num_kernels = num_kernels
    self.kernel_dim = kernel_dim
    self.kernel_constraint = keras.constraints.get(kernel_constraint)

  def build(self, input_shape):
    features = 1
    for size in input_shape[1:]:
      features *= int(size)
    self.kernel = self.add_weight(name='kernel', shape=(features, self.num_kernels * self.kernel_dim),
                                  initializer='glorot_normal', constraint=self.kernel_constraint)
    self.bias = self.add_weight(name='bias', shape=(self.num_kernels,), initializer='zeros',
                                constraint=self.kernel_constraint)

  def call(self, x):
    ops = keras.ops
    flat = ops.reshape(x, (ops.shape(x)[0], -1))
    m = ops.reshape(ops.matmul(flat, self.kernel), (-1, self.num_kernels, self.kernel_dim))
    distances = ops.sum(ops.abs(m[:, None] - m[None, :]), axis=-1)  # [B, B, K]
    # exp(-0) = 1 on the diagonal: subtracting it leaves the other samples' sum.
    o = ops.sum(ops.exp(-distances), axis=1) - 1.0 + self.bias
    return ops.concatenate([x, _tile_features(o, x)], axis=-1)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (input_shape[-1] + self.num_kernels,)

  def get_config(self):
    return {**super().get_config(), 'num_kernels': self.num_kernels,
            'kernel_dim': self.kernel_dim,
            'kernel_constraint': keras.constraints.serialize(self.kernel_constraint)}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class ReferenceBatch(keras.layers.Layer):
  """Prepends a fixed reference batch of latents: z [B, z_dim] -> [R + B, z_dim].

  For virtual batch norm (Salimans et al. 2016, section 3.4): the reference z is drawn once
  when the layer is built (N(0, I), from Keras' global seed) and kept as a non-trainable weight,
  so a checkpoint saves it, a resume and `ema.clone` (set_weights) restore it exactly, and an
  export carries it. Every call runs the reference batch through the same weights as the batch;
  `VirtualBatchNorm` takes its statistics from these first R rows and `DropReference` removes
  them at the end, so the generator still maps z [B, z_dim] to images [B, ...].
  """

  def __init__(self, size, **kwargs):
    super().__init__(**kwargs)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
      raise ValueError(f'size must be a positive integer. Received: size={size!r}')
    self.size = size

  def build(self, input_shape):
    self.reference = self.add_weight(name='reference_z', shape=(self.size, input_shape[-1]),
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0),
                                     trainable=False)

  def call(self, z):
    return keras.ops.concatenate([keras.ops.cast(self.reference, z.dtype), z], axis=0)

  def compute_output_shape(self, input_shape):
    return (None,) + tuple(input_shape[1:])

  def get_config(self):
    return {**super().get_config(), 'size': self.size}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class DropReference(keras.layers.Layer):
  """x [R + B, ...] -> x[R:]: removes `ReferenceBatch`'s rows."""

  def __init__(self, size, **kwargs):
    super().__init__(**kwargs)
    self.size = int(size)

  def call(self, x):
    return x[self.size:]

  def compute_output_shape(self, input_shape):
    return (None,) + tuple(input_shape[1:])

  def get_config(self):
    return {**super().get_config(), 'size': self.size}


@keras.saving.register_keras_serializable(package='tfgan_anime')
class VirtualBatchNorm(keras.layers.Layer):
  """Virtual batch normalisation (Salimans et al. 2016, section 3.4; TF-GAN's
  `virtual_batchnorm.py`) of x [R + B, ..., C] whose first R rows are the reference batch.

  Statistics are per channel, over every axis but the last. The reference rows are normalised
  with the reference batch's own mean and mean square (mu_ref, s_ref). Each other example i is
  normalised with the reference mixed with itself, the example weighted 1 / (R + 1):

      mu_i = R / (R + 1) mu_ref + 1 / (R + 1) mean(x_i),
      s_i  = R / (R + 1) s_ref  + 1 / (R + 1) mean(x_i^2),    var_i = s_i - mu_i^2,
      y_i  = gamma (x_i - mu_i) / sqrt(var_i + epsilon) + beta,

  mean(x_i) over x_i's positions. No example depends on another of its batch, so the output is
  the same under any batch split (replicas, the export, sampling), and training and inference
  compute the same thing: there are no moving statistics. Statistics are float32.
  """

  def __init__(self, reference_size, epsilon=1e-3, **kwargs):
    super().__init__(**kwargs)
    if isinstance(reference_size, bool) or not isinstance(reference_size, int) or (
        reference_size < 1):
      raise ValueError(f'reference_size must be a positive integer. Received: reference_size='
                       f'{reference_size!r}')
    self.reference_size = reference_size
    self.epsilon = float(epsilon)

  def build(self, input_shape):
    channels = (input_shape[-1],)
    self.gamma = self.add_weight(name='gamma', shape=channels, initializer='ones')
    self.beta = self.add_weight(name='beta', shape=channels, initializer='zeros')

  def call(self, x):
    ops = keras.ops
    r = self.reference_size
    values = ops.cast(x, 'float32')
    axes = tuple(range(values.ndim - 1))
    ref = values[:r]
    ref_mean = ops.mean(ref, axis=axes)  # [C]
    ref_mean_sq = ops.mean(ops.square(ref), axis=axes)
    examples = values[r:]
    example_axes = tuple(range(1, values.ndim - 1))
    weight = 1.0 / (r + 1.0)
    if example_axes:
      mean = ops.mean(examples, axis=example_axes, keepdims=True)
      mean_sq = ops.mean(ops.square(examples), axis=example_axes, keepdims=True)
    else:
      mean, mean_sq = examples, ops.square(examples)
    mean = (1.0 - weight) * ref_mean + weight * mean
    mean_sq = (1.0 - weight) * ref_mean_sq + weight * mean_sq
    gamma, beta = ops.cast(self.gamma, 'float32'), ops.cast(self.beta, 'float32')

    def normalise(v, m, s):
      variance = ops.maximum(s - ops.square(m), 0.0)
      return (v - m) * ops.rsqrt(variance + self.epsilon) * gamma + beta

    out = ops.concatenate([normalise(ref, ref_mean, ref_mean_sq),
                           normalise(examples, mean, mean_sq)], axis=0)
    return ops.cast(out, x.dtype)

  def compute_output_shape(self, input_shape):
    return input_shape

  def get_config(self):
    return {**super().get_config(), 'reference_size': self.reference_size,
            'epsilon': self.epsilon}
