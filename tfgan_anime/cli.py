"""The one convention every binary follows (train, evaluate, generate, prepare_data, benchmark,
the toy sweep).

- Flags are defined only in the module that runs as a binary, inside a `define_flags()` that
  `run` calls, so importing a binary's module for its functions registers no flag.
- Library code raises `errors.UserError` for bad input: its message names the option, the value
  received and what is accepted. `run` prints it as one `error: ...` line on stderr and exits
  with status 2 (also when the flags parser raises it, e.g. for a missing flagfile). Nothing else
  is caught: a real bug keeps its traceback.
- A binary imports TensorFlow (directly or through any module that does) only after calling
  `import_tensorflow()`, which hides TensorFlow's C++ start-up lines. So a binary's module
  imports this one and light modules at the top, and the TensorFlow users inside `main`; that
  also keeps `--helpfull` and a bad flag instant.

This module imports no TensorFlow.
"""

import os
import sys
import tempfile

from absl import app

from tfgan_anime.errors import UserError

EXIT_USAGE = 2

# TensorFlow's C++ start-up lines, which say nothing about this run. Those logged before
# absl::InitializeLog ignore TF_CPP_MIN_LOG_LEVEL, so they are filtered here instead.
_STARTUP_NOISE = (
    'absl::InitializeLog',
    'oneDNN custom operations are on',
    'Could not find cuda drivers',
    'failed call to cuInit',
    'This TensorFlow binary is optimized',
    'To enable the following instructions',
    'Unable to register cuDNN factory',
    'Unable to register cuFFT factory',
    'Unable to register cuBLAS factory',
    'computation placer already registered',
    'TF-TRT Warning',
)


def fail(message, status=EXIT_USAGE):
  """Prints `message` as one line on stderr and exits with `status`."""
  print(message, file=sys.stderr, flush=True)
  sys.exit(status)


def import_tensorflow():
  """Imports TensorFlow without its C++ start-up lines; returns the module.

  TF_CPP_MIN_LOG_LEVEL defaults to 2 (warnings and errors of the run are still shown) unless the
  user set it. Lines logged before absl::InitializeLog (oneDNN, CUDA drivers) ignore that level,
  so file descriptor 2 goes to a temporary file while TensorFlow loads and first looks for devices
  (where cuInit fails on a machine without a GPU); then every captured line that is not known
  start-up noise is written to stderr. If the import raises, everything captured is written and
  the exception propagates. With TF_CPP_MIN_LOG_LEVEL=0 nothing is filtered.
  """
  if 'tensorflow' in sys.modules:
    return sys.modules['tensorflow']
  level = os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  if level == '0':
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    return tf
  sys.stderr.flush()
  saved = os.dup(2)
  failed = True
  with tempfile.TemporaryFile() as captured:
    os.dup2(captured.fileno(), 2)
    try:
      import tensorflow as tf  # pylint: disable=g-import-not-at-top
      tf.config.list_physical_devices()
      failed = False
    finally:
      sys.stderr.flush()
      os.dup2(saved, 2)
      os.close(saved)
      captured.seek(0)
      lines = captured.read().decode('utf-8', 'replace').splitlines(keepends=True)
      for line in lines:
        if failed or not any(noise in line for noise in _STARTUP_NOISE):
          sys.stderr.write(line)
      sys.stderr.flush()
  return tf


def run(main, define_flags=None, flags_parser=None):
  """Runs `main(argv)` as a binary: defines the flags, parses them, renders a UserError.

  Args:
    main: the binary's main(argv).
    define_flags: a function that defines the binary's flags (called once, here).
    flags_parser: passed to absl's app.run (e.g. `flags.parse_flags`, which expands flagfiles);
      a UserError it raises is rendered like one from `main`.
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

  kwargs = {}
  if flags_parser is not None:

    def guarded_parser(argv):
      try:
        return flags_parser(argv)
      except UserError as e:
        fail(f'error: {e}')

    kwargs['flags_parser'] = guarded_parser
  app.run(guarded_main, **kwargs)
