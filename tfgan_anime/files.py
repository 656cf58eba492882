"""Writes that a crash never leaves half done: a file or a folder appears complete or not at all.

Every file the package writes for later reading (JSON records, PNG grids, caches, shards, exports)
goes through here: it is written under a temporary name in the same folder, then renamed over
the final name (`os.replace` is atomic within one file system). A process killed at any moment
leaves the old file or the new one, plus at worst a temporary file beside them.

Durability (a power cut, not only a killed process): the data is fsynced before the rename, and
the folder after it, so that once a write returns, the new file survives a power cut whole (the
order databases use before they acknowledge a write: data, then the name). `set_fsync(False)`
(--fsync=false) keeps only the atomicity: after a power cut the last writes may be lost or, on
some file systems, a renamed file may be empty.

No TensorFlow here: the PIL-only data tools use it too.
"""

import contextlib
import json
import os
import secrets
import shutil

# --fsync. os.fsync is looked up at each call, so that tests can record the calls.
_fsync_enabled = True


def set_fsync(enabled):
  """Turns the fsyncs of every later write on or off, process-wide (--fsync; default on)."""
  global _fsync_enabled
  _fsync_enabled = bool(enabled)


def fsync_enabled():
  return _fsync_enabled


def sync_file(path_or_file):
  """Flushes a file's data to the disk (a path, or an open file object, flushed first)."""
  if not _fsync_enabled:
    return
  if hasattr(path_or_file, 'fileno'):
    path_or_file.flush()
    os.fsync(path_or_file.fileno())
    return
  fd = os.open(path_or_file, os.O_RDONLY)
  try:
    os.fsync(fd)
  finally:
    os.close(fd)


def sync_directory(path):
  """Flushes a folder's entries (new names, renames, removals) to the disk."""
  if not _fsync_enabled:
    return
  fd = os.open(path, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
  try:
    os.fsync(fd)
  finally:
    os.close(fd)


def sync_tree(path):
  """sync_file of every file under `path`, then sync_directory of every folder, deepest first."""
  if not _fsync_enabled:
    return
  for root, _, names in os.walk(path, topdown=False):
    for name in names:
      full = os.path.join(root, name)
      if not os.path.islink(full):
        sync_file(full)
    sync_directory(root)


@contextlib.contextmanager
def atomic_write(path, mode='w', encoding=None):
  """Opens a temporary file beside `path`; on a clean exit it replaces `path`.

  Args:
    path: the final file; its folder is created if missing.
    mode: 'w' (text) or 'wb' (bytes).
    encoding: of a text file (default: the locale's; pass 'utf-8' or 'ascii' to be sure).

  Yields the open file. If the block raises, the temporary file is removed and `path` is left
  as it was.
  """
  if mode not in ('w', 'wb'):
    raise ValueError(f'Unsupported mode. Received: mode={mode!r}; accepted: w, wb')
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  # A hidden name that ends in .tmp, never in the final suffix, so that a glob for the final
  # files (`--data=out/*.tfrecord`, a folder's *.png) never matches a half-written one. Writers
  # that pick a format by suffix (PIL) must be told the format.
  base = os.path.basename(path)
  # Created exclusively under a random name ('x'), not with tempfile.mkstemp, so that the file
  # gets the permissions of the user's umask (mkstemp's are 0600: a grid or an export nobody
  # else could read).
  exclusive = 'x' if mode == 'w' else 'xb'
  for _ in range(100):
    temp_path = os.path.join(directory, f'.{base}.{secrets.token_hex(4)}.tmp')
    try:
      f = open(temp_path, exclusive, encoding=encoding)
      break
    except FileExistsError:
      continue
  else:
    raise FileExistsError(f'No free temporary name beside {path!r}')
  try:
    with f:
      yield f
      sync_file(f)
    os.replace(temp_path, path)
    sync_directory(directory)
  except BaseException:
    if os.path.exists(temp_path):
      os.remove(temp_path)
    raise


def write_json(path, value, **json_kwargs):
  """Writes `value` as JSON to `path`, atomically (json.dump's keyword arguments pass through)."""
  json_kwargs.setdefault('indent', 2)
  json_kwargs.setdefault('sort_keys', True)
  with atomic_write(path, 'w', encoding='utf-8') as f:
    json.dump(value, f, **json_kwargs)


def write_text(path, text):
  with atomic_write(path, 'w', encoding='utf-8') as f:
    f.write(text)


@contextlib.contextmanager
def atomic_directory(path, replace=True):
  """Yields an empty staging folder beside `path`; on a clean exit it becomes `path`.

  Args:
    path: the final folder; its parent is created if missing.
    replace: an existing `path` is replaced by the new folder once that is complete (the old
      one is moved aside first, then deleted). With replace=False an existing `path` is kept
      and the new folder discarded: for caches that another process may have filled first with
      the same content.

  If the block raises, the staging folder is removed and `path` is left as it was. Every file
  and folder of the staging tree is fsynced before the rename, and the parent after it.
  """
  parent = os.path.dirname(os.path.abspath(path))
  os.makedirs(parent, exist_ok=True)
  name = os.path.basename(os.path.normpath(path))
  staging = _new_directory(parent, f'.{name}.staging-')
  try:
    yield staging
    sync_tree(staging)
    if not os.path.exists(path):
      try:
        os.rename(staging, path)
      except OSError:
        if not os.path.isdir(path):  # Not a race another writer won: a real failure.
          raise
    elif replace:
      old = _new_directory(parent, f'.{name}.old-')
      os.rename(path, os.path.join(old, name))
      os.rename(staging, path)
      shutil.rmtree(old)
    sync_directory(parent)
  finally:
    if os.path.isdir(staging):
      shutil.rmtree(staging)


def _new_directory(parent, prefix):
  """A new empty folder `parent/prefix<random>`, with the umask's permissions (mkdtemp's are
  0700)."""
  for _ in range(100):
    path = os.path.join(parent, prefix + secrets.token_hex(4))
    try:
      os.mkdir(path)
      return path
    except FileExistsError:
      continue
  raise FileExistsError(f'No free folder name in {parent!r} starting with {prefix!r}')
