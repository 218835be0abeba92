package org.quantlens.study.cli;

import java.io.PrintStream;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.TrainListener;
import org.quantlens.engine.train.TrainingDivergedException;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.AtomicFiles;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.recipe.Recipe;
import org.quantlens.study.recipe.Recipes;
import org.quantlens.study.recipe.TrainSettings;
import org.quantlens.study.recipe.Trained;
import org.quantlens.study.zoo.ModelInput;
import org.quantlens.study.zoo.Zoo;

/**
 * {@code quantlens train}: trains a zoo architecture ({@code --arch}) or fine-tunes an imported ONNX
 * model ({@code --model}) on a registered dataset with a recipe, validating on the test split after
 * each epoch. Image models read images, text models (int64 token ids) read a text dataset through
 * a vocabulary: fitted on the training texts and written next to the model, or given with
 * {@code --vocab} (an imported text model needs the one it was trained with). Every epoch's model is written to {@code --out} (atomically), so a run that
 * diverges (NaN loss) stops with the last good checkpoint in place. QAT writes its QDQ model.
 */
final class TrainCommand implements Command {
  private static final List<String> ARCHS = Zoo.names();
  /** Recipes that perturb or blend the float inputs, which token ids are not. */
  private static final List<String> FLOAT_INPUT_RECIPES = List.of("adversarial", "mixup");

  @Override
  public String name() {
    return "train";
  }

  @Override
  public String usage() {
    return "train (--arch A | --model M.onnx) --dataset D --recipe R [--epochs 10] [--seed 1]"
        + " [--batch 128] [--lr 0.001] [--threads T] [--limit N] [--data-dir DIR] [text: --max-len 200"
        + " --max-words 10000 --vocab V.txt] [recipe options] --out M.onnx";
  }

  @Override
  public String summary() {
    return "trains or fine-tunes a model in Java (recipes: " + String.join(", ", Recipes.NAMES)
        + ") and writes it as ONNX";
  }

  @Override
  public int run(List<String> argv, PrintStream out) throws Exception {
    Set<String> valued = new HashSet<>(Set.of("arch", "model", "dataset", "recipe", "epochs", "seed",
        "batch", "lr", "threads", "limit", "out", "data-dir", "max-len", "max-words", "vocab"));
    valued.addAll(Recipes.allOptions());
    Args args = new Args(argv, valued, Set.of());
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    String arch = args.get("arch");
    String modelPath = args.get("model");
    if ((arch == null) == (modelPath == null)) {
      throw new UsageException("give exactly one of --arch (" + String.join(", ", ARCHS)
          + ") or --model M.onnx");
    }
    if (arch != null && !ARCHS.contains(arch)) {
      throw new UsageException("unknown architecture '" + arch + "'; architectures: "
          + String.join(", ", ARCHS));
    }
    String datasetName = args.require("dataset");
    if (!DatasetRegistry.names().contains(datasetName)) {
      throw new UsageException("unknown dataset '" + datasetName + "'; datasets: "
          + String.join(", ", DatasetRegistry.names()));
    }
    String recipeName = args.require("recipe");
    Path target = Path.of(args.require("out"));
    Map<String, String> options = new LinkedHashMap<>();
    for (String o : Recipes.allOptions()) {
      if (args.get(o) != null) {
        options.put(o, args.get(o));
      }
    }
    if (recipeName.equals("qat") && !options.containsKey("pretrain")) {
      options.put("pretrain", Boolean.toString(arch != null)); // a zoo model starts untrained
    }
    TrainSettings settings;
    Recipe recipe;
    try {
      recipe = Recipes.of(recipeName, options);
      settings = new TrainSettings().epochs(args.intValue("epochs", 10)).batchSize(args.intValue("batch", 128))
          .lr(doubleValue(args, "lr", 1e-3)).seed(longValue(args, "seed", 1));
      if (args.get("threads") != null) {
        settings.threads(args.intValue("threads", 1));
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    int limit = args.intValue("limit", Integer.MAX_VALUE);
    if (limit < 1) {
      throw new UsageException("--limit must be at least 1, got " + limit);
    }
    DatasetRegistry registry = args.get("data-dir") == null ? DatasetRegistry.standard()
        : DatasetRegistry.builder().dataDir(Path.of(args.get("data-dir"))).build();
    Graph imported = modelPath != null ? OnnxReader.read(Path.of(modelPath)) : null;
    boolean text = arch != null ? Zoo.get(arch).inputKind() == ModelInput.Kind.TOKENS
        : imported.inputs().get(0).dtype() != DType.F32;
    String what = arch != null ? "architecture " + arch : "model " + modelPath;
    if (text && FLOAT_INPUT_RECIPES.contains(recipeName)) {
      throw new UsageException("recipe '" + recipeName + "' perturbs or blends float inputs, but " + what
          + " reads token ids; train text models with the standard or qat recipe");
    }
    if (!text && (args.get("max-len") != null || args.get("max-words") != null || args.get("vocab") != null)) {
      throw new UsageException("--max-len, --max-words and --vocab are for text models; " + what
          + " reads images");
    }
    TrainData data = text ? texts(args, registry, datasetName, limit, what, imported)
        : TrainData.images(registry, datasetName, limit, what);
    Dataset train = data.train;
    Dataset test = data.test;
    Graph model = arch != null ? Zoo.build(arch, data.input, data.classes, settings.seed()) : imported;
    Recipes.checkFit(model, train, "training");
    Recipes.checkFit(model, test, "test");
    out.printf(Locale.ROOT, "training %s on %s (%d samples, test %d) with %s: %d epochs, batch %d, "
        + "lr %g, seed %d%n", arch != null ? arch : modelPath, datasetName, train.size(), test.size(),
        recipeName, settings.epochs(), settings.batchSize(), settings.lr(), settings.seed());
    if (data.vocabulary != null && args.get("vocab") == null) {
      Path vocab = vocabularyFile(target);
      data.vocabulary.save(vocab);
      out.println("wrote " + vocab + " (the vocabulary the model reads: " + data.vocabulary.size() + " ids)");
    }
    int[] lastEpoch = {0};
    settings.listener(TrainListener.printing(out, Math.max(1, train.size() / settings.batchSize() / 5)));
    settings.checkpoint((g, stats) -> {
      write(g, target);
      lastEpoch[0]++;
    });
    Trained t;
    try {
      t = recipe.train(model, train, test, settings);
    } catch (TrainingDivergedException e) {
      String kept = lastEpoch[0] > 0 ? target + " holds the checkpoint written after the last"
          + " completed epoch" : "no checkpoint was written (it diverged in the first epoch)";
      throw new QuantLensException(e.getMessage() + "; " + kept + "; try a smaller --lr", e);
    }
    write(t.export(), target);
    out.printf(Locale.ROOT, "test accuracy %.2f%% (%s)%n", 100 * accuracy(t.export(), test),
        recipeName.equals("qat") ? "static-int8, int8 kernels" : "float");
    out.println("wrote " + target);
    return 0;
  }

  /** Texts with the given vocabulary or one fitted on the training texts; checks the options. */
  private static TrainData texts(Args args, DatasetRegistry registry, String dataset, int limit, String what,
      Graph imported) {
    int modelLen = imported == null ? -1 : fixedLength(imported);
    int maxLen = args.intValue("max-len", modelLen > 0 ? modelLen : 200);
    int maxWords = args.intValue("max-words", 10000);
    if (maxLen < 1 || maxWords < 1) {
      throw new UsageException("--max-len and --max-words must be at least 1, got " + maxLen + " and "
          + maxWords);
    }
    if (modelLen > 0 && maxLen != modelLen) {
      throw new UsageException("--max-len " + maxLen + " but " + what + " reads " + modelLen + " tokens");
    }
    String vocab = args.get("vocab");
    if (imported != null && vocab == null) {
      throw new UsageException(what + " reads token ids: give --vocab, the vocabulary it was trained with");
    }
    if (vocab != null && args.get("max-words") != null) {
      throw new UsageException("--max-words sizes a fitted vocabulary; --vocab gives one");
    }
    return TrainData.texts(registry, dataset, limit, maxLen, maxWords, vocab == null ? null : Path.of(vocab),
        what);
  }

  /** The sequence length of a token model's input {@code [N, L]}, or -1 when it is not fixed. */
  private static int fixedLength(Graph g) {
    int[] shape = g.inputs().get(0).shape();
    return shape != null && shape.length == 2 ? shape[1] : -1;
  }

  /** {@code m.onnx} -> {@code m.vocab.txt}, in the same folder. */
  static Path vocabularyFile(Path model) {
    String name = model.getFileName().toString();
    String stem = name.toLowerCase(Locale.ROOT).endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    return model.resolveSibling(stem + ".vocab.txt");
  }

  private static void write(Graph g, Path target) {
    AtomicFiles.write(target, os -> os.write(OnnxWriter.toBytes(g)));
  }

  /** Top-1 accuracy of {@code g} run by the inference engine (QDQ graphs on the int8 kernels). */
  static double accuracy(Graph g, Dataset data) {
    String in = g.inputs().get(0).name();
    String outName = g.outputs().get(0).name();
    int correct = 0;
    int row = data.x().size() / data.size();
    try (Session s = new Session(g)) {
      for (int from = 0; from < data.size(); from += 256) {
        int count = Math.min(256, data.size() - from);
        int[] shape = data.x().shape();
        shape[0] = count;
        Object src = data.x().data(); // float pixels or int64 token ids
        Object x = Array.newInstance(src.getClass().getComponentType(), count * row);
        System.arraycopy(src, from * row, x, 0, count * row);
        float[] y = s.run(Map.of(in, Tensor.wrap(data.x().dtype(), x, shape))).get(outName).floats();
        int c = y.length / count;
        for (int i = 0; i < count; i++) {
          int best = 0;
          for (int j = 1; j < c; j++) {
            best = y[i * c + j] > y[i * c + best] ? j : best;
          }
          correct += best == data.y().getLong(from + i) ? 1 : 0;
        }
      }
    }
    return (double) correct / data.size();
  }

  private static double doubleValue(Args a, String name, double def) {
    String v = a.get(name);
    if (v == null) {
      return def;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects a number, got '" + v + "'");
    }
  }

  private static long longValue(Args a, String name, long def) {
    String v = a.get(name);
    if (v == null) {
      return def;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
    }
  }
}
