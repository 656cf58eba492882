r"""Evaluates an exported generator against real data; prints a table and writes JSON.

  python -m tfgan_anime.evaluate --saved_model=runs/quickstart/export --metrics=swd,tags
  python -m tfgan_anime.evaluate --saved_model=runs/x/export --data=/path/to/faces \
      --metrics=fid,kid,is,pr,swd --num_samples=10000 \
      --inception_graph=/path/to/classify_image_graph_def.pb
  python -m tfgan_anime.evaluate --real_vs_real --data=synthetic_faces --resolution=32 \
      --metrics=swd,tags            # the floor: two disjoint halves of the real data
  python -m tfgan_anime.evaluate --saved_model=runs/ring8/export --metrics=toy,swd
  python -m tfgan_anime.evaluate --saved_model=runs/quickstart/export --metrics=swd,tags \
      --with_floor                  # each metric beside its real-vs-real floor (cached)

A tag-conditional export (trained with --condition) is asked for labels from its training
distribution for every metric, and, when the real data is the synthetic faces (a folder with the
tag classifier's tags.csv), the table and JSON also get tag_conditional_accuracy {hair, eyes,
joint}: how often the tag classifier reads the requested tags on samples of uniformly random
requested combinations.

--data, --synthetic_num_images and the synthetic faces' seed default to the training run's
config.json beside the export. swd, tags and toy need no download; fid, kid, is and pr need the
2015 Inception graph (or Keras InceptionV3 weights) from a file you give. The protocol (uint8 on
both sides, one resize, no JPEG re-encoding) is in tfgan_anime/evaluation/__init__.py.

Bad input (a missing export, an unknown metric, a missing Inception file, a folder too small for
--num_samples, ...) prints one `error: ...` line and exits with status 2 (tfgan_anime/cli.py).
"""

# cli first: it is where start-up quieting goes, before anything loads TensorFlow. The modules
# that load it are imported in main(), after the flags parse, so that --help costs nothing.
from tfgan_anime import cli  # pylint: disable=g-bad-import-order

from absl import flags
from absl import logging

from tfgan_anime import choices
from tfgan_anime.evaluation import names
from tfgan_anime.evaluation import report

FLAGS = flags.FLAGS


def define_flags():
  """The evaluate binary's flags (defined only when it runs as one)."""
  flags.DEFINE_string('saved_model', '', 'Export directory written by tfgan_anime.train '
                      '(<model_dir>/export or export_best).')
  flags.DEFINE_string('data', '', 'Real data: a folder of images, synthetic_faces, a prepared '
                      'TFDS split tfds:NAME[/CONFIG][:SPLIT] or toy2d:NAME; default: the run\'s '
                      '--data from config.json beside the export.')
  flags.DEFINE_string('tfds_data_dir', '', 'Where --data=tfds:NAME is prepared (nothing is '
                      'downloaded); default: the run\'s, else TFDS\'s own.')
  flags.DEFINE_string('metrics', 'swd', 'Comma-separated: ' + ', '.join(names.METRICS) +
                      ' (toy data: swd, toy).')
  flags.DEFINE_integer('num_samples', 1000, 'Generated and real samples (real-vs-real: per '
                       'half). Published FIDs use 50,000; fewer bias FID upwards.')
  flags.DEFINE_bool('real_vs_real', False, 'Compare two disjoint halves of the real data: the '
                    'floor a model is judged against.')
  flags.DEFINE_bool('with_floor', False, 'Also print each metric\'s real-vs-real floor beside '
                    'it (the same metrics, resolution, sample count and seed on two halves of '
                    'the real data), computed once and cached in <cache_dir>/stats/; the JSON '
                    'gets it as "floor".')
  flags.DEFINE_integer('floor_splits', names.FLOOR_SPLITS, 'With --with_floor: average the '
                       'floor over this many splits of the real data into halves (seeds --seed, '
                       '--seed + 1, ...); one split alone varies by about 10%.')
  flags.DEFINE_string('inception_graph', '', 'classify_image_graph_def.pb from '
                      'inception-2015-12-05.tgz, for fid, kid, is, pr.')
  flags.DEFINE_string('inception_keras_weights', '', 'Keras InceptionV3 .h5 weights instead '
                      '(numbers not comparable with published ones).')
  flags.DEFINE_string('out_json', '', 'Where to write the results; default <model_dir>/eval.json '
                      '(eval_real_vs_real.json with --real_vs_real).')
  flags.DEFINE_integer('seed', 0, 'Seed of z, of the real selection and of the metrics.')
  flags.DEFINE_string('cache_dir', '', 'Synthetic faces, real statistics and the tag classifier; '
                      'default: the run\'s, else $TFGAN_ANIME_CACHE or ~/.cache/tfgan_anime.')
  flags.DEFINE_integer('synthetic_num_images', 0, 'Which synthetic faces folder; 0: the run\'s, '
                       'else 10000.')
  flags.DEFINE_integer('resolution', 0, 'Image side; 0: the export\'s (needed with '
                       '--real_vs_real and no --saved_model).')
  flags.DEFINE_integer('batch_size', 250, 'z per generator call.')


def main(argv):
  del argv  # cli.run refuses positional arguments.
  # TensorFlow's INFO lines (checkpoint sharding, ...) would bury the results.
  logging.set_verbosity(logging.WARNING)
  run = report.resolve_run_defaults(FLAGS.saved_model)
  data = FLAGS.data or run.get('data') or choices.SYNTHETIC_FACES
  # Checked before TensorFlow loads: a typo in --metrics answers at once.
  metrics = names.parse_metrics(FLAGS.metrics, toy=data.startswith(choices.TOY_PREFIX))
  names.check_floor_splits(FLAGS.floor_splits)
  tfds_data_dir = FLAGS.tfds_data_dir or run.get('tfds_data_dir', '')
  cli.import_tensorflow()
  from tfgan_anime.evaluation import runner  # pylint: disable=g-import-not-at-top
  results = runner.evaluate(
      metrics, FLAGS.num_samples, data, saved_model=FLAGS.saved_model,
      real_vs_real=FLAGS.real_vs_real, inception_graph=FLAGS.inception_graph,
      inception_keras_weights=FLAGS.inception_keras_weights, seed=FLAGS.seed,
      cache_dir=FLAGS.cache_dir or run.get('cache_dir', ''),
      synthetic_num_images=FLAGS.synthetic_num_images or run.get('synthetic_num_images', 10000),
      data_seed=run.get('seed', 0), resolution=FLAGS.resolution, batch_size=FLAGS.batch_size,
      scan_cache=report.run_scan_cache(FLAGS.saved_model, data, run),
      tfds_data_dir=tfds_data_dir)
  floor = None
  if FLAGS.with_floor and not FLAGS.real_vs_real:
    floor, _ = runner.real_vs_real_floor(
        metrics, FLAGS.num_samples, data, resolution=results.get('resolution', 0),
        seed=FLAGS.seed, cache_dir=FLAGS.cache_dir or run.get('cache_dir', ''),
        synthetic_num_images=FLAGS.synthetic_num_images or run.get('synthetic_num_images', 10000),
        data_seed=run.get('seed', 0), inception_graph=FLAGS.inception_graph,
        inception_keras_weights=FLAGS.inception_keras_weights, batch_size=FLAGS.batch_size,
        scan_cache=report.run_scan_cache(FLAGS.saved_model, data, run),
        tfds_data_dir=tfds_data_dir, splits=FLAGS.floor_splits)
    results['floor'] = report.floor_values(floor)
  what = 'real vs real (two halves)' if FLAGS.real_vs_real else FLAGS.saved_model
  size = f', {results["resolution"]} px' if 'resolution' in results else ''
  print(report.format_table(
      results, f'{what} on {data}: {FLAGS.num_samples} samples{size}, seed {FLAGS.seed}', floor))
  out_json = FLAGS.out_json or report.default_json_path(FLAGS.saved_model, FLAGS.real_vs_real)
  report.write_results(out_json, results)
  print(f'Wrote {out_json}')


if __name__ == '__main__':
  cli.run(main, define_flags)
