"""Shim: python tools/prepare_data.py --check=DIR ... (see tfgan_anime/tools/prepare_data.py)."""
import os, sys; sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repo root
from tfgan_anime.tools import prepare_data  # pylint: disable=g-import-not-at-top
prepare_data.run()
