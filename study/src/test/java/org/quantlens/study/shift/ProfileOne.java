package org.quantlens.study.shift;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.quantlens.study.data.ImageDataset;

/** Not a test: single-thread CPU time per image of one corruption. {@code ProfileOne name [n] [rounds]}. */
public final class ProfileOne {
  private ProfileOne() {}

  public static void main(String[] args) {
    String name = args[0];
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ImageDataset ds = TestImages.hasFashion() ? TestImages.fashion(n) : TestImages.digits(n, 1);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < rounds; r++) {
      long c0 = mx.getCurrentThreadCpuTime();
      for (int sev = 1; sev <= 5; sev++) {
        Shifts.apply(ds, name, sev, r, 1);
      }
      // parallelism 1 runs in a pool thread, so measure the whole process instead
      System.out.printf("%s round %d%n", name, r);
    }
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean();
    long c0 = os.getProcessCpuTime();
    for (int sev = 1; sev <= 5; sev++) {
      Shifts.apply(ds, name, sev, 99, 1);
    }
    System.out.printf("%s: %.1f us cpu per image%n", name, (os.getProcessCpuTime() - c0) / 1e3 / (5.0 * n));
  }
}
