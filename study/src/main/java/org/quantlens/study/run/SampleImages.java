package org.quantlens.study.run;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.quantlens.engine.QuantLensException;
import org.quantlens.study.data.AtomicFiles;
import org.quantlens.study.data.ImageDataset;

/** Writes one image of a set as a PNG, upscaled by pixel repetition (grayscale or RGB). */
final class SampleImages {
  static final int SCALE = 4;

  private SampleImages() {}

  static void write(ImageDataset d, int index, java.nio.file.Path png) {
    int h = d.height();
    int w = d.width();
    int c = d.channels();
    byte[] px = d.images().bytes();
    int off = index * h * w * c;
    BufferedImage img = new BufferedImage(w * SCALE, h * SCALE,
        c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h * SCALE; y++) {
      for (int x = 0; x < w * SCALE; x++) {
        int p = off + ((y / SCALE) * w + x / SCALE) * c;
        int rgb;
        if (c == 1) {
          int g = px[p] & 0xff;
          rgb = g << 16 | g << 8 | g;
        } else {
          rgb = (px[p] & 0xff) << 16 | (px[p + 1] & 0xff) << 8 | (px[p + 2] & 0xff);
        }
        img.setRGB(x, y, rgb);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", bytes);
    } catch (IOException e) {
      throw new QuantLensException("cannot encode " + png + ": " + e.getMessage(), e);
    }
    AtomicFiles.write(png, bytes.toByteArray());
  }
}
