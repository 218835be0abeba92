package org.quantlens.study.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.DataLoadException;
import org.quantlens.study.data.Npy;

/**
 * The cached logits of each (model, variant, set): {@code OUT/outputs/<model>/<variant>/<set>.npy},
 * float32 {@code [N, classes]}, written atomically; the float model's variant is {@code float}. A
 * file that is missing, unreadable or of the wrong type or shape counts as not computed.
 */
final class CellCache {
  static final String FLOAT = "float";
  private final Path root;

  CellCache(Path out) {
    this(out, "outputs");
  }

  /** A cache under {@code out/sub} (retraining keeps its own). */
  CellCache(Path out, String sub) {
    this.root = out.resolve(sub);
  }

  Path file(String model, String variant, String set) {
    return root.resolve(model).resolve(variant).resolve(set + ".npy");
  }

  /** The cached logits when valid ([n, classes] float32), else null. */
  Tensor read(String model, String variant, String set, int n, int classes) {
    Path f = file(model, variant, set);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      Tensor t = Npy.read(f);
      boolean ok = t.dtype() == DType.F32 && t.rank() == 2 && t.dim(0) == n && t.dim(1) == classes;
      return ok ? t : null;
    } catch (QuantLensException e) {
      return null;
    }
  }

  /**
   * The cached logits as floats, for a cell this run has computed.
   *
   * @throws DataLoadException naming the file when it is missing or invalid (changed on disk)
   */
  float[] require(String model, String variant, String set, int n, int classes) {
    Tensor t = read(model, variant, set, n, classes);
    if (t == null) {
      throw new DataLoadException("cached logits " + file(model, variant, set) + " are missing or not float32 ["
          + n + ", " + classes + "]; they were computed earlier in this run, so the output folder changed"
          + " underneath it: rerun to recompute them");
    }
    return t.floats();
  }

  boolean valid(String model, String variant, String set, int n, int classes) {
    return read(model, variant, set, n, classes) != null;
  }

  void write(String model, String variant, String set, Tensor logits) {
    Npy.write(file(model, variant, set), logits);
  }
}
