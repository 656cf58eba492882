"""Tests of latent.py: the one seeded z sampler."""

import numpy as np
import tensorflow as tf

from tfgan_anime import latent


class LatentTest(tf.test.TestCase):

  def test_same_seed_same_z_and_numpy_default_generator(self):
    z = latent.sample(4, 3, seed=7)
    self.assertEqual(z.dtype, np.float32)
    self.assertAllEqual(z, latent.sample(4, 3, seed=7))
    self.assertAllEqual(z, np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32))
    self.assertNotAllClose(z, latent.sample(4, 3, seed=8))

  def test_standard_normal(self):
    z = latent.sample(20000, 2, seed=0)
    self.assertAllClose(z.mean(axis=0), [0, 0], atol=0.03)
    self.assertAllClose(z.std(axis=0), [1, 1], atol=0.03)

  def test_bad_shape(self):
    with self.assertRaisesRegex(ValueError, 'z_dim=0'):
      latent.sample(2, 0)


if __name__ == '__main__':
  tf.test.main()
