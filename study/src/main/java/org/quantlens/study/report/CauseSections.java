package org.quantlens.study.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import org.quantlens.study.report.Facts.Coverage;
import org.quantlens.study.report.Facts.LayerSummary;
import org.quantlens.study.report.StudyData.Int8Node;
import org.quantlens.study.report.StudyData.RetrainRow;

/** Question 4 (retraining) and where disagreements come from: layer-wise error, int8 coverage. */
final class CauseSections {
  private static final Color REMOVED = new Color(0x009E73);
  private static final Color REMAINING = new Color(0x9AA5B1);
  private static final Color CREATED = new Color(0xD55E00);

  private CauseSections() {}

  static void retraining(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"retraining\">\n<h2>4 · Retraining with disagreements</h2>\n");
    List<RetrainRow> rows = f.data.retraining();
    if (rows.isEmpty()) {
      h.absent("This run did no retraining with disagreements (results.json has no \"retraining\").");
      h.raw("</section>\n");
      return;
    }
    h.p("Of the disagreements before retraining, how many went away (removed) and stayed (remaining), and how "
        + "many new ones appeared (created). Paper protocol: evaluated on the inputs used for retraining; clean "
        + "protocol: disagreements from one split, evaluated on a held-out split.");
    List<String> cats = rows.stream().map(r -> r.model() + " · " + r.variant() + " · " + r.protocol()).toList();
    double[][] values = new double[3][rows.size()];
    List<List<String>> table = new ArrayList<>();
    for (int j = 0; j < rows.size(); j++) {
      RetrainRow r = rows.get(j);
      values[0][j] = r.removed();
      values[1][j] = r.remaining();
      values[2][j] = r.created();
      table.add(List.of(r.model(), r.variant(), r.protocol(), Long.toString(r.before()), Long.toString(r.removed()),
          Long.toString(r.remaining()), Long.toString(r.created()), Fmt.pct(r.accBefore()), Fmt.pct(r.accAfter())));
    }
    int height = Math.max(200, 110 + rows.size() * 42);
    h.raw("<figure class=\"wide\">").raw(svg.render(Charts.countBars("Disagreements after retraining",
        List.of("removed", "remaining", "created"), cats, values, List.of(REMOVED, REMAINING, CREATED),
        "disagreements", false, true), 760, height)).raw("</figure>\n");
    h.details("Numbers behind the chart (" + table.size() + " rows)", new Html().table(
        List.of("model", "variant", "protocol", "before", "removed", "remaining", "created", "acc before",
            "acc after"), table, Html.numericAfter(3, 9)).toString());
    h.raw("</section>\n");
  }

  static void layers(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"layers\">\n<h2>Layer-wise error: which layer's quantization causes disagreements</h2>\n");
    if (f.layers.isEmpty()) {
      h.absent("No layer-wise error in this run (results.json has no \"layers\").");
      h.raw("</section>\n");
      return;
    }
    h.p("Float vs quantized activations matched by tensor name, in graph order. SQNR (dB, higher = closer) is "
        + "averaged over agreeing inputs and over disagreeing ones, then over sets; the charts show the gap, "
        + "agree minus disagree. A layer with a large gap is one whose quantization error is larger exactly "
        + "where the models disagree.");
    DisagreementSections.legend(h, f);
    h.raw("<div class=\"grid\">\n");
    List<List<String>> table = new ArrayList<>();
    for (var e : f.layersByModel().entrySet()) {
      List<LayerSummary> ls = e.getValue();
      List<String> variants = f.variants.stream().filter(v -> ls.stream().anyMatch(l -> l.variant().equals(v))).toList();
      List<String> tensors = graphOrder(ls);
      double[][] gap = new double[variants.size()][tensors.size()];
      for (double[] row : gap) {
        java.util.Arrays.fill(row, Double.NaN);
      }
      for (LayerSummary l : ls) {
        int i = variants.indexOf(l.variant());
        if (i >= 0) {
          gap[i][tensors.indexOf(l.tensor())] = l.sqnrGap();
        }
        table.add(List.of(l.model(), l.variant(), l.tensor(), l.op(), Fmt.num(l.sqnrAgree(), 2),
            Fmt.num(l.sqnrDisagree(), 2), Fmt.num(l.sqnrGap(), 2), Fmt.num(l.cosineAgree(), 4),
            Fmt.num(l.cosineDisagree(), 4), Fmt.num(l.maxAbsAgree(), 4), Fmt.num(l.maxAbsDisagree(), 4)));
      }
      h.raw("<figure>").raw(svg.render(Charts.categoryLines(e.getKey() + ": SQNR gap per layer", variants, tensors, gap,
          variants.stream().map(v -> Charts.colorOf(f.variants, v)).toList(), "SQNR gap dB", false), 340, 250))
          .raw("</figure>\n");
    }
    h.raw("</div>\n");
    h.details("Numbers behind the charts (" + table.size() + " rows)", new Html().table(
        List.of("model", "variant", "tensor", "op", "SQNR agree", "SQNR disagree", "gap dB", "cosine agree",
            "cosine disagree", "max abs agree", "max abs disagree"), table, Html.numericAfter(4, 11)).toString());
    h.raw("</section>\n");
  }

  /**
   * The tensors of one model in graph order. Each variant lists the tensors it has in graph order,
   * but variants differ (an int8 model may fuse a convolution with its activation), so the lists
   * are merged: a tensor new to the merged order goes right after the one before it in its own list.
   */
  static List<String> graphOrder(List<LayerSummary> layers) {
    java.util.Map<String, List<String>> byVariant = new java.util.LinkedHashMap<>();
    layers.forEach(l -> byVariant.computeIfAbsent(l.variant(), k -> new ArrayList<>()).add(l.tensor()));
    List<String> merged = new ArrayList<>();
    for (List<String> own : byVariant.values()) {
      String previous = null;
      for (String t : own) {
        if (!merged.contains(t)) {
          merged.add(previous == null ? 0 : merged.indexOf(previous) + 1, t);
        }
        previous = t;
      }
    }
    return merged;
  }

  static void coverage(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"int8\">\n<h2>Int8 node coverage</h2>\n");
    if (f.coverage.isEmpty()) {
      h.absent("No node coverage in this run (results.json has no \"int8_nodes\").");
      h.raw("</section>\n");
      return;
    }
    h.p("Which nodes of each quantized model ran an int8 kernel, and why the others did not.");
    List<String> cats = f.coverage.stream().map(c -> c.model() + " · " + c.variant()).toList();
    double[][] v = new double[2][cats.size()];
    List<List<String>> table = new ArrayList<>();
    for (int j = 0; j < cats.size(); j++) {
      Coverage c = f.coverage.get(j);
      v[0][j] = c.int8();
      v[1][j] = c.total() - c.int8();
      table.add(List.of(c.model(), c.variant(), Integer.toString(c.int8()), Integer.toString(c.total()),
          Fmt.pct(c.total() == 0 ? Double.NaN : (double) c.int8() / c.total())));
    }
    int height = Math.max(160, 110 + cats.size() * 26);
    h.raw("<figure class=\"wide\">").raw(svg.render(Charts.countBars("Nodes per model and variant",
        List.of("int8", "not int8"), cats, v, List.of(new Color(0x0072B2), new Color(0xC9CED6)), "nodes", true, true),
        760, height)).raw("</figure>\n");
    h.table(List.of("model", "variant", "int8 nodes", "nodes", "share"), table, Html.numericAfter(2, 5));
    List<List<String>> why = new ArrayList<>();
    for (Coverage c : f.coverage) {
      c.floatByWhy().forEach((reason, nodes) -> why.add(List.of(c.model(), c.variant(), reason,
          Integer.toString(nodes.size()), String.join(", ", nodes.stream().map(n -> n.node() + " (" + n.op() + ")").toList()))));
    }
    if (!why.isEmpty()) {
      h.details("Why nodes did not run int8 (" + Fmt.count(why.size(), "reason") + ")", new Html().table(
          List.of("model", "variant", "reason", "nodes", "which"), why, new boolean[] {false, false, false, true, false})
          .toString());
    }
    List<List<String>> all = new ArrayList<>();
    for (Int8Node n : f.data.int8Nodes()) {
      all.add(List.of(n.model(), n.variant(), n.node(), n.op(), n.int8() ? "int8" : "float", n.why()));
    }
    h.rawTable("Every node", "results.json (int8_nodes)",
        List.of("model", "variant", "node", "op", "ran", "why"), all, new boolean[6]);
    h.raw("</section>\n");
  }
}
