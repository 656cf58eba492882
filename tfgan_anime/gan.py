"""The GAN as a `keras.Model`: the alternation schedule and its metrics, nothing else.

Networks come in through `__init__` (built in `tfgan_anime/models/`), optimisers and loss functions
through `compile` (from `tfgan_anime/losses.py`), data through `fit`.

One `train_step` is one generator update, preceded by `n_critic` critic updates (WGAN, Algorithm 1;
WGAN-GP, Algorithm 1). Each critic update sees its own real batch: every dataset element holds
`n_critic` real batches, shaped [B, n_critic, H, W, C] (see `data.pipeline.group_for_critic`).
The batch axis comes first so that a `tf.distribute` strategy splits each of the n_critic batches
across replicas exactly as it would split one batch.

Random numbers are stateless, drawn from (seed, step, draw): a resumed run draws the same z and
epsilon as an uninterrupted one. Under a strategy each replica draws the global batch and keeps its
own slice, so replicas get different z and epsilon (keras.random with a SeedGenerator repeats them
across replicas) and the result equals one device running the global batch (batch norm
included when it is synchronised: --sync_batch_norm, on by default with several replicas).

With --augment every critic input, real and fake, in both updates, goes through the same
differentiable augmentation (augment.py); samples never do. With a probability below 1 each op
is applied to each sample with that probability (ADA), fixed or adapted after every step to hold
the critic's overfitting signal at a target (augment.adjust_probability); the probability is a
variable of the GAN, checkpointed with it. With EMA on, `ema_generator` holds
the average of the generator's weights (ema.py), updated after every generator step, and
`sampler` (what grids, evaluation and the export use) returns it.

Conditional (tag-conditional GAN, issue #11; built with `fake_labels`): each element is (images
[B, n_critic, H, W, C], int32 labels [B, n_critic, G]), the generator takes [z, labels] and the
critic [images, labels] (models/conditional.py). Critic update i scores critic([real_i,
labels_i]) against critic([G([z_i, fake_i]), fake_i]), with fake_i drawn statelessly like z (in
STREAM_LABELS, draw i) from the real label distribution or uniformly (`conditions.FakeLabels`);
its penalty holds the labels fixed at the real ones (Miyato & Koyama's WGAN-GP variant: the
critic is then a function of images alone, so the penalty itself is unchanged); the generator
update draws its own fake labels (draw n_critic). An unconditional GAN draws exactly what it
drew before.
"""

import keras
import tensorflow as tf

from tfgan_anime import augment as augment_lib
from tfgan_anime import ema as ema_lib
from tfgan_anime import historical
from tfgan_anime import losses
from tfgan_anime.models import critic_features
from tfgan_anime.training import distribute

# Random draws per step are numbered below this (2 per critic update, 1 for the generator).
_DRAWS_PER_STEP = 1024
# Streams of random numbers. z and epsilon are drawn in STREAM_MAIN, from the seed
# (seed, step * _DRAWS_PER_STEP + draw); every other purpose folds its own stream number into
# that seed, so adding one never changes the draws of another (nor a resumed run's).
STREAM_MAIN = 0
STREAM_PENALTY = 1  # a penalty's own noise (PenaltyDraws.uniform / .normal)
STREAM_AUGMENT = 2  # differentiable augmentation of the critic's inputs
STREAM_INPUT_NOISE = 3  # instance noise on the critic's inputs
STREAM_LABELS = 4  # fake labels of a conditional GAN
STREAM_AUGMENT_GATES = 5  # whether each augmentation op applies to each sample (p < 1)


class GAN(keras.Model):
  """Trains `generator` against `critic` with n_critic critic updates per generator update.

  Args:
    generator: keras.Model, z [B, z_dim] -> images [B, H, W, C] in [-1, 1].
    critic: keras.Model, images -> logits [B, 1] (the discriminator for GAN losses).
    z_dim: latent size; z ~ N(0, I).
    n_critic: critic updates per generator update (5 in the WGAN and WGAN-GP papers).
    penalty: a name in losses.PENALTIES. 'gp', 'r1' and 'dragan' add gp_weight * their
      penalty to the critic loss; 'clip' and 'none' add nothing here (clipping lives in the critic's weight
      constraints, see losses.penalty_constraint).
    gp_weight: lambda (10 in the WGAN-GP paper; 0.5 and 5 in the report).
    gp_target: the gradient norm the penalty pulls towards (1).
    gp_one_sided: penalise only norms above gp_target.
    penalty_every: apply the penalty every this many generator steps, scaled by it (lazy
      regularisation; the penalty decides whether it supports this).
    augment: a subset of augment.OPS, applied to every critic input (DiffAugment).
    augment_p: the probability of each op on each sample (1: always, DiffAugment); with
      augment_target, where the adaptive probability starts (ADA starts at 0).
    augment_target: > 0 adapts the probability after every step so that the sign of the
      critic's output on real images averages this (ADA's r_t target, 0.6); 0: fixed. Needs a
      loss whose output sign means real or fake (choices.ADAPTIVE_AUGMENT_LOSSES).
    augment_kimg: thousands of images over which the adaptive probability can move by 1.
    ema_kimg, ema_rampup, ema_decay: the generator's weight average (see ema.beta); with
      ema_kimg or ema_decay > 0 the GAN holds `ema_generator` and `sampler` returns it.
    instance_noise, instance_noise_anneal_steps: sigma of the Gaussian noise added to every
      critic input after DiffAugment, annealed linearly to 0 over that many steps (0: constant;
      see augment.instance_noise_sigma).
    feature_matching: a critic layer's name: the generator matches the mean of its features on
      real and fake batches (Salimans et al. 2016); '' for none.
    feature_matching_weight: 0 replaces the generator's loss by feature matching; > 0 adds
      weight * the feature matching term (losses.feature_matching_generator_loss).
    historical_averaging: lambda of lambda * ||theta - mean of past theta||^2, added to each
      network's loss (historical.HistoricalAverage); 0 for none.
    seed: base seed of the z and epsilon draws.
    fake_labels: None (unconditional), or the conditional GAN's fake-label sampler:
      `sample(shape [B], seed [2]) -> int32 [B, G]` (`conditions.FakeLabels`). Then the
      generator takes [z, labels], the critic [images, labels], and the data (images, labels).
    conditions: what the run's labels mean, kept as `gan.conditions` for the grids and the
      export: `conditions.vocabulary_json(table)` ({'groups', 'vocabulary', 'policy',
      'counts'}), or None.
  """

  def __init__(self, generator, critic, z_dim, n_critic=1, penalty='none', gp_weight=10.0,
               gp_target=1.0, gp_one_sided=False, penalty_every=1, augment=(), augment_p=1.0,
               augment_target=0.0, augment_kimg=500.0, ema_kimg=0.0,
               ema_rampup=0.0, ema_decay=0.0, instance_noise=0.0, instance_noise_anneal_steps=0,
               feature_matching='', feature_matching_weight=0.0, historical_averaging=0.0,
               seed=0, fake_labels=None, conditions=None, **kwargs):
    super().__init__(**kwargs)
    if conditions is not None and fake_labels is None:
      raise ValueError('A conditional GAN needs its fake-label sampler. Received: conditions '
                       f'for groups {conditions.get("groups")} with fake_labels=None')
    if isinstance(n_critic, bool) or not isinstance(n_critic, int) or not 1 <= n_critic <= 100:
      raise ValueError(f'n_critic must be an integer in [1, 100]. Received: n_critic={n_critic!r}')
    self._penalty = losses.get_penalty(penalty)
    if self._penalty.critic_loss_term is not None and not gp_weight > 0:
      raise ValueError(f'gp_weight must be > 0 with penalty={penalty}. Received: '
                       f'gp_weight={gp_weight}')
    self.generator = generator
    self.critic = critic
    self.z_dim = int(z_dim)
    self.n_critic = n_critic
    self.penalty = penalty
    self.gp_weight = float(gp_weight)
    self.gp_target = float(gp_target)
    self.gp_one_sided = bool(gp_one_sided)
    self.penalty_options = losses.PenaltyOptions(
        weight=self.gp_weight, target=self.gp_target, one_sided=self.gp_one_sided,
        every=int(penalty_every))
    self.seed = int(seed)
    self.augment = tuple(augment)
    if not (0.0 <= augment_p <= 1.0 and 0.0 <= augment_target < 1.0 and augment_kimg > 0):
      raise ValueError(f'Invalid augmentation probability. Received: augment_p={augment_p}, '
                       f'augment_target={augment_target}, augment_kimg={augment_kimg}; '
                       'accepted: 0 <= augment_p <= 1, 0 <= augment_target < 1, augment_kimg > 0')
    if (augment_p < 1.0 or augment_target > 0) and not self.augment:
      raise ValueError(f'augment_p and augment_target need augment ops. Received: augment=(), '
                       f'augment_p={augment_p}, augment_target={augment_target}')
    self.augment_target = float(augment_target)
    self.augment_kimg = float(augment_kimg)
    # The probability of each op (ADA); None when every op applies to every sample.
    self.augment_p = None
    if self.augment and (augment_p < 1.0 or augment_target > 0):
      self.augment_p = self.add_weight(
          name='augment_p', shape=(), dtype='float32', trainable=False,
          initializer=keras.initializers.Constant(float(augment_p)),
          aggregation='only_first_replica')
    self.fake_labels = fake_labels
    # Plain data, kept out of Keras' tracking (it would wrap the dict and its lists).
    object.__setattr__(self, '_conditions', conditions)
    if not 0.0 <= ema_decay < 1.0 or ema_kimg < 0 or ema_rampup < 0:
      raise ValueError(f'Invalid EMA settings. Received: ema_kimg={ema_kimg}, ema_rampup='
                       f'{ema_rampup}, ema_decay={ema_decay}; accepted: ema_kimg >= 0, '
                       'ema_rampup >= 0, 0 <= ema_decay < 1')
    self.ema_kimg, self.ema_rampup, self.ema_decay = (float(ema_kimg), float(ema_rampup),
                                                      float(ema_decay))
    self.ema_generator = (ema_lib.clone(generator) if ema_kimg > 0 or ema_decay > 0
                          else None)
    self.instance_noise = float(instance_noise)
    self.instance_noise_anneal_steps = int(instance_noise_anneal_steps)
    self.feature_matching_weight = float(feature_matching_weight)
    # The critic's (logits, features of the named layer), sharing the critic's weights.
    self._critic_features = (critic_features.with_features(critic, feature_matching)
                             if feature_matching else None)
    self.d_history = self.g_history = None
    if historical_averaging > 0:
      self.d_history = historical.HistoricalAverage(critic.trainable_variables,
                                                    historical_averaging, name='d_history')
      self.g_history = historical.HistoricalAverage(generator.trainable_variables,
                                                    historical_averaging, name='g_history')
    # Generator updates done; drives the random draws, so it is saved with the checkpoint.
    self.step = self.add_weight(name='step', shape=(), dtype='int64', initializer='zeros',
                                trainable=False, aggregation='only_first_replica')
    adaptive = ('augment_p', 'augment_rt') if self.augment_target > 0 else ()
    self._trackers = {
        name: keras.metrics.Mean(name=name)
        for name in ('d_loss', 'g_loss', 'w_dist') + self._penalty.metrics + adaptive
    }
    # Read through train_step_traces(gan): a count for tests and the benchmark, not model API.
    self._train_step_traces = 0
    # The networks are built; Keras must not try to build this model by calling it on data.
    self.built = True

  @property
  def conditional(self):
    """True when the networks take labels (built with `fake_labels`)."""
    return self.fake_labels is not None

  @property
  def conditions(self):
    """The vocabulary of the labels ({'groups', 'vocabulary', 'policy', 'counts'}), or None."""
    return self._conditions

  def learning_rates(self):
    """The (generator, critic) learning rates now, as floats, under any strategy.

    float() of an optimiser's rate fails under a strategy (it is a MirroredVariable there).
    """
    return tuple(float(keras.ops.convert_to_numpy(optimizer.learning_rate))
                 for optimizer in (self.g_optimizer, self.d_optimizer))

  def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn, **kwargs):
    """Sets both optimisers and loss functions (see `losses.get_losses`).

    Call inside the strategy scope: the optimisers' slots are built here, on the networks'
    variables, so that they are mirrored like the variables they update. Under mixed_float16,
    pass `keras.optimizers.LossScaleOptimizer`s: every loss goes through `scale_loss`, which
    plain optimisers leave unchanged. `jit_compile` (XLA) and other keyword arguments go to
    `keras.Model.compile`.
    """
    super().compile(optimizer=None, **kwargs)
    self.d_optimizer = d_optimizer
    self.g_optimizer = g_optimizer
    self.d_loss_fn = d_loss_fn
    self.g_loss_fn = g_loss_fn
    d_optimizer.build(self.critic.trainable_variables)
    g_optimizer.build(self.generator.trainable_variables)

  @property
  def metrics(self):
    # Listed here so that Keras resets them at the start of each epoch.
    return list(self._trackers.values())

  def call(self, z, training=False):
    return self.generator(z, training=training)

  def _normal(self, shape, draw, stream=STREAM_MAIN):
    """N(0, 1) draw number `draw` of this step, the replica's slice of the global batch."""
    return self._replica_slice(shape, draw, tf.random.stateless_normal, stream)

  def _uniform(self, shape, draw, stream=STREAM_MAIN):
    return self._replica_slice(shape, draw, tf.random.stateless_uniform, stream)

  def _replica_slice(self, shape, draw, sampler, stream=STREAM_MAIN):
    """Draw `draw` of this step in `stream`: [B_local, ...] of the global [B_local * R, ...]."""
    ctx = tf.distribute.get_replica_context()
    replicas = ctx.num_replicas_in_sync if ctx is not None else 1
    replica = ctx.replica_id_in_sync_group if ctx is not None else 0
    local = shape[0]
    seed = tf.stack([tf.constant(self.seed, tf.int64),
                     self.step * _DRAWS_PER_STEP + draw])
    if stream != STREAM_MAIN:
      seed = tf.random.experimental.stateless_fold_in(seed, stream)
    values = sampler([local * replicas] + list(shape[1:]), seed=seed)
    return values[local * replica:local * (replica + 1)]

  def _penalty_draws(self, batch, update):
    """The PenaltyDraws of critic update `update` of this step."""
    return losses.PenaltyDraws(
        epsilon=self._uniform([batch], draw=2 * update + 1),
        uniform=lambda shape: self._uniform(shape, draw=update, stream=STREAM_PENALTY),
        normal=lambda shape: self._normal(shape, draw=update, stream=STREAM_PENALTY),
        step=self.step)

  def _fake_labels(self, batch, draw):
    """Fake labels [B_local, G] of draw `draw` of this step, stateless like z."""
    return self._replica_slice([batch], draw, self.fake_labels.sample, STREAM_LABELS)

  def _generate(self, z, labels):
    return self.generator(z if labels is None else [z, labels], training=True)

  def _score(self, images, labels):
    """The critic's logits of `images` (with their `labels` in a conditional GAN)."""
    return self.critic(images if labels is None else [images, labels], training=True)

  def _score_and_features(self, images, labels):
    """(logits, features of the --feature_matching layer) of `images`."""
    return self._critic_features(images if labels is None else [images, labels], training=True)

  def _critic_view(self, images, batch, draw):
    """What the critic sees of `images`: DiffAugment's transform when --augment is set, then
    instance noise when --instance_noise is.

    The same differentiable transform is applied to real and fake images, in the critic's and
    the generator's updates; each image gets its own stateless draws. The penalties see these
    inputs, so they constrain the critic where it is evaluated.
    """
    if self.augment:
      uniforms = self._uniform([batch, augment_lib.NUM_DRAWS], draw=draw, stream=STREAM_AUGMENT)
      gates = None
      if self.augment_p is not None:
        gates = self._uniform([batch, augment_lib.NUM_GATES], draw=draw,
                              stream=STREAM_AUGMENT_GATES)
      images = augment_lib.augment(images, self.augment, uniforms, self.augment_p, gates)
    if self.instance_noise > 0:
      sigma = augment_lib.instance_noise_sigma(self.step, self.instance_noise,
                                               self.instance_noise_anneal_steps)
      normal = self._normal([batch] + list(images.shape[1:]), draw=draw,
                            stream=STREAM_INPUT_NOISE)
      images = augment_lib.add_instance_noise(images, sigma, normal)
    return images

  def _critic_update(self, real, batch, i, scale, real_labels=None):
    """Critic update `i` of this step on the real batch `real` (with its labels in a
    conditional GAN); returns its loss and logits.

    With --augment the penalty interpolates between the augmented reals and fakes: the critic
    is trained on the augmented distributions, so its gradient is constrained where it is
    evaluated; epsilon stays one per (augmented) real/fake pair. A conditional critic's penalty
    takes the real labels with every input it sees (interpolates, perturbed or plain reals).
    """
    z = self._normal([batch, self.z_dim], draw=2 * i)
    fake_labels = self._fake_labels(batch, draw=i) if self.conditional else None
    fake = self._critic_view(self._generate(z, fake_labels), batch, 2 * i + 1)
    real = self._critic_view(real, batch, 2 * i)
    with tf.GradientTape() as tape:
      real_logits = self._score(real, real_labels)
      fake_logits = self._score(fake, fake_labels)
      d_loss = self.d_loss_fn(real_logits, fake_logits)
      penalty_metrics = {}
      if self._penalty.critic_loss_term is not None:
        term, penalty_metrics = self._penalty.critic_loss_term(
            lambda x: self._score(x, real_labels), real, fake,
            self._penalty_draws(batch, i), self.penalty_options)
        d_loss += term
      if self.d_history is not None:
        d_loss += self.d_history.penalty(self.critic.trainable_variables)
      d_total = self.d_optimizer.scale_loss(tf.cast(d_loss, tf.float32) * scale)
    grads = tape.gradient(d_total, self.critic.trainable_variables)
    self.d_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
    if self.d_history is not None:
      self.d_history.update(self.critic.trainable_variables)
    return d_loss, real_logits, fake_logits, penalty_metrics

  def _generator_update(self, batch, scale, real, real_labels=None):
    """The generator update of this step; returns its loss.

    `real` (the last critic update's real batch, with its labels) is used only by feature
    matching, whose target is the mean of the critic's features on real data.
    """
    z = self._normal([batch, self.z_dim], draw=2 * self.n_critic)
    labels = self._fake_labels(batch, draw=self.n_critic) if self.conditional else None
    if self._critic_features is not None:
      real = self._critic_view(real, batch, 2 * self.n_critic + 1)
      _, real_features = self._score_and_features(real, real_labels)
    with tf.GradientTape() as tape:
      fake = self._critic_view(self._generate(z, labels), batch, 2 * self.n_critic)
      if self._critic_features is None:
        g_loss = self.g_loss_fn(self._score(fake, labels))
      else:
        fake_logits, fake_features = self._score_and_features(fake, labels)
        g_loss = losses.feature_matching_generator_loss(
            self.g_loss_fn(fake_logits), losses.feature_matching(real_features, fake_features),
            self.feature_matching_weight)
      if self.g_history is not None:
        g_loss += self.g_history.penalty(self.generator.trainable_variables)
      g_total = self.g_optimizer.scale_loss(tf.cast(g_loss, tf.float32) * scale)
    grads = tape.gradient(g_total, self.generator.trainable_variables)
    self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
    if self.g_history is not None:
      self.g_history.update(self.generator.trainable_variables)
    return g_loss

  @property
  def sampler(self):
    """The generator to sample from: the weights' average with EMA on, else the generator.

    A conditional GAN's takes [z [N, z_dim], int32 labels [N, G]], an unconditional one's z.
    """
    return self.generator if self.ema_generator is None else self.ema_generator

  def train_step(self, data):
    self._train_step_traces += 1  # Python runs only while tracing.
    real_batches = data[0] if isinstance(data, (tuple, list)) else data
    # A conditional GAN's labels [B, n_critic, G] (a TFDS class label is not one of them).
    real_labels = data[1] if self.conditional else None
    batch = tf.shape(real_batches)[0]
    ctx = tf.distribute.get_replica_context()
    # Keras 3 optimisers sum gradients over replicas; dividing keeps one device's scale.
    scale = 1.0 / (ctx.num_replicas_in_sync if ctx is not None else 1)

    real_signs = []
    for i in range(self.n_critic):
      d_loss, real_logits, fake_logits, penalty_metrics = self._critic_update(
          real_batches[:, i], batch, i, scale,
          real_labels[:, i] if real_labels is not None else None)
      if self.augment_target > 0:
        real_signs.append(tf.reduce_sum(tf.sign(tf.cast(real_logits, tf.float32))))
    last = self.n_critic - 1
    g_loss = self._generator_update(batch, scale, real_batches[:, last],
                                    real_labels[:, last] if real_labels is not None else None)
    if self.ema_generator is not None:
      images_seen = tf.cast(self.step, tf.float32) * tf.cast(batch, tf.float32) / scale
      ema_lib.update(self.ema_generator, self.generator,
                     ema_lib.beta(images_seen, tf.cast(batch, tf.float32) / scale,
                                  self.ema_kimg, self.ema_rampup, self.ema_decay))
    self.step.assign_add(1)
    adaptive = {}
    if self.augment_target > 0:
      adaptive = self._adapt_augment_p(tf.add_n(real_signs),
                                       tf.cast(batch * self.n_critic, tf.float32), ctx)

    # Metrics describe the last critic update of the step. Each step returns its own values, so
    # a logged curve is a function of the step alone: a resumed run logs what an uninterrupted
    # one does (the trackers' epoch means, which restart at a resume, go to Keras' history).
    values = dict(penalty_metrics, **adaptive, d_loss=d_loss, g_loss=g_loss,
                  w_dist=tf.reduce_mean(real_logits) - tf.reduce_mean(fake_logits))
    logs = {}
    for name, tracker in self._trackers.items():
      tracker.update_state(values[name])
      logs[name] = tf.cast(values[name], tf.float32)
    if distribute.in_multi_worker_mode(tf.distribute.get_strategy()):
      # Keras reduces step outputs across workers with strategy.reduce(MEAN, axis=0), which
      # fails on scalars ("Invalid reduction dimension 0 for input with 0 dimensions",
      # tensorflow/tensorflow#72388); shape [1] reduces to the same scalar.
      logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


  def _adapt_augment_p(self, sign_sum, images, ctx):
    """ADA's update of the augmentation probability from this step's real logits' signs.

    The sums are over every replica, so each replica computes the same new probability.
    """
    if ctx is not None and ctx.num_replicas_in_sync > 1:
      sign_sum, images = ctx.all_reduce(tf.distribute.ReduceOp.SUM, [sign_sum, images])
    signal = sign_sum / images
    self.augment_p.assign(augment_lib.adjust_probability(
        self.augment_p, signal, self.augment_target, images, self.augment_kimg))
    return {'augment_p': tf.identity(self.augment_p), 'augment_rt': signal}


def train_step_traces(gan):
  """Times `gan.train_step` was traced (per replica under a strategy); a retrace recompiles.

  For tests and the benchmark, which check that fit segments reuse one traced step.
  """
  return gan._train_step_traces  # pylint: disable=protected-access
