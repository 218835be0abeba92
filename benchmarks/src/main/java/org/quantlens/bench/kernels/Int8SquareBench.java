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
 * The int8 GEMM kernel at {@code size}^3 on one thread, held against the best int8 dot-product
 * idiom ({@link Int8IdiomBench}): 2 operations per multiply-add in {@code flops}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class Int8SquareBench {
  @Param({"512"})
  public int size;

  private Int8Gemm k;
  private float[] a;
  private float[] b;
  private int[] c;

  @Setup
  public void setup() {
    if (!Kernels.simd()) {
      throw new IllegalStateException("the SIMD kernels are off in this JVM");
    }
    k = Int8Gemm.get();
    SplittableRandom rng = new SplittableRandom(7);
    a = Int8GemmBench.int8s(rng, size * size);
    b = Int8GemmBench.int8s(rng, size * size);
    c = new int[size * size];
  }

  @Benchmark
  public int[] multiply(Counters work) {
    int n = size;
    k.multiply(n, n, n, a, 0, n, b, 0, n, c, 0, n);
    work.flops += 2L * n * n * n;
    return c;
  }
}
