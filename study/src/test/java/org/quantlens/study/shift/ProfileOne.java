package org.quantlens.study.shift;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.quantlens.study.data.ImageDataset;

/**
 * Not a test: process CPU time per image of each corruption on one thread, after a warm-up round.
 * {@code ProfileOne name|all [n]}.
 */
public final class ProfileOne {
  private ProfileOne() {}

  public static void main(String[] args) {
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    ImageDataset ds = TestImages.hasFashion() ? TestImages.fashion(n) : TestImages.digits(n, 1);
    List<String> names = args[0].equals("all") ? Shifts.names() : List.of(args[0]);
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean();
    double total = 0;
    for (String name : names) {
      for (int sev = 1; sev <= 5; sev++) {
        Shifts.apply(ds, name, sev, 1, 1);
      }
      long c0 = os.getProcessCpuTime();
      for (int sev = 1; sev <= 5; sev++) {
        Shifts.apply(ds, name, sev, 99, 1);
      }
      double us = (os.getProcessCpuTime() - c0) / 1e3 / (5.0 * n);
      total += us;
      System.out.printf("%-30s %7.1f us cpu per image%n", name, us);
    }
    System.out.printf("sum %.1f us per image x 5 severities x 10,000 images = %.1f s cpu%n", total,
        total * 5 * 10_000 / 1e6);
  }
}
