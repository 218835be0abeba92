package org.quantlens.bench.kernels;

import java.nio.file.Path;

/**
 * The command line of the paired harnesses ({@link PeakPairs}, {@link Int8Pairs}):
 * {@code [--quick] [--size N] --out FILE}.
 */
record PairArgs(boolean quick, int size, Path out) {
  static PairArgs parse(String[] argv, Path defaultOut) {
    boolean quick = false;
    int size = 512;
    Path out = defaultOut;
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "--quick": quick = true; break;
        case "--size": size = Integer.parseInt(argv[++i]); break;
        case "--out": out = Path.of(argv[++i]); break;
        default: throw new IllegalArgumentException("unknown argument " + argv[i]);
      }
    }
    return new PairArgs(quick, size, out);
  }
}
