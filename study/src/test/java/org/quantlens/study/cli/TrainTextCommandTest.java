package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.study.data.Vocabulary;

/**
 * {@code quantlens train} on text: a tiny IMDB in the official aclImdb layout, written here under
 * {@code --data-dir}, trains the zoo's text models with the recipes that apply to token ids, and
 * every arch/dataset/recipe mismatch is a usage error before any training.
 */
class TrainTextCommandTest {
  private static final int LEN = 12;
  private static final List<String> GOOD = List.of("great", "superb", "wonderful", "loved");
  private static final List<String> BAD = List.of("awful", "boring", "terrible", "hated");
  private static final List<String> FILLER = List.of("the", "movie", "plot", "actor", "scene", "film",
      "story", "music", "and", "was", "a", "it", "this", "ending", "cast");

  @TempDir Path dir;
  private Path data;
  /** The test reviews and labels as written, in the loader's order (neg 0, pos 0, neg 1, ..). */
  private final List<String> testTexts = new ArrayList<>();
  private final List<Long> testLabels = new ArrayList<>();

  @BeforeEach
  void writeTinyImdb() throws IOException {
    data = dir.resolve("data");
    SplittableRandom r = new SplittableRandom(7);
    for (String split : List.of("train", "test")) {
      int n = split.equals("train") ? 96 : 24;
      List<List<String>> byClass = List.of(new ArrayList<>(), new ArrayList<>());
      for (String cls : List.of("neg", "pos")) {
        Path d = data.resolve("imdb/aclImdb").resolve(split).resolve(cls);
        Files.createDirectories(d);
        for (int i = 0; i < n; i++) {
          String text = review(r, cls.equals("pos") ? GOOD : BAD);
          byClass.get(cls.equals("pos") ? 1 : 0).add(text);
          Files.writeString(d.resolve(i + "_" + (cls.equals("pos") ? 8 : 2) + ".txt"), text);
        }
      }
      if (split.equals("test")) {
        for (int i = 0; i < n; i++) {
          for (int c = 0; c < 2; c++) {
            testTexts.add(byClass.get(c).get(i));
            testLabels.add((long) c);
          }
        }
      }
    }
  }

  /** Filler words with one sentiment word at a random place. */
  private static String review(SplittableRandom r, List<String> sentiment) {
    int len = 5 + r.nextInt(6);
    List<String> words = new ArrayList<>();
    for (int i = 0; i < len; i++) {
      words.add(FILLER.get(r.nextInt(FILLER.size())));
    }
    words.add(r.nextInt(len + 1), sentiment.get(r.nextInt(sentiment.size())));
    return String.join(" ", words) + ".";
  }

  private String[] outErr(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  private String[] train(String arch, String recipe, Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--arch", arch, "--dataset", "imdb", "--data-dir",
        data.toString(), "--recipe", recipe, "--max-len", Integer.toString(LEN), "--epochs", "3", "--batch",
        "16", "--lr", "0.01", "--out", out.toString()));
    a.addAll(List.of(more));
    return outErr(a.toArray(new String[0]));
  }

  /** The test reviews encoded with the vocabulary file the command wrote, as a model reads them. */
  private Tensor encodedTestSet(Path vocabFile) {
    return Vocabulary.load(vocabFile).encodeAll(testTexts, LEN, Vocabulary.Side.PRE, Vocabulary.Side.PRE);
  }

  private static int[] top1(float[] logits, int n) {
    int c = logits.length / n;
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 1; j < c; j++) {
        p[i] = logits[i * c + j] > logits[i * c + p[i]] ? j : p[i];
      }
    }
    return p;
  }

  private static double printedAccuracy(String stdout) {
    Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(stdout);
    assertTrue(m.find(), stdout);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void textLstmTrainsOnAnAclImdbFolderAndWritesAModelWithItsVocabulary() {
    Path out = dir.resolve("lstm.onnx");
    String[] r = train("text-lstm", "standard", out);
    assertEquals("0", r[0], r[1] + r[2]);
    Path vocab = dir.resolve("lstm.vocab.txt");
    assertTrue(Files.isRegularFile(vocab), r[1]);
    Graph g = OnnxReader.read(out);
    assertEquals(DType.I64, g.inputs().get(0).dtype());
    assertEquals(LEN, g.inputs().get(0).shape()[1]);
    // the written model and vocabulary, used as a user would, give the accuracy the command printed
    Tensor x = encodedTestSet(vocab);
    int[] pred;
    try (Session s = new Session(g)) {
      pred = top1(s.run(Map.of(g.inputs().get(0).name(), x)).get(g.outputs().get(0).name()).floats(),
          testTexts.size());
    }
    int right = 0;
    for (int i = 0; i < pred.length; i++) {
      right += pred[i] == testLabels.get(i) ? 1 : 0;
    }
    double acc = 100.0 * right / pred.length;
    System.out.print(r[1]);
    assertEquals(printedAccuracy(r[1]), acc, 0.006, r[1]);
    // one sentiment word among filler: an LSTM that reads the words does better than chance (50%)
    assertTrue(acc >= 75, "text-lstm test accuracy " + acc + "%\n" + r[1]);
  }

  @Test
  void qatTextGruWritesAQdqModelThatOnnxRuntimeRunsWithTheSameTop1() throws Exception {
    Path out = dir.resolve("gru-qat.onnx");
    String[] r = train("text-gru", "qat", out, "--qat-epochs", "1");
    assertEquals("0", r[0], r[1] + r[2]);
    assertTrue(r[1].contains("static-int8"), r[1]);
    Graph g = OnnxReader.read(out);
    assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear")), "QDQ model");
    Tensor x = encodedTestSet(dir.resolve("gru-qat.vocab.txt"));
    int n = testTexts.size();
    int[] ours;
    try (Session s = new Session(g)) {
      ours = top1(s.run(Map.of(g.inputs().get(0).name(), x)).get(g.outputs().get(0).name()).floats(), n);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int[] theirs;
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(Files.readAllBytes(out), o);
          OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(x.longs()), new long[] {n, LEN});
          OrtSession.Result res = s.run(Map.of(g.inputs().get(0).name(), t))) {
        float[][] y = (float[][]) res.get(0).getValue();
        float[] flat = new float[n * y[0].length];
        for (int i = 0; i < n; i++) {
          System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
        }
        theirs = top1(flat, n);
      }
    }
    int same = 0;
    for (int i = 0; i < n; i++) {
      same += ours[i] == theirs[i] ? 1 : 0;
    }
    System.out.printf(Locale.ROOT, "QAT text-gru: ONNX Runtime (default options) agrees on %d/%d top-1%n",
        same, n);
    assertEquals(n, same, "top-1 agreement with ONNX Runtime");
  }

  @Test
  void mismatchesOfArchitectureDatasetAndRecipeAreUsageErrorsBeforeTraining() throws Exception {
    Path out = dir.resolve("x.onnx");
    String[] r = train("text-lstm", "mixup", out);
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("recipe 'mixup'") && r[2].contains("token ids") && r[2].contains("qat"), r[2]);
    r = train("text-gru", "adversarial", out);
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("recipe 'adversarial'"), r[2]);
    r = outErr("train", "--arch", "text-lstm", "--dataset", "fashion-mnist-mini", "--recipe", "standard",
        "--out", out.toString());
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("text-lstm reads token ids") && r[2].contains("'fashion-mnist-mini' holds images"),
        r[2]);
    r = outErr("train", "--arch", "lenet5", "--dataset", "imdb", "--data-dir", data.toString(), "--recipe",
        "standard", "--out", out.toString());
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("lenet5 reads images") && r[2].contains("'imdb' holds texts"), r[2]);
    r = outErr("train", "--arch", "lenet5", "--dataset", "fashion-mnist-mini", "--recipe", "standard",
        "--max-len", "20", "--out", out.toString());
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("--max-len") && r[2].contains("reads images"), r[2]);
    // an imported text model needs the vocabulary it was trained with
    Path lstm = dir.resolve("m.onnx");
    org.quantlens.onnx.OnnxWriter.write(org.quantlens.study.zoo.Zoo.build("text-lstm",
        org.quantlens.study.zoo.ModelInput.tokens(LEN, 50), 2, 1), lstm);
    r = outErr("train", "--model", lstm.toString(), "--dataset", "imdb", "--data-dir", data.toString(),
        "--recipe", "standard", "--out", out.toString());
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("--vocab"), r[2]);
    assertFalse(Files.exists(out), "nothing written");
    assertFalse(r[1].contains("epoch"), r[1]);
  }
}
