package org.quantlens.study.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.quantlens.engine.QuantLensException;
import org.quantlens.study.analysis.DisagreementStats;
import org.quantlens.study.analysis.Interval;
import org.quantlens.study.analysis.LayerError;
import org.quantlens.study.data.AtomicFiles;

/**
 * Writes {@code results.csv}, {@code metrics.csv} and {@code results.json} (the output contract the
 * report and other tools read), each atomically. Numbers: 6 decimals in CSV ({@code NaN} where a
 * value is undefined), full precision in JSON ({@code null} where undefined or infinite).
 */
final class ResultsWriter {
  static final String RESULTS_HEADER = "model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,"
      + "disagreement_rate,rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong";
  static final String METRICS_HEADER = "model,variant,set,metric,protocol,auroc,aupr,tnr_at_95tpr";

  private ResultsWriter() {}

  static void resultsCsv(Path file, List<StudyResults.Cell> cells) {
    StringBuilder b = new StringBuilder(RESULTS_HEADER).append('\n');
    for (StudyResults.Cell c : cells) {
      DisagreementStats s = c.stats();
      Interval ci = s.rateCi95();
      b.append(String.join(",", c.model(), c.variant(), c.set().id(), c.set().shift(),
          Integer.toString(c.set().severity()), Integer.toString(s.n()), num(s.accFloat()), num(s.accQuant()),
          Integer.toString(s.disagreements()), num(s.rate()), num(ci.low()), num(ci.high()),
          Integer.toString(s.floatRightQuantWrong()), Integer.toString(s.floatWrongQuantRight()),
          Integer.toString(s.bothWrong()))).append('\n');
    }
    AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void metricsCsv(Path file, List<StudyResults.Metric> metrics) {
    StringBuilder b = new StringBuilder(METRICS_HEADER).append('\n');
    for (StudyResults.Metric m : metrics) {
      b.append(String.join(",", m.model(), m.variant(), m.set(), m.metric(), m.protocol(),
          num(m.quality().auroc()), num(m.quality().aupr()), num(m.quality().tnrAt95Tpr()))).append('\n');
    }
    AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** {@code results.json}; {@code header} holds study, seed, dataset, class_names, created, elapsed... */
  static void resultsJson(Path file, Map<String, Object> header, StudyPlan plan, StudyResults r) {
    Map<String, Object> j = new LinkedHashMap<>(header);
    List<Object> models = new ArrayList<>();
    for (StudyPlan.Model m : plan.models) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("name", m.name());
      x.put("arch", m.spec().trained() ? m.spec().arch() : null);
      x.put("recipe", m.spec().trained() ? m.spec().recipe() : null);
      x.put("source", m.spec().trained() ? "trained" : m.spec().file().toString());
      models.add(x);
    }
    j.put("models", models);
    j.put("variants", plan.config.variants().stream().map(StudyConfig.VariantSpec::name).toList());
    List<Object> sets = new ArrayList<>();
    for (StudySet s : plan.sets) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("id", s.id());
      x.put("shift", s.shift());
      x.put("severity", s.severity());
      x.put("n", s.natural() != null ? plan.natural.get(s.id()).size() : plan.test.size());
      sets.add(x);
    }
    j.put("sets", sets);
    List<Object> cells = new ArrayList<>();
    for (StudyResults.Cell c : r.cells) {
      DisagreementStats s = c.stats();
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("model", c.model());
      x.put("variant", c.variant());
      x.put("set", c.set().id());
      x.put("shift", c.set().shift());
      x.put("severity", c.set().severity());
      x.put("n", s.n());
      x.put("acc_float", json(s.accFloat()));
      x.put("acc_quant", json(s.accQuant()));
      x.put("disagreements", s.disagreements());
      x.put("disagreement_rate", json(s.rate()));
      x.put("rate_ci_low", json(s.rateCi95().low()));
      x.put("rate_ci_high", json(s.rateCi95().high()));
      x.put("float_right_quant_wrong", s.floatRightQuantWrong());
      x.put("float_wrong_quant_right", s.floatWrongQuantRight());
      x.put("both_wrong", s.bothWrong());
      x.put("margin_hist", OutputFolder.ordered("edges", c.margins().edges(), "agree", c.margins().agree(),
          "disagree", c.margins().disagree()));
      cells.add(x);
    }
    j.put("cells", cells);
    List<Object> metrics = new ArrayList<>();
    for (StudyResults.Metric m : r.metrics) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("model", m.model());
      x.put("variant", m.variant());
      x.put("set", m.set());
      x.put("metric", m.metric());
      x.put("protocol", m.protocol());
      x.put("auroc", json(m.quality().auroc()));
      x.put("aupr", json(m.quality().aupr()));
      x.put("tnr_at_95tpr", json(m.quality().tnrAt95Tpr()));
      metrics.add(x);
    }
    j.put("metrics", metrics);
    List<Object> layers = new ArrayList<>();
    for (StudyResults.Layer l : r.layers) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("model", l.model());
      x.put("variant", l.variant());
      x.put("set", l.set());
      x.put("tensor", l.tensor());
      x.put("op", l.op());
      LayerError a = l.agree();
      LayerError d = l.disagree();
      x.put("sqnr_db_agree", a == null ? null : json(a.sqnrDb()));
      x.put("sqnr_db_disagree", d == null ? null : json(d.sqnrDb()));
      x.put("cosine_agree", a == null ? null : json(a.cosine()));
      x.put("cosine_disagree", d == null ? null : json(d.cosine()));
      x.put("max_abs_agree", a == null ? null : json(a.maxAbs()));
      x.put("max_abs_disagree", d == null ? null : json(d.maxAbs()));
      layers.add(x);
    }
    j.put("layers", layers);
    List<Object> retraining = new ArrayList<>();
    for (StudyResults.Retrain t : r.retraining) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("model", t.model());
      x.put("variant", t.variant());
      x.put("protocol", t.protocol());
      x.put("before", t.outcome().before());
      x.put("removed", t.outcome().removed());
      x.put("remaining", t.outcome().remaining());
      x.put("created", t.outcome().created());
      x.put("acc_before", json(t.accBefore()));
      x.put("acc_after", json(t.accAfter()));
      retraining.add(x);
    }
    j.put("retraining", retraining);
    List<Object> samples = new ArrayList<>();
    for (StudyResults.Sample s : r.samples) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("file", s.file());
      x.put("model", s.model());
      x.put("variant", s.variant());
      x.put("set", s.set());
      x.put("index", s.index());
      x.put("label", s.label());
      x.put("float_top3", top(s.floatTop3()));
      x.put("quant_top3", top(s.quantTop3()));
      samples.add(x);
    }
    j.put("samples", samples);
    List<Object> nodes = new ArrayList<>();
    for (StudyResults.Int8Node n : r.int8Nodes) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("model", n.model());
      x.put("variant", n.variant());
      x.put("node", n.node());
      x.put("op", n.op());
      x.put("int8", n.int8());
      x.put("why", n.why());
      nodes.add(x);
    }
    j.put("int8_nodes", nodes);
    try {
      AtomicFiles.write(file, OutputFolder.JSON.writeValueAsBytes(j));
    } catch (IOException e) {
      throw new QuantLensException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<Object> top(double[][] top) {
    List<Object> out = new ArrayList<>();
    for (double[] t : top) {
      out.add(List.of((int) t[0], t[1]));
    }
    return out;
  }

  static String num(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
  }

  /** A JSON number, or null when not finite. */
  static Double json(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
