package org.quantlens.study.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.quantlens.study.report.StudyData.Cell;
import org.quantlens.study.report.StudyData.Int8Node;
import org.quantlens.study.report.StudyData.LayerRow;
import org.quantlens.study.report.StudyData.MarginHist;
import org.quantlens.study.report.StudyData.MetricRow;
import org.quantlens.study.report.StudyData.ModelInfo;

/**
 * The aggregates the report's charts, tables, findings and summary share, computed once from a
 * study's data so that every output states the same numbers. Rates are pooled (summed counts)
 * over the cells they cover.
 */
final class Facts {
  /** Clean vs shifted disagreement rates of one variant (pooled over models) or one (model, variant). */
  record ShiftContrast(String model, String variant, Rate clean, Rate shifted) {
    double increase() {
      return shifted.value() - clean.value();
    }
  }

  /** Per corruption, per variant: the disagreement rate at each severity (0 = clean). */
  record SeverityCurves(String corruption, Map<String, TreeMap<Integer, Rate>> byVariant) {}

  /** A corruption's disagreement rate pooled over models, variants and severities, and its worst severity. */
  record CorruptionRank(String corruption, Rate overall, int worstSeverity, String worstVariant, Rate worst) {}

  /** One model's clean and shifted rates per variant; {@code group} is its architecture. */
  record RecipeRow(String group, String recipe, String model, Map<String, ShiftContrast> byVariant, Rate shiftedAll) {}

  /** A metric's mean quality over the cells it was scored on, under one protocol. */
  record MetricSummary(String metric, String protocol, double meanAuroc, double meanAupr,
      double meanTnr, int cells, int rank, int best) {}

  /** A tensor's error averaged over the sets of one (model, variant). */
  record LayerSummary(String model, String variant, String tensor, String op, double sqnrAgree,
      double sqnrDisagree, double cosineAgree, double cosineDisagree, double maxAbsAgree,
      double maxAbsDisagree) {
    double sqnrGap() {
      return sqnrAgree - sqnrDisagree;
    }
  }

  /** Kinds of disagreement pooled over cells. */
  record Kinds(long floatRightQuantWrong, long floatWrongQuantRight, long bothWrong) {
    long total() {
      return floatRightQuantWrong + floatWrongQuantRight + bothWrong;
    }
  }

  /** How many nodes of a (model, variant) ran int8, and why the others did not. */
  record Coverage(String model, String variant, int int8, int total, Map<String, List<Int8Node>> floatByWhy) {}

  final StudyData data;
  final List<String> variants;
  final List<ShiftContrast> shiftByVariant = new ArrayList<>();
  final List<ShiftContrast> shiftByModelVariant = new ArrayList<>();
  final List<SeverityCurves> severityCurves = new ArrayList<>();
  /** model -> variant -> severity -> rate pooled over corruptions (0 = clean). */
  final Map<String, Map<String, TreeMap<Integer, Rate>>> severityByModel = new LinkedHashMap<>();
  final List<CorruptionRank> corruptionRanks = new ArrayList<>();
  /** (set, variant) -> rate pooled over models, for natural sets. */
  final Map<String, Map<String, Rate>> naturalSets = new LinkedHashMap<>();
  final List<RecipeRow> recipes = new ArrayList<>();
  final List<MetricSummary> metricSummaries = new ArrayList<>();
  final Map<String, MarginHist> marginByVariant = new LinkedHashMap<>();
  final List<LayerSummary> layers = new ArrayList<>();
  final Map<String, Kinds> kindsClean = new LinkedHashMap<>();
  final Map<String, Kinds> kindsShifted = new LinkedHashMap<>();
  final List<Coverage> coverage = new ArrayList<>();

  Facts(StudyData data) {
    this.data = data;
    List<Cell> cells = data.comparisons();
    LinkedHashSet<String> v = new LinkedHashSet<>(data.variants());
    v.remove(StudyData.FLOAT);
    cells.forEach(c -> v.add(c.variant()));
    this.variants = List.copyOf(v);
    shifts(cells);
    severities(cells);
    recipes(cells);
    metrics();
    margins(cells);
    layers();
    kinds(cells);
    coverage();
  }

  List<String> models() {
    LinkedHashSet<String> m = new LinkedHashSet<>();
    data.models().forEach(x -> m.add(x.name()));
    data.comparisons().forEach(c -> m.add(c.model()));
    return List.copyOf(m);
  }

  boolean hasShifted() {
    return shiftByVariant.stream().anyMatch(s -> s.shifted().n() > 0);
  }

  private static List<Cell> where(List<Cell> cells, Predicate<Cell> p) {
    return cells.stream().filter(p).toList();
  }

  private void shifts(List<Cell> cells) {
    for (String variant : variants) {
      List<Cell> mine = where(cells, c -> c.variant().equals(variant));
      shiftByVariant.add(new ShiftContrast("", variant, Rate.pool(where(mine, Cell::clean)),
          Rate.pool(where(mine, c -> !c.clean()))));
      for (String model : models()) {
        List<Cell> both = where(mine, c -> c.model().equals(model));
        if (!both.isEmpty()) {
          shiftByModelVariant.add(new ShiftContrast(model, variant, Rate.pool(where(both, Cell::clean)),
              Rate.pool(where(both, c -> !c.clean()))));
        }
      }
    }
  }

  private void severities(List<Cell> cells) {
    LinkedHashSet<String> corruptions = new LinkedHashSet<>();
    cells.stream().filter(Cell::corrupted).forEach(c -> corruptions.add(c.shift()));
    for (String corruption : corruptions) {
      Map<String, TreeMap<Integer, Rate>> byVariant = new LinkedHashMap<>();
      Rate worst = null;
      int worstSeverity = 0;
      String worstVariant = "";
      for (String variant : variants) {
        TreeMap<Integer, Rate> curve = new TreeMap<>();
        List<Cell> clean = where(cells, c -> c.variant().equals(variant) && c.clean());
        if (!clean.isEmpty()) {
          curve.put(0, Rate.pool(clean));
        }
        TreeMap<Integer, List<Cell>> bySeverity = new TreeMap<>();
        cells.stream().filter(c -> c.variant().equals(variant) && c.corrupted() && c.shift().equals(corruption))
            .forEach(c -> bySeverity.computeIfAbsent(c.severity(), k -> new ArrayList<>()).add(c));
        for (var e : bySeverity.entrySet()) {
          Rate r = Rate.pool(e.getValue());
          curve.put(e.getKey(), r);
          if (worst == null || r.value() > worst.value()) {
            worst = r;
            worstSeverity = e.getKey();
            worstVariant = variant;
          }
        }
        if (!bySeverity.isEmpty()) {
          byVariant.put(variant, curve);
        }
      }
      severityCurves.add(new SeverityCurves(corruption, byVariant));
      corruptionRanks.add(new CorruptionRank(corruption,
          Rate.pool(where(cells, c -> c.corrupted() && c.shift().equals(corruption))),
          worstSeverity, worstVariant, worst));
    }
    corruptionRanks.sort(Comparator.comparingDouble((CorruptionRank r) -> r.overall().value()).reversed());

    for (String model : models()) {
      Map<String, TreeMap<Integer, Rate>> byVariant = new LinkedHashMap<>();
      for (String variant : variants) {
        List<Cell> mine = where(cells, c -> c.model().equals(model) && c.variant().equals(variant));
        TreeMap<Integer, List<Cell>> bySeverity = new TreeMap<>();
        mine.stream().filter(c -> c.clean() || c.corrupted())
            .forEach(c -> bySeverity.computeIfAbsent(c.clean() ? 0 : c.severity(), k -> new ArrayList<>()).add(c));
        if (bySeverity.size() > 1) {
          TreeMap<Integer, Rate> curve = new TreeMap<>();
          bySeverity.forEach((s, list) -> curve.put(s, Rate.pool(list)));
          byVariant.put(variant, curve);
        }
      }
      if (!byVariant.isEmpty()) {
        severityByModel.put(model, byVariant);
      }
    }

    for (Cell c : cells) {
      if (!c.clean() && !c.corrupted()) {
        naturalSets.computeIfAbsent(c.set(), k -> new LinkedHashMap<>());
      }
    }
    for (String set : naturalSets.keySet()) {
      for (String variant : variants) {
        List<Cell> mine = where(cells, c -> c.set().equals(set) && c.variant().equals(variant));
        if (!mine.isEmpty()) {
          naturalSets.get(set).put(variant, Rate.pool(mine));
        }
      }
    }
  }

  private void recipes(List<Cell> cells) {
    Map<String, ModelInfo> info = new LinkedHashMap<>();
    data.models().forEach(m -> info.put(m.name(), m));
    for (String model : models()) {
      ModelInfo m = info.getOrDefault(model, new ModelInfo(model, "", "", ""));
      Map<String, ShiftContrast> byVariant = new LinkedHashMap<>();
      shiftByModelVariant.stream().filter(s -> s.model().equals(model))
          .forEach(s -> byVariant.put(s.variant(), s));
      if (byVariant.isEmpty()) {
        continue;
      }
      recipes.add(new RecipeRow(m.arch().isEmpty() ? "models" : m.arch(),
          m.recipe().isEmpty() ? model : m.recipe(), model, byVariant,
          Rate.pool(where(cells, c -> c.model().equals(model) && !c.clean()))));
    }
  }

  /** Groups of recipe rows by architecture, keeping order. */
  Map<String, List<RecipeRow>> recipesByGroup() {
    Map<String, List<RecipeRow>> out = new LinkedHashMap<>();
    recipes.forEach(r -> out.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r));
    return out;
  }

  private void metrics() {
    Map<String, List<MetricRow>> byProtocol = new LinkedHashMap<>();
    data.metrics().stream().filter(m -> !m.variant().equals(StudyData.FLOAT))
        .forEach(m -> byProtocol.computeIfAbsent(m.protocol(), k -> new ArrayList<>()).add(m));
    for (var e : byProtocol.entrySet()) {
      List<MetricRow> rows = e.getValue();
      // how often each metric has the best AUROC of its cell
      Map<String, Integer> wins = new LinkedHashMap<>();
      Map<String, List<MetricRow>> byCell = new LinkedHashMap<>();
      rows.forEach(r -> byCell.computeIfAbsent(r.model() + "\u0000" + r.variant() + "\u0000" + r.set(),
          k -> new ArrayList<>()).add(r));
      for (List<MetricRow> cell : byCell.values()) {
        double best = cell.stream().mapToDouble(MetricRow::auroc).filter(Double::isFinite).max().orElse(Double.NaN);
        cell.stream().filter(r -> r.auroc() == best).forEach(r -> wins.merge(r.metric(), 1, Integer::sum));
      }
      Map<String, List<MetricRow>> byMetric = new LinkedHashMap<>();
      rows.forEach(r -> byMetric.computeIfAbsent(r.metric(), k -> new ArrayList<>()).add(r));
      List<MetricSummary> list = new ArrayList<>();
      byMetric.forEach((metric, mr) -> list.add(new MetricSummary(metric, e.getKey(),
          mean(mr, MetricRow::auroc), mean(mr, MetricRow::aupr), mean(mr, MetricRow::tnrAt95Tpr),
          (int) mr.stream().filter(r -> Double.isFinite(r.auroc())).count(), 0, wins.getOrDefault(metric, 0))));
      list.sort(Comparator.comparingDouble((MetricSummary s) -> Double.isNaN(s.meanAuroc()) ? -1 : s.meanAuroc())
          .reversed());
      for (int i = 0; i < list.size(); i++) {
        MetricSummary s = list.get(i);
        metricSummaries.add(new MetricSummary(s.metric(), s.protocol(), s.meanAuroc(), s.meanAupr(),
            s.meanTnr(), s.cells(), i + 1, s.best()));
      }
    }
  }

  /** Mean over finite values; NaN when there are none. */
  static <T> double mean(List<T> rows, ToDoubleFunction<T> f) {
    return rows.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
  }

  List<String> protocols() {
    LinkedHashSet<String> p = new LinkedHashSet<>();
    metricSummaries.forEach(s -> p.add(s.protocol()));
    return List.copyOf(p);
  }

  List<MetricSummary> metricsOf(String protocol) {
    return metricSummaries.stream().filter(s -> s.protocol().equals(protocol)).toList();
  }

  private void margins(List<Cell> cells) {
    for (String variant : variants) {
      double[] edges = null;
      long[] agree = null;
      long[] disagree = null;
      for (Cell c : cells) {
        MarginHist h = c.marginHist();
        if (!c.variant().equals(variant) || h == null || h.agree().length == 0
            || h.agree().length != h.disagree().length || h.edges().length != h.agree().length + 1) {
          continue;
        }
        if (edges == null) {
          edges = h.edges().clone();
          agree = new long[h.agree().length];
          disagree = new long[h.agree().length];
        } else if (!Arrays.equals(edges, h.edges())) {
          continue; // pooling needs equal bins; the runner uses one binning per study
        }
        for (int i = 0; i < agree.length; i++) {
          agree[i] += h.agree()[i];
          disagree[i] += h.disagree()[i];
        }
      }
      if (edges != null) {
        marginByVariant.put(variant, new MarginHist(edges, agree, disagree));
      }
    }
  }

  private void layers() {
    Map<String, List<LayerRow>> byKey = new LinkedHashMap<>();
    for (LayerRow r : data.layers()) {
      byKey.computeIfAbsent(r.model() + "\u0000" + r.variant() + "\u0000" + r.tensor(), k -> new ArrayList<>()).add(r);
    }
    for (List<LayerRow> rows : byKey.values()) {
      LayerRow f = rows.get(0);
      layers.add(new LayerSummary(f.model(), f.variant(), f.tensor(), f.op(),
          mean(rows, LayerRow::sqnrAgree), mean(rows, LayerRow::sqnrDisagree),
          mean(rows, LayerRow::cosineAgree), mean(rows, LayerRow::cosineDisagree),
          mean(rows, LayerRow::maxAbsAgree), mean(rows, LayerRow::maxAbsDisagree)));
    }
  }

  /** Layer summaries grouped by model, in order of appearance. */
  Map<String, List<LayerSummary>> layersByModel() {
    Map<String, List<LayerSummary>> out = new LinkedHashMap<>();
    layers.forEach(l -> out.computeIfAbsent(l.model(), k -> new ArrayList<>()).add(l));
    return out;
  }

  private void kinds(List<Cell> cells) {
    for (String variant : variants) {
      kindsClean.put(variant, kindsOf(where(cells, c -> c.variant().equals(variant) && c.clean())));
      kindsShifted.put(variant, kindsOf(where(cells, c -> c.variant().equals(variant) && !c.clean())));
    }
  }

  private static Kinds kindsOf(List<Cell> cells) {
    long a = 0;
    long b = 0;
    long c = 0;
    for (Cell x : cells) {
      a += x.floatRightQuantWrong();
      b += x.floatWrongQuantRight();
      c += x.bothWrong();
    }
    return new Kinds(a, b, c);
  }

  private void coverage() {
    Map<String, List<Int8Node>> byKey = new LinkedHashMap<>();
    data.int8Nodes().forEach(n -> byKey.computeIfAbsent(n.model() + "\u0000" + n.variant(), k -> new ArrayList<>()).add(n));
    for (List<Int8Node> nodes : byKey.values()) {
      Map<String, List<Int8Node>> why = new TreeMap<>();
      nodes.stream().filter(n -> !n.int8())
          .forEach(n -> why.computeIfAbsent(n.why().isBlank() ? "(no reason given)" : n.why(), k -> new ArrayList<>()).add(n));
      coverage.add(new Coverage(nodes.get(0).model(), nodes.get(0).variant(),
          (int) nodes.stream().filter(Int8Node::int8).count(), nodes.size(), why));
    }
  }
}
