"""Tests of files.py: an atomic write leaves the old file or the new one, never half of either."""

import glob
import os
from unittest import mock

import tensorflow as tf

from tfgan_anime import files


class AtomicWriteTest(tf.test.TestCase):

  def test_replaces_the_file_and_leaves_no_temporary(self):
    path = os.path.join(self.get_temp_dir(), 'sub', 'record.json')
    files.write_json(path, {'a': 1})
    files.write_json(path, {'a': 2})
    with open(path) as f:
      self.assertEqual(f.read(), '{\n  "a": 2\n}')
    self.assertEqual(os.listdir(os.path.dirname(path)), ['record.json'])

  def test_a_failed_write_keeps_the_old_file(self):
    path = os.path.join(self.get_temp_dir(), 'kept.txt')
    files.write_text(path, 'old')
    with self.assertRaisesRegex(RuntimeError, 'midway'):
      with files.atomic_write(path) as f:
        f.write('new, half')
        raise RuntimeError('midway')
    with open(path) as f:
      self.assertEqual(f.read(), 'old')
    self.assertEqual(os.listdir(os.path.dirname(path)), ['kept.txt'])

  def test_the_temporary_never_matches_the_final_suffix(self):
    # A glob for the finished files (shards, grids) must not pick up a half-written one.
    path = os.path.join(self.get_temp_dir(), 'images-00000-of-00001.tfrecord')
    with files.atomic_write(path, 'wb') as f:
      self.assertTrue(os.path.basename(f.name).startswith('.'), f.name)
      self.assertTrue(f.name.endswith('.tmp'), f.name)
      self.assertEqual(glob.glob(os.path.join(self.get_temp_dir(), '*.tfrecord')), [])

  def test_permissions_follow_the_umask(self):
    # mkstemp would make 0600 files: grids and exports nobody else could read.
    old = os.umask(0o022)
    try:
      path = os.path.join(self.get_temp_dir(), 'shared.png')
      with files.atomic_write(path, 'wb') as f:
        f.write(b'x')
      folder = os.path.join(self.get_temp_dir(), 'export')
      with files.atomic_directory(folder):
        pass
    finally:
      os.umask(old)
    self.assertEqual(os.stat(path).st_mode & 0o777, 0o644)
    self.assertEqual(os.stat(folder).st_mode & 0o777, 0o755)

  def test_bad_mode(self):
    with self.assertRaisesRegex(ValueError, "mode='a'"):
      with files.atomic_write(os.path.join(self.get_temp_dir(), 'x'), 'a'):
        pass


class AtomicDirectoryTest(tf.test.TestCase):

  def _write(self, path, name, replace=True):
    with files.atomic_directory(path, replace=replace) as staging:
      with open(os.path.join(staging, name), 'w') as f:
        f.write(name)

  def test_replace_swaps_in_the_complete_folder(self):
    path = os.path.join(self.get_temp_dir(), 'export')
    self._write(path, 'first')
    self._write(path, 'second')
    self.assertEqual(os.listdir(path), ['second'])
    self.assertEqual(os.listdir(self.get_temp_dir()), ['export'])

  def test_keep_existing(self):
    path = os.path.join(self.get_temp_dir(), 'cache')
    self._write(path, 'first')
    self._write(path, 'second', replace=False)
    self.assertEqual(os.listdir(path), ['first'])

  def test_a_failed_build_leaves_the_old_folder(self):
    path = os.path.join(self.get_temp_dir(), 'export')
    self._write(path, 'first')
    with self.assertRaises(KeyError):
      with files.atomic_directory(path):
        raise KeyError('midway')
    self.assertEqual(os.listdir(path), ['first'])
    self.assertEqual(os.listdir(self.get_temp_dir()), ['export'])


class FsyncOrderTest(tf.test.TestCase):
  """With fsync on (--fsync, the default): the data, then the rename, then the folder."""

  def _recording(self):
    events = []
    real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename

    def fsync(fd):
      name = os.path.basename(os.readlink(f'/proc/self/fd/{fd}'))
      events.append(('fsync', 'temp' if name.endswith('.tmp') or '.staging-' in name else name))
      real_fsync(fd)

    def replace(src, dst):
      events.append(('rename', os.path.basename(dst)))
      return real_replace(src, dst)

    def rename(src, dst):
      events.append(('rename', os.path.basename(dst)))
      return real_rename(src, dst)

    patches = [mock.patch.object(os, 'fsync', fsync), mock.patch.object(os, 'replace', replace),
               mock.patch.object(os, 'rename', rename)]
    for patch in patches:
      patch.start()
      self.addCleanup(patch.stop)
    return events

  def test_atomic_write(self):
    folder = os.path.join(self.get_temp_dir(), 'written')
    os.makedirs(folder)
    events = self._recording()
    files.write_json(os.path.join(folder, 'scan.json'), {'a': 1})
    self.assertEqual(events, [('fsync', 'temp'), ('rename', 'scan.json'), ('fsync', 'written')])

  def test_atomic_directory(self):
    parent = os.path.join(self.get_temp_dir(), 'exports')
    os.makedirs(parent)
    events = self._recording()
    with files.atomic_directory(os.path.join(parent, 'export')) as staging:
      os.makedirs(os.path.join(staging, 'variables'))
      for name in ('saved_model.pb', os.path.join('variables', 'variables.index')):
        with open(os.path.join(staging, name), 'wb') as f:
          f.write(b'x')
    # Every file, then every folder deepest first, then the rename, then the parent.
    self.assertEqual(events, [('fsync', 'variables.index'), ('fsync', 'variables'),
                              ('fsync', 'saved_model.pb'), ('fsync', 'temp'),
                              ('rename', 'export'), ('fsync', 'exports')])

  def test_off(self):
    events = self._recording()
    files.set_fsync(False)
    try:
      files.write_text(os.path.join(self.get_temp_dir(), 'fast.txt'), 'x')
    finally:
      files.set_fsync(True)
    self.assertEqual(events, [('rename', 'fast.txt')])


if __name__ == '__main__':
  tf.test.main()
