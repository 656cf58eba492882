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


if __name__ == '__main__':
  tf.test.main()
