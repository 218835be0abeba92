package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.attrs;
import static org.quantlens.engine.ops.QuantTestSupport.bytes;
import static org.quantlens.engine.ops.QuantTestSupport.floats;
import static org.quantlens.engine.ops.QuantTestSupport.graph;
import static org.quantlens.engine.ops.QuantTestSupport.scalar8;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * What a session keeps in heap for a dense layer's weights, measured as the rise in used heap
 * after full collections when the session is created from a graph already in memory (the graph's
 * initializers are counted separately, from their sizes).
 */
class Int8SessionWeightMemoryTest {
  private static final MemoryMXBean MEM = ManagementFactory.getMemoryMXBean();
  private static final int N = 1024;
  private static final int K = 2048;

  private static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, MEM.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Heap a session adds beyond its graph: smallest of three loads. */
  private static long sessionExtraBytes(Graph g) {
    long best = Long.MAX_VALUE;
    for (int rep = 0; rep < 3; rep++) {
      long before = usedAfterGc();
      Session s = new Session(g, new Session.Options().threads(1));
      long after = usedAfterGc();
      Reference.reachabilityFence(s);
      s.close();
      best = Math.min(best, after - before);
    }
    return best;
  }

  @Test
  void int8DenseSessionHoldsEachWeightOnceAndUnderAQuarterOfTheFloatSessionBytes() {
    Random r = new Random(3);
    Tensor wq = bytes(r, false, N, K);
    Map<String, Tensor> qc = Map.of("as", floats(new int[0], 0.02f), "az", scalar8(true, 128), "b", wq,
        "bs", floats(new int[0], 0.01f), "bz", scalar8(false, 0), "ys", floats(new int[0], 0.5f),
        "yz", scalar8(true, 128));
    Tensor aq = bytes(r, true, 1, K);
    Graph qg = graph("QGemm", "com.microsoft", 13, List.of("a", "as", "az", "b", "bs", "bz", "", "ys", "yz"), qc,
        Map.of("a", aq), attrs("transB", 1), "y");
    float[] wf = new float[N * K];
    for (int i = 0; i < wf.length; i++) {
      wf[i] = r.nextFloat() - 0.5f;
    }
    Tensor af = Tensor.of(new float[K], 1, K);
    Graph fg = graph("Gemm", "", 13, List.of("a", "b"), Map.of("b", Tensor.of(wf, N, K)), Map.of("a", af),
        attrs("transB", 1), "y");

    long int8Weights = (long) N * K;
    long int8Extra = sessionExtraBytes(qg);
    long floatExtra = sessionExtraBytes(fg);
    long int8Resident = int8Weights + int8Extra;
    long floatResident = 4L * N * K + floatExtra;
    assertTrue(int8Extra < int8Weights / 4,
        "int8 session adds " + int8Extra + " B to its " + int8Weights + " B of weights (a second copy?)");
    assertTrue(int8Resident <= 0.27 * floatResident,
        "int8 resident " + int8Resident + " B vs float " + floatResident + " B");
  }
}
