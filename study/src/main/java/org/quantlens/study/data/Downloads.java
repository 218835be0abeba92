package org.quantlens.study.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Fetching a file with a checksum, and unpacking a tar.gz archive safely. */
final class Downloads {
  /** A checksum or size mismatch: the data is wrong, not merely unreachable. */
  static final class VerificationException extends DataLoadException {
    private static final long serialVersionUID = 1L;

    VerificationException(String message) {
      super(message);
    }
  }

  private Downloads() {}

  /**
   * Copies {@code url} to {@code dest}, checking the byte count and SHA-256 (lower-case hex);
   * follows up to 5 redirects, also between http and https. {@code dest} is deleted on failure.
   */
  static void fetch(String url, Path dest, long size, String sha256, int connectMs, int readMs)
      throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long count = 0;
    boolean ok = false;
    try (InputStream in = open(url, connectMs, readMs); OutputStream out = Files.newOutputStream(dest)) {
      byte[] buf = new byte[1 << 16];
      for (int k; (k = in.read(buf)) > 0; ) {
        count += k;
        if (count > size) {
          throw new VerificationException(url + ": more than the expected " + size + " bytes; "
              + "not the published file");
        }
        md.update(buf, 0, k);
        out.write(buf, 0, k);
      }
      if (count != size) {
        throw new VerificationException(url + ": got " + count + " bytes, expected " + size);
      }
      String got = HexFormat.of().formatHex(md.digest());
      if (!got.equals(sha256.toLowerCase(Locale.ROOT))) {
        throw new VerificationException(url + ": SHA-256 " + got + ", expected " + sha256
            + "; the download is corrupt or not the published file");
      }
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(dest);
      }
    }
  }

  private static InputStream open(String url, int connectMs, int readMs) throws IOException {
    String u = url;
    for (int hop = 0; hop <= 5; hop++) {
      URI uri = URI.create(u);
      URL target = uri.toURL();
      URLConnection c = target.openConnection();
      c.setConnectTimeout(connectMs);
      c.setReadTimeout(readMs);
      if (!(c instanceof HttpURLConnection)) {
        return new BufferedInputStream(c.getInputStream());
      }
      HttpURLConnection h = (HttpURLConnection) c;
      h.setInstanceFollowRedirects(false);
      int code = h.getResponseCode();
      if (code == 200) {
        return new BufferedInputStream(h.getInputStream());
      }
      String loc = h.getHeaderField("Location");
      h.disconnect();
      if (code / 100 == 3 && loc != null) {
        u = uri.resolve(loc).toString();
        continue;
      }
      throw new IOException(url + ": HTTP " + code);
    }
    throw new IOException(url + ": too many redirects");
  }

  /**
   * Unpacks a gzip-compressed tar archive into {@code dir}, regular files and folders only, skipping
   * entries {@code skip} accepts; names that would land outside {@code dir} are an error.
   */
  static void untar(Path archive, Path dir, Predicate<String> skip) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Compression.open(archive))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName();
        Path out = root.resolve(name).normalize();
        if (!out.startsWith(root) || name.startsWith("/")) {
          throw new DataLoadException(archive + ": entry '" + name + "' points outside the target folder");
        }
        if (skip.test(name)) {
          continue;
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else if (e.isFile()) {
          Files.createDirectories(out.getParent());
          Files.copy(tar, out);
        }
      }
    }
  }

  /** Deletes a file or a folder tree; missing is fine. */
  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (var s = Files.list(p)) {
        for (Path c : s.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.delete(p);
  }
}
