package org.quantlens.study.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The binary versions of CIFAR-10 and CIFAR-100. A CIFAR-10 file ({@code data_batch_1.bin} ..
 * {@code data_batch_5.bin}, {@code test_batch.bin}) is a sequence of 3073-byte records: a label
 * byte, then 1024 red, 1024 green and 1024 blue bytes, each plane row by row. CIFAR-100
 * ({@code train.bin}, {@code test.bin}) has two label bytes per record, coarse then fine. Pixels are
 * turned from this channels-first layout into the [N, 32, 32, 3] layout of {@link ImageDataset}.
 */
public final class Cifar {
  private static final int PIXELS = 32 * 32 * 3;

  /** CIFAR-10's classes in label order (the order of batches.meta.txt). */
  public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird",
      "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** CIFAR-100's 20 superclasses in label order (coarse_label_names.txt: alphabetical). */
  public static final List<String> CIFAR100_COARSE = List.of("aquatic_mammals", "fish", "flowers",
      "food_containers", "fruit_and_vegetables", "household_electrical_devices",
      "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things",
      "large_natural_outdoor_scenes", "large_omnivores_and_herbivores", "medium_mammals",
      "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees", "vehicles_1",
      "vehicles_2");

  /** CIFAR-100's 100 classes in label order (fine_label_names.txt: alphabetical). */
  public static final List<String> CIFAR100_FINE = List.of("apple", "aquarium_fish", "baby", "bear",
      "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl", "boy", "bridge", "bus",
      "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock",
      "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant",
      "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp",
      "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle",
      "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
      "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit",
      "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk",
      "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper",
      "table", "tank", "telephone", "television", "tiger", "tractor", "train", "trout", "tulip",
      "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm");

  private Cifar() {}

  /**
   * Loads CIFAR-10 from its extracted folder ({@code cifar-10-batches-bin}, or a folder holding
   * it): the five data batches for {@link Split#TRAIN}, {@code test_batch.bin} for TEST. Class
   * names come from {@code batches.meta.txt} when present.
   */
  public static ImageDataset load10(Path dir, Split split) {
    Path d = Files.isDirectory(dir.resolve("cifar-10-batches-bin")) ? dir.resolve("cifar-10-batches-bin") : dir;
    List<Path> files = new ArrayList<>();
    if (split == Split.TRAIN) {
      for (int i = 1; i <= 5; i++) {
        files.add(d.resolve("data_batch_" + i + ".bin"));
      }
    } else {
      files.add(d.resolve("test_batch.bin"));
    }
    List<String> classes = namesFile(d.resolve("batches.meta.txt"), CIFAR10_CLASSES);
    return load10("cifar10-" + split.id(), files, classes);
  }

  /** Loads CIFAR-10 batch files, in the order given. */
  public static ImageDataset load10(String name, List<Path> files, List<String> classes) {
    return load(name, files, 1, 0, classes);
  }

  /**
   * Loads CIFAR-100 from its extracted folder ({@code cifar-100-binary}, or a folder holding it):
   * {@code train.bin} or {@code test.bin}, with the fine (100) or coarse (20) labels.
   */
  public static ImageDataset load100(Path dir, Split split, boolean fine) {
    Path d = Files.isDirectory(dir.resolve("cifar-100-binary")) ? dir.resolve("cifar-100-binary") : dir;
    List<String> classes = fine ? namesFile(d.resolve("fine_label_names.txt"), CIFAR100_FINE)
        : namesFile(d.resolve("coarse_label_names.txt"), CIFAR100_COARSE);
    return load100("cifar100-" + split.id(), List.of(d.resolve(split.id() + ".bin")), fine, classes);
  }

  /** Loads CIFAR-100 files with the fine or the coarse labels. */
  public static ImageDataset load100(String name, List<Path> files, boolean fine, List<String> classes) {
    return load(name, files, 2, fine ? 1 : 0, classes);
  }

  private static ImageDataset load(String name, List<Path> files, int labelBytes, int labelAt,
      List<String> classes) {
    int rec = labelBytes + PIXELS;
    List<byte[]> contents = new ArrayList<>();
    long total = 0;
    for (Path f : files) {
      byte[] b;
      try (InputStream in = Compression.open(f)) {
        b = in.readAllBytes();
      } catch (IOException e) {
        throw new DataLoadException(f + ": cannot read CIFAR batch: " + e.getMessage(), e);
      }
      if (b.length == 0 || b.length % rec != 0) {
        throw new DataLoadException(f + ": " + b.length + " bytes is not a whole number of "
            + rec + "-byte CIFAR records (" + labelBytes + " label byte" + (labelBytes > 1 ? "s" : "")
            + " + 3072 pixel bytes)");
      }
      contents.add(b);
      total += b.length / rec;
    }
    if (total * PIXELS > Integer.MAX_VALUE) {
      throw new DataLoadException(name + ": " + total + " images exceed 2 GB of pixels");
    }
    int n = (int) total;
    byte[] px = new byte[n * PIXELS];
    long[] labels = new long[n];
    int i = 0;
    for (int f = 0; f < files.size(); f++) {
      byte[] b = contents.get(f);
      for (int r = 0; r < b.length / rec; r++, i++) {
        int base = r * rec;
        int label = b[base + labelAt] & 0xff;
        if (label >= classes.size()) {
          throw new DataLoadException(files.get(f) + ": record " + r + " has label " + label
              + ", expected one of " + classes.size() + " classes");
        }
        labels[i] = label;
        planesToPixels(b, base + labelBytes, px, i * PIXELS);
      }
    }
    return new ImageDataset(name, Tensor.wrap(DType.U8, px, n, 32, 32, 3), Tensor.of(labels, n), classes);
  }

  /** R plane, G plane, B plane (1024 bytes each) to interleaved RGB pixels. */
  private static void planesToPixels(byte[] src, int off, byte[] dst, int dOff) {
    for (int p = 0; p < 1024; p++) {
      dst[dOff + 3 * p] = src[off + p];
      dst[dOff + 3 * p + 1] = src[off + 1024 + p];
      dst[dOff + 3 * p + 2] = src[off + 2048 + p];
    }
  }

  /** One class name per non-blank line, or {@code fallback} when the file is absent. */
  private static List<String> namesFile(Path file, List<String> fallback) {
    if (!Files.isRegularFile(file)) {
      return fallback;
    }
    try {
      List<String> names = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
      if (names.size() != fallback.size()) {
        throw new DataLoadException(file + ": " + names.size() + " class names, expected "
            + fallback.size());
      }
      return names;
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read class names: " + e.getMessage(), e);
    }
  }
}
