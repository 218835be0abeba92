package org.quantlens.study.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * report.html: one self-contained page (inline CSS, charts as inline SVG, images as data URIs),
 * with a header saying what was run, the ranked findings, then one section per question.
 */
final class HtmlReport {
  private static final List<Map.Entry<String, String>> NAV = List.of(
      Map.entry("findings", "Findings"), Map.entry("shift", "1 · Clean vs shifted"),
      Map.entry("severity", "Severity"), Map.entry("recipes", "2 · Recipes"),
      Map.entry("metrics", "3 · Metrics"), Map.entry("margins", "Margins"),
      Map.entry("retraining", "4 · Retraining"), Map.entry("layers", "Layers"),
      Map.entry("samples", "Samples"), Map.entry("int8", "Int8 coverage"));

  private HtmlReport() {}

  static String render(Facts f, List<String> findings, Path outDir) {
    SvgCharts svg = new SvgCharts();
    Html h = new Html();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        .text("QuantLens study: " + f.data.study()).raw("</title>\n<style>\n").raw(css()).raw("</style>\n</head>\n<body>\n");
    header(h, f);
    h.raw("<nav><div class=\"wrap\">");
    for (var e : NAV) {
      h.raw("<a href=\"#" + e.getKey() + "\">").text(e.getValue()).raw("</a>");
    }
    h.raw("</div></nav>\n<main class=\"wrap\">\n");
    h.raw("<div class=\"findings\" id=\"findings\">\n<h2>Findings</h2>\n<ol>\n");
    findings.forEach(s -> h.raw("<li>").text(s).raw("</li>\n"));
    h.raw("</ol>\n</div>\n");
    DisagreementSections.cleanVsShifted(h, f, svg);
    DisagreementSections.severity(h, f, svg);
    DisagreementSections.recipes(h, f, svg);
    UncertaintySections.metrics(h, f, svg);
    UncertaintySections.margins(h, f, svg);
    CauseSections.retraining(h, f, svg);
    CauseSections.layers(h, f, svg);
    SampleSection.render(h, f, outDir);
    CauseSections.coverage(h, f, svg);
    h.raw("</main>\n<footer class=\"wrap\">");
    h.text("Written by QuantLens from results.json, results.csv and metrics.csv in this folder; "
        + "summary.md states the same findings in prose. " + svg.count() + " charts.");
    h.raw("</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void header(Html h, Facts f) {
    h.raw("<header><div class=\"wrap\">\n<h1>").text("QuantLens study: " + f.data.study()).raw("</h1>\n")
        .raw("<p class=\"sub\">Where quantized models disagree with their float originals, on clean and shifted data.</p>\n<dl>\n");
    RunDescription.fields(f).forEach((k, v) -> h.raw("<dt>").text(k).raw("</dt><dd>").text(v).raw("</dd>\n"));
    h.raw("</dl>\n</div></header>\n");
  }

  private static String css() {
    try (InputStream in = HtmlReport.class.getResourceAsStream("report.css")) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
