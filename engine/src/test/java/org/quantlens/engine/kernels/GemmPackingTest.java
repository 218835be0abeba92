package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ChildJvm;

/**
 * Packing A into panels (the transposition of whole panels of rows, vectorized in the SIMD
 * kernel): bit for bit the definition {@code dst[p * w + i] = src[i * so + p]}, and free of
 * allocation once compiled even when C2 has no receiver profiles to go by.
 */
class GemmPackingTest {
  /** Odd values on purpose: -0, subnormals, infinities, NaN and ordinary numbers. */
  private static float[] source(int length, long seed) {
    Random r = new Random(seed);
    float[] special = {-0f, 0f, Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE};
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = r.nextInt(5) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
    }
    return a;
  }

  @Test
  void packedPanelsOfEveryKernelHoldEachElementBitForBitWherePackingPutsIt() {
    int[] depths = {1, 7, 8, 9, 16, 23, 64, 100};
    int[] rowCounts = {1, 3, 4, 5, 8, 13, 64};
    for (GemmKernel g : GemmKernelTest.kernels()) {
      int w = g.mr();
      for (int depth : depths) {
        for (int rows : rowCounts) {
          int so = depth + 3; // padded rows: a leading dimension above the depth
          int off = 2;
          float[] src = source(off + rows * so, 31L * depth + rows);
          int panels = (rows + w - 1) / w;
          float[] dst = new float[panels * w * depth + 5];
          java.util.Arrays.fill(dst, 42f);
          g.packPanels(src, off, so, 1, rows, depth, w, dst, 0, 0, panels);
          for (int q = 0; q < panels; q++) {
            for (int p = 0; p < depth; p++) {
              for (int i = 0; i < w; i++) {
                int row = q * w + i;
                float want = row < rows ? src[off + row * so + p] : 0f;
                float got = dst[q * w * depth + p * w + i];
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                    g.getClass().getSimpleName() + " depth " + depth + " rows " + rows
                        + ": row " + row + " step " + p);
              }
            }
          }
          for (int j = panels * w * depth; j < dst.length; j++) {
            assertEquals(42f, dst[j], "wrote past the panels");
          }
        }
      }
    }
  }

  /**
   * Packs a 64 x 64 A (ResNet-20's last Gemm at batch 64) in a JVM that records no receiver
   * types and does not re-inline virtual calls late ({@code -XX:TypeProfileWidth=0
   * -XX:-IncrementalInlineVirtual}): vector code then stays free of boxing only if C2 can bind
   * every vector call from static types alone. The two-vector rearrange packed this in 270 KB
   * per call there (and at 100 KB per ResNet-20 call in benchmark JVMs that happened to compile
   * the packing without a profile).
   */
  @Test
  void packingAllocatesNothingOnceCompiledEvenWithoutTypeProfiles() throws Exception {
    Assumptions.assumeTrue(Kernels.simd(), "SIMD kernels are off: nothing vectorized to check");
    String last = ChildJvm.lastLine(PackingLoop.class, 60, "-XX:+UnlockDiagnosticVMOptions",
        "-XX:TypeProfileWidth=0", "-XX:-IncrementalInlineVirtual");
    assertTrue(last.startsWith("best "), last);
    long best = Long.parseLong(last.substring(5).trim());
    System.out.println("GemmPackingTest: packing 64 x 64 without type profiles, best round "
        + best + " bytes per call");
    assertTrue(best < 16, "packing allocated " + best + " bytes per call");
  }

  /** A 4 x 8 kernel like the portable one that counts the panel transpositions it is asked for. */
  private static final class CountingKernel extends GemmKernel {
    int transposes;

    CountingKernel() {
      super(4, 8);
    }

    @Override
    protected void microKernel(int kc, float[] a, int ia, float[] b, int ib, float[] tile) {
      java.util.Arrays.fill(tile, 0, 32, 0f);
      for (int p = 0; p < kc; p++, ia += 4, ib += 8) {
        for (int i = 0; i < 4; i++) {
          for (int j = 0; j < 8; j++) {
            tile[i * 8 + j] += a[ia + i] * b[ib + j];
          }
        }
      }
    }

    @Override
    protected void transpose4(float[] src, int s0, int so, int depth, float[] dst, int base) {
      transposes++;
      super.transpose4(src, s0, so, depth, dst, base);
    }
  }

  /**
   * Products below {@link GemmKernel#VECTOR_PACK_MIN_MACS} pack A with the portable loop, not the
   * subclass's transposition (whose vector code C1 boxes until the rarely called method reaches
   * C2), and both give the reference's result; larger products keep the subclass's.
   */
  @Test
  void smallProductsPackAWithThePortableLoopAndLargeOnesWithTheKernelsTransposition() {
    int[][] shapes = {{64, 10, 64}, {64, 64, 63}, {64, 256, 784}, {200, 144, 24}};
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      float[] a = source(m * k, m + n + k);
      float[] w = source(n * k, 7L * k);
      for (int i = 0; i < a.length; i++) {
        a[i] = Float.isFinite(a[i]) && Math.abs(a[i]) < 1e3f ? a[i] : 0.5f;
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = Float.isFinite(w[i]) && Math.abs(w[i]) < 1e3f ? w[i] : -0.25f;
      }
      CountingKernel g = new CountingKernel();
      PackedMatrix pw = g.packB(true, k, n, w, 0, k);
      float[] c = new float[m * n];
      g.transposes = 0;
      g.sgemmPackedB(Parallel.SERIAL, false, m, 1f, a, 0, k, pw, 0f, c, 0, n, null);
      boolean small = (long) m * n * k < GemmKernel.VECTOR_PACK_MIN_MACS;
      String what = m + " x " + n + " x " + k;
      if (small) {
        assertEquals(0, g.transposes, what + ": kernel transpositions");
      } else {
        assertTrue(g.transposes > 0, what + ": the kernel's transposition was not used");
      }
      float[] ref = new float[m * n];
      Gemm.reference(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, ref, 0, n, 0, m);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sumAbs = 0; // rounding bound as in GemmKernelTest: 1e-5 sqrt(k) sum |a b|
          for (int p = 0; p < k; p++) {
            sumAbs += Math.abs((double) a[i * k + p] * w[j * k + p]);
          }
          assertEquals(ref[i * n + j], c[i * n + j], 1e-5 * Math.sqrt(k) * sumAbs + 1e-30,
              what + " element (" + i + ", " + j + ")");
        }
      }
    }
  }

  /** The child JVM: packs repeatedly, prints the fewest bytes per call over its rounds. */
  static final class PackingLoop {
    public static void main(String[] args) {
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      GemmKernel g = Gemm.kernel();
      int w = g.mr();
      float[] src = source(64 * 64, 1);
      int panels = (64 + w - 1) / w;
      float[] dst = new float[panels * w * 64];
      long tid = Thread.currentThread().getId();
      long best = Long.MAX_VALUE;
      long deadline = System.nanoTime() + 20_000_000_000L;
      for (int round = 0; round < 40 && (best > 0 || round < 10)
          && System.nanoTime() < deadline; round++) {
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 2000; i++) {
          g.packPanels(src, 0, 64, 1, 64, 64, w, dst, 0, 0, panels);
        }
        best = Math.min(best, (mx.getThreadAllocatedBytes(tid) - before) / 2000);
      }
      System.out.println("best " + best);
    }
  }
}
