r"""FLOPs of one forward pass (batch 1) of the dcgan generator per --g_upsample and kernel, and of
the critic, as TensorFlow's profiler counts them (multiply and add counted as 2; resizes count 0).

  python tools/generator_flops.py 32 32     # resolution, width next to the image (quickstart)
"""

import sys

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from tfgan_anime.models import dcgan


def flops(model, input_shape):
  fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(
      tf.TensorSpec(input_shape, tf.float32))
  graph = convert_variables_to_constants_v2(fn).graph
  options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
  options['output'] = 'none'
  return tf.compat.v1.profiler.profile(graph, options=options).total_float_ops


def main(resolution, width):
  base = flops(dcgan.build_generator(resolution, base_width=width), [1, 100])
  print(f'{resolution} px, width {width}: generator, transpose 5x5: {base / 1e6:.2f} MFLOPs')
  for upsample in dcgan.UPSAMPLINGS:
    for kernel_size in (2, 3, 4, 5):
      generator = dcgan.build_generator(resolution, base_width=width, kernel_size=kernel_size,
                                        upsample=upsample)
      value = flops(generator, [1, 100])
      print(f'{upsample:9s} {kernel_size}x{kernel_size}: {value / 1e6:7.2f} MFLOPs '
            f'{value / base:5.2f}x  {generator.count_params():,} parameters')
  critic = dcgan.build_critic(resolution, base_width=width)
  print(f'critic 5x5: {flops(critic, [1, resolution, resolution, 3]) / 1e6:.2f} MFLOPs')


if __name__ == '__main__':
  main(int(sys.argv[1]), int(sys.argv[2]))
