package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.Npy;
import org.quantlens.study.zoo.GraphBuilder;

/**
 * Bad study configs fail before any work with a {@link StudyConfigException} naming the field and
 * the valid choices; good ones parse to what they say.
 */
class StudyConfigTest {
  @TempDir
  Path tmp;

  private static StudyConfigException bad(String json, Path base) {
    return assertThrows(StudyConfigException.class, () -> StudyConfigParser.parse(json, base));
  }

  private static String with(String field, String value) {
    String good = SmallStudy.json(1);
    return good.replaceFirst("\"" + field + "\": (\\[[^\\]]*\\]|\\{[^}]*\\}|\"[^\"]*\"|[0-9.]+)",
        "\"" + field + "\": " + value);
  }

  @Test
  void theSmallConfigParsesToWhatItSays() {
    StudyConfig c = SmallStudy.config(7);
    assertEquals("fashion-mnist-mini", c.dataset());
    assertEquals(7, c.seed());
    assertEquals(List.of("static-int8", "fake-3"), c.variants().stream().map(StudyConfig.VariantSpec::name).toList());
    assertEquals(20, c.variants().get(0).calibrationSize());
    assertEquals(List.of("mnist-c/fog", "mnist-c/rotate"), c.corruptions());
    assertEquals(List.of(4), c.severities());
    assertEquals(List.of("margin", "entropy", "kl"), c.metrics());
    assertEquals(List.of("fake-3"), c.retraining().variants());
  }

  @Test
  void aSuiteNameExpandsToItsFifteenCorruptions() {
    StudyConfig c = StudyConfigParser.parse(with("corruptions", "[\"mnist-c\"]"), tmp);
    assertEquals(15, c.corruptions().size());
  }

  @Test
  void anUnknownVariantNamesTheFieldAndTheValidVariants() {
    StudyConfigException e = bad(with("variants", "[\"static-int8\", \"int4\"]"), tmp);
    assertEquals("variants[1]", e.field());
    assertTrue(e.getMessage().contains("'int4'") && e.getMessage().contains("dynamic-int8")
        && e.getMessage().contains("fake-N"), e.getMessage());
  }

  @Test
  void aVariantListedTwiceForRetrainingIsRefused() {
    String json = SmallStudy.json(1).replace("\"retraining\": {\"variants\": [\"fake-3\"]",
        "\"retraining\": {\"variants\": [\"fake-3\", \"fake-3\"]");
    StudyConfigException e = bad(json, tmp);
    assertEquals("retraining.variants[1]", e.field());
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
  }

  @Test
  void anUnknownShiftNamesTheFieldAndTheValidShifts() {
    StudyConfigException e = bad(with("corruptions", "[\"mnist-c/fog\", \"mnist-c/fogg\"]"), tmp);
    assertEquals("shifts.corruptions[1]", e.field());
    assertTrue(e.getMessage().contains("mnist-c/zigzag") && e.getMessage().contains("mnist-c"), e.getMessage());
  }

  @Test
  void aSeverityOutsideOneToFiveIsRefused() {
    assertEquals("shifts.severities[0]", bad(with("severities", "[6]"), tmp).field());
  }

  @Test
  void anUnknownMetricNamesTheFieldAndTheValidMetrics() {
    StudyConfigException e = bad(with("metrics", "[\"margin\", \"confidence\"]"), tmp);
    assertEquals("metrics[1]", e.field());
    assertTrue(e.getMessage().contains("least_confidence") && e.getMessage().contains("js"), e.getMessage());
  }

  @Test
  void aMissingModelFileNamesTheFieldAndThePath() {
    StudyConfigException e = bad(with("models", "[{\"file\": \"nowhere.onnx\"}]"), tmp);
    assertEquals("models[0].file", e.field());
    assertTrue(e.getMessage().contains("nowhere.onnx"), e.getMessage());
  }

  @Test
  void anUnknownArchitectureOrRecipeListsTheValidOnes() {
    StudyConfigException e = bad(with("models", "[{\"arch\": \"lenet9\"}]"), tmp);
    assertEquals("models[0].arch", e.field());
    assertTrue(e.getMessage().contains("lenet5"), e.getMessage());
    e = bad(with("models", "[{\"arch\": \"lenet5\", \"recipe\": \"magic\"}]"), tmp);
    assertEquals("models[0].recipe", e.field());
    assertTrue(e.getMessage().contains("standard"), e.getMessage());
  }

  @Test
  void aRecipeOptionTheRecipeDoesNotTakeIsRefusedWithItsOptions() {
    StudyConfigException e = bad(with("models",
        "[{\"arch\": \"lenet5\", \"recipe\": \"mixup\", \"recipe_options\": {\"eps\": 0.3}}]"), tmp);
    assertEquals("models[0].recipe_options", e.field());
    assertTrue(e.getMessage().contains("alpha"), e.getMessage());
  }

  @Test
  void aMisspelledFieldIsRefusedWithTheValidFields() {
    StudyConfigException e = bad(SmallStudy.json(1).replace("\"seed\"", "\"sed\""), tmp);
    assertEquals("sed", e.field());
    assertTrue(e.getMessage().contains("seed") && e.getMessage().contains("variants"), e.getMessage());
  }

  @Test
  void anUnknownDatasetOrCalibrationMethodListsTheValidOnes() {
    StudyConfigException e = bad(with("dataset", "\"mnist-huge\""), tmp);
    assertEquals("dataset", e.field());
    assertTrue(e.getMessage().contains("fashion-mnist-mini"), e.getMessage());
    e = bad(with("variants", "[{\"name\": \"static-int8\", \"calibration\": \"best\"}]"), tmp);
    assertEquals("variants[0].calibration", e.field());
    assertTrue(e.getMessage().contains("percentile"), e.getMessage());
  }

  @Test
  void aModelWhoseOutputIsNotAClassScoreVectorFailsBeforeAnyWork() throws IOException {
    Graph five = new GraphBuilder("five", 1).input("input", 1, 28, 28).flatten().dense(5).build("scores");
    Path model = tmp.resolve("five.onnx");
    OnnxWriter.write(five, model);
    StudyConfig c = StudyConfigParser.parse(with("models", "[{\"file\": \"five.onnx\"}]"), tmp);
    Path out = tmp.resolve("out");
    StudyConfigException e = assertThrows(StudyConfigException.class,
        () -> StudyRunner.run(c, new StudyRunner.Options().out(out)));
    assertEquals("models[0]", e.field());
    assertTrue(e.getMessage().contains("class-score vector") && e.getMessage().contains("[1, 5]")
        && e.getMessage().contains("10 classes"), e.getMessage());
    assertTrue(Files.notExists(out), "nothing is written before the config is checked");
  }

  @Test
  void aModelWhoseInputDoesNotFitTheDataFailsBeforeAnyWork() throws IOException {
    Graph big = new GraphBuilder("big", 1).input("pixels", 1, 32, 32).flatten().dense(10).build("logits");
    OnnxWriter.write(big, tmp.resolve("big.onnx"));
    StudyConfig c = StudyConfigParser.parse(with("models", "[{\"file\": \"big.onnx\"}]"), tmp);
    StudyConfigException e = assertThrows(StudyConfigException.class,
        () -> StudyRunner.run(c, new StudyRunner.Options().out(tmp.resolve("out"))));
    assertEquals("models[0]", e.field());
    assertTrue(e.getMessage().contains("'pixels'") && e.getMessage().contains("32")
        && e.getMessage().contains("[N,1,28,28]"), e.getMessage());
  }

  @Test
  void aNaturalSetOfAnotherImageSizeIsRefused() throws IOException {
    Npy.write(tmp.resolve("x.npy"), Tensor.zeros(DType.U8, 3, 16, 16));
    Npy.write(tmp.resolve("y.npy"), Tensor.of(new long[] {0, 1, 2}, 3));
    String json = SmallStudy.json(1).replace("\"metrics\"",
        "\"natural\": [{\"name\": \"tiny\", \"images\": \"x.npy\", \"labels\": \"y.npy\"}],\n  \"metrics\"");
    StudyConfig c = StudyConfigParser.parse(json, tmp);
    StudyConfigException e = assertThrows(StudyConfigException.class,
        () -> StudyRunner.run(c, new StudyRunner.Options().out(tmp.resolve("out"))));
    assertEquals("natural[0].images", e.field());
    assertTrue(e.getMessage().contains("[N,16,16,1]"), e.getMessage());
  }
}
