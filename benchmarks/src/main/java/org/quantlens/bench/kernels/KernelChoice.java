package org.quantlens.bench.kernels;

import java.util.SplittableRandom;
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.kernels.GemmKernel;
import org.quantlens.engine.kernels.Kernels;
import org.quantlens.engine.kernels.ScalarGemm;
import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.kernels.VectorMathScalar;

/** Maps a benchmark's {@code kernel} parameter to an implementation. */
final class KernelChoice {
  private KernelChoice() {}

  static GemmKernel gemm(String kernel) {
    if (kernel.equals("scalar")) {
      return new ScalarGemm();
    }
    requireSimd();
    return Gemm.kernel();
  }

  static VectorMath vectorMath(String kernel) {
    if (kernel.equals("scalar")) {
      return new VectorMathScalar();
    }
    requireSimd();
    return VectorMath.get();
  }

  /** A "simd" result measured on the scalar fallback would be a lie: refuse to run. */
  private static void requireSimd() {
    if (!Kernels.simd()) {
      throw new IllegalStateException("kernel=simd but the SIMD kernels are off in this JVM "
          + "(fork with --add-modules jdk.incubator.vector and without -Dquantlens.simd=false)");
    }
  }

  static float[] random(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return a;
  }
}
