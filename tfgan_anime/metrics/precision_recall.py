"""Improved precision and recall from feature sets.

Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative Models"
(arXiv:1904.06991). Each set's manifold is approximated by balls around its samples whose radius
is the distance to the sample's k-th nearest neighbour in the same set (k = 3 in the paper):

    f(x, S) = 1  if ||x - s|| <= NND_k(s) for some s in S,  else 0
    precision = mean_{g in generated} f(g, real)        (generated samples that look real)
    recall    = mean_{r in real}      f(r, generated)   (real samples the generator covers)

Both are in [0, 1]. As in the reference code, NND_k(s) is the k-th smallest distance from s to the
points of its own set *including s itself* at distance 0, i.e. the k-th nearest other point.

Pairwise distances are computed in row blocks of `batch_size` rows in float32, so 10k x 10k sets
of 2048-d features need about batch_size x 10k x 4 bytes at a time, never the full matrix.
"""

import numpy as np

from tfgan_anime.metrics import checks


def _squared_distances(rows, cols, cols_sq_norms):
  """||r - c||^2 for a block of rows against all cols, clipped at 0 against round-off."""
  rows_sq_norms = np.sum(rows * rows, axis=1, keepdims=True)
  d = rows_sq_norms + cols_sq_norms[np.newaxis, :] - 2.0 * (rows @ cols.T)
  return np.maximum(d, 0.0)


def knn_radii(features, k=3, batch_size=1000):
  """Squared distance from each row of `features` [N, D] to its k-th nearest neighbour.

  Returns float32 [N]. Requires N > k.
  """
  features = checks.feature_matrix('features', features, dtype=np.float32)
  n = features.shape[0]
  if not 1 <= k < n:
    raise ValueError(f'`k` must be in [1, N - 1] = [1, {n - 1}] for {n} samples. Received: k={k}')
  sq_norms = np.sum(features * features, axis=1)
  radii = np.empty(n, dtype=np.float32)
  for start in range(0, n, batch_size):
    block = _squared_distances(features[start:start + batch_size], features, sq_norms)
    # Column k of the sorted row: index 0 is the point itself (distance 0).
    radii[start:start + batch_size] = np.partition(block, k, axis=1)[:, k]
  return radii


def _coverage(queries, manifold, manifold_radii, batch_size):
  """Fraction of `queries` inside at least one ball of (manifold, manifold_radii)."""
  sq_norms = np.sum(manifold * manifold, axis=1)
  inside = 0
  for start in range(0, queries.shape[0], batch_size):
    block = _squared_distances(queries[start:start + batch_size], manifold, sq_norms)
    inside += int(np.count_nonzero(np.any(block <= manifold_radii[np.newaxis, :], axis=1)))
  return inside / queries.shape[0]


def precision_recall(real_features, generated_features, k=3, batch_size=1000):
  """Improved precision and recall (formulas in the module docstring).

  Args:
    real_features: [N_real, D], N_real > k (e.g. Inception pool_3 or VGG-16 fc2 features; the
      paper uses VGG-16 and 50k samples).
    generated_features: [N_gen, D], N_gen > k.
    k: neighbourhood size for the radii (paper: 3).
    batch_size: rows per block of the distance matrix; memory is ~4 * batch_size * max(N) bytes.

  Returns:
    (precision, recall): Python floats in [0, 1].
  """
  real = checks.feature_matrix('real_features', real_features, dtype=np.float32)
  generated = checks.feature_matrix('generated_features', generated_features, dtype=np.float32)
  if real.shape[1] != generated.shape[1]:
    raise ValueError('`real_features` and `generated_features` must have the same feature '
                     f'dimension. Received: real_features.shape={real.shape}, '
                     f'generated_features.shape={generated.shape}')
  batch_size = int(batch_size)
  if batch_size < 1:
    raise ValueError(f'`batch_size` must be >= 1. Received: batch_size={batch_size}')
  real_radii = knn_radii(real, k, batch_size)
  generated_radii = knn_radii(generated, k, batch_size)
  precision = _coverage(generated, real, real_radii, batch_size)
  recall = _coverage(real, generated, generated_radii, batch_size)
  return precision, recall
