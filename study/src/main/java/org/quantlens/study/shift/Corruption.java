package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * A synthetic image corruption with five severities (1 mildest .. 5 strongest), applied to one
 * image at a time. Implementations are immutable and thread-safe: all randomness comes from the
 * per-image random source handed to {@link #apply}, so the same source state gives the same
 * output on any thread. Corruptions work on gray (C = 1) and RGB (C = 3) images of any size.
 */
public abstract class Corruption {
  /** The mildest severity. */
  public static final int MIN_SEVERITY = 1;
  /** The strongest severity. */
  public static final int MAX_SEVERITY = 5;

  private final String name;

  protected Corruption(String name) {
    this.name = name;
  }

  /** The namespaced name, e.g. {@code mnist-c/fog} or {@code cifar10-c/fog}. */
  public final String name() {
    return name;
  }

  /** One line: what the corruption does and its parameter at each severity. */
  public abstract String describe();

  /** Whether {@link #apply} draws from its random source (false: a pure function of the image). */
  public abstract boolean isRandom();

  /**
   * Corrupts one image.
   *
   * @param image float HWC in [0, 1]; not modified
   * @param severity 1..5
   * @param rng this image's random source (advanced by random corruptions)
   * @return a new image of the same shape with values in [0, 1]
   * @throws UnknownShiftException if the severity is outside 1..5
   */
  public final FloatImage apply(FloatImage image, int severity, SplittableRandom rng) {
    if (severity < MIN_SEVERITY || severity > MAX_SEVERITY) {
      throw UnknownShiftException.badSeverity(name, severity);
    }
    FloatImage out = corrupt(image, severity, rng);
    return out.clip();
  }

  /** The corruption itself; {@code severity} is already checked. May return values outside [0,1]. */
  protected abstract FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng);

  @Override
  public String toString() {
    return name;
  }

  /** Formats a per-severity parameter list for {@link #describe()}. */
  static String levels(double... values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      double v = values[i];
      sb.append(v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v));
    }
    return sb.append(']').toString();
  }
}
