package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.QuantIm2col;
import org.quantlens.engine.kernels.QuantScratch;
import org.quantlens.engine.kernels.QuantWinograd;
import org.quantlens.engine.kernels.Requantize;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Tensor;

/**
 * QLinearConv-10 and ConvInteger-10 (N-D, groups, depthwise, pads, strides, dilations, auto_pad,
 * per-output-channel weight scales and zero points, int32 bias). Per group the convolution is the
 * int8 GEMM {@code Y[co][pixel] = W[co][:] . Xcol[:][pixel]} with the weights (int8 bytes, with row
 * sums) as the broadcast operand, packed once at load, and im2col tiles of the zero-point-padded
 * input as the vector operand. Zero points are applied from sums:
 * {@code Y = S - zx * rowW_co - zw_co * colX_p + K zw_co zx}; the per-channel part is folded into
 * the bias. QLinearConv requantizes like ONNX Runtime with {@code x_scale * w_scale[co] / y_scale}
 * in float32, and honours a fused Relu/Clip as a clamp in the quantized domain. 3x3 stride-1
 * layers with constant symmetric weights run Winograd's F(2x2, 3x3) instead ({@link
 * QuantWinograd}: the same accumulators exactly, 4 multiply-adds per output and input channel
 * where the GEMM spends 9).
 */
final class QuantConvOps {
  /** Target floats per im2col tile: fits L2 with room for the weights. */
  private static final int TILE_FLOATS = 24 * 1024;
  /** Most floats of weights an im2col unit widens at once: 512 KB, however large the layer. */
  private static final int WIDE_FLOATS = 1 << 17;

  private QuantConvOps() {}

  static Operator qlinearConv(NodeContext ctx) {
    return new ConvOp(ctx, true);
  }

  static Operator convInteger(NodeContext ctx) {
    return new ConvOp(ctx, false);
  }

  /**
   * Weights of all groups, {@code [M][Kg]}, as int8 bytes (uint8 shifted by -128), with row sums
   * (null once the sums are folded into parameters made at load).
   */
  private static final class Weights {
    final byte[] w;
    final int[] rowSums;
    final boolean unsigned;
    final int[] shape;

    private Weights(byte[] w, int[] rowSums, boolean unsigned, int[] shape) {
      this.w = w;
      this.rowSums = rowSums;
      this.unsigned = unsigned;
      this.shape = shape;
    }

    /** The same weights without row sums, for an op whose parameters already hold them. */
    Weights withoutRowSums() {
      return new Weights(w, null, unsigned, shape);
    }

    /** The same weights read from {@code bytes} (null: held elsewhere, in Winograd's order). */
    Weights withBytes(byte[] bytes) {
      return new Weights(bytes, rowSums, unsigned, shape);
    }

    Weights(Tensor t) {
      shape = t.shape();
      unsigned = t.dtype() == DType.U8;
      int m = shape[0];
      int kg = t.size() / Math.max(1, m);
      byte[] src = t.bytes();
      int flip = unsigned ? 0x80 : 0;
      // int8 weights are already in the kernel's layout: share them (never written) instead of a copy
      w = unsigned ? new byte[t.size()] : src;
      rowSums = new int[m];
      for (int co = 0; co < m; co++) {
        int s = 0;
        for (int p = co * kg; p < (co + 1) * kg; p++) {
          byte v = (byte) (src[p] ^ flip);
          if (unsigned) {
            w[p] = v;
          }
          s += v;
        }
        rowSums[co] = s;
      }
    }
  }

  private static final class ConvOp implements Operator {
    private final boolean qlinear;
    private final String where;
    private final int ix;
    private final int iw;
    private final int ixZp;
    private final int iwZp;
    /** The quantization inputs; null when {@link #fixed} holds all that runs need of them. */
    private final QuantArg.Input xArg;
    private final QuantArg.Input wArg;
    private final QuantArg.Input yArg;
    private final int[] kernelAttr;
    private final int[] strides;
    private final int[] dilations;
    private final int[] pads;
    private final ConvGeometry.AutoPad autoPad;
    private final int group;
    private final FusedActivation act;
    private final Weights constW;
    /** True when weights, quantization parameters and bias are all constants. */
    private final boolean cacheable;
    /**
     * The {@link Params} made at load when every input they need is constant and x's type is
     * known (from its zero point): then the op keeps only these (the bias, the weights' row sums
     * and the parsed scales and zero points are folded in; the bias tensor is freed), so a
     * QLinearConv holds 8 bytes per output channel beside its weights, not 16 plus a second form.
     */
    private final Params fixed;
    /**
     * Otherwise the {@link Params} of the last run when {@link #cacheable}: computed once instead
     * of per call (they depend on x's type only through the uint8 shift, hence the key).
     */
    private volatile Params cached;
    /** With constant weights: the geometry of the last input shape, reused while it repeats. */
    private final ShapeKeyed<Shaped> shapes = new ShapeKeyed<>();
    /** The last run's epilogue (immutable), reused while its parameters and geometry are. */
    private volatile Epilogue lastEpilogue;
    /**
     * Whether 3x3 layers may run {@link QuantWinograd} (exact, as the direct path):
     * {@code -Dquantlens.conv.winograd=false}, read when the session is built, keeps them off it,
     * as it does for float convolutions.
     */
    private final boolean winograd =
        Boolean.parseBoolean(System.getProperty("quantlens.conv.winograd", "true"));
    /**
     * Constant symmetric 3x3 weights of a layer {@link QuantWinograd} takes, in its order (then
     * the only copy: {@link #constW} holds no bytes); null otherwise.
     */
    private final QuantWinograd.Weights winogradWeights;

    ConvOp(NodeContext ctx, boolean qlinear) {
      this.qlinear = qlinear;
      this.where = ctx.node().describe();
      ix = 0;
      iw = qlinear ? 3 : 1;
      ixZp = qlinear ? 2 : 2;
      iwZp = qlinear ? 5 : 3;
      QuantArg.Input xa = null;
      QuantArg.Input wa = null;
      QuantArg.Input ya = null;
      if (qlinear) {
        xa = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "x_scale", 0);
        wa = QuantArg.Input.of(ctx, 4, 5, DType.U8, false, "w_scale", 3);
        ya = QuantArg.Input.of(ctx, 6, 7, DType.U8, false, "y_scale");
        if (xa.constant() != null && !xa.constant().perTensor()) {
          throw ctx.error("x_scale/x_zero_point must be per-tensor (one value), got " + xa.constant().size()
              + "; only the weights may be quantized per channel");
        }
        if (ya.constant() != null && !ya.constant().perTensor()) {
          throw ctx.error("y_scale/y_zero_point must be per-tensor (one value), got " + ya.constant().size());
        }
      }
      kernelAttr = ctx.attrInts("kernel_shape", null);
      strides = ctx.attrInts("strides", null);
      dilations = ctx.attrInts("dilations", null);
      pads = ctx.attrInts("pads", null);
      try {
        autoPad = ConvGeometry.AutoPad.parse(ctx.attrString("auto_pad", "NOTSET"));
      } catch (IllegalArgumentException e) {
        throw ctx.error(e.getMessage());
      }
      group = ctx.attrInt("group", 1);
      if (group < 1) {
        throw ctx.error("group must be positive, got " + group);
      }
      act = qlinear ? QuantFused.check(ctx) : FusedActivation.NONE;
      Tensor w = ctx.constant(iw);
      if (w != null) {
        if (w.dtype() != DType.I8 && w.dtype() != DType.U8) {
          throw ctx.error("w must be int8 or uint8, got " + w.dtype());
        }
        if (w.rank() < 3) {
          throw ctx.error("w must have at least 3 dimensions [M, C/group, k...], got " + Arrays.toString(w.shape()));
        }
        int m = w.dim(0);
        if (m % group != 0) {
          throw ctx.error("the " + m + " output channels do not split into " + group + " groups");
        }
        if (wa != null && wa.constant() != null && wa.constant().size() != 1 && wa.constant().size() != m) {
          throw ctx.error("w_scale/w_zero_point have " + wa.constant().size()
              + " values; per-channel quantization of the weights needs one per output channel (" + m + ")");
        }
      }
      Weights weights = w == null ? null : new Weights(w);
      cacheable = weights != null && (qlinear
          ? xa.constant() != null && wa.constant() != null && ya.constant() != null
              && (ctx.inputCount() <= 8 || !ctx.hasInput(8) || ctx.constant(8) != null)
          : constantOrAbsent(ctx, ixZp) && constantOrAbsent(ctx, iwZp));
      fixed = qlinear && cacheable && xa.hasZeroPoint() ? loadParams(ctx, weights, xa, wa, ya) : null;
      xArg = fixed != null ? null : xa;
      wArg = fixed != null ? null : wa;
      yArg = fixed != null ? null : ya;
      if (qlinear) { // runs read the scales and zero points only through the parsed pairs
        xa.ownConstant(ctx);
        wa.ownConstant(ctx);
        ya.ownConstant(ctx);
      }
      if (fixed != null && ctx.inputCount() > 8 && ctx.hasInput(8)) {
        ctx.ownsCopyOf(8); // the bias is folded into fixed
      }
      Weights kept = fixed != null ? weights.withoutRowSums() : weights;
      if (weights != null && winograd
          && QuantWinograd.suits(weights.shape, strides, dilations, group)
          && symmetric(ctx, weights)) {
        winogradWeights = new QuantWinograd.Weights(weights.w, weights.shape[0], weights.shape[1]);
        ctx.ownsCopyOf(iw);
        constW = kept.withBytes(null);
      } else {
        winogradWeights = null;
        constW = kept;
      }
    }

    /** Whether every weight zero point is a constant 0 in the kernel's (int8) domain. */
    private boolean symmetric(NodeContext ctx, Weights weights) {
      if (qlinear) {
        return fixed != null && !fixed.anyZw;
      }
      if (!constantOrAbsent(ctx, iwZp)) {
        return false;
      }
      int shift = QuantMatMul.shift(weights.unsigned);
      Tensor z = iwZp < ctx.inputCount() && ctx.hasInput(iwZp) ? ctx.constant(iwZp) : null;
      if (z == null) {
        return shift == 0;
      }
      for (int i = 0; i < z.size(); i++) {
        if (z.getLong(i) != shift) {
          return false;
        }
      }
      return true;
    }

    /**
     * The params of a QLinearConv whose inputs but x are constant, x's type being that of its
     * zero point (runs check it). Shape errors of the bias are load errors naming the node.
     */
    private Params loadParams(NodeContext ctx, Weights wts, QuantArg.Input xa, QuantArg.Input wa,
        QuantArg.Input ya) {
      DType xType = ctx.constant(2).dtype();
      Tensor[] in = new Tensor[9];
      if (ctx.inputCount() > 8 && ctx.hasInput(8)) {
        in[8] = ctx.constant(8);
      }
      int m = wts.shape[0];
      int kg = wts.w.length / Math.max(1, m);
      try {
        return params(xa, wa, ya, in, xType, xType == DType.U8, wts.unsigned ? DType.U8 : DType.I8, wts, m, kg);
      } catch (ShapeMismatchException | InvalidAttributeException e) {
        throw ctx.error(e.getMessage().startsWith(where + ": ") ? e.getMessage().substring(where.length() + 2)
            : e.getMessage());
      }
    }

    private static boolean constantOrAbsent(NodeContext ctx, int i) {
      return i >= ctx.inputCount() || !ctx.hasInput(i) || ctx.constant(i) != null;
    }

    private static Tensor opt(Tensor[] in, int i) {
      return i >= 0 && i < in.length ? in[i] : null;
    }

    @Override
    public Tensor[] run(Tensor[] in, ExecContext ex) {
      Tensor x = in[ix];
      boolean xu = QuantMatMul.unsignedOf(x, "x", where);
      Tensor wt = in[iw]; // null when the weights are held in Winograd's order
      if (wt != null) {
        QuantMatMul.unsignedOf(wt, "w", where);
      }
      if (constW == null && wt.rank() < 3) {
        throw new ShapeMismatchException(where + ": w must have at least 3 dimensions [M, C/group, k...], got "
            + Arrays.toString(wt.shape()));
      }
      Weights held = constW != null ? constW : new Weights(wt);
      int[] ws = held.shape;
      int m = ws[0];
      int r = x.rank() - 2;
      if (r < 1 || ws.length != r + 2) {
        throw new ShapeMismatchException(where + ": x " + Arrays.toString(x.shape()) + " and w "
            + Arrays.toString(ws) + " need the same rank, at least 3");
      }
      int batch = x.dim(0);
      int c = x.dim(1);
      if (m % group != 0 || c != ws[1] * group) {
        throw new ShapeMismatchException(where + ": x has " + c + " channels but w " + Arrays.toString(ws)
            + " with group " + group + " expects " + ws[1] * group);
      }
      Shaped shaped = constW != null ? shapes.get(x) : null;
      if (shaped == null) {
        shaped = shaped(x, ws, c);
        if (constW != null) {
          shapes.put(x, shaped);
        }
      }
      ConvGeometry g = shaped.g;
      int mg = m / group;
      int cg = ws[1];
      int kg = cg * g.kernelSize;
      Params prm = fixed != null ? fixed : cached;
      if (fixed != null && fixed.xu != xu) {
        throw new ShapeMismatchException(where + ": x_zero_point is " + (fixed.xu ? DType.U8 : DType.I8)
            + " but its data is " + x.dtype());
      }
      if (prm == null || prm.xu != xu) {
        prm = params(xArg, wArg, yArg, in, x.dtype(), xu, held.unsigned ? DType.U8 : DType.I8, held, m, kg);
        if (cacheable) {
          cached = prm;
        }
      }
      RequantizeCounting counting = qlinear ? RequantizeCounting.of(ex, act, prm.yScale, prm.zy, prm.outType) : null;
      int zx = prm.zx;
      DType outType = prm.outType;
      Tensor y = ex.allocate(outType, shaped.outShape); // a recycled session buffer
      if (y.size() == 0) {
        return ex.result(y);
      }
      byte[] xb = x.bytes();
      Object out = qlinear ? y.bytes() : y.ints();
      Epilogue last = lastEpilogue;
      Epilogue epi = last != null && last.params == prm && last.pixels == g.outSize
          && counting == null ? last : new Epilogue(qlinear, m, g.outSize, prm, counting);
      if (epi != last && counting == null) {
        lastEpilogue = epi;
      }
      if (winogradWeights != null && QuantWinograd.suits(g)) {
        QuantWinograd.run(g, batch, xb, xu, zx, winogradWeights, epi, out, ex);
        return ex.result(y);
      }
      // weights held in Winograd's order serve other input shapes in ONNX order, unpacked per call
      Weights wts = winogradWeights == null ? held
          : held.withBytes(winogradWeights.unpack(QuantScratch.bytes(QuantScratch.OP_C, m * kg)));
      // widen + pad every image once
      int nr = Int8Gemm.get().panelWidth();
      int imgFloats = QuantIm2col.paddedSize(g, c);
      boolean direct = r == 2 && g.strides[0] == 1 && g.strides[1] == 1;
      // The direct path reads less than a panel past the last image: a tile's last patch row ends
      // where the padded plane of the last channel does (its columns rounded up to the panel
      // width), so nr floats of slack hold every read. Those columns are dropped, so the slack
      // needs no clearing (clearing it cost 40% of a LeNet-5 int8 call at batch 1).
      int slack = direct ? nr : 0;
      float padValue = zx;
      if (direct && batch > 1) {
        // image by image: each padded image is convolved while it is still in L2 (all images padded
        // first made a batch-sized buffer that the products then read back from memory; ResNet-20
        // static-int8 at batch 64: 1.045x, paired CPU time, JDK 17)
        if (ex.threads() > 1 && batch >= 2 * ex.threads()) {
          ConvGeometry gi = g;
          int ext = slack;
          int cc = c;
          int[] taps = shaped.taps;
          ex.forRange(batch, n -> directImage(ex, gi, xb, xu, cc, padValue, n, imgFloats, ext, wts,
              mg, kg, taps, epi, out, true));
        } else {
          for (int n = 0; n < batch; n++) { // no task to make: a lambda per call was 1.2 KB per run
            directImage(ex, g, xb, xu, c, padValue, n, imgFloats, slack, wts, mg, kg, shaped.taps,
                epi, out, false);
          }
        }
        return ex.result(y);
      }
      float[] padded = QuantScratch.floats(QuantScratch.OP_B, batch * imgFloats + slack);
      int planes = batch * c;
      ConvGeometry gf = g;
      QuantParallel.forItems(ex, planes, g.inSize, pl -> {
        int n = pl / c;
        int ch = pl % c;
        QuantIm2col.padImage(gf, xb, n * c * gf.inSize, xu, ch, ch + 1, padValue, padded, n * imgFloats);
      });
      if (direct) {
        direct(ex, g, wts, padded, imgFloats, 0, batch, mg, kg, shaped.taps, epi, out, false);
      } else {
        im2col(ex, g, wts, padded, imgFloats, batch, c, mg, cg, kg, epi, out);
      }
      return ex.result(y);
    }

    /**
     * Zero points, requantization scales and the folded bias of one run: from the quantization
     * inputs, checked against the data types.
     */
    private Params params(QuantArg.Input xArg, QuantArg.Input wArg, QuantArg.Input yArg, Tensor[] in,
        DType xType, boolean xu, DType wType, Weights wts, int m, int kg) {
      int zx;
      int[] zw = new int[m];
      float[] scale = null;
      int zy = 0;
      int lo = 0;
      int hi = 0;
      float yScale = 0f;
      DType outType = DType.I32;
      if (qlinear) {
        QuantArg xq = xArg.get(in);
        QuantArg wq = wArg.get(in);
        QuantArg yq = yArg.get(in);
        if (!xq.perTensor() || !yq.perTensor()) {
          throw new InvalidAttributeException(where + ": x and y quantization must be per-tensor");
        }
        if (wq.size() != 1 && wq.size() != m) {
          throw new InvalidAttributeException(where + ": w_scale/w_zero_point have " + wq.size()
              + " values; expected 1 or " + m + " (per output channel)");
        }
        checkType(xArg.hasZeroPoint(), xq.type, xType, "x_zero_point");
        checkType(wArg.hasZeroPoint(), wq.type, wType, "w_zero_point");
        zx = xq.zeroPoint(0) - QuantMatMul.shift(xu);
        scale = new float[m];
        for (int co = 0; co < m; co++) {
          zw[co] = wq.zeroPoint(co) - QuantMatMul.shift(wts.unsigned);
          scale[co] = xq.scale(0) * wq.scale(co) / yq.scale(0);
        }
        zy = yq.zeroPoint(0);
        yScale = yq.scale(0);
        outType = yq.type;
        int[] lh = QuantFused.bounds(act, yq.scale(0), zy, QuantParams.qmin(outType), QuantParams.qmax(outType));
        lo = lh[0];
        hi = lh[1];
      } else {
        int[] zxv = QuantMatMulOps.zeroPointValues(opt(in, ixZp), xType, where + ": x_zero_point");
        if (zxv != null && zxv.length != 1) {
          throw new InvalidAttributeException(where + ": x_zero_point must be a scalar, got " + zxv.length + " values");
        }
        zx = (zxv == null ? 0 : zxv[0]) - QuantMatMul.shift(xu);
        int[] zwv = QuantMatMulOps.zeroPointValues(opt(in, iwZp), wType, where + ": w_zero_point");
        if (zwv != null && zwv.length != 1 && zwv.length != m) {
          throw new InvalidAttributeException(where + ": w_zero_point has " + zwv.length + " values; expected 1 or " + m);
        }
        for (int co = 0; co < m; co++) {
          zw[co] = (zwv == null ? 0 : zwv[zwv.length == 1 ? 0 : co]) - QuantMatMul.shift(wts.unsigned);
        }
      }
      // bias folded with the per-channel zero-point terms: B - zx * rowW + K zw zx
      int[] bias = new int[m];
      Tensor bt = qlinear ? opt(in, 8) : null;
      if (bt != null && (bt.dtype() != DType.I32 || bt.size() != m)) {
        throw new ShapeMismatchException(where + ": B must be int32 of " + m + " values, got " + bt.dtype()
            + Arrays.toString(bt.shape()));
      }
      boolean anyZw = false;
      for (int co = 0; co < m; co++) {
        bias[co] = (bt == null ? 0 : bt.ints()[co]) - zx * wts.rowSums[co] + kg * zw[co] * zx;
        anyZw |= zw[co] != 0;
      }
      return new Params(xu, zx, anyZw ? zw : null, scale, zy, yScale, lo, hi, outType, bias, anyZw);
    }

    /** Im2col tiles of output positions, copied into packed panels, then the GEMM. */
    private void im2col(ExecContext ex, ConvGeometry g, Weights wts, float[] padded, int imgFloats,
        int batch, int c, int mg, int cg, int kg, Epilogue epi, Object out) {
      int nr = Int8Gemm.get().panelWidth();
      int pixels = g.outSize;
      int tile = tileWidth(ex.threads(), pixels, kg, batch * group, nr);
      int tiles = (pixels + tile - 1) / tile;
      int units = batch * group * tiles;
      int plane = imgFloats / c;
      runUnits(ex, units, (long) mg * kg * pixels * batch * group, u -> {
        int n = u / (group * tiles);
        int gi = (u / tiles) % group;
        int p0 = (u % tiles) * tile;
        int p1 = Math.min(pixels, p0 + tile);
        int width = roundUp(p1 - p0, nr);
        float[] col = QuantScratch.floats(QuantScratch.TASK_A, kg * width);
        int[] acc = QuantScratch.ints(QuantScratch.TASK_A, mg * width);
        QuantIm2col.tile(g, padded, n * imgFloats + gi * cg * plane, cg, p0, p1, col, width, nr);
        int[] colSums = null;
        if (epi.params.anyZw) {
          colSums = QuantScratch.ints(QuantScratch.TASK_B, width);
          columnSums(col, kg, width, nr, colSums);
        }
        // this group's weights widened once per unit, not per panel, a block of rows at a time
        // so the transient stays within WIDE_FLOATS
        Int8Gemm gemm = Int8Gemm.get();
        int rowsPer = Math.max(1, Math.min(mg, WIDE_FLOATS / kg));
        float[] wf = QuantScratch.floats(QuantScratch.TASK_C, rowsPer * kg);
        for (int j0 = 0; j0 < mg; j0 += rowsPer) {
          int rows = Math.min(mg - j0, rowsPer);
          gemm.widen(wts.w, (gi * mg + j0) * kg, wf, 0, rows * kg);
          for (int q = 0; q < width / nr; q++) {
            gemm.multiply(rows, nr, kg, wf, 0, kg, col, q * kg * nr, nr, acc, j0 * width + q * nr, width);
          }
        }
        for (int j = 0; j < mg; j++) {
          epi.row(acc, j * width, colSums, 0, gi * mg + j, n, p0, p1 - p0, out);
        }
      });
    }

    /**
     * The geometry of input x against weights of shape ws, the output shape, and for the direct
     * path the start of each patch row (c, ky, kx) in a padded image.
     */
    private Shaped shaped(Tensor x, int[] ws, int c) {
      int[] kernel = Arrays.copyOfRange(ws, 2, ws.length);
      if (kernelAttr != null && !Arrays.equals(kernelAttr, kernel)) {
        throw new ShapeMismatchException(where + ": kernel_shape " + Arrays.toString(kernelAttr)
            + " does not match w " + Arrays.toString(ws));
      }
      ConvGeometry g;
      try {
        g = ConvGeometry.of(Arrays.copyOfRange(x.shape(), 2, x.rank()), kernel, strides, dilations,
            pads, autoPad, false);
      } catch (ShapeMismatchException e) {
        throw new ShapeMismatchException(where + ": " + e.getMessage());
      }
      int[] outShape = new int[x.rank()];
      outShape[0] = x.dim(0);
      outShape[1] = ws[0];
      System.arraycopy(g.out, 0, outShape, 2, g.rank);
      int[] taps = null;
      if (g.rank == 2) {
        int pw = g.padded(1);
        int plane = QuantIm2col.paddedSize(g, c) / c;
        taps = new int[ws[1] * g.kernelSize];
        int p = 0;
        for (int ci = 0; ci < ws[1]; ci++) {
          for (int ky = 0; ky < g.kernel[0]; ky++) {
            for (int kx = 0; kx < g.kernel[1]; kx++) {
              taps[p++] = ci * plane + ky * g.dilations[0] * pw + kx * g.dilations[1];
            }
          }
        }
      }
      return new Shaped(g, outShape, taps);
    }

    /** What {@link #shaped} derives from one input shape. */
    private record Shaped(ConvGeometry g, int[] outShape, int[] taps) {}

    /** Image n alone: padded into this thread's scratch, then {@link #direct}. */
    private void directImage(ExecContext ex, ConvGeometry g, byte[] xb, boolean xu, int c,
        float padValue, int n, int imgFloats, int slack, Weights wts, int mg, int kg, int[] taps,
        Epilogue epi, Object out, boolean serial) {
      float[] img = QuantScratch.floats(QuantScratch.TASK_A, imgFloats + slack);
      QuantIm2col.padImage(g, xb, n * c * g.inSize, xu, 0, c, padValue, img, 0);
      direct(ex, g, wts, img, imgFloats, n, 1, mg, kg, taps, epi, out, serial);
    }

    /**
     * Unit strides in 2-D: output position (oy, ox) is column {@code oy * PW + ox} of an extended
     * row of the padded width PW, so patch row (c, ky, kx) is one contiguous run of the padded
     * plane starting at {@code c * plane + ky * dy * PW + kx * dx}: the GEMM reads it in place. The
     * {@code PW - OW} extra columns per output row are computed and dropped. {@code rows} holds
     * where each patch row starts ({@link #shaped}).
     */
    private void direct(ExecContext ex, ConvGeometry g, Weights wts, float[] padded, int imgFloats,
        int firstImage, int batch, int mg, int kg, int[] rows, Epilogue epi, Object out,
        boolean serial) {
      int nr = Int8Gemm.get().panelWidth();
      int cg = kg / g.kernelSize;
      int plane = imgFloats / (cg * group);
      int pw = g.padded(1);
      int ow = g.out[1];
      int ext = (g.out[0] - 1) * pw + ow;
      int fit = Math.min(tileWidth(serial ? 1 : ex.threads(), ext, kg, batch * group, nr), roundUp(TILE_FLOATS, nr));
      // whole rows of the padded width per tile: the epilogue then takes each channel's rows in one
      // call, and no output row is split at a tile edge into runs shorter than a vector
      // (rounded up: a narrower tile would widen the weights more often per image)
      int tile = roundUp(fit, pw);
      int tiles = (ext + tile - 1) / tile;
      int units = batch * group * tiles;
      DirectUnits du = directUnits.get().set(wts, padded, imgFloats, firstImage, mg, kg, rows, epi,
          out, cg, plane, pw, ow, ext, tile, tiles);
      try {
        runUnits(ex, serial ? 1 : units, units, (long) mg * kg * ext * batch * group, du);
      } finally {
        du.clear();
      }
    }

    /**
     * The units (image, group, tile) of one {@link #direct} call, as a task object the calling
     * thread reuses: a lambda per call, made for every image of a batch, was 6 KB per static-int8
     * ResNet-20 call at batch 64 wherever C2 did not inline it away.
     */
    private final class DirectUnits implements java.util.function.IntConsumer {
      private Weights wts;
      private float[] padded;
      private int imgFloats;
      private int firstImage;
      private int mg;
      private int kg;
      private int[] rows;
      private Epilogue epi;
      private Object out;
      private int cg;
      private int plane;
      private int pw;
      private int ow;
      private int ext;
      private int tile;
      private int tiles;

      DirectUnits set(Weights wts, float[] padded, int imgFloats, int firstImage, int mg, int kg,
          int[] rows, Epilogue epi, Object out, int cg, int plane, int pw, int ow, int ext,
          int tile, int tiles) {
        this.wts = wts;
        this.padded = padded;
        this.imgFloats = imgFloats;
        this.firstImage = firstImage;
        this.mg = mg;
        this.kg = kg;
        this.rows = rows;
        this.epi = epi;
        this.out = out;
        this.cg = cg;
        this.plane = plane;
        this.pw = pw;
        this.ow = ow;
        this.ext = ext;
        this.tile = tile;
        this.tiles = tiles;
        return this;
      }

      /** Drops the call's arrays, so that an idle thread keeps none of them alive. */
      void clear() {
        set(null, null, 0, 0, 0, 0, null, null, null, 0, 0, 0, 0, 0, 0, 0);
      }

      @Override
      public void accept(int u) {
        int nr = Int8Gemm.get().panelWidth();
        int n = u / (group * tiles);
        int gi = (u / tiles) % group;
        int e0 = (u % tiles) * tile;
        int w = Math.min(tile, ext - e0);
        int width = roundUp(w, nr);
        int base = n * imgFloats + gi * cg * plane + e0;
        int[] acc = QuantScratch.ints(QuantScratch.TASK_A, mg * width);
        Int8Gemm.get().multiplyRows(mg, width, kg, wts.w, gi * mg * kg, kg, padded, rows, base, acc, 0, width);
        int[] colSums = null;
        if (epi.params.anyZw) {
          colSums = QuantScratch.ints(QuantScratch.TASK_B, width);
          Arrays.fill(colSums, 0, width, 0);
          for (int q = 0; q < kg; q++) {
            int o = rows[q] + base;
            for (int j = 0; j < width; j++) {
              colSums[j] += (int) padded[o + j];
            }
          }
        }
        int oy0 = e0 / pw; // a tile starts at a row and holds whole rows (the last ends at ext)
        int rowsInTile = (w + pw - 1) / pw;
        for (int j = 0; j < mg; j++) {
          epi.rows(acc, j * width, pw, colSums, 0, gi * mg + j, firstImage + n, oy0 * ow, rowsInTile,
              ow, out);
        }
      }
    }

    private final ThreadLocal<DirectUnits> directUnits = ThreadLocal.withInitial(DirectUnits::new);

    /** Tile width (a multiple of nr): the patch matrix fits L2, and threads get enough tiles. */
    private int tileWidth(int threads, int columns, int kg, int images, int nr) {
      int tile = Math.max(nr, Math.min(roundUp(columns, nr), TILE_FLOATS / Math.max(1, kg) / nr * nr));
      int units = images * ((columns + tile - 1) / tile);
      if (threads > 1 && units < threads * 2 && tile > nr) {
        int want = (threads * 2 + images - 1) / images;
        tile = Math.max(nr, roundUp((columns + want - 1) / want, nr));
      }
      return tile;
    }

    private static void runUnits(ExecContext ex, int units, long macs, java.util.function.IntConsumer body) {
      runUnits(ex, ex.threads(), units, macs, body);
    }

    /** Runs units serially when {@code threads} is 1 (a caller already running in parallel). */
    private static void runUnits(ExecContext ex, int threads, int units, long macs,
        java.util.function.IntConsumer body) {
      if (units == 1 || threads == 1 || ex.threads() == 1 || macs < (1 << 16)) {
        for (int u = 0; u < units; u++) {
          body.accept(u);
        }
      } else {
        ex.forRange(units, body);
      }
    }

    private void checkType(boolean given, DType zpType, DType data, String name) {
      if (given && zpType != data) {
        throw new ShapeMismatchException(where + ": " + name + " is " + zpType + " but its data is " + data);
      }
    }
  }

  /** Per-run constants of a conv: widened zero points, requantization, the folded bias. */
  private static final class Params {
    /** Whether x was uint8 when these were made. */
    final boolean xu;
    final int zx;
    /** Widened weight zero point per channel; null when all are 0 (symmetric weights). */
    final int[] zw;
    /** QLinearConv: {@code x_scale * w_scale[co] / y_scale}; null for ConvInteger. */
    final float[] scale;
    final int zy;
    final float yScale;
    final int lo;
    final int hi;
    final DType outType;
    final int[] bias;
    final boolean anyZw;

    Params(boolean xu, int zx, int[] zw, float[] scale, int zy, float yScale, int lo, int hi, DType outType,
        int[] bias, boolean anyZw) {
      this.xu = xu;
      this.zx = zx;
      this.zw = zw;
      this.scale = scale;
      this.zy = zy;
      this.yScale = yScale;
      this.lo = lo;
      this.hi = hi;
      this.outType = outType;
      this.bias = bias;
      this.anyZw = anyZw;
    }
  }

  /**
   * Turns accumulator rows into outputs (the int8 or int32 array {@code out} each call passes):
   * zero-point column term, bias, requantization. Depends only on the parameters and the
   * geometry, so a run reuses the last one's while those repeat.
   */
  private static final class Epilogue implements QuantWinograd.Sink {
    final boolean qlinear;
    final int m;
    final int pixels;
    /** The zero points, folded bias and requantization it applies. */
    final Params params;
    /** Saturation counting of the requantized output, null when off. */
    final RequantizeCounting counting;

    Epilogue(boolean qlinear, int m, int pixels, Params params, RequantizeCounting counting) {
      this.qlinear = qlinear;
      this.m = m;
      this.pixels = pixels;
      this.params = params;
      this.counting = counting;
    }

    private int zw(int co) {
      return params.zw == null ? 0 : params.zw[co];
    }

    /** Channel co's accumulators of whole rows, in output order ({@link QuantWinograd}). */
    @Override
    public void channel(int[] acc, int off, int co, int n, int pixel, int count, Object out) {
      rows(acc, off, count, null, 0, co, n, pixel, 1, count, out);
    }

    /**
     * {@code rows} runs of {@code len} accumulators of channel co, {@code stride} apart from acc[o]
     * (column sums likewise from colSums[cs]), into consecutive output positions from {@code pixel}.
     */
    void rows(int[] acc, int o, int stride, int[] colSums, int cs, int co, int n, int pixel, int rows,
        int len, Object out) {
      if (qlinear && zw(co) == 0 && counting == null) {
        Params p = params;
        int at = (n * m + co) * pixels + pixel;
        Requantize.get().requantizeRows(acc, o, stride, rows, len, p.bias[co], p.scale[co], p.zy, p.lo, p.hi,
            (byte[]) out, at);
        return;
      }
      for (int r = 0; r < rows; r++) {
        row(acc, o + r * stride, colSums, cs + r * stride, co, n, pixel + r * len, len, out);
      }
    }

    /** {@code len} accumulators of channel co at acc[o], output positions from {@code pixel}. */
    void row(int[] acc, int o, int[] colSums, int cs, int co, int n, int pixel, int len, Object out) {
      Params p = params;
      Requantize rq = Requantize.get();
      if (zw(co) != 0) {
        rq.addScaled(acc, o, len, -p.zw[co], colSums, cs);
      }
      int at = (n * m + co) * pixels + pixel;
      if (qlinear) {
        rq.requantizeRow(acc, o, len, p.bias[co], p.scale[co], p.zy, p.lo, p.hi, (byte[]) out, at);
        if (counting != null) {
          counting.row(acc, o, len, p.bias[co], p.scale[co], p.zy);
        }
      } else {
        int[] yi = (int[]) out;
        int b = p.bias[co];
        for (int t = 0; t < len; t++) {
          yi[at + t] = acc[o + t] + b;
        }
      }
    }
  }

  static int roundUp(int v, int m) {
    return (v + m - 1) / m * m;
  }

  /** Sums of the widened patch columns (exact ints), from the packed-panel layout. */
  private static void columnSums(float[] col, int k, int width, int nr, int[] sums) {
    Arrays.fill(sums, 0, width, 0);
    for (int q = 0; q < width / nr; q++) {
      for (int p = 0; p < k; p++) {
        int o = (q * k + p) * nr;
        for (int j = 0; j < nr; j++) {
          sums[q * nr + j] += (int) col[o + j];
        }
      }
    }
  }
}
