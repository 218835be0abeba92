package org.quantlens.study.report;

import java.util.List;

/** A small HTML writer: escaped text, tables, collapsible blocks. */
final class Html {
  private final StringBuilder out = new StringBuilder(1 << 16);

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** Appends markup as is. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** Appends escaped text. */
  Html text(String s) {
    out.append(esc(s));
    return this;
  }

  /** {@code <tag class="cls">escaped text</tag>}; no class attribute when {@code cls} is empty. */
  Html el(String tag, String cls, String text) {
    out.append('<').append(tag);
    if (!cls.isEmpty()) {
      out.append(" class=\"").append(cls).append('"');
    }
    out.append('>').append(esc(text)).append("</").append(tag).append(">\n");
    return this;
  }

  Html p(String text) {
    return el("p", "", text);
  }

  /** A note saying that a section's data is absent. */
  Html absent(String text) {
    return el("p", "absent", text);
  }

  /**
   * A table; cells are escaped text. Columns flagged in {@code numeric} are right-aligned.
   */
  Html table(List<String> header, List<List<String>> rows, boolean[] numeric) {
    out.append("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for (int i = 0; i < header.size(); i++) {
      out.append(numeric[i] ? "<th class=\"num\">" : "<th>").append(esc(header.get(i))).append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    for (List<String> row : rows) {
      out.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        out.append(i < numeric.length && numeric[i] ? "<td class=\"num\">" : "<td>").append(esc(row.get(i))).append("</td>");
      }
      out.append("</tr>\n");
    }
    out.append("</tbody></table></div>\n");
    return this;
  }

  /** Raw-data tables longer than this show their first rows and point to the CSV file. */
  static final int MAX_ROWS = 1000;

  /**
   * A collapsed table of raw rows, cut at {@link #MAX_ROWS} with a note naming the file that has them all.
   */
  Html rawTable(String what, String file, List<String> header, List<List<String>> rows, boolean[] numeric) {
    Html body = new Html();
    if (rows.size() > MAX_ROWS) {
      body.el("p", "dim", "First " + MAX_ROWS + " of " + rows.size() + " rows; " + file + " has them all.");
    }
    body.table(header, rows.size() > MAX_ROWS ? rows.subList(0, MAX_ROWS) : rows, numeric);
    return details(what + " (" + rows.size() + " rows)", body.toString());
  }

  /** A collapsed block with a one-line summary; {@code body} is markup. */
  Html details(String summary, String body) {
    out.append("<details><summary>").append(esc(summary)).append("</summary>\n").append(body).append("</details>\n");
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  /** Right-aligns every column after the first {@code textColumns}. */
  static boolean[] numericAfter(int textColumns, int columns) {
    boolean[] b = new boolean[columns];
    for (int i = textColumns; i < columns; i++) {
      b[i] = true;
    }
    return b;
  }
}
