"""The training loop's own duties: extra callbacks first, resources released however it ends."""

import os
from unittest import mock

import keras
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime.data import folder as folder_lib
from tfgan_anime.training import loop


class _Boom(keras.callbacks.Callback):
  """Raises after generator step `at_step`."""

  def __init__(self, at_step):
    super().__init__()
    self.at_step = at_step

  def on_train_batch_end(self, batch, logs=None):
    if int(self.model.step.numpy()) == self.at_step:
      raise RuntimeError('boom')


class TrainLoopTest(tf.test.TestCase):

  def test_a_failing_run_releases_the_cache_lock_and_closes_the_writer(self):
    root = self.get_temp_dir()
    cache = os.path.join(root, 'cache', 'images')
    config = config_lib.TrainConfig(
        model_dir=os.path.join(root, 'run'), data=testing_utils.make_folder(
            os.path.join(root, 'images'), count=8),
        resolution=16, z_dim=8, g_base_width=4, d_base_width=4, batch_size=2, n_critic=1,
        train_steps=4, steps_per_epoch=4, num_samples=4, cache=cache, export=False)
    writers = []

    def create_file_writer(*args, **kwargs):
      writers.append(real_create(*args, **kwargs))
      return writers[-1]

    real_create = tf.summary.create_file_writer
    error = None
    with mock.patch.object(loop.tf.summary, 'create_file_writer', create_file_writer):
      try:
        loop.train(config, log=lambda _: None, extra_callbacks=[_Boom(2)])
      except RuntimeError as e:
        # Kept, with its traceback: the frames of train stay alive, as they do while a caller
        # handles the error, so only an explicit release frees what they hold.
        error = e
    self.assertEqual(str(error), 'boom')
    # The exception came from the extra callback, run before the guard: step 2 trained.
    self.assertLen(writers, 1)
    with self.assertRaisesRegex(RuntimeError, 'already closed'):
      writers[0].as_default()
    # Another run can claim the cache: the failed one let go of its lock.
    folder_lib.claim_file_cache(cache).close()


if __name__ == '__main__':
  tf.test.main()
