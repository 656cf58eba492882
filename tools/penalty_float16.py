r"""The gradient penalties of a mixed_float16 critic against its float32 copy, same weights.

  python tools/penalty_float16.py

The 64 px DCGAN critic (base width 64, seeded Glorot initialisation), 8 uniform [-1, 1] images
as real and 8 as fake, one epsilon per pair. The logit kernel is multiplied by 1, 1e-2 and
1e-3 to give critics of smaller input gradients (R1 pulls ||grad D(x)|| towards 0). Each row:
the float32 critic's mean ||grad D(x)|| on the reals, the inner tape's scale, and the largest
relative differences of the float16 critic's per-sample norms and of its penalty (R1 on the
reals; GP between reals and fakes), without the scale (1) and with losses.INPUT_GRADIENT_SCALE.
Prints a Markdown table (docs/BENCHMARKS.md).
"""

from unittest import mock

import keras
import numpy as np

from tfgan_anime import losses
from tfgan_anime.models import dcgan


def _relative(a, b):
  return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


def main():
  rng = np.random.default_rng(0)
  real = rng.uniform(-1, 1, (8, 64, 64, 3)).astype(np.float32)
  fake = rng.uniform(-1, 1, (8, 64, 64, 3)).astype(np.float32)
  eps = rng.uniform(0, 1, 8).astype(np.float32)
  keras.utils.set_random_seed(0)
  critic32 = dcgan.build_critic(64, base_width=64)
  keras.mixed_precision.set_dtype_policy('mixed_float16')
  try:
    critic16 = dcgan.build_critic(64, base_width=64)
  finally:
    keras.mixed_precision.set_dtype_policy('float32')
  print('| mean norm (float32) | scale | R1 norms | R1 | GP norms | GP |')
  print('| --- | --- | --- | --- | --- | --- |')
  initial = critic32.get_weights()
  for shrink in (1.0, 1e-2, 1e-3):
    weights = list(initial)
    weights[-2] = weights[-2] * shrink
    critic32.set_weights(weights)
    critic16.set_weights(weights)
    r1_32, r1_norms32 = losses.r1_penalty(critic32, real)
    gp32, gp_norms32 = losses.gradient_penalty(critic32, real, fake, eps)
    for scale in (1.0, losses.INPUT_GRADIENT_SCALE):
      with mock.patch.object(losses, 'INPUT_GRADIENT_SCALE', scale):
        r1_16, r1_norms16 = losses.r1_penalty(critic16, real)
        gp16, gp_norms16 = losses.gradient_penalty(critic16, real, fake, eps)
      print(f'| {float(np.mean(r1_norms32)):.2g} | {scale:g} | '
            f'{_relative(r1_norms16, r1_norms32):.1e} | {_relative(r1_16, r1_32):.1e} | '
            f'{_relative(gp_norms16, gp_norms32):.1e} | {_relative(gp16, gp32):.1e} |',
            flush=True)


if __name__ == '__main__':
  main()
