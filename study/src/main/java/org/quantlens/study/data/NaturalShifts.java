package org.quantlens.study.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The natural-shift test sets of the study (SHIFTS.md section 3), each turned into the layout of
 * the model it tests: CIFAR-10.1 and CIFAR-10.2 as 32x32 RGB with CIFAR-10's classes; USPS and
 * SVHN as 28x28 gray digits for MNIST models.
 */
public final class NaturalShifts {
  private NaturalShifts() {}

  /**
   * CIFAR-10.1 (v6: 2000 images) from its folder holding {@code cifar10.1_v6_data.npy} (uint8
   * [N,32,32,3]) and {@code cifar10.1_v6_labels.npy} (int [N]).
   */
  public static ImageDataset cifar101(Path dir) {
    return cifar101(dir.resolve("cifar10.1_v6_data.npy"), dir.resolve("cifar10.1_v6_labels.npy"));
  }

  /** CIFAR-10.1 from its two files (any version). */
  public static ImageDataset cifar101(Path data, Path labels) {
    ImageDataset d = NumpyImages.fromNpy("cifar10.1", data, labels, Cifar.CIFAR10_CLASSES);
    requireShape(d, 32, 32, 3, data);
    return d;
  }

  /** CIFAR-10.2 from {@code cifar102_test.npz} (or the train file): arrays {@code images}, {@code labels}. */
  public static ImageDataset cifar102(Path npz) {
    ImageDataset d = NumpyImages.fromNpz("cifar10.2", npz, "images", "labels", Cifar.CIFAR10_CLASSES);
    requireShape(d, 32, 32, 3, npz);
    return d;
  }

  /** USPS resized to 28x28, as {@link #usps(Path, int)} with size 28. */
  public static ImageDataset usps(Path file) {
    return usps(file, 28);
  }

  /**
   * USPS from its LIBSVM file ({@code usps}, {@code usps.t}, bzip2-compressed or plain). Each line
   * is {@code label index:value ..} with labels 1..10 (digit = label - 1) and 256 pixel values in
   * [-1, 1] at 1-based indices (row by row, 16x16; a missing index is value 0). A value becomes
   * {@code (int) ((v + 1) / 2 * 255)} in float arithmetic (truncated, as torchvision does), then
   * the 16x16 image is resized to {@code size} x {@code size} with {@link Resample} bilinear
   * interpolation (pixel-centre aligned, edge clamped) and rounded; {@code size} 16 keeps it as is.
   */
  public static ImageDataset usps(Path file, int size) {
    List<byte[]> images = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(Compression.open(file),
        StandardCharsets.US_ASCII))) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        String s = line.strip();
        if (s.isEmpty()) {
          continue;
        }
        String[] tok = s.split("\\s+");
        int label;
        try {
          label = (int) Double.parseDouble(tok[0]);
        } catch (NumberFormatException e) {
          throw new DataLoadException(file + ":" + no + ": label '" + tok[0] + "' is not a number");
        }
        if (label < 1 || label > 10) {
          throw new DataLoadException(file + ":" + no + ": label " + tok[0] + ", expected 1..10");
        }
        float[] px = new float[256];
        for (int t = 1; t < tok.length; t++) {
          int colon = tok[t].indexOf(':');
          int idx;
          float v;
          try {
            idx = Integer.parseInt(tok[t].substring(0, colon));
            v = Float.parseFloat(tok[t].substring(colon + 1));
          } catch (RuntimeException e) {
            throw new DataLoadException(file + ":" + no + ": '" + tok[t] + "' is not index:value");
          }
          if (idx < 1 || idx > 256) {
            throw new DataLoadException(file + ":" + no + ": index " + idx + ", expected 1..256 (16x16)");
          }
          if (!(v >= -1 && v <= 1)) {
            throw new DataLoadException(file + ":" + no + ": value " + v + " at index " + idx
                + ", expected [-1, 1]");
          }
          px[idx - 1] = v;
        }
        float[] g = new float[256];
        for (int i = 0; i < 256; i++) {
          g[i] = (int) ((px[i] + 1f) / 2f * 255f);
        }
        images.add(resize(g, 16, 16, size));
        labels.add((long) (label - 1));
      }
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read USPS: " + e.getMessage()
          + (Compression.kindOf(file) == Compression.Kind.BZIP2
              ? " (if this bzip2 file cannot be read, decompress it with bunzip2 and pass the plain file)"
              : ""), e);
    }
    if (images.isEmpty()) {
      throw new DataLoadException(file + ": no USPS records (expected lines 'label index:value ...')");
    }
    return build("usps", images, labels, size, Idx.MNIST_CLASSES);
  }

  /** SVHN as 28x28 gray digits, as {@link #svhn(Path, int)} with size 28. */
  public static ImageDataset svhn(Path mat) {
    return svhn(mat, 28);
  }

  /**
   * SVHN from {@code train_32x32.mat}, {@code test_32x32.mat} or {@code extra_32x32.mat}: {@code X}
   * uint8 (32, 32, 3, N), {@code y} (N, 1) with 10 meaning digit 0. Each image becomes gray
   * (0.299 R + 0.587 G + 0.114 B, kept as a float) resized bilinearly ({@link Resample}) to
   * {@code size} x {@code size} and rounded; {@code size} 32 skips the resize.
   */
  public static ImageDataset svhn(Path mat, int size) {
    Tensor x = MatV5.read(mat, "X");
    Tensor y = MatV5.read(mat, "y");
    int[] s = x.shape();
    if (x.dtype() != DType.U8 || s.length != 4 || s[0] != 32 || s[1] != 32 || s[2] != 3) {
      throw new DataLoadException(mat + ": X is " + x.dtype() + " " + Arrays.toString(s)
          + ", expected uint8 (32, 32, 3, N)");
    }
    int n = s[3];
    if (y.size() != n) {
      throw new DataLoadException(mat + ": y has " + y.size() + " labels, expected " + n + " (one per image in X)");
    }
    byte[] px = x.bytes();
    List<byte[]> images = new ArrayList<>(n);
    List<Long> labels = new ArrayList<>(n);
    float[] g = new float[32 * 32];
    for (int i = 0; i < n; i++) {
      double lab = y.getDouble(i);
      if (lab != Math.rint(lab) || lab < 1 || lab > 10) {
        throw new DataLoadException(mat + ": y(" + (i + 1) + ") = " + lab + ", expected 1..10");
      }
      labels.add(lab == 10 ? 0L : (long) lab);
      for (int p = 0; p < 1024; p++) {
        // X is (row, col, channel, image) in row-major order after MatV5's reordering
        int r = px[(p * 3) * n + i] & 0xff;
        int gr = px[(p * 3 + 1) * n + i] & 0xff;
        int b = px[(p * 3 + 2) * n + i] & 0xff;
        g[p] = 0.299f * r + 0.587f * gr + 0.114f * b;
      }
      images.add(resize(g, 32, 32, size));
    }
    return build("svhn", images, labels, size, Idx.MNIST_CLASSES);
  }

  private static byte[] resize(float[] g, int h, int w, int size) {
    float[] r = size == h && size == w ? g : Resample.bilinear(g, h, w, size, size);
    byte[] out = new byte[size * size];
    for (int i = 0; i < out.length; i++) {
      out[i] = Resample.toByte(r[i]);
    }
    return out;
  }

  private static ImageDataset build(String name, List<byte[]> images, List<Long> labels, int size,
      List<String> classes) {
    int n = images.size();
    int per = size * size;
    byte[] px = new byte[n * per];
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(images.get(i), 0, px, i * per, per);
      l[i] = labels.get(i);
    }
    return new ImageDataset(name, Tensor.wrap(DType.U8, px, n, size, size, 1), Tensor.of(l, n), classes);
  }

  private static void requireShape(ImageDataset d, int h, int w, int c, Path file) {
    if (d.height() != h || d.width() != w || d.channels() != c) {
      throw new DataLoadException(file + ": images are " + d.height() + "x" + d.width() + "x"
          + d.channels() + ", expected " + h + "x" + w + "x" + c);
    }
  }
}
