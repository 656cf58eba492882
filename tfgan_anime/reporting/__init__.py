"""Runs laid side by side: what `python -m tfgan_anime.compare` reads (runs.py) and draws
(figures.py)."""
