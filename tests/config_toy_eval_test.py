"""The toy and evaluation options: toy data needs the MLPs, evaluation during training, the toy flagfiles."""

import dataclasses
import os

from absl import flags
from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime import flags as flags_lib
from tfgan_anime.errors import UserError

def _parse(argv):
  """Parses argv as the binary does (flagfiles expanded first) into a TrainConfig."""
  values = flags.FlagValues()
  flags_lib.define_flags(values)
  values(['train'] + flags_lib.expand_flagfiles(argv))
  return flags_lib.config_from_flags(values)


class ToyAndEvalConfigTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ('toy_needs_mlp', dict(data='toy2d:ring8'),
       r"Invalid --architecture. Received: architecture='dcgan'; accepted: mlp with "
       r'--data=toy2d:ring8'),
      ('images_need_dcgan', dict(architecture='mlp'),
       r"architecture='mlp'; accepted: dcgan, mnist or cars with --data=synthetic_faces"),
      ('unknown_toy', dict(data='toy2d:ring9', architecture='mlp'),
       r"data='toy2d:ring9'; accepted: toy2d:ring8, toy2d:grid25, .*toy2d:swiss_roll"),
      ('width', dict(data='toy2d:ring8', architecture='mlp', mlp_width=0), 'mlp_width=0'),
      ('eval_every', dict(eval_every_epochs=-1), 'eval_every_epochs=-1'),
      ('eval_samples', dict(eval_num_samples=1), 'eval_num_samples=1'),
      ('kid_without_network', dict(eval_every_epochs=1, eval_metric='kid'),
       r"eval_metric='kid'; accepted: swd, or kid together with --inception_graph=PATH"),
      ('kid_on_points', dict(data='toy2d:ring8', architecture='mlp', eval_every_epochs=1,
                             eval_metric='kid', inception_graph='x.pb'),
       'swd with --data=toy2d:ring8'),
      ('lr_decay', dict(lr_decay='cosine'), "lr_decay='cosine'"),
  )
  def test_invalid(self, overrides, pattern):
    with self.assertRaisesRegex(ValueError, pattern) as raised:
      config_lib.TrainConfig(model_dir='x', **overrides).validate()
    self.assertNotIn('\n', str(raised.exception))

  @parameterized.named_parameters(
      # Each valid combination, and the one change that makes it invalid.
      ('toy_with_mlp', dict(data='toy2d:spiral', architecture='mlp', eval_every_epochs=2),
       dict(architecture='dcgan'), 'mlp with --data=toy2d:spiral'),
      ('kid_with_keras_weights', dict(eval_every_epochs=1, eval_metric='kid',
                                      inception_keras_weights='w.h5'),
       dict(inception_keras_weights=''), 'kid together with --inception_graph'),
      ('kid_with_graph', dict(eval_every_epochs=1, eval_metric='kid', inception_graph='g.pb'),
       dict(inception_graph=''), 'kid together with --inception_graph'),
      ('kid_unused_without_eval', dict(eval_every_epochs=0, eval_metric='kid'),
       dict(eval_every_epochs=1), 'kid together with --inception_graph'),
  )
  def test_valid_combinations(self, valid, breaking_change, pattern):
    config = config_lib.TrainConfig(model_dir='x', **valid)
    self.assertIsNone(config.validate())
    with self.assertRaisesRegex(UserError, pattern):
      dataclasses.replace(config, **breaking_change).validate()

  def test_toy_ring8_flagfile(self):
    config = _parse(['--flagfile=configs/toy_ring8.cfg', '--model_dir=x'])
    config.validate()
    self.assertEqual((config.data, config.architecture, config.z_dim, config.penalty,
                      config.gp_weight, config.lr_decay),
                     ('toy2d:ring8', 'mlp', 2, 'gp', 0.1, 'linear'))

  def test_new_fields_round_trip_through_the_flagfile(self):
    config = config_lib.TrainConfig(model_dir='x', data='toy2d:grid25', architecture='mlp',
                                    mlp_width=64, mlp_depth=4, eval_every_epochs=3,
                                    eval_num_samples=500, export_best=False, lr_decay='linear')
    path = os.path.join(self.get_temp_dir(), 'flags.cfg')
    with open(path, 'w') as f:
      f.write(config.to_flagfile())
    self.assertEqual(_parse([f'--flagfile={path}']), config)


if __name__ == '__main__':
  tf.test.main()
