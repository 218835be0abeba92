package org.quantlens.study.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.quantlens.engine.tensor.Tensor;

/**
 * NumPy {@code .npz} archives: a zip file (entries stored or deflated) of {@code .npy} files, one
 * per array, keyed by the entry name without {@code .npy}. Arrays are read on request, so an archive
 * whose other members have unsupported dtypes (strings, objects) can still be used.
 */
public final class Npz implements AutoCloseable {
  private final Path file;
  private final ZipFile zip;
  private final Map<String, ZipEntry> entries = new LinkedHashMap<>();

  private Npz(Path file, ZipFile zip) {
    this.file = file;
    this.zip = zip;
    Enumeration<? extends ZipEntry> e = zip.entries();
    while (e.hasMoreElements()) {
      ZipEntry z = e.nextElement();
      if (!z.isDirectory() && z.getName().endsWith(".npy")) {
        entries.put(z.getName().substring(0, z.getName().length() - 4), z);
      }
    }
  }

  /** Opens an archive; close it when done. */
  public static Npz open(Path file) {
    try {
      return new Npz(file, new ZipFile(file.toFile()));
    } catch (ZipException e) {
      throw new DataLoadException(file + ": not a .npz (zip) archive: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot open: " + e.getMessage(), e);
    }
  }

  /** Reads every array of an archive, in archive order. */
  public static Map<String, Tensor> readAll(Path file) {
    try (Npz npz = open(file)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String k : npz.keys()) {
        out.put(k, npz.get(k));
      }
      return out;
    }
  }

  /** The array names, in archive order. */
  public List<String> keys() {
    return new ArrayList<>(entries.keySet());
  }

  public boolean contains(String key) {
    return entries.containsKey(key);
  }

  /** Reads one array; the error names the archive, the key and the keys it has. */
  public Tensor get(String key) {
    ZipEntry z = entries.get(key);
    String name = file + "[" + key + "]";
    if (z == null) {
      throw new DataLoadException(file + ": no array '" + key + "' in .npz; it has " + keys());
    }
    // the uncompressed size from the zip directory bounds what the .npy header may claim
    long size = z.getSize() >= 0 ? z.getSize() : Long.MAX_VALUE;
    try (InputStream in = zip.getInputStream(z)) {
      return Npy.read(in, name, size);
    } catch (ZipException e) {
      throw new DataLoadException(name + ": corrupt zip entry: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataLoadException(name + ": cannot read: " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      zip.close();
    } catch (IOException ignored) {
      // read-only: nothing is lost
    }
  }
}
