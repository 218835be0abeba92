package org.quantlens.engine.kernels;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;

/**
 * Spatial geometry of a quantized convolution over an N-D input (ONNX Conv rules): input, kernel,
 * strides, dilations, resolved begin/end padding ({@code pads} or {@code auto_pad}) and output
 * extent, one entry per spatial dimension.
 */
public final class QuantConvGeometry {
  public final int rank;
  public final int[] in;
  public final int[] kernel;
  public final int[] strides;
  public final int[] dilations;
  public final int[] padBegin;
  public final int[] padEnd;
  public final int[] out;
  public final int inSize;
  public final int outSize;
  public final int kernelSize;

  private QuantConvGeometry(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pb, int[] pe, int[] out) {
    this.rank = in.length;
    this.in = in;
    this.kernel = kernel;
    this.strides = strides;
    this.dilations = dilations;
    this.padBegin = pb;
    this.padEnd = pe;
    this.out = out;
    this.inSize = product(in);
    this.outSize = product(out);
    this.kernelSize = product(kernel);
  }

  /**
   * @param strides null for all 1
   * @param dilations null for all 1
   * @param pads null for all 0, else {@code [b_1..b_r, e_1..e_r]}; used when autoPad is NOTSET
   * @param autoPad "", NOTSET, VALID, SAME_UPPER or SAME_LOWER
   */
  public static QuantConvGeometry of(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pads,
      String autoPad) {
    return of(in, kernel, strides, dilations, pads, autoPad, false);
  }

  /**
   * Pooling variant: with {@code ceilMode} the output extent rounds up, but a last window that
   * would start past the input and the begin padding is dropped (ONNX and ONNX Runtime).
   */
  public static QuantConvGeometry of(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pads,
      String autoPad, boolean ceilMode) {
    int r = in.length;
    int[] s = strides == null ? ones(r) : strides;
    int[] d = dilations == null ? ones(r) : dilations;
    if (kernel.length != r || s.length != r || d.length != r) {
      throw new ShapeMismatchException("kernel_shape " + Arrays.toString(kernel) + ", strides "
          + Arrays.toString(s) + " and dilations " + Arrays.toString(d) + " must have " + r
          + " values for an input with " + r + " spatial dimensions");
    }
    String ap = autoPad == null || autoPad.isEmpty() ? "NOTSET" : autoPad;
    if (ap.equals("NOTSET") && pads != null && pads.length != 2 * r) {
      throw new ShapeMismatchException("pads " + Arrays.toString(pads) + " must have " + 2 * r + " values");
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
      switch (ap) {
        case "VALID":
          out[i] = in[i] >= span ? (in[i] - span) / s[i] + 1 : 0;
          break;
        case "SAME_UPPER":
        case "SAME_LOWER": {
          out[i] = (in[i] + s[i] - 1) / s[i];
          int total = Math.max(0, (out[i] - 1) * s[i] + span - in[i]);
          pb[i] = ap.equals("SAME_UPPER") ? total / 2 : total - total / 2;
          pe[i] = total - pb[i];
          break;
        }
        case "NOTSET": {
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
              out[i]--;
            }
          }
          break;
        }
        default:
          throw new ShapeMismatchException("auto_pad '" + autoPad
              + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
      }
    }
    return new QuantConvGeometry(in.clone(), kernel.clone(), s.clone(), d.clone(), pb, pe, out);
  }

  /** Extent of the padded input along dimension {@code i}. */
  public int padded(int i) {
    return in[i] + padBegin[i] + padEnd[i];
  }

  private static int[] ones(int r) {
    int[] o = new int[r];
    Arrays.fill(o, 1);
    return o;
  }

  private static int product(int[] v) {
    int p = 1;
    for (int x : v) {
      p *= x;
    }
    return p;
  }
}
