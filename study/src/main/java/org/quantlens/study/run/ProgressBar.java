package org.quantlens.study.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with elapsed time and ETA, redrawn in place ({@code \r}) on a terminal
 * stream (stderr), at most a few times a second. A null stream draws nothing.
 */
final class ProgressBar {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final long start = System.nanoTime();
  private long done;
  private long lastDraw;

  ProgressBar(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
  }

  /** Marks {@code n} more units done. */
  synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (done >= total || now - lastDraw > 200_000_000L) {
      lastDraw = now;
      draw(now);
    }
  }

  /** Ends the line. */
  synchronized void finish() {
    if (out != null && total > 0) {
      draw(System.nanoTime());
      out.println();
      out.flush();
    }
  }

  private void draw(long now) {
    if (out == null || total <= 0) {
      return;
    }
    double secs = (now - start) / 1e9;
    int width = 30;
    int filled = (int) (width * done / total);
    String eta = done == 0 ? "?" : clock(secs * (total - done) / done);
    out.print(String.format(Locale.ROOT, "\r%s [%s%s] %d/%d  %s elapsed, ETA %s   ", label,
        "#".repeat(filled), "-".repeat(width - filled), done, total, clock(secs), eta));
    out.flush();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
