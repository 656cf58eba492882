"""Evaluation during training: best checkpoint by a metric, its export; toy callbacks; lr decay."""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_anime.training import callbacks
from tfgan_anime import config as config_lib
from tfgan_anime import export as export_lib
from tfgan_anime.training import loop as train_lib
from tfgan_anime.metrics import toy
from tfgan_anime.models import mlp


class _Holder(keras.Model):
  """What the callbacks read from the GAN: generator (and sampler), critic and the step."""

  def __init__(self, generator, critic=None):
    super().__init__()
    self.generator = generator
    self.sampler = generator  # The GAN's sampler is the generator without EMA.
    self.critic = critic
    self.step = tf.Variable(0, dtype=tf.int64)



class EvaluationCallbackTest(tf.test.TestCase):

  def _run(self, directory, values, start_step=0):
    generator = mlp.build_generator(z_dim=2, width=4, depth=1)
    holder = _Holder(generator)
    holder.step.assign(start_step)
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(generator=generator, step=holder.step), directory, max_to_keep=1)
    scripted = iter(values)
    seen_bias = []

    def evaluate_fn(g):
      seen_bias.append(float(g.get_layer('samples').bias.numpy()[0]))
      return next(scripted)

    callback = callbacks.EvaluationCallback(evaluate_fn, 'swd', manager, steps_per_epoch=5,
                                            every_epochs=2)
    callback.set_model(holder)
    callback.on_train_begin()
    for _ in range(10 * len(values)):
      holder.step.assign_add(1)
      # The generator's output bias records the step, so the checkpoint says when it was made.
      generator.get_layer('samples').bias.assign([float(holder.step.numpy()), 0.0])
      callback.on_train_batch_end(0)
    return callback, seen_bias

  def test_keeps_the_best_checkpoint_only(self):
    directory = os.path.join(self.get_temp_dir(), 'best')
    callback, seen = self._run(directory, [3.0, 1.0, 2.0])
    # Every 2 epochs of 5 steps: at steps 10, 20 and 30.
    self.assertEqual(callback.history, [(10, 3.0), (20, 1.0), (30, 2.0)])
    self.assertEqual(seen, [10.0, 20.0, 30.0])
    self.assertEqual(callback.best, {'metric': 'swd', 'value': 1.0, 'step': 20})
    with open(os.path.join(directory, 'best.json')) as f:
      self.assertEqual(json.load(f), callback.best)
    self.assertEqual(os.path.basename(tf.train.latest_checkpoint(directory)), 'ckpt-20')
    self.assertLen([f for f in os.listdir(directory) if f.endswith('.index')], 1)
    restored = mlp.build_generator(z_dim=2, width=4, depth=1)
    tf.train.Checkpoint(generator=restored).restore(
        tf.train.latest_checkpoint(directory)).expect_partial()
    self.assertAllClose(restored.get_layer('samples').bias.numpy(), [20.0, 0.0])
    # A resumed run reads the best so far: 1.5 at step 40 is no improvement.
    resumed, _ = self._run(directory, [1.5], start_step=30)
    self.assertEqual(resumed.best['step'], 20)
    callback.on_train_end()  # the same step again: no second evaluation
    self.assertLen(callback.history, 3)

  def test_nan_is_never_best(self):
    callback, _ = self._run(os.path.join(self.get_temp_dir(), 'nan'), [float('nan'), 4.0])
    self.assertEqual(callback.best['value'], 4.0)


class ToyCallbacksTest(tf.test.TestCase):

  def test_metrics_logger_and_plots(self):
    centres, sigma = toy.ring8()
    # A generator that puts every point on mode 0, (1, 0).
    generator = mlp.build_generator(z_dim=2, width=2, depth=1)
    for layer in generator.layers[1:]:
      layer.kernel.assign(tf.zeros_like(layer.kernel))
      layer.bias.assign(tf.zeros_like(layer.bias))
    generator.get_layer('samples').bias.assign([1.0, 0.0])
    holder = _Holder(generator, mlp.build_critic(width=4, depth=1))
    z = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32)
    logger = callbacks.ToyMetricsLogger(z, centres, sigma, steps_per_epoch=3)
    directory = os.path.join(self.get_temp_dir(), 'samples')
    plots = callbacks.ToyPlots(z, centres, (-1.5, 1.5, -1.5, 1.5), directory, steps_per_epoch=3,
                               cells=8)
    for callback in (logger, plots):
      callback.set_model(holder)
      callback.on_train_begin()
    for _ in range(4):
      holder.step.assign_add(1)
      logger.on_train_batch_end(0)
      plots.on_train_batch_end(0)
    logger.on_train_end()
    plots.on_train_end()
    self.assertEqual(logger.latest.modes_captured, 1)
    self.assertEqual(logger.latest.high_quality_fraction, 1.0)
    self.assertAllClose(logger.latest.reverse_kl, np.log(8))
    self.assertEqual(sorted(os.listdir(directory)),
                     ['epoch_0001.png', 'latest.png', 'step_0000004.png'])
    image = np.asarray(tf.io.decode_png(tf.io.read_file(os.path.join(directory, 'latest.png'))))
    self.assertEqual(image.shape, (384, 2 * 384 + 6, 3))


class ExportBestTest(tf.test.TestCase):

  def test_export_best_restores_the_best_generator(self):
    config = config_lib.TrainConfig(model_dir=self.get_temp_dir(), data='toy2d:ring8',
                                    architecture='mlp', z_dim=2, mlp_width=8, mlp_depth=1)
    keras.utils.set_random_seed(3)
    generator, critic = train_lib.build_networks(config)
    best = tf.train.Checkpoint(generator=generator, critic=critic,
                               step=tf.Variable(7, dtype=tf.int64))
    tf.train.CheckpointManager(best, train_lib.best_directory(config.model_dir), 1).save(7)
    export_dir = train_lib.export_best(config, os.path.join(self.get_temp_dir(), 'export_best'))
    z = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    self.assertAllClose(export_lib.load_generator(export_dir)(z), generator(z).numpy(),
                        atol=1e-6)

  def test_no_best_checkpoint(self):
    config = config_lib.TrainConfig(model_dir=os.path.join(self.get_temp_dir(), 'none'))
    with self.assertRaisesRegex(ValueError, 'No best checkpoint.*--eval_every_epochs > 0'):
      train_lib.export_best(config, os.path.join(self.get_temp_dir(), 'x'))


class LinearDecayTest(tf.test.TestCase):

  def test_rate_falls_linearly_to_zero_over_the_optimizers_own_updates(self):
    optimizer = train_lib.make_optimizer('adam', 1e-3, 0.5, 0.9, decay_steps=10)
    variable = tf.Variable(1.0)
    rates = []
    for _ in range(12):
      rates.append(float(optimizer.learning_rate))
      optimizer.apply_gradients([(tf.constant(1.0), variable)])
    self.assertAllClose(rates, [1e-3 * max(0.0, 1 - k / 10) for k in range(12)])
    self.assertAllClose(float(train_lib.make_optimizer('adam', 1e-3, 0.5, 0.9).learning_rate),
                        1e-3)

  def test_critic_decays_over_n_critic_times_the_steps(self):
    config = config_lib.TrainConfig(model_dir='x', data='toy2d:ring8', architecture='mlp',
                                    mlp_width=4, mlp_depth=1, n_critic=3, lr_decay='linear')
    gan = train_lib.build_gan(config, total_steps=100)
    self.assertEqual(gan.g_optimizer._learning_rate.decay_steps, 100)
    self.assertEqual(gan.d_optimizer._learning_rate.decay_steps, 300)
    with self.assertRaisesRegex(ValueError, 'needs the run length'):
      train_lib.build_gan(config)


if __name__ == '__main__':
  tf.test.main()
