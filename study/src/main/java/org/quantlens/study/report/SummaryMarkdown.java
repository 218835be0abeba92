package org.quantlens.study.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.quantlens.study.report.Facts.CorruptionRank;
import org.quantlens.study.report.Facts.MetricSummary;
import org.quantlens.study.report.Facts.RecipeRow;
import org.quantlens.study.report.Facts.ShiftContrast;
import org.quantlens.study.report.StudyData.RetrainRow;

/**
 * summary.md: the findings, then one paragraph per paper question with the numbers behind it, then
 * the caveats. It states what this folder's runs show, not what the paper found.
 */
final class SummaryMarkdown {
  private SummaryMarkdown() {}

  static String render(Facts f, List<String> findings) {
    StringBuilder md = new StringBuilder();
    StudyData d = f.data;
    md.append("# Study summary: ").append(d.study()).append("\n\n");
    md.append(RunDescription.oneLine(f)).append("\n\n");
    md.append("## Findings\n\n");
    for (int i = 0; i < findings.size(); i++) {
      md.append(i + 1).append(". ").append(findings.get(i)).append('\n');
    }
    md.append("\n## 1. Does shifted data cause more disagreements than clean data?\n\n")
        .append(question1(f)).append("\n\n");
    md.append("## 2. Which training recipe gives the most stable quantized models?\n\n")
        .append(question2(f)).append("\n\n");
    md.append("## 3. Which uncertainty metric picks out disagreements best?\n\n")
        .append(question3(f)).append("\n\n");
    md.append("## 4. Does retraining with disagreements remove them?\n\n")
        .append(question4(f)).append("\n\n");
    md.append("## Caveats\n\n").append(caveats(f)).append('\n');
    return md.toString();
  }

  static String question1(Facts f) {
    List<ShiftContrast> both = f.shiftByVariant.stream()
        .filter(s -> s.clean().n() > 0 && s.shifted().n() > 0).toList();
    if (both.isEmpty()) {
      return f.shiftByVariant.isEmpty() ? "No disagreement results in this folder."
          : "Not answered: this run has no " + (f.hasShifted() ? "clean" : "shifted") + " data set to compare with.";
    }
    List<String> parts = new ArrayList<>();
    for (ShiftContrast s : both) {
      parts.add(s.variant() + ": shifted rate " + Fmt.pct(s.shifted().value()) + " ["
          + Fmt.pctRange(s.shifted().low(), s.shifted().high()) + ", " + s.shifted().k() + "/" + s.shifted().n()
          + "] vs clean " + Fmt.pct(s.clean().value()) + " [" + Fmt.pctRange(s.clean().low(), s.clean().high())
          + ", " + s.clean().k() + "/" + s.clean().n() + "], intervals "
          + (s.clean().overlaps(s.shifted()) ? "overlap" : "do not overlap"));
    }
    long up = both.stream().filter(s -> s.increase() > 0).count();
    long clear = both.stream().filter(s -> s.increase() > 0 && !s.clean().overlaps(s.shifted())).count();
    StringBuilder p = new StringBuilder("Disagreement rates with 95% Wilson intervals, pooled over models and over all "
        + "shifted sets: " + String.join("; ", parts) + ". ");
    if (up == both.size()) {
      p.append("In our runs shifted data raises the disagreement rate for every variant");
    } else if (up == 0) {
      p.append("In our runs shifted data does not raise the disagreement rate for any variant");
    } else {
      p.append("In our runs shifted data raises the disagreement rate for ").append(up).append(" of ")
          .append(both.size()).append(" variants");
    }
    if (up > 0) {
      p.append(clear == up ? ", each time with non-overlapping intervals"
          : clear == 0 ? ", but every such interval overlaps the clean one"
          : "; the intervals do not overlap for " + clear + " of them");
    }
    p.append('.');
    if (!f.corruptionRanks.isEmpty()) {
      CorruptionRank w = f.corruptionRanks.get(0);
      CorruptionRank b = f.corruptionRanks.get(f.corruptionRanks.size() - 1);
      p.append(" The worst corruption is ").append(w.corruption()).append(" (")
          .append(Fmt.pct(w.overall().value())).append(" over its severities, ")
          .append(Fmt.pct(w.worst().value())).append(" at severity ").append(w.worstSeverity()).append(" for ")
          .append(w.worstVariant()).append(")");
      if (f.corruptionRanks.size() > 1) {
        p.append("; the mildest is ").append(b.corruption()).append(" (").append(Fmt.pct(b.overall().value()))
            .append(")");
      }
      p.append('.');
    }
    if (!f.naturalSets.isEmpty()) {
      p.append(" Natural shift sets: ").append(f.naturalSets.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue().entrySet().stream()
              .map(v -> v.getKey() + " " + Fmt.pct(v.getValue().value())).collect(Collectors.joining(", ")))
          .collect(Collectors.joining("; "))).append('.');
    }
    return p.toString();
  }

  static String question2(Facts f) {
    Map<String, List<RecipeRow>> groups = f.recipesByGroup();
    List<String> parts = new ArrayList<>();
    for (var e : groups.entrySet()) {
      List<RecipeRow> rows = e.getValue().stream().filter(r -> r.shiftedAll().n() > 0)
          .sorted(Comparator.comparingDouble(r -> r.shiftedAll().value())).toList();
      if (rows.size() < 2) {
        continue;
      }
      String ranking = rows.stream().map(r -> r.recipe() + " " + Fmt.pct(r.shiftedAll().value()) + " ["
          + Fmt.pctRange(r.shiftedAll().low(), r.shiftedAll().high()) + "]").collect(Collectors.joining(", "));
      RecipeRow best = rows.get(0);
      RecipeRow second = rows.get(1);
      parts.add("Among " + e.getKey() + " models, shifted-data disagreement rates over all variants, lowest first: "
          + ranking + ". " + best.recipe() + " is lowest"
          + (best.shiftedAll().overlaps(second.shiftedAll())
              ? ", but its interval overlaps the next one's (" + second.recipe() + "), so the order is not certain"
              : ", clear of the next one (" + second.recipe() + ")") + ".");
      boolean hasQat = rows.stream().anyMatch(r -> r.recipe().toLowerCase().contains("qat"));
      if (hasQat) {
        parts.add(best.recipe().toLowerCase().contains("qat")
            ? "Our runs agree that QAT gives the most stable " + e.getKey() + " models."
            : "Our runs do not show QAT as the most stable " + e.getKey() + " recipe.");
      }
    }
    if (parts.isEmpty()) {
      return "Not answered: this run does not compare two or more training recipes of one architecture on shifted data.";
    }
    return String.join(" ", parts);
  }

  static String question3(Facts f) {
    List<String> protocols = Findings.orderedProtocols(f);
    if (protocols.isEmpty()) {
      return "Not answered: this run scored no uncertainty metrics (no metrics.csv rows).";
    }
    List<String> parts = new ArrayList<>();
    for (String protocol : protocols) {
      List<MetricSummary> ranked = f.metricsOf(protocol).stream().filter(s -> s.cells() > 0).toList();
      if (ranked.isEmpty()) {
        parts.add("Under the " + protocol + " protocol no metric had a defined AUROC (no disagreements to find).");
        continue;
      }
      String list = ranked.stream().limit(5).map(m -> m.metric() + " " + Fmt.num(m.meanAuroc(), 3))
          .collect(Collectors.joining(", ")) + (ranked.size() > 5 ? " and " + (ranked.size() - 5) + " more" : "");
      MetricSummary best = ranked.get(0);
      String margin = ranked.stream().filter(m -> Findings.isMargin(m.metric())).findFirst()
          .map(m -> m == best ? "Margin ranks first." : "Margin's best form (" + m.metric() + ") ranks " + m.rank()
              + " of " + ranked.size() + " (" + Fmt.num(m.meanAuroc(), 3) + ", "
              + Fmt.num(best.meanAuroc() - m.meanAuroc(), 3) + " below the best).")
          .orElse("Margin was not scored.");
      parts.add("Under the " + protocol + " protocol, mean AUROC over " + best.cells() + " cells, best first: "
          + list + ". " + best.metric() + " separates best (AUPR "
          + Fmt.num(best.meanAupr(), 3) + ", TNR at 95% TPR " + Fmt.num(best.meanTnr(), 3) + "). " + margin);
    }
    return String.join(" ", parts);
  }

  static String question4(Facts f) {
    List<RetrainRow> rows = f.data.retraining();
    if (rows.isEmpty()) {
      return "Not answered: this run did no retraining with disagreements.";
    }
    List<String> parts = new ArrayList<>();
    for (String protocol : List.of("paper", "clean")) {
      List<RetrainRow> mine = rows.stream().filter(r -> r.protocol().equals(protocol)).toList();
      if (mine.isEmpty()) {
        continue;
      }
      long before = mine.stream().mapToLong(RetrainRow::before).sum();
      long removed = mine.stream().mapToLong(RetrainRow::removed).sum();
      long remaining = mine.stream().mapToLong(RetrainRow::remaining).sum();
      long created = mine.stream().mapToLong(RetrainRow::created).sum();
      String what = protocol.equals("paper")
          ? "The paper's protocol (evaluated on the same inputs it retrained with)"
          : "The clean protocol (disagreements from one split, evaluated on a held-out split)";
      parts.add(what + " removed " + removed + " of " + before + " disagreements ("
          + Fmt.pct(before == 0 ? Double.NaN : (double) removed / before) + "), left " + remaining
          + " and created " + created + " new ones, over " + mine.size() + " model/variant pair"
          + (mine.size() == 1 ? "" : "s") + ".");
    }
    long created = rows.stream().mapToLong(RetrainRow::created).sum();
    long removed = rows.stream().mapToLong(RetrainRow::removed).sum();
    long before = rows.stream().mapToLong(RetrainRow::before).sum();
    if (before > 0) {
      parts.add(removed * 2 < before
          ? "In our runs retraining removes fewer than half of the disagreements"
              + (created > 0 ? " and creates new ones, as the paper reports." : ".")
          : "In our runs retraining removes most disagreements"
              + (created > 0 ? ", though it also creates new ones." : " and creates none."));
    }
    return String.join(" ", parts);
  }

  static String caveats(Facts f) {
    List<String> c = new ArrayList<>();
    StudyData d = f.data;
    long minN = d.sets().stream().mapToLong(StudyData.SetInfo::n).filter(n -> n > 0).min().orElse(0);
    long maxN = d.sets().stream().mapToLong(StudyData.SetInfo::n).max().orElse(0);
    if (maxN > 0) {
      c.add("- Sample sizes: " + (minN == maxN ? maxN : minN + " to " + maxN) + " inputs per set. "
          + "Disagreements are rare, so per-cell rates rest on few events and their intervals are wide.");
    }
    long fewCells = d.comparisons().stream().filter(x -> x.disagreements() < 10).count();
    if (fewCells > 0) {
      c.add("- " + fewCells + " of " + d.comparisons().size() + " cells have fewer than 10 disagreements; "
          + "their AUROC values (question 3) are noisy.");
    }
    c.add("- Pooled shifted rates count corrupted copies of the same test images as separate inputs, so "
        + "their intervals are narrower than independent data would give.");
    c.add("- " + (d.seed().isPresent() ? "One seed (" + d.seed().getAsLong() + ")" : "One seed")
        + ": training, calibration and shifts ran once; run-to-run variation is not measured.");
    if (!d.dataset().isEmpty()) {
      c.add("- One data set (" + d.dataset() + "); results may not carry over to other data or larger models.");
    }
    return String.join("\n", c);
  }
}
