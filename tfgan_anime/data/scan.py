"""Which files of an image folder training can read, and which decoder reads each.

Training streams a folder through tf.data (`folder.py`). Before the first step every file is
checked once here, with PIL, in threads (PIL releases the GIL while it decodes):

- Unreadable files (0 bytes, not an image, cut short, past PIL's decompression-bomb limit) are
  left out of the stream, counted and named. Leaving them out here rather than dropping them
  in tf.data (`ignore_errors`) keeps image i of the stream a pure function of (seed, i), which
  exact resume needs: a dropped element would shift every later one.
- Each readable file gets a route: 'tf' when TensorFlow decodes it to the pixels
  `pil_images.pil_decode_rgb` gives (`pil_images.tf_decodes_like_pil`: 8-bit RGB or gray
  JPEG/PNG, upright, opaque; nearly every file), else 'pil' (CMYK, 16-bit, alpha, palette, GIF,
  BMP, WebP, EXIF-rotated), which training decodes with `pil_images` through
  `tf.numpy_function`. The fast path stays TensorFlow's parallel decoder; only the odd files
  pay for PIL.

A JPEG on the 'tf' route is checked in PIL's draft mode (the IDCT at 1/8 scale): the entropy
decoder still reads every byte, so truncated and corrupt files still fail, at a fraction of the
cost. Results are cached in a JSON file (the run directory's `data_scan.json`) keyed by each
file's size and modification time, so a resumed run re-checks only files that changed.

`check_bytes` is the one judgement of a file: the data doctor (`tools/prepare_data.py`) and the
TFRecord writer call it too, so a file that they accept, training reads the same way.

Everything here is PIL + numpy: no TensorFlow.
"""

import concurrent.futures
import dataclasses
import io
import json
import os
import warnings

from typing import Optional

import numpy as np
from PIL import Image

from tfgan_anime import files as files_lib
from tfgan_anime.data import pil_images
from tfgan_anime.errors import UserError

CACHE_VERSION = 1
ROUTES = ('tf', 'pil')


@dataclasses.dataclass
class ScanResult:
  """What `scan_folder` found.

  Attributes:
    folder: the absolute folder path.
    files: readable image paths, sorted (the order the stream's permutations index).
    routes: 'tf' or 'pil' for each of `files`.
    skipped: [(path relative to folder, one-line reason)] of the unreadable files, sorted.
    num_checked: files decoded by this call (the rest came from the cache).
    changes: {'new': n, 'changed': n, 'removed': n} relative to the cache ({} without one).
  """
  folder: str
  files: list
  routes: list
  skipped: list
  num_checked: int
  changes: dict


@dataclasses.dataclass
class FileCheck:
  """The data check's verdict on one file.

  Attributes:
    route: 'tf' or 'pil' (the decoder training uses, see the module docstring), or None when
      the file is unreadable.
    reason: None, or the one-line reason the file is unreadable.
    info: `pil_images.decode_and_describe`'s dict (mode, size, bit_depth, format) when the
      file was decoded whole (always with decode=True, if its header could be read); else None.
    pixels: with decode=True and a readable file, its upright uint8 RGB [H, W, 3]; else None.
    data: with decode=True, the file's bytes; else None.
  """
  route: Optional[str]
  reason: Optional[str] = None
  info: Optional[dict] = None
  pixels: Optional[np.ndarray] = None
  data: Optional[bytes] = None


def check_bytes(data, decode=False):
  """Whether a file's bytes are readable, and which decoder reads them: the one place it is
  decided, for training (`scan_folder`), the data doctor and the TFRecord writer.

  Args:
    data: the bytes of an image file.
    decode: also return the pixels and the header's description (the data doctor and the
      shard writer want them). Without it, a file on the 'tf' route is only checked, a JPEG in
      PIL's draft mode (see the module docstring).
  Returns:
    FileCheck.
  """
  if not data:
    return FileCheck(None, 'empty file (0 bytes)')
  with warnings.catch_warnings():
    # Between one and two times PIL's pixel limit it only warns; beyond, it raises.
    warnings.simplefilter('ignore', Image.DecompressionBombWarning)
    try:
      image = Image.open(io.BytesIO(data))
      route = 'tf' if pil_images.tf_decodes_like_pil(data, image) else 'pil'
      if route == 'tf' and not decode:
        if image.format == 'JPEG':
          image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
        return FileCheck('tf')
    except Exception as e:  # pylint: disable=broad-except
      return FileCheck(None, pil_images.one_line_reason(e))
  # The odd files, and every file when the pixels are wanted: the exact conversion training
  # runs, so what passes here trains.
  pixels, info = pil_images.decode_and_describe(data)
  if pixels is None:
    return FileCheck(None, info['error'], info=info)
  return FileCheck(route, None, info=info, pixels=pixels if decode else None)


def check_file(path, decode=False):
  """`check_bytes` of the file at `path` (a file that cannot be read is unreadable)."""
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except OSError as e:
    return FileCheck(None, f'{type(e).__name__}: {e.strerror}')
  check = check_bytes(data, decode)
  if decode:
    check.data = data
  return check


def map_files(function, paths, workers=None, progress=None):
  """Yields function(path) for each of `paths`, in order, computed in threads.

  PIL releases the GIL while it decodes, so threads check a folder several times faster.

  Args:
    function: of one path; its results are yielded as they come, so hold little in each.
    paths: file paths.
    workers: threads; default the number of CPUs.
    progress: optional callable progress(done, total), called after each result.
  """
  workers = workers or os.cpu_count() or 1
  with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
    for done, result in enumerate(pool.map(function, paths), start=1):
      if progress is not None:
        progress(done, len(paths))
      yield result


def printable(name):
  """A file name safe to print: bytes that are not UTF-8 become \\x escapes."""
  return os.fsencode(name).decode('utf-8', 'backslashreplace')


def scan_folder(folder, cache_path=None, workers=None, progress=None):
  """Checks every image file under `folder` (see the module docstring).

  Args:
    folder: a folder of images, searched recursively (`pil_images.list_images`).
    cache_path: optional JSON file of earlier results; read if it exists and describes this
      folder, and rewritten (atomically) when anything was checked.
    workers: decoding threads; default the number of CPUs.
    progress: optional callable progress(done, total) while files are checked.

  Returns:
    ScanResult.
  Raises:
    UserError: the folder does not exist, holds no image files, or none of them is readable.
  """
  paths = pil_images.list_images(folder)
  folder = os.path.abspath(folder)
  cached = _read_cache(cache_path, folder)
  entries = {}
  todo = []
  for path in paths:
    name = os.path.relpath(path, folder)
    try:
      stat = os.stat(path)
      key = [stat.st_size, stat.st_mtime_ns]
    except OSError:
      key = [None, None]
    old = cached.get(name)
    if old is not None and old[:2] == key and key[0] is not None:
      entries[name] = old
    else:
      todo.append((name, path, key))
  changes = {}
  if cache_path is not None and cached:
    changes = {'new': sum(name not in cached for name, _, _ in todo),
               'changed': sum(name in cached for name, _, _ in todo),
               'removed': len(set(cached) - {os.path.relpath(p, folder) for p in paths})}

  if todo:
    checks = map_files(check_file, [path for _, path, _ in todo], workers, progress)
    for (name, _, key), check in zip(todo, checks):
      entries[name] = key + [check.route, check.reason]
    if cache_path is not None:
      _write_cache(cache_path, folder, entries)

  files, routes, skipped = [], [], []
  for path in paths:
    name = os.path.relpath(path, folder)
    route, reason = entries[name][2:]
    if route in ROUTES:
      files.append(path)
      routes.append(route)
    else:
      skipped.append((name, reason))
  if not files:
    raise UserError(
        f'None of the {len(paths)} image files in the data folder is readable (first: '
        f'{describe_skipped(skipped, 3)}). Received: data={folder!r}; accepted: a folder with '
        'at least one image PIL can decode (see python -m tfgan_anime.tools.prepare_data --check)')
  return ScanResult(folder=folder, files=files, routes=routes, skipped=skipped,
                    num_checked=len(todo), changes=changes)


def describe_skipped(skipped, limit=5):
  """'a.jpg (reason), b.jpg (reason) and 3 more' for the first `limit` skipped files."""
  shown = ', '.join(f'{printable(name)} ({reason})' for name, reason in skipped[:limit])
  if len(skipped) > limit:
    shown += f' and {len(skipped) - limit} more'
  return shown


def _read_cache(cache_path, folder):
  if cache_path is None or not os.path.isfile(cache_path):
    return {}
  try:
    with open(cache_path, encoding='utf-8') as f:
      cache = json.load(f)
  except (OSError, ValueError):
    return {}  # A cache we cannot read is only a cache: check everything again.
  if (not isinstance(cache, dict) or cache.get('version') != CACHE_VERSION
      or cache.get('folder') != folder or not isinstance(cache.get('files'), dict)):
    return {}
  return {name: entry for name, entry in cache['files'].items()
          if isinstance(entry, list) and len(entry) == 4}


def _write_cache(cache_path, folder, entries):
  # ASCII JSON: names that are not valid UTF-8 (surrogate escapes) survive the round trip.
  with files_lib.atomic_write(cache_path, 'w', encoding='ascii') as f:
    json.dump({'version': CACHE_VERSION, 'folder': folder, 'files': entries}, f)
