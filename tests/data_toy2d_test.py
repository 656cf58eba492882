"""2-D toy data: the mixtures' modes, the shapes' geometry, seeded streams, critic grouping."""

import os
import subprocess
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tfgan_anime import choices
from tfgan_anime.data import pipeline
from tfgan_anime.data import toy2d
from tfgan_anime.errors import UserError
from tfgan_anime.metrics import toy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MixturesTest(tf.test.TestCase):

  def test_ring8(self):
    centres, sigma = toy2d.ring8()
    self.assertEqual(centres.shape, (8, 2))
    self.assertAllClose(np.linalg.norm(centres, axis=1), np.ones(8))
    self.assertAllClose(centres[2], [0.0, 1.0])
    self.assertEqual(sigma, 0.01)

  def test_grid25(self):
    centres, sigma = toy2d.grid25()
    self.assertEqual(centres.shape, (25, 2))
    self.assertEqual(sorted(set(centres[:, 0])), [-4, -2, 0, 2, 4])
    self.assertLen({tuple(c) for c in centres}, 25)
    self.assertEqual(sigma, 0.05)

  def test_the_metrics_read_the_data_mixtures(self):
    self.assertIs(toy.ring8, toy2d.ring8)
    self.assertIs(toy.grid25, toy2d.grid25)


class ToyDataTest(tf.test.TestCase, parameterized.TestCase):

  def test_names_are_the_choices(self):
    # config.py validates --data against choices without importing this module.
    self.assertEqual(tuple(toy2d.DATASETS), choices.TOY_DATASETS)
    self.assertEqual(toy2d.PREFIX, choices.TOY_PREFIX)
    self.assertEqual(tuple(toy2d.MIXTURES), ('ring8', 'grid25'))

  def test_importing_runs_no_tensorflow_op(self):
    # MultiWorkerMirroredStrategy must come before the process's first op, and config-time
    # modules import this one: its mixtures are numpy until a sampler runs.
    code = ('import tensorflow as tf; from tensorflow.python.eager import context; '
            'import tfgan_anime.data.toy2d; import tfgan_anime.metrics.toy; '
            'print(context.context()._context_handle is None)')
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=REPO), check=False)
    self.assertEqual(result.stdout.strip().splitlines()[-1:], ['True'], result.stderr[-2000:])

  @parameterized.parameters(('ring8', toy2d.ring8), ('grid25', toy2d.grid25))
  def test_mixtures_use_the_metric_centres(self, name, mixture):
    centres, sigma = mixture()
    self.assertAllClose(toy2d.MIXTURES[name][0], centres)
    self.assertEqual(toy2d.MIXTURES[name][1], sigma)
    points = toy2d.sample(name, 20000, seed=3)
    # Every point is near a mode (3 sigma holds 98.9% of a 2-D Gaussian: 1 - exp(-9/2)), and the
    # modes are equally likely: what a perfect generator scores on the metrics.
    metrics = toy.toy_metrics(points, centres, sigma)
    self.assertAllClose(metrics.high_quality_fraction, 1 - np.exp(-4.5), atol=0.004)
    self.assertEqual(metrics.modes_captured, len(centres))
    self.assertLess(metrics.reverse_kl, 0.005)
    distances = np.linalg.norm(points[:, None] - centres[None], axis=-1).min(1)
    # E|x - c|^2 = 2 sigma^2 for a 2-D isotropic Gaussian.
    self.assertAllClose(np.mean(distances**2), 2 * sigma**2, rtol=0.05)

  def test_shapes_geometry(self):
    n = 5000
    circle = toy2d.sample('circle', n)
    self.assertAllClose(np.linalg.norm(circle, axis=1).mean(), 1.0, atol=0.005)
    self.assertAllClose(np.linalg.norm(circle, axis=1).std(), 0.02, atol=0.002)
    circles = np.linalg.norm(toy2d.sample('circles', n), axis=1)
    # Half the points on each circle: radius 0.5 and 1.
    self.assertAllClose(np.mean(circles < 0.75), 0.5, atol=0.03)
    parabola = toy2d.sample('parabola', n)
    residual = parabola[:, 1] - (parabola[:, 0]**2 - 0.5)
    self.assertLess(np.abs(residual.mean()), 0.01)
    self.assertLess(residual.std(), 0.06)  # noise 0.03 in y and x
    spiral = toy2d.sample('spiral', n)
    self.assertLess(np.linalg.norm(spiral, axis=1).max(), 1.1)
    for name in toy2d.DATASETS:
      points = toy2d.sample(name, n)
      self.assertEqual(points.shape, (n, 2))
      self.assertEqual(points.dtype, np.float32)
      x_min, x_max, y_min, y_max = toy2d.plot_box(name)
      inside = ((points[:, 0] > x_min) & (points[:, 0] < x_max) & (points[:, 1] > y_min) &
                (points[:, 1] < y_max))
      self.assertGreater(inside.mean(), 0.995, name)

  def test_stream_is_seeded_and_endless(self):
    def first_points(seed):
      return next(iter(toy2d.toy_dataset('grid25', seed=seed).batch(5000))).numpy()

    first, again, other = first_points(1), first_points(1), first_points(2)
    self.assertAllEqual(first, again)
    self.assertFalse(np.array_equal(first, other))
    self.assertEqual(first.shape, (5000, 2))  # more than one chunk of 4096
    self.assertEqual(len(np.unique(first, axis=0)), 5000)

  def test_stream_starts_at_a_resumed_position(self):
    whole = next(iter(toy2d.toy_dataset('ring8', seed=1).batch(4200))).numpy()
    for start in (5, 4096, 4100):
      tail = toy2d.toy_dataset('ring8', seed=1, start=start).batch(4200 - start)
      self.assertAllEqual(next(iter(tail)).numpy(), whole[start:])
    dataset, _ = pipeline.make_dataset('toy2d:ring8', 64, batch_size=3, n_critic=2, seed=1,
                                       start_position=12)
    element = next(iter(dataset)).numpy()
    self.assertAllEqual(element[:, 0], whole[12:15])

  def test_make_dataset_groups_points_for_the_critic(self):
    dataset, info = pipeline.make_dataset('toy2d:ring8', 64, batch_size=3, n_critic=2, seed=4)
    self.assertEqual(info.num_images, toy2d.EPOCH_POINTS)
    element = next(iter(dataset)).numpy()
    self.assertEqual(element.shape, (3, 2, 2))
    self.assertEqual(element.dtype, np.float32)
    stream = next(iter(toy2d.toy_dataset('ring8', seed=4).batch(6))).numpy()
    # Critic update i gets the i-th consecutive batch of 3 points, unscaled.
    self.assertAllEqual(element[:, 0], stream[:3])
    self.assertAllEqual(element[:, 1], stream[3:])

  def test_group_for_critic_any_rank(self):
    # Samples of rank 1 and 3 go through the same transpose: element [b, i] = sample i * B + b.
    for shape in ((2,), (1, 2, 3)):
      size = int(np.prod(shape))
      samples = tf.data.Dataset.range(12).map(
          lambda i, s=shape, n=size: tf.reshape(tf.cast(tf.range(n), tf.float32) +
                                               100.0 * tf.cast(i, tf.float32), s))
      element = next(iter(pipeline.group_for_critic(samples, 2, 3))).numpy()
      self.assertEqual(element.shape, (2, 3) + shape)
      for b in range(2):
        for i in range(3):
          self.assertAllEqual(element[b, i].ravel(), np.arange(size) + 100.0 * (i * 2 + b))

  def test_unknown_name(self):
    with self.assertRaisesRegex(UserError, r"data='toy2d:ring9'.*toy2d:ring8, toy2d:grid25"):
      toy2d.parse('toy2d:ring9')
    self.assertFalse(toy2d.is_toy('/data/faces'))


if __name__ == '__main__':
  tf.test.main()
