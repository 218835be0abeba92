package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.QdqFolding;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.RecurrentExport;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * com.microsoft.DynamicQuantizeLSTM against ONNX Runtime, and our quantized LSTM/GRU variants
 * exported and run by ONNX Runtime.
 *
 * <p>Why a tolerance and not bit equality: ONNX Runtime quantizes X with one scale for the whole
 * sequence and H with one scale per step for the whole batch; we quantize each row of each step
 * with its own range (so a sample's result does not depend on its batch). Both round x and h to a
 * grid of step ~range/255, independently, so gate inputs differ by a few 1e-3 and so do the
 * outputs (measured at most 0.0063 here, printed); 0.015 bounds them with margin. Signed weights here are 7-bit: ONNX Runtime's x86 u8 x s8 kernel
 * sums product pairs in saturating int16 (see QuantOpsOnnxRuntimeTest), which full-range weights
 * can overflow.
 */
class QuantRecurrentOnnxRuntimeTest {
  private static final int SEQ = 6;
  private static final int BATCH = 3;
  private static final int INPUT = 9;
  private static final int HIDDEN = 12;
  private static final double TOL = 0.015;

  private static float[] rand(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  /** 8-bit weights: uint8 around a zero point of ~128, or int8 in [-63, 63]. */
  private static Tensor weights(Random r, boolean unsigned, int... shape) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    for (int i = 0; i < t.size(); i++) {
      t.bytes()[i] = (byte) (unsigned ? 128 + r.nextInt(127) - 63 : r.nextInt(127) - 63);
    }
    return t;
  }

  /**
   * Zero points: 0 for int8; for uint8 one value per direction (ONNX Runtime rejects zero points
   * that differ at all: "InputWeight point must be constant").
   */
  private static Tensor zeroPoints(Random r, boolean unsigned, int... shape) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    java.util.Arrays.fill(t.bytes(), (byte) (unsigned ? 124 + r.nextInt(9) : 0));
    return t;
  }

  private static Tensor scales(Random r, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = 0.004f + 0.003f * r.nextFloat();
    }
    return Tensor.of(v, shape);
  }

  /** A hand-built DynamicQuantizeLSTM model in ONNX Runtime's layout. */
  private static Graph dynamicQuantizeLstm(Random r, String direction, boolean unsigned, boolean perChannel) {
    int d = direction.equals("bidirectional") ? 2 : 1;
    int gh = 4 * HIDDEN;
    Graph g = new Graph("dqlstm");
    g.opsets().put("", 14);
    g.opsets().put("com.microsoft", 1);
    g.inputs().add(new Value("X", DType.F32, SEQ, BATCH, INPUT));
    g.inputs().add(new Value("seq", DType.I32, BATCH));
    g.inputs().add(new Value("h0", DType.F32, d, BATCH, HIDDEN));
    g.inputs().add(new Value("c0", DType.F32, d, BATCH, HIDDEN));
    int[] sshape = perChannel ? new int[] {d, gh} : new int[] {d};
    g.initializers().put("W", weights(r, unsigned, d, INPUT, gh));
    g.initializers().put("R", weights(r, unsigned, d, HIDDEN, gh));
    g.initializers().put("B", Tensor.of(rand(r, d * 2 * gh, 0.3), d, 2 * gh));
    g.initializers().put("P", Tensor.of(rand(r, d * 3 * HIDDEN, 0.3), d, 3 * HIDDEN));
    g.initializers().put("Ws", scales(r, sshape));
    g.initializers().put("Wz", zeroPoints(r, unsigned, sshape));
    g.initializers().put("Rs", scales(r, sshape));
    g.initializers().put("Rz", zeroPoints(r, unsigned, sshape));
    for (String o : new String[] {"Y", "Y_h", "Y_c"}) {
      g.outputs().add(new Value(o, DType.F32));
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("hidden_size", Attribute.of((long) HIDDEN));
    attrs.put("direction", Attribute.of(direction));
    g.nodes().add(new Node("lstm", "DynamicQuantizeLSTM", "com.microsoft",
        List.of("X", "W", "R", "B", "seq", "h0", "c0", "P", "Ws", "Wz", "Rs", "Rz"),
        List.of("Y", "Y_h", "Y_c"), attrs));
    return g;
  }

  private static Map<String, Tensor> lstmFeeds(Random r, int d) {
    Map<String, Tensor> f = new LinkedHashMap<>();
    f.put("X", Tensor.of(rand(r, SEQ * BATCH * INPUT, 1.5), SEQ, BATCH, INPUT));
    f.put("seq", Tensor.of(new int[] {SEQ, SEQ - 2, 1}, BATCH));
    f.put("h0", Tensor.of(rand(r, d * BATCH * HIDDEN, 0.8), d, BATCH, HIDDEN));
    f.put("c0", Tensor.of(rand(r, d * BATCH * HIDDEN, 0.8), d, BATCH, HIDDEN));
    return f;
  }

  /** Largest difference over the named outputs; shapes must agree. */
  private static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b, List<String> names) {
    double max = 0;
    for (String n : names) {
      Tensor x = a.get(n);
      Tensor y = b.get(n);
      assertArrayEquals(x.shape(), y.shape(), n + " shape");
      float[] xf = x.toFloats();
      float[] yf = y.toFloats();
      for (int i = 0; i < xf.length; i++) {
        assertTrue(Float.isFinite(yf[i]), n);
        max = Math.max(max, Math.abs(xf[i] - yf[i]));
      }
    }
    return max;
  }

  private static Map<String, Tensor> ours(Graph g, Map<String, Tensor> feeds) {
    try (Session s = new Session(g, new Session.Options().threads(2))) {
      return s.run(feeds);
    }
  }

  @Test
  void importedDynamicQuantizeLstmAgreesWithOnnxRuntime() throws OrtException {
    Random r = new Random(41);
    for (String dir : new String[] {"forward", "reverse", "bidirectional"}) {
      for (boolean unsigned : new boolean[] {false, true}) {
        for (boolean perChannel : new boolean[] {false, true}) {
          Graph built = dynamicQuantizeLstm(r, dir, unsigned, perChannel);
          byte[] model = OnnxWriter.toBytes(built);
          Graph imported = OnnxReader.read(model, "dqlstm", null);
          Map<String, Tensor> feeds = lstmFeeds(r, dir.equals("bidirectional") ? 2 : 1);
          Map<String, Tensor> ort = Ort.run(model, feeds);
          double d = maxDiff(ort, ours(imported, feeds), List.of("Y", "Y_h", "Y_c"));
          System.out.println("DynamicQuantizeLSTM " + dir + (unsigned ? " uint8" : " int8")
              + (perChannel ? " per-channel" : " per-tensor") + ": max |ORT - ours| = " + d);
          assertTrue(d < TOL, dir + " unsigned " + unsigned + " perChannel " + perChannel + ": " + d);
        }
      }
    }
  }

  /** A float model: bidirectional LSTM and a GRU (linear_before_reset 0) on the same input. */
  static Graph floatRecurrentModel(long seed) {
    Random r = new Random(seed);
    Graph g = new Graph("rnn");
    g.opsets().put("", 14);
    g.inputs().add(new Value("X", DType.F32, SEQ, BATCH, INPUT));
    g.outputs().add(new Value("lstm_Y", DType.F32));
    g.outputs().add(new Value("gru_Y", DType.F32));
    g.initializers().put("lW", Tensor.of(rand(r, 2 * 4 * HIDDEN * INPUT, 0.4), 2, 4 * HIDDEN, INPUT));
    g.initializers().put("lR", Tensor.of(rand(r, 2 * 4 * HIDDEN * HIDDEN, 0.4), 2, 4 * HIDDEN, HIDDEN));
    g.initializers().put("lB", Tensor.of(rand(r, 2 * 8 * HIDDEN, 0.3), 2, 8 * HIDDEN));
    g.initializers().put("gW", Tensor.of(rand(r, 2 * 3 * HIDDEN * INPUT, 0.4), 2, 3 * HIDDEN, INPUT));
    g.initializers().put("gR", Tensor.of(rand(r, 2 * 3 * HIDDEN * HIDDEN, 0.4), 2, 3 * HIDDEN, HIDDEN));
    g.initializers().put("gB", Tensor.of(rand(r, 2 * 6 * HIDDEN, 0.3), 2, 6 * HIDDEN));
    Map<String, Attribute> la = new LinkedHashMap<>();
    la.put("hidden_size", Attribute.of((long) HIDDEN));
    la.put("direction", Attribute.of("bidirectional"));
    g.nodes().add(new Node("lstm", "LSTM", List.of("X", "lW", "lR", "lB"), List.of("lstm_Y"), la));
    g.nodes().add(new Node("gru", "GRU", List.of("X", "gW", "gR", "gB"), List.of("gru_Y"), new LinkedHashMap<>(la)));
    return g;
  }

  private static List<Map<String, Tensor>> feeds(long seed, int n) {
    Random r = new Random(seed);
    List<Map<String, Tensor>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Map.of("X", Tensor.of(rand(r, SEQ * BATCH * INPUT, 1.5), SEQ, BATCH, INPUT)));
    }
    return out;
  }

  /**
   * dynamic-int8 exports LSTM as DynamicQuantizeLSTM (ONNX Runtime quantizes x/h as well) and GRU
   * as DequantizeLinear -> GRU (ONNX Runtime computes in float on our int8 weights, we also
   * quantize x/h): both differences are activation rounding, bounded as above. The LSTM weights
   * are exported as uint8 (zero point 128): with full-range int8 ones ONNX Runtime's saturating
   * int16 pair sums put its outputs 0.3 off float.
   */
  @Test
  void exportedDynamicInt8LstmAndGruRunInOnnxRuntime() throws OrtException {
    Graph f = floatRecurrentModel(3);
    Graph q = Variants.build(f, "dynamic-int8", null, QuantConfig.defaults());
    byte[] model = OnnxWriter.toBytes(q);
    Graph written = OnnxReader.read(model, "exported", null);
    List<String> ops = new ArrayList<>();
    written.nodes().forEach(n -> ops.add(n.opType()));
    assertTrue(ops.contains("DynamicQuantizeLSTM") && ops.contains("GRU") && ops.contains("DequantizeLinear"),
        "exported ops: " + ops);
    assertTrue(written.nodes().stream().noneMatch(n -> n.domain().equals("com.quantlens")), "no private op left");
    double worst = 0;
    for (Map<String, Tensor> feed : feeds(8, 3)) {
      worst = Math.max(worst, maxDiff(Ort.run(model, feed), ours(q, feed), List.of("lstm_Y", "gru_Y")));
    }
    System.out.println("exported dynamic-int8 LSTM/GRU: max |ORT - ours| = " + worst);
    assertTrue(worst < TOL, "max |ORT - ours| = " + worst);
  }

  /**
   * static-int8 exports weight-only QDQ LSTM/GRU (ONNX has no per-step h quantization): ONNX Runtime
   * runs it within TOL of our in-memory layer, and our engine reading the file agrees with ONNX
   * Runtime to float rounding (see the next test).
   */
  @Test
  void exportedStaticInt8LstmAndGruRunInOnnxRuntime() throws OrtException {
    Graph f = floatRecurrentModel(4);
    Graph q = Variants.build(f, "static-int8", Calibration.of(feeds(10, 4)), QuantConfig.defaults());
    assertTrue(q.nodes().stream().anyMatch(n -> n.opType().equals("QuantizedLSTM")));
    byte[] model = OnnxWriter.toBytes(q);
    Graph back = OnnxReader.read(model, "static", null);
    double worst = 0;
    double file = 0;
    for (Map<String, Tensor> feed : feeds(11, 3)) {
      Map<String, Tensor> ort = Ort.run(model, feed);
      worst = Math.max(worst, maxDiff(ort, ours(q, feed), List.of("lstm_Y", "gru_Y")));
      file = Math.max(file, maxDiff(ort, ours(back, feed), List.of("lstm_Y", "gru_Y")));
    }
    System.out.println("exported static-int8 LSTM/GRU: max |ORT - ours| = " + worst
        + ", reading the file: " + file);
    assertTrue(worst < TOL, "max |ORT - ours| = " + worst);
    assertTrue(file < 1e-5, "max |ORT - ours reading the file| = " + file);
    assertEquals(0, back.nodes().stream()
        .filter(n -> n.domain().equals("com.quantlens")).count());
  }

  /**
   * The benchmarks' static-int8 recurrent form: float LSTM/GRU written as standard ops reading
   * int8 weights through DequantizeLinear. Read back, our session folds them into weight-only
   * layers (the weights stay int8 in memory) that compute in float on the dequantized weights, as
   * ONNX Runtime does: the two differ only by float32 rounding (measured 2e-7; bound 1e-5, the
   * absolute part of OnnxRuntimeAgreementTest's float bound, on outputs within [-1, 1]), and from
   * the float model by the weight rounding.
   */
  @Test
  void int8WeightQdqRecurrentFileFoldsToWeightOnlyLayersThatMatchOnnxRuntime() throws OrtException {
    Graph f = floatRecurrentModel(5);
    byte[] model = OnnxWriter.toBytes(RecurrentExport.int8Weights(f, QuantConfig.defaults()));
    Graph back = OnnxReader.read(model, "int8-weights", null);
    assertEquals(4, back.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear")).count());
    assertEquals(DType.I8, back.initializers().get(back.nodes().stream()
        .filter(n -> n.opType().equals("DequantizeLinear")).findFirst().orElseThrow().input(0)).dtype());
    QdqFolding.Result folded = QdqFolding.fold(back);
    List<String> ops = new ArrayList<>();
    folded.graph().nodes().forEach(n -> ops.add(n.opType()));
    assertEquals(List.of("QuantizedLSTM", "QuantizedGRU"), ops, "folded ops");
    for (String node : new String[] {"lstm", "gru"}) {
      assertFalse(folded.report().entry(node).int8(), folded.report().entry(node).toString());
      Node n = folded.graph().nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElseThrow();
      assertEquals(1L, n.attributes().get("weight_only").asLong(), node);
      assertEquals(DType.I8, folded.graph().initializers().get(n.input(1)).dtype(), node + " W");
      assertEquals(DType.I8, folded.graph().initializers().get(n.input(2)).dtype(), node + " R");
    }
    double vsOrt = 0;
    double vsFloat = 0;
    for (Map<String, Tensor> feed : feeds(12, 3)) {
      Map<String, Tensor> ours = ours(back, feed);
      vsOrt = Math.max(vsOrt, maxDiff(Ort.run(model, feed), ours, List.of("lstm_Y", "gru_Y")));
      vsFloat = Math.max(vsFloat, maxDiff(ours(f, feed), ours, List.of("lstm_Y", "gru_Y")));
    }
    System.out.println("int8-weight QDQ LSTM/GRU: max |ORT - ours| = " + vsOrt + ", max |float - ours| = "
        + vsFloat);
    assertTrue(vsOrt < 1e-5, "max |ORT - ours| = " + vsOrt);
    assertTrue(vsFloat < 2 * TOL, "max |float - ours| = " + vsFloat);
  }

  /**
   * A batch-major LSTM (our QuantizedLSTM in the engine) exports as a weight-only QDQ LSTM with
   * layout 1. ONNX Runtime 1.23 runs no recurrent op with layout 1 (not even float), so the written
   * model is read back and run here: our session folds it into a weight-only layer (float on the
   * dequantized weights), which differs from the in-memory layer by its per-step x/h rounding.
   */
  @Test
  void exportedBatchMajorDynamicInt8LstmIsAStandardLayoutOneLstm() {
    Random r = new Random(31);
    Graph f = new Graph("bm");
    f.opsets().put("", 14);
    f.inputs().add(new Value("X", DType.F32, BATCH, SEQ, INPUT));
    f.outputs().add(new Value("Y", DType.F32));
    f.initializers().put("W", Tensor.of(rand(r, 4 * HIDDEN * INPUT, 0.4), 1, 4 * HIDDEN, INPUT));
    f.initializers().put("R", Tensor.of(rand(r, 4 * HIDDEN * HIDDEN, 0.4), 1, 4 * HIDDEN, HIDDEN));
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("hidden_size", Attribute.of((long) HIDDEN));
    a.put("layout", Attribute.of(1L));
    f.nodes().add(new Node("lstm", "LSTM", List.of("X", "W", "R"), List.of("Y"), a));
    Graph q = Variants.build(f, "dynamic-int8", null, QuantConfig.defaults());
    byte[] model = OnnxWriter.toBytes(q);
    Map<String, Tensor> feed = Map.of("X", Tensor.of(rand(r, BATCH * SEQ * INPUT, 1.5), BATCH, SEQ, INPUT));
    Graph back = OnnxReader.read(model, "bm", null);
    Node lstm = back.nodes().stream().filter(n -> n.opType().equals("LSTM")).findFirst().orElseThrow();
    assertEquals("", lstm.domain());
    assertEquals(1L, lstm.attributes().get("layout").asLong());
    double d = maxDiff(ours(back, feed), ours(q, feed), List.of("Y"));
    System.out.println("exported batch-major dynamic-int8 LSTM: max |weight-only - ours| = " + d);
    assertTrue(d < TOL, "max |weight-only - ours| = " + d);
  }
}
