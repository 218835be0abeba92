package org.quantlens.study.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The study's datasets by name, with train and test splits: {@code fashion-mnist}, {@code mnist},
 * {@code cifar10}, {@code imdb}, and {@code fashion-mnist-mini} (bundled in the jar: 500 training
 * and 100 test images per class of Fashion-MNIST).
 *
 * <p>A dataset is looked for, in order, in {@code $QUANTLENS_DATA/<name>/},
 * {@code ~/.cache/quantlens/<name>/} and, for Fashion-MNIST, {@code /usr/share/datasets/fashion-mnist/}
 * (Debian's {@code dataset-fashion-mnist}); the first folder holding all its files is used. If none
 * does, it is downloaded from its official URL into a temporary folder under the cache, checked
 * against the size and SHA-256 recorded here, unpacked if it is an archive, and only then moved into
 * {@code ~/.cache/quantlens/<name>/}. Connecting times out after a few seconds, so offline use
 * fails fast, with a message saying which files to put where. Set {@code QUANTLENS_OFFLINE=1} to
 * never try the network.
 *
 * <p>Checksums: SHA-256 and sizes of the official files as recorded by TensorFlow Datasets
 * ({@code tensorflow_datasets/url_checksums/{mnist,fashion_mnist,cifar10,imdb_reviews}.txt}). MNIST's
 * files are fetched from the Google-hosted copy that record names (LeCun's site no longer serves them
 * reliably); they are the original files (same sizes). Debian's Fashion-MNIST files were re-compressed
 * and have other checksums: files found locally are checked by parsing, not by checksum.
 */
public final class DatasetRegistry {
  /** Environment variable naming a folder that holds {@code <name>/} dataset folders. */
  public static final String ENV_DATA = "QUANTLENS_DATA";
  /** Environment variable that, set to 1 or true, turns downloading off. */
  public static final String ENV_OFFLINE = "QUANTLENS_OFFLINE";
  /** The default connect timeout: short, so that a machine without network fails fast. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final String MINI_RESOURCES = "/org/quantlens/study/data/fashion-mnist-mini/";

  /** One file to download: its name in the dataset folder, URL, size in bytes and SHA-256 (hex). */
  public record Remote(String file, String url, long size, String sha256) {}

  private enum Kind { IDX, CIFAR10, IMDB, EMBEDDED }

  private record Spec(String name, Kind kind, List<Remote> remotes, Path systemDir, String hint) {}

  private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

  static {
    String fm = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    add(new Spec("fashion-mnist", Kind.IDX, List.of(
        new Remote("train-images-idx3-ubyte.gz", fm + "train-images-idx3-ubyte.gz", 26421880,
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        new Remote("train-labels-idx1-ubyte.gz", fm + "train-labels-idx1-ubyte.gz", 29515,
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        new Remote("t10k-images-idx3-ubyte.gz", fm + "t10k-images-idx3-ubyte.gz", 4422102,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        new Remote("t10k-labels-idx1-ubyte.gz", fm + "t10k-labels-idx1-ubyte.gz", 5148,
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")),
        Path.of("/usr/share/datasets/fashion-mnist"),
        "Or install Debian's package: apt-get install dataset-fashion-mnist "
            + "(files in /usr/share/datasets/fashion-mnist/)."));
    String mn = "https://storage.googleapis.com/cvdf-datasets/mnist/";
    add(new Spec("mnist", Kind.IDX, List.of(
        new Remote("train-images-idx3-ubyte.gz", mn + "train-images-idx3-ubyte.gz", 9912422,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        new Remote("train-labels-idx1-ubyte.gz", mn + "train-labels-idx1-ubyte.gz", 28881,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        new Remote("t10k-images-idx3-ubyte.gz", mn + "t10k-images-idx3-ubyte.gz", 1648877,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        new Remote("t10k-labels-idx1-ubyte.gz", mn + "t10k-labels-idx1-ubyte.gz", 4542,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        null, ""));
    add(new Spec("cifar10", Kind.CIFAR10, List.of(
        new Remote("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
            170052171, "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd")),
        null, "Unpack it there (tar xzf cifar-10-binary.tar.gz), giving "
            + "cifar-10-batches-bin/data_batch_1.bin .. data_batch_5.bin and test_batch.bin."));
    add(new Spec("imdb", Kind.IMDB, List.of(
        new Remote("aclImdb_v1.tar.gz", "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
            84125825, "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe")),
        null, "Unpack it there (tar xzf aclImdb_v1.tar.gz), giving aclImdb/{train,test}/{pos,neg}/*.txt."));
    add(new Spec("fashion-mnist-mini", Kind.EMBEDDED, List.of(), null, ""));
  }

  private static void add(Spec s) {
    SPECS.put(s.name(), s);
  }

  private final Path dataDir;
  private final Path cacheDir;
  private final boolean systemDirs;
  private final boolean download;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Map<String, List<Remote>> mirrors;

  private DatasetRegistry(Builder b) {
    this.dataDir = b.dataDir;
    this.cacheDir = b.cacheDir;
    this.systemDirs = b.systemDirs;
    this.download = b.download;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.mirrors = Map.copyOf(b.mirrors);
  }

  /** The registry as configured by the environment ({@code QUANTLENS_DATA}, {@code QUANTLENS_OFFLINE}, the home folder). */
  public static DatasetRegistry standard() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The dataset names, in a stable order. */
  public static List<String> names() {
    return List.copyOf(SPECS.keySet());
  }

  /** The official files of a dataset (empty for the bundled one). */
  public static List<Remote> remotes(String name) {
    return spec(name).remotes();
  }

  /** The folders searched for {@code name}, in order. */
  public List<Path> searchPath(String name) {
    Spec s = spec(name);
    List<Path> dirs = new ArrayList<>();
    if (s.kind() == Kind.EMBEDDED) {
      return dirs;
    }
    if (dataDir != null) {
      dirs.add(dataDir.resolve(name));
    }
    dirs.add(cacheDir.resolve(name));
    if (systemDirs && s.systemDir() != null) {
      dirs.add(s.systemDir());
    }
    return dirs;
  }

  /** The first folder of {@link #searchPath} holding all of the dataset's files, if any. */
  public Optional<Path> find(String name) {
    Spec s = spec(name);
    for (Path d : searchPath(name)) {
      if (complete(s, d)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /**
   * The folder of {@code name}, downloading it into the cache if no folder has it (and downloading
   * is on). Throws a {@link DataLoadException} that says which files to put where when it can't.
   */
  public Path locate(String name) {
    Spec s = spec(name);
    if (s.kind() == Kind.EMBEDDED) {
      throw new IllegalArgumentException(name + " is bundled in the jar and has no folder");
    }
    Optional<Path> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    String why;
    if (!download) {
      why = "Downloading is off (" + ENV_OFFLINE + " or the registry's settings).";
    } else {
      try {
        Path d = download(s);
        if (complete(s, d)) {
          return d;
        }
        why = "The download finished but " + d + " still lacks files.";
      } catch (Downloads.VerificationException e) {
        throw new DataLoadException(name + ": download failed verification: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        why = "Downloading failed: " + e;
      }
    }
    throw new DataLoadException(instructions(name, why));
  }

  /** Loads an image dataset's split. */
  public ImageDataset images(String name, Split split) {
    Spec s = spec(name);
    String id = name + "-" + split.id();
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    switch (s.kind()) {
      case EMBEDDED:
        return mini(split);
      case IDX: {
        Path d = locate(name);
        List<String> classes = name.equals("mnist") ? Idx.MNIST_CLASSES : Idx.FASHION_MNIST_CLASSES;
        return Idx.load(id, existing(d, prefix + "-images-idx3-ubyte.gz"),
            existing(d, prefix + "-labels-idx1-ubyte.gz"), classes);
      }
      case CIFAR10:
        return Cifar.load10(locate(name), split);
      default:
        throw new IllegalArgumentException(name + " is a text dataset; use texts()");
    }
  }

  /** Loads a text dataset's split ({@code imdb}). */
  public TextDataset texts(String name, Split split) {
    Spec s = spec(name);
    if (s.kind() != Kind.IMDB) {
      throw new IllegalArgumentException(name + " is an image dataset; use images()");
    }
    return TextLoaders.imdb(locate(name), split);
  }

  /** The bundled Fashion-MNIST subset (500 train / 100 test images per class). */
  public static ImageDataset mini(Split split) {
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    String img = MINI_RESOURCES + prefix + "-images-idx3-ubyte.gz";
    String lab = MINI_RESOURCES + prefix + "-labels-idx1-ubyte.gz";
    try (InputStream a = resource(img); InputStream b = resource(lab)) {
      return Idx.load("fashion-mnist-mini-" + split.id(), a, "jar:" + img, b, "jar:" + lab,
          Idx.FASHION_MNIST_CLASSES);
    } catch (IOException e) {
      throw new DataLoadException("fashion-mnist-mini: cannot read bundled resource: " + e.getMessage(), e);
    }
  }

  private static InputStream resource(String path) {
    InputStream in = DatasetRegistry.class.getResourceAsStream(path);
    if (in == null) {
      throw new DataLoadException("jar:" + path + ": bundled resource missing (a broken build?)");
    }
    return in;
  }

  /** What to do when {@code name} is missing: where we looked and which files to put where. */
  public String instructions(String name) {
    return instructions(name, "");
  }

  private String instructions(String name, String why) {
    Spec s = spec(name);
    StringBuilder b = new StringBuilder();
    b.append(name).append(": dataset not found. Looked in:\n");
    if (dataDir == null) {
      b.append("  $").append(ENV_DATA).append("/").append(name).append("/ ($").append(ENV_DATA)
          .append(" is not set)\n");
    }
    for (Path d : searchPath(name)) {
      b.append("  ").append(d).append("/\n");
    }
    if (!why.isEmpty()) {
      b.append(why).append('\n');
    }
    b.append("To install it by hand, put ").append(s.remotes().size() == 1 ? "this file" : "these files")
        .append(" into ").append(cacheDir.resolve(name)).append("/");
    if (dataDir != null) {
      b.append(" (or ").append(dataDir.resolve(name)).append("/)");
    }
    b.append(":\n");
    for (Remote r : remotes(s)) {
      b.append("  ").append(r.file()).append("  from ").append(r.url()).append("  (")
          .append(r.size()).append(" bytes, sha256 ").append(r.sha256()).append(")\n");
    }
    if (!s.hint().isEmpty()) {
      b.append(s.hint()).append('\n');
    }
    if (name.startsWith("fashion-mnist")) {
      b.append("For a first try without any download, use fashion-mnist-mini (bundled in the jar).\n");
    }
    return b.toString().strip();
  }

  private List<Remote> remotes(Spec s) {
    return mirrors.getOrDefault(s.name(), s.remotes());
  }

  private Path download(Spec s) throws IOException {
    Files.createDirectories(cacheDir);
    Path tmp = Files.createTempDirectory(cacheDir, "." + s.name() + "-download-");
    try {
      for (Remote r : remotes(s)) {
        Path f = tmp.resolve(r.file());
        Downloads.fetch(r.url(), f, r.size(), r.sha256(), millis(connectTimeout), millis(readTimeout));
        if (s.kind() == Kind.CIFAR10 || s.kind() == Kind.IMDB) {
          Downloads.untar(f, tmp, n -> n.contains("/unsup/"));
          Files.delete(f);
        }
      }
      Path target = cacheDir.resolve(s.name());
      Files.createDirectories(target);
      try (var entries = Files.list(tmp)) {
        for (Path e : entries.toList()) {
          Path dest = target.resolve(e.getFileName().toString());
          Downloads.deleteTree(dest);
          Files.move(e, dest, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      return target;
    } finally {
      Downloads.deleteTree(tmp);
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static boolean complete(Spec s, Path d) {
    if (!Files.isDirectory(d)) {
      return false;
    }
    switch (s.kind()) {
      case IDX:
        for (Remote r : s.remotes()) {
          if (existing(d, r.file()) == null) {
            return false;
          }
        }
        return true;
      case CIFAR10: {
        Path b = Files.isDirectory(d.resolve("cifar-10-batches-bin")) ? d.resolve("cifar-10-batches-bin") : d;
        for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin")) {
          if (!Files.isRegularFile(b.resolve(f))) {
            return false;
          }
        }
        return true;
      }
      case IMDB: {
        Path b = Files.isDirectory(d.resolve("aclImdb")) ? d.resolve("aclImdb") : d;
        for (String sub : List.of("train/pos", "train/neg", "test/pos", "test/neg")) {
          if (!Files.isDirectory(b.resolve(sub))) {
            return false;
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** {@code dir/file}, or the same name without {@code .gz} (an unpacked copy), or null. */
  private static Path existing(Path dir, String file) {
    Path p = dir.resolve(file);
    if (Files.isRegularFile(p)) {
      return p;
    }
    if (file.endsWith(".gz")) {
      Path raw = dir.resolve(file.substring(0, file.length() - 3));
      if (Files.isRegularFile(raw)) {
        return raw;
      }
    }
    return null;
  }

  private static Spec spec(String name) {
    Spec s = SPECS.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown dataset '" + name + "'; known: " + SPECS.keySet());
    }
    return s;
  }

  /** Settings of a registry; defaults come from the environment. */
  public static final class Builder {
    private Path dataDir;
    private Path cacheDir;
    private boolean systemDirs = true;
    private boolean download;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = Duration.ofSeconds(30);
    private final Map<String, List<Remote>> mirrors = new HashMap<>();

    private Builder() {
      String env = System.getenv(ENV_DATA);
      dataDir = env == null || env.isBlank() ? null : Path.of(env);
      cacheDir = Path.of(System.getProperty("user.home"), ".cache", "quantlens");
      String off = System.getenv(ENV_OFFLINE);
      download = !(off != null && (off.equals("1") || off.equalsIgnoreCase("true")));
    }

    /** The folder holding {@code <name>/} folders searched first; null for none. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Where downloads go ({@code <cacheDir>/<name>/}); searched second. */
    public Builder cacheDir(Path dir) {
      this.cacheDir = dir;
      return this;
    }

    /** Whether system folders ({@code /usr/share/datasets/..}) are searched. */
    public Builder systemDirs(boolean on) {
      this.systemDirs = on;
      return this;
    }

    /** Whether a missing dataset may be downloaded. */
    public Builder download(boolean on) {
      this.download = on;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder readTimeout(Duration d) {
      this.readTimeout = d;
      return this;
    }

    /**
     * Fetches {@code name} from other URLs (a mirror, or a local server in tests) with their own
     * sizes and checksums; same file names as {@link #remotes(String)}.
     */
    public Builder mirror(String name, List<Remote> files) {
      spec(name);
      mirrors.put(name, List.copyOf(files));
      return this;
    }

    public DatasetRegistry build() {
      return new DatasetRegistry(this);
    }
  }

  /** The connect timeout in use. */
  public Duration connectTimeout() {
    return connectTimeout;
  }
}
