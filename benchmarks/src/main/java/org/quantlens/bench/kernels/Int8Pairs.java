package org.quantlens.bench.kernels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.bench.peer.Variant;
import org.quantlens.bench.report.Json;
import org.quantlens.bench.report.Stats;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * The int8 goals measured as pairs in one JVM, a fixed time per contestant, the order rotating
 * every round so each round gives ratios taken under the same machine load:
 * <ul>
 *   <li>int8 GEMM {@code size}^3 ({@link Int8SquareBench}, B as int8 panels as the engine packs
 *       them; B as a float matrix is measured alongside) against each int8 dot-product idiom of
 *       {@link Int8IdiomBench}; the winning idiom is the one with the best median rate, and the
 *       goal ratio is GEMM / that idiom, per round;
 *   <li>int8 against float at batch 1 on dense layers whose float weights exceed the L3
 *       ({@link Int8GemmBench} against {@link GemmDenseBench}, SIMD, one thread), per round; and
 *       int8 on weights held {@code [out][in]} (read in place) alongside;
 *   <li>int8 layers as the engine runs them (a one-layer static-int8 model: quantize the input,
 *       int8 conv or LSTM, dequantize), against the best idiom and against the float layer; a
 *       conv layer also with its direct int8 kernel (Winograd off), on which the idiom goal is
 *       judged: the Winograd path does fewer multiply-adds than the rate counts.
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar org.quantlens.bench.kernels.Int8Pairs
 *   [--quick] [--size 512] --out int8-pairs.json
 * </pre>
 */
public final class Int8Pairs {
  /**
   * Batch-1 shapes, {@code layer:in:out}: two past the 32 MB L3 as float (64 MB each: a 4096 dense
   * layer and an LSTM(2048)-like recurrent product), and 1024 -> 4096 (16 MB), which a quiet
   * machine keeps in L3.
   */
  static final String[] MEMORY_BOUND = {"fc4096:4096:4096", "lstm2048-recurrent:2048:8192",
      "lstm1024-recurrent:1024:4096"};
  /**
   * Zoo layers run float and int8, {@code layer:batch:variant}. The LSTMs run dynamic-int8: the same
   * int8 layer as static-int8's (x and h are quantized per step either way), without calibrating a
   * 72 MB model first.
   */
  static final String[] LAYERS = {"resnet20-conv32:1:static-int8", "resnet20-conv32:64:static-int8",
      "lstm-50x128:1:dynamic-int8", "lstm-256x2048:1:dynamic-int8"};
  private static final String[] IDIOMS = {"b2s", "b2i", "b2f", "f32"};

  private Int8Pairs() {}

  public static void main(String[] argv) throws Exception {
    PairArgs args = PairArgs.parse(argv, Path.of("target/int8-pairs.json"));
    boolean quick = args.quick();
    int size = args.size();
    Path out = args.out();
    int rounds = quick ? 2 : 9;
    long roundNs = (quick ? 5 : 250) * 1_000_000L;
    long warmNs = (quick ? 10 : 4000) * 1_000_000L;
    String[] shapes = quick ? new String[] {"lenet5-fc1:400:120"} : MEMORY_BOUND;

    Int8IdiomBench idiom = new Int8IdiomBench();
    idiom.setup();
    Int8SquareBench square = new Int8SquareBench();
    square.size = quick ? 64 : size;
    square.setup();
    List<String> names = new ArrayList<>();
    List<Call> calls = new ArrayList<>();
    names.add("b2s");
    calls.add(idiom::b2s);
    names.add("b2i");
    calls.add(idiom::b2i);
    names.add("b2f");
    calls.add(idiom::b2f);
    names.add("f32");
    calls.add(idiom::f32);
    names.add("gemm");
    calls.add(square::multiply);
    Int8SquareBench squareFloat = new Int8SquareBench(); // B as a row-major float matrix
    squareFloat.size = square.size;
    squareFloat.weights = "float";
    squareFloat.setup();
    names.add("gemm-float-b");
    calls.add(squareFloat::multiply);
    for (String shape : shapes) {
      GemmDenseBench f = new GemmDenseBench();
      f.shape = shape;
      f.batch = 1;
      f.kernel = "simd";
      f.setup();
      Int8GemmBench q = new Int8GemmBench();
      q.shape = shape;
      q.batch = 1;
      q.setup();
      names.add("float:" + shape);
      calls.add(f::dense);
      names.add("int8:" + shape);
      calls.add(q::multiply);
      RowsLayout t = new RowsLayout(shape, true);
      names.add("int8-rows:" + shape);
      calls.add(t::multiply);
      RowsLayout kn = new RowsLayout(shape, false);
      names.add("int8-kn:" + shape);
      calls.add(kn::multiply);
    }
    String[] layers = quick ? new String[] {"resnet20-conv32:1:static-int8"} : LAYERS;
    int[] firstOf = new int[layers.length]; // per layer: float, int8, then for convs int8 direct
    boolean[] conv = new boolean[layers.length];
    for (int l = 0; l < layers.length; l++) {
      String[] parts = layers[l].split(":");
      BenchModel m = Zoo.get(parts[0]);
      firstOf[l] = calls.size();
      for (String variant : new String[] {"float", parts[2]}) {
        LayerRun run = new LayerRun(m, Integer.parseInt(parts[1]), variant);
        names.add(variant + ":" + layers[l]);
        calls.add(run::run);
      }
      conv[l] = m.waitingOn().equals("conv");
      if (conv[l]) {
        // the int8 kernel the goal is about: the session runs 3x3 layers by Winograd's
        // F(2x2, 3x3) (4 multiply-adds per output and input channel, not 9) unless told not to,
        // when it is built
        System.setProperty("quantlens.conv.winograd", "false");
        try {
          LayerRun run = new LayerRun(m, Integer.parseInt(parts[1]), parts[2]);
          names.add("direct:" + layers[l]);
          calls.add(run::run);
        } finally {
          System.clearProperty("quantlens.conv.winograd");
        }
      }
    }
    int n = calls.size();
    Counters c = new Counters();
    long end = System.nanoTime() + warmNs;
    while (System.nanoTime() < end) {
      for (Call call : calls) {
        rate(call, c, roundNs / 4);
      }
    }
    double[][] r = new double[n][rounds];
    for (int round = 0; round < rounds; round++) {
      for (int t = 0; t < n; t++) {
        int x = (t + round) % n; // rotate: each contestant runs early and late in turn
        r[x][round] = rate(calls.get(x), c, roundNs);
      }
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("size", square.size);
    doc.put("rounds", rounds);
    doc.put("roundMs", roundNs / 1_000_000L);
    Map<String, Object> medians = new LinkedHashMap<>();
    for (int x = 0; x < n; x++) {
      medians.put(names.get(x), Stats.median(r[x]) / 1e9);
    }
    doc.put("gopsMedian", medians);
    int best = 0;
    for (int x = 1; x < IDIOMS.length; x++) {
      if (Stats.median(r[x]) > Stats.median(r[best])) {
        best = x;
      }
    }
    double[] gemmRatio = ratios(r[4], r[best]);
    doc.put("bestIdiom", IDIOMS[best]);
    doc.put("gemmOverIdiom", summary(gemmRatio));
    System.out.printf("int8 GEMM %d^3 / best idiom (%s), %d paired rounds: median %.3f (IQR %.3f-%.3f);"
        + " GEMM %.1f GOPS, idioms b2s %.1f b2i %.1f b2f %.1f f32 %.1f (medians)%n", square.size,
        IDIOMS[best], rounds, Stats.median(gemmRatio), Stats.percentile(gemmRatio, 25),
        Stats.percentile(gemmRatio, 75), Stats.median(r[4]) / 1e9, Stats.median(r[0]) / 1e9,
        Stats.median(r[1]) / 1e9, Stats.median(r[2]) / 1e9, Stats.median(r[3]) / 1e9);
    System.out.printf("  (B as int8 panels, the engine's layout; with B as a row-major float matrix:"
        + " %.1f GOPS)%n", Stats.median(r[5]) / 1e9);
    Map<String, Object> dense = new LinkedHashMap<>();
    for (int s = 0; s < shapes.length; s++) {
      double[] fl = r[6 + 4 * s];
      double[] q8 = r[7 + 4 * s];
      double[] rows = r[8 + 4 * s];
      double[] kn = r[9 + 4 * s];
      double[] ratio = ratios(q8, fl);
      double[] rowsRatio = ratios(rows, fl);
      double[] knRatio = ratios(kn, fl);
      Map<String, Object> row = summary(ratio);
      row.put("floatGflopsMedian", Stats.median(fl) / 1e9);
      row.put("int8GopsMedian", Stats.median(q8) / 1e9);
      row.put("int8RowsGopsMedian", Stats.median(rows) / 1e9);
      row.put("rowsRatioMedian", Stats.median(rowsRatio));
      row.put("int8KnGopsMedian", Stats.median(kn) / 1e9);
      row.put("knRatioMedian", Stats.median(knRatio));
      dense.put(shapes[s], row);
      System.out.printf("batch 1 %s: int8 / float median %.2f (IQR %.2f-%.2f); float %.2f GFLOP/s,"
          + " int8 %.2f GOPS (medians); int8 on [out][in] rows %.2f GOPS, / float %.2f; int8 on"
          + " [in][out] in place %.2f GOPS, / float %.2f%n", shapes[s],
          Stats.median(ratio), Stats.percentile(ratio, 25), Stats.percentile(ratio, 75),
          Stats.median(fl) / 1e9, Stats.median(q8) / 1e9, Stats.median(rows) / 1e9,
          Stats.median(rowsRatio), Stats.median(kn) / 1e9, Stats.median(knRatio));
    }
    doc.put("batch1Int8OverFloat", dense);
    Map<String, Object> layerDoc = new LinkedHashMap<>();
    for (int l = 0; l < layers.length; l++) {
      double[] fl = r[firstOf[l]];
      double[] q8 = r[firstOf[l] + 1];
      Map<String, Object> row = new LinkedHashMap<>();
      long weights = 0;
      for (Tensor w : Zoo.get(layers[l].split(":")[0]).graph().initializers().values()) {
        weights += 4L * w.size();
      }
      row.put("floatWeightBytes", weights);
      row.put("floatGflopsMedian", Stats.median(fl) / 1e9);
      row.put("int8GopsMedian", Stats.median(q8) / 1e9);
      row.put("overFloat", summary(ratios(q8, fl)));
      row.put("overIdiom", summary(ratios(q8, r[best])));
      if (conv[l]) { // both int8 rates count the direct convolution's multiply-adds
        double[] d = r[firstOf[l] + 2];
        row.put("int8DirectGopsMedian", Stats.median(d) / 1e9);
        row.put("directOverIdiom", summary(ratios(d, r[best])));
        row.put("overDirect", summary(ratios(q8, d)));
      }
      layerDoc.put(layers[l], row);
      System.out.printf("layer %s: int8 %.2f GOPS, / float %.2f, / best idiom %.2f (medians)%n",
          layers[l], Stats.median(q8) / 1e9, Stats.median(ratios(q8, fl)),
          Stats.median(ratios(q8, r[best])));
    }
    doc.put("layers", layerDoc);
    doc.put("sink", sink);
    Files.writeString(out, Json.write(doc));
  }

  private static double[] ratios(double[] num, double[] den) {
    double[] q = new double[num.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = num[i] / den[i];
    }
    return q;
  }

  private static Map<String, Object> summary(double[] ratio) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ratioMedian", Stats.median(ratio));
    m.put("ratioP25", Stats.percentile(ratio, 25));
    m.put("ratioP75", Stats.percentile(ratio, 75));
    List<Object> l = new ArrayList<>();
    for (double v : ratio) {
      l.add(v);
    }
    m.put("ratios", l);
    return m;
  }

  /**
   * Batch 1 on int8 weights the engine reads in place: held {@code [out][in]} (a transposed Gemm's
   * initializer, through {@link Int8Gemm#multiplyTransposed}) or {@code [in][out]} (a MatMul's,
   * one call over all columns as QuantMatMul makes it for one row).
   */
  private static final class RowsLayout {
    private final Int8Gemm k = Int8Gemm.get();
    private final boolean transposed;
    private final int in;
    private final int out;
    private final float[] x;
    private final byte[] w;
    private final int[] y;

    RowsLayout(String shape, boolean transposed) {
      this.transposed = transposed;
      String[] parts = shape.split(":");
      in = Integer.parseInt(parts[1]);
      out = Integer.parseInt(parts[2]);
      SplittableRandom rng = new SplittableRandom(9);
      x = Int8GemmBench.int8s(rng, in);
      w = Int8GemmBench.bytes(Int8GemmBench.int8s(rng, out * in));
      y = new int[out];
    }

    Object multiply(Counters work) {
      if (transposed) {
        k.multiplyTransposed(1, out, in, x, 0, in, w, 0, in, y, 0, out);
      } else {
        k.multiply(1, out, in, x, 0, in, w, 0, out, y, 0, out);
      }
      work.flops += 2L * in * out;
      return y;
    }
  }

  /** One zoo layer as a one-thread session on one variant of its one-layer model. */
  private static final class LayerRun {
    private final Session session;
    private final Map<String, Tensor> feeds;
    private final long flopsPerCall;

    LayerRun(BenchModel m, int batch, String variant) {
      session = new Session(Variant.graph(m, variant), new Session.Options().threads(1));
      feeds = m.inputs(batch, 4);
      flopsPerCall = 2L * m.macsPerItem() * batch;
    }

    Object run(Counters work) {
      Map<String, Tensor> out = session.run(feeds);
      work.flops += flopsPerCall;
      return out.size();
    }
  }

  /** Keeps results alive so the JIT cannot drop the work. */
  private static double sink;

  @FunctionalInterface
  private interface Call {
    Object run(Counters c);
  }

  /** Calls {@code call} for at least {@code nanos}; returns operations per second. */
  private static double rate(Call call, Counters c, long nanos) {
    c.reset();
    long start = System.nanoTime();
    long now;
    do {
      Object o = call.run(c);
      if (o instanceof Number) {
        sink += ((Number) o).doubleValue();
      } else if (o instanceof int[]) {
        sink += ((int[]) o)[0];
      } else if (o instanceof float[]) {
        sink += ((float[]) o)[0];
      }
      now = System.nanoTime();
    } while (now - start < nanos);
    return c.flops * 1e9 / (now - start);
  }
}
