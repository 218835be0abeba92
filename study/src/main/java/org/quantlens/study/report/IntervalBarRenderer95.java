package org.quantlens.study.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.CategoryDataset;

/**
 * A vertical bar renderer that also draws an asymmetric interval (a Wilson interval is not
 * centred on the rate) on each bar. JFreeChart's StatisticalBarRenderer only draws mean ± a
 * standard deviation, so this adds the whisker after the bar, in the renderer's own coordinates.
 */
final class IntervalBarRenderer95 extends BarRenderer {
  private static final long serialVersionUID = 1L;
  private final double[][] low;
  private final double[][] high;

  /** {@code low[row][column]} and {@code high[row][column]} in the dataset's units; NaN draws none. */
  IntervalBarRenderer95(double[][] low, double[][] high) {
    this.low = low;
    this.high = high;
    setBarPainter(new StandardBarPainter());
    setShadowVisible(false);
    setDrawBarOutline(false);
    setItemMargin(0.06);
  }

  @Override
  public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
      CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
    super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
    if (pass != getPassCount() - 1 || plot.getOrientation() != PlotOrientation.VERTICAL) {
      return;
    }
    int visibleRow = state.getVisibleSeriesIndex(row);
    if (visibleRow < 0 || row >= low.length || column >= low[row].length
        || !Double.isFinite(low[row][column]) || !Double.isFinite(high[row][column])) {
      return;
    }
    double x0 = calculateBarW0(plot, plot.getOrientation(), dataArea, domainAxis, state, visibleRow, column);
    double x = x0 + state.getBarWidth() / 2;
    double cap = Math.min(6, state.getBarWidth() / 3);
    double yLow = rangeAxis.valueToJava2D(low[row][column], dataArea, plot.getRangeAxisEdge());
    double yHigh = rangeAxis.valueToJava2D(high[row][column], dataArea, plot.getRangeAxisEdge());
    g2.setPaint(new Color(0x33, 0x33, 0x33));
    g2.setStroke(new BasicStroke(1.2f));
    g2.draw(new Line2D.Double(x, yLow, x, yHigh));
    g2.draw(new Line2D.Double(x - cap, yLow, x + cap, yLow));
    g2.draw(new Line2D.Double(x - cap, yHigh, x + cap, yHigh));
  }
}
