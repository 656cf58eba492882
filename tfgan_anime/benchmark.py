r"""How fast this trainer runs on this machine, against simple baselines and the machine's peak.

  python -m tfgan_anime.benchmark           # 64 px, batch 64, n_critic 5, 3 repeats (~10+ min)
  python -m tfgan_anime.benchmark --quick   # batch 8, 2 repeats, 512 images (a few minutes)
  python -m tfgan_anime.benchmark --json    # also one JSON line at the end

One run measures, each after a warm-up, as the median over repeats with its spread (min-max):
  peak       fp32 matmul (numpy and TensorFlow, n x n): the machine's practical FLOP/s ceiling
  pipeline   training elements from a temporary folder of 96x96 JPEGs (synthetic faces) and
             from TFRecord shards of them (original JPEG bytes, and pre-resized uint8), against
             a naive loader (PIL open -> crop -> resize -> numpy, one image at a time)
  step       the 64 px WGAN-GP step (GAN.train_step) and a baseline written here in the
             style of the keras.io WGAN-GP example (one tf.function, separate critic calls for
             real, fake and interpolates, Keras' own LeakyReLU); the same for DCGAN
  mnist      the same pair on the keras.io example's own setup: the talk's MNIST networks
             (models/talk.py, 28x28x1, z 128), 3 critic steps, Adam(2e-4, 0.5, 0.9)
  end_to_end fit() on the JPEG folder against fit() on one in-memory element, each step
             timed by a callback (fit() can return well after its last step)
  flops      each step's FLOPs, counted by TensorFlow's cost model over the ops that run (the
             graph pruned to what the outputs and variable updates need)

Images per second of a step count the real images it consumes: batch_size * n_critic. Timings
on a shared machine are noisy: the load average is printed with the results, and the variants
of a section run interleaved, repeat by repeat, so that they see the same load.
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from tfgan_anime import cli  # pylint: disable=g-bad-import-order
cli.import_tensorflow()  # Before anything imports TensorFlow: no C++ start-up lines.

from absl import flags
import keras
import numpy as np
from PIL import Image
import tensorflow as tf
from tensorflow.python.framework import ops as tf_ops  # The cost model's FLOP counts.

from tfgan_anime import choices
from tfgan_anime import config as config_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import hardware
from tfgan_anime.errors import UserError
from tfgan_anime.training import loop as train_lib
from tfgan_anime.data import pil_images
from tfgan_anime.data import pipeline
from tfgan_anime.data import synthetic
from tfgan_anime.data import tfrecord
from tfgan_anime.models import dcgan
from tfgan_anime.models import layers as layers_lib

SECTIONS = ('peak', 'convs', 'pipeline', 'step', 'mnist', 'end_to_end')
# keras.io's wgan_gp.py: discriminator_extra_steps=3.
MNIST_N_CRITIC = 3
# Short names of the precisions in result keys: 'wgan_gp' is float32, 'wgan_gp_bf16' bfloat16.
SHORT = {'float32': '', 'mixed_bfloat16': '_bf16', 'mixed_float16': '_fp16'}
# The matmul dtype whose speed bounds a step of each precision.
MATMUL_DTYPE = {'float32': 'float32', 'mixed_bfloat16': 'bfloat16', 'mixed_float16': 'float16'}
# What the report's table holds each ratio to (docs/BENCHMARKS.md).
TARGETS = {'step_fraction_of_peak': 0.70, 'pipeline_over_naive': 5.0, 'end_to_end_ratio': 1.05}


# --- Measuring ------------------------------------------------------------------------------

def summary(values):
  """Median and spread of positive measurements."""
  return {'median': statistics.median(values), 'min': min(values), 'max': max(values),
          'n': len(values)}


def count_flops(concrete_function):
  """FLOPs of the ops a concrete function runs: those its outputs and side effects need.

  Counting every op in the graph would also count gradient ops that TensorFlow builds and then
  prunes (a Conv2D's gradient builds both input and filter gradients even when one is unused).
  """
  graph = concrete_function.graph
  stack = [tensor.op for tensor in graph.outputs] + list(graph.control_outputs)
  seen = {}
  while stack:
    op = stack.pop()
    if op.name in seen:
      continue
    seen[op.name] = op
    stack.extend(tensor.op for tensor in op.inputs)
    stack.extend(op.control_inputs)
  total = 0
  logger = tf.get_logger()
  level = logger.level
  logger.setLevel('ERROR')  # The cost model logs a deprecation warning on first use.
  try:
    for op in seen.values():
      try:
        total += tf_ops.get_stats_for_node_def(graph, op.node_def, 'flops').value or 0
      except ValueError:  # No cost function registered: no arithmetic worth counting.
        pass
  finally:
    logger.setLevel(level)
  return int(total)


def conv_flops_per_image(generator, critic):
  """{layer name: forward FLOPs per image} of the dense and convolution layers (2 per MAC).

  A convolution costs 2 * H_out * W_out * k * k * C_in * C_out; a transposed one the same with
  the input's H and W (each input pixel scatters a k x k x C_out patch).
  """
  flops = {}
  for network in (generator, critic):
    for layer in network.layers:
      inner = getattr(layer, 'layer', layer)  # Unwraps SpectralNormalization.
      if isinstance(inner, keras.layers.Dense):
        flops[f'{network.name}/{layer.name}'] = 2 * inner.kernel.shape[0] * inner.kernel.shape[1]
      elif isinstance(inner, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
        k_h, k_w = inner.kernel_size
        c_in = layer.input.shape[-1]
        h, w = (layer.input.shape[1:3] if isinstance(inner, keras.layers.Conv2DTranspose)
                else layer.output.shape[1:3])
        flops[f'{network.name}/{layer.name}'] = 2 * h * w * k_h * k_w * c_in * inner.filters
  return flops


def analytic_step_flops(generator, critic, batch_size, n_critic, penalty):
  """Model FLOPs of one step from per-layer forward counts (see docs/BENCHMARKS.md).

  With F_G, F_D the forward FLOPs of the networks per image and F_D1 that of the critic's first
  layer (whose input gradient only the penalty needs):
    critic update, gp:    F_G + 3 F_D (real, fake, x_hat) + 2 (2 F_D - F_D1) (backward of the
                          real and fake terms) + F_D (input gradient at x_hat) + 2 F_D (its
                          derivative in the weights) = F_G + 10 F_D - 2 F_D1
    critic update, none:  F_G + 2 F_D + 2 (2 F_D - F_D1) = F_G + 6 F_D - 2 F_D1
    generator update:     F_G + F_D + F_D (input gradient) + 2 F_G (backward) = 3 F_G + 2 F_D
  """
  flops = conv_flops_per_image(generator, critic)
  f_g = sum(v for k, v in flops.items() if k.startswith(generator.name + '/'))
  critic_layers = [v for k, v in flops.items() if k.startswith(critic.name + '/')]
  f_d, f_d1 = sum(critic_layers), critic_layers[0]
  critic_update = f_g + (10 * f_d if penalty == 'gp' else 6 * f_d) - 2 * f_d1
  return batch_size * (n_critic * critic_update + 3 * f_g + 2 * f_d)


def matmul_peak(sizes, repeats, tf_dtypes=('float32',)):
  """{'numpy_N': summary, 'tf_N': summary, 'tf_bfloat16_N': ...} of matmul GFLOP/s, interleaved.

  numpy runs float32 only; TensorFlow runs each of `tf_dtypes` (float32 is named 'tf_N'). A
  bfloat16 matmul is the ceiling of a mixed_bfloat16 step, as the float32 one is of a float32
  step.
  """
  rng = np.random.default_rng(0)
  runs = {}
  for n in sizes:
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    tf_matmul = tf.function(lambda x, y: tf.matmul(x, y))
    runs[f'numpy_{n}'] = (lambda a=a, b=b: a @ b, 2 * n**3)
    for dtype in tf_dtypes:
      ta, tb = tf.cast(a, dtype), tf.cast(b, dtype)
      name = f'tf_{n}' if dtype == 'float32' else f'tf_{dtype}_{n}'
      runs[name] = (lambda ta=ta, tb=tb, f=tf_matmul: f(ta, tb).numpy(), 2 * n**3)
  for fn, _ in runs.values():
    fn()
  rates = {name: [] for name in runs}
  for _ in range(repeats):
    for name, (fn, flops) in runs.items():
      start = time.perf_counter()
      fn()
      rates[name].append(flops / (time.perf_counter() - start) / 1e9)
  return {name: summary(values) for name, values in rates.items()}


# --- Data -----------------------------------------------------------------------------------

def make_benchmark_data(workdir, num_images, resolution):
  """A folder of synthetic 96x96 JPEG faces and two shard sets of them, under `workdir`.

  Returns:
    {'folder': path, 'files': [paths], 'tfrecord_jpeg': glob, 'tfrecord_uint8': glob}
  """
  folder = synthetic.ensure_synthetic_faces(num_images, seed=0, cache_dir=workdir,
                                            progress=False)
  files = pil_images.list_images(folder)
  num_shards = 8
  tfrecord.write_shards(files, os.path.join(workdir, 'shards_jpeg'), num_shards)
  tfrecord.write_shards(files, os.path.join(workdir, 'shards_uint8'), num_shards,
                        resolution=resolution, encode='uint8')
  return {'folder': folder, 'files': files,
          'tfrecord_jpeg': os.path.join(workdir, 'shards_jpeg', '*.tfrecord'),
          'tfrecord_uint8': os.path.join(workdir, 'shards_uint8', '*.tfrecord')}


def naive_load(path, resolution):
  """PIL open -> RGB -> centre square -> bilinear resize -> float32 [-1, 1], one image."""
  with Image.open(path) as image:
    image = image.convert('RGB')
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    image = image.resize((resolution, resolution), Image.BILINEAR)
    return np.asarray(image, np.float32) / 127.5 - 1.0


def pipeline_rates(data, resolution, batch_size, n_critic, repeats, num_images):
  """{source: summary of img/s}: the naive loader and the training pipeline on each source."""
  per_element = batch_size * n_critic
  elements = max(4, num_images // per_element)  # About one pass over the data per repeat.
  specs = {
      'folder': (data['folder'], None),
      'folder_cache_memory': (data['folder'], 'memory'),
      'tfrecord_jpeg': ('tfrecord:' + data['tfrecord_jpeg'], None),
      'tfrecord_uint8': ('tfrecord:' + data['tfrecord_uint8'], None),
  }
  datasets = {}
  for name, (spec, cache) in specs.items():
    datasets[name] = pipeline.make_dataset(spec, resolution, batch_size, n_critic, seed=0,
                                           cache=cache)[0]
    if cache:
      # Fill the cache: one full pass, through an iterator that is then dropped.
      iterator = iter(datasets[name])
      for _ in range(num_images // per_element + 2):
        next(iterator)
  files = data['files']
  rates = {name: [] for name in ['naive'] + list(specs)}
  naive_load(files[0], resolution)
  for _ in range(repeats):
    start = time.perf_counter()
    for path in files:
      naive_load(path, resolution)
    rates['naive'].append(len(files) / (time.perf_counter() - start))
    for name, dataset in datasets.items():
      iterator = iter(dataset)
      next(iterator)  # Starts the threads; the first element is not timed.
      start = time.perf_counter()
      for _ in range(elements):
        next(iterator)
      rates[name].append(elements * per_element / (time.perf_counter() - start))
      del iterator
  return {name: summary(values) for name, values in rates.items()}


# --- Steps ----------------------------------------------------------------------------------

def benchmark_config(kind, batch_size, n_critic, resolution=64, jit_compile=False,
                     mixed_precision='float32'):
  """The seed report's 64 px WGAN-GP or DCGAN as a TrainConfig; or 'mnist': keras.io
  wgan_gp.py's setup on the talk's MNIST networks (28x28x1, z 128, n_critic 3, Adam(2e-4, 0.5,
  0.9); `n_critic` and `resolution` do not apply)."""
  if kind == 'mnist':
    return config_lib.TrainConfig(
        model_dir='unused', architecture='mnist', resolution=28, channels=1, z_dim=128,
        n_critic=MNIST_N_CRITIC, loss='wasserstein', penalty='gp', gp_weight=10.0,
        g_lr=2e-4, d_lr=2e-4, g_beta1=0.5, d_beta1=0.5, g_beta2=0.9, d_beta2=0.9,
        batch_size=batch_size, jit_compile=jit_compile, mixed_precision=mixed_precision)
  common = dict(model_dir='unused', resolution=resolution, batch_size=batch_size,
                jit_compile=jit_compile, mixed_precision=mixed_precision)
  if kind == 'wgan_gp':
    return config_lib.TrainConfig(n_critic=n_critic, loss='wasserstein', penalty='gp',
                                  d_norm='none', **common)
  return config_lib.TrainConfig(n_critic=1, loss='non_saturating', penalty='none',
                                d_norm='batch', g_beta1=0.5, d_beta1=0.5, **common)


def with_keras_leaky_relu(critic):
  """A copy of `critic` (same weights) whose LeakyReLUs are Keras' own."""
  def clone(layer):
    if isinstance(layer, layers_lib.LeakyReLU):
      return keras.layers.LeakyReLU(negative_slope=layer.negative_slope, name=layer.name)
    return layer.__class__.from_config(layer.get_config())

  copy = keras.models.clone_model(critic, clone_function=clone)
  copy.set_weights(critic.get_weights())
  return copy


def baseline_step(config, generator, critic):
  """A straightforward train step in the style of the keras.io WGAN-GP and DCGAN examples.

  One tf.function; the critic is called separately on real, fake and (for gp) interpolated
  images, inside one tape per critic update, with tf.random draws and Keras' Adam. Unlike
  keras.io it draws epsilon from U[0, 1] and gives each critic update its own real batch, so
  that it does the same work as GAN.train_step. Under a mixed policy the critic's logits are
  cast to float32 before the losses, as GAN.train_step does (bfloat16 needs no loss scaling).
  """
  d_opt = keras.optimizers.Adam(config.d_lr, beta_1=config.d_beta1, beta_2=config.d_beta2)
  g_opt = keras.optimizers.Adam(config.g_lr, beta_1=config.g_beta1, beta_2=config.g_beta2)
  wgan = config.loss == 'wasserstein'

  def bce(logits, label):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(logits), label), logits=logits))

  @tf.function(jit_compile=config.jit_compile)
  def step(real_batches):
    batch = tf.shape(real_batches)[0]
    for i in range(config.n_critic):
      real = real_batches[:, i]
      z = tf.random.normal([batch, config.z_dim])
      with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        fake_logits = tf.cast(critic(fake, training=True), tf.float32)
        real_logits = tf.cast(critic(real, training=True), tf.float32)
        if wgan:
          d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
          alpha = tf.random.uniform([batch, 1, 1, 1])
          interpolated = real + alpha * (fake - real)
          with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = tf.cast(critic(interpolated, training=True), tf.float32)
          grads = gp_tape.gradient(pred, [interpolated])[0]
          norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
          d_loss += config.gp_weight * tf.reduce_mean((norm - 1.0) ** 2)
        else:
          d_loss = bce(real_logits, 1.0) + bce(fake_logits, 0.0)
      d_grads = tape.gradient(d_loss, critic.trainable_variables)
      d_opt.apply_gradients(zip(d_grads, critic.trainable_variables))
    z = tf.random.normal([batch, config.z_dim])
    with tf.GradientTape() as tape:
      fake_logits = tf.cast(critic(generator(z, training=True), training=True), tf.float32)
      g_loss = -tf.reduce_mean(fake_logits) if wgan else bce(fake_logits, 1.0)
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return {'d_loss': d_loss, 'g_loss': g_loss}

  return step


def _step_runs(kind, precision, batch_size, n_critic, resolution, jit_compile):
  """{name: run} of GAN.train_step and the baseline for one kind at one precision."""
  config = benchmark_config(kind, batch_size, n_critic, resolution, jit_compile, precision)
  gan = train_lib.build_gan(config)  # Sets the global dtype policy to `precision`.
  data = tf.random.uniform([batch_size, config.n_critic, config.resolution, config.resolution,
                            config.channels], -1, 1, seed=1)
  ours = tf.function(gan.train_step, jit_compile=jit_compile)
  baseline_critic = with_keras_leaky_relu(gan.critic)
  keras.utils.set_random_seed(config.seed)
  baseline_generator = keras.models.clone_model(gan.generator)
  baseline_generator.set_weights(gan.generator.get_weights())
  base = baseline_step(config, baseline_generator, baseline_critic)
  analytic = analytic_step_flops(gan.generator, gan.critic, batch_size, config.n_critic,
                                 config.penalty)
  name = kind + SHORT[precision]
  runs = {}
  for run_name, fn in ((name, ours), (name + '_baseline', base)):
    runs[run_name] = {'fn': fn, 'data': data, 'images': batch_size * config.n_critic,
                      'flops': count_flops(fn.get_concrete_function(data)),
                      'analytic_flops': analytic, 'precision': precision}
  return runs


def step_rates(kinds, batch_size, n_critic, repeats, resolution=64, jit_compile=False,
               peak_size=4096, precisions=('float32',)):
  """Times GAN.train_step against the baseline for each kind ('wgan_gp', 'dcgan', 'mnist') and
  precision.

  Every step of every precision runs in one interleaved loop, and the numpy matmul peak is
  measured again in it, so that all of them see the same load.

  Returns:
    ({name: {'seconds': summary, 'img_s': ..., 'flops': int, 'analytic_flops': int, ...}} for
    names '<kind><short>' and '<kind><short>_baseline' (short: '' for float32, '_bf16' for
    mixed_bfloat16, see SHORT), timed after one warm-up call each; summary of the numpy
    peak_size^2 matmul GFLOP/s measured between them).
  """
  runs = {}
  for precision in precisions:
    for kind in kinds:
      runs.update(_step_runs(kind, precision, batch_size, n_critic, resolution, jit_compile))
  keras.mixed_precision.set_dtype_policy('float32')
  for run in runs.values():
    _block(run['fn'](run['data']))  # Trace (and compile) + one untimed step.
  n = peak_size
  a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
  a @ a
  peak = []
  seconds = {name: [] for name in runs}
  for _ in range(repeats):
    for name, run in runs.items():
      start = time.perf_counter()
      _block(run['fn'](run['data']))
      seconds[name].append(time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(2):  # A sample of the load over a second or two, not of one instant.
      a @ a
    peak.append(2 * 2 * n**3 / (time.perf_counter() - start) / 1e9)
  results = {}
  for name, run in runs.items():
    median = statistics.median(seconds[name])
    results[name] = {
        'seconds': summary(seconds[name]),
        'img_s': run['images'] / median,
        'img_s_min': run['images'] / max(seconds[name]),
        'img_s_max': run['images'] / min(seconds[name]),
        'flops': run['flops'], 'analytic_flops': run['analytic_flops'],
        'flops_per_img': run['flops'] / run['images'],
        'gflops': run['flops'] / median / 1e9,
        'batch_size': batch_size, 'n_critic': run['data'].shape[1],
        'precision': run['precision'],
    }
  return results, summary(peak)


def _conv_passes(x, w, dy, v):
  """{pass: (tf.function, args)} of one strided 'same' convolution, each pass alone."""
  strides = [1, 2, 2, 1]

  def penalty(x, w, v):
    # The penalty's second-order pass: the weight gradient of the squared input gradient.
    with tf.GradientTape() as outer:
      outer.watch(w)
      with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.nn.conv2d(x, w, strides, 'SAME')
      grad = inner.gradient(y, x, output_gradients=v)
      loss = tf.reduce_sum(tf.square(tf.cast(grad, tf.float32)))
    return outer.gradient(loss, w)

  return {
      'forward': (tf.function(lambda x, w: tf.nn.conv2d(x, w, strides, 'SAME')), (x, w)),
      'input_grad': (tf.function(lambda w, dy: tf.raw_ops.Conv2DBackpropInput(
          input_sizes=tf.shape(x), filter=w, out_backprop=dy, strides=strides,
          padding='SAME')), (w, dy)),
      'filter_grad': (tf.function(lambda x, dy: tf.raw_ops.Conv2DBackpropFilter(
          input=x, filter_sizes=tf.shape(w), out_backprop=dy, strides=strides,
          padding='SAME')), (x, dy)),
      'penalty_second_order': (tf.function(penalty), (x, w, v)),
  }


def conv_rates(batch_size, repeats, precision='float32', resolution=64, base_width=64,
               kernel_size=5):
  """Each of the critic's strided convolutions alone, in each pass a WGAN-GP step runs.

  Where a step loses against the matmul peak: the convolutions' own rates bound it (the rest
  of the step is cheap elementwise work). All passes of all layers run interleaved.

  Returns:
    {'down<i> <pass>': {'seconds': summary, 'gflops': float, 'flops': int, 'shape': str}} for
    passes forward, input_grad, filter_grad and penalty_second_order.
  """
  dtype = MATMUL_DTYPE[precision]
  rng = np.random.default_rng(0)
  runs = {}
  size, c_in = resolution, 3
  for i in range(dcgan.stage_layout(resolution)[1]):
    c_out = base_width * 2**i
    x = tf.constant(rng.standard_normal((batch_size, size, size, c_in)), dtype)
    w = tf.constant(rng.standard_normal((kernel_size, kernel_size, c_in, c_out)) * 0.05, dtype)
    dy = tf.constant(rng.standard_normal((batch_size, size // 2, size // 2, c_out)), dtype)
    for name, (fn, args) in _conv_passes(x, w, dy, dy).items():
      runs[f'down{i} {name}'] = (fn, args, f'{size}x{size}x{c_in}->{c_out}')
    size, c_in = size // 2, c_out
  flops = {name: count_flops(fn.get_concrete_function(*args))
           for name, (fn, args, _) in runs.items()}
  for fn, args, _ in runs.values():
    _block(fn(*args))
  seconds = {name: [] for name in runs}
  for _ in range(repeats):
    for name, (fn, args, _) in runs.items():
      start = time.perf_counter()
      for _ in range(3):
        _block(fn(*args))
      seconds[name].append((time.perf_counter() - start) / 3)
  return {name: {'seconds': summary(seconds[name]), 'flops': flops[name],
                 'gflops': flops[name] / statistics.median(seconds[name]) / 1e9,
                 'shape': runs[name][2], 'precision': precision}
          for name in runs}


def _block(outputs):
  """Waits for a step's results (eager tf.function calls can return before they are ready)."""
  for value in tf.nest.flatten(outputs):
    np.asarray(value)


class StepTimer(keras.callbacks.Callback):
  """Records the time at the end of every training step."""

  def __init__(self):
    super().__init__()
    self.ends = []

  def on_train_batch_end(self, batch, logs=None):
    self.ends.append(time.perf_counter())

  def intervals(self):
    """Seconds of each step but the first (the first fit traces; a fresh pipeline starts)."""
    return list(np.diff(self.ends))


def end_to_end_rates(folder, batch_size, n_critic, repeats, resolution=64, jit_compile=False):
  """fit() on the JPEG folder against fit() on one in-memory element, per-step medians.

  All the fits train the same model, so all but the first reuse its traced step; `traces`
  counts how often the train step was traced in all.
  """
  config = benchmark_config('wgan_gp', batch_size, n_critic, resolution, jit_compile)
  gan = train_lib.build_gan(config)
  dataset, _ = pipeline.make_dataset(folder, resolution, batch_size, n_critic, seed=0)
  element = next(iter(dataset))
  in_memory = tf.data.Dataset.from_tensors(element).repeat()
  seconds = {'in_memory': [], 'end_to_end': []}
  # Short fits in turn, so that both see the same load. The first step of each fit is not
  # timed: it traces (first fit only) or waits for a freshly started pipeline, which a real run
  # does once, not every two steps.
  for _ in range(repeats):
    for name, data in (('in_memory', in_memory), ('end_to_end', dataset)):
      timer = StepTimer()
      gan.fit(data, steps_per_epoch=2, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
      seconds[name].extend(timer.intervals())
  images = batch_size * n_critic
  results = {name: {'seconds': summary(values), 'img_s': images / statistics.median(values)}
             for name, values in seconds.items()}
  results['ratio'] = (results['end_to_end']['seconds']['median'] /
                      results['in_memory']['seconds']['median'])
  results['traces'] = gan_lib.train_step_traces(gan)
  return results


# --- The report -----------------------------------------------------------------------------

def run_benchmark(sections=SECTIONS, quick=False, batch_size=None, n_critic=5, repeats=None,
                  num_images=None, resolution=64, jit_compile=False, workdir=None, log=print,
                  precisions=('float32',)):
  """Runs the chosen sections; returns the results as one flat dict (see `--json`).

  precisions: the Keras dtype policies whose steps are timed side by side (float32,
    mixed_bfloat16, mixed_float16); the peak section measures TensorFlow's matmul in each.
  """
  precisions = check_precisions(precisions)
  settings = {'quick': quick, 'batch_size': batch_size or (8 if quick else 64),
              'n_critic': n_critic, 'repeats': repeats or (2 if quick else 3),
              'num_images': num_images or (512 if quick else 2048), 'resolution': resolution,
              'jit_compile': jit_compile, 'policies': list(precisions),
              'peak_size': 2048 if quick else 4096}
  result = dict(settings, load_average_start=os.getloadavg()[0], cpus=os.cpu_count(),
                cpu=hardware.cpu_info(), tensorflow=tf.__version__)
  if quick:
    log(f'Quick mode: batch {settings["batch_size"]} (not the seed\'s 64), '
        f'{settings["repeats"]} repeats, {settings["num_images"]} images.')
  started = time.perf_counter()
  section_seconds = {}
  own_workdir = workdir is None
  workdir = workdir or tempfile.mkdtemp(prefix='tfgan_benchmark_')
  data = None
  try:
    for section in SECTIONS:
      if section not in sections:
        continue
      if section in ('pipeline', 'end_to_end') and data is None:
        log(f'Data: {settings["num_images"]} synthetic 96x96 JPEG faces and shards in '
            f'{workdir} ...')
        mark = time.perf_counter()
        data = make_benchmark_data(workdir, settings['num_images'], resolution)
        section_seconds['data'] = time.perf_counter() - mark
      mark = time.perf_counter()
      _SECTION_RUNNERS[section](result, settings, data, log)
      section_seconds[section] = time.perf_counter() - mark
  finally:
    if own_workdir:
      shutil.rmtree(workdir, ignore_errors=True)
  _summarise_precisions(result)
  result['section_seconds'] = section_seconds
  result['load_average_end'] = os.getloadavg()[0]
  result['seconds'] = time.perf_counter() - started
  return result


def check_precisions(precisions):
  """The precisions as a tuple, float32 first if present; UserError for an unknown one."""
  precisions = tuple(dict.fromkeys(precisions))  # Unique, in order.
  unknown = [p for p in precisions if p not in choices.POLICIES]
  if unknown or not precisions:
    raise UserError(f'Invalid --precisions. Received: precisions={",".join(precisions)!r}; '
                    f'accepted: a comma-separated subset of {", ".join(choices.POLICIES)}')
  return tuple(sorted(precisions, key=lambda p: p != 'float32'))


def _run_peak(result, settings, data, log):
  del data
  log('Peak: matmul ...')
  dtypes = [MATMUL_DTYPE[p] for p in settings['policies']]
  peak = matmul_peak(sorted({2048, settings['peak_size']}), max(settings['repeats'], 3),
                     tuple(dict.fromkeys(['float32'] + dtypes)))
  best = max(filter(_is_float32_peak, peak), key=lambda name: peak[name]['median'])
  result.update(peak_gflops=peak[best]['median'], peak_source=best, peak=peak)


def _run_convs(result, settings, data, log):
  del data
  log('Convolutions alone: forward, input gradient, filter gradient, the penalty\'s pass ...')
  result['convs'] = {}
  for precision in settings['policies']:
    rates = conv_rates(settings['batch_size'], max(settings['repeats'], 3), precision,
                       settings['resolution'])
    result['convs'].update({name + SHORT[precision]: rate for name, rate in rates.items()})


def _run_pipeline(result, settings, data, log):
  log('Pipeline ...')
  rates = pipeline_rates(data, settings['resolution'], settings['batch_size'],
                         settings['n_critic'], settings['repeats'], settings['num_images'])
  best = max((name for name in rates if name != 'naive'), key=lambda name: rates[name]['median'])
  result.update(pipeline_img_s=rates[best]['median'], pipeline_source=best,
                naive_pipeline_img_s=rates['naive']['median'], pipelines=rates)
  for name, rate in rates.items():
    result[f'{name}_img_s'] = rate['median']
  result['pipeline_over_naive'] = result['pipeline_img_s'] / result['naive_pipeline_img_s']


def _run_steps(result, settings, data, log):
  del data
  log('Steps (each: trace, one untimed step, then interleaved repeats) ...')
  steps, peak_during_steps = step_rates(
      ('wgan_gp', 'dcgan'), settings['batch_size'], settings['n_critic'], settings['repeats'],
      settings['resolution'], settings['jit_compile'], settings['peak_size'],
      settings['policies'])
  result['steps'] = steps
  result['peak_during_steps'] = peak_during_steps
  first = settings['policies'][0]
  ours, base = steps['wgan_gp' + SHORT[first]], steps['wgan_gp' + SHORT[first] + '_baseline']
  result.update(step_img_s=ours['img_s'], baseline_step_img_s=base['img_s'],
                speedup_over_baseline=ours['img_s'] / base['img_s'],
                flops_per_img=ours['flops_per_img'],
                baseline_flops_per_img=base['flops_per_img'],
                flops_per_step=ours['flops'], analytic_flops_per_step=ours['analytic_flops'],
                achieved_gflops=ours['gflops'], baseline_achieved_gflops=base['gflops'],
                dcgan_step_img_s=steps['dcgan' + SHORT[first]]['img_s'],
                dcgan_baseline_step_img_s=steps['dcgan' + SHORT[first] + '_baseline']['img_s'])
  if first == 'float32':
    # Against the peak measured between the steps (same load), and the higher of the two.
    peak = max(peak_during_steps['median'], result.get('peak_gflops', 0.0))
    result['step_fraction_of_peak'] = result['achieved_gflops'] / peak
    result['step_fraction_of_peak_same_load'] = (result['achieved_gflops'] /
                                                 peak_during_steps['median'])


def _run_mnist(result, settings, data, log):
  """The talk's MNIST pair, ours against the keras.io-style baseline, interleaved."""
  del data
  log(f'MNIST steps (the talk\'s networks, n_critic {MNIST_N_CRITIC} as keras.io) ...')
  steps, _ = step_rates(('mnist',), settings['batch_size'], MNIST_N_CRITIC, settings['repeats'],
                        jit_compile=settings['jit_compile'], peak_size=settings['peak_size'],
                        precisions=settings['policies'])
  result['mnist_steps'] = steps
  first = SHORT[settings['policies'][0]]
  ours, base = steps['mnist' + first], steps['mnist' + first + '_baseline']
  result.update(mnist_step_img_s=ours['img_s'], mnist_baseline_step_img_s=base['img_s'],
                mnist_speedup_over_baseline=ours['img_s'] / base['img_s'])


def _run_end_to_end(result, settings, data, log):
  log('End to end: fit() on the folder against fit() on one in-memory element ...')
  e2e = end_to_end_rates(data['folder'], settings['batch_size'], settings['n_critic'],
                         settings['repeats'], settings['resolution'], settings['jit_compile'])
  result.update(end_to_end_img_s=e2e['end_to_end']['img_s'],
                in_memory_fit_img_s=e2e['in_memory']['img_s'],
                end_to_end_ratio=e2e['ratio'], train_step_traces=e2e['traces'],
                end_to_end=e2e)


_SECTION_RUNNERS = {'peak': _run_peak, 'convs': _run_convs, 'pipeline': _run_pipeline,
                    'step': _run_steps, 'mnist': _run_mnist, 'end_to_end': _run_end_to_end}


def _is_float32_peak(name):
  """'numpy_N' and 'tf_N' are float32 matmuls; 'tf_bfloat16_N' and 'tf_float16_N' are not."""
  return name.split('_')[1].isdigit()


def _precision_peak(result, precision):
  """The matmul GFLOP/s that bounds a step of `precision`: the best of its dtype's sizes."""
  peak = result.get('peak', {})
  if precision == 'float32':
    names = list(filter(_is_float32_peak, peak))
  else:
    names = [n for n in peak if n.startswith(f'tf_{MATMUL_DTYPE[precision]}_')]
  if precision == 'float32' and 'peak_during_steps' in result:
    return max([peak[n]['median'] for n in names] + [result['peak_during_steps']['median']])
  return max((peak[n]['median'] for n in names), default=None)


def _summarise_precisions(result):
  """result['precisions']: {policy: step_img_s, achieved_gflops, peak_gflops, ...}."""
  if 'steps' not in result:
    return
  summary_by_precision = {}
  for precision in result['policies']:
    ours = result['steps']['wgan_gp' + SHORT[precision]]
    base = result['steps']['wgan_gp' + SHORT[precision] + '_baseline']
    peak = _precision_peak(result, precision)
    summary_by_precision[precision] = {
        'step_img_s': ours['img_s'], 'achieved_gflops': ours['gflops'], 'peak_gflops': peak,
        'fraction_of_peak': ours['gflops'] / peak if peak else None,
        'baseline_step_img_s': base['img_s'], 'speedup_over_baseline': ours['img_s'] / base['img_s'],
        'dcgan_step_img_s': result['steps']['dcgan' + SHORT[precision]]['img_s']}
  result['precisions'] = summary_by_precision
  if 'float32' in summary_by_precision:
    fp32 = summary_by_precision['float32']['step_img_s']
    for values in summary_by_precision.values():
      values['speedup_over_float32'] = values['step_img_s'] / fp32


def format_table(r):
  """The results as aligned text lines."""
  lines = [f'tfgan_anime benchmark: {r["resolution"]} px, batch {r["batch_size"]}, n_critic '
           f'{r["n_critic"]}, {r["repeats"]} repeats{" (quick)" if r["quick"] else ""}, '
           f'TensorFlow {r["tensorflow"]}, {r["cpus"]} CPUs, load average '
           f'{r["load_average_start"]:.1f} -> {r["load_average_end"]:.1f}, {r["seconds"]:.0f} s']
  if r.get('cpu'):
    lines.append(f'CPU: {r["cpu"]["model"]}; features: {" ".join(r["cpu"]["flags"]) or "none"}')
  lines.append(f'{"measurement":<44}{"median":>12}{"min":>10}{"max":>10}')

  def row(label, s, unit='', scale=1.0):
    lines.append(f'{label:<44}{s["median"] * scale:>12,.1f}{s["min"] * scale:>10,.1f}'
                 f'{s["max"] * scale:>10,.1f} {unit}')

  for name, s in r.get('peak', {}).items():
    label = (f'matmul fp32 {name.replace("_", " ")}' if _is_float32_peak(name)
             else f'matmul {name.replace("_", " ")}')
    row(label, s, 'GFLOP/s')
  if 'peak_during_steps' in r:
    row('matmul fp32 numpy, between the steps', r['peak_during_steps'], 'GFLOP/s')
  for name, s in r.get('convs', {}).items():
    lines.append(f'{"conv " + name:<44}{s["gflops"]:>12,.1f} GFLOP/s at {s["shape"]}, '
                 f'{s["seconds"]["median"] * 1e3:,.2f} ms')
  for name, s in r.get('pipelines', {}).items():
    row(f'pipeline {name}', s, 'img/s')
  for name, s in {**r.get('steps', {}), **r.get('mnist_steps', {})}.items():
    times = s['seconds']
    row(f'step {name} (batch {s["batch_size"]}, n_critic {s["n_critic"]})', times, 's/step')
    lines.append(f'{"":<44}{s["img_s"]:>12,.2f}{s["img_s_min"]:>10,.2f}{s["img_s_max"]:>10,.2f}'
                 f' img/s; {s["flops"] / 1e9:,.1f} GFLOP/step counted ('
                 f'{s["analytic_flops"] / 1e9:,.1f} analytic), {s["gflops"]:.1f} GFLOP/s')
  if 'end_to_end' in r:
    for name in ('in_memory', 'end_to_end'):
      row(f'fit() {name.replace("_", " ")}', r['end_to_end'][name]['seconds'], 's/step')
    lines.append(f'train step traced {r["train_step_traces"]} time(s) over all the fits')
  checks = []
  if 'step_fraction_of_peak' in r:
    lines.append(f'step GFLOP/s / peak measured between the steps: '
                 f'{r["step_fraction_of_peak_same_load"]:.2f}')
    checks.append(('step GFLOP/s / highest peak', r['step_fraction_of_peak'], '>=',
                   TARGETS['step_fraction_of_peak']))
  if 'pipeline_over_naive' in r:
    checks.append((f'pipeline ({r["pipeline_source"]}) / naive', r['pipeline_over_naive'], '>=',
                   TARGETS['pipeline_over_naive']))
  if 'end_to_end_ratio' in r:
    checks.append(('end-to-end step / in-memory step', r['end_to_end_ratio'], '<=',
                   TARGETS['end_to_end_ratio']))
  if 'speedup_over_baseline' in r:
    lines.append(f'WGAN-GP step vs baseline: {r["speedup_over_baseline"]:.2f}x img/s')
  if 'mnist_speedup_over_baseline' in r:
    lines.append(f'MNIST WGAN-GP step (talk networks, n_critic {MNIST_N_CRITIC}) vs keras.io-style '
                 f'baseline: {r["mnist_speedup_over_baseline"]:.2f}x img/s')
  for precision, p in r.get('precisions', {}).items():
    fraction = f'{p["fraction_of_peak"]:.2f}' if p['fraction_of_peak'] is not None else 'n/a'
    peak = f'{p["peak_gflops"]:.0f}' if p['peak_gflops'] is not None else 'unmeasured'
    lines.append(f'{precision}: WGAN-GP step {p["step_img_s"]:.2f} img/s, '
                 f'{p["achieved_gflops"]:.1f} GFLOP/s = {fraction} of its matmul peak ({peak}); '
                 f'{p["speedup_over_baseline"]:.2f}x the baseline; '
                 f'{p.get("speedup_over_float32", 1.0):.2f}x float32')
  if r.get('section_seconds'):
    lines.append('seconds per section: ' + ', '.join(
        f'{name} {seconds:.0f}' for name, seconds in r['section_seconds'].items()))
  for label, value, op, target in checks:
    met = value >= target if op == '>=' else value <= target
    lines.append(f'target {label}: {value:.2f} ({op} {target}: {"met" if met else "not met"})')
  return '\n'.join(lines)


FLAGS = flags.FLAGS


def _define_flags():
  flags.DEFINE_bool('quick', False, 'Batch 8, 2 repeats, 512 images: a few minutes on 2 CPUs.')
  flags.DEFINE_bool('json', False, 'Also print the results as one JSON line.')
  flags.DEFINE_integer('batch_size', 0, 'Batch of each critic update; 0: 64 (8 with --quick).')
  flags.DEFINE_integer('n_critic', 5, 'Critic updates per WGAN-GP step.')
  flags.DEFINE_integer('repeats', 0, 'Timed repeats per measurement; 0: 3 (2 with --quick).')
  flags.DEFINE_integer('num_images', 0, 'JPEGs written for the pipeline; 0: 2048 (512 quick).')
  flags.DEFINE_bool('jit_compile', False, 'Compile the steps with XLA.')
  flags.DEFINE_list('sections', list(SECTIONS), f'Which of {", ".join(SECTIONS)} to run.')
  flags.DEFINE_string('mixed_precision', 'float32', 'The dtype policy of the timed steps: '
                      f'{", ".join(choices.POLICIES)} (see --precisions).')
  flags.DEFINE_list('precisions', [], 'Several policies, timed interleaved in one run (e.g. '
                    'float32,mixed_bfloat16); overrides --mixed_precision.')
  flags.DEFINE_string('workdir', '', 'Where the images and shards go; default a temporary '
                      'folder, deleted at the end.')


def main(argv):
  del argv
  unknown = sorted(set(FLAGS.sections) - set(SECTIONS))
  if unknown:
    raise UserError(f'Invalid --sections. Received: sections={",".join(FLAGS.sections)!r}; '
                    f'accepted: a comma-separated subset of {", ".join(SECTIONS)}')
  result = run_benchmark(FLAGS.sections, FLAGS.quick, FLAGS.batch_size or None, FLAGS.n_critic,
                         FLAGS.repeats or None, FLAGS.num_images or None,
                         jit_compile=FLAGS.jit_compile, workdir=FLAGS.workdir or None,
                         log=lambda message: print(message, file=sys.stderr, flush=True),
                         precisions=FLAGS.precisions or [FLAGS.mixed_precision])
  print(format_table(result))
  if FLAGS.json:
    print(json.dumps(result, default=float))


def run():
  cli.run(main, define_flags=_define_flags)


if __name__ == '__main__':
  run()
