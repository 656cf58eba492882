"""Which files of an image folder training can read, and which decoder reads each.

Training streams a folder through tf.data (`folder.py`). Before the first step every file is
checked once here, with PIL, in threads (PIL releases the GIL while it decodes):

- Unreadable files (0 bytes, not an image, cut short, past PIL's decompression-bomb limit) are
  left out of the stream, counted and named. Leaving them out here rather than dropping them
  in tf.data (`ignore_errors`) keeps image i of the stream a pure function of (seed, i), which
  exact resume needs: a dropped element would shift every later one.
- Each readable file gets a route: 'tf' when TensorFlow decodes it to the pixels
  `image_io.decode_rgb` gives (`image_io.tf_decodes_like_pil`: 8-bit RGB or gray JPEG/PNG,
  upright, opaque; nearly every file), else 'pil' (CMYK, 16-bit, alpha, palette, GIF, BMP,
  WebP, EXIF-rotated), which training decodes with `image_io` through `tf.numpy_function`. The
  fast path stays TensorFlow's parallel decoder; only the odd files pay for PIL.

A JPEG on the 'tf' route is checked in PIL's draft mode (the IDCT at 1/8 scale): the entropy
decoder still reads every byte, so truncated and corrupt files still fail, at a fraction of the
cost. Results are cached in a JSON file (the run directory's `data_scan.json`) keyed by each
file's size and modification time, so a resumed run re-checks only files that changed.

Everything here is PIL + numpy: no TensorFlow.
"""

import concurrent.futures
import dataclasses
import io
import json
import os
import warnings

from PIL import Image

from tfgan_anime.data import image_io
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


def check_file(path):
  """Decodes one file with PIL. Returns (route, None) if readable, else (None, reason)."""
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except OSError as e:
    return None, f'{type(e).__name__}: {e.strerror}'
  if not data:
    return None, 'empty file (0 bytes)'
  with warnings.catch_warnings():
    # Between one and two times PIL's pixel limit it only warns; beyond, it raises.
    warnings.simplefilter('ignore', Image.DecompressionBombWarning)
    try:
      image = Image.open(io.BytesIO(data))
      if image_io.tf_decodes_like_pil(data, image):
        if image.format == 'JPEG':
          image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
        return 'tf', None
    except Exception as e:  # pylint: disable=broad-except
      return None, _reason(e)
  # The odd files: the exact conversion training will run, so what passes here trains.
  pixels, info = image_io.decode_and_describe(data)
  if pixels is None:
    return None, info['error']
  return 'pil', None


def _reason(error):
  return image_io._one_line(error)  # pylint: disable=protected-access


def printable(name):
  """A file name safe to print: bytes that are not UTF-8 become \\x escapes."""
  return os.fsencode(name).decode('utf-8', 'backslashreplace')


def scan_folder(folder, cache_path=None, workers=None, progress=None):
  """Checks every image file under `folder` (see the module docstring).

  Args:
    folder: a folder of images, searched recursively (`image_io.list_images`).
    cache_path: optional JSON file of earlier results; read if it exists and describes this
      folder, and rewritten (atomically) when anything was checked.
    workers: decoding threads; default the number of CPUs.
    progress: optional callable progress(done, total) while files are checked.

  Returns:
    ScanResult.
  Raises:
    UserError: the folder does not exist, holds no image files, or none of them is readable.
  """
  paths = image_io.list_images(folder)
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
    workers = workers or os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
      results = pool.map(check_file, [path for _, path, _ in todo])
      for done, ((name, _, key), (route, reason)) in enumerate(zip(todo, results), start=1):
        entries[name] = key + [route, reason]
        if progress is not None:
          progress(done, len(todo))
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
  directory = os.path.dirname(os.path.abspath(cache_path))
  os.makedirs(directory, exist_ok=True)
  temp_path = f'{cache_path}.tmp-{os.getpid()}'
  # ASCII JSON: names that are not valid UTF-8 (surrogate escapes) survive the round trip.
  with open(temp_path, 'w', encoding='ascii') as f:
    json.dump({'version': CACHE_VERSION, 'folder': folder, 'files': entries}, f)
  os.replace(temp_path, cache_path)
