package org.quantlens.example;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;

/**
 * Embedding QuantLens in an app: load an ONNX image classifier, quantize it to full int8 with a
 * folder of calibration images, and classify one image with the float and the int8 model.
 *
 * <pre>ClassifyImage MODEL.onnx CALIBRATION_DIR IMAGE.png</pre>
 *
 * <p>The model takes {@code [N, C, H, W]} pixels scaled to [0, 1]; images are converted to its
 * channel count (1: gray, 3: RGB).
 */
public final class ClassifyImage {
  private ClassifyImage() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: ClassifyImage MODEL.onnx CALIBRATION_DIR IMAGE.png");
      System.exit(2);
    }
    try {
      classify(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
    } catch (QuantLensException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }

  static void classify(Path modelFile, Path calibrationDir, Path imageFile) throws IOException {
    Graph model = OnnxReader.read(modelFile);
    Value input = model.inputs().get(0);
    int channels = input.shape()[1];
    if (channels != 1 && channels != 3) {
      throw new QuantLensException(modelFile + ": input '" + input.name()
          + "' has " + channels + " channels; this example reads gray (1) or RGB (3) images");
    }

    List<Map<String, Tensor>> calibration = new ArrayList<>();
    for (Path png : pngs(calibrationDir)) {
      calibration.add(Map.of(input.name(), pixels(png, channels)));
    }
    Graph int8 = Variants.build(model, "static-int8", Calibration.of(calibration), QuantConfig.defaults());

    Map<String, Tensor> feed = Map.of(input.name(), pixels(imageFile, channels));
    String output = model.outputs().get(0).name();
    try (Session floatSession = new Session(model); Session int8Session = new Session(int8)) {
      System.out.println("float: " + top3(floatSession.run(feed).get(output)));
      System.out.println("int8:  " + top3(int8Session.run(feed).get(output)));
    }
  }

  private static List<Path> pngs(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
    }
  }

  /** The image as a {@code [1, channels, H, W]} tensor of pixels in [0, 1]. */
  private static Tensor pixels(Path png, int channels) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    if (img == null) {
      throw new IOException(png + ": not an image ImageIO can read");
    }
    int h = img.getHeight();
    int w = img.getWidth();
    Tensor t = Tensor.zeros(DType.F32, 1, channels, h, w);
    float[] d = t.floats();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (channels == 1) {
          d[y * w + x] = (r + g + b) / (3 * 255f);
        } else {
          d[y * w + x] = r / 255f;
          d[(h + y) * w + x] = g / 255f;
          d[(2 * h + y) * w + x] = b / 255f;
        }
      }
    }
    return t;
  }

  /** "class (score), ..." for the three highest scores of a {@code [1, classes]} output. */
  private static String top3(Tensor scores) {
    float[] s = scores.toFloats();
    StringBuilder out = new StringBuilder();
    boolean[] taken = new boolean[s.length];
    for (int k = 0; k < Math.min(3, s.length); k++) {
      int best = -1;
      for (int i = 0; i < s.length; i++) {
        if (!taken[i] && (best < 0 || s[i] > s[best])) {
          best = i;
        }
      }
      taken[best] = true;
      out.append(k == 0 ? "" : ", ").append(best).append(String.format(" (%.3f)", s[best]));
    }
    return out.toString();
  }
}
