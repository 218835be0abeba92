package org.quantlens.study.shift;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.study.data.ImageDataset;

/** Not a test: prints mean L2 and mean 1 - SSIM per severity for every shift. */
public final class SeverityStats {
  private SeverityStats() {}

  static double[][] stats(ImageDataset ds, String name, long seed) {
    double[][] out = new double[2][5];
    for (int sev = 1; sev <= 5; sev++) {
      ImageDataset shifted = Shifts.apply(ds, name, sev, seed);
      for (int i = 0; i < ds.size(); i++) {
        FloatImage a = TestImages.image(ds, i);
        FloatImage b = TestImages.image(shifted, i);
        out[0][sev - 1] += ImageMetrics.l2(a, b) / ds.size();
        out[1][sev - 1] += (1 - ImageMetrics.ssim(a, b)) / ds.size();
      }
    }
    return out;
  }

  public static void main(String[] args) {
    List<ImageDataset> sets = new ArrayList<>();
    sets.add(TestImages.digits(100, 11));
    if (TestImages.hasFashion()) {
      sets.add(TestImages.fashion(100));
    }
    sets.add(TestImages.scenes(60, 32, 32, 5));
    for (String name : Shifts.names()) {
      for (ImageDataset ds : sets) {
        double[][] s = stats(ds, name, 3);
        System.out.printf("%-30s %-20s L2 %s  1-SSIM %s%n", name, ds.name(), fmt(s[0]), fmt(s[1]));
      }
    }
  }

  private static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      sb.append(String.format("%7.3f", v[i]));
      if (i > 0 && v[i] < v[i - 1] - 1e-9) {
        sb.append('!');
      } else {
        sb.append(' ');
      }
    }
    return sb.toString();
  }
}
