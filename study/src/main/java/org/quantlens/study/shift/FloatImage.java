package org.quantlens.study.shift;

import java.util.Arrays;

/**
 * One image as floats in channels-last order ({@code [H, W, C]}, C = 1 gray or 3 RGB), values
 * normally in [0, 1]. The array is owned by whoever created the image; corruptions never write
 * to their input.
 */
public final class FloatImage {
  private final int height;
  private final int width;
  private final int channels;
  private final float[] data;

  /** Wraps {@code data} (not copied); its length must be {@code height * width * channels}. */
  public FloatImage(int height, int width, int channels, float[] data) {
    if (height < 1 || width < 1 || (channels != 1 && channels != 3)) {
      throw new IllegalArgumentException("image must be H x W x {1,3} with H, W >= 1, got "
          + height + "x" + width + "x" + channels);
    }
    if (data.length != height * width * channels) {
      throw new IllegalArgumentException("image " + height + "x" + width + "x" + channels
          + " needs " + height * width * channels + " floats, got " + data.length);
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.data = data;
  }

  /** A zero image of the given shape. */
  public static FloatImage zeros(int height, int width, int channels) {
    return new FloatImage(height, width, channels, new float[height * width * channels]);
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int channels() {
    return channels;
  }

  /** The backing array, {@code [H, W, C]} in C order. */
  public float[] data() {
    return data;
  }

  /** Number of floats: H * W * C. */
  public int size() {
    return data.length;
  }

  /** A zero image of the same shape. */
  public FloatImage blank() {
    return zeros(height, width, channels);
  }

  /** A deep copy. */
  public FloatImage copy() {
    return new FloatImage(height, width, channels, data.clone());
  }

  /** Clips every value to [0, 1] in place (NaN becomes 0) and returns this image. */
  public FloatImage clip() {
    for (int i = 0; i < data.length; i++) {
      float v = data[i];
      data[i] = v >= 1f ? 1f : (v > 0f ? v : 0f);
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatImage f && f.height == height && f.width == width
        && f.channels == channels && Arrays.equals(f.data, data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(data) * 31 + height * 7 + width * 3 + channels;
  }

  @Override
  public String toString() {
    return "FloatImage[" + height + "x" + width + "x" + channels + "]";
  }
}
