package org.quantlens.study.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.study.analysis.UncertaintyMetric;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.shift.Shifts;

/**
 * Reads a study config (JSON) into a {@link StudyConfig}, checking every field that can be checked
 * without loading data or models: unknown keys, names (dataset, variant, shift, metric, arch,
 * recipe), numbers in range, files that exist. Errors are {@link StudyConfigException}s naming the
 * field and the valid choices. {@link StudyPlan} checks the rest (models against data).
 */
public final class StudyConfigParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP = Set.of("name", "dataset", "test_size", "train_size", "seed",
      "batch_size", "output", "models", "variants", "shifts", "natural", "metrics", "samples_per_cell",
      "layer_samples", "retraining", "description");
  private static final Set<String> MODEL = Set.of("name", "file", "arch", "recipe", "recipe_options", "epochs",
      "batch_size", "learning_rate");
  private static final Set<String> VARIANT = Set.of("name", "calibration", "calibration_size", "per_channel");
  private static final Set<String> SHIFTS = Set.of("corruptions", "severities");
  private static final Set<String> NATURAL = Set.of("name", "images", "labels");
  private static final Set<String> RETRAIN = Set.of("variants", "epochs", "learning_rate");
  private static final List<String> METHODS = List.of("minmax", "moving-average", "percentile", "entropy", "mse");

  private StudyConfigParser() {}

  /** Reads and checks {@code file}; relative paths in it are resolved against its folder. */
  public static StudyConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new StudyConfigException(file.toString(), "cannot read the study config: " + e.getMessage());
    }
    Path base = file.toAbsolutePath().getParent();
    return parse(text, base);
  }

  /** Parses config text; relative paths resolve against {@code base}. */
  public static StudyConfig parse(String text, Path base) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new StudyConfigException("(config)", "not valid JSON: " + e.getOriginalMessage()
          + " at line " + e.getLocation().getLineNr());
    }
    if (root == null || !root.isObject()) {
      throw new StudyConfigException("(config)", "expected a JSON object");
    }
    keys(root, "", TOP);
    String name = string(root, "name", null, "");
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new StudyConfigException("name", "'" + name + "' must be letters, digits, '.', '_' or '-'");
    }
    String dataset = string(root, "dataset", "fashion-mnist-mini", "");
    List<String> datasets = new ArrayList<>(DatasetRegistry.names());
    datasets.remove("imdb"); // text: the study's image pipeline does not take it
    if (!datasets.contains(dataset)) {
      throw StudyConfigException.choice("dataset", "dataset", dataset, datasets);
    }
    int testSize = integer(root, "test_size", 0, 0, Integer.MAX_VALUE, "");
    int trainSize = integer(root, "train_size", 0, 0, Integer.MAX_VALUE, "");
    long seed = root.has("seed") ? longValue(root.get("seed"), "seed") : 1L;
    int batch = integer(root, "batch_size", 100, 1, 1 << 16, "");
    Path output = root.has("output") ? base.resolve(string(root, "output", null, "")).normalize() : null;
    List<StudyConfig.ModelSpec> models = models(root, base);
    List<StudyConfig.VariantSpec> variants = variants(root);
    List<String> corruptions = new ArrayList<>();
    List<Integer> severities = new ArrayList<>();
    shifts(root, corruptions, severities);
    List<StudyConfig.NaturalSet> natural = natural(root, base);
    List<String> metrics = metrics(root);
    int samples = integer(root, "samples_per_cell", 2, 0, 1000, "");
    int layerSamples = integer(root, "layer_samples", 32, 0, 100000, "");
    StudyConfig.Retraining retraining = retraining(root, variants);
    return new StudyConfig(name, dataset, testSize, trainSize, seed, batch, output, models, variants,
        corruptions, severities, natural, metrics, samples, layerSamples, retraining);
  }

  private static List<StudyConfig.ModelSpec> models(JsonNode root, Path base) {
    JsonNode arr = array(root, "models", "", true);
    if (arr.isEmpty()) {
      throw new StudyConfigException("models", "at least one model is needed");
    }
    List<StudyConfig.ModelSpec> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = "models[" + i + "]";
      JsonNode m = arr.get(i);
      if (!m.isObject()) {
        throw new StudyConfigException(at, "expected an object with \"file\", or \"arch\" and \"recipe\"");
      }
      keys(m, at + ".", MODEL);
      Path file = null;
      String arch = null;
      String recipe = null;
      java.util.Map<String, String> options = new java.util.TreeMap<>();
      if (m.has("file")) {
        if (m.has("arch") || m.has("recipe") || m.has("recipe_options")) {
          throw new StudyConfigException(at, "give either \"file\" or \"arch\" + \"recipe\", not both");
        }
        file = base.resolve(string(m, "file", null, at + ".")).normalize();
        if (!Files.isRegularFile(file)) {
          throw new StudyConfigException(at + ".file", "model file " + file + " does not exist");
        }
      } else {
        arch = string(m, "arch", null, at + ".");
        if (!ModelZoo.architectures().contains(arch)) {
          throw StudyConfigException.choice(at + ".arch", "architecture", arch, ModelZoo.architectures());
        }
        recipe = string(m, "recipe", "standard", at + ".");
        if (!ModelZoo.recipes().contains(recipe)) {
          throw StudyConfigException.choice(at + ".recipe", "recipe", recipe, ModelZoo.recipes());
        }
        options = recipeOptions(m, at + ".recipe_options");
        try {
          ModelZoo.checkRecipe(recipe, options);
        } catch (IllegalArgumentException e) {
          throw new StudyConfigException(at + ".recipe_options", e.getMessage());
        }
      }
      String def = file != null ? file.getFileName().toString().replaceFirst("\\.onnx$", "") : arch + "-" + recipe;
      String name = string(m, "name", def, at + ".");
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw new StudyConfigException(at + ".name", "'" + name + "' must be letters, digits, '.', '_' or '-'"
            + " (it names output folders)");
      }
      if (!names.add(name)) {
        throw new StudyConfigException(at + ".name", "two models are named '" + name + "'");
      }
      int epochs = integer(m, "epochs", 5, 1, 10000, at + ".");
      int batch = integer(m, "batch_size", 64, 1, 1 << 16, at + ".");
      double lr = number(m, "learning_rate", 1e-3, at + ".");
      out.add(new StudyConfig.ModelSpec(name, file, arch, recipe, java.util.Map.copyOf(options), epochs, batch,
          lr));
    }
    return List.copyOf(out);
  }

  /** {@code {"eps": 0.3, "attack": "pgd"}} as option name to string value. */
  private static java.util.Map<String, String> recipeOptions(JsonNode m, String field) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    JsonNode o = m.get("recipe_options");
    if (o == null || o.isNull()) {
      return out;
    }
    if (!o.isObject()) {
      throw new StudyConfigException(field, "expected an object of option name to value, e.g. {\"eps\": 0.3}");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
      String k = it.next();
      JsonNode v = o.get(k);
      if (!v.isValueNode() || v.isNull()) {
        throw new StudyConfigException(field + "." + k, "expected a number, string or boolean, got " + v);
      }
      out.put(k, v.asText());
    }
    return out;
  }

  private static List<StudyConfig.VariantSpec> variants(JsonNode root) {
    JsonNode arr = array(root, "variants", "", true);
    if (arr.isEmpty()) {
      throw new StudyConfigException("variants", "at least one variant is needed; valid: " + Variants.describeNames());
    }
    List<StudyConfig.VariantSpec> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = "variants[" + i + "]";
      JsonNode v = arr.get(i);
      String name;
      String method = "minmax";
      int size = 500;
      boolean perChannel = true;
      if (v.isTextual()) {
        name = v.asText();
      } else if (v.isObject()) {
        keys(v, at + ".", VARIANT);
        name = string(v, "name", null, at + ".");
        method = string(v, "calibration", method, at + ".");
        size = integer(v, "calibration_size", size, 1, 1 << 20, at + ".");
        perChannel = bool(v, "per_channel", true, at + ".");
      } else {
        throw new StudyConfigException(at, "expected a variant name or an object with \"name\"");
      }
      if (!validVariant(name)) {
        throw new StudyConfigException(at, "unknown variant '" + name + "'; valid: " + Variants.describeNames()
            + " (the float model is always included as 'float')");
      }
      try {
        QuantConfig.Method.parse(method);
      } catch (RuntimeException e) {
        throw StudyConfigException.choice(at + ".calibration", "calibration method", method, METHODS);
      }
      if (!seen.add(name)) {
        throw new StudyConfigException(at, "variant '" + name + "' is listed twice");
      }
      out.add(new StudyConfig.VariantSpec(name, method, size, perChannel));
    }
    return List.copyOf(out);
  }

  /** Whether {@code name} is a variant {@link Variants} builds. */
  static boolean validVariant(String name) {
    if (Variants.NAMES.contains(name)) {
      return true;
    }
    if (name.matches("fake-\\d{1,2}")) {
      int bits = Integer.parseInt(name.substring(5));
      return bits >= 2 && bits <= 16;
    }
    return false;
  }

  private static void shifts(JsonNode root, List<String> corruptions, List<Integer> severities) {
    if (!root.has("shifts")) {
      return;
    }
    JsonNode s = root.get("shifts");
    if (!s.isObject()) {
      throw new StudyConfigException("shifts", "expected {\"corruptions\": [...], \"severities\": [...]}");
    }
    keys(s, "shifts.", SHIFTS);
    JsonNode c = array(s, "corruptions", "shifts.", true);
    List<String> valid = new ArrayList<>(Shifts.names());
    valid.remove("identity");
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < c.size(); i++) {
      String at = "shifts.corruptions[" + i + "]";
      if (!c.get(i).isTextual()) {
        throw new StudyConfigException(at, "expected a corruption name or a suite (mnist-c, cifar10-c)");
      }
      String n = c.get(i).asText();
      if (n.equals("mnist-c") || n.equals("cifar10-c")) {
        names.addAll(Shifts.suite(n));
      } else if (valid.contains(n)) {
        names.add(n);
      } else {
        List<String> choices = new ArrayList<>(List.of("mnist-c", "cifar10-c"));
        choices.addAll(valid);
        throw StudyConfigException.choice(at, "corruption", n, choices);
      }
    }
    corruptions.addAll(names);
    JsonNode sev = array(s, "severities", "shifts.", !corruptions.isEmpty());
    Set<Integer> seen = new LinkedHashSet<>();
    for (int i = 0; i < sev.size(); i++) {
      String at = "shifts.severities[" + i + "]";
      if (!sev.get(i).canConvertToInt() || !sev.get(i).isIntegralNumber()) {
        throw new StudyConfigException(at, "expected an integer severity 1..5");
      }
      int k = sev.get(i).asInt();
      if (k < 1 || k > 5) {
        throw new StudyConfigException(at, "severity " + k + " is outside 1..5");
      }
      seen.add(k);
    }
    severities.addAll(seen.stream().sorted().toList());
  }

  private static List<StudyConfig.NaturalSet> natural(JsonNode root, Path base) {
    if (!root.has("natural")) {
      return List.of();
    }
    JsonNode arr = array(root, "natural", "", true);
    List<StudyConfig.NaturalSet> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = "natural[" + i + "]";
      JsonNode n = arr.get(i);
      if (!n.isObject()) {
        throw new StudyConfigException(at, "expected {\"name\", \"images\": X.npy, \"labels\": Y.npy}");
      }
      keys(n, at + ".", NATURAL);
      String name = string(n, "name", null, at + ".");
      if (!name.matches("[A-Za-z0-9._-]+") || name.equals("clean") || name.contains("_s")) {
        throw new StudyConfigException(at + ".name", "'" + name + "' must be letters, digits, '.', '_' or '-',"
            + " not 'clean' and without '_s' (reserved for corruption set ids)");
      }
      if (!names.add(name)) {
        throw new StudyConfigException(at + ".name", "two natural sets are named '" + name + "'");
      }
      Path images = existing(base, string(n, "images", null, at + "."), at + ".images");
      Path labels = existing(base, string(n, "labels", null, at + "."), at + ".labels");
      out.add(new StudyConfig.NaturalSet(name, images, labels));
    }
    return List.copyOf(out);
  }

  private static List<String> metrics(JsonNode root) {
    List<String> valid = Arrays.stream(UncertaintyMetric.values()).map(UncertaintyMetric::id).toList();
    if (!root.has("metrics")) {
      return valid;
    }
    JsonNode arr = array(root, "metrics", "", true);
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String m = arr.get(i).asText();
      if (!arr.get(i).isTextual() || !valid.contains(m)) {
        throw StudyConfigException.choice("metrics[" + i + "]", "metric", arr.get(i).asText(), valid);
      }
      out.add(m);
    }
    return List.copyOf(out);
  }

  private static StudyConfig.Retraining retraining(JsonNode root, List<StudyConfig.VariantSpec> variants) {
    if (!root.has("retraining")) {
      return new StudyConfig.Retraining(List.of(), 0, 0);
    }
    JsonNode r = root.get("retraining");
    if (!r.isObject()) {
      throw new StudyConfigException("retraining", "expected {\"variants\": [...], \"epochs\": N}");
    }
    keys(r, "retraining.", RETRAIN);
    List<String> names = variants.stream().map(StudyConfig.VariantSpec::name).toList();
    List<String> chosen = new ArrayList<>();
    JsonNode arr = array(r, "variants", "retraining.", true);
    for (int i = 0; i < arr.size(); i++) {
      String v = arr.get(i).asText();
      if (!names.contains(v)) {
        throw StudyConfigException.choice("retraining.variants[" + i + "]", "variant (not among the study's variants)",
            v, names);
      }
      if (chosen.contains(v)) {
        throw new StudyConfigException("retraining.variants[" + i + "]", "variant '" + v + "' is listed twice");
      }
      chosen.add(v);
    }
    int epochs = integer(r, "epochs", 1, 0, 1000, "retraining.");
    double lr = number(r, "learning_rate", 5e-4, "retraining.");
    return new StudyConfig.Retraining(List.copyOf(chosen), epochs, lr);
  }

  // --- field helpers ---

  private static void keys(JsonNode obj, String prefix, Set<String> known) {
    for (Iterator<String> it = obj.fieldNames(); it.hasNext();) {
      String k = it.next();
      if (!known.contains(k)) {
        throw StudyConfigException.choice(prefix + k, "field", k, known.stream().sorted().toList());
      }
    }
  }

  private static String string(JsonNode obj, String key, String def, String prefix) {
    JsonNode v = obj.get(key);
    if (v == null || v.isNull()) {
      if (def == null) {
        throw new StudyConfigException(prefix + key, "missing (required)");
      }
      return def;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new StudyConfigException(prefix + key, "expected a non-empty string, got " + v);
    }
    return v.asText();
  }

  private static int integer(JsonNode obj, String key, int def, int min, int max, String prefix) {
    JsonNode v = obj.get(key);
    if (v == null || v.isNull()) {
      return def;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw new StudyConfigException(prefix + key, "expected an integer in " + min + ".." + max + ", got " + v);
    }
    return v.asInt();
  }

  private static long longValue(JsonNode v, String field) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new StudyConfigException(field, "expected an integer, got " + v);
    }
    return v.asLong();
  }

  private static double number(JsonNode obj, String key, double def, String prefix) {
    JsonNode v = obj.get(key);
    if (v == null || v.isNull()) {
      return def;
    }
    if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
      throw new StudyConfigException(prefix + key, "expected a positive number, got " + v);
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode obj, String key, boolean def, String prefix) {
    JsonNode v = obj.get(key);
    if (v == null || v.isNull()) {
      return def;
    }
    if (!v.isBoolean()) {
      throw new StudyConfigException(prefix + key, "expected true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static JsonNode array(JsonNode obj, String key, String prefix, boolean required) {
    JsonNode v = obj.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new StudyConfigException(prefix + key, "missing (required)");
      }
      return JSON.createArrayNode();
    }
    if (!v.isArray()) {
      throw new StudyConfigException(prefix + key, "expected a JSON array, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    return v;
  }

  private static Path existing(Path base, String file, String field) {
    Path p = base.resolve(file).normalize();
    if (!Files.isRegularFile(p)) {
      throw new StudyConfigException(field, "file " + p + " does not exist");
    }
    return p;
  }
}
