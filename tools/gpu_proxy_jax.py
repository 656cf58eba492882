r"""Times the seed's 64 px WGAN-GP step on a GPU through Keras 3's JAX backend.

A proxy for the GPU numbers in docs/BENCHMARKS.md, for machines that have JAX with CUDA but no
TensorFlow: the networks are tfgan_anime's own (`models/dcgan.py` is backend-agnostic Keras);
the step is rewritten here with jax.grad because `gan.py` uses tf.GradientTape. Same schedule:
n_critic critic updates, each on its own real batch with the gradient penalty (lambda 10, per
sample epsilon ~ U[0, 1]), then one generator update; Adam(1e-4, 0, 0.9) for both.

  KERAS_BACKEND=jax python tools/gpu_proxy_jax.py --batch 64 --n_critic 5 [--precision bf16]

Prints one JSON line: step seconds (median of timed steps after warm-up), images/s, and achieved
TFLOP/s from the FLOPs per step TensorFlow's profiler counted for the same networks on CPU
(the lab's early profiler count, before the LeakyReLU change: 1,789 GFLOP per n_critic-5 step at
batch 64, 458 at n_critic 1; linear in batch. `python -m tfgan_anime.benchmark` counts today's
step: 1,242 GFLOP, docs/BENCHMARKS.md).
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault('KERAS_BACKEND', 'jax')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # pylint: disable=g-import-not-at-top
import jax.numpy as jnp  # pylint: disable=g-import-not-at-top
import keras  # pylint: disable=g-import-not-at-top

from tfgan_anime.models import dcgan  # pylint: disable=g-import-not-at-top

# GFLOP per step at batch 64, counted by TensorFlow's profiler in the lab before the project's
# LeakyReLU change (kept so the figures in docs/gpu_proxy_h200.jsonl stay comparable): a critic
# update is 333 GFLOP and a generator update 125 GFLOP.
CRITIC_UPDATE_GFLOP_B64 = 333.0
GENERATOR_UPDATE_GFLOP_B64 = 125.0


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--n_critic', type=int, default=5)
  parser.add_argument('--resolution', type=int, default=64)
  parser.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
  parser.add_argument('--steps', type=int, default=20)
  args = parser.parse_args()
  if args.precision == 'bf16':
    keras.mixed_precision.set_dtype_policy('mixed_bfloat16')

  generator = dcgan.build_generator(args.resolution)
  critic = dcgan.build_critic(args.resolution, norm='none')
  g_opt = keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
  d_opt = keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
  g_opt.build(generator.trainable_variables)
  d_opt.build(critic.trainable_variables)

  def critic_out(d_tv, d_ntv, x):
    return critic.stateless_call(d_tv, d_ntv, x, training=True)[0].astype(jnp.float32)

  def critic_loss(d_tv, d_ntv, real, fake, eps):
    x_hat = eps * real + (1.0 - eps) * fake
    grads = jax.grad(lambda x: jnp.sum(critic_out(d_tv, d_ntv, x)))(x_hat)
    norms = jnp.sqrt(jnp.sum(jnp.square(grads.astype(jnp.float32)), axis=(1, 2, 3)) + 1e-12)
    penalty = jnp.mean(jnp.square(norms - 1.0))
    w = jnp.mean(critic_out(d_tv, d_ntv, real)) - jnp.mean(critic_out(d_tv, d_ntv, fake))
    return -w + 10.0 * penalty

  def generator_loss(g_tv, g_ntv, d_tv, d_ntv, z):
    fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
    return -jnp.mean(critic_out(d_tv, d_ntv, fake)), g_ntv

  @jax.jit
  def train_step(state, reals, key):
    g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
    for i in range(args.n_critic):
      key, kz, ke = jax.random.split(key, 3)
      z = jax.random.normal(kz, (args.batch, 100))
      fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
      eps = jax.random.uniform(ke, (args.batch, 1, 1, 1))
      grads = jax.grad(critic_loss)(d_tv, d_ntv, reals[i], jax.lax.stop_gradient(fake), eps)
      d_tv, d_ov = d_opt.stateless_apply(d_ov, grads, d_tv)
    key, kz = jax.random.split(key)
    z = jax.random.normal(kz, (args.batch, 100))
    grads, g_ntv = jax.grad(generator_loss, has_aux=True)(g_tv, g_ntv, d_tv, d_ntv, z)
    g_tv, g_ov = g_opt.stateless_apply(g_ov, grads, g_tv)
    return (g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov)

  values = lambda vs: [v.value for v in vs]  # pylint: disable=g-long-lambda
  state = (values(generator.trainable_variables), values(generator.non_trainable_variables),
           values(critic.trainable_variables), values(critic.non_trainable_variables),
           values(g_opt.variables), values(d_opt.variables))
  key = jax.random.PRNGKey(0)
  reals = jax.random.uniform(key, (args.n_critic, args.batch, args.resolution, args.resolution, 3),
                             minval=-1.0, maxval=1.0)
  start = time.perf_counter()
  state = train_step(state, reals, key)
  jax.block_until_ready(state)
  compile_s = time.perf_counter() - start
  for _ in range(3):
    state = train_step(state, reals, key)
  jax.block_until_ready(state)
  times = []
  for i in range(args.steps):
    start = time.perf_counter()
    state = train_step(state, reals, jax.random.PRNGKey(i))
    jax.block_until_ready(state)
    times.append(time.perf_counter() - start)
  step_s = statistics.median(times)
  gflop = (args.n_critic * CRITIC_UPDATE_GFLOP_B64 + GENERATOR_UPDATE_GFLOP_B64) * args.batch / 64
  if args.resolution != 64:
    gflop = float('nan')  # The profiler counts are for 64 px.
  print(json.dumps({
      'device': str(jax.devices()[0]), 'precision': args.precision, 'batch': args.batch,
      'n_critic': args.n_critic, 'resolution': args.resolution, 'compile_s': round(compile_s, 1),
      'step_s_median': step_s, 'step_s_min': min(times), 'step_s_max': max(times),
      'images_per_s': args.batch * args.n_critic / step_s,
      'generator_steps_per_s': 1.0 / step_s, 'gflop_per_step': gflop,
      'achieved_tflops': gflop / step_s / 1e3,
  }), flush=True)


if __name__ == '__main__':
  main()
