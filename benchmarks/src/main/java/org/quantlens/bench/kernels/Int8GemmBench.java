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
 * The int8 GEMM kernel ({@link Int8Gemm}, exact int32 results) on one thread, at the shapes of
 * {@link GemmDenseBench} ({@code y[batch x out] = x[batch x in] * W}); {@link Int8SquareBench}
 * does the squares. Operands hold integers in [-128, 127] as the engine passes them: activations widened
 * to float, weights as int8 bytes laid out once (the kernel widens them: in registers at batch 1,
 * through a per-thread float tile at larger batches); {@code flops} counts 2 operations per
 * multiply-add, so the rate reads as GOPS next to the float kernel's GFLOP/s.
 *
 * <p>Measured in 300 ms iterations, as {@link GemmDenseBench}: no goal is judged on these rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class Int8GemmBench {
  @Param({"lenet5-fc1:400:120", "lenet5-fc2:120:84", "lenet5-fc3:84:10",
      "mlp-fc1:784:256", "lstm128-recurrent:128:512", "gru128-recurrent:128:384",
      "fc1024:1024:1024", "lstm512-recurrent:512:2048",
      // past the L3 as float (64 MB, 16 MB): where int8 weights should pay off at batch 1
      "fc4096:4096:4096", "lstm1024-recurrent:1024:4096"})
  public String shape;

  /**
   * Batch 1 (weights widened in registers: where int8 should pay off) and 64 (through the float
   * tile), as {@link GemmDenseBench} runs the float kernel.
   */
  @Param({"1", "64"})
  public int batch;

  private Int8Gemm k;
  private float[] x;
  private byte[] w;
  private int[] y;
  private int m;
  private int in;
  private int out;
  private int ldw;

  @Setup
  public void setup() {
    if (!Kernels.simd()) {
      throw new IllegalStateException("the SIMD kernels are off in this JVM");
    }
    String[] parts = shape.split(":");
    in = Integer.parseInt(parts[1]);
    out = Integer.parseInt(parts[2]);
    m = batch;
    k = Int8Gemm.get();
    ldw = (out + k.panelWidth() - 1) / k.panelWidth() * k.panelWidth(); // callers pad to panels
    SplittableRandom rng = new SplittableRandom(6);
    x = int8s(rng, m * in);
    w = bytes(int8s(rng, in * ldw)); // weights stay int8 bytes in [panel][in][nr], as the engine packs them
    y = new int[m * ldw];
  }

  @Benchmark
  public int[] multiply(Counters work) {
    int nr = k.panelWidth();
    for (int q = 0; q < ldw / nr; q++) { // panel by panel, as QuantMatMul calls it
      k.multiply(m, nr, in, x, 0, in, w, q * in * nr, nr, y, q * nr, ldw);
    }
    work.flops += 2L * m * in * out;
    return y;
  }

  static byte[] bytes(float[] f) {
    byte[] b = new byte[f.length];
    for (int i = 0; i < f.length; i++) {
      b[i] = (byte) f[i];
    }
    return b;
  }

  static float[] int8s(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = rng.nextInt(256) - 128;
    }
    return a;
  }
}
