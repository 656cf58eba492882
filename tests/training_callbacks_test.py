"""StepCallback: which steps a callback acts on, counted from one read of the step per fit;
SampleGrid's files and their upscale."""

import os

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import images as images_lib
from tfgan_anime import tag_grid
from tfgan_anime.models import conditional
from tfgan_anime.models import dcgan
from tfgan_anime.training import callbacks


class _CountingStep:
  """A model's step variable that counts how often it is read."""

  def __init__(self, value):
    self.value = value
    self.reads = 0

  def numpy(self):
    self.reads += 1
    return self.value


class _FakeModel:
  """What a StepCallback reads from the GAN: the step, and Keras' stop_training."""

  def __init__(self, step=0):
    self.step = _CountingStep(step)
    self.stop_training = False


class _Recorder(callbacks.StepCallback):

  def __init__(self, **kwargs):
    super().__init__(**kwargs)
    self.acted = []

  def on_step(self, step, logs, at_end):
    self.acted.append((step, at_end))


def _fit(callback, model, steps, rollback=None):
  """Drives the callback as keras fit does: begin, a batch per generator step, end.

  rollback: (at_step, to_step): after that step the guard (earlier in the list) restores the
  checkpoint of to_step and stops training.
  """
  model.stop_training = False
  callback.set_model(model)
  callback.on_train_begin()
  for batch in range(steps):
    model.step.value += 1
    if rollback and model.step.value == rollback[0]:
      model.step.value = rollback[1]
      model.stop_training = True
    callback.on_train_batch_end(batch, {})
    if model.stop_training:
      break
  callback.on_train_end()
  return getattr(callback, 'acted', None)


class StepCallbackTest(tf.test.TestCase):

  def test_every_3_over_7_steps_and_the_end(self):
    acted = _fit(_Recorder(every_steps=3, at_end=True), _FakeModel(), 7)
    self.assertEqual(acted, [(3, False), (6, False), (7, True)])

  def test_never_twice_for_the_same_step(self):
    # Step 6 is a multiple of 3, an epoch boundary and the end: one action, at the boundary.
    acted = _fit(_Recorder(every_steps=3, steps_per_epoch=2, at_end=True), _FakeModel(), 6)
    self.assertEqual(acted, [(2, False), (3, False), (4, False), (6, False)])

  def test_a_resumed_start_counts_from_the_saved_step(self):
    acted = _fit(_Recorder(every_steps=3, at_end=True), _FakeModel(step=5), 4)
    self.assertEqual(acted, [(6, False), (9, False)])

  def test_without_at_end_only_due_steps(self):
    acted = _fit(_Recorder(steps_per_epoch=4), _FakeModel(), 7)
    self.assertEqual(acted, [(4, False)])

  def test_reads_the_step_once_at_begin_and_once_at_the_end(self):
    model = _FakeModel()
    callback = _Recorder(every_steps=2, at_end=True)
    _fit(callback, model, 9)
    self.assertEqual(model.step.reads, 2)
    self.assertEqual(callback.step, 9)

  def test_a_rollback_during_the_batch_is_read_back(self):
    # The guard restored step 2 at step 5: the callback acts on step 2 (now the weights of the
    # checkpoint of step 2), as it would have on reading the step, and ends there.
    model = _FakeModel()
    callback = _Recorder(every_steps=2, at_end=True)
    acted = _fit(callback, model, 9, rollback=(5, 2))
    self.assertEqual(acted, [(2, False), (4, False), (2, False)])
    self.assertEqual(callback.step, 2)
    # The next fit starts from the restored step.
    callback.acted = []
    self.assertEqual(_fit(callback, model, 3), [(4, False), (5, True)])

  def test_step_limit_stops_at_the_total(self):
    model = _FakeModel(step=3)
    limit = callbacks.StepLimit(5)
    limit.set_model(model)
    limit.on_train_begin()
    for batch in range(2):
      self.assertFalse(model.stop_training)
      model.step.value += 1
      limit.on_train_batch_end(batch)
    self.assertTrue(model.stop_training)

  def test_on_step_is_required(self):
    callback = callbacks.StepCallback(every_steps=1)
    with self.assertRaises(NotImplementedError):
      _fit(callback, _FakeModel(), 1)


class SampleGridTest(tf.test.TestCase):

  def _grid(self, scale, resolution=16, generator=None):
    model = _FakeModel()
    model.generator = model.sampler = (
        generator or dcgan.build_generator(resolution, z_dim=4, base_width=4))
    directory = os.path.join(self.get_temp_dir(), f'scale{scale}_{resolution}px')
    grid = callbacks.SampleGrid(np.random.default_rng(0).normal(size=(6, 4)), directory,
                                steps_per_epoch=2, scale=scale)
    _fit(grid, model, 2)
    with Image.open(os.path.join(directory, 'latest.png')) as image:
      return np.asarray(image)

  def test_a_2x_grid_is_the_1x_grid_with_each_pixel_repeated(self):
    generator = dcgan.build_generator(16, z_dim=4, base_width=4)
    one, two = self._grid(1, generator=generator), self._grid(2, generator=generator)
    # 6 samples of 16 px: 3 rows of 2 (rows = ceil(sqrt(6))).
    self.assertEqual(one.shape, (48, 32, 3))
    self.assertEqual(two.shape, (96, 64, 3))
    for dy in range(2):
      for dx in range(2):
        self.assertAllEqual(two[dy::2, dx::2], one)
    self.assertGreater(len(np.unique(one)), 10)  # Real samples, not a blank picture.

  def test_the_default_shows_each_sample_at_least_64_px_wide(self):
    # 0: 64 / 16 = 4 at 16 px; 64 / 32 = 2 at the quickstart's 32 px.
    self.assertEqual(self._grid(0).shape, (4 * 48, 4 * 32, 3))
    self.assertEqual(self._grid(0, resolution=32).shape, (2 * 96, 2 * 64, 3))

  def test_a_bad_scale_fails_at_construction(self):
    with self.assertRaisesRegex(ValueError, 'scale=-1'):
      callbacks.SampleGrid(np.zeros((1, 4)), self.get_temp_dir(), 1, scale=-1)


class TagGridTest(tf.test.TestCase):

  def test_writes_the_captioned_tag_grid_each_epoch_and_a_tensorboard_image(self):
    conditions = {'groups': ['hair', 'eyes'],
                  'vocabulary': {'hair': ['blue hair', 'red hair', 'silver hair'],
                                 'eyes': ['blue eyes', 'green eyes']},
                  'policy': 'drop', 'counts': {'hair': [1, 1, 1], 'eyes': [2, 1]}}
    model = _FakeModel()
    model.generator = model.sampler = conditional.build_generator(16, groups=(3, 2), z_dim=4,
                                                                  base_width=4)
    directory = os.path.join(self.get_temp_dir(), 'tag_grid')
    logdir = os.path.join(self.get_temp_dir(), 'logs')
    writer = tf.summary.create_file_writer(logdir)
    grid = callbacks.TagGrid(conditions, 4, directory, steps_per_epoch=2, writer=writer, seed=3)
    _fit(grid, model, 5)
    writer.flush()
    # Epochs 1 and 2, then the partial third epoch at step 5.
    self.assertCountEqual(os.listdir(directory), ['epoch_0001.png', 'epoch_0002.png',
                                                  'step_0000005.png', 'latest.png'])
    with Image.open(os.path.join(directory, 'latest.png')) as image:
      picture = np.asarray(image)
    # The same picture as generate --tag_grid draws: tag_grid.render of the sampler, each 16 px
    # cell shown at 64 px.
    expected = tag_grid.render(
        lambda z, labels: images_lib.to_uint8(model.sampler([z, labels], training=False)).numpy(),
        conditions, 4, seed=3)
    self.assertAllEqual(picture, expected)
    rows, columns = 3, 2
    self.assertEqual(picture.shape[-1], 3)
    self.assertGreater(picture.shape[0], rows * 64)
    self.assertLess(picture.shape[0], rows * (64 + images_lib.CELL_GAP) + 60)
    self.assertGreater(picture.shape[1], columns * 64)
    tags = set()
    for name in os.listdir(logdir):
      for event in tf.compat.v1.train.summary_iterator(os.path.join(logdir, name)):
        tags.update(value.tag for value in event.summary.value)
    self.assertEqual(tags, {'tag_grid'})


if __name__ == '__main__':
  tf.test.main()
