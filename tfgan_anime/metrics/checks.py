"""Input checks shared by the metrics."""

import numpy as np


def feature_matrix(name, features, min_rows=1, dtype=np.float64):
  """`features` as a [N, D] array of `dtype` with N >= min_rows, or a ValueError naming it."""
  features = np.asarray(features, dtype=dtype)
  if features.ndim != 2 or features.shape[0] < min_rows:
    raise ValueError(f'`{name}` must have shape [N, D] with N >= {min_rows}. '
                     f'Received: {name}.shape={features.shape}')
  return features
