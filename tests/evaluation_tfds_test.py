"""Evaluation on a prepared TFDS split (tfds.testing.mock_data, no download): the seeded real
selection, uint8 in the data set's channels, the evaluate library and the training evaluator."""

import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfgan_anime import export as export_lib
from tfgan_anime.data import tfds as tfds_lib
from tfgan_anime.errors import UserError
from tfgan_anime.evaluation import protocol
from tfgan_anime.evaluation import runner
from tfgan_anime.models import dcgan
from data_tfds_test import _mock_metadata  # pylint: disable=g-bad-import-order


class TfdsRealDataTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    tfds_lib._MEMO.clear()  # pylint: disable=protected-access
    self.data_dir = _mock_metadata(
        'mnist', os.path.join(self.get_temp_dir(), self.id().rsplit('.', 1)[-1]))

  def _mock(self, num_examples=40):
    return tfds.testing.mock_data(num_examples=num_examples, data_dir=self.data_dir)

  def test_selection_is_seeded_disjoint_and_uint8_gray(self):
    with self._mock():
      real = protocol.open_real_data('tfds:mnist', 'tfds:mnist', tfds_data_dir=self.data_dir)
      self.assertIsInstance(real, protocol.TfdsRealData)
      self.assertLen(real.files, 40)
      first = real.images(16, 20, seed=3)
      second = real.images(16, 20, seed=3, offset=20)
      again = real.images(16, 20, seed=3)
      other = real.images(16, 20, seed=4)
      everything = real.images(16, 40, seed=0)
    self.assertEqual((first.shape, first.dtype), ((20, 16, 16, 1), np.uint8))
    self.assertAllEqual(first, again)
    self.assertNotAllEqual(first, other)
    # The two halves are the 40 examples, each once: the same multiset as seed 0's 40.
    key = lambda images: sorted(image.tobytes() for image in images)
    self.assertEqual(key(np.concatenate([first, second])), key(everything))
    self.assertLen(set(key(everything)), 40)  # mock examples are distinct
    self.assertIn('tfds:mnist', real.folder)
    # Tiled to a colour run's channels as training tiles them.
    rgb = protocol.match_channels(first, 3)
    self.assertAllEqual(rgb, np.repeat(first, 3, axis=-1))

  def test_too_few_examples_name_num_samples(self):
    with self._mock(num_examples=10):
      real = protocol.TfdsRealData('tfds:mnist', self.data_dir)
      with self.assertRaisesRegex(UserError, r'needs 12 \(two halves of --num_samples=6\).*'
                                  r'with 10 examples; accepted: --num_samples <= 5'):
        real.images(16, 6, offset=6)

  def test_an_unprepared_set_is_refused_in_one_line(self):
    with self.assertRaisesRegex(UserError, r'not prepared in .* never downloads') as raised:
      protocol.TfdsRealData('tfds:cars196', os.path.join(self.get_temp_dir(), 'empty'))
    self.assertNotIn('\n', str(raised.exception))

  def test_evaluate_and_the_training_evaluator(self):
    generator = dcgan.build_generator(16, z_dim=8, base_width=4, channels=1)
    export_dir = export_lib.export_generator(generator,
                                             os.path.join(self.get_temp_dir(), 'export'))
    with self._mock():
      results = runner.evaluate(('swd',), 12, 'tfds:mnist', saved_model=export_dir,
                                tfds_data_dir=self.data_dir)
      floor = runner.evaluate(('swd',), 12, 'tfds:mnist', real_vs_real=True, resolution=16,
                              tfds_data_dir=self.data_dir)
      evaluate_fn, name = runner.training_evaluator(
          'swd', 'tfds:mnist', 'ignored for tfds', 16, 12, 8, tfds_data_dir=self.data_dir)
      value = evaluate_fn(generator)
    self.assertEqual(results['resolution'], 16)
    self.assertGreater(results['swd_x1e3'], 0)
    self.assertGreater(floor['swd_x1e3'], 0)
    self.assertEqual(name, 'swd_x1e3')
    # The same z (the evaluator's own seed) and real images as evaluate's only up to the
    # seeds, so only its sign and finiteness are pinned; the untrained generator is far away.
    self.assertTrue(np.isfinite(value))
    self.assertGreater(value, 0)
    # The floor's cache key names the data dir, not a folder.
    key, _ = runner.floor_cache_key(('swd',), 12, 'tfds:mnist', 16, 0, self.get_temp_dir(),
                                    tfds_data_dir=self.data_dir)
    self.assertEqual(key['tfds_data_dir'], os.path.abspath(self.data_dir))
    self.assertNotIn('folder', key)


if __name__ == '__main__':
  tf.test.main()
