package org.quantlens.study.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Image datasets stored as NumPy arrays ({@code .npy} pairs or one {@code .npz}).
 *
 * <p>Accepted images, channels last only: rank 3 [N, H, W] (becomes C = 1) or rank 4
 * [N, H, W, C] with C in 1..4, of
 * <ul>
 *   <li>any integer dtype with every value in [0, 255] (uint8 is used as is);
 *   <li>float16/32/64: if the largest value is at most 1 the array is taken as [0, 1] and scaled
 *       by 255, otherwise as [0, 255]; values are rounded to the nearest integer. A value below 0,
 *       above 255 or NaN is an error.
 * </ul>
 * Labels: any integer dtype (bool excluded), shape [N] or [N, 1], values in [0, classes).
 */
public final class NumpyImages {
  private NumpyImages() {}

  /** Images and labels from two {@code .npy} files. */
  public static ImageDataset fromNpy(String name, Path images, Path labels, List<String> classes) {
    return fromArrays(name, Npy.read(images), images.toString(), Npy.read(labels), labels.toString(), classes);
  }

  /** Images and labels from two arrays of one {@code .npz} archive. */
  public static ImageDataset fromNpz(String name, Path npz, String imagesKey, String labelsKey,
      List<String> classes) {
    try (Npz z = Npz.open(npz)) {
      return fromArrays(name, z.get(imagesKey), npz + "[" + imagesKey + "]", z.get(labelsKey),
          npz + "[" + labelsKey + "]", classes);
    }
  }

  /**
   * Checks and converts arrays read from files named {@code imagesSource} and
   * {@code labelsSource}; {@code classes} null means "0", "1", .. up to the largest label.
   */
  public static ImageDataset fromArrays(String name, Tensor images, String imagesSource, Tensor labels,
      String labelsSource, List<String> classes) {
    Tensor x = toImages(images, imagesSource);
    Tensor y = toLabels(labels, labelsSource);
    if (y.dim(0) != x.dim(0)) {
      throw new DataLoadException(labelsSource + ": " + y.dim(0) + " labels, but " + imagesSource
          + " holds " + x.dim(0) + " images; expected one label per image");
    }
    List<String> cls = classes;
    if (cls == null) {
      long max = -1;
      for (long l : y.longs()) {
        max = Math.max(max, l);
      }
      cls = new ArrayList<>();
      for (int i = 0; i <= max; i++) {
        cls.add(Integer.toString(i));
      }
    }
    return Idx.combine(name, x, imagesSource, y, labelsSource, cls);
  }

  /** U8 [N, H, W, C] from an accepted image array (see the class comment). */
  public static Tensor toImages(Tensor t, String source) {
    int[] s = t.shape();
    int[] shape;
    if (s.length == 3) {
      shape = new int[] {s[0], s[1], s[2], 1};
    } else if (s.length == 4 && s[3] >= 1 && s[3] <= 4) {
      shape = s.clone();
    } else {
      throw new DataLoadException(source + ": images of shape " + Arrays.toString(s)
          + "; expected [N,H,W] or [N,H,W,C] with C in 1..4 (channels last)");
    }
    int n = t.size();
    byte[] px = new byte[n];
    switch (t.dtype()) {
      case U8:
        System.arraycopy(t.bytes(), 0, px, 0, n);
        break;
      case F16: case F32: case F64: {
        double max = 0;
        for (int i = 0; i < n; i++) {
          double v = t.getDouble(i);
          if (!(v >= 0 && v <= 255)) {
            throw new DataLoadException(source + ": pixel value " + v + " at flat index " + i
                + "; expected floats in [0, 1] or [0, 255]");
          }
          max = Math.max(max, v);
        }
        double scale = max <= 1 ? 255 : 1;
        for (int i = 0; i < n; i++) {
          px[i] = (byte) Math.round(t.getDouble(i) * scale);
        }
        break;
      }
      case I8: case I16: case U16: case I32: case U32: case I64: case U64:
        for (int i = 0; i < n; i++) {
          long v = t.getLong(i);
          if (v < 0 || v > 255) {
            throw new DataLoadException(source + ": pixel value " + v + " at flat index " + i
                + "; expected integers in [0, 255]");
          }
          px[i] = (byte) v;
        }
        break;
      default:
        throw new DataLoadException(source + ": unsupported image dtype " + t.dtype()
            + "; expected uint8, another integer type, or float16/32/64");
    }
    return Tensor.wrap(DType.U8, px, shape);
  }

  /** I64 [N] from an integer label array of shape [N] or [N, 1]. */
  public static Tensor toLabels(Tensor t, String source) {
    int[] s = t.shape();
    if (!(s.length == 1 || (s.length == 2 && s[1] == 1))) {
      throw new DataLoadException(source + ": labels of shape " + Arrays.toString(s)
          + "; expected [N] or [N,1]");
    }
    switch (t.dtype()) {
      case I8: case U8: case I16: case U16: case I32: case U32: case I64: case U64:
        break;
      default:
        throw new DataLoadException(source + ": unsupported label dtype " + t.dtype()
            + "; expected an integer type");
    }
    int n = s[0];
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      l[i] = t.getLong(i);
      if (l[i] < 0) {
        throw new DataLoadException(source + ": negative label " + l[i] + " at index " + i);
      }
    }
    return Tensor.of(l, n);
  }
}
