r"""What --fsync costs per checkpoint: RunCheckpoints.save with fsync on and off.

  python tools/fsync_cost.py --dir=/path/on/the/run/disk --saves=10

Builds the default 64 px WGAN-GP networks (TrainConfig's defaults, untrained), then saves
`--saves` checkpoints with fsync on and as many with it off, alternating, into `--dir` (a
folder on the disk that the run directory will be on: the cost is the disk's). Prints the median
time of one save each way, the difference, the time spent inside os.fsync per save, and the
checkpoint's size. A save with fsync off still writes the same bytes; the kernel flushes them
later, so on a lightly loaded disk the difference can be below the noise.
"""

import os
import statistics
import sys
import tempfile
import time

from absl import app
from absl import flags

_DIR = flags.DEFINE_string('dir', '', 'Where to write (default: a temporary folder).')
_SAVES = flags.DEFINE_integer('saves', 10, 'Checkpoints saved each way.')


def main(argv):
  del argv
  # pylint: disable=g-import-not-at-top (TensorFlow loads after the flags are read)
  from tfgan_anime import config as config_lib
  from tfgan_anime import files
  from tfgan_anime.training import builders
  from tfgan_anime.training import checkpoints
  directory = tempfile.mkdtemp(dir=_DIR.value or None)
  gan = builders.build_gan(config_lib.TrainConfig(model_dir=directory))
  run = checkpoints.RunCheckpoints(gan, os.path.join(directory, 'checkpoints'), max_to_keep=3,
                                   log=lambda _: None)
  times = {True: [], False: []}
  in_fsync = []
  real_fsync = os.fsync

  def timed_fsync(fd):
    start = time.perf_counter()
    real_fsync(fd)
    in_fsync.append(time.perf_counter() - start)

  os.fsync = timed_fsync
  for step in range(1, 2 * _SAVES.value + 2):
    enabled = step % 2 == 0
    files.set_fsync(enabled)
    gan.step.assign(step)
    start = time.perf_counter()
    run.save(step)
    if step > 1:  # The first save traces the finiteness check.
      times[enabled].append(time.perf_counter() - start)
  files.set_fsync(True)
  os.fsync = real_fsync
  path = run.manager.latest_checkpoint
  size = sum(os.path.getsize(p) for p in tf_files(path))
  on, off = statistics.median(times[True]), statistics.median(times[False])
  print(f'checkpoint {size / 2**20:.1f} MiB in {directory}; median of {_SAVES.value} saves: '
        f'fsync on {on * 1e3:.0f} ms, off {off * 1e3:.0f} ms, difference {(on - off) * 1e3:.0f} ms; '
        f'in os.fsync {sum(in_fsync) / len(times[True]) * 1e3:.0f} ms per save')


def tf_files(prefix):
  folder = os.path.dirname(prefix)
  name = os.path.basename(prefix)
  return [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith(name + '.')]


if __name__ == '__main__':
  sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  app.run(main)
