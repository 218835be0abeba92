package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PaddedPlane#fillRead}, whole or for a range of output rows, writes every element those
 * windows' taps read, as {@link PaddedPlane#fill} does.
 */
class PaddedPlaneFillReadTest {
  @Test
  void everyElementATapReadsIsFilledAsByTheFullFillAlsoForARangeOfOutputRows() {
    Random rnd = new Random(8);
    int skipped = 0;
    for (int trial = 0; trial < 400; trial++) {
      int r = rnd.nextInt(4) == 0 ? 1 : 2;
      int[] in = new int[r];
      int[] k = new int[r];
      int[] s = new int[r];
      int[] d = new int[r];
      int[] pads = new int[2 * r];
      for (int i = 0; i < r; i++) {
        k[i] = 1 + rnd.nextInt(4);
        s[i] = 1 + rnd.nextInt(3);
        d[i] = 1 + rnd.nextInt(2);
        pads[i] = rnd.nextInt(k[i]);
        pads[i + r] = rnd.nextInt(k[i]);
        in[i] = Math.max(1, (k[i] - 1) * d[i] + 1 - pads[i] - pads[i + r]) + rnd.nextInt(12);
      }
      ConvGeometry g = ConvGeometry.of(in, k, s, d, pads, ConvGeometry.AutoPad.NOTSET, false);
      PaddedPlane plane = new PaddedPlane(g);
      float[] x = FloatConvPatchesTest.random(rnd, 3 + g.inSize);
      float[] full = new float[5 + plane.size()];
      float[] read = new float[full.length];
      plane.fill(x, 3, -2f, full, 5);
      Arrays.fill(read, Float.NaN);
      plane.fillRead(x, 3, -2f, read, 5);
      for (int oy = 0; oy < plane.outH; oy++) {
        for (int t : plane.taps()) {
          for (int ox = 0; ox < plane.outW; ox++) {
            int at = 5 + plane.rowBase(oy) + t + ox;
            assertEquals(full[at], read[at], g + " oy " + oy + " tap " + t + " ox " + ox);
          }
        }
      }
      // a range of output rows: what their windows read is filled
      int oy0 = rnd.nextInt(plane.outH);
      int oy1 = oy0 + 1 + rnd.nextInt(plane.outH - oy0);
      float[] part = new float[full.length];
      Arrays.fill(part, Float.NaN);
      plane.fillRead(x, 3, -2f, part, 5, oy0, oy1);
      for (int oy = oy0; oy < oy1; oy++) {
        for (int t : plane.taps()) {
          for (int ox = 0; ox < plane.outW; ox++) {
            int at = 5 + plane.rowBase(oy) + t + ox;
            assertEquals(full[at], part[at], g + " rows [" + oy0 + ", " + oy1 + ") oy " + oy);
          }
        }
      }
      for (float v : read) {
        skipped += Float.isNaN(v) ? 1 : 0;
      }
    }
    assertTrue(skipped > 0, "strided windows leave some rows or phases unread, and unwritten");
  }
}
