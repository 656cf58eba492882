"""A one-line progress bar for the long loops of the tools and the data check."""

import sys
import time


class ProgressBar:
  """progress(done, total) as a one-line bar on stderr; silent off a terminal."""

  def __init__(self, label, stream=None):
    self.label = label
    self.stream = stream or sys.stderr
    self.enabled = self.stream.isatty()
    self.start = time.monotonic()
    self.last = 0.0

  def __call__(self, done, total):
    if not self.enabled:
      return
    now = time.monotonic()
    if done < total and now - self.last < 0.1:
      return
    self.last = now
    width = 30
    filled = width * done // max(total, 1)
    rate = done / max(now - self.start, 1e-9)
    self.stream.write(f'\r{self.label} [{"=" * filled}{"." * (width - filled)}] '
                      f'{done}/{total} {rate:.0f}/s')
    if done >= total:
      self.stream.write('\n')
    self.stream.flush()
