"""The one convention every binary follows (train, evaluate, generate, prepare_data, benchmark,
the toy sweep).

- Flags are defined only in the module that runs as a binary, inside a `define_flags()` that
  `run` calls, so importing a binary's module for its functions registers no flag.
- Library code raises `errors.UserError` for bad input: its message names the option, the value
  received and what is accepted. `run` prints it as one `error: ...` line on stderr and exits
  with status 2. Nothing else is caught: a real bug keeps its traceback.
"""

import sys

from absl import app

from tfgan_anime.errors import UserError

EXIT_USAGE = 2


def fail(message, status=EXIT_USAGE):
  """Prints `message` as one line on stderr and exits with `status`."""
  print(message, file=sys.stderr, flush=True)
  sys.exit(status)


def run(main, define_flags=None, flags_parser=None):
  """Runs `main(argv)` as a binary: defines the flags, parses them, renders a UserError.

  Args:
    main: the binary's main(argv).
    define_flags: a function that defines the binary's flags (called once, here).
    flags_parser: passed to absl's app.run (e.g. to expand flagfiles first).
  """
  if define_flags is not None:
    define_flags()

  def guarded_main(argv):
    if len(argv) > 1:
      fail(f'error: Unexpected arguments. Received: {" ".join(argv[1:])}; accepted: flags only '
           '(--name=value)')
    try:
      return main(argv)
    except UserError as e:
      fail(f'error: {e}')

  kwargs = {'flags_parser': flags_parser} if flags_parser is not None else {}
  app.run(guarded_main, **kwargs)
