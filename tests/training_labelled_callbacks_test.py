"""The labelled sample grid and diversity watch: fixed z with fixed labels reach the sampler."""


import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.data import conditions
from tfgan_anime.training import labelled_callbacks

TAGS = {str(i): [('red hair', 'blue hair')[i % 2], ('green eyes', 'brown eyes', 'blue eyes')[i % 3]]
        for i in range(12)}


class ColourByLabel(keras.Model):
  """A stand-in conditional generator: image value = hair label - 0.5 + 0 * z."""

  def call(self, inputs, training=False):
    z, labels = inputs
    value = tf.cast(labels[:, :1], tf.float32) - 0.5 + 0.0 * z[:, :1]
    return tf.tile(value[:, :, None, None], [1, 8, 8, 3])


class StandInGAN(keras.Model):

  def __init__(self):
    super().__init__()
    self.sampler = ColourByLabel()
    self.fake_labels = conditions.FakeLabels.from_table(conditions.build_labels(TAGS, 'hair,eyes'))
    self.step = tf.Variable(0, dtype=tf.int64)


class LabelledCallbacksTest(tf.test.TestCase):

  def test_fixed_labels_are_a_function_of_the_seed(self):
    gan = StandInGAN()
    a = labelled_callbacks.fixed_labels(gan, 16, seed=3)
    self.assertEqual(a.shape, (16, 2))
    self.assertEqual(a.dtype, np.int32)
    self.assertAllEqual(a, labelled_callbacks.fixed_labels(gan, 16, seed=3))
    self.assertNotAllEqual(a, labelled_callbacks.fixed_labels(gan, 16, seed=4))

  def test_the_grid_draws_each_z_with_its_labels(self):
    gan = StandInGAN()
    labels = np.array([[0, 1], [1, 2], [1, 0], [0, 0]], np.int32)
    grid = labelled_callbacks.LabelledSampleGrid(
        np.zeros((4, 8), np.float32), labels, self.get_temp_dir(), steps_per_epoch=1, scale=1)
    grid.set_model(gan)
    picture = grid.render()
    # make_grid lays the 4 images out 2 x 2: hair 0 is dark, hair 1 bright.
    tiles = picture.reshape(2, picture.shape[0] // 2, 2, picture.shape[1] // 2, 3)
    brightness = tiles.mean(axis=(1, 3, 4)).reshape(-1)
    self.assertAllEqual(brightness > 128, labels[:, 0] == 1)
    with self.assertRaisesRegex(ValueError, 'labels must be'):
      labelled_callbacks.LabelledSampleGrid(np.zeros((4, 8)), labels[:3], self.get_temp_dir(), 1)

  def test_the_watch_measures_labelled_samples(self):
    gan = StandInGAN()
    z = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    lines = []
    same = labelled_callbacks.LabelledDiversityWatch(
        z, np.zeros((300, 2), np.int32), 1.0, steps_per_epoch=1, side=8, log=lines.append)
    value, _, fake = same.measure(gan.sampler)
    self.assertEqual(fake.shape, (300, 8, 8, 3))
    self.assertEqual(value, 0.0)  # Every label the same: every image the same.
    mixed = np.stack([np.arange(300) % 2, np.zeros(300)], axis=1).astype(np.int32)
    watch = labelled_callbacks.LabelledDiversityWatch(z, mixed, 1.0, steps_per_epoch=1, side=8)
    value, _, fake = watch.measure(gan.sampler)
    self.assertGreater(value, 0.0)
    # Past the protocol's batch of 250, each image still has its own labels.
    self.assertAllEqual(fake[:, 0, 0, 0] > 128, mixed[:, 0] == 1)


if __name__ == '__main__':
  tf.test.main()
