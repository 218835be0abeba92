package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.Npy;

/**
 * {@code run --variant static-int8} reports saturation: calibrated on inputs in [-1, 1], then run
 * on an input with one value far above, one far below that range and a NaN, the input's
 * QuantizeLinear counts exactly one of each.
 */
class RunCommandSaturationTest {
  @TempDir Path dir;

  private Path model() throws Exception {
    Graph g = new Graph("dense");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, new int[] {-1, 2}, new String[] {"N", null}));
    g.initializers().put("w", Tensor.of(new float[] {1, 0, 0, 1}, 2, 2));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("y"), Map.of("transB", Attribute.of(1L))));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    Path p = dir.resolve("dense.onnx");
    OnnxWriter.write(g, p);
    return p;
  }

  @Test
  void runWithAVariantPrintsPerNodeSaturationAndTotals() throws Exception {
    Path calib = dir.resolve("calib.npy");
    Npy.write(calib, Tensor.of(new float[] {-1f, 1f, 0.5f, -0.25f, 0f, 0.75f}, 3, 2));
    Path x = dir.resolve("x.npy");
    Npy.write(x, Tensor.of(new float[] {50f, -50f, Float.NaN, 0.5f}, 2, 2));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"run", "--model", model().toString(), "--input", "x=" + x,
        "--out", dir.toString(), "--variant", "static-int8", "--calib", calib.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, text + err);
    System.out.print(text);
    List<String> lines = Arrays.asList(text.split("\n"));
    assertTrue(lines.stream().anyMatch(l -> l.contains("(QuantizeLinear): 1 low, 1 high, 1 non-finite of 4 values")),
        text);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("saturation: ") && l.contains("1 non-finite")
        && l.endsWith("values quantized in 2 nodes")), text);
  }
}
