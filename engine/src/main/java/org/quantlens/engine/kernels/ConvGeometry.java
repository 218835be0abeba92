package org.quantlens.engine.kernels;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;

/**
 * The spatial geometry of a sliding-window op (Conv, MaxPool, AveragePool) over an N-D input:
 * input, kernel, strides, dilations, resolved begin/end padding and the output extent, one entry
 * per spatial dimension. Padding follows ONNX: explicit {@code pads} ({@code [b_1..b_r, e_1..e_r]})
 * or {@code auto_pad}; with {@code ceil_mode} the last window may run past the padded edge, but a
 * window that would start in the end padding is dropped (as ONNX Runtime and PyTorch do).
 */
public final class ConvGeometry {
  /** ONNX {@code auto_pad} values. */
  public enum AutoPad {
    NOTSET, SAME_UPPER, SAME_LOWER, VALID;

    /** Parses an ONNX auto_pad string; throws IllegalArgumentException for unknown values. */
    public static AutoPad parse(String s) {
      switch (s) {
        case "": case "NOTSET": return NOTSET;
        case "SAME_UPPER": return SAME_UPPER;
        case "SAME_LOWER": return SAME_LOWER;
        case "VALID": return VALID;
        default:
          throw new IllegalArgumentException("auto_pad '" + s
              + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
      }
    }
  }

  /** Number of spatial dimensions. */
  public final int rank;
  public final int[] in;
  public final int[] kernel;
  public final int[] strides;
  public final int[] dilations;
  public final int[] padBegin;
  public final int[] padEnd;
  public final int[] out;
  /** Products of {@link #in}, {@link #out} and {@link #kernel}. */
  public final int inSize;
  public final int outSize;
  public final int kernelSize;

  private ConvGeometry(int[] in, int[] kernel, int[] strides, int[] dilations, int[] padBegin,
      int[] padEnd, int[] out) {
    this.rank = in.length;
    this.in = in;
    this.kernel = kernel;
    this.strides = strides;
    this.dilations = dilations;
    this.padBegin = padBegin;
    this.padEnd = padEnd;
    this.out = out;
    this.inSize = product(in);
    this.outSize = product(out);
    this.kernelSize = product(kernel);
  }

  /**
   * Resolves the geometry.
   *
   * @param in spatial input extent
   * @param kernel kernel extent (same length)
   * @param strides null for all 1
   * @param dilations null for all 1
   * @param pads null for all 0, else {@code 2 * rank} values; ignored unless autoPad is NOTSET
   * @throws ShapeMismatchException if a window does not fit or lengths disagree
   */
  public static ConvGeometry of(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pads,
      AutoPad autoPad, boolean ceilMode) {
    int r = in.length;
    int[] s = orOnes(strides, r, "strides");
    int[] d = orOnes(dilations, r, "dilations");
    if (kernel.length != r) {
      throw new ShapeMismatchException("kernel_shape " + Arrays.toString(kernel) + " has "
          + kernel.length + " dimensions, the input has " + r + " spatial dimensions");
    }
    if (pads != null && pads.length != 2 * r && autoPad == AutoPad.NOTSET) {
      throw new ShapeMismatchException("pads " + Arrays.toString(pads) + " must have " + 2 * r
          + " values for " + r + " spatial dimensions");
    }
    int[] pb = new int[r];
    int[] pe = new int[r];
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      if (kernel[i] < 1 || s[i] < 1 || d[i] < 1) {
        throw new ShapeMismatchException("kernel_shape, strides and dilations must be positive, got "
            + Arrays.toString(kernel) + ", " + Arrays.toString(s) + ", " + Arrays.toString(d));
      }
      int span = (kernel[i] - 1) * d[i] + 1;
      switch (autoPad) {
        case VALID:
          out[i] = in[i] >= span ? (in[i] - span) / s[i] + 1 : 0;
          break;
        case SAME_UPPER:
        case SAME_LOWER: {
          out[i] = (in[i] + s[i] - 1) / s[i];
          int total = Math.max(0, (out[i] - 1) * s[i] + span - in[i]);
          int small = total / 2;
          pb[i] = autoPad == AutoPad.SAME_UPPER ? small : total - small;
          pe[i] = total - pb[i];
          break;
        }
        default: {
          if (pads != null) {
            pb[i] = pads[i];
            pe[i] = pads[i + r];
            if (pb[i] < 0 || pe[i] < 0) {
              throw new ShapeMismatchException("pads must not be negative, got " + Arrays.toString(pads));
            }
          }
          long room = (long) in[i] + pb[i] + pe[i] - span;
          if (room < 0) {
            out[i] = 0;
          } else if (!ceilMode) {
            out[i] = (int) (room / s[i]) + 1;
          } else {
            out[i] = (int) ((room + s[i] - 1) / s[i]) + 1;
            if ((long) (out[i] - 1) * s[i] >= (long) in[i] + pb[i]) {
              out[i]--; // that window would start in the end padding
            }
          }
        }
      }
      if (out[i] < 1) {
        throw new ShapeMismatchException("spatial input " + Arrays.toString(in) + " is too small for kernel "
            + Arrays.toString(kernel) + " with dilations " + Arrays.toString(d) + " and pads "
            + Arrays.toString(pads) + ": output dimension " + i + " would be empty");
      }
    }
    return new ConvGeometry(in.clone(), kernel.clone(), s, d, pb, pe, out);
  }

  /** Extent of the padded input along dimension {@code i}. */
  public int padded(int i) {
    return in[i] + padBegin[i] + padEnd[i];
  }

  /** Extent of the dilated kernel along dimension {@code i}. */
  public int span(int i) {
    return (kernel[i] - 1) * dilations[i] + 1;
  }

  /** True when every pad is zero. */
  public boolean unpadded() {
    for (int i = 0; i < rank; i++) {
      if (padBegin[i] != 0 || padEnd[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** True when the op is a pointwise (1x1, stride 1, unpadded) map: output position = input position. */
  public boolean pointwise() {
    for (int i = 0; i < rank; i++) {
      if (kernel[i] != 1 || strides[i] != 1 || padBegin[i] != 0 || padEnd[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * For each output position along dimension {@code dim}, how many kernel taps fall inside
   * {@code [lo, hi)} of the input (coordinates before padding). With {@code lo = 0, hi = in} this
   * counts real elements; with {@code lo = -padBegin, hi = in + padEnd} it counts the padded region.
   */
  public int[] tapsInside(int dim, int lo, int hi) {
    int[] c = new int[out[dim]];
    for (int o = 0; o < c.length; o++) {
      int start = o * strides[dim] - padBegin[dim];
      int n = 0;
      for (int k = 0; k < kernel[dim]; k++) {
        int p = start + k * dilations[dim];
        if (p >= lo && p < hi) {
          n++;
        }
      }
      c[o] = n;
    }
    return c;
  }

  private static int[] orOnes(int[] v, int r, String what) {
    if (v == null) {
      int[] ones = new int[r];
      Arrays.fill(ones, 1);
      return ones;
    }
    if (v.length != r) {
      throw new ShapeMismatchException(what + " " + Arrays.toString(v) + " must have " + r
          + " values, one per spatial dimension");
    }
    return v.clone();
  }

  private static int product(int[] v) {
    long p = 1;
    for (int x : v) {
      p *= x;
    }
    if (p > Integer.MAX_VALUE) {
      throw new ShapeMismatchException("spatial size " + Arrays.toString(v) + " is too large");
    }
    return (int) p;
  }

  @Override
  public String toString() {
    return "in" + Arrays.toString(in) + " k" + Arrays.toString(kernel) + " s" + Arrays.toString(strides)
        + " d" + Arrays.toString(dilations) + " pads" + Arrays.toString(padBegin)
        + Arrays.toString(padEnd) + " -> out" + Arrays.toString(out);
  }
}
