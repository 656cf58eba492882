r"""Trains a GAN image generator.

  python -m tfgan_anime.train --flagfile=configs/quickstart.cfg --model_dir=runs/quickstart

Flags: see `tfgan_anime/config.py` (or --helpfull). Reusing --model_dir resumes the run.

Exit status: 0 trained to the end; 2 a bad flag, path or data folder (one line on stderr, nothing
trained); 3 training diverged and --max_rollbacks ran out; 75 stopped by SIGTERM or SIGINT after
saving a checkpoint (rerun the same command to resume; 75 is EX_TEMPFAIL, "try again", so a
scheduler restarts the job rather than counting it done); 130 a second Ctrl-C, nothing saved.
"""

import json
import sys

from absl import app
from absl import flags
from absl import logging

from tfgan_anime import flags as flags_lib
from tfgan_anime.training import guard
from tfgan_anime.training import signals
from tfgan_anime.training import loop as train_lib
from tfgan_anime.errors import UserError

flags_lib.define_flags()
FLAGS = flags.FLAGS

EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_STOPPED = 75
EXIT_INTERRUPTED = 130


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {" ".join(argv[1:])}')
  config = flags_lib.config_from_flags(FLAGS)
  try:
    config.validate()
    config.check_paths()
  except UserError as e:
    _exit(EXIT_USAGE, f'error: {e}')
  # TensorFlow logs every SavedModel asset and checkpoint shard at INFO; our own progress lines
  # are printed by train_lib.
  logging.set_verbosity(logging.WARNING)
  if config.dry_run:
    print(json.dumps(config.to_dict(), indent=2, sort_keys=True))
    return
  try:
    with signals.StopRequest() as stop_request:
      result = train_lib.train(config, stop_request=stop_request)
  except UserError as e:
    _exit(EXIT_USAGE, f'error: {e}')
  except guard.DivergenceError as e:
    _exit(EXIT_DIVERGED, f'error: {e}')
  except KeyboardInterrupt:
    _exit(EXIT_INTERRUPTED, 'Interrupted twice: stopped without saving; the latest checkpoint '
          'is from before.')
  if result.stopped_by:
    _exit(EXIT_STOPPED, f'Stopped by {result.stopped_by} at step {result.step}; the checkpoint '
          f'is saved in {config.model_dir}/checkpoints. Run the same command to resume.')
  print(f'Trained to step {result.step}.')
  if result.rollbacks:
    print(f'The divergence guard rolled back {result.rollbacks} '
          f'time{"" if result.rollbacks == 1 else "s"}.')
  if result.samples:
    print(f'Sample grids: {len(result.samples)} in {config.model_dir}/samples '
          f'(latest: {result.samples[-1]})')
  if result.export_dir:
    print(f'Exported generator: {result.export_dir}')


def _exit(status, message):
  print(message, file=sys.stderr, flush=True)
  sys.exit(status)


if __name__ == '__main__':
  app.run(main)
