package org.quantlens.study.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.quantlens.study.analysis.DisagreementStats;
import org.quantlens.study.analysis.LayerError;
import org.quantlens.study.analysis.MarginHistogram;
import org.quantlens.study.analysis.RetrainOutcome;
import org.quantlens.study.analysis.ScoreQuality;

/** Everything a study found, in the rows {@link ResultsWriter} writes. Lists are thread-safe. */
final class StudyResults {
  /** One (model, variant, set): its disagreement counts and margin histogram. */
  record Cell(String model, String variant, StudySet set, DisagreementStats stats, MarginHistogram margins) {}

  /** How well one uncertainty metric separates disagreements in one cell, under one protocol. */
  record Metric(String model, String variant, String set, String metric, String protocol, ScoreQuality quality) {}

  /** One tensor's float-vs-quantized error, over agreements and over disagreements. */
  record Layer(String model, String variant, String set, String tensor, String op, LayerError agree,
      LayerError disagree) {}

  /** Retraining with disagreements, one protocol. */
  record Retrain(String model, String variant, String protocol, RetrainOutcome outcome, double accBefore,
      double accAfter) {}

  /** A sample disagreement's image file and both models' top three (class, probability). */
  record Sample(String file, String model, String variant, String set, int index, long label,
      double[][] floatTop3, double[][] quantTop3) {}

  /** What one node of a variant runs as. */
  record Int8Node(String model, String variant, String node, String op, boolean int8, String why) {}

  final List<Cell> cells = Collections.synchronizedList(new ArrayList<>());
  final List<Metric> metrics = Collections.synchronizedList(new ArrayList<>());
  final List<Layer> layers = Collections.synchronizedList(new ArrayList<>());
  final List<Retrain> retraining = Collections.synchronizedList(new ArrayList<>());
  final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
  final List<Int8Node> int8Nodes = Collections.synchronizedList(new ArrayList<>());
}
