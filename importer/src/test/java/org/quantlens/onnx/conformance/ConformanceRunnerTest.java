package org.quantlens.onnx.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.TensorProtos;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.TensorShapeProto;
import org.quantlens.onnx.proto.Onnx.TypeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/** The runner itself, on hand-made cases: line format, SKIP/FAIL rules, tolerances, time limit. */
class ConformanceRunnerTest {
  @TempDir Path dir;

  private static ValueInfoProto floatInfo(String name, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
  }

  /** y = op(x), float [n], in {@code domain}. */
  private static ModelProto unary(String op, String domain, int opset, int n) {
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(floatInfo("x", n)).addOutput(floatInfo("y", n))
        .addNode(NodeProto.newBuilder().setOpType(op).setDomain(domain).addInput("x").addOutput("y")).build();
    ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
    if (!domain.isEmpty()) {
      m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
    }
    return m.build();
  }

  private Path writeCase(String suite, String name, byte[] model, Tensor in, Tensor out) throws Exception {
    Path c = Files.createDirectories(dir.resolve(suite).resolve(name));
    Files.write(c.resolve("model.onnx"), model);
    Path set = Files.createDirectories(c.resolve("test_data_set_0"));
    if (in != null) {
      Files.write(set.resolve("input_0.pb"), TensorProtos.toProto("x", in).toByteArray());
    }
    if (out != null) {
      Files.write(set.resolve("output_0.pb"), TensorProtos.toProto("y", out).toByteArray());
    }
    return c;
  }

  private static String run(Path d, String filter, Conformance.Summary[] summary) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      summary[0] = Conformance.run(List.of(d), id -> id.matches(filter), ps);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void unregisteredOpsAreSkippedWithTheirOpsetAndUnsupportedTypesNamed() throws Exception {
    Tensor x = Tensor.of(new float[] {1, 2}, 2);
    writeCase("suite", "test_a_noop", unary("NoSuchOp", "", 13, 2).toByteArray(), x, x);
    writeCase("suite", "test_b_custom", unary("Fancy", "com.example", 13, 2).toByteArray(), x, x);
    ModelProto seq = unary("NoSuchOp", "", 13, 2);
    seq = seq.toBuilder().setGraph(seq.getGraph().toBuilder().setInput(0, ValueInfoProto.newBuilder().setName("x")
        .setType(TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
            .setElemType(floatInfo("", 2).getType()))))).build();
    writeCase("suite", "test_c_seq", seq.toByteArray(), null, null);
    ModelProto bf16 = unary("NoSuchOp", "", 13, 2);
    bf16 = bf16.toBuilder().setGraph(bf16.getGraph().toBuilder().setOutput(0, ValueInfoProto.newBuilder().setName("y")
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(16))))).build();
    writeCase("suite", "test_d_bf16", bf16.toByteArray(), null, null);
    Files.write(Files.createDirectories(dir.resolve("suite/test_e_garbage")).resolve("model.onnx"),
        "not protobuf at all".getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(dir.resolve("suite/test_f_nomodel"));
    Files.createDirectories(dir.resolve("suite/not_a_case"));

    Conformance.Summary[] s = new Conformance.Summary[1];
    String out = run(dir.resolve("suite"), ".*", s);
    assertEquals(String.join("\n",
        "SKIP suite/test_a_noop: unsupported ops: NoSuchOp-13",
        "SKIP suite/test_b_custom: unsupported ops: com.example.Fancy-1",
        "SKIP suite/test_c_seq: unsupported ops: NoSuchOp-13; unsupported types: sequence input",
        "SKIP suite/test_d_bf16: unsupported ops: NoSuchOp-13; unsupported types: bfloat16 output",
        "FAIL suite/test_e_garbage: " + dir.resolve("suite/test_e_garbage/model.onnx")
            + ": not an ONNX model (protobuf parse failed: Protocol message tag had invalid wire type.)",
        "SKIP suite/test_f_nomodel: no model.onnx (the model is not installed)",
        "0 passed, 1 failed, 5 skipped", ""), out);
    assertEquals(1, s[0].failed());
    assertEquals(5, s[0].skipped());
  }

  @Test
  void filterSelectsBySuiteSlashCaseAndASingleCaseFolderWorks() throws Exception {
    Tensor x = Tensor.of(new float[] {1}, 1);
    Path a = writeCase("s", "test_one", unary("NoSuchOp", "", 13, 1).toByteArray(), x, x);
    writeCase("s", "test_two", unary("NoSuchOp", "", 13, 1).toByteArray(), x, x);
    Conformance.Summary[] s = new Conformance.Summary[1];
    assertEquals("SKIP s/test_two: unsupported ops: NoSuchOp-13\n0 passed, 0 failed, 1 skipped\n",
        run(dir.resolve("s"), "s/test_t.*o", s));
    assertEquals("SKIP s/test_one: unsupported ops: NoSuchOp-13\n0 passed, 0 failed, 1 skipped\n",
        run(a, ".*", s));
  }

  @Test
  void aCaseThatHangsFailsAtTheTimeLimitAndTheRunGoesOn() throws Exception {
    Tensor x = Tensor.of(new float[] {1}, 1);
    writeCase("s", "test_hang", unary("NoSuchOp", "", 13, 1).toByteArray(), x, x);
    writeCase("s", "test_next", unary("NoSuchOp", "", 13, 1).toByteArray(), x, x);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Conformance.Summary s;
    java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      s = Conformance.run(List.of(dir.resolve("s")), id -> true, ps, Duration.ofMillis(300), (c, id) -> {
        if (id.endsWith("hang")) {
          while (!release.get()) { // ignores interrupts, like a stuck kernel would
            Thread.onSpinWait();
          }
        }
        return Conformance.runCase(c, id);
      });
    } finally {
      release.set(true); // let the abandoned thread end instead of spinning until the JVM exits
    }
    assertEquals("FAIL s/test_hang: timed out after 300 ms\n"
        + "SKIP s/test_next: unsupported ops: NoSuchOp-13\n0 passed, 1 failed, 1 skipped\n",
        buf.toString(StandardCharsets.UTF_8));
    assertEquals(1, s.failed());
  }

  @Test
  void compareUsesOnnxBackendTolerancesAndExactIntegers() {
    Tensor e = Tensor.of(new float[] {1000f, 0f, Float.NaN, Float.POSITIVE_INFINITY}, 4);
    // 1000 * 1e-3 + 1e-7 = 1.0000001 allowed at index 0; 1e-7 at index 1.
    assertNull(Conformance.compare(e, Tensor.of(new float[] {1000.99f, 0.9e-7f, Float.NaN, Float.POSITIVE_INFINITY}, 4)));
    String far = Conformance.compare(e, Tensor.of(new float[] {1001.01f, 0, Float.NaN, Float.POSITIVE_INFINITY}, 4));
    assertTrue(far.startsWith("mismatch at index 0: expected 1000.0, got 1001.0"), far);
    assertTrue(far.contains("1 of 4 elements differ"), far);
    String nan = Conformance.compare(e, Tensor.of(new float[] {1000f, 0, 1f, Float.POSITIVE_INFINITY}, 4));
    assertTrue(nan.startsWith("mismatch at index 2: expected NaN, got 1.0"), nan);
    String inf = Conformance.compare(e, Tensor.of(new float[] {1000f, 0, Float.NaN, Float.NEGATIVE_INFINITY}, 4));
    assertTrue(inf.startsWith("mismatch at index 3"), inf);
    String bigButFinite = Conformance.compare(e, Tensor.of(new float[] {1000f, 0, Float.NaN, Float.MAX_VALUE}, 4));
    assertTrue(bigButFinite.startsWith("mismatch at index 3"), bigButFinite);

    Tensor i = Tensor.of(new long[] {5, -3, 7, 9}, 2, 2);
    assertNull(Conformance.compare(i, Tensor.of(new long[] {5, -3, 7, 9}, 2, 2)));
    assertEquals("mismatch at index 3 [1,1]: expected 9, got 8 (1 of 4 elements differ)",
        Conformance.compare(i, Tensor.of(new long[] {5, -3, 7, 8}, 2, 2)));
    assertEquals("expected shape [2,2], got [4]", Conformance.compare(i, Tensor.of(new long[] {5, -3, 7, 9}, 4)));
    assertEquals("expected element type INT64, got INT32",
        Conformance.compare(i, Tensor.of(new int[] {5, -3, 7, 9}, 2, 2)));
    Tensor h = Tensor.zeros(DType.F16, 1);
    assertEquals("expected element type FLOAT16, got FLOAT", Conformance.compare(h, Tensor.of(new float[] {0}, 1)));
  }

  @Test
  void commandLineReturnsTwoOnBadUsageAndOneOnFailures() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, Conformance.execute(new String[0], o, e));
    assertEquals(2, Conformance.execute(new String[] {dir.resolve("missing").toString()}, o, e));
    assertEquals(2, Conformance.execute(new String[] {dir.toString(), "--filter", "("}, o, e));
    assertEquals(2, Conformance.execute(new String[] {dir.toString(), "--bogus"}, o, e));
    Files.write(Files.createDirectories(dir.resolve("s/test_bad")).resolve("model.onnx"), new byte[] {1, 2, 3});
    Tensor x = Tensor.of(new float[] {1}, 1);
    writeCase("s", "test_skip", unary("NoSuchOp", "", 13, 1).toByteArray(), x, x);
    assertEquals(1, Conformance.execute(new String[] {dir.resolve("s").toString()}, o, e));
    assertEquals(0, Conformance.execute(new String[] {dir.resolve("s").toString(), "--filter", "skip"}, o, e));
  }

  /** Needs a registered Relu (ActivationOps); expected values computed here by hand. */
  @Test
  void registeredOpPassesWithRightOutputsAndFailsWithWrongOnes() throws Exception {
    Assumptions.assumeTrue(OpRegistry.standard().find("", "Relu", 14) != null, "Relu not registered yet");
    byte[] model = unary("Relu", "", 14, 3).toByteArray();
    Tensor x = Tensor.of(new float[] {-1.5f, 0f, 2.5f}, 3);
    writeCase("s", "test_relu_ok", model, x, Tensor.of(new float[] {0f, 0f, 2.5f}, 3));
    writeCase("s", "test_relu_wrong", model, x, Tensor.of(new float[] {0f, 0f, 2.6f}, 3));
    Conformance.Summary[] s = new Conformance.Summary[1];
    String out = run(dir.resolve("s"), ".*", s);
    assertTrue(out.startsWith("PASS s/test_relu_ok\nFAIL s/test_relu_wrong: output 'y': mismatch at index 2: "
        + "expected 2.5999999046325684, got 2.5 (1 of 3 elements differ"), out);
  }

}
