"""Weight constraints for critics."""

import keras


@keras.saving.register_keras_serializable(package='tfgan_anime')
class WeightClip(keras.constraints.Constraint):
  """Clips every weight to [-clip_value, clip_value] (WGAN, Arjovsky et al. 2017, Algorithm 1).

  Keras 3 optimisers apply constraints right after each `apply_gradients`, so the critic's weights
  are in range after every critic update. Initial weights are not clipped until the first update.
  """

  def __init__(self, clip_value=0.01):
    if not clip_value > 0:
      raise ValueError(f'clip_value must be > 0. Received: clip_value={clip_value}')
    self.clip_value = float(clip_value)

  def __call__(self, w):
    return keras.ops.clip(w, -self.clip_value, self.clip_value)

  def get_config(self):
    return {'clip_value': self.clip_value}
