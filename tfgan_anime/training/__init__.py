"""The training loop and what runs around it: builders, run directory, checkpoints, the guard,
signals, strategies and callbacks. Functions of a TrainConfig value, never of FLAGS."""
