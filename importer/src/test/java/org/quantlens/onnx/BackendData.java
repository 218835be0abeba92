package org.quantlens.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where the ONNX backend test data (Debian package libonnx-testdata) lives. */
final class BackendData {
  static final String[] SUITES = {"node", "pytorch-converted", "pytorch-operator"};

  private BackendData() {}

  static Path root() {
    return Path.of(System.getProperty("quantlens.onnxTestData", "/usr/share/libonnx-testdata/data"));
  }

  /** Every model.onnx of the three suites, or an empty list when the data is not installed. */
  static List<Path> models() {
    List<Path> r = new ArrayList<>();
    for (String s : SUITES) {
      Path suite = root().resolve(s);
      if (!Files.isDirectory(suite)) {
        continue;
      }
      try (Stream<Path> cases = Files.list(suite)) {
        cases.sorted().map(c -> c.resolve("model.onnx")).filter(Files::isRegularFile).forEach(r::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return r;
  }
}
