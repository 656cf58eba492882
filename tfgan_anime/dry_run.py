"""What `train --dry_run` prints: the resolved options at once, then both networks' layers.

The options need no TensorFlow, so they come before it loads (a few seconds); the networks are
built from the same config the run would use, as the run would build them. The data is not read
(a `tfds:` set need not be prepared), so a user can check any config's counts against a paper's
tables: `--flagfile=mnist_wgan_gp.cfg --dry_run` prints the talk's 910,660 and 4,305,409.
"""

import json
import math

from tfgan_anime import cli


def print_options(config):
  print(json.dumps(config.to_dict(), indent=2, sort_keys=True), flush=True)


def print_networks(config):
  """Builds the generator and the critic of `config` and prints each one's layer table."""
  cli.import_tensorflow()
  import keras  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training.builders import build_networks  # pylint: disable=g-import-not-at-top
  from tfgan_anime.training import precision  # pylint: disable=g-import-not-at-top
  keras.mixed_precision.set_dtype_policy(precision.resolve(config.mixed_precision))
  generator, critic = build_networks(config, num_classes(config))
  for title, model in (('Generator', generator), ('Critic', critic)):
    print()
    print('\n'.join(layer_table(title, model)), flush=True)


def num_classes(config):
  """Classes per label group of a --condition run (None without), found without reading images.

  synthetic_faces: the colours the faces are drawn in (a small draw may miss one, which the run
  then leaves out); a folder: its tags file's colour tags over every id it lists.
  """
  if not config.condition:
    return None
  from tfgan_anime import choices  # pylint: disable=g-import-not-at-top
  from tfgan_anime.data import conditions  # pylint: disable=g-import-not-at-top
  from tfgan_anime.data import synthetic  # pylint: disable=g-import-not-at-top
  groups = conditions.parse_groups(config.condition)
  if config.data == choices.SYNTHETIC_FACES and not config.tags_file:
    colours = {'hair': synthetic.HAIR_COLORS, 'eyes': synthetic.EYE_COLORS}
    extra = 1 if config.label_policy == 'unknown' else 0
    return tuple(len(colours[group]) + extra for group in groups)
  table = conditions.load_labels(config.data, groups, config.label_policy,
                                 tags_file=config.tags_file or None)
  return table.num_classes


def layer_table(title, model):
  """Lines of a table of `model`'s layers: name (type), output shape, parameters; then totals."""
  rows = [(f'{layer.name} ({type(layer).__name__})', str(tuple(layer.output.shape)),
           f'{layer.count_params():,}') for layer in model.layers]
  header = ('Layer (type)', 'Output shape', 'Params')
  widths = [max(len(row[i]) for row in rows + [header]) for i in range(3)]

  def line(row):
    return f'  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}'

  trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
  non_trainable = sum(math.prod(w.shape) for w in model.non_trainable_weights)
  return ([f'{title} "{model.name}":', line(header)] + [line(row) for row in rows] +
          [f'  Total params: {trainable + non_trainable:,} (trainable {trainable:,}, '
           f'non-trainable {non_trainable:,})'])

