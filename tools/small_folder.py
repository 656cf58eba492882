r"""A small real image folder from an installed package: Microsoft's Fluent Emoji, rendered in 3D.

  npm install --prefix ~/.cache/tfgan_anime/npm @lobehub/fluent-emoji-3d@1.1.0
  python tools/small_folder.py --out=~/.cache/tfgan_anime/fluent_emoji_3d

This installs nothing: it reads a package that is already installed (npm, MIT licence, 3,391
WebP files of 256 x 256 RGBA, about 16 MB) and writes up to --max_images of them as PNG files
into --out, with SOURCE.txt beside them saying where they came from and under which licence.

Why this package: the emoji are 3D renders (shading, highlights, textures), colourful and varied
(faces, people, animals, food, objects, symbols), of one kind (a single centred object), and
small enough for a CPU. Flat icon sets and monochrome glyphs are easier than real folders.

What is written, and why:
- By default the 1,871 emoji without a skin-tone modifier (U+1F3FB..U+1F3FF); --skin_tones adds
  the 1,520 variants, which are the same drawings recoloured (near duplicates a critic would
  memorise). When more files are eligible than --max_images, an evenly spaced subset of the
  code-point order is taken, so every category is kept; the choice is deterministic.
- RGB composited on white, as `data/pil_images.py` would composite them anyway: the folder is
  then opaque RGB PNG, which the pipeline's fast TensorFlow decoder reads.
- Resized to --size (64 by default, area-averaged with PIL's BOX filter; 0 keeps 256 x 256):
  the trainers here use 32 or 64 px, and 64 px PNGs are about 20x smaller to store and decode.
- Named 0000_<codepoints>.png in code-point order, so the file name says which emoji it is.
"""

import json
import os
import sys

from absl import flags
import numpy as np

# cli first, and nothing that loads TensorFlow (nothing here needs it): see tfgan_anime/cli.py.
from tfgan_anime import cli
from tfgan_anime import files
from tfgan_anime.errors import UserError

FLAGS = flags.FLAGS

PACKAGE = '@lobehub/fluent-emoji-3d'
# Where `npm install --prefix DIR PACKAGE` and `npm install -g PACKAGE` put it.
SEARCH_PREFIXES = ('~/.cache/tfgan_anime/npm', '.', '/usr/local/lib', '/usr/lib')
SKIN_TONES = ('1f3fb', '1f3fc', '1f3fd', '1f3fe', '1f3ff')


def define_flags():
  flags.DEFINE_string('package_dir', '', f'The installed {PACKAGE} (the folder with '
                      'package.json and assets/). Empty: looked for under node_modules of '
                      + ', '.join(SEARCH_PREFIXES) + '.')
  flags.DEFINE_string('out', '~/.cache/tfgan_anime/fluent_emoji_3d', 'Folder to write '
                      '(created; PNG files already there are replaced).')
  flags.DEFINE_integer('max_images', 2000, 'At most this many images (the issue\'s small '
                       'folder is at most 2,000).')
  flags.DEFINE_integer('size', 64, 'Side of the written PNGs in pixels (0: as shipped, 256).')
  flags.DEFINE_bool('skin_tones', False, 'Also the skin-tone variants (near duplicates).')


def find_package(package_dir=''):
  """The folder of the installed package: `package_dir`, or the first one found.

  Raises:
    UserError: when it is not there, saying how to install it.
  """
  candidates = ([package_dir] if package_dir else
                [os.path.join(prefix, 'node_modules', PACKAGE) for prefix in SEARCH_PREFIXES])
  for folder in candidates:
    folder = os.path.expanduser(folder)
    if os.path.isfile(os.path.join(folder, 'package.json')) and os.path.isdir(
        os.path.join(folder, 'assets')):
      return folder
  raise UserError(f'Invalid --package_dir: no {PACKAGE} (package.json and assets/) there. '
                  f'Received: package_dir={package_dir!r}' +
                  ('' if package_dir else f' (looked in {", ".join(candidates)})') +
                  f'; accepted: the folder `npm install --prefix DIR {PACKAGE}` makes, '
                  f'DIR/node_modules/{PACKAGE}')


def select(names, max_images, skin_tones=False):
  """The asset file names to write, in code-point order.

  Args:
    names: file names like '1f600.webp' or '1f44b-1f3fd.webp'.
    max_images: at most this many (>= 1).
    skin_tones: keep the names with a skin-tone modifier.
  Returns:
    An evenly spaced subset of the sorted eligible names: all of them when there are at most
    `max_images`, else those at round(i * n / max_images) for i < max_images.
  """
  eligible = sorted(name for name in names if name.endswith('.webp') and (
      skin_tones or not any(tone in name.split('.')[0].split('-') for tone in SKIN_TONES)))
  if len(eligible) <= max_images:
    return eligible
  picks = np.round(np.arange(max_images) * len(eligible) / max_images).astype(int)
  return [eligible[i] for i in picks]


def to_rgb_on_white(image, size):
  """A PIL image of any mode -> RGB composited on white, resized to `size` (0: unchanged)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  rgba = image.convert('RGBA')
  image = Image.alpha_composite(Image.new('RGBA', rgba.size, (255, 255, 255, 255)), rgba)
  image = image.convert('RGB')
  if size and image.size != (size, size):
    image = image.resize((size, size), Image.Resampling.BOX)
  return image


def write_folder(package_dir, out, max_images, size, skin_tones=False):
  """Writes the selected emoji as PNG files and SOURCE.txt into `out`; returns how many."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  if max_images < 1:
    raise UserError(f'Invalid --max_images. Received: max_images={max_images}; accepted: >= 1')
  if size < 0:
    raise UserError(f'Invalid --size. Received: size={size}; accepted: 0 (as shipped) or > 0')
  with open(os.path.join(package_dir, 'package.json'), encoding='utf-8') as f:
    meta = json.load(f)
  names = select(os.listdir(os.path.join(package_dir, 'assets')), max_images, skin_tones)
  out = os.path.expanduser(out)
  os.makedirs(out, exist_ok=True)
  for old in os.listdir(out):
    if old.endswith('.png'):
      os.remove(os.path.join(out, old))  # a smaller --max_images leaves no extra files behind
  for i, name in enumerate(names):
    with Image.open(os.path.join(package_dir, 'assets', name)) as image:
      image = to_rgb_on_white(image, size)
    with files.atomic_write(os.path.join(out, f'{i:04d}_{name[:-len(".webp")]}.png'),
                            'wb') as f:
      # No timestamps or text chunks in the PNG: the same package writes the same bytes.
      image.save(f, format='PNG', optimize=False)
  with files.atomic_write(os.path.join(out, 'SOURCE.txt'), encoding='utf-8') as f:
    f.write(f'{len(names)} images from the npm package {meta["name"]} {meta["version"]} '
            f'({meta.get("homepage", "")}), licence {meta.get("license", "unknown")}: '
            'Microsoft Fluent Emoji (3D), MIT licence.\n'
            f'Written by tools/small_folder.py: RGB on white, '
            f'{f"{size} x {size} px (BOX filter)" if size else "256 x 256 px as shipped"}, '
            f'{"with" if skin_tones else "without"} skin-tone variants, '
            f'max_images={max_images}.\n')
  return len(names)


def main(argv):
  del argv
  package_dir = find_package(FLAGS.package_dir)
  count = write_folder(package_dir, FLAGS.out, FLAGS.max_images, FLAGS.size, FLAGS.skin_tones)
  print(f'wrote {count} images from {package_dir} to {os.path.expanduser(FLAGS.out)}',
        file=sys.stderr)


def run():
  cli.run(main, define_flags)


if __name__ == '__main__':
  run()
