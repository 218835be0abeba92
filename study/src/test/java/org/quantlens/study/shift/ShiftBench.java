package org.quantlens.study.shift;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.study.data.ImageDataset;

/**
 * Not a test: times every image corruption at every severity over 10,000 28 x 28 images
 * (Fashion-MNIST test set, or drawn digits when it is absent). {@code ShiftBench [n]}.
 *
 * <p>The goal is two minutes for all 34 corruptions x 5 severities. Measured on a quiet 2-core
 * AMD EPYC VM, JDK 25, 2026-11-26: 56.7 s wall (106.7 s CPU); fog (MNIST-C) is the slowest, 10.9 s.
 */
public final class ShiftBench {
  private ShiftBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    ImageDataset ds = TestImages.hasFashion() ? TestImages.fashion(n) : TestImages.digits(n, 1);
    List<String> names = new ArrayList<>(Shifts.names());
    names.remove("identity");
    // warm-up on a few images so the first corruption does not pay for JIT compilation alone
    ImageDataset warm = ds.head(200);
    for (String name : names) {
      Shifts.apply(warm, name, 3, 1);
    }
    // the machine may be shared: report process CPU time next to wall time
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long start = System.nanoTime();
    long cpuStart = os.getProcessCpuTime();
    for (String name : names) {
      long t0 = System.nanoTime();
      long c0 = os.getProcessCpuTime();
      for (int sev = 1; sev <= 5; sev++) {
        Shifts.apply(ds, name, sev, 42);
      }
      System.out.printf("%-30s wall %7.2f s  cpu %7.2f s%n", name, (System.nanoTime() - t0) / 1e9,
          (os.getProcessCpuTime() - c0) / 1e9);
    }
    System.out.printf("total: %d corruptions x 5 severities x %d images of %dx%d: wall %.1f s,"
        + " cpu %.1f s, %d threads%n", names.size(), ds.size(), ds.height(), ds.width(),
        (System.nanoTime() - start) / 1e9, (os.getProcessCpuTime() - cpuStart) / 1e9,
        java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1);
  }
}
