package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.ImageDataset;

/** Deterministic shifts against values computed independently in the test. */
class ReferenceValuesTest {
  private static ImageDataset dataset(byte[] px, int n, int h, int w, int c) {
    return new ImageDataset("hand", Tensor.wrap(DType.U8, px, n, h, w, c), Tensor.of(new long[n], n),
        List.of("x"));
  }

  @Test
  void stripeInvertsExactlyTheSideColumnsAtUint8() {
    ImageDataset ds = TestImages.digits(4, 3);
    byte[] in = ds.images().bytes();
    int[] band = {3, 5, 7, 9, 11}; // columns per side on 28 columns; MNIST-C's own setting is 7
    for (int sev = 1; sev <= 5; sev++) {
      byte[] out = Shifts.apply(ds, "mnist-c/stripe", sev, 0).images().bytes();
      for (int i = 0; i < in.length; i++) {
        int col = i % 28;
        int v = in[i] & 0xff;
        int expect = col < band[sev - 1] || col >= 28 - band[sev - 1] ? 255 - v : v;
        assertEquals(expect, out[i] & 0xff, "sev " + sev + " pixel " + i);
      }
    }
    // MNIST-C: x[:, :7] and x[:, 21:] inverted at the default severity 3
    assertEquals(7, Stripe.band(28, 3));
  }

  @Test
  void grayBrightnessIsMinOfXPlusCAndOne() {
    double[] mnist = {.1, .2, .3, .4, .5};
    double[] cifar = {.05, .1, .15, .2, .3};
    ImageDataset ds = TestImages.digits(3, 4);
    byte[] in = ds.images().bytes();
    for (int sev = 1; sev <= 5; sev++) {
      byte[] a = Shifts.apply(ds, "mnist-c/brightness", sev, 0).images().bytes();
      byte[] b = Shifts.apply(ds, "cifar10-c/brightness", sev, 0).images().bytes();
      for (int i = 0; i < in.length; i++) {
        double x = (in[i] & 0xff) / 255.0;
        assertEquals((int) Math.floor(Math.min(x + mnist[sev - 1], 1) * 255 + 1e-6), a[i] & 0xff);
        assertEquals((int) Math.floor(Math.min(x + cifar[sev - 1], 1) * 255 + 1e-6), b[i] & 0xff);
      }
    }
  }

  @Test
  void rgbBrightnessRaisesHsvValueAndKeepsHueAndSaturation() {
    float[] px = {.2f, .4f, .6f, .9f, .1f, .1f, 0f, 0f, 0f, .95f, .5f, .7f};
    FloatImage img = new FloatImage(2, 2, 3, px);
    FloatImage out = Shifts.applyOne("cifar10-c/brightness", img, 5, 0, 0); // +0.3
    for (int p = 0; p < 4; p++) {
      float[] hsvIn = Color.RGBtoHSB(Math.round(px[3 * p] * 255), Math.round(px[3 * p + 1] * 255),
          Math.round(px[3 * p + 2] * 255), null);
      float[] o = out.data();
      float[] hsvOut = Color.RGBtoHSB(Math.round(o[3 * p] * 255), Math.round(o[3 * p + 1] * 255),
          Math.round(o[3 * p + 2] * 255), null);
      assertEquals(Math.min(hsvIn[2] + 0.3, 1), hsvOut[2], 0.01, "value of pixel " + p);
      if (hsvIn[1] > 0) {
        assertEquals(hsvIn[0], hsvOut[0], 0.01, "hue of pixel " + p);
        assertEquals(hsvIn[1], hsvOut[1], 0.01, "saturation of pixel " + p);
      } else {
        assertEquals(0, hsvOut[1], 0.01, "a gray stays gray");
      }
    }
  }

  @Test
  void rgbSaturateScalesHsvSaturationAndKeepsHueAndValue() {
    float[] px = {.2f, .4f, .6f, .9f, .3f, .1f, .5f, .5f, .5f, .3f, .8f, .7f};
    FloatImage img = new FloatImage(2, 2, 3, px);
    double[][] ab = {{.3, 0}, {.1, 0}, {1.5, 0}, {2, .1}, {2.5, .2}};
    for (int sev = 1; sev <= 5; sev++) {
      FloatImage out = Shifts.applyOne("cifar10-c/saturate", img, sev, 0, 0);
      float[] o = out.data();
      for (int p = 0; p < 4; p++) {
        float[] in = Color.RGBtoHSB(Math.round(px[3 * p] * 255), Math.round(px[3 * p + 1] * 255),
            Math.round(px[3 * p + 2] * 255), null);
        float[] got = Color.RGBtoHSB(Math.round(o[3 * p] * 255), Math.round(o[3 * p + 1] * 255),
            Math.round(o[3 * p + 2] * 255), null);
        double s = Math.min(1, Math.max(0, in[1] * ab[sev - 1][0] + ab[sev - 1][1]));
        assertEquals(s, got[1], 0.01, "sev " + sev + " saturation of pixel " + p);
        assertEquals(in[2], got[2], 0.01, "sev " + sev + " value of pixel " + p);
        if (in[1] > 0 && s > 0.05) {
          assertEquals(in[0], got[0], 0.01, "sev " + sev + " hue of pixel " + p);
        }
      }
    }
  }

  @Test
  void graySaturateFollowsTheGrayToRgbToGrayChain() {
    // gray pixel: hue 0, saturation b -> (V, V(1-b), V(1-b)) -> .2125 V + .7875 V (1-b)
    float[] px = {0f, .25f, .5f, 1f};
    FloatImage img = new FloatImage(2, 2, 1, px);
    double[] b = {0, 0, 0, .1, .2};
    for (int sev = 1; sev <= 5; sev++) {
      FloatImage out = Shifts.applyOne("cifar10-c/saturate", img, sev, 0, 0);
      for (int i = 0; i < 4; i++) {
        double v = px[i];
        assertEquals(.2125 * v + .7154 * v * (1 - b[sev - 1]) + .0721 * v * (1 - b[sev - 1]),
            out.data()[i], 1e-6);
      }
    }
  }

  @Test
  void contrastMovesEachChannelTowardsItsOwnMean() {
    double[] c = {.75, .5, .4, .3, .15};
    ImageDataset ds = TestImages.scenes(2, 32, 32, 8);
    for (int sev = 1; sev <= 5; sev++) {
      for (int n = 0; n < 2; n++) {
        FloatImage x = TestImages.image(ds, n);
        FloatImage out = Shifts.applyOne("cifar10-c/contrast", x, sev, 0, n);
        double[] mean = new double[3];
        for (int i = 0; i < x.size(); i++) {
          mean[i % 3] += x.data()[i] / (32.0 * 32.0);
        }
        for (int i = 0; i < x.size(); i++) {
          double expect = (x.data()[i] - mean[i % 3]) * c[sev - 1] + mean[i % 3];
          assertEquals(Math.min(1, Math.max(0, expect)), out.data()[i], 1e-5);
        }
      }
    }
  }

  @Test
  void pilBoxResizeAveragesBlocksOnAnEvenRatio() {
    // 4 x 4 -> 2 x 2: each output is the rounded mean of its 2 x 2 block (computed by hand)
    int[] px = {
        0, 10, 200, 201,
        20, 31, 100, 100,
        255, 255, 7, 8,
        250, 250, 9, 9};
    int[] small = Pixelate.resize(px, 4, 4, 1, 2, 2);
    // rows first: [5, 201] [26, 100] [255, 8] [250, 9] (x.5 rounds up); then columns
    assertArrayEquals(new int[] {16, 151, 253, 9}, small);
  }

  @Test
  void pixelateMatchesANaiveBoxResampleWherePixelCentresPickTheTargetPixel() {
    ImageDataset ds = TestImages.digits(3, 9);
    double[] c = {.95, .9, .85, .75, .65};
    for (int sev = 1; sev <= 5; sev++) {
      byte[] out = Shifts.apply(ds, "cifar10-c/pixelate", sev, 0).images().bytes();
      int small = (int) (28 * c[sev - 1]);
      for (int n = 0; n < 3; n++) {
        int[] img = new int[28 * 28];
        for (int i = 0; i < img.length; i++) {
          img[i] = ds.images().bytes()[n * 784 + i] & 0xff;
        }
        int[] down = naiveBox(naiveBox(img, 28, 28, small, true), 28, small, small, false);
        int[] up = naiveBox(naiveBox(down, small, small, 28, true), small, 28, 28, false);
        for (int i = 0; i < 784; i++) {
          assertEquals(up[i], out[n * 784 + i] & 0xff, "sev " + sev + " image " + n + " px " + i);
        }
      }
    }
  }

  /**
   * One box pass written from PIL's definition: target pixel o of a pass from {@code in} to
   * {@code out} samples averages the source pixels whose centre x + 0.5 lies in
   * (o * in/out, (o + 1) * in/out]; when enlarging, that is the single pixel under the target
   * centre. Rounds to the nearest integer, halves up.
   */
  private static int[] naiveBox(int[] src, int h, int w, int out, boolean horizontal) {
    int in = horizontal ? w : h;
    int oh = horizontal ? h : out;
    int ow = horizontal ? out : w;
    double scale = (double) in / out;
    int[] dst = new int[oh * ow];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int o = horizontal ? x : y;
        double sum = 0;
        int count = 0;
        if (scale >= 1) {
          for (int s = 0; s < in; s++) {
            double centre = s + 0.5;
            if (centre > o * scale && centre <= (o + 1) * scale) {
              sum += horizontal ? src[y * w + s] : src[s * w + x];
              count++;
            }
          }
        } else {
          int s = (int) Math.floor((o + 0.5) * scale);
          sum = horizontal ? src[y * w + s] : src[s * w + x];
          count = 1;
        }
        dst[y * ow + x] = (int) Math.floor(sum / count + 0.5);
      }
    }
    return dst;
  }

  @Test
  void cannyOfAFilledSquareMarksItsBorderAndNothingElse() {
    int n = 28;
    float[] px = new float[n * n];
    for (int y = 8; y < 20; y++) {
      for (int x = 8; x < 20; x++) {
        px[y * n + x] = 1f;
      }
    }
    FloatImage out = Shifts.applyOne("mnist-c/canny_edges", new FloatImage(n, n, 1, px), 5, 0, 0);
    int onBorder = 0;
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        boolean edge = out.data()[y * n + x] == 1f;
        // the square's boundary runs between pixels 7|8 and 19|20: edges lie on either side
        boolean nearTop = (y == 7 || y == 8) && x >= 7 && x <= 20;
        boolean nearBottom = (y == 19 || y == 20) && x >= 7 && x <= 20;
        boolean nearLeft = (x == 7 || x == 8) && y >= 7 && y <= 20;
        boolean nearRight = (x == 19 || x == 20) && y >= 7 && y <= 20;
        boolean near = nearTop || nearBottom || nearLeft || nearRight;
        if (edge) {
          assertTrue(near, "edge pixel (" + y + "," + x + ") away from the square's border");
          onBorder++;
        }
      }
    }
    // each side (12 px long) must be traced along its length, away from the corners
    for (int t = 10; t < 18; t++) {
      assertTrue(edge(out, n, 7, t) || edge(out, n, 8, t), "top side at column " + t);
      assertTrue(edge(out, n, 19, t) || edge(out, n, 20, t), "bottom side at column " + t);
      assertTrue(edge(out, n, t, 7) || edge(out, n, t, 8), "left side at row " + t);
      assertTrue(edge(out, n, t, 19) || edge(out, n, t, 20), "right side at row " + t);
    }
    assertTrue(onBorder >= 4 * 8, "only " + onBorder + " edge pixels");
    // a flat image has no edges at all
    FloatImage flat = Shifts.applyOne("mnist-c/canny_edges",
        new FloatImage(n, n, 1, new float[n * n]), 5, 0, 0);
    for (float v : flat.data()) {
      assertEquals(0f, v);
    }
  }

  private static boolean edge(FloatImage img, int n, int y, int x) {
    return img.data()[y * n + x] == 1f;
  }

  @Test
  void cannyLowerSeveritiesKeepAFadedImageUnderTheSameEdges() {
    FloatImage x = TestImages.image(TestImages.digits(1, 2), 0);
    FloatImage full = Shifts.applyOne("mnist-c/canny_edges", x, 5, 0, 0);
    float[] keep = {.8f, .6f, .4f, .2f};
    for (int sev = 1; sev <= 4; sev++) {
      FloatImage out = Shifts.applyOne("mnist-c/canny_edges", x, sev, 0, 0);
      for (int i = 0; i < x.size(); i++) {
        float expect = full.data()[i] == 1f ? 1f : x.data()[i] * keep[sev - 1];
        assertEquals(expect, out.data()[i], 1e-6f);
      }
    }
  }

  @Test
  void lowerJpegQualityGivesLargerError() {
    ImageDataset[] sets = {TestImages.scenes(20, 32, 32, 4), TestImages.digits(30, 4)};
    for (ImageDataset ds : sets) {
      double previous = 0;
      for (int sev = 1; sev <= 5; sev++) { // quality 80 65 58 50 40
        ImageDataset out = Shifts.apply(ds, "cifar10-c/jpeg_compression", sev, 0);
        double err = 0;
        byte[] a = ds.images().bytes();
        byte[] b = out.images().bytes();
        for (int i = 0; i < a.length; i++) {
          err += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        err /= a.length;
        assertTrue(err > previous, ds.name() + ": mean abs error " + err + " at severity " + sev
            + " is not above " + previous);
        assertTrue(err < 20, "JPEG error implausibly large: " + err);
        previous = err;
      }
    }
  }

  @Test
  void identityAndZoomFactorOneAreExact() {
    FloatImage x = TestImages.image(TestImages.scenes(1, 32, 32, 1), 0);
    assertEquals(x, Shifts.applyOne("identity", x, 3, 0, 0));
    assertEquals(x, new FloatImage(32, 32, 3, Zoom.clipped(x.data(), 32, 32, 3, 1.0)));
    // numpy.arange(1, e, 0.01) lengths for e = 1.06 .. 1.26, as numpy gives them
    ZoomBlur zb = ZoomBlur.cifar10C();
    int[] counts = {7, 12, 16, 21, 26};
    for (int s = 1; s <= 5; s++) {
      assertEquals(counts[s - 1], zb.factorCount(s));
    }
  }

  @Test
  void mnistGlassBlurOnGrayBlursOnlyVertically() {
    // a bright column (5) stays one column under MNIST-C's vertical-only blur; the shuffle
    // (delta 1: partner offsets in {-1, 0}) can carry a pixel one column right per iteration,
    // so after its 2 iterations columns 8 and beyond must still be dark. A horizontal blur
    // (sigma .7) would light columns 3..7 before the shuffle and spread again after it.
    int n = 28;
    float[] px = new float[n * n];
    for (int y = 0; y < n; y++) {
      px[y * n + 5] = 1f;
    }
    FloatImage out = Shifts.applyOne("mnist-c/glass_blur", new FloatImage(n, n, 1, px), 1, 3, 0);
    for (int y = 0; y < n; y++) {
      for (int x = 8; x < n; x++) {
        assertEquals(0f, out.data()[y * n + x], "pixel (" + y + "," + x + ")");
      }
    }
    // the CIFAR variant blurs both axes, so light leaks into the neighbouring columns
    FloatImage cifar = Shifts.applyOne("cifar10-c/glass_blur", new FloatImage(n, n, 1, px), 3, 3, 0);
    double right = 0;
    for (int y = 0; y < n; y++) {
      right += cifar.data()[y * n + 6];
    }
    assertTrue(right > 0, "CIFAR glass blur should spread horizontally");
  }

  @Test
  void lineFromPointsHasMnistCsProfile() {
    // horizontal line through row 10: intensity log(1 - d/2.3) + 1 at vertical distance d
    int h = 28;
    int w = 28;
    float[] img = new float[h * w];
    Lines.add(img, h, w, 1, 0, 10, 27, 10, 1f);
    for (int y = 0; y < h; y++) {
      double d = Math.abs(y - 10);
      double expect = Math.max(0, Math.min(1, Math.log(1 - Math.min(d, 2.3 - 1e-10) / 2.3) + 1));
      for (int x = 0; x < 27; x++) {
        assertEquals(expect, img[y * w + x], 1e-6, "(" + y + "," + x + ")");
      }
      assertEquals(0f, img[y * w + 27], "column ceil(c1) = 27 is blank");
    }
  }

  @Test
  void smallestDefocusDiskIsTheCentrePixelSmoothedByA3x3Gaussian() {
    // r = .3: only (0, 0) is inside the disk; cv2.GaussianBlur(3 x 3, sigma .4) of a unit impulse
    // is the outer product of g = [e, 1, e] / (1 + 2e), e = exp(-1 / (2 * .4^2))
    double e = Math.exp(-1 / (2 * .4 * .4));
    double[] g = {e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)};
    float[][] k = DefocusBlur.disk(.3, .4);
    assertEquals(3f, k[1][0]);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        assertEquals(g[y] * g[x], k[0][y * 3 + x], 1e-6);
      }
    }
    // r = 1.5: the offsets with y^2 + x^2 <= 2.25 are the 3 x 3 block (2^2 = 4 is outside):
    // 9 pixels of 1/9 each, smoothed by sigma .1 (side weights exp(-50), negligible)
    float[][] k2 = DefocusBlur.disk(1.5, .1);
    int side = (int) k2[1][0];
    int c = side / 2;
    for (int y = -1; y <= 1; y++) {
      for (int x = -1; x <= 1; x++) {
        assertEquals(1.0 / 9, k2[0][(y + c) * side + x + c], 1e-6);
      }
    }
  }
}
