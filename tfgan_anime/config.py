"""TrainConfig: every training option, its default, and the validation of combinations.

One place owns the options: `flags.py` defines one absl flag per field here, and the training
loop (`training/loop.py`) takes a TrainConfig value, never FLAGS. Defaults are the WGAN-GP
paper's where it gives one; each flagfile in configs/ names the source of every value it changes.

This module imports no TensorFlow, Keras or implementation (the accepted names come from
`choices.py`), so that `--helpfull` and the option print of `--dry_run` are instant.
"""

import dataclasses
import glob
import math
import os

from tfgan_anime import choices
from tfgan_anime import files
from tfgan_anime.data import spec
from tfgan_anime.errors import UserError
from tfgan_anime.models import layout



def _field(default, help_text, choices=None):
  return dataclasses.field(default=default, metadata={'help': help_text, 'choices': choices})


@dataclasses.dataclass
class TrainConfig:
  """The resolved options of one training run (see each field's help)."""
  model_dir: str = _field('', 'Run directory: config, checkpoints, samples, TensorBoard, export. '
                          'Reusing it resumes the run.')
  data: str = _field('synthetic_faces', 'A folder of images (searched recursively); '
                     'synthetic_faces: built-in procedural faces drawn once into --cache_dir; '
                     'TFRecord shards from prepare_data: tfrecord:GLOB, or a glob ending in '
                     '.tfrecord; a TensorFlow Datasets set already prepared in --tfds_data_dir: '
                     'tfds:NAME[/CONFIG][:SPLIT] (tfds:mnist, tfds:cars196:train; split train by '
                     'default); or toy2d:NAME: 2-D points (ring8, grid25, ...; needs '
                     '--architecture=mlp).')
  synthetic_num_images: int = _field(10000, 'How many synthetic faces to draw.')
  cache_dir: str = _field('', 'Where synthetic data is drawn; default $TFGAN_ANIME_CACHE or '
                          '~/.cache/tfgan_anime.')
  cache: str = _field('', 'Keep decoded images (of a folder or of shards) after the first '
                      'epoch: "" (no), memory, or a file path prefix for an on-disk cache.')
  tfds_data_dir: str = _field('', 'Where --data=tfds:NAME is prepared (nothing is downloaded); '
                              '"": TFDS\'s own default ($TFDS_DATA_DIR or ~/tensorflow_datasets).')
  channels: int = _field(3, 'Image channels of the data and both networks: 3 (RGB) or 1 (gray). '
                         'Colour images are converted to luma for 1, gray ones tiled for 3.')
  resolution: int = _field(64, 'Image side in pixels: 4-7 times a power of two (32, 64, 96, '
                           '128, ...). The seed report uses 64.')
  z_dim: int = _field(100, 'Latent size; z ~ N(0, I). 100 in the report.')
  g_base_width: int = _field(64, 'Generator filters next to the image; doubles per stage '
                             '(64 -> 512 at 4x4 for 64 px, as in the report).')
  d_base_width: int = _field(64, 'Critic filters of the first convolution; doubles per stage.')
  kernel_size: int = _field(5, 'Convolution kernel of both networks (5 in the report).')
  g_norm: str = _field('batch', 'Generator normalisation: batch, none or virtual (virtual '
                       'batch norm; see --vbn_reference_size).', choices.GENERATOR_NORMS)
  d_norm: str = _field('none', 'Critic normalisation: batch is DCGAN\'s; WGAN-GP needs none, '
                       'layer or spectral.', choices.CRITIC_NORMS)
  loss: str = _field('wasserstein', 'Adversarial loss.', choices.LOSSES)
  penalty: str = _field('gp', 'Critic constraint: gp (gradient penalty, Gulrajani et al. '
                        '2017; WGAN-LP with --gp_one_sided), clip (weight clipping), r1 '
                        '(--gp_weight * E||grad D(x)||^2 on real data, so --gp_weight is '
                        'gamma / 2 of Mescheder et al. 2018), dragan (gradient norm pulled to 1 '
                        'around the data, Kodali et al. 2017) or none.', choices.PENALTIES)
  gp_weight: float = _field(10.0, 'lambda of the gradient penalty (10 in the WGAN-GP paper).')
  gp_target: float = _field(1.0, 'Gradient norm the penalty pulls towards.')
  gp_one_sided: bool = _field(False, 'Penalise only gradient norms above --gp_target.')
  penalty_every: int = _field(1, 'Lazy regularisation (StyleGAN2): with --penalty=r1, apply '
                              'the penalty only every this many generator steps, multiplied by '
                              'it (16 in StyleGAN2); 1: at every critic update.')
  label_smoothing: float = _field(0.0, 'One-sided label smoothing (Salimans et al. 2016): real '
                                  'targets 1 - alpha, fakes 0, for --loss=minimax or '
                                  'non_saturating; 0.1 (target 0.9, as in Goodfellow\'s NIPS 2016 '
                                  'tutorial) is a common choice; 0: off.')
  # Training tricks of Salimans et al. 2016 and after (issue 14): instance noise, feature
  # matching, minibatch discrimination and stddev, historical averaging, virtual batch norm.
  instance_noise: float = _field(
      0.0, 'Instance noise: add N(0, sigma^2) to every critic input, real and fake, in both '
      'updates (after --augment, before the penalty), sigma this value at step 0 (images in '
      '[-1, 1]; Sonderby et al. 2017, Arjovsky & Bottou 2017). 0: off.')
  instance_noise_anneal_steps: int = _field(
      0, 'Anneal --instance_noise linearly to 0 over this many generator steps; 0: constant.')
  feature_matching: str = _field(
      '', 'Feature matching (Salimans et al. 2016, 3.1): train the generator to match the mean '
      'features of real and fake images on this critic layer (a layer name, e.g. down2_lrelu '
      'of the 64 px dcgan critic; an unknown name is refused with the list). "": off.')
  feature_matching_weight: float = _field(
      0.0, 'With --feature_matching: 0 replaces the generator\'s loss with the feature-matching '
      'loss (the paper\'s); > 0 adds this multiple of it to the adversarial loss.')
  minibatch_discrimination: str = _field(
      '', 'Minibatch discrimination (Salimans et al. 2016, 3.2): KERNELS,DIMS (100,5 in '
      'improved-gan) minibatch features appended before the dcgan critic\'s last convolution. '
      '"": off. Not with --penalty=gp, r1 or dragan.')
  minibatch_stddev: int = _field(
      0, 'ProGAN\'s minibatch standard deviation (Karras et al. 2018) over groups of this many '
      'samples (4 there), one channel before the dcgan critic\'s last convolution; groups are '
      'per replica under a strategy. 0: off. Not with --penalty=gp, r1 or dragan.')
  historical_averaging: float = _field(
      0.0, 'Historical averaging (Salimans et al. 2016, 3.3): add lambda * ||theta - running '
      'mean of past theta||^2 to each network\'s loss, lambda this value. 0: off.')
  vbn_reference_size: int = _field(
      64, 'Reference batch of --g_norm=virtual (virtual batch norm, Salimans et al. 2016, 3.4): '
      'this many fixed latents, saved in the checkpoint, run beside every generator batch.')
  clip_value: float = _field(0.01, 'c of weight clipping: weights stay in [-c, c] (WGAN paper).')
  n_critic: int = _field(5, 'Critic updates per generator update (5 in the WGAN papers).')
  batch_size: int = _field(64, 'Global batch of each critic and generator update.')
  epochs: int = _field(50, 'Passes of the critic over the data (50 in the report).')
  train_steps: int = _field(0, 'Generator steps to train in all; overrides --epochs when > 0.')
  steps_per_epoch: int = _field(0, 'Generator steps per epoch; 0: one pass of the critic over '
                                'the data, images // (batch_size * n_critic).')
  g_optimizer: str = _field('adam', 'Generator optimiser.', choices.OPTIMIZERS)
  d_optimizer: str = _field('adam', 'Critic optimiser (rmsprop for WGAN with clipping).',
                            choices.OPTIMIZERS)
  g_lr: float = _field(1e-4, 'Generator learning rate.')
  d_lr: float = _field(1e-4, 'Critic learning rate.')
  g_beta1: float = _field(0.0, 'Adam beta1 of the generator (0 in the WGAN-GP paper).')
  g_beta2: float = _field(0.9, 'Adam beta2 of the generator.')
  d_beta1: float = _field(0.0, 'Adam beta1 of the critic.')
  d_beta2: float = _field(0.9, 'Adam beta2 of the critic.')
  seed: int = _field(0, 'Seed of initial weights, data order, z and epsilon.')
  strategy: str = _field('default', 'tf.distribute strategy: default (one device), mirrored '
                         '(all local GPUs) or multi_worker (the processes named in TF_CONFIG; '
                         'see README).', choices.STRATEGIES)
  mixed_precision: str = _field('float32', 'Keras dtype policy of both networks: float32, '
                                'mixed_float16 (with loss scaling) or mixed_bfloat16; auto: '
                                'mixed_bfloat16 on a CPU with AVX512-BF16 or AMX and on GPUs of '
                                'compute capability 8.0 or more, else float32 (resolved at '
                                'start-up and recorded in config.json). Losses and the penalty '
                                'stay float32.', choices.MIXED_PRECISION)
  jit_compile: bool = _field(False, 'Compile the train step with XLA. Off: on a 2-core CPU it '
                             'was several times slower (docs/BENCHMARKS.md); try it on GPUs.')
  num_samples: int = _field(64, 'Images in each sample grid (from one fixed z).')
  checkpoint_every_steps: int = _field(500, 'Save a checkpoint every this many steps (and at '
                                       'each epoch end and the end).')
  keep_checkpoints: int = _field(3, 'How many recent checkpoints to keep.')
  keep_checkpoint_every_epochs: int = _field(
      0, 'Also keep one checkpoint every this many epochs, never deleted (in '
      'checkpoints/kept/), as a way back past a collapse; 0: none.')
  restore_step: int = _field(
      -1, 'Start from the checkpoint of this step (in checkpoints/ or checkpoints/kept/) '
      'instead of the latest; it becomes the latest, and the run goes on from there. -1: the '
      'latest.')
  max_rollbacks: int = _field(
      3, 'When a loss or weight turns NaN or Inf, go back to the last good checkpoint, skip the '
      'data that led there and go on, at most this many times in all; then stop. 0: stop at once.')
  rollback_lr_factor: float = _field(
      1.0, 'Multiply both learning rates by this at each rollback, in (0, 1].')
  deterministic: bool = _field(
      False, 'Make every op deterministic (tf.config.experimental.enable_op_determinism): '
      'a run stopped and resumed then equals an uninterrupted one bit for bit. Slower on GPU.')
  fsync: bool = _field(
      True, 'fsync every checkpoint, export, record and data scan before it is named, so that '
      'a power cut loses at most the last save, never the checkpoint a resume reads. false: '
      'safe against a killed process only.')
  log_every_steps: int = _field(10, 'TensorBoard scalars every this many steps.')
  export: bool = _field(True, 'Export the generator as a SavedModel at the end.')
  dry_run: bool = _field(False, 'Print the resolved options, then both networks\' layers and '
                         'parameter counts, and exit without training.')
  architecture: str = _field('dcgan', 'Networks: dcgan (the report\'s, for images); mnist or '
                             'cars (the WGAN-GP talk\'s, at --resolution 28 and 64); or mlp (for '
                             '--data=toy2d:NAME, the seed\'s toy networks).',
                             choices.ARCHITECTURES)
  mlp_width: int = _field(512, 'Units of each hidden layer of both MLPs (512 in the seed).')
  mlp_depth: int = _field(3, 'Hidden layers of both MLPs (3 in the seed).')
  lr_decay: str = _field('none', 'Learning-rate schedule of both networks: none, or linear '
                         'decay to 0 over the run\'s steps (the WGAN-GP paper\'s CIFAR-10 code).',
                         choices.LR_DECAYS)
  eval_every_epochs: int = _field(0, 'Evaluate --eval_metric every this many epochs (and at the '
                                  'end), keep the best checkpoint in <model_dir>/best; 0: off.')
  eval_metric: str = _field('swd', 'Metric of the evaluation during training (lower is better): '
                            'swd (sliced Wasserstein, needs no download; on the points for toy '
                            'data) or kid (needs --inception_graph or --inception_keras_weights).',
                            choices.EVAL_METRICS)
  eval_num_samples: int = _field(1000, 'Generated and real samples per evaluation during '
                                 'training (small: each costs seconds on a CPU).')
  inception_graph: str = _field('', 'classify_image_graph_def.pb of inception-2015-12-05.tgz, '
                                'for --eval_metric=kid.')
  inception_keras_weights: str = _field('', 'Keras InceptionV3 .h5 weights, for '
                                        '--eval_metric=kid when no --inception_graph is given '
                                        '(numbers not comparable with published ones).')
  export_best: bool = _field(True, 'With --eval_every_epochs > 0 and --export, also export the '
                             'best generator by --eval_metric to <model_dir>/export_best.')
  diversity_every_epochs: int = _field(
      1, 'Mode-collapse watch: every this many epochs (and at the end) log the diversity of a '
      'fixed batch of samples against the real data\'s (metrics/diversity.py) as '
      'diversity/fake and diversity/ratio; 0: off. Image data only.')
  diversity_num_samples: int = _field(256, 'Samples of the diversity watch (one fixed z), and '
                                      'real images of its reference.')
  diversity_warn_ratio: float = _field(
      0.5, 'Warn when the samples\' diversity falls below this fraction of the real data\'s '
      '(0.5: collapse onto two faces, or samples that vary half as much as real ones).')
  diversity_tags: bool = _field(
      False, 'With --data=synthetic_faces, the watch also logs the hair x eye combinations the '
      'tag classifier reads in its samples (diversity/tag_combinations_covered). The classifier '
      'trains once per resolution (under a minute on a CPU), cached in --cache_dir.')
  g_arch: str = _field(
      'dcgan', 'Generator of --architecture=dcgan, as in the WGAN-GP paper\'s Figure 2 '
      '(models/paper.py): dcgan (the report\'s), no_bn_constant (no BN, --g_base_width filters '
      'at every layer), mlp (4 ReLU layers of 512 and a tanh output), gated and tanh (their '
      'own critic too: sigmoid(a) * tanh(b) units, or tanh everywhere) or resnet (a ResNet G and '
      'D, --resnet_depth blocks per stage). The critic options include the WGAN-GP authors\' '
      'layer norm: --d_norm=layer.',
      # models/paper.py's GENERATORS keys (tests/models_paper_test.py checks that they agree),
      # named here so that this module imports no Keras.
      ('dcgan', 'no_bn_constant', 'mlp', 'gated', 'tanh', 'resnet'))
  resnet_depth: int = _field(1, 'Residual blocks per resolution stage of --g_arch=resnet (1: '
                             'the paper\'s 64 px ResNet; the 101-layer one has about 12).')
  g_upsample: str = _field(
      'transpose', 'How the dcgan generator doubles its side: transpose (the report\'s '
      '--kernel_size transposed convolution, stride 2), or nearest / bilinear (UpSampling2D, '
      'then a stride-1 convolution, as the seed\'s MNIST and CARS196 generators; no '
      'checkerboard). The latter costs 4x the FLOPs of the same kernel: --g_kernel_size=3 '
      'against transpose 5 is 1.43x the generator\'s FLOPs, 2 is 0.65x (docs/BENCHMARKS.md).',
      choices.G_UPSAMPLINGS)
  g_kernel_size: int = _field(
      0, 'Kernel of the generator\'s convolutions; 0: --kernel_size. Lets --g_upsample=nearest '
      'match the transposed generator\'s FLOPs while the critic keeps --kernel_size.')
  sync_batch_norm: str = _field(
      'auto', 'Batch norm statistics over the global batch of all replicas (true) or per '
      'replica (false); auto: true when the strategy has more than one replica, so that a '
      'strategy run trains as one device does.', choices.SYNC_BATCH_NORM)
  grid_scale: int = _field(
      0, 'Integer upscale (nearest) of the sample grid PNGs written during training; 0: the '
      'smallest that shows each image at least 64 px wide (2 at 32 px, 1 at 64 px).')
  ema_kimg: float = _field(
      0.0, 'Average the generator\'s weights (EMA) with this half-life in thousands of images, '
      'as StyleGAN2-ADA (10 there); the average is what the grids show, evaluation scores and '
      'the export holds. 0: off (or a fixed --ema_decay).')
  ema_rampup: float = _field(
      0.0, 'EMA ramp-up (StyleGAN2-ADA: 0.05): the half-life is at most this fraction of the '
      'images seen, so early weights are forgotten fast. 0: none.')
  ema_decay: float = _field(
      0.0, 'A fixed EMA decay beta in [0, 1) instead of --ema_kimg (e.g. 0.999). 0: off.')
  export_raw: bool = _field(
      False, 'With EMA on and --export, also export the raw (not averaged) generator to '
      '<model_dir>/export_raw.')
  augment: str = _field(
      'none', 'Differentiable augmentation of every critic input, real and fake, in both '
      'updates (DiffAugment, Zhao et al. 2020): none, or a comma-separated subset of '
      f'{", ".join(choices.AUGMENT_OPS)}. For small folders (a few thousand images).')
  augment_p: float = _field(
      1.0, 'With --augment: the probability of each op on each sample (ADA, Karras et al. '
      '2020); 1: always (DiffAugment). Below about 0.8 the ops do not leak into the '
      'generator. With --augment_target, where the adaptive probability starts (ADA: 0).')
  augment_target: float = _field(
      0.0, 'With --augment: adapt the probability after every step so that the mean sign of '
      'the critic\'s output on real images holds this value (ADA\'s r_t target: 0.6); 0: a '
      f'fixed --augment_p. Needs --loss in {", ".join(choices.ADAPTIVE_AUGMENT_LOSSES)}, and '
      'is meant for a critic without batch norm (one with it tells real and fake batches '
      'apart by their statistics, which inflates the signal).')
  augment_kimg: float = _field(
      500.0, 'With --augment_target: thousands of images over which the probability can move '
      'from 0 to 1 (ADA: 500; shorter runs want less).')

  # --- Conditioning (the tag-conditional GAN, issue #11) ---
  condition: str = _field(
      '', 'Tag groups to condition both networks on, comma-separated: hair (the "COLOUR hair" '
      'tags), eyes ("COLOUR eyes"), e.g. hair,eyes; read from the tags file of the data '
      'folder (or --tags_file). "": unconditional. Image folders and synthetic_faces only.')
  tags_file: str = _field(
      '', 'With --condition: the "id,tag:count tag:count" tags file (the anime data set\'s '
      'tags.csv); an id is an image file\'s name without extension. "": <data folder>/tags.csv.')
  label_policy: str = _field(
      'drop', 'With --condition: an image with no colour tag, or several, in a group is '
      'dropped (drop) or labelled with the group\'s extra class "unknown" (unknown). The counts '
      'are logged at start-up.', choices.LABEL_POLICIES)
  fake_labels: str = _field(
      'empirical', 'The labels the generator is asked for in training: drawn from the real '
      'joint distribution of the groups (empirical) or uniformly over the combinations '
      '(uniform).', choices.FAKE_LABELS)
  g_condition: str = _field(
      'cbn', 'How the generator takes the labels: cbn (conditional batch norm, scale and shift '
      'linear in the one-hot labels; needs --g_norm=batch) or concat (one-hot labels '
      'concatenated to z, Mirza & Osindero 2014).', choices.G_CONDITIONS)
  d_condition: str = _field(
      'projection', 'How the critic takes the labels: projection (Miyato & Koyama 2018: '
      'sum over groups of <embed(y), features> added to the logit) or concat (one-hot labels '
      'tiled and concatenated to the image channels).', choices.D_CONDITIONS)

  def _validate_condition(self):
    """--condition and its options: which data and networks take labels."""
    groups = [name.strip() for name in self.condition.split(',')] if self.condition else []
    if (any(name not in choices.CONDITION_GROUPS for name in groups) or
        len(set(groups)) != len(groups)):
      _fail('condition', self.condition, 'a comma-separated list of distinct groups from '
            f'{", ".join(choices.CONDITION_GROUPS)}, or "" (unconditional)')
    if not groups:
      return
    if (spec.is_toy(self.data) or spec.is_tfds(self.data) or
        spec.tfrecord_pattern(self.data) is not None):
      _fail('condition', self.condition, f'"" with --data={self.data} (labels come from the '
            f'tags file of an image folder or of {choices.SYNTHETIC_FACES})')
    if self.architecture != 'dcgan' or self.g_arch != 'dcgan':
      _fail('condition', self.condition, f'"" with --architecture={self.architecture} '
            f'--g_arch={self.g_arch} (the conditional networks are the dcgan ones)')
    if self.g_condition == 'cbn' and self.g_norm != 'batch':
      _fail('g_condition', self.g_condition, f'concat with --g_norm={self.g_norm} (conditional '
            'batch norm replaces the generator\'s batch norm)')
    if self.g_norm == 'virtual':
      _fail('g_norm', self.g_norm, f'batch or none with --condition={self.condition} (virtual '
            'batch norm\'s fixed reference batch has no labels)')

  def _validate_ema_and_augment(self):
    if self.ema_kimg < 0:
      _fail('ema_kimg', self.ema_kimg, 'a number >= 0 (0: off)')
    if self.ema_rampup < 0:
      _fail('ema_rampup', self.ema_rampup, 'a number >= 0 (0: none)')
    if not 0 <= self.ema_decay < 1:
      _fail('ema_decay', self.ema_decay, 'a number in [0, 1) (0: off)')
    if self.ema_decay and self.ema_kimg:
      _fail('ema_decay', self.ema_decay, f'0 with --ema_kimg={self.ema_kimg:g} (one of the two '
            'sets the average\'s decay)')
    if self.ema_rampup and not self.ema_kimg:
      _fail('ema_rampup', self.ema_rampup, '0 without --ema_kimg (the ramp-up shortens a '
            'half-life in images)')
    if self.augment != 'none':
      ops = [op.strip() for op in self.augment.split(',')]
      if (any(op not in choices.AUGMENT_OPS for op in ops) or len(set(ops)) != len(ops)):
        _fail('augment', self.augment, 'none, or a comma-separated subset of '
              f'{", ".join(choices.AUGMENT_OPS)} without repeats')
      if spec.is_toy(self.data):
        _fail('augment', self.augment, 'none with toy 2-D data (the ops transform images)')
    if not 0 <= self.augment_p <= 1:
      _fail('augment_p', self.augment_p, 'a number in [0, 1]')
    if not 0 <= self.augment_target < 1:
      _fail('augment_target', self.augment_target, 'a number in [0, 1) (0: a fixed --augment_p)')
    if not self.augment_kimg > 0:
      _fail('augment_kimg', self.augment_kimg, 'a number > 0')
    if self.augment == 'none' and (self.augment_p != 1 or self.augment_target):
      name = 'augment_p' if self.augment_p != 1 else 'augment_target'
      _fail(name, getattr(self, name), f'{"1" if name == "augment_p" else "0"} with '
            '--augment=none (there are no ops to apply)')
    if self.augment_target and self.loss not in choices.ADAPTIVE_AUGMENT_LOSSES:
      _fail('augment_target', self.augment_target, f'0 with --loss={self.loss} (the signal is '
            'the sign of the critic\'s output on reals, meaningful for '
            f'{", ".join(choices.ADAPTIVE_AUGMENT_LOSSES)})')
    if self.augment_p == 0 and not self.augment_target:
      _fail('augment_p', self.augment_p, 'a number in (0, 1] without --augment_target '
            '(p = 0 never augments: use --augment=none)')

  def validate(self):
    """Raises UserError (a ValueError) naming the flag, the value received and what is accepted.

    Values and combinations only; `check_paths` looks at the file system.
    """
    if not self.model_dir:
      _fail('model_dir', self.model_dir, 'a directory path for the run')
    for name in dataclasses.fields(self):
      choices = name.metadata['choices']
      if choices and getattr(self, name.name) not in choices:
        _fail(name.name, getattr(self, name.name), ', '.join(choices))
    self._validate_images()
    for name in ('z_dim', 'g_base_width', 'd_base_width', 'kernel_size', 'batch_size',
                 'n_critic', 'synthetic_num_images', 'num_samples', 'checkpoint_every_steps',
                 'keep_checkpoints', 'log_every_steps'):
      if getattr(self, name) < 1:
        _fail(name, getattr(self, name), 'an integer >= 1')
    if self.n_critic > 100:
      _fail('n_critic', self.n_critic, 'an integer in [1, 100]')
    for name in ('train_steps', 'steps_per_epoch', 'keep_checkpoint_every_epochs',
                 'max_rollbacks'):
      if getattr(self, name) < 0:
        _fail(name, getattr(self, name), 'an integer >= 0')
    if self.restore_step < -1:
      _fail('restore_step', self.restore_step, 'the step of a saved checkpoint, or -1 (latest)')
    # numpy and keras.utils.set_random_seed take seeds in [0, 2**32).
    if not 0 <= self.seed < 2**32:
      _fail('seed', self.seed, 'an integer in [0, 2**32 - 1]')
    for field in dataclasses.fields(self):
      if field.type in (float, 'float') and not math.isfinite(getattr(self, field.name)):
        _fail(field.name, getattr(self, field.name), 'a finite number')
    if not 0 < self.rollback_lr_factor <= 1:
      _fail('rollback_lr_factor', self.rollback_lr_factor, 'a number in (0, 1]')
    if self.rollback_lr_factor != 1 and self.lr_decay != 'none':
      # A Keras optimiser built on a LearningRateSchedule refuses a new rate.
      _fail('rollback_lr_factor', self.rollback_lr_factor, f'1 with --lr_decay={self.lr_decay} '
            '(the schedule sets the rates)')
    if self.gp_target < 0:
      _fail('gp_target', self.gp_target, 'a number >= 0 (1 in WGAN-GP; 0 for a zero-centred '
            'penalty)')
    if self.train_steps == 0 and self.epochs < 1:
      _fail('epochs', self.epochs, 'an integer >= 1 (or set --train_steps)')
    for name in ('g_lr', 'd_lr'):
      if not getattr(self, name) > 0:
        _fail(name, getattr(self, name), 'a number > 0')
    for name in ('g_beta1', 'g_beta2', 'd_beta1', 'd_beta2'):
      if not 0 <= getattr(self, name) < 1:
        _fail(name, getattr(self, name), 'a number in [0, 1)')
    if self.penalty == 'gp':
      if not self.gp_weight > 0:
        _fail('gp_weight', self.gp_weight, 'a number > 0 with --penalty=gp')
      if self.d_norm == 'batch':
        _fail('d_norm', self.d_norm, 'none, layer or spectral with --penalty=gp (the penalty is '
              'per sample, and batch norm mixes the samples of a batch)')
    if self.penalty == 'clip' and not self.clip_value > 0:
      _fail('clip_value', self.clip_value, 'a number > 0 with --penalty=clip')
    self._validate_tricks()
    self._validate_ema_and_augment()
    if self.cache not in ('', 'memory') and os.path.isdir(self.cache):
      _fail('cache', self.cache, '"", memory, or a file path prefix (not a directory)')
    self._validate_toy_and_eval()
    self._validate_watch_and_arch()
    self._validate_nets_and_grid()
    self._validate_condition()

  def _validate_tricks(self):
    """The penalties beside gp, lazy regularisation and label smoothing."""
    if self.penalty in ('r1', 'dragan'):
      if not self.gp_weight > 0:
        _fail('gp_weight', self.gp_weight, f'a number > 0 with --penalty={self.penalty}')
      if self.d_norm == 'batch':
        _fail('d_norm', self.d_norm, f'none, layer or spectral with --penalty={self.penalty} '
              '(the penalty is per sample, and batch norm mixes the samples of a batch)')
    if self.penalty == 'r1' and (self.gp_target != 1 or self.gp_one_sided):
      _fail('gp_target' if self.gp_target != 1 else 'gp_one_sided',
            self.gp_target if self.gp_target != 1 else self.gp_one_sided,
            'the defaults with --penalty=r1 (R1 is zero-centred: it pulls ||grad D(x)|| to 0)')
    if self.penalty_every < 1:
      _fail('penalty_every', self.penalty_every, 'an integer >= 1')
    if self.penalty_every > 1 and self.penalty not in choices.LAZY_PENALTIES:
      _fail('penalty_every', self.penalty_every, f'1 with --penalty={self.penalty} (lazy '
            'regularisation is for r1; the Lipschitz penalties hold the critic at every update)')
    if not 0 <= self.label_smoothing < 1:
      _fail('label_smoothing', self.label_smoothing, 'a number in [0, 1)')
    if self.label_smoothing and self.loss not in choices.SMOOTHABLE_LOSSES:
      _fail('label_smoothing', self.label_smoothing, f'0 with --loss={self.loss} (it smooths '
            'the cross-entropy targets of minimax and non_saturating; this loss has none)')
    self._validate_salimans_tricks()

  def _validate_salimans_tricks(self):
    """Instance noise, feature matching, minibatch layers, historical averaging, VBN."""
    if self.instance_noise < 0:
      _fail('instance_noise', self.instance_noise, 'a number >= 0 (0: off)')
    if self.instance_noise_anneal_steps < 0:
      _fail('instance_noise_anneal_steps', self.instance_noise_anneal_steps,
            'an integer >= 0 (0: constant)')
    if self.instance_noise_anneal_steps and not self.instance_noise:
      _fail('instance_noise_anneal_steps', self.instance_noise_anneal_steps, '0 without '
            '--instance_noise (there is no noise to anneal)')
    if self.feature_matching_weight < 0:
      _fail('feature_matching_weight', self.feature_matching_weight, 'a number >= 0 (0: the '
            'feature-matching loss replaces the generator\'s)')
    if self.feature_matching_weight and not self.feature_matching:
      _fail('feature_matching_weight', self.feature_matching_weight, '0 without '
            '--feature_matching=LAYER (it weighs that layer\'s feature-matching loss)')
    if self.feature_matching != self.feature_matching.strip() or ',' in self.feature_matching:
      _fail('feature_matching', self.feature_matching, 'one critic layer name, or "" (off)')
    batch_statistics = []
    if self.minibatch_discrimination:
      parse_minibatch_discrimination(self.minibatch_discrimination)
      batch_statistics.append('minibatch_discrimination')
    if self.minibatch_stddev < 0:
      _fail('minibatch_stddev', self.minibatch_stddev, 'an integer >= 0 (0: off)')
    if self.minibatch_stddev:
      if self.batch_size % self.minibatch_stddev:
        _fail('minibatch_stddev', self.minibatch_stddev, f'a divisor of --batch_size='
              f'{self.batch_size} (groups of equal size; per replica under a strategy)')
      batch_statistics.append('minibatch_stddev')
    for name in batch_statistics:
      if self.penalty in choices.INPUT_GRADIENT_PENALTIES:
        _fail(name, getattr(self, name), f'off with --penalty={self.penalty} (the penalty takes '
              'each sample\'s own input gradient, and this layer makes every logit depend on the '
              'other samples of the batch); use --penalty=none or clip')
      if self.architecture != 'dcgan' or self.g_arch not in choices.DCGAN_CRITIC_G_ARCHS:
        _fail(name, getattr(self, name), f'off with --architecture={self.architecture} '
              f'--g_arch={self.g_arch} (the layer is in the dcgan critic only)')
    if self.historical_averaging < 0:
      _fail('historical_averaging', self.historical_averaging, 'a number >= 0 (0: off)')
    if self.vbn_reference_size < 1:
      _fail('vbn_reference_size', self.vbn_reference_size, 'an integer >= 1')
    if self.g_norm == 'virtual' and (self.architecture != 'dcgan' or self.g_arch != 'dcgan'):
      _fail('g_norm', self.g_norm, f'batch or none with --architecture={self.architecture} '
            f'--g_arch={self.g_arch} (virtual batch norm is in the dcgan generator only)')

  def _validate_images(self):
    """The image side and channels, which the talk's networks fix."""
    talk_side = choices.TALK_RESOLUTIONS.get(self.architecture)
    if talk_side is not None:
      if self.resolution != talk_side:
        _fail('resolution', self.resolution, f'{talk_side} with --architecture='
              f'{self.architecture} (the talk\'s networks have a fixed size)')
    else:
      try:
        layout.stage_layout(self.resolution)
      except ValueError:
        _fail('resolution', self.resolution, '4, 5, 6 or 7 times a power of two, >= 8 (e.g. 32, '
              '64, 96, 128)')
    if self.channels not in choices.CHANNELS:
      _fail('channels', self.channels, ' or '.join(map(str, choices.CHANNELS)))
    if spec.is_tfds(self.data):
      # Pure Python: the spec's form only; whether the set exists is the data's check.
      from tfgan_anime.data import tfds  # pylint: disable=g-import-not-at-top
      tfds.parse_spec(self.data)

  def _validate_toy_and_eval(self):
    if spec.is_toy(self.data):
      try:
        spec.parse_toy(self.data)
      except ValueError:
        _fail('data', self.data, ', '.join(choices.TOY_PREFIX + name for name in choices.TOY_DATASETS))
      if self.architecture != 'mlp':
        _fail('architecture', self.architecture, f'mlp with --data={self.data} (the DCGAN '
              'networks take images)')
    elif self.architecture == 'mlp':
      _fail('architecture', self.architecture, f'dcgan, mnist or cars with --data={self.data} '
            '(mlp takes the 2-D points of --data=toy2d:NAME)')
    for name in ('mlp_width', 'mlp_depth'):
      if getattr(self, name) < 1:
        _fail(name, getattr(self, name), 'an integer >= 1')
    if self.eval_every_epochs < 0:
      _fail('eval_every_epochs', self.eval_every_epochs, 'an integer >= 0 (0: no evaluation)')
    if self.eval_num_samples < 2:
      _fail('eval_num_samples', self.eval_num_samples, 'an integer >= 2')
    if self.eval_every_epochs and self.eval_metric == 'kid':
      if spec.is_toy(self.data):
        _fail('eval_metric', self.eval_metric, f'swd with --data={self.data} (KID needs images)')
      if not (self.inception_graph or self.inception_keras_weights):
        _fail('eval_metric', self.eval_metric, 'swd, or kid together with --inception_graph=PATH '
              'or --inception_keras_weights=PATH')

  def _validate_watch_and_arch(self):
    if self.diversity_every_epochs < 0:
      _fail('diversity_every_epochs', self.diversity_every_epochs, 'an integer >= 0 (0: off)')
    if self.diversity_num_samples < 2:
      _fail('diversity_num_samples', self.diversity_num_samples, 'an integer >= 2')
    if not 0 <= self.diversity_warn_ratio <= 1:
      _fail('diversity_warn_ratio', self.diversity_warn_ratio, 'a number in [0, 1] (0: never '
            'warn)')
    if self.diversity_tags and (self.data != choices.SYNTHETIC_FACES or
                                not self.diversity_every_epochs):
      _fail('diversity_tags', self.diversity_tags, f'False, or True with '
            f'--data={choices.SYNTHETIC_FACES} and --diversity_every_epochs >= 1 (the classifier '
            'reads the synthetic faces\' tags)')
    if self.resnet_depth < 1:
      _fail('resnet_depth', self.resnet_depth, 'an integer >= 1')
    if self.g_arch != 'dcgan' and self.architecture != 'dcgan':
      _fail('g_arch', self.g_arch, f'dcgan with --architecture={self.architecture} (the other '
            'generators make images)')
    if self.g_arch in ('gated', 'tanh', 'resnet') and self.d_norm not in ('none', 'layer'):
      _fail('d_norm', self.d_norm, f'none or layer with --g_arch={self.g_arch} (its own critic '
            'has no batch or spectral norm)')

  def _validate_nets_and_grid(self):
    if self.g_upsample != 'transpose' and (self.architecture != 'dcgan' or
                                           self.g_arch != 'dcgan'):
      _fail('g_upsample', self.g_upsample, f'transpose with --architecture={self.architecture} '
            f'--g_arch={self.g_arch} (only the dcgan generator has the choice)')
    if self.g_kernel_size < 0:
      _fail('g_kernel_size', self.g_kernel_size, 'an integer >= 0 (0: --kernel_size)')
    if self.grid_scale < 0:
      _fail('grid_scale', self.grid_scale, 'an integer >= 0 (0: automatic)')

  def check_paths(self):
    """Raises UserError when a path flag names something that cannot work. Creates nothing."""
    if os.path.exists(self.model_dir) and not os.path.isdir(self.model_dir):
      _fail('model_dir', self.model_dir, 'a directory (new or of an earlier run), not a file')
    _check_parent_is_directory('model_dir', self.model_dir)
    shards = spec.tfrecord_pattern(self.data)
    if shards is not None:
      if not glob.glob(shards):
        _fail('data', self.data, 'tfrecord:GLOB (or a glob ending in .tfrecord) that matches '
              'TFRecord files (this one matches none)')
    elif spec.is_tfds(self.data):
      if self.tfds_data_dir and not os.path.isdir(self.tfds_data_dir):
        _fail('tfds_data_dir', self.tfds_data_dir, 'an existing folder where TFDS data sets are '
              'prepared, or "" for TFDS\'s default')
    elif (self.data != choices.SYNTHETIC_FACES and not spec.is_toy(self.data)
          and not os.path.isdir(self.data)):
      what = 'a file' if os.path.exists(self.data) else 'missing'
      _fail('data', self.data, f'{choices.SYNTHETIC_FACES}, {choices.TFDS_PREFIX}NAME or an '
            f'existing folder of images (this path is {what})')
    if self.cache_dir:
      if os.path.exists(self.cache_dir) and not os.path.isdir(self.cache_dir):
        _fail('cache_dir', self.cache_dir, 'a directory, not a file')
      _check_parent_is_directory('cache_dir', self.cache_dir)
    if self.cache not in ('', 'memory'):
      _check_parent_is_directory('cache', self.cache)
    if self.condition:
      if self.tags_file and not os.path.isfile(self.tags_file):
        _fail('tags_file', self.tags_file, 'an existing "id,tag:count ..." tags file, or "" for '
              '<data folder>/tags.csv')
      if self.data != choices.SYNTHETIC_FACES:  # Its tags.csv is drawn with the faces.
        from tfgan_anime.data import conditions  # pylint: disable=g-import-not-at-top
        conditions.find_tags_file(self.data, self.tags_file or None, self.condition)

  def to_dict(self):
    return dataclasses.asdict(self)

  def to_flagfile(self):
    """The flags that reproduce this config, one `--name=value` per line."""
    lines = []
    for key, value in self.to_dict().items():
      if key in _NOT_REPRODUCED:
        continue
      if isinstance(value, bool):
        lines.append(f'--{key}' if value else f'--no{key}')
      else:
        lines.append(f'--{key}={value}')
    return '\n'.join(lines) + '\n'

  def write(self, directory):
    """Writes config.json and flags.cfg (a flagfile that reproduces the run) into `directory`."""
    os.makedirs(directory, exist_ok=True)
    files.write_json(os.path.join(directory, 'config.json'), self.to_dict())
    files.write_text(os.path.join(directory, 'flags.cfg'), self.to_flagfile())


# Flags that say what this invocation does, not what the run is: left out of flags.cfg.
_NOT_REPRODUCED = ('dry_run', 'restore_step')


def parse_minibatch_discrimination(spec):
  """'KERNELS,DIMS' -> (kernels, dims), both integers >= 1; '' -> None."""
  if not spec:
    return None
  parts = spec.split(',')
  try:
    values = tuple(int(part) for part in parts)
  except ValueError:
    values = ()
  if len(values) != 2 or min(values) < 1:
    _fail('minibatch_discrimination', spec, 'KERNELS,DIMS, two integers >= 1 (e.g. 100,5), '
          'or "" (off)')
  return values


def _fail(name, value, accepted):
  raise UserError(f'Invalid --{name}. Received: {name}={value!r}; accepted: {accepted}')


def _check_parent_is_directory(name, path):
  """Fails when a component above `path` is a file, so that the path can never be created."""
  parent = os.path.dirname(os.path.abspath(path))
  while parent and not os.path.exists(parent):
    parent = os.path.dirname(parent)
  if parent and not os.path.isdir(parent):
    _fail(name, path, f'a path whose parent folders can be created ({parent!r} is a file)')


# The names --g_arch accepts.
G_ARCHS = TrainConfig.__dataclass_fields__['g_arch'].metadata['choices']
