package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Lowers a QDQ graph to the engine's int8 operators. Each float op whose activation inputs are
 * read through DequantizeLinear and whose single output goes (optionally through a Relu or Clip)
 * into one QuantizeLinear becomes one integer op:
 * <ul>
 *   <li>Conv -> QLinearConv (int8 weights per tensor or per output channel, int32 bias);
 *   <li>Gemm -> com.microsoft.QGemm, MatMul -> QLinearMatMul;
 *   <li>Add -> com.microsoft.QLinearAdd, Concat -> com.microsoft.QLinearConcat;
 *   <li>GlobalAveragePool / AveragePool -> com.microsoft.QLinearGlobalAveragePool /
 *       QLinearAveragePool;
 *   <li>MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze -> the same op on the int8 tensor,
 *       when input and output parameters are equal (then the values map one to one);
 *   <li>a Relu/Clip between Conv/Gemm/MatMul/Add and the QuantizeLinear becomes the int8 op's
 *       {@link FusedActivation} attributes;
 *   <li>LSTM/GRU reading int8 W and R through DequantizeLinear -> com.quantlens.QuantizedLSTM /
 *       QuantizedGRU ({@link RecurrentQdqFolding});
 *   <li>Gather (axis 0) of a constant int8/uint8 table read through DequantizeLinear (per tensor or
 *       per row) -> com.quantlens.QuantizedGather: float output, only the gathered rows are
 *       dequantized, the table stays in 8 bits ({@link EmbeddingTables}).
 * </ul>
 * Everything else stays as it is (float ops between DequantizeLinear and QuantizeLinear: fake
 * quantization). Works on our {@link Ptq} output and on QDQ models from elsewhere: ONNX Runtime's
 * QDQ quantizer, and PyTorch exports whose weights are quantized at run time by a QuantizeLinear
 * over a float constant (evaluated here once) and whose parameters may be Constant nodes. The
 * {@link Int8Report} says, for every node, what it became or why it stays float.
 */
public final class QdqFolding {
  private QdqFolding() {}

  /** The folded graph and its report. */
  public static final class Result {
    private final Graph graph;
    private final Int8Report report;

    Result(Graph graph, Int8Report report) {
      this.graph = graph;
      this.report = report;
    }

    public Graph graph() {
      return graph;
    }

    /** One entry per node of the input graph. */
    public Int8Report report() {
      return report;
    }
  }

  /** Folds {@code g} (not changed) into a new graph. */
  public static Result fold(Graph g) {
    return fold(g, Set.of());
  }

  /** Folds {@code g}, leaving the nodes named in {@code keepFloat} in float. */
  public static Result fold(Graph g, Set<String> keepFloat) {
    Result r = new Folder(g, keepFloat).run();
    List<Int8Report.Entry> entries = new ArrayList<>(r.report().entries());
    if (RecurrentQdqFolding.apply(r.graph(), entries, keepFloat) > 0) {
      return new Result(r.graph(), new Int8Report(entries));
    }
    return r;
  }

  /** Why a node cannot be folded. */
  private static final class NoFold extends Exception {
    NoFold(String why) {
      super(why, null, false, false);
    }
  }

  /** A DequantizeLinear read: quantized input, constant parameters. */
  private static final class Dq {
    Node node;
    String q;
    String scaleName;
    String zpName;
    Tensor scale;
    Tensor zp;
    DType type;
    int axis;

    boolean perTensor() {
      return scale.size() == 1;
    }
  }

  /** The QuantizeLinear after an op (through an optional activation). */
  private static final class Qout {
    Node q;
    Node act;
    String scaleName;
    String zpName;
    Tensor scale;
    Tensor zp;
    DType type;
  }

  private static final class Folder {
    private final Graph src;
    private final Graph g;
    private final Set<String> keepFloat;
    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, List<Node>> consumers;
    private final Set<Node> removed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Node, String> reasons = new IdentityHashMap<>();
    private final Map<Node, Boolean> int8 = new IdentityHashMap<>();
    private final List<Node> added = new ArrayList<>();
    private final Set<String> used = new HashSet<>();
    /** Readers of each value among the nodes that will remain (folded ops read DQ inputs directly). */
    private final Map<String, Integer> liveReads = new HashMap<>();
    private boolean microsoft;
    private boolean quantlens;
    /** Bookkeeping of the fold being tried, applied only when it succeeds. */
    private final List<Runnable> pending = new ArrayList<>();

    Folder(Graph src, Set<String> keepFloat) {
      this.src = src;
      this.g = src.copy();
      this.keepFloat = keepFloat;
      for (Node n : src.nodes()) {
        for (String o : n.outputs()) {
          producer.put(o, n);
        }
        used.add(n.name());
        used.addAll(n.inputs());
        used.addAll(n.outputs());
      }
      used.addAll(src.initializers().keySet());
      this.consumers = Ptq.consumers(src);
    }

    Result run() {
      List<Node> order = src.topologicalOrder();
      for (Node n : order) {
        if (removed.contains(n) || isQ(n) || isDq(n)) {
          continue;
        }
        if (keepFloat.contains(n.name())) {
          reasons.put(n, "kept in float by configuration");
          continue;
        }
        pending.clear();
        try {
          Node f = foldOne(n);
          int opset = f.domain().isEmpty() ? src.opset("") : 1;
          if (OpRegistry.standard().find(f.domain(), f.opType(), opset) == null) {
            throw new NoFold("int8 op " + (f.domain().isEmpty() ? "" : f.domain() + ".") + f.opType()
                + " is not available in this engine (stays fake-quant)");
          }
          pending.forEach(Runnable::run);
          microsoft |= f.domain().equals("com.microsoft");
          quantlens |= f.domain().equals(OpRegistry.QUANTLENS_DOMAIN);
          added.add(f);
          removed.add(n);
          int8.put(n, true);
          if (!reasons.containsKey(n)) {
            reasons.put(n, "runs as " + (f.domain().isEmpty() ? "" : f.domain() + ".") + f.opType()
                + (f.opType().equals(n.opType()) ? " on int8 tensors" : ""));
          }
        } catch (NoFold e) {
          reasons.put(n, e.getMessage());
        }
      }
      List<Node> kept = new ArrayList<>();
      for (Node n : src.nodes()) {
        if (!removed.contains(n)) {
          kept.add(n);
        }
      }
      kept.addAll(added);
      // Drop DequantizeLinear nodes nobody reads any more (their work moved into int8 ops).
      boolean changed = true;
      while (changed) {
        changed = false;
        Map<String, Integer> reads = new HashMap<>();
        for (Node n : kept) {
          for (String in : n.inputs()) {
            reads.merge(in, 1, Integer::sum);
          }
        }
        for (java.util.Iterator<Node> it = kept.iterator(); it.hasNext();) {
          Node n = it.next();
          if ((isDq(n) || n.opType().equals("Constant") && n.domain().isEmpty())
              && !reads.containsKey(n.outputs().get(0)) && !src.isOutput(n.outputs().get(0))) {
            it.remove();
            removed.add(n);
            changed = true;
            if (isDq(n)) {
              int8.put(n, true);
              reasons.putIfAbsent(n, "absorbed into the int8 ops reading '" + n.input(0) + "'");
            }
          }
        }
      }
      g.nodes().clear();
      g.nodes().addAll(kept);
      pruneInitializers();
      if (microsoft) {
        g.opsets().putIfAbsent("com.microsoft", 1);
      }
      if (quantlens) {
        g.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
      }
      return new Result(g, report(kept));
    }

    private Int8Report report(List<Node> kept) {
      Map<String, List<String>> keptReaders = new HashMap<>();
      for (Node n : kept) {
        for (String in : n.inputs()) {
          keptReaders.computeIfAbsent(in, k -> new ArrayList<>()).add(n.name());
        }
      }
      List<Int8Report.Entry> entries = new ArrayList<>();
      for (Node n : src.nodes()) {
        String why = reasons.get(n);
        boolean i8 = int8.getOrDefault(n, false);
        if (why == null && isQ(n)) {
          why = "boundary: quantizes float '" + n.input(0) + "' for int8 readers";
        } else if (why == null && isDq(n)) {
          why = "boundary: dequantizes '" + n.input(0) + "' for float readers "
              + keptReaders.getOrDefault(n.outputs().get(0), List.of("(graph output)"));
        } else if (why == null) {
          why = "float";
        }
        entries.add(new Int8Report.Entry(n.name(), n.opType(), i8, why));
      }
      return new Int8Report(entries);
    }

    private void pruneInitializers() {
      Set<String> read = new HashSet<>();
      for (Node n : g.nodes()) {
        read.addAll(n.inputs());
      }
      g.outputs().forEach(v -> read.add(v.name()));
      g.initializers().keySet().removeIf(k -> !read.contains(k));
    }

    private String unique(String base) {
      String n = base;
      for (int i = 1; used.contains(n); i++) {
        n = base + "_" + i;
      }
      used.add(n);
      return n;
    }

    private static boolean isQ(Node n) {
      return n.domain().isEmpty() && n.opType().equals("QuantizeLinear");
    }

    private static boolean isDq(Node n) {
      return n.domain().isEmpty() && n.opType().equals("DequantizeLinear");
    }

    /** A constant: initializer or Constant node output; null otherwise. */
    private Tensor constant(String name) {
      if (name.isEmpty()) {
        return null;
      }
      Tensor t = src.initializers().get(name);
      if (t != null) {
        return t;
      }
      Node p = producer.get(name);
      if (p != null && p.domain().isEmpty() && p.opType().equals("Constant")) {
        Attribute v = p.attributes().get("value");
        if (v != null && v.kind() == Attribute.Kind.TENSOR) {
          return v.asTensor();
        }
        Attribute f = p.attributes().get("value_float");
        if (f != null) {
          return Tensor.of(new float[] {f.asFloat()});
        }
      }
      return null;
    }

    private Node node(String valueName) {
      return producer.get(valueName);
    }

    private Dq dq(String value, String what, boolean requirePerTensor) throws NoFold {
      Node p = node(value);
      if (p == null || !isDq(p)) {
        throw new NoFold(what + " '" + value + "' is float (not read through DequantizeLinear)");
      }
      Dq d = new Dq();
      d.node = p;
      d.q = p.input(0);
      d.scaleName = p.input(1);
      d.zpName = p.input(2);
      d.scale = constant(d.scaleName);
      d.zp = d.zpName.isEmpty() ? null : constant(d.zpName);
      if (d.scale == null || !d.zpName.isEmpty() && d.zp == null) {
        throw new NoFold(what + " '" + value + "' has run-time quantization parameters");
      }
      DType type = d.zp != null ? d.zp.dtype() : typeOf(d.q);
      if (type != DType.I8 && type != DType.U8) {
        throw new NoFold(what + " '" + value + "' is dequantized from " + type + ", not int8/uint8");
      }
      d.type = type;
      Attribute ax = p.attributes().get("axis");
      d.axis = ax == null ? 1 : (int) ax.asLong();
      if (requirePerTensor && !d.perTensor()) {
        throw new NoFold(what + " '" + value + "' is quantized per axis; the int8 op takes one scale");
      }
      return d;
    }

    private DType typeOf(String name) {
      Tensor c = constant(name);
      if (c != null) {
        return c.dtype();
      }
      Value v = src.value(name);
      if (v != null && v.dtype() != null) {
        return v.dtype();
      }
      Node p = node(name);
      if (p != null && isQ(p)) {
        Tensor zp = p.input(2).isEmpty() ? null : constant(p.input(2));
        return zp == null ? DType.U8 : zp.dtype();
      }
      return DType.U8; // DequantizeLinear without zero point reads uint8 by default
    }

    /** The QuantizeLinear reading {@code n}'s output, through a Relu/Clip when {@code withAct}. */
    private Qout qAfter(Node n, boolean withAct) throws NoFold {
      if (n.outputs().size() != 1 && n.outputs().stream().skip(1).anyMatch(s -> !s.isEmpty())) {
        throw new NoFold("has more than one output");
      }
      String out = n.outputs().get(0);
      Node next = single(out);
      Qout q = new Qout();
      if (withAct && (next.opType().equals("Relu") || next.opType().equals("Clip")) && next.domain().isEmpty()
          && !keepFloat.contains(next.name())) {
        q.act = next;
        next = single(next.outputs().get(0));
      }
      if (!isQ(next)) {
        throw new NoFold("output '" + out + "' goes to " + next.describe() + ", not to QuantizeLinear");
      }
      q.q = next;
      q.scaleName = next.input(1);
      q.zpName = next.input(2);
      q.scale = constant(q.scaleName);
      q.zp = q.zpName.isEmpty() ? null : constant(q.zpName);
      if (q.scale == null || !q.zpName.isEmpty() && q.zp == null) {
        throw new NoFold("output quantization '" + next.name() + "' has run-time parameters");
      }
      if (q.scale.size() != 1) {
        throw new NoFold("output is quantized per axis; int8 ops produce one scale");
      }
      q.type = q.zp == null ? DType.U8 : q.zp.dtype();
      if (q.type != DType.I8 && q.type != DType.U8) {
        throw new NoFold("output is quantized to " + q.type + ", not int8/uint8");
      }
      if (q.zp == null) {
        q.zpName = addInit("zero_point", Tensor.zeros(DType.U8));
      }
      return q;
    }

    private Node single(String value) throws NoFold {
      if (src.isOutput(value)) {
        throw new NoFold("output '" + value + "' is a graph output (needed in float)");
      }
      List<Node> r = consumers.getOrDefault(value, List.of());
      if (r.size() != 1) {
        throw new NoFold("output '" + value + "' has " + r.size() + " readers, not one QuantizeLinear");
      }
      return r.get(0);
    }

    private String addInit(String base, Tensor t) {
      String name = unique(base);
      g.initializers().put(name, t);
      return name;
    }

    private String zpName(Dq d) {
      if (d.zp != null) {
        return d.zpName;
      }
      return addInit(d.q + "_zero_point", d.perTensor() ? Tensor.zeros(d.type) : Tensor.zeros(d.type, d.scale.size()));
    }

    private Node foldOne(Node n) throws NoFold {
      if (!n.domain().isEmpty()) {
        throw new NoFold("op " + n.domain() + "." + n.opType() + " is not folded");
      }
      switch (n.opType()) {
        case "Conv": return conv(n);
        case "Gemm": return gemm(n);
        case "MatMul": return matmul(n);
        case "Add": return simple(n, "QLinearAdd", 2, true);
        case "GlobalAveragePool": return simple(n, "QLinearGlobalAveragePool", 1, false);
        case "AveragePool": return simple(n, "QLinearAveragePool", 1, false);
        case "Concat": return concat(n);
        case "Gather": return gather(n);
        case "MaxPool": case "Reshape": case "Flatten": case "Transpose": case "Squeeze": case "Unsqueeze":
          return dataMovement(n);
        case "Relu": case "Clip":
          throw new NoFold("activation not after a foldable op (or that op stays float)");
        default:
          throw new NoFold("no int8 kernel for " + n.opType());
      }
    }

    private void absorb(Node n, Qout q) {
      pending.add(() -> absorbNow(n, q));
    }

    private void absorbNow(Node n, Qout q) {
      removed.add(q.q);
      int8.put(q.q, true);
      reasons.put(q.q, "absorbed: output quantization of '" + n.name() + "'");
      if (q.act != null) {
        removed.add(q.act);
        int8.put(q.act, true);
        reasons.put(q.act, "fused into '" + n.name() + "' as its activation");
      }
    }

    private Map<String, Attribute> activation(Qout q) throws NoFold {
      Map<String, Attribute> a = new LinkedHashMap<>();
      if (q.act == null) {
        return a;
      }
      a.put(FusedActivation.ATTR, Attribute.of(q.act.opType()));
      if (q.act.opType().equals("Clip")) {
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (q.act.attributes().containsKey("min")) {
          lo = q.act.attributes().get("min").asFloat();
        }
        if (q.act.attributes().containsKey("max")) {
          hi = q.act.attributes().get("max").asFloat();
        }
        if (!q.act.input(1).isEmpty()) {
          Tensor t = constant(q.act.input(1));
          if (t == null) {
            throw new NoFold("Clip '" + q.act.name() + "' has a run-time minimum");
          }
          lo = (float) t.getDouble(0);
        }
        if (!q.act.input(2).isEmpty()) {
          Tensor t = constant(q.act.input(2));
          if (t == null) {
            throw new NoFold("Clip '" + q.act.name() + "' has a run-time maximum");
          }
          hi = (float) t.getDouble(0);
        }
        if (lo != Float.NEGATIVE_INFINITY) {
          a.put(FusedActivation.ATTR_MIN, Attribute.of(lo));
        }
        if (hi != Float.POSITIVE_INFINITY) {
          a.put(FusedActivation.ATTR_MAX, Attribute.of(hi));
        }
      }
      return a;
    }

    /**
     * The int8 operand of a DQ: a constant, a QuantizeLinear of a float constant (computed now), or
     * a run-time tensor (only when {@code runtimeOk}).
     */
    private String weight(Dq w, String what, boolean runtimeOk) throws NoFold {
      Tensor c = constant(w.q);
      if (c != null) {
        if (c.dtype() != DType.I8 && c.dtype() != DType.U8) {
          throw new NoFold(what + " is " + c.dtype() + ", not int8/uint8");
        }
        return w.q;
      }
      Node q = node(w.q);
      if (q == null || !isQ(q) || constant(q.input(0)) == null) {
        if (runtimeOk && w.perTensor()) {
          return w.q;
        }
        throw new NoFold(what + " is computed at run time");
      }
      Tensor x = constant(q.input(0));
      Tensor s = constant(q.input(1));
      Tensor z = q.input(2).isEmpty() ? null : constant(q.input(2));
      if (x == null || s == null || !q.input(2).isEmpty() && z == null) {
        throw new NoFold(what + " is quantized at run time from a non-constant");
      }
      Attribute ax = q.attributes().get("axis");
      int axis = ax == null ? 1 : (int) ax.asLong();
      axis = axis < 0 ? axis + x.rank() : axis;
      DType type = z == null ? DType.U8 : z.dtype();
      QuantMath.IntRange r = type == DType.I8 ? new QuantMath.IntRange(-128, 127) : new QuantMath.IntRange(0, 255);
      Tensor out = Tensor.zeros(type, x.shape());
      int[] shape = x.shape();
      for (int i = 0; i < x.size(); i++) {
        int ch = s.size() == 1 ? 0 : QuantMath.channelOf(i, shape, axis);
        int zp = z == null ? 0 : (int) z.getLong(ch);
        out.setLong(i, QuantMath.quantize((float) x.getDouble(i), (float) s.getDouble(ch), zp, r));
      }
      pending.add(() -> {
        removed.add(q);
        int8.put(q, true);
        reasons.put(q, "evaluated once at load: constant weight quantized to " + type);
      });
      return addInit(w.q + "_const", out);
    }

    /**
     * The weight and zero-point names the int8 op reads: a constant uint8 weight whose zero points
     * are all 128 (how {@link UnsignedWeightExport} writes symmetric int8 weights for ONNX Runtime)
     * becomes the same values in int8 with zero point 0, so it runs on the int8 x int8 kernels
     * exactly as before export; any other weight is read as it is.
     */
    private String[] signedWeight(Dq w, String wq) {
      Tensor c = g.initializers().containsKey(wq) ? g.initializers().get(wq) : constant(wq);
      if (c == null || c.dtype() != DType.U8 || w.zp == null || w.zp.dtype() != DType.U8) {
        return new String[] {wq, zpName(w)};
      }
      for (byte z : w.zp.bytes()) {
        if ((z & 0xff) != UnsignedWeightExport.ZERO_POINT) {
          return new String[] {wq, zpName(w)};
        }
      }
      byte[] u = c.bytes();
      byte[] s = new byte[u.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = (byte) ((u[i] & 0xff) - UnsignedWeightExport.ZERO_POINT);
      }
      String name = addInit(wq + "_int8", Tensor.wrap(DType.I8, s, c.shape()));
      String zp = addInit(wq + "_int8_zero_point",
          w.perTensor() ? Tensor.zeros(DType.I8) : Tensor.zeros(DType.I8, w.scale.size()));
      return new String[] {name, zp};
    }

    /** Checks a per-axis weight's axis; returns the per-channel scale count (1 if per tensor). */
    private void checkAxis(Dq w, int wantAxis, int rank, String what) throws NoFold {
      if (w.perTensor()) {
        return;
      }
      int axis = w.axis < 0 ? w.axis + rank : w.axis;
      if (axis != wantAxis) {
        throw new NoFold(what + " is quantized along axis " + axis + "; the int8 op needs axis " + wantAxis);
      }
    }

    /** Float bias values from an int32 DQ or a float constant, or null when absent. */
    private float[] biasValues(String b, int channels) throws NoFold {
      if (b.isEmpty()) {
        return null;
      }
      Tensor f = constant(b);
      if (f == null) {
        Node p = node(b);
        if (p == null || !isDq(p)) {
          throw new NoFold("bias '" + b + "' is computed at run time");
        }
        Tensor q = constant(p.input(0));
        Tensor s = constant(p.input(1));
        Tensor z = p.input(2).isEmpty() ? null : constant(p.input(2));
        if (q == null || s == null || !p.input(2).isEmpty() && z == null) {
          throw new NoFold("bias '" + b + "' is dequantized from run-time values");
        }
        float[] v = new float[q.size()];
        for (int i = 0; i < v.length; i++) {
          int ch = s.size() == 1 ? 0 : i % s.size();
          long zp = z == null ? 0 : z.getLong(ch);
          v[i] = (float) (q.getLong(i) - zp) * (float) s.getDouble(ch);
        }
        f = Tensor.of(v, q.shape());
      }
      if (channels >= 0 && f.size() != channels || f.rank() > 2 || f.rank() == 2 && f.dim(0) != 1) {
        throw new NoFold("bias '" + b + "' has " + f.size() + " values, expected " + channels
            + " (one per output channel)");
      }
      return f.toFloats();
    }

    /** int32 bias with scale {@code xs * ws[c] * alpha}, as the int8 ops expect. */
    private String int32Bias(String base, float[] b, float xs, Tensor ws, float alpha) {
      int[] q = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        float s = xs * (float) ws.getDouble(ws.size() == 1 ? 0 : i) * alpha;
        s = Math.max(s, Float.MIN_NORMAL);
        q[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.rint(b[i] / s)));
      }
      return addInit(base + "_int32", Tensor.wrap(DType.I32, q, b.length));
    }

    private Node conv(Node n) throws NoFold {
      Dq x = dq(n.input(0), "input", true);
      Dq w = dq(n.input(1), "weight", false);
      Tensor wc = constant(w.q);
      int rank = wc != null ? wc.rank() : 4;
      checkAxis(w, 0, rank, "weight");
      Qout q = qAfter(n, true);
      String wq = weight(w, "weight '" + n.input(1) + "'", false);
      Tensor wt = g.initializers().containsKey(wq) ? g.initializers().get(wq) : constant(wq);
      int m = wt.dim(0);
      if (!w.perTensor() && w.scale.size() != m) {
        throw new NoFold("weight has " + w.scale.size() + " scales for " + m + " output channels");
      }
      float[] b = biasValues(n.input(2), m);
      String[] ws = signedWeight(w, wq);
      List<String> ins = new ArrayList<>(List.of(x.q, x.scaleName, zpName(x), ws[0], w.scaleName, ws[1],
          q.scaleName, q.zpName));
      if (b != null) {
        ins.add(int32Bias(n.name() + "_bias", b, (float) x.scale.getDouble(0), w.scale, 1f));
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
      attrs.putAll(activation(q));
      absorb(n, q);
      return new Node(n.name(), "QLinearConv", "", ins, List.of(q.q.outputs().get(0)), attrs);
    }

    private Node gemm(Node n) throws NoFold {
      if (Ptq.attrLong(n, "transA", 0) != 0) {
        throw new NoFold("transA=1 is not folded (QGemm needs A as given)");
      }
      Dq a = dq(n.input(0), "input A", true);
      Dq b = dq(n.input(1), "input B", false);
      boolean transB = Ptq.attrLong(n, "transB", 0) != 0;
      checkAxis(b, transB ? 0 : 1, 2, "B");
      Qout q = qAfter(n, true);
      String bq = weight(b, "B '" + n.input(1) + "'", true);
      float alpha = n.attributes().containsKey("alpha") ? n.attributes().get("alpha").asFloat() : 1f;
      float beta = n.attributes().containsKey("beta") ? n.attributes().get("beta").asFloat() : 1f;
      String[] bs = signedWeight(b, bq);
      List<String> ins = new ArrayList<>(List.of(a.q, a.scaleName, zpName(a), bs[0], b.scaleName, bs[1]));
      if (!n.input(2).isEmpty()) {
        Tensor bt = g.initializers().containsKey(bq) ? g.initializers().get(bq) : constant(bq);
        Tensor bias = constant(n.input(2));
        int cols = bt != null ? (transB ? bt.dim(0) : bt.dim(1))
            : !b.perTensor() ? b.scale.size() : bias != null ? bias.size() : -1;
        float[] c = biasValues(n.input(2), cols);
        for (int i = 0; i < c.length; i++) {
          c[i] *= beta;
        }
        ins.add(int32Bias(n.name() + "_bias", c, (float) a.scale.getDouble(0), b.scale, alpha));
      } else {
        ins.add("");
      }
      ins.add(q.scaleName);
      ins.add(q.zpName);
      Map<String, Attribute> attrs = fusedAttributes(n);
      attrs.put("alpha", Attribute.of(alpha));
      attrs.put("transA", Attribute.of(0L));
      attrs.put("transB", Attribute.of(transB ? 1L : 0L));
      attrs.putAll(activation(q));
      absorb(n, q);
      return new Node(n.name(), "QGemm", "com.microsoft", ins, List.of(q.q.outputs().get(0)), attrs);
    }

    /** An activation the fusion pass already attached to {@code n} ({@code ql.*} attributes). */
    private static Map<String, Attribute> fusedAttributes(Node n) {
      Map<String, Attribute> a = new LinkedHashMap<>();
      n.attributes().forEach((k, v) -> {
        if (k.startsWith("ql.")) {
          a.put(k, v);
        }
      });
      return a;
    }

    private Node matmul(Node n) throws NoFold {
      Dq a = dq(n.input(0), "input A", true);
      Dq b = dq(n.input(1), "input B", false);
      if (!b.perTensor()) {
        checkAxis(b, 1, 2, "B");
      }
      Qout q = qAfter(n, true);
      String bq = weight(b, "B '" + n.input(1) + "'", true);
      Tensor bt = g.initializers().containsKey(bq) ? g.initializers().get(bq) : constant(bq);
      if (!b.perTensor() && (bt == null || bt.rank() != 2)) {
        throw new NoFold("per-column B must be a 2-D constant");
      }
      String[] bs = signedWeight(b, bq);
      List<String> ins = List.of(a.q, a.scaleName, zpName(a), bs[0], b.scaleName, bs[1], q.scaleName, q.zpName);
      Map<String, Attribute> attrs = fusedAttributes(n);
      attrs.putAll(activation(q));
      absorb(n, q);
      return new Node(n.name(), "QLinearMatMul", "", ins, List.of(q.q.outputs().get(0)), attrs);
    }

    /** Ops taking {@code (x, x_scale, x_zp)} per input then {@code (y_scale, y_zp)}. */
    private Node simple(Node n, String op, int inputs, boolean withAct) throws NoFold {
      List<String> ins = new ArrayList<>();
      if (n.inputs().size() != inputs) {
        throw new NoFold("expected " + inputs + " inputs");
      }
      for (int i = 0; i < inputs; i++) {
        Dq d = dq(n.input(i), "input " + i, true);
        ins.addAll(List.of(d.q, d.scaleName, zpName(d)));
      }
      Qout q = qAfter(n, withAct);
      ins.add(q.scaleName);
      ins.add(q.zpName);
      Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
      if (!op.equals("QLinearAdd")) {
        attrs.put("channels_last", Attribute.of(0L));
      }
      attrs.putAll(activation(q));
      absorb(n, q);
      return new Node(n.name(), op, "com.microsoft", ins, List.of(q.q.outputs().get(0)), attrs);
    }

    private Node concat(Node n) throws NoFold {
      List<String> ins = new ArrayList<>();
      List<String> tail = new ArrayList<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        Dq d = dq(n.input(i), "input " + i, true);
        tail.addAll(List.of(d.q, d.scaleName, zpName(d)));
      }
      Qout q = qAfter(n, false);
      ins.add(q.scaleName);
      ins.add(q.zpName);
      ins.addAll(tail);
      absorb(n, q);
      return new Node(n.name(), "QLinearConcat", "com.microsoft", ins, List.of(q.q.outputs().get(0)),
          n.attributes());
    }

    /** Gather of a constant 8-bit table through DequantizeLinear: a lookup with float output. */
    private Node gather(Node n) throws NoFold {
      Dq d = dq(n.input(0), "data", false);
      String tq = weight(d, "table '" + n.input(0) + "'", false);
      Tensor t = g.initializers().containsKey(tq) ? g.initializers().get(tq) : constant(tq);
      long axis = Ptq.attrLong(n, "axis", 0);
      if (axis != 0 && axis != -t.rank()) {
        throw new NoFold("gathers along axis " + axis + "; only axis 0 (rows of the table) is folded");
      }
      if (!d.perTensor()) {
        checkAxis(d, 0, t.rank(), "table");
        if (d.scale.size() != t.dim(0)) {
          throw new NoFold("table has " + d.scale.size() + " scales for " + t.dim(0) + " rows");
        }
      }
      List<String> ins = List.of(tq, d.scaleName, d.zpName, n.input(1));
      return new Node(n.name(), "QuantizedGather", OpRegistry.QUANTLENS_DOMAIN, ins, n.outputs(), Map.of());
    }

    private Node dataMovement(Node n) throws NoFold {
      Dq d = dq(n.input(0), "input", true);
      Qout q = qAfter(n, false);
      float si = (float) d.scale.getDouble(0);
      float so = (float) q.scale.getDouble(0);
      long zi = d.zp == null ? 0 : d.zp.getLong(0);
      long zo = q.zp == null ? 0 : q.zp.getLong(0);
      if (si != so || zi != zo || d.type != q.type) {
        throw new NoFold("input and output quantization differ (scale " + si + " zp " + zi + " "
            + d.type + " vs scale " + so + " zp " + zo + " " + q.type + ")");
      }
      List<String> ins = new ArrayList<>(n.inputs());
      ins.set(0, d.q);
      absorb(n, q);
      return new Node(n.name(), n.opType(), "", ins, List.of(q.q.outputs().get(0)), n.attributes());
    }
  }
}
