"""Data doctor and cleaner for a folder of scraped images.

  # Report: counts, unreadable files, modes, sizes, duplicates.
  python -m tfgan_anime.tools.prepare_data --check=faces/ [--json=report.json]

  # Also write a clean copy: RGB PNG/JPEG files, or TFRecord shards.
  python -m tfgan_anime.tools.prepare_data --check=faces/ --out=faces_clean/ \\
      --out_format=tfrecord --num_shards=8 --resolution=64 --drop_duplicates

The source folder is only read. Output goes only under --out (which must be
empty or new and outside the source folder) and to the --json file.

Near duplicates use a 64-bit difference hash (dHash): the image in gray,
shrunk to 9x8 pixels, one bit per horizontal neighbour pair (is the right one
brighter?). Two images are near duplicates when their hashes differ in at most
--near_threshold bits; a group is a connected set of such pairs. Near
duplicates are found among distinct files (one per exact-duplicate group), so
exact copies show in exact_duplicates only. The pairwise search is O(n^2) in
numpy: seconds for 10^4 images, minutes for 10^5.

Whether a file is readable, and the pixels it decodes to, is the data check's judgement
(`data/scan.py`, `scan.check_file`), the same that training applies: this tool adds what it
reports beyond that (modes, formats, sizes, duplicates) and the clean copy. `--check` loads no
TensorFlow; only writing shards or resizing does.
"""

import collections
import hashlib
import json
import os
import statistics
from typing import NamedTuple

from absl import flags
import numpy as np
from PIL import Image

from tfgan_anime import cli
from tfgan_anime import files
from tfgan_anime.data import pil_images
from tfgan_anime.data import scan
from tfgan_anime.errors import UserError
from tfgan_anime.training.progress import ProgressBar

OUT_FORMATS = ('folder', 'tfrecord')
IMAGE_FORMATS = ('png', 'jpeg')
DEFAULT_NEAR_THRESHOLD = 5
HASH_BITS = 64

# Lower edges of the coarse histograms.
MIN_SIDE_BINS = ((0, '<64'), (64, '64-127'), (128, '128-255'), (256, '256-511'),
                 (512, '512-1023'), (1024, '>=1024'))
ASPECT_BINS = ((0.0, '<0.5'), (0.5, '0.5-0.8'), (0.8, '0.8-1.25'),
               (1.25, '1.25-2'), (2.0, '>=2'))


def mode_group(mode):
  """A PIL mode as the report names it: gray, RGB, RGBA, CMYK, 16-bit, palette, ..."""
  if mode in ('L', '1'):
    return 'gray'
  if mode in ('LA', 'La'):
    return 'gray+alpha'
  if mode == 'P' or mode == 'PA':
    return 'palette'
  if mode == 'I' or mode.startswith('I;16'):
    return '16-bit'
  return mode  # RGB, RGBA, CMYK, YCbCr, F, ...


def dhash(pixels):
  """64-bit difference hash of uint8 RGB [H, W, 3] pixels, as a Python int."""
  gray = Image.fromarray(pixels).convert('L').resize((9, 8), Image.LANCZOS)
  values = np.asarray(gray, dtype=np.int16)
  bits = (values[:, 1:] > values[:, :-1]).ravel()
  return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def _union_groups(num_items, pairs):
  """Connected components with more than one member, as sorted index lists."""
  parent = list(range(num_items))

  def root(i):
    while parent[i] != i:
      parent[i] = parent[parent[i]]
      i = parent[i]
    return i

  for i, j in pairs:
    parent[root(i)] = root(j)
  members = collections.defaultdict(list)
  for i in range(num_items):
    members[root(i)].append(i)
  return sorted(group for group in members.values() if len(group) > 1)


def near_duplicate_groups(hashes, threshold):
  """Groups of indices whose hashes are within `threshold` bits (see module doc)."""
  values = np.array(hashes, dtype=np.uint64)
  pairs = []
  for i in range(len(values) - 1):
    distances = np.bitwise_count(values[i + 1:] ^ values[i])
    for j in np.nonzero(distances <= threshold)[0]:
      pairs.append((i, i + 1 + int(j)))
  return _union_groups(len(values), pairs)


def _stats(values):
  return {'min': min(values), 'median': statistics.median(values), 'max': max(values)}


def _histogram(values, bins):
  counts = {label: 0 for _, label in bins}
  for value in values:
    label = bins[0][1]
    for edge, name in bins:
      if value >= edge:
        label = name
    counts[label] += 1
  return counts


def _check_threshold(near_threshold):
  if (isinstance(near_threshold, bool) or not isinstance(near_threshold, int)
      or not 0 <= near_threshold <= HASH_BITS):
    raise UserError(
        f'near_threshold must be an int in [0, {HASH_BITS}] (bits of the dHash). '
        f'Received: near_threshold={near_threshold!r}')


class _Readable(NamedTuple):
  """What the report keeps of one readable file."""
  mode: str  # mode_group name
  format: str  # PIL format name
  height: int  # upright, after EXIF orientation
  width: int
  digest: str  # SHA-256 of the file's bytes
  dhash: int


def _inspect(path):
  """One file -> (None, _Readable), or (reason, None) when the data check finds it unreadable."""
  check = scan.check_file(path, decode=True)
  if check.route is None:
    return check.reason, None
  pixels = check.pixels
  return None, _Readable(mode_group(check.info['mode']), check.info['format'],
                         int(pixels.shape[0]), int(pixels.shape[1]),
                         hashlib.sha256(check.data).hexdigest(), dhash(pixels))


def check_folder(path, *, near_threshold=DEFAULT_NEAR_THRESHOLD, resolution=None,
                 progress=None, workers=None):
  """Reads every image under `path` (never writes) and reports on them.

  Args:
    path: the image folder (searched recursively, pil_images.list_images).
    near_threshold: max Hamming distance in bits between near duplicates.
    resolution: if given, also count readable images whose shorter side is
      below it (they would be upscaled).
    progress: optional callable, called as progress(done, total) per file.
    workers: decoding threads (scan.map_files); default the number of CPUs.
  Returns:
    A JSON-ready dict. File names are relative to `path`, '/'-separated,
    sorted. Keys: folder, num_files, num_readable, num_unreadable, unreadable
    (list of {file, error}), readable_files, modes and formats (counts over readable files;
    modes as mode_group names), width, height, aspect_ratio (width / height;
    each {min, median, max}, upright after EXIF orientation), min_side_histogram,
    aspect_histogram, smaller_than_resolution (only with resolution),
    exact_duplicates (groups of files with equal SHA-256), near_duplicates
    (groups by dHash), near_threshold.
  Raises:
    UserError: `path` is not a folder or holds no images; bad near_threshold.
  """
  _check_threshold(near_threshold)
  paths = pil_images.list_images(path)
  unreadable, readable_files, readable = [], [], []
  results = scan.map_files(_inspect, paths, workers, progress)
  for file_path, (reason, found) in zip(paths, results):
    name = os.path.relpath(file_path, path).replace(os.sep, '/')
    if found is None:
      unreadable.append({'file': name, 'error': reason})
    else:
      readable_files.append(name)
      readable.append(found)
  report = {
      'folder': os.path.abspath(path),
      'num_files': len(paths),
      'num_readable': len(readable_files),
      'num_unreadable': len(unreadable),
      'unreadable': unreadable,
      'readable_files': readable_files,
      'modes': dict(sorted(collections.Counter(r.mode for r in readable).items())),
      'formats': dict(sorted(collections.Counter(r.format for r in readable).items())),
  }
  if readable:
    report.update(_size_report([r.width for r in readable], [r.height for r in readable],
                               resolution))
  report.update(_duplicates(readable_files, readable, near_threshold))
  return report


def _size_report(widths, heights, resolution):
  """The report's width, height, aspect_ratio and histogram entries (see check_folder)."""
  aspects = [w / h for w, h in zip(widths, heights)]
  sizes = {
      'width': _stats(widths),
      'height': _stats(heights),
      'aspect_ratio': _stats(aspects),
      'min_side_histogram': _histogram([min(w, h) for w, h in zip(widths, heights)],
                                       MIN_SIDE_BINS),
      'aspect_histogram': _histogram(aspects, ASPECT_BINS),
  }
  if resolution is not None:
    sizes['smaller_than_resolution'] = sum(
        1 for w, h in zip(widths, heights) if min(w, h) < resolution)
  return sizes


def _duplicates(names, readable, near_threshold):
  """The report's exact_duplicates, near_duplicates and near_threshold (see module doc)."""
  by_digest = collections.defaultdict(list)
  for index, found in enumerate(readable):
    by_digest[found.digest].append(index)
  exact = sorted([names[i] for i in group] for group in by_digest.values() if len(group) > 1)
  # One representative (the first name) per distinct content.
  representatives = sorted(group[0] for group in by_digest.values())
  near = near_duplicate_groups([readable[i].dhash for i in representatives], near_threshold)
  near = sorted([names[representatives[k]] for k in group] for group in near)
  return {'exact_duplicates': exact, 'near_duplicates': near, 'near_threshold': near_threshold}


def format_report(report, max_names=5):
  """The report as lines of text for a terminal."""
  lines = [f"{report['folder']}: {report['num_files']} image files, "
           f"{report['num_readable']} readable, {report['num_unreadable']} unreadable"]
  if report['unreadable']:
    for entry in report['unreadable'][:max_names]:
      lines.append(f"  unreadable: {entry['file']}  ({entry['error']})")
    if len(report['unreadable']) > max_names:
      lines.append(f"  ... and {len(report['unreadable']) - max_names} more")
  lines.append('modes:   ' + ', '.join(f'{k} {v}' for k, v in report['modes'].items()))
  lines.append('formats: ' + ', '.join(f'{k} {v}' for k, v in report['formats'].items()))
  for key in ('width', 'height', 'aspect_ratio'):
    if key in report:
      s = report[key]
      lines.append(f"{key + ':':13s} min {s['min']:.4g}  median {s['median']:.4g}  "
                   f"max {s['max']:.4g}")
  for key in ('min_side_histogram', 'aspect_histogram'):
    if key in report:
      lines.append(f'{key}: ' + '  '.join(f'{k}: {v}' for k, v in report[key].items()))
  if 'smaller_than_resolution' in report:
    lines.append(f"smaller than the resolution: {report['smaller_than_resolution']}")
  for key, title in (('exact_duplicates', 'exact duplicate groups'),
                     ('near_duplicates',
                      f"near duplicate groups (dHash distance <= {report['near_threshold']})")):
    groups = report[key]
    lines.append(f'{title}: {len(groups)}')
    for group in groups[:max_names]:
      lines.append('  ' + ' = '.join(group))
    if len(groups) > max_names:
      lines.append(f'  ... and {len(groups) - max_names} more')
  # File names that are not valid UTF-8 (Python holds their bytes as surrogates) would make
  # print() fail; show those bytes as \x escapes instead.
  return os.fsencode('\n'.join(lines)).decode('utf-8', 'backslashreplace')


def write_json(report, path):
  """Writes the report as UTF-8 JSON (names keep their non-ASCII letters), atomically.

  A name that is not valid UTF-8 is written with \\udcXX escapes, which json.load turns back
  into the same Python string (and os.fsencode into the same bytes).
  """
  text = json.dumps(report, indent=2, ensure_ascii=False) + '\n'
  # Lone surrogates (the undecodable bytes) become the text '\\udcXX': a JSON escape.
  files.write_text(path, text.encode('utf-8', 'backslashreplace').decode('utf-8'))


def _is_within(path, folder):
  """True when `path` is `folder` or below it (after resolving links)."""
  path = os.path.realpath(path)
  folder = os.path.realpath(folder)
  return os.path.commonpath([path, folder]) == folder


def _check_output_location(out, src, name='out'):
  """Raises UserError when writing `out` could touch the source folder `src`."""
  if _is_within(out, src) or _is_within(src, out):
    raise UserError(
        f'{name} must be outside the source folder (and not contain it): the '
        f'source is never modified. Received: {name}={out!r} with source {src!r}')


def files_to_keep(report, drop_duplicates=False, drop_near_duplicates=False):
  """Readable files of a check_folder report, less the dropped duplicates.

  Within each duplicate group the first name (sorted) is kept.
  Returns:
    (kept names, dropped names), both relative to the report's folder.
  """
  dropped = set()
  groups = []
  if drop_duplicates or drop_near_duplicates:
    groups += report['exact_duplicates']
  if drop_near_duplicates:
    groups += report['near_duplicates']
  for group in groups:
    dropped.update(group[1:])
  kept = [name for name in report['readable_files'] if name not in dropped]
  return kept, sorted(dropped)


def _unique_output_name(name, extension, taken):
  """'a/b.gif' -> 'a/b.png', or 'a/b_2.png' when that is already taken."""
  stem = os.path.splitext(name)[0]
  candidate = stem + extension
  k = 2
  while candidate.lower() in taken:
    candidate = f'{stem}_{k}{extension}'
    k += 1
  taken.add(candidate.lower())
  return candidate


def clean_folder(src, out, *, out_format='folder', image_format='png', num_shards=1,
                 resolution=None, drop_duplicates=False, drop_near_duplicates=False,
                 near_threshold=DEFAULT_NEAR_THRESHOLD, prefix='images', report=None,
                 progress=None):
  """Writes the readable images of `src` to `out` as clean RGB files or shards.

  `src` is only read. `out` must be new or empty and outside `src`.

  Args:
    src: the source image folder.
    out: output folder, created.
    out_format: 'folder' (one RGB file per image, same relative names, the
      extension changed; names that collide get _2, _3, ...) or 'tfrecord'
      (tfrecord.write_shards; encode='uint8' when resolution is given).
    image_format: 'png' (lossless) or 'jpeg' (quality 95), for 'folder'.
    num_shards: for 'tfrecord'.
    resolution: if given, images are centre-cropped and resized to it
      (decode.square_uint8, as the training pipeline does).
    drop_duplicates: keep one file of each exact-duplicate group.
    drop_near_duplicates: also keep one of each near-duplicate group.
    near_threshold: dHash bits, when the report is computed here.
    prefix: shard file name prefix for 'tfrecord'.
    report: a check_folder(src) report to reuse; computed when None.
    progress: optional callable, called as progress(done, total) per image.
  Returns:
    dict: out, num_written, skipped_unreadable and skipped_duplicates (names
    relative to src), outputs (written paths).
  Raises:
    UserError: a bad argument, or `out` inside `src`, or `out` not empty.
  """
  _check_clean_arguments(src, out, out_format, image_format, resolution)
  if report is None:
    report = check_folder(src, near_threshold=near_threshold)
  kept, dropped = files_to_keep(report, drop_duplicates, drop_near_duplicates)
  if not kept:
    raise UserError(f'No readable image is left to write. Received: src={src!r}')
  os.makedirs(out, exist_ok=True)
  sources = [os.path.join(src, *name.split('/')) for name in kept]

  if out_format == 'tfrecord':
    # Imported here so that --check never loads TensorFlow: it starts in
    # under a second and keeps stderr free of TF's start-up logs.
    from tfgan_anime.data import tfrecord  # pylint: disable=g-import-not-at-top
    outputs = tfrecord.write_shards(
        sources, out, num_shards, resolution=resolution,
        encode='uint8' if resolution is not None else 'jpeg_bytes',
        prefix=prefix, progress=progress)
  else:
    outputs = _write_folder(sources, kept, out, image_format, resolution, progress)
  return {
      'out': out,
      'num_written': len(kept),
      'skipped_unreadable': [entry['file'] for entry in report['unreadable']],
      'skipped_duplicates': dropped,
      'outputs': outputs,
  }


def _check_clean_arguments(src, out, out_format, image_format, resolution):
  """Raises UserError for a clean_folder argument it cannot use (see clean_folder)."""
  if out_format not in OUT_FORMATS:
    raise UserError(
        f'out_format must be one of {OUT_FORMATS}. Received: out_format={out_format!r}')
  if image_format not in IMAGE_FORMATS:
    raise UserError(
        f'image_format must be one of {IMAGE_FORMATS}. Received: image_format={image_format!r}')
  if resolution is not None and (isinstance(resolution, bool)
                                 or not isinstance(resolution, int) or resolution < 1):
    raise UserError(
        f'resolution must be a positive int or None. Received: resolution={resolution!r}')
  if not os.path.isdir(src):
    raise UserError(f'The source folder does not exist. Received: src={src!r}')
  _check_output_location(out, src)
  if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
    raise UserError(
        f'out must be a new or empty folder, so nothing of an earlier run is '
        f'mixed in. Received: out={out!r}')


def _write_folder(sources, names, out, image_format, resolution, progress):
  if resolution is not None:
    from tfgan_anime.data import decode  # pylint: disable=g-import-not-at-top
  extension = '.png' if image_format == 'png' else '.jpg'
  taken = set()
  outputs = []
  for done, (source, name) in enumerate(zip(sources, names), start=1):
    pixels = pil_images.load_rgb(source)
    if pixels is None:
      raise UserError(f'The file changed since it was checked. Received: path={source!r}')
    if resolution is not None:
      # As training crops and resizes (decode.square_uint8), so the copy trains the same.
      pixels = decode.square_uint8(pixels, resolution).numpy()
    target = os.path.join(out, *_unique_output_name(name, extension, taken).split('/'))
    with files.atomic_write(target, 'wb') as f:
      if image_format == 'png':
        Image.fromarray(pixels).save(f, 'PNG')
      else:
        Image.fromarray(pixels).save(f, 'JPEG', quality=95)
    outputs.append(target)
    if progress is not None:
      progress(done, len(sources))
  return outputs


# The binary: flags are defined only when it runs (cli.run calls define_flags), so importing
# this module (tests, other tools) registers nothing in the global FLAGS.

FLAGS = flags.FLAGS


def define_flags():
  flags.DEFINE_string('check', None, 'Image folder to inspect (read only).')
  flags.DEFINE_string('json', None, 'Also write the report to this JSON file '
                      '(outside the --check folder).')
  flags.DEFINE_string('out', None, 'Write a clean copy here: a new or empty '
                      'folder outside the --check folder.')
  flags.DEFINE_enum('out_format', 'folder', OUT_FORMATS, 'What --out holds.')
  flags.DEFINE_enum('image_format', 'png', IMAGE_FORMATS,
                    'File format for --out_format=folder.')
  flags.DEFINE_integer('num_shards', 8, 'TFRecord files for --out_format=tfrecord.',
                       lower_bound=1)
  flags.DEFINE_integer('resolution', None, 'Centre-crop and resize the output to '
                       'this square size; with tfrecord, also store uint8 pixels.',
                       lower_bound=1)
  flags.DEFINE_boolean('drop_duplicates', False,
                       'Write one file of each group of byte-identical files.')
  flags.DEFINE_boolean('drop_near_duplicates', False,
                       'Also write one file of each near-duplicate group.')
  flags.DEFINE_integer('near_threshold', DEFAULT_NEAR_THRESHOLD,
                       'Max dHash distance in bits between near duplicates.',
                       lower_bound=0, upper_bound=HASH_BITS)
  flags.DEFINE_string('prefix', 'images', 'Shard file name prefix.')


def parse_flags(argv):
  """absl's parse, with a bad flag value shown as one `error: ...` line (exit 2), not usage."""
  try:
    return FLAGS(argv)
  except flags.Error as e:
    cli.fail('error: ' + str(e).replace('\n', ' '))


def check_flags(values):
  """Raises UserError for flag values that do not go together.

  Args:
    values: the parsed flags (absl FlagValues).
  """
  if not values.check:
    raise UserError('--check is required: the image folder to inspect. Received: --check=None')
  if not os.path.isdir(values.check):
    raise UserError(f'--check must be an existing folder. Received: --check={values.check!r}')
  for name in ('out', 'json'):
    value = values[name].value
    if value and (_is_within(value, values.check) or _is_within(values.check, value)):
      raise UserError(f'--{name} must be outside the --check folder, which is never modified. '
                      f'Received: --{name}={value!r}')
  if not values.out:
    for name in ('drop_duplicates', 'drop_near_duplicates'):
      if values[name].present:
        raise UserError(f'--{name} needs --out (it only affects the clean copy). '
                        f'Received: --{name}={values[name].value!r}')


def main(argv):
  del argv  # cli.run refuses positional arguments
  check_flags(FLAGS)
  if FLAGS.resolution is not None or (FLAGS.out and FLAGS.out_format == 'tfrecord'):
    cli.import_tensorflow()  # Resizing and shards need TensorFlow; a plain --check does not.
  report = check_folder(
      FLAGS.check, near_threshold=FLAGS.near_threshold, resolution=FLAGS.resolution,
      progress=ProgressBar('checking'))
  print(format_report(report))
  if FLAGS.json:
    write_json(report, FLAGS.json)
    print(f'report written to {FLAGS.json}')
  if FLAGS.out:
    summary = clean_folder(
        FLAGS.check, FLAGS.out, out_format=FLAGS.out_format,
        image_format=FLAGS.image_format, num_shards=FLAGS.num_shards,
        resolution=FLAGS.resolution, drop_duplicates=FLAGS.drop_duplicates,
        drop_near_duplicates=FLAGS.drop_near_duplicates, prefix=FLAGS.prefix,
        report=report, progress=ProgressBar('writing'))
    print(f"wrote {summary['num_written']} images to {summary['out']} "
          f"({len(summary['outputs'])} files); skipped "
          f"{len(summary['skipped_unreadable'])} unreadable and "
          f"{len(summary['skipped_duplicates'])} duplicates")


def run():
  cli.run(main, define_flags=define_flags, flags_parser=parse_flags)


if __name__ == '__main__':
  run()
