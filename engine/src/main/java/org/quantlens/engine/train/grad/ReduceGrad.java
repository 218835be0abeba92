package org.quantlens.engine.train.grad;

import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * ReduceSum and ReduceMean: the gradient of every reduced element is the output gradient of its
 * group (divided by the group size for the mean). Axes come from the attribute or, where the
 * opset moved them there (ReduceSum 13, ReduceMean 18), from input 1.
 */
final class ReduceGrad {
  private ReduceGrad() {}

  static void register(GradRegistry r) {
    r.register("ReduceSum", ShapeGrad.firstInputOnly(g -> reduce(g, false, 13)));
    r.register("ReduceMean", ShapeGrad.firstInputOnly(g -> reduce(g, true, 18)));
  }

  private static void reduce(GradContext g, boolean mean, int axesInputSince) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor x = g.input(0);
    int[] xs = x.shape();
    boolean inputForm = g.node().opset() >= axesInputSince;
    int[] axes;
    if (inputForm) {
      Tensor at = g.input(1);
      axes = at == null ? new int[0] : at.toInts();
    } else {
      axes = g.node().attrInts("axes", new int[0]);
    }
    float[] dy = g.outputGrad(0);
    float[] dx = g.inputGrad(0);
    if (axes.length == 0 && inputForm && g.node().attrInt("noop_with_empty_axes", 0) != 0) {
      for (int i = 0; i < x.size(); i++) {
        dx[i] += dy[i];
      }
      return;
    }
    int[] kept = xs.clone();
    long count = 1;
    if (axes.length == 0) {
      for (int d = 0; d < kept.length; d++) {
        count *= kept[d];
        kept[d] = 1;
      }
    } else {
      boolean[] seen = new boolean[xs.length];
      for (int a : axes) {
        int d = Shapes.axis(a, xs.length, g.graphNode().describe());
        if (!seen[d]) {
          seen[d] = true;
          count *= kept[d];
          kept[d] = 1;
        }
      }
    }
    BroadcastGrad.expandInto(dy, kept, dx, xs, mean ? (float) (1.0 / count) : 1f);
  }
}
