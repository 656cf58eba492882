"""Test helpers shared by several test files: folders of images, good and odd, and the binaries.

pytest (and `python tests/x_test.py`) put tests/ on sys.path, so test files `import testing_utils`.
"""

import dataclasses
import os
import shutil
import subprocess
import sys
import traceback

import keras
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.data import pipeline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

# Every readable image is a smooth texture, so no two of them share a
# perceptual hash by accident, with a flat 16x16 block of a known colour in the
# top-left corner (16x16 so that JPEG's 2x2 chroma subsampling leaves the centre
# of the block alone).
SIZE = 32
BLOCK = 16


def texture(seed, width=SIZE, height=SIZE, block=None):
  """uint8 [height, width, 3]: 4x4 random colours, bilinearly enlarged."""
  rng = np.random.default_rng(seed)
  small = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
  pixels = np.asarray(small.resize((width, height), Image.BILINEAR)).copy()
  if block is not None:
    pixels[:BLOCK, :BLOCK] = block
  return pixels


# name -> (PIL mode as opened, expected RGB of pixel (4, 4), tolerance), for
# every file that should load; None for the files that should not.
BAD_FOLDER_FILES = {
    'truncated.jpg': None,
    'empty.jpg': None,
    'notes.jpg': None,
    'alpha.png': ('RGBA', RED, 0),
    'gray.png': ('L', (100, 100, 100), 0),
    'cmyk.jpg': ('CMYK', RED, 12),
    'deep16.png': ('I;16', WHITE, 0),
    'palette.png': ('P', GREEN, 0),
    'tiny.png': ('RGB', None, 0),
    'LARGE.JPG': ('RGB', BLUE, 12),
    'anim.gif': ('P', RED, 0),
    'picture.bmp': ('RGB', GREEN, 0),
    'picture.webp': ('RGB', BLUE, 0),
    'with space.png': ('RGB', RED, 0),
    'café ñandú 顔.png': ('RGB', GREEN, 0),
    'face.png': ('RGB', BLUE, 0),
    os.path.join('sub dir', 'face copy.png'): ('RGB', BLUE, 0),
    'face_bright.png': ('RGB', (12, 12, 255), 0),
}
# Sizes as (width, height) where they are not SIZE x SIZE.
BAD_FOLDER_SIZES = {'tiny.png': (1, 1), 'LARGE.JPG': (1200, 900),
                    'truncated.jpg': (128, 128),
                    'picture.bmp': (48, 32)}


def build_bad_folder(folder):
  """Writes the BAD_FOLDER_FILES into `folder` (created) plus a readme.txt."""
  os.makedirs(os.path.join(folder, 'sub dir'), exist_ok=True)

  def path(name):
    return os.path.join(folder, name)

  # A noisy 128x128 JPEG cut at two thirds: the headers survive, the pixels
  # end early, as after a broken download.
  noise = np.random.default_rng(1).integers(0, 256, (128, 128, 3), np.uint8)
  Image.fromarray(noise).save(path('full.jpg.tmp'), 'JPEG', quality=90)
  with open(path('full.jpg.tmp'), 'rb') as f:
    data = f.read()
  os.remove(path('full.jpg.tmp'))
  with open(path('truncated.jpg'), 'wb') as f:
    f.write(data[:len(data) * 2 // 3])
  open(path('empty.jpg'), 'wb').close()
  with open(path('notes.jpg'), 'w') as f:
    f.write('not an image, just text saved with the wrong name\n')
  with open(path('readme.txt'), 'w') as f:
    f.write('not listed: no image extension\n')

  rgba = np.concatenate([texture(2, block=RED),
                         np.full((SIZE, SIZE, 1), 255, np.uint8)], axis=2)
  rgba[BLOCK:, BLOCK:] = (0, 0, 255, 0)  # transparent blue -> white
  Image.fromarray(rgba, 'RGBA').save(path('alpha.png'))

  gray = texture(3, block=(100, 100, 100))[:, :, 0]
  Image.fromarray(gray, 'L').save(path('gray.png'))

  Image.fromarray(texture(4, block=RED)).convert('CMYK').save(
      path('cmyk.jpg'), 'JPEG', quality=95)

  deep = texture(5)[:, :, 0].astype(np.uint16) * 257
  deep[:BLOCK, :BLOCK] = 65535
  deep[0, 0] = 0
  deep[0, 1] = 100 * 257
  Image.fromarray(deep).save(path('deep16.png'))  # mode I;16

  Image.fromarray(texture(6, block=GREEN)).convert('P').save(path('palette.png'))
  Image.new('RGB', (1, 1), (10, 20, 30)).save(path('tiny.png'))
  Image.fromarray(texture(7, 1200, 900, block=BLUE)).save(
      path('LARGE.JPG'), 'JPEG', quality=90)

  first = Image.fromarray(texture(8, block=RED)).convert('P')
  second = Image.new('RGB', (SIZE, SIZE), BLUE).convert('P')
  first.save(path('anim.gif'), save_all=True, append_images=[second],
             duration=100, loop=0)

  Image.fromarray(texture(9, 48, 32, block=GREEN)).save(path('picture.bmp'))
  Image.fromarray(texture(10, block=BLUE)).save(path('picture.webp'),
                                                lossless=True)
  Image.fromarray(texture(11, block=RED)).save(path('with space.png'))
  Image.fromarray(texture(12, block=GREEN)).save(path('café ñandú 顔.png'))

  face = texture(13, block=BLUE)
  Image.fromarray(face).save(path('face.png'))
  shutil.copyfile(path('face.png'), path(os.path.join('sub dir', 'face copy.png')))
  bright = np.clip(face.astype(np.int32) + 12, 0, 255).astype(np.uint8)
  Image.fromarray(bright).save(path('face_bright.png'))


def make_folder(root, count=24):
  """`count` small images (coloured discs, 40x30 so the centre crop matters) in two subfolders."""
  rng = np.random.default_rng(0)
  for i in range(count):
    array = np.full((30, 40, 3), rng.integers(0, 256, 3), np.uint8)
    yy, xx = np.mgrid[:30, :40]
    array[(yy - 15)**2 + (xx - 20)**2 < rng.integers(20, 120)] = rng.integers(0, 256, 3)
    sub = os.path.join(root, 'part' + str(i % 2))
    os.makedirs(sub, exist_ok=True)
    Image.fromarray(array).save(os.path.join(sub, f'{i}.jpg' if i % 3 else f'{i}.PNG'))
  return root


def run_module(module, *args, timeout=600):
  """Runs `python -m module args` from the repository root; returns the CompletedProcess."""
  return subprocess.run([sys.executable, '-m', module, *args], cwd=REPO, env=module_env(),
                        capture_output=True, text=True, timeout=timeout, check=False)


def module_env():
  return dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', PYTHONPATH=REPO)


# Files add_training_oddities writes, beyond the bad folder: name -> route training takes.
ODDITIES = {
    'rotated.jpg': 'pil',  # EXIF orientation 6: TensorFlow would not turn it upright
    'rgb16.png': 'pil',  # 16-bit RGB: PIL and TensorFlow reduce it to 8 bits differently
    'photo 4000x3000.jpg': 'tf',
    os.fsdecode(b'latin1 \xe9t\xe9.png'): 'tf',  # not valid UTF-8
}


def add_training_oddities(folder):
  """Adds ODDITIES to `folder`: what build_bad_folder lacks for the training pipeline."""
  rotated = texture(20, width=2 * SIZE, height=SIZE, block=RED)
  exif = Image.Exif()
  exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
  Image.fromarray(rotated).save(os.path.join(folder, 'rotated.jpg'), 'JPEG', quality=95,
                                exif=exif)
  write_png16(os.path.join(folder, 'rgb16.png'), texture(21).astype(np.uint16) * 257)
  Image.fromarray(texture(22, 4000, 3000, block=GREEN)).save(
      os.path.join(folder, 'photo 4000x3000.jpg'), 'JPEG', quality=80)
  Image.fromarray(texture(23, block=BLUE)).save(
      os.path.join(os.fsencode(folder), b'latin1 \xe9t\xe9.png'), 'PNG')


def build_training_folder(folder):
  """The bad folder with the training oddities: everything the data scan and stream must handle."""
  build_bad_folder(folder)
  add_training_oddities(folder)


def write_png16(path, pixels):
  """Writes uint16 [H, W, 3] as a 16-bit RGB PNG (PIL cannot write that mode)."""
  import struct  # pylint: disable=g-import-not-at-top
  import zlib  # pylint: disable=g-import-not-at-top

  def chunk(kind, data):
    body = kind + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body))

  height, width, _ = pixels.shape
  rows = b''.join(b'\x00' + pixels[y].astype('>u2').tobytes() for y in range(height))
  with open(path, 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n')
    f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 16, 2, 0, 0, 0)))
    f.write(chunk(b'IDAT', zlib.compress(rows)))
    f.write(chunk(b'IEND', b''))


def assert_same_checkpoints(test, straight, resumed):
  """Every tensor of two checkpoints (paths or directories) is equal; returns how many.

  save_counter counts saves, which interruptions and resumes add; everything else (both
  networks, both optimisers, the step, the data position) must match bit for bit.
  """
  straight, resumed = tf.train.load_checkpoint(straight), tf.train.load_checkpoint(resumed)
  names = sorted(straight.get_variable_to_shape_map())
  test.assertEqual(names, sorted(resumed.get_variable_to_shape_map()))
  compared = 0
  for name in names:
    if name.startswith('save_counter') or name == '_CHECKPOINTABLE_OBJECT_GRAPH':
      continue
    test.assertAllEqual(straight.get_tensor(name), resumed.get_tensor(name), msg=name)
    compared += 1
  return compared


def assert_resume_is_exact(test, config, resume_at=2):
  """Trains `config` straight, and again to `resume_at` steps and then resumed to the end, in
  `<model_dir>/../resumed`; asserts every checkpointed tensor equal. Returns how many compared.

  `config.model_dir` ends in 'straight'; `config.train_steps` is the run's length.
  """
  from tfgan_anime.training import loop as train_lib  # pylint: disable=g-import-not-at-top
  root = os.path.dirname(config.model_dir)
  train_lib.train(config, log=lambda _: None)
  resumed = dataclasses.replace(config, model_dir=os.path.join(root, 'resumed'))
  train_lib.train(dataclasses.replace(resumed, train_steps=resume_at), log=lambda _: None)
  lines = []
  test.assertEqual(train_lib.train(resumed, log=lines.append).step, config.train_steps)
  test.assertTrue(any('Resumed from' in line for line in lines), lines)
  compared = assert_same_checkpoints(
      test, *(os.path.join(root, run, 'checkpoints') for run in ('straight', 'resumed')))
  test.assertGreater(compared, 20)  # Both networks, both optimisers, the step, the data.
  return compared


class Shared:
  """The outcome of one expensive step that a test class runs once in setUpClass.

  The step's exception is kept instead of raised, so that each test that needs it fails on its
  own (with the step's traceback) and the others still run: `setUpClass` failing would fail
  the whole class at once.
  """

  def __init__(self, fn, *args, **kwargs):
    self._value = self._error = None
    try:
      self._value = fn(*args, **kwargs)
    except Exception as e:  # pylint: disable=broad-except
      self._error = ''.join(traceback.format_exception(e))

  @property
  def value(self):
    """The step's result; a test failure (AssertionError) if the step raised."""
    if self._error is not None:
      raise AssertionError(f'The shared step of this test class failed:\n{self._error}')
    return self._value


_FRESH_PROCESS_CHILD = 'TFGAN_ANIME_FRESH_PROCESS_CHILD'


def rerun_in_fresh_process(test):
  """Runs `test` again in a new pytest process; returns True in that child, False here.

  For tests whose replica-context all-reduces use collective ops: their instance keys restart
  with every MirroredStrategy, so after other strategy tests in one process they can collide
  ("Shape mismatch in the collective instance"), and an aborted collective fails every later
  one. Use: `if not testing_utils.rerun_in_fresh_process(self): return` at the test's start.
  """
  if os.environ.get(_FRESH_PROCESS_CHILD):
    return True
  module = sys.modules[type(test).__module__].__file__
  test_id = f'{module}::{type(test).__name__}::{test._testMethodName}'  # pylint: disable=protected-access
  result = subprocess.run(
      [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', test_id],
      env=dict(os.environ, **{_FRESH_PROCESS_CHILD: '1'}), capture_output=True, text=True,
      check=False, cwd=os.path.dirname(module))
  test.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-2000:])
  test.assertIn('1 passed', result.stdout)
  return False


def tiny_gan_config(**overrides):
  """A validated TrainConfig of a tiny 16 px GAN (widths 4, z 8, batch 2, n_critic 2, no
  penalty or norms), with `overrides`."""
  values = dict(model_dir='unused', resolution=16, z_dim=8, g_base_width=4, d_base_width=4,
                batch_size=2, n_critic=2, loss='non_saturating', penalty='none', d_norm='none',
                g_norm='none')
  values.update(overrides)
  config = config_lib.TrainConfig(**values)
  config.validate()
  return config


def fit_on_noise(gan, config, steps):
  """Keras history of `steps` fit steps of `gan` on 8 random 16 px images."""
  images = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
  dataset = pipeline.group_for_critic(
      tf.data.Dataset.from_tensor_slices(images).repeat(), config.batch_size, config.n_critic)
  return gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0).history


class Spy(keras.Model):
  """Wraps a network and records every input it sees, nested inputs (images and labels) in
  their structure (eager mode only)."""

  def __init__(self, inner):
    super().__init__()
    self.inner = inner
    self.seen = []

  def call(self, x, training=False):
    self.seen.append(tf.nest.map_structure(np.asarray, x))
    return self.inner(x, training=training)
