package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Regression cases the importer fuzzer found (dev/fuzz, seed 20261125): each once came out as a
 * typed error hiding an internal one (NegativeArraySizeException, ArithmeticException). Now each is
 * a typed error with no untyped cause, and its message names the node.
 */
class FuzzFoundTest {
  @Test
  void aHugeLegacyBroadcastAxisIsATypedErrorNotANegativeArraySize() {
    // opset 6 Add with broadcast=1 and axis near Integer.MAX_VALUE: axis + rank overflowed
    Graph g = graph(6, new Node("add", "Add", List.of("x", "x"), List.of("y"),
        Map.of("broadcast", Attribute.of(1L), "axis", Attribute.of(2147483645L))));
    assertTypedNamingNode(g, "'add' (Add)");
  }

  @Test
  void tileRepeatsThatOverflowADimensionAreATypedError() {
    Graph g = graph(13, new Node("tile", "Tile", List.of("x", "r"), List.of("y"), Map.of()));
    g.initializers().put("r", Tensor.of(new long[] {1, 1 << 30}, 2));
    assertTypedNamingNode(g, "'tile' (Tile)");
  }

  @Test
  void aDepthToSpaceBlockWhoseSquareOverflowsIsRefusedAtLoad() {
    // 65536^2 wrapped to 0 in int arithmetic: a division by zero at run time
    Graph g = graph(13, new Node("d2s", "DepthToSpace", List.of("x4"), List.of("y"),
        Map.of("blocksize", Attribute.of(65536L))));
    assertTypedNamingNode(g, "'d2s' (DepthToSpace)");
  }

  @Test
  void aPoolWhoseOutputWouldExceedTheElementLimitIsATypedError() {
    // pads of a billion make a 1e9 x 1e9 output: the allocation's size overflowed an int
    Graph g = graph(13, new Node("pool", "MaxPool", List.of("x4"), List.of("y"),
        Map.of("kernel_shape", Attribute.of(new long[] {1, 1}),
            "pads", Attribute.of(new long[] {0, 0, 1_000_000_000L, 1_000_000_000L}))));
    assertTypedAllTheWayDown(g);
  }

  @Test
  void poolPadsBeyondTheKernelAreRefusedAtLoadInsteadOfComputingAHugeOutput() {
    // MaxPool 5x5 with a pad of 16777215: a 5x5 input made an 84-million-element output (a hang)
    Graph g = graph(13, new Node("mp", "MaxPool", List.of("x4"), List.of("y"),
        Map.of("kernel_shape", Attribute.of(new long[] {1, 1}), "pads", Attribute.of(new long[] {0, 0, 0, 16777215}))));
    long t0 = System.nanoTime();
    assertTypedNamingNode(g, "'mp' (MaxPool)");
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused quickly");
  }

  @Test
  void batchNormConstantsOfDifferentLengthsAreATypedErrorAtLoad() {
    // a bit flip left var shorter than scale: folding the constants read past var's end
    Graph g = graph(15, new Node("bn", "BatchNormalization", List.of("x4", "s", "b", "m", "v"),
        List.of("y"), Map.of()));
    g.initializers().put("s", Tensor.of(new float[] {1, 1, 1, 1}, 4));
    g.initializers().put("b", Tensor.of(new float[] {0, 0, 0, 0}, 4));
    g.initializers().put("m", Tensor.of(new float[] {0, 0, 0, 0}, 4));
    g.initializers().put("v", Tensor.of(new float[0], 0));
    assertTypedNamingNode(g, "'bn' (BatchNormalization)");
  }

  @Test
  void aConvIntegerWithScalarWeightsAtRunTimeIsATypedError() {
    // w computed at run time (a graph input) as a scalar: the weight packer read its dimension 0
    Graph g = graph(13, new Node("ci", "ConvInteger", List.of("x8", "w8"), List.of("y"), Map.of()));
    g.inputs().add(new Value("x8", DType.U8, 1, 1, 2, 2));
    g.inputs().add(new Value("w8", DType.U8, new int[0]));
    QuantLensException e = assertThrows(QuantLensException.class, () -> {
      try (Session s = new Session(g, new Session.Options().optimize(false).threads(1))) {
        s.run(Map.of("x", Tensor.zeros(DType.F32, 2, 2), "x4", Tensor.zeros(DType.F32, 1, 4, 1, 1),
            "x8", Tensor.zeros(DType.U8, 1, 1, 2, 2), "w8", Tensor.zeros(DType.U8)));
      }
    });
    assertTrue(e.getCause() == null || e.getCause() instanceof QuantLensException, String.valueOf(e.getCause()));
    assertTrue(e.getMessage().contains("w must have at least 3 dimensions"), e.getMessage());
  }

  /** Building and running {@code g} fails with a typed error, with no untyped cause, naming the node. */
  private static void assertTypedNamingNode(Graph g, String node) {
    QuantLensException e = assertTypedAllTheWayDown(g);
    assertTrue(e.getMessage().contains(node), e.getMessage());
  }

  private static QuantLensException assertTypedAllTheWayDown(Graph g) {
    QuantLensException e = assertThrows(QuantLensException.class, () -> {
      try (Session s = new Session(g, new Session.Options().optimize(false).threads(1))) {
        s.run(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2),
            "x4", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4, 1, 1)));
      }
    });
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      assertTrue(c instanceof QuantLensException, "an untyped cause: " + c + " under " + e.getMessage());
    }
    return e;
  }

  /** Inputs x (F32 2x2) and x4 (F32 1x4x1x1), the node, output y. */
  private static Graph graph(int opset, Node node) {
    Graph g = new Graph("fuzz-found");
    g.opsets().put("", opset);
    g.inputs().add(new Value("x", DType.F32, 2, 2));
    g.inputs().add(new Value("x4", DType.F32, 1, 4, 1, 1));
    g.nodes().add(node);
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }
}
