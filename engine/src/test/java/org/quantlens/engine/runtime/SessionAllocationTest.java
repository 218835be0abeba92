package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class SessionAllocationTest {
  private static Tensor random(Random r, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return t;
  }

  @Test
  void aResultTooLargeToAllocateIsATypedErrorNamingTheNode() {
    Graph g = new Graph("huge");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 1, 1));
    g.initializers().put("shape", Tensor.of(new long[] {100_000, 100_000}, 2));
    g.nodes().add(new Node("widen", "Expand", List.of("x", "shape"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, 100_000, 100_000));
    try (Session s = new Session(g)) {
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> s.run(Map.of("x", Tensor.zeros(DType.F32, 1, 1))));
      assertTrue(e.getMessage().contains("node 'widen' (Expand)"), e.getMessage());
      assertTrue(e.getMessage().contains("[100000, 100000]"), e.getMessage());
    }
  }

  static Graph cnn(int batch) {
    return cnn(batch, 4, 8);
  }

  /**
   * x[batch,1,size,size] -> Conv (ch x 3x3, pad 1) -> Relu -> MaxPool 2 -> Flatten -> Gemm to 10
   * -> Softmax.
   */
  static Graph cnn(int batch, int ch, int size) {
    int flat = ch * (size / 2) * (size / 2);
    Random r = new Random(7);
    Graph g = new Graph("cnn");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, batch, 1, size, size));
    g.initializers().put("w", random(r, ch, 1, 3, 3));
    g.initializers().put("b", random(r, ch));
    g.initializers().put("fw", random(r, 10, flat));
    g.initializers().put("fb", random(r, 10));
    g.nodes().add(new Node("conv", "Conv", List.of("x", "w", "b"), List.of("c"),
        Map.of("kernel_shape", Attribute.of(new long[] {3, 3}),
            "pads", Attribute.of(new long[] {1, 1, 1, 1}))));
    g.nodes().add(new Node("relu", "Relu", List.of("c"), List.of("r"), Map.of()));
    g.nodes().add(new Node("pool", "MaxPool", List.of("r"), List.of("p"),
        Map.of("kernel_shape", Attribute.of(new long[] {2, 2}),
            "strides", Attribute.of(new long[] {2, 2}))));
    g.nodes().add(new Node("flat", "Flatten", List.of("p"), List.of("f"), Map.of()));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "fw", "fb"), List.of("z"),
        Map.of("transB", Attribute.of(1L))));
    g.nodes().add(new Node("sm", "Softmax", List.of("z"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  @Test
  void viewOfReleasedTensorIsNotRecycledWhileLive() {
    // r's last reader is the Reshape, whose output v shares r's array and lives on; Exp then
    // allocates an array of the same length, which must not be r's.
    Graph g = new Graph("view");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, 2, 3));
    g.initializers().put("s", Tensor.of(new long[] {3, 2}, 2));
    g.nodes().add(new Node("relu", "Relu", List.of("x"), List.of("r"), Map.of()));
    g.nodes().add(new Node("reshape", "Reshape", List.of("r", "s"), List.of("v"), Map.of()));
    g.nodes().add(new Node("exp", "Exp", List.of("v"), List.of("e"), Map.of()));
    g.nodes().add(new Node("add", "Add", List.of("v", "e"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    float[] x = {-1f, 0.5f, 2f, -3f, 1.25f, 0.75f};
    try (Session s = new Session(g, new Session.Options().optimize(false).threads(1))) {
      for (int run = 0; run < 3; run++) {
        float[] y = s.run(Map.of("x", Tensor.of(x.clone(), 2, 3))).get("y").floats();
        for (int i = 0; i < x.length; i++) {
          float v = Math.max(0f, x[i]);
          assertEquals(v + (float) Math.exp(v), y[i], 1e-5f * (1 + Math.abs(y[i])), "element " + i);
        }
      }
    }
  }

  @Test
  void aSessionKeepsNoFeedAliveAfterItsRun() throws InterruptedException {
    // Flatten's output is a view of the caller's feed; the node reuses its last view while the
    // input stays the same, and that cache must not be what keeps the feed's array reachable
    Graph g = new Graph("feed");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, -1, 3, 4));
    g.nodes().add(new Node("flat", "Flatten", List.of("x"), List.of("f"), Map.of()));
    g.nodes().add(new Node("relu", "Relu", List.of("f"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    try (Session s = new Session(g, new Session.Options().threads(1))) {
      WeakReference<float[]> fed = runOnce(s);
      for (int i = 0; i < 20 && fed.get() != null; i++) {
        System.gc();
        Thread.sleep(20);
      }
      assertTrue(fed.get() == null, "the feed's array is still reachable after the run");
      runOnce(s); // the session still works
    }
  }

  /** Runs {@code s} on a fresh feed; returns a weak reference to the feed's array. */
  private static WeakReference<float[]> runOnce(Session s) {
    Tensor x = random(new Random(4), 2, 3, 4);
    float[] y = s.run(Map.of("x", x)).get("y").floats();
    assertEquals(Math.max(0f, x.floats()[5]), y[5]);
    return new WeakReference<>(x.floats());
  }

  @Test
  void returnedOutputsAreNeverReusedByLaterRuns() {
    Random r = new Random(1);
    try (Session s = new Session(cnn(1))) {
      Tensor first = s.run(Map.of("x", random(r, 1, 1, 8, 8))).get("y");
      float[] kept = first.floats().clone();
      for (int i = 0; i < 5; i++) {
        s.run(Map.of("x", random(r, 1, 1, 8, 8)));
      }
      assertArrayEquals(kept, first.floats());
    }
  }

  @Test
  void concurrentRunsGiveExactlyTheSerialOutputs() throws Exception {
    Random r = new Random(3);
    int inputs = 8;
    Tensor[] xs = new Tensor[inputs];
    float[][] expected = new float[inputs][];
    try (Session s = new Session(cnn(2), new Session.Options().threads(2))) {
      for (int i = 0; i < inputs; i++) {
        xs[i] = random(r, 2, 1, 8, 8);
        expected[i] = s.run(Map.of("x", xs[i])).get("y").floats().clone();
      }
      ExecutorService ex = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int seed = t;
          fs.add(ex.submit(() -> {
            for (int k = 0; k < 400; k++) { // 3,200 runs in all
              int i = (seed + k) % inputs;
              assertArrayEquals(expected[i], s.run(Map.of("x", xs[i])).get("y").floats(),
                  "thread " + seed + " run " + k);
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        ex.shutdownNow();
      }
    }
  }

  @Test
  void closedSessionsLeaveNoWorkerThreads() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet(); // other tests' sessions
    for (int i = 0; i < 10; i++) {
      try (Session s = new Session(cnn(2), new Session.Options().threads(3))) {
        s.run(Map.of("x", random(new Random(i), 2, 1, 8, 8)));
      }
    }
    long deadline = System.nanoTime() + 5_000_000_000L; // shutdown is asynchronous
    List<String> alive;
    do {
      alive = Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !before.contains(t))
          .map(Thread::getName).filter(n -> n.startsWith("quantlens-worker-")).toList();
      if (!alive.isEmpty()) {
        Thread.sleep(20);
      }
    } while (!alive.isEmpty() && System.nanoTime() < deadline);
    assertEquals(List.of(), alive, "worker threads still alive after every session was closed");
  }

  /**
   * Per-run allocation allowed beyond the returned outputs: the run's bookkeeping (slot array,
   * identity maps, result map) and small kernel temporaries (GEMM accumulators; in a JVM whose
   * profiles other tests polluted, some boxed vectors). Measured 4-30 KB. Without recycling the
   * model below allocates 144 KB of intermediates per run on top, so the bound catches that.
   */
  static final long OVERHEAD_PER_RUN = 64 * 1024;

  @Test
  void steadyStateRunAllocatesOnlyOutputsAndSmallOverhead() {
    java.lang.management.ThreadMXBean std = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(std instanceof com.sun.management.ThreadMXBean,
        "com.sun.management.ThreadMXBean not available");
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
    Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(),
        "thread allocation measurement not supported");
    mx.setThreadAllocatedMemoryEnabled(true);
    // 16 x 32 x 32 floats = 64 KB each for Conv and Relu (kept apart: no fusion), 16 KB MaxPool.
    Tensor x = random(new Random(5), 1, 1, 32, 32);
    Map<String, Tensor> feeds = Map.of("x", x);
    // One thread: every allocation of a run happens on the calling thread, where it is measured.
    Session.Options opts = new Session.Options().threads(1).optimize(false);
    try (Session s = new Session(cnn(1, 16, 32), opts)) {
      // Warm up long enough for C2 to compile the kernels (vector code run by the interpreter or
      // C1 boxes its vectors on the heap).
      for (int i = 0; i < 1500; i++) {
        s.run(feeds);
      }
      int runs = 50;
      long outBytes = 0;
      long fresh = s.buffers().freshArrays();
      long tid = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < runs; i++) {
        outBytes += 16 + 4L * s.run(feeds).get("y").size();
      }
      long perRun = (mx.getThreadAllocatedBytes(tid) - before) / runs;
      System.out.println("SessionAllocationTest: steady-state bytes per run = " + perRun
          + " (outputs " + outBytes / runs + ")");
      // Exactly one new backing array per run: the returned output; all intermediates recycled.
      assertEquals(runs, s.buffers().freshArrays() - fresh);
      assertTrue(perRun < outBytes / runs + OVERHEAD_PER_RUN,
          "allocated " + perRun + " bytes per run; allowed outputs " + outBytes / runs + " + "
              + OVERHEAD_PER_RUN);
    }
  }
}
