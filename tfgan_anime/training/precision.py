"""`--mixed_precision=auto`: the dtype policy this machine runs fastest without losing quality.

Resolved once at start-up, and the result (never 'auto') is what config.json records, so a run
says which policy it trained with. Losses and the gradient penalty stay float32 either way.
"""

import dataclasses

import tensorflow as tf

from tfgan_anime import hardware

AUTO = 'auto'


def resolve(policy, gpus=None, cpu_bf16=None):
  """The Keras dtype policy that `policy` names on this machine.

  Args:
    policy: 'auto', or a policy name, returned as it is.
    gpus: the details (`tf.config.experimental.get_device_details`) of the local GPUs; default:
      this machine's.
    cpu_bf16: whether the CPU computes bfloat16 natively; default: read from /proc/cpuinfo.

  Returns:
    With GPUs: mixed_bfloat16 when every GPU has compute capability 8.0 or more (Ampere and
    later run bfloat16 at full rate), else float32 (older GPUs: float16 needs loss scaling, which
    is a choice a user should make with --mixed_precision=mixed_float16). Without GPUs:
    mixed_bfloat16 on a CPU with AVX512-BF16 or AMX-BF16, else float32 (elsewhere bfloat16 is
    emulated and slower).
  """
  if policy != AUTO:
    return policy
  if gpus is None:
    gpus = [tf.config.experimental.get_device_details(device)
            for device in tf.config.list_physical_devices('GPU')]
  if gpus:
    capabilities = [details.get('compute_capability') or (0, 0) for details in gpus]
    return 'mixed_bfloat16' if min(capabilities) >= (8, 0) else 'float32'
  if cpu_bf16 is None:
    cpu_bf16 = hardware.cpu_has_bf16()
  return 'mixed_bfloat16' if cpu_bf16 else 'float32'


def resolve_config(config, log):
  """`config` with --mixed_precision=auto resolved (and said once); other configs unchanged."""
  if config.mixed_precision != AUTO:
    return config
  policy = resolve(AUTO)
  info = hardware.cpu_info()
  log(f'Precision: --mixed_precision=auto is {policy} here ({info["model"] or "unknown CPU"}; '
      f'{len(tf.config.list_physical_devices("GPU"))} GPUs).')
  return dataclasses.replace(config, mixed_precision=policy)
