package org.quantlens.engine.quant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Rewrites symmetric int8 weights (zero point 0) that Conv, Gemm and MatMul read through
 * DequantizeLinear as uint8 with zero point 128: {@code q_u8 = q_s8 + 128}, so every dequantized
 * value is bit-for-bit the same. Why: on x86 CPUs without VNNI, ONNX Runtime's fused uint8 x int8
 * kernels add pairs of products in saturating 16-bit arithmetic and so differ from the QDQ
 * semantics, while its uint8 x uint8 kernels are exact; with uint8 weights its default (fused)
 * mode computes what our int8 kernels compute. Only weights whose reader's data input is uint8
 * (read through a DequantizeLinear of uint8) are rewritten: ONNX Runtime fuses int8 activations
 * only with int8 weights. {@link QdqFolding} turns such weights back into int8 at load.
 *
 * <p>ConvInteger (our dynamic-int8 convolutions) gets the same treatment for another reason:
 * ONNX Runtime implements it for uint8 weights only, with one zero point. Its int8 weights with
 * zero points all 0 become uint8 with the scalar zero point 128 (our ConvInteger reads both).
 */
public final class UnsignedWeightExport {
  /** The zero point a uint8 weight gets: the int8 value 0 shifted into uint8. */
  public static final int ZERO_POINT = 128;

  private UnsignedWeightExport() {}

  /** {@code g} unchanged when nothing qualifies, else a copy with the rewritten weights. */
  public static Graph lower(Graph g) {
    Map<String, Integer> readers = new HashMap<>();
    Map<String, Node> producer = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String in : n.inputs()) {
        readers.merge(in, 1, Integer::sum);
      }
      for (String out : n.outputs()) {
        producer.put(out, n);
      }
    }
    Graph out = null;
    for (Node n : g.nodes()) {
      if (isConvInteger(n) && convertibleConvInteger(g, n, readers)) {
        if (out == null) {
          out = g.copy();
        }
        out.initializers().put(n.input(1), shifted(g.initializers().get(n.input(1))));
        out.initializers().put(n.input(3), Tensor.wrap(DType.U8, new byte[] {(byte) ZERO_POINT}, new int[0]));
        continue;
      }
      if (!n.domain().isEmpty() || !isMatrixOp(n.opType()) || n.inputs().size() < 2) {
        continue;
      }
      Node x = producer.get(n.input(0));
      Node w = producer.get(n.input(1));
      if (x == null || w == null || !isDq(x) || !isDq(w) || !readsUint8(g, x)) {
        continue;
      }
      if (readers.getOrDefault(n.input(1), 0) != 1 || g.isOutput(n.input(1))
          || !convertible(g, w, readers)) {
        continue;
      }
      if (out == null) {
        out = g.copy();
      }
      Tensor q = g.initializers().get(w.input(0));
      Tensor z = g.initializers().get(w.input(2));
      out.initializers().put(w.input(0), shifted(q));
      out.initializers().put(w.input(2), shifted(z));
    }
    return out == null ? g : out;
  }

  private static boolean isMatrixOp(String op) {
    return op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul");
  }

  private static boolean isConvInteger(Node n) {
    return n.domain().isEmpty() && n.opType().equals("ConvInteger") && n.inputs().size() == 4;
  }

  /**
   * A ConvInteger with an int8 constant weight and an int8 constant weight zero point of zeros,
   * both read by this node only.
   */
  private static boolean convertibleConvInteger(Graph g, Node n, Map<String, Integer> readers) {
    return symmetricInt8(g, n.input(1), n.input(3), readers);
  }

  private static boolean isDq(Node n) {
    return n.domain().isEmpty() && n.opType().equals("DequantizeLinear") && n.inputs().size() == 3;
  }

  /** A DequantizeLinear whose zero point is a uint8 constant. */
  private static boolean readsUint8(Graph g, Node dq) {
    Tensor z = g.initializers().get(dq.input(2));
    return z != null && z.dtype() == DType.U8;
  }

  /** An int8 constant weight with int8 zero points all 0, each read only by this DequantizeLinear. */
  private static boolean convertible(Graph g, Node dq, Map<String, Integer> readers) {
    return symmetricInt8(g, dq.input(0), dq.input(2), readers);
  }

  /**
   * Constants {@code q} and {@code z}, both int8, the zero points {@code z} all 0, each read by
   * one node only and neither a graph output.
   */
  private static boolean symmetricInt8(Graph g, String qName, String zName,
      Map<String, Integer> readers) {
    Tensor q = g.initializers().get(qName);
    Tensor z = g.initializers().get(zName);
    if (q == null || z == null || q.dtype() != DType.I8 || z.dtype() != DType.I8) {
      return false;
    }
    for (String name : List.of(qName, zName)) {
      if (readers.getOrDefault(name, 0) != 1 || g.isOutput(name)) {
        return false;
      }
    }
    for (byte b : z.bytes()) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static Tensor shifted(Tensor s8) {
    byte[] src = s8.bytes();
    byte[] u = new byte[src.length];
    for (int i = 0; i < u.length; i++) {
      u[i] = (byte) (src[i] + ZERO_POINT); // two's complement: s + 128 as an unsigned byte
    }
    return Tensor.wrap(DType.U8, u, s8.shape());
  }
}
