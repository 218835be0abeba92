package org.quantlens.onnx.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.TensorProtos;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;
import org.quantlens.onnx.proto.Onnx.TypeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/**
 * Runs ONNX backend test cases ({@code model.onnx} plus {@code test_data_set_N/input_K.pb} and
 * {@code output_K.pb}) through the engine and prints one line per case:
 * {@code PASS <suite>/<case>}, {@code FAIL <suite>/<case>: why} or {@code SKIP <suite>/<case>: why},
 * then {@code N passed, M failed, K skipped}.
 *
 * <p>A case is skipped when one of its nodes has no operator in {@link OpRegistry#standard()} at the
 * model's opset, or when it needs a type the engine lacks (bfloat16, string, float8, complex,
 * sequence, optional, map, sparse). Anything else that goes wrong, including a hang past the time
 * limit, fails the case, never the run. Outputs must match in element type and shape exactly;
 * floating values within {@code |got - expected| <= 1e-7 + 1e-3 * |expected|} (the ONNX backend
 * defaults) with NaN equal to NaN, integers and booleans exactly.
 */
public final class Conformance {
  /** Absolute tolerance of floating comparisons (ONNX backend default). */
  public static final double ATOL = 1e-7;
  /** Relative tolerance of floating comparisons (ONNX backend default). */
  public static final double RTOL = 1e-3;
  /** Per-case time limit unless another is given. */
  public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(60);

  /** Outcome of one case. */
  public enum Status { PASS, FAIL, SKIP }

  /** One case's outcome: its id ({@code suite/case}), status and, unless it passed, why. */
  public static final class Result {
    private final String id;
    private final Status status;
    private final String reason;

    public Result(String id, Status status, String reason) {
      this.id = id;
      this.status = status;
      this.reason = reason == null ? "" : reason;
    }

    public String id() {
      return id;
    }

    public Status status() {
      return status;
    }

    /** Why it failed or was skipped; "" for a pass. */
    public String reason() {
      return reason;
    }

    /** The printed line, e.g. {@code FAIL node/test_abs: output 'y' ...}. */
    @Override
    public String toString() {
      return status + " " + id + (status == Status.PASS ? "" : ": " + reason);
    }
  }

  /** All outcomes of a run. */
  public static final class Summary {
    private final List<Result> results;

    public Summary(List<Result> results) {
      this.results = List.copyOf(results);
    }

    public List<Result> results() {
      return results;
    }

    public int passed() {
      return count(Status.PASS);
    }

    public int failed() {
      return count(Status.FAIL);
    }

    public int skipped() {
      return count(Status.SKIP);
    }

    private int count(Status s) {
      return (int) results.stream().filter(r -> r.status == s).count();
    }

    /** The closing line: {@code N passed, M failed, K skipped}. */
    @Override
    public String toString() {
      return passed() + " passed, " + failed() + " failed, " + skipped() + " skipped";
    }
  }

  private Conformance() {}

  /** Command line: {@code DIR... [--filter REGEX] [--timeout SECONDS]}; exits with {@link #execute}'s code. */
  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /**
   * Runs the command line and returns the exit code: 0 when no case failed, 1 when some failed, 2
   * on bad usage.
   */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    List<Path> dirs = new ArrayList<>();
    Predicate<String> filter = id -> true;
    Duration limit = DEFAULT_TIME_LIMIT;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--filter":
            filter = Pattern.compile(value(args, ++i, "--filter")).asPredicate();
            break;
          case "--timeout":
            limit = Duration.ofSeconds(Long.parseLong(value(args, ++i, "--timeout")));
            break;
          case "-h": case "--help":
            out.println(USAGE);
            return 0;
          default:
            if (args[i].startsWith("--")) {
              throw new IllegalArgumentException("unknown option " + args[i]);
            }
            dirs.add(Path.of(args[i]));
        }
      }
      if (dirs.isEmpty()) {
        throw new IllegalArgumentException("no test directory given");
      }
      for (Path d : dirs) {
        if (!Files.isDirectory(d)) {
          throw new IllegalArgumentException("not a directory: " + d);
        }
      }
    } catch (IllegalArgumentException e) { // includes bad regexes and numbers
      err.println("conformance: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    Summary s = run(dirs, filter, out, limit);
    return s.failed() > 0 ? 1 : 0;
  }

  private static final String USAGE =
      "usage: conformance DIR... [--filter REGEX] [--timeout SECONDS]\n"
      + "  DIR is a suite (folders test_*) or one case (model.onnx + test_data_set_*);\n"
      + "  REGEX is searched in '<suite>/<case>'.";

  private static String value(String[] args, int i, String opt) {
    if (i >= args.length) {
      throw new IllegalArgumentException(opt + " needs a value");
    }
    return args[i];
  }

  /** Runs every case under {@code dirs} whose id matches {@code filter}, with the default time limit. */
  public static Summary run(List<Path> dirs, Predicate<String> filter, PrintStream out) {
    return run(dirs, filter, out, DEFAULT_TIME_LIMIT);
  }

  /**
   * Runs every case under {@code dirs} whose id ({@code suite/case}) matches {@code filter},
   * printing one line per case as it finishes and the summary line at the end.
   */
  public static Summary run(List<Path> dirs, Predicate<String> filter, PrintStream out, Duration limit) {
    return run(dirs, filter, out, limit, Conformance::runCase);
  }

  /** {@link #run(List, Predicate, PrintStream, Duration)} with another way to run one case (tests). */
  static Summary run(List<Path> dirs, Predicate<String> filter, PrintStream out, Duration limit,
      BiFunction<Path, String, Result> caseRunner) {
    List<Result> results = new ArrayList<>();
    ExecutorService exec = newExecutor();
    try {
      for (Path dir : dirs) {
        for (Path c : cases(dir)) {
          String id = id(c);
          if (!filter.test(id)) {
            continue;
          }
          Future<Result> f = exec.submit(() -> caseRunner.apply(c, id));
          Result r;
          try {
            r = f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            f.cancel(true);
            exec.shutdownNow(); // the stuck thread is a daemon; carry on with a fresh one
            exec = newExecutor();
            r = new Result(id, Status.FAIL, "timed out after " + (limit.toMillis() % 1000 == 0
                ? limit.toSeconds() + " s" : limit.toMillis() + " ms"));
          } catch (ExecutionException e) {
            r = new Result(id, Status.FAIL, describe(e.getCause()));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = new Result(id, Status.FAIL, "interrupted");
          }
          results.add(r);
          out.println(r);
          out.flush();
        }
      }
    } finally {
      exec.shutdownNow();
    }
    Summary s = new Summary(results);
    out.println(s);
    out.flush();
    return s;
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "conformance-case");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The case folders of {@code dir}: itself when it holds a {@code model.onnx}, else its
   * {@code test_*} subfolders in name order. Throws when it is neither.
   */
  public static List<Path> cases(Path dir) {
    if (Files.isRegularFile(dir.resolve("model.onnx"))) {
      return List.of(dir);
    }
    List<Path> r = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("test_"))
          .sorted()
          .forEach(r::add);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (r.isEmpty()) {
      throw new IllegalArgumentException(dir + " is neither a test case (model.onnx) nor a suite (test_* folders)");
    }
    return r;
  }

  /** {@code <suite>/<case>}: the case folder's parent name and its own. */
  public static String id(Path caseDir) {
    Path abs = caseDir.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    return (parent == null || parent.getFileName() == null ? "" : parent.getFileName() + "/")
        + abs.getFileName();
  }

  /** Runs one case without a time limit; never throws. */
  public static Result runCase(Path caseDir, String id) {
    try {
      Result r = check(caseDir);
      return r == null ? new Result(id, Status.PASS, null) : new Result(id, r.status, r.reason);
    } catch (Throwable e) {
      return new Result(id, Status.FAIL, describe(e));
    }
  }

  /** Returns null on PASS, or the status and reason otherwise. */
  private static Result check(Path caseDir) {
    Path model = caseDir.resolve("model.onnx");
    if (!Files.isRegularFile(model)) {
      return new Result("", Status.SKIP, "no model.onnx (the model is not installed)");
    }
    ModelProto proto = OnnxReader.parse(model);
    List<String> skip = skipReasons(proto);
    if (!skip.isEmpty()) {
      return new Result("", Status.SKIP, String.join("; ", skip));
    }
    Graph g = OnnxReader.convert(proto, model.toString(), caseDir);
    List<Path> sets = dataSets(caseDir);
    if (sets.isEmpty()) {
      return new Result("", Status.FAIL, "no test_data_set_* folder");
    }
    try (Session s = new Session(g)) {
      for (Path set : sets) {
        String why = runDataSet(s, g, set);
        if (why != null) {
          return new Result("", Status.FAIL,
              (sets.size() > 1 ? set.getFileName() + ": " : "") + why);
        }
      }
    }
    return null;
  }

  private static List<Path> dataSets(Path caseDir) {
    try (Stream<Path> s = Files.list(caseDir)) {
      List<Path> r = new ArrayList<>();
      s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("test_data_set_"))
          .sorted()
          .forEach(r::add);
      return r;
    } catch (IOException e) {
      throw new QuantLensException("cannot list " + caseDir + ": " + e.getMessage(), e);
    }
  }

  /** Files {@code prefix_0.pb, prefix_1.pb, ...} in index order, up to the first gap. */
  private static List<Path> numbered(Path set, String prefix) {
    List<Path> r = new ArrayList<>();
    for (int i = 0; Files.isRegularFile(set.resolve(prefix + "_" + i + ".pb")); i++) {
      r.add(set.resolve(prefix + "_" + i + ".pb"));
    }
    return r;
  }

  /** Runs one data set; returns null when all outputs match, else why not. */
  private static String runDataSet(Session s, Graph g, Path set) {
    List<Path> inFiles = numbered(set, "input");
    List<Value> inputs = g.inputs();
    if (inFiles.size() > inputs.size()) {
      return inFiles.size() + " input files but the model has " + inputs.size() + " inputs";
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (int i = 0; i < inFiles.size(); i++) {
      TensorProto p = TensorProtos.parse(inFiles.get(i));
      String name = matchName(p.getName(), inputs, i);
      feeds.put(name, TensorProtos.toTensor(p, inFiles.get(i) + ": input '" + name + "'"));
    }
    Map<String, Tensor> got = s.run(feeds);
    List<Path> outFiles = numbered(set, "output");
    List<Value> outputs = g.outputs();
    if (outFiles.size() != outputs.size()) {
      return outFiles.size() + " output files but the model has " + outputs.size() + " outputs";
    }
    for (int i = 0; i < outFiles.size(); i++) {
      TensorProto p = TensorProtos.parse(outFiles.get(i));
      String name = matchName(p.getName(), outputs, i);
      Tensor expected = TensorProtos.toTensor(p, outFiles.get(i) + ": output '" + name + "'");
      String why = compare(expected, got.get(name));
      if (why != null) {
        return "output '" + name + "': " + why;
      }
    }
    return null;
  }

  /** The stored name when it names one of {@code values}, else the value at position {@code i}. */
  private static String matchName(String stored, List<Value> values, int i) {
    for (Value v : values) {
      if (v.name().equals(stored)) {
        return stored;
      }
    }
    return values.get(i).name();
  }

  /**
   * Null when {@code got} matches {@code expected}: same element type and shape, floating values
   * within {@link #ATOL} + {@link #RTOL}·|expected| (NaN equals NaN, infinities must be equal),
   * everything else exactly. Otherwise the first mismatch, the mismatch count and the worst error.
   */
  public static String compare(Tensor expected, Tensor got) {
    if (got == null) {
      return "not produced";
    }
    if (got.dtype() != expected.dtype()) {
      return "expected element type " + TensorProtos.typeName(expected.dtype()) + ", got "
          + TensorProtos.typeName(got.dtype());
    }
    if (!Arrays.equals(got.shape(), expected.shape())) {
      return "expected shape " + shapeText(expected.shape()) + ", got " + shapeText(got.shape());
    }
    boolean floating = expected.dtype().isFloating();
    int first = -1;
    int bad = 0;
    double worst = 0;
    for (int i = 0; i < expected.size(); i++) {
      boolean ok;
      if (floating) {
        double e = expected.getDouble(i);
        double a = got.getDouble(i);
        if (Double.isNaN(e) || Double.isNaN(a)) {
          ok = Double.isNaN(e) && Double.isNaN(a);
        } else if (Double.isInfinite(e) || Double.isInfinite(a)) {
          ok = e == a;
        } else {
          double err = Math.abs(a - e);
          ok = err <= ATOL + RTOL * Math.abs(e);
          if (!ok) {
            worst = Math.max(worst, err);
          }
        }
      } else {
        ok = expected.getLong(i) == got.getLong(i);
      }
      if (!ok) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad == 0) {
      return null;
    }
    return "mismatch at index " + first + indexText(first, expected.shape()) + ": expected "
        + text(expected, first) + ", got " + text(got, first) + " (" + bad + " of " + expected.size()
        + " elements differ" + (floating && worst > 0 ? String.format(Locale.ROOT, ", max abs error %.3g", worst) : "")
        + ")";
  }

  private static String text(Tensor t, int i) {
    return t.dtype().isFloating() ? String.valueOf(t.getDouble(i))
        : t.dtype() == org.quantlens.engine.tensor.DType.U64 ? Long.toUnsignedString(t.getLong(i))
        : String.valueOf(t.getLong(i));
  }

  private static String shapeText(int[] s) {
    return Arrays.toString(s).replace(" ", "");
  }

  private static String indexText(int flat, int[] shape) {
    if (shape.length < 2) {
      return "";
    }
    int[] idx = new int[shape.length];
    for (int a = shape.length - 1; a >= 0; a--) {
      idx[a] = flat % shape[a];
      flat /= shape[a];
    }
    return " " + shapeText(idx);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    if (e instanceof QuantLensException && m != null) {
      return m.replace('\n', ' ');
    }
    return (e.getClass().getSimpleName() + (m == null ? "" : ": " + m)).replace('\n', ' ');
  }

  /**
   * Why the engine cannot run {@code model}, or an empty list: every node without a registered
   * operator at the model's opset (as {@code Op-opset}, subgraphs included), and every input,
   * output, initializer, value or constant of a type the engine lacks.
   */
  public static List<String> skipReasons(ModelProto model) {
    Map<String, Integer> opsets = new LinkedHashMap<>();
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
      opsets.merge(d, (int) Math.min(Integer.MAX_VALUE, o.getVersion()), Math::max);
    }
    if (opsets.isEmpty()) {
      opsets.put("", 1);
    }
    Set<String> ops = new LinkedHashSet<>();
    Set<String> types = new LinkedHashSet<>();
    scan(model.getGraph(), opsets, ops, types, 0);
    List<String> r = new ArrayList<>();
    if (!ops.isEmpty()) {
      r.add("unsupported ops: " + String.join(", ", ops));
    }
    if (!types.isEmpty()) {
      r.add("unsupported types: " + String.join(", ", types));
    }
    return r;
  }

  private static void scan(GraphProto g, Map<String, Integer> opsets, Set<String> ops,
      Set<String> types, int depth) {
    if (depth > OnnxReader.MAX_SUBGRAPH_DEPTH) {
      return; // the reader reports it
    }
    OpRegistry registry = OpRegistry.standard();
    Set<String> initNames = new LinkedHashSet<>();
    for (TensorProto t : g.getInitializerList()) {
      initNames.add(t.getName());
      elemType(t.getDataType(), "initializer", types);
    }
    for (ValueInfoProto v : g.getInputList()) {
      if (!initNames.contains(v.getName())) {
        type(v.getType(), "input", types);
      }
    }
    for (ValueInfoProto v : g.getOutputList()) {
      type(v.getType(), "output", types);
    }
    for (ValueInfoProto v : g.getValueInfoList()) {
      type(v.getType(), "value", types);
    }
    if (g.getSparseInitializerCount() > 0) {
      for (var sp : g.getSparseInitializerList()) {
        elemType(sp.getValues().getDataType(), "initializer", types);
      }
    }
    for (NodeProto n : g.getNodeList()) {
      String d = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
      Integer v = opsets.containsKey(d) ? opsets.get(d) : opsets.get("");
      int opset = v == null ? 0 : v;
      if (registry.find(d, n.getOpType(), opset) == null) {
        ops.add((d.isEmpty() ? "" : d + ".") + n.getOpType() + "-" + opset);
      }
      for (AttributeProto a : n.getAttributeList()) {
        if (a.hasT()) {
          elemType(a.getT().getDataType(), "constant", types);
        }
        for (TensorProto t : a.getTensorsList()) {
          elemType(t.getDataType(), "constant", types);
        }
        if (a.hasSparseTensor()) {
          elemType(a.getSparseTensor().getValues().getDataType(), "constant", types);
        }
        if (a.hasG()) {
          scan(a.getG(), opsets, ops, types, depth + 1);
        }
        for (GraphProto sub : a.getGraphsList()) {
          scan(sub, opsets, ops, types, depth + 1);
        }
      }
    }
  }

  private static void type(TypeProto t, String role, Set<String> types) {
    switch (t.getValueCase()) {
      case TENSOR_TYPE:
        if (t.getTensorType().getElemType() != 0) {
          elemType(t.getTensorType().getElemType(), role, types);
        }
        break;
      case SEQUENCE_TYPE: types.add("sequence " + role); break;
      case OPTIONAL_TYPE: types.add("optional " + role); break;
      case MAP_TYPE: types.add("map " + role); break;
      case SPARSE_TENSOR_TYPE: types.add("sparse tensor " + role); break;
      default: // no type given: nothing to check
    }
  }

  private static void elemType(int onnxType, String role, Set<String> types) {
    if (TensorProtos.dtype(onnxType) == null) {
      types.add(TensorProtos.typeName(onnxType).toLowerCase(Locale.ROOT) + " " + role);
    }
  }
}
