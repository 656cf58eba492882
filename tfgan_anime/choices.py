"""The names every option accepts, in one leaf module that imports nothing.

`config.py` validates against these without importing the implementations (so `--helpfull` and
`--dry_run` load no TensorFlow); each implementation's registry is keyed by the same names, and
`tests/choices_test.py` checks that the two agree.
"""

OPTIMIZERS = ('adam', 'rmsprop')
STRATEGIES = ('default', 'mirrored', 'multi_worker')
# Keras dtype policies; 'auto' picks one of them per machine (training/precision.py).
POLICIES = ('float32', 'mixed_float16', 'mixed_bfloat16')
MIXED_PRECISION = POLICIES + ('auto',)
# dcgan: models/dcgan.py (the report's); mlp: models/mlp.py (the toys); mnist, cars:
# models/talk.py (the WGAN-GP talk's), whose fixed image sides are TALK_RESOLUTIONS.
ARCHITECTURES = ('dcgan', 'mlp', 'mnist', 'cars')
TALK_RESOLUTIONS = {'mnist': 28, 'cars': 64}
# Image channels: 1 (gray) or 3 (RGB); data/decode.py converts between them.
CHANNELS = (1, 3)
EVAL_METRICS = ('swd', 'kid')
LR_DECAYS = ('none', 'linear')
# losses.LOSSES: (discriminator loss, generator loss) pairs.
LOSSES = ('minimax', 'non_saturating', 'wasserstein', 'hinge', 'least_squares')
# losses.PENALTIES: what is added to (or constrains) the critic.
PENALTIES = ('none', 'gp', 'clip', 'r1', 'dragan')
# The losses whose discriminator is a cross-entropy, so --label_smoothing has targets to smooth.
SMOOTHABLE_LOSSES = ('minimax', 'non_saturating')
# The penalties that take --penalty_every > 1 (losses.Penalty.lazy).
LAZY_PENALTIES = ('r1',)
# Training tricks (issue 14). The penalties computed on the critic's input gradient of
# sum_i D(x_i) (losses.input_gradients), which is each sample's own gradient only when the
# critic has no batch statistics: --minibatch_stddev and --minibatch_discrimination are
# refused with these.
INPUT_GRADIENT_PENALTIES = ('gp', 'r1', 'dragan')
# The --g_arch values whose critic is models/dcgan.py's, where the minibatch layers go.
DCGAN_CRITIC_G_ARCHS = ('dcgan', 'no_bn_constant', 'mlp')
# models/dcgan.py ('virtual': virtual batch norm, dcgan generator only).
GENERATOR_NORMS = ('batch', 'none', 'virtual')
CRITIC_NORMS = ('batch', 'layer', 'spectral', 'none')
# models/dcgan.py UPSAMPLINGS: how the generator doubles its side.
G_UPSAMPLINGS = ('transpose', 'nearest', 'bilinear')
# augment.OPS: DiffAugment's transforms of the critic's inputs.
AUGMENT_OPS = ('color', 'translation', 'cutout')
# The losses whose discriminator's output sign means real (> 0) or fake, which adaptive
# augmentation's signal E[sign(D(real))] needs (a Wasserstein critic is defined up to a
# constant; a least-squares one's boundary is 0.5).
ADAPTIVE_AUGMENT_LOSSES = ('minimax', 'non_saturating', 'hinge')
# Batch norm's statistics over all replicas (true), per replica (false), or true when the
# strategy has more than one replica (auto).
SYNC_BATCH_NORM = ('auto', 'true', 'false')

# Data specs (data/pipeline.py reads them).
SYNTHETIC_FACES = 'synthetic_faces'
TFRECORD_PREFIX = 'tfrecord:'
TOY_PREFIX = 'toy2d:'
TFDS_PREFIX = 'tfds:'
# data/toy2d.py: the 2-D toy sets.
TOY_DATASETS = ('ring8', 'grid25', 'parabola', 'circle', 'blobs', 'circles', 'moons', 'spiral',
                's_curve', 'swiss_roll')

# Conditioning (issue #11; data/conditions.py and models/conditional.py hold the same names).
CONDITION_GROUPS = ('hair', 'eyes')  # conditions.GROUPS
LABEL_POLICIES = ('drop', 'unknown')  # conditions.POLICIES
FAKE_LABELS = ('empirical', 'uniform')  # conditions.FAKE_LABELS
G_CONDITIONS = ('cbn', 'concat')  # conditional.GENERATOR_MODES
D_CONDITIONS = ('projection', 'concat')  # conditional.CRITIC_MODES
