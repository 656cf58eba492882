"""End to end: the training binary as a user runs it, on a folder of images made here."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image
import tensorflow as tf

import testing_utils
from testing_utils import make_folder
from testing_utils import run_module as _run
from tfgan_anime import config as config_lib
from tfgan_anime import export
from tfgan_anime import images
from tfgan_anime.training import loop as train_lib
from tfgan_anime.data import pil_images
from tfgan_anime.data import tfrecord

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TrainBinaryTest(tf.test.TestCase):
  """One run of the binary and its resume, shared by the tests that look at them.

  A failure while making them (a timeout, the folder) is raised again by each test that needs
  them, rather than erroring the class: the tests that need neither still run.
  """

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.setup_error = None
    try:
      cls.root = os.path.join(os.environ.get('TEST_TMPDIR', '/tmp'), f'train_test_{os.getpid()}')
      cls.data = make_folder(os.path.join(cls.root, 'data'))
      cls.model_dir = os.path.join(cls.root, 'run')
      cls.flags = [f'--data={cls.data}', f'--model_dir={cls.model_dir}', '--resolution=16',
                   '--z_dim=8', '--g_base_width=4', '--d_base_width=4', '--batch_size=4',
                   '--n_critic=2', '--steps_per_epoch=2', '--num_samples=9',
                   '--checkpoint_every_steps=2']
      cls.first = _run('tfgan_anime.train', *cls.flags, '--train_steps=3')
      cls.second = _run('tfgan_anime.train', *cls.flags, '--train_steps=5')
    except Exception as e:  # pylint: disable=broad-except (re-raised by every test: see setUp)
      cls.setup_error = e

  def setUp(self):
    super().setUp()
    if self.setup_error is not None:
      raise RuntimeError(f'setUpClass failed: {self.setup_error!r}') from self.setup_error

  def test_first_run_writes_every_output(self):
    self.assertEqual(self.first.returncode, 0, self.first.stderr[-3000:])
    self.assertIn('Trained to step 3.', self.first.stdout)
    with open(os.path.join(self.model_dir, 'config.json')) as f:
      self.assertEqual(json.load(f)['n_critic'], 2)
    self.assertTrue(os.path.isfile(os.path.join(self.model_dir, 'flags.cfg')))
    samples = os.path.join(self.model_dir, 'samples')
    # Epoch 1 ends at step 2; the run ends at step 3 (and resumes to 5: epoch 2 at step 4).
    for name in ('epoch_0001.png', 'step_0000003.png', 'latest.png'):
      grid = np.asarray(Image.open(os.path.join(samples, name)))
      # 9 images of 16 px: 3 x 3, upscaled 4x by the default --grid_scale=0 (each sample at least
      # 64 px wide).
      self.assertEqual(grid.shape, (4 * 48, 4 * 48, 3))
    self.assertNotEmpty(tf.io.gfile.glob(os.path.join(self.model_dir, 'tensorboard', 'events.*')))

  def test_resume_continues_the_step_count(self):
    self.assertEqual(self.second.returncode, 0, self.second.stderr[-3000:])
    self.assertIn('Resumed from', self.second.stdout)
    self.assertIn('ckpt-3', self.second.stdout)
    self.assertIn('Trained to step 5.', self.second.stdout)
    state = tf.train.get_checkpoint_state(os.path.join(self.model_dir, 'checkpoints'))
    self.assertEndsWith(state.model_checkpoint_path, 'ckpt-5')
    names = sorted(os.listdir(os.path.join(self.model_dir, 'samples')))
    self.assertEqual(names, ['epoch_0001.png', 'epoch_0002.png', 'latest.png',
                             'step_0000003.png', 'step_0000005.png'])

  def test_export_matches_the_checkpointed_generator(self):
    self.assertEqual(self.second.returncode, 0, self.second.stderr[-3000:])
    with open(os.path.join(self.model_dir, 'config.json')) as f:
      config = config_lib.TrainConfig(**json.load(f))
    gan = train_lib.build_gan(config)
    checkpoint = train_lib.make_checkpoint(gan)
    checkpoint.restore(tf.train.latest_checkpoint(
        os.path.join(self.model_dir, 'checkpoints'))).assert_existing_objects_matched()
    self.assertEqual(int(gan.step.numpy()), 5)
    z = np.random.default_rng(1).standard_normal((6, 8)).astype(np.float32)
    exported = export.load_generator(os.path.join(self.model_dir, 'export'))(z)
    in_memory = images.to_uint8(gan.generator(z, training=False)).numpy()
    self.assertAllEqual(exported, in_memory)
    # And the generator trained: its images are not the untrained ones.
    untrained = images.to_uint8(train_lib.build_gan(config).generator(z, training=False)).numpy()
    self.assertNotAllEqual(exported, untrained)

  def test_generate_binary(self):
    self.assertEqual(self.second.returncode, 0)
    out = os.path.join(self.root, 'grid.png')
    out_dir = os.path.join(self.root, 'singles')
    result = _run('tfgan_anime.generate', f'--saved_model={self.model_dir}/export', '--num=4',
                  '--seed=3', f'--out={out}', f'--out_dir={out_dir}')
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    self.assertEqual(np.asarray(Image.open(out)).shape, (32, 32, 3))
    self.assertLen(os.listdir(out_dir), 4)
    z = np.random.default_rng(3).standard_normal((4, 8)).astype(np.float32)
    expected = export.load_generator(os.path.join(self.model_dir, 'export'))(z)
    self.assertAllEqual(np.asarray(Image.open(os.path.join(out_dir, '00002.png'))), expected[2])
    # TensorFlow's start-up lines are filtered (cli.import_tensorflow).
    for noise in ('cuInit', 'oneDNN', 'absl::InitializeLog'):
      self.assertNotIn(noise, result.stderr)

  def test_generate_reports_an_unwritable_output_in_one_line(self):
    self.assertEqual(self.second.returncode, 0)
    # /proc refuses new folders even to root; the flags' checks cannot know that in advance.
    result = _run('tfgan_anime.generate', f'--saved_model={self.model_dir}/export', '--num=2',
                  '--out=', '--out_dir=/proc/tfgan_anime_test')
    self.assertEqual(result.returncode, 2, result.stderr[-2000:])
    self.assertNotIn('Traceback', result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    self.assertLen(errors, 1, result.stderr)
    self.assertIn("Cannot write the output. Received: '/proc/tfgan_anime_test'", errors[0])


class TrainFlagsBinaryTest(tf.test.TestCase):
  """The binary on flags alone: no shared run, so each test stands alone."""

  def test_bad_flags_fail_in_one_line(self):
    for args, pattern in (
        (['--model_dir=x', '--penalty=gp', '--d_norm=batch'], '--d_norm'),
        (['--model_dir=x', '--resolution=100'], 'resolution=100'),
        (['--model_dir=x', '--penalty=r3'], 'penalty'),
        (['--model_dir=x', '--batch_size=abc'], 'batch_size'),
    ):
      result = _run('tfgan_anime.train', *args)
      self.assertNotEqual(result.returncode, 0)
      self.assertNotIn('Traceback', result.stderr)
      errors = [line for line in result.stderr.splitlines() if pattern in line]
      self.assertLen(errors, 1, result.stderr)
    result = _run('tfgan_anime.generate', '--saved_model=/nonexistent')
    self.assertEqual(result.returncode, 2)
    self.assertIn('No SavedModel found', result.stderr)
    self.assertNotIn('Traceback', result.stderr)

  def test_dry_run_prints_the_options_then_both_networks(self):
    # From an unrelated folder, as a user of the installed package, with TensorFlow's start-up
    # logging as a user without TF_CPP_MIN_LOG_LEVEL gets it.
    cwd = self.get_temp_dir()
    env = dict(testing_utils.module_env())
    env.pop('TF_CPP_MIN_LOG_LEVEL')
    result = subprocess.run(
        [sys.executable, '-m', 'tfgan_anime.train',
         f'--flagfile={os.path.join(REPO, "configs", "wgan_gp.cfg")}', '--model_dir=x',
         '--dry_run'], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
        check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    options, end = json.JSONDecoder().raw_decode(result.stdout)
    self.assertEqual(options['gp_weight'], 10.0)
    self.assertEqual(options['batch_size'], 128)  # From base.cfg, next to wgan_gp.cfg.
    networks = result.stdout[end:]
    # The report's tables at 64 px (pinned in models_dcgan_test).
    self.assertIn('Generator "generator":', networks)
    self.assertIn('Total params: 5,128,643 (trainable 5,126,723, non-trainable 1,920)', networks)
    self.assertIn('Critic "critic":', networks)
    self.assertIn('Total params: 4,314,753 (trainable 4,314,753, non-trainable 0)', networks)
    self.assertRegex(networks, r'up0 \(Conv2DTranspose\) +\(None, 8, 8, 256\) +3,276,800')
    self.assertRegex(networks, r'logit \(Conv2D\) +\(None, 1, 1, 1\) +8,193')
    for noise in ('cuInit', 'oneDNN', 'absl::InitializeLog'):
      self.assertNotIn(noise, result.stderr)
    self.assertFalse(os.path.exists(os.path.join(cwd, 'x')))


class ShardResumeTest(tf.test.TestCase):

  def test_resume_on_shards_is_exact(self):
    # tf.data's seeded shuffles of the shards also depend on TensorFlow's global seed, which
    # building the networks sets: the resumed stream, built after that, must still continue the
    # straight one. 4 steps straight against 2, then a resume to 4, in this process.
    root = self.get_temp_dir()
    folder = make_folder(os.path.join(root, 'images'))
    tfrecord.write_shards(pil_images.list_images(folder), os.path.join(root, 'shards'), 2)
    config = config_lib.TrainConfig(
        model_dir=os.path.join(root, 'straight'), resolution=16, z_dim=8, g_base_width=4,
        d_base_width=4, batch_size=4, n_critic=2, train_steps=4, steps_per_epoch=3,
        num_samples=4, export=False, data=os.path.join(root, 'shards', 'images-*.tfrecord'))
    testing_utils.assert_resume_is_exact(self, config)


if __name__ == '__main__':
  tf.test.main()
