"""Times GANs against each other in one run: fit() segments interleaved, repeat by repeat.

Shared by the tools that measure a feature's cost per step as a ratio (sync BN, penalties,
EMA and augmentation): interleaving gives every variant the same load on a shared machine.
"""

import time

from absl import flags

from tfgan_anime import flags as flags_lib


def seconds_per_step(runs, steps, repeats):
  """{name: [seconds per step of each repeat]} for `runs` = {name: (gan, dataset)}.

  Each repeat is one fit() of `steps` steps per variant; warm the GANs up (trace their step)
  before calling this.
  """
  seconds = {name: [] for name in runs}
  for _ in range(repeats):
    for name, (gan, dataset) in runs.items():
      start = time.perf_counter()
      gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
      seconds[name].append((time.perf_counter() - start) / steps)
  return seconds


def quickstart_config():
  """The TrainConfig of configs/quickstart.cfg: the networks and settings whose cost is timed."""
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  values(flags_lib.expand_flagfiles(['benchmark', '--flagfile=quickstart.cfg',
                                     '--model_dir=unused']))
  return flags_lib.config_from_flags(values)
