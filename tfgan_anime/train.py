r"""Trains a GAN image generator.

  python -m tfgan_anime.train --flagfile=configs/quickstart.cfg --model_dir=runs/quickstart

Flags: see `tfgan_anime/config.py` (or --helpfull). Reusing --model_dir resumes the run.
"""

import json
import sys

from absl import app
from absl import flags
from absl import logging

from tfgan_anime import flags as flags_lib
from tfgan_anime import train_lib

flags_lib.define_flags()
FLAGS = flags.FLAGS


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {" ".join(argv[1:])}')
  config = flags_lib.config_from_flags(FLAGS)
  try:
    config.validate()
  except ValueError as e:
    print(f'error: {e}', file=sys.stderr)
    sys.exit(2)
  # TensorFlow logs every SavedModel asset and checkpoint shard at INFO; our own progress lines
  # are printed by train_lib.
  logging.set_verbosity(logging.WARNING)
  if config.dry_run:
    print(json.dumps(config.to_dict(), indent=2, sort_keys=True))
    return
  result = train_lib.train(config)
  print(f'Trained to step {result.step}.')
  if result.samples:
    print(f'Sample grids: {len(result.samples)} in {config.model_dir}/samples '
          f'(latest: {result.samples[-1]})')
  if result.export_dir:
    print(f'Exported generator: {result.export_dir}')


if __name__ == '__main__':
  app.run(main)
