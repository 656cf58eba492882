"""One worker process of training_distribute_test.MultiWorkerTest (run with TF_CONFIG set; not a test).

  python tests/multi_worker_main.py OUT_DIR DATA_FOLDER
  python tests/multi_worker_main.py --resume OUT_DIR DATA

1. Trains the tiny GAN for 3 steps on 16 fixed images in a fixed order under
   MultiWorkerMirroredStrategy; the chief writes the weights to OUT_DIR/weights.npz.
2. Runs train_lib.train on DATA_FOLDER with the same strategy into OUT_DIR/run, as
   `--strategy=multi_worker` does.
With --resume: train_lib.train on DATA (a folder or shards) for 4 steps into OUT_DIR/straight,
and for 2 then 4 steps into OUT_DIR/resumed (the second call resumes).
"""

import dataclasses
import os
import sys

import numpy as np
import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

# pylint: disable=g-import-not-at-top,wrong-import-position
from tfgan_anime.training import distribute


def main(out_dir, data, resume=False):
  # Before any other TensorFlow op, as MultiWorkerMirroredStrategy requires: some modules below
  # run TensorFlow ops when imported.
  strategy = distribute.make_strategy('multi_worker')
  from tfgan_anime.training import loop as train_lib
  from tfgan_anime.data import pipeline
  from tfgan_anime.data import tfrecord
  sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
  import training_distribute_test
  if resume:
    config = training_distribute_test.tiny_config(os.path.join(out_dir, 'straight'), data)
    train_lib.train(dataclasses.replace(config, train_steps=4), strategy=strategy)
    config = dataclasses.replace(config, model_dir=os.path.join(out_dir, 'resumed'))
    for steps in (2, 4):
      result = train_lib.train(dataclasses.replace(config, train_steps=steps),
                               strategy=strategy)
      print(f'Trained to step {result.step}.', flush=True)
    return
  config = training_distribute_test.tiny_config(os.path.join(out_dir, 'run'), data)
  with strategy.scope():
    gan = train_lib.build_gan(config)
  images = training_distribute_test.fixed_images()
  dataset = pipeline.group_for_critic(tf.data.Dataset.from_tensor_slices(images).repeat(),
                                      config.batch_size, config.n_critic)
  # As train_lib sets it for an image folder: every worker reads all, keeps its share.
  policy = pipeline.auto_shard_policy(pipeline.DataInfo('memory', len(images)),
                                      distribute.num_workers(strategy))
  gan.fit(dataset.with_options(tfrecord.dataset_options(policy)), steps_per_epoch=3, epochs=1,
          verbose=0)
  if distribute.is_chief(strategy):
    weights = gan.generator.get_weights() + gan.critic.get_weights()
    np.savez(os.path.join(out_dir, 'weights.npz'), *weights)
  result = train_lib.train(config, strategy=strategy)
  print(f'Trained to step {result.step}.', flush=True)


if __name__ == '__main__':
  if sys.argv[1] == '--resume':
    main(sys.argv[2], sys.argv[3], resume=True)
  else:
    main(sys.argv[1], sys.argv[2])
