"""SIGTERM and SIGINT: finish the step, save a checkpoint, stop.

A scheduler that preempts a job sends SIGTERM and waits a grace period before SIGKILL; a user
presses Ctrl-C. Either way the signal handler only records the request (a handler runs between
Python bytecodes, in the middle of anything); `StopOnSignal` acts on it at the next step
boundary, where the state is consistent. The step being computed finishes first: on a CPU that
can take tens of seconds, on a GPU milliseconds. A second signal of the same kind stops at once,
without saving (the previous handler runs: KeyboardInterrupt for SIGINT, death for SIGTERM).
"""

import os
import signal
import threading

import keras

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
  """A context manager: while active, SIGTERM and SIGINT set `received` instead of stopping.

  Handlers can only be installed from the main thread; elsewhere this does nothing.
  """

  def __init__(self, signals=STOP_SIGNALS):
    self.signals = signals
    self.received = None  # The name of the first signal received, e.g. 'SIGTERM'.
    self._previous = {}

  def __enter__(self):
    if threading.current_thread() is threading.main_thread():
      for signum in self.signals:
        self._previous[signum] = signal.signal(signum, self._handle)
    return self

  def __exit__(self, *exc_info):
    for signum, handler in self._previous.items():
      signal.signal(signum, handler)
    self._previous = {}
    return False

  def _handle(self, signum, frame):
    if self.received is not None:
      signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
      os.write(2, b'Second stop signal: stopping now, without saving.\n')
      os.kill(os.getpid(), signum)
      return
    self.received = signal.Signals(signum).name
    # os.write, not print: the handler may have interrupted a print to the same stream.
    os.write(2, f'{self.received} received: saving a checkpoint after this step, then '
                'stopping (send it again to stop at once, without saving).\n'.encode())


class StopOnSignal(keras.callbacks.Callback):
  """At the first step boundary after a stop request: save a checkpoint and stop training."""

  def __init__(self, request, run_checkpoints):
    super().__init__()
    self.request = request
    self.checkpoints = run_checkpoints
    self.stopped_at = None

  def on_train_batch_end(self, batch, logs=None):
    if self.request.received and self.stopped_at is None:
      self.stopped_at = int(self.model.step.numpy())
      self.checkpoints.save(self.stopped_at)
      self.model.stop_training = True
