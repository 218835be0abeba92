package org.quantlens.bench.kernels;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.kernels.Kernels;

/**
 * The int8 GEMM kernel at {@code size}^3 (256, 512 and 1024) on one thread, held against the best int8 dot-product
 * idiom ({@link Int8IdiomBench}): 2 operations per multiply-add in {@code flops}. A holds int8
 * values widened to float (as the engine passes activations). {@code weights}: {@code int8-panels}
 * is the engine's path (QuantMatMul, Int8WeightPanels): B as int8 bytes packed once in panels of
 * the kernel's width, called panel by panel; {@code float} is B as a row-major float matrix (the
 * entry point im2col convolutions use), which the kernel copies block by block into a packed tile.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class Int8SquareBench {
  @Param({"256", "512", "1024"})
  public int size;

  /** The engine's path only in the set; {@code -p weights=float} runs the im2col entry point. */
  @Param({"int8-panels"})
  public String weights = "int8-panels";

  private Int8Gemm k;
  private float[] a;
  private float[] b;
  private byte[] panels;
  private int ldc;
  private int[] c;

  @Setup
  public void setup() {
    if (!Kernels.simd()) {
      throw new IllegalStateException("the SIMD kernels are off in this JVM");
    }
    k = Int8Gemm.get();
    SplittableRandom rng = new SplittableRandom(7);
    a = Int8GemmBench.int8s(rng, size * size);
    int nr = k.panelWidth();
    ldc = (size + nr - 1) / nr * nr;
    if (weights.equals("float")) {
      b = Int8GemmBench.int8s(rng, size * size);
    } else if (weights.equals("int8-panels")) {
      panels = Int8GemmBench.bytes(Int8GemmBench.int8s(rng, size * ldc)); // [panel][k][nr]
    } else {
      throw new IllegalArgumentException("weights: int8-panels or float, got " + weights);
    }
    c = new int[size * ldc];
  }

  @Benchmark
  public int[] multiply(Counters work) {
    int n = size;
    if (panels == null) {
      k.multiply(n, n, n, a, 0, n, b, 0, n, c, 0, ldc);
    } else {
      int nr = k.panelWidth();
      for (int q = 0; q < ldc / nr; q++) {
        k.multiply(n, nr, n, a, 0, n, panels, q * n * nr, nr, c, q * nr, ldc);
      }
    }
    work.flops += 2L * n * n * n;
    return c;
  }
}
