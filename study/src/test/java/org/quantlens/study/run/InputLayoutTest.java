package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;

/**
 * Which model inputs a study feeds its [N, C, H, W] images to by a reshape: the image itself, flat,
 * and rows only for one channel, since with several channels a [C, H, W] buffer viewed as
 * [H, W*C] would put channel 0's pixels in the first steps, not one image row per step.
 */
class InputLayoutTest {
  private static Graph withInput(int... dims) {
    Graph g = new Graph("m");
    g.inputs().add(new Value("x", DType.F32, dims));
    return g;
  }

  @Test
  void oneChannelImagesFeedARowSequenceModelAsRows() {
    InputLayout l = InputLayout.of(withInput(-1, 28, 28), "models[0]", "fashion-mnist", 1, 28, 28);
    assertArrayEquals(new int[] {28, 28}, l.sampleShape());
  }

  @Test
  void threeChannelImagesAreNotSilentlyReshapedIntoRowsOfMixedChannels() {
    StudyConfigException e = assertThrows(StudyConfigException.class,
        () -> InputLayout.of(withInput(-1, 32, 96), "models[0]", "cifar10", 3, 32, 32));
    assertTrue(e.getMessage().contains("[N,3072] flat") && !e.getMessage().contains("rows"), e.getMessage());
    assertArrayEquals(new int[] {3 * 32 * 32},
        InputLayout.of(withInput(-1, 3072), "models[0]", "cifar10", 3, 32, 32).sampleShape());
  }
}
