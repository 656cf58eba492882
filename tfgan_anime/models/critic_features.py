"""A critic that also returns an intermediate layer's features, for feature matching.

Salimans et al. 2016 (section 3.1) train the generator to match the critic's features of real
data on an intermediate layer; `losses.feature_matching` takes those features. The critic is
any functional Keras model (the DCGAN, MLP, talk or conditional critics): the returned model
shares its layers and weights, so training the critic trains it too.
"""

import keras


def feature_layer_names(critic):
  """The layers whose output `with_features` can return: every layer but the inputs and the
  last (the logits themselves), in order."""
  return [layer.name for layer in critic.layers[:-1]
          if not isinstance(layer, keras.layers.InputLayer)]


def with_features(critic, layer_name):
  """A model mapping the critic's inputs to (logits [B, 1], features [B, ...] of `layer_name`).

  gan.py builds it once (in __init__, from --feature_matching) and calls it in the generator
  update on real and fake images; the features are the named layer's output as the critic
  computes it (after the layer's activation when the layer is an activation).

  Raises:
    ValueError: `layer_name` is not one of `feature_layer_names(critic)` (listed in the message).
  """
  names = feature_layer_names(critic)
  if layer_name not in names:
    raise ValueError(f'Unknown feature_matching layer of critic {critic.name!r}. Received: '
                     f'feature_matching={layer_name!r}; accepted: {", ".join(names)}')
  layer = critic.get_layer(layer_name)
  inputs = critic.inputs[0] if len(critic.inputs) == 1 else critic.inputs
  return keras.Model(inputs, [critic.outputs[0], layer.output],
                     name=f'{critic.name}_with_{layer_name}')
