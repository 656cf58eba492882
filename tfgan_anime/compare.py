r"""Lays training runs side by side: their sample grids at chosen epochs, and their curves.

  python -m tfgan_anime.compare runs/wgan_nc1 runs/wgan_nc2 runs/wgan_nc4 \
      --epochs=10,30,50 --out=table.png --curves_out=curves.png

--out: one column per run, one row per epoch (`latest` for samples/latest.png), each column
captioned with the settings that differ between the runs' config.json (e.g. "n_critic=2"). A run
without an epoch's grid shows a grey "missing" cell. --curves_out: one subplot per TensorBoard
scalar (d_loss, g_loss, the Wasserstein estimate, the penalty, the gradient norm, then eval/...
and any other), one line per run against the generator step, legended with the same captions.

Bad input (no run directories, one without config.json, a bad --epochs) prints one
`error: ...` line and exits with status 2 (tfgan_anime/cli.py).
"""

# cli first: it is where start-up quieting goes, before anything heavy loads. matplotlib and
# TensorBoard's reader are imported in main(), after the flags parse, so that --help costs nothing.
from tfgan_anime import cli  # pylint: disable=g-bad-import-order

from absl import flags

from tfgan_anime.errors import UserError
from tfgan_anime.reporting import runs as runs_lib

FLAGS = flags.FLAGS

# The run directories given as positional arguments (cli.run accepts flags only).
_RUN_DIRS = []


def define_flags():
  """The compare binary's flags (defined only when it runs as one)."""
  flags.DEFINE_string('epochs', runs_lib.LATEST, 'Comma-separated 1-based epochs of the table\'s '
                      'rows, or latest (samples/latest.png), e.g. 10,30,50.')
  flags.DEFINE_string('out', 'compare.png', 'The PNG of the sample grids side by side.')
  flags.DEFINE_string('curves_out', '', 'Also plot the runs\' TensorBoard scalars to this PNG.')
  flags.DEFINE_integer('cell_px', 384, 'Side in pixels of each grid\'s cell in --out.')


def parse_flags(argv):
  """absl's parse; the positional arguments left over are the run directories."""
  try:
    rest = FLAGS(argv)
  except flags.Error as e:
    cli.fail('error: ' + str(e).replace('\n', ' '))
  _RUN_DIRS[:] = rest[1:]
  return rest[:1]


def main(argv):
  del argv  # The run directories are in _RUN_DIRS.
  runs = runs_lib.load_runs(_RUN_DIRS)
  epochs = runs_lib.parse_epochs(FLAGS.epochs)
  if FLAGS.cell_px < 16:
    raise UserError(f'Invalid --cell_px. Received: {FLAGS.cell_px}; accepted: >= 16')
  from tfgan_anime.reporting import figures  # pylint: disable=g-import-not-at-top
  missing = figures.write_table(runs, epochs, FLAGS.out,
                                figures.TableLayout(cell_px=FLAGS.cell_px))
  print(f'Wrote {FLAGS.out}: {len(runs)} runs x {len(epochs)} rows')
  for name, label in missing:
    print(f'  missing: {name} has no grid for {label}')
  if FLAGS.curves_out:
    cli.import_tensorflow()  # TensorBoard's event reader loads it: without its start-up lines.
    tags = figures.write_curves(runs, FLAGS.curves_out)
    print(f'Wrote {FLAGS.curves_out}: {", ".join(tags)}')


if __name__ == '__main__':
  cli.run(main, define_flags, flags_parser=parse_flags)
