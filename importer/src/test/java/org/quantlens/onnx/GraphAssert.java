package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.Tensor;

/** Deep structural equality of graphs and tensors (bit-exact data), with a path in each message. */
final class GraphAssert {
  private GraphAssert() {}

  static void assertSameGraph(Graph want, Graph got, String where) {
    assertEquals(want.opsets(), got.opsets(), where + ": opsets");
    assertValues(want.inputs(), got.inputs(), where + ": inputs");
    assertValues(want.outputs(), got.outputs(), where + ": outputs");
    assertValues(new ArrayList<>(want.valueInfo().values()), new ArrayList<>(got.valueInfo().values()),
        where + ": value_info");
    assertEquals(new ArrayList<>(want.initializers().keySet()), new ArrayList<>(got.initializers().keySet()),
        where + ": initializer names");
    for (Map.Entry<String, Tensor> e : want.initializers().entrySet()) {
      assertSameTensor(e.getValue(), got.initializers().get(e.getKey()), where + ": initializer " + e.getKey());
    }
    assertEquals(want.nodes().size(), got.nodes().size(), where + ": node count");
    for (int i = 0; i < want.nodes().size(); i++) {
      assertSameNode(want.nodes().get(i), got.nodes().get(i), where + ": node #" + i);
    }
  }

  static void assertValues(List<Value> want, List<Value> got, String where) {
    assertEquals(want, got, where);
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i).dimNames(), got.get(i).dimNames(), where + " dim names of " + want.get(i));
    }
  }

  static void assertSameNode(Node want, Node got, String where) {
    String w = where + " " + want.describe();
    assertEquals(want.name(), got.name(), w + " name");
    assertEquals(want.opType(), got.opType(), w + " op");
    assertEquals(want.domain(), got.domain(), w + " domain");
    assertEquals(want.inputs(), got.inputs(), w + " inputs");
    assertEquals(want.outputs(), got.outputs(), w + " outputs");
    assertEquals(new ArrayList<>(want.attributes().keySet()), new ArrayList<>(got.attributes().keySet()),
        w + " attribute names");
    for (Map.Entry<String, Attribute> e : want.attributes().entrySet()) {
      assertSameAttribute(e.getValue(), got.attributes().get(e.getKey()), w + " attribute " + e.getKey());
    }
  }

  static void assertSameAttribute(Attribute want, Attribute got, String where) {
    assertEquals(want.kind(), got.kind(), where + " kind");
    switch (want.kind()) {
      case FLOAT: assertEquals(Float.floatToRawIntBits(want.asFloat()), Float.floatToRawIntBits(got.asFloat()), where); break;
      case INT: assertEquals(want.asLong(), got.asLong(), where); break;
      case STRING: assertEquals(want.asString(), got.asString(), where); break;
      case FLOATS: assertArrayEquals(want.asFloats(), got.asFloats(), where); break;
      case INTS: assertArrayEquals(want.asLongs(), got.asLongs(), where); break;
      case STRINGS: assertEquals(want.asStrings(), got.asStrings(), where); break;
      case TENSOR: assertSameTensor(want.asTensor(), got.asTensor(), where); break;
      case TENSORS:
        assertEquals(want.asTensors().size(), got.asTensors().size(), where);
        for (int i = 0; i < want.asTensors().size(); i++) {
          assertSameTensor(want.asTensors().get(i), got.asTensors().get(i), where + " #" + i);
        }
        break;
      default: assertSameGraph(want.asGraph(), got.asGraph(), where);
    }
  }

  /** Same dtype, shape and bit pattern of every element. */
  static void assertSameTensor(Tensor want, Tensor got, String where) {
    assertEquals(want.dtype(), got.dtype(), where + " dtype");
    assertArrayEquals(want.shape(), got.shape(), where + " shape");
    assertArrayEquals(TensorProtos.rawBytes(want), TensorProtos.rawBytes(got), where + " data");
  }
}
