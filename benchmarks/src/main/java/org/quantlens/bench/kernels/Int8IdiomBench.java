package org.quantlens.bench.kernels;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.quantlens.engine.kernels.simd.SimdInfo;

/**
 * The int8 dot-product idioms the Vector API offers (it has no VNNI or VPMADDUBSW), each over two
 * 2048-element int8 vectors in L1 (two accumulators for the integer idioms, whose adds take one
 * cycle; four FMA chains for the float ones), one thread, at the engine's
 * vector width: {@code b2s} widens bytes to shorts, multiplies, widens to ints and adds;
 * {@code b2i} widens to ints, multiplies and adds; {@code b2f} converts to float and uses FMA;
 * {@code f32} reads operands already stored as floats (what {@code Int8Gemm} does) and uses FMA.
 * The best of them is the rate int8 GEMM is held against. Every vector expression is written out
 * in the loop: a helper method returning a vector, once C2 declines to inline it on a
 * recompilation, boxes every vector (b2s/b2i swung between 1.6 and 18 GOPS that way). {@code flops} counts 2 per multiply-add.
 *
 * <p>Checked in C2's code (hsdis, JDK 25, AVX2), 2026-11-26: with 4096 elements the f32 operands
 * took 2 x 16 KB, the whole 32 KB L1 of this CPU, so f32 ran from L2; and C2, which unrolls these
 * loops 4-8 times and hoists the loads of all copies to the top, kept over a dozen vectors of b2i and
 * b2s on the stack per iteration. With 2048 elements (all operands in L1 with room to spare) f32
 * and b2f have no spill and no bounds check; b2i keeps one accumulator on the stack and b2s one
 * accumulator and two loaded vectors (a store and a load per unrolled iteration of 8-16 vector
 * multiplies, off the throughput bound). On JDK 17 (not unrolled) b2s and b2i are clean, but b2f
 * chose between two accumulator pairs with a branch in the loop: the vectors merged at the branch
 * were boxed (32 calls and some 250 stack accesses in its code); it now runs four chains
 * unconditionally, like f32. What remains is each idiom's own cost: a dot product
 * streams both operands, so it is bound by loads and widening (f32: two loads per FMA, at most one
 * FMA a cycle), while a GEMM tile reuses them from registers and may run faster than the idiom.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m"})
@Warmup(iterations = 4, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class Int8IdiomBench {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();
  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
  private static final int N = 2048;

  private byte[] a;
  private byte[] b;
  private float[] af;
  private float[] bf;

  @Setup
  public void setup() {
    SplittableRandom rng = new SplittableRandom(8);
    a = new byte[N];
    b = new byte[N];
    af = new float[N];
    bf = new float[N];
    for (int i = 0; i < N; i++) {
      a[i] = (byte) (rng.nextInt(256) - 128);
      b[i] = (byte) (rng.nextInt(256) - 128);
      af[i] = a[i];
      bf[i] = b[i];
    }
  }

  @Benchmark
  public int b2s(Counters work) {
    IntVector s0 = IntVector.zero(I);
    IntVector s1 = IntVector.zero(I);
    for (int i = 0; i < N; i += 2 * L) {
      ShortVector x0 = (ShortVector) ByteVector.fromArray(B, a, i).convertShape(VectorOperators.B2S, S, 0);
      ShortVector y0 = (ShortVector) ByteVector.fromArray(B, b, i).convertShape(VectorOperators.B2S, S, 0);
      ShortVector x1 = (ShortVector) ByteVector.fromArray(B, a, i + L).convertShape(VectorOperators.B2S, S, 0);
      ShortVector y1 = (ShortVector) ByteVector.fromArray(B, b, i + L).convertShape(VectorOperators.B2S, S, 0);
      s0 = s0.add(x0.mul(y0).convertShape(VectorOperators.S2I, I, 0));
      s1 = s1.add(x1.mul(y1).convertShape(VectorOperators.S2I, I, 0));
    }
    work.flops += 2L * N;
    return s0.add(s1).reduceLanes(VectorOperators.ADD);
  }

  @Benchmark
  public int b2i(Counters work) {
    IntVector s0 = IntVector.zero(I);
    IntVector s1 = IntVector.zero(I);
    for (int i = 0; i < N; i += 2 * L) {
      IntVector x0 = (IntVector) ByteVector.fromArray(B, a, i).convertShape(VectorOperators.B2I, I, 0);
      IntVector y0 = (IntVector) ByteVector.fromArray(B, b, i).convertShape(VectorOperators.B2I, I, 0);
      IntVector x1 = (IntVector) ByteVector.fromArray(B, a, i + L).convertShape(VectorOperators.B2I, I, 0);
      IntVector y1 = (IntVector) ByteVector.fromArray(B, b, i + L).convertShape(VectorOperators.B2I, I, 0);
      s0 = s0.add(x0.mul(y0));
      s1 = s1.add(x1.mul(y1));
    }
    work.flops += 2L * N;
    return s0.add(s1).reduceLanes(VectorOperators.ADD);
  }

  @Benchmark
  public float b2f(Counters work) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = FloatVector.zero(F);
    FloatVector s2 = FloatVector.zero(F);
    FloatVector s3 = FloatVector.zero(F);
    for (int i = 0; i < N; i += 4 * L) { // four chains, no branch (see the class comment)
      s0 = ((FloatVector) ByteVector.fromArray(B, a, i).convertShape(VectorOperators.B2F, F, 0))
          .fma((FloatVector) ByteVector.fromArray(B, b, i).convertShape(VectorOperators.B2F, F, 0), s0);
      s1 = ((FloatVector) ByteVector.fromArray(B, a, i + L).convertShape(VectorOperators.B2F, F, 0))
          .fma((FloatVector) ByteVector.fromArray(B, b, i + L).convertShape(VectorOperators.B2F, F, 0), s1);
      s2 = ((FloatVector) ByteVector.fromArray(B, a, i + 2 * L).convertShape(VectorOperators.B2F, F, 0))
          .fma((FloatVector) ByteVector.fromArray(B, b, i + 2 * L).convertShape(VectorOperators.B2F, F, 0), s2);
      s3 = ((FloatVector) ByteVector.fromArray(B, a, i + 3 * L).convertShape(VectorOperators.B2F, F, 0))
          .fma((FloatVector) ByteVector.fromArray(B, b, i + 3 * L).convertShape(VectorOperators.B2F, F, 0), s3);
    }
    work.flops += 2L * N;
    return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
  }

  @Benchmark
  public float f32(Counters work) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = FloatVector.zero(F);
    FloatVector s2 = FloatVector.zero(F);
    FloatVector s3 = FloatVector.zero(F);
    for (int i = 0; i < N; i += 4 * L) {
      s0 = FloatVector.fromArray(F, af, i).fma(FloatVector.fromArray(F, bf, i), s0);
      s1 = FloatVector.fromArray(F, af, i + L).fma(FloatVector.fromArray(F, bf, i + L), s1);
      s2 = FloatVector.fromArray(F, af, i + 2 * L).fma(FloatVector.fromArray(F, bf, i + 2 * L), s2);
      s3 = FloatVector.fromArray(F, af, i + 3 * L).fma(FloatVector.fromArray(F, bf, i + 3 * L), s3);
    }
    work.flops += 2L * N;
    return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
  }
}
