package org.quantlens.study.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with elapsed time and ETA, redrawn in place ({@code \r}) at most a few
 * times a second when the stream is a terminal; otherwise (a log file, CI) one line per tenth of
 * the work. A null stream draws nothing.
 */
final class ProgressBar {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final long start = System.nanoTime();
  private long done;
  private final boolean terminal;
  private long lastDraw;
  private long lastTenth;

  ProgressBar(PrintStream out, String label, long total, boolean terminal) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.terminal = terminal;
  }

  /** Marks {@code n} more units done. */
  synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (terminal && (done >= total || now - lastDraw > 200_000_000L)) {
      lastDraw = now;
      draw(now);
    } else if (!terminal && total > 0 && done * 10 / total > lastTenth) {
      lastTenth = done * 10 / total;
      draw(now);
    }
  }

  /** Ends the line. */
  synchronized void finish() {
    if (out != null && total > 0 && terminal) {
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
    String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d  %s elapsed, ETA %s", label,
        "#".repeat(filled), "-".repeat(width - filled), done, total, clock(secs), eta);
    if (terminal) {
      out.print("\r" + line + "   ");
    } else {
      out.println(line);
    }
    out.flush();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
