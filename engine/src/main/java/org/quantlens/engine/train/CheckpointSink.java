package org.quantlens.engine.train;

import java.io.IOException;
import org.quantlens.engine.graph.Graph;

/**
 * Receives the trained graph after each epoch (the study module writes it as ONNX; the engine
 * does not depend on the exporter). {@link EpochStats#improved()} tells a best-only sink when to
 * write.
 */
@FunctionalInterface
public interface CheckpointSink {
  void save(Graph trained, EpochStats stats) throws IOException;
}
