package org.quantlens.study.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.quantlens.study.data.AtomicFiles;

/**
 * Writes a study's report from its output folder: {@code report.html} (self-contained: charts as
 * inline SVG, sample images embedded) and {@code summary.md} (the findings in prose with their
 * numbers, one paragraph per paper question, and caveats). Both appear atomically.
 *
 * <p>Reads {@code results.json} (or, without it, {@code results.csv} and {@code metrics.csv}) and
 * {@code samples/*.png}; any part the run did not produce gets a short note instead of its section.
 */
public final class StudyReport {
  private StudyReport() {}

  /**
   * Writes {@code outDir/report.html} and {@code outDir/summary.md}.
   *
   * @return the findings, most important first, each one sentence with its numbers
   * @throws org.quantlens.study.data.DataLoadException when the folder holds no results or they cannot be read
   */
  public static List<String> write(Path outDir) {
    StudyData data = StudyDataReader.read(outDir);
    Facts facts = new Facts(data);
    List<String> findings = Findings.of(facts);
    String html = HtmlReport.render(facts, findings, outDir);
    String summary = SummaryMarkdown.render(facts, findings);
    AtomicFiles.write(outDir.resolve("report.html"), html.getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(outDir.resolve("summary.md"), summary.getBytes(StandardCharsets.UTF_8));
    return findings;
  }
}
