"""Shim: python tools/benchmark.py [--quick] [--json] (see tfgan_anime/benchmark.py)."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repo root
from tfgan_anime import benchmark  # pylint: disable=g-import-not-at-top
benchmark.run()
