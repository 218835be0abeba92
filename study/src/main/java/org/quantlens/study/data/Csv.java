package org.quantlens.study.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads delimiter-separated records per RFC 4180: fields are separated by the delimiter (comma,
 * tab, ..), records end with CRLF or LF; a field in double quotes may hold delimiters, line breaks
 * and doubled quotes ({@code ""} stands for one {@code "}). A quote inside an unquoted field is kept
 * as a literal character (common in TSV files); anything but a delimiter or line end after a
 * closing quote is an error, as is a quote left open at the end of the file.
 */
public final class Csv {
  private final Reader in;
  private final char delimiter;
  private final String source;
  private int line = 1;
  private int recordLine;
  private int peeked = -2;
  private final char[] buf = new char[1 << 14];
  private int pos;
  private int len;

  /** {@code source} (usually the file name) appears in errors. */
  public Csv(Reader in, char delimiter, String source) {
    this.in = in;
    this.delimiter = delimiter;
    this.source = source;
  }

  /** The 1-based line on which the record last returned by {@link #next()} starts. */
  public int recordLine() {
    return recordLine;
  }

  /** The next record's fields, or null at the end of the input. Blank lines are skipped. */
  public List<String> next() throws IOException {
    int c;
    while ((c = read()) == '\r' || c == '\n') {
      if (c == '\r' && peek() == '\n') {
        read();
      }
      line++;
    }
    if (c < 0) {
      return null;
    }
    recordLine = line;
    List<String> fields = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    while (true) {
      if (c == '"' && f.length() == 0) {
        readQuoted(f);
        c = read();
        if (c != delimiter && c != '\n' && c != '\r' && c >= 0) {
          throw new DataLoadException(source + ":" + line + ": unexpected character '" + (char) c
              + "' after a closing quote (expected the delimiter or the end of the line)");
        }
      } else {
        while (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
          f.append((char) c);
          c = read();
        }
      }
      fields.add(f.toString());
      f.setLength(0);
      if (c == delimiter) {
        c = read();
        continue;
      }
      if (c == '\r' && peek() == '\n') {
        read();
      }
      if (c >= 0) {
        line++;
      }
      return fields;
    }
  }

  private void readQuoted(StringBuilder f) throws IOException {
    int start = line;
    while (true) {
      int c = read();
      if (c < 0) {
        throw new DataLoadException(source + ":" + start + ": quoted field never closed (end of file)");
      }
      if (c == '"') {
        if (peek() == '"') {
          read();
          f.append('"');
          continue;
        }
        return;
      }
      if (c == '\n' || (c == '\r' && peek() != '\n')) {
        line++;
      }
      f.append((char) c);
    }
  }

  private int read() throws IOException {
    if (peeked != -2) {
      int c = peeked;
      peeked = -2;
      return c;
    }
    if (pos == len) {
      len = in.read(buf, 0, buf.length);
      pos = 0;
      if (len <= 0) {
        len = 0;
        return -1;
      }
    }
    return buf[pos++];
  }

  private int peek() throws IOException {
    if (peeked == -2) {
      peeked = read();
    }
    return peeked;
  }
}
