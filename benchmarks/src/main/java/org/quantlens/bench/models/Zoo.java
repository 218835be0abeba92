package org.quantlens.bench.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.tensor.DType;

/**
 * The workloads of the benchmarks: whole models of the study's zoo (for end-to-end and
 * side-by-side runs) and their expensive single layers (for kernel benchmarks). Models are
 * rebuilt here from their architecture with random weights, so the benchmarks do not wait on
 * training; when the zoo ships trained ONNX files, the side-by-side harness can load those
 * instead ({@code --model-dir}).
 *
 * <p>The text models read "LSTM(50/128)" and "GRU(75/128)" of the issue as embedding width / hidden
 * units, over 200 tokens.
 */
public final class Zoo {
  private static final long SEED = 20230417L;
  private static final int VOCAB = 10000;
  private static final int STEPS = 200;

  private static final Map<String, BenchModel> MODELS = new LinkedHashMap<>();
  private static final Map<String, BenchModel> LAYERS = new LinkedHashMap<>();
  /** Layers only the paired int8 harness times (too slow per call for every JMH configuration). */
  private static final Map<String, BenchModel> PAIRED_LAYERS = new LinkedHashMap<>();

  static {
    model(new BenchModel("mlp", "784-256-128-10, ReLU", Zoo::mlp,
        BenchModel.Inputs.FASHION_MNIST, 0, 784L * 256 + 256 * 128 + 128 * 10, 10, "main"));
    model(new BenchModel("lenet5", "conv 6@5x5, pool, conv 16@5x5, pool, fc 400-120-84-10",
        Zoo::lenet5, BenchModel.Inputs.FASHION_MNIST, 0,
        conv(1, 6, 5, 28) + conv(6, 16, 5, 10) + 400L * 120 + 120 * 84 + 84 * 10, 10, "conv"));
    model(new BenchModel("resnet20", "CIFAR ResNet-20, 16/32/64 channels, 32x32 input",
        Zoo::resnet20, BenchModel.Inputs.RANDOM_IMAGE, 0, resnet20Macs(), 10, "conv"));
    model(new BenchModel("lstm-rows", "28 rows of 28 pixels, LSTM 128, fc 10",
        () -> rows(true), BenchModel.Inputs.FASHION_MNIST, 0,
        28L * 4 * 128 * (28 + 128) + 1280, 10, "rnn"));
    model(new BenchModel("gru-rows", "28 rows of 28 pixels, GRU 128, fc 10",
        () -> rows(false), BenchModel.Inputs.FASHION_MNIST, 0,
        28L * 3 * 128 * (28 + 128) + 1280, 10, "rnn"));
    model(new BenchModel("text-lstm", "embedding 10000x50, LSTM 128 over 200 tokens, fc 1",
        () -> text(true, 50), BenchModel.Inputs.TOKENS, VOCAB,
        (long) STEPS * 4 * 128 * (50 + 128) + 128, 1, "rnn"));
    model(new BenchModel("text-gru", "embedding 10000x75, GRU 128 over 200 tokens, fc 1",
        () -> text(false, 75), BenchModel.Inputs.TOKENS, VOCAB,
        (long) STEPS * 3 * 128 * (75 + 128) + 128, 1, "rnn"));

    convLayer("lenet5-conv1", 1, 6, 5, 28, 2);
    convLayer("lenet5-conv2", 6, 16, 5, 14, 0);
    convLayer("resnet20-conv16", 16, 16, 3, 32, 1);
    convLayer("resnet20-conv32", 32, 32, 3, 16, 1);
    convLayer("resnet20-conv64", 64, 64, 3, 8, 1);
    convLayer("nin-conv1", 3, 192, 5, 32, 2);
    convLayer("nin-cccp1", 192, 160, 1, 32, 0);
    convLayer("nin-conv2", 96, 192, 5, 16, 2);
    convLayer("nin-conv3", 192, 192, 3, 8, 1);
    LAYERS.put("lstm-50x128", rnnLayer("lstm-50x128", true, 50, 128, STEPS));
    LAYERS.put("gru-75x128", rnnLayer("gru-75x128", false, 75, 128, STEPS));
    // 72 MB of float weights, past the 32 MB L3: memory-bound at batch 1 (int8: 18 MB)
    PAIRED_LAYERS.put("lstm-256x2048", rnnLayer("lstm-256x2048", true, 256, 2048, 16));
  }

  private Zoo() {}

  /** Whole models, by name, in report order. */
  public static Map<String, BenchModel> models() {
    return MODELS;
  }

  /** Single layers, by name, in report order. */
  public static Map<String, BenchModel> layers() {
    return LAYERS;
  }

  /** A model or layer by name. */
  public static BenchModel get(String name) {
    BenchModel m = MODELS.containsKey(name) ? MODELS.get(name)
        : LAYERS.containsKey(name) ? LAYERS.get(name) : PAIRED_LAYERS.get(name);
    if (m == null) {
      throw new IllegalArgumentException("unknown workload '" + name + "'; models " + MODELS.keySet()
          + ", layers " + LAYERS.keySet() + ", " + PAIRED_LAYERS.keySet());
    }
    return m;
  }

  private static void model(BenchModel m) {
    MODELS.put(m.name(), m);
  }

  // ------------------------------------------------------------------------------------------

  static org.quantlens.engine.graph.Graph mlp() {
    NetBuilder b = new NetBuilder("mlp", SEED);
    String x = b.flatten(b.input("image", DType.F32, 1, 28, 28));
    x = b.relu(b.dense(x, 784, 256));
    x = b.relu(b.dense(x, 256, 128));
    return b.output(b.dense(x, 128, 10));
  }

  static org.quantlens.engine.graph.Graph lenet5() {
    NetBuilder b = new NetBuilder("lenet5", SEED);
    String x = b.input("image", DType.F32, 1, 28, 28);
    x = b.maxPool(b.relu(b.conv(x, 1, 6, 5, 1, 2)), 2, 2, 0);
    x = b.maxPool(b.relu(b.conv(x, 6, 16, 5, 1, 0)), 2, 2, 0);
    x = b.flatten(x);
    x = b.relu(b.dense(x, 400, 120));
    x = b.relu(b.dense(x, 120, 84));
    return b.output(b.dense(x, 84, 10));
  }

  static org.quantlens.engine.graph.Graph resnet20() {
    NetBuilder b = new NetBuilder("resnet20", SEED);
    String x = b.input("image", DType.F32, 3, 32, 32);
    x = b.relu(b.batchNorm(b.conv(x, 3, 16, 3, 1, 1), 16));
    int c = 16;
    for (int stage = 0; stage < 3; stage++) {
      int out = 16 << stage;
      for (int block = 0; block < 3; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        String y = b.relu(b.batchNorm(b.conv(x, c, out, 3, stride, 1), out));
        y = b.batchNorm(b.conv(y, out, out, 3, 1, 1), out);
        String shortcut = x;
        if (stride != 1 || c != out) { // projection shortcut (1x1 conv + BN)
          shortcut = b.batchNorm(b.conv(x, c, out, 1, stride, 0), out);
        }
        x = b.relu(b.add(y, shortcut));
        c = out;
      }
    }
    x = b.flatten(b.globalAvgPool(x));
    return b.output(b.dense(x, 64, 10));
  }

  static org.quantlens.engine.graph.Graph rows(boolean lstm) {
    NetBuilder b = new NetBuilder(lstm ? "lstm-rows" : "gru-rows", SEED);
    String x = b.input("image", DType.F32, 1, 28, 28);
    x = b.transpose(b.reshape(x, -1, 28, 28), 1, 0, 2); // [28 steps, N, 28 pixels]
    String h = lstm ? b.lstm(x, 28, 128) : b.gru(x, 28, 128);
    return b.output(b.dense(b.reshape(h, -1, 128), 128, 10));
  }

  static org.quantlens.engine.graph.Graph text(boolean lstm, int dim) {
    NetBuilder b = new NetBuilder(lstm ? "text-lstm" : "text-gru", SEED);
    String ids = b.input("tokens", DType.I64, STEPS);
    String x = b.transpose(b.embedding(ids, VOCAB, dim), 1, 0, 2); // [200, N, dim]
    String h = lstm ? b.lstm(x, dim, 128) : b.gru(x, dim, 128);
    return b.output(b.sigmoid(b.dense(b.reshape(h, -1, 128), 128, 1)));
  }

  private static void convLayer(String name, int inC, int outC, int k, int size, int pad) {
    int out = size + 2 * pad - k + 1;
    LAYERS.put(name, new BenchModel(name,
        String.format("conv %d->%d, %dx%d, %dx%d input", inC, outC, k, k, size, size), () -> {
          NetBuilder b = new NetBuilder(name, SEED);
          return b.output(b.conv(b.input("x", DType.F32, inC, size, size), inC, outC, k, 1, pad));
        }, BenchModel.Inputs.RANDOM_ACTIVATION, 0, (long) outC * inC * k * k * out * out,
        (long) outC * out * out, "conv"));
  }

  private static BenchModel rnnLayer(String name, boolean lstm, int in, int hidden, int steps) {
    int gates = lstm ? 4 : 3;
    return new BenchModel(name, String.format("%s %d->%d over %d steps",
        lstm ? "LSTM" : "GRU", in, hidden, steps), () -> {
          NetBuilder b = new NetBuilder(name, SEED);
          String x = b.sequenceInput("x", steps, in);
          return b.output(lstm ? b.lstm(x, in, hidden) : b.gru(x, in, hidden));
        }, BenchModel.Inputs.RANDOM_ACTIVATION, 0, (long) steps * gates * hidden * (in + hidden),
        hidden, "rnn");
  }

  /** Multiply-adds of a stride-1 convolution of a {@code size x size} output. */
  private static long conv(int inC, int outC, int k, int size) {
    return (long) inC * outC * k * k * size * size;
  }

  private static long resnet20Macs() {
    long macs = conv(3, 16, 3, 32);
    int c = 16;
    int size = 32;
    for (int stage = 0; stage < 3; stage++) {
      int out = 16 << stage;
      size = stage == 0 ? 32 : size / 2;
      for (int block = 0; block < 3; block++) {
        macs += conv(c, out, 3, size) + conv(out, out, 3, size);
        if (c != out) {
          macs += conv(c, out, 1, size);
        }
        c = out;
      }
    }
    return macs + 640;
  }

  /** Names of models whose ops all exist now. */
  public static List<String> runnable(Map<String, BenchModel> set) {
    return set.values().stream().filter(m -> m.missingOps().isEmpty()).map(BenchModel::name).toList();
  }
}
