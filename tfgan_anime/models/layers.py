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
