"""Evaluation of a generator against real data: the library under `evaluate.py` and the
evaluation during training (`training/callbacks.EvaluationCallback`).

Modules, in the order a result is made:
  names     the metric names the evaluate binary accepts; no TensorFlow (its --help reads them).
  protocol  what is compared: the seeded real selection of a folder, decoded as training decodes
            it, and the generated samples of seeded z, both uint8 at the same resolution.
  runner    the orchestration: `evaluate(...)` for the binary, `training_evaluator(...)` for the
            training loop; the metrics themselves live in tfgan_anime/metrics/.
  report    the table on stdout, the JSON beside the run, the run's config.json as defaults;
            no TensorFlow.

Protocol (see metrics/features.py for why it matters):
* Real images come from the data folder through the training decode path
  (`data/folder.folder_dataset`: centre square crop, antialiased resize to the generator's
  resolution, uint8), *without* the float conversion; generated images are the export's uint8
  output (or `images.to_uint8` of the in-memory generator). So both sides are uint8 at the same
  resolution before any metric, and neither is ever JPEG-encoded on the way.
* A `tfds:NAME[/CONFIG][:SPLIT]` data set is read from its prepared split instead
  (`protocol.TfdsRealData`, through `data/tfds.image_stream`, never downloading), in the data
  set's channels; the selection below is then over its examples.
* Real images are a seeded random selection of the folder: the first `num` of a permutation of
  the sorted file list. Real-vs-real compares the first `num` with the next `num` (two disjoint
  halves), which is the floor a model is judged against: what the metric says about two samples
  of the same distribution at this sample size.
* Real-data feature statistics are cached (`metrics/stats_cache.py`) under a name holding the
  folder and the selection seed, with the sample count, resolution and extractor in the key.

Metric names (`names.METRICS`), lower is better unless said:
  swd    sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2018), reported
         x 1e3 as in the paper, per level and mean; needs no pretrained network. For toy data:
         the sliced Wasserstein-1 distance between the point sets (`metrics/swd.py`
         `sliced_wasserstein_points`), in data units.
  fid    Fréchet Inception distance.               kid  KID (x 1e3) mean and std over subsets.
  is     Inception score (higher is better).       pr   precision and recall (higher is better).
  tags   the synthetic faces' tag classifier (metrics/tag_classifier.py): hair x eye colour
         combinations covered, reverse KL of the tag histograms, Fréchet distance in its features.
  toy    ring8 / grid25 mode coverage on the points (metrics/toy.py).

A tag-conditional export (`export.LoadedGenerator.groups` not empty) is called with labels: for
the metrics above, labels drawn from the training distribution (`export.sample_labels`, the
product of the groups' marginal counts kept in the export), so that its samples are comparable
with the real data; and, when the real folder holds the tag classifier's tags.csv (the synthetic
faces), `tag_conditional_accuracy` {group: ..., 'joint': ...} (higher is better): on requests
drawn uniformly over the combinations of named tags, the fraction of samples whose tag classifier
reading is the requested tag (per group, and all groups at once). The export's tags are mapped
to the classifier's classes by name ('red hair' -> hair colour 'red'); a tag it does not know is
refused in one line.
"""
