"""The folder pipeline, critic grouping, synthetic faces and tag files."""

import os
from unittest import mock

import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.data import decode
from tfgan_anime.data import folder
from tfgan_anime.data import pil_images
from tfgan_anime.data import pipeline
from tfgan_anime.data import synthetic
from tfgan_anime.data import tags
from tfgan_anime.data import tfrecord


def _save(path, array, mode=None):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  Image.fromarray(array, mode).save(path)


class FolderPipelineTest(tf.test.TestCase):

  def _folder(self):
    root = os.path.join(self.get_temp_dir(), 'images')
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    _save(os.path.join(root, 'a.png'), red)
    # Grayscale, in a subfolder, with an upper-case extension.
    _save(os.path.join(root, 'sub', 'B.PNG'), np.full((8, 8), 128, np.uint8))
    # RGBA: alpha is composited away, colour kept.
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 2] = 255
    rgba[..., 3] = 255
    _save(os.path.join(root, 'sub', 'c.png'), rgba)
    # 2:1 wide: the centre square is green, the flanks are black.
    wide = np.zeros((8, 16, 3), np.uint8)
    wide[:, 4:12, 1] = 255
    _save(os.path.join(root, 'd.png'), wide)
    with open(os.path.join(root, 'notes.txt'), 'w') as f:
      f.write('not an image')
    return root

  def test_decode_crop_resize_and_colour(self):
    root = self._folder()
    paths = pil_images.list_images(root)
    self.assertEqual([os.path.relpath(p, root) for p in paths],
                     ['a.png', 'd.png', os.path.join('sub', 'B.PNG'), os.path.join('sub', 'c.png')])
    ds = folder.folder_dataset(paths, resolution=4, shuffle=False)
    images = [x.numpy() for x in ds.take(4)]
    for image in images:
      self.assertEqual(image.shape, (4, 4, 3))
      self.assertEqual(image.dtype, np.uint8)
    self.assertAllEqual(images[0][0, 0], [255, 0, 0])
    # The centre crop of the wide image is all green: the black flanks are cut off.
    self.assertAllEqual(images[1].reshape(-1, 3).min(0), [0, 255, 0])
    self.assertAllEqual(images[1].reshape(-1, 3).max(0), [0, 255, 0])
    self.assertAllEqual(images[2][0, 0], [128, 128, 128])
    self.assertAllEqual(images[3][0, 0], [0, 0, 255])

  def test_shuffle_is_seeded_and_repeats(self):
    paths = pil_images.list_images(self._folder())
    order = lambda seed: [int(x.numpy().sum()) for x in  # pylint: disable=g-long-lambda
                          folder.folder_dataset(paths, 4, seed=seed).take(8)]
    self.assertEqual(order(1), order(1))
    # Endless: 8 images from a folder of 4, each epoch a permutation.
    first = order(1)
    self.assertCountEqual(first[:4], first[4:])

  def test_make_dataset_shapes_and_range(self):
    root = self._folder()
    dataset, info = pipeline.make_dataset(root, resolution=8, batch_size=2, n_critic=2)
    self.assertEqual(info.num_images, 4)
    element = next(iter(dataset))
    self.assertEqual(element.shape, (2, 2, 8, 8, 3))
    self.assertEqual(element.dtype, tf.float32)
    self.assertAllInRange(element, -1.0, 1.0)
    self.assertAllClose(tf.reduce_max(element), 1.0)

  def test_make_dataset_errors(self):
    empty = os.path.join(self.get_temp_dir(), 'empty')
    os.makedirs(empty, exist_ok=True)
    with self.assertRaisesRegex(ValueError, 'empty'):
      pipeline.make_dataset(empty, 8, 2)
    with self.assertRaisesRegex(ValueError, 'missing'):
      pipeline.make_dataset(os.path.join(self.get_temp_dir(), 'missing'), 8, 2)
    with self.assertRaisesRegex(ValueError, 'fewer images than one training step'):
      pipeline.make_dataset(self._folder(), 8, batch_size=4, n_critic=2)


class ChannelsTest(tf.test.TestCase):
  """channels=1 turns colour into luma, channels=3 tiles gray; both quantise to uint8 first."""

  # tf.image.rgb_to_grayscale's luma of pure red, rounded to uint8: round(0.2989 * 255) = 76.
  RED_LUMA = 76

  def _red_folder(self):
    root = os.path.join(self.get_temp_dir(), 'red')
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    for name in ('a.png', 'b.png'):
      _save(os.path.join(root, name), red)
    return root

  def test_convert_channels(self):
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    gray = decode.convert_channels(red, 1)
    self.assertEqual((gray.shape, gray.dtype), ((2, 2, 1), tf.uint8))
    self.assertAllEqual(gray, np.full((2, 2, 1), self.RED_LUMA))
    # Gray to colour repeats the value; colour to gray of a gray pixel gives it back.
    tiled = decode.convert_channels(np.full((2, 2, 1), 200, np.uint8), 3)
    self.assertAllEqual(tiled, np.full((2, 2, 3), 200))
    self.assertAllEqual(decode.convert_channels(tiled, 1), np.full((2, 2, 1), 200))
    with self.assertRaisesRegex(ValueError, 'channels must be 1 or 3. Received: channels=2'):
      decode.convert_channels(red, 2)

  def test_colour_folder_read_as_gray(self):
    dataset, _ = pipeline.make_dataset(self._red_folder(), resolution=4, batch_size=2,
                                       n_critic=1, channels=1)
    element = next(iter(dataset)).numpy()
    self.assertEqual(element.shape, (2, 1, 4, 4, 1))
    self.assertAllClose(element, np.full(element.shape, self.RED_LUMA / 127.5 - 1.0))

  def test_gray_folder_read_as_colour_and_as_gray(self):
    root = os.path.join(self.get_temp_dir(), 'gray')
    for name in ('a.png', 'b.png'):
      _save(os.path.join(root, name), np.full((8, 8), 77, np.uint8))
    for channels in (3, 1):
      dataset, _ = pipeline.make_dataset(root, resolution=4, batch_size=2, channels=channels)
      element = next(iter(dataset)).numpy()
      self.assertEqual(element.shape, (2, 1, 4, 4, channels))
      self.assertAllClose(element, np.full(element.shape, 77 / 127.5 - 1.0))

  def test_shards_read_as_gray(self):
    shards = os.path.join(self.get_temp_dir(), 'shards')
    tfrecord.write_shards(pil_images.list_images(self._red_folder()), shards, 1)
    dataset, _ = pipeline.make_dataset(os.path.join(shards, 'images-*.tfrecord'), resolution=4,
                                       batch_size=2, channels=1)
    element = next(iter(dataset)).numpy()
    self.assertEqual(element.shape, (2, 1, 4, 4, 1))
    self.assertAllClose(element, np.full(element.shape, self.RED_LUMA / 127.5 - 1.0))


class FolderCacheTest(tf.test.TestCase):
  """--cache on a folder: the uncached stream's index-based order, from any position."""

  def _folder(self, count=6):
    root = os.path.join(self.get_temp_dir(), 'images')
    rng = np.random.default_rng(0)
    for i in range(count):
      _save(os.path.join(root, f'{i}.png'), rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    return root

  def _images(self, dataset, num_elements):
    return [image.tobytes() for element in dataset.take(num_elements)
            for image in np.asarray(element).reshape((-1, 4, 4, 3))]

  def test_the_cached_stream_is_the_uncached_one_from_any_position(self):
    root = self._folder()
    prefix = os.path.join(self.get_temp_dir(), 'cache', 'folder')
    os.makedirs(os.path.dirname(prefix))

    def stream(cache, start=0, seed=5):
      dataset, _ = pipeline.make_dataset(root, 4, batch_size=2, n_critic=1, seed=seed,
                                         cache=cache, start_position=start)
      return dataset

    plain = self._images(stream(None), 12)  # 24 images: four epochs of 6.
    for cache in ('memory', prefix):
      cached = stream(cache)
      self.assertEqual(self._images(cached, 12), plain)
      # A second iterator of the same dataset (Keras opens one more under a strategy) reads
      # the same order: no seed generator shared between iterators.
      self.assertEqual(self._images(cached, 12), plain)
      # A resumed run's stream: from image 8, in the second epoch.
      self.assertEqual(self._images(stream(cache, start=8), 8), plain[8:])
    self.assertNotEqual(self._images(stream('memory', seed=6), 12), plain)

  def test_epochs_larger_than_the_shuffle_buffer_are_shuffled_in_blocks(self):
    files = pil_images.list_images(self._folder(10))
    key = lambda dataset, n: [x.numpy().tobytes() for x in dataset.take(n)]  # pylint: disable=g-long-lambda,unnecessary-lambda-assignment
    with mock.patch.object(folder, 'CACHE_SHUFFLE_BUFFER', 4):  # Blocks of 4, 4 and 2.
      stream = key(pipeline.cached_folder_images(files, 4, seed=3, cache='memory'), 30)
      resumed = key(pipeline.cached_folder_images(files, 4, seed=3, cache='memory', start=13),
                    17)
    in_order = key(folder.folder_dataset(files, 4, shuffle=False), 10)
    self.assertEqual(resumed, stream[13:])
    for epoch in range(3):
      images = stream[10 * epoch:10 * (epoch + 1)]
      for first, last in ((0, 4), (4, 8), (8, 10)):  # Each block is a permutation of its files.
        self.assertCountEqual(images[first:last], in_order[first:last])
    self.assertNotEqual(stream[:10], stream[10:20])  # A new permutation each epoch.


class ShardPipelineTest(tf.test.TestCase):
  """make_dataset on TFRecord shards: the same images as the folder, split by file."""

  def _folder_and_shards(self, num_shards=2):
    root = os.path.join(self.get_temp_dir(), 'images')
    rng = np.random.default_rng(0)
    for i in range(6):
      _save(os.path.join(root, f'{i}.png'), rng.integers(0, 256, (8, 12, 3), dtype=np.uint8))
    shards = os.path.join(self.get_temp_dir(), 'shards')
    tfrecord.write_shards(pil_images.list_images(root), shards, num_shards)
    return root, os.path.join(shards, 'images-*.tfrecord')

  def _images(self, dataset, num_images):
    # Elements are [batch, n_critic, ...]; the first num_images images as byte strings.
    images = []
    for element in dataset:
      images.extend(element.numpy().reshape((-1,) + tuple(element.shape[2:])))
      if len(images) >= num_images:
        break
    return [np.round((image + 1) * 127.5).astype(np.uint8).tobytes()
            for image in images[:num_images]]

  def test_same_images_as_the_folder(self):
    root, pattern = self._folder_and_shards()
    for spec in ('tfrecord:' + pattern, pattern):
      dataset, info = pipeline.make_dataset(spec, resolution=4, batch_size=3, n_critic=2)
      self.assertEqual((info.num_images, info.num_shards, info.folder), (6, 2, pattern))
      element = next(iter(dataset))
      self.assertEqual((element.shape, element.dtype), ((3, 2, 4, 4, 3), tf.float32))
      folder_dataset, folder_info = pipeline.make_dataset(root, 4, batch_size=3, n_critic=2)
      self.assertEqual(folder_info.num_shards, 0)
      # The shards' shuffle runs over the endless stream, so a stretch of it (not each pass)
      # holds every image: the same pixels as the folder's pass, in another order.
      self.assertEqual(set(self._images(dataset, 30)), set(self._images(folder_dataset, 6)))
      self.assertLen(set(self._images(folder_dataset, 6)), 6)

  def test_cache_in_memory_and_on_disk(self):
    _, pattern = self._folder_and_shards()
    plain, _ = pipeline.make_dataset('tfrecord:' + pattern, 4, batch_size=3, n_critic=2)
    prefix = os.path.join(self.get_temp_dir(), 'cache', 'shards')
    os.makedirs(os.path.dirname(prefix))
    for cache in ('memory', prefix):
      dataset, _ = pipeline.make_dataset('tfrecord:' + pattern, 4, batch_size=3, n_critic=2,
                                         cache=cache)
      # Five passes: the first fills the cache, the others read it; the same stream as without.
      self.assertEqual(self._images(dataset, 30), self._images(plain, 30))
    self.assertNotEmpty(tf.io.gfile.glob(prefix + '*'))

  def test_resumed_stream_continues_the_straight_one(self):
    # A resumed run's stream at position k is the straight run's stream from image k on, across
    # epoch boundaries (6 images; elements of 2 batches of 3, so from position 7 the third epoch).
    _, pattern = self._folder_and_shards()

    def stream(seed, num_elements, start_position=0):
      dataset, _ = pipeline.make_dataset(pattern, 4, batch_size=3, n_critic=2, seed=seed,
                                         start_position=start_position)
      # An element is [batch, n_critic, ...]: critic batch i holds images i*3 .. i*3 + 2.
      return np.concatenate([np.swapaxes(e.numpy(), 0, 1).reshape((-1, 4, 4, 3))
                             for e in dataset.take(num_elements)])

    images = stream(5, 3)
    for start in (4, 7):
      self.assertAllEqual(stream(5, 1, start), images[start:start + 6], msg=f'start {start}')
    # Another seed is another order (so the comparison above can fail).
    self.assertNotAllEqual(stream(6, 1), images[:6])

  def test_auto_shard_policy(self):
    folder = pipeline.DataInfo(folder='x', num_images=10)
    shards = pipeline.DataInfo(folder='x', num_images=10, num_shards=4)
    self.assertEqual(pipeline.auto_shard_policy(folder, 2), 'DATA')
    self.assertEqual(pipeline.auto_shard_policy(shards, 1), 'DATA')
    self.assertEqual(pipeline.auto_shard_policy(shards, 4), 'FILE')
    # Fewer shards than workers: a worker would get no file, so every worker reads all.
    self.assertEqual(pipeline.auto_shard_policy(shards, 5), 'DATA')

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, 'No TFRecord file matches'):
      pipeline.make_dataset('tfrecord:' + os.path.join(self.get_temp_dir(), 'none-*'), 4, 2)
    _, pattern = self._folder_and_shards()
    with self.assertRaisesRegex(ValueError, 'with 6 images'):
      pipeline.make_dataset(pattern, 4, batch_size=4, n_critic=2)
    self.assertIsNone(pipeline.tfrecord_pattern('/data/faces'))


class GroupForCriticTest(tf.test.TestCase):

  def test_batch_i_of_an_element_is_the_ith_consecutive_batch(self):
    # Images 0..11 tagged by value; batch 2, n_critic 3: element 0 holds [0,1], [2,3], [4,5].
    images = tf.data.Dataset.range(12).map(
        lambda i: tf.fill([1, 1, 1], tf.cast(i, tf.uint8)))
    elements = list(pipeline.group_for_critic(images, batch_size=2, n_critic=3))
    self.assertLen(elements, 2)
    values = np.round((elements[0].numpy()[..., 0, 0, 0] + 1) * 127.5)
    self.assertEqual(elements[0].shape, (2, 3, 1, 1, 1))
    self.assertAllEqual(values, [[0, 2, 4], [1, 3, 5]])

  def test_to_float(self):
    self.assertAllClose(pipeline.to_float(tf.constant([0, 255], tf.uint8)), [-1.0, 1.0])


class SyntheticFacesTest(tf.test.TestCase):

  def test_written_once_with_tags(self):
    cache = self.get_temp_dir()
    path = synthetic.ensure_synthetic_faces(12, seed=3, cache_dir=cache, progress=False)
    files = sorted(os.listdir(os.path.join(path, 'faces')))
    self.assertLen(files, 12)
    image = np.asarray(Image.open(os.path.join(path, 'faces', files[0])))
    self.assertEqual(image.shape, (synthetic.SIZE, synthetic.SIZE, 3))
    table = tags.read_tags(os.path.join(path, 'tags.csv'))
    self.assertLen(table, 12)
    for image_tags in table.values():
      hair = [t for t in image_tags if t.endswith(' hair') and t[:-5] in synthetic.HAIR_COLORS]
      eyes = [t for t in image_tags if t.endswith(' eyes')]
      self.assertLen(hair, 1)
      self.assertLen(eyes, 1)
      self.assertIn(eyes[0][:-5], synthetic.EYE_COLORS)
    # A second call reuses the folder rather than redrawing.
    mtime = os.path.getmtime(os.path.join(path, 'faces', files[0]))
    self.assertEqual(synthetic.ensure_synthetic_faces(12, seed=3, cache_dir=cache), path)
    self.assertEqual(os.path.getmtime(os.path.join(path, 'faces', files[0])), mtime)
    # No staging folder is left behind.
    self.assertEqual([n for n in os.listdir(cache) if n.startswith('.')], [])

  def test_a_copy_another_process_finished_first_is_kept(self):
    cache = self.get_temp_dir()
    folder_name = f'synthetic_faces_v{synthetic.VERSION}_n2_seed9'
    draw = synthetic._draw_into  # pylint: disable=protected-access

    def draw_while_another_finishes(staging, final, *args):
      os.makedirs(os.path.join(final, 'faces'))
      with open(os.path.join(final, 'theirs.txt'), 'w') as f:
        f.write('x')
      draw(staging, final, *args)

    with mock.patch.object(synthetic, '_draw_into', draw_while_another_finishes):
      path = synthetic.ensure_synthetic_faces(2, seed=9, cache_dir=cache, progress=False)
    self.assertEqual(path, os.path.join(cache, folder_name))
    self.assertEqual(sorted(os.listdir(path)), ['faces', 'theirs.txt'])  # theirs, not replaced
    self.assertEqual([n for n in os.listdir(cache) if n.startswith('.')], [])

  def test_seeded_and_varied(self):
    a, tags_a = synthetic.draw_face(np.random.default_rng(5))
    b, tags_b = synthetic.draw_face(np.random.default_rng(5))
    self.assertAllEqual(np.asarray(a), np.asarray(b))
    self.assertEqual(tags_a, tags_b)
    rng = np.random.default_rng(0)
    hair = {synthetic.draw_face(rng)[1][0] for _ in range(200)}
    self.assertGreaterEqual(len(hair), 10)  # Of 12 colours.

  def test_bad_count(self):
    with self.assertRaisesRegex(ValueError, 'num_images=0'):
      synthetic.ensure_synthetic_faces(0, cache_dir=self.get_temp_dir())


class TagsTest(tf.test.TestCase):

  def test_round_trip(self):
    path = os.path.join(self.get_temp_dir(), 'tags.csv')
    tags.write_tags(path, {'0': ['blonde hair', 'blue eyes'], '7': ['long hair']})
    with open(path) as f:
      self.assertEqual(f.readline(), '0,blonde hair:1 blue eyes:1\n')
    self.assertEqual(tags.read_tags(path), {'0': {'blonde hair': 1, 'blue eyes': 1},
                                           '7': {'long hair': 1}})

  def test_counts_and_empty_tags(self):
    self.assertEqual(tags.parse_line('3,red eyes:12  aqua hair:1'),
                     ('3', {'red eyes': 12, 'aqua hair': 1}))
    self.assertEqual(tags.parse_line('4,'), ('4', {}))

  def test_malformed_line_names_its_number(self):
    path = os.path.join(self.get_temp_dir(), 'bad.csv')
    with open(path, 'w') as f:
      f.write('0,blonde hair:1\n\n2,blue eyes\n')
    with self.assertRaisesRegex(ValueError, r'bad.csv:3: malformed tag'):
      tags.read_tags(path)
    with self.assertRaisesRegex(ValueError, r':5: expected "id,tag:count'):
      tags.parse_line('no comma here', 5)


if __name__ == '__main__':
  tf.test.main()
