package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.Npy;

/** {@code quantlens quantize} on a recurrent model: what the written file holds, and what it says. */
class QuantizeCommandTest {
  private static final int SEQ = 5;
  private static final int INPUT = 6;
  private static final int HIDDEN = 8;

  @TempDir Path dir;

  private static float[] rand(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * 0.3);
    }
    return a;
  }

  @Test
  void staticInt8WritesLstmWeightsAsInt8AndSaysWhatTheFileMeans() throws Exception {
    Random r = new Random(3);
    Graph g = new Graph("lstm");
    g.opsets().put("", 13);
    g.inputs().add(new Value("X", DType.F32, SEQ, 2, INPUT));
    g.outputs().add(new Value("Y", DType.F32));
    g.initializers().put("W", Tensor.of(rand(r, 4 * HIDDEN * INPUT), 1, 4 * HIDDEN, INPUT));
    g.initializers().put("R", Tensor.of(rand(r, 4 * HIDDEN * HIDDEN), 1, 4 * HIDDEN, HIDDEN));
    g.nodes().add(new Node("cell", "LSTM", List.of("X", "W", "R"), List.of("Y"),
        Map.of("hidden_size", Attribute.of((long) HIDDEN))));
    Path model = dir.resolve("lstm.onnx");
    OnnxWriter.write(g, model);
    Path calib = dir.resolve("calib.npy");
    Npy.write(calib, Tensor.of(rand(r, SEQ * 2 * INPUT), SEQ, 2, INPUT));
    Path out = dir.resolve("q.onnx");

    ByteArrayOutputStream text = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"quantize", "--model", model.toString(), "--variant",
        "static-int8", "--calib", calib.toString(), "--out", out.toString()},
        new PrintStream(text, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, code, text.toString(StandardCharsets.UTF_8));
    assertTrue(text.toString(StandardCharsets.UTF_8).contains("note: cell is written as a standard"
        + " LSTM on its 8-bit weights"), text.toString(StandardCharsets.UTF_8));

    Graph q = OnnxReader.read(out);
    Node lstm = q.nodes().stream().filter(n -> n.opType().equals("LSTM")).findFirst().orElseThrow();
    for (int i = 1; i <= 2; i++) {
      assertTrue(!q.initializers().containsKey(lstm.input(i)), "input " + i + " is not a float constant");
    }
    long int8 = q.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear"))
        .map(n -> q.initializers().get(n.input(0))).filter(t -> t != null && t.dtype() == DType.I8)
        .mapToLong(Tensor::size).sum();
    assertEquals(4 * HIDDEN * (INPUT + HIDDEN), int8, "W and R as one byte per weight");
  }
}
