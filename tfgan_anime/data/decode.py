"""TensorFlow's side of images: encoded bytes -> square pixels (decode, centre crop, resize, channels).

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
    image: [H, W, C] tensor or array, any real dtype, any value range.
    resolution: output side in pixels.
  Returns:
    float32 [resolution, resolution, C] in the value range of `image`, up to float rounding
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
  return tf.ensure_shape(resized, [resolution, resolution, image.shape[-1]])


def square_uint8(image, resolution):
  """uint8 [H, W, C] -> uint8 [resolution, resolution, C]: centre square crop, resize, round."""
  image = center_crop_and_resize(image, resolution)
  return tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)


def decode_and_resize(encoded, resolution):
  """Encoded bytes -> uint8 [resolution, resolution, 3]: decode, centre square crop, resize."""
  return square_uint8(decode_rgb(encoded), resolution)


CHANNELS = (1, 3)


def convert_channels(image, channels):
  """uint8 [..., H, W, 1 or 3] -> uint8 [..., H, W, channels]; unchanged when they match.

  Colour to gray is `tf.image.rgb_to_grayscale` (ITU-R 601 luma, 0.2989 R + 0.5870 G +
  0.1140 B), rounded back to uint8, so that a colour image read as gray and a gray file give
  the same quantised values before `images.from_uint8`. Gray to colour repeats the channel.

  Raises:
    ValueError: `channels` is not 1 or 3, or the image's channels are neither.
  """
  if channels not in CHANNELS:
    raise ValueError(f'channels must be 1 or 3. Received: channels={channels!r}')
  image = tf.convert_to_tensor(image)
  have = image.shape[-1]
  if have == channels:
    return image
  if have == 3:
    gray = tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))
    return tf.cast(tf.round(tf.clip_by_value(gray, 0.0, 255.0)), tf.uint8)
  if have == 1:
    return tf.image.grayscale_to_rgb(image)
  raise ValueError(f'Images must have 1 or 3 channels. Received: image shape {image.shape}')
