package org.quantlens.bench.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.Idx;

/**
 * A benchmark workload: a graph built in code (a whole zoo model or one layer), how to feed it,
 * and how much arithmetic one item costs. {@link #missingOps()} tells whether the engine on this
 * branch can run it yet.
 */
public final class BenchModel {
  /** Where image inputs come from. */
  public enum Inputs {
    /** Fashion-MNIST test images (Debian package dataset-fashion-mnist), else seeded random. */
    FASHION_MNIST,
    /** Seeded uniform floats in [0, 1) (CIFAR-like images, no CIFAR on this machine). */
    RANDOM_IMAGE,
    /** Seeded uniform floats in [-1, 1) (a layer's activations). */
    RANDOM_ACTIVATION,
    /** Seeded token ids in [0, vocab). */
    TOKENS
  }

  static final Path FASHION_TEST =
      Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

  private final String name;
  private final String description;
  private final Supplier<Graph> builder;
  private final Inputs inputs;
  private final int vocab;
  private final long macsPerItem;
  private final long outputsPerItem;
  private final String waitingOn;
  private Graph graph;

  BenchModel(String name, String description, Supplier<Graph> builder, Inputs inputs, int vocab,
      long macsPerItem, long outputsPerItem, String waitingOn) {
    this.name = name;
    this.description = description;
    this.builder = builder;
    this.inputs = inputs;
    this.vocab = vocab;
    this.macsPerItem = macsPerItem;
    this.outputsPerItem = outputsPerItem;
    this.waitingOn = waitingOn;
  }

  public String name() {
    return name;
  }

  /** Architecture and shapes in a few words. */
  public String description() {
    return description;
  }

  /** Multiply-adds of the main layers per item (0 when not counted). */
  public long macsPerItem() {
    return macsPerItem;
  }

  /** Float elements of the graph's outputs per item (what a call must allocate at least). */
  public long outputsPerItem() {
    return outputsPerItem;
  }

  /** The work (branch) whose ops this workload needs, for messages when it cannot run yet. */
  public String waitingOn() {
    return waitingOn;
  }

  /** The graph (built once, seeded: the same weights on every call and in every JVM). */
  public synchronized Graph graph() {
    if (graph == null) {
      graph = builder.get();
    }
    return graph;
  }

  /** Op types of the graph that the engine's registry does not know at the graph's opset. */
  public List<String> missingOps() {
    OpRegistry reg = OpRegistry.standard();
    List<String> missing = new ArrayList<>();
    for (String op : NetBuilder.opTypes(graph())) {
      if (reg.find("", op, NetBuilder.OPSET) == null) {
        missing.add(op);
      }
    }
    return missing;
  }

  /** Where the inputs come from, for reports. */
  public String inputSource() {
    if (inputs == Inputs.FASHION_MNIST) {
      return Files.isReadable(FASHION_TEST) ? "Fashion-MNIST test images" : "random (no Fashion-MNIST)";
    }
    return inputs == Inputs.TOKENS ? "random token ids" : "seeded random";
  }

  /** One batch of inputs; the batch (symbolic) dimension becomes {@code batch}. */
  public Map<String, Tensor> inputs(int batch, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (Value v : graph().inputs()) {
      int[] shape = v.shape();
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? batch : shape[i];
      }
      Tensor t = Tensor.zeros(v.dtype(), shape);
      if (v.dtype() == DType.I64) {
        long[] ids = t.longs();
        for (int i = 0; i < ids.length; i++) {
          ids[i] = rng.nextInt(vocab);
        }
      } else if (inputs == Inputs.FASHION_MNIST && Files.isReadable(FASHION_TEST)) {
        fillFashion(t.floats(), seed);
      } else {
        float[] a = t.floats();
        boolean signed = inputs == Inputs.RANDOM_ACTIVATION;
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (signed ? rng.nextDouble() * 2 - 1 : rng.nextDouble());
        }
      }
      feeds.put(v.name(), t);
    }
    return feeds;
  }

  private static Tensor fashion;

  /**
   * Consecutive test images scaled to [0, 1], from one that depends on {@code seed} (so
   * calibration and timed inputs differ), wrapping around the set.
   */
  private static void fillFashion(float[] out, long seed) {
    Tensor images;
    synchronized (BenchModel.class) {
      if (fashion == null) {
        fashion = Idx.readImages(FASHION_TEST);
      }
      images = fashion;
    }
    int n = images.size();
    int pixels = images.size() / images.dim(0);
    int start = (int) Math.floorMod(seed * 997L, (long) images.dim(0)) * pixels;
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (images.getDouble((start + i) % n) / 255.0);
    }
  }

  @Override
  public String toString() {
    return name + " (" + description + ")";
  }
}
