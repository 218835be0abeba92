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
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.kernels.GemmKernel;
import org.quantlens.engine.kernels.Parallel;
import org.quantlens.engine.kernels.ScalarGemm;

/**
 * Float32 {@code C = A * B} for square {@code size}^3 on one thread, through the public GEMM
 * entry (B is packed on every call, as for an activation operand). {@code kernel=simd} is the one
 * {@link Gemm} selected (the Vector API kernel with the launcher's flags), {@code scalar} the
 * portable {@link ScalarGemm} called directly.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class GemmSquareBench {
  @Param({"256", "512", "1024"})
  public int size;

  @Param({"simd", "scalar"})
  public String kernel;

  private GemmKernel k;
  private float[] a;
  private float[] b;
  private float[] c;

  @Setup
  public void setup() {
    k = KernelChoice.gemm(kernel);
    SplittableRandom rng = new SplittableRandom(1);
    a = KernelChoice.random(rng, size * size);
    b = KernelChoice.random(rng, size * size);
    c = new float[size * size];
  }

  @Benchmark
  public float[] sgemm(Counters work) {
    int n = size;
    k.sgemm(Parallel.SERIAL, false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n, null);
    work.flops += 2L * n * n * n;
    return c;
  }
}
