package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quantlens.onnx.OnnxReaderTest.entry;
import static org.quantlens.onnx.OnnxReaderTest.identityModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;

/** Malformed or hostile models: each is a ModelLoadException naming the file and the culprit. */
class OnnxReaderErrorTest {
  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private ModelLoadException refused(Path model, String... mustContain) {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxReader.read(model));
    assertTrue(e.getMessage().contains(model.toString()), "names the file: " + e.getMessage());
    for (String s : mustContain) {
      assertTrue(e.getMessage().contains(s), "mentions '" + s + "': " + e.getMessage());
    }
    return e;
  }

  /** A small valid model: y = Gemm(x, w, b) with float initializers in raw_data. */
  private static ModelProto gemm() {
    TensorProto w = Protos.raw("w", 1, new long[] {4, 3}, new byte[48]);
    TensorProto b = Protos.raw("b", 1, new long[] {3}, new byte[12]);
    GraphProto g = GraphProto.newBuilder().addInput(Protos.tensorInfo("x", 1, 2, 4))
        .addInitializer(w).addInitializer(b)
        .addNode(Protos.node("fc", "Gemm", List.of("x", "w", "b"), List.of("y")))
        .addOutput(Protos.tensorInfo("y", 1, 2, 3)).build();
    return Protos.model(g, 13);
  }

  @Test
  void truncatedFileIsAModelLoadExceptionNamingTheFile() throws Exception {
    byte[] full = gemm().toByteArray();
    OnnxReader.read(write("ok.onnx", full)); // the untruncated model is fine
    boolean sawParseFailure = false;
    for (int len = 0; len < full.length; len++) {
      Path p = write("model.onnx", Arrays.copyOf(full, len));
      try {
        OnnxReader.read(p);
        // a cut exactly between top-level fields can still parse; then the model must be usable
      } catch (ModelLoadException e) {
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        sawParseFailure |= e.getMessage().contains("not an ONNX model (protobuf parse failed");
      } catch (RuntimeException e) {
        fail("length " + len + ": " + e + " is not a ModelLoadException");
      }
    }
    assertTrue(sawParseFailure, "some truncation must fail to parse");
  }

  @Test
  void garbageBytesAreNotAnOnnxModel() throws Exception {
    Random rnd = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] junk = new byte[1 + rnd.nextInt(300)];
      rnd.nextBytes(junk);
      Path p = write("junk.onnx", junk);
      ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxReader.read(p), "try " + i);
      assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
    }
    refused(write("text.onnx", "hello, I am not protobuf\n".getBytes()), "not an ONNX model");
    refused(write("empty.onnx", new byte[0]), "not an ONNX model");
  }

  @Test
  void nodeInputThatNobodyProducesIsNamed() throws Exception {
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .setNode(0, Protos.node("fc", "Gemm", List.of("x", "w", "ghost"), List.of("y")))).build();
    refused(write("model.onnx", m.toByteArray()), "node 'fc' (Gemm)", "'ghost'");
  }

  @Test
  void graphOutputThatNobodyProducesIsNamed() throws Exception {
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .addOutput(Protos.tensorInfo("nowhere", 1))).build();
    refused(write("model.onnx", m.toByteArray()), "output 'nowhere'");
  }

  @Test
  void wrongRawDataSizeNamesTensorShapeAndByteCounts() throws Exception {
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .setInitializer(0, Protos.raw("w", 1, new long[] {4, 3}, new byte[40]))).build();
    refused(write("model.onnx", m.toByteArray()),
        "initializer 'w'", "[4,3]", "12 FLOAT elements", "48 bytes", "raw_data holds 40 bytes");
  }

  @Test
  void typedFieldCountMismatchIsNamed() throws Exception {
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .setInitializer(1, Protos.floats("b", new long[] {3}, 1f, 2f))).build();
    refused(write("model.onnx", m.toByteArray()), "initializer 'b'", "[3]", "float_data holds 2 values");
    TensorProto wrongField = TensorProto.newBuilder().setName("b").setDataType(1).addDims(3)
        .addInt64Data(1).addInt64Data(2).addInt64Data(3).build();
    ModelProto m2 = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder().setInitializer(1, wrongField)).build();
    refused(write("model2.onnx", m2.toByteArray()), "initializer 'b'", "int64_data is set instead");
  }

  @Test
  void absurdDeclaredDimsAreRefusedBeforeAllocating() throws Exception {
    // 2^40 floats would be 4 TiB: refused from the dims alone, raw_data is tiny.
    TensorProto huge = Protos.raw("w", 1, new long[] {1L << 40}, new byte[4]);
    refused(write("model.onnx", identityModel(huge).toByteArray()), "'w'", "1099511627776", "refused before allocating");
    // Each dim is small, the product overflows int.
    TensorProto wide = Protos.raw("w", 1, new long[] {1 << 20, 1 << 20}, new byte[4]);
    refused(write("model2.onnx", identityModel(wide).toByteArray()), "'w'", "more elements than the limit");
    // Same through a typed field and inside a Constant attribute.
    TensorProto typed = TensorProto.newBuilder().setDataType(7).addDims(1L << 40).addInt64Data(1).build();
    GraphProto g = GraphProto.newBuilder()
        .addNode(Protos.node("c", "Constant", List.of(), List.of("y"), Protos.attrTensor("value", typed)))
        .addOutput(Protos.tensorInfo("y", 7)).build();
    refused(write("model3.onnx", Protos.model(g, 13).toByteArray()), "node 'c' (Constant) attribute 'value'");
  }

  @Test
  void negativeDimsAreRefused() throws Exception {
    TensorProto neg = Protos.raw("w", 1, new long[] {-1, 3}, new byte[12]);
    refused(write("model.onnx", identityModel(neg).toByteArray()), "'w'", "negative dimension", "[-1,3]");
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .setInput(0, Protos.tensorInfo("x", 1, -2, 4))).build();
    refused(write("model2.onnx", m.toByteArray()), "input 'x'", "-2");
  }

  private static TensorProto external(String location) {
    return TensorProto.newBuilder().setName("w").setDataType(1).addDims(2)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(entry("location", location)).build();
  }

  @Test
  void externalDataOutsideTheModelFolderIsRefused() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Files.write(dir.resolve("secret.bin"), new byte[8]);
    Files.write(models.resolve("ok.bin"), new byte[8]);

    Path dotdot = models.resolve("dotdot.onnx");
    Files.write(dotdot, identityModel(external("../secret.bin")).toByteArray());
    refused(dotdot, "'w'", "'../secret.bin'", "'..'");

    Path hidden = models.resolve("hidden.onnx");
    Files.write(hidden, identityModel(external("sub/../../secret.bin")).toByteArray());
    refused(hidden, "'w'", "'..'");

    Path abs = models.resolve("abs.onnx");
    Files.write(abs, identityModel(external(dir.resolve("secret.bin").toString())).toByteArray());
    refused(abs, "'w'", "absolute path");

    Path link = models.resolve("link.bin");
    try {
      Files.createSymbolicLink(link, dir.resolve("secret.bin"));
    } catch (UnsupportedOperationException | java.io.IOException e) {
      Assumptions.abort("symbolic links not supported here: " + e);
    }
    Path viaLink = models.resolve("link.onnx");
    Files.write(viaLink, identityModel(external("link.bin")).toByteArray());
    refused(viaLink, "'w'", "'link.bin'", "outside the model's folder");

    // A link that stays inside the folder is fine.
    Files.createSymbolicLink(models.resolve("inside.bin"), models.resolve("ok.bin"));
    Path inside = models.resolve("inside.onnx");
    Files.write(inside, identityModel(external("inside.bin")).toByteArray());
    OnnxReader.read(inside);
  }

  @Test
  void externalDataRangeIsCheckedAgainstTheFile() throws Exception {
    Files.write(dir.resolve("w.bin"), new byte[8]);
    TensorProto past = external("w.bin").toBuilder().addExternalData(entry("offset", "4"))
        .addExternalData(entry("length", "8")).build();
    Path m = write("model.onnx", identityModel(past).toByteArray());
    refused(m, "'w'", "beyond the end", "8 bytes");
    TensorProto shortData = external("w.bin").toBuilder().setDims(0, 3).build();
    Path m2 = write("model2.onnx", identityModel(shortData).toByteArray());
    refused(m2, "'w'", "[3]", "holds 8 bytes");
    Path m3 = write("model3.onnx", identityModel(external("missing.bin")).toByteArray());
    refused(m3, "'w'", "does not exist");
    TensorProto badOffset = external("w.bin").toBuilder().addExternalData(entry("offset", "-4")).build();
    Path m4 = write("model4.onnx", identityModel(badOffset).toByteArray());
    refused(m4, "'w'", "offset");
  }

  @Test
  void externalDataIsRefusedWhenReadingFromMemory() {
    byte[] bytes = identityModel(external("w.bin")).toByteArray();
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxReader.read(bytes, "mem.onnx", null));
    assertTrue(e.getMessage().contains("mem.onnx") && e.getMessage().contains("'w'"), e.getMessage());
  }

  @Test
  void unsupportedElementTypesAreNamed() throws Exception {
    String[][] cases = {{"16", "BFLOAT16"}, {"8", "STRING"}, {"14", "COMPLEX64"}, {"17", "FLOAT8E4M3FN"},
        {"22", "INT4"}};
    for (String[] c : cases) {
      TensorProto t = Protos.raw("w", Integer.parseInt(c[0]), new long[] {1}, new byte[2]);
      refused(write("model.onnx", identityModel(t).toByteArray()), "initializer 'w'", c[1]);
    }
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .setInput(0, Protos.tensorInfo("x", 16, 2, 4))).build();
    refused(write("model2.onnx", m.toByteArray()), "input 'x'", "BFLOAT16");
  }

  @Test
  void sequenceInputIsRefusedByName() throws Exception {
    var seq = org.quantlens.onnx.proto.Onnx.ValueInfoProto.newBuilder().setName("s")
        .setType(org.quantlens.onnx.proto.Onnx.TypeProto.newBuilder().setSequenceType(
            org.quantlens.onnx.proto.Onnx.TypeProto.Sequence.newBuilder()
                .setElemType(Protos.tensorInfo("", 1).getType()))).build();
    GraphProto g = GraphProto.newBuilder().addInput(seq)
        .addNode(Protos.node("len", "SequenceLength", List.of("s"), List.of("n")))
        .addOutput(Protos.tensorInfo("n", 7)).build();
    refused(write("model.onnx", Protos.model(g, 13).toByteArray()), "input 's'", "sequence");
  }

  @Test
  void subgraphsNestedTooDeeplyAreRefused() throws Exception {
    GraphProto leaf = GraphProto.newBuilder().addNode(Protos.node("id", "Identity", List.of("x"), List.of("y")))
        .addOutput(Protos.tensorInfo("y", 1)).build();
    GraphProto body = leaf;
    for (int i = 0; i < OnnxReader.MAX_SUBGRAPH_DEPTH + 1; i++) {
      body = GraphProto.newBuilder()
          .addNode(Protos.node("if" + i, "If", List.of("c"), List.of("y"),
              Protos.attrGraph("then_branch", body), Protos.attrGraph("else_branch", leaf)))
          .addOutput(Protos.tensorInfo("y", 1)).build();
    }
    GraphProto main = body.toBuilder().addInput(Protos.tensorInfo("c", 9)).addInput(Protos.tensorInfo("x", 1)).build();
    refused(write("model.onnx", Protos.model(main, 16).toByteArray()), "deeper than");
  }

  @Test
  void duplicateInitializerIsNamed() throws Exception {
    ModelProto m = gemm().toBuilder().setGraph(gemm().getGraph().toBuilder()
        .addInitializer(Protos.raw("b", 1, new long[] {3}, new byte[12]))).build();
    refused(write("model.onnx", m.toByteArray()), "initializer 'b'", "twice");
  }

  @Test
  void missingFileIsAModelLoadException() {
    refused(dir.resolve("nope.onnx"), "no such model file");
  }
}
