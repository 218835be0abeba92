package org.quantlens.onnx.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.TensorProtos;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/**
 * Fuzzes the importer and the runtime with mutated ONNX backend models and our bundled example
 * model: only typed errors may come out, and none may wrap an untyped one (see {@link Fuzzer}). CI runs a bounded number of cases;
 * {@code dev/fuzz MINUTES [SEED]} runs longer ({@code -Dquantlens.fuzz.seconds},
 * {@code -Dquantlens.fuzz.seed}); {@code -Dquantlens.fuzz.case=N} writes case N's model instead.
 */
class ImporterFuzzTest {
  private static final Path DATA = Path.of(System.getProperty("quantlens.onnxTestData",
      "/usr/share/libonnx-testdata/data"));
  private static final Path EXAMPLE = Path.of("../examples/tiny-cnn/model.onnx");
  private static final int CI_CASES = 3000;

  @Test
  void mutatedModelsRaiseOnlyTypedErrors() throws IOException {
    List<Fuzzer.Seed> seeds = seeds();
    assertTrue(seeds.size() >= 1, "no seed models (the bundled example is missing?)");
    long seconds = Long.getLong("quantlens.fuzz.seconds", 0);
    long seed = Long.getLong("quantlens.fuzz.seed", 20261125);
    Long replay = Long.getLong("quantlens.fuzz.case");
    if (replay != null) { // writes one case's model to look at, e.g. with quantlens inspect
      Path out = Path.of("target", "fuzz-" + seed + "-case-" + replay + ".onnx");
      Files.write(out, Fuzzer.replay(seeds, seed, replay));
      System.out.println("fuzz: wrote " + out.toAbsolutePath());
      return;
    }
    Fuzzer.Result r = new Fuzzer(10_000).run(seeds, seed,
        seconds > 0 ? Long.MAX_VALUE : CI_CASES, seconds > 0 ? seconds * 1000 : 15 * 60_000);
    System.out.printf("fuzz: %d cases from %d seed models (fuzz seed %d): %d loaded, %d ran, "
        + "%d escapes, %d typed errors wrapping internal ones; by mutation %s%n", r.cases(),
        seeds.size(), seed, r.loaded(), r.ran(), r.escapes().size(), r.wrapped().size(), r.byKind());
    r.escapes().stream().limit(40).forEach(e -> System.out.println("  escape: " + e));
    r.wrapped().stream().limit(20).forEach(e -> System.out.println("  wrapped: " + e));
    assertEquals(List.of(), r.escapes());
    // a typed error hiding an index or arithmetic error keeps the contract but means a check is
    // missing where the op should have named the problem (see Fuzzer.WRAPPED)
    assertEquals(List.of(), r.wrapped(), "typed errors wrapping internal ones");
  }

  @Test
  void theJudgeTellsTypedErrorsFromEscapes() {
    assertNull(Fuzzer.judge(new ModelLoadException("m.onnx: bad")));
    assertNotNull(Fuzzer.judge(new IllegalStateException("boom")));
    assertNotNull(Fuzzer.judge(new OutOfMemoryError()));
    assertTrue(Fuzzer.judge(new ModelLoadException("m.onnx: wrapped", new NullPointerException()))
        .startsWith(Fuzzer.WRAPPED));
    assertNull(Fuzzer.judge(new ModelLoadException("m.onnx: io", new IOException("cut"))));
  }

  /** Seeds that load and run unmutated: a spread of backend cases plus the bundled example. */
  private static List<Fuzzer.Seed> seeds() throws IOException {
    List<Fuzzer.Seed> seeds = new ArrayList<>();
    if (Files.isRegularFile(EXAMPLE)) {
      seeds.add(new Fuzzer.Seed("examples/tiny-cnn", Files.readAllBytes(EXAMPLE), Map.of()));
    }
    for (String suite : new String[] {"node", "pytorch-converted", "pytorch-operator"}) {
      Path dir = DATA.resolve(suite);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      List<Path> cases;
      try (Stream<Path> s = Files.list(dir)) {
        cases = s.sorted().toList();
      }
      for (int i = 0; i < cases.size(); i += 4) { // every fourth case: a spread of ops, quicker
        Fuzzer.Seed seed = seed(suite + "/" + cases.get(i).getFileName(), cases.get(i));
        if (seed != null) {
          seeds.add(seed);
        }
      }
    }
    return seeds;
  }

  private static Fuzzer.Seed seed(String name, Path dir) throws IOException {
    Path model = dir.resolve("model.onnx");
    Path data = dir.resolve("test_data_set_0");
    if (!Files.isRegularFile(model) || !Files.isDirectory(data)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(model);
    try {
      ModelProto m = ModelProto.parseFrom(bytes);
      Graph g = OnnxReader.read(bytes, name, null);
      Map<String, Tensor> inputs = new HashMap<>();
      int k = 0;
      for (ValueInfoProto v : m.getGraph().getInputList()) {
        Path pb = data.resolve("input_" + k++ + ".pb");
        if (!Files.isRegularFile(pb)) {
          break;
        }
        inputs.put(v.getName(), TensorProtos.toTensor(TensorProto.parseFrom(Files.readAllBytes(pb)), name));
      }
      try (Session s = new Session(g)) {
        s.run(inputs);
      }
      return new Fuzzer.Seed(name, bytes, inputs);
    } catch (QuantLensException | IOException e) {
      return null; // unsupported op or type: not a useful seed
    }
  }
}
