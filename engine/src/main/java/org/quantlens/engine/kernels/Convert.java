package org.quantlens.engine.kernels;

import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;

/**
 * Element type conversion between backing arrays (the Cast kernel). Floating to integer truncates
 * toward zero (NaN becomes 0) and then wraps to the target width; anything to BOOL is
 * {@code v != 0} (so NaN is true); unsigned types convert by their unsigned value; float64 to
 * float16 rounds once, to nearest even. Common pairs have a direct loop; the rest go through a
 * small {@code long}/{@code double} buffer, which is exact for every source type.
 */
public final class Convert {
  private static final int CHUNK = 1024;

  private Convert() {}

  /** Converts {@code n} elements of {@code src} (of type {@code from}) into {@code dst} (of {@code to}). */
  public static void convert(DType from, Object src, DType to, Object dst, int n) {
    if (from == to) {
      System.arraycopy(src, 0, dst, 0, n);
      return;
    }
    if (direct(from, src, to, dst, n)) {
      return;
    }
    if (from.isFloating()) {
      double[] buf = new double[Math.min(n, CHUNK)];
      for (int off = 0; off < n; off += CHUNK) {
        int len = Math.min(CHUNK, n - off);
        readDoubles(from, src, off, buf, len);
        writeDoubles(buf, len, to, dst, off);
      }
    } else {
      long[] buf = new long[Math.min(n, CHUNK)];
      for (int off = 0; off < n; off += CHUNK) {
        int len = Math.min(CHUNK, n - off);
        readLongs(from, src, off, buf, len);
        writeLongs(buf, len, from == DType.U64, to, dst, off);
      }
    }
  }

  /** The hot pairs, without the intermediate buffer; false when the pair is not one of them. */
  private static boolean direct(DType from, Object src, DType to, Object dst, int n) {
    if (from == DType.F32) {
      float[] a = (float[]) src;
      switch (to) {
        case F64: {
          double[] b = (double[]) dst;
          for (int i = 0; i < n; i++) {
            b[i] = a[i];
          }
          return true;
        }
        case I64: {
          long[] b = (long[]) dst;
          for (int i = 0; i < n; i++) {
            b[i] = (long) a[i];
          }
          return true;
        }
        case I32: {
          int[] b = (int[]) dst;
          for (int i = 0; i < n; i++) {
            b[i] = (int) (long) a[i];
          }
          return true;
        }
        case F16: {
          short[] b = (short[]) dst;
          for (int i = 0; i < n; i++) {
            b[i] = Float16.fromFloat(a[i]);
          }
          return true;
        }
        default:
          return false;
      }
    }
    if (to == DType.F32) {
      float[] b = (float[]) dst;
      switch (from) {
        case F64: {
          double[] a = (double[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = (float) a[i];
          }
          return true;
        }
        case I64: {
          long[] a = (long[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = a[i];
          }
          return true;
        }
        case I32: {
          int[] a = (int[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = a[i];
          }
          return true;
        }
        case F16: {
          short[] a = (short[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = Float16.toFloat(a[i]);
          }
          return true;
        }
        case U8: {
          byte[] a = (byte[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = a[i] & 0xff;
          }
          return true;
        }
        case I8: case BOOL: {
          byte[] a = (byte[]) src;
          for (int i = 0; i < n; i++) {
            b[i] = a[i];
          }
          return true;
        }
        default:
          return false;
      }
    }
    if (from == DType.I64 && to == DType.I32) {
      long[] a = (long[]) src;
      int[] b = (int[]) dst;
      for (int i = 0; i < n; i++) {
        b[i] = (int) a[i];
      }
      return true;
    }
    if (from == DType.I32 && to == DType.I64) {
      int[] a = (int[]) src;
      long[] b = (long[]) dst;
      for (int i = 0; i < n; i++) {
        b[i] = a[i];
      }
      return true;
    }
    return false;
  }

  private static void readDoubles(DType from, Object src, int off, double[] buf, int len) {
    switch (from) {
      case F32: {
        float[] a = (float[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i];
        }
        break;
      }
      case F16: {
        short[] a = (short[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = Float16.toFloat(a[off + i]);
        }
        break;
      }
      default:
        System.arraycopy(src, off, buf, 0, len);
    }
  }

  private static void readLongs(DType from, Object src, int off, long[] buf, int len) {
    switch (from) {
      case I8: case BOOL: {
        byte[] a = (byte[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i];
        }
        break;
      }
      case U8: {
        byte[] a = (byte[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i] & 0xff;
        }
        break;
      }
      case I16: {
        short[] a = (short[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i];
        }
        break;
      }
      case U16: {
        short[] a = (short[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i] & 0xffff;
        }
        break;
      }
      case I32: {
        int[] a = (int[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i];
        }
        break;
      }
      case U32: {
        int[] a = (int[]) src;
        for (int i = 0; i < len; i++) {
          buf[i] = a[off + i] & 0xffffffffL;
        }
        break;
      }
      default: // I64, U64 (raw bits)
        System.arraycopy(src, off, buf, 0, len);
    }
  }

  private static void writeDoubles(double[] buf, int len, DType to, Object dst, int off) {
    switch (to) {
      case F32: {
        float[] b = (float[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (float) buf[i];
        }
        return;
      }
      case F64:
        System.arraycopy(buf, 0, dst, off, len);
        return;
      case F16: {
        short[] b = (short[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = halfOf(buf[i]);
        }
        return;
      }
      case BOOL: {
        byte[] b = (byte[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (byte) (buf[i] != 0 ? 1 : 0);
        }
        return;
      }
      default: {
        long[] l = new long[len];
        for (int i = 0; i < len; i++) {
          l[i] = toLong(buf[i], to == DType.U64);
        }
        writeLongs(l, len, false, to, dst, off);
      }
    }
  }

  private static void writeLongs(long[] buf, int len, boolean unsigned64, DType to, Object dst,
      int off) {
    switch (to) {
      case F32: {
        float[] b = (float[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = unsigned64 && buf[i] < 0 ? unsignedToFloat(buf[i]) : (float) buf[i];
        }
        return;
      }
      case F64: {
        double[] b = (double[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = unsigned64 && buf[i] < 0 ? unsignedToDouble(buf[i]) : (double) buf[i];
        }
        return;
      }
      case F16: {
        short[] b = (short[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = halfOf(unsigned64 && buf[i] < 0 ? unsignedToDouble(buf[i]) : (double) buf[i]);
        }
        return;
      }
      case BOOL: {
        byte[] b = (byte[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (byte) (buf[i] != 0 ? 1 : 0);
        }
        return;
      }
      case I8: case U8: {
        byte[] b = (byte[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (byte) buf[i];
        }
        return;
      }
      case I16: case U16: {
        short[] b = (short[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (short) buf[i];
        }
        return;
      }
      case I32: case U32: {
        int[] b = (int[]) dst;
        for (int i = 0; i < len; i++) {
          b[off + i] = (int) buf[i];
        }
        return;
      }
      default:
        System.arraycopy(buf, 0, dst, off, len);
    }
  }

  /** Truncation toward zero; NaN is 0; for U64 targets values from 2^63 up keep their bits. */
  private static long toLong(double v, boolean unsigned64) {
    if (unsigned64 && v >= 0x1p63) {
      return v >= 0x1p64 ? -1L : (long) (v - 0x1p63) ^ Long.MIN_VALUE;
    }
    return (long) v;
  }

  private static float unsignedToFloat(long v) {
    // Halve with the lost bit kept as sticky, so the single rounding is still correct.
    return (float) ((v >>> 1) | (v & 1)) * 2f;
  }

  private static double unsignedToDouble(long v) {
    return (double) ((v >>> 1) | (v & 1)) * 2.0;
  }

  /**
   * The nearest float16 to {@code d}, rounded once: rounding to float first with round-to-odd
   * (24 bits >= 2*11+2) makes the following float-to-half rounding exact.
   */
  public static short halfOf(double d) {
    float f = (float) d;
    if (f != d && !Double.isNaN(d) && !Float.isInfinite(f)) {
      int bits = Float.floatToRawIntBits(f);
      if ((bits & 1) == 0) {
        f = Float.intBitsToFloat(Math.abs(f) > Math.abs(d) ? bits - 1 : bits + 1);
      }
    }
    return Float16.fromFloat(f);
  }
}
