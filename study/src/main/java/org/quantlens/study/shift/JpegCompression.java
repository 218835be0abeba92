package org.quantlens.study.shift;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * JPEG round trip through {@code javax.imageio} at a quality (the JDK scales the IJG tables as
 * libjpeg does, and subsamples chroma 4:2:0 like PIL's default, so the result is close to PIL's,
 * not bit-identical). Pixels are rounded to uint8 first. CIFAR-10-C only: quality
 * 80 65 58 50 40.
 */
public final class JpegCompression extends Corruption {
  /** One writer and reader per thread: looking them up costs more than coding a small image. */
  private static final ThreadLocal<ImageWriter> WRITER = ThreadLocal.withInitial(() ->
      ImageIO.getImageWritersByFormatName("jpeg").next());
  private static final ThreadLocal<ImageReader> READER = ThreadLocal.withInitial(() -> {
    Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg");
    return it.next();
  });

  private final int[] quality;

  private JpegCompression(String name, int[] quality) {
    super(name);
    this.quality = quality;
  }

  /** CIFAR-10-C {@code jpeg_compression}. */
  public static JpegCompression cifar10C() {
    return new JpegCompression("cifar10-c/jpeg_compression", new int[] {80, 65, 58, 50, 40});
  }

  @Override
  public String describe() {
    double[] q = new double[quality.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = quality[i];
    }
    return "JPEG round trip (javax.imageio); quality " + levels(q);
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] x = image.data();
    int[] px = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      px[i] = Math.round((v >= 1f ? 1f : (v > 0f ? v : 0f)) * 255f);
    }
    int[] back = roundTrip(px, h, w, c, quality[severity - 1]);
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = back[i] / 255f;
    }
    return new FloatImage(h, w, c, out);
  }

  /** Encodes uint8 HWC pixels at {@code quality} (1..100) and decodes them again. */
  static int[] roundTrip(int[] px, int h, int w, int c, int quality) {
    BufferedImage img = new BufferedImage(w, h,
        c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    img.getRaster().setPixels(0, 0, w, h, px);
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
      ImageWriter writer = WRITER.get();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality / 100f);
        writer.write(null, new IIOImage(img, null, null), param);
        writer.reset();
      }
      ImageReader reader = READER.get();
      BufferedImage decoded;
      try (MemoryCacheImageInputStream in =
          new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        reader.setInput(in, true, true);
        ImageReadParam rp = reader.getDefaultReadParam();
        decoded = reader.read(0, rp);
        reader.reset();
      }
      WritableRaster r = decoded.getRaster();
      if (r.getNumBands() != c || decoded.getWidth() != w || decoded.getHeight() != h) {
        throw new IllegalStateException("JPEG decoder returned " + decoded + " for a " + w + "x" + h
            + "x" + c + " image");
      }
      return r.getPixels(0, 0, w, h, new int[px.length]);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory JPEG round trip failed", e);
    }
  }
}
