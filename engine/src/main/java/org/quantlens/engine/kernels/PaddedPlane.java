package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * A 2-D window op's input plane copied once into a padded, stride-phased layout so the window
 * kernels read contiguous vectors with no bounds checks: each padded row holds its columns split
 * by phase ({@code column % strideX}), so for output columns {@code ox, ox+1, ...} a kernel tap
 * reads consecutive elements even when the stride is 2 or 3. 1-D inputs are planes of height 1.
 *
 * <p>{@link #taps} gives, per kernel tap (row-major over the kernel), the offset of the element
 * under output (0, 0) of that tap; output row {@code oy} adds {@link #rowBase(int)}.
 */
public final class PaddedPlane {
  final int h;
  final int w;
  final int padTop;
  final int padLeft;
  final int strideX;
  /** Padded rows and columns actually read. */
  final int rows;
  final int cols;
  /** Elements per phase of a row, and per padded row. */
  final int phaseLen;
  public final int rowLen;
  public final int outH;
  public final int outW;
  private final int strideY;
  private final int[] taps;
  /** Which padded rows, and which column phases, some tap of some output window reads. */
  private final boolean[] rowRead;
  private final boolean[] phaseRead;
  /** Padded rows one output row's windows span. */
  private final int windowRows;
  /** Columns {@code [copyFrom, copyTo)} of a padded row (stride 1) hold input; the rest is pad. */
  private final int copyFrom;
  private final int copyTo;

  /** The layout for a rank-1 or rank-2 geometry. */
  public PaddedPlane(ConvGeometry g) {
    if (g.rank != 1 && g.rank != 2) {
      throw new IllegalArgumentException("a padded plane needs 1 or 2 spatial dimensions, got " + g.rank);
    }
    int y = g.rank - 2; // -1 for 1-D
    h = y < 0 ? 1 : g.in[y];
    w = g.in[g.rank - 1];
    padTop = y < 0 ? 0 : g.padBegin[y];
    padLeft = g.padBegin[g.rank - 1];
    outH = y < 0 ? 1 : g.out[y];
    outW = g.out[g.rank - 1];
    // A stride past a single output window never applies: treating it as 1 keeps a huge stride
    // (legal, but from a broken file) from sizing the layout.
    strideY = y < 0 || outH == 1 ? 1 : g.strides[y];
    strideX = outW == 1 ? 1 : g.strides[g.rank - 1];
    int kh = y < 0 ? 1 : g.kernel[y];
    int kw = g.kernel[g.rank - 1];
    int dy = y < 0 ? 1 : g.dilations[y];
    int dx = g.dilations[g.rank - 1];
    rows = (outH - 1) * strideY + (kh - 1) * dy + 1;
    cols = (outW - 1) * strideX + (kw - 1) * dx + 1;
    phaseLen = (cols + strideX - 1) / strideX;
    rowLen = phaseLen * strideX;
    windowRows = (kh - 1) * dy + 1;
    copyFrom = Math.min(padLeft, cols);
    copyTo = Math.max(copyFrom, Math.min(cols, padLeft + w));
    rowRead = new boolean[rows];
    for (int oy = 0; oy < outH; oy++) {
      for (int ky = 0; ky < kh; ky++) {
        rowRead[oy * strideY + ky * dy] = true;
      }
    }
    phaseRead = new boolean[strideX];
    for (int kx = 0; kx < kw; kx++) {
      phaseRead[kx * dx % strideX] = true;
    }
    taps = new int[kh * kw];
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        int c = kx * dx;
        taps[ky * kw + kx] = ky * dy * rowLen + (c % strideX) * phaseLen + c / strideX;
      }
    }
  }

  /** Floats a filled plane needs. */
  public int size() {
    return rows * rowLen;
  }

  /** Offset of output row {@code oy}'s windows. */
  public int rowBase(int oy) {
    return oy * strideY * rowLen;
  }

  /** Per-tap offsets (shared; do not modify). */
  public int[] taps() {
    return taps;
  }

  /** Copies the plane at {@code x[off]} ({@code h * w}, C order) into {@code dst}, padding with {@code pad}. */
  public void fill(float[] x, int off, float pad, float[] dst) {
    fill(x, off, pad, dst, 0);
  }

  /** {@link #fill(float[], int, float, float[])} into {@code dst} from {@code dOff} on. */
  public void fill(float[] x, int off, float pad, float[] dst, int dOff) {
    fill(x, off, pad, dst, dOff, false, 0, rows);
  }

  /**
   * {@link #fill(float[], int, float, float[], int)} of only what the window taps read: rows
   * that no window touches and column phases that no tap starts in are left as they were. For
   * kernels that read exactly the taps' runs (convolution patch panels); a 1x1 stride-2 window
   * reads a quarter of the plane.
   */
  public void fillRead(float[] x, int off, float pad, float[] dst, int dOff) {
    fill(x, off, pad, dst, dOff, true, 0, rows);
  }

  /**
   * {@link #fillRead} of only the rows the windows of output rows {@code [oy0, oy1)} read, for a
   * task that computes those output rows alone.
   */
  public void fillRead(float[] x, int off, float pad, float[] dst, int dOff, int oy0, int oy1) {
    fill(x, off, pad, dst, dOff, true, oy0 * strideY,
        Math.min(rows, (oy1 - 1) * strideY + windowRows));
  }

  private void fill(float[] x, int off, float pad, float[] dst, int dOff, boolean readOnly,
      int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      if (readOnly && !rowRead[r]) {
        continue;
      }
      int iy = r - padTop;
      int d = dOff + r * rowLen;
      if (iy < 0 || iy >= h) {
        Arrays.fill(dst, d, d + rowLen, pad);
      } else if (strideX == 1) {
        fillRow(x, off + iy * w, pad, dst, d);
      } else {
        fillPhasedRow(x, off + iy * w, pad, dst, d, readOnly);
      }
    }
  }

  private void fillRow(float[] x, int src, float pad, float[] dst, int d) {
    int lo = copyFrom;
    int hi = copyTo;
    // the pads are a column or two: plain loops, not Arrays.fill's range checks and call
    for (int i = d; i < d + lo; i++) {
      dst[i] = pad;
    }
    if (hi > lo) {
      System.arraycopy(x, src + lo - padLeft, dst, d + lo, hi - lo);
    }
    for (int i = d + hi; i < d + cols; i++) {
      dst[i] = pad;
    }
  }

  private void fillPhasedRow(float[] x, int src, float pad, float[] dst, int d,
      boolean readOnly) {
    if (strideX == 2 && (!readOnly || phaseRead[0] && phaseRead[1])) {
      fillPairedRow(x, src, pad, dst, d);
      return;
    }
    int validEnd = Math.min(cols, padLeft + w); // columns [padLeft, validEnd) hold input
    for (int p = 0; p < strideX; p++) {
      if (readOnly && !phaseRead[p]) {
        continue;
      }
      int o = d + p * phaseLen;
      int count = (cols - p + strideX - 1) / strideX; // columns p, p + s, ... below cols
      int j0 = Math.min(count, padLeft > p ? (padLeft - p + strideX - 1) / strideX : 0);
      int j1 = Math.max(j0, Math.min(count, validEnd > p ? (validEnd - p + strideX - 1) / strideX : 0));
      Arrays.fill(dst, o, o + j0, pad);
      for (int j = j0, s = src + p + j0 * strideX - padLeft; j < j1; j++, s += strideX) {
        dst[o + j] = x[s];
      }
      Arrays.fill(dst, o + j1, o + count, pad);
    }
  }

  /**
   * Stride 2 with both phases read: one pass reading the input row in order and writing both
   * phases (the general loop reads it twice at a stride of 2).
   */
  private void fillPairedRow(float[] x, int src, float pad, float[] dst, int d) {
    int validEnd = Math.min(cols, padLeft + w); // columns [padLeft, validEnd) hold input
    int lo = Math.min(padLeft, cols);
    int hi = Math.max(lo, validEnd);
    for (int c = 0; c < lo; c++) {
      dst[d + (c & 1) * phaseLen + (c >> 1)] = pad;
    }
    for (int c = hi; c < rowLen; c++) { // through the odd phase's last unused slot, if any
      dst[d + (c & 1) * phaseLen + (c >> 1)] = pad;
    }
    int c = lo;
    int s = src + lo - padLeft;
    int a = d + (c & 1) * phaseLen + (c >> 1); // column c
    int b = d + ((c + 1) & 1) * phaseLen + ((c + 1) >> 1); // column c + 1
    int pairs = (hi - lo) >> 1;
    for (int j = 0; j < pairs; j++, s += 2) {
      dst[a + j] = x[s];
      dst[b + j] = x[s + 1];
    }
    if (((hi - lo) & 1) != 0) {
      dst[a + pairs] = x[s];
    }
  }
}
