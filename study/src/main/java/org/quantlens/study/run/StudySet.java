package org.quantlens.study.run;

/**
 * One data set of the grid: the clean test set, a corruption at a severity, or a natural set.
 *
 * @param id the file-name id: {@code clean}, {@code <shift with '/' as '_'>_s<severity>}, or the
 *     natural set's name
 * @param shift {@code identity}, the corruption's name, or {@code natural}
 * @param severity 0 for clean and natural sets
 * @param natural the natural set's files, else null
 */
public record StudySet(String id, String shift, int severity, StudyConfig.NaturalSet natural) {
  static StudySet clean() {
    return new StudySet("clean", "identity", 0, null);
  }

  static StudySet corrupted(String shift, int severity) {
    return new StudySet(shift.replace('/', '_') + "_s" + severity, shift, severity, null);
  }

  static StudySet natural(StudyConfig.NaturalSet n) {
    return new StudySet(n.name(), "natural", 0, n);
  }

  boolean isCorruption() {
    return severity > 0;
  }
}
