package org.quantlens.study.report;

import java.util.List;
import java.util.OptionalLong;

/**
 * What a study's output folder holds, as the report reads it: results.json (or, without it,
 * results.csv and metrics.csv). Absent parts are empty lists; absent numbers are NaN.
 */
record StudyData(
    String study,
    OptionalLong seed,
    String dataset,
    List<String> classNames,
    String created,
    double elapsedSeconds,
    List<ModelInfo> models,
    List<String> variants,
    List<SetInfo> sets,
    List<Cell> cells,
    List<MetricRow> metrics,
    List<LayerRow> layers,
    List<RetrainRow> retraining,
    List<Sample> samples,
    List<Int8Node> int8Nodes) {

  /** The variant name of the original model's own outputs; never a comparison of its own. */
  static final String FLOAT = "float";

  /** One model of the grid; {@code arch} and {@code recipe} are empty when unknown. */
  record ModelInfo(String name, String arch, String recipe, String source) {}

  /** One data set: {@code clean}, a corruption at a severity, or a natural set (severity 0). */
  record SetInfo(String id, String shift, int severity, long n) {}

  /** Top-1 minus top-2 probability counts per bin, for agreements and disagreements. */
  record MarginHist(double[] edges, long[] agree, long[] disagree) {}

  /** One (model, variant, set) row of results.csv; {@code marginHist} may be null. */
  record Cell(String model, String variant, String set, String shift, int severity, long n,
      double accFloat, double accQuant, long disagreements, double rate, double ciLow, double ciHigh,
      long floatRightQuantWrong, long floatWrongQuantRight, long bothWrong, MarginHist marginHist) {

    /** The unshifted test set. */
    boolean clean() {
      return set.equals("clean") || (shift.equals("identity") && severity == 0);
    }

    /** A synthetic corruption at a severity (not clean, not a natural set). */
    boolean corrupted() {
      return !clean() && severity > 0;
    }
  }

  /** One row of metrics.csv: how well a metric's scores pick out disagreements. */
  record MetricRow(String model, String variant, String set, String metric, String protocol,
      double auroc, double aupr, double tnrAt95Tpr) {}

  /** Layer-wise error between float and quantized activations, averaged over agreements and over disagreements. */
  record LayerRow(String model, String variant, String set, String tensor, String op,
      double sqnrAgree, double sqnrDisagree, double cosineAgree, double cosineDisagree,
      double maxAbsAgree, double maxAbsDisagree) {}

  /** Retraining with disagreements: which of them went away and which appeared. */
  record RetrainRow(String model, String variant, String protocol, long before, long removed,
      long remaining, long created, double accBefore, double accAfter) {}

  /** A class and its probability. */
  record ClassProb(int cls, double prob) {}

  /** A disagreement example with its image (a path relative to the output folder). */
  record Sample(String file, String model, String variant, String set, long index, int label,
      List<ClassProb> floatTop3, List<ClassProb> quantTop3) {}

  /** Whether a node of a quantized model ran in int8 and, if not, why. */
  record Int8Node(String model, String variant, String node, String op, boolean int8, String why) {}

  /** The class's name when known, else its number. */
  String className(int cls) {
    return cls >= 0 && cls < classNames.size() ? classNames.get(cls) : Integer.toString(cls);
  }

  /** Cells comparing a quantized variant with the float model (any {@code float} rows are dropped). */
  List<Cell> comparisons() {
    return cells.stream().filter(c -> !c.variant().equals(FLOAT)).toList();
  }
}
