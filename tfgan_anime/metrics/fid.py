"""Fréchet Inception Distance (FID) from feature arrays.

Heusel et al. 2017, 'GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium' (arXiv:1706.08500). Each feature set is summarised by a
Gaussian N(mu, sigma) and FID is the Fréchet (2-Wasserstein) distance between
the two Gaussians:

    FID = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))

The features are normally the 2048-d `pool_3` activations of the 2015 TF
Inception graph (see `features.py`); this module only does the algebra, in
float64 with numpy/scipy, and knows nothing about networks.
"""

import warnings

import numpy as np
import scipy.linalg

from tfgan_anime.metrics import checks

# Imaginary parts of (sigma1 sigma2)^(1/2) below this (relative to the largest
# real entry of its diagonal) are round-off from the Schur decomposition of a
# nearly singular product; above it the square root is not trustworthy.
_MAX_RELATIVE_IMAGINARY = 1e-3
# Relative Frobenius residual ||X X - A|| / ||A|| above which sqrtm is retried
# with an eps * I offset on both covariances.
_MAX_RELATIVE_RESIDUAL = 1e-3


def feature_statistics(features):
  """Mean and covariance of a feature set.

  Args:
    features: array-like [N, D], N >= 2 (e.g. D = 2048 Inception pool_3
      features).

  Returns:
    (mu, sigma): float64 arrays [D] and [D, D]. sigma is the unbiased sample
    covariance (divides by N - 1), as in the TTUR reference implementation.
  """
  features = checks.feature_matrix('features', features, min_rows=2)
  if not np.all(np.isfinite(features)):
    raise ValueError('`features` must be finite. Received: features with '
                     f'{np.count_nonzero(~np.isfinite(features))} non-finite '
                     'entries')
  mu = np.mean(features, axis=0)
  sigma = np.cov(features, rowvar=False)
  return mu, np.atleast_2d(sigma)


def _check_statistics(name, mu, sigma):
  mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
  sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
  if mu.ndim != 1:
    raise ValueError(f'`mu{name}` must be a vector [D]. '
                     f'Received: mu{name}.shape={mu.shape}')
  if sigma.shape != (mu.shape[0], mu.shape[0]):
    raise ValueError(
        f'`sigma{name}` must be [D, D] with D = len(mu{name}) = {mu.shape[0]}. '
        f'Received: sigma{name}.shape={sigma.shape}')
  return mu, sigma


def _sqrtm_with_residual(a):
  # sqrtm warns on singular input; the residual below is the check that decides what to do.
  with warnings.catch_warnings():
    warnings.simplefilter('ignore', scipy.linalg.LinAlgWarning)
    root = scipy.linalg.sqrtm(a)
  if not np.all(np.isfinite(root)):
    return root, np.inf
  a_norm = np.linalg.norm(a)
  residual = np.linalg.norm(root @ root - a) / max(a_norm, np.finfo(float).tiny)
  return root, residual


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
  """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

      d^2 = ||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^(1/2))

  The square root of the (non-symmetric) product sigma1 @ sigma2 comes from
  `scipy.linalg.sqrtm`. When the product is singular (fewer samples than
  dimensions, dead features) sqrtm can return non-finite values or a poor
  root; then both covariances get `eps * I` added and the root is recomputed,
  as in the TTUR reference code. Imaginary parts that are round-off are
  dropped; a large imaginary part raises instead of silently giving a wrong
  number.

  Args:
    mu1, mu2: means, arrays [D].
    sigma1, sigma2: covariances, symmetric positive semi-definite [D, D].
    eps: offset added to the diagonals on the retry.

  Returns:
    Python float >= 0 up to round-off (identical statistics give ~1e-10, which
    may be slightly negative). Same units as the squared features.

  Raises:
    ValueError: on mismatched shapes, or when the square root still has a
      large imaginary component after the retry.
  """
  mu1, sigma1 = _check_statistics('1', mu1, sigma1)
  mu2, sigma2 = _check_statistics('2', mu2, sigma2)
  if mu1.shape != mu2.shape:
    raise ValueError('`mu1` and `mu2` must have the same dimension. '
                     f'Received: mu1.shape={mu1.shape}, mu2.shape={mu2.shape}')

  diff = mu1 - mu2
  covmean, residual = _sqrtm_with_residual(sigma1 @ sigma2)
  if residual > _MAX_RELATIVE_RESIDUAL:
    offset = np.eye(sigma1.shape[0]) * eps
    covmean, residual = _sqrtm_with_residual(
        (sigma1 + offset) @ (sigma2 + offset))
    if not np.all(np.isfinite(covmean)):
      raise ValueError(
          'The matrix square root of sigma1 @ sigma2 is not finite even with '
          f'eps * I added to both covariances. Received: eps={eps}; check the '
          'covariances for NaN/inf or pass a larger eps')

  if np.iscomplexobj(covmean):
    scale = max(1.0, np.max(np.abs(np.diagonal(covmean).real)))
    max_imaginary = np.max(np.abs(covmean.imag))
    if max_imaginary > _MAX_RELATIVE_IMAGINARY * scale:
      raise ValueError(
          'The matrix square root of sigma1 @ sigma2 has a large imaginary '
          f'component. Received: max |imag|={max_imaginary:.3g} against a '
          f'largest real diagonal entry of {scale:.3g}; the covariances are '
          'probably not positive semi-definite (too few samples or non-finite '
          'features)')
    covmean = covmean.real

  return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) -
               2.0 * np.trace(covmean))


def fid_from_features(features1, features2, eps=1e-6):
  """FID between two feature sets [N1, D] and [N2, D] (N1, N2 >= 2).

  Equivalent to `frechet_distance(*feature_statistics(features1),
  *feature_statistics(features2))`. Published FIDs use 50k generated samples
  against the full training set; fewer samples bias FID upwards.
  """
  mu1, sigma1 = feature_statistics(features1)
  mu2, sigma2 = feature_statistics(features2)
  return frechet_distance(mu1, sigma1, mu2, sigma2, eps=eps)
