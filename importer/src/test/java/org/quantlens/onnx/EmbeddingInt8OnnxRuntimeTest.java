package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.Ptq;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * An int8 embedding table as our quantizers write it ({@code Gather(DequantizeLinear(int8 table,
 * per-row scales, axis 0), ids)}) is a file ONNX Runtime runs as it is; our session runs it as
 * com.quantlens.QuantizedGather and gets the same values bit for bit (both compute
 * {@code (float) (q - zp) * scale}); the file survives OnnxWriter / OnnxReader unchanged.
 */
class EmbeddingInt8OnnxRuntimeTest {
  private static final int VOCAB = 300;
  private static final int DIM = 16;
  private static final int TOKENS = 7;

  /** ids [N, 7] -> Gather(emb [300, 16]) -> "e" [N, 7, 16]. */
  private static Graph embedding() {
    Random r = new Random(11);
    Graph g = new Graph("embedding");
    g.opsets().put("", 13);
    g.inputs().add(new Value("ids", DType.I64, -1, TOKENS));
    g.outputs().add(new Value("e", DType.F32));
    float[] emb = new float[VOCAB * DIM];
    for (int i = 0; i < emb.length; i++) {
      emb[i] = (float) (r.nextGaussian() * (0.1 + i / DIM % 7)); // rows of different ranges
    }
    g.initializers().put("emb", Tensor.of(emb, VOCAB, DIM));
    g.nodes().add(new Node("embed", "Gather", List.of("emb", "ids"), List.of("e"), Map.of("axis", Attribute.of(0L))));
    return g;
  }

  private static Tensor ids(long seed, int batch) {
    Random r = new Random(seed);
    long[] v = new long[batch * TOKENS];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(VOCAB);
    }
    return Tensor.of(v, batch, TOKENS);
  }

  private static float[] ours(Graph g, Tensor ids) {
    try (Session s = new Session(g)) {
      return s.run(Map.of("ids", ids)).get("e").floats();
    }
  }

  @Test
  void onnxRuntimeRunsOurStaticInt8EmbeddingFileBitForBitLikeOurQuantizedGather() throws OrtException {
    Graph f = embedding();
    Graph qdq = Ptq.quantize(f, Calibration.of(List.of(Map.of("ids", ids(1, 4)))), QuantConfig.defaults()).graph();
    assertEquals(VOCAB, qdq.initializers().get("emb_scale").size(), "per-row scales");
    byte[] file = OnnxWriter.toBytes(qdq);
    Tensor x = ids(2, 5);
    float[] ort = Ort.run(file, Map.of("ids", x)).get("e").floats();
    assertArrayEquals(ort, ours(qdq, x), 0f, "ONNX Runtime vs our QuantizedGather");
    // and they are the float table rounded to each row's grid: off by at most half a step
    float[] exact = ours(f, x);
    float[] scales = qdq.initializers().get("emb_scale").floats();
    boolean rounded = false;
    for (int i = 0; i < exact.length; i++) {
      float step = scales[(int) x.longs()[i / DIM]];
      float err = Math.abs(exact[i] - ort[i]);
      assertTrue(err <= 0.5f * step * 1.0001f, "element " + i + " off by " + err + ", step " + step);
      rounded |= err > 0;
    }
    assertTrue(rounded, "the lookup returned the float values: the table was not quantized");
  }

  @Test
  void staticInt8EmbeddingFileRoundTripsThroughWriterAndReader() {
    Graph qdq = Ptq.quantize(embedding(), Calibration.of(List.of(Map.of("ids", ids(1, 4)))),
        QuantConfig.defaults()).graph();
    Graph back = OnnxReader.read(OnnxWriter.toBytes(qdq), "embedding.onnx", null);
    Tensor table = back.initializers().get("emb_quantized");
    assertEquals(DType.I8, table.dtype());
    assertArrayEquals(qdq.initializers().get("emb_quantized").bytes(), table.bytes());
    assertArrayEquals(qdq.initializers().get("emb_scale").floats(), back.initializers().get("emb_scale").floats(), 0f);
    Tensor x = ids(3, 6);
    assertArrayEquals(ours(qdq, x), ours(back, x), 0f);
  }

  @Test
  void onnxRuntimeRunsOurDynamicInt8EmbeddingLikeOurSession() throws OrtException {
    Graph dyn = Variants.build(embedding(), "dynamic-int8", null, QuantConfig.defaults());
    Tensor x = ids(4, 3);
    float[] ort = Ort.run(OnnxWriter.toBytes(dyn), Map.of("ids", x)).get("e").floats();
    assertArrayEquals(ort, ours(dyn, x), 0f);
  }
}
