package org.quantlens.study.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.quantlens.engine.QuantLensException;
import org.quantlens.study.data.AtomicFiles;

/**
 * The study's output folder and its {@code study.json}, which records the config that made it. A
 * folder made by another config (other dataset, sizes, seed, batch, models, or a variant or
 * natural set of the same name with other settings) is refused unless forced, because its cached
 * outputs would be silently wrong; forcing clears those caches. Adding variants, shifts, metrics
 * or natural sets is the same study: the cache is reused.
 */
final class OutputFolder {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** What {@code --force} clears: everything the runner writes. */
  private static final List<String> OURS = List.of("outputs", "labels", "models", "samples", "results.csv",
      "metrics.csv", "results.json", "report.html", "summary.md", "study.json");

  private OutputFolder() {}

  /**
   * Claims {@code out} for {@code config}: refuses a folder of another config unless {@code force},
   * then writes {@code study.json}.
   */
  static void claim(Path out, StudyConfig config, boolean force) {
    Map<String, Object> json = describe(config);
    Path file = out.resolve("study.json");
    if (Files.isRegularFile(file)) {
      JsonNode old;
      try {
        old = JSON.readTree(file.toFile());
      } catch (IOException e) {
        old = null;
      }
      String diff = old == null ? "its study.json is unreadable" : difference(old, asRead(json));
      if (diff != null) {
        if (!force) {
          throw new QuantLensException(out + " holds a study made by another config (" + diff
              + "); choose another --out, or pass --force to clear its results and caches");
        }
        clear(out);
      }
    } else if (Files.isDirectory(out) && !isEmpty(out)) {
      if (!force) {
        throw new QuantLensException(out + " is not empty and has no study.json (not a study folder);"
            + " choose another --out, or pass --force to write into it");
      }
      clear(out);
    }
    removeTemporaries(out);
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(json));
    } catch (IOException e) {
      throw new QuantLensException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code json} as it reads back from a file (number types as the parser picks them). */
  private static JsonNode asRead(Map<String, Object> json) {
    try {
      return JSON.readTree(JSON.writeValueAsBytes(json));
    } catch (IOException e) {
      throw new QuantLensException("cannot describe the study config: " + e.getMessage(), e);
    }
  }

  /** The config as JSON (snake_case keys), with each model file's SHA-256. */
  static Map<String, Object> describe(StudyConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", c.name());
    m.put("dataset", c.dataset());
    m.put("test_size", c.testSize());
    m.put("train_size", c.trainSize());
    m.put("seed", c.seed());
    m.put("batch_size", c.batchSize());
    List<Object> models = new ArrayList<>();
    for (StudyConfig.ModelSpec s : c.models()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("name", s.name());
      if (s.trained()) {
        x.put("arch", s.arch());
        x.put("recipe", s.recipe());
        x.put("recipe_options", new java.util.TreeMap<>(s.recipeOptions()));
        x.put("epochs", s.epochs());
        x.put("batch_size", s.batchSize());
        x.put("learning_rate", s.learningRate());
      } else {
        x.put("file", s.file().toString());
        x.put("sha256", sha256(s.file()));
      }
      models.add(x);
    }
    m.put("models", models);
    List<Object> variants = new ArrayList<>();
    for (StudyConfig.VariantSpec v : c.variants()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("name", v.name());
      x.put("calibration", v.calibration());
      x.put("calibration_size", v.calibrationSize());
      x.put("per_channel", v.perChannel());
      variants.add(x);
    }
    m.put("variants", variants);
    m.put("shifts", ordered("corruptions", c.corruptions(), "severities", c.severities()));
    List<Object> natural = new ArrayList<>();
    for (StudyConfig.NaturalSet n : c.natural()) {
      natural.add(ordered("name", n.name(), "images", n.images().toString(), "labels", n.labels().toString(),
          "sha256", sha256(n.images()) + sha256(n.labels())));
    }
    m.put("natural", natural);
    m.put("metrics", c.metrics());
    m.put("samples_per_cell", c.samplesPerCell());
    m.put("layer_samples", c.layerSamples());
    m.put("retraining", ordered("variants", c.retraining().variants(), "epochs", c.retraining().epochs(),
        "learning_rate", c.retraining().learningRate()));
    return m;
  }

  /**
   * A map of {@code key, value, ...} pairs in that order: unlike {@code Map.of}, whose order changes
   * from one JVM to the next, it writes the same bytes on every run.
   */
  static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** Why {@code old} and {@code now} are different studies, or null when the cache carries over. */
  static String difference(JsonNode old, JsonNode now) {
    for (String k : List.of("name", "dataset", "test_size", "train_size", "seed", "batch_size", "models")) {
      if (!now.path(k).equals(old.path(k))) {
        return k + " was " + old.path(k) + ", now " + now.path(k);
      }
    }
    for (String list : List.of("variants", "natural")) {
      for (JsonNode n : now.path(list)) {
        for (JsonNode o : old.path(list)) {
          if (o.path("name").equals(n.path("name")) && !o.equals(n)) {
            return list + " '" + n.path("name").asText() + "' was " + o + ", now " + n;
          }
        }
      }
    }
    return null;
  }

  /**
   * Deletes the temporary files of {@link AtomicFiles} writes that a killed run left behind (a
   * SIGKILL skips its cleanup), so a resumed run ends with only whole files in the folder.
   */
  static void removeTemporaries(Path out) {
    if (!Files.isDirectory(out)) {
      return;
    }
    try (Stream<Path> s = Files.walk(out)) {
      for (Path f : s.filter(p -> AtomicFiles.isTemporary(p) && Files.isRegularFile(p)).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new QuantLensException("cannot remove temporary files in " + out + ": " + e.getMessage(), e);
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static void clear(Path out) {
    for (String name : OURS) {
      deleteTree(out.resolve(name));
    }
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new QuantLensException("cannot clear " + p + ": " + e.getMessage(), e);
    }
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0;) {
        d.update(buf, 0, r);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new QuantLensException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
