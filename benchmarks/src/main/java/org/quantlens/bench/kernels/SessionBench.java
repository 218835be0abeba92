package org.quantlens.bench.kernels;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.bench.peer.Variant;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * Whole-model inference on one thread, our engine alone: calls per second and, with JMH's gc
 * profiler ({@code -prof gc}, as {@code benchmarks/run} does), bytes allocated per call
 * ({@code gc.alloc.rate.norm}), to hold against the goal "steady-state inference allocates
 * nothing beyond its outputs". Setup first runs the model until its calls allocate no more than
 * that (or for {@link #STEADY_LIMIT_NS} at most): the slowest models leave JMH's warm-up still
 * partly in C1-compiled vector code, which boxes every vector, and that is warm-up, not the steady
 * state the goal is about.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class SessionBench {
  @Param({"mlp", "lenet5", "resnet20", "lstm-rows", "gru-rows", "text-lstm", "text-gru"})
  public String model;

  @Param({"1", "64"})
  public int batch;

  /** float, or a quantized form (static-int8, dynamic-int8) of the same model. */
  @Param({"float"})
  public String variant;

  /**
   * Longest the setup runs the model waiting for a steady state: 10 s, or the milliseconds of
   * {@code -Dquantlens.bench.steadyMs} (0 in the smoke run).
   */
  static final long STEADY_LIMIT_NS =
      Long.getLong("quantlens.bench.steadyMs", 10_000L) * 1_000_000L;
  /** Bytes a call may allocate beyond its outputs in the steady state (the goal's bound). */
  static final long STEADY_SLACK = 1024;

  private BenchModel workload;
  private Session session;
  private Map<String, Tensor> feeds;

  @Setup
  public void setup() {
    workload = Zoo.get(model);
    session = variant.equals("float") ? open(workload, 1)
        : new Session(Variant.graph(workload, variant), new Session.Options().threads(1));
    feeds = workload.inputs(batch, 5);
    warmUntilSteady();
  }

  /** Runs calls until two windows in a row allocate at most outputs + slack per call. */
  private void warmUntilSteady() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long outputs = 0;
    for (Tensor t : session.run(feeds).values()) {
      outputs += (long) t.size() * t.dtype().byteSize();
    }
    long end = System.nanoTime() + STEADY_LIMIT_NS;
    int calm = 0;
    while (calm < 2 && System.nanoTime() < end) {
      int calls = 0;
      long before = mx.getThreadAllocatedBytes(id);
      long windowEnd = System.nanoTime() + 200_000_000L;
      while (System.nanoTime() < windowEnd) {
        session.run(feeds);
        calls++;
      }
      long perCall = (mx.getThreadAllocatedBytes(id) - before) / calls;
      calm = perCall <= outputs + STEADY_SLACK ? calm + 1 : 0;
    }
  }

  @TearDown
  public void close() {
    session.close();
  }

  @Benchmark
  public Map<String, Tensor> infer(Counters work) {
    Map<String, Tensor> out = session.run(feeds);
    work.items += batch;
    return out;
  }

  /** A session on {@code threads} threads, or a clear failure when an op is not there yet. */
  static Session open(BenchModel m, int threads) {
    if (!m.missingOps().isEmpty()) {
      throw new IllegalStateException(m.name() + " needs ops " + m.missingOps()
          + " that the engine does not have yet (work: " + m.waitingOn() + ")");
    }
    return new Session(m.graph(), new Session.Options().threads(threads));
  }
}
