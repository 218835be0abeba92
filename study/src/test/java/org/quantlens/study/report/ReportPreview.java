package org.quantlens.study.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Writes a report to look at: {@code ReportPreview DIR} from the small hand-built study,
 * {@code ReportPreview DIR paper} from a paper-sized made-up grid (8 models, 5 variants,
 * 15 corruptions at 3 severities) to see how the page holds up at scale.
 */
final class ReportPreview {
  private ReportPreview() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/report-preview");
    if (args.length > 1 && args[1].equals("paper")) {
      writePaperSized(dir);
    } else {
      SyntheticStudy.writeFull(dir);
    }
    long t = System.nanoTime();
    StudyReport.write(dir).forEach(System.out::println);
    System.out.printf("report written in %.1f s%n", (System.nanoTime() - t) / 1e9);
  }

  private static void writePaperSized(Path dir) throws Exception {
    Random rnd = new Random(1);
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("study", "paper-grid-preview").put("seed", 1).put("dataset", "fashion-mnist")
        .put("created", "2026-11-25T20:00:00Z").put("elapsed_seconds", 4321.0);
    ArrayNode names = root.putArray("class_names");
    List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
        .forEach(names::add);
    List<String> archs = List.of("lenet1", "lenet5");
    List<String> recipes = List.of("standard", "adversarial", "mixup", "qat");
    List<String> variants = List.of("static-int8", "dynamic-int8", "weight-int8", "fp16", "fake-4");
    List<String> corruptions = List.of("shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear", "scale",
        "rotate", "brightness", "translate", "stripe", "fog", "spatter", "dotted_line", "zigzag", "canny_edges");
    ArrayNode models = root.putArray("models");
    archs.forEach(a -> recipes.forEach(r -> models.addObject().put("name", a + "-" + r).put("arch", a)
        .put("recipe", r).put("source", "trained")));
    ArrayNode vs = root.putArray("variants");
    variants.forEach(vs::add);
    ArrayNode sets = root.putArray("sets");
    sets.addObject().put("id", "clean").put("shift", "identity").put("severity", 0).put("n", 10000);
    for (String c : corruptions) {
      for (int s : new int[] {1, 3, 5}) {
        sets.addObject().put("id", "mnist-c_" + c + "_s" + s).put("shift", "mnist-c/" + c).put("severity", s).put("n", 10000);
      }
    }
    StringBuilder csv = new StringBuilder("model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,"
        + "disagreement_rate,rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong\n");
    ArrayNode cells = root.putArray("cells");
    ArrayNode metrics = root.putArray("metrics");
    ArrayNode layers = root.putArray("layers");
    ArrayNode samples = root.putArray("samples");
    ArrayNode nodes = root.putArray("int8_nodes");
    Files.createDirectories(dir.resolve("samples"));
    for (var m : models) {
      String model = m.get("name").asText();
      double modelScale = m.get("recipe").asText().equals("qat") ? 0.5 : 1 + rnd.nextDouble() * 0.5;
      for (int vi = 0; vi < variants.size(); vi++) {
        String v = variants.get(vi);
        double base = new double[] {0.012, 0.008, 0.004, 0.0005, 0.05}[vi] * modelScale;
        for (var s : sets) {
          int sev = s.get("severity").asInt();
          double p = base * (1 + sev * (0.5 + rnd.nextDouble()));
          int n = 10000;
          int k = (int) Math.round(p * n * (0.8 + 0.4 * rnd.nextDouble()));
          Rate r = new Rate(k, n);
          int fw = k / 5;
          int bw = k / 10;
          ObjectNode c = cells.addObject().put("model", model).put("variant", v).put("set", s.get("id").asText())
              .put("shift", s.get("shift").asText()).put("severity", sev).put("n", n).put("acc_float", 0.9 - 0.05 * sev)
              .put("acc_quant", 0.9 - 0.05 * sev - p / 2).put("disagreements", k).put("disagreement_rate", r.value())
              .put("rate_ci_low", r.low()).put("rate_ci_high", r.high()).put("float_right_quant_wrong", k - fw - bw)
              .put("float_wrong_quant_right", fw).put("both_wrong", bw);
          ObjectNode h = c.putObject("margin_hist");
          ArrayNode edges = h.putArray("edges");
          ArrayNode agree = h.putArray("agree");
          ArrayNode disagree = h.putArray("disagree");
          for (int b = 0; b <= 20; b++) {
            edges.add(b / 20.0);
          }
          for (int b = 0; b < 20; b++) {
            agree.add((long) ((n - k) * (b + 1) * (b + 1) / 2870.0));
            disagree.add((long) (k * Math.exp(-b / 2.0) / 2.2));
          }
          csv.append(String.join(",", model, v, s.get("id").asText(), s.get("shift").asText(), Integer.toString(sev),
              "10000", "0.9", "0.9", Integer.toString(k), Double.toString(r.value()), Double.toString(r.low()),
              Double.toString(r.high()), Integer.toString(k - fw - bw), Integer.toString(fw), Integer.toString(bw))).append('\n');
          for (String metric : List.of("margin@float", "margin@quant", "gini@float", "entropy@float",
              "least_confidence@float", "confidence_ratio@float", "kl", "js")) {
            for (String protocol : List.of("paper", "direct")) {
              double auc = metric.startsWith("margin") ? 0.9 : metric.equals("kl") ? 0.7 : 0.85;
              metrics.addObject().put("model", model).put("variant", v).put("set", s.get("id").asText())
                  .put("metric", metric).put("protocol", protocol).put("auroc", auc + rnd.nextGaussian() * 0.03)
                  .put("aupr", 0.3 + rnd.nextDouble() * 0.2).put("tnr_at_95tpr", 0.4 + rnd.nextDouble() * 0.2);
            }
          }
          if (sev == 5 && samples.size() < 300 && rnd.nextInt(4) == 0) {
            String file = "samples/" + model + "_" + v + "_" + s.get("id").asText() + "_" + k + ".png";
            Files.write(dir.resolve(file), SyntheticStudy.png(k));
            ObjectNode sm = samples.addObject().put("file", file).put("model", model).put("variant", v)
                .put("set", s.get("id").asText()).put("index", k).put("label", k % 10);
            sm.putArray("float_top3").addArray().add(k % 10).add(0.5);
            sm.withArray("float_top3").addArray().add((k + 1) % 10).add(0.4);
            sm.withArray("float_top3").addArray().add((k + 2) % 10).add(0.05);
            sm.putArray("quant_top3").addArray().add((k + 1) % 10).add(0.48);
            sm.withArray("quant_top3").addArray().add(k % 10).add(0.44);
            sm.withArray("quant_top3").addArray().add((k + 2) % 10).add(0.05);
          }
        }
        for (String t : List.of("conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3")) {
          double a = 35 - 2 * t.length() + rnd.nextDouble() * 3;
          layers.addObject().put("model", model).put("variant", v).put("set", "clean").put("tensor", t)
              .put("op", t.startsWith("conv") ? "Conv" : t.startsWith("pool") ? "MaxPool" : "Gemm")
              .put("sqnr_db_agree", a).put("sqnr_db_disagree", a - rnd.nextDouble() * 6)
              .put("cosine_agree", 0.999).put("cosine_disagree", 0.99).put("max_abs_agree", 0.01).put("max_abs_disagree", 0.05);
          nodes.addObject().put("model", model).put("variant", v).put("node", t).put("op", "Conv")
              .put("int8", !t.equals("pool2")).put("why", t.equals("pool2") ? "no int8 kernel for MaxPool" : "");
        }
      }
      for (String protocol : List.of("paper", "clean")) {
        root.withArray("retraining").addObject().put("model", model).put("variant", "static-int8")
            .put("protocol", protocol).put("before", 120).put("removed", 30 + rnd.nextInt(20)).put("remaining", 80)
            .put("created", 20 + rnd.nextInt(30)).put("acc_before", 0.9).put("acc_after", 0.9 + rnd.nextGaussian() * 0.01);
      }
    }
    Files.createDirectories(dir);
    json.writeValue(dir.resolve("results.json").toFile(), root);
    Files.writeString(dir.resolve("results.csv"), csv);
  }
}
