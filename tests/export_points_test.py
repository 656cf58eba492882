"""Export of a toy (points) generator: the signature is samples: float32[None, 2], unrounded."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime import export
from tfgan_anime.models import mlp


class ExportSamplesTest(tf.test.TestCase):

  def test_points_round_trip_and_signature(self):
    keras.utils.set_random_seed(0)
    generator = mlp.build_generator(z_dim=3, width=8, depth=2)
    export_dir = export.export_generator(generator, os.path.join(self.get_temp_dir(), 'toy'))
    signature = tf.saved_model.load(export_dir).signatures['serving_default']
    outputs = signature.structured_outputs
    self.assertEqual(list(outputs), ['samples'])
    self.assertEqual(outputs['samples'].dtype, tf.float32)
    self.assertEqual(outputs['samples'].shape.as_list(), [None, 2])
    self.assertEqual(signature.structured_input_signature[1]['z'].shape.as_list(), [None, 3])
    loaded = export.load_generator(export_dir)
    self.assertEqual((loaded.z_dim, loaded.output_key), (3, 'samples'))
    z = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    # Points are returned as the network computes them: no uint8 rounding, no clipping to [-1, 1].
    self.assertAllClose(loaded(z), generator(z).numpy(), atol=1e-6)
    big = 100.0 * z
    self.assertGreater(np.abs(loaded(big)).max(), 1.0)


if __name__ == '__main__':
  tf.test.main()
