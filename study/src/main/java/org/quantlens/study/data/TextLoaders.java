package org.quantlens.study.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Loaders for the text sets of the study. Files are read as UTF-8 (a byte-order mark is skipped,
 * malformed bytes become U+FFFD) and may be gzip or bzip2 compressed. A text that is empty (or only
 * white space) is an error naming the file and line: it would silently become a row of padding.
 */
public final class TextLoaders {
  /** Class names of the binary sentiment sets (label 0, label 1). */
  public static final List<String> SENTIMENT = List.of("negative", "positive");

  private TextLoaders() {}

  /**
   * Two-column {@code label<delimiter>text} records (RFC 4180 quoting, see {@link Csv}), with an
   * optional header row. If every label is a non-negative integer the classes are "0".."max",
   * otherwise the distinct label strings sorted, each label being its index in that list.
   */
  public static TextDataset csv(String name, Path file, char delimiter, boolean header) {
    List<String> labels = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    try (Reader r = reader(file)) {
      Csv csv = new Csv(r, delimiter, file.toString());
      if (header) {
        csv.next();
      }
      List<String> rec;
      while ((rec = csv.next()) != null) {
        if (rec.size() != 2) {
          throw new DataLoadException(file + ":" + csv.recordLine() + ": " + rec.size()
              + " fields, expected 2 (label" + (delimiter == '\t' ? "<TAB>" : String.valueOf(delimiter))
              + "text; quote a text that contains the delimiter)");
        }
        String label = rec.get(0).strip();
        if (label.isEmpty()) {
          throw new DataLoadException(file + ":" + csv.recordLine() + ": empty label");
        }
        labels.add(label);
        texts.add(requireText(rec.get(1), file, csv.recordLine()));
      }
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
    boolean numeric = labels.stream().allMatch(s -> s.matches("\\d{1,9}"));
    List<String> classes = new ArrayList<>();
    long[] y = new long[labels.size()];
    if (numeric) {
      int max = -1;
      for (int i = 0; i < y.length; i++) {
        y[i] = Integer.parseInt(labels.get(i));
        max = (int) Math.max(max, y[i]);
      }
      for (int i = 0; i <= max; i++) {
        classes.add(Integer.toString(i));
      }
    } else {
      classes.addAll(new TreeSet<>(labels));
      for (int i = 0; i < y.length; i++) {
        y[i] = classes.indexOf(labels.get(i));
      }
    }
    return new TextDataset(name, texts, y, classes);
  }

  /**
   * The Large Movie Review Dataset's folders: {@code root/<split>/neg/*.txt} (label 0) and
   * {@code root/<split>/pos/*.txt} (label 1), with {@code root} the {@code aclImdb} folder or one
   * holding it. Files are ordered by their numeric id ({@code <id>_<rating>.txt}) and the two
   * classes are interleaved (neg 0, pos 0, neg 1, pos 1, ..), so any prefix is balanced.
   */
  public static TextDataset imdb(Path root, Split split) {
    Path base = Files.isDirectory(root.resolve("aclImdb")) ? root.resolve("aclImdb") : root;
    List<List<String>> byClass = new ArrayList<>();
    for (String cls : List.of("neg", "pos")) {
      Path dir = base.resolve(split.id()).resolve(cls);
      if (!Files.isDirectory(dir)) {
        throw new DataLoadException(dir + ": missing; expected the aclImdb layout "
            + "<root>/{train,test}/{pos,neg}/*.txt");
      }
      List<String> texts = new ArrayList<>();
      for (Path f : reviewFiles(dir)) {
        try {
          texts.add(requireText(decode(Files.readAllBytes(f)), f, 1));
        } catch (IOException e) {
          throw new DataLoadException(f + ": cannot read: " + e.getMessage(), e);
        }
      }
      byClass.add(texts);
    }
    List<String> texts = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    int most = Math.max(byClass.get(0).size(), byClass.get(1).size());
    for (int i = 0; i < most; i++) {
      for (int c = 0; c < 2; c++) {
        if (i < byClass.get(c).size()) {
          texts.add(byClass.get(c).get(i));
          labels.add((long) c);
        }
      }
    }
    return new TextDataset("imdb-" + split.id(), texts,
        labels.stream().mapToLong(Long::longValue).toArray(), SENTIMENT);
  }

  /**
   * Yelp reviews as a CSV with a header row naming (among others) the columns {@code stars} and
   * {@code text}: of the first {@code maxRows} rows, 3-star reviews are dropped, label = stars &gt; 3,
   * and the first {@code take} remaining reviews are kept (Hu et al.: 100 000 and 5 000).
   */
  public static TextDataset yelp(Path file, int maxRows, int take) {
    List<String> texts = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    try (Reader r = reader(file)) {
      Csv csv = new Csv(r, ',', file.toString());
      List<String> head = csv.next();
      if (head == null) {
        throw new DataLoadException(file + ": empty file; expected a header row with stars and text");
      }
      int stars = column(head, "stars", file);
      int text = column(head, "text", file);
      List<String> rec;
      for (int row = 0; row < maxRows && texts.size() < take && (rec = csv.next()) != null; row++) {
        if (rec.size() <= Math.max(stars, text)) {
          throw new DataLoadException(file + ":" + csv.recordLine() + ": " + rec.size()
              + " fields, expected at least " + (Math.max(stars, text) + 1) + " as in the header");
        }
        double s;
        try {
          s = Double.parseDouble(rec.get(stars).strip());
        } catch (NumberFormatException e) {
          throw new DataLoadException(file + ":" + csv.recordLine() + ": stars '" + rec.get(stars)
              + "' is not a number");
        }
        if (s == 3) {
          continue;
        }
        texts.add(requireText(rec.get(text), file, csv.recordLine()));
        labels.add(s > 3 ? 1L : 0L);
      }
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
    return new TextDataset("yelp", texts, labels.stream().mapToLong(Long::longValue).toArray(), SENTIMENT);
  }

  /**
   * Line files as used for CR and MR: each non-blank line is a text followed by white space and a
   * final {@code 0} or {@code 1} label. The files are read in order; at most {@code take} lines are
   * kept ({@code take <= 0}: all).
   */
  public static TextDataset labelledLines(String name, List<Path> files, int take) {
    List<String> texts = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    int limit = take <= 0 ? Integer.MAX_VALUE : take;
    for (Path f : files) {
      try (BufferedReader r = new BufferedReader(reader(f))) {
        String line;
        int no = 0;
        while (texts.size() < limit && (line = r.readLine()) != null) {
          no++;
          String s = line.strip();
          if (s.isEmpty()) {
            continue;
          }
          char last = s.charAt(s.length() - 1);
          if ((last != '0' && last != '1') || (s.length() > 1 && !Character.isWhitespace(s.charAt(s.length() - 2)))) {
            throw new DataLoadException(f + ":" + no + ": expected the line to end with a "
                + "separate 0 or 1 label, got '" + abbreviate(s) + "'");
          }
          texts.add(requireText(s.substring(0, s.length() - 1), f, no));
          labels.add((long) (last - '0'));
        }
      } catch (IOException e) {
        throw new DataLoadException(f + ": cannot read: " + e.getMessage(), e);
      }
    }
    return new TextDataset(name, texts, labels.stream().mapToLong(Long::longValue).toArray(), SENTIMENT);
  }

  private static String requireText(String text, Path file, int line) {
    String t = text.strip();
    if (t.isEmpty()) {
      throw new DataLoadException(file + ":" + line + ": empty text");
    }
    return t;
  }

  private static int column(List<String> header, String name, Path file) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).strip().replace("\uFEFF", "").toLowerCase(Locale.ROOT).equals(name)) {
        return i;
      }
    }
    throw new DataLoadException(file + ":1: no '" + name + "' column in header " + header);
  }

  private static List<Path> reviewFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".txt"))
          .sorted(Comparator.comparingLong(TextLoaders::reviewId)
              .thenComparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new DataLoadException(dir + ": cannot list: " + e.getMessage(), e);
    }
  }

  /** The id of {@code <id>_<rating>.txt}, or Long.MAX_VALUE for other names (sorted last). */
  private static long reviewId(Path p) {
    String n = p.getFileName().toString();
    int u = n.indexOf('_');
    try {
      return Long.parseLong(u > 0 ? n.substring(0, u) : n.substring(0, n.length() - 4));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static Reader reader(Path file) {
    InputStreamReader r = new InputStreamReader(Compression.open(file), StandardCharsets.UTF_8);
    return new BomSkipper(r);
  }

  private static String decode(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  /** Drops a leading U+FEFF. */
  private static final class BomSkipper extends java.io.FilterReader {
    private boolean first = true;

    BomSkipper(Reader in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (first) {
        first = false;
        if (c == 0xFEFF) {
          c = super.read();
        }
      }
      return c;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      if (!first) {
        return super.read(buf, off, len);
      }
      int c = read();
      if (c < 0) {
        return -1;
      }
      buf[off] = (char) c;
      return 1;
    }
  }
}
