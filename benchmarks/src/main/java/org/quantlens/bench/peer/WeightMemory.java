package org.quantlens.bench.peer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.bench.report.Json;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;

/**
 * What a loaded model's weights cost in memory, float against static-int8. The goal's ratio is
 * taken over the numeric arrays a {@link Session} holds after loading the model file (graph read,
 * weights packed, the graph itself dropped; {@link HeldArrays}): the weights in whatever form the
 * session keeps them, with biases, scales and tables, but not the names and nodes of its
 * structure, each weight once (a float session built with {@code -Dquantlens.conv.winograd=false};
 * the transformed 3x3 kernels Winograd adds are reported apart; an int8 session as it runs: its
 * Winograd layers transform their kernels per call and hold the int8 weights once). Also reported: the whole heap the session keeps, measured as the drop in used heap
 * after full collections (smallest of three loads), and the initializer bytes of each file. Writes JSON for {@code ResultsReport}. Run it
 * with {@code -XX:+UseSerialGC}: after a full collection its used heap is exact, where G1's counts
 * whole regions (a humongous weight array rounds up to its regions). Reported beside the ratio,
 * not in it: the heap one batch-1 call leaves on its thread (working memory, both variants).
 *
 * <pre>
 * java -XX:+UseSerialGC -cp benchmarks.jar org.quantlens.bench.peer.WeightMemory [--models a,b]
 *   --out weights.json
 * </pre>
 */
public final class WeightMemory {
  private static final MemoryMXBean MEM = ManagementFactory.getMemoryMXBean();
  private static Session keep;
  /** Read when a session is built: false keeps 3x3 layers off Winograd (and its weights). */
  private static final String WINOGRAD = "quantlens.conv.winograd";

  private WeightMemory() {}

  public static void main(String[] argv) throws Exception {
    List<String> models = new ArrayList<>(Zoo.models().keySet());
    Path out = Path.of("target/weights.json");
    Path dir = Path.of("target/models");
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "--models": models = List.of(argv[++i].split(",")); break;
        case "--out": out = Path.of(argv[++i]); break;
        case "--model-dir": dir = Path.of(argv[++i]); break;
        default: throw new IllegalArgumentException("unknown argument " + argv[i]);
      }
    }
    Files.createDirectories(dir);
    List<Object> results = new ArrayList<>();
    for (String name : models) {
      BenchModel m = Zoo.get(name);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", name);
      if (!m.missingOps().isEmpty()) {
        r.put("skipped", "needs ops " + m.missingOps());
        results.add(r);
        continue;
      }
      try {
        for (String variant : List.of("float", "static-int8")) {
          Path file = dir.resolve(name + "-" + variant + "-mem.onnx");
          Graph g = Variant.graph(m, variant);
          OnnxWriter.write(g, file);
          r.put(variant + "FileInitializerBytes", initializerBytes(g));
          long[] held = new long[1];
          // both sides hold each weight once: the float side without Winograd's transformed copy
          // of its 3x3 kernels, which a float session keeps beside them (measured again and
          // reported apart); the int8 side as sessions run it (its Winograd layers hold their
          // int8 weights once, reordered)
          if (variant.equals("float")) {
            System.setProperty(WINOGRAD, "false");
          }
          r.put(variant + "SessionBytes", (double) sessionBytes(file, held));
          r.put(variant + "HeldArrayBytes", (double) held[0]);
          System.clearProperty(WINOGRAD);
          if (variant.equals("float")) {
            sessionBytes(file, held);
            r.put("floatWinogradExtraBytes", (double) held[0] - (Double) r.get("floatHeldArrayBytes"));
          }
          r.put(variant + "RunBytes", (double) runBytes(file, m));
        }
        double heapRatio = (Double) r.get("static-int8SessionBytes") / (Double) r.get("floatSessionBytes");
        double ratio = (Double) r.get("static-int8HeldArrayBytes") / (Double) r.get("floatHeldArrayBytes");
        r.put("heapRatio", heapRatio);
        r.put("ratio", ratio);
        System.out.printf("%-10s arrays: float %,12.0f B  static-int8 %,12.0f B  ratio %.3f;"
            + "  heap: float %,12.0f B  static-int8 %,12.0f B  ratio %.3f%n", name,
            r.get("floatHeldArrayBytes"), r.get("static-int8HeldArrayBytes"), ratio,
            r.get("floatSessionBytes"), r.get("static-int8SessionBytes"), heapRatio);
      } catch (RuntimeException e) {
        r.put("skipped", "failed: " + e);
        System.out.println("FAIL " + name + ": " + e);
      }
      results.add(r);
    }
    Files.writeString(out, Json.write(Map.of("results", results)));
    System.out.println("wrote " + out);
  }

  /**
   * Heap kept by a session loaded from {@code file}: smallest of three loads; {@code held[0]}
   * receives the bytes of the numeric arrays the session holds ({@link HeldArrays}).
   */
  private static long sessionBytes(Path file, long[] held) {
    long best = Long.MAX_VALUE;
    for (int rep = 0; rep < 3; rep++) {
      keep = null;
      long before = usedAfterGc();
      Graph g = OnnxReader.read(file);
      Session s = new Session(g, new Session.Options().threads(1));
      g = null;
      keep = s;
      long after = usedAfterGc();
      held[0] = HeldArrays.bytes(s);
      best = Math.min(best, after - before);
      s.close();
    }
    keep = null;
    return best;
  }

  /**
   * Heap that one call at batch 1 leaves behind while its thread lives: the session's pooled
   * intermediate tensors and the kernels' per-thread scratch (transformed inputs, int8 Winograd's
   * transformed kernels, a recurrent layer's R widened to float, GEMM tiles), none of which
   * {@link HeldArrays} counts. Smallest of two calls (the first also pays one-time class
   * initialization), each on a fresh session and thread.
   */
  private static long runBytes(Path file, BenchModel m) throws InterruptedException {
    long best = Long.MAX_VALUE;
    for (int rep = 0; rep < 2; rep++) {
      Session s = new Session(OnnxReader.read(file), new Session.Options().threads(1));
      Map<String, Tensor> feeds = m.inputs(1, 7);
      CountDownLatch ran = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      RuntimeException[] failed = new RuntimeException[1];
      long before = usedAfterGc();
      Thread t = new Thread(() -> {
        try {
          s.run(feeds);
        } catch (RuntimeException e) {
          failed[0] = e;
        } finally {
          ran.countDown();
        }
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      ran.await();
      if (failed[0] != null) {
        release.countDown();
        throw failed[0];
      }
      best = Math.min(best, usedAfterGc() - before);
      release.countDown();
      t.join();
      s.close();
    }
    return best;
  }

  private static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, MEM.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static double initializerBytes(Graph g) {
    double bytes = 0;
    for (Tensor t : g.initializers().values()) {
      bytes += (double) t.size() * t.dtype().byteSize();
    }
    return bytes;
  }
}
