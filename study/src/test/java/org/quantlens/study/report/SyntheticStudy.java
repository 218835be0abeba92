package org.quantlens.study.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Writes a study output folder by hand, in the contract's format, with numbers chosen so that
 * the findings are known in advance:
 * <ul>
 *   <li>static-int8: clean 2+2 of 200 = 2.0%, shifted 60+36 of 800 = 12.0%; fp16: clean 0 of 200,
 *       shifted 6+2 of 800 = 1.0%.
 *   <li>mnist-c/fog is the worst corruption: static-int8 at severity 5 has 30+18 of 200 = 24.0%.
 *   <li>lenet5-qat disagrees less than lenet5-standard on shifted data (38 vs 66 of 800).
 *   <li>paper protocol: margin@float best (mean AUROC 0.900); direct: entropy@float best (0.910),
 *       margin@float second of three.
 *   <li>layer conv2 has the largest SQNR gap: 25.0 dB agree vs 15.5 dB disagree.
 *   <li>retraining, clean protocol: removed 4 of 18, created 9.
 * </ul>
 */
final class SyntheticStudy {
  static final String[] MODELS = {"lenet5-standard", "lenet5-qat"};
  static final String[] VARIANTS = {"static-int8", "fp16"};
  /** set id, shift, severity. */
  static final String[][] SETS = {
    {"clean", "identity", "0"}, {"mnist-c_fog_s1", "mnist-c/fog", "1"}, {"mnist-c_fog_s5", "mnist-c/fog", "5"},
    {"mnist-c_shot_noise_s1", "mnist-c/shot_noise", "1"}, {"mnist-c_shot_noise_s5", "mnist-c/shot_noise", "5"}
  };
  /** disagreements[model][variant][set], n = 100 each. */
  static final int[][][] DISAGREEMENTS = {
    {{2, 8, 30, 6, 16}, {0, 1, 3, 0, 2}},
    {{2, 4, 18, 4, 10}, {0, 0, 1, 0, 1}}
  };
  /** The clean static-int8 cells' interval as the runner would write it (Wilson for 2/100). */
  static final String CLEAN_CI_LOW = "0.00551";
  static final String CLEAN_CI_HIGH = "0.07001";

  /** The PNG files written to samples/, by name, so tests can look for their exact bytes. */
  final Map<String, byte[]> samples = new LinkedHashMap<>();

  private SyntheticStudy() {}

  /** The full folder: results.json, results.csv, metrics.csv and three samples (one not in results.json). */
  static SyntheticStudy writeFull(Path dir) throws IOException {
    SyntheticStudy s = new SyntheticStudy();
    Files.createDirectories(dir.resolve("samples"));
    s.samples.put("lenet5-standard_static-int8_mnist-c_fog_s5_3.png", png(3));
    s.samples.put("lenet5-qat_static-int8_clean_17.png", png(17));
    s.samples.put("lenet5-standard_fp16_mnist-c_fog_s5_40.png", png(40));
    for (var e : s.samples.entrySet()) {
      Files.write(dir.resolve("samples").resolve(e.getKey()), e.getValue());
    }
    Files.writeString(dir.resolve("results.csv"), resultsCsv());
    Files.writeString(dir.resolve("metrics.csv"), metricsCsv());
    Files.writeString(dir.resolve("results.json"), resultsJson(), StandardCharsets.UTF_8);
    return s;
  }

  /** Only results.csv, clean and shifted, no results.json. */
  static void writeCsvOnly(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.csv"), resultsCsv());
  }

  private static String ci(int k) {
    return k == 2 ? CLEAN_CI_LOW + "," + CLEAN_CI_HIGH : "0.0000,1.0000";
  }

  static String resultsCsv() {
    StringBuilder b = new StringBuilder("model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,"
        + "disagreement_rate,rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong\n");
    for (List<String> row : cellRows()) {
      b.append(String.join(",", row)).append('\n');
    }
    return b.toString();
  }

  /** One list of CSV fields per cell; kinds: all but one disagreement are float right -> quant wrong. */
  private static List<List<String>> cellRows() {
    List<List<String>> rows = new ArrayList<>();
    for (int m = 0; m < MODELS.length; m++) {
      for (int v = 0; v < VARIANTS.length; v++) {
        for (int s = 0; s < SETS.length; s++) {
          int k = DISAGREEMENTS[m][v][s];
          int wrongToRight = k > 0 ? 1 : 0;
          rows.add(List.of(MODELS[m], VARIANTS[v], SETS[s][0], SETS[s][1], SETS[s][2], "100", "0.9",
              String.format(Locale.ROOT, "%.2f", 0.9 - (k - 2 * wrongToRight) / 100.0), Integer.toString(k),
              String.format(Locale.ROOT, "%.2f", k / 100.0), ci(k).split(",")[0], ci(k).split(",")[1],
              Integer.toString(k - wrongToRight), Integer.toString(wrongToRight), "0"));
        }
      }
    }
    return rows;
  }

  static String metricsCsv() {
    return String.join("\n",
        "model,variant,set,metric,protocol,auroc,aupr,tnr_at_95tpr",
        "lenet5-standard,static-int8,clean,margin@float,paper,0.910,0.5,0.4",
        "lenet5-standard,static-int8,mnist-c_fog_s5,margin@float,paper,0.890,0.5,0.4",
        "lenet5-standard,static-int8,clean,entropy@float,paper,0.850,0.5,0.4",
        "lenet5-standard,static-int8,mnist-c_fog_s5,entropy@float,paper,0.830,0.5,0.4",
        "lenet5-standard,static-int8,clean,kl,paper,0.700,0.5,0.4",
        "lenet5-standard,static-int8,mnist-c_fog_s5,kl,paper,0.720,0.5,0.4",
        "lenet5-standard,static-int8,clean,margin@float,direct,0.880,0.61,0.37",
        "lenet5-standard,static-int8,mnist-c_fog_s5,margin@float,direct,0.860,0.63,0.33",
        "lenet5-standard,static-int8,clean,entropy@float,direct,0.905,0.7,0.5",
        "lenet5-standard,static-int8,mnist-c_fog_s5,entropy@float,direct,0.915,0.7,0.5",
        "lenet5-standard,static-int8,clean,kl,direct,NaN,NaN,NaN",
        "lenet5-standard,static-int8,mnist-c_fog_s5,kl,direct,0.650,0.3,0.2") + "\n";
  }

  static String resultsJson() {
    StringBuilder b = new StringBuilder();
    b.append("{\"study\": \"synthetic\", \"seed\": 7, \"dataset\": \"fashion-mnist-mini\",\n");
    b.append(" \"class_names\": [\"T-shirt/top\", \"Trouser\", \"Pullover\", \"Dress\", \"Coat\", \"Sandal\","
        + " \"Shirt\", \"Sneaker\", \"Bag\", \"Ankle boot\"],\n");
    b.append(" \"created\": \"2026-11-25T21:00:00Z\", \"elapsed_seconds\": 123.4,\n");
    b.append(" \"models\": [{\"name\": \"lenet5-standard\", \"arch\": \"lenet5\", \"recipe\": \"standard\", \"source\": \"trained\"},"
        + " {\"name\": \"lenet5-qat\", \"arch\": \"lenet5\", \"recipe\": \"qat\", \"source\": \"trained\"}],\n");
    b.append(" \"variants\": [\"static-int8\", \"fp16\"],\n \"sets\": [");
    for (int s = 0; s < SETS.length; s++) {
      b.append(s == 0 ? "" : ", ").append("{\"id\": \"").append(SETS[s][0]).append("\", \"shift\": \"").append(SETS[s][1])
          .append("\", \"severity\": ").append(SETS[s][2]).append(", \"n\": 100}");
    }
    b.append("],\n \"cells\": [\n");
    String[] cols = {"model", "variant", "set", "shift", "severity", "n", "acc_float", "acc_quant", "disagreements",
      "disagreement_rate", "rate_ci_low", "rate_ci_high", "float_right_quant_wrong", "float_wrong_quant_right", "both_wrong"};
    List<List<String>> rows = cellRows();
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      b.append(r == 0 ? "  {" : ",\n  {");
      for (int c = 0; c < cols.length; c++) {
        boolean text = c < 4;
        b.append(c == 0 ? "" : ", ").append('"').append(cols[c]).append("\": ")
            .append(text ? "\"" + row.get(c) + "\"" : row.get(c));
      }
      if (row.get(1).equals("static-int8")) {
        // top1-top2 margins: agreements sit high, disagreements low; counts add up to n = 100
        int k = Integer.parseInt(row.get(8));
        b.append(", \"margin_hist\": {\"edges\": [0, 0.25, 0.5, 0.75, 1], \"agree\": [1, 4, 10, ")
            .append(100 - k - 15).append("], \"disagree\": [").append(k - k / 4).append(", ").append(k / 4)
            .append(", 0, 0]}");
      }
      b.append('}');
    }
    b.append("\n ],\n \"metrics\": [\n");
    String[] lines = metricsCsv().split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(",");
      b.append(i == 1 ? "  " : ",\n  ").append(String.format(Locale.ROOT,
          "{\"model\": \"%s\", \"variant\": \"%s\", \"set\": \"%s\", \"metric\": \"%s\", \"protocol\": \"%s\", "
              + "\"auroc\": \"%s\", \"aupr\": \"%s\", \"tnr_at_95tpr\": \"%s\"}",
          (Object[]) f));
    }
    b.append("\n ],\n \"layers\": [\n");
    b.append(layer("conv1", "Conv", 30.0, 28.0)).append(",\n").append(layer("conv2", "Conv", 25.0, 15.5))
        .append(",\n").append(layer("fc", "Gemm", 20.0, 19.0));
    b.append("\n ],\n \"retraining\": [\n");
    b.append("  {\"model\": \"lenet5-standard\", \"variant\": \"static-int8\", \"protocol\": \"paper\", \"before\": 20,"
        + " \"removed\": 5, \"remaining\": 15, \"created\": 7, \"acc_before\": 0.9, \"acc_after\": 0.905},\n");
    b.append("  {\"model\": \"lenet5-standard\", \"variant\": \"static-int8\", \"protocol\": \"clean\", \"before\": 18,"
        + " \"removed\": 4, \"remaining\": 14, \"created\": 9, \"acc_before\": 0.9, \"acc_after\": 0.897}\n ],\n");
    b.append(" \"samples\": [\n");
    b.append("  {\"file\": \"samples/lenet5-standard_static-int8_mnist-c_fog_s5_3.png\", \"model\": \"lenet5-standard\","
        + " \"variant\": \"static-int8\", \"set\": \"mnist-c_fog_s5\", \"index\": 3, \"label\": 6,"
        + " \"float_top3\": [[6, 0.51], [0, 0.40], [2, 0.05]], \"quant_top3\": [[0, 0.48], [6, 0.45], [2, 0.04]]},\n");
    b.append("  {\"file\": \"samples/lenet5-qat_static-int8_clean_17.png\", \"model\": \"lenet5-qat\","
        + " \"variant\": \"static-int8\", \"set\": \"clean\", \"index\": 17, \"label\": 4,"
        + " \"float_top3\": [[2, 0.47], [4, 0.44], [6, 0.06]], \"quant_top3\": [[4, 0.49], [2, 0.42], [6, 0.05]]}\n ],\n");
    b.append(" \"int8_nodes\": [\n");
    String[][] nodes = {{"conv1", "Conv", "true", ""}, {"conv2", "Conv", "true", ""}, {"fc", "Gemm", "true", ""},
      {"prob", "Softmax", "false", "no int8 kernel for Softmax"}};
    for (int i = 0; i < nodes.length; i++) {
      b.append(i == 0 ? "  " : ",\n  ").append("{\"model\": \"lenet5-standard\", \"variant\": \"static-int8\", \"node\": \"")
          .append(nodes[i][0]).append("\", \"op\": \"").append(nodes[i][1]).append("\", \"int8\": ").append(nodes[i][2])
          .append(", \"why\": \"").append(nodes[i][3]).append("\"}");
    }
    b.append("\n ]\n}\n");
    return b.toString();
  }

  private static String layer(String tensor, String op, double agree, double disagree) {
    return String.format(Locale.ROOT, "  {\"model\": \"lenet5-standard\", \"variant\": \"static-int8\", \"set\": \"clean\","
        + " \"tensor\": \"%s\", \"op\": \"%s\", \"sqnr_db_agree\": %.1f, \"sqnr_db_disagree\": %.1f,"
        + " \"cosine_agree\": 0.9990, \"cosine_disagree\": 0.9950, \"max_abs_agree\": 0.0100, \"max_abs_disagree\": 0.0400}",
        tensor, op, agree, disagree);
  }

  /** A 28x28 grayscale PNG upscaled x4, different for each seed. */
  static byte[] png(int seed) throws IOException {
    BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 112; y++) {
      for (int x = 0; x < 112; x++) {
        int v = ((x / 4) * (seed + 3) + (y / 4) * 7) % 256;
        img.getRaster().setSample(x, y, 0, (x / 4 - 14) * (x / 4 - 14) + (y / 4 - 14) * (y / 4 - 14) < 80 ? v : 0);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
