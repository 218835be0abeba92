package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import org.quantlens.engine.tensor.DType;

/**
 * Shape rules of the sliding-window ops: Conv (float and quantized), ConvTranspose, pooling.
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class ConvPoolShapes {
  private ConvPoolShapes() {}

  /** One spatial output size; -1 when the input size is unknown. */
  private static int windowOut(int in, int k, int stride, int dil, int pb, int pe, String autoPad, boolean ceil) {
    if (in < 0 || k < 0) {
      return -1;
    }
    int ek = (k - 1) * dil + 1;
    switch (autoPad) {
      case "SAME_UPPER": case "SAME_LOWER":
        return (in + stride - 1) / stride;
      case "VALID":
        return in < ek ? -1 : (in - ek) / stride + 1;
      default: {
        int span = in + pb + pe - ek;
        if (span < 0) {
          return -1;
        }
        if (!ceil) {
          return span / stride + 1;
        }
        int out = (span + stride - 1) / stride + 1;
        // Kernels disagree whether a last window starting in the end padding counts; stay unknown.
        return (out - 1) * stride >= in + pb ? -1 : out;
      }
    }
  }

  private static int[] spatial(ShapeInference si, Node n, int[] x, int[] kernel, boolean ceil) {
    int nsp = x.length - 2;
    long[] strides = attrLongs(n, "strides");
    long[] dil = attrLongs(n, "dilations");
    long[] pads = attrLongs(n, "pads");
    String autoPad = attrString(n, "auto_pad", "NOTSET");
    int[] out = new int[nsp];
    for (int i = 0; i < nsp; i++) {
      out[i] = windowOut(x[i + 2], kernel[i], strides == null ? 1 : (int) strides[i],
          dil == null ? 1 : (int) dil[i], pads == null ? 0 : (int) pads[i],
          pads == null ? 0 : (int) pads[i + nsp], autoPad, ceil);
    }
    return out;
  }

  static Info[] conv(ShapeInference si, Node n) {
    boolean q = n.opType().equals("QLinearConv");
    int[] x = si.shape(n, 0);
    int[] w = si.shape(n, q ? 3 : 1);
    DType t = n.opType().equals("ConvInteger") ? DType.I32 : q ? si.type(n, 7) : si.type(n, 0);
    if (x == null) {
      return one(t, null);
    }
    long[] ks = attrLongs(n, "kernel_shape");
    int[] kernel = new int[x.length - 2];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = ks != null ? (int) ks[i] : w != null ? w[i + 2] : -1;
    }
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = w == null ? -1 : w[0];
    System.arraycopy(spatial(si, n, x, kernel, false), 0, out, 2, kernel.length);
    return one(t, out);
  }

  static Info[] convTranspose(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    int[] w = si.shape(n, 1);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    int nsp = x.length - 2;
    long group = attrLong(n, "group", 1);
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = w == null || w[1] < 0 ? -1 : (int) (w[1] * group);
    long[] outShape = attrLongs(n, "output_shape");
    long[] ks = attrLongs(n, "kernel_shape");
    long[] strides = attrLongs(n, "strides");
    long[] dil = attrLongs(n, "dilations");
    long[] pads = attrLongs(n, "pads");
    long[] opad = attrLongs(n, "output_padding");
    String autoPad = attrString(n, "auto_pad", "NOTSET");
    for (int i = 0; i < nsp; i++) {
      int s = strides == null ? 1 : (int) strides[i];
      int k = ks != null ? (int) ks[i] : w != null ? w[i + 2] : -1;
      if (outShape != null) {
        out[i + 2] = (int) outShape[outShape.length - nsp + i];
      } else if (x[i + 2] < 0 || k < 0) {
        out[i + 2] = -1;
      } else if (autoPad.startsWith("SAME")) {
        out[i + 2] = x[i + 2] * s;
      } else {
        int d = dil == null ? 1 : (int) dil[i];
        int p = pads == null || autoPad.equals("VALID") ? 0 : (int) (pads[i] + pads[i + nsp]);
        out[i + 2] = s * (x[i + 2] - 1) + (opad == null ? 0 : (int) opad[i]) + (k - 1) * d + 1 - p;
      }
    }
    return one(si.type(n, 0), out);
  }

  static Info[] pool(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] ks = attrLongs(n, "kernel_shape");
    if (x == null || ks == null || ks.length != x.length - 2) {
      return new Info[] {new Info(si.type(n, 0), null), new Info(DType.I64, null)};
    }
    int[] kernel = new int[ks.length];
    for (int i = 0; i < ks.length; i++) {
      kernel[i] = (int) ks[i];
    }
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = x[1];
    boolean ceil = attrLong(n, "ceil_mode", 0) != 0;
    System.arraycopy(spatial(si, n, x, kernel, ceil), 0, out, 2, kernel.length);
    return new Info[] {new Info(si.type(n, 0), out), new Info(DType.I64, out)};
  }

  static Info[] globalPool(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    int[] out = x.clone();
    for (int i = 2; i < out.length; i++) {
      out[i] = 1;
    }
    return one(si.type(n, 0), out);
  }
}
