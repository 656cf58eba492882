"""The one exception type for problems with what the user gave: flags, paths, data files.

The binaries print a UserError as one line and exit with status 2, no traceback: the message
already names the flag or file, the value received and what would be accepted. Anything else
that escapes is a bug in this package and keeps its traceback. No TensorFlow here, so that the
PIL-only data tools can raise it too.
"""


class UserError(ValueError):
  """Invalid input from the user; the message names the input, the value and what is accepted."""
