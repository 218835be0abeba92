package org.quantlens.study.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small study config for tests: LeNet-5 trained one epoch on 200 images, 50 test images, 2 shifts. */
final class SmallStudy {
  private SmallStudy() {}

  static String json(long seed) {
    return "{\n"
        + "  \"name\": \"small\", \"dataset\": \"fashion-mnist-mini\", \"test_size\": 50, \"train_size\": 200,\n"
        + "  \"seed\": " + seed + ", \"batch_size\": 16,\n"
        + "  \"models\": [{\"name\": \"lenet5-tiny\", \"arch\": \"lenet5\", \"recipe\": \"standard\", \"epochs\": 1,"
        + " \"batch_size\": 32, \"learning_rate\": 0.003}],\n"
        + "  \"variants\": [{\"name\": \"static-int8\", \"calibration_size\": 20}, \"fake-3\"],\n"
        + "  \"shifts\": {\"corruptions\": [\"mnist-c/fog\", \"mnist-c/rotate\"], \"severities\": [4]},\n"
        + "  \"metrics\": [\"margin\", \"entropy\", \"kl\"],\n"
        + "  \"samples_per_cell\": 1, \"layer_samples\": 4,\n"
        + "  \"retraining\": {\"variants\": [\"fake-3\"], \"epochs\": 1}\n"
        + "}\n";
  }

  static StudyConfig config(long seed) {
    return StudyConfigParser.parse(json(seed), Path.of("."));
  }

  static Path write(Path dir, String text) throws IOException {
    Path f = dir.resolve("study-" + Integer.toHexString(text.hashCode()) + ".json");
    Files.writeString(f, text);
    return f;
  }
}
