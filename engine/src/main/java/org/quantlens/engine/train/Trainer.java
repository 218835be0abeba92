package org.quantlens.engine.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The training loop: epochs of seeded shuffled mini-batches, one optimizer step per batch,
 * validation accuracy per epoch, early stopping, checkpoints through a {@link CheckpointSink},
 * progress through a {@link TrainListener}. A NaN or infinite loss stops the run with a
 * {@link TrainingDivergedException}, the session holding the last parameters whose loss was finite.
 * A run is deterministic for a seed and a thread count (and the kernels make it independent of
 * the thread count as well).
 *
 * <pre>{@code
 * TrainResult r = Trainer.builder().epochs(10).batchSize(128).seed(1)
 *     .optimizer(new Adam()).schedule(LrSchedule.constant(1e-3))
 *     .listener(TrainListener.printing(System.out, 100))
 *     .build().fit(session, train, test);
 * }</pre>
 */
public final class Trainer {
  private final int epochs;
  private final int batchSize;
  private final long seed;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final Loss loss;
  private final String input;
  private final String output;
  private final int patience;
  private final double minDelta;
  private final boolean restoreBest;
  private final TrainListener listener;
  private final CheckpointSink checkpoint;
  private final BatchTransform transform;

  private Trainer(Builder b) {
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.seed = b.seed;
    this.optimizer = b.optimizer != null ? b.optimizer : new Adam();
    this.schedule = b.schedule != null ? b.schedule : LrSchedule.constant(1e-3);
    this.loss = b.loss != null ? b.loss : new SoftmaxCrossEntropy();
    this.input = b.input;
    this.output = b.output;
    this.patience = b.patience;
    this.minDelta = b.minDelta;
    this.restoreBest = b.restoreBest;
    this.listener = b.listener != null ? b.listener : new TrainListener() {};
    this.checkpoint = b.checkpoint;
    this.transform = b.transform;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link Trainer}; defaults: 10 epochs, batch 64, seed 0, Adam at 1e-3, cross-entropy. */
  public static final class Builder {
    private int epochs = 10;
    private int batchSize = 64;
    private long seed;
    private Optimizer optimizer;
    private LrSchedule schedule;
    private Loss loss;
    private String input;
    private String output;
    private int patience;
    private double minDelta;
    private boolean restoreBest;
    private TrainListener listener;
    private CheckpointSink checkpoint;
    private BatchTransform transform;

    private Builder() {}

    public Builder epochs(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("epochs must be at least 1, got " + n);
      }
      this.epochs = n;
      return this;
    }

    public Builder batchSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("batch size must be at least 1, got " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** Seeds the shuffling and the batch transform's random source. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    public Builder optimizer(Optimizer o) {
      this.optimizer = o;
      return this;
    }

    public Builder schedule(LrSchedule s) {
      this.schedule = s;
      return this;
    }

    public Builder loss(Loss l) {
      this.loss = l;
      return this;
    }

    /** The graph input fed with samples (default: the only input). */
    public Builder input(String name) {
      this.input = name;
      return this;
    }

    /** The graph output the loss reads (default: the first output). */
    public Builder output(String name) {
      this.output = name;
      return this;
    }

    /**
     * Stop after {@code epochs} epochs without improvement of validation accuracy (of training
     * loss without a validation set) by more than {@code minDelta}; 0 never stops early.
     */
    public Builder earlyStopping(int epochs, double minDelta) {
      this.patience = epochs;
      this.minDelta = minDelta;
      return this;
    }

    /** At the end, put back the parameters of the best epoch. */
    public Builder restoreBest(boolean on) {
      this.restoreBest = on;
      return this;
    }

    public Builder listener(TrainListener l) {
      this.listener = l;
      return this;
    }

    public Builder checkpoint(CheckpointSink s) {
      this.checkpoint = s;
      return this;
    }

    public Builder transform(BatchTransform t) {
      this.transform = t;
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }

  /**
   * Trains {@code session} on {@code train}, validating on {@code validation} (may be null) after
   * every epoch.
   *
   * @throws TrainingDivergedException when the loss stops being finite
   * @throws ShapeMismatchException when the data does not fit the model (sample shape, classes)
   */
  public TrainResult fit(TrainingSession session, Dataset train, Dataset validation) {
    String in = inputName(session);
    String out = outputName(session);
    checkData(session, in, out, train, "training");
    if (validation != null) {
      checkData(session, in, out, validation, "validation");
    }
    int n = train.size();
    int batches = (n + batchSize - 1) / batchSize;
    int[] order = new int[n];
    Batcher batcher = new Batcher(train);
    State last = new State(session);
    State best = restoreBest ? new State(session) : null;
    List<EpochStats> history = new ArrayList<>();
    float[] grad = new float[0];
    double bestMetric = Double.NEGATIVE_INFINITY;
    int bestEpoch = 0;
    int stale = 0;
    boolean stoppedEarly = false;
    long step = optimizer.steps();
    long runStart = System.nanoTime();
    long totalBatches = (long) batches * epochs;
    long doneBatches = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      session.setTraining(true);
      shuffle(order, epoch);
      SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
      long start = System.nanoTime();
      double lossSum = 0;
      int correct = 0;
      int seen = 0;
      double lr = 0;
      for (int b = 0; b < batches; b++) {
        int from = b * batchSize;
        int count = Math.min(batchSize, n - from);
        Batch batch = batcher.fill(order, from, count, batchSize);
        if (transform != null) {
          batch = transform.apply(batch, session, rnd.split());
        }
        Tensor y = session.forward(Map.of(in, batch.x())).get(out);
        if (grad.length < y.size()) {
          grad = new float[y.size()];
        }
        double l = loss.compute(y, batch.y(), grad);
        if (!Double.isFinite(l)) {
          last.restore(session);
          throw new TrainingDivergedException(String.format(Locale.ROOT,
              "loss is %s at epoch %d, batch %d (learning rate %.4g): training stopped; the "
                  + "parameters are those of the last step with a finite loss", l, epoch, b + 1,
              schedule.lr(step, batches)), epoch, b + 1);
        }
        correct += loss.correct(y, batch.y());
        session.zeroGrad();
        session.backward(out, grad);
        last.save(session);
        lr = schedule.lr(step, batches);
        optimizer.step(session.parameters(), lr);
        step++;
        lossSum += l * count;
        seen += count;
        doneBatches++;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double perBatch = (System.nanoTime() - runStart) / 1e9 / doneBatches;
        listener.onBatch(new TrainListener.BatchProgress(epoch, epochs, b + 1, batches,
            lossSum / seen, (double) correct / seen, seen / Math.max(elapsed, 1e-9),
            perBatch * (totalBatches - doneBatches)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Evaluation val = validation == null ? null : evaluate(session, validation, batchSize, in, out);
      double metric = val != null ? val.accuracy() : -lossSum / seen;
      boolean improved = metric > bestMetric + minDelta || bestEpoch == 0;
      if (improved) {
        bestMetric = metric;
        bestEpoch = epoch;
        stale = 0;
        if (best != null) {
          best.save(session);
        }
      } else {
        stale++;
      }
      EpochStats stats = new EpochStats(epoch, lossSum / seen, (double) correct / seen,
          val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), seconds,
          lr, improved);
      history.add(stats);
      listener.onEpoch(stats);
      if (checkpoint != null) {
        try {
          checkpoint.save(session.exportGraph(), stats);
        } catch (IOException e) {
          throw new QuantLensException("checkpoint after epoch " + epoch + " failed: " + e.getMessage(), e);
        }
      }
      if (patience > 0 && stale >= patience && epoch < epochs) {
        stoppedEarly = true;
        break;
      }
    }
    if (best != null) {
      best.restore(session);
    }
    session.setTraining(true);
    return new TrainResult(history, bestEpoch, stoppedEarly);
  }

  /** Fisher-Yates over the identity, seeded by the run's seed and the epoch. */
  private void shuffle(int[] order, int epoch) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed ^ (0xD1B54A32D192ED03L * epoch));
    for (int i = order.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /** Loss and accuracy of the session's model (evaluation mode) on {@code data}. */
  public Evaluation evaluate(TrainingSession session, Dataset data) {
    return evaluate(session, data, batchSize, inputName(session), outputName(session));
  }

  private Evaluation evaluate(TrainingSession session, Dataset data, int batch, String in,
      String out) {
    boolean was = session.isTraining();
    session.setTraining(false);
    try {
      Batcher batcher = new Batcher(data);
      double sum = 0;
      int correct = 0;
      float[] grad = new float[0];
      for (int from = 0; from < data.size(); from += batch) {
        int count = Math.min(batch, data.size() - from);
        Batch b = batcher.fill(null, from, count, batch);
        Tensor y = session.forward(Map.of(in, b.x())).get(out);
        if (grad.length < y.size()) {
          grad = new float[y.size()];
        }
        sum += loss.compute(y, b.y(), grad) * count;
        correct += loss.correct(y, b.y());
      }
      return new Evaluation(sum / Math.max(1, data.size()), correct, data.size());
    } finally {
      session.setTraining(was);
    }
  }

  private String inputName(TrainingSession s) {
    if (input != null) {
      return input;
    }
    if (s.inputs().size() != 1) {
      throw new ShapeMismatchException("the model has " + s.inputs().size()
          + " inputs; name the one to feed with Trainer.Builder.input");
    }
    return s.inputs().get(0).name();
  }

  private String outputName(TrainingSession s) {
    return output != null ? output : s.outputs().get(0).name();
  }

  /**
   * Fails early, before any parameter changes, when samples do not fit the model's input or a
   * class label exceeds the model's classes.
   */
  private void checkData(TrainingSession s, String in, String out, Dataset d, String what) {
    Value v = s.inputs().stream().filter(x -> x.name().equals(in)).findFirst()
        .orElseThrow(() -> new ShapeMismatchException("the model has no input '" + in + "'"));
    int[] want = v.shape();
    int[] got = d.sampleShape();
    if (want != null) {
      boolean ok = want.length == got.length + 1;
      for (int i = 0; ok && i < got.length; i++) {
        ok = want[i + 1] < 0 || want[i + 1] == got[i];
      }
      if (!ok) {
        throw new ShapeMismatchException("the " + what + " samples have shape "
            + Arrays.toString(got) + " but the model's input '" + in + "' is " + v.shapeText());
      }
    }
    if (d.size() == 0) {
      throw new ShapeMismatchException("the " + what + " set is empty");
    }
    if (d.y().dtype() == DType.F32) {
      return;
    }
    long max = Long.MIN_VALUE;
    long min = Long.MAX_VALUE;
    for (int i = 0; i < d.y().size(); i++) {
      long l = d.y().getLong(i);
      max = Math.max(max, l);
      min = Math.min(min, l);
    }
    boolean was = s.isTraining();
    s.setTraining(false);
    Tensor y;
    try {
      y = s.forward(Map.of(in, new Batcher(d).fill(null, 0, 1, 1).x())).get(out);
    } finally {
      s.setTraining(was);
    }
    int classes = y.size();
    if (min < 0 || max >= classes) {
      throw new ShapeMismatchException("the " + what + " labels range over [" + min + ", " + max
          + "] but the model's output '" + out + "' has " + classes + " classes");
    }
  }

  /** A copy of every parameter and buffer, to go back to. */
  private static final class State {
    private final float[][] values;

    State(TrainingSession s) {
      List<Parameter> ps = s.parameters();
      values = new float[ps.size() + s.buffers().size()][];
      save(s);
    }

    void save(TrainingSession s) {
      int i = 0;
      for (Parameter p : s.parameters()) {
        values[i] = copy(p.data(), p.size(), values[i]);
        i++;
      }
      for (Tensor t : s.buffers().values()) {
        values[i] = copy(t.floats(), t.size(), values[i]);
        i++;
      }
    }

    void restore(TrainingSession s) {
      int i = 0;
      for (Parameter p : s.parameters()) {
        System.arraycopy(values[i++], 0, p.data(), 0, p.size());
      }
      for (Tensor t : s.buffers().values()) {
        System.arraycopy(values[i++], 0, t.floats(), 0, t.size());
      }
    }

    private static float[] copy(float[] src, int n, float[] dst) {
      float[] d = dst == null ? new float[n] : dst;
      System.arraycopy(src, 0, d, 0, n);
      return d;
    }
  }
}
