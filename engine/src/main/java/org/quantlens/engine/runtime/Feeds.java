package org.quantlens.engine.runtime;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.Tensor;

/** The errors a session raises for the tensors a caller feeds it, shared by inference and training. */
public final class Feeds {
  private Feeds() {}

  /**
   * A feed whose name is no graph input. An ONNX file may list an initializer among the graph's
   * inputs, as a default value; sessions fix initializers when they are built (folded, packed,
   * trained), so such a feed gets an error that says so.
   */
  public static ShapeMismatchException unknown(String name, Set<String> initializers,
      Collection<String> inputs) {
    String what = initializers.contains(name)
        ? "input '" + name + "' is an initializer of the model, fixed when the session is built;"
            + " it cannot be fed"
        : "unknown input '" + name + "'";
    return new ShapeMismatchException(what + "; the graph's inputs are " + inputs);
  }

  /** A graph input with no feed. */
  public static ShapeMismatchException missing(Value v) {
    return new ShapeMismatchException("missing input '" + v.name() + "' " + v.dtype() + v.shapeText());
  }

  /**
   * Checks a feed against its graph input: the element type, and the shape {@code want} (the
   * input's declared shape; negative dimensions match any size, null matches every shape).
   */
  public static void check(Value v, int[] want, Tensor t) {
    if (v.dtype() != null && v.dtype() != t.dtype()) {
      throw new ShapeMismatchException("input '" + v.name() + "': expected " + v.dtype()
          + v.shapeText() + ", got " + t.dtype() + Arrays.toString(t.shape()));
    }
    if (want == null) {
      return;
    }
    boolean ok = want.length == t.rank();
    for (int i = 0; ok && i < want.length; i++) {
      ok = want[i] < 0 || want[i] == t.dim(i);
    }
    if (!ok) {
      throw new ShapeMismatchException("input '" + v.name() + "': expected shape " + v.shapeText()
          + ", got " + Arrays.toString(t.shape()));
    }
  }
}
