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
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * The zoo's expensive layers alone, each a one-node graph run by a one-thread {@link Session}:
 * the convolutions of LeNet-5, ResNet-20 (one per stage) and NiN, and LSTM(50->128) and
 * GRU(75->128) over 200 steps. A layer whose op is not in the engine yet fails its setup with a
 * message naming the op; {@code benchmarks/run} passes only the runnable ones ({@code -p layer=}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss16m", "-Xmx2g"})
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class LayerBench {
  @Param({"lenet5-conv1", "lenet5-conv2", "resnet20-conv16", "resnet20-conv32", "resnet20-conv64",
      "nin-conv1", "nin-cccp1", "nin-conv2", "nin-conv3", "lstm-50x128", "gru-75x128"})
  public String layer;

  @Param({"1", "64"})
  public int batch;

  private BenchModel model;
  private Session session;
  private Map<String, Tensor> feeds;

  @Setup
  public void setup() {
    model = Zoo.get(layer);
    session = SessionBench.open(model, 1);
    feeds = model.inputs(batch, 4);
  }

  @TearDown
  public void close() {
    session.close();
  }

  @Benchmark
  public Map<String, Tensor> run(Counters work) {
    Map<String, Tensor> out = session.run(feeds);
    work.flops += 2L * model.macsPerItem() * batch;
    work.items += batch;
    return out;
  }
}
