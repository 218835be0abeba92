package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Variants;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.zoo.LeNet;

/** {@code quantlens train}: a short run of each output kind, and every bad input as a clear error. */
class TrainCommandTest {
  @TempDir Path dir;

  private String[] outErr(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void mixupRunWritesAFloatModelThatReadsBack() {
    Path out = dir.resolve("m.onnx");
    String[] r = outErr("train", "--arch", "lenet5", "--dataset", "fashion-mnist-mini", "--recipe",
        "mixup", "--alpha", "0.4", "--epochs", "1", "--limit", "256", "--batch", "64", "--out",
        out.toString());
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("epoch 1") && r[1].contains("test accuracy"), r[1]);
    Graph g = OnnxReader.read(out);
    assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("Conv")));
    assertFalse(g.nodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear")));
  }

  @Test
  void qatFineTuningOfAnImportedModelWritesAQdqModelTheQatVariantFolds() throws Exception {
    Path model = dir.resolve("float.onnx");
    OnnxWriter.write(LeNet.lenet5(1, 28, 28, 10, 3), model);
    Path out = dir.resolve("q.onnx");
    String[] r = outErr("train", "--model", model.toString(), "--dataset", "fashion-mnist-mini",
        "--recipe", "qat", "--qat-epochs", "1", "--limit", "256", "--batch", "64", "--out",
        out.toString());
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("static-int8"), r[1]);
    Graph g = OnnxReader.read(out);
    assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear")));
    Variants.Built b = Variants.buildVariant(g, "qat-int8", null, null);
    assertTrue(b.report().entry(g.nodes().stream().filter(n -> n.opType().equals("Conv"))
        .findFirst().get().name()).int8(), b.report().toString());
  }

  @Test
  void unknownRecipeAndArchitectureAreUsageErrors() {
    String[] r = outErr("train", "--arch", "lenet5", "--dataset", "fashion-mnist-mini", "--recipe",
        "magic", "--out", dir.resolve("x.onnx").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("unknown recipe 'magic'") && r[2].contains("adversarial"), r[2]);
    r = outErr("train", "--arch", "vgg", "--dataset", "fashion-mnist-mini", "--recipe", "standard",
        "--out", dir.resolve("x.onnx").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("unknown architecture 'vgg'"), r[2]);
    r = outErr("train", "--arch", "lenet5", "--dataset", "fashion-mnist-mini", "--recipe", "standard",
        "--alpha", "0.2", "--out", dir.resolve("x.onnx").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("takes no option --alpha"), r[2]);
  }

  @Test
  void labelsBeyondTheModelsClassesFailBeforeTrainingAndWriteNothing() throws Exception {
    Path model = dir.resolve("five.onnx");
    OnnxWriter.write(LeNet.lenet5(1, 28, 28, 5, 1), model);
    Path out = dir.resolve("o.onnx");
    String[] r = outErr("train", "--model", model.toString(), "--dataset", "fashion-mnist-mini",
        "--recipe", "standard", "--out", out.toString());
    assertEquals("1", r[0]);
    assertTrue(r[2].contains("labels range over [0, 9]") && r[2].contains("5 classes"), r[2]);
    assertFalse(r[1].contains("epoch"), "no training started: " + r[1]);
    assertFalse(Files.exists(out));
  }

  @Test
  void inputShapeThatDoesNotFitTheDataFailsBeforeTraining() throws Exception {
    Path model = dir.resolve("wide.onnx");
    OnnxWriter.write(LeNet.lenet5(1, 32, 32, 10, 1), model);
    String[] r = outErr("train", "--model", model.toString(), "--dataset", "fashion-mnist-mini",
        "--recipe", "adversarial", "--out", dir.resolve("o.onnx").toString());
    assertEquals("1", r[0]);
    assertTrue(r[2].contains("[1, 28, 28]") && r[2].contains("32"), r[2]);
  }

  @Test
  void aLearningRateThatMakesTheLossNanStopsAndSaysSo() {
    Path out = dir.resolve("nan.onnx");
    String[] r = outErr("train", "--arch", "lenet5", "--dataset", "fashion-mnist-mini", "--recipe",
        "standard", "--lr", "1e30", "--epochs", "1", "--limit", "512", "--out", out.toString());
    assertEquals("1", r[0], r[1] + r[2]);
    assertTrue(r[2].contains("training stopped") && r[2].contains("no checkpoint was written")
        && r[2].contains("--lr"), r[2]);
    assertFalse(Files.exists(out), "a diverged run writes no model");
  }
}
