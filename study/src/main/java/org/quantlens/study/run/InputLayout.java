package org.quantlens.study.run;

import java.util.Arrays;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * How a model takes images: its input's name and per-sample shape, which is the image's
 * {@code [C, H, W]} or the same pixels viewed as rows ({@code [H, W]}, one channel only: a
 * row-sequential RNN's time steps) or flat ({@code [C*H*W]}). Conversion is a reshape, no copy.
 */
record InputLayout(String input, int[] sampleShape) {
  /**
   * The layout of {@code g} for {@code [C, H, W]} images.
   *
   * @throws StudyConfigException naming {@code field} when the model's input does not fit
   */
  static InputLayout of(Graph g, String field, String dataset, int c, int h, int w) {
    if (g.inputs().size() != 1) {
      throw new StudyConfigException(field, "the model has " + g.inputs().size() + " inputs "
          + g.inputs().stream().map(Value::name).toList() + "; a study model takes one image input");
    }
    Value in = g.inputs().get(0);
    if (in.dtype() != null && in.dtype() != DType.F32) {
      throw new StudyConfigException(field, "input '" + in.name() + "' is " + in.dtype()
          + "; a study model takes float32 images in [0, 1]");
    }
    int[] want = in.shape();
    // Rows only for one channel: with more, a row's pixels are not contiguous in [C, H, W], so an
    // [H, W*C] model would need a transpose, not a view (the zoo's row models take [C, H, W]).
    int[][] options = c == 1 ? new int[][] {{c, h, w}, {h, w}, {c * h * w}} : new int[][] {{c, h, w}, {c * h * w}};
    if (want != null) {
      for (int[] o : options) {
        if (fits(want, o)) {
          return new InputLayout(in.name(), o);
        }
      }
    }
    if (want == null) {
      return new InputLayout(in.name(), options[0]);
    }
    throw new StudyConfigException(field, "input '" + in.name() + "' expects " + in.shapeText() + " but "
        + dataset + " gives images [N," + c + "," + h + "," + w + "] (also accepted: "
        + (c == 1 ? "[N," + h + "," + w + "] rows, " : "") + "[N," + (c * h * w) + "] flat)");
  }

  private static boolean fits(int[] want, int[] sample) {
    if (want.length != sample.length + 1) {
      return false;
    }
    for (int i = 0; i < sample.length; i++) {
      if (want[i + 1] >= 0 && want[i + 1] != sample[i]) {
        return false;
      }
    }
    return true;
  }

  /** Rows {@code [from, from + count)} of an F32 {@code [N, C, H, W]} tensor, shaped for the model. */
  Tensor slice(Tensor nchw, int from, int count) {
    int per = nchw.size() / nchw.dim(0);
    float[] part = Arrays.copyOfRange(nchw.floats(), from * per, (from + count) * per);
    return Tensor.of(part, shape(count));
  }

  /** The whole tensor, shaped for the model (a view). */
  Tensor view(Tensor nchw) {
    return Tensor.wrap(DType.F32, nchw.data(), shape(nchw.dim(0)));
  }

  private int[] shape(int n) {
    int[] s = new int[sampleShape.length + 1];
    s[0] = n;
    System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
    return s;
  }
}
