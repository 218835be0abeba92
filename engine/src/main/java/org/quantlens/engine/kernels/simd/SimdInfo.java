package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The vector species every SIMD kernel uses, chosen once (see {@code -Dquantlens.vectorBits}). */
public final class SimdInfo {
  /** Float species: the preferred one, or the width asked for with -Dquantlens.vectorBits. */
  public static final VectorSpecies<Float> F = floatSpecies();

  private SimdInfo() {}

  private static VectorSpecies<Float> floatSpecies() {
    String bits = System.getProperty("quantlens.vectorBits");
    if (bits == null) {
      return FloatVector.SPECIES_PREFERRED;
    }
    VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
    int want = Integer.parseInt(bits);
    if (want < s.vectorBitSize()) {
      s = VectorSpecies.of(float.class, VectorShape.forBitSize(want));
    }
    return s;
  }

  /**
   * The sum of a float vector's lanes, added in lane order. {@code reduceLanes(ADD)} may add in
   * another order once C2 compiles it than the interpreter does, so a result could depend on
   * which thread ran warm code: this keeps every float reduction bit-for-bit reproducible.
   */
  public static float sumLanes(FloatVector v) {
    float s = 0;
    for (int i = 0; i < v.length(); i++) {
      s += v.lane(i);
    }
    return s;
  }

  /** Describes the chosen species; fails (and so disables SIMD) when the API cannot run. */
  public static String describe() {
    FloatVector v = FloatVector.broadcast(F, 1f);
    if (v.reduceLanes(jdk.incubator.vector.VectorOperators.ADD) != F.length()) {
      throw new IllegalStateException("vector API self-check failed");
    }
    return F.vectorBitSize() + "-bit vectors (" + F.length() + " floats)";
  }
}
