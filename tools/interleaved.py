"""Times GANs against each other in one run: fit() segments interleaved, repeat by repeat.

Shared by the tools that measure a feature's cost per step as a ratio (sync BN, penalties,
EMA and augmentation): interleaving gives every variant the same load on a shared machine.
"""

import statistics
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


def random_image_runs(configs, warmup_steps=3):
  """{name: (gan, dataset)} for `configs` = {name: TrainConfig}: each GAN built, on random
  32 px images, and warmed up (its step traced) for seconds_per_step."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_anime.data import pipeline  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import loop as train_lib  # pylint: disable=g-import-not-at-top
  images = np.random.default_rng(0).integers(0, 256, (512, 32, 32, 3), dtype=np.uint8)
  runs = {}
  for name, config in configs.items():
    config.validate()
    dataset = pipeline.group_for_critic(tf.data.Dataset.from_tensor_slices(images).repeat(),
                                        config.batch_size, config.n_critic)
    gan = train_lib.build_gan(config)
    gan.fit(dataset, steps_per_epoch=warmup_steps, epochs=1, verbose=0)
    runs[name] = (gan, dataset)
  return runs


def quickstart_config(extra_flags=()):
  """The TrainConfig of configs/quickstart.cfg: the networks and settings whose cost is timed.

  In float32 on every machine (the quickstart's `--mixed_precision=auto` would pick bfloat16 on
  some CPUs), so that a feature's ratio means the same from one machine to the next.
  `extra_flags` (command-line flags, e.g. ['--loss=non_saturating']) change it after that.
  """
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  values(flags_lib.expand_flagfiles(['benchmark', '--flagfile=quickstart.cfg',
                                     '--model_dir=unused', '--mixed_precision=float32',
                                     *extra_flags]))
  return flags_lib.config_from_flags(values)


def print_ratios(seconds, baseline, steps):
  """Prints each variant's median seconds per step and its ratio to `baseline`'s.

  On a shared machine the repeats are often bimodal (a neighbour's load doubles some of them);
  the fastest repeat is the least disturbed, so its ratio is printed beside the median's, and
  every repeat is listed.
  """
  base_median = statistics.median(seconds[baseline])
  base_fastest = min(seconds[baseline])
  for name, values in seconds.items():
    median = statistics.median(values)
    print(f'{name:14s} {1e3 * median:6.1f} ms/step median (min {1e3 * min(values):.1f}, max '
          f'{1e3 * max(values):.1f}) over {len(values)} x {steps} steps; ratio to {baseline}: '
          f'median {median / base_median:.3f}, fastest {min(values) / base_fastest:.3f}; '
          f'repeats (ms): {", ".join(f"{1e3 * v:.0f}" for v in values)}')
