"""The data check (data/scan.py) and the index-based training stream over odd and bad images."""

import json
import os
import shutil
import tempfile

import numpy as np
from PIL import Image
import tensorflow as tf

import testing_utils
from tfgan_anime.data import decode
from tfgan_anime.data import folder
from tfgan_anime.data import pil_images
from tfgan_anime.data import pipeline
from tfgan_anime.data import scan
from tfgan_anime.errors import UserError

UNREADABLE = ['empty.jpg', 'notes.jpg', 'truncated.jpg']
PIL_ROUTE = {'alpha.png', 'anim.gif', 'cmyk.jpg', 'deep16.png', 'palette.png', 'picture.bmp',
             'picture.webp', 'rgb16.png', 'rotated.jpg'}


def _stream_of(files, routes, count):
  return folder.folder_dataset(files, 8, routes=routes).take(count)


def _expected_pixels(path, resolution):
  """What training should see for one file: pil_images's RGB, centre-cropped and resized."""
  return decode.square_uint8(pil_images.load_rgb(path), resolution).numpy()


class ScanTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.folder = os.path.join(cls.root, 'images')
    testing_utils.build_training_folder(cls.folder)
    cls.result = scan.scan_folder(cls.folder)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_every_readable_file_is_kept_with_its_route(self):
    names = [os.path.relpath(p, self.folder) for p in self.result.files]
    expected = sorted([n for n, e in testing_utils.BAD_FOLDER_FILES.items() if e is not None]
                      + list(testing_utils.ODDITIES))
    self.assertEqual(sorted(names), expected)
    routes = dict(zip(names, self.result.routes))
    self.assertEqual({n for n, r in routes.items() if r == 'pil'}, PIL_ROUTE)
    # The fast path keeps the plain files, the 4000x3000 JPEG and the odd names.
    for name in ('LARGE.JPG', 'photo 4000x3000.jpg', 'with space.png', 'café ñandú 顔.png',
                 os.fsdecode(b'latin1 \xe9t\xe9.png'), 'tiny.png', 'gray.png'):
      self.assertEqual(routes[name], 'tf', name)

  def test_decoding_whole_gives_the_same_verdict_and_the_pixels_training_reads(self):
    # The data doctor and the shard writer decode every file (decode=True); training's check
    # takes the fast path. Both must agree on every file, reason included.
    skipped = dict(self.result.skipped)
    routes = dict(zip(self.result.files, self.result.routes))
    for path in pil_images.list_images(self.folder):
      whole = scan.check_file(path, decode=True)
      name = os.path.relpath(path, self.folder)
      if whole.route is None:
        self.assertEqual(whole.reason, skipped[name], name)
        continue
      self.assertEqual(whole.route, routes[path], name)
      self.assertAllEqual(whole.pixels, pil_images.load_rgb(path))
      with open(path, 'rb') as f:
        self.assertEqual(whole.data, f.read())

  def test_unreadable_files_are_named_with_a_reason(self):
    self.assertEqual([name for name, _ in self.result.skipped], UNREADABLE)
    reasons = dict(self.result.skipped)
    self.assertIn('0 bytes', reasons['empty.jpg'])
    self.assertIn('cannot identify', reasons['notes.jpg'])
    self.assertIn('truncated', reasons['truncated.jpg'])
    text = scan.describe_skipped(self.result.skipped, limit=2)
    self.assertStartsWith(text, 'empty.jpg (empty file (0 bytes)), notes.jpg (')
    self.assertEndsWith(text, ' and 1 more')

  def test_printable_escapes_bytes_that_are_not_utf8(self):
    self.assertEqual(scan.printable(os.fsdecode(b'latin1 \xe9t\xe9.png')),
                     'latin1 \\xe9t\\xe9.png')
    self.assertEqual(scan.printable('café.png'), 'café.png')

  def test_cache_rechecks_only_what_changed(self):
    work = os.path.join(self.get_temp_dir(), 'cached')
    shutil.copytree(self.folder, work)
    cache = os.path.join(self.get_temp_dir(), 'run', 'data_scan.json')
    first = scan.scan_folder(work, cache_path=cache)
    self.assertEqual(first.num_checked, 22)
    again = scan.scan_folder(work, cache_path=cache)
    self.assertEqual(again.num_checked, 0)
    self.assertEqual((again.files, again.routes, again.skipped),
                     (first.files, first.routes, first.skipped))
    self.assertEqual(again.changes, {'new': 0, 'changed': 0, 'removed': 0})
    # Repair the truncated file, remove one, add one: three checks, the rest from the cache.
    shutil.copyfile(os.path.join(work, 'face.png'), os.path.join(work, 'truncated.jpg'))
    os.remove(os.path.join(work, 'tiny.png'))
    shutil.copyfile(os.path.join(work, 'gray.png'), os.path.join(work, 'new.png'))
    third = scan.scan_folder(work, cache_path=cache)
    self.assertEqual(third.num_checked, 2)
    self.assertEqual(third.changes, {'new': 1, 'changed': 1, 'removed': 1})
    self.assertEqual([n for n, _ in third.skipped], ['empty.jpg', 'notes.jpg'])
    # A damaged cache is only a cache: everything is checked again.
    with open(cache, 'w') as f:
      f.write('{"version": 1, "folder": ')
    self.assertEqual(scan.scan_folder(work, cache_path=cache).num_checked, 22)
    with open(cache, encoding='ascii') as f:
      self.assertEqual(json.load(f)['version'], scan.CACHE_VERSION)

  def test_nothing_readable_fails_in_one_line(self):
    bad = os.path.join(self.get_temp_dir(), 'all_bad')
    os.makedirs(bad)
    for name in UNREADABLE:
      shutil.copyfile(os.path.join(self.folder, name), os.path.join(bad, name))
    with self.assertRaises(UserError) as raised:
      scan.scan_folder(bad)
    message = str(raised.exception)
    self.assertNotIn('\n', message)
    self.assertIn('None of the 3 image files', message)
    self.assertIn('empty.jpg (empty file (0 bytes))', message)
    self.assertIn(f'Received: data={bad!r}', message)

  def test_file_names_never_reach_a_shell(self):
    folder = os.path.join(self.get_temp_dir(), 'shell')
    os.makedirs(folder, exist_ok=True)
    names = ['$(touch PWNED).png', '`touch PWNED`.png', 'a; touch PWNED.png', '-rf.png',
             'line\nbreak.png', "quote's \"both\".png"]
    for i, name in enumerate(names):
      Image.fromarray(testing_utils.texture(40 + i)).save(os.path.join(folder, name), 'PNG')
    cwd = os.getcwd()
    os.chdir(folder)
    try:
      result = scan.scan_folder(folder, cache_path=os.path.join(self.get_temp_dir(), 's.json'))
      images = [x.numpy() for x in _stream_of(result.files, result.routes, len(names))]
    finally:
      os.chdir(cwd)
    self.assertEqual(sorted(os.path.basename(p) for p in result.files), sorted(names))
    self.assertLen(images, len(names))
    self.assertFalse(os.path.exists(os.path.join(folder, 'PWNED')))
    self.assertFalse(os.path.exists(os.path.join(cwd, 'PWNED')))

  def test_empty_or_missing_folder_fails(self):
    empty = os.path.join(self.get_temp_dir(), 'empty')
    os.makedirs(empty, exist_ok=True)
    with self.assertRaisesRegex(UserError, 'no files ending in'):
      scan.scan_folder(empty)
    with self.assertRaisesRegex(UserError, 'does not exist'):
      scan.scan_folder(os.path.join(self.get_temp_dir(), 'missing'))


class StreamTest(tf.test.TestCase):
  """The stream decodes every readable image exactly as pil_images does, in a seeded order."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.folder = os.path.join(cls.root, 'images')
    testing_utils.build_training_folder(cls.folder)
    cls.scanned = scan.scan_folder(cls.folder)
    cls.expected = [_expected_pixels(p, 8) for p in cls.scanned.files]

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _stream(self, count, **kwargs):
    ds = folder.folder_dataset(self.scanned.files, 8, routes=self.scanned.routes, **kwargs)
    return [x.numpy() for x in ds.take(count)]

  def test_each_epoch_is_a_permutation_of_every_readable_image(self):
    n = len(self.expected)
    stream = self._stream(2 * n, seed=3)
    for epoch in (stream[:n], stream[n:]):
      # Pixel for pixel as pil_images decodes them: CMYK, 16-bit, alpha on white, palette, GIF,
      # BMP, WebP, the EXIF rotation and the TensorFlow-decoded JPEGs and PNGs alike.
      unseen = list(range(n))  # face.png has a byte-identical copy: match each once.
      for image in epoch:
        matches = [i for i in unseen if np.array_equal(image, self.expected[i])]
        self.assertNotEmpty(matches)
        unseen.remove(matches[0])
      self.assertEmpty(unseen)
    self.assertNotAllEqual(np.stack(stream[:n]), np.stack(stream[n:]))

  def test_alpha_is_composited_on_white_in_training(self):
    index = [os.path.basename(p) for p in self.scanned.files].index('alpha.png')
    image = self._stream(index + 1, shuffle=False)[index]
    # The transparent bottom-right quarter is white, as pil_images makes it (TF would drop alpha).
    self.assertAllEqual(image[-1, -1], [255, 255, 255])

  def test_starting_later_is_the_tail_of_the_stream(self):
    n = len(self.expected)
    whole = self._stream(2 * n + 3, seed=5)
    for start in (1, n - 1, n + 2):
      tail = self._stream(2 * n + 3 - start, seed=5, start=start)
      self.assertAllEqual(np.stack(tail), np.stack(whole[start:]))

  def test_starting_later_with_a_cache_is_the_tail_of_the_stream(self):
    n = len(self.expected)
    whole = self._stream(n + 4, seed=5, cache='memory')
    tail = self._stream(n + 1, seed=5, cache='memory', start=3)
    self.assertAllEqual(np.stack(tail), np.stack(whole[3:]))

  def test_make_dataset_element_k_starts_at_position(self):
    batch, n_critic = 2, 3
    ds, info = pipeline.make_dataset(self.folder, 8, batch, n_critic, seed=1)
    self.assertEqual(info.num_images, len(self.expected))
    self.assertEqual([name for name, _ in info.skipped], UNREADABLE)
    self.assertEqual(info.num_pil, len(PIL_ROUTE))
    elements = [e.numpy() for e in ds.take(3)]
    later, _ = pipeline.make_dataset(self.folder, 8, batch, n_critic, seed=1,
                                     start_position=batch * n_critic)
    self.assertAllEqual(next(iter(later)).numpy(), elements[1])

  def test_a_stale_cache_lock_of_a_killed_run_is_cleared(self):
    prefix = os.path.join(self.get_temp_dir(), 'cache', 'decoded')
    os.makedirs(os.path.dirname(prefix))
    # What tf.data leaves when its process is killed while writing the cache.
    for name in ('decoded_0.lockfile', 'decoded_0.data-00000-of-00001.tempstate123'):
      with open(os.path.join(os.path.dirname(prefix), name), 'w') as f:
        f.write('Created at: 1')
    lock = folder.claim_file_cache(prefix)
    try:
      self.assertLen(self._stream(3, cache=prefix), 3)
      with self.assertRaisesRegex(UserError, 'no other running training process'):
        folder.claim_file_cache(prefix)
    finally:
      lock.close()
    folder.claim_file_cache(prefix).close()  # Free again once released.


if __name__ == '__main__':
  tf.test.main()
