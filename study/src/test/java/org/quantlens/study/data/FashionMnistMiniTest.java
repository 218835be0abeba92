package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FashionMnistMiniTest {
  @Test
  void bundledMiniSetHas500And100ImagesPerClass() {
    ImageDataset train = DatasetRegistry.mini(Split.TRAIN);
    ImageDataset test = DatasetRegistry.standard().images("fashion-mnist-mini", Split.TEST);
    assertArrayEquals(new int[] {5000, 28, 28, 1}, train.images().shape());
    assertArrayEquals(new int[] {1000, 28, 28, 1}, test.images().shape());
    int[] a = new int[10];
    int[] b = new int[10];
    train.labels().longs();
    for (long l : train.labels().longs()) {
      a[(int) l]++;
    }
    for (long l : test.labels().longs()) {
      b[(int) l]++;
    }
    int[] e500 = new int[10];
    int[] e100 = new int[10];
    Arrays.fill(e500, 500);
    Arrays.fill(e100, 100);
    assertArrayEquals(e500, a);
    assertArrayEquals(e100, b);
    assertEquals(Idx.FASHION_MNIST_CLASSES, train.classes());
  }

  @Test
  void miniImagesAreTheFirstOfEachClassInTheDebianFiles() {
    assumeTrue(Files.isDirectory(IdxTest.FASHION), "Fashion-MNIST not installed at " + IdxTest.FASHION
        + " (apt-get install dataset-fashion-mnist); skipping the comparison with the source");
    for (Split s : Split.values()) {
      String prefix = s == Split.TRAIN ? "train" : "t10k";
      int per = s == Split.TRAIN ? 500 : 100;
      ImageDataset full = Idx.load("full", IdxTest.FASHION.resolve(prefix + "-images-idx3-ubyte.gz"),
          IdxTest.FASHION.resolve(prefix + "-labels-idx1-ubyte.gz"), Idx.FASHION_MNIST_CLASSES);
      ImageDataset mini = DatasetRegistry.mini(s);
      int[] seen = new int[10];
      int j = 0;
      for (int i = 0; i < full.size(); i++) {
        int c = (int) full.labels().longs()[i];
        if (seen[c]++ >= per) {
          continue;
        }
        assertEquals(c, mini.labels().longs()[j], "label of mini image " + j);
        assertArrayEquals(Arrays.copyOfRange(full.images().bytes(), i * 784, (i + 1) * 784),
            Arrays.copyOfRange(mini.images().bytes(), j * 784, (j + 1) * 784), "pixels of mini image " + j);
        j++;
      }
      assertEquals(mini.size(), j);
    }
  }

  @Test
  void resourcesFitIn3MbAndCarryTheLicence() throws Exception {
    long total = 0;
    for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "README"}) {
      try (InputStream in = getClass().getResourceAsStream(DatasetRegistry.MINI_RESOURCES + f)) {
        assertNotNull(in, f);
        byte[] b = in.readAllBytes();
        total += b.length;
        if (f.equals("README")) {
          String text = new String(b, StandardCharsets.UTF_8);
          assertTrue(text.contains("Zalando SE") && text.contains("MIT") && text.contains("first 500"), text);
        }
      }
    }
    assertTrue(total <= 3_000_000, "bundled mini set is " + total + " bytes");
  }
}
