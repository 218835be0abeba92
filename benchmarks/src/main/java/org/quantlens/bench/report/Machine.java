package org.quantlens.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The CPU a report was made on, from {@code /proc/cpuinfo} where there is one. */
final class Machine {
  private Machine() {}

  static String describe() {
    String model = System.getProperty("os.arch");
    int cpus = Runtime.getRuntime().availableProcessors();
    List<String> simd = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && model.equals(System.getProperty("os.arch"))) {
          model = line.substring(line.indexOf(':') + 1).trim();
        } else if (line.startsWith("flags") && simd.isEmpty()) {
          Set<String> f = new HashSet<>(Arrays.asList(
              line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
          for (String x : List.of("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni")) {
            if (f.contains(x)) {
              simd.add(x);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the architecture name will do
    }
    return model + ", " + cpus + " logical CPUs available to the JVM"
        + (simd.isEmpty() ? "" : ", " + String.join(" ", simd));
  }
}
