package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.study.data.DataLoadException;

class StudyReportTest {
  @TempDir Path dir;
  /** One full synthetic study, written and reported once for the tests that only read it. */
  @TempDir static Path full;
  private static SyntheticStudy study;
  private static List<String> fullFindings;

  @BeforeAll
  static void writeFullStudy() throws IOException {
    study = SyntheticStudy.writeFull(full);
    fullFindings = StudyReport.write(full);
  }

  private String html() throws IOException {
    return Files.readString(dir.resolve("report.html"));
  }

  private String summary() throws IOException {
    return Files.readString(dir.resolve("summary.md"));
  }

  private static String fullHtml() throws IOException {
    return Files.readString(full.resolve("report.html"));
  }

  private static void assertRow(String html, String... cells) {
    List<String> want = List.of(cells);
    assertTrue(HtmlChecks.rows(html).contains(want), "no table row " + want);
  }

  @Test
  void reportIsWellFormedAndReferencesNothingOutsideItself() throws IOException {
    String html = fullHtml();
    assertNull(HtmlChecks.unbalanced(html));
    assertEquals(count(html, "<svg"), count(html, "</svg>"));
    String lower = html.toLowerCase(Locale.ROOT);
    assertFalse(lower.contains("http"), "a URL in the page");
    assertFalse(lower.contains("file:"), "a file URL in the page");
    assertFalse(lower.matches("(?s).*\\ssrc=\"(?!data:).*"), "an image not embedded as a data URI");
    assertFalse(lower.contains("<script"), "the report needs no script");
  }

  @Test
  void everyChartForTheGivenDataIsDrawn() throws IOException {
    List<String> svgs = HtmlChecks.svgs(fullHtml());
    List<String> titles = List.of(
        "Disagreement rate per variant: clean vs shifted", "Disagreements by kind (share of each group)",
        "mnist-c/fog", "mnist-c/shot_noise", "lenet5-standard", "lenet5-qat",   // severity: 2 corruptions, 2 models
        "lenet5: clean data", "lenet5: shifted data", "Mean AUROC per metric and protocol",
        "static-int8 (900 agree, 100 disagree)",   // margins only for static-int8: sum of the hand-set bins
        "Disagreements after retraining", "lenet5-standard: SQNR gap per layer", "Nodes per model and variant");
    assertEquals(titles.size(), svgs.size());
    for (String title : titles) {
      assertTrue(svgs.stream().anyMatch(s -> HtmlChecks.svgText(s).startsWith(title + "\n")), "no chart titled " + title);
    }
    // each variant's line appears in each severity panel: it has shapes at severities 0, 1 and 5
    for (String s : svgs) {
      assertTrue(s.contains("<path") || s.contains("<rect"), "an empty chart");
    }
  }

  @Test
  void wellFormednessCheckCatchesMisnestedAndUnclosedElements() {
    assertNotNull(HtmlChecks.unbalanced("<div><svg><g></svg></div>"));
    assertNotNull(HtmlChecks.unbalanced("<section><p>text</section>"));
    assertNotNull(HtmlChecks.unbalanced("<div>"));
    assertNull(HtmlChecks.unbalanced("<div><img src=\"data:x\"><br><svg><path d='M0 0'/></svg></div>"));
  }

  @Test
  void everySampleImageIsEmbeddedByteForByte() throws IOException {
    SyntheticStudy s = study;
    String html = fullHtml();
    assertEquals(3, s.samples.size());
    for (var e : s.samples.entrySet()) {
      assertTrue(html.contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(e.getValue()) + "\""),
          e.getKey() + " not embedded");
    }
    // the label's class name and both top-3 lists, from results.json
    assertTrue(html.contains("label: <b>Shirt</b>"));
    assertRow(html, "Shirt 51.0% ✓", "T-shirt/top 48.0%");
    assertRow(html, "Pullover 5.0%", "Pullover 4.0%");
  }

  @Test
  void tablesShowTheInputNumbers() throws IOException {
    String html = fullHtml();
    // a results.csv row, with the runner's interval as given (0.00551..0.07001)
    assertRow(html, "lenet5-standard", "static-int8", "clean", "100", "90.0%", "90.0%", "2", "2.0%", "0.6–7.0%",
        "1", "1", "0");
    assertRow(html, "lenet5-qat", "fp16", "mnist-c_fog_s5", "100", "90.0%", "91.0%", "1", "1.0%", "0.0–100.0%",
        "0", "1", "0");
    // metrics.csv rows, NaN shown as n/a
    assertRow(html, "lenet5-standard", "static-int8", "mnist-c_fog_s5", "entropy@float", "direct", "0.915", "0.700", "0.500");
    assertRow(html, "lenet5-standard", "static-int8", "clean", "kl", "direct", "n/a", "n/a", "n/a");
    // metric means: (0.905 + 0.915) / 2 and (0.88 + 0.86) / 2; kl's mean skips the NaN
    assertRow(html, "direct", "1", "entropy@float", "0.910", "0.700", "0.500", "2", "2");
    assertRow(html, "direct", "2", "margin@float", "0.870", "0.620", "0.350", "2", "0");
    assertRow(html, "direct", "3", "kl", "0.650", "0.300", "0.200", "1", "0");
    // pooled clean vs shifted: static-int8 4/200 and 96/800
    assertRow(html, "all models", "static-int8", "2.0%", pctRange(4, 200), "4/200", "12.0%", pctRange(96, 800), "96/800", "no");
    assertRow(html, "lenet5-standard", "static-int8", "2.0%", pctRange(2, 100), "2/100",
        "15.0%", pctRange(60, 400), "60/400", "no");
    // retraining, layers, node coverage as given
    assertRow(html, "lenet5-standard", "static-int8", "clean", "18", "4", "14", "9", "90.0%", "89.7%");
    assertRow(html, "lenet5-standard", "static-int8", "conv2", "Conv", "25.00", "15.50", "9.50", "0.9990", "0.9950",
        "0.0100", "0.0400");
    assertRow(html, "lenet5-standard", "static-int8", "no int8 kernel for Softmax", "1", "prob (Softmax)");
    assertRow(html, "lenet5-standard", "static-int8", "3", "4", "75.0%");
  }

  /** The Wilson interval written independently of Rate, as "a–b%". */
  private static String pctRange(long k, long n) {
    double z = 1.959963984540054;
    double p = (double) k / n;
    double denom = 1 + z * z / n;
    double centre = (p + z * z / (2 * n)) / denom;
    double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denom;
    return String.format(Locale.ROOT, "%.1f–%.1f%%", 100 * Math.max(0, centre - half), 100 * Math.min(1, centre + half));
  }

  @Test
  void summaryStatesTheHandSetFindingsWithTheirNumbers() throws IOException {
    String md = Files.readString(full.resolve("summary.md"));
    assertTrue(md.contains("static-int8: shifted rate 12.0% [" + pctRange(96, 800) + ", 96/800] vs clean 2.0% ["
        + pctRange(4, 200) + ", 4/200], intervals do not overlap"), md);
    assertTrue(md.contains("fp16: shifted rate 1.0% [" + pctRange(8, 800) + ", 8/800] vs clean 0.0% ["
        + pctRange(0, 200) + ", 0/200], intervals overlap"), md);
    assertTrue(md.contains("raises the disagreement rate for every variant"));
    assertTrue(md.contains("The worst corruption is mnist-c/fog"));
    assertTrue(md.contains("24.0% at severity 5 for static-int8"));
    assertTrue(md.contains("Our runs agree that QAT gives the most stable lenet5 models."));
    assertTrue(md.contains("margin@float separates best"));
    assertTrue(md.contains("Margin ranks first."));
    assertTrue(md.contains("Margin's best form (margin@float) ranks 2 of 3 (0.870, 0.040 below the best)"));
    assertTrue(md.contains("removed 4 of 18 disagreements (22.2%), left 14 and created 9 new ones"));
    assertTrue(md.contains("removed 5 of 20 disagreements (25.0%), left 15 and created 7 new ones"));
    assertTrue(md.contains("One seed (7)"));
    for (String q : List.of("## 1. ", "## 2. ", "## 3. ", "## 4. ", "## Caveats")) {
      assertTrue(md.contains(q), q);
    }
  }

  @Test
  void findingsComeMostImportantFirstWithTheirNumbers() throws IOException {
    List<String> findings = fullFindings;
    assertTrue(findings.get(0).startsWith(
        "Shifted data raises the disagreement rate for 2 of 2 variants, most for static-int8: shifted 12.0%"),
        findings.get(0));
    assertTrue(findings.get(0).contains("vs clean 2.0%"));
    assertTrue(findings.get(1).startsWith("The worst corruption is mnist-c/fog"), findings.get(1));
    assertTrue(findings.get(2).startsWith("margin@float separates disagreements best under the paper protocol (mean AUROC 0.900"),
        findings.get(2));
    assertTrue(findings.get(3).startsWith("entropy@float separates disagreements best under the direct protocol (mean AUROC 0.910"),
        findings.get(3));
    assertTrue(findings.stream().anyMatch(f -> f.startsWith("Among lenet5 models, qat disagrees least")));
    assertTrue(findings.stream().anyMatch(f -> f.startsWith("Layer conv2 (Conv)") && f.contains("15.5 dB")));
    // the HTML lists the same findings, in the same order
    String html = fullHtml();
    int last = -1;
    for (String f : findings) {
      int at = html.indexOf("<li>" + Html.esc(f) + "</li>");
      assertTrue(at > last, "finding missing or out of order: " + f);
      last = at;
    }
  }

  @Test
  void shiftThatLowersDisagreementsIsReportedAsSuch() throws IOException {
    String header = "model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,disagreement_rate,"
        + "rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong\n";
    Files.writeString(dir.resolve("results.csv"), header
        + "m,static-int8,clean,identity,0,100,0.9,0.85,10,0.1,0.05,0.17,8,2,0\n"
        + "m,static-int8,mnist-c_fog_s3,mnist-c/fog,3,100,0.8,0.8,5,0.05,0.02,0.11,3,2,0\n");
    List<String> findings = StudyReport.write(dir);
    assertTrue(findings.get(0).startsWith("Shifted data does not raise disagreements in our runs"), findings.get(0));
    String md = summary();
    assertTrue(md.contains("static-int8: shifted rate 5.0% [" + pctRange(5, 100) + ", 5/100] vs clean 10.0% ["
        + pctRange(10, 100) + ", 10/100], intervals overlap"), md);
    assertTrue(md.contains("In our runs shifted data does not raise the disagreement rate for any variant."), md);
  }

  @Test
  void whenNoVariantRisesTheFindingNamesTheLargestFallNotTheSmallest() throws IOException {
    String header = "model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,disagreement_rate,"
        + "rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong\n";
    Files.writeString(dir.resolve("results.csv"), header
        + "m,static-int8,clean,identity,0,100,0.9,0.85,10,0.1,0.05,0.17,8,2,0\n"
        + "m,static-int8,mnist-c_fog_s3,mnist-c/fog,3,100,0.8,0.8,9,0.09,0.05,0.16,7,2,0\n"
        + "m,dynamic-int8,clean,identity,0,100,0.9,0.85,10,0.1,0.05,0.17,8,2,0\n"
        + "m,dynamic-int8,mnist-c_fog_s3,mnist-c/fog,3,100,0.8,0.8,2,0.02,0.01,0.07,1,1,0\n");
    String first = StudyReport.write(dir).get(0);
    // static-int8 falls by 1 point, dynamic-int8 by 8: the largest change is dynamic-int8's
    assertTrue(first.startsWith("Shifted data does not raise disagreements in our runs; the largest change is"
        + " for dynamic-int8: shifted 2.0%"), first);
  }

  @Test
  void folderWithOnlyResultsCsvStillReportsAndSaysWhatIsMissing() throws IOException {
    SyntheticStudy.writeCsvOnly(dir);
    List<String> findings = StudyReport.write(dir);
    assertTrue(findings.get(0).contains("12.0%"));
    String html = html();
    assertNull(HtmlChecks.unbalanced(html));
    for (String note : List.of("This run scored no uncertainty metrics", "No margin histograms in this run",
        "This run did no retraining with disagreements", "No layer-wise error in this run",
        "No sample disagreements in this run", "No node coverage in this run")) {
      assertTrue(html.contains("<p class=\"absent\">" + note), note);
    }
    // the charts the CSV has data for are still drawn
    assertTrue(HtmlChecks.svgs(html).stream().anyMatch(s -> HtmlChecks.svgText(s).startsWith("mnist-c/fog\n")));
    String md = summary();
    assertTrue(md.contains("Not answered: this run scored no uncertainty metrics"));
    assertTrue(md.contains("Not answered: this run did no retraining with disagreements."));
  }

  @Test
  void folderWithoutResultsIsAnErrorNamingIt() {
    DataLoadException e = assertThrows(DataLoadException.class, () -> StudyReport.write(dir));
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("no results.json or results.csv"),
        e.getMessage());
  }

  @Test
  void malformedResultsJsonIsAnErrorNamingTheFile() throws IOException {
    Files.writeString(dir.resolve("results.json"), "{\"cells\": [");
    DataLoadException e = assertThrows(DataLoadException.class, () -> StudyReport.write(dir));
    assertTrue(e.getMessage().contains("results.json") && e.getMessage().contains("not valid JSON"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("report.html")));
  }

  @Test
  void writingTwiceReplacesBothFilesAndLeavesNoTemporaryFiles() throws IOException {
    SyntheticStudy.writeFull(dir);
    StudyReport.write(dir);
    String first = html();
    StudyReport.write(dir);
    assertEquals(first, html(), "the report is deterministic for the same folder");
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
