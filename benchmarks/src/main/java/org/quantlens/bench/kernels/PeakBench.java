package org.quantlens.bench.kernels;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.quantlens.engine.kernels.simd.SimdInfo;

/**
 * The physical limit GEMM is measured against: fused multiply-adds on register-resident data, one
 * thread, the engine's own vector species ({@link SimdInfo#F}, so the same width GEMM uses).
 * Twelve independent accumulators cover the FMA latency times the number of FMA pipes of current
 * x86 cores (4 cycles x 2 pipes = 8 in flight) with room to spare, and with the two operands fit
 * in the 16 registers of AVX2. {@code acc = x * y + acc} adds a small constant per step, so no
 * value overflows or turns subnormal.
 *
 * <p>Two details keep C2 from measuring itself instead of the CPU (measured on JDK 17 and 25, AVX2):
 * the accumulator is the addend, which maps to one {@code vfmadd231ps} (as a multiplicand it
 * cost an extra register copy per FMA); and the loop is not unrolled, because C2 places the
 * unrolled copies of one chain back to back, which starves the FMA pipes. Written naively the
 * probe reached about 0.7 of what this one does; this one matches a C loop of the same FMAs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class PeakBench {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int STEPS = 1024;
  private static final int ACCUMULATORS = 12;

  public float x = 0.999f;
  public float y = 0.001f;
  /** Always 1, but read from a field: a loop stride C2 cannot see is not unrolled (see above). */
  public int stride = 1;

  @Benchmark
  public float fma(Counters work) {
    FloatVector vx = FloatVector.broadcast(F, x);
    FloatVector vy = FloatVector.broadcast(F, y);
    FloatVector a0 = FloatVector.broadcast(F, 0.1f);
    FloatVector a1 = FloatVector.broadcast(F, 0.2f);
    FloatVector a2 = FloatVector.broadcast(F, 0.3f);
    FloatVector a3 = FloatVector.broadcast(F, 0.4f);
    FloatVector a4 = FloatVector.broadcast(F, 0.5f);
    FloatVector a5 = FloatVector.broadcast(F, 0.6f);
    FloatVector a6 = FloatVector.broadcast(F, 0.7f);
    FloatVector a7 = FloatVector.broadcast(F, 0.8f);
    FloatVector a8 = FloatVector.broadcast(F, 0.9f);
    FloatVector a9 = FloatVector.broadcast(F, 1.0f);
    FloatVector a10 = FloatVector.broadcast(F, 1.1f);
    FloatVector a11 = FloatVector.broadcast(F, 1.2f);
    int step = stride;
    for (int i = 0; i < STEPS; i += step) {
      a0 = vx.fma(vy, a0);
      a1 = vx.fma(vy, a1);
      a2 = vx.fma(vy, a2);
      a3 = vx.fma(vy, a3);
      a4 = vx.fma(vy, a4);
      a5 = vx.fma(vy, a5);
      a6 = vx.fma(vy, a6);
      a7 = vx.fma(vy, a7);
      a8 = vx.fma(vy, a8);
      a9 = vx.fma(vy, a9);
      a10 = vx.fma(vy, a10);
      a11 = vx.fma(vy, a11);
    }
    work.flops += 2L * STEPS * ACCUMULATORS * F.length();
    FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
        .add(a10).add(a11);
    return s.reduceLanes(VectorOperators.ADD);
  }
}
