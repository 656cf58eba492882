"""The talk's setups end to end: gray folders and TFDS streams through the loop, the export's
one channel, `generate`'s gray PNGs, and `--dry_run` of the shipped MNIST and CARS196 configs."""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
import tensorflow as tf
import tensorflow_datasets as tfds

import testing_utils
from testing_utils import run_module as _run
from tfgan_anime import config as config_lib
from tfgan_anime import export
from tfgan_anime import latent
from tfgan_anime.training import loop as train_lib
from data_tfds_test import _mock_metadata  # pylint: disable=g-bad-import-order


def _gray_folder(root, count=40):
  """`count` 28x28 mode 'L' PNGs: a bright disc of a random radius on a dark ground."""
  rng = np.random.default_rng(0)
  os.makedirs(root, exist_ok=True)
  yy, xx = np.mgrid[:28, :28]
  for i in range(count):
    image = np.full((28, 28), rng.integers(0, 60), np.uint8)
    image[(yy - 14)**2 + (xx - 14)**2 < rng.integers(9, 120)] = rng.integers(150, 256)
    Image.fromarray(image, mode='L').save(os.path.join(root, f'{i:02d}.png'))
  return root


class GrayMnistTest(tf.test.TestCase):

  def test_a_gray_folder_trains_the_talk_mnist_networks_and_exports_one_channel(self):
    root = self.get_temp_dir()
    config = config_lib.TrainConfig(
        model_dir=os.path.join(root, 'run'), data=_gray_folder(os.path.join(root, 'gray')),
        architecture='mnist', resolution=28, channels=1, z_dim=128, batch_size=2, n_critic=1,
        train_steps=2, steps_per_epoch=2, num_samples=4, checkpoint_every_steps=2)
    config.validate()
    result = train_lib.train(config, log=lambda _: None)
    self.assertEqual(result.step, 2)
    generator = export.load_generator(result.export_dir)
    self.assertEqual(generator.z_dim, 128)
    images = generator(latent.sample(3, 128, 0))
    self.assertEqual((images.shape, images.dtype), ((3, 28, 28, 1), np.uint8))
    # The signature says so too, for users of the bare SavedModel.
    loaded = tf.saved_model.load(result.export_dir)
    spec = loaded.signatures['serving_default'].structured_outputs['images']
    self.assertEqual((spec.shape.as_list(), spec.dtype), ([None, 28, 28, 1], tf.uint8))
    # The sample grid: 4 images in 2 x 2, a gray PNG, upscaled 3x by default (--grid_scale=0:
    # the smallest integer that shows each 28 px image at least 64 px wide).
    with Image.open(result.samples[-1]) as grid:
      self.assertEqual((grid.mode, grid.size), ('L', (3 * 56, 3 * 56)))
    # generate writes the same pixels as gray PNGs, a grid and one file each.
    out = os.path.join(root, 'grid.png')
    out_dir = os.path.join(root, 'each')
    run = _run('tfgan_anime.generate', f'--saved_model={result.export_dir}', '--num=3',
               '--seed=0', f'--out={out}', f'--out_dir={out_dir}')
    self.assertEqual(run.returncode, 0, run.stderr[-2000:])
    with Image.open(os.path.join(out_dir, '00000.png')) as first:
      self.assertEqual(first.mode, 'L')
      self.assertAllEqual(np.asarray(first), images[0, ..., 0])
    with Image.open(out) as grid:
      self.assertEqual((grid.mode, grid.size), ('L', (56, 56)))


class TfdsResumeTest(tf.test.TestCase):

  def test_resume_on_a_tfds_stream_is_exact(self):
    # Mock MNIST (random examples, no download): 4 steps straight against 2, then a resume to 4.
    root = self.get_temp_dir()
    data_dir = _mock_metadata('mnist', os.path.join(root, 'tfds'))
    config = config_lib.TrainConfig(
        model_dir=os.path.join(root, 'straight'), data='tfds:mnist', tfds_data_dir=data_dir,
        channels=1, resolution=16, z_dim=8, g_base_width=4, d_base_width=4, batch_size=2,
        n_critic=2, train_steps=4, steps_per_epoch=3, num_samples=4, export=False)
    config.validate()
    config.check_paths()
    with tfds.testing.mock_data(num_examples=12, data_dir=data_dir):
      testing_utils.assert_resume_is_exact(self, config)


class TalkDryRunTest(tf.test.TestCase):

  def _dry_run(self, config_name):
    # From an unrelated folder, by the shipped config's name, with an empty TFDS data dir: the
    # counts need no data set.
    cwd = tempfile.mkdtemp(dir=self.get_temp_dir())
    env = dict(testing_utils.module_env(), TFDS_DATA_DIR=os.path.join(cwd, 'no_tfds'))
    result = subprocess.run(
        [sys.executable, '-m', 'tfgan_anime.train', f'--flagfile={config_name}',
         '--model_dir=x', '--dry_run'], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    options, end = json.JSONDecoder().raw_decode(result.stdout)
    self.assertEqual(os.listdir(cwd), [])
    return options, result.stdout[end:]

  def test_mnist_config_prints_the_talk_counts(self):
    options, networks = self._dry_run('mnist_wgan_gp.cfg')
    self.assertEqual((options['data'], options['channels'], options['z_dim']),
                     ('tfds:mnist', 1, 128))
    self.assertIn('Total params: 910,660 (trainable 902,082, non-trainable 8,578)', networks)
    self.assertIn('Total params: 4,305,409 (trainable 4,305,409, non-trainable 0)', networks)
    self.assertRegex(networks, r'crop \(Cropping2D\) +\(None, 28, 28, 1\)')

  def test_cars_config_prints_the_talk_counts(self):
    options, networks = self._dry_run('cars196_wgan_gp.cfg')
    self.assertEqual((options['data'], options['channels'], options['z_dim']),
                     ('tfds:cars196:train', 3, 256))
    self.assertIn('Total params: 1,453,804 (trainable 1,445,158, non-trainable 8,646)',
                  networks)
    self.assertIn('Total params: 4,319,361 (trainable 4,319,361, non-trainable 0)', networks)


if __name__ == '__main__':
  tf.test.main()
