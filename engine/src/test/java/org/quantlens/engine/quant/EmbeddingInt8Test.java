package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Embedding tables in int8: {@code Gather(DequantizeLinear(q, scale, zp, axis 0), ids)} folds into
 * com.quantlens.QuantizedGather, whose output equals DequantizeLinear-then-Gather bit for bit (and
 * a naive {@code (q - zp) * scale} written here); the session then holds the 8-bit table only; the
 * static and dynamic int8 variants store a float table that way, per row.
 */
class EmbeddingInt8Test {
  private static final MemoryMXBean MEM = ManagementFactory.getMemoryMXBean();

  /** {@code Gather(DequantizeLinear(table), ids)} with scales per row (axis 0) or per tensor. */
  private static Graph lookup(Tensor table, Tensor scale, Tensor zp, DType idsType) {
    Graph g = new Graph("lookup");
    g.opsets().put("", 13);
    g.inputs().add(new Value("ids", idsType, -1, 3));
    g.outputs().add(new Value("y", DType.F32));
    g.initializers().put("tq", table);
    g.initializers().put("ts", scale);
    List<String> dqIn = new ArrayList<>(List.of("tq", "ts"));
    if (zp != null) {
      g.initializers().put("tz", zp);
      dqIn.add("tz");
    }
    g.nodes().add(new Node("dq", "DequantizeLinear", dqIn, List.of("t"),
        scale.size() > 1 ? Map.of("axis", Attribute.of(0L)) : Map.of()));
    g.nodes().add(new Node("gather", "Gather", List.of("t", "ids"), List.of("y"), Map.of("axis", Attribute.of(0L))));
    return g;
  }

  private static Tensor randomBytes(Random r, DType t, int... shape) {
    Tensor x = Tensor.zeros(t, shape);
    r.nextBytes(x.bytes());
    return x;
  }

  private static float[] positiveScales(Random r, int n) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = 0.001f + r.nextFloat() * 0.05f;
    }
    return s;
  }

  private static String opTypes(Graph g) {
    StringBuilder b = new StringBuilder();
    g.nodes().forEach(n -> b.append(n.opType()).append(' '));
    return b.toString();
  }

  /** Checks the folded session against the unoptimized one (DQ then Gather) and a naive lookup. */
  private static void checkFoldedLookup(Tensor table, float[] scales, byte[] zps, Tensor ids, int[] rows) {
    int n = table.dim(0);
    int inner = table.size() / n;
    Tensor scale = scales.length == 1 ? Tensor.of(scales) : Tensor.of(scales, scales.length);
    Tensor zp = zps == null ? null : zps.length == 1 ? Tensor.wrap(table.dtype(), zps)
        : Tensor.wrap(table.dtype(), zps, zps.length);
    Graph g = lookup(table, scale, zp, ids.dtype());
    Graph folded = QdqFolding.fold(g).graph();
    assertEquals("QuantizedGather ", opTypes(folded), "folded graph");
    assertFalse(folded.initializers().values().stream().anyMatch(t -> t.dtype() == DType.F32 && t.size() > scales.length),
        "a float table in the folded graph");
    float[] reference;
    float[] ours;
    try (Session plain = new Session(g, new Session.Options().optimize(false));
        Session fast = new Session(g)) {
      reference = plain.run(Map.of("ids", ids)).get("y").floats();
      ours = fast.run(Map.of("ids", ids)).get("y").floats();
    }
    assertArrayEquals(reference, ours, 0f, "QuantizedGather vs DequantizeLinear then Gather");
    float[] naive = new float[rows.length * inner];
    boolean unsigned = table.dtype() == DType.U8;
    for (int j = 0; j < rows.length; j++) {
      int r = rows[j];
      float s = scales[scales.length == 1 ? 0 : r];
      int z = zps == null ? 0 : unsigned ? zps[zps.length == 1 ? 0 : r] & 0xff : zps[zps.length == 1 ? 0 : r];
      for (int i = 0; i < inner; i++) {
        byte q = table.bytes()[r * inner + i];
        naive[j * inner + i] = (float) ((unsigned ? q & 0xff : q) - z) * s;
      }
    }
    assertArrayEquals(naive, ours, 0f, "QuantizedGather vs naive (q - zp) * scale");
  }

  @Test
  void int8TablePerRowFoldsToQuantizedGatherEqualToDequantizeThenGather() {
    Random r = new Random(1);
    int n = 37;
    Tensor table = randomBytes(r, DType.I8, n, 5, 4);
    byte[] zps = new byte[n];
    r.nextBytes(zps);
    long[] ids = {0, 36, 5, -1, 12, 12};
    checkFoldedLookup(table, positiveScales(r, n), zps, Tensor.of(ids, 2, 3), new int[] {0, 36, 5, 36, 12, 12});
  }

  @Test
  void uint8TablePerTensorWithInt32IdsFoldsToTheSameValues() {
    Random r = new Random(2);
    Tensor table = randomBytes(r, DType.U8, 11, 9);
    int[] ids = {3, 10, 0};
    checkFoldedLookup(table, positiveScales(r, 1), new byte[] {(byte) 128}, Tensor.of(ids, 1, 3), ids);
  }

  @Test
  void int8TableWithoutZeroPointReadsZeroAsTheZeroPoint() {
    Random r = new Random(3);
    Tensor table = randomBytes(r, DType.I8, 8, 6);
    long[] ids = {7, 1, 2};
    checkFoldedLookup(table, positiveScales(r, 8), null, Tensor.of(ids, 1, 3), new int[] {7, 1, 2});
  }

  private static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, MEM.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Bytes the current thread allocated so far, or -1 when the JVM does not say. */
  private static long allocatedBytes() {
    java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
    if (t instanceof com.sun.management.ThreadMXBean) {
      com.sun.management.ThreadMXBean h = (com.sun.management.ThreadMXBean) t;
      if (h.isThreadAllocatedMemorySupported() && h.isThreadAllocatedMemoryEnabled()) {
        return h.getThreadAllocatedBytes(Thread.currentThread().getId());
      }
    }
    return -1;
  }

  @Test
  void sessionOverAnInt8TableKeepsNoFloatCopyOfItAndARunDequantizesOnlyTheGatheredRows() {
    Random r = new Random(4);
    int n = 4096;
    int d = 256;
    Graph g = lookup(randomBytes(r, DType.I8, n, d), Tensor.of(positiveScales(r, n), n), Tensor.zeros(DType.I8, n),
        DType.I64);
    long tableBytes = (long) n * d;
    long best = Long.MAX_VALUE;
    for (int rep = 0; rep < 3; rep++) {
      long before = usedAfterGc();
      Session s = new Session(g, new Session.Options().threads(1));
      long after = usedAfterGc();
      Map<String, Tensor> feed = Map.of("ids", Tensor.of(new long[] {1, 2, 3}, 1, 3));
      s.run(feed);
      long a0 = allocatedBytes();
      s.run(feed);
      long a1 = allocatedBytes();
      // dequantizing the whole table per run (DequantizeLinear left unfolded) allocates 4 MB
      assertTrue(a0 < 0 || a1 - a0 < tableBytes / 8, "one run allocated " + (a1 - a0) + " B");
      Reference.reachabilityFence(s);
      s.close();
      best = Math.min(best, after - before);
    }
    // a float copy would add 4 bytes per element, an int8 copy 1: allow neither
    assertTrue(best < tableBytes / 4, "session adds " + best + " B beside its " + tableBytes + " B int8 table");
  }

  /** ids -> Gather(table 50 x 12) -> ReduceMean over tokens -> Gemm: a tiny text classifier. */
  private static Graph textModel() {
    Random r = new Random(5);
    Graph g = new Graph("text");
    g.opsets().put("", 13);
    g.inputs().add(new Value("ids", DType.I64, -1, 6));
    g.outputs().add(new Value("logits", DType.F32));
    float[] emb = new float[50 * 12];
    for (int i = 0; i < emb.length; i++) {
      emb[i] = (float) (r.nextGaussian() * (1 + i / 12 % 5)); // rows of different ranges
    }
    float[] w = new float[12 * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    g.initializers().put("emb", Tensor.of(emb, 50, 12));
    g.initializers().put("w", Tensor.of(w, 12, 3));
    g.nodes().add(new Node("embed", "Gather", List.of("emb", "ids"), List.of("e"), Map.of("axis", Attribute.of(0L))));
    g.nodes().add(new Node("pool", "ReduceMean", List.of("e"), List.of("m"),
        Map.of("axes", Attribute.of(new long[] {1}), "keepdims", Attribute.of(0L))));
    g.nodes().add(new Node("fc", "MatMul", List.of("m", "w"), List.of("logits"), Map.of()));
    return g;
  }

  private static Tensor ids(long seed) {
    Random r = new Random(seed);
    long[] v = new long[8 * 6];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(50);
    }
    return Tensor.of(v, 8, 6);
  }

  @Test
  void staticAndDynamicInt8StoreTheEmbeddingPerRowAndRunItAsAnInt8Lookup() {
    Graph f = textModel();
    float[] emb = f.initializers().get("emb").floats();
    List<Map<String, Tensor>> calib = List.of(Map.of("ids", ids(6)), Map.of("ids", ids(7)));
    Ptq.Result qdq = Ptq.quantize(f, Calibration.of(calib), QuantConfig.defaults());
    Tensor scale = qdq.graph().initializers().get("emb_scale");
    assertEquals(50, scale.size(), "one scale per row");
    // symmetric int8 per row: scale = max |row| / 127 (weight range of the default config)
    for (int row = 0; row < 50; row++) {
      float m = 0;
      for (int i = 0; i < 12; i++) {
        m = Math.max(m, Math.abs(emb[row * 12 + i]));
      }
      assertEquals(m / 127f, scale.floats()[row], 1e-6f * m, "row " + row);
    }
    Tensor x = ids(8);
    float[] ref;
    try (Session s = new Session(f)) {
      ref = s.run(Map.of("ids", x)).get("logits").floats();
    }
    for (String v : List.of("static-int8", "dynamic-int8")) {
      Variants.Built b = Variants.buildVariant(f, v, Calibration.of(calib), QuantConfig.defaults());
      assertTrue(b.report().entry("embed").int8(), v + ": " + b.report().entry("embed"));
      Graph folded = QdqFolding.fold(b.graph()).graph();
      assertTrue(opTypes(folded).contains("QuantizedGather"), v + ": " + opTypes(folded));
      assertFalse(folded.initializers().values().stream().anyMatch(t -> t.dtype() == DType.F32 && t.size() == 600),
          v + ": the float table is still there");
      float[] y;
      try (Session s = new Session(b.graph())) {
        y = s.run(Map.of("ids", x)).get("logits").floats();
      }
      double err = 0;
      double mag = 0;
      for (int i = 0; i < y.length; i++) {
        err = Math.max(err, Math.abs(y[i] - ref[i]));
        mag = Math.max(mag, Math.abs(ref[i]));
      }
      assertTrue(err < 0.03 * mag, v + ": max |int8 - float| " + err + " for outputs up to " + mag);
    }
  }
}
