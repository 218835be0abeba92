package org.quantlens.engine.train.grad;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.tensor.Tensor;

/**
 * BatchNormalization. In training mode the forward is the engine's own {@code training_mode = 1}
 * BatchNormalization (batch mean and biased variance; running statistics
 * {@code running * momentum + batch * (1 - momentum)}), whose new running statistics are written
 * back into the session's buffers (inputs 3 and 4); the backward pass differentiates through the
 * batch statistics. In evaluation mode the statistics are constants of the gradient.
 */
final class NormGrad implements GradRule {
  private NormGrad() {}

  static void register(GradRegistry r) {
    r.register("BatchNormalization", new NormGrad());
  }

  @Override
  public boolean differentiable(int input) {
    return input <= 2;
  }

  @Override
  public TrainingForward trainingForward(NodeContext ctx) {
    Node n = ctx.node();
    String y = n.outputs().get(0);
    List<String> outs = new ArrayList<>();
    outs.add(y);
    outs.add(y + "#running_mean");
    outs.add(y + "#running_var");
    Node train = n.withIO(n.inputs(), outs).withAttribute("training_mode", Attribute.of(1L));
    int opset = Math.max(15, ctx.opset());
    NodeContext tctx = new NodeContext(train, opset);
    Operator op = OpRegistry.standard().find(n.domain(), "BatchNormalization", opset).factory()
        .create(tctx);
    boolean[] wanted = {true, ctx.hasOutput(1), ctx.hasOutput(2)};
    return (in, seed, saved, ec) -> {
      Tensor[] out = op.run(in, ec);
      // The running statistics are state: update the buffers the session handed in.
      System.arraycopy(out[1].floats(), 0, in[3].floats(), 0, in[3].size());
      System.arraycopy(out[2].floats(), 0, in[4].floats(), 0, in[4].size());
      Tensor[] r = new Tensor[n.outputs().size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = wanted[i] ? out[i] : null;
      }
      return r;
    };
  }

  @Override
  public void backward(GradContext g) {
    Tensor x = g.input(0);
    if (x.rank() < 2) {
      throw new ShapeMismatchException(g.graphNode().describe() + ": training needs N x C x ... input");
    }
    if (g.node().opset() < 9 && g.node().attrInt("spatial", 1) == 0) {
      throw new ShapeMismatchException(g.graphNode().describe()
          + ": training with per-element statistics (spatial = 0) is not supported");
    }
    int n = x.dim(0);
    int c = x.dim(1);
    int inner = x.size() / Math.max(1, n * c);
    double eps = g.node().attrFloat("epsilon", 1e-5f);
    float[] xs = x.floats();
    float[] gamma = g.input(1).floats();
    float[] dy = g.outputGrad(0);
    boolean batchStats = g.training();
    float[] runMean = g.input(3).floats();
    float[] runVar = g.input(4).floats();
    float[] dx = g.needsGrad(0) ? g.inputGrad(0) : null;
    float[] dgamma = g.needsGrad(1) ? g.inputGrad(1) : null;
    float[] dbeta = g.needsGrad(2) ? g.inputGrad(2) : null;
    double count = (double) n * inner;
    g.exec().forRange(c, ch -> {
      double mean;
      double var;
      if (batchStats) {
        double s = 0;
        for (int b = 0; b < n; b++) {
          int off = (b * c + ch) * inner;
          for (int i = off; i < off + inner; i++) {
            s += xs[i];
          }
        }
        mean = s / count;
        double q = 0;
        for (int b = 0; b < n; b++) {
          int off = (b * c + ch) * inner;
          for (int i = off; i < off + inner; i++) {
            double d = xs[i] - mean;
            q += d * d;
          }
        }
        var = q / count;
      } else {
        mean = runMean[ch];
        var = runVar[ch];
      }
      double inv = 1 / Math.sqrt(var + eps);
      double sumDy = 0;
      double sumDyXhat = 0;
      for (int b = 0; b < n; b++) {
        int off = (b * c + ch) * inner;
        for (int i = off; i < off + inner; i++) {
          sumDy += dy[i];
          sumDyXhat += dy[i] * (xs[i] - mean) * inv;
        }
      }
      if (dgamma != null) {
        dgamma[ch] += (float) sumDyXhat;
      }
      if (dbeta != null) {
        dbeta[ch] += (float) sumDy;
      }
      if (dx != null) {
        double k = gamma[ch] * inv;
        double mDy = batchStats ? sumDy / count : 0;
        double mDyX = batchStats ? sumDyXhat / count : 0;
        for (int b = 0; b < n; b++) {
          int off = (b * c + ch) * inner;
          for (int i = off; i < off + inner; i++) {
            double xhat = (xs[i] - mean) * inv;
            dx[i] += (float) (k * (dy[i] - mDy - xhat * mDyX));
          }
        }
      }
    });
  }
}
