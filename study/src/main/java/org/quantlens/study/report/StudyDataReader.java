package org.quantlens.study.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.quantlens.study.data.Csv;
import org.quantlens.study.data.DataLoadException;
import org.quantlens.study.report.StudyData.Cell;
import org.quantlens.study.report.StudyData.ClassProb;
import org.quantlens.study.report.StudyData.Int8Node;
import org.quantlens.study.report.StudyData.LayerRow;
import org.quantlens.study.report.StudyData.MarginHist;
import org.quantlens.study.report.StudyData.MetricRow;
import org.quantlens.study.report.StudyData.ModelInfo;
import org.quantlens.study.report.StudyData.RetrainRow;
import org.quantlens.study.report.StudyData.Sample;
import org.quantlens.study.report.StudyData.SetInfo;

/**
 * Reads a study's output folder. results.json holds everything; results.csv and metrics.csv stand
 * in for its {@code cells} and {@code metrics} when it is absent or lacks them. Every other part
 * is optional: the report says so when one is missing.
 */
final class StudyDataReader {
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private StudyDataReader() {}

  static StudyData read(Path outDir) {
    Path json = outDir.resolve("results.json");
    Path csv = outDir.resolve("results.csv");
    if (!Files.isRegularFile(json) && !Files.isRegularFile(csv)) {
      throw new DataLoadException(outDir + ": no results.json or results.csv (is this a study's output folder?)");
    }
    JsonNode root = Files.isRegularFile(json) ? parse(json) : JSON.createObjectNode();

    List<Cell> cells = list(root, "cells", StudyDataReader::cell);
    if (cells.isEmpty() && Files.isRegularFile(csv)) {
      cells = readCsv(csv, StudyDataReader::cell);
    }
    List<MetricRow> metrics = list(root, "metrics", StudyDataReader::metric);
    Path metricsCsv = outDir.resolve("metrics.csv");
    if (metrics.isEmpty() && Files.isRegularFile(metricsCsv)) {
      metrics = readCsv(metricsCsv, StudyDataReader::metric);
    }

    List<ModelInfo> models = list(root, "models", n -> new ModelInfo(
        text(n, "name"), text(n, "arch"), text(n, "recipe"), text(n, "source")));
    if (models.isEmpty()) {
      models = distinct(cells, Cell::model).stream().map(m -> new ModelInfo(m, "", "", "")).toList();
    }
    List<String> variants = list(root, "variants", JsonNode::asText);
    if (variants.isEmpty()) {
      variants = distinct(cells, Cell::variant).stream().filter(v -> !v.equals(StudyData.FLOAT)).toList();
    }
    List<SetInfo> sets = list(root, "sets", n -> new SetInfo(
        text(n, "id"), text(n, "shift"), (int) whole(n, "severity"), whole(n, "n")));
    if (sets.isEmpty()) {
      Map<String, SetInfo> seen = new LinkedHashMap<>();
      for (Cell c : cells) {
        seen.putIfAbsent(c.set(), new SetInfo(c.set(), c.shift(), c.severity(), c.n()));
      }
      sets = List.copyOf(seen.values());
    }
    JsonNode seed = root.get("seed");
    return new StudyData(
        root.hasNonNull("study") ? text(root, "study") : outDir.toAbsolutePath().getFileName().toString(),
        seed != null && seed.canConvertToLong() ? OptionalLong.of(seed.asLong()) : OptionalLong.empty(),
        text(root, "dataset"),
        list(root, "class_names", JsonNode::asText),
        text(root, "created"),
        number(root, "elapsed_seconds"),
        models, variants, sets, cells, metrics,
        list(root, "layers", StudyDataReader::layer),
        list(root, "retraining", StudyDataReader::retrain),
        list(root, "samples", StudyDataReader::sample),
        list(root, "int8_nodes", n -> new Int8Node(text(n, "model"), text(n, "variant"),
            text(n, "node"), text(n, "op"), n.path("int8").asBoolean(false), text(n, "why"))));
  }

  private static JsonNode parse(Path file) {
    try {
      JsonNode root = JSON.readTree(file.toFile());
      if (root == null || !root.isObject()) {
        throw new DataLoadException(file + ": expected a JSON object at the top level");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new DataLoadException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new DataLoadException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  // --- one record from a JSON object, or from a CSV row presented as one ---

  private static Cell cell(JsonNode n) {
    JsonNode h = n.get("margin_hist");
    MarginHist hist = h == null || !h.isObject() ? null
        : new MarginHist(doubles(h.path("edges")), longs(h.path("agree")), longs(h.path("disagree")));
    return new Cell(text(n, "model"), text(n, "variant"), text(n, "set"), text(n, "shift"),
        (int) whole(n, "severity"), whole(n, "n"), number(n, "acc_float"), number(n, "acc_quant"),
        whole(n, "disagreements"), number(n, "disagreement_rate"), number(n, "rate_ci_low"),
        number(n, "rate_ci_high"), whole(n, "float_right_quant_wrong"), whole(n, "float_wrong_quant_right"),
        whole(n, "both_wrong"), hist);
  }

  private static MetricRow metric(JsonNode n) {
    return new MetricRow(text(n, "model"), text(n, "variant"), text(n, "set"), text(n, "metric"),
        text(n, "protocol"), number(n, "auroc"), number(n, "aupr"), number(n, "tnr_at_95tpr"));
  }

  private static LayerRow layer(JsonNode n) {
    return new LayerRow(text(n, "model"), text(n, "variant"), text(n, "set"), text(n, "tensor"),
        text(n, "op"), number(n, "sqnr_db_agree"), number(n, "sqnr_db_disagree"),
        number(n, "cosine_agree"), number(n, "cosine_disagree"), number(n, "max_abs_agree"),
        number(n, "max_abs_disagree"));
  }

  private static RetrainRow retrain(JsonNode n) {
    return new RetrainRow(text(n, "model"), text(n, "variant"), text(n, "protocol"), whole(n, "before"),
        whole(n, "removed"), whole(n, "remaining"), whole(n, "created"), number(n, "acc_before"),
        number(n, "acc_after"));
  }

  private static Sample sample(JsonNode n) {
    return new Sample(text(n, "file"), text(n, "model"), text(n, "variant"), text(n, "set"),
        whole(n, "index"), (int) whole(n, "label"), top3(n.path("float_top3")), top3(n.path("quant_top3")));
  }

  private static List<ClassProb> top3(JsonNode arr) {
    List<ClassProb> out = new ArrayList<>();
    for (JsonNode pair : arr) {
      if (pair.isArray() && pair.size() >= 2) {
        out.add(new ClassProb(pair.get(0).asInt(), toDouble(pair.get(1))));
      }
    }
    return out;
  }

  // --- field access that tolerates absence: "" for text, NaN for numbers, 0 for counts ---

  private static <T> List<T> list(JsonNode root, String field, Function<JsonNode, T> each) {
    List<T> out = new ArrayList<>();
    for (JsonNode n : root.path(field)) {
      out.add(each.apply(n));
    }
    return out;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  private static double number(JsonNode n, String field) {
    return toDouble(n.get(field));
  }

  private static long whole(JsonNode n, String field) {
    double d = number(n, field);
    return Double.isFinite(d) ? Math.round(d) : 0;
  }

  /** Jackson writes NaN as the string "NaN" by default; CSV may leave a field empty. */
  private static double toDouble(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return Double.NaN;
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    return parseNumber(v.asText());
  }

  static double parseNumber(String s) {
    String t = s.trim();
    if (t.isEmpty() || t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("na")) {
      return Double.NaN;
    }
    String magnitude = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
    if (magnitude.equalsIgnoreCase("inf") || magnitude.equalsIgnoreCase("infinity")) {
      // numpy/pandas write inf, Java writes Infinity: both, either sign, any case
      return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static double[] doubles(JsonNode arr) {
    double[] out = new double[arr.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDouble(arr.get(i));
    }
    return out;
  }

  private static long[] longs(JsonNode arr) {
    long[] out = new long[arr.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = arr.get(i).asLong();
    }
    return out;
  }

  private static <T> List<String> distinct(List<T> rows, Function<T, String> key) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    rows.forEach(r -> out.add(key.apply(r)));
    return List.copyOf(out);
  }

  /** Reads a CSV file with a header row, presenting each row as a JSON object of its text fields. */
  private static <T> List<T> readCsv(Path file, Function<JsonNode, T> each) {
    List<T> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Csv csv = new Csv(r, ',', file.toString());
      List<String> header = csv.next();
      if (header == null) {
        return out;
      }
      Map<String, Integer> col = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        col.put(header.get(i).trim(), i);
      }
      for (List<String> row; (row = csv.next()) != null; ) {
        var obj = JSON.createObjectNode();
        for (var e : col.entrySet()) {
          if (e.getValue() < row.size()) {
            obj.put(e.getKey(), row.get(e.getValue()));
          }
        }
        out.add(each.apply(obj));
      }
    } catch (IOException e) {
      throw new DataLoadException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }
}
