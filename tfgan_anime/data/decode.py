"""TensorFlow's side of images: encoded bytes -> square RGB pixels (decode, centre crop, resize).

The one decode path of folders and TFRecord shards (the PIL side, for the files TensorFlow reads
differently, is `pil_images.py`). Both pipelines call these functions, so an image gives the
same pixels whichever way it is stored (see Parmar et al. 2022 on how much resize details move FID).
"""

import tensorflow as tf


def decode_rgb(encoded):
  """Encoded JPEG/PNG/GIF/BMP bytes -> uint8 [H, W, 3], first frame only.

  JPEGs are decoded with dct_method='INTEGER_ACCURATE', which matches PIL
  (`pil_images.pil_decode_rgb`) exactly; tf.io.decode_image's fast default IDCT is off by up
  to 4 levels.
  """
  def jpeg():
    return tf.io.decode_jpeg(encoded, channels=3, dct_method='INTEGER_ACCURATE')

  def other():
    return tf.io.decode_image(encoded, channels=3, expand_animations=False)

  image = tf.cond(tf.io.is_jpeg(encoded), jpeg, other)
  image.set_shape([None, None, 3])
  return image


def center_crop_and_resize(image, resolution):
  """The largest centred square of `image`, resized to resolution x resolution.

  Args:
    image: [H, W, 3] tensor or array, any real dtype, any value range.
    resolution: output side in pixels.
  Returns:
    float32 [resolution, resolution, 3] in the value range of `image`, up to float rounding
    (antialiased bilinear weights are positive: no ringing; a uint8 image can still come out
    at 255.0001). Downscaling averages like a box filter; upscaling (say a 1x1 image) is plain
    bilinear.
  """
  image = tf.convert_to_tensor(image)
  shape = tf.shape(image)
  height, width = shape[0], shape[1]
  side = tf.minimum(height, width)
  top = (height - side) // 2
  left = (width - side) // 2
  square = image[top:top + side, left:left + side, :]
  square = tf.cast(square, tf.float32)
  resized = tf.image.resize(square, [resolution, resolution],
                            method='bilinear', antialias=True)
  return tf.ensure_shape(resized, [resolution, resolution, 3])


def square_uint8(image, resolution):
  """uint8 [H, W, 3] -> uint8 [resolution, resolution, 3]: centre square crop, resize, round."""
  image = center_crop_and_resize(image, resolution)
  return tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)


def decode_and_resize(encoded, resolution):
  """Encoded bytes -> uint8 [resolution, resolution, 3]: decode, centre square crop, resize."""
  return square_uint8(decode_rgb(encoded), resolution)
