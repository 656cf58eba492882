"""absl flags for the training binary, one per TrainConfig field (defaults live there), and the
flagfile expansion that makes the shipped configs work from any folder.

absl resolves `--flagfile=PATH` against the working directory, also inside a flagfile, so
`configs/wgan_gp.cfg` (which includes its base) worked only from the repository root.
`expand_flagfiles` replaces every `--flagfile` before absl parses: a path inside a flagfile is
relative to that file; a relative path on the command line is looked up in the working directory,
then in the configs shipped with the package (`tfgan_anime/configs/`), so `--flagfile=wgan_gp.cfg`
and `--flagfile=configs/wgan_gp.cfg` work after a plain `pip install`.
"""

import dataclasses
import os

from absl import app
from absl import flags

from tfgan_anime import config as config_lib
from tfgan_anime.errors import UserError

CONFIGS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'configs')
_DIRECTIVES = ('--flagfile=', '-flagfile=')


def define_flags(flag_values=flags.FLAGS):
  """Defines one flag per TrainConfig field, with its default, help and choices."""
  for field in dataclasses.fields(config_lib.TrainConfig):
    help_text = field.metadata['help']
    choices = field.metadata['choices']
    if choices:
      flags.DEFINE_enum(field.name, field.default, list(choices), help_text,
                        flag_values=flag_values)
    elif field.type in (bool, 'bool'):
      flags.DEFINE_bool(field.name, field.default, help_text, flag_values=flag_values)
    elif field.type in (int, 'int'):
      flags.DEFINE_integer(field.name, field.default, help_text, flag_values=flag_values)
    elif field.type in (float, 'float'):
      flags.DEFINE_float(field.name, field.default, help_text, flag_values=flag_values)
    else:
      flags.DEFINE_string(field.name, field.default, help_text, flag_values=flag_values)


def config_from_flags(flag_values=flags.FLAGS):
  """A TrainConfig holding the parsed flags' values."""
  return config_lib.TrainConfig(**{
      field.name: flag_values[field.name].value
      for field in dataclasses.fields(config_lib.TrainConfig)
  })


def expand_flagfiles(args):
  """`args` (without the program name) with every flagfile directive replaced by its flags.

  Handles `--flagfile=PATH` and `--flagfile PATH` (one or two dashes), recursively, in place, so
  that later flags still win. In a file, blank lines and lines starting with # or // are skipped,
  as absl does. Arguments after `--` are left alone.

  Raises:
    UserError: a flagfile is missing, unreadable, or includes itself.
  """
  expanded = []
  rest = list(args)
  while rest:
    arg = rest.pop(0)
    if arg == '--':
      expanded.append(arg)
      expanded.extend(rest)
      break
    if arg in ('--flagfile', '-flagfile'):
      if not rest:
        raise UserError('Missing --flagfile value. Received: --flagfile at the end; accepted: '
                        '--flagfile=PATH')
      path = rest.pop(0)
    elif arg.startswith(_DIRECTIVES):
      path = arg.split('=', 1)[1]
    else:
      expanded.append(arg)
      continue
    expanded.extend(_read_flagfile(_find_top_level(path), ()))
  return expanded


def parse_flags(argv):
  """absl's flags_parser for `cli.run`: expands the flagfiles, then parses as absl does."""
  return app.parse_flags_with_usage(argv[:1] + expand_flagfiles(argv[1:]))


def _find_top_level(path):
  """The file a command-line flagfile path names: as given, else among the shipped configs."""
  path = os.path.expanduser(path.strip())
  candidates = [os.path.abspath(path)]
  if not os.path.isabs(path):
    candidates.append(os.path.join(CONFIGS_DIR, path))
    first, _, below = path.replace(os.sep, '/').partition('/')
    if first == 'configs' and below:
      # The repository's configs/ folder, as the README's commands name it.
      candidates.append(os.path.join(CONFIGS_DIR, below))
  for candidate in candidates:
    if os.path.isfile(candidate):
      return candidate
  raise UserError(f'Missing flagfile. Received: flagfile={path!r}; looked for: '
                  f'{", ".join(candidates)}; accepted: a flagfile path, or the name of a '
                  f'shipped config ({", ".join(shipped_configs())})')


def shipped_configs():
  """Names of the flagfiles in tfgan_anime/configs/."""
  if not os.path.isdir(CONFIGS_DIR):
    return []
  return sorted(name for name in os.listdir(CONFIGS_DIR) if name.endswith('.cfg'))


def _read_flagfile(path, including):
  """The flag lines of the flagfile at `path`, nested flagfiles expanded relative to it.

  Args:
    path: an absolute path to an existing file.
    including: the absolute paths of the flagfiles that include this one, outermost first.
  """
  if path in including:
    raise UserError(f'Invalid flagfile: it includes itself. Received: {" -> ".join(including)} '
                    f'-> {path}; accepted: flagfiles that include each other without a cycle')
  try:
    with open(path, encoding='utf-8') as f:
      lines = f.read().splitlines()
  except (OSError, UnicodeDecodeError) as e:
    raise UserError(f'Unreadable flagfile. Received: flagfile={path!r} ({e}); accepted: a '
                    'readable UTF-8 text file of --name=value lines') from e
  expanded = []
  for line in lines:
    line = line.strip()
    if not line or line.startswith(('#', '//')):
      continue
    if line.startswith(_DIRECTIVES):
      nested = os.path.expanduser(line.split('=', 1)[1].strip())
      nested = os.path.normpath(os.path.join(os.path.dirname(path), nested))
      if not os.path.isfile(nested):
        raise UserError(f'Missing flagfile. Received: {line!r} in {path}; looked for: {nested} '
                        '(a flagfile inside a flagfile is relative to the file that names it); '
                        'accepted: the path of an existing flagfile')
      expanded.extend(_read_flagfile(nested, including + (path,)))
    else:
      expanded.append(line)
  return expanded
