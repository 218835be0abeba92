package org.quantlens.study.report;

import java.awt.Rectangle;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * Renders charts as inline SVG elements through JFreeSVG. Each chart gets its own prefix for the
 * ids of its definitions (clip paths), so many charts can share one HTML page; the element scales
 * with its container through its view box.
 */
final class SvgCharts {
  private int count;

  /** The chart as an {@code <svg>} element of the given design size. */
  String render(JFreeChart chart, int width, int height) {
    SVGGraphics2D g = new SVGGraphics2D(width, height);
    g.setDefsKeyPrefix("chart" + (count++) + "_");
    chart.draw(g, new Rectangle(0, 0, width, height));
    String svg = g.getSVGElement(null, false, new ViewBox(0, 0, width, height), null, null);
    // Inside HTML the parser puts <svg> in the SVG namespace itself; dropping the declarations
    // leaves the page free of any URL-like text.
    int open = svg.indexOf('>');
    String tag = svg.substring(0, open).replaceAll("\\s+xmlns(:\\w+)?=(\"[^\"]*\"|'[^']*')", "");
    return tag.replaceFirst("<svg", "<svg role=\"img\" class=\"chart\"") + svg.substring(open);
  }

  /** How many charts this renderer has drawn. */
  int count() {
    return count;
  }
}
