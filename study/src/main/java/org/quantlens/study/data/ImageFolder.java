package org.quantlens.study.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * A folder of images, one subfolder per class: {@code root/<class>/*.png|jpg|jpeg}. Classes are the
 * subfolder names sorted by {@link String#compareTo}; files within a class are sorted by name;
 * hidden entries (starting with '.') are skipped. Every image must have the size of the first one,
 * otherwise the error names the file (there is no resizing).
 */
public final class ImageFolder {
  private ImageFolder() {}

  /**
   * Loads with as many channels as the images need: 1 if every image is grayscale (without alpha),
   * else 3 (RGB; alpha is dropped).
   */
  public static ImageDataset load(String name, Path root) {
    return load(name, root, 0);
  }

  /**
   * Loads with {@code channels} = 1 (gray = 0.299 R + 0.587 G + 0.114 B, rounded) or 3 (RGB), or 0
   * to choose as {@link #load(String, Path)} does.
   */
  public static ImageDataset load(String name, Path root, int channels) {
    if (channels != 0 && channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 0 (auto), 1 or 3, got " + channels);
    }
    if (!Files.isDirectory(root)) {
      throw new DataLoadException(root + ": not a folder (expected root/<class>/<image files>)");
    }
    List<Path> classDirs = list(root).stream().filter(Files::isDirectory).toList();
    if (classDirs.isEmpty()) {
      throw new DataLoadException(root + ": no class subfolders (expected root/<class>/<image files>)");
    }
    List<String> classes = new ArrayList<>();
    List<byte[]> rgb = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    int h = -1;
    int w = -1;
    Path first = null;
    boolean allGray = true;
    for (Path dir : classDirs) {
      int label = classes.size();
      classes.add(dir.getFileName().toString());
      for (Path f : list(dir)) {
        if (!Files.isRegularFile(f) || !isImage(f)) {
          continue;
        }
        BufferedImage img;
        try {
          img = ImageIO.read(f.toFile());
        } catch (IOException e) {
          throw new DataLoadException(f + ": cannot decode image: " + e.getMessage(), e);
        }
        if (img == null) {
          throw new DataLoadException(f + ": not a readable PNG or JPEG image");
        }
        if (first == null) {
          first = f;
          h = img.getHeight();
          w = img.getWidth();
        } else if (img.getHeight() != h || img.getWidth() != w) {
          throw new DataLoadException(f + ": image is " + img.getWidth() + "x" + img.getHeight()
              + ", expected " + w + "x" + h + " like " + first + " (all images must share a size)");
        }
        allGray &= img.getColorModel().getNumComponents() == 1;
        rgb.add(toRgb(img));
        labels.add((long) label);
      }
    }
    if (first == null) {
      throw new DataLoadException(root + ": no .png/.jpg/.jpeg images in its class subfolders");
    }
    int c = channels != 0 ? channels : (allGray ? 1 : 3);
    int n = rgb.size();
    int per = h * w * c;
    byte[] px = new byte[n * per];
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      byte[] src = rgb.get(i);
      l[i] = labels.get(i);
      if (c == 3) {
        System.arraycopy(src, 0, px, i * per, per);
      } else {
        for (int p = 0; p < h * w; p++) {
          px[i * per + p] = (byte) gray(src[3 * p] & 0xff, src[3 * p + 1] & 0xff, src[3 * p + 2] & 0xff);
        }
      }
    }
    return new ImageDataset(name, Tensor.wrap(DType.U8, px, n, h, w, c), Tensor.of(l, n), classes);
  }

  /** ITU-R BT.601 luma, rounded; exact for gray pixels (R = G = B). */
  static int gray(int r, int g, int b) {
    return (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }

  private static byte[] toRgb(BufferedImage img) {
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] out = new byte[h * w * 3];
    if (img.getColorModel().getNumComponents() == 1 && img.getRaster().getNumBands() == 1
        && img.getColorModel().getComponentSize(0) == 8) {
      // read gray samples directly: getRGB would pass them through a gamma conversion
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        img.getRaster().getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int o = (y * w + x) * 3;
          out[o] = out[o + 1] = out[o + 2] = (byte) row[x];
        }
      }
      return out;
    }
    int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
    for (int p = 0; p < argb.length; p++) {
      out[3 * p] = (byte) (argb[p] >> 16);
      out[3 * p + 1] = (byte) (argb[p] >> 8);
      out[3 * p + 2] = (byte) argb[p];
    }
    return out;
  }

  private static boolean isImage(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new DataLoadException(dir + ": cannot list: " + e.getMessage(), e);
    }
  }
}
