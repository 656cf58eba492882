"""Tests of hardware.py and training/precision.py: reading the CPU, resolving --mixed_precision=auto."""

import os

import tensorflow as tf

from tfgan_anime import hardware
from tfgan_anime.training import precision

_CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 amx_tile amx_bf16 ht
processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 amx_tile amx_bf16 ht
"""


class HardwareTest(tf.test.TestCase):

  def _cpuinfo(self, text):
    path = os.path.join(self.get_temp_dir(), 'cpuinfo')
    with open(path, 'w') as f:
      f.write(text)
    return hardware.cpu_info(path)

  def test_reads_the_model_and_the_known_flags_in_order(self):
    info = self._cpuinfo(_CPUINFO)
    self.assertEqual(info['model'], 'Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz')
    self.assertEqual(info['flags'], ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_tile',
                                     'amx_bf16'])
    self.assertTrue(hardware.cpu_has_bf16(info))

  def test_an_avx2_only_cpu_has_no_bf16(self):
    info = self._cpuinfo('model name\t: AMD EPYC\nflags\t\t: sse2 avx2 fma\n')
    self.assertEqual(info['flags'], ['avx2', 'fma'])
    self.assertFalse(hardware.cpu_has_bf16(info))

  def test_no_cpuinfo(self):
    info = hardware.cpu_info(os.path.join(self.get_temp_dir(), 'missing'))
    self.assertEqual(info['flags'], [])

  def test_this_machine(self):
    info = hardware.cpu_info()
    self.assertContainsSubset(info['flags'], hardware.CPU_FLAGS)


class ResolveTest(tf.test.TestCase):

  def test_a_named_policy_stays(self):
    for policy in ('float32', 'mixed_float16', 'mixed_bfloat16'):
      self.assertEqual(precision.resolve(policy, gpus=[], cpu_bf16=False), policy)

  def test_cpus(self):
    self.assertEqual(precision.resolve('auto', gpus=[], cpu_bf16=True), 'mixed_bfloat16')
    self.assertEqual(precision.resolve('auto', gpus=[], cpu_bf16=False), 'float32')

  def test_gpus(self):
    ampere, volta = {'compute_capability': (8, 0)}, {'compute_capability': (7, 0)}
    self.assertEqual(precision.resolve('auto', gpus=[ampere, {'compute_capability': (9, 0)}]),
                     'mixed_bfloat16')
    self.assertEqual(precision.resolve('auto', gpus=[ampere, volta]), 'float32')
    self.assertEqual(precision.resolve('auto', gpus=[{}]), 'float32')

  def test_resolve_config_records_the_policy(self):
    from tfgan_anime import config as config_lib  # pylint: disable=g-import-not-at-top
    lines = []
    config = config_lib.TrainConfig(model_dir='x', mixed_precision='auto')
    resolved = precision.resolve_config(config, lines.append)
    self.assertIn(resolved.mixed_precision, ('float32', 'mixed_bfloat16'))
    self.assertEqual(resolved.mixed_precision, precision.resolve('auto'))
    self.assertLen(lines, 1)
    self.assertIn(f'is {resolved.mixed_precision} here', lines[0])
    same = config_lib.TrainConfig(model_dir='x', mixed_precision='float32')
    self.assertIs(precision.resolve_config(same, lines.append), same)


if __name__ == '__main__':
  tf.test.main()
