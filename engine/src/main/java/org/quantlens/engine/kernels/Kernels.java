package org.quantlens.engine.kernels;

import java.lang.System.Logger.Level;

/**
 * Chooses, once per JVM, between the scalar reference kernels and the SIMD ones in
 * {@code kernels.simd}, which use {@code jdk.incubator.vector} and are loaded reflectively so the
 * engine still runs (slower) where that module is absent. {@code -Dquantlens.simd=false} forces the
 * scalar kernels; {@code -Dquantlens.vectorBits=128|256|512} narrows the vector species.
 */
public final class Kernels {
  private static final System.Logger LOG = System.getLogger("org.quantlens.engine.kernels");
  private static final String SIMD_PACKAGE = "org.quantlens.engine.kernels.simd.";
  private static final boolean SIMD = detect();

  private Kernels() {}

  /** True when the SIMD kernels are in use. */
  public static boolean simd() {
    return SIMD;
  }

  /**
   * The SIMD implementation {@code simdClassName} (simple name in {@code kernels.simd}, with a public
   * no-argument constructor) of {@code type}, or {@code scalar} when SIMD is off or it fails to load.
   */
  public static <T> T select(Class<T> type, String simdClassName, T scalar) {
    if (!SIMD) {
      return scalar;
    }
    try {
      Object k = Class.forName(SIMD_PACKAGE + simdClassName).getConstructor().newInstance();
      return type.cast(k);
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.log(Level.WARNING, "SIMD kernel " + simdClassName + " unavailable, using scalar: " + e);
      return scalar;
    }
  }

  private static boolean detect() {
    if (!Boolean.parseBoolean(System.getProperty("quantlens.simd", "true"))) {
      LOG.log(Level.INFO, "quantlens: scalar kernels (-Dquantlens.simd=false)");
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.log(Level.INFO, "quantlens: scalar kernels (add --add-modules jdk.incubator.vector for SIMD)");
      return false;
    }
    try {
      Object info = Class.forName(SIMD_PACKAGE + "SimdInfo").getMethod("describe").invoke(null);
      LOG.log(Level.DEBUG, "quantlens: SIMD kernels, " + info); // the expected case: quiet
      return true;
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.log(Level.INFO, "quantlens: scalar kernels (vector API unusable: " + e + ")");
      return false;
    }
  }
}
