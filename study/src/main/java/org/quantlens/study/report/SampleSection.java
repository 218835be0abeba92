package org.quantlens.study.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.quantlens.study.report.StudyData.ClassProb;
import org.quantlens.study.report.StudyData.Sample;

/** Sample disagreements: each image embedded as a data URI, with the label and both models' top 3. */
final class SampleSection {
  /** Beyond this many, the page would grow past what a browser shows comfortably. */
  static final int MAX_SAMPLES = 240;

  private SampleSection() {}

  static void render(Html h, Facts f, Path outDir) {
    h.raw("<section id=\"samples\">\n<h2>Sample disagreements</h2>\n");
    List<Sample> samples = new ArrayList<>(f.data.samples());
    Set<String> listed = new HashSet<>();
    samples.forEach(s -> listed.add(normalize(s.file())));
    // PNGs in samples/ that results.json does not describe are still shown, with their file name only
    for (Path p : unlisted(outDir.resolve("samples"), listed)) {
      samples.add(new Sample("samples/" + p.getFileName(), "", "", "", -1, -1, List.of(), List.of()));
    }
    if (samples.isEmpty()) {
      h.absent("No sample disagreements in this run (no samples/*.png).");
      h.raw("</section>\n");
      return;
    }
    h.p("Inputs where the float and quantized models disagree. The true class is marked ✓ in each top 3.");
    h.raw("<div class=\"samples\">\n");
    int shown = 0;
    for (Sample s : samples) {
      if (shown == MAX_SAMPLES) {
        break;
      }
      card(h, f.data, outDir, s);
      shown++;
    }
    h.raw("</div>\n");
    if (samples.size() > shown) {
      h.p((samples.size() - shown) + " more samples are in the samples/ folder.");
    }
    h.raw("</section>\n");
  }

  private static String normalize(String file) {
    return file.replace('\\', '/').replaceFirst("^\\./", "");
  }

  private static List<Path> unlisted(Path dir, Set<String> listed) {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.png")) {
      for (Path p : files) {
        if (!listed.contains("samples/" + p.getFileName())) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  private static void card(Html h, StudyData d, Path outDir, Sample s) {
    h.raw("<div class=\"card\">");
    Path file = outDir.resolve(normalize(s.file())).normalize();
    byte[] png = null;
    if (file.startsWith(outDir.normalize()) && Files.isRegularFile(file)) {
      try {
        png = Files.readAllBytes(file);
      } catch (IOException e) {
        png = null;
      }
    }
    if (png != null) {
      h.raw("<img alt=\"").text(s.file()).raw("\" src=\"data:image/png;base64,")
          .raw(Base64.getEncoder().encodeToString(png)).raw("\">");
    } else {
      h.raw("<div class=\"missing\">image missing:<br>").text(s.file()).raw("</div>");
    }
    h.raw("<div class=\"meta\">");
    if (s.model().isEmpty()) {
      h.text(Path.of(s.file()).getFileName().toString());
    } else {
      h.raw("<b>").text(s.variant()).raw("</b> · ").text(s.set()).raw("<br><span class=\"dim\">")
          .text(s.model() + " · #" + s.index()).raw("</span><br>label: <b>").text(d.className(s.label())).raw("</b>");
    }
    h.raw("</div>");
    if (!s.floatTop3().isEmpty() || !s.quantTop3().isEmpty()) {
      h.raw("<table class=\"top3\"><tr><th>float</th><th>quantized</th></tr>");
      int rows = Math.max(s.floatTop3().size(), s.quantTop3().size());
      for (int i = 0; i < rows; i++) {
        h.raw("<tr>");
        top(h, d, s, s.floatTop3(), i);
        top(h, d, s, s.quantTop3(), i);
        h.raw("</tr>");
      }
      h.raw("</table>");
    }
    h.raw("</div>\n");
  }

  private static void top(Html h, StudyData d, Sample s, List<ClassProb> top, int i) {
    if (i >= top.size()) {
      h.raw("<td></td>");
      return;
    }
    ClassProb cp = top.get(i);
    boolean right = cp.cls() == s.label();
    h.raw(right ? "<td class=\"right\">" : "<td>").text(d.className(cp.cls()) + " ").raw("<span class=\"p\">")
        .text(String.format(Locale.ROOT, "%.1f%%", 100 * cp.prob()) + (right ? " ✓" : "")).raw("</span></td>");
  }
}
