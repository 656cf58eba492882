"""Test-session setup that must happen before TensorFlow initialises its devices."""

import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import tensorflow as tf  # pylint: disable=g-import-not-at-top

# Two logical CPUs, so MirroredStrategy tests run on a machine without GPUs. The split must happen
# before any op runs, so it lives here rather than in one test file.
_cpus = tf.config.list_physical_devices('CPU')
if tf.config.get_logical_device_configuration(_cpus[0]) is None:
  tf.config.set_logical_device_configuration(
      _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)


# The suite runs as `--deterministic` runs do. Bit-exact comparisons between two runs in one process
# (the resume tests) are promised only under op determinism, and the switch is process-wide and
# permanent, so it is set once here rather than by whichever test happens to run first.
tf.config.experimental.enable_op_determinism()


def pytest_collection_modifyitems(items):
  # tf.test.TestCase inherits a `test_session` context manager that pytest collects as a test and
  # skips; it is not a test of ours, so it is left out of the count.
  items[:] = [item for item in items if item.name != 'test_session']
