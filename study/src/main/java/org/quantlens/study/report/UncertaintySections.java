package org.quantlens.study.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.quantlens.study.report.Facts.MetricSummary;
import org.quantlens.study.report.StudyData.MarginHist;
import org.quantlens.study.report.StudyData.MetricRow;

/** Question 3: how well uncertainty metrics pick out disagreements, and the margin histograms. */
final class UncertaintySections {
  private UncertaintySections() {}

  static void metrics(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"metrics\">\n<h2>3 · Uncertainty metrics: which one finds disagreements?</h2>\n");
    List<String> protocols = Findings.orderedProtocols(f);
    if (protocols.isEmpty()) {
      h.absent("This run scored no uncertainty metrics (metrics.csv is absent or empty).");
      h.raw("</section>\n");
      return;
    }
    h.p("Mean AUROC over all (model, variant, set) cells with at least one disagreement. The paper's protocol "
        + "fits a one-feature logistic regression on disagreements vs as many random agreements and scores a "
        + "10% hold-out; the direct protocol ranks all inputs by the metric. @float / @quant: computed on "
        + "that model's softmax.");
    // metrics in the order of the first protocol's ranking, so the chart reads best to worst
    LinkedHashSet<String> order = new LinkedHashSet<>();
    protocols.forEach(p -> f.metricsOf(p).forEach(m -> order.add(m.metric())));
    List<String> metrics = new ArrayList<>(order);
    double[][] auroc = new double[protocols.size()][metrics.size()];
    for (int p = 0; p < protocols.size(); p++) {
      for (int m = 0; m < metrics.size(); m++) {
        String metric = metrics.get(m);
        auroc[p][m] = f.metricsOf(protocols.get(p)).stream().filter(s -> s.metric().equals(metric))
            .mapToDouble(MetricSummary::meanAuroc).findFirst().orElse(Double.NaN);
      }
    }
    int height = Math.max(220, 90 + metrics.size() * protocols.size() * 14);
    h.raw("<figure class=\"wide\">").raw(svg.render(Charts.metricBars("Mean AUROC per metric and protocol",
        metrics, protocols, auroc), 760, height)).raw("</figure>\n");

    List<List<String>> table = new ArrayList<>();
    for (String p : protocols) {
      for (MetricSummary m : f.metricsOf(p)) {
        table.add(List.of(p, Integer.toString(m.rank()), m.metric(), Fmt.num(m.meanAuroc(), 3),
            Fmt.num(m.meanAupr(), 3), Fmt.num(m.meanTnr(), 3), Integer.toString(m.cells()), Integer.toString(m.best())));
      }
    }
    h.details("Numbers behind the chart (" + table.size() + " rows)", new Html().table(
        List.of("protocol", "rank", "metric", "mean AUROC", "mean AUPR", "mean TNR@95%TPR", "cells",
            "best in cells"), table, Html.numericAfter(3, 8)).toString());
    List<List<String>> rows = new ArrayList<>();
    for (MetricRow m : f.data.metrics()) {
      rows.add(List.of(m.model(), m.variant(), m.set(), m.metric(), m.protocol(), Fmt.num(m.auroc(), 3),
          Fmt.num(m.aupr(), 3), Fmt.num(m.tnrAt95Tpr(), 3)));
    }
    h.rawTable("Every metric score, as in metrics.csv", "metrics.csv",
        List.of("model", "variant", "set", "metric", "protocol", "AUROC", "AUPR", "TNR@95%TPR"),
        rows, Html.numericAfter(5, 8));
    h.raw("</section>\n");
  }

  static void margins(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"margins\">\n<h2>Top-1 − top-2 probability: agreements vs disagreements</h2>\n");
    if (f.marginByVariant.isEmpty()) {
      h.absent("No margin histograms in this run (results.json cells have no margin_hist).");
      h.raw("</section>\n");
      return;
    }
    h.p("The float model's margin between its two most likely classes, pooled over models and sets. "
        + "Each group is scaled to 100%, so the rare disagreements stay visible.");
    h.raw("<div class=\"grid\">\n");
    List<List<String>> table = new ArrayList<>();
    for (var e : f.marginByVariant.entrySet()) {
      MarginHist m = e.getValue();
      long agree = 0;
      long disagree = 0;
      for (int i = 0; i < m.agree().length; i++) {
        agree += m.agree()[i];
        disagree += m.disagree()[i];
      }
      h.raw("<figure>").raw(svg.render(Charts.marginHistogram(e.getKey() + " (" + Fmt.thousands(agree) + " agree, "
          + Fmt.thousands(disagree) + " disagree)", m), 340, 240)).raw("</figure>\n");
      for (int i = 0; i < m.agree().length; i++) {
        table.add(List.of(e.getKey(), String.format(Locale.ROOT, "%.2f–%.2f", m.edges()[i], m.edges()[i + 1]),
            Long.toString(m.agree()[i]), Long.toString(m.disagree()[i])));
      }
    }
    h.raw("</div>\n");
    h.details("Numbers behind the charts (" + table.size() + " rows)", new Html().table(
        List.of("variant", "margin bin", "agree", "disagree"), table, Html.numericAfter(2, 4)).toString());
    h.raw("</section>\n");
  }
}
