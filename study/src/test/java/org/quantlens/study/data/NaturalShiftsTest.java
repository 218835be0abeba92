package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NaturalShiftsTest {
  @TempDir Path dir;

  /** Bilinear with pixel centres at +0.5 and edge clamping, written from the definition. */
  private static int[] naiveResize(double[] src, int h, int w, int oh, int ow) {
    int[] out = new int[oh * ow];
    for (int y = 0; y < oh; y++) {
      double sy = Math.min(Math.max((y + 0.5) * h / oh - 0.5, 0), h - 1);
      for (int x = 0; x < ow; x++) {
        double sx = Math.min(Math.max((x + 0.5) * w / ow - 0.5, 0), w - 1);
        int y0 = (int) sy;
        int x0 = (int) sx;
        int y1 = Math.min(y0 + 1, h - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double a = sy - y0;
        double b = sx - x0;
        double v = (1 - a) * ((1 - b) * src[y0 * w + x0] + b * src[y0 * w + x1])
            + a * ((1 - b) * src[y1 * w + x0] + b * src[y1 * w + x1]);
        out[y * ow + x] = (int) Math.floor(v + 0.5);
      }
    }
    return out;
  }

  private static int[] unsigned(byte[] b, int from, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = b[from + i] & 0xff;
    }
    return out;
  }

  // --- CIFAR-10.1 / 10.2 ---

  private static byte[] pixels(int n) {
    byte[] b = new byte[n * 32 * 32 * 3];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  @Test
  void cifar101ReadsTheV6NpyPair() throws Exception {
    Files.write(dir.resolve("cifar10.1_v6_data.npy"), Bin.npy("|u1", "(2, 32, 32, 3)", pixels(2)));
    Files.write(dir.resolve("cifar10.1_v6_labels.npy"), Bin.npy("<i4", "(2,)", Bin.le().i32(9).i32(0).toBytes()));
    ImageDataset d = NaturalShifts.cifar101(dir);
    assertArrayEquals(new int[] {2, 32, 32, 3}, d.images().shape());
    assertArrayEquals(pixels(2), d.images().bytes());
    assertArrayEquals(new long[] {9, 0}, d.labels().longs());
    assertEquals("truck", d.classes().get(9));
  }

  @Test
  void cifar102ReadsImagesAndLabelsFromNpz() throws Exception {
    Path f = Files.write(dir.resolve("cifar102_test.npz"), Zip.of(Map.of(
        "images.npy", Bin.npy("|u1", "(1, 32, 32, 3)", pixels(1)),
        "labels.npy", Bin.npy("<i8", "(1,)", Bin.le().i64(4).toBytes())), true));
    ImageDataset d = NaturalShifts.cifar102(f);
    assertArrayEquals(pixels(1), d.images().bytes());
    assertArrayEquals(new long[] {4}, d.labels().longs());
  }

  @Test
  void cifar102WithWrongImageSizeIsRejectedNamingFile() throws Exception {
    Path f = Files.write(dir.resolve("small.npz"), Zip.of(Map.of(
        "images.npy", Bin.npy("|u1", "(1, 28, 28)", new byte[784]),
        "labels.npy", Bin.npy("<i8", "(1,)", Bin.le().i64(4).toBytes())), false));
    DataLoadException e = assertThrows(DataLoadException.class, () -> NaturalShifts.cifar102(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("32x32x3"), e.getMessage());
  }

  // --- USPS ---

  /** A LIBSVM line: label, then index:value for 256 pixels with value(row, col). */
  private static String uspsLine(int label, java.util.function.IntBinaryOperator value) {
    StringBuilder s = new StringBuilder().append(label);
    for (int r = 0; r < 16; r++) {
      for (int c = 0; c < 16; c++) {
        s.append(' ').append(r * 16 + c + 1).append(':').append(value.applyAsInt(r, c) == 1 ? "1"
            : value.applyAsInt(r, c) == -1 ? "-1" : value.applyAsInt(r, c) == 0 ? "0" : "0.5");
      }
    }
    return s.append('\n').toString();
  }

  @Test
  void uspsMapsLabelsAndValuesAsTorchvisionDoes() throws Exception {
    // -1 -> 0, 1 -> 255, 0 -> 127 (127.5 truncated), 0.5 -> 191 (191.25 truncated)
    String text = uspsLine(1, (r, c) -> c < 4 ? -1 : c < 8 ? 0 : c < 12 ? 2 : 1)
        + "10 1:1\n"; // sparse: missing indices are 0
    Path f = Files.writeString(dir.resolve("usps.t"), text);
    ImageDataset d = NaturalShifts.usps(f, 16);
    assertArrayEquals(new long[] {0, 9}, d.labels().longs());
    int[] expectedRow = new int[16];
    for (int c = 0; c < 16; c++) {
      expectedRow[c] = c < 4 ? 0 : c < 8 ? 127 : c < 12 ? 191 : 255;
    }
    for (int r = 0; r < 16; r++) {
      assertArrayEquals(expectedRow, unsigned(d.images().bytes(), r * 16, 16));
    }
    assertEquals(255, d.images().bytes()[256] & 0xff);
    assertEquals(127, d.images().bytes()[257] & 0xff);
  }

  @Test
  void uspsIsResizedTo28BilinearlyAndBzip2IsRead() throws Exception {
    String text = uspsLine(4, (r, c) -> c < 8 ? -1 : 1) + uspsLine(5, (r, c) -> r < 8 ? -1 : 1);
    ByteArrayOutputStream bz = new ByteArrayOutputStream();
    try (BZip2CompressorOutputStream o = new BZip2CompressorOutputStream(bz)) {
      o.write(text.getBytes(StandardCharsets.US_ASCII));
    }
    Path f = Files.write(dir.resolve("usps.bz2"), bz.toByteArray());
    ImageDataset d = NaturalShifts.usps(f);
    assertArrayEquals(new int[] {2, 28, 28, 1}, d.images().shape());
    double[] vertical = new double[256];
    double[] horizontal = new double[256];
    for (int i = 0; i < 256; i++) {
      vertical[i] = i % 16 < 8 ? 0 : 255;
      horizontal[i] = i / 16 < 8 ? 0 : 255;
    }
    assertArrayEquals(naiveResize(vertical, 16, 16, 28, 28), unsigned(d.images().bytes(), 0, 784));
    assertArrayEquals(naiveResize(horizontal, 16, 16, 28, 28), unsigned(d.images().bytes(), 784, 784));
    assertEquals(0, d.images().bytes()[0]);
    assertEquals(255, d.images().bytes()[27] & 0xff);
  }

  @Test
  void uspsLabelOutside1To10IsRejectedWithFileAndLine() throws Exception {
    Path f = Files.writeString(dir.resolve("bad"), "3 1:0\n11 1:0\n");
    DataLoadException e = assertThrows(DataLoadException.class, () -> NaturalShifts.usps(f));
    assertTrue(e.getMessage().contains(f + ":2"), e.getMessage());
  }

  @Test
  void uspsValueOutsideMinus1To1IsRejected() throws Exception {
    Path f = Files.writeString(dir.resolve("bad"), "3 7:1.5\n");
    DataLoadException e = assertThrows(DataLoadException.class, () -> NaturalShifts.usps(f));
    assertTrue(e.getMessage().contains(f + ":1"), e.getMessage());
  }

  // --- SVHN ---

  @Test
  void svhnBecomesGray28x28WithLabel10AsDigit0() throws Exception {
    Mat m = new Mat(true);
    int n = 2;
    byte[] x = new byte[32 * 32 * 3 * n];
    for (int img = 0; img < n; img++) {
      for (int ch = 0; ch < 3; ch++) {
        for (int c = 0; c < 32; c++) {
          for (int r = 0; r < 32; r++) {
            int v = img == 0 ? new int[] {200, 100, 50}[ch] : 8 * c;
            x[r + 32 * c + 1024 * ch + 3072 * img] = (byte) v; // MATLAB column-major X(r, c, ch, img)
          }
        }
      }
    }
    m.addCompressed(m.matrix(Mat.MX_UINT8, new int[] {32, 32, 3, n}, "X", Mat.MI_UINT8, x, true));
    m.addCompressed(m.matrix(Mat.MX_DOUBLE, new int[] {n, 1}, "y", Mat.MI_UINT8, new byte[] {10, 3}, true));
    Path f = Files.write(dir.resolve("test_32x32.mat"), m.toBytes());
    ImageDataset d = NaturalShifts.svhn(f);
    assertArrayEquals(new int[] {2, 28, 28, 1}, d.images().shape());
    assertArrayEquals(new long[] {0, 3}, d.labels().longs());
    // 0.299*200 + 0.587*100 + 0.114*50 = 124.2
    for (int i = 0; i < 784; i++) {
      assertEquals(124, d.images().bytes()[i] & 0xff);
    }
    double[] ramp = new double[1024];
    for (int i = 0; i < 1024; i++) {
      ramp[i] = 8 * (i % 32);
    }
    assertArrayEquals(naiveResize(ramp, 32, 32, 28, 28), unsigned(d.images().bytes(), 784, 784));
  }

  @Test
  void svhnWithWrongXShapeIsRejectedNamingFile() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_UINT8, new int[] {28, 28, 1, 1}, "X", Mat.MI_UINT8, new byte[784], true));
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {1, 1}, "y", Mat.MI_UINT8, new byte[] {1}, true));
    Path f = Files.write(dir.resolve("bad.mat"), m.toBytes());
    DataLoadException e = assertThrows(DataLoadException.class, () -> NaturalShifts.svhn(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("(32, 32, 3, N)"), e.getMessage());
  }
}
