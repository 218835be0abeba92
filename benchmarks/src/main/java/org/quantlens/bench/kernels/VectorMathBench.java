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
import org.quantlens.engine.kernels.VectorMath;

/**
 * Element-wise activations over 64k floats (a 256-channel 16x16 feature map), one thread: the
 * selected {@link VectorMath} (SIMD) against the scalar reference class.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class VectorMathBench {
  private static final int N = 1 << 16;

  @Param({"exp", "tanh", "sigmoid", "relu"})
  public String op;

  @Param({"simd", "scalar"})
  public String kernel;

  private VectorMath vm;
  private int code;
  private float[] x;
  private float[] out;

  @Setup
  public void setup() {
    vm = KernelChoice.vectorMath(kernel);
    switch (op) {
      case "exp": code = VectorMath.EXP; break;
      case "tanh": code = VectorMath.TANH; break;
      case "sigmoid": code = VectorMath.SIGMOID; break;
      case "relu": code = VectorMath.RELU; break;
      default: throw new IllegalArgumentException("op " + op);
    }
    x = new float[N];
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < N; i++) {
      x[i] = (float) (rng.nextDouble() * 16 - 8); // the range activations live in
    }
    out = new float[N];
  }

  @Benchmark
  public float[] map(Counters work) {
    vm.map(code, 0f, 0f, x, 0, out, 0, N);
    work.items += N;
    return out;
  }
}
