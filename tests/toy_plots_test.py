"""PIL + numpy plots of toy runs: coordinates, colours and contours with known answers."""

import numpy as np
import tensorflow as tf

from tfgan_anime import toy_plots

BOX = (-1.0, 1.0, -2.0, 2.0)


class ToyPlotsTest(tf.test.TestCase):

  def test_to_pixels_corners_and_y_up(self):
    pixels = toy_plots.to_pixels([[-1, 2], [1, -2], [0, 0]], BOX, size=101)
    # Top-left of the picture is (x_min, y_max); y grows upwards in data, downwards in pixels.
    self.assertAllClose(pixels, [[0, 0], [100, 100], [50, 50]])

  def test_grid_points_are_cell_centres_from_the_top(self):
    points = toy_plots.grid_points(BOX, 2)
    self.assertAllClose(points, [[-0.5, 1], [0.5, 1], [-0.5, -1], [0.5, -1]])
    # A round trip through to_pixels puts each centre in the middle of its quarter.
    self.assertAllClose(toy_plots.to_pixels(points, BOX, size=5), [[1, 1], [3, 1], [1, 3],
                                                                   [3, 3]])

  def test_colour_ramp_ends_and_middle(self):
    colours = toy_plots.colour_ramp([0.0, 0.5, 1.0, -3.0, 7.0])
    self.assertAllEqual(colours[0], [68, 1, 84])
    self.assertAllEqual(colours[1], [33, 145, 140])
    self.assertAllEqual(colours[2], [253, 231, 37])
    self.assertAllEqual(colours[3], colours[0])  # clipped
    self.assertAllEqual(colours[4], colours[2])

  def test_contour_mask_marks_level_crossings(self):
    # A ramp over 10 columns from 0 to 0.99 crosses a level (tenths) between each pair.
    values = np.tile(np.linspace(0.0, 0.99, 10), (3, 1))
    mask = toy_plots.contour_mask(values, levels=5)
    # Bands 0,0,1,1,2,2,3,3,4,4: the low side of each crossing is columns 1, 3, 5, 7.
    self.assertAllEqual(np.where(mask[0])[0], [1, 3, 5, 7])
    self.assertFalse(toy_plots.contour_mask(np.full((4, 4), 0.3)).any())

  def test_panels(self):
    real = np.array([[0.0, 0.0]])
    fake = np.array([[0.9, 1.9]])
    panel = toy_plots.samples_panel(real, fake, BOX, size=64)
    self.assertEqual(panel.shape, (64, 64, 3))
    self.assertEqual(panel.dtype, np.uint8)
    self.assertAllEqual(panel[32, 32], [150, 150, 150])  # the real point, grey
    self.assertAllEqual(panel[2, 61], [235, 110, 20])  # the generated one, orange
    self.assertAllEqual(panel[60, 5], [255, 255, 255])
    # The critic panel: the largest value is yellow, the smallest dark purple.
    values = np.array([[0.0, 1.0], [2.0, 3.0]])
    heat = toy_plots.critic_panel(values, np.zeros((0, 2)), BOX, size=64)
    self.assertAllEqual(heat[5, 5], [68, 1, 84])
    self.assertAllEqual(heat[60, 60], [253, 231, 37])
    both = toy_plots.side_by_side(panel, heat)
    self.assertEqual(both.shape, (64, 2 * 64 + 6, 3))
    self.assertAllEqual(both[:, 64:70], np.full((64, 6, 3), 255))


if __name__ == '__main__':
  tf.test.main()
