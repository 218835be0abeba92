package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.kernels.RnnActivation.Kind;

class RnnActivationTest {

  @Test
  void alphaAndBetaAreConsumedOnlyByFunctionsThatUseThem() {
    List<RnnActivation> a = RnnActivation.parseList(
        List.of("Sigmoid", "LeakyRelu", "Tanh", "HardSigmoid", "Affine", "elu"),
        new float[] {0.1f, 0.3f, 2f}, new float[] {0.6f, -1f});
    assertEquals(new RnnActivation(Kind.SIGMOID, 0, 0), a.get(0));
    assertEquals(0.1f, a.get(1).alpha());
    assertEquals(new RnnActivation(Kind.HARD_SIGMOID, 0.3f, 0.6f), a.get(3));
    assertEquals(new RnnActivation(Kind.AFFINE, 2f, -1f), a.get(4));
    // lists exhausted: Elu takes its ONNX default alpha 1.0
    assertEquals(new RnnActivation(Kind.ELU, 1f, 0f), a.get(5));
  }

  @Test
  void defaultsAreThoseOfTheOnnxOperators() {
    List<RnnActivation> a = RnnActivation.parseList(
        List.of("LeakyRelu", "HardSigmoid", "ThresholdedRelu", "Affine"), null, null);
    assertEquals(0.01f, a.get(0).alpha());
    assertEquals(0.2f, a.get(1).alpha());
    assertEquals(0.5f, a.get(1).beta());
    assertEquals(1f, a.get(2).alpha());
    assertEquals(1f, a.get(3).alpha());
    assertEquals(0f, a.get(3).beta());
  }

  @Test
  void unknownNameIsRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> RnnActivation.parseList(List.of("Swish"), null, null));
  }

  @Test
  void formulasAtHandPickedPoints() {
    assertEquals(0.7310585786f, RnnActivation.SIGMOID.apply(1f), 1e-7f);
    assertEquals(-0.7615941559f, RnnActivation.TANH.apply(-1f), 1e-7f);
    assertEquals(1e-5f, RnnActivation.TANH.apply(1e-5f), 1e-12f);
    assertEquals(0.5f, new RnnActivation(Kind.AFFINE, 2f, -1.5f).apply(1f));
    assertEquals(-0.3f, new RnnActivation(Kind.LEAKY_RELU, 0.1f, 0).apply(-3f), 1e-7f);
    assertEquals(0f, new RnnActivation(Kind.THRESHOLDED_RELU, 1f, 0).apply(0.5f));
    assertEquals(2f, new RnnActivation(Kind.THRESHOLDED_RELU, 1f, 0).apply(2f));
    assertEquals((float) (2 * Math.tanh(0.5 * 3)),
        new RnnActivation(Kind.SCALED_TANH, 2f, 0.5f).apply(3f), 1e-7f);
    assertEquals(1f, new RnnActivation(Kind.HARD_SIGMOID, 0.2f, 0.5f).apply(3f));
    assertEquals(0.3f, new RnnActivation(Kind.HARD_SIGMOID, 0.2f, 0.5f).apply(-1f), 1e-7f);
    assertEquals((float) (0.5 * (Math.exp(-2) - 1)),
        new RnnActivation(Kind.ELU, 0.5f, 0).apply(-2f), 1e-7f);
    assertEquals(-0.75f, new RnnActivation(Kind.SOFTSIGN, 0, 0).apply(-3f));
    assertEquals((float) Math.log(1 + Math.E), new RnnActivation(Kind.SOFTPLUS, 0, 0).apply(1f),
        1e-7f);
    assertEquals(100f, new RnnActivation(Kind.SOFTPLUS, 0, 0).apply(100f)); // no overflow
    assertEquals(0f, new RnnActivation(Kind.RELU, 0, 0).apply(-2f));
  }
}
