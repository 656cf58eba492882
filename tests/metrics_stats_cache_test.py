"""Tests for tfgan_anime.metrics.stats_cache."""

import os

import numpy as np
import tensorflow as tf

from tfgan_anime.metrics import fid
from tfgan_anime.metrics import stats_cache


class StatsCacheTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.cache_dir = os.path.join(self.get_temp_dir(), 'cache')
    self.features = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    self.calls = 0

  def _compute(self):
    self.calls += 1
    return self.features

  def _cached(self, **overrides):
    kwargs = dict(cache_dir=self.cache_dir, dataset_name='tfds:anime_faces', resolution=64,
                  extractor_key='inception2015-abc-u8', compute_features=self._compute)
    kwargs.update(overrides)
    return stats_cache.cached_real_statistics(**kwargs)

  def test_computes_once_then_reads_the_same_numbers(self):
    first = self._cached()
    second = self._cached()
    self.assertEqual(self.calls, 1)
    mu, sigma = fid.feature_statistics(self.features)
    for stats in (first, second):
      self.assertAllClose(stats.mu, mu)
      self.assertAllClose(stats.sigma, sigma)
      self.assertAllEqual(stats.features, self.features)
    self.assertLen(os.listdir(self.cache_dir), 1)  # no temporary files left behind

  def test_key_fields_each_make_a_new_entry(self):
    self._cached()
    self._cached(resolution=128)
    self._cached(extractor_key='keras_inception_v3-def-299-u8')
    self._cached(dataset_name='/data/other')
    self._cached(num_samples=10)
    self.assertEqual(self.calls, 5)
    self.assertLen(os.listdir(self.cache_dir), 5)

  def test_similar_dataset_names_do_not_collide(self):
    a = stats_cache.cache_path(self.cache_dir, '/data/a b', 64, 'k')
    b = stats_cache.cache_path(self.cache_dir, '/data/a_b', 64, 'k')
    self.assertNotEqual(a, b)
    self.assertRegex(os.path.basename(a), r'^[A-Za-z0-9._-]+\.npz$')

  def test_entry_for_another_key_is_refused(self):
    path = stats_cache.cache_path(self.cache_dir, 'x', 64, 'k')
    stats = stats_cache.RealStatistics(np.zeros(2), np.eye(2), np.zeros((3, 2), np.float32))
    stats_cache.save_statistics(path, stats, {'dataset_name': 'y'})
    with self.assertRaisesRegex(ValueError, 'written for another key.*Delete the file'):
      stats_cache.load_statistics(path, {'dataset_name': 'x'})

  def test_object_arrays_are_never_unpickled(self):
    path = os.path.join(self.get_temp_dir(), 'evil.npz')
    np.savez(path, mu=np.array([{'a': 1}], dtype=object), sigma=np.eye(1),
             features=np.zeros((1, 1)))
    with self.assertRaisesRegex(ValueError, 'allow_pickle=False'):
      stats_cache.load_statistics(path)

  def test_bad_key_raises(self):
    with self.assertRaisesRegex(ValueError, "Received: dataset_name=''"):
      stats_cache.cache_path(self.cache_dir, '', 64, 'k')
    with self.assertRaisesRegex(ValueError, 'Received: resolution=0'):
      stats_cache.cache_path(self.cache_dir, 'x', 0, 'k')


if __name__ == '__main__':
  tf.test.main()
