package org.quantlens.bench.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The static-int8 models' bytes per call: {@link SessionBench} with JMH's gc profiler, every row
 * in this one JVM (JMH without forks), as a long-running process would run them. A kernel that a
 * batch-64 row calls once per call (ResNet-20's last DequantizeLinear) took C2 minutes to compile
 * in a JVM of its own, whose row then measured C1 code (106 KB per call); here the rows before
 * have compiled it. Each row gets the setup's wait for a steady state, one 1 s warm-up iteration
 * and one measured iteration of 3 s, but {@link #LONG} models come last with 6 s: int8 ResNet-20
 * makes 4-6 calls a second at batch 64, and JMH's own 12 KB or so per iteration, spread over 15
 * calls, read as 3,692 B per call where {@code dev.AllocProbe} counts 2,923. The times are not
 * reported (the side-by-side harness measures int8 speed).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar \
 *   org.quantlens.bench.kernels.Int8AllocPass --models mlp,resnet20 --out-dir target/results
 * </pre>
 *
 * Writes {@code jmh-int8.json} and {@code jmh-int8-long.json} there.
 */
public final class Int8AllocPass {
  /** Models measured last, in longer iterations. */
  static final Set<String> LONG = Set.of("resnet20");

  private Int8AllocPass() {}

  public static void main(String[] argv) throws RunnerException, IOException {
    List<String> models = List.of();
    Path dir = Path.of("target/results");
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "--models" -> models = List.of(argv[++i].split(","));
        case "--out-dir" -> dir = Path.of(argv[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + argv[i]);
      }
    }
    Files.createDirectories(dir);
    List<String> regular = new ArrayList<>();
    List<String> slow = new ArrayList<>();
    for (String m : models) {
      (LONG.contains(m) ? slow : regular).add(m);
    }
    run(regular, 3, dir.resolve("jmh-int8.json"));
    run(slow, 6, dir.resolve("jmh-int8-long.json"));
  }

  private static void run(List<String> models, int seconds, Path out) throws RunnerException {
    if (models.isEmpty()) {
      return;
    }
    new Runner(new OptionsBuilder()
        .include(SessionBench.class.getName().replace(".", "\\.") + "\\.")
        .param("variant", "static-int8")
        .param("model", models.toArray(String[]::new))
        .forks(0)
        .warmupIterations(1)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(1)
        .measurementTime(TimeValue.seconds(seconds))
        .addProfiler(GCProfiler.class)
        .resultFormat(ResultFormatType.JSON)
        .result(out.toString())
        .build()).run();
  }
}
