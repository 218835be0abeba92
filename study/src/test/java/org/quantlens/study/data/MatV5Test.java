package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class MatV5Test {
  @TempDir Path dir;

  /** A(i, j) = 10 i + j for a 2x3 matrix, in MATLAB's column-major order, as doubles. */
  private static byte[] a2x3(Mat m) {
    Bin b = m.bin();
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 2; i++) {
        b.f64(10 * i + j);
      }
    }
    return b.toBytes();
  }

  private Path write(String name, byte[] b) throws Exception {
    return Files.write(dir.resolve(name), b);
  }

  @Test
  void littleEndianDoubleMatrixIsReorderedToRowMajor() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {2, 3}, "A", Mat.MI_DOUBLE, a2x3(m), false));
    Tensor a = MatV5.read(write("a.mat", m.toBytes()), "A");
    assertEquals(DType.F64, a.dtype());
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertArrayEquals(new double[] {0, 1, 2, 10, 11, 12}, a.doubles());
  }

  @Test
  void bigEndianFileReadsTheSame() throws Exception {
    Mat m = new Mat(false);
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {2, 3}, "A", Mat.MI_DOUBLE, a2x3(m), true));
    assertArrayEquals(new double[] {0, 1, 2, 10, 11, 12}, MatV5.read(write("be.mat", m.toBytes()), "A").doubles());
  }

  @Test
  void doubleClassStoredAsUint8IsWidenedAndCellsAreSkipped() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_CELL, new int[] {1, 1}, "notes", 0, null, false));
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {3, 1}, "y", Mat.MI_UINT8, new byte[] {10, 3, (byte) 200}, true));
    Path f = write("y.mat", m.toBytes());
    Map<String, Tensor> all = MatV5.read(f);
    assertEquals(List.of("y"), List.copyOf(all.keySet()));
    assertEquals(DType.F64, all.get("y").dtype());
    assertArrayEquals(new double[] {10, 3, 200}, all.get("y").doubles());
    DataLoadException e = assertThrows(DataLoadException.class, () -> MatV5.read(f, "notes"));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("cell"), e.getMessage());
  }

  @Test
  void compressedUint8ArrayOfRank3IsReorderedToRowMajor() throws Exception {
    Mat m = new Mat(true);
    byte[] data = new byte[8];
    for (int i = 0; i < 8; i++) {
      data[i] = (byte) i; // column-major: X(i,j,k) sits at i + 2j + 4k
    }
    m.addCompressed(m.matrix(Mat.MX_UINT8, new int[] {2, 2, 2}, "X", Mat.MI_UINT8, data, true));
    m.addCompressed(m.matrix(Mat.MX_DOUBLE, new int[] {2, 3}, "A", Mat.MI_DOUBLE, a2x3(m), false));
    Path f = write("x.mat", m.toBytes());
    Tensor x = MatV5.read(f, "X");
    assertEquals(DType.U8, x.dtype());
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 2; k++) {
          assertEquals(i + 2 * j + 4 * k, x.bytes()[i * 4 + j * 2 + k]);
        }
      }
    }
    assertArrayEquals(new double[] {0, 1, 2, 10, 11, 12}, MatV5.read(f, "A").doubles());
  }

  @Test
  void missingVariableErrorListsTheVariables() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {2, 3}, "A", Mat.MI_DOUBLE, a2x3(m), false));
    Path f = write("a.mat", m.toBytes());
    DataLoadException e = assertThrows(DataLoadException.class, () -> MatV5.read(f, "B"));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("[A]"), e.getMessage());
  }

  @Test
  void realPartOfWrongSizeIsRejected() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {2, 4}, "A", Mat.MI_DOUBLE, a2x3(m), false));
    Path f = write("a.mat", m.toBytes());
    DataLoadException e = assertThrows(DataLoadException.class, () -> MatV5.read(f, "A"));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("expected 8"), e.getMessage());
  }

  @Test
  void truncatedFileIsRejectedNamingIt() throws Exception {
    Mat m = new Mat(true);
    m.add(m.matrix(Mat.MX_DOUBLE, new int[] {2, 3}, "A", Mat.MI_DOUBLE, a2x3(m), false));
    byte[] b = m.toBytes();
    Path f = write("t.mat", java.util.Arrays.copyOf(b, b.length - 20));
    DataLoadException e = assertThrows(DataLoadException.class, () -> MatV5.read(f, "A"));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  @Test
  void headerWithoutEndianMarkAndHdf5FilesAreRejected() throws Exception {
    Path f = write("junk.mat", new byte[200]);
    DataLoadException e = assertThrows(DataLoadException.class, () -> MatV5.read(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("level-5"), e.getMessage());
    byte[] h5 = new byte[200];
    System.arraycopy("MATLAB 7.3 MAT-file".getBytes(), 0, h5, 0, 19);
    Path g = write("h5.mat", h5);
    e = assertThrows(DataLoadException.class, () -> MatV5.read(g));
    assertTrue(e.getMessage().contains(g.toString()) && e.getMessage().contains("HDF5"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("nothing.mat")));
    e = assertThrows(DataLoadException.class, () -> MatV5.read(dir.resolve("nothing.mat")));
    assertTrue(e.getMessage().contains("nothing.mat"), e.getMessage());
  }
}
