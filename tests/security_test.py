"""Security audit of the package source: nothing unpickled, nothing run through a shell.

Behaviour is tested where it happens: file names with shell syntax are read as plain names
(data_scan_test), the data doctor never writes into its source (tools_prepare_data_test), and training
leaves its data folder untouched (training_guard_test). This test keeps the source free of the calls that
would break those guarantees, so a later change cannot bring one in quietly.
"""

import os
import re

import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FORBIDDEN = {
    r'\bpickle\b|\bcPickle\b|\bdill\b|\bjoblib\b|\bshelve\b': 'unpickling runs arbitrary code',
    r'allow_pickle\s*=\s*True': 'np.load with pickles runs arbitrary code',
    r'\bmarshal\.loads?\b|\byaml\.load\(|\byaml\.unsafe_load': 'unsafe deserialisation',
    r'\bos\.system\b|\bos\.popen\b|\bsubprocess\b|\bcommands\.': 'a shell or child process',
    r'shell\s*=\s*True': 'a shell',
    r'(?<![\w.])eval\(|(?<![\w.])exec\(': 'code from a string',
}


def _sources():
  for top in ('tfgan_anime', 'tools'):
    for root, _, names in os.walk(os.path.join(REPO, top)):
      for name in names:
        if name.endswith('.py'):
          yield os.path.join(root, name)


class SecurityAuditTest(tf.test.TestCase):

  def test_no_unpickling_shells_or_eval(self):
    found = []
    for path in _sources():
      with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
          code = line.split('#', 1)[0]
          for pattern, why in FORBIDDEN.items():
            if re.search(pattern, code):
              found.append(f'{os.path.relpath(path, REPO)}:{number}: {why}: {line.strip()}')
    self.assertEqual(found, [])

  def test_np_load_always_refuses_pickles(self):
    for path in _sources():
      with open(path, encoding='utf-8') as f:
        text = f.read()
      # Each np.load call is written on one line; the whole line must refuse pickles.
      for call in re.finditer(r'np\.load\(.*$', text, re.MULTILINE):
        self.assertIn('allow_pickle=False', call.group(0), path)


if __name__ == '__main__':
  tf.test.main()
