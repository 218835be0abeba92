package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Folds an inference BatchNormalization into the Conv (or Gemm, on 2-D data) before it. With
 * {@code s = scale / sqrt(var + eps)}, BN(conv(x, W) + B) equals conv(x, W * s) + (B - mean) * s +
 * beta per output channel. The new weights are computed in double and rounded once to float, so
 * the folded graph agrees with the original within float rounding (not bit for bit).
 *
 * <p>Applies only when the producer's weights (and bias) and all four BN parameters are float32
 * initializers, the producer's output feeds the BN alone and is no graph output, and the BN is in
 * inference mode with no extra outputs. The old weights stay as long as something else reads them;
 * dead-code elimination drops them otherwise.
 */
public final class BatchNormFolding {
  private BatchNormFolding() {}

  /** Folds in place; returns the number of BatchNormalization nodes removed. */
  public static int run(Graph g) {
    GraphIndex idx = new GraphIndex(g);
    Map<Node, Node> replace = new HashMap<>();
    List<Node> drop = new ArrayList<>();
    for (Node bn : g.nodes()) {
      if (!bn.opType().equals("BatchNormalization") || !bn.domain().isEmpty() || !inference(bn)) {
        continue;
      }
      Node p = idx.producer.get(bn.input(0));
      if (p == null || replace.containsKey(p) || !p.domain().isEmpty()
          || !idx.onlyFeeds(bn.input(0), bn) || p.attributes().containsKey("ql.activation")) {
        continue;
      }
      Tensor[] params = params(g, bn);
      if (params == null) {
        continue;
      }
      Node folded = null;
      if (p.opType().equals("Conv")) {
        folded = foldConv(g, idx, p, bn, params);
      } else if (p.opType().equals("Gemm") && g.opset("") >= 7) {
        folded = foldGemm(g, idx, p, bn, params);
      }
      if (folded != null) {
        replace.put(p, folded);
        drop.add(bn);
        g.valueInfo().remove(p.outputs().get(0));
      }
    }
    g.nodes().replaceAll(n -> replace.getOrDefault(n, n));
    g.nodes().removeAll(drop);
    return drop.size();
  }

  private static boolean inference(Node bn) {
    for (int i = 1; i < bn.outputs().size(); i++) {
      if (!bn.outputs().get(i).isEmpty()) {
        return false;
      }
    }
    Attribute training = bn.attributes().get("training_mode");
    Attribute spatial = bn.attributes().get("spatial");
    return (training == null || training.asLong() == 0) && (spatial == null || spatial.asLong() != 0);
  }

  /** scale, B, mean, var as float32 initializers of one length, or null. */
  private static Tensor[] params(Graph g, Node bn) {
    Tensor[] p = new Tensor[4];
    for (int i = 0; i < 4; i++) {
      p[i] = g.initializers().get(bn.input(i + 1));
      if (p[i] == null || p[i].dtype() != DType.F32 || p[i].rank() != 1 || p[i].size() != p[0].size()) {
        return null;
      }
    }
    return p;
  }

  /** Per channel {@code s = scale / sqrt(var + eps)} and {@code t = beta - mean * s}, in double. */
  private static double[][] affine(Node bn, Tensor[] p) {
    Attribute e = bn.attributes().get("epsilon");
    double eps = e == null ? 1e-5 : e.asFloat();
    int c = p[0].size();
    double[] s = new double[c];
    double[] mean = new double[c];
    double[] beta = new double[c];
    for (int i = 0; i < c; i++) {
      s[i] = p[0].floats()[i] / Math.sqrt((double) p[3].floats()[i] + eps);
      mean[i] = p[2].floats()[i];
      beta[i] = p[1].floats()[i];
    }
    return new double[][] {s, mean, beta};
  }

  private static Node foldConv(Graph g, GraphIndex idx, Node conv, Node bn, Tensor[] p) {
    Tensor w = g.initializers().get(conv.input(1));
    Tensor b = conv.input(2).isEmpty() ? null : g.initializers().get(conv.input(2));
    int m = p[0].size();
    if (w == null || w.dtype() != DType.F32 || w.rank() < 3 || w.dim(0) != m
        || !conv.input(2).isEmpty() && (b == null || b.dtype() != DType.F32 || b.size() != m)) {
      return null;
    }
    double[][] a = affine(bn, p);
    int per = w.size() / m;
    float[] wf = w.floats();
    float[] nw = new float[w.size()];
    float[] nb = new float[m];
    for (int c = 0; c < m; c++) {
      for (int k = c * per; k < (c + 1) * per; k++) {
        nw[k] = (float) (wf[k] * a[0][c]);
      }
      double bias = b == null ? 0 : b.floats()[c];
      nb[c] = (float) ((bias - a[1][c]) * a[0][c] + a[2][c]);
    }
    return rewire(g, idx, conv, bn, Tensor.of(nw, w.shape()), Tensor.of(nb, m), null);
  }

  private static Node foldGemm(Graph g, GraphIndex idx, Node gemm, Node bn, Tensor[] p) {
    Tensor w = g.initializers().get(gemm.input(1));
    Tensor c = gemm.input(2).isEmpty() ? null : g.initializers().get(gemm.input(2));
    int n = p[0].size();
    boolean transB = attr(gemm, "transB", 0) != 0;
    if (w == null || w.dtype() != DType.F32 || w.rank() != 2 || w.dim(transB ? 0 : 1) != n
        || !gemm.input(2).isEmpty() && (c == null || c.dtype() != DType.F32)) {
      return null;
    }
    // C must be one bias per output column: a scalar, [N] or [1, N].
    if (c != null && !(c.size() == 1 || c.size() == n && (c.rank() == 1 || c.rank() == 2 && c.dim(0) == 1))) {
      return null;
    }
    double[][] a = affine(bn, p);
    Attribute betaAttr = gemm.attributes().get("beta");
    double beta = betaAttr == null ? 1.0 : betaAttr.asFloat();
    float[] wf = w.floats();
    float[] nw = new float[w.size()];
    int k = w.size() / n;
    for (int i = 0; i < w.size(); i++) {
      int col = transB ? i / k : i % n;
      nw[i] = (float) (wf[i] * a[0][col]);
    }
    float[] nc = new float[n];
    for (int j = 0; j < n; j++) {
      double bias = c == null ? 0 : beta * c.floats()[c.size() == 1 ? 0 : j];
      nc[j] = (float) ((bias - a[1][j]) * a[0][j] + a[2][j]);
    }
    return rewire(g, idx, gemm, bn, Tensor.of(nw, w.shape()), Tensor.of(nc, n), Attribute.of(1f));
  }

  private static Node rewire(Graph g, GraphIndex idx, Node p, Node bn, Tensor w, Tensor b,
      Attribute beta) {
    String base = p.name().isEmpty() ? bn.outputs().get(0) : p.name();
    String wn = idx.fresh(base + "_bn_w");
    String bnName = idx.fresh(base + "_bn_b");
    g.initializers().put(wn, w);
    g.initializers().put(bnName, b);
    Node r = p.withIO(List.of(p.input(0), wn, bnName), List.of(bn.outputs().get(0)));
    return beta == null ? r : r.withAttribute("beta", beta);
  }

  private static long attr(Node n, String k, long def) {
    Attribute a = n.attributes().get(k);
    return a == null ? def : a.asLong();
  }
}
