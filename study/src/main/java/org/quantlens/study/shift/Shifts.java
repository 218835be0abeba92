package org.quantlens.study.shift;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.ImageDataset;

/**
 * The synthetic image shifts by name: {@code identity}, the 15 MNIST-C corruptions
 * ({@code mnist-c/<name>}) and the 19 CIFAR-10-C corruptions ({@code cifar10-c/<name>}), each
 * with severities 1..5 (see SHIFTS.md and each class's Javadoc for parameters).
 *
 * <p>{@link #apply} is deterministic for a seed and independent of the thread count: image
 * {@code i} gets its own random source seeded from (seed, name, severity, i).
 */
public final class Shifts {
  private static final Map<String, Corruption> ALL = build();
  /** k / 255f for every byte value. */
  private static final float[] UNIT = new float[256];

  static {
    for (int k = 0; k < 256; k++) {
      UNIT[k] = k / 255f;
    }
  }

  private Shifts() {}

  private static Map<String, Corruption> build() {
    List<Corruption> list = List.of(
        new Identity(),
        // MNIST-C, in the order of its CORRUPTIONS list
        ShotNoise.mnistC(), ImpulseNoise.mnistC(), GlassBlur.mnistC(), MotionBlur.mnistC(),
        new Shear(), new Scale(), new Rotate(), Brightness.mnistC(), new Translate(), new Stripe(),
        Fog.mnistC(), Spatter.mnistC(), new DottedLine(), new Zigzag(), new CannyEdges(),
        // CIFAR-10-C: the 15 benchmark corruptions, then the 4 extras
        GaussianNoise.cifar10C(), ShotNoise.cifar10C(), ImpulseNoise.cifar10C(),
        DefocusBlur.cifar10C(), GlassBlur.cifar10C(), MotionBlur.cifar10C(), ZoomBlur.cifar10C(),
        Snow.cifar10C(), Frost.cifar10C(), Fog.cifar10C(), Brightness.cifar10C(),
        Contrast.cifar10C(), ElasticTransform.cifar10C(), Pixelate.cifar10C(),
        JpegCompression.cifar10C(), SpeckleNoise.cifar10C(), GaussianBlur.cifar10C(),
        Spatter.cifar10C(), Saturate.cifar10C());
    Map<String, Corruption> map = new LinkedHashMap<>();
    for (Corruption c : list) {
      if (map.put(c.name(), c) != null) {
        throw new AssertionError("duplicate shift " + c.name());
      }
    }
    return Collections.unmodifiableMap(map);
  }

  /** Every valid image shift name, {@code identity} first, then MNIST-C, then CIFAR-10-C. */
  public static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  /** The names of one suite, e.g. {@code suite("mnist-c")} -> the 15 {@code mnist-c/...} names. */
  public static List<String> suite(String suite) {
    List<String> out = new ArrayList<>();
    for (String n : ALL.keySet()) {
      if (n.startsWith(suite + "/")) {
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      throw new UnknownShiftException("unknown shift suite '" + suite
          + "'; valid suites: mnist-c, cifar10-c");
    }
    return out;
  }

  /** The corruption called {@code name}. */
  public static Corruption corruption(String name) {
    Corruption c = ALL.get(name);
    if (c == null) {
      throw UnknownShiftException.unknownName(name, ALL.keySet());
    }
    return c;
  }

  /** One line about the shift: what it does, its parameters per severity. */
  public static String describe(String name) {
    return corruption(name).describe();
  }

  /** Checks a name and a severity, throwing {@link UnknownShiftException} if either is invalid. */
  public static void check(String name, int severity) {
    corruption(name);
    if (severity < Corruption.MIN_SEVERITY || severity > Corruption.MAX_SEVERITY) {
      throw UnknownShiftException.badSeverity(name, severity);
    }
  }

  /**
   * The dataset with every image corrupted, named e.g. {@code fashion-mnist/test+mnist-c/fog-3}
   * ({@code ...+identity} for the identity). Pixels go to [0, 1] as {@code x / 255} and back as
   * numpy's {@code uint8(clip(x) * 255)}, which truncates; 1e-3 of a level is added before
   * truncating so that exact results such as {@code 1 - k/255} land on their integer despite
   * float32 rounding. Runs on the common fork-join pool.
   */
  public static ImageDataset apply(ImageDataset dataset, String name, int severity, long seed) {
    return apply(dataset, name, severity, seed, 0);
  }

  /** As {@link #apply(ImageDataset, String, int, long)} on {@code parallelism} threads (0: default). */
  public static ImageDataset apply(ImageDataset dataset, String name, int severity, long seed,
      int parallelism) {
    check(name, severity);
    Corruption c = corruption(name);
    int n = dataset.size();
    int h = dataset.height();
    int w = dataset.width();
    int ch = dataset.channels();
    if (ch != 1 && ch != 3) {
      throw new QuantLensException(dataset.name() + ": shifts need 1 or 3 channels, got " + ch);
    }
    int per = h * w * ch;
    byte[] src = dataset.images().bytes();
    byte[] dst = new byte[n * per];
    IntStream work = IntStream.range(0, n).parallel();
    Runnable job = () -> work.forEach(i -> one(c, src, dst, i, h, w, ch, severity, seed));
    if (parallelism <= 0) {
      job.run();
    } else {
      ForkJoinPool pool = new ForkJoinPool(parallelism);
      try {
        pool.submit(job).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QuantLensException("interrupted while applying " + name, e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new QuantLensException("applying " + name + " failed: " + cause, cause);
      } finally {
        pool.shutdown();
      }
    }
    String suffix = name.equals("identity") ? name : name + "-" + severity;
    return dataset.withImages(dataset.name() + "+" + suffix,
        Tensor.wrap(DType.U8, dst, n, h, w, ch));
  }

  private static void one(Corruption c, byte[] src, byte[] dst, int i, int h, int w, int ch,
      int severity, long seed) {
    int per = h * w * ch;
    int off = i * per;
    float[] img = new float[per];
    for (int j = 0; j < per; j++) {
      img[j] = UNIT[src[off + j] & 0xff];
    }
    FloatImage out = c.apply(new FloatImage(h, w, ch, img), severity,
        Rng.forItem(seed, c.name(), severity, i));
    float[] d = out.data();
    for (int j = 0; j < per; j++) {
      dst[off + j] = toU8(d[j]);
    }
  }

  /** {@code uint8(clip(v) * 255)} by truncation, forgiving float32 rounding below an integer. */
  static byte toU8(float v) {
    float x = v >= 1f ? 1f : (v > 0f ? v : 0f);
    return (byte) (int) (x * 255f + 1e-3f);
  }

  /**
   * Corrupts one float image as {@link #apply} would corrupt image {@code index} of a dataset
   * (same random source), without the uint8 round trip.
   */
  public static FloatImage applyOne(String name, FloatImage image, int severity, long seed,
      long index) {
    check(name, severity);
    return corruption(name).apply(image, severity, Rng.forItem(seed, name, severity, index));
  }

  /**
   * Writes a PNG with one row per shift and one column per severity (plus the clean images), each
   * cell showing the first {@code samples} images; seed 0. See {@link ShiftGrid}.
   */
  public static void grid(ImageDataset dataset, List<String> names, int samples, Path png) {
    ShiftGrid.write(dataset, names, samples, 0L, png);
  }

  /** As {@link #grid(ImageDataset, List, int, Path)} with a seed. */
  public static void grid(ImageDataset dataset, List<String> names, int samples, long seed,
      Path png) {
    ShiftGrid.write(dataset, names, samples, seed, png);
  }
}
