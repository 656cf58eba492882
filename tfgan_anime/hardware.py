"""What this machine's CPU can do, read without TensorFlow.

The machines this project runs on change between sessions (an AVX2-only EPYC, a Xeon with
AVX-512 and AMX, an EPYC with AVX512-BF16), so results record the CPU they came from, and
`--mixed_precision=auto` picks bfloat16 only where the CPU computes it natively.
"""

import platform

# CPU features that decide which precision is fast: AVX512-BF16 and AMX run bfloat16 natively;
# without them TensorFlow emulates bfloat16 in float32 and gains nothing.
CPU_FLAGS = ('avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile',
             'amx_bf16', 'amx_int8')
BF16_FLAGS = ('avx512_bf16', 'amx_bf16')


def cpu_info(cpuinfo_path='/proc/cpuinfo'):
  """{'model': the CPU's model name, 'flags': those of CPU_FLAGS it has, in that order}."""
  model, present = '', set()
  try:
    with open(cpuinfo_path, encoding='utf-8', errors='replace') as f:
      for line in f:
        key, _, value = line.partition(':')
        if key.strip() == 'model name' and not model:
          model = value.strip()
        elif key.strip() == 'flags' and not present:
          present = set(value.split())
  except OSError:  # Not Linux: the model from platform, no flags.
    model = platform.processor()
  return {'model': model, 'flags': [flag for flag in CPU_FLAGS if flag in present]}


def cpu_has_bf16(info=None):
  """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16)."""
  info = info or cpu_info()
  return any(flag in info['flags'] for flag in BF16_FLAGS)
