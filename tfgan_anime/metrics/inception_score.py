"""Inception Score (IS) from classifier outputs.

Salimans et al. 2016, "Improved Techniques for Training GANs" (arXiv:1606.03498):

    IS = exp( E_x KL( p(y|x) || p(y) ) ),    p(y) = E_x p(y|x),

computed, as in the paper's reference code, on `num_splits` consecutive equal parts of the samples
(10 parts of 5000 for the published 50k-sample numbers); the score is the mean over parts and the
spread their standard deviation. IS lies in [1, C] for C classes: 1 when every sample gets the same
prediction, C when predictions are confident and spread evenly over all classes.

Published numbers use the 2015 TF Inception graph's 1008-way logits *without* the final bias
(see `features.py`); other classifiers give numbers that are not comparable.
"""

import numpy as np
import scipy.special


def inception_score(predictions, num_splits=10, from_logits=False):
  """Inception Score and its spread over splits.

  Args:
    predictions: [N, C] class probabilities p(y|x) (rows non-negative, summing to 1), or logits
      when `from_logits=True`. N >= num_splits.
    num_splits: number of consecutive parts (paper: 10). Shuffle first if the order of samples
      means something.
    from_logits: treat `predictions` as logits; log-probabilities then come from a log-softmax,
      which stays finite for confident predictions.

  Returns:
    (mean, std): Python floats, mean in [1, C].
  """
  predictions = np.asarray(predictions, dtype=np.float64)
  if predictions.ndim != 2:
    raise ValueError('`predictions` must have shape [N, C]. '
                     f'Received: predictions.shape={predictions.shape}')
  num_splits = int(num_splits)
  if num_splits < 1 or predictions.shape[0] < num_splits:
    raise ValueError('`num_splits` must be between 1 and the number of samples '
                     f'({predictions.shape[0]}). Received: num_splits={num_splits}')
  if not np.all(np.isfinite(predictions)):
    raise ValueError('`predictions` must be finite. Received: '
                     f'{np.count_nonzero(~np.isfinite(predictions))} non-finite entries')

  if from_logits:
    log_probs = scipy.special.log_softmax(predictions, axis=1)
    probs = np.exp(log_probs)
  else:
    row_sums = predictions.sum(axis=1)
    if np.any(predictions < 0) or not np.allclose(row_sums, 1.0, atol=1e-3):
      raise ValueError(
          '`predictions` must be probabilities (non-negative rows summing to 1); pass '
          'from_logits=True for logits. Received: min value '
          f'{predictions.min():.3g}, row sums in [{row_sums.min():.4g}, {row_sums.max():.4g}]')
    probs = predictions
    log_probs = None

  n = predictions.shape[0]
  scores = []
  for i in range(num_splits):
    part = slice(i * n // num_splits, (i + 1) * n // num_splits)
    p_yx = probs[part]
    p_y = p_yx.mean(axis=0, keepdims=True)
    # sum_y p log p - p log p(y); xlogy makes 0 log 0 = 0 for classes a sample never predicts.
    if log_probs is None:
      entropy_term = scipy.special.xlogy(p_yx, p_yx)
    else:
      entropy_term = p_yx * log_probs[part]
    kl = entropy_term - scipy.special.xlogy(p_yx, p_y)
    scores.append(np.exp(np.mean(np.sum(kl, axis=1))))
  return float(np.mean(scores)), float(np.std(scores))
