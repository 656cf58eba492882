"""The mode-collapse watch (training/callbacks.DiversityWatch) and its place in a training run."""

import os

import numpy as np
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime.metrics import diversity as diversity_lib
from tfgan_anime.reporting import runs
from tfgan_anime.training import callbacks
from tfgan_anime.training import loop


class _Holder:
  """What the watch reads from the GAN: the generator (its sampler) and the step."""

  def __init__(self, generator):
    self.generator = generator
    self.sampler = generator  # The GAN's sampler is the generator without EMA.
    self.step = tf.Variable(0, dtype=tf.int64)
    self.stop_training = False


def _constant_generator(z, training=False):
  """Every sample the same grey 16 x 16 image, whatever z."""
  del training
  return tf.zeros((tf.shape(z)[0], 16, 16, 3)) + 0.25


def _two_faces_generator(z, training=False):
  """Black (-1) where z[:, 0] < 0, white (+1) elsewhere: [B, 16, 16, 3] in [-1, 1]."""
  del training
  sign = tf.where(z[:, :1] < 0, -1.0, 1.0)
  return tf.broadcast_to(sign[:, :, None, None], (tf.shape(z)[0], 16, 16, 3))


# Two black and two white samples: 4 of the 6 pairs differ, each by an RMS distance of 2.
_Z = np.array([[-1.0], [1.0], [-1.0], [1.0]], np.float32)
_TWO_FACES_DIVERSITY = 2.0 * 4 / 6


def _drive(watch, generator, steps):
  holder = _Holder(generator)
  watch.set_model(holder)
  watch.on_train_begin()
  for _ in range(steps):
    holder.step.assign_add(1)
    watch.on_train_batch_end(0)
  watch.on_train_end()


class DiversityWatchTest(tf.test.TestCase):

  def _watch(self, real_diversity, writer=None, **kwargs):
    lines = []
    watch = callbacks.DiversityWatch(_Z, real_diversity, steps_per_epoch=3, writer=writer,
                                     log=lines.append, **kwargs)
    return watch, lines

  def test_identical_samples_score_zero_and_warn(self):
    watch, lines = self._watch(1.0)
    _drive(watch, _constant_generator, 6)
    # Epoch ends 3 and 6; the end (6) is the last boundary, measured once.
    self.assertEqual([(step, value, ratio) for step, value, ratio in watch.history],
                     [(3, 0.0, 0.0), (6, 0.0, 0.0)])
    self.assertLen(watch.warnings, 2)
    self.assertStartsWith(watch.warnings[0], 'Warning: step 3: the samples vary 0.00 times')
    self.assertIn('--diversity_warn_ratio=0.5', watch.warnings[0])
    self.assertIn('mode collapse', watch.warnings[0])
    self.assertEqual([line for line in lines if line.startswith('Warning')], watch.warnings)

  def test_varied_samples_have_the_closed_form_ratio_and_no_warning(self):
    watch, lines = self._watch(_TWO_FACES_DIVERSITY / 2)
    _drive(watch, _two_faces_generator, 4)  # Epoch end 3, then the end at 4.
    self.assertEqual([step for step, _, _ in watch.history], [3, 4])
    for _, value, ratio in watch.history:
      self.assertAllClose(value, _TWO_FACES_DIVERSITY)
      self.assertAllClose(ratio, 2.0)
    self.assertEmpty(watch.warnings)
    self.assertStartsWith(lines[0], 'Step 3: sample diversity 1.333, 2.00 of the real data')

  def test_the_warning_level_is_a_parameter(self):
    # Ratio 2/3 of a reference 1: below 0.7, above the default 0.5.
    watch, _ = self._watch(_TWO_FACES_DIVERSITY / (2 / 3), warn_ratio=0.7)
    _drive(watch, _two_faces_generator, 3)
    self.assertLen(watch.warnings, 1)
    self.assertIn('0.67 times', watch.warnings[0])
    quiet, _ = self._watch(_TWO_FACES_DIVERSITY / (2 / 3))
    _drive(quiet, _two_faces_generator, 3)
    self.assertEmpty(quiet.warnings)

  def test_scalars_reach_tensorboard(self):
    run = self.get_temp_dir()
    writer = tf.summary.create_file_writer(os.path.join(run, 'tensorboard'))
    covered = []
    watch, _ = self._watch(_TWO_FACES_DIVERSITY / 2, writer=writer,
                           tags_fn=lambda fake: covered.append(fake.shape) or 7)
    _drive(watch, _two_faces_generator, 6)
    writer.close()
    scalars = runs.read_scalars(run)
    steps, values = scalars['diversity/ratio']
    self.assertAllEqual(steps, [3, 6])
    self.assertAllClose(values, [2.0, 2.0])
    self.assertAllClose(scalars['diversity/fake'][1], [_TWO_FACES_DIVERSITY] * 2)
    self.assertAllClose(scalars['diversity/tag_combinations_covered'][1], [7, 7])
    # The tag function sees the uint8 samples.
    self.assertEqual(covered, [(4, 16, 16, 3)] * 2)

  def test_bad_inputs(self):
    with self.assertRaisesRegex(ValueError, 'at least 2 samples'):
      callbacks.DiversityWatch(_Z[:1], 1.0, steps_per_epoch=1)
    with self.assertRaisesRegex(ValueError, 'real_diversity=0.0'):
      callbacks.DiversityWatch(_Z, 0.0, steps_per_epoch=1)

  def test_the_config_default_is_the_statistics_warning_level(self):
    self.assertEqual(config_lib.TrainConfig().diversity_warn_ratio, diversity_lib.WARN_RATIO)


class DiversityInTrainingTest(tf.test.TestCase):

  def _config(self, root, **overrides):
    settings = dict(
        model_dir=os.path.join(root, 'run'),
        data=testing_utils.make_folder(os.path.join(root, 'images'), count=8),
        resolution=16, z_dim=8, g_base_width=4, d_base_width=4, batch_size=2, n_critic=1,
        train_steps=2, steps_per_epoch=1, num_samples=4, diversity_num_samples=8, export=False)
    settings.update(overrides)
    return config_lib.TrainConfig(**settings)

  def test_a_short_run_logs_the_ratio_each_epoch(self):
    root = self.get_temp_dir()
    config = self._config(root)
    lines = []
    loop.train(config, log=lines.append)
    scalars = runs.read_scalars(config.model_dir)
    steps, ratios = scalars['diversity/ratio']
    self.assertAllEqual(steps, [1, 2])
    self.assertTrue(np.all(np.isfinite(ratios)) and np.all(ratios >= 0))
    self.assertIn('diversity/fake', scalars)
    self.assertTrue(any(line.startswith('Diversity watch: 8 samples every 1 epoch(s) against 8 '
                                        'real images') for line in lines), lines)
    self.assertLen([line for line in lines if line.startswith('Step 2: sample diversity')], 1)

  def test_off_and_every_two_epochs(self):
    root = self.get_temp_dir()
    config = self._config(root, diversity_every_epochs=0)
    loop.train(config, log=lambda _: None)
    self.assertNotIn('diversity/ratio', runs.read_scalars(config.model_dir))
    config = self._config(os.path.join(root, 'b'), diversity_every_epochs=2, train_steps=5)
    loop.train(config, log=lambda _: None)
    # Steps 2 and 4, then the end at 5.
    self.assertAllEqual(runs.read_scalars(config.model_dir)['diversity/ratio'][0], [2, 4, 5])

  def test_toy_runs_have_no_watch(self):
    config = config_lib.TrainConfig(
        model_dir=os.path.join(self.get_temp_dir(), 'toy'), data='toy2d:ring8',
        architecture='mlp', z_dim=2, mlp_width=8, mlp_depth=1, batch_size=8, n_critic=1,
        train_steps=2, steps_per_epoch=1, export=False)
    self.assertEqual(config.diversity_every_epochs, 1)  # On by default, skipped for points.
    loop.train(config, log=lambda _: None)
    scalars = runs.read_scalars(config.model_dir)
    self.assertIn('toy/modes_captured', scalars)
    self.assertNotIn('diversity/ratio', scalars)


if __name__ == '__main__':
  tf.test.main()
