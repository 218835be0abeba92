package org.quantlens.study.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.quantlens.study.report.Facts.Coverage;
import org.quantlens.study.report.Facts.CorruptionRank;
import org.quantlens.study.report.Facts.Kinds;
import org.quantlens.study.report.Facts.LayerSummary;
import org.quantlens.study.report.Facts.MetricSummary;
import org.quantlens.study.report.Facts.RecipeRow;
import org.quantlens.study.report.Facts.ShiftContrast;
import org.quantlens.study.report.StudyData.RetrainRow;

/**
 * The study's findings as short sentences with their numbers, most important first: the paper's
 * questions in order (shift, worst corruption, best metric, recipes, retraining), then where the
 * disagreements come from (layers, kinds, int8 coverage). Each states what the data shows,
 * whichever way it comes out.
 */
final class Findings {
  private Findings() {}

  static List<String> of(Facts f) {
    List<String> out = new ArrayList<>();
    shift(f).ifPresent(out::add);
    worstCorruption(f).ifPresent(out::add);
    for (String protocol : orderedProtocols(f)) {
      bestMetric(f, protocol).ifPresent(out::add);
    }
    out.addAll(recipes(f));
    out.addAll(retraining(f));
    layer(f).ifPresent(out::add);
    kinds(f).ifPresent(out::add);
    coverage(f).ifPresent(out::add);
    if (out.isEmpty()) {
      out.add("No disagreement results in this folder: nothing to report yet.");
    }
    return out;
  }

  /** The paper's protocol first, then the others in order of appearance. */
  static List<String> orderedProtocols(Facts f) {
    List<String> p = new ArrayList<>(f.protocols());
    p.sort(Comparator.comparingInt(s -> s.equals("paper") ? 0 : 1));
    return p;
  }

  static Optional<String> shift(Facts f) {
    List<ShiftContrast> both = f.shiftByVariant.stream()
        .filter(s -> s.clean().n() > 0 && s.shifted().n() > 0).toList();
    if (both.isEmpty()) {
      return Optional.empty();
    }
    ShiftContrast top = both.stream().max(Comparator.comparingDouble(ShiftContrast::increase)).get();
    if (!(top.increase() > 0)) { // no variant rises: name the largest change, the steepest fall
      top = both.stream().max(Comparator.comparingDouble(s -> Math.abs(s.increase()))).get();
    }
    String numbers = top.variant() + ": shifted " + Fmt.pct(top.shifted().value()) + " ["
        + Fmt.pctRange(top.shifted().low(), top.shifted().high()) + "] vs clean " + Fmt.pct(top.clean().value())
        + " [" + Fmt.pctRange(top.clean().low(), top.clean().high()) + "] ("
        + (top.clean().overlaps(top.shifted()) ? "95% intervals overlap" : "95% intervals do not overlap") + ")";
    if (top.increase() > 0) {
      long up = both.stream().filter(s -> s.increase() > 0).count();
      return Optional.of("Shifted data raises the disagreement rate for " + up + " of " + both.size()
          + " variants, most for " + numbers + ".");
    }
    return Optional.of("Shifted data does not raise disagreements in our runs; the largest change is for "
        + numbers + ".");
  }

  static Optional<String> worstCorruption(Facts f) {
    if (f.corruptionRanks.isEmpty()) {
      return Optional.empty();
    }
    CorruptionRank w = f.corruptionRanks.get(0);
    return Optional.of("The worst corruption is " + w.corruption() + ": " + Fmt.pct(w.overall().value())
        + " of predictions disagree over all its severities and variants, up to "
        + Fmt.pct(w.worst().value()) + " at severity " + w.worstSeverity() + " (" + w.worstVariant() + ").");
  }

  static Optional<String> bestMetric(Facts f, String protocol) {
    List<MetricSummary> ranked = f.metricsOf(protocol).stream().filter(s -> s.cells() > 0).toList();
    if (ranked.isEmpty()) {
      return Optional.empty();
    }
    MetricSummary best = ranked.get(0);
    String s = best.metric() + " separates disagreements best under the " + protocol + " protocol (mean AUROC "
        + Fmt.num(best.meanAuroc(), 3) + " over " + best.cells() + " cells)";
    Optional<MetricSummary> margin = ranked.stream().filter(m -> isMargin(m.metric())).findFirst();
    if (margin.isEmpty()) {
      s += "; margin was not scored";
    } else if (margin.get() == best) {
      s += "; margin ranks first of " + ranked.size();
    } else {
      s += "; the best margin (" + margin.get().metric() + ") ranks " + margin.get().rank() + " of "
          + ranked.size() + " with " + Fmt.num(margin.get().meanAuroc(), 3);
    }
    return Optional.of(s + ".");
  }

  static boolean isMargin(String metric) {
    return metric.equals("margin") || metric.startsWith("margin@");
  }

  static List<String> recipes(Facts f) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, List<RecipeRow>> e : f.recipesByGroup().entrySet()) {
      List<RecipeRow> rows = e.getValue().stream().filter(r -> r.shiftedAll().n() > 0).toList();
      if (rows.size() < 2) {
        continue;
      }
      RecipeRow least = rows.stream().min(Comparator.comparingDouble(r -> r.shiftedAll().value())).get();
      RecipeRow most = rows.stream().max(Comparator.comparingDouble(r -> r.shiftedAll().value())).get();
      out.add("Among " + e.getKey() + " models, " + least.recipe() + " disagrees least on shifted data ("
          + Fmt.pct(least.shiftedAll().value()) + " [" + Fmt.pctRange(least.shiftedAll().low(), least.shiftedAll().high())
          + "]) and " + most.recipe() + " most (" + Fmt.pct(most.shiftedAll().value()) + " ["
          + Fmt.pctRange(most.shiftedAll().low(), most.shiftedAll().high()) + "]), over all variants.");
    }
    return out;
  }

  static List<String> retraining(Facts f) {
    List<String> out = new ArrayList<>();
    for (String protocol : List.of("clean", "paper")) {
      List<RetrainRow> rows = f.data.retraining().stream().filter(r -> r.protocol().equals(protocol)).toList();
      if (rows.isEmpty()) {
        continue;
      }
      long before = rows.stream().mapToLong(RetrainRow::before).sum();
      long removed = rows.stream().mapToLong(RetrainRow::removed).sum();
      long created = rows.stream().mapToLong(RetrainRow::created).sum();
      out.add("Retraining with disagreements (" + protocol + " protocol) removed " + removed + " of " + before
          + " disagreements (" + Fmt.pct(before == 0 ? Double.NaN : (double) removed / before) + ") and created "
          + created + " new ones.");
    }
    return out;
  }

  static Optional<LayerSummary> worstLayer(Facts f) {
    return f.layers.stream().filter(l -> Double.isFinite(l.sqnrGap()))
        .max(Comparator.comparingDouble(LayerSummary::sqnrGap));
  }

  static Optional<String> layer(Facts f) {
    return worstLayer(f).map(l -> "Layer " + l.tensor() + (l.op().isEmpty() ? "" : " (" + l.op() + ")")
        + " separates disagreements most: SQNR " + Fmt.num(l.sqnrDisagree(), 1) + " dB on disagreements vs "
        + Fmt.num(l.sqnrAgree(), 1) + " dB on agreements (" + l.model() + ", " + l.variant() + ").");
  }

  static Optional<String> kinds(Facts f) {
    long a = 0;
    long b = 0;
    long c = 0;
    for (Kinds k : f.kindsClean.values()) {
      a += k.floatRightQuantWrong();
      b += k.floatWrongQuantRight();
      c += k.bothWrong();
    }
    for (Kinds k : f.kindsShifted.values()) {
      a += k.floatRightQuantWrong();
      b += k.floatWrongQuantRight();
      c += k.bothWrong();
    }
    long total = a + b + c;
    if (total == 0) {
      return Optional.empty();
    }
    return Optional.of("Of " + total + " disagreements, " + Fmt.pct((double) a / total)
        + " turn a right float prediction wrong, " + Fmt.pct((double) b / total) + " fix a wrong one and "
        + Fmt.pct((double) c / total) + " are wrong both ways.");
  }

  /** The lowest int8 coverage among variants that run int8 kernels at all (weight-only or fp16 ones do not). */
  static Optional<String> coverage(Facts f) {
    return f.coverage.stream().filter(c -> c.int8() > 0 && c.int8() < c.total())
        .min(Comparator.comparingDouble(c -> (double) c.int8() / c.total()))
        .map(Findings::coverageSentence);
  }

  private static String coverageSentence(Coverage c) {
    String why = c.floatByWhy().entrySet().stream()
        .max(Comparator.comparingInt(e -> e.getValue().size()))
        .map(e -> "; most common reason: " + e.getKey()).orElse("");
    return c.variant() + " runs " + c.int8() + " of " + c.total() + " nodes of " + c.model() + " in int8" + why + ".";
  }
}
