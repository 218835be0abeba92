package org.quantlens.study.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.quantlens.study.report.StudyData.SetInfo;

/** What was run: models, variants, sets, sizes, seed and time, in words for both outputs. */
final class RunDescription {
  private RunDescription() {}

  static String models(StudyData d) {
    return d.models().stream().map(m -> m.name()
        + (m.arch().isEmpty() && m.recipe().isEmpty() ? "" : " (" + join(m.arch(), m.recipe()) + ")"))
        .collect(Collectors.joining(", "));
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + ", " + b;
  }

  /** e.g. "clean + 45 shifted (15 corruptions × severities 1, 3, 5)". */
  static String sets(StudyData d) {
    long clean = d.sets().stream().filter(RunDescription::clean).count();
    List<SetInfo> corrupted = d.sets().stream().filter(s -> !clean(s) && s.severity() > 0).toList();
    List<SetInfo> natural = d.sets().stream().filter(s -> !clean(s) && s.severity() <= 0).toList();
    List<String> parts = new ArrayList<>();
    if (clean > 0) {
      parts.add("clean");
    }
    if (!corrupted.isEmpty()) {
      long kinds = corrupted.stream().map(SetInfo::shift).distinct().count();
      String severities = corrupted.stream().map(SetInfo::severity).distinct().sorted().map(String::valueOf)
          .collect(Collectors.joining(", "));
      parts.add(corrupted.size() + " corrupted (" + kinds + " corruption" + (kinds == 1 ? "" : "s")
          + " × severit" + (severities.contains(",") ? "ies " : "y ") + severities + ")");
    }
    if (!natural.isEmpty()) {
      parts.add(natural.size() + " natural (" + natural.stream().map(SetInfo::id).collect(Collectors.joining(", ")) + ")");
    }
    return String.join(" + ", parts);
  }

  private static boolean clean(SetInfo s) {
    return s.id().equals("clean") || (s.shift().equals("identity") && s.severity() == 0);
  }

  /** "n = 1000 per set" or a range. */
  static String sizes(StudyData d) {
    long min = d.sets().stream().mapToLong(SetInfo::n).min().orElse(0);
    long max = d.sets().stream().mapToLong(SetInfo::n).max().orElse(0);
    return min == max ? "n = " + max + " per set" : "n = " + min + " to " + max + " per set";
  }

  static String seed(StudyData d) {
    return d.seed().isPresent() ? Long.toString(d.seed().getAsLong()) : "not recorded";
  }

  static String time(StudyData d) {
    String when = d.created().isEmpty() ? "time not recorded" : d.created();
    return Double.isFinite(d.elapsedSeconds()) ? when + ", took " + Fmt.duration(d.elapsedSeconds()) : when;
  }

  /** Label -> value pairs for the report's header. */
  static Map<String, String> fields(Facts f) {
    StudyData d = f.data;
    Map<String, String> m = new LinkedHashMap<>();
    m.put("Models", d.models().isEmpty() ? "none recorded" : models(d));
    m.put("Variants", f.variants.isEmpty() ? "none" : String.join(", ", f.variants));
    m.put("Data", (d.dataset().isEmpty() ? "" : d.dataset() + ": ") + sets(d));
    m.put("Inputs", sizes(d));
    m.put("Seed", seed(d));
    m.put("Run", time(d));
    return m;
  }

  static String oneLine(Facts f) {
    return fields(f).entrySet().stream().map(e -> "**" + e.getKey() + ":** " + e.getValue())
        .collect(Collectors.joining("  \n"));
  }
}
