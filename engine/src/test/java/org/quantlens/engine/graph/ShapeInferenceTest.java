package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class ShapeInferenceTest {
  private static Map<String, Attribute> a(Object... kv) {
    Map<String, Attribute> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof String ? Attribute.of((String) v) : Attribute.of(((Number) v).longValue()));
    }
    return m;
  }

  private static Graph graph(int opset, Value... inputs) {
    Graph g = new Graph("t");
    g.opsets().put("", opset);
    g.inputs().addAll(List.of(inputs));
    return g;
  }

  private static void node(Graph g, String op, List<String> in, List<String> out, Map<String, Attribute> attrs) {
    g.nodes().add(new Node(out.get(0), op, in, out, attrs));
  }

  private static int[] shape(Graph g, String v) {
    return g.valueInfo().get(v).shape();
  }

  @Test
  void convPoolGemmAndMatMulFollowTheirSizeFormulasWithASymbolicBatch() {
    Graph g = graph(17, new Value("x", DType.F32, -1, 3, 32, 30));
    Random r = new Random(1);
    g.initializers().put("w", PassTestSupport.random(r, 8, 3, 5, 3));
    node(g, "Conv", List.of("x", "w"), List.of("c"), a("pads", new long[] {2, 0, 1, 1}, "strides", new long[] {2, 1}));
    node(g, "Conv", List.of("x", "w"), List.of("same"), a("auto_pad", "SAME_UPPER", "strides", new long[] {3, 3}));
    node(g, "MaxPool", List.of("c"), List.of("p"), a("kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2}));
    node(g, "AveragePool", List.of("c"), List.of("pc"), a("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}, "ceil_mode", 1));
    node(g, "GlobalAveragePool", List.of("p"), List.of("gp"), Map.of());
    node(g, "Flatten", List.of("gp"), List.of("f"), Map.of());
    g.initializers().put("wg", PassTestSupport.random(r, 10, 8));
    node(g, "Gemm", List.of("f", "wg"), List.of("y"), a("transB", 1));
    node(g, "MatMul", List.of("p", "pw"), List.of("mm"), Map.of());
    g.initializers().put("pw", PassTestSupport.random(r, 13, 4));
    node(g, "ReduceMean", List.of("c"), List.of("rm"), a("axes", new long[] {2, -1}, "keepdims", 0));
    node(g, "Softmax", List.of("y"), List.of("sm"), Map.of());
    node(g, "ArgMax", List.of("y"), List.of("am"), a("axis", 1));
    node(g, "FancyUnknownOp", List.of("y"), List.of("u"), Map.of());
    node(g, "Relu", List.of("u"), List.of("ru"), Map.of());
    g.outputs().add(new Value("ru", null, (int[]) null, null));
    ShapeInference.run(g);
    // Conv: H (32 + 2 + 1 - 5) / 2 + 1 = 16; W (30 + 0 + 1 - 3) / 1 + 1 = 29
    assertArrayEquals(new int[] {-1, 8, 16, 29}, shape(g, "c"));
    assertArrayEquals(new int[] {-1, 8, 11, 10}, shape(g, "same"), "SAME: ceil(in / stride)");
    assertArrayEquals(new int[] {-1, 8, 7, 14}, shape(g, "p"), "(16-3)/2+1=7, (29-3)/2+1=14");
    assertArrayEquals(new int[] {-1, 8, 8, 15}, shape(g, "pc"), "ceil((16-2)/2)+1=8, ceil((29-2)/2)+1=15");
    assertArrayEquals(new int[] {-1, 8, 1, 1}, shape(g, "gp"));
    assertArrayEquals(new int[] {-1, 8}, shape(g, "f"));
    assertArrayEquals(new int[] {-1, 10}, shape(g, "y"));
    assertArrayEquals(new int[] {-1, 8, 7, 4}, shape(g, "mm"), "[N,8,7,14] x [13,4]: batch broadcast, K not checked");
    assertArrayEquals(new int[] {-1, 8}, shape(g, "rm"));
    assertArrayEquals(new int[] {-1, 10}, shape(g, "sm"));
    assertArrayEquals(new int[] {-1, 1}, shape(g, "am"));
    assertEquals(DType.I64, g.valueInfo().get("am").dtype());
    assertNull(g.valueInfo().get("u"), "unknown ops leave their outputs unknown");
    assertNull(g.valueInfo().get("ru"), "and what follows them");
  }

  @Test
  void recurrentOutputsAndBatchNormAndBroadcasting() {
    Graph g = graph(17, new Value("x", DType.F32, 7, -1, 5), new Value("b", DType.F32, 4, 1, 1, 1));
    node(g, "LSTM", List.of("x", "W", "R"), List.of("y", "yh", "yc"), a("hidden_size", 6, "direction", "bidirectional"));
    node(g, "GRU", List.of("x", "W2", "R2"), List.of("gy", "gh"), a("hidden_size", 3, "layout", 1));
    node(g, "Add", List.of("x", "b"), List.of("s"), Map.of());
    node(g, "Less", List.of("x", "b"), List.of("lt"), Map.of());
    node(g, "BatchNormalization", List.of("s", "sc", "bb", "mn", "vr"), List.of("bn"), Map.of());
    for (String p : new String[] {"W", "R", "W2", "R2", "sc", "bb", "mn", "vr"}) {
      g.initializers().put(p, Tensor.zeros(DType.F32, 1));
    }
    g.outputs().add(new Value("bn", null, (int[]) null, null));
    ShapeInference.run(g);
    assertArrayEquals(new int[] {7, 2, -1, 6}, shape(g, "y"));
    assertArrayEquals(new int[] {2, -1, 6}, shape(g, "yc"));
    assertArrayEquals(new int[] {7, -1, 1, 3}, shape(g, "gy"), "layout 1: [batch, seq, dirs, hidden]");
    assertArrayEquals(new int[] {7, 1, 3}, shape(g, "gh"));
    assertArrayEquals(new int[] {4, 7, -1, 5}, shape(g, "s"), "x's unknown dim against 1 stays unknown");
    assertEquals(DType.BOOL, g.valueInfo().get("lt").dtype());
    assertArrayEquals(new int[] {4, 7, -1, 5}, g.outputs().get(0).shape(), "graph outputs get the inferred type");
    assertEquals(DType.F32, g.outputs().get(0).dtype());
  }

  @Test
  void inferredShapesOfShapeOpsEqualTheShapesTheOpsProduce() {
    Random r = new Random(2);
    Graph g = graph(17, new Value("x", DType.F32, 2, 3, 4, 5));
    g.initializers().put("perm_shape", Tensor.of(new long[] {0, -1, 4}, 3));
    g.initializers().put("starts", Tensor.of(new long[] {1, Long.MAX_VALUE}, 2));
    g.initializers().put("ends", Tensor.of(new long[] {-1, Long.MIN_VALUE}, 2));
    g.initializers().put("axes", Tensor.of(new long[] {1, 3}, 2));
    g.initializers().put("steps", Tensor.of(new long[] {1, -2}, 2));
    g.initializers().put("pads", Tensor.of(new long[] {0, 1, 0, 3, 0, 0, 2, 0}, 8));
    g.initializers().put("idx", Tensor.of(new long[] {2, 0, 1}, 3));
    g.initializers().put("rep", Tensor.of(new long[] {1, 2, 1, 1}, 4));
    g.initializers().put("ax0", Tensor.of(new long[] {0}, 1));
    g.initializers().put("split", Tensor.of(new long[] {1, 3}, 2));
    g.initializers().put("eshape", Tensor.of(new long[] {3, 1, 1, 1, 1}, 5));
    node(g, "Transpose", List.of("x"), List.of("t"), a("perm", new long[] {0, 2, 3, 1}));
    node(g, "Reshape", List.of("t", "perm_shape"), List.of("rs"), Map.of());
    node(g, "Slice", List.of("x", "starts", "ends", "axes", "steps"), List.of("sl"), Map.of());
    node(g, "Pad", List.of("x", "pads"), List.of("pd"), Map.of());
    node(g, "Gather", List.of("x", "idx"), List.of("ga"), a("axis", 2));
    node(g, "Tile", List.of("x", "rep"), List.of("ti"), Map.of());
    node(g, "Unsqueeze", List.of("x", "ax0"), List.of("us"), Map.of());
    node(g, "Squeeze", List.of("us", "ax0"), List.of("sq"), Map.of());
    node(g, "Concat", List.of("x", "ti"), List.of("cc"), a("axis", -3));
    node(g, "Split", List.of("x", "split"), List.of("sp0", "sp1"), a("axis", 2));
    node(g, "Expand", List.of("x", "eshape"), List.of("ex"), Map.of());
    node(g, "Flatten", List.of("x"), List.of("fl"), a("axis", -1));
    node(g, "Cast", List.of("x"), List.of("ca"), a("to", 10));
    node(g, "Shape", List.of("x"), List.of("sh"), a("start", 1));
    node(g, "ConstantOfShape", List.of("sh"), List.of("cs"), Map.of());
    node(g, "SpaceToDepth", List.of("pd"), List.of("sd"), a("blocksize", 2));
    for (String o : new String[] {"rs", "sl", "ga", "ti", "sq", "cc", "sp0", "sp1", "ex", "fl", "ca", "cs", "sd"}) {
      g.outputs().add(new Value(o, null, (int[]) null, null));
    }
    Map<String, Tensor> values = PassTestSupport.runAll(g, OpRegistry.standard(),
        Map.of("x", PassTestSupport.random(r, 2, 3, 4, 5)));
    ShapeInference.run(g);
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        Value v = g.valueInfo().get(o);
        assertArrayEquals(values.get(o).shape(), v.shape(), o);
        assertEquals(values.get(o).dtype(), v.dtype(), o);
      }
    }
  }

  @Test
  void pytorchFlattenWithSymbolicBatchInfersTheRestOfTheShape() {
    Graph g = DynamicFlatten.graph(-1);
    ShapeInference.run(g);
    assertArrayEquals(new int[] {-1, 48}, shape(g, "flat"));
    assertArrayEquals(new int[] {2}, shape(g, "target"));
  }
}
