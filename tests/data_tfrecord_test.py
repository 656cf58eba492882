"""Tests for tfgan_anime.data.tfrecord: shard writing and the tf.data reader."""

import os

from absl.testing import parameterized
import numpy as np
from PIL import Image
import tensorflow as tf

from tfgan_anime.data import decode
from tfgan_anime.data import tfrecord

RESOLUTION = 8
ORANGE = (250, 120, 10)


def _texture(seed, width, height):
  rng = np.random.default_rng(seed)
  small = Image.fromarray(rng.integers(0, 256, (3, 3, 3), dtype=np.uint8))
  return np.asarray(small.resize((width, height), Image.BILINEAR))


class TFRecordTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.src = os.path.join(self.get_temp_dir(), 'src')
    os.makedirs(self.src, exist_ok=True)

  def _five_images(self):
    """Five known inputs; the first is a flat colour, non-square PNG."""
    flat = os.path.join(self.src, 'flat orange.png')
    Image.new('RGB', (20, 12), ORANGE).save(flat)
    photo = os.path.join(self.src, 'photo.jpg')
    Image.fromarray(_texture(1, 24, 24)).save(photo, 'JPEG', quality=95)
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 255
    rgba[8:, :, 3] = 0  # bottom half transparent -> white
    alpha = os.path.join(self.src, 'alpha.png')
    Image.fromarray(rgba, 'RGBA').save(alpha)
    tiny = os.path.join(self.src, 'tiny.png')
    Image.new('RGB', (1, 1), (0, 0, 255)).save(tiny)
    array = np.full((10, 10, 3), 64, np.uint8)
    return [flat, photo, alpha, tiny, array]

  def _read_all(self, pattern, **kwargs):
    dataset = tfrecord.read_shards(pattern, RESOLUTION, shuffle_files=False, **kwargs)
    return [image.numpy() for image in dataset]

  def _parse_all(self, shard_paths):
    records = tf.data.TFRecordDataset(shard_paths).batch(100)
    return {key: value.numpy() for key, value in
            tfrecord.parse_batch(next(iter(records))).items()}

  @parameterized.parameters('jpeg_bytes', 'uint8')
  def test_round_trip(self, encode):
    out = os.path.join(self.get_temp_dir(), 'shards')
    resolution = RESOLUTION if encode == 'uint8' else None
    paths = tfrecord.write_shards(self._five_images(), out, num_shards=1,
                                  resolution=resolution, encode=encode)
    images = self._read_all(os.path.join(out, 'images-*.tfrecord'))
    self.assertLen(images, 5)
    for image in images:
      self.assertEqual(image.shape, (RESOLUTION, RESOLUTION, 3))
      self.assertEqual(image.dtype, np.float32)
      self.assertGreaterEqual(image.min(), -1.0)
      self.assertLessEqual(image.max(), 1.0)
    tolerance = 1 / 127.5
    self.assertAllClose(images[0], np.broadcast_to(np.array(ORANGE) / 127.5 - 1, images[0].shape),
                        atol=tolerance, rtol=0)
    # Alpha composited on white: red on top, white below.
    self.assertAllClose(images[2][0, 0], [1, -1, -1], atol=tolerance, rtol=0)
    self.assertAllClose(images[2][-1, 0], [1, 1, 1], atol=tolerance, rtol=0)
    self.assertAllClose(images[3], np.broadcast_to([-1, -1, 1], images[3].shape),
                        atol=tolerance, rtol=0)
    self.assertAllClose(images[4], np.full(images[4].shape, 64 / 127.5 - 1),
                        atol=tolerance, rtol=0)
    features = self._parse_all(paths)
    self.assertAllEqual(features['image/height'], [12, 24, 16, 1, 10])
    self.assertAllEqual(features['image/width'], [20, 24, 16, 1, 10])
    expected_raw = RESOLUTION if encode == 'uint8' else 0
    self.assertAllEqual(features['image/raw_resolution'], [expected_raw] * 5)

  def test_raw_and_encoded_paths_agree(self):
    images = self._five_images()
    out_bytes = os.path.join(self.get_temp_dir(), 'bytes')
    out_raw = os.path.join(self.get_temp_dir(), 'raw')
    tfrecord.write_shards(images, out_bytes, 1)
    tfrecord.write_shards(images, out_raw, 1, resolution=RESOLUTION, encode='uint8')
    from_bytes = self._read_all(os.path.join(out_bytes, '*.tfrecord'))
    from_raw = self._read_all(os.path.join(out_raw, '*.tfrecord'))
    # image/raw is the same crop and resize, rounded to uint8.
    self.assertAllClose(from_bytes, from_raw, atol=0.5 / 127.5 + 1e-6, rtol=0)

  def test_original_bytes_kept_only_where_tf_reads_them_the_same(self):
    images = self._five_images()
    paths = tfrecord.write_shards(images, os.path.join(self.get_temp_dir(), 'o'), 1)
    features = self._parse_all(paths)
    self.assertAllEqual(features['image/format'],
                        [b'png', b'jpeg', b'png', b'png', b'png'])
    for i in (0, 1, 3):  # RGB PNG, RGB JPEG, RGB PNG: the file itself
      with open(images[i], 'rb') as f:
        self.assertEqual(features['image/encoded'][i], f.read())
    with open(images[2], 'rb') as f:  # RGBA: re-encoded as composited RGB
      self.assertNotEqual(features['image/encoded'][2], f.read())

  def test_exif_rotated_jpeg_is_stored_upright(self):
    path = os.path.join(self.src, 'rotated.jpg')
    pixels = np.zeros((16, 32, 3), np.uint8)  # wide on disk, left half white
    pixels[:, :16] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view": top half white
    Image.fromarray(pixels).save(path, 'JPEG', exif=exif, quality=95)
    paths = tfrecord.write_shards([path], os.path.join(self.get_temp_dir(), 'r'), 1)
    features = self._parse_all(paths)
    self.assertEqual(features['image/format'][0], b'png')  # TF ignores EXIF
    self.assertEqual((features['image/height'][0], features['image/width'][0]), (32, 16))
    decoded = decode.decode_rgb(features['image/encoded'][0]).numpy()
    self.assertGreater(decoded[4, 8].min(), 240)
    self.assertLess(decoded[-4, 8].max(), 15)

  def test_shard_names_and_split(self):
    out = os.path.join(self.get_temp_dir(), 'three')
    paths = tfrecord.write_shards(self._five_images(), out, num_shards=3,
                                  prefix='anime')
    expected = ['anime-00000-of-00003.tfrecord', 'anime-00001-of-00003.tfrecord',
                'anime-00002-of-00003.tfrecord']
    self.assertEqual([os.path.basename(p) for p in paths], expected)
    self.assertEqual(sorted(os.listdir(out)), expected)  # no temporary files left
    counts = [sum(1 for _ in tf.data.TFRecordDataset(p)) for p in paths]
    self.assertEqual(counts, [2, 2, 1])
    self.assertLen(self._read_all(os.path.join(out, 'anime-*')), 5)
    shuffled = tfrecord.read_shards(os.path.join(out, 'anime-*'), RESOLUTION, seed=3)
    self.assertLen(list(shuffled), 5)

  def test_failed_shard_leaves_no_file(self):
    images = self._five_images()
    broken = os.path.join(self.src, 'broken.jpg')
    with open(broken, 'w') as f:
      f.write('text, not a JPEG')
    out = os.path.join(self.get_temp_dir(), 'broken_out')
    with self.assertRaisesRegex(ValueError, 'Received: path=.*broken.jpg'):
      tfrecord.write_shards(images[:2] + [broken], out, num_shards=2)
    # Shard 0 (images 0-1) is complete; shard 1 failed and left nothing behind.
    self.assertEqual(os.listdir(out), ['images-00000-of-00002.tfrecord'])

  def test_stale_shards_are_refused(self):
    out = os.path.join(self.get_temp_dir(), 'stale')
    images = self._five_images()
    tfrecord.write_shards(images, out, num_shards=2)
    tfrecord.write_shards(images, out, num_shards=2)  # same names: rewritten
    with self.assertRaisesRegex(ValueError, 'another write.*Received: out_dir='):
      tfrecord.write_shards(images, out, num_shards=3)

  @parameterized.parameters(
      (dict(encode='png'), 'Received: encode=.png.'),
      (dict(encode='uint8'), 'Received: resolution=None'),
      (dict(resolution=8), "only used with encode='uint8'.*Received: resolution=8"),
      (dict(num_shards=0), r'in \[1, 5\].*Received: num_shards=0'),
      (dict(num_shards=6), 'Received: num_shards=6'),
      (dict(prefix='a/b'), 'Received: prefix=.a/b.'),
  )
  def test_write_errors(self, kwargs, message):
    args = dict(num_shards=1)
    args.update(kwargs)
    with self.assertRaisesRegex(ValueError, message):
      tfrecord.write_shards(self._five_images(), self.get_temp_dir(), **args)

  def test_bad_array(self):
    with self.assertRaisesRegex(ValueError, 'dtype=float32 shape=\\(4, 4, 3\\)'):
      tfrecord.write_shards([np.zeros((4, 4, 3), np.float32)], self.get_temp_dir(), 1)

  def test_read_errors(self):
    with self.assertRaisesRegex(ValueError, 'No TFRecord file matches. Received: file_pattern='):
      tfrecord.read_shards(os.path.join(self.get_temp_dir(), 'none-*'), RESOLUTION)
    with self.assertRaisesRegex(ValueError, 'Received: resolution=0'):
      tfrecord.read_shards('x', 0)

  def test_center_crop_and_resize(self):
    image = np.zeros((6, 10, 3), np.uint8)
    image[:, 2:8] = 200  # the centred 6x6 square
    resized = decode.center_crop_and_resize(image, 3)
    self.assertEqual(resized.dtype, tf.float32)
    self.assertAllClose(resized, np.full((3, 3, 3), 200.0))

  @parameterized.parameters(
      ('FILE', tf.data.experimental.AutoShardPolicy.FILE),
      ('data', tf.data.experimental.AutoShardPolicy.DATA),
      ('OFF', tf.data.experimental.AutoShardPolicy.OFF),
  )
  def test_dataset_options(self, name, policy):
    options = tfrecord.dataset_options(name)
    self.assertEqual(options.experimental_distribute.auto_shard_policy, policy)

  def test_dataset_options_error(self):
    with self.assertRaisesRegex(ValueError, "Received: auto_shard='AUTO'"):
      tfrecord.dataset_options('AUTO')


if __name__ == '__main__':
  tf.test.main()
