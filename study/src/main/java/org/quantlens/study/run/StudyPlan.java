package org.quantlens.study.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Npy;
import org.quantlens.study.data.Split;

/**
 * A checked study: its data loaded, every model read (or built untrained) and tried on one image,
 * natural sets loaded and matched to the clean set, the grid's sets listed. Everything a config
 * can get wrong fails here, before any work, with a {@link StudyConfigException}.
 */
final class StudyPlan {
  /** A model of the study: its config, its input layout, and the float graph when it is a file. */
  record Model(StudyConfig.ModelSpec spec, InputLayout layout, Graph fileGraph) {
    String name() {
      return spec.name();
    }
  }

  final StudyConfig config;
  final ImageDataset test;
  final List<String> classes;
  final List<Model> models;
  final List<StudySet> sets;
  final Map<String, ImageDataset> natural;
  private final DatasetRegistry registry;
  private ImageDataset train;

  private StudyPlan(StudyConfig config, DatasetRegistry registry, ImageDataset test, List<Model> models,
      List<StudySet> sets, Map<String, ImageDataset> natural) {
    this.config = config;
    this.registry = registry;
    this.test = test;
    this.classes = test.classes();
    this.models = List.copyOf(models);
    this.sets = List.copyOf(sets);
    this.natural = Map.copyOf(natural);
  }

  static StudyPlan prepare(StudyConfig config, DatasetRegistry registry) {
    ImageDataset test;
    try {
      test = registry.images(config.dataset(), Split.TEST);
    } catch (QuantLensException e) {
      throw new StudyConfigException("dataset", e.getMessage());
    }
    if (config.testSize() > 0) {
      test = test.head(config.testSize());
    }
    int c = test.channels();
    int h = test.height();
    int w = test.width();
    int classes = test.classes().size();
    List<Model> models = new ArrayList<>();
    for (int i = 0; i < config.models().size(); i++) {
      StudyConfig.ModelSpec m = config.models().get(i);
      String field = "models[" + i + "]";
      Graph g;
      if (m.trained()) {
        try {
          g = ModelZoo.build(m.arch(), c, h, w, classes, config.seed());
        } catch (QuantLensException e) {
          throw new StudyConfigException(field + ".arch", e.getMessage());
        }
      } else {
        try {
          g = OnnxReader.read(m.file());
        } catch (QuantLensException e) {
          throw new StudyConfigException(field + ".file", e.getMessage());
        }
      }
      InputLayout layout = InputLayout.of(g, field, config.dataset(), c, h, w);
      checkOutput(g, layout, test, classes, field, config.dataset());
      models.add(new Model(m, layout, m.trained() ? null : g));
    }
    Map<String, ImageDataset> natural = new java.util.LinkedHashMap<>();
    for (int i = 0; i < config.natural().size(); i++) {
      StudyConfig.NaturalSet n = config.natural().get(i);
      natural.put(n.name(), loadNatural(n, "natural[" + i + "]", test));
    }
    List<StudySet> sets = new ArrayList<>();
    sets.add(StudySet.clean());
    for (String s : config.corruptions()) {
      for (int k : config.severities()) {
        sets.add(StudySet.corrupted(s, k));
      }
    }
    config.natural().forEach(n -> sets.add(StudySet.natural(n)));
    return new StudyPlan(config, registry, test, models, sets, natural);
  }

  /** The training images (loaded on first use), the first {@code train_size} of the train split. */
  synchronized ImageDataset train() {
    if (train == null) {
      ImageDataset t = registry.images(config.dataset(), Split.TRAIN);
      train = config.trainSize() > 0 ? t.head(config.trainSize()) : t;
    }
    return train;
  }

  /** Runs the model on one image: the first output must be float32 class scores [1, classes]. */
  private static void checkOutput(Graph g, InputLayout layout, ImageDataset test, int classes, String field,
      String dataset) {
    Tensor one = layout.slice(test.head(1).toModelInput(), 0, 1);
    Tensor out;
    try (Session s = new Session(g, new Session.Options().threads(1))) {
      out = s.run(Map.of(layout.input(), one)).values().iterator().next();
    } catch (QuantLensException e) {
      throw new StudyConfigException(field, "the model does not run on " + dataset + " images: " + e.getMessage());
    }
    if (out.dtype() != DType.F32 || out.rank() != 2 || out.dim(0) != 1 || out.dim(1) != classes) {
      throw new StudyConfigException(field, "the model's output '" + g.outputs().get(0).name() + "' is "
          + out.dtype() + Arrays.toString(out.shape()) + " for one image; expected a class-score vector"
          + " F32[1, " + classes + "] (" + dataset + " has " + classes + " classes)");
    }
  }

  private static ImageDataset loadNatural(StudyConfig.NaturalSet n, String field, ImageDataset clean) {
    Tensor images;
    Tensor labels;
    try {
      images = Npy.read(n.images());
      labels = Npy.read(n.labels());
    } catch (QuantLensException e) {
      throw new StudyConfigException(field, e.getMessage());
    }
    if (images.dtype() != DType.U8 || images.rank() < 3 || images.rank() > 4) {
      throw new StudyConfigException(field + ".images", "expected uint8 images [N,H,W] or [N,H,W,C], got "
          + images.dtype() + Arrays.toString(images.shape()));
    }
    if (images.rank() == 3) {
      images = Tensor.wrap(DType.U8, images.data(), images.dim(0), images.dim(1), images.dim(2), 1);
    }
    int[] want = {clean.height(), clean.width(), clean.channels()};
    int[] got = Arrays.copyOfRange(images.shape(), 1, 4);
    if (!Arrays.equals(want, got)) {
      throw new StudyConfigException(field + ".images", "images are [N," + got[0] + "," + got[1] + "," + got[2]
          + "] but the models take " + clean.name() + "'s [N," + want[0] + "," + want[1] + "," + want[2]
          + "] (resize them first, e.g. NaturalShifts.usps(file, 28))");
    }
    if (labels.rank() != 1 || labels.dim(0) != images.dim(0)
        || !(labels.dtype() == DType.I64 || labels.dtype() == DType.I32 || labels.dtype() == DType.U8)) {
      throw new StudyConfigException(field + ".labels", "expected " + images.dim(0) + " integer labels [N], got "
          + labels.dtype() + Arrays.toString(labels.shape()));
    }
    long[] l = new long[labels.size()];
    for (int i = 0; i < l.length; i++) {
      l[i] = labels.getLong(i);
    }
    try {
      return new ImageDataset(n.name(), images, Tensor.of(l, l.length), clean.classes());
    } catch (QuantLensException e) {
      throw new StudyConfigException(field + ".labels", e.getMessage());
    }
  }

  Path output() {
    return config.output();
  }
}
