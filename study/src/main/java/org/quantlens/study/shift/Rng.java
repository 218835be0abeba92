package org.quantlens.study.shift;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random sources and samplers. Everything here is bit-reproducible on any JVM: seeds are mixed
 * with fixed integer arithmetic, and transcendental functions come from {@link StrictMath}, whose
 * results the Java specification pins down (unlike {@link Math}, which may differ by an ulp).
 */
final class Rng {
  private Rng() {}

  /** A well-spread 64-bit mix (the SplitMix64 / Stafford "variant 13" finalizer). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** FNV-1a over the UTF-8 bytes: a hash of a name that never changes between JVMs. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /**
   * The seed of one image's random source, from the run seed, the shift's name, the severity and
   * the image's index. Each image gets its own stream, so results do not depend on which thread
   * handles which image, nor on the order.
   */
  static long seedFor(long seed, String name, int severity, long index) {
    long h = mix(seed + 0x9E3779B97F4A7C15L);
    h = mix(h ^ hash(name));
    h = mix(h + severity * 0xC2B2AE3D27D4EB4FL);
    return mix(h ^ (index * 0x165667B19E3779F9L + 0x27D4EB2F165667C5L));
  }

  /** The random source of one item (image or text) of a dataset. */
  static SplittableRandom forItem(long seed, String name, int severity, long index) {
    return new SplittableRandom(seedFor(seed, name, severity, index));
  }

  /** Uniform in [lo, hi), as numpy's {@code uniform(lo, hi)}. */
  static double uniform(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  /** Uniform integer in [lo, hi) (high exclusive, as numpy's {@code randint}). */
  static int randint(SplittableRandom r, int lo, int hi) {
    return lo + r.nextInt(hi - lo);
  }

  /** Standard normal deviates by Marsaglia's polar method; keeps the second deviate of a pair. */
  static final class Normal {
    private final SplittableRandom r;
    private double spare;
    private boolean hasSpare;

    Normal(SplittableRandom r) {
      this.r = r;
    }

    double next() {
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      double u;
      double v;
      double s;
      do {
        u = 2 * r.nextDouble() - 1;
        v = 2 * r.nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double m = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
      spare = v * m;
      hasSpare = true;
      return u * m;
    }

    /** N(mean, sd). */
    double next(double mean, double sd) {
      return mean + sd * next();
    }
  }

  // ---- Poisson ----

  private static final int LOG_FACT_TABLE = 1024;
  private static final double[] LOG_FACT = new double[LOG_FACT_TABLE];

  static {
    double acc = 0;
    for (int i = 1; i < LOG_FACT_TABLE; i++) {
      acc += StrictMath.log(i);
      LOG_FACT[i] = acc;
    }
  }

  /** log(k!) from a table, or Stirling's series (error far below 1e-12) beyond it. */
  static double logFactorial(long k) {
    if (k < LOG_FACT_TABLE) {
      return LOG_FACT[(int) k];
    }
    double n = k;
    double inv = 1 / n;
    double inv2 = inv * inv;
    return n * StrictMath.log(n) - n + 0.5 * StrictMath.log(2 * Math.PI * n)
        + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
  }

  /**
   * One Poisson(lam) deviate with the exact distribution: inversion by sequential search for
   * lam < 10 (expected lam + 1 steps), Hörmann's transformed rejection with squeeze (PTRS, 1993)
   * above, which accepts about 90% of candidates without evaluating a logarithm.
   */
  static long poisson(SplittableRandom r, double lam) {
    if (!(lam > 0)) {
      return 0;
    }
    if (lam < 10) {
      double p = StrictMath.exp(-lam);
      double f = p;
      double u = r.nextDouble();
      long k = 0;
      while (u > f && k < 200) {
        k++;
        p *= lam / k;
        f += p;
      }
      return k;
    }
    double slam = StrictMath.sqrt(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    double logLam = Double.NaN;
    while (true) {
      double u = r.nextDouble() - 0.5;
      double v = r.nextDouble();
      double us = 0.5 - Math.abs(u);
      if (us <= 0) {
        continue;
      }
      long k = (long) Math.floor((2 * a / us + b) * u + lam + 0.43);
      if (us >= 0.07 && v <= vr) {
        return k;
      }
      if (k < 0 || (us < 0.013 && v > us)) {
        continue;
      }
      if (Double.isNaN(logLam)) {
        logLam = StrictMath.log(lam);
      }
      double lhs = StrictMath.log(v * invAlpha / (a / (us * us) + b));
      if (lhs <= -lam + k * logLam - logFactorial(k)) {
        return k;
      }
    }
  }
}
