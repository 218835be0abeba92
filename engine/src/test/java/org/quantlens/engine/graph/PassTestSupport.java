package org.quantlens.engine.graph;

import java.util.HashMap;
import java.util.Map;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.ops.ShapeOps;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * For pass tests: a tiny graph interpreter over any registry, and a registry with the shape ops
 * plus naive, obviously-correct versions of the ops other families own (Conv, BatchNormalization,
 * Gemm, MatMul, Add, activations), which honour the fused-activation attributes.
 */
final class PassTestSupport {
  private PassTestSupport() {}

  /** Every value of {@code g} (initializers, feeds, node outputs) after running it. */
  static Map<String, Tensor> runAll(Graph g, OpRegistry reg, Map<String, Tensor> feeds) {
    Map<String, Tensor> v = new HashMap<>(g.initializers());
    v.putAll(feeds);
    for (Node n : g.topologicalOrder()) {
      int k = n.inputs().size();
      Tensor[] in = new Tensor[k];
      Tensor[] consts = new Tensor[k];
      Value[] info = new Value[k];
      for (int i = 0; i < k; i++) {
        String name = n.inputs().get(i);
        in[i] = name.isEmpty() ? null : v.get(name);
        consts[i] = g.initializers().get(name);
        info[i] = g.value(name);
      }
      int opset = g.opset(n.domain());
      OpRegistry.OpSpec spec = reg.find(n.domain(), n.opType(), opset);
      if (spec == null) {
        throw new AssertionError("no op for " + n);
      }
      Operator op = spec.factory().create(new NodeContext(n, opset, consts, info));
      Tensor[] out = op.run(in, ExecContext.SERIAL);
      for (int i = 0; i < n.outputs().size(); i++) {
        if (!n.outputs().get(i).isEmpty()) {
          v.put(n.outputs().get(i), out[i]);
        }
      }
    }
    return v;
  }

  /** Graph outputs only. */
  static Map<String, Tensor> run(Graph g, OpRegistry reg, Map<String, Tensor> feeds) {
    Map<String, Tensor> all = runAll(g, reg, feeds);
    Map<String, Tensor> r = new HashMap<>();
    g.outputs().forEach(o -> r.put(o.name(), all.get(o.name())));
    return r;
  }

  /** The shape ops and the naive stand-ins. */
  static OpRegistry registry() {
    OpRegistry r = new OpRegistry();
    new ShapeOps().register(r);
    r.register("Conv", 1, PassTestSupport::conv);
    r.register("BatchNormalization", 1, PassTestSupport::batchNorm);
    r.register("Gemm", 1, PassTestSupport::gemm);
    r.register("MatMul", 1, PassTestSupport::matmul);
    r.register("Add", 1, ctx -> (in, ec) -> new Tensor[] {add(in[0], in[1])});
    r.register("Relu", 1, ctx -> unary(x -> Math.max(x, 0f)));
    r.register("Sigmoid", 1, ctx -> unary(x -> (float) (1.0 / (1.0 + Math.exp(-x)))));
    r.register("Tanh", 1, ctx -> unary(x -> (float) Math.tanh(x)));
    r.register("LeakyRelu", 1, ctx -> {
      float a = ctx.attrFloat("alpha", 0.01f);
      return unary(x -> x >= 0 ? x : a * x);
    });
    r.register("Clip", 1, ctx -> {
      float lo = ctx.attrFloat("min", -Float.MAX_VALUE);
      float hi = ctx.attrFloat("max", Float.MAX_VALUE);
      return unary(x -> Math.min(Math.max(x, lo), hi));
    });
    r.register("Clip", 11, ctx -> (in, ec) -> {
      float lo = in.length > 1 && in[1] != null ? in[1].floats()[0] : Float.NEGATIVE_INFINITY;
      float hi = in.length > 2 && in[2] != null ? in[2].floats()[0] : Float.POSITIVE_INFINITY;
      return map(in[0], x -> Math.min(Math.max(x, lo), hi));
    });
    r.register("DequantizeLinear", 1, ctx -> (in, ec) -> {
      Tensor y = Tensor.zeros(DType.F32, in[0].shape());
      for (int i = 0; i < y.size(); i++) {
        y.floats()[i] = (float) ((in[0].getDouble(i) - in[2].getDouble(0)) * in[1].getDouble(0));
      }
      return new Tensor[] {y};
    });
    return r;
  }

  interface F {
    float f(float x);
  }

  private static Operator unary(F f) {
    return (in, ec) -> map(in[0], f);
  }

  private static Tensor[] map(Tensor x, F f) {
    Tensor y = Tensor.zeros(DType.F32, x.shape());
    for (int i = 0; i < y.size(); i++) {
      y.floats()[i] = f.f(x.floats()[i]);
    }
    return new Tensor[] {y};
  }

  static Tensor add(Tensor a, Tensor b) {
    int[] s = Shapes.broadcast(a.shape(), b.shape());
    int[] sa = Shapes.broadcastStrides(a.shape(), s);
    int[] sb = Shapes.broadcastStrides(b.shape(), s);
    Tensor y = Tensor.zeros(DType.F32, s);
    int[] pos = new int[s.length];
    for (int i = 0; i < y.size(); i++) {
      int ia = 0;
      int ib = 0;
      for (int d = 0; d < s.length; d++) {
        ia += pos[d] * sa[d];
        ib += pos[d] * sb[d];
      }
      y.floats()[i] = a.floats()[ia] + b.floats()[ib];
      for (int d = s.length - 1; d >= 0 && ++pos[d] == s[d]; d--) {
        pos[d] = 0;
      }
    }
    return y;
  }

  /** 2-D convolution, NCHW, with group, pads, strides, dilations and a fused activation. */
  private static Operator conv(NodeContext ctx) {
    int group = ctx.attrInt("group", 1);
    int[] pads = ctx.attrInts("pads", new int[4]);
    int[] st = ctx.attrInts("strides", new int[] {1, 1});
    int[] dl = ctx.attrInts("dilations", new int[] {1, 1});
    FusedActivation act = FusedActivation.of(ctx);
    return (in, ec) -> {
      Tensor x = in[0];
      Tensor w = in[1];
      int n = x.dim(0);
      int c = x.dim(1);
      int h = x.dim(2);
      int wd = x.dim(3);
      int m = w.dim(0);
      int cg = w.dim(1);
      int kh = w.dim(2);
      int kw = w.dim(3);
      int oh = (h + pads[0] + pads[2] - (kh - 1) * dl[0] - 1) / st[0] + 1;
      int ow = (wd + pads[1] + pads[3] - (kw - 1) * dl[1] - 1) / st[1] + 1;
      Tensor y = Tensor.zeros(DType.F32, n, m, oh, ow);
      float[] yf = y.floats();
      for (int b = 0; b < n; b++) {
        for (int o = 0; o < m; o++) {
          int g = o / (m / group);
          for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
              double s = in.length > 2 && in[2] != null ? in[2].floats()[o] : 0;
              for (int ci = 0; ci < cg; ci++) {
                for (int a = 0; a < kh; a++) {
                  for (int e = 0; e < kw; e++) {
                    int yy = i * st[0] - pads[0] + a * dl[0];
                    int xx = j * st[1] - pads[1] + e * dl[1];
                    if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                      s += x.floats()[((b * c + g * cg + ci) * h + yy) * wd + xx]
                          * w.floats()[((o * cg + ci) * kh + a) * kw + e];
                    }
                  }
                }
              }
              yf[((b * m + o) * oh + i) * ow + j] = (float) s;
            }
          }
        }
      }
      act.apply(yf, 0, y.size());
      return new Tensor[] {y};
    };
  }

  private static Operator batchNorm(NodeContext ctx) {
    float eps = ctx.attrFloat("epsilon", 1e-5f);
    return (in, ec) -> {
      Tensor x = in[0];
      Tensor y = Tensor.zeros(DType.F32, x.shape());
      int c = x.dim(1);
      int inner = x.size() / x.dim(0) / c;
      for (int i = 0; i < x.size(); i++) {
        int ch = (i / inner) % c;
        double v = (x.floats()[i] - in[3].floats()[ch]) / Math.sqrt(in[4].floats()[ch] + eps);
        y.floats()[i] = (float) (v * in[1].floats()[ch] + in[2].floats()[ch]);
      }
      return new Tensor[] {y};
    };
  }

  private static Operator gemm(NodeContext ctx) {
    boolean ta = ctx.attrInt("transA", 0) != 0;
    boolean tb = ctx.attrInt("transB", 0) != 0;
    float alpha = ctx.attrFloat("alpha", 1f);
    float beta = ctx.attrFloat("beta", 1f);
    FusedActivation act = FusedActivation.of(ctx);
    return (in, ec) -> {
      Tensor a = in[0];
      Tensor b = in[1];
      int m = ta ? a.dim(1) : a.dim(0);
      int k = ta ? a.dim(0) : a.dim(1);
      int n = tb ? b.dim(0) : b.dim(1);
      Tensor y = Tensor.zeros(DType.F32, m, n);
      int[] cs = in.length > 2 && in[2] != null ? Shapes.broadcastStrides(in[2].shape(), new int[] {m, n}) : null;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += (double) a.floats()[ta ? p * m + i : i * k + p] * b.floats()[tb ? j * k + p : p * n + j];
          }
          double c = cs == null ? 0 : in[2].floats()[i * cs[0] + j * cs[1]];
          y.floats()[i * n + j] = (float) (alpha * s + beta * c);
        }
      }
      act.apply(y.floats(), 0, y.size());
      return new Tensor[] {y};
    };
  }

  /** MatMul of equal-rank operands (batch dims equal) in double, with a fused activation. */
  private static Operator matmul(NodeContext ctx) {
    FusedActivation act = FusedActivation.of(ctx);
    return (in, ec) -> {
      Tensor a = in[0];
      Tensor b = in[1];
      int r = a.rank();
      int m = a.dim(r - 2);
      int k = a.dim(r - 1);
      int n = b.dim(b.rank() - 1);
      int batch = a.size() / (m * k);
      int[] s = a.shape();
      s[r - 1] = n;
      Tensor y = Tensor.zeros(DType.F32, s);
      int bStep = b.rank() == 2 ? 0 : k * n;
      for (int t = 0; t < batch; t++) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double acc = 0;
            for (int p = 0; p < k; p++) {
              acc += (double) a.floats()[t * m * k + i * k + p] * b.floats()[t * bStep + p * n + j];
            }
            y.floats()[t * m * n + i * n + j] = (float) acc;
          }
        }
      }
      act.apply(y.floats(), 0, y.size());
      return new Tensor[] {y};
    };
  }

  static Tensor random(java.util.Random r, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = (float) r.nextGaussian();
    }
    return t;
  }

  static Tensor positive(java.util.Random r, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = 0.5f + r.nextFloat();
    }
    return t;
  }

  /** Relative-and-absolute closeness: |a-b| <= atol + rtol*|b| for every element. */
  static void assertClose(Tensor want, Tensor got, double rtol, double atol) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(want.shape(), got.shape());
    for (int i = 0; i < want.size(); i++) {
      double w = want.getDouble(i);
      double g = got.getDouble(i);
      if (Math.abs(w - g) > atol + rtol * Math.abs(w)) {
        throw new AssertionError("element " + i + ": want " + w + ", got " + g);
      }
    }
  }

  static int count(Graph g, String opType) {
    return (int) g.nodes().stream().filter(n -> n.opType().equals(opType)).count();
  }
}
