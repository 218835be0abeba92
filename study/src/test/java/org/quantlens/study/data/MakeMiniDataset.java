package org.quantlens.study.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Makes the bundled {@code fashion-mnist-mini} resources from Debian's Fashion-MNIST files: the
 * first {@value #TRAIN_PER_CLASS} training and first {@value #TEST_PER_CLASS} test images of each
 * class, in file order, written as gzip IDX. Run by {@code dev/make-mini-dataset} (which sets
 * {@code -Dquantlens.makeMini=<output folder>}), or as a plain {@code main}.
 */
public class MakeMiniDataset {
  static final int TRAIN_PER_CLASS = 500;
  static final int TEST_PER_CLASS = 100;
  static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

  @Test
  @EnabledIfSystemProperty(named = "quantlens.makeMini", matches = ".+")
  void regenerate() throws IOException {
    make(DEBIAN, Path.of(System.getProperty("quantlens.makeMini")));
  }

  public static void main(String[] args) throws IOException {
    make(args.length > 0 ? Path.of(args[0]) : DEBIAN,
        args.length > 1 ? Path.of(args[1]) : Path.of("study/src/main/resources/org/quantlens/study/data/fashion-mnist-mini"));
  }

  static void make(Path src, Path out) throws IOException {
    Files.createDirectories(out);
    for (String prefix : new String[] {"train", "t10k"}) {
      ImageDataset full = Idx.load(prefix, src.resolve(prefix + "-images-idx3-ubyte.gz"),
          src.resolve(prefix + "-labels-idx1-ubyte.gz"), Idx.FASHION_MNIST_CLASSES);
      ImageDataset mini = select(full, prefix.equals("train") ? TRAIN_PER_CLASS : TEST_PER_CLASS);
      write(out.resolve(prefix + "-images-idx3-ubyte.gz"), o -> Idx.writeImages(o, mini.images()));
      write(out.resolve(prefix + "-labels-idx1-ubyte.gz"), o -> Idx.writeLabels(o, mini.labels()));
      System.out.println(prefix + ": " + mini.size() + " images -> " + out);
    }
  }

  /** The first {@code perClass} examples of each class, keeping their order in the file. */
  static ImageDataset select(ImageDataset d, int perClass) {
    int k = d.classes().size();
    int[] taken = new int[k];
    int per = d.height() * d.width() * d.channels();
    byte[] px = new byte[k * perClass * per];
    long[] labels = new long[k * perClass];
    int n = 0;
    for (int i = 0; i < d.size() && n < labels.length; i++) {
      int c = (int) d.labels().longs()[i];
      if (taken[c] < perClass) {
        taken[c]++;
        System.arraycopy(d.images().bytes(), i * per, px, n * per, per);
        labels[n++] = c;
      }
    }
    if (n != labels.length) {
      throw new IllegalStateException("not enough images per class in " + d.name());
    }
    return new ImageDataset(d.name(), Tensor.wrap(DType.U8, px, n, d.height(), d.width(), d.channels()),
        Tensor.of(labels, n), d.classes());
  }

  private static void write(Path file, AtomicFiles.Content content) {
    AtomicFiles.write(file, o -> {
      // level 9, and the JDK writes a zero timestamp: the same input gives the same bytes
      GZIPOutputStream gz = new GZIPOutputStream(o, 1 << 16) {
        {
          def.setLevel(Deflater.BEST_COMPRESSION);
        }
      };
      content.writeTo(gz);
      gz.finish();
    });
  }
}
