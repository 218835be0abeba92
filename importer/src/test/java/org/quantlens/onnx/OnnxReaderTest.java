package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.SparseTensorProto;
import org.quantlens.onnx.proto.Onnx.StringStringEntryProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;

class OnnxReaderTest {
  @TempDir Path dir;

  /** x[N,2] -> Gemm(w, b) -> y, Constant shape -> Reshape, with every scalar and list attribute kind. */
  private static ModelProto sample() {
    TensorProto w = Protos.floats("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
    TensorProto b = Protos.floats("b", new long[] {3}, 0.5f, -0.5f, 0);
    TensorProto shape = TensorProto.newBuilder().setDataType(7).addDims(2).addInt64Data(-1).addInt64Data(3).build();
    AttributeProto floats = AttributeProto.newBuilder().setName("fl").setType(AttributeProto.AttributeType.FLOATS)
        .addFloats(1.5f).addFloats(-2f).build();
    AttributeProto strings = AttributeProto.newBuilder().setName("st").setType(AttributeProto.AttributeType.STRINGS)
        .addStrings(ByteString.copyFromUtf8("a")).addStrings(ByteString.copyFromUtf8("héllo")).build();
    GraphProto g = GraphProto.newBuilder().setName("sample")
        .addInput(Protos.tensorInfo("x", 1, "N", 2))
        .addInput(Protos.tensorInfo("w", 1, 2, 3)) // also an initializer: not a run-time input
        .addInitializer(w).addInitializer(b)
        .addNode(Protos.node("gemm", "Gemm", List.of("x", "w", "b"), List.of("h"),
            Protos.attrFloat("alpha", 0.25f), Protos.attrInt("transB", 0), Protos.attrString("note", "ok"),
            Protos.attrInts("ints", 3, -4), floats, strings))
        .addNode(Protos.node("shape", "Constant", List.of(), List.of("s"), Protos.attrTensor("value", shape)))
        .addNode(Protos.node("reshape", "Reshape", List.of("h", "s"), List.of("y")))
        .addOutput(Protos.tensorInfo("y", 1, "N", 3))
        .addValueInfo(Protos.tensorInfo("h", 1, null, 3))
        .build();
    return ModelProto.newBuilder().setIrVersion(7)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx").setVersion(13))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
        .setGraph(g).build();
  }

  @Test
  void readsNodesAttributesInitializersOpsetsAndTypes() {
    Graph g = OnnxReader.read(sample().toByteArray(), "sample.onnx", null);
    assertEquals("sample", g.name());
    assertEquals(Map.of("", 13, "com.microsoft", 1), g.opsets(), "'ai.onnx' is the default domain");
    assertEquals(List.of(new Value("x", DType.F32, -1, 2)), g.inputs(), "initializer 'w' is not an input");
    assertArrayEquals(new String[] {"N", null}, g.inputs().get(0).dimNames());
    assertEquals(List.of(new Value("y", DType.F32, -1, 3)), g.outputs());
    assertEquals(new Value("h", DType.F32, -1, 3), g.valueInfo().get("h"));
    assertNull(g.valueInfo().get("h").dimNames(), "an unnamed unknown dim has no name");
    assertEquals(List.of("w", "b"), List.copyOf(g.initializers().keySet()));
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, g.initializers().get("w").floats());
    assertArrayEquals(new int[] {2, 3}, g.initializers().get("w").shape());

    Node gemm = g.nodes().get(0);
    assertEquals("gemm", gemm.name());
    assertEquals("Gemm", gemm.opType());
    assertEquals("", gemm.domain());
    assertEquals(List.of("x", "w", "b"), gemm.inputs());
    assertEquals(List.of("h"), gemm.outputs());
    assertEquals(0.25f, gemm.attributes().get("alpha").asFloat());
    assertEquals(0, gemm.attributes().get("transB").asLong());
    assertEquals("ok", gemm.attributes().get("note").asString());
    assertArrayEquals(new long[] {3, -4}, gemm.attributes().get("ints").asLongs());
    assertArrayEquals(new float[] {1.5f, -2f}, gemm.attributes().get("fl").asFloats());
    assertEquals(List.of("a", "héllo"), gemm.attributes().get("st").asStrings());
    Tensor s = g.nodes().get(1).attributes().get("value").asTensor();
    assertEquals(DType.I64, s.dtype());
    assertArrayEquals(new long[] {-1, 3}, s.longs());
  }

  @Test
  void readsSubgraphsRecursivelyWithOuterScopeReferences() {
    // If(cond) { then: Add(x, one) with a nested If; else: Identity(x) } -- bodies read the outer 'x'.
    GraphProto inner = GraphProto.newBuilder().setName("inner")
        .addNode(Protos.node("neg", "Neg", List.of("x"), List.of("n")))
        .addOutput(Protos.tensorInfo("n", 1, 2)).build();
    GraphProto then = GraphProto.newBuilder().setName("then")
        .addInitializer(Protos.floats("one", new long[] {}, 1f))
        .addNode(Protos.node("nested", "If", List.of("cond"), List.of("t0"),
            Protos.attrGraph("then_branch", inner), Protos.attrGraph("else_branch", inner)))
        .addNode(Protos.node("add", "Add", List.of("t0", "one"), List.of("t")))
        .addOutput(Protos.tensorInfo("t", 1, 2)).build();
    GraphProto otherwise = GraphProto.newBuilder().setName("else")
        .addNode(Protos.node("id", "Identity", List.of("x"), List.of("e")))
        .addOutput(Protos.tensorInfo("e", 1, 2)).build();
    GraphProto main = GraphProto.newBuilder().setName("main")
        .addInput(Protos.tensorInfo("cond", 9)).addInput(Protos.tensorInfo("x", 1, 2))
        .addNode(Protos.node("if", "If", List.of("cond"), List.of("y"),
            Protos.attrGraph("then_branch", then), Protos.attrGraph("else_branch", otherwise)))
        .addOutput(Protos.tensorInfo("y", 1, 2)).build();
    Graph g = OnnxReader.read(Protos.model(main, 16).toByteArray(), "if.onnx", null);
    Graph t = g.nodes().get(0).attributes().get("then_branch").asGraph();
    assertEquals("then", t.name());
    assertEquals(Map.of("", 16), t.opsets(), "subgraphs use the model's opsets");
    assertEquals(1f, t.initializers().get("one").floats()[0]);
    Graph nested = t.nodes().get(0).attributes().get("else_branch").asGraph();
    assertEquals("Neg", nested.nodes().get(0).opType());
    assertEquals(List.of(new Value("n", DType.F32, 2)), nested.outputs());
    assertEquals("Identity", g.nodes().get(0).attributes().get("else_branch").asGraph().nodes().get(0).opType());
  }

  @Test
  void sparseInitializerAndSparseConstantBecomeDense() {
    TensorProto vals = Protos.floats("sp", new long[] {1}, 9f);
    TensorProto idx = TensorProto.newBuilder().setDataType(7).addDims(1).addInt64Data(2).build();
    SparseTensorProto sp = SparseTensorProto.newBuilder().setValues(vals).setIndices(idx).addDims(4).build();
    GraphProto g = GraphProto.newBuilder()
        .addSparseInitializer(sp)
        .addNode(Protos.node("c", "Constant", List.of(), List.of("k"), AttributeProto.newBuilder()
            .setName("sparse_value").setType(AttributeProto.AttributeType.SPARSE_TENSOR).setSparseTensor(sp).build()))
        .addNode(Protos.node("add", "Add", List.of("sp", "k"), List.of("y")))
        .addOutput(Protos.tensorInfo("y", 1, 4)).build();
    Graph r = OnnxReader.read(Protos.model(g, 13).toByteArray(), "s.onnx", null);
    assertArrayEquals(new float[] {0, 0, 9, 0}, r.initializers().get("sp").floats());
    assertArrayEquals(new float[] {0, 0, 9, 0}, r.nodes().get(0).attributes().get("sparse_value").asTensor().floats());
  }

  @Test
  void untypedAttributeOfOldIrVersionsIsInferredFromItsField() {
    AttributeProto noType = AttributeProto.newBuilder().setName("axis").setI(2).build();
    GraphProto g = GraphProto.newBuilder().addInput(Protos.tensorInfo("x", 1, 2, 2, 2))
        .addNode(Protos.node("sm", "Softmax", List.of("x"), List.of("y"), noType))
        .addOutput(Protos.tensorInfo("y", 1, 2, 2, 2)).build();
    Graph r = OnnxReader.read(Protos.model(g, 1).toByteArray(), "old.onnx", null);
    assertEquals(Attribute.Kind.INT, r.nodes().get(0).attributes().get("axis").kind());
    assertEquals(2, r.nodes().get(0).attributes().get("axis").asLong());
  }

  @Test
  void externalDataInsideTheModelFolderIsRead() throws Exception {
    // weights.bin: 8 bytes of padding, then 3 floats little-endian.
    ByteBuffer bb = ByteBuffer.allocate(8 + 12).order(ByteOrder.LITTLE_ENDIAN);
    bb.putLong(0).putFloat(1.5f).putFloat(-2f).putFloat(3.25f);
    Files.createDirectories(dir.resolve("data"));
    Files.write(dir.resolve("data/weights.bin"), bb.array());
    TensorProto w = TensorProto.newBuilder().setName("w").setDataType(1).addDims(3)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(entry("location", "data/weights.bin"))
        .addExternalData(entry("offset", "8")).addExternalData(entry("length", "12")).build();
    Path model = dir.resolve("model.onnx");
    Files.write(model, identityModel(w).toByteArray());
    Graph g = OnnxReader.read(model);
    assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, g.initializers().get("w").floats());
  }

  @Test
  void externalDataWithoutOffsetAndLengthUsesTheWholeFile() throws Exception {
    Files.write(dir.resolve("w.bin"), new byte[] {1, 0, 0, 0, 0, 0, 0, 0}); // one int64 = 1
    TensorProto w = TensorProto.newBuilder().setName("w").setDataType(7).addDims(1)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(entry("location", "w.bin")).build();
    Path model = dir.resolve("m.onnx");
    Files.write(model, identityModel(w).toByteArray());
    assertEquals(1L, OnnxReader.read(model).initializers().get("w").longs()[0]);
  }

  static StringStringEntryProto entry(String k, String v) {
    return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
  }

  /** y = Identity(w) with w the given initializer. */
  static ModelProto identityModel(TensorProto w) {
    GraphProto g = GraphProto.newBuilder().addInitializer(w)
        .addNode(Protos.node("id", "Identity", List.of(w.getName()), List.of("y")))
        .addOutput(Protos.tensorInfo("y", w.getDataType())).build();
    return Protos.model(g, 13);
  }

  @Test
  void inputWithoutTypeInformationIsKeptAsUnknown() {
    GraphProto g = GraphProto.newBuilder()
        .addInput(org.quantlens.onnx.proto.Onnx.ValueInfoProto.newBuilder().setName("x"))
        .addNode(Protos.node("id", "Identity", List.of("x"), List.of("y")))
        .addOutput(Protos.tensorInfo("y", 1)).build();
    Graph r = OnnxReader.read(Protos.model(g, 13).toByteArray(), "u.onnx", null);
    assertNull(r.inputs().get(0).dtype());
    assertNull(r.inputs().get(0).shape());
    assertFalse(r.outputs().get(0).shape() == null, "a declared empty shape is rank 0, not unknown");
  }

  @Test
  void readsEveryBackendModelWithSupportedTypes() throws Exception {
    List<Path> models = BackendData.models();
    org.junit.jupiter.api.Assumptions.assumeFalse(models.isEmpty(), "ONNX backend test data not installed");
    int read = 0;
    for (Path m : models) {
      List<String> skip = org.quantlens.onnx.conformance.Conformance.skipReasons(OnnxReader.parse(m));
      if (skip.stream().anyMatch(s -> s.startsWith("unsupported types"))) {
        continue;
      }
      OnnxReader.read(m); // must not throw
      read++;
    }
    assertTrue(read > 900, "read " + read + " models");
  }

  @Test
  void backendModelWithUnsupportedTypeIsRefusedWithItsName() {
    Path m = BackendData.root().resolve("node/test_cast_FLOAT_to_BFLOAT16/model.onnx");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(m), "ONNX backend test data not installed");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxReader.read(m));
    assertTrue(e.getMessage().contains("model.onnx") && e.getMessage().contains("BFLOAT16"), e.getMessage());
  }
}
