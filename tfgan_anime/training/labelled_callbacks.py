"""The sample grid and the diversity watch of a tag-conditional GAN: fixed z with fixed labels.

A conditional generator takes [z [N, z_dim], int32 labels [N, G]]. The labels of both are drawn
once, before training, from the run's fake-label distribution with a seed of their own
(`gan.fake_labels.sample`), so that every epoch's grid shows the same (z, labels) pairs and
stays comparable, as the unconditional grid does with its fixed z. The per-tag grid (rows and
columns of requested tags) is `callbacks.TagGrid`'s.
"""

import numpy as np
import tensorflow as tf

from tfgan_anime.evaluation import protocol
from tfgan_anime.metrics import diversity as diversity_lib
from tfgan_anime.training import callbacks as callbacks_lib


def fixed_labels(gan, num, seed):
  """int32 [num, G]: `num` fake labels of a conditional `gan`, drawn once from `seed` (an int)."""
  return gan.fake_labels.sample([num], seed=tf.constant([seed, 0], tf.int64)).numpy()


class LabelledSampleGrid(callbacks_lib.SampleGrid):
  """SampleGrid of a conditional GAN: each image from its fixed z and fixed labels [N, G]."""

  def __init__(self, z, labels, directory, steps_per_epoch, writer=None, scale=0):
    super().__init__(z, directory, steps_per_epoch, writer, scale=scale)
    labels = tf.constant(labels, tf.int32)
    if labels.shape.rank != 2 or labels.shape[0] != self.z.shape[0]:
      raise ValueError(f'labels must be [N, G] for z [N, z_dim]. Received: labels of shape '
                       f'{labels.shape} for z of shape {self.z.shape}')
    # SampleGrid calls the sampler with self.z: a conditional one takes [z, labels].
    self.z = [self.z, labels]
    self.labels = labels


class LabelledDiversityWatch(callbacks_lib.DiversityWatch):
  """DiversityWatch of a conditional GAN: its fixed z each with fixed labels [N, G]."""

  def __init__(self, z, labels, *args, **kwargs):
    super().__init__(z, *args, **kwargs)
    self.labels = np.asarray(labels, np.int32)
    if self.labels.shape[:1] != self.z.shape[:1] or self.labels.ndim != 2:
      raise ValueError(f'labels must be [N, G] for z [N, z_dim]. Received: labels of shape '
                       f'{self.labels.shape} for z of shape {self.z.shape}')

  def measure(self, generator):
    """(diversity, ratio, uint8 samples [N, H, W, C]) of `generator` on the fixed z and labels."""
    z_dim = self.z.shape[1]
    # protocol batches one array: z and labels travel side by side in it (exact in float32).
    packed = np.concatenate([self.z, self.labels.astype(np.float32)], axis=1)

    def conditional(rows, training=False):
      return generator([rows[:, :z_dim], tf.cast(rows[:, z_dim:], tf.int32)], training=training)

    fake = protocol.generated_images(conditional, packed)
    value = diversity_lib.diversity(fake, side=self.side, max_samples=len(fake))
    return value, value / self.real_diversity, fake
