package org.quantlens.study.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.ClusteredXYBarRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.quantlens.study.report.StudyData.MarginHist;

/**
 * The report's charts, drawn by JFreeChart in one quiet style: white background, light grid,
 * no chart borders, one colour per variant throughout the report. Rates are plotted in percent.
 */
final class Charts {
  /** Colour-blind-friendly palette (Okabe–Ito order, then a few muted extras). */
  static final Color[] PALETTE = {
    new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xCC79A7),
    new Color(0x56B4E9), new Color(0xD55E00), new Color(0xF0E442), new Color(0x555555),
    new Color(0x8C6D31), new Color(0x7B4173)
  };
  static final Color AGREE = new Color(0x56B4E9);
  static final Color DISAGREE = new Color(0xD55E00);
  private static final Color GRID = new Color(0xE3E6EA);
  private static final Color AXIS = new Color(0x8A9099);
  private static final Color TEXT = new Color(0x2B2F36);
  private static final String FONT = "SansSerif";

  private Charts() {}

  /** The colour of a variant, stable across every chart of one report. */
  static Color colorOf(List<String> variants, String variant) {
    int i = variants.indexOf(variant);
    return PALETTE[Math.floorMod(i < 0 ? variant.hashCode() : i, PALETTE.length)];
  }

  static String hex(Color c) {
    return String.format("#%06x", c.getRGB() & 0xffffff);
  }

  // --- chart kinds ---

  /**
   * Disagreement rate (percent) against severity, one line per variant with its Wilson interval as
   * a shaded band; severity 0 is the clean set. {@code yMax} (percent) is shared by small multiples.
   */
  static JFreeChart severityLines(String title, Map<String, TreeMap<Integer, Rate>> byVariant,
      List<String> variants, PercentScale scale) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    DeviationRenderer r = new DeviationRenderer(true, true);
    int s = 0;
    for (var e : byVariant.entrySet()) {
      YIntervalSeries series = new YIntervalSeries(e.getKey());
      e.getValue().forEach((sev, rate) -> series.add(sev, scale.clamp(100 * rate.value()),
          scale.clamp(100 * rate.low()), scale.clamp(100 * rate.high())));
      data.addSeries(series);
      Color c = colorOf(variants, e.getKey());
      r.setSeriesPaint(s, c);
      r.setSeriesFillPaint(s, c);
      r.setSeriesStroke(s, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      r.setSeriesShape(s, new Ellipse2D.Double(-3, -3, 6, 6));
      s++;
    }
    r.setAlpha(0.10f);
    NumberAxis x = new NumberAxis("severity (0 = clean)");
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    x.setRange(-0.2, 5.2);
    XYPlot plot = new XYPlot(data, x, scale.axis("disagreement %"), r);
    return finish(new JFreeChart(title, titleFont(12), plot, false));
  }

  /**
   * Grouped vertical bars of rates (percent) with Wilson whiskers: {@code rates[series][category]}.
   * Series colours come from {@code colors}.
   */
  static JFreeChart rateBars(String title, List<String> series, List<String> categories, Rate[][] rates,
      List<Color> colors, String valueLabel, boolean legend) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    double[][] low = new double[series.size()][categories.size()];
    double[][] high = new double[series.size()][categories.size()];
    double max = 0;
    for (int i = 0; i < series.size(); i++) {
      for (int j = 0; j < categories.size(); j++) {
        Rate r = rates[i][j];
        if (r == null || r.n() == 0) {
          data.addValue(null, series.get(i), categories.get(j));
          low[i][j] = Double.NaN;
          high[i][j] = Double.NaN;
          continue;
        }
        data.addValue(100 * r.value(), series.get(i), categories.get(j));
        low[i][j] = 100 * r.low();
        high[i][j] = 100 * r.high();
        max = Math.max(max, high[i][j]);
      }
    }
    IntervalBarRenderer95 r = new IntervalBarRenderer95(low, high);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesPaint(i, colors.get(i));
    }
    NumberAxis y = new NumberAxis(valueLabel);
    y.setRange(0, niceMax(max));
    CategoryPlot plot = new CategoryPlot(data, categoryAxis(categories), y, r);
    return finish(new JFreeChart(title, titleFont(13), plot, legend));
  }

  /** Horizontal grouped bars of mean AUROC per metric, one bar per protocol, with chance at 0.5. */
  static JFreeChart metricBars(String title, List<String> metrics, List<String> protocols, double[][] auroc) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int p = 0; p < protocols.size(); p++) {
      for (int m = 0; m < metrics.size(); m++) {
        data.addValue(Double.isFinite(auroc[p][m]) ? auroc[p][m] : null, protocols.get(p), metrics.get(m));
      }
    }
    BarRenderer r = bars();
    for (int p = 0; p < protocols.size(); p++) {
      r.setSeriesPaint(p, PALETTE[p % PALETTE.length]);
    }
    NumberAxis y = new NumberAxis("mean AUROC (0.5 = chance)");
    y.setRange(0, 1);
    CategoryAxis x = new CategoryAxis();
    CategoryPlot plot = new CategoryPlot(data, x, y, r);
    plot.setOrientation(PlotOrientation.HORIZONTAL);
    plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
    ValueMarker chance = new ValueMarker(0.5, AXIS, new BasicStroke(1f, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
    plot.addRangeMarker(chance);
    return finish(new JFreeChart(title, titleFont(13), plot, true));
  }

  /** Top-1 minus top-2 probability histogram, agreements vs disagreements, each as a share of its own group. */
  static JFreeChart marginHistogram(String title, MarginHist h) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    data.addSeries(shares("agree", h.edges(), h.agree()));
    data.addSeries(shares("disagree", h.edges(), h.disagree()));
    ClusteredXYBarRenderer r = new ClusteredXYBarRenderer(0.1, false);
    r.setBarPainter(new StandardXYBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, AGREE);
    r.setSeriesPaint(1, DISAGREE);
    NumberAxis x = new NumberAxis("top-1 − top-2 probability (float model)");
    x.setRange(h.edges()[0], h.edges()[h.edges().length - 1]);
    NumberAxis y = new NumberAxis("% of group");
    XYPlot plot = new XYPlot(data, x, y, r);
    return finish(new JFreeChart(title, titleFont(12), plot, true));
  }

  private static XYIntervalSeries shares(String name, double[] edges, long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    XYIntervalSeries s = new XYIntervalSeries(name);
    for (int i = 0; i < counts.length; i++) {
      double v = total == 0 ? 0 : 100.0 * counts[i] / total;
      s.add((edges[i] + edges[i + 1]) / 2, edges[i], edges[i + 1], v, v, v);
    }
    return s;
  }

  /** Grouped bars of counts, {@code values[series][category]}, horizontal when labels are long. */
  static JFreeChart countBars(String title, List<String> series, List<String> categories, double[][] values,
      List<Color> colors, String valueLabel, boolean stacked, boolean horizontal) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int i = 0; i < series.size(); i++) {
      for (int j = 0; j < categories.size(); j++) {
        data.addValue(values[i][j], series.get(i), categories.get(j));
      }
    }
    BarRenderer r = stacked ? new StackedBarRenderer() : new BarRenderer();
    style(r);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesPaint(i, colors.get(i));
    }
    NumberAxis y = new NumberAxis(valueLabel);
    y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    CategoryAxis x = horizontal ? new CategoryAxis() : categoryAxis(categories);
    CategoryPlot plot = new CategoryPlot(data, x, y, r);
    plot.setOrientation(horizontal ? PlotOrientation.HORIZONTAL : PlotOrientation.VERTICAL);
    if (horizontal) {
      plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
    }
    return finish(new JFreeChart(title, titleFont(13), plot, true));
  }

  /** One line per series over ordered categories (e.g. layers in graph order). */
  static JFreeChart categoryLines(String title, List<String> series, List<String> categories, double[][] values,
      List<Color> colors, String valueLabel, boolean legend) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int i = 0; i < series.size(); i++) {
      for (int j = 0; j < categories.size(); j++) {
        data.addValue(Double.isFinite(values[i][j]) ? values[i][j] : null, series.get(i), categories.get(j));
      }
    }
    LineAndShapeRenderer r = new LineAndShapeRenderer(true, true);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesPaint(i, colors.get(i));
      r.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      r.setSeriesShape(i, new Ellipse2D.Double(-3, -3, 6, 6));
    }
    NumberAxis y = new NumberAxis(valueLabel);
    y.setAutoRangeIncludesZero(true);
    CategoryPlot plot = new CategoryPlot(data, categoryAxis(categories), y, r);
    plot.addRangeMarker(new ValueMarker(0, AXIS, new BasicStroke(1f)));
    return finish(new JFreeChart(title, titleFont(12), plot, legend));
  }

  // --- style ---

  private static BarRenderer bars() {
    BarRenderer r = new BarRenderer();
    style(r);
    return r;
  }

  private static void style(BarRenderer r) {
    r.setBarPainter(new StandardBarPainter());
    r.setShadowVisible(false);
    r.setDrawBarOutline(false);
    r.setItemMargin(0.06);
    r.setMaximumBarWidth(0.12);
  }

  private static CategoryAxis categoryAxis(List<String> categories) {
    CategoryAxis x = new CategoryAxis();
    int longest = categories.stream().mapToInt(String::length).max().orElse(0);
    if (categories.size() * Math.max(longest, 4) > 70) {
      x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    x.setMaximumCategoryLabelLines(2);
    x.setCategoryMargin(0.2);
    return x;
  }

  private static Font titleFont(int size) {
    return new Font(FONT, Font.BOLD, size);
  }

  /** A round upper bound a little above {@code max} for a percent axis. */
  static double niceMax(double max) {
    if (!(max > 0)) {
      return 1;
    }
    double padded = max * 1.12;
    double step = Math.pow(10, Math.floor(Math.log10(padded)));
    for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * step >= padded) {
        return Math.min(m * step, 100);
      }
    }
    return padded;
  }

  private static JFreeChart finish(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setBorderVisible(false);
    chart.setPadding(new RectangleInsets(4, 4, 4, 8));
    TextTitle t = chart.getTitle();
    if (t != null) {
      t.setPaint(TEXT);
      t.setPadding(new RectangleInsets(2, 0, 6, 0));
    }
    LegendTitle legend = chart.getLegend();
    if (legend != null) {
      legend.setFrame(BlockBorder.NONE);
      legend.setItemFont(new Font(FONT, Font.PLAIN, 11));
      legend.setItemPaint(TEXT);
      legend.setPosition(RectangleEdge.TOP);
      legend.setBackgroundPaint(Color.WHITE);
    }
    Plot plot = chart.getPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlineVisible(false);
    plot.setInsets(new RectangleInsets(4, 4, 4, 4));
    if (plot instanceof XYPlot p) {
      p.setDomainGridlinePaint(GRID);
      p.setRangeGridlinePaint(GRID);
      p.setDomainGridlineStroke(new BasicStroke(1f));
      p.setRangeGridlineStroke(new BasicStroke(1f));
      axis(p.getDomainAxis());
      axis(p.getRangeAxis());
    } else if (plot instanceof CategoryPlot p) {
      p.setRangeGridlinePaint(GRID);
      p.setRangeGridlineStroke(new BasicStroke(1f));
      p.setDomainGridlinesVisible(false);
      CategoryAxis x = p.getDomainAxis();
      x.setTickLabelFont(new Font(FONT, Font.PLAIN, 10));
      x.setTickLabelPaint(TEXT);
      x.setAxisLinePaint(AXIS);
      x.setTickMarksVisible(false);
      axis(p.getRangeAxis());
    }
    return chart;
  }

  private static void axis(ValueAxis a) {
    a.setLabelFont(new Font(FONT, Font.PLAIN, 11));
    a.setLabelPaint(TEXT);
    a.setTickLabelFont(new Font(FONT, Font.PLAIN, 10));
    a.setTickLabelPaint(TEXT);
    a.setAxisLinePaint(AXIS);
    a.setTickMarkPaint(AXIS);
  }
}
