package org.quantlens.onnx;

import ai.onnxruntime.*;
import java.nio.*;
import java.util.*;
import org.quantlens.engine.graph.*;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.*;

/** Throwaway timing (not a test): QLinearConv / QLinearMatMul in our Session vs ONNX Runtime, 1 thread. */
public class QuantSpeedProbe {
  static Tensor bytes(Random r, boolean u, int... s) { Tensor t = Tensor.zeros(u ? DType.U8 : DType.I8, s); r.nextBytes(t.bytes()); if (!u) for (int i = 0; i < t.size(); i++) t.bytes()[i] >>= 1; return t; }
  static Tensor sc(float v) { return Tensor.of(new float[] {v}); }
  static Tensor z(boolean u, int v) { Tensor t = Tensor.zeros(u ? DType.U8 : DType.I8); t.bytes()[0] = (byte) v; return t; }

  public static void main(String[] args) throws Exception {
    Random r = new Random(1);
    int[][] convs = {{1, 16, 32, 16}, {1, 32, 16, 32}, {1, 64, 8, 64}, {32, 16, 32, 16}, {32, 64, 8, 64}};
    for (int[] cv : convs) {
      int n = cv[0], c = cv[1], hw = cv[2], m = cv[3];
      Tensor x = bytes(r, true, n, c, hw, hw);
      Graph g = new Graph("c"); g.opsets().put("", 13);
      g.inputs().add(new Value("x", DType.U8, n, c, hw, hw));
      g.initializers().put("xs", sc(0.02f)); g.initializers().put("xz", z(true, 128));
      g.initializers().put("w", bytes(r, false, m, c, 3, 3));
      float[] ws = new float[m]; Arrays.fill(ws, 0.01f);
      g.initializers().put("ws", Tensor.of(ws, m)); g.initializers().put("wz", Tensor.zeros(DType.I8, m));
      g.initializers().put("ys", sc(0.05f)); g.initializers().put("yz", z(true, 128));
      g.nodes().add(new Node("conv", "QLinearConv", "", List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz"), List.of("y"),
          Map.of("pads", Attribute.of(new long[] {1, 1, 1, 1}))));
      g.outputs().add(new Value("y", DType.U8, n, m, hw, hw));
      time("QLinearConv " + Arrays.toString(cv), g, Map.of("x", x), 2.0 * n * m * c * 9 * hw * hw);
    }
    int[][] mms = {{1, 400, 120}, {64, 400, 120}, {128, 256, 256}};
    for (int[] s : mms) {
      Tensor a = bytes(r, true, s[0], s[1]);
      Graph g = new Graph("m"); g.opsets().put("", 13);
      g.inputs().add(new Value("a", DType.U8, s[0], s[1]));
      g.initializers().put("as", sc(0.02f)); g.initializers().put("az", z(true, 128));
      g.initializers().put("b", bytes(r, false, s[1], s[2]));
      g.initializers().put("bs", sc(0.01f)); g.initializers().put("bz", z(false, 0));
      g.initializers().put("ys", sc(0.05f)); g.initializers().put("yz", z(true, 128));
      g.nodes().add(new Node("mm", "QLinearMatMul", "", List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), List.of("y"), Map.of()));
      g.outputs().add(new Value("y", DType.U8, s[0], s[2]));
      time("QLinearMatMul " + Arrays.toString(s), g, Map.of("a", a), 2.0 * s[0] * s[1] * s[2]);
    }
  }

  static void time(String what, Graph g, Map<String, Tensor> feeds, double ops) throws Exception {
    byte[] model = OnnxWriter.toBytes(g);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession os = env.createSession(model, o); Session ours = new Session(g, new Session.Options().threads(1))) {
        Map.Entry<String, Tensor> e = feeds.entrySet().iterator().next();
        Tensor t = e.getValue();
        ByteBuffer b = ByteBuffer.allocateDirect(t.size()).order(ByteOrder.nativeOrder());
        b.put(t.bytes(), 0, t.size()).flip();
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        try (OnnxTensor ot = OnnxTensor.createTensor(env, b, shape, t.dtype() == DType.U8 ? OnnxJavaType.UINT8 : OnnxJavaType.INT8)) {
          long bestOrt = Long.MAX_VALUE, bestOurs = Long.MAX_VALUE;
          for (int rep = 0; rep < 400; rep++) {
            long t0 = System.nanoTime();
            try (OrtSession.Result res = os.run(Map.of(e.getKey(), ot))) { }
            long t1 = System.nanoTime();
            ours.run(feeds);
            long t2 = System.nanoTime();
            bestOrt = Math.min(bestOrt, t1 - t0); bestOurs = Math.min(bestOurs, t2 - t1);
          }
          System.out.printf("%-34s ORT %8.1f us  ours %8.1f us  (ours %.1f GOP/s, ratio ORT/ours %.2f)%n", what,
              bestOrt / 1e3, bestOurs / 1e3, ops / bestOurs, (double) bestOrt / bestOurs);
        }
      }
    }
  }
}
