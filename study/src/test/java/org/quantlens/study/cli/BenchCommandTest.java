package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxWriter;

class BenchCommandTest {
  private static final Pattern LAST =
      Pattern.compile("throughput: \\d+\\.\\d items/s \\(median\\), latency p50: \\d+\\.\\d{3} ms");

  @TempDir Path dir;

  /** x[N, 3] -> Gemm with a 2x3 weight -> y[N, 2], batch symbolic. */
  private Path denseModel() throws Exception {
    Graph g = new Graph("dense");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, new int[] {-1, 3}, new String[] {"N", null}));
    g.initializers().put("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("y"),
        Map.of("transB", Attribute.of(1L))));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    Path p = dir.resolve("dense.onnx");
    OnnxWriter.write(g, p);
    return p;
  }

  /** ids[N, T] (int64) index a 5-row table: ids out of range would make Gather fail. */
  private Path embeddingModel() throws Exception {
    Graph g = new Graph("embed");
    g.opsets().put("", 17);
    g.inputs().add(new Value("ids", DType.I64, new int[] {-1, -1}, new String[] {"N", "T"}));
    float[] table = new float[5 * 4];
    g.initializers().put("table", Tensor.of(table, 5, 4));
    g.nodes().add(new Node("emb", "Gather", List.of("table", "ids"), List.of("e"), Map.of()));
    g.outputs().add(new Value("e", DType.F32, (int[]) null, null));
    Path p = dir.resolve("embed.onnx");
    OnnxWriter.write(g, p);
    return p;
  }

  private static String[] run(int expectCode, String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(expectCode, code, "stdout:\n" + out + "\nstderr:\n" + err);
    return (code == 0 ? out : err).toString(StandardCharsets.UTF_8).split("\n");
  }

  @Test
  void printsOneLinePerRoundAndTheContractLastLine() throws Exception {
    String[] lines = run(0, "bench", "--model", denseModel().toString(), "--batch", "4",
        "--threads", "1", "--rounds", "3", "--round-ms", "1", "--warmup-ms", "0");
    long rounds = java.util.Arrays.stream(lines).filter(l -> l.startsWith("round ")).count();
    assertEquals(3, rounds);
    assertTrue(LAST.matcher(lines[lines.length - 1]).matches(), lines[lines.length - 1]);
  }

  @Test
  void symbolicBatchBecomesBatchAndNamedDimsFollowDim() throws Exception {
    String[] lines = run(0, "bench", "--model", embeddingModel().toString(), "--batch", "3",
        "--dim", "T=7", "--rounds", "1", "--round-ms", "1", "--warmup-ms", "0");
    assertTrue(java.util.Arrays.asList(lines).contains("input ids: I64[3, 7] (seeded random, seed 1)"),
        String.join("\n", lines));
    assertTrue(LAST.matcher(lines[lines.length - 1]).matches());
  }

  @Test
  void tokenIdsStayWithinTheEmbeddingTable() throws Exception {
    Graph g = org.quantlens.onnx.OnnxReader.read(embeddingModel());
    Tensor ids = BenchCommand.inputs(g, 64, Map.of("T", 50), 9).get("ids");
    long max = 0;
    for (long v : ids.longs()) {
      assertTrue(v >= 0);
      max = Math.max(max, v);
    }
    assertEquals(4, max, "3200 draws from [0, 5) reach 4 but never 5");
  }

  @Test
  void tokenIdsSpanAnInt8EmbeddingTableBehindItsDequantizeLinear() {
    Graph g = new Graph("embed50");
    g.opsets().put("", 17);
    g.inputs().add(new Value("ids", DType.I64, new int[] {-1, -1}, new String[] {"N", "T"}));
    float[] table = new float[50 * 4];
    for (int i = 0; i < table.length; i++) {
      table[i] = (i % 7) - 3;
    }
    g.initializers().put("table", Tensor.of(table, 50, 4));
    g.nodes().add(new Node("emb", "Gather", List.of("table", "ids"), List.of("e"), Map.of()));
    g.outputs().add(new Value("e", DType.F32, (int[]) null, null));
    Graph q = Variants.build(g, "dynamic-int8", null, QuantConfig.defaults());
    assertTrue(q.nodes().stream().anyMatch(n -> n.opType().equals("DequantizeLinear")),
        "the table is int8 behind DequantizeLinear");
    Tensor ids = BenchCommand.inputs(q, 64, Map.of("T", 50), 9).get("ids");
    long max = 0;
    for (long v : ids.longs()) {
      max = Math.max(max, v);
    }
    assertEquals(49, max, "3200 draws from [0, 50) reach 49 but never 50");
  }

  @Test
  void unknownVariantIsAUsageError() throws Exception {
    String[] err = run(2, "bench", "--model", denseModel().toString(), "--variant", "int3");
    assertTrue(err[0].contains("unknown --variant 'int3'; valid: float, static-int8"), err[0]);
  }

  @Test
  void staticInt8WithoutCalibrationSetIsAUsageError() throws Exception {
    String[] err = run(2, "bench", "--model", denseModel().toString(), "--variant", "static-int8");
    assertTrue(err[0].contains("needs --calib"), err[0]);
  }
}
