"""Tag files in the anime-faces style: one image per line, `id,tag a:1 tag b:1`.

Tags hold spaces ("blonde hair"), so a line is split on the `:<count>` that ends each tag. The
tags are kept for a later tag-conditional GAN.
"""

import re

from tfgan_anime import files

_TAG = re.compile(r'\s*([^:]+?):(\d+)\s*')


def format_line(image_id, tags):
  """'12', ['blonde hair', 'blue eyes'] -> '12,blonde hair:1 blue eyes:1'."""
  return f'{image_id},' + ' '.join(f'{tag}:1' for tag in tags)


def write_tags(path, tags_by_id):
  """Writes {image_id: [tag, ...]} to `path`, one line per image, in insertion order, atomically."""
  with files.atomic_write(path, 'w', encoding='utf-8') as f:
    for image_id, tags in tags_by_id.items():
      f.write(format_line(image_id, tags) + '\n')


def parse_line(line, line_number=0, path='<string>'):
  """'12,blonde hair:1 blue eyes:1' -> ('12', {'blonde hair': 1, 'blue eyes': 1}).

  Raises:
    ValueError: naming the file and line, for a line without an id or with a malformed tag.
  """
  image_id, sep, rest = line.rstrip('\n').partition(',')
  if not sep or not image_id.strip():
    raise ValueError(f'{path}:{line_number}: expected "id,tag:count ...". Received: {line!r}')
  tags = {}
  position = 0
  rest = rest.strip()
  while position < len(rest):
    match = _TAG.match(rest, position)
    if not match:
      raise ValueError(f'{path}:{line_number}: malformed tag at column {position + 1}; '
                       f'expected "tag name:count". Received: {line.rstrip()!r}')
    tags[match.group(1)] = int(match.group(2))
    position = match.end()
  return image_id.strip(), tags


def read_tags(path):
  """Reads a tags file into {image_id: {tag: count}}; blank lines are skipped."""
  result = {}
  with open(path, encoding='utf-8') as f:
    for number, line in enumerate(f, start=1):
      if line.strip():
        image_id, tags = parse_line(line, number, path)
        result[image_id] = tags
  return result
