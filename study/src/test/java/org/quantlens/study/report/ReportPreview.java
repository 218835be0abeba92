package org.quantlens.study.report;

import java.nio.file.Path;

/** Writes the synthetic study's report to a folder to look at: {@code ReportPreview DIR}. */
final class ReportPreview {
  private ReportPreview() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/report-preview");
    SyntheticStudy.writeFull(dir);
    StudyReport.write(dir).forEach(System.out::println);
  }
}
