package org.quantlens.engine.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.tensor.Tensor;

/**
 * An immutable schedule: every value gets a slot index, every node becomes a prepared
 * {@link Operator} with the slots it reads and writes, and each slot records the step after which
 * nobody reads it (so a run can drop intermediates early).
 */
final class ExecutionPlan {
  /** One scheduled node. */
  static final class Step {
    final Node node;
    final Operator op;
    final int[] in;
    final int[] out;
    /** Slots whose last reader is this step. */
    final int[] release;

    Step(Node node, Operator op, int[] in, int[] out, int[] release) {
      this.node = node;
      this.op = op;
      this.in = in;
      this.out = out;
      this.release = release;
    }
  }

  final List<Step> steps;
  final int slotCount;
  /** Constant slots with their tensors, filled before every run. */
  final Map<Integer, Tensor> constants;
  /** Backing arrays of the constants, by identity: outputs sharing one are copied. */
  final Map<Object, Boolean> constantData;
  final Map<String, Integer> inputSlots;
  final Map<String, Integer> outputSlots;
  /** The same as arrays, for runs that iterate without allocating. */
  final Step[] stepArray;
  final int[] constantSlots;
  final Tensor[] constantTensors;
  final String[] inputNames;
  /** The declared graph input of each of {@link #inputNames}. */
  final Value[] inputValues;
  final int[] inputSlotArray;
  final String[] outputNames;
  final int[] outputSlotArray;

  private ExecutionPlan(List<Step> steps, int slotCount, Map<Integer, Tensor> constants,
      Map<String, Integer> inputSlots, Map<String, Value> inputValues,
      Map<String, Integer> outputSlots) {
    this.steps = steps;
    this.slotCount = slotCount;
    this.constants = constants;
    this.constantData = new java.util.IdentityHashMap<>();
    constants.values().forEach(t -> constantData.put(t.data(), true));
    this.inputSlots = inputSlots;
    this.outputSlots = outputSlots;
    this.stepArray = steps.toArray(new Step[0]);
    this.constantSlots = constants.keySet().stream().mapToInt(Integer::intValue).toArray();
    this.constantTensors = new Tensor[constantSlots.length];
    for (int i = 0; i < constantSlots.length; i++) {
      constantTensors[i] = constants.get(constantSlots[i]);
    }
    this.inputNames = inputSlots.keySet().toArray(new String[0]);
    this.inputValues = new Value[inputNames.length];
    for (int i = 0; i < inputNames.length; i++) {
      this.inputValues[i] = inputValues.get(inputNames[i]);
    }
    this.inputSlotArray = inputSlots.values().stream().mapToInt(Integer::intValue).toArray();
    this.outputNames = outputSlots.keySet().toArray(new String[0]);
    this.outputSlotArray = outputSlots.values().stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Plans {@code g}. Every node must have an operator at the graph's opset; otherwise the error
   * lists all unsupported nodes at once.
   */
  static ExecutionPlan build(Graph g, OpRegistry registry) {
    checkSupported(g, registry);
    List<Node> order = g.topologicalOrder();
    Map<String, Integer> slots = new HashMap<>();
    slots.put("", -1);
    Map<Integer, Tensor> constants = new HashMap<>();
    Map<String, Integer> inputSlots = new LinkedHashMap<>();
    Map<String, Value> inputValues = new HashMap<>();
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      int s = slots.size() - 1;
      slots.put(e.getKey(), s);
      constants.put(s, e.getValue());
    }
    for (Value v : g.inputs()) {
      int s = slots.computeIfAbsent(v.name(), k -> slots.size() - 1);
      inputSlots.put(v.name(), s);
      inputValues.putIfAbsent(v.name(), v);
    }
    List<int[]> ins = new ArrayList<>();
    List<int[]> outs = new ArrayList<>();
    List<Operator> ops = new ArrayList<>();
    List<NodeContext> contexts = new ArrayList<>();
    for (Node n : order) {
      int[] in = new int[n.inputs().size()];
      Tensor[] consts = new Tensor[in.length];
      Value[] info = new Value[in.length];
      for (int i = 0; i < in.length; i++) {
        in[i] = slots.get(n.inputs().get(i));
        consts[i] = in[i] >= 0 ? constants.get(in[i]) : null;
        info[i] = g.value(n.inputs().get(i));
      }
      int[] out = new int[n.outputs().size()];
      for (int i = 0; i < out.length; i++) {
        String name = n.outputs().get(i);
        out[i] = name.isEmpty() ? -1 : slots.computeIfAbsent(name, k -> slots.size() - 1);
      }
      int opset = g.opset(n.domain());
      NodeContext ctx = new NodeContext(n, opset, consts, info);
      ops.add(registry.find(n.domain(), n.opType(), opset).factory().create(ctx));
      ctx.releaseOwned();
      contexts.add(ctx);
      ins.add(in);
      outs.add(out);
    }
    Map<String, Integer> outputSlots = new LinkedHashMap<>();
    for (Value v : g.outputs()) {
      Integer s = slots.get(v.name());
      if (s == null) {
        throw new org.quantlens.engine.ModelLoadException(
            "graph output '" + v.name() + "' is produced by no node, input or initializer");
      }
      outputSlots.put(v.name(), s);
    }
    dropOwnedConstants(constants, ins, contexts, inputSlots, outputSlots);
    int slotCount = slots.size() - 1;
    int[] lastUse = new int[slotCount];
    java.util.Arrays.fill(lastUse, -1);
    for (int st = 0; st < ins.size(); st++) {
      for (int s : ins.get(st)) {
        if (s >= 0) {
          lastUse[s] = st;
        }
      }
    }
    List<Step> steps = new ArrayList<>();
    for (int st = 0; st < order.size(); st++) {
      List<Integer> rel = new ArrayList<>();
      for (int s = 0; s < slotCount; s++) {
        if (lastUse[s] == st && !constants.containsKey(s) && !outputSlots.containsValue(s)) {
          rel.add(s);
        }
      }
      steps.add(new Step(order.get(st), ops.get(st), ins.get(st), outs.get(st),
          rel.stream().mapToInt(Integer::intValue).toArray()));
    }
    return new ExecutionPlan(List.copyOf(steps), slotCount, constants, inputSlots, inputValues,
        outputSlots);
  }

  /**
   * Frees the constants that every reader keeps its own copy of ({@link NodeContext#ownsCopyOf}):
   * their readers get null in their place. Graph outputs and graph inputs (a feed may replace an
   * initializer) keep theirs.
   */
  private static void dropOwnedConstants(Map<Integer, Tensor> constants, List<int[]> ins,
      List<NodeContext> contexts, Map<String, Integer> inputSlots,
      Map<String, Integer> outputSlots) {
    java.util.Set<Integer> needed = new java.util.HashSet<>(inputSlots.values());
    needed.addAll(outputSlots.values());
    for (int st = 0; st < ins.size(); st++) {
      int[] in = ins.get(st);
      for (int i = 0; i < in.length; i++) {
        if (in[i] >= 0 && !contexts.get(st).ownsCopy(i)) {
          needed.add(in[i]);
        }
      }
    }
    constants.keySet().removeIf(s -> !needed.contains(s));
    for (int[] in : ins) {
      for (int i = 0; i < in.length; i++) {
        if (in[i] >= 0 && !needed.contains(in[i])) {
          in[i] = -1;
        }
      }
    }
  }

  private static void checkSupported(Graph g, OpRegistry registry) {
    List<String> problems = new ArrayList<>();
    int opset = g.opset("");
    if (opset > OpRegistry.MAX_OPSET) {
      problems.add("model opset " + opset + " is newer than the newest this engine knows ("
          + OpRegistry.MAX_OPSET + ")");
    }
    for (Node n : g.nodes()) {
      int v = g.opset(n.domain());
      if (registry.find(n.domain(), n.opType(), v) == null) {
        problems.add(n.describe() + " at opset " + v
            + (registry.knows(n.domain(), n.opType()) ? ": this opset version is not supported"
                : ": operator not supported"));
      }
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedOpException(problems);
    }
  }
}
