package org.quantlens.study.report;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Collection;
import java.util.Locale;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;

/**
 * The vertical scale shared by a set of rate panels, in percent. Linear unless the variants' rates
 * span more than a factor of ten (e.g. fake-4 at 30% next to fp16 at 0.02%): then logarithmic, so
 * every variant's change under shift stays visible; zero is drawn at the bottom edge.
 */
record PercentScale(double min, double max, boolean log) {
  /** From each variant's largest plotted value (its highest interval bound) and the smallest positive value. */
  static PercentScale forRates(Collection<Double> maxPerVariant, double smallestPositive) {
    double top = maxPerVariant.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    double lowestMax = maxPerVariant.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElse(top);
    if (!(top > 0) || top <= 10 * lowestMax || !(smallestPositive > 0)) {
      return new PercentScale(0, Charts.niceMax(top), false);
    }
    double floor = Math.max(0.01, Math.pow(10, Math.floor(Math.log10(smallestPositive))));
    double ceiling = Math.min(100, Math.pow(10, Math.ceil(Math.log10(top))));
    return new PercentScale(floor, Math.max(ceiling, floor * 10), true);
  }

  /** A value as plotted: on a log scale, values below the floor (zero included) sit on the floor. */
  double clamp(double percent) {
    return log ? Math.max(min, percent) : percent;
  }

  ValueAxis axis(String label) {
    if (!log) {
      NumberAxis y = new NumberAxis(label);
      y.setRange(min, max);
      return y;
    }
    LogAxis y = new LogAxis(label + " (log)");
    y.setBase(10);
    y.setSmallestValue(min);
    y.setRange(min, max);
    y.setTickUnit(new NumberTickUnit(1));
    y.setNumberFormatOverride(new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    return y;
  }
}
