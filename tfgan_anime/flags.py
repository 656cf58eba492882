"""absl flags for the training binary, one per TrainConfig field (defaults live there)."""

import dataclasses

from absl import flags

from tfgan_anime import config as config_lib


def define_flags(flag_values=flags.FLAGS):
  """Defines one flag per TrainConfig field, with its default, help and choices."""
  for field in dataclasses.fields(config_lib.TrainConfig):
    help_text = field.metadata['help']
    choices = field.metadata['choices']
    if choices:
      flags.DEFINE_enum(field.name, field.default, list(choices), help_text,
                        flag_values=flag_values)
    elif field.type in (bool, 'bool'):
      flags.DEFINE_bool(field.name, field.default, help_text, flag_values=flag_values)
    elif field.type in (int, 'int'):
      flags.DEFINE_integer(field.name, field.default, help_text, flag_values=flag_values)
    elif field.type in (float, 'float'):
      flags.DEFINE_float(field.name, field.default, help_text, flag_values=flag_values)
    else:
      flags.DEFINE_string(field.name, field.default, help_text, flag_values=flag_values)


def config_from_flags(flag_values=flags.FLAGS):
  """A TrainConfig holding the parsed flags' values."""
  return config_lib.TrainConfig(**{
      field.name: flag_values[field.name].value
      for field in dataclasses.fields(config_lib.TrainConfig)
  })
