package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.conformance.Conformance;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;

class OnnxWriterTest {
  @TempDir Path dir;

  /** A graph using every attribute kind, every dtype as initializer, symbolic dims and a subgraph. */
  static Graph everything() {
    Graph g = new Graph("everything");
    g.opsets().put("", 17);
    g.opsets().put("com.example", 2);
    g.inputs().add(new Value("x", DType.F32, new int[] {-1, 4}, new String[] {"batch", null}));
    g.inputs().add(new Value("flag", DType.BOOL, new int[0], null));
    int k = 0;
    for (DType t : DType.values()) {
      Tensor w = Tensor.zeros(t, 2, 3);
      for (int i = 0; i < w.size(); i++) {
        w.setDouble(i, (i - 2) * 1.25 + k);
      }
      g.initializers().put("w_" + t.name().toLowerCase(), w);
      k++;
    }
    Graph body = new Graph("body");
    body.opsets().putAll(g.opsets());
    body.initializers().put("two", Tensor.scalar(2f));
    body.nodes().add(new Node("mul", "Mul", List.of("x", "two"), List.of("bx"), Map.of()));
    body.outputs().add(new Value("bx", DType.F32, (int[]) null, null));
    Map<String, Attribute> attrs = new java.util.LinkedHashMap<>();
    attrs.put("f", Attribute.of(0.5f));
    attrs.put("i", Attribute.of(-7L));
    attrs.put("s", Attribute.of("ünïcode"));
    attrs.put("t", Attribute.of(Tensor.of(new long[] {1, 2, 3}, 3)));
    attrs.put("fs", Attribute.of(new float[] {1f, Float.NaN, -0f}));
    attrs.put("is", Attribute.of(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
    attrs.put("ss", Attribute.ofStrings(List.of("a", "", "c")));
    attrs.put("ts", Attribute.ofTensors(List.of(Tensor.scalar(1f), Tensor.of(new int[] {4}, 1))));
    g.nodes().add(new Node("custom", "Fancy", "com.example", List.of("x", "", "w_f32"), List.of("c", ""), attrs));
    g.nodes().add(new Node("if", "If", List.of("flag"), List.of("y"),
        Map.of("then_branch", Attribute.of(body), "else_branch", Attribute.of(body))));
    g.valueInfo().put("c", new Value("c", null, new int[] {-1, -1}, null));
    g.outputs().add(new Value("y", DType.F32, new int[] {-1, 4}, new String[] {"batch", null}));
    g.outputs().add(new Value("c", DType.F64, (int[]) null, null));
    return g;
  }

  @Test
  void readWriteReadKeepsEveryAttributeKindAndDtypeBitExact() {
    Graph g = everything();
    Graph back = OnnxReader.read(OnnxWriter.toBytes(g), "everything.onnx", null);
    GraphAssert.assertSameGraph(g, back, "everything");
    Graph again = OnnxReader.read(OnnxWriter.toBytes(back), "again.onnx", null);
    GraphAssert.assertSameGraph(back, again, "second round");
  }

  @Test
  void modelHeaderCarriesIrVersionProducerAndOpsets() throws Exception {
    ModelProto m = ModelProto.parseFrom(OnnxWriter.toBytes(everything()));
    assertEquals(8, m.getIrVersion());
    assertEquals("quantlens", m.getProducerName());
    assertEquals(2, m.getOpsetImportCount());
    assertEquals("", m.getOpsetImport(0).getDomain());
    assertEquals(17, m.getOpsetImport(0).getVersion());
    assertEquals("com.example", m.getOpsetImport(1).getDomain());
    assertTrue(m.getGraph().getInitializerList().stream().allMatch(t -> t.hasRawData()), "initializers as raw_data");
    assertEquals("batch", m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
    assertFalse(m.getGraph().getOutput(1).getType().getTensorType().hasShape(), "unknown rank: no shape written");
  }

  @Test
  void graphWithoutOpsetIsRefused() {
    Graph g = new Graph("g");
    QuantLensException e = assertThrows(QuantLensException.class, () -> OnnxWriter.toBytes(g));
    assertTrue(e.getMessage().contains("opset"), e.getMessage());
  }

  /** x -> Conv(w) with a fused activation -> y, at the given opset. */
  static Graph fusedConv(int opset, String act, Map<String, Attribute> extra) {
    Graph g = new Graph("fused");
    g.opsets().put("", opset);
    g.inputs().add(new Value("x", DType.F32, 1, 1, 3, 3));
    float[] w = {0.5f, -1f, 2f, 0.25f};
    g.initializers().put("w", Tensor.of(w, 1, 1, 2, 2));
    Map<String, Attribute> a = new java.util.LinkedHashMap<>();
    a.put("kernel_shape", Attribute.of(new long[] {2, 2}));
    a.put(FusedActivation.ATTR, Attribute.of(act));
    a.putAll(extra);
    g.nodes().add(new Node("conv", "Conv", List.of("x", "w"), List.of("y"), a));
    g.outputs().add(new Value("y", DType.F32, 1, 1, 2, 2));
    return g;
  }

  @Test
  void fusedActivationsBecomeSeparatePlainOnnxNodes() {
    for (String act : List.of("Relu", "Sigmoid", "Tanh")) {
      Graph back = OnnxReader.read(OnnxWriter.toBytes(fusedConv(13, act, Map.of())), "f.onnx", null);
      assertEquals(2, back.nodes().size(), act);
      Node conv = back.nodes().get(0);
      Node a = back.nodes().get(1);
      assertArrayEquals(new long[] {2, 2}, conv.attributes().get("kernel_shape").asLongs(), act);
      assertEquals(1, conv.attributes().size(), "no ql.* attribute is written");
      assertEquals(act, a.opType());
      assertEquals(conv.outputs(), a.inputs(), "the activation reads the conv's renamed output");
      assertEquals(List.of("y"), a.outputs(), "consumers still see 'y'");
    }
    Graph leaky = OnnxReader.read(OnnxWriter.toBytes(fusedConv(13, "LeakyRelu",
        Map.of(FusedActivation.ATTR_ALPHA, Attribute.of(0.2f)))), "l.onnx", null);
    assertEquals(0.2f, leaky.nodes().get(1).attributes().get("alpha").asFloat());

    Map<String, Attribute> bounds = Map.of(FusedActivation.ATTR_MIN, Attribute.of(0f),
        FusedActivation.ATTR_MAX, Attribute.of(6f));
    Graph clip13 = OnnxReader.read(OnnxWriter.toBytes(fusedConv(13, "Clip", bounds)), "c.onnx", null);
    Node clip = clip13.nodes().get(1);
    assertEquals(3, clip.inputs().size(), "opset >= 11: bounds are inputs");
    assertEquals(0f, clip13.initializers().get(clip.inputs().get(1)).floats()[0]);
    assertEquals(6f, clip13.initializers().get(clip.inputs().get(2)).floats()[0]);
    assertEquals(0, clip13.initializers().get(clip.inputs().get(1)).rank(), "bounds are scalars");
    Graph clip6 = OnnxReader.read(OnnxWriter.toBytes(fusedConv(6, "Clip", bounds)), "c6.onnx", null);
    Node old = clip6.nodes().get(1);
    assertEquals(1, old.inputs().size(), "opset < 11: bounds are attributes");
    assertEquals(0f, old.attributes().get("min").asFloat());
    assertEquals(6f, old.attributes().get("max").asFloat());
  }

  @Test
  void fusedActivationNamesNeverCollideWithExistingValues() throws Exception {
    Graph g = fusedConv(13, "Relu", Map.of());
    g.initializers().put("y_preact", Tensor.scalar(1f)); // the name the writer would pick first
    ModelProto m = ModelProto.parseFrom(OnnxWriter.toBytes(g));
    NodeProto conv = m.getGraph().getNode(0);
    assertFalse(conv.getOutput(0).equals("y_preact"));
    assertEquals(conv.getOutput(0), m.getGraph().getNode(1).getInput(0));
  }

  @Test
  void writeToFileIsAtomicAndReplacesTheOldFile() throws Exception {
    Path f = dir.resolve("sub/model.onnx");
    OnnxWriter.write(fusedConv(13, "Relu", Map.of()), f);
    OnnxWriter.write(everything(), f);
    GraphAssert.assertSameGraph(everything(), OnnxReader.read(f), "file");
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(List.of(f.getFileName().toString()),
          s.map(p -> p.getFileName().toString()).collect(Collectors.toList()), "no temporary file left");
    }
  }

  @Test
  void everyBackendModelSurvivesReadWriteRead() {
    List<Path> models = BackendData.models();
    Assumptions.assumeFalse(models.isEmpty(), "ONNX backend test data not installed");
    int n = 0;
    for (Path m : models) {
      ModelProto p = OnnxReader.parse(m);
      if (Conformance.skipReasons(p).stream().anyMatch(s -> s.startsWith("unsupported types"))) {
        continue;
      }
      Graph a = OnnxReader.convert(p, m.toString(), m.getParent());
      Graph b = OnnxReader.read(OnnxWriter.toBytes(a), m + " (rewritten)", null);
      GraphAssert.assertSameGraph(a, b, m.toString());
      n++;
    }
    assertTrue(n > 900, "round-tripped " + n + " models");
  }

  @Test
  void opsetNeedingANewerIrVersionGetsIt() {
    assertEquals(8, OnnxWriter.irVersion(17));
    assertEquals(8, OnnxWriter.irVersion(18));
    assertEquals(9, OnnxWriter.irVersion(19));
    assertEquals(10, OnnxWriter.irVersion(21));
  }
}
