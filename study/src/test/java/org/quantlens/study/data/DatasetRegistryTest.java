package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.study.data.DatasetRegistry.Remote;

class DatasetRegistryTest {
  @TempDir Path dir;

  private static final String[] IDX_FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
      "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

  /** Tiny IDX files: train has 3 images 1x2, test 1; pixel values encode split and index. */
  private static Map<String, byte[]> tinyIdx() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put(IDX_FILES[0], Bin.gzip(Bin.be().u8(0, 0, 8, 3).i32(3).i32(1).i32(2).u8(1, 2, 3, 4, 5, 6).toBytes()));
    m.put(IDX_FILES[1], Bin.gzip(Bin.be().u8(0, 0, 8, 1).i32(3).u8(9, 0, 4).toBytes()));
    m.put(IDX_FILES[2], Bin.gzip(Bin.be().u8(0, 0, 8, 3).i32(1).i32(1).i32(2).u8(77, 88).toBytes()));
    m.put(IDX_FILES[3], Bin.gzip(Bin.be().u8(0, 0, 8, 1).i32(1).u8(5).toBytes()));
    return m;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static List<Remote> remotes(String base, Map<String, byte[]> files, boolean corrupt) throws Exception {
    List<Remote> r = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      String sha = sha256(e.getValue());
      if (corrupt) {
        sha = sha.substring(1) + (sha.charAt(0) == '0' ? "1" : "0");
      }
      r.add(new Remote(e.getKey(), base + e.getKey(), e.getValue().length, sha));
    }
    return r;
  }

  private DatasetRegistry.Builder isolated() {
    return DatasetRegistry.builder().dataDir(null).cacheDir(dir.resolve("cache")).systemDirs(false).download(false);
  }

  private List<Path> leftovers() throws Exception {
    Path cache = dir.resolve("cache");
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(cache)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".")).toList();
    }
  }

  @Test
  void searchPathIsDataDirThenCacheThenDebianFolder() {
    DatasetRegistry r = DatasetRegistry.builder().dataDir(dir.resolve("d")).cacheDir(dir.resolve("c")).systemDirs(true).build();
    assertEquals(List.of(dir.resolve("d/fashion-mnist"), dir.resolve("c/fashion-mnist"),
        Path.of("/usr/share/datasets/fashion-mnist")), r.searchPath("fashion-mnist"));
    assertEquals(List.of(dir.resolve("d/mnist"), dir.resolve("c/mnist")), r.searchPath("mnist"));
    assertEquals(List.of("fashion-mnist", "mnist", "cifar10", "imdb", "fashion-mnist-mini"), DatasetRegistry.names());
  }

  @Test
  void firstCompleteFolderWinsAndUnpackedFilesCount() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data/mnist"));
    Path cache = Files.createDirectories(dir.resolve("cache/mnist"));
    Map<String, byte[]> files = tinyIdx();
    int k = 0;
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      if (k++ < 3) {
        Files.write(data.resolve(e.getKey()), e.getValue()); // incomplete: one file missing
      }
      // the cache holds unpacked copies without the .gz suffix
      Files.write(cache.resolve(e.getKey().replace(".gz", "")), new java.util.zip.GZIPInputStream(
          new java.io.ByteArrayInputStream(e.getValue())).readAllBytes());
    }
    DatasetRegistry r = isolated().dataDir(dir.resolve("data")).build();
    assertEquals(cache, r.find("mnist").orElseThrow());
    ImageDataset test = r.images("mnist", Split.TEST);
    assertArrayEquals(new byte[] {77, 88}, test.images().bytes());
    assertArrayEquals(new long[] {5}, test.labels().longs());
  }

  @Test
  void offlineErrorSaysWhichFilesToPutWhere() {
    DatasetRegistry r = isolated().build();
    DataLoadException e = assertThrows(DataLoadException.class, () -> r.images("fashion-mnist", Split.TRAIN));
    String m = e.getMessage();
    for (String f : IDX_FILES) {
      assertTrue(m.contains(f), m);
    }
    assertTrue(m.contains(dir.resolve("cache/fashion-mnist").toString()), m);
    assertTrue(m.contains("apt-get install dataset-fashion-mnist"), m);
    assertTrue(m.contains("fashion-mnist-mini"), m);
    assertTrue(m.contains("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"), m);
    String c = assertThrows(DataLoadException.class, () -> r.images("cifar10", Split.TEST)).getMessage();
    assertTrue(c.contains("cifar-10-binary.tar.gz") && c.contains("tar xzf"), c);
  }

  @Test
  void downloadFromLocalServerIsVerifiedThenMovedIntoTheCache() throws Exception {
    Map<String, byte[]> files = tinyIdx();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      server.createContext("/m/" + e.getKey(), x -> {
        x.sendResponseHeaders(200, e.getValue().length);
        x.getResponseBody().write(e.getValue());
        x.close();
      });
    }
    // one file is reached through a redirect
    server.createContext("/old/", x -> {
      x.getResponseHeaders().add("Location", "/m/" + IDX_FILES[0]);
      x.sendResponseHeaders(302, -1);
      x.close();
    });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/m/";
      List<Remote> remotes = new ArrayList<>(remotes(base, files, false));
      Remote first = remotes.get(0);
      remotes.set(0, new Remote(first.file(), base.replace("/m/", "/old/") + first.file(), first.size(), first.sha256()));
      DatasetRegistry r = isolated().download(true).mirror("mnist", remotes).build();
      ImageDataset train = r.images("mnist", Split.TRAIN);
      assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, train.images().bytes());
      assertArrayEquals(new long[] {9, 0, 4}, train.labels().longs());
      for (String f : IDX_FILES) {
        assertArrayEquals(files.get(f), Files.readAllBytes(dir.resolve("cache/mnist").resolve(f)));
      }
      assertEquals(List.of(), leftovers());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void checksumMismatchFailsAndLeavesNothingInTheCache() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    for (Map.Entry<String, byte[]> e : tinyIdx().entrySet()) {
      Files.write(src.resolve(e.getKey()), e.getValue());
    }
    DatasetRegistry r = isolated().download(true)
        .mirror("mnist", remotes(src.toUri().toString(), tinyIdx(), true)).build();
    DataLoadException e = assertThrows(DataLoadException.class, () -> r.images("mnist", Split.TRAIN));
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("cache/mnist")));
    assertEquals(List.of(), leftovers());
  }

  @Test
  void cifar10ArchiveFromFileUrlIsUnpackedIntoTheCache() throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("cifar-10-batches-bin/", new byte[0]);
    for (int i = 1; i <= 5; i++) {
      byte[] record = new byte[3073];
      record[0] = (byte) i;
      entries.put("cifar-10-batches-bin/data_batch_" + i + ".bin", record);
    }
    byte[] record = new byte[3073];
    record[0] = 6;
    record[1] = (byte) 200;
    entries.put("cifar-10-batches-bin/test_batch.bin", record);
    byte[] tgz = Bin.gzip(Tar.of(entries));
    Path archive = Files.write(dir.resolve("cifar-10-binary.tar.gz"), tgz);
    DatasetRegistry r = isolated().download(true).mirror("cifar10", List.of(
        new Remote("cifar-10-binary.tar.gz", archive.toUri().toString(), tgz.length, sha256(tgz)))).build();
    ImageDataset test = r.images("cifar10", Split.TEST);
    assertEquals(1, test.size());
    assertEquals(6, test.labels().longs()[0]);
    assertEquals(200, test.images().bytes()[0] & 0xff);
    assertArrayEquals(new long[] {1, 2, 3, 4, 5}, r.images("cifar10", Split.TRAIN).labels().longs());
    assertTrue(Files.isRegularFile(dir.resolve("cache/cifar10/cifar-10-batches-bin/data_batch_5.bin")));
    assertFalse(Files.exists(dir.resolve("cache/cifar10/cifar-10-binary.tar.gz")));
    assertEquals(List.of(), leftovers());
  }

  @Test
  void imdbArchiveIsUnpackedWithoutUnsupAndLoadsAsText() throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (String s : List.of("train", "test")) {
      entries.put("aclImdb/" + s + "/pos/1_9.txt", (s + " good").getBytes(StandardCharsets.UTF_8));
      entries.put("aclImdb/" + s + "/neg/1_2.txt", (s + " bad").getBytes(StandardCharsets.UTF_8));
    }
    entries.put("aclImdb/train/unsup/0_0.txt", "skip me".getBytes(StandardCharsets.UTF_8));
    byte[] tgz = Bin.gzip(Tar.of(entries));
    Path archive = Files.write(dir.resolve("a.tgz"), tgz);
    DatasetRegistry r = isolated().download(true).mirror("imdb", List.of(
        new Remote("aclImdb_v1.tar.gz", archive.toUri().toString(), tgz.length, sha256(tgz)))).build();
    TextDataset test = r.texts("imdb", Split.TEST);
    assertEquals(List.of("test bad", "test good"), test.texts());
    assertFalse(Files.exists(dir.resolve("cache/imdb/aclImdb/train/unsup")));
  }

  @Test
  void archiveEntryEscapingTheFolderIsRejected() throws Exception {
    byte[] tgz = Bin.gzip(Tar.of(Map.of("../evil.txt", new byte[] {1})));
    Path archive = Files.write(dir.resolve("e.tgz"), tgz);
    DatasetRegistry r = isolated().download(true).mirror("imdb", List.of(
        new Remote("aclImdb_v1.tar.gz", archive.toUri().toString(), tgz.length, sha256(tgz)))).build();
    DataLoadException e = assertThrows(DataLoadException.class, () -> r.texts("imdb", Split.TEST));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("evil.txt")));
    assertFalse(Files.exists(dir.resolve("cache/evil.txt")));
  }

  @Test
  void closedPortFailsFastWithInstructions() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DatasetRegistry r = isolated().download(true)
        .mirror("mnist", remotes("http://127.0.0.1:" + port + "/", tinyIdx(), false)).build();
    long t0 = System.nanoTime();
    DataLoadException e = assertThrows(DataLoadException.class, () -> r.images("mnist", Split.TRAIN));
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "offline failure should be quick");
    assertTrue(e.getMessage().contains("Downloading failed") && e.getMessage().contains(IDX_FILES[0]), e.getMessage());
    assertEquals(List.of(), leftovers());
  }

  @Test
  void silentServerHitsTheReadTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      DatasetRegistry r = isolated().download(true).readTimeout(Duration.ofMillis(300))
          .mirror("mnist", remotes("http://127.0.0.1:" + silent.getLocalPort() + "/", tinyIdx(), false)).build();
      long t0 = System.nanoTime();
      DataLoadException e = assertThrows(DataLoadException.class, () -> r.images("mnist", Split.TRAIN));
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
      assertTrue(e.getMessage().toLowerCase().contains("timed out"), e.getMessage());
    }
  }

  @Test
  void defaultConnectTimeoutIsAFewSeconds() {
    Duration d = DatasetRegistry.standard().connectTimeout();
    assertTrue(d.compareTo(Duration.ofSeconds(5)) <= 0 && d.compareTo(Duration.ofSeconds(1)) >= 0, d.toString());
  }

  @Test
  void unknownNamesAndWrongKindsAreRejected() {
    DatasetRegistry r = isolated().build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.images("svhn", Split.TEST));
    assertTrue(e.getMessage().contains("fashion-mnist"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> r.images("imdb", Split.TEST));
    assertThrows(IllegalArgumentException.class, () -> r.texts("mnist", Split.TEST));
  }

  @Test
  void debianFashionMnistIsFoundInItsSystemFolder() {
    assumeTrue(Files.isDirectory(IdxTest.FASHION), "Fashion-MNIST not installed at " + IdxTest.FASHION
        + " (apt-get install dataset-fashion-mnist); skipping");
    DatasetRegistry r = isolated().systemDirs(true).build();
    assertEquals(IdxTest.FASHION, r.find("fashion-mnist").orElseThrow());
    ImageDataset test = r.images("fashion-mnist", Split.TEST);
    assertEquals(10000, test.size());
    assertEquals(Idx.FASHION_MNIST_CLASSES, test.classes());
  }
}
