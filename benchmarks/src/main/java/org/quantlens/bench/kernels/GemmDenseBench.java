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
import org.quantlens.engine.kernels.GemmKernel;
import org.quantlens.engine.kernels.PackedMatrix;
import org.quantlens.engine.kernels.Parallel;

/**
 * The zoo's dense products as inference runs them: {@code y[batch x out] = x[batch x in] * W^T}
 * with W ({@code out x in}, PyTorch layout) packed once, on one thread. Layers: LeNet-5's fully
 * connected layers, the MLP's first layer, and the recurrent products of LSTM(128) (4 gates) and
 * GRU(128) (3 gates), which run once per time step; two larger layers (4 MB of float weights,
 * which still fit this machine's 32 MB L3); and two whose float weights stream from memory at
 * batch 1 (4096x4096: 64 MB, past the 32 MB L3; 1024 -> 4096, an LSTM(1024)-like recurrent
 * product: 16 MB, in L3 on a quiet machine), where int8 weights should pay off
 * ({@link Int8GemmBench}; {@link Int8Pairs} also runs a 64 MB LSTM(2048)-like product).
 *
 * <p>Measured in 300 ms iterations, shorter than the other benchmarks' 500: these 40 rows (with
 * {@link Int8GemmBench}'s) set no goal, and the full run must stay within 20 minutes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class GemmDenseBench {
  /** {@code layer:in:out}. */
  @Param({"lenet5-fc1:400:120", "lenet5-fc2:120:84", "lenet5-fc3:84:10", "mlp-fc1:784:256",
      "lstm128-recurrent:128:512", "gru128-recurrent:128:384", "fc1024:1024:1024",
      "lstm512-recurrent:512:2048",
      // past the L3 as float (64 MB, 16 MB): where int8 weights should pay off at batch 1
      "fc4096:4096:4096", "lstm1024-recurrent:1024:4096"})
  public String shape;

  @Param({"1", "64"})
  public int batch;

  @Param({"simd", "scalar"})
  public String kernel;

  private GemmKernel k;
  private PackedMatrix w;
  private float[] x;
  private float[] y;
  private int in;
  private int out;

  @Setup
  public void setup() {
    String[] parts = shape.split(":");
    in = Integer.parseInt(parts[1]);
    out = Integer.parseInt(parts[2]);
    k = KernelChoice.gemm(kernel);
    SplittableRandom rng = new SplittableRandom(2);
    w = k.packB(true, in, out, KernelChoice.random(rng, in * out), 0, in);
    x = KernelChoice.random(rng, batch * in);
    y = new float[batch * out];
  }

  @Benchmark
  public float[] dense(Counters work) {
    k.sgemmPackedB(Parallel.SERIAL, false, batch, 1f, x, 0, in, w, 0f, y, 0, out, null);
    work.flops += 2L * batch * in * out;
    return y;
  }
}
