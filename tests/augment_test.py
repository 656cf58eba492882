"""DiffAugment's ops, each against a hand computation on a small tensor."""

import numpy as np
import tensorflow as tf

from tfgan_anime import augment
from tfgan_anime import choices


def _uniforms(batch, **columns):
  u = np.full((batch, augment.NUM_DRAWS), 0.5, np.float32)
  names = ('brightness', 'saturation', 'contrast', 'shift_y', 'shift_x', 'cut_y', 'cut_x')
  for name, values in columns.items():
    u[:, names.index(name)] = values
  return tf.constant(u)


class ParseTest(tf.test.TestCase):

  def test_parse(self):
    self.assertEqual(augment.OPS, choices.AUGMENT_OPS)
    self.assertEqual(augment.parse('none'), ())
    self.assertEqual(augment.parse('cutout,color'), ('cutout', 'color'))
    for bad in ('colour', 'color,color', 'color,'):
      with self.assertRaisesRegex(ValueError, 'accepted: none, or a comma-separated subset'):
        augment.parse(bad)


class OpsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.x = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32)

  def test_color_by_hand(self):
    b, s, c = np.array([0.1, 0.9]), np.array([0.25, 1.0]), np.array([0.0, 0.75])
    out = augment.color(tf.constant(self.x), *(tf.constant(v, tf.float32) for v in (b, s, c)))
    expected = self.x + (b - 0.5)[:, None, None, None]
    mean = expected.mean(axis=3, keepdims=True)
    expected = (expected - mean) * (2 * s)[:, None, None, None] + mean
    mean = expected.mean(axis=(1, 2, 3), keepdims=True)
    expected = (expected - mean) * (c + 0.5)[:, None, None, None] + mean
    self.assertAllClose(out, expected, atol=1e-6)

  def test_translation_by_hand(self):
    # 8 px, ratio 1/8: shifts in {-1, 0, 1}; u = 0.9 -> +1, u = 0.1 -> -1, u = 0.5 -> 0.
    out = augment.translation(tf.constant(self.x), tf.constant([0.9, 0.5]),
                              tf.constant([0.1, 0.9])).numpy()
    # Sample 0: out[i, j] = x[i + 1, j - 1], zero outside.
    expected0 = np.zeros_like(self.x[0])
    expected0[:7, 1:] = self.x[0, 1:, :7]
    # Sample 1: out[i, j] = x[i, j + 1].
    expected1 = np.zeros_like(self.x[1])
    expected1[:, :7] = self.x[1, :, 1:]
    self.assertAllClose(out[0], expected0)
    self.assertAllClose(out[1], expected1)

  def test_cutout_by_hand(self):
    # 8 px, a 4 x 4 square; its centre is an integer in [0, 9) from u, start = centre - 2.
    out = augment.cutout(tf.constant(self.x), tf.constant([0.0, 0.99]),
                         tf.constant([4.5 / 9, 0.0])).numpy()
    expected = self.x.copy()
    expected[0, 0:2, 2:6] = 0  # centres (0, 4): rows -2..1 (cut by the border), columns 2..5.
    expected[1, 6:8, 0:2] = 0  # centres (8, 0): rows 6..9 and columns -2..1, both cut.
    self.assertAllClose(out, expected)

  def test_gradients_flow_through_every_op(self):
    x = tf.constant(self.x)
    u = tf.random.stateless_uniform([2, augment.NUM_DRAWS], seed=[1, 2])
    with tf.GradientTape() as tape:
      tape.watch(x)
      total = tf.reduce_sum(augment.augment(x, augment.OPS, u))
    grad = tape.gradient(total, x).numpy()
    self.assertTrue(np.all(np.isfinite(grad)))
    self.assertGreater(np.count_nonzero(grad), grad.size // 4)
    # Without color, the gradient of the sum is the 0/1 mask of pixels that were kept.
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = augment.augment(x, ('translation', 'cutout'), u)
      total = tf.reduce_sum(y)
    grad = tape.gradient(total, x).numpy()
    self.assertTrue(set(np.unique(grad)) <= {0.0, 1.0})
    self.assertAllClose(np.sum(grad * self.x), total, atol=1e-4)

  def test_no_ops_is_the_identity(self):
    x = tf.constant(self.x)
    self.assertIs(augment.augment(x, (), tf.zeros([2, augment.NUM_DRAWS])), x)



class ProbabilityTest(tf.test.TestCase):
  """ADA's gating of each op per sample, and its controller."""

  def test_each_op_applies_where_its_gate_is_below_p(self):
    x = tf.constant(np.random.default_rng(1).uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32))
    u = _uniforms(3, shift_y=0.9, cut_y=0.0)
    # Columns: color, translation, cutout. Sample 0 gets translation only, sample 1 cutout
    # only, sample 2 both (gates below 0.5 apply).
    gates = tf.constant([[0.9, 0.1, 0.7], [0.6, 0.5, 0.2], [0.99, 0.0, 0.49]])
    out = augment.augment(x, ('translation', 'cutout'), u, tf.constant(0.5), gates).numpy()
    shifted = augment.translation(x, u[:, 3], u[:, 4]).numpy()
    self.assertAllEqual(out[0], shifted[0])
    self.assertAllEqual(out[1], augment.cutout(x, u[:, 5], u[:, 6]).numpy()[1])
    self.assertAllEqual(out[2], augment.cutout(shifted, u[:, 5], u[:, 6]).numpy()[2])
    # p = 1 applies every op (the same as no gates), p = 0 none.
    every = augment.augment(x, augment.OPS, u)
    self.assertAllEqual(augment.augment(x, augment.OPS, u, tf.constant(1.0), gates), every)
    self.assertAllEqual(augment.augment(x, augment.OPS, u, tf.constant(0.0), gates), x)

  def test_gradient_flows_through_the_applied_branch_only(self):
    x = tf.constant(np.ones((2, 8, 8, 3), np.float32))
    u = _uniforms(2, cut_y=0.0, cut_x=0.0)
    gates = tf.constant([[0.0, 0.0, 0.1], [0.0, 0.0, 0.9]])
    with tf.GradientTape() as tape:
      tape.watch(x)
      total = tf.reduce_sum(augment.augment(x, ('cutout',), u, tf.constant(0.5), gates))
    grad = tape.gradient(total, x).numpy()
    self.assertAllEqual(grad[1], np.ones_like(grad[1]))  # Not augmented: the identity.
    self.assertEqual(np.count_nonzero(grad[0] == 0), 2 * 2 * 3)  # The corner left of the square.

  def test_probability_and_gates_go_together(self):
    with self.assertRaisesRegex(ValueError, 'probability and gates together'):
      augment.augment(tf.zeros([1, 8, 8, 3]), ('cutout',), _uniforms(1), tf.constant(0.5))

  def test_controller_closed_form(self):
    # 64 images at 0.5 kimg: a step of 64 / 500.
    self.assertAllClose(augment.adjust_probability(0.3, 0.9, 0.6, 64, 0.5), 0.3 + 0.128)
    self.assertAllClose(augment.adjust_probability(0.3, 0.1, 0.6, 64, 0.5), 0.3 - 0.128)
    self.assertAllClose(augment.adjust_probability(0.3, 0.6, 0.6, 64, 0.5), 0.3)
    self.assertAllClose(augment.adjust_probability(0.95, 1.0, 0.6, 64, 0.5), 1.0)
    self.assertAllClose(augment.adjust_probability(0.05, -1.0, 0.6, 64, 0.5), 0.0)


class InstanceNoiseTest(tf.test.TestCase):

  def test_sigma_anneals_linearly_to_zero(self):
    sigmas = [float(augment.instance_noise_sigma(step, 0.2, 100)) for step in (0, 25, 100, 150)]
    self.assertAllClose(sigmas, [0.2, 0.15, 0.0, 0.0])
    step = tf.constant(50, tf.int64)
    self.assertAllClose(augment.instance_noise_sigma(step, 0.2, 100), 0.1)

  def test_constant_without_annealing(self):
    self.assertAllClose(augment.instance_noise_sigma(10**6, 0.3, 0), 0.3)

  def test_refuses_negative_settings(self):
    with self.assertRaisesRegex(ValueError, 'sigma=-0.1'):
      augment.instance_noise_sigma(0, -0.1, 0)

  def test_adds_sigma_times_the_draw(self):
    images = tf.constant([[0.5, -1.0]])
    normal = tf.constant([[2.0, -1.0]])
    self.assertAllClose(augment.add_instance_noise(images, tf.constant(0.1), normal),
                        [[0.7, -1.1]])
    bf16 = augment.add_instance_noise(tf.cast(images, tf.bfloat16), 0.1, normal)
    self.assertEqual(bf16.dtype, tf.bfloat16)


if __name__ == '__main__':
  tf.test.main()
