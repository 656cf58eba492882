"""tf.distribute strategies by name, TF_CONFIG for several worker processes.

  default       one device (TensorFlow's default strategy)
  mirrored      MirroredStrategy: synchronous data parallelism over all local GPUs (or the
                devices given)
  multi_worker  MultiWorkerMirroredStrategy: synchronous data parallelism over the devices of
                several processes (machines), described by the TF_CONFIG environment variable

A TPUStrategy is not offered by name because it is untested here; `train_lib.train(config,
strategy=...)` (training/loop.py) accepts any strategy built by the caller.

MultiWorkerMirroredStrategy must be created before TensorFlow runs its first op in the process,
so build the strategy first and everything else inside `strategy.scope()`.
"""

import json
import os

import tensorflow as tf

from tfgan_anime.errors import UserError

STRATEGIES = ('default', 'mirrored', 'multi_worker')


def make_strategy(name, devices=None):
  """The strategy called `name` (see STRATEGIES).

  Args:
    name: 'default', 'mirrored' or 'multi_worker'.
    devices: for 'mirrored' only, e.g. ['/gpu:0', '/gpu:1']; default all local GPUs (or the CPU).
  """
  if name == 'default':
    return tf.distribute.get_strategy()
  if name == 'mirrored':
    return tf.distribute.MirroredStrategy(devices)
  if name == 'multi_worker':
    if not os.environ.get('TF_CONFIG'):
      raise ValueError('strategy=multi_worker needs the TF_CONFIG environment variable (see '
                       'distribute.tf_config). Received: TF_CONFIG unset')
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise ValueError(f'Unknown strategy. Received: strategy={name!r}; accepted: '
                   f'{", ".join(STRATEGIES)}')


def tf_config(workers, index):
  """The TF_CONFIG value (a JSON string) for worker `index` of a cluster of `workers`.

  Args:
    workers: 'host:port' addresses, one per worker process, the same list in every process.
    index: this process's position in `workers` (worker 0 is the chief: it writes checkpoints,
      samples and the export).
  """
  if not 0 <= index < len(workers):
    raise ValueError(f'index must be in [0, {len(workers)}). Received: index={index}')
  return json.dumps({'cluster': {'worker': list(workers)},
                     'task': {'type': 'worker', 'index': int(index)}})


def num_workers(strategy):
  """How many worker processes take part in `strategy` (1 unless multi-worker)."""
  resolver = getattr(strategy, 'cluster_resolver', None)
  if resolver is None:
    return 1
  return max(1, len(resolver.cluster_spec().as_dict().get('worker', [])))


def is_chief(strategy):
  """True in the process that writes the run's outputs (worker 0, or the only process)."""
  resolver = getattr(strategy, 'cluster_resolver', None)
  if resolver is None or num_workers(strategy) == 1:
    return True
  return resolver.task_type in (None, 'chief') or (
      resolver.task_type == 'worker' and resolver.task_id == 0)


def check_batch_size(batch_size, strategy):
  """Raises UserError unless the global --batch_size splits evenly over the replicas."""
  replicas = strategy.num_replicas_in_sync
  if batch_size % replicas:
    raise UserError(f'Invalid --batch_size. Received: batch_size={batch_size}; accepted: '
                    f'a multiple of the {replicas} replicas')


def in_multi_worker_mode(strategy):
  """True when gradients and metrics are reduced across processes (see GAN.train_step)."""
  if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return False
  # The same test Keras makes before reducing step outputs across workers.
  return strategy.extended._in_multi_worker_mode()  # pylint: disable=protected-access

