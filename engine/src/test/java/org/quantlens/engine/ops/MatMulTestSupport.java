package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.Tensor;

/** Builds Gemm/MatMul operators straight from the registry, and a naive matmul to check them. */
final class MatMulTestSupport {
  private MatMulTestSupport() {}

  /** The operator for a node named "n1" of {@code type} with {@code inputs} inputs. */
  static Operator op(String type, int opset, int inputs, Map<String, Attribute> attrs,
      Tensor... constants) {
    List<String> in = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      in.add("x" + i);
    }
    Node node = new Node("n1", type, in, List.of("y"), attrs);
    return OpRegistry.standard().find("", type, opset).factory()
        .create(new NodeContext(node, opset, constants, null));
  }

  static Tensor run(Operator op, Tensor... inputs) {
    return op.run(inputs, ExecContext.SERIAL)[0];
  }

  static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    return x;
  }

  /**
   * numpy.matmul written out plainly, in double: returns {values, |products| sums} for output
   * element order, with the output shape in {@code outShape[0]}.
   */
  static double[][] naiveMatMul(double[] a, int[] as, double[] b, int[] bs, int[][] outShape) {
    boolean aVec = as.length == 1;
    boolean bVec = bs.length == 1;
    int[] a2 = aVec ? new int[] {1, as[0]} : as;
    int[] b2 = bVec ? new int[] {bs[0], 1} : bs;
    int m = a2[a2.length - 2];
    int k = a2[a2.length - 1];
    int n = b2[b2.length - 1];
    int rank = Math.max(a2.length, b2.length) - 2;
    int[] batch = new int[rank];
    for (int d = 0; d < rank; d++) {
      int da = dimFromEnd(a2, rank - d + 2);
      int db = dimFromEnd(b2, rank - d + 2);
      batch[d] = Math.max(da, db);
    }
    List<Integer> shape = new ArrayList<>();
    for (int d : batch) {
      shape.add(d);
    }
    if (!aVec) {
      shape.add(m);
    }
    if (!bVec) {
      shape.add(n);
    }
    outShape[0] = shape.stream().mapToInt(Integer::intValue).toArray();
    int batches = 1;
    for (int d : batch) {
      batches *= d;
    }
    double[] out = new double[batches * m * n];
    double[] abs = new double[batches * m * n];
    int[] idx = new int[rank];
    for (int t = 0; t < batches; t++) {
      int rem = t;
      for (int d = rank - 1; d >= 0; d--) {
        idx[d] = rem % batch[d];
        rem /= batch[d];
      }
      int aBase = batchOffset(idx, a2) * m * k;
      int bBase = batchOffset(idx, b2) * k * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          double s2 = 0;
          for (int p = 0; p < k; p++) {
            double prod = a[aBase + i * k + p] * b[bBase + p * n + j];
            s += prod;
            s2 += Math.abs(prod);
          }
          out[(t * m + i) * n + j] = s;
          abs[(t * m + i) * n + j] = s2;
        }
      }
    }
    return new double[][] {out, abs};
  }

  /** Dimension {@code fromEnd} counted from the end (1 = last), or 1 when the rank is too small. */
  private static int dimFromEnd(int[] shape, int fromEnd) {
    return fromEnd <= shape.length ? shape[shape.length - fromEnd] : 1;
  }

  /** Offset in matrices of the batch index {@code idx} (right-aligned) into a matrix stack. */
  private static int batchOffset(int[] idx, int[] shape) {
    int batchRank = shape.length - 2;
    int off = 0;
    for (int d = 0; d < batchRank; d++) {
      int i = idx[idx.length - batchRank + d];
      off = off * shape[d] + (shape[d] == 1 ? 0 : i);
    }
    return off;
  }

  static double[] toDoubles(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }

  /**
   * float32 result against the exact one: {@code |got - exact| <= 1e-5 * sqrt(k) * sum|a*b|}
   * (float rounding of a k-term sum stays far below this; a wrong term does not).
   */
  static void assertClose(double[] exact, double[] absSums, int k, Tensor got, int[] shape) {
    assertArrayEquals(shape, got.shape(), "shape");
    float[] g = got.floats();
    for (int i = 0; i < exact.length; i++) {
      double tol = 1e-5 * Math.sqrt(Math.max(1, k)) * absSums[i] + 1e-30;
      if (Math.abs(g[i] - exact[i]) > tol) {
        fail("element " + i + " of " + Arrays.toString(shape) + ": got " + g[i] + ", expected "
            + exact[i] + " (tolerance " + tol + ")");
      }
    }
  }
}
