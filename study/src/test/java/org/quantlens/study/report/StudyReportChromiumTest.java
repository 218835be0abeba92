package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the report in headless Chromium (Debian package {@code chromium}): a probe script,
 * added to a copy of the page, checks after load that every image decoded and every chart has a
 * drawn, non-empty box; a screenshot of the page itself is left in
 * {@code study/target/report-screenshot/report.png} to look at. Skips when Chromium is absent.
 */
class StudyReportChromiumTest {
  private static final Path SHOTS = Path.of("target", "report-screenshot");
  private static final String PROBE = """
      <script>
      window.addEventListener('load', function () {
        document.querySelectorAll('details').forEach(function (d) { d.open = true; });
        var imgs = Array.from(document.images);
        var badImgs = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
        var svgs = Array.from(document.querySelectorAll('svg'));
        var badSvgs = svgs.filter(function (s) {
          var r = s.getBoundingClientRect();
          return !(r.width > 100 && r.height > 50) || s.namespaceURI !== 'http://www.w3.org/2000/svg'
              || s.querySelectorAll('path, rect, line, polyline, polygon').length === 0;
        });
        var out = document.createElement('pre');
        out.id = 'probe';
        out.textContent = 'images=' + imgs.length + ' loaded=' + (imgs.length - badImgs.length)
            + ' charts=' + svgs.length + ' drawn=' + (svgs.length - badSvgs.length);
        document.body.appendChild(out);
      });
      </script>
      """;

  @TempDir Path profile;

  private static Path chromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  private String run(Path chromium, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath()));
    cmd.addAll(List.of(args));
    Path log = profile.resolve("stderr.txt");
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish in 90 s");
    assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(log));
    return new String(out, StandardCharsets.UTF_8);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Test
  void chromiumLoadsEveryChartAndImageOfTheReport() throws Exception {
    Path chromium = chromium();
    assumeTrue(chromium != null, "headless Chromium not installed (apt-get install chromium): report not rendered");
    Path study = SHOTS.resolve("study").toAbsolutePath();
    Files.createDirectories(study);
    SyntheticStudy s = SyntheticStudy.writeFull(study);
    StudyReport.write(study);
    String html = Files.readString(study.resolve("report.html"));
    int charts = HtmlChecks.svgs(html).size();
    Path probe = study.resolve("probe.html");
    Files.writeString(probe, html.replace("</body>", PROBE + "</body>"));

    String dom = run(chromium, "--virtual-time-budget=10000", "--dump-dom", probe.toUri().toString());
    Matcher m = Pattern.compile("<pre id=\"probe\">images=(\\d+) loaded=(\\d+) charts=(\\d+) drawn=(\\d+)</pre>")
        .matcher(dom);
    assertTrue(m.find(), "the probe did not run: " + dom.substring(0, Math.min(400, dom.length())));
    assertEquals(s.samples.size(), Integer.parseInt(m.group(1)), "images in the page");
    assertEquals(s.samples.size(), Integer.parseInt(m.group(2)), "images that decoded");
    assertEquals(charts, Integer.parseInt(m.group(3)), "charts the browser parsed as SVG");
    assertEquals(charts, Integer.parseInt(m.group(4)), "charts drawn with a visible box");

    Path shot = SHOTS.resolve("report.png").toAbsolutePath();
    Files.deleteIfExists(shot);
    run(chromium, "--hide-scrollbars", "--screenshot=" + shot, "--window-size=1280,4000",
        study.resolve("report.html").toUri().toString());
    assertTrue(Files.size(shot) > 50_000, "the screenshot is too small to show the report");
  }
}
