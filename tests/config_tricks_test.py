"""Validation of the training tricks' options: label smoothing, r1, dragan, lazy regularisation."""

from absl.testing import parameterized
import tensorflow as tf

from tfgan_anime import config as config_lib
from tfgan_anime.errors import UserError


def _config(**overrides):
  return config_lib.TrainConfig(model_dir='x', **overrides)


class LabelSmoothingConfigTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters('minimax', 'non_saturating')
  def test_accepted_with_cross_entropy(self, loss):
    _config(loss=loss, penalty='none', label_smoothing=0.1).validate()

  @parameterized.parameters('wasserstein', 'hinge', 'least_squares')
  def test_refused_in_one_line_saying_why(self, loss):
    with self.assertRaisesRegex(UserError, r'^Invalid --label_smoothing\. Received: '
                                r'label_smoothing=0\.1; accepted: 0 with --loss=' + loss +
                                r' \(it smooths the cross-entropy targets') as raised:
      _config(loss=loss, label_smoothing=0.1).validate()
    self.assertNotIn('\n', str(raised.exception))

  @parameterized.parameters(-0.1, 1.0)
  def test_range(self, value):
    with self.assertRaisesRegex(UserError, r'label_smoothing=.*accepted: a number in \[0, 1\)'):
      _config(loss='minimax', penalty='none', label_smoothing=value).validate()


class PenaltyConfigTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters('r1', 'dragan')
  def test_accepted(self, penalty):
    _config(loss='non_saturating', penalty=penalty, gp_weight=5.0).validate()

  def test_lazy_r1(self):
    _config(loss='non_saturating', penalty='r1', penalty_every=16).validate()

  @parameterized.parameters('gp', 'dragan', 'none', 'clip')
  def test_lazy_is_only_for_r1(self, penalty):
    with self.assertRaisesRegex(UserError, r'^Invalid --penalty_every\. Received: '
                                rf'penalty_every=4; accepted: 1 with --penalty={penalty} '
                                r'\(lazy regularisation is for r1'):
      _config(penalty=penalty, penalty_every=4).validate()

  def test_penalty_every_positive(self):
    with self.assertRaisesRegex(UserError, 'penalty_every=0; accepted: an integer >= 1'):
      _config(penalty_every=0).validate()

  @parameterized.parameters('r1', 'dragan')
  def test_no_batch_norm_in_the_critic(self, penalty):
    with self.assertRaisesRegex(UserError, rf"d_norm='batch'; accepted: none, layer or spectral "
                                rf'with --penalty={penalty} \(the penalty is per sample'):
      _config(penalty=penalty, d_norm='batch').validate()

  @parameterized.parameters('r1', 'dragan')
  def test_positive_weight(self, penalty):
    with self.assertRaisesRegex(UserError, f'gp_weight=0.0; accepted: a number > 0 with '
                                f'--penalty={penalty}'):
      _config(penalty=penalty, gp_weight=0.0).validate()

  @parameterized.parameters(dict(gp_target=0.0), dict(gp_one_sided=True))
  def test_r1_is_zero_centred(self, **overrides):
    with self.assertRaisesRegex(UserError, r'accepted: the defaults with --penalty=r1 \(R1 is '
                                r'zero-centred'):
      _config(penalty='r1', **overrides).validate()

  def test_dragan_takes_target_and_one_sided(self):
    _config(penalty='dragan', gp_one_sided=True, gp_target=0.5).validate()



def _one_line(test, raised):
  test.assertNotIn('\n', str(raised.exception))


class InstanceNoiseConfigTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters('gp', 'r1', 'dragan', 'none')
  def test_accepted_with_every_penalty(self, penalty):
    _config(penalty=penalty, instance_noise=0.1, instance_noise_anneal_steps=1000).validate()

  def test_anneal_needs_noise(self):
    with self.assertRaisesRegex(UserError, r'^Invalid --instance_noise_anneal_steps\. Received: '
                                r'instance_noise_anneal_steps=10; accepted: 0 without '
                                r'--instance_noise') as raised:
      _config(instance_noise_anneal_steps=10).validate()
    _one_line(self, raised)

  @parameterized.parameters(dict(instance_noise=-0.1), dict(instance_noise=0.1,
                                                            instance_noise_anneal_steps=-1))
  def test_negative(self, **overrides):
    with self.assertRaisesRegex(UserError, 'accepted: a number >= 0|accepted: an integer >= 0'):
      _config(**overrides).validate()


class FeatureMatchingConfigTest(tf.test.TestCase):

  def test_accepted(self):
    _config(feature_matching='down2_lrelu').validate()
    _config(feature_matching='down2_lrelu', feature_matching_weight=0.5).validate()

  def test_weight_needs_a_layer(self):
    with self.assertRaisesRegex(UserError, r'^Invalid --feature_matching_weight\. Received: '
                                r'feature_matching_weight=1\.0; accepted: 0 without '
                                r'--feature_matching=LAYER'):
      _config(feature_matching_weight=1.0).validate()

  def test_negative_weight(self):
    with self.assertRaisesRegex(UserError, 'feature_matching_weight=-1.0; accepted: a number >= 0'):
      _config(feature_matching='down0', feature_matching_weight=-1.0).validate()

  def test_one_name(self):
    with self.assertRaisesRegex(UserError, "feature_matching='a,b'; accepted: one critic layer"):
      _config(feature_matching='a,b').validate()


class MinibatchConfigTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters('none', 'clip')
  def test_accepted_without_an_input_gradient_penalty(self, penalty):
    _config(penalty=penalty, minibatch_discrimination='100,5', minibatch_stddev=4).validate()

  @parameterized.product(penalty=('gp', 'r1', 'dragan'),
                         option=(dict(minibatch_stddev=4),
                                 dict(minibatch_discrimination='100,5')))
  def test_refused_with_input_gradient_penalties_saying_why(self, penalty, option):
    (name, value), = option.items()
    with self.assertRaisesRegex(UserError, rf'^Invalid --{name}\. Received: {name}=.*; '
                                rf'accepted: off with --penalty={penalty} \(the penalty takes '
                                r"each sample's own input gradient, and this layer makes every "
                                r'logit depend on the other samples') as raised:
      _config(penalty=penalty, gp_weight=5.0, **option).validate()
    _one_line(self, raised)

  @parameterized.parameters('100', '100,5,2', 'a,b', '0,5', '')
  def test_spec(self, spec):
    if not spec:
      self.assertIsNone(config_lib.parse_minibatch_discrimination(spec))
      return
    with self.assertRaisesRegex(UserError, 'accepted: KERNELS,DIMS, two integers >= 1'):
      _config(penalty='none', minibatch_discrimination=spec).validate()

  def test_parse(self):
    self.assertEqual(config_lib.parse_minibatch_discrimination('100,5'), (100, 5))

  def test_group_divides_the_batch(self):
    with self.assertRaisesRegex(UserError, 'minibatch_stddev=5; accepted: a divisor of '
                                '--batch_size=64'):
      _config(penalty='none', minibatch_stddev=5).validate()

  def test_dcgan_critic_only(self):
    with self.assertRaisesRegex(UserError, r'minibatch_stddev=4; accepted: off with '
                                r'--architecture=dcgan --g_arch=resnet'):
      _config(penalty='none', minibatch_stddev=4, g_arch='resnet').validate()


class HistoricalAndVirtualConfigTest(tf.test.TestCase):

  def test_historical_averaging(self):
    _config(historical_averaging=0.01).validate()
    with self.assertRaisesRegex(UserError, 'historical_averaging=-1.0; accepted: a number >= 0'):
      _config(historical_averaging=-1.0).validate()

  def test_virtual_batch_norm(self):
    _config(g_norm='virtual', vbn_reference_size=16).validate()
    with self.assertRaisesRegex(UserError, r"g_norm='virtual'; accepted: batch or none with "
                                r'--architecture=dcgan --g_arch=no_bn_constant \(virtual batch '
                                r'norm is in the dcgan generator only\)'):
      _config(g_norm='virtual', g_arch='no_bn_constant').validate()
    with self.assertRaisesRegex(UserError, 'vbn_reference_size=0; accepted: an integer >= 1'):
      _config(g_norm='virtual', vbn_reference_size=0).validate()

  def test_off_by_default(self):
    config = _config()
    self.assertEqual((config.instance_noise, config.feature_matching,
                      config.minibatch_discrimination, config.minibatch_stddev,
                      config.historical_averaging, config.g_norm),
                     (0.0, '', '', 0, 0.0, 'batch'))



class TricksFlagsTest(tf.test.TestCase):

  def test_every_trick_is_a_flag_with_help(self):
    from absl import flags  # pylint: disable=g-import-not-at-top
    from tfgan_anime import flags as flags_lib  # pylint: disable=g-import-not-at-top
    values = flags.FlagValues()
    flags_lib.define_flags(values)
    for name in ('instance_noise', 'instance_noise_anneal_steps', 'feature_matching',
                 'feature_matching_weight', 'minibatch_discrimination', 'minibatch_stddev',
                 'historical_averaging', 'vbn_reference_size'):
      self.assertIn(name, values)
      self.assertTrue(values[name].help)
    values(['train', '--g_norm=virtual', '--minibatch_stddev=4', '--penalty=none',
            '--model_dir=x'])
    config = flags_lib.config_from_flags(values)
    self.assertEqual((config.g_norm, config.minibatch_stddev), ('virtual', 4))


if __name__ == '__main__':
  tf.test.main()


class AugmentConfigTest(tf.test.TestCase, parameterized.TestCase):
  """--augment and its probability (DiffAugment; ADA's fixed or adaptive p)."""

  @parameterized.parameters('non_saturating', 'minimax', 'hinge')
  def test_adaptive_accepted_where_the_sign_means_real(self, loss):
    _config(loss=loss, penalty='none', augment='color,cutout', augment_p=0.0,
            augment_target=0.6, augment_kimg=100.0).validate()

  @parameterized.parameters('wasserstein', 'least_squares')
  def test_adaptive_refused_in_one_line_saying_why(self, loss):
    with self.assertRaisesRegex(UserError, r'^Invalid --augment_target\. Received: '
                                r'augment_target=0\.6; accepted: 0 with --loss=' + loss +
                                r' \(the signal is the sign of the critic') as raised:
      _config(loss=loss, penalty='none', augment='cutout', augment_target=0.6).validate()
    self.assertNotIn('\n', str(raised.exception))

  def test_a_fixed_probability(self):
    _config(augment='translation', augment_p=0.3).validate()

  @parameterized.parameters(
      (dict(augment='colour'), r"augment='colour'; accepted: none, or a comma-separated"),
      (dict(augment='cutout', augment_p=1.5), r'augment_p=1\.5; accepted: a number in \[0, 1\]'),
      (dict(augment='cutout', augment_p=0.0), r'augment_p=0\.0; accepted: a number in \(0, 1\] '
       'without --augment_target'),
      (dict(augment='cutout', loss='hinge', augment_target=1.0),
       r'augment_target=1\.0; accepted: a number in \[0, 1\)'),
      (dict(augment='cutout', augment_kimg=0.0), r'augment_kimg=0\.0; accepted: a number > 0'),
      (dict(augment_p=0.5), r'augment_p=0\.5; accepted: 1 with --augment=none'),
      (dict(loss='hinge', augment_target=0.6), r'augment_target=0\.6; accepted: 0 with '
       r'--augment=none'))
  def test_refused(self, overrides, message):
    with self.assertRaisesRegex(UserError, message):
      _config(**overrides).validate()
