package org.quantlens.study.shift;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.quantlens.engine.QuantLensException;
import org.quantlens.study.data.AtomicFiles;
import org.quantlens.study.data.ImageDataset;

/**
 * A contact sheet of shifts: a header row ("clean", "1" .. "5"), then one row per shift with its
 * name at the left; every cell holds the first {@code samples} images side by side, each enlarged
 * {@link #scale} times (nearest neighbour). Geometry, in pixels:
 * <ul>
 *   <li>cell width {@code samples * W * s + (samples - 1) * PAD}, cell height {@code H * s};</li>
 *   <li>column j (0 = clean) starts at {@code LABEL_W + j * (cellW + GAP)};</li>
 *   <li>row i starts at {@code HEADER_H + i * (cellH + GAP)};</li>
 *   <li>image size {@code (LABEL_W + 6 (cellW + GAP)) x (HEADER_H + rows (cellH + GAP))}.</li>
 * </ul>
 */
public final class ShiftGrid {
  /** Width of the name column. */
  public static final int LABEL_W = 200;
  /** Height of the header row. */
  public static final int HEADER_H = 22;
  /** Space between cells. */
  public static final int GAP = 8;
  /** Space between samples inside a cell. */
  public static final int PAD = 2;

  private ShiftGrid() {}

  /** Enlargement factor: {@code max(1, 64 / max(H, W))} (28 x 28 and 32 x 32 images: 2). */
  public static int scale(int height, int width) {
    return Math.max(1, 64 / Math.max(height, width));
  }

  /** Writes the grid atomically to {@code png}. */
  public static void write(ImageDataset ds, List<String> names, int samples, long seed, Path png) {
    if (samples < 1) {
      throw new QuantLensException("a shift grid needs at least 1 sample per cell, got " + samples);
    }
    for (String n : names) {
      Shifts.corruption(n);
    }
    ImageDataset head = ds.head(samples);
    int k = head.size();
    int h = ds.height();
    int w = ds.width();
    int s = scale(h, w);
    int cellW = k * w * s + (k - 1) * PAD;
    int cellH = h * s;
    int width = LABEL_W + 6 * (cellW + GAP);
    int height = HEADER_H + names.size() * (cellH + GAP);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(Color.BLACK);
      for (int j = 0; j < 6; j++) {
        g.drawString(j == 0 ? "clean" : "severity " + j, LABEL_W + j * (cellW + GAP) + 2,
            HEADER_H - 7);
      }
      for (int i = 0; i < names.size(); i++) {
        int y = HEADER_H + i * (cellH + GAP);
        g.setColor(Color.BLACK);
        g.drawString(names.get(i), 4, y + Math.min(cellH, 16) / 2 + 8);
        paint(img, head, LABEL_W, y, s);
        for (int sev = 1; sev <= 5; sev++) {
          ImageDataset shifted = Shifts.apply(head, names.get(i), sev, seed);
          paint(img, shifted, LABEL_W + sev * (cellW + GAP), y, s);
        }
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", bytes)) {
        throw new IllegalStateException("no PNG writer in this JDK");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicFiles.write(png, bytes.toByteArray());
  }

  /** Paints the images of {@code ds} side by side at (x0, y0), each enlarged s times. */
  private static void paint(BufferedImage img, ImageDataset ds, int x0, int y0, int s) {
    int h = ds.height();
    int w = ds.width();
    int c = ds.channels();
    byte[] px = ds.images().bytes();
    for (int n = 0; n < ds.size(); n++) {
      int left = x0 + n * (w * s + PAD);
      for (int y = 0; y < h * s; y++) {
        for (int x = 0; x < w * s; x++) {
          int o = ((n * h + y / s) * w + x / s) * c;
          int r = px[o] & 0xff;
          int gg = c == 3 ? px[o + 1] & 0xff : r;
          int b = c == 3 ? px[o + 2] & 0xff : r;
          img.setRGB(left + x, y0 + y, (r << 16) | (gg << 8) | b);
        }
      }
    }
  }
}
