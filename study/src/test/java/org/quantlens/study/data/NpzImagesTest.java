package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** NPZ archives and NPY image arrays, written byte by byte. */
class NpzImagesTest {
  @TempDir Path dir;

  private static byte[] u8(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private Path npz(String name, boolean deflate, Object... keyAndNpy) throws Exception {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < keyAndNpy.length; i += 2) {
      m.put((String) keyAndNpy[i], (byte[]) keyAndNpy[i + 1]);
    }
    return Files.write(dir.resolve(name), Zip.of(m, deflate));
  }

  private static byte[] images223() {
    return Bin.npy("|u1", "(2, 2, 3)", u8(0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255));
  }

  private static byte[] labelsI4(int... v) {
    Bin b = Bin.le();
    for (int x : v) {
      b.i32(x);
    }
    return Bin.npy("<i4", "(" + v.length + ",)", b.toBytes());
  }

  @Test
  void storedAndDeflatedArchivesGiveTheSameArrays() throws Exception {
    for (boolean deflate : new boolean[] {false, true}) {
      Path f = npz("a" + deflate + ".npz", deflate, "images.npy", images223(), "labels.npy", labelsI4(1, 0));
      try (Npz z = Npz.open(f)) {
        assertEquals(List.of("images", "labels"), z.keys());
        Tensor y = z.get("labels");
        assertEquals(DType.I32, y.dtype());
        assertArrayEquals(new int[] {1, 0}, y.ints());
      }
      ImageDataset d = NumpyImages.fromNpz("t", f, "images", "labels", null);
      assertArrayEquals(new int[] {2, 2, 3, 1}, d.images().shape());
      assertEquals(255, d.images().bytes()[11] & 0xff);
      assertEquals(List.of("0", "1"), d.classes());
      assertArrayEquals(new long[] {1, 0}, d.labels().longs());
    }
  }

  @Test
  void missingKeyNamesArchiveAndListsKeys() throws Exception {
    Path f = npz("k.npz", false, "x.npy", images223());
    DataLoadException e = assertThrows(DataLoadException.class, () -> NumpyImages.fromNpz("t", f, "images", "labels", null));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("[x]"), e.getMessage());
  }

  @Test
  void otherMembersWithUnsupportedDtypeDoNotStopReadingTheWantedOnes() throws Exception {
    byte[] strings = Bin.npy("<U5", "(2,)", new byte[40]);
    Path f = npz("s.npz", true, "images.npy", images223(), "label_names.npy", strings, "labels.npy", labelsI4(0, 0));
    assertEquals(2, NumpyImages.fromNpz("t", f, "images", "labels", null).size());
    DataLoadException e = assertThrows(DataLoadException.class, () -> Npz.readAll(f));
    assertTrue(e.getMessage().contains(f + "[label_names]"), e.getMessage());
  }

  @Test
  void notAZipFileIsRejectedNamingIt() throws Exception {
    Path f = Files.write(dir.resolve("no.npz"), images223());
    DataLoadException e = assertThrows(DataLoadException.class, () -> Npz.open(f));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  @Test
  void floatImagesInUnitRangeAreScaledAndRounded() throws Exception {
    Bin b = Bin.le();
    for (float v : new float[] {0f, 0.5f, 1f, 0.1f}) {
      b.f32(v);
    }
    Path x = Files.write(dir.resolve("x.npy"), Bin.npy("<f4", "(1, 2, 2, 1)", b.toBytes()));
    Path y = Files.write(dir.resolve("y.npy"), Bin.npy("|u1", "(1,)", u8(4)));
    ImageDataset d = NumpyImages.fromNpy("t", x, y, Idx.MNIST_CLASSES);
    // 0.5 * 255 = 127.5 rounds to 128; 0.1 * 255 = 25.5 (in float 25.500000372) rounds to 26
    assertArrayEquals(u8(0, 128, 255, 26), d.images().bytes());
  }

  @Test
  void floatImagesAbove1AreTakenAs0To255() throws Exception {
    Bin b = Bin.le();
    for (double v : new double[] {0, 2.4, 254.6, 1}) {
      b.f64(v);
    }
    Path x = Files.write(dir.resolve("x.npy"), Bin.npy("<f8", "(1, 2, 2)", b.toBytes()));
    Path y = Files.write(dir.resolve("y.npy"), Bin.npy("<i8", "(1,)", Bin.le().i64(2).toBytes()));
    assertArrayEquals(u8(0, 2, 255, 1), NumpyImages.fromNpy("t", x, y, null).images().bytes());
  }

  @Test
  void negativeFloatPixelIsRejectedNamingFile() throws Exception {
    Path x = Files.write(dir.resolve("neg.npy"), Bin.npy("<f4", "(1, 1, 1)", Bin.le().f32(-0.5f).toBytes()));
    Path y = Files.write(dir.resolve("y.npy"), Bin.npy("|u1", "(1,)", u8(0)));
    DataLoadException e = assertThrows(DataLoadException.class, () -> NumpyImages.fromNpy("t", x, y, null));
    assertTrue(e.getMessage().contains(x.toString()), e.getMessage());
  }

  @Test
  void floatLabelsAreAnUnsupportedDtypeNamingFile() throws Exception {
    Path x = Files.write(dir.resolve("x.npy"), images223());
    Path y = Files.write(dir.resolve("fy.npy"), Bin.npy("<f4", "(2,)", Bin.le().f32(0).f32(1).toBytes()));
    DataLoadException e = assertThrows(DataLoadException.class, () -> NumpyImages.fromNpy("t", x, y, null));
    assertTrue(e.getMessage().contains(y.toString()) && e.getMessage().contains("dtype"), e.getMessage());
  }

  @Test
  void channelsFirstShapeIsRejectedNamingFile() throws Exception {
    Path x = Files.write(dir.resolve("nchw.npy"), Bin.npy("|u1", "(1, 3, 8, 8)", new byte[192]));
    Path y = Files.write(dir.resolve("y.npy"), Bin.npy("|u1", "(1,)", u8(0)));
    DataLoadException e = assertThrows(DataLoadException.class, () -> NumpyImages.fromNpy("t", x, y, null));
    assertTrue(e.getMessage().contains(x.toString()), e.getMessage());
  }

  @Test
  void labelCountMismatchIsRejectedNamingLabelsFile() throws Exception {
    Path x = Files.write(dir.resolve("x.npy"), images223());
    Path y = Files.write(dir.resolve("y3.npy"), labelsI4(0, 1, 1));
    DataLoadException e = assertThrows(DataLoadException.class, () -> NumpyImages.fromNpy("t", x, y, null));
    assertTrue(e.getMessage().contains(y.toString()), e.getMessage());
  }
}
