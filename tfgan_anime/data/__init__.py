"""Data: everything from paths to batched tensors in [-1, 1].

`pipeline.make_dataset` is the entry point for training. The package import is kept free of
TensorFlow so that PIL-only tools (`tfgan_anime.tools.prepare_data --check`) start fast.
"""
