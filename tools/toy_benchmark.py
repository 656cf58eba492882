"""Shim: python tools/toy_benchmark.py --seeds=0,1,2,3,4 ... (see tfgan_anime/tools/toy_benchmark.py)."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repo root
from tfgan_anime.tools import toy_benchmark  # pylint: disable=g-import-not-at-top
toy_benchmark.run()
