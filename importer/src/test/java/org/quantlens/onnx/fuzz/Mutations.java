package org.quantlens.onnx.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.SplittableRandom;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.StringStringEntryProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;
import org.quantlens.onnx.proto.Onnx.TensorShapeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/**
 * Ways to break an ONNX file: blind byte-level damage (bit flips, cuts, splices) and structural
 * damage that still parses (huge or negative dimensions, cycles, self-references, initializers
 * whose data does not match their shape, wrong attribute types, deep subgraph nesting, external
 * data pointing out of the model's folder). Each mutation is a pure function of the seed bytes and
 * the random generator, so a failing case is reproducible from (seed file, case number).
 */
final class Mutations {
  private Mutations() {}

  /** Kinds, named in failure reports. */
  static final List<String> KINDS = List.of("bitflip", "truncate", "splice", "bytes", "dims",
      "cycle", "selfref", "initializer", "attribute", "nesting", "external", "drop", "rename",
      "opset", "dtype", "values");

  /** Applies mutation {@code kind} to {@code model}; returns the mutated file's bytes. */
  static byte[] apply(String kind, byte[] model, SplittableRandom r) {
    switch (kind) {
      case "bitflip": return bitFlips(model, r);
      case "truncate": return java.util.Arrays.copyOf(model, r.nextInt(Math.max(1, model.length)));
      case "splice": return splice(model, r);
      case "bytes": return overwrite(model, r);
      default: break;
    }
    ModelProto m;
    try {
      m = ModelProto.parseFrom(model);
    } catch (InvalidProtocolBufferException e) {
      return model; // seeds are valid models; a broken seed just passes through
    }
    ModelProto.Builder b = m.toBuilder();
    GraphProto.Builder g = b.getGraphBuilder();
    switch (kind) {
      case "dims": dims(g, r); break;
      case "cycle": cycle(g, r); break;
      case "selfref": selfRef(g, r); break;
      case "initializer": initializer(g, r); break;
      case "attribute": attribute(g, r); break;
      case "nesting": nesting(g, r); break;
      case "external": external(g, r); break;
      case "drop": drop(g, r); break;
      case "rename": rename(g, r); break;
      case "opset": b.clearOpsetImport().addOpsetImportBuilder().setDomain("").setVersion(pick(r,
          new long[] {-1, 0, 1, 6, 9999, Long.MAX_VALUE})); break;
      case "dtype": dtype(g, r); break;
      case "values": values(g, r); break;
      default: throw new IllegalArgumentException(kind);
    }
    return b.build().toByteArray();
  }

  private static byte[] bitFlips(byte[] m, SplittableRandom r) {
    byte[] out = m.clone();
    int flips = 1 + r.nextInt(8);
    for (int i = 0; i < flips && out.length > 0; i++) {
      out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
    }
    return out;
  }

  /** Copies a random slice of the file over another place: plausible-looking nonsense. */
  private static byte[] splice(byte[] m, SplittableRandom r) {
    if (m.length < 4) {
      return m;
    }
    byte[] out = m.clone();
    int len = 1 + r.nextInt(Math.min(64, m.length / 2));
    System.arraycopy(m, r.nextInt(m.length - len), out, r.nextInt(m.length - len), len);
    return out;
  }

  /** Overwrites a few bytes with varint-looking values (0xff runs read as huge lengths). */
  private static byte[] overwrite(byte[] m, SplittableRandom r) {
    byte[] out = m.clone();
    int at = r.nextInt(Math.max(1, out.length));
    for (int i = 0; i < 1 + r.nextInt(6) && at + i < out.length; i++) {
      out[at + i] = (byte) (r.nextBoolean() ? 0xff : r.nextInt(256));
    }
    return out;
  }

  private static long hugeOrNegative(SplittableRandom r) {
    return pick(r, new long[] {-1, -7, 0, 1L << 31, 1L << 40, Long.MAX_VALUE, Integer.MAX_VALUE, 46341, 65536});
  }

  private static void dims(GraphProto.Builder g, SplittableRandom r) {
    if (g.getInitializerCount() > 0 && r.nextBoolean()) {
      TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
      if (t.getDimsCount() == 0) {
        t.addDims(hugeOrNegative(r));
      } else {
        t.setDims(r.nextInt(t.getDimsCount()), hugeOrNegative(r));
      }
      return;
    }
    if (g.getInputCount() == 0) {
      return;
    }
    ValueInfoProto.Builder v = g.getInputBuilder(r.nextInt(g.getInputCount()));
    TensorShapeProto.Builder s = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
    if (s.getDimCount() == 0) {
      s.addDimBuilder().setDimValue(hugeOrNegative(r));
    } else {
      s.getDimBuilder(r.nextInt(s.getDimCount())).setDimValue(hugeOrNegative(r));
    }
  }

  /** Feeds the last node's output into the first node: a cycle through the whole graph. */
  private static void cycle(GraphProto.Builder g, SplittableRandom r) {
    if (g.getNodeCount() == 0) {
      return;
    }
    NodeProto.Builder first = g.getNodeBuilder(0);
    NodeProto last = g.getNode(g.getNodeCount() - 1);
    if (first.getInputCount() > 0 && last.getOutputCount() > 0) {
      first.setInput(r.nextInt(first.getInputCount()), last.getOutput(0));
    }
  }

  private static void selfRef(GraphProto.Builder g, SplittableRandom r) {
    if (g.getNodeCount() == 0) {
      return;
    }
    NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
    if (n.getOutputCount() > 0) {
      if (n.getInputCount() == 0) {
        n.addInput(n.getOutput(0));
      } else {
        n.setInput(r.nextInt(n.getInputCount()), n.getOutput(0));
      }
    }
  }

  /** Data that does not match the declared shape or type. */
  private static void initializer(GraphProto.Builder g, SplittableRandom r) {
    TensorProto.Builder t = g.getInitializerCount() > 0
        ? g.getInitializerBuilder(r.nextInt(g.getInitializerCount()))
        : g.addInitializerBuilder().setName(g.getInputCount() > 0 ? g.getInput(0).getName() : "x")
            .setDataType(1);
    switch (r.nextInt(5)) {
      case 0: t.setRawData(ByteString.copyFrom(new byte[r.nextInt(7)])); break;
      case 1: t.clearRawData().addFloatData(1f); break;
      case 2: t.addDims(3).addDims(5); break;
      case 3: t.clearRawData().addStringData(ByteString.copyFromUtf8("not a number")); break;
      default: t.setDataType(r.nextInt(30) - 2); break;
    }
  }

  /** A string (or a tensor, or nothing) where an attribute's number belongs, or a wrong value. */
  private static void attribute(GraphProto.Builder g, SplittableRandom r) {
    if (g.getNodeCount() == 0) {
      return;
    }
    NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
    if (n.getAttributeCount() == 0) {
      n.addAttributeBuilder().setName(pick(r, new String[] {"axis", "kernel_shape", "pads", "perm",
          "group", "strides"})).setType(AttributeProto.AttributeType.INTS).addInts(hugeOrNegative(r));
      return;
    }
    AttributeProto.Builder a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
    switch (r.nextInt(4)) {
      case 0: a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("7")); break;
      case 1: a.setI(hugeOrNegative(r)).clearInts().addInts(hugeOrNegative(r)); break;
      case 2: a.setType(AttributeProto.AttributeType.UNDEFINED); break;
      default: a.setType(AttributeProto.AttributeType.GRAPH); break;
    }
  }

  /** An If node whose branches nest far deeper than any real model. */
  private static void nesting(GraphProto.Builder g, SplittableRandom r) {
    GraphProto inner = GraphProto.newBuilder().setName("leaf").build();
    int depth = 20 + r.nextInt(200);
    for (int i = 0; i < depth; i++) {
      NodeProto ifNode = NodeProto.newBuilder().setOpType("If").addInput("c").addOutput("o" + i)
          .addAttribute(AttributeProto.newBuilder().setName("then_branch")
              .setType(AttributeProto.AttributeType.GRAPH).setG(inner))
          .addAttribute(AttributeProto.newBuilder().setName("else_branch") // a leaf: sizes stay linear
              .setType(AttributeProto.AttributeType.GRAPH).setG(GraphProto.newBuilder().setName("e")))
          .build();
      inner = GraphProto.newBuilder().setName("g" + i).addNode(ifNode).build();
    }
    g.addNode(NodeProto.newBuilder().setOpType("If").addInput("c").addOutput("deep")
        .addAttribute(AttributeProto.newBuilder().setName("then_branch")
            .setType(AttributeProto.AttributeType.GRAPH).setG(inner)));
  }

  /** External data outside the model's folder, or with absurd offsets and lengths. */
  private static void external(GraphProto.Builder g, SplittableRandom r) {
    if (g.getInitializerCount() == 0) {
      return;
    }
    TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
    t.clearRawData().clearFloatData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .clearExternalData()
        .addExternalData(entry("location", pick(r, new String[] {"../../../etc/passwd",
            "/etc/passwd", "missing.bin", "", "sub/../../x", "/proc/self/mem"})));
    if (r.nextBoolean()) {
      t.addExternalData(entry("offset", Long.toString(hugeOrNegative(r))))
          .addExternalData(entry("length", Long.toString(hugeOrNegative(r))));
    }
  }

  private static StringStringEntryProto entry(String k, String v) {
    return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
  }

  private static void drop(GraphProto.Builder g, SplittableRandom r) {
    if (g.getNodeCount() > 0) {
      g.removeNode(r.nextInt(g.getNodeCount()));
    } else if (g.getInitializerCount() > 0) {
      g.removeInitializer(r.nextInt(g.getInitializerCount()));
    }
  }

  /** Two outputs with the same name, or an input nobody produces. */
  private static void rename(GraphProto.Builder g, SplittableRandom r) {
    if (g.getNodeCount() < 1) {
      return;
    }
    NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
    if (r.nextBoolean() && n.getOutputCount() > 0 && g.getInputCount() > 0) {
      n.setOutput(0, g.getInput(0).getName());
    } else if (n.getInputCount() > 0) {
      n.setInput(r.nextInt(n.getInputCount()), "nobody-makes-this");
    }
  }

  /** Huge or negative numbers in an integer initializer: shapes, repeats, pads, axes, indices. */
  private static void values(GraphProto.Builder g, SplittableRandom r) {
    for (int k = 0; k < g.getInitializerCount(); k++) {
      TensorProto.Builder t = g.getInitializerBuilder((k + r.nextInt(g.getInitializerCount()))
          % g.getInitializerCount());
      if (t.getDataType() != 7 && t.getDataType() != 6) { // INT64, INT32
        continue;
      }
      long n = 1;
      for (long d : t.getDimsList()) {
        n *= d;
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(n, 64) * (t.getDataType() == 7 ? 8 : 4))
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining()) {
        long v = r.nextInt(3) == 0 ? hugeOrNegative(r) : 1 + r.nextInt(4);
        if (t.getDataType() == 7) {
          b.putLong(v);
        } else {
          b.putInt((int) v);
        }
      }
      t.clearInt64Data().clearInt32Data().setRawData(ByteString.copyFrom(b.array()));
      return;
    }
  }

  private static void dtype(GraphProto.Builder g, SplittableRandom r) {
    if (g.getInputCount() == 0) {
      return;
    }
    g.getInputBuilder(r.nextInt(g.getInputCount())).getTypeBuilder().getTensorTypeBuilder()
        .setElemType(r.nextInt(30) - 2);
  }

  private static long pick(SplittableRandom r, long[] xs) {
    return xs[r.nextInt(xs.length)];
  }

  private static String pick(SplittableRandom r, String[] xs) {
    return xs[r.nextInt(xs.length)];
  }
}
