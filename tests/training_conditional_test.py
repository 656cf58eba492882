"""A conditional run through the training loop: the vocabulary in the run directory, the
start-up line, the default callbacks with labels, exact resume, and the dry run's tables."""

import contextlib
import dataclasses
import io
import json
import os

import numpy as np
from PIL import Image
import tensorflow as tf

import testing_utils
from tfgan_anime import config as config_lib
from tfgan_anime import dry_run
from tfgan_anime import export as export_lib
from tfgan_anime.data import conditions
from tfgan_anime.data import tags as tags_lib
from tfgan_anime.training import loop as train_lib

HAIR = ('blue hair', 'red hair', 'white hair')
EYES = ('brown eyes', 'green eyes')


def _tagged_folder(root, count=24):
  """Textured 16 px images with hair i % 3 and eyes i % 2; image 5 has no eye colour."""
  os.makedirs(root, exist_ok=True)
  tags = {}
  for i in range(count):
    Image.fromarray(testing_utils.texture(i, 16, 16)).save(os.path.join(root, f'{i:03d}.png'))
    tags[f'{i:03d}'] = [HAIR[i % 3]] + ([EYES[i % 2]] if i != 5 else []) + ['long hair']
  tags_lib.write_tags(os.path.join(root, 'tags.csv'), tags)
  return root


def _config(root, model_dir, **overrides):
  values = dict(model_dir=model_dir, data=_tagged_folder(os.path.join(root, 'data')),
                condition='hair,eyes', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
                batch_size=2, n_critic=2, train_steps=4, steps_per_epoch=2, num_samples=4,
                checkpoint_every_steps=100, log_every_steps=1, diversity_num_samples=8)
  values.update(overrides)
  return config_lib.TrainConfig(**values)


class ConditionalRunTest(tf.test.TestCase):

  def test_a_run_with_the_default_callbacks(self):
    root = self.get_temp_dir()
    config = _config(root, os.path.join(root, 'run'), eval_every_epochs=1,
                     eval_num_samples=8)
    lines = []
    result = train_lib.train(config, log=lines.append)
    self.assertEqual(result.step, 4)
    text = '\n'.join(lines)
    self.assertEqual(text.count('Conditioning on hair (3 values), eyes (2 values): 23 of 24 '
                                'images kept, dropped 1'), 1, text)
    self.assertIn('Data: 23 images', text)
    # The diversity watch measured labelled samples at each epoch end.
    self.assertEqual(text.count('sample diversity'), 2, text)
    with open(os.path.join(config.model_dir, conditions.VOCABULARY_FILENAME)) as f:
      vocabulary = json.load(f)
    self.assertEqual(vocabulary['groups'], ['hair', 'eyes'])
    self.assertEqual(vocabulary['vocabulary'], {'hair': list(HAIR), 'eyes': list(EYES)})
    self.assertEqual(vocabulary['policy'], 'drop')
    # 8 images per hair colour; image 5 (white hair, i % 3 == 2) is dropped.
    self.assertEqual(vocabulary['counts']['hair'], [8, 8, 7])
    self.assertLen(result.samples, 2)
    grid = np.asarray(Image.open(result.samples[-1]))
    self.assertGreater(grid.std(), 0)
    # The tag grid: 3 hair rows x 2 eye columns of 16 px cells (upscaled 4x), with captions.
    tag_grid = np.asarray(Image.open(os.path.join(config.model_dir, 'tag_grid', 'latest.png')))
    self.assertGreater(tag_grid.shape[0], 3 * 64)
    self.assertGreater(tag_grid.shape[1], 2 * 64)
    # The evaluation during training scored labelled samples and kept the best checkpoint.
    self.assertEqual(result.best['metric'], 'swd_x1e3')
    self.assertTrue(np.isfinite(result.best['value']))
    # The export and the best export take labels and tags, from the run's vocabulary.
    for directory in (result.export_dir, result.export_best_dir):
      loaded = export_lib.load_generator(directory)
      self.assertEqual(loaded.conditions['vocabulary'], vocabulary['vocabulary'])
    loaded = export_lib.load_generator(result.export_dir)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    from_labels = loaded(z, {'hair': np.array([1, 1, 1], np.int32),
                             'eyes': np.array([0, 0, 0], np.int32)})
    images, labels = loaded.from_tags("red hair, brown eyes", z, seed=0)
    self.assertAllEqual(labels, [[1, 0]] * 3)
    self.assertAllEqual(from_labels, images)

  def test_resume_is_exact(self):
    root = self.get_temp_dir()
    testing_utils.assert_resume_is_exact(
        self, _config(root, os.path.join(root, 'straight'), diversity_every_epochs=0))

  def test_resume_is_exact_with_a_cache_and_the_unknown_class(self):
    root = os.path.join(self.get_temp_dir(), 'cached')
    testing_utils.assert_resume_is_exact(
        self, _config(root, os.path.join(root, 'straight'), cache='memory',
                      label_policy='unknown', fake_labels='uniform', diversity_every_epochs=0))

  def test_dry_run_prints_the_conditional_networks(self):
    root = self.get_temp_dir()
    config = _config(root, os.path.join(root, 'dry'))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
      dry_run.print_networks(config)
    text = out.getvalue()
    self.assertIn('ConditionalBatchNormalization', text)
    self.assertIn('projection (Projection)', text)
    self.assertEqual(dry_run.num_classes(config), (3, 2))
    self.assertEqual(dry_run.num_classes(dataclasses.replace(config, label_policy='unknown')),
                     (4, 3))
    faces = dataclasses.replace(config, data='synthetic_faces')
    self.assertEqual(dry_run.num_classes(faces), (12, 10))
    self.assertIsNone(dry_run.num_classes(dataclasses.replace(config, condition='')))


if __name__ == '__main__':
  tf.test.main()
