package org.quantlens.study.zoo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.*;

class ProfileLeNet {
  @Test
  void profile() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int threads = Integer.getInteger("t", 1);
    int b = 128;
    Tensor x = Tensor.zeros(org.quantlens.engine.tensor.DType.F32, b, 1, 28, 28);
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < x.size(); i++) x.floats()[i] = r.nextFloat();
    long[] y = new long[b];
    for (int i = 0; i < b; i++) y[i] = r.nextInt(10);
    Tensor yt = Tensor.of(y, b);
    try (TrainingSession s = new TrainingSession(LeNet.lenet5(1, 28, 28, 10, 1),
        new TrainingSession.Options().threads(threads).profile(mx::getCurrentThreadCpuTime))) {
      SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
      Adam adam = new Adam();
      float[] g = new float[b * 10];
      int steps = Integer.getInteger("steps", 60);
      long t0 = 0, c0 = 0;
      for (int i = 0; i < steps; i++) {
        if (i == 20) { t0 = System.nanoTime(); c0 = mx.getCurrentThreadCpuTime(); }
        Tensor out = s.forward(Map.of("input", x)).get("logits");
        loss.compute(out, yt, g);
        s.zeroGrad();
        s.backward("logits", g);
        adam.step(s.parameters(), 1e-3);
      }
      double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e6 / (steps - 20);
      double wall = (System.nanoTime() - t0) / 1e6 / (steps - 20);
      System.out.printf("per step: cpu(main thread) %.1f ms, wall %.1f ms -> %.0f img/s cpu-based%n", cpu, wall, b / cpu * 1000);
      for (Map.Entry<String, long[]> e : s.profile().entrySet()) {
        long[] v = e.getValue();
        System.out.printf("%-28s fwd %7.2f ms  bwd %7.2f ms%n", e.getKey(), v[0] / 1e6 / steps, v[1] / 1e6 / steps);
      }
    }
  }
}
