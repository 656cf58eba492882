"""The networks, optimisers and compiled GAN of a TrainConfig."""

import keras
import tensorflow as tf

from tfgan_anime import augment
from tfgan_anime import config as config_lib
from tfgan_anime import gan as gan_lib
from tfgan_anime import losses
from tfgan_anime.data import conditions as conditions_lib
from tfgan_anime.models import conditional
from tfgan_anime.models import dcgan
from tfgan_anime.models import mlp
from tfgan_anime.models import paper
from tfgan_anime.models import talk
from tfgan_anime.training import checkpoints as checkpoints_lib
from tfgan_anime.training import loss_scale as loss_scale_lib
from tfgan_anime.training import precision


def make_optimizer(name, learning_rate, beta1, beta2, decay_steps=None, loss_scale=False):
  """Adam(lr, beta1, beta2), or RMSprop(lr) as the WGAN paper prescribes for weight clipping.

  With `decay_steps` the rate falls linearly from `learning_rate` to 0 over that many updates of
  this optimiser (its own iteration count, saved in checkpoints, so a resumed run continues the
  schedule). With `loss_scale` (for mixed_float16) it is wrapped in a LossScaleOptimizer, whose
  dynamic scale is saved in checkpoints with the optimiser it wraps; under a strategy its
  replicas skip an overflowing step together (training/loss_scale.py).
  """
  if decay_steps:
    learning_rate = keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps, end_learning_rate=0.0, power=1.0)
  if name == 'adam':
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta1, beta_2=beta2)
  elif name == 'rmsprop':
    optimizer = keras.optimizers.RMSprop(learning_rate)
  else:
    raise ValueError(f'Unknown optimizer. Received: optimizer={name!r}; accepted: adam, rmsprop')
  if loss_scale:
    optimizer = loss_scale_lib.LossScaleOptimizer(optimizer)
  return optimizer


def build_networks(config, num_classes=None):
  """(generator, critic) of `config.architecture`.

  dcgan: the report's, for images [B, resolution, resolution, channels]; mnist and cars: the
  WGAN-GP talk's (`models/talk.py`, at their fixed sides, with --z_dim and --channels; their
  width and norm options do not apply); mlp: the toys' networks for 2-D points.
  With --condition, the conditional dcgan networks (models/conditional.py: --g_condition,
  --d_condition), for `num_classes` classes per group (`LabelTable.num_classes`).
  """
  clip_value = losses.penalty_constraint(config.penalty, config.clip_value)
  sync = sync_batch_norm(config.sync_batch_norm)
  if config.condition:
    if not num_classes:
      raise ValueError(f'Conditional networks need the classes of each group. Received: '
                       f'condition={config.condition!r} with num_classes={num_classes!r}')
    return _conditional_networks(config, tuple(int(n) for n in num_classes), clip_value, sync)
  if config.architecture == 'mlp':
    return (mlp.build_generator(config.z_dim, 2, config.mlp_width, config.mlp_depth),
            mlp.build_critic(2, config.mlp_width, config.mlp_depth, clip_value=clip_value))
  if config.architecture in talk.BUILDERS:
    build_generator, build_critic = talk.BUILDERS[config.architecture]
    return (build_generator(z_dim=config.z_dim, channels=config.channels, sync_batch_norm=sync),
            build_critic(channels=config.channels, clip_value=clip_value))
  return (_image_generator(config, sync),
          _image_critic(config, clip_value, sync))


def sync_batch_norm(setting, strategy=None):
  """Whether batch norm all-reduces its statistics: --sync_batch_norm ('auto', 'true', 'false').

  auto: when `strategy` (default: the one in scope) has more than one replica. One replica stays
  unsynchronised, whose E[x^2] - E[x]^2 variance would round differently from tf.nn.moments'.
  """
  if setting == 'auto':
    return (strategy or tf.distribute.get_strategy()).num_replicas_in_sync > 1
  if setting not in ('true', 'false'):
    raise ValueError(f'Unknown sync_batch_norm. Received: sync_batch_norm={setting!r}; accepted: '
                     'auto, true, false')
  return setting == 'true'


def _image_generator(config, sync=False):
  """The generator of --g_arch: the report's DCGAN or a WGAN-GP paper variant (models/paper.py)."""
  common = dict(resolution=config.resolution, z_dim=config.z_dim, channels=config.channels)
  kernel_size = config.g_kernel_size or config.kernel_size
  if config.g_arch == 'no_bn_constant':
    return paper.build_no_bn_constant_generator(dim=config.g_base_width,
                                                kernel_size=kernel_size, **common)
  if config.g_arch == 'mlp':
    return paper.build_mlp_generator(**common)  # The paper's 4 x 512 ReLU layers.
  if config.g_arch == 'resnet':
    return paper.build_resnet_generator(base_width=config.g_base_width,
                                        depth=config.resnet_depth, norm=config.g_norm,
                                        sync_batch_norm=sync, **common)
  if config.g_arch == 'dcgan':
    common['upsample'] = config.g_upsample
    common['vbn_reference_size'] = config.vbn_reference_size  # Training tricks (issue 14).
  return paper.GENERATORS[config.g_arch](base_width=config.g_base_width,
                                         kernel_size=kernel_size, norm=config.g_norm,
                                         sync_batch_norm=sync, **common)


def _image_critic(config, clip_value, sync=False):
  """The critic: the report's DCGAN critic, or the variant's own (gated, tanh, resnet)."""
  common = dict(resolution=config.resolution, base_width=config.d_base_width,
                norm=config.d_norm, clip_value=clip_value, channels=config.channels)
  if config.g_arch == 'resnet':
    return paper.build_resnet_critic(depth=config.resnet_depth, **common)
  if config.g_arch not in paper.CRITICS:  # The variants' own critics have no batch norm.
    return dcgan.build_critic(kernel_size=config.kernel_size, sync_batch_norm=sync,
                              **_critic_tricks(config), **common)
  return paper.CRITICS[config.g_arch](kernel_size=config.kernel_size, **common)


def _conditional_networks(config, num_classes, clip_value, sync):
  """The tag-conditional DCGAN: [z, labels] -> images, [images, labels] -> logits."""
  generator = conditional.build_generator(
      config.resolution, groups=num_classes, mode=config.g_condition, z_dim=config.z_dim,
      base_width=config.g_base_width, kernel_size=config.g_kernel_size or config.kernel_size,
      norm=config.g_norm, channels=config.channels, upsample=config.g_upsample,
      sync_batch_norm=sync)
  critic = conditional.build_critic(
      config.resolution, groups=num_classes, mode=config.d_condition,
      base_width=config.d_base_width, kernel_size=config.kernel_size, norm=config.d_norm,
      clip_value=clip_value, channels=config.channels, sync_batch_norm=sync,
      **_critic_tricks(config))
  return generator, critic


def _critic_tricks(config):
  """Training tricks (issue 14): the dcgan critic's minibatch layers of a config."""
  return dict(minibatch_stddev=config.minibatch_stddev,
              minibatch_discrimination=config_lib.parse_minibatch_discrimination(
                  config.minibatch_discrimination))


def build_gan(config, total_steps=None, labels=None):
  """The compiled GAN of a config; call inside the strategy scope.

  total_steps: generator steps of the whole run; needed by --lr_decay=linear.
  labels: with --condition, the data's conditions.LabelTable (`DataInfo.labels`): it sizes the
    conditional networks, gives the fake labels their distribution (--fake_labels) and becomes
    `gan.conditions` (`conditions.vocabulary_json`).
  """
  if config.condition and labels is None:
    raise ValueError(f'A conditional GAN needs the data\'s labels. Received: condition='
                     f'{config.condition!r} with labels=None')
  # Global state, so set every time: a float32 build after a mixed one must be float32 again.
  keras.mixed_precision.set_dtype_policy(precision.resolve(config.mixed_precision))
  keras.utils.set_random_seed(config.seed)
  fake_labels = vocabulary = None
  if config.condition:
    fake_labels = conditions_lib.FakeLabels.from_table(labels, config.fake_labels)
    vocabulary = conditions_lib.vocabulary_json(labels)
  generator, critic = build_networks(config, labels.num_classes if config.condition else None)
  gan = gan_lib.GAN(generator, critic, config.z_dim, n_critic=config.n_critic,
                    penalty=config.penalty, gp_weight=config.gp_weight,
                    gp_target=config.gp_target, gp_one_sided=config.gp_one_sided,
                    penalty_every=config.penalty_every,
                    augment=augment.parse(config.augment), augment_p=config.augment_p,
                    augment_target=config.augment_target, augment_kimg=config.augment_kimg,
                    ema_kimg=config.ema_kimg,
                    ema_rampup=config.ema_rampup, ema_decay=config.ema_decay,
                    instance_noise=config.instance_noise,
                    instance_noise_anneal_steps=config.instance_noise_anneal_steps,
                    feature_matching=config.feature_matching,
                    feature_matching_weight=config.feature_matching_weight,
                    historical_averaging=config.historical_averaging,
                    seed=config.seed, fake_labels=fake_labels, conditions=vocabulary)
  d_loss_fn, g_loss_fn = losses.get_losses(config.loss,
                                           label_smoothing=config.label_smoothing)
  g_decay = d_decay = None
  if config.lr_decay == 'linear':
    if not total_steps:
      raise ValueError(f'--lr_decay=linear needs the run length. Received: total_steps='
                       f'{total_steps!r}; accepted: an integer >= 1')
    # The critic's optimiser counts its own updates: n_critic per generator step.
    g_decay, d_decay = total_steps, total_steps * config.n_critic
  # float16 gradients underflow without loss scaling; bfloat16 has float32's exponent range.
  loss_scale = precision.resolve(config.mixed_precision) == 'mixed_float16'
  gan.compile(
      d_optimizer=make_optimizer(config.d_optimizer, config.d_lr, config.d_beta1, config.d_beta2,
                                 d_decay, loss_scale),
      g_optimizer=make_optimizer(config.g_optimizer, config.g_lr, config.g_beta1, config.g_beta2,
                                 g_decay, loss_scale),
      d_loss_fn=d_loss_fn, g_loss_fn=g_loss_fn, jit_compile=config.jit_compile)
  return gan


def make_checkpoint(gan):
  """Both networks, both optimisers and the step (see checkpoints.make_checkpoint)."""
  return checkpoints_lib.make_checkpoint(gan)
