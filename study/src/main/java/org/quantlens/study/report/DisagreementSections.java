package org.quantlens.study.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.quantlens.study.report.Facts.Kinds;
import org.quantlens.study.report.Facts.RecipeRow;
import org.quantlens.study.report.Facts.SeverityCurves;
import org.quantlens.study.report.Facts.ShiftContrast;
import org.quantlens.study.report.StudyData.Cell;

/** Question 1 (clean vs shifted, rate vs severity) and question 2 (training recipes). */
final class DisagreementSections {
  private static final Color CLEAN = new Color(0x9AA5B1);
  private static final Color SHIFTED = new Color(0xD55E00);

  private DisagreementSections() {}

  static void cleanVsShifted(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"shift\">\n<h2>1 · Clean vs shifted data</h2>\n");
    h.p("Disagreement: the quantized model's top class differs from the float model's. Rates are pooled "
        + "over models and over all shifted sets; whiskers are 95% Wilson intervals.");
    List<ShiftContrast> rows = f.shiftByVariant.stream().filter(s -> s.clean().n() + s.shifted().n() > 0).toList();
    if (rows.isEmpty()) {
      h.absent("No disagreement results in this run (results.csv has no rows for a quantized variant).");
      h.raw("</section>\n");
      return;
    }
    if (!f.hasShifted()) {
      h.absent("This run has no shifted data sets: only clean rates are shown.");
    }
    List<String> variants = rows.stream().map(ShiftContrast::variant).toList();
    Rate[][] rates = new Rate[2][variants.size()];
    for (int j = 0; j < rows.size(); j++) {
      rates[0][j] = rows.get(j).clean();
      rates[1][j] = rows.get(j).shifted();
    }
    h.raw("<figure class=\"wide\">").raw(svg.render(Charts.rateBars("Disagreement rate per variant: clean vs shifted",
        List.of("clean", "shifted"), variants, rates, List.of(CLEAN, SHIFTED), "disagreement %", true), 760, 300))
        .raw("</figure>\n");

    List<List<String>> table = new ArrayList<>();
    for (ShiftContrast s : f.shiftByVariant) {
      table.add(contrastRow("all models", s));
    }
    for (ShiftContrast s : f.shiftByModelVariant) {
      table.add(contrastRow(s.model(), s));
    }
    h.details("Numbers behind the chart (" + table.size() + " rows)", new Html().table(
        List.of("model", "variant", "clean rate", "clean 95% CI", "clean k/n", "shifted rate", "shifted 95% CI",
            "shifted k/n", "intervals overlap"),
        table, Html.numericAfter(2, 9)).toString());

    kinds(h, f, svg);
    h.raw("</section>\n");
  }

  private static List<String> contrastRow(String model, ShiftContrast s) {
    return List.of(model, s.variant(), Fmt.pct(s.clean().value()), Fmt.pctRange(s.clean().low(), s.clean().high()),
        s.clean().k() + "/" + s.clean().n(), Fmt.pct(s.shifted().value()),
        Fmt.pctRange(s.shifted().low(), s.shifted().high()), s.shifted().k() + "/" + s.shifted().n(),
        s.clean().n() == 0 || s.shifted().n() == 0 ? "n/a" : s.clean().overlaps(s.shifted()) ? "yes" : "no");
  }

  private static void kinds(Html h, Facts f, SvgCharts svg) {
    List<String> cats = new ArrayList<>();
    List<Kinds> kinds = new ArrayList<>();
    for (String v : f.variants) {
      for (var e : List.of(Map.entry("clean", f.kindsClean), Map.entry("shifted", f.kindsShifted))) {
        Kinds k = e.getValue().get(v);
        if (k != null && k.total() > 0) {
          cats.add(v + " " + e.getKey());
          kinds.add(k);
        }
      }
    }
    h.raw("<h3>Kinds of disagreement</h3>\n");
    if (cats.isEmpty()) {
      h.absent("No disagreements to classify.");
      return;
    }
    double[][] values = new double[3][cats.size()];
    List<List<String>> table = new ArrayList<>();
    for (int j = 0; j < cats.size(); j++) {
      Kinds k = kinds.get(j);
      values[0][j] = 100.0 * k.floatRightQuantWrong() / k.total();
      values[1][j] = 100.0 * k.floatWrongQuantRight() / k.total();
      values[2][j] = 100.0 * k.bothWrong() / k.total();
      table.add(List.of(cats.get(j), Long.toString(k.floatRightQuantWrong()), Long.toString(k.floatWrongQuantRight()),
          Long.toString(k.bothWrong()), Long.toString(k.total())));
    }
    h.raw("<figure class=\"wide\">").raw(svg.render(Charts.countBars("Disagreements by kind (share of each group)",
        List.of("float right → quantized wrong", "float wrong → quantized right", "both wrong, differently"), cats,
        values, List.of(new Color(0xD55E00), new Color(0x009E73), new Color(0x9AA5B1)), "% of disagreements", true, false),
        760, 280)).raw("</figure>\n");
    h.details("Numbers behind the chart", new Html().table(
        List.of("variant, data", "float right → quant wrong", "float wrong → quant right", "both wrong", "total"),
        table, Html.numericAfter(1, 5)).toString());
  }

  static void severity(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"severity\">\n<h2>Disagreement rate vs severity</h2>\n");
    if (f.severityCurves.isEmpty()) {
      h.absent("This run has no corrupted data sets with severities.");
    } else {
      h.p("One panel per corruption; severity 0 is the clean set. Lines are pooled over models, bands are "
          + "95% Wilson intervals. Panels share the vertical scale.");
      legend(h, f);
      PercentScale yScale = severityScale(f);
      if (yScale.log()) {
        h.p("The variants' rates differ by more than a factor of ten, so the vertical axis is logarithmic; "
            + "a rate of zero sits on the bottom edge.");
      }
      h.raw("<div class=\"grid\">\n");
      for (SeverityCurves c : f.severityCurves) {
        h.raw("<figure>").raw(svg.render(Charts.severityLines(c.corruption(), c.byVariant(), f.variants, yScale), 340, 230))
            .raw("</figure>\n");
      }
      h.raw("</div>\n");
      if (!f.severityByModel.isEmpty()) {
        h.raw("<h3>Per model, pooled over corruptions</h3>\n<div class=\"grid\">\n");
        for (var e : f.severityByModel.entrySet()) {
          h.raw("<figure>").raw(svg.render(Charts.severityLines(e.getKey(), e.getValue(), f.variants, yScale), 340, 230))
              .raw("</figure>\n");
        }
        h.raw("</div>\n");
      }
      List<List<String>> table = new ArrayList<>();
      for (SeverityCurves c : f.severityCurves) {
        c.byVariant().forEach((v, curve) -> curve.forEach((sev, r) -> table.add(List.of(c.corruption(), v,
            Integer.toString(sev), Fmt.pct(r.value()), Fmt.pctRange(r.low(), r.high()), r.k() + "/" + r.n()))));
      }
      h.details("Numbers behind the charts (" + table.size() + " rows)", new Html().table(
          List.of("corruption", "variant", "severity", "rate", "95% CI", "k/n"), table, Html.numericAfter(2, 6)).toString());
    }
    if (!f.naturalSets.isEmpty()) {
      h.raw("<h3>Natural shift sets</h3>\n");
      List<List<String>> table = new ArrayList<>();
      f.naturalSets.forEach((set, byVariant) -> byVariant.forEach((v, r) -> table.add(List.of(set, v,
          Fmt.pct(r.value()), Fmt.pctRange(r.low(), r.high()), r.k() + "/" + r.n()))));
      h.table(List.of("set", "variant", "rate", "95% CI", "k/n"), table, Html.numericAfter(2, 5));
    }
    allCells(h, f);
    h.raw("</section>\n");
  }

  private static PercentScale severityScale(Facts f) {
    java.util.Map<String, Double> maxPerVariant = new java.util.HashMap<>();
    double smallest = Double.POSITIVE_INFINITY;
    List<Map<String, TreeMap<Integer, Rate>>> all = new ArrayList<>();
    f.severityCurves.forEach(c -> all.add(c.byVariant()));
    all.addAll(f.severityByModel.values());
    for (Map<String, TreeMap<Integer, Rate>> byVariant : all) {
      for (var e : byVariant.entrySet()) {
        for (Rate r : e.getValue().values()) {
          maxPerVariant.merge(e.getKey(), 100 * r.high(), Math::max);
          for (double v : new double[] {100 * r.value(), 100 * r.low()}) {
            if (v > 0) {
              smallest = Math.min(smallest, v);
            }
          }
        }
      }
    }
    return PercentScale.forRates(maxPerVariant.values(), smallest);
  }

  /** The variant colours used by every multi-variant chart. */
  static void legend(Html h, Facts f) {
    h.raw("<div class=\"legend\">");
    for (String v : f.variants) {
      h.raw("<span><i style=\"background:" + Charts.hex(Charts.colorOf(f.variants, v)) + "\"></i>").text(v).raw("</span>");
    }
    h.raw("</div>\n");
  }

  private static void allCells(Html h, Facts f) {
    List<Cell> cells = f.data.comparisons();
    if (cells.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Cell c : cells) {
      rows.add(List.of(c.model(), c.variant(), c.set(), Long.toString(c.n()), Fmt.pct(c.accFloat()),
          Fmt.pct(c.accQuant()), Long.toString(c.disagreements()), Fmt.pct(c.rate()),
          Fmt.pctRange(c.ciLow(), c.ciHigh()), Long.toString(c.floatRightQuantWrong()),
          Long.toString(c.floatWrongQuantRight()), Long.toString(c.bothWrong())));
    }
    h.rawTable("Every (model, variant, set) cell, as in results.csv", "results.csv",
        List.of("model", "variant", "set", "n", "acc float", "acc quant", "disagreements", "rate", "95% CI",
            "float right → quant wrong", "float wrong → quant right", "both wrong"),
        rows, Html.numericAfter(3, 12));
  }

  static void recipes(Html h, Facts f, SvgCharts svg) {
    h.raw("<section id=\"recipes\">\n<h2>2 · Training recipes compared</h2>\n");
    Map<String, List<RecipeRow>> groups = f.recipesByGroup();
    boolean any = groups.values().stream().anyMatch(g -> g.size() > 1);
    if (!any) {
      h.absent("This run has one model per architecture: no training recipes to compare.");
    } else {
      h.p("Disagreement rate of each recipe's model per variant, on clean and on shifted data (pooled over "
          + "shifted sets); whiskers are 95% Wilson intervals.");
    }
    List<List<String>> table = new ArrayList<>();
    for (var e : groups.entrySet()) {
      List<RecipeRow> rows = e.getValue();
      if (rows.size() > 1) {
        List<String> recipes = rows.stream().map(RecipeRow::recipe).toList();
        List<String> variants = f.variants.stream()
            .filter(v -> rows.stream().anyMatch(r -> r.byVariant().containsKey(v))).toList();
        List<Color> colors = variants.stream().map(v -> Charts.colorOf(f.variants, v)).toList();
        h.raw("<div class=\"grid two\">\n");
        for (boolean shifted : new boolean[] {false, true}) {
          Rate[][] rates = new Rate[variants.size()][recipes.size()];
          for (int i = 0; i < variants.size(); i++) {
            for (int j = 0; j < rows.size(); j++) {
              ShiftContrast s = rows.get(j).byVariant().get(variants.get(i));
              rates[i][j] = s == null ? null : shifted ? s.shifted() : s.clean();
            }
          }
          h.raw("<figure>").raw(svg.render(Charts.rateBars(e.getKey() + ": " + (shifted ? "shifted" : "clean") + " data",
              variants, recipes, rates, colors, "disagreement %", true), 480, 300)).raw("</figure>\n");
        }
        h.raw("</div>\n");
      }
      for (RecipeRow r : rows) {
        for (ShiftContrast s : r.byVariant().values()) {
          table.add(List.of(e.getKey(), r.recipe(), r.model(), s.variant(), Fmt.pct(s.clean().value()),
              Fmt.pctRange(s.clean().low(), s.clean().high()), Fmt.pct(s.shifted().value()),
              Fmt.pctRange(s.shifted().low(), s.shifted().high())));
        }
      }
    }
    if (!table.isEmpty()) {
      h.details("Numbers behind the charts (" + table.size() + " rows)", new Html().table(
          List.of("architecture", "recipe", "model", "variant", "clean rate", "clean 95% CI", "shifted rate",
              "shifted 95% CI"), table, Html.numericAfter(4, 8)).toString());
    }
    h.raw("</section>\n");
  }
}
