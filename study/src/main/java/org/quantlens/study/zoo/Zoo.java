package org.quantlens.study.zoo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Graph;

/**
 * The paper's architectures by name, as {@code quantlens train --arch A} and study configs name
 * them: {@code lenet1}, {@code lenet5}, {@code nin}, {@code resnet20} (images), {@code text-lstm},
 * {@code text-gru} (token ids), {@code row-lstm}, {@code row-gru} (images read row by row).
 *
 * <pre>{@code
 * Graph g = Zoo.get("resnet20").build(ModelInput.image(3, 32, 32), 10, seed);
 * }</pre>
 */
public final class Zoo {
  private static final Map<String, Architecture> ARCHITECTURES = new LinkedHashMap<>();

  static {
    image("lenet1", "Conv 4 5x5 - MaxPool - Conv 12 5x5 - MaxPool - Dense", 16,
        (d, v, k, s) -> LeNet.lenet1(d[0], d[1], d[2], k, s));
    image("lenet5", "Conv 6 5x5 - MaxPool - Conv 16 5x5 - MaxPool - Dense 120 - 84 - classes", 12,
        (d, v, k, s) -> LeNet.lenet5(d[0], d[1], d[2], k, s));
    image("nin", "Network in Network: 3 mlpconv blocks (192/160/96, 192, 192) - global average pool",
        1, (d, v, k, s) -> NiN.nin(d[0], d[1], d[2], k, s));
    image("resnet20", "pre-activation ResNet-20: 16/32/64 filters, 3 blocks each", 1,
        (d, v, k, s) -> ResNet.resnet20(d[0], d[1], d[2], k, s));
    tokens("text-lstm", "Embedding 128 - LSTM 50 - Dense",
        (d, v, k, s) -> RecurrentModels.textLstm(d[0], v, k, s));
    tokens("text-gru", "Embedding 128 - GRU 75 - Dense",
        (d, v, k, s) -> RecurrentModels.textGru(d[0], v, k, s));
    image("row-lstm", "image rows as steps - LSTM " + RecurrentModels.ROW_LSTM_HIDDEN + " - Dense",
        1, (d, v, k, s) -> RecurrentModels.rowLstm(d[0], d[1], d[2], k, s));
    image("row-gru", "image rows as steps - GRU " + RecurrentModels.ROW_GRU_HIDDEN + " - Dense", 1,
        (d, v, k, s) -> RecurrentModels.rowGru(d[0], d[1], d[2], k, s));
  }

  private Zoo() {}

  private static void image(String name, String description, int minSide,
      Architecture.Factory f) {
    ARCHITECTURES.put(name, new Architecture(name, description, ModelInput.Kind.IMAGE, minSide, f));
  }

  private static void tokens(String name, String description, Architecture.Factory f) {
    ARCHITECTURES.put(name, new Architecture(name, description, ModelInput.Kind.TOKENS, 1, f));
  }

  /** The architecture names, in the paper's order. */
  public static List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(ARCHITECTURES.keySet()));
  }

  /** @throws UnknownArchitectureException naming the known architectures */
  public static Architecture get(String name) {
    Architecture a = ARCHITECTURES.get(name);
    if (a == null) {
      throw new UnknownArchitectureException("unknown architecture '" + name + "', expected one of "
          + String.join(", ", ARCHITECTURES.keySet()));
    }
    return a;
  }

  /** {@code get(name).build(input, classes, seed)}. */
  public static Graph build(String name, ModelInput input, int classes, long seed) {
    return get(name).build(input, classes, seed);
  }

  /**
   * Settings that train {@code name} to a good accuracy quickly on a small image set such as
   * {@code fashion-mnist-mini}, for demos and smoke runs; see {@link QuickTraining}.
   */
  public static QuickTraining quickTrainingDefaults(String name) {
    return QuickTraining.of(get(name).name());
  }
}
