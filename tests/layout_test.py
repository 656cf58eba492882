"""Tests of the package's shape: functions a reader can hold, a config module that loads no
TensorFlow, and a tests/ folder that mirrors the package."""

import ast
import os
import subprocess
import sys

import tensorflow as tf

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tfgan_anime')
MAX_FUNCTION_LINES = 80


def long_functions(root=PACKAGE, limit=MAX_FUNCTION_LINES):
  """(path:line name, lines) of every function or method in `root` longer than `limit` lines."""
  found = []
  for folder, _, names in os.walk(root):
    for name in sorted(names):
      if not name.endswith('.py'):
        continue
      path = os.path.join(folder, name)
      with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
      for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
          lines = node.end_lineno - node.lineno + 1
          if lines > limit:
            found.append((f'{os.path.relpath(path, root)}:{node.lineno} {node.name}', lines))
  return found


class LayoutTest(tf.test.TestCase):

  def test_no_function_is_longer_than_80_lines(self):
    self.assertEqual(long_functions(), [])

  def test_the_checker_finds_a_long_function(self):
    folder = os.path.join(self.get_temp_dir(), 'pkg')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'long.py'), 'w') as f:
      f.write('def f():\n' + '  x = 1\n' * 81)
    self.assertEqual(long_functions(folder), [('long.py:1 f', 82)])

  def test_config_imports_no_tensorflow(self):
    code = ('import sys; import tfgan_anime.config; '
            'print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    self.assertEqual(out.strip(), '[]')


if __name__ == '__main__':
  tf.test.main()
