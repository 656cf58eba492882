"""Tests for tfgan_anime.tools.prepare_data: the report, the clean copy, the binary."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

# The shared bad-image folder. pytest and `python tests/x_test.py` both put
# tests/ on sys.path.
import testing_utils
from tfgan_anime.data import tfrecord
from tfgan_anime.tools import prepare_data


UNREADABLE = ['empty.jpg', 'notes.jpg', 'truncated.jpg']
READABLE = sorted(name.replace(os.sep, '/') for name, expected in
                  testing_utils.BAD_FOLDER_FILES.items() if expected is not None)


def _snapshot(folder):
  """{relative path: SHA-256} of every file under folder, images or not."""
  files = {}
  for root, _, names in os.walk(folder):
    for name in names:
      path = os.path.join(root, name)
      with open(path, 'rb') as f:
        files[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
  return files


class PrepareDataTest(tf.test.TestCase, parameterized.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.src = os.path.join(cls.root, 'bad_images')
    testing_utils.build_bad_folder(cls.src)
    cls.before = _snapshot(cls.src)
    cls.report = prepare_data.check_folder(cls.src, resolution=64)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def tearDown(self):
    # Whatever a test did, the source folder is exactly as built.
    self.assertEqual(_snapshot(self.src), self.before)
    super().tearDown()

  def test_report_counts(self):
    report = self.report
    self.assertEqual(report['num_files'], 18)
    self.assertEqual(report['num_readable'], 15)
    self.assertEqual(report['num_unreadable'], 3)
    self.assertEqual([entry['file'] for entry in report['unreadable']], UNREADABLE)
    self.assertEqual(report['readable_files'], READABLE)
    self.assertEqual(report['modes'], {'16-bit': 1, 'CMYK': 1, 'RGB': 9, 'RGBA': 1,
                                       'gray': 1, 'palette': 2})
    self.assertEqual(report['formats'], {'BMP': 1, 'GIF': 1, 'JPEG': 2, 'PNG': 10,
                                         'WEBP': 1})

  def test_report_sizes(self):
    report = self.report
    self.assertEqual(report['width'], {'min': 1, 'median': 32, 'max': 1200})
    self.assertEqual(report['height'], {'min': 1, 'median': 32, 'max': 900})
    self.assertEqual(report['aspect_ratio'], {'min': 1.0, 'median': 1.0, 'max': 1.5})
    self.assertEqual(report['min_side_histogram'],
                     {'<64': 14, '64-127': 0, '128-255': 0, '256-511': 0,
                      '512-1023': 1, '>=1024': 0})
    # 4:3 (LARGE.JPG) and 3:2 (picture.bmp) are the two wide ones.
    self.assertEqual(report['aspect_histogram'],
                     {'<0.5': 0, '0.5-0.8': 0, '0.8-1.25': 13, '1.25-2': 2, '>=2': 0})
    self.assertEqual(report['smaller_than_resolution'], 14)

  def test_report_duplicates(self):
    self.assertEqual(self.report['exact_duplicates'],
                     [['face.png', 'sub dir/face copy.png']])
    # Among distinct contents only: the copy is not listed again.
    self.assertEqual(self.report['near_duplicates'], [['face.png', 'face_bright.png']])
    self.assertEqual(self.report['near_threshold'], 5)

  def test_threshold_zero_still_finds_the_brightened_copy(self):
    report = prepare_data.check_folder(self.src, near_threshold=0)
    self.assertEqual(report['near_duplicates'], [['face.png', 'face_bright.png']])
    self.assertNotIn('smaller_than_resolution', report)

  def test_format_report(self):
    text = prepare_data.format_report(self.report)
    self.assertIn('18 image files, 15 readable, 3 unreadable', text)
    self.assertIn('unreadable: truncated.jpg', text)
    self.assertIn('face.png = sub dir/face copy.png', text)

  def test_json_round_trip_keeps_names(self):
    path = os.path.join(self.get_temp_dir(), 'report.json')
    prepare_data.write_json(self.report, path)
    with open(path, encoding='utf-8') as f:
      text = f.read()
    self.assertIn('café ñandú 顔.png', text)  # not \u-escaped
    self.assertEqual(json.loads(text), self.report)

  def test_names_that_are_not_utf8(self):
    folder = os.path.join(self.get_temp_dir(), 'latin1')
    os.makedirs(folder, exist_ok=True)
    name = b'caf\xe9.png'  # Latin-1 bytes, as old archives hold them
    Image.fromarray(testing_utils.texture(30)).save(os.path.join(os.fsencode(folder), name))
    open(os.path.join(os.fsencode(folder), b'bad \xe9.jpg'), 'wb').close()
    report = prepare_data.check_folder(folder)
    self.assertEqual(report['readable_files'], [os.fsdecode(name)])
    self.assertIn('unreadable: bad \\xe9.jpg', prepare_data.format_report(report))
    path = os.path.join(self.get_temp_dir(), 'latin1.json')
    prepare_data.write_json(report, path)
    with open(path, encoding='utf-8') as f:
      self.assertEqual(json.load(f), report)

  def test_dhash_by_hand(self):
    rising = np.tile(np.arange(0, 90, 10, dtype=np.uint8)[None, :, None], (8, 1, 3))
    self.assertEqual(prepare_data.dhash(rising), 2**64 - 1)
    self.assertEqual(prepare_data.dhash(rising[:, ::-1]), 0)
    self.assertEqual(prepare_data.dhash(np.full((5, 7, 3), 9, np.uint8)), 0)

  def test_near_duplicate_groups_by_hand(self):
    hashes = [0b0, 0b111, 0b1, 0b11, 0b1111_0000_0000]
    # 0-2 and 2-3 and 3-1 are 1 bit apart: one chain; 4 is alone.
    self.assertEqual(prepare_data.near_duplicate_groups(hashes, 1), [[0, 1, 2, 3]])
    self.assertEqual(prepare_data.near_duplicate_groups(hashes, 0), [])
    self.assertEqual(prepare_data.near_duplicate_groups([5, 5, 5], 0), [[0, 1, 2]])

  @parameterized.parameters(
      (False, False, 15, []),
      (True, False, 14, ['sub dir/face copy.png']),
      (False, True, 13, ['face_bright.png', 'sub dir/face copy.png']),
  )
  def test_clean_folder(self, drop_duplicates, drop_near, num_written, dropped):
    out = os.path.join(self.get_temp_dir(), f'clean_{drop_duplicates}_{drop_near}')
    summary = prepare_data.clean_folder(
        self.src, out, drop_duplicates=drop_duplicates, drop_near_duplicates=drop_near,
        report=self.report)
    self.assertEqual(summary['num_written'], num_written)
    self.assertEqual(summary['skipped_unreadable'], UNREADABLE)
    self.assertEqual(summary['skipped_duplicates'], dropped)
    written = sorted(os.path.relpath(p, out).replace(os.sep, '/') for p in summary['outputs'])
    self.assertLen(written, num_written)
    self.assertEqual(sorted(_snapshot(out)), sorted(w.replace('/', os.sep) for w in written))
    self.assertIn('café ñandú 顔.png', written)
    self.assertIn('picture.png', written)  # picture.bmp and picture.webp:
    self.assertIn('picture_2.png', written)  # the second one is renamed
    for path in summary['outputs']:
      with Image.open(path) as image:
        self.assertEqual((image.format, image.mode), ('PNG', 'RGB'))
    with Image.open(os.path.join(out, 'alpha.png')) as image:
      self.assertEqual(image.getpixel((4, 4)), testing_utils.RED)

  def test_clean_folder_jpeg_at_resolution(self):
    out = os.path.join(self.get_temp_dir(), 'small_jpeg')
    summary = prepare_data.clean_folder(self.src, out, image_format='jpeg', resolution=8,
                                        report=self.report)
    self.assertLen(summary['outputs'], 15)
    for path in summary['outputs']:
      self.assertTrue(path.endswith('.jpg'))
      with Image.open(path) as image:
        self.assertEqual((image.format, image.mode, image.size), ('JPEG', 'RGB', (8, 8)))

  @parameterized.parameters(None, 8)
  def test_clean_to_tfrecord(self, resolution):
    out = os.path.join(self.get_temp_dir(), f'shards_{resolution}')
    summary = prepare_data.clean_folder(
        self.src, out, out_format='tfrecord', num_shards=3, resolution=resolution,
        drop_duplicates=True, report=self.report)
    self.assertEqual(sorted(os.listdir(out)),
                     [f'images-0000{k}-of-00003.tfrecord' for k in range(3)])
    images = list(tfrecord.read_shards(os.path.join(out, '*.tfrecord'), 8))
    self.assertLen(images, 14)
    self.assertEqual(summary['num_written'], 14)
    for image in images:
      self.assertEqual(image.shape, (8, 8, 3))
      self.assertBetween(float(tf.reduce_min(image)), -1.0, 1.0)
      self.assertBetween(float(tf.reduce_max(image)), -1.0, 1.0)

  def test_out_inside_source_is_refused(self):
    for out in (os.path.join(self.src, 'clean'), self.src, self.root):
      with self.assertRaisesRegex(ValueError, 'outside the source folder.*Received: out='):
        prepare_data.clean_folder(self.src, out, report=self.report)

  def test_out_not_empty_is_refused(self):
    out = os.path.join(self.get_temp_dir(), 'used')
    os.makedirs(out)
    with open(os.path.join(out, 'old.png'), 'w') as f:
      f.write('x')
    with self.assertRaisesRegex(ValueError, 'new or empty folder.*Received: out='):
      prepare_data.clean_folder(self.src, out, report=self.report)

  @parameterized.parameters(
      (dict(out_format='zip'), "Received: out_format='zip'"),
      (dict(image_format='gif'), "Received: image_format='gif'"),
      (dict(resolution=0), 'Received: resolution=0'),
  )
  def test_clean_folder_argument_errors(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, message):
      prepare_data.clean_folder(self.src, os.path.join(self.get_temp_dir(), 'o'),
                                report=self.report, **kwargs)

  def test_check_folder_errors(self):
    with self.assertRaisesRegex(ValueError, 'Received: folder='):
      prepare_data.check_folder(os.path.join(self.root, 'missing'))
    with self.assertRaisesRegex(ValueError, 'Received: near_threshold=65'):
      prepare_data.check_folder(self.src, near_threshold=65)

  def _run_binary(self, *args):
    return testing_utils.run_module('tfgan_anime.tools.prepare_data', *args, timeout=120)

  @parameterized.parameters(
      (['--out_format=zip'], '--out_format=zip'),
      (['--out=OUT_IN_SRC'], '--out='),
      ([], '--check is required'),
      (['--drop_duplicates'], '--drop_duplicates needs --out'),
      (['positional'], 'Unexpected arguments. Received: positional'),
  )
  def test_binary_bad_flag(self, args, named):
    args = [a.replace('OUT_IN_SRC', os.path.join(self.src, 'clean')) for a in args]
    if args or named != '--check is required':
      args = [f'--check={self.src}'] + args
    result = self._run_binary(*args)
    self.assertEqual(result.returncode, 2)
    lines = result.stderr.strip().splitlines()
    self.assertLen(lines, 1, msg=result.stderr)
    self.assertIn(named, lines[0])
    # The one convention of the binaries (tfgan_anime/cli.py).
    self.assertTrue(lines[0].startswith('error: '), lines[0])
    self.assertNotIn('Traceback', result.stderr)

  def test_binary_renders_a_library_error(self):
    # write_shards (TensorFlow, whose C++ start-up lines come first) refuses 99 shards of 15.
    out = os.path.join(self.get_temp_dir(), 'shards_99')
    result = self._run_binary(f'--check={self.src}', f'--out={out}', '--out_format=tfrecord',
                              '--num_shards=99')
    self.assertEqual(result.returncode, 2)
    self.assertEqual(result.stderr.strip().splitlines()[-1],
                     'error: num_shards must be an int in [1, 15] (the number of images). '
                     'Received: num_shards=99')
    self.assertNotIn('Traceback', result.stderr)

  def test_binary_folder_without_images_is_one_line(self):
    empty = os.path.join(self.get_temp_dir(), 'no_images')
    os.makedirs(empty, exist_ok=True)
    result = self._run_binary(f'--check={empty}')
    self.assertEqual(result.returncode, 2)
    self.assertEqual(result.stderr.strip().splitlines(),
                     [f"error: The image folder holds no files ending in .jpg, .jpeg, .png, .gif, "
                      f".bmp, .webp (any case). Received: folder={empty!r}"])

  def test_check_loads_no_tensorflow(self):
    # The doctor starts in well under a second and keeps stderr free of TF's start-up lines.
    code = ('import sys; from tfgan_anime.tools import prepare_data; '
            f'prepare_data.check_folder({self.src!r}); '
            'print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=testing_utils.module_env(), check=False)
    self.assertEqual(result.stdout.strip(), '[]', result.stderr[-2000:])

  def test_binary_check_and_json(self):
    path = os.path.join(self.get_temp_dir(), 'from_binary.json')
    result = self._run_binary(f'--check={self.src}', f'--json={path}')
    self.assertEqual(result.returncode, 0, msg=result.stderr)
    self.assertIn('18 image files, 15 readable, 3 unreadable', result.stdout)
    with open(path, encoding='utf-8') as f:
      self.assertEqual(json.load(f)['exact_duplicates'],
                       [['face.png', 'sub dir/face copy.png']])


if __name__ == '__main__':
  tf.test.main()
