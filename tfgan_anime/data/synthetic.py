"""Built-in synthetic anime-style faces: the dataset that needs no download.

Procedural faces drawn with PIL: a face, hair in one of 12 colours and 4 styles, eyes in one of 10
colours, optional blush, and small random jitter of position, size and eye placement. They are
written once as 96x96 JPEG files (the size of the report's anime-faces crops) into a cache folder,
with a tags file in the anime-faces style, so that they flow through the same folder pipeline as
real data (`folder.py`).
"""

import os

import numpy as np
from PIL import Image, ImageDraw

from tfgan_anime import files
from tfgan_anime.data import tags as tags_lib

HAIR_COLORS = {
    'blonde': (242, 214, 110), 'brown': (120, 74, 42), 'black': (38, 34, 44),
    'blue': (60, 100, 210), 'red': (200, 40, 46), 'pink': (246, 150, 190),
    'purple': (130, 70, 180), 'green': (70, 160, 80), 'silver': (206, 210, 222),
    'orange': (240, 130, 40), 'aqua': (70, 200, 200), 'grey': (128, 128, 136),
}
EYE_COLORS = {
    'blue': (40, 90, 230), 'red': (210, 30, 40), 'brown': (110, 60, 30),
    'green': (40, 170, 60), 'purple': (140, 50, 200), 'yellow': (230, 200, 30),
    'pink': (240, 100, 170), 'aqua': (40, 200, 210), 'black': (30, 30, 30),
    'orange': (240, 120, 20),
}
HAIR_STYLES = ('long hair', 'short hair', 'twintails', 'bob')
SIZE = 96
# Bump when the drawing changes, so that old caches are not reused.
VERSION = 1
_SCALE = 3  # Drawn at 3x, then downsampled, for antialiased edges.


def _jitter_color(rng, color, amount=14):
  return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in color)


def _shade(color, factor):
  return tuple(int(np.clip(c * factor, 0, 255)) for c in color)


def draw_face(rng):
  """Draws one face. Returns (PIL RGB image SIZE x SIZE, list of tags)."""
  hair_name = list(HAIR_COLORS)[rng.integers(len(HAIR_COLORS))]
  eye_name = list(EYE_COLORS)[rng.integers(len(EYE_COLORS))]
  style = HAIR_STYLES[rng.integers(len(HAIR_STYLES))]
  blush = rng.random() < 0.35
  hair = _jitter_color(rng, HAIR_COLORS[hair_name])
  eye = _jitter_color(rng, EYE_COLORS[eye_name], 10)
  skin = _jitter_color(rng, (252, 226, 206), 6)
  background = tuple(int(c) for c in rng.integers(170, 256, size=3))

  s = _SCALE
  image = Image.new('RGB', (SIZE * s, SIZE * s), background)
  d = ImageDraw.Draw(image)
  cx = (48 + rng.uniform(-3, 3)) * s
  cy = (52 + rng.uniform(-3, 3)) * s
  k = rng.uniform(0.92, 1.08) * s  # face scale
  def box(x0, y0, x1, y1):
    return [cx + x0 * k, cy + y0 * k, cx + x1 * k, cy + y1 * k]

  # Hair behind the head.
  if style == 'long hair':
    d.rounded_rectangle(box(-36, -36, 36, 48), radius=20 * k, fill=hair)
  elif style == 'bob':
    d.rounded_rectangle(box(-34, -36, 34, 18), radius=18 * k, fill=hair)
  elif style == 'twintails':
    d.ellipse(box(-46, -14, -26, 44), fill=hair)
    d.ellipse(box(26, -14, 46, 44), fill=hair)
  d.ellipse(box(-33, -38, 33, 14), fill=hair)
  # Face: a round top and a pointed chin.
  d.ellipse(box(-26, -26, 26, 26), fill=skin)
  d.polygon([(cx - 25.5 * k, cy + 2 * k), (cx + 25.5 * k, cy + 2 * k), (cx, cy + 33 * k)],
            fill=skin)
  # Bangs: a cap with a jagged fringe over the forehead.
  fringe_y = -8 + rng.uniform(-2, 2)
  points = [(cx - 30 * k, cy - 2 * k), (cx - 30 * k, cy - 26 * k), (cx, cy - 36 * k),
            (cx + 30 * k, cy - 26 * k), (cx + 30 * k, cy - 2 * k)]
  teeth = 6
  for t in range(teeth + 1):
    x = -28 + 56 * t / teeth
    y = fringe_y + (6 if t % 2 else -2)
    points.append((cx + x * k, cy + y * k) if t else (cx + 28 * k, cy + fringe_y * k))
  d.polygon(points[:5] + points[5:][::-1], fill=hair)
  d.pieslice(box(-30, -38, 30, 14), 180, 360, fill=hair)
  # Eyes: white, iris, darker pupil, highlight, lash line.
  eye_y = 6 + rng.uniform(-1.5, 1.5)
  spacing = 12 + rng.uniform(-1.5, 1.5)
  for side in (-1, 1):
    ex = side * spacing
    d.ellipse(box(ex - 7, eye_y - 8, ex + 7, eye_y + 8), fill=(255, 255, 255))
    d.ellipse(box(ex - 5.5, eye_y - 7, ex + 5.5, eye_y + 8), fill=eye)
    d.ellipse(box(ex - 3, eye_y - 2, ex + 3, eye_y + 5), fill=_shade(eye, 0.45))
    d.ellipse(box(ex - 4, eye_y - 5, ex - 1, eye_y - 2), fill=(255, 255, 255))
    d.line([(cx + (ex - 8) * k, cy + (eye_y - 7) * k), (cx + (ex + 8) * k, cy + (eye_y - 9) * k)]
           if side < 0 else
           [(cx + (ex - 8) * k, cy + (eye_y - 9) * k), (cx + (ex + 8) * k, cy + (eye_y - 7) * k)],
           fill=(40, 30, 30), width=int(2.2 * k))
  if blush:
    for side in (-1, 1):
      d.ellipse(box(side * 17 - 5, 15, side * 17 + 5, 19), fill=(246, 170, 170))
  # Mouth.
  d.arc(box(-4, 17, 4, 23), 20, 160, fill=(160, 60, 60), width=int(1.5 * k))

  image = image.resize((SIZE, SIZE), Image.LANCZOS)
  tags = [f'{hair_name} hair', f'{eye_name} eyes', style] + (['blush'] if blush else [])
  return image, tags


def default_cache_dir():
  """$TFGAN_ANIME_CACHE, else ~/.cache/tfgan_anime."""
  return os.environ.get('TFGAN_ANIME_CACHE') or os.path.join(
      os.path.expanduser('~'), '.cache', 'tfgan_anime')


def ensure_synthetic_faces(num_images=10000, seed=0, cache_dir=None, progress=True):
  """Writes the faces once and returns their folder; later calls reuse it.

  The folder is written beside its final name and renamed when complete
  (`files.atomic_directory`), so an interrupted run never leaves a half-written dataset that a
  later run would take as finished.

  Returns:
    The folder path, holding `faces/NNNNN.jpg` and `tags.csv`.
  """
  if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images < 1:
    raise ValueError(f'num_images must be a positive integer. Received: num_images={num_images!r}')
  cache_dir = cache_dir or default_cache_dir()
  folder = os.path.join(cache_dir, f'synthetic_faces_v{VERSION}_n{num_images}_seed{seed}')
  if os.path.isdir(folder):
    return folder
  # replace=False: another process may have drawn the same faces first; its copy is identical.
  with files.atomic_directory(folder, replace=False) as staging:
    _draw_into(staging, folder, num_images, seed, progress)
  return folder


def _draw_into(staging, folder, num_images, seed, progress):
  """Draws the faces, their tags file and info.json into the empty folder `staging`."""
  os.makedirs(os.path.join(staging, 'faces'))
  rng = np.random.default_rng(seed)
  bar = None
  if progress:
    import keras  # Only for the progress bar.
    print(f'Drawing {num_images} synthetic faces into {folder} (once).')
    bar = keras.utils.Progbar(num_images, unit_name='image')
  tags_by_id = {}
  for i in range(num_images):
    image, tags = draw_face(rng)
    image_id = f'{i:05d}'
    image.save(os.path.join(staging, 'faces', f'{image_id}.jpg'), quality=95)
    tags_by_id[image_id] = tags
    if bar is not None and ((i + 1) % 250 == 0 or i + 1 == num_images):
      bar.update(i + 1)
  tags_lib.write_tags(os.path.join(staging, 'tags.csv'), tags_by_id)
  files.write_json(os.path.join(staging, 'info.json'),
                   {'version': VERSION, 'num_images': num_images, 'seed': seed, 'size': SIZE})
