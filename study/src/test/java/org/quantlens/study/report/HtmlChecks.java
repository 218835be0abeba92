package org.quantlens.study.report;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small checks on generated HTML, written for these tests (not a full HTML parser). */
final class HtmlChecks {
  private static final Pattern TAG = Pattern.compile(
      "<(/?)([A-Za-z][\\w:-]*)((?:\\s+[^\\s=>/]+(?:\\s*=\\s*(?:\"[^\"]*\"|'[^']*'|[^\\s>]+))?)*)\\s*(/?)>");
  private static final Set<String> VOID = Set.of("meta", "br", "img", "hr", "input", "link", "col", "wbr");

  private HtmlChecks() {}

  /**
   * Returns null when every element is closed in order (void elements and self-closed tags aside,
   * the {@code <style>} body skipped), else a description of the first mismatch.
   */
  static String unbalanced(String html) {
    Deque<String> open = new ArrayDeque<>();
    int styleEnd = html.indexOf("</style>");
    int styleStart = html.indexOf("<style>");
    Matcher m = TAG.matcher(html);
    while (m.find()) {
      if (styleStart >= 0 && m.start() > styleStart && m.start() < styleEnd) {
        continue;
      }
      String name = m.group(2);
      boolean closing = !m.group(1).isEmpty();
      boolean selfClosed = !m.group(4).isEmpty();
      if (selfClosed || VOID.contains(name.toLowerCase())) {
        continue;
      }
      if (!closing) {
        open.push(name);
      } else if (open.isEmpty() || !open.peek().equals(name)) {
        return "</" + name + "> at " + m.start() + " but open: " + open.peek();
      } else {
        open.pop();
      }
    }
    return open.isEmpty() ? null : "unclosed: " + open;
  }

  /** Each {@code <svg>...</svg>} element of the page. */
  static List<String> svgs(String html) {
    List<String> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int start = html.indexOf("<svg", from);
      if (start < 0) {
        return out;
      }
      int end = html.indexOf("</svg>", start);
      if (end < 0) {
        out.add(html.substring(start));
        return out;
      }
      out.add(html.substring(start, end + 6));
      from = end + 6;
    }
  }

  /** The text drawn by an SVG's {@code <text>} elements, joined by newlines. */
  static String svgText(String svg) {
    StringBuilder b = new StringBuilder();
    Matcher m = Pattern.compile("<text[^>]*>([^<]*)</text>").matcher(svg);
    while (m.find()) {
      b.append(unescape(m.group(1))).append('\n');
    }
    return b.toString();
  }

  /** Every table row of the page as its cells' text. */
  static List<List<String>> rows(String html) {
    List<List<String>> out = new ArrayList<>();
    Matcher tr = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(html);
    Pattern cell = Pattern.compile("<t[dh][^>]*>(.*?)</t[dh]>", Pattern.DOTALL);
    while (tr.find()) {
      List<String> cells = new ArrayList<>();
      Matcher c = cell.matcher(tr.group(1));
      while (c.find()) {
        cells.add(unescape(c.group(1).replaceAll("<[^>]+>", "")));
      }
      out.add(cells);
    }
    return out;
  }

  static String unescape(String s) {
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
        .replace("&apos;", "'").replace("&amp;", "&");
  }
}
