package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The documented example configs in {@code examples/studies/} parse, and the paper grid is the paper's. */
class ExampleConfigsTest {
  private static final Path DIR = Path.of("..", "examples", "studies");

  @Test
  void everyExampleConfigParses() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty());
    for (Path f : files) {
      StudyConfig c = StudyConfigParser.read(f);
      assertTrue(c.output() != null, f + " names its output folder");
    }
  }

  @Test
  void thePaperGridHasTheModelsRecipesVariantsAndCorruptionsOfThePaper() {
    StudyConfig c = StudyConfigParser.read(DIR.resolve("paper-mnist-grid.json"));
    assertEquals("fashion-mnist", c.dataset());
    for (String arch : List.of("lenet1", "lenet5")) {
      for (String recipe : List.of("standard", "adversarial", "mixup", "qat")) {
        assertTrue(c.models().stream().anyMatch(m -> arch.equals(m.arch()) && recipe.equals(m.recipe())),
            arch + " " + recipe);
      }
    }
    assertEquals(List.of("static-int8", "dynamic-int8", "weight-int8", "fp16"),
        c.variants().stream().map(StudyConfig.VariantSpec::name).toList());
    assertEquals(15, c.corruptions().size());
    assertTrue(c.corruptions().stream().allMatch(s -> s.startsWith("mnist-c/")));
  }
}
