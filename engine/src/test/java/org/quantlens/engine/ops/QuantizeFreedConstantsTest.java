package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * QuantizeLinear and DequantizeLinear keep their parsed constant scale and zero point, so the
 * session frees the shared tensors once both readers own a copy (weak references, after the
 * caller dropped its graph); the round trip still equals the formulas computed here.
 */
class QuantizeFreedConstantsTest {
  @Test
  void quantizeDequantizePairFreesItsSharedScaleAndZeroPointAndStillRoundTrips() {
    float scale = 0.05f;
    int zp = 100;
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 6));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    g.nodes().add(new Node("q", "QuantizeLinear", List.of("x", "s", "z"), List.of("q"), Map.of()));
    g.nodes().add(new Node("dq", "DequantizeLinear", List.of("q", "s", "z"), List.of("y"), Map.of()));
    Tensor s = Tensor.of(new float[] {scale});
    Tensor z = Tensor.wrap(DType.U8, new byte[] {(byte) zp});
    g.initializers().put("s", s);
    g.initializers().put("z", z);
    WeakReference<Object> heldScale = new WeakReference<>(s.data());
    WeakReference<Object> heldZp = new WeakReference<>(z.data());
    s = null;
    z = null;
    float[] x = {-6f, -1.234f, 0f, 0.026f, 3.3f, 9f};
    try (Session session = new Session(g)) {
      g = null;
      assertTrue(collected(heldScale), "the scale both ops parsed is still held");
      assertTrue(collected(heldZp), "the zero point both ops parsed is still held");
      float[] y = session.run(Map.of("x", Tensor.of(x.clone(), 6))).get("y").floats();
      for (int i = 0; i < x.length; i++) {
        int q = (int) Math.max(0, Math.min(255, Math.rint(x[i] / scale) + zp));
        assertEquals((q - zp) * scale, y[i], 0f, "x = " + x[i]);
      }
    }
  }

  private static boolean collected(WeakReference<Object> ref) {
    for (int i = 0; i < 10 && ref.get() != null; i++) {
      System.gc();
    }
    return ref.get() == null;
  }
}
