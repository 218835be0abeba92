package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C dotted line: a {@link Lines soft line} from (0, r0) to (W-1, r1), r0 and r1 drawn from
 * {@code [0, H-2]} (numpy {@code randint(0, 27)} on 28 rows), with columns blanked in alternate
 * 2-column blocks ([0,2), [4,6), ... off), added to the image and clipped.
 *
 * <p>MNIST-C has one setting; the ladder is: severity 1 the line at 40% intensity, 2 at 70%,
 * <b>3 the MNIST-C default</b>, 4 two independent dotted lines, 5 three.
 */
public final class DottedLine extends Corruption {
  private static final float[] OPACITY = {.4f, .7f, 1f, 1f, 1f};
  private static final int[] COUNT = {1, 1, 1, 2, 3};

  public DottedLine() {
    super("mnist-c/dotted_line");
  }

  @Override
  public String describe() {
    return "dotted soft line across the image; intensity [0.4, 0.7, 1, 1, 1], lines [1, 1, 1, 2, 3]"
        + "; MNIST-C default = severity 3";
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] out = image.data().clone();
    for (int k = 0; k < COUNT[severity - 1]; k++) {
      int r0 = Rng.randint(rng, 0, Math.max(h - 1, 1));
      int r1 = Rng.randint(rng, 0, Math.max(h - 1, 1));
      Lines.addDotted(out, h, w, c, 0, r0, w - 1, r1, OPACITY[severity - 1], 2);
    }
    return new FloatImage(h, w, c, out);
  }
}
