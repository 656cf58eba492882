"""Kernel Inception Distance (KID): unbiased MMD^2 with a cubic polynomial kernel.

Bińkowski et al. 2018, "Demystifying MMD GANs" (arXiv:1801.01401), Section 4 / Appendix D. With
features x, y in R^d the kernel is

    k(x, y) = (x . y / d + 1)^3

and, for samples X = {x_i} (m of them) and Y = {y_j} (n of them), the unbiased estimator is

    MMD^2_u = sum_{i != i'} k(x_i, x_i') / (m (m - 1))
            + sum_{j != j'} k(y_j, y_j') / (n (n - 1))
            - 2 sum_{i, j} k(x_i, y_j) / (m n).

Dropping the diagonal terms k(x_i, x_i) makes the estimate unbiased: its expectation is 0 when X
and Y come from the same distribution, so it can be slightly negative. KID is reported as the mean
(and standard deviation) of MMD^2_u over random subsets, which keeps memory at O(subset_size^2)
and makes small-sample numbers comparable. Unlike FID it has no bias from the number of samples.
"""

import numpy as np

from tfgan_anime.metrics import checks


def polynomial_kernel(x, y):
  """k(x, y) = (x . y / d + 1)^3 for all pairs: x [m, d], y [n, d] -> [m, n] float64."""
  d = x.shape[1]
  return (x @ y.T / d + 1.0)**3


def mmd2_polynomial(x, y, unbiased=True):
  """MMD^2 between samples x [m, d] and y [n, d] with the cubic kernel (formula in the module).

  Args:
    x, y: feature arrays with the same d, m, n >= 2.
    unbiased: drop the i == i' terms (KID's estimator). False gives the biased V-statistic, which
      is >= 0 and is only here to show the difference.

  Returns:
    Python float.
  """
  x = checks.feature_matrix('x', x, min_rows=2)
  y = checks.feature_matrix('y', y, min_rows=2)
  if x.shape[1] != y.shape[1]:
    raise ValueError('`x` and `y` must have the same feature dimension. '
                     f'Received: x.shape={x.shape}, y.shape={y.shape}')
  m, n = x.shape[0], y.shape[0]
  k_xx = polynomial_kernel(x, x)
  k_yy = polynomial_kernel(y, y)
  k_xy = polynomial_kernel(x, y)
  if unbiased:
    term_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    term_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
  else:
    term_xx = k_xx.mean()
    term_yy = k_yy.mean()
  return float(term_xx + term_yy - 2.0 * k_xy.mean())


def kernel_inception_distance(real_features, generated_features, num_subsets=100,
                              subset_size=1000, rng=0):
  """KID: mean and standard deviation of MMD^2_u over random subsets.

  Each subset draws `min(subset_size, N_real, N_generated)` rows without replacement from each
  set (subsets are independent of each other, as in the paper's reference code).

  Args:
    real_features: [N_real, D] (e.g. Inception pool_3 features), N_real >= 2.
    generated_features: [N_gen, D].
    num_subsets: number of subsets (paper: 100).
    subset_size: rows per subset (paper: 1000).
    rng: seed or `np.random.Generator`; the same seed gives the same subsets.

  Returns:
    (mean, std): Python floats; std is over subsets (not a standard error). Papers often report
    KID x 10^3.
  """
  real = checks.feature_matrix('real_features', real_features, min_rows=2)
  generated = checks.feature_matrix('generated_features', generated_features, min_rows=2)
  if real.shape[1] != generated.shape[1]:
    raise ValueError('`real_features` and `generated_features` must have the same feature '
                     f'dimension. Received: real_features.shape={real.shape}, '
                     f'generated_features.shape={generated.shape}')
  if int(num_subsets) < 1:
    raise ValueError(f'`num_subsets` must be >= 1. Received: num_subsets={num_subsets}')
  if int(subset_size) < 2:
    raise ValueError(f'`subset_size` must be >= 2. Received: subset_size={subset_size}')
  rng = np.random.default_rng(rng)
  size = min(int(subset_size), real.shape[0], generated.shape[0])
  estimates = np.empty(int(num_subsets))
  for i in range(int(num_subsets)):
    x = real[rng.choice(real.shape[0], size, replace=False)]
    y = generated[rng.choice(generated.shape[0], size, replace=False)]
    estimates[i] = mmd2_polynomial(x, y)
  return float(estimates.mean()), float(estimates.std())
