package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quantlens.study.data.ImageDataset;

/** Properties every shift must have, checked for each name on gray and RGB images. */
class CorruptionContractTest {
  private static final ImageDataset DIGITS = TestImages.digits(12, 5);
  private static final ImageDataset SCENES = TestImages.scenes(6, 32, 32, 5);

  static Stream<String> names() {
    return Shifts.names().stream();
  }

  @ParameterizedTest
  @MethodSource("names")
  void sameSeedGivesSameBytesAndAnotherSeedDiffersExactlyForRandomShifts(String name) {
    boolean random = Shifts.corruption(name).isRandom();
    for (ImageDataset ds : new ImageDataset[] {DIGITS, SCENES}) {
      for (int sev = 1; sev <= 5; sev++) {
        byte[] a = Shifts.apply(ds, name, sev, 17).images().bytes();
        byte[] b = Shifts.apply(ds, name, sev, 17).images().bytes();
        assertArrayEquals(a, b, name + " sev " + sev + " on " + ds.name());
        byte[] c = Shifts.apply(ds, name, sev, 18).images().bytes();
        assertEquals(random, !Arrays.equals(a, c), name + " sev " + sev + " on " + ds.name()
            + (random ? ": another seed gave the same bytes" : ": deterministic shift used the seed"));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void outputKeepsShapeAndStaysInZeroOneOnGrayRgbAndOddSizes(String name) {
    int[][] shapes = {{28, 28, 1}, {32, 32, 3}, {20, 24, 1}, {17, 23, 3}, {13, 11, 1}, {40, 36, 3}};
    SplittableRandom r = new SplittableRandom(3);
    for (int[] s : shapes) {
      float[] px = new float[s[0] * s[1] * s[2]];
      for (int i = 0; i < px.length; i++) {
        // a ramp with a bright blob and some zeros, like real images
        int y = i / (s[1] * s[2]);
        px[i] = r.nextInt(5) == 0 ? 0f : Math.min(1f, y / (float) s[0] + 0.3f * r.nextFloat());
      }
      FloatImage img = new FloatImage(s[0], s[1], s[2], px);
      FloatImage before = img.copy();
      for (int sev = 1; sev <= 5; sev++) {
        FloatImage out = Shifts.applyOne(name, img, sev, 9, 4);
        assertEquals(s[0], out.height(), name);
        assertEquals(s[1], out.width(), name);
        assertEquals(s[2], out.channels(), name);
        for (float v : out.data()) {
          assertTrue(v >= 0f && v <= 1f, name + " sev " + sev + " " + Arrays.toString(s) + ": " + v);
        }
      }
      assertEquals(before, img, name + " modified its input");
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void resultDoesNotDependOnTheNumberOfThreads(String name) {
    for (ImageDataset ds : new ImageDataset[] {DIGITS, SCENES}) {
      for (int sev : new int[] {1, 5}) {
        byte[] one = Shifts.apply(ds, name, sev, 5, 1).images().bytes();
        byte[] common = Shifts.apply(ds, name, sev, 5).images().bytes();
        byte[] three = Shifts.apply(ds, name, sev, 5, 3).images().bytes();
        assertArrayEquals(one, common, name + " sev " + sev);
        assertArrayEquals(one, three, name + " sev " + sev);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void everyImageGetsItsOwnRandomStream(String name) {
    if (!Shifts.corruption(name).isRandom()) {
      return;
    }
    // the same clean image at two indices must (almost surely) be corrupted differently
    ImageDataset one = DIGITS.head(1);
    byte[] px = one.images().bytes();
    byte[] twice = new byte[2 * px.length];
    System.arraycopy(px, 0, twice, 0, px.length);
    System.arraycopy(px, 0, twice, px.length, px.length);
    ImageDataset pair = new ImageDataset("pair", org.quantlens.engine.tensor.Tensor.wrap(
        org.quantlens.engine.tensor.DType.U8, twice, 2, 28, 28, 1),
        org.quantlens.engine.tensor.Tensor.of(new long[2], 2), java.util.List.of("x"));
    boolean anyDiffers = false;
    for (int sev = 1; sev <= 5 && !anyDiffers; sev++) {
      byte[] out = Shifts.apply(pair, name, sev, 1).images().bytes();
      anyDiffers = !Arrays.equals(Arrays.copyOfRange(out, 0, px.length),
          Arrays.copyOfRange(out, px.length, 2 * px.length));
    }
    assertTrue(anyDiffers, name + " corrupted two copies of an image identically at every severity");
    assertFalse(name.isEmpty());
  }
}
