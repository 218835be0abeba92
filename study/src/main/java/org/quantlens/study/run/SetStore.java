package org.quantlens.study.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.shift.Shifts;

/**
 * The images of each set, made on demand (the clean test set, a seeded corruption of it, or a
 * natural set) and kept while they fit in a byte budget, least recently used dropped first.
 * Corruptions are deterministic for the study's seed, so a dropped set is made again identically.
 */
final class SetStore {
  private final StudyPlan plan;
  private final long budgetBytes;
  private final Map<String, ImageDataset> kept = new LinkedHashMap<>(16, 0.75f, true);
  private long keptBytes;

  SetStore(StudyPlan plan, long budgetBytes) {
    this.plan = plan;
    this.budgetBytes = budgetBytes;
  }

  synchronized ImageDataset images(StudySet s) {
    ImageDataset d = kept.get(s.id());
    if (d != null) {
      return d;
    }
    if (s.natural() != null) {
      d = plan.natural.get(s.id());
    } else if (s.isCorruption()) {
      d = Shifts.apply(plan.test, s.shift(), s.severity(), plan.config.seed());
    } else {
      d = plan.test;
    }
    long bytes = d.images().size();
    kept.put(s.id(), d);
    keptBytes += bytes;
    var it = kept.entrySet().iterator();
    while (keptBytes > budgetBytes && kept.size() > 1 && it.hasNext()) {
      var e = it.next();
      if (e.getKey().equals(s.id())) {
        continue;
      }
      keptBytes -= e.getValue().images().size();
      it.remove();
    }
    return d;
  }
}
