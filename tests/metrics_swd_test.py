"""Tests for tfgan_anime.metrics.swd."""

import math

from absl.testing import parameterized
import numpy as np
import scipy.ndimage
import tensorflow as tf

from tfgan_anime.metrics import swd


def _images(seed, n=32, size=32):
  """float NHWC images in [0, 255] like photos: a textured luminance shared by the channels, plus
  a weaker, smoother colour component per channel."""
  rng = np.random.default_rng(seed)
  luminance = scipy.ndimage.gaussian_filter(rng.normal(size=(n, size, size)), sigma=(0, 1.5, 1.5))
  chroma = scipy.ndimage.gaussian_filter(rng.normal(size=(n, size, size, 3)), sigma=(0, 3, 3, 0))
  images = 128 + 50 * luminance[..., np.newaxis] / luminance.std() + 15 * chroma / chroma.std()
  return np.clip(images, 0, 255)


def _reference_pyramid_down(images):
  """cv2.pyrDown written out: reflect-101 borders, the 5x5 kernel [1, 4, 6, 4, 1]^2 / 256 as one
  2-D sum, then every other pixel from the first."""
  kernel = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0
  padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode='reflect')
  _, h, w, _ = images.shape
  out = np.zeros_like(images, dtype=np.float64)
  for dy in range(5):
    for dx in range(5):
      out += kernel[dy, dx] * padded[:, dy:dy + h, dx:dx + w, :]
  return out[:, ::2, ::2, :].astype(np.float32)


def _uint8(images):
  return np.round(images).astype(np.uint8)


# Fewer patches and directions than the paper's 128 and 4 x 128 keep the tests fast.
_SMALL = dict(patches_per_image=32, num_repeats=2, directions_per_repeat=64)


class SlicedWassersteinTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((64, 64, 16, 3), (32, 32, 16, 2), (48, 48, 16, 2), (16, 16, 16, 1),
                            (64, 32, 16, 2))
  def test_num_levels(self, height, width, min_resolution, expected):
    self.assertEqual(swd.num_levels(height, width, min_resolution), expected)

  def test_pyramid_collapses_back_to_the_image(self):
    images = _images(0, n=2).astype(np.float32)
    pyramid = swd.laplacian_pyramid(images, 3)
    self.assertEqual([level.shape[1] for level in pyramid], [32, 16, 8])
    reconstruction = pyramid[-1]
    for level in reversed(pyramid[:-1]):
      reconstruction = level + swd._pyramid_up(reconstruction)
    self.assertAllClose(reconstruction, images, atol=1e-3)
    # The coarsest level is the image blurred and halved twice, by a reference written out
    # here: reflect-101 padding, the 5x5 binomial kernel, every other pixel.
    expected = _reference_pyramid_down(_reference_pyramid_down(images))
    self.assertAllClose(pyramid[-1], expected, atol=1e-3)
    # Each band-pass level is what the next coarser one misses: image - up(down(image)).
    self.assertAllClose(pyramid[1], _reference_pyramid_down(images) - swd._pyramid_up(expected),
                        atol=1e-3)

  def test_a_constant_image_has_zero_band_pass_levels(self):
    # Blur and the gain-2 upsampling both keep a constant (borders included), so every level but
    # the last is exactly what is left after subtracting the constant: zero.
    images = np.full((1, 32, 32, 3), 93.0, np.float32)
    pyramid = swd.laplacian_pyramid(images, 3)
    for level in pyramid[:-1]:
      self.assertAllClose(level, np.zeros_like(level), atol=1e-4)
    self.assertAllClose(pyramid[-1], np.full((1, 8, 8, 3), 93.0), atol=1e-4)
    self.assertAllClose(swd._pyramid_up(pyramid[-1]), np.full((1, 16, 16, 3), 93.0), atol=1e-4)

  def test_pyramid_up_interpolates_between_samples(self):
    # A horizontal ramp 0, 2, 4, ... upsampled: zero insertion then the binomial blur with gain
    # 2 per axis puts the mean of two neighbours between them; away from the borders the ramp
    # 0, 1, 2, ... comes back exactly.
    ramp = np.tile(np.arange(8, dtype=np.float32) * 2, (8, 1))[np.newaxis, :, :, np.newaxis]
    up = swd._pyramid_up(ramp)[0, 4, :, 0]
    self.assertAllClose(up[2:-2], np.arange(2, 14, dtype=np.float32), atol=1e-5)

  def test_sliced_wasserstein_points_known_answers(self):
    points = np.random.default_rng(0).normal(size=(500, 2))
    self.assertEqual(swd.sliced_wasserstein_points(points, points), 0.0)
    # A shift v moves every projection by v . theta: W1 = |v . theta|, mean over directions
    # 2 |v| / pi. 4,000 random directions put the estimate within about 1%.
    shifted = points + np.array([0.3, 0.4])
    self.assertAllClose(swd.sliced_wasserstein_points(points, shifted, num_directions=4000),
                        2 * 0.5 / math.pi, rtol=0.02)
    with self.assertRaisesRegex(ValueError, r'real.shape=\(500, 2\), fake.shape=\(3, 2\)'):
      swd.sliced_wasserstein_points(points, points[:3])

  def test_identical_images_give_zero(self):
    images = _uint8(_images(1))
    per_level, mean = swd.sliced_wasserstein_distance(images, images.copy(), **_SMALL)
    self.assertLen(per_level, 2)
    self.assertAllClose(per_level, [0.0, 0.0])
    self.assertEqual(mean, 0.0)

  def test_shifted_colours_give_larger_distance(self):
    # Inverting green turns grey-ish images green/magenta: the channels now co-vary with the
    # opposite sign, which survives the per-channel normalisation.
    real = _uint8(_images(2))
    same_distribution = _images(3)
    shifted = same_distribution.copy()
    shifted[..., 1] = 255 - shifted[..., 1]
    _, baseline = swd.sliced_wasserstein_distance(real, _uint8(same_distribution), **_SMALL)
    _, distance = swd.sliced_wasserstein_distance(real, _uint8(shifted), **_SMALL)
    self.assertGreater(distance, 2 * baseline)

  def test_blind_to_per_channel_affine_colour_change(self):
    # Documented property of the per-set, per-channel normalisation (ProGAN's reference code).
    images = _images(4).astype(np.float32)
    tinted = images * np.float32([0.5, 1.0, 1.5]) + np.float32([30.0, -10.0, 0.0])
    _, mean = swd.sliced_wasserstein_distance(images, tinted, **_SMALL)
    self.assertAllClose(mean, 0.0, atol=1e-4)

  def test_gray_images(self):
    # One channel: 7 * 7 descriptors, normalised as a channel of colour images is.
    gray = _uint8(_images(7))[..., :1]
    per_level, mean = swd.sliced_wasserstein_distance(gray, gray.copy(), **_SMALL)
    self.assertAllClose(per_level, [0.0, 0.0])
    self.assertEqual(mean, 0.0)
    brighter = gray.astype(np.float32) * 0.5 + 40.0
    self.assertAllClose(swd.sliced_wasserstein_distance(gray, brighter, **_SMALL)[1], 0.0,
                        atol=1e-4)
    # White noise is a different texture; another draw of the same one is not.
    other = _uint8(_images(8))[..., :1]
    noise = np.random.default_rng(9).integers(0, 256, gray.shape, dtype=np.uint8)
    _, baseline = swd.sliced_wasserstein_distance(gray, other, **_SMALL)
    _, distance = swd.sliced_wasserstein_distance(gray, noise, **_SMALL)
    self.assertGreater(distance, 2 * baseline)

  def test_uint8_and_float_images_agree(self):
    real, generated = _uint8(_images(5)), _uint8(_images(6))
    as_uint8 = swd.sliced_wasserstein_distance(real, generated, rng=3, **_SMALL)
    as_float = swd.sliced_wasserstein_distance(real / 127.5 - 1.0, generated / 127.5 - 1.0,
                                               rng=3, **_SMALL)
    self.assertAllClose(as_uint8[0], as_float[0], rtol=1e-4)

  def test_bad_inputs_raise(self):
    images = np.zeros((2, 16, 16, 3), np.uint8)
    with self.assertRaisesRegex(ValueError, r'Received: real_images.shape=\(2, 16, 16, 3\), '
                                r'generated_images.shape=\(3, 16, 16, 3\)'):
      swd.sliced_wasserstein_distance(images, np.zeros((3, 16, 16, 3), np.uint8))
    with self.assertRaisesRegex(ValueError, 'Received: real_images.shape=\\(16, 16, 3\\)'):
      swd.sliced_wasserstein_distance(images[0], images[0])
    with self.assertRaisesRegex(ValueError, 'Received: real_images.dtype=int64'):
      swd.sliced_wasserstein_distance(images.astype(np.int64), images.astype(np.int64))


if __name__ == '__main__':
  tf.test.main()
