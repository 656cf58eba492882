"""The PIL side of image files: listing a folder's images, and decoding the odd files people
scrape into plain RGB arrays.

Everything here is PIL + numpy (no TensorFlow), so the data doctor starts fast. TensorFlow's
decode, crop and resize path is `decode.py`; `decode.decode_rgb` gives the same pixels as
`pil_decode_rgb` for the files `tf_decodes_like_pil` accepts.

Conversions made by `pil_decode_rgb` / `load_rgb` (always to uint8 RGB, [H, W, 3]):

- gray ("L", "1") is copied into the three channels;
- anything with transparency ("RGBA", "LA", "PA", palette or RGB with a
  transparency key) is composited on white. Dropping alpha instead would show
  whatever colour the editor left under transparent pixels (often black or
  noise), which for cut-out anime art is worse than a white background;
- "CMYK" (and "YCbCr", "LAB", ...) uses PIL's own conversion;
- 16-bit gray ("I;16", "I;16B"; older Pillow opens 16-bit PNGs as "I") is
  scaled to 8 bits with round(v / 257), so 65535 -> 255 and 0 -> 0. (PIL itself
  reads 16-bit RGB PNGs as 8-bit "RGB".) "F" is clipped to [0, 255];
- palette ("P") is expanded;
- GIF and other multi-frame files: the first frame only;
- the EXIF orientation tag is applied, so the pixels come out upright.

Files that cannot be decoded completely (0 bytes, text named .jpg, a JPEG or PNG
cut short by a broken download) are unreadable: `load_rgb` returns None. PIL can
pad truncated files with grey when `ImageFile.LOAD_TRUNCATED_IMAGES` is set; we do
not set that process-wide switch, and a half-grey face is not a training image.
"""

import io
import os
import warnings

import numpy as np
from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

from tfgan_anime.errors import UserError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp')

# PIL raises UnidentifiedImageError (an OSError) for unknown bytes, OSError for
# truncated data, DecompressionBombError for absurd sizes, and on corrupt headers
# whatever its plugin's parser trips on (SyntaxError, EOFError, struct.error,
# IndexError, ...). A scraped folder has all of them, so any Exception from
# decoding marks the file unreadable; KeyboardInterrupt still goes through.
_DECODE_ERRORS = (Exception,)

_BIT_DEPTH = {'1': 1, 'I;16': 16, 'I;16B': 16, 'I;16L': 16, 'I;16N': 16,
              'I': 16, 'F': 32}  # among our formats only 16-bit PNGs open as 'I'


def has_image_extension(name):
  """True when `name` ends in one of IMAGE_EXTENSIONS, in any letter case."""
  return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def list_images(folder):
  """All image files under `folder`, recursively, as sorted paths.

  Files are chosen by extension (IMAGE_EXTENSIONS, any letter case); whether
  they decode is `load_rgb`'s question.

  Raises:
    UserError: `folder` is not a directory, or holds no image files.
  """
  if not os.path.isdir(folder):
    raise UserError(
        f'The image folder does not exist or is not a directory. '
        f'Received: folder={folder!r}')
  paths = []
  for root, dirs, files in os.walk(folder):
    dirs.sort()
    for name in files:
      if has_image_extension(name):
        paths.append(os.path.join(root, name))
  if not paths:
    raise UserError(
        f'The image folder holds no files ending in '
        f'{", ".join(IMAGE_EXTENSIONS)} (any case). Received: folder={folder!r}')
  return sorted(paths)


def _to_rgb(image):
  """A fully loaded PIL image of any mode -> uint8 [H, W, 3]."""
  mode = image.mode
  if mode in ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I', 'F'):
    values = np.asarray(image, dtype=np.float64)
    if mode != 'F':
      values = values / 257.0
    gray = np.clip(np.round(values), 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)
  if mode in ('RGBA', 'LA', 'PA', 'La', 'RGBa') or 'transparency' in image.info:
    rgba = image.convert('RGBA')
    background = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
    image = Image.alpha_composite(background, rgba)
  return np.asarray(image.convert('RGB'), dtype=np.uint8).copy()


def _open_and_load(data):
  """Opens bytes with PIL and decodes the first frame completely.

  Returns:
    The loaded PIL image; its `.format` is kept from the file.
  Raises:
    One of _DECODE_ERRORS.
  """
  image = Image.open(io.BytesIO(data))
  image.load()
  return image


def pil_decode_rgb(data):
  """Decodes image file bytes to uint8 RGB, or None when they are unreadable.

  Args:
    data: the bytes of an image file.
  Returns:
    np.uint8 array [H, W, 3], or None (see the module docstring for what
    counts as unreadable and how each mode is converted).
  """
  pixels, _ = decode_and_describe(data)
  return pixels


def load_rgb(path):
  """Reads the image file at `path` as uint8 RGB [H, W, 3], or None if unreadable."""
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except OSError:
    return None
  return pil_decode_rgb(data)


def tf_decodes_like_pil(data, image):
  """True when TensorFlow's decoder gives the pixels `pil_decode_rgb(data)` gives.

  That is an 8-bit RGB or gray JPEG or PNG, upright, without transparency: nearly every file of
  a scraped folder. TensorFlow drops alpha where we composite on white, ignores EXIF
  orientation, and reduces 16-bit RGB differently; its GIF, BMP and WebP support varies between
  versions. Those files go through PIL (`pil_decode_rgb`) instead.

  Args:
    data: the file's bytes.
    image: `Image.open` of those bytes (only the header is needed).
  """
  if image.mode not in ('RGB', 'L') or 'transparency' in image.info:
    return False
  if exif_orientation(image) != 1:
    return False
  if image.format == 'JPEG':
    return True
  if image.format == 'PNG':
    # Byte 24 is the IHDR bit depth.
    return len(data) > 24 and data[24] == 8
  return False


def exif_orientation(image):
  """The EXIF orientation tag of an opened PIL image (1 = upright), or 1."""
  try:
    return int(image.getexif().get(0x0112, 1))
  except _DECODE_ERRORS:
    return 1


def one_line_reason(error):
  """A decoding error as the one-line reason the data check and the data doctor print."""
  if isinstance(error, UnidentifiedImageError):
    # PIL's message names our BytesIO object, not the file.
    return 'UnidentifiedImageError: cannot identify image file (not a format PIL reads)'
  return f'{type(error).__name__}: {error}'.replace('\n', ' ')


def describe(path):
  """What the data doctor wants to know about one file.

  Returns:
    dict with
      'mode': PIL mode ('RGB', 'L', 'I;16', ...) or None if the header is unreadable,
      'size': (width, height) as stored (before EXIF orientation) or None,
      'bit_depth': bits per channel from the mode (1, 8, 16 or 32) or None,
      'format': PIL format name ('JPEG', 'PNG', ...) or None,
      'readable': True when `load_rgb` would return an array,
      'error': None, or a one-line reason it is unreadable.
    A truncated JPEG has a mode and size (the header is fine) but readable=False.
  """
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except OSError as e:
    return {'mode': None, 'size': None, 'bit_depth': None, 'format': None,
            'readable': False, 'error': one_line_reason(e)}
  _, info = decode_and_describe(data)
  return info


def decode_and_describe(data):
  """`pil_decode_rgb(data)` and the `describe` dict of the same bytes, decoding once.

  Returns:
    (uint8 [H, W, 3] array or None, info dict as from `describe`).
  """
  with warnings.catch_warnings():
    # Big scans trip DecompressionBombWarning on open; above twice PIL's pixel
    # limit it raises DecompressionBombError instead, and the file is unreadable.
    warnings.simplefilter('ignore', Image.DecompressionBombWarning)
    return _decode_and_describe(data)


def _decode_and_describe(data):
  info = {'mode': None, 'size': None, 'bit_depth': None, 'format': None,
          'readable': False, 'error': None}
  if not data:
    info['error'] = 'empty file (0 bytes)'
    return None, info
  try:
    image = Image.open(io.BytesIO(data))
  except _DECODE_ERRORS as e:
    info['error'] = one_line_reason(e)
    return None, info
  info['mode'] = image.mode
  info['size'] = tuple(image.size)
  info['bit_depth'] = _BIT_DEPTH.get(image.mode, 8)
  info['format'] = image.format
  try:
    pixels = _to_rgb(ImageOps.exif_transpose(_open_and_load(data)))
  except _DECODE_ERRORS as e:
    info['error'] = one_line_reason(e)
    return None, info
  info['readable'] = True
  return pixels, info
