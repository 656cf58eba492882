"""keras.layers.SpectralNormalization in the critic (--d_norm=spectral, configs/sngan.cfg).

Keras 3's wrapper (keras/src/layers/normalization/spectral_normalization.py), in training mode,
runs one power iteration, then *assigns* W / sigma to the wrapped layer's kernel variable and
calls the layer with it. So (1) the stored kernel is the normalised one, and the optimiser's
update is applied to W / sigma, to be normalised again at the next training call; (2) the
gradient reaches the kernel as if sigma were a constant: it does not pass through sigma, unlike
Miyato et al.'s Algorithm 1 (their gradient of W / sigma(W) includes the term through sigma).
In inference mode the kernel is used as stored.
"""

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.data import pipeline
from tfgan_anime.training import builders


def _spectral_norms(critic):
  """{layer name: largest singular value of its kernel as a [-1, out] matrix} (np.linalg.svd)."""
  norms = {}
  for layer in critic.layers:
    if isinstance(layer, keras.layers.SpectralNormalization):
      kernel = keras.ops.convert_to_numpy(layer.layer.kernel)
      matrix = kernel.reshape(-1, kernel.shape[-1])
      norms[layer.name] = float(np.linalg.svd(matrix, compute_uv=False)[0])
  return norms


def _sngan_config(**overrides):
  values = dict(model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=8,
                batch_size=4, n_critic=2, loss='hinge', penalty='none', d_norm='spectral',
                d_lr=2e-4, g_lr=2e-4, d_beta1=0.0, g_beta1=0.0)
  values.update(overrides)
  return config_lib.TrainConfig(**values)


class SpectralCriticTest(tf.test.TestCase):

  def test_every_kernel_has_spectral_norm_one_after_training(self):
    config = _sngan_config()
    config.validate()
    gan = builders.build_gan(config)
    before = _spectral_norms(gan.critic)
    self.assertLen(before, 3)  # down0, down1 and the logit convolution.
    images = np.random.default_rng(0).integers(0, 256, (32, 16, 16, 3), dtype=np.uint8)
    dataset = pipeline.group_for_critic(
        tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
    gan.fit(dataset, steps_per_epoch=10, epochs=1, verbose=0)
    after = _spectral_norms(gan.critic)
    # Measured: 1.0000, 1.0013 and 1.0000 after 10 steps (the last Adam update comes after the
    # last normalisation), from 0.97, 0.99 and 1.40 at (Glorot) initialisation.
    for name, value in after.items():
      self.assertLessEqual(value, 1.0 + SPECTRAL_TOLERANCE, name)
      self.assertGreaterEqual(value, 1.0 - SPECTRAL_TOLERANCE, name)
    self.assertGreater(max(abs(value - 1.0) for value in before.values()), 0.1)

  def test_training_call_writes_the_normalised_kernel(self):
    layer = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=30)
    x = np.ones((2, 4), np.float32)
    layer(x)  # Builds; inference mode leaves the kernel as initialised.
    layer.layer.kernel.assign(np.diag([5.0, 2.0, 1.0, 0.5])[:, :3].astype(np.float32))
    layer(x, training=False)
    self.assertAllClose(np.linalg.svd(layer.layer.kernel.numpy(), compute_uv=False)[0], 5.0)
    layer(x, training=True)
    # The variable itself now holds W / sigma: sigma(W) = 5, so the kernel is diag(1, .4, .2).
    self.assertAllClose(np.diag(layer.layer.kernel.numpy()), [1.0, 0.4, 0.2], atol=1e-4)

  def test_the_gradient_does_not_pass_through_sigma(self):
    layer = keras.layers.SpectralNormalization(keras.layers.Dense(1, use_bias=False),
                                               power_iterations=30)
    x = np.array([[1.0, 2.0]], np.float32)
    layer(x)
    layer.layer.kernel.assign([[3.0], [4.0]])  # sigma = 5.
    with tf.GradientTape() as tape:
      y = layer(x, training=True)
    grad = tape.gradient(y, layer.layer.kernel)
    # y = <x, W / sigma>: through sigma the gradient would be x / 5 - (x . W) W / 125 =
    # [0.2 - 0.264, 0.4 - 0.352]; Keras gives d<x, K>/dK = x, with K the assigned W / sigma.
    self.assertAllClose(grad, [[1.0], [2.0]], atol=1e-6)


# How far from 1 each normalised kernel's largest singular value may be after training steps.
SPECTRAL_TOLERANCE = 0.02


if __name__ == '__main__':
  tf.test.main()
