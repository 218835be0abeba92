package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Tensor;

/**
 * The values of one (scale, zero point) input pair of a quantized op, validated: scales finite
 * and positive, zero points of an 8-bit type (int32 only where the op allows it). One value is
 * per tensor; more are per channel. Read once at load when both inputs are constant (an invalid
 * constant is then a load error naming the node), else on every run.
 */
final class QuantArg {
  final float[] scales;
  /** One per channel, or a single one when the channels' are all equal (see {@link #zeroPoint}). */
  final int[] zeroPoints;
  /** The zero point's type, or the op's default when the zero point is omitted. */
  final DType type;

  private QuantArg(float[] scales, int[] zeroPoints, DType type) {
    this.scales = scales;
    this.zeroPoints = zeroPoints;
    this.type = type;
  }

  /** Number of channels: 1 for per tensor. */
  int size() {
    return Math.max(scales.length, zeroPoints.length);
  }

  boolean perTensor() {
    return size() == 1;
  }

  float scale(int c) {
    return scales[scales.length == 1 ? 0 : c];
  }

  int zeroPoint(int c) {
    return zeroPoints[zeroPoints.length == 1 ? 0 : c];
  }

  boolean unsigned() {
    return type == DType.U8;
  }

  /** True when every zero point is {@code z}. */
  boolean allZeroPoints(int z) {
    for (int v : zeroPoints) {
      if (v != z) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads and checks a pair; {@code zp} may be null (zero of {@code defaultType}).
   *
   * @param where prefix for error messages, e.g. {@code node 'c' (QLinearConv): w_scale}
   */
  static QuantArg read(Tensor scale, Tensor zp, DType defaultType, boolean allowInt32, String where) {
    String zw = where.replace("_scale", "_zero_point");
    checkVectorLike(scale, where);
    if (scale.dtype() != DType.F32 && scale.dtype() != DType.F16) {
      throw new InvalidAttributeException(where + " must be float32 or float16, got " + scale.dtype());
    }
    int n = scale.size();
    if (n == 0) {
      throw new InvalidAttributeException(where + " is empty");
    }
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = (float) scale.getDouble(i);
      String p = QuantParams.scaleProblem(s[i]);
      if (p != null) {
        throw new InvalidAttributeException(where + (n > 1 ? "[" + i + "] " : " ") + p);
      }
    }
    DType t = defaultType;
    int[] z = new int[1];
    if (zp != null) {
      checkVectorLike(zp, zw);
      t = zp.dtype();
      if (t != DType.I8 && t != DType.U8 && !(allowInt32 && t == DType.I32)) {
        throw new InvalidAttributeException(zw + " must be int8 or uint8" + (allowInt32 ? " (or int32)" : "")
            + ", got " + t);
      }
      if (zp.size() != n && zp.size() != 1 && n != 1 || zp.size() == 0) {
        throw new InvalidAttributeException(zw + " has " + zp.size() + " values but the scale has " + n);
      }
      z = new int[zp.size()];
      for (int i = 0; i < z.length; i++) {
        z[i] = (int) zp.getLong(i);
      }
      if (z.length > 1 && n > 1 && allEqual(z)) {
        z = new int[] {z[0]}; // symmetric per-channel weights: one value, not 4 bytes per channel
      }
    }
    return new QuantArg(s, z, t);
  }

  private static boolean allEqual(int[] v) {
    for (int x : v) {
      if (x != v[0]) {
        return false;
      }
    }
    return true;
  }

  /** Scalars, 1-D tensors and shapes like [1, ..., 1, C] (per-column parameters of batched ops). */
  private static void checkVectorLike(Tensor t, String what) {
    for (int i = 0; i + 1 < t.rank(); i++) {
      if (t.dim(i) != 1) {
        throw new InvalidAttributeException(what + " must be a scalar or 1-D, got shape " + Arrays.toString(t.shape()));
      }
    }
  }

  /** Where an op finds one pair: constant (checked at load) or read from the inputs per run. */
  static final class Input {
    private final int scaleIndex;
    private final int zpIndex;
    private final DType defaultType;
    private final boolean allowInt32;
    private final String where;
    private final QuantArg constant;

    private Input(int scaleIndex, int zpIndex, DType defaultType, boolean allowInt32, String where,
        QuantArg constant) {
      this.scaleIndex = scaleIndex;
      this.zpIndex = zpIndex;
      this.defaultType = defaultType;
      this.allowInt32 = allowInt32;
      this.where = where;
      this.constant = constant;
    }

    /**
     * The pair at inputs {@code scaleIndex} and {@code zpIndex} (an omitted zero point means zero
     * of {@code defaultType}); {@code name} is the scale input's ONNX name, e.g. "x_scale".
     */
    static Input of(NodeContext ctx, int scaleIndex, int zpIndex, DType defaultType, boolean allowInt32,
        String name) {
      return of(ctx, scaleIndex, zpIndex, defaultType, allowInt32, name, -1);
    }

    /**
     * As {@link #of(NodeContext, int, int, DType, boolean, String)}; when the type of data input
     * {@code dataIndex} is known at load, a constant zero point of another type (or out of its
     * range) is a load error too.
     */
    static Input of(NodeContext ctx, int scaleIndex, int zpIndex, DType defaultType, boolean allowInt32,
        String name, int dataIndex) {
      if (!ctx.hasInput(scaleIndex)) {
        throw ctx.error("input " + name + " is required");
      }
      int zi = zpIndex >= 0 && zpIndex < ctx.inputCount() && ctx.hasInput(zpIndex) ? zpIndex : -1;
      String where = ctx.node().describe() + ": " + name;
      Tensor s = ctx.constant(scaleIndex);
      Tensor z = zi < 0 ? null : ctx.constant(zi);
      QuantArg c = null;
      if (s != null && (zi < 0 || z != null)) {
        c = read(s, z, defaultType, allowInt32, where); // throws InvalidAttributeException naming the node
      }
      org.quantlens.engine.graph.Value info = dataIndex < 0 ? null : ctx.inputInfo(dataIndex);
      if (z != null && info != null && info.dtype() != null && info.dtype() != z.dtype()) {
        DType d = info.dtype();
        String range = d == DType.I8 || d == DType.U8 ? " in [" + QuantParams.qmin(d) + ", " + QuantParams.qmax(d) + "]" : "";
        throw ctx.error(name.replace("_scale", "_zero_point").replace("scale", "zero point") + " is " + z.dtype()
            + " " + Arrays.toString(z.toLongs()) + " but its data '" + ctx.node().input(dataIndex) + "' is " + d
            + ": a zero point must have the data's type" + range);
      }
      return new Input(scaleIndex, zi, defaultType, allowInt32, where, c);
    }

    /** The constant pair, or null when it is computed at run time. */
    QuantArg constant() {
      return constant;
    }

    /**
     * For an op whose run reads the pair only through {@link #get}: when it is constant, the op
     * owns its parsed copy ({@link NodeContext#ownsCopyOf}) and the session may free the tensors.
     */
    void ownConstant(NodeContext ctx) {
      if (constant != null) {
        ctx.ownsCopyOf(scaleIndex);
        if (zpIndex >= 0) {
          ctx.ownsCopyOf(zpIndex);
        }
      }
    }

    /** Whether the zero point is given (else it is zero of the default type). */
    boolean hasZeroPoint() {
      return zpIndex >= 0;
    }

    QuantArg get(Tensor[] in) {
      return constant != null ? constant
          : read(in[scaleIndex], zpIndex < 0 ? null : in[zpIndex], defaultType, allowInt32, where);
    }

    String where() {
      return where;
    }
  }
}
