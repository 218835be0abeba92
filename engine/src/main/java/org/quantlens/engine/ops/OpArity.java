package org.quantlens.engine.ops;

import java.util.HashMap;
import java.util.Map;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.graph.Node;

/**
 * How many inputs and outputs a node of each op may list, and which of them may be omitted (""),
 * from the ONNX operator spec (and the contrib spec for {@code com.microsoft}). Checked before an
 * operator is built, so an op never meets an input array shorter than it reads or a null where it
 * needs a tensor; a model that breaks it gets an error naming the node and the counts.
 *
 * <p>A pattern has one letter per position: {@code R} required, {@code O} optional (may be "" or
 * left off when nothing after it is given); a final {@code +} repeats the letter before it without
 * bound (variadic).
 */
public final class OpArity {
  private final String inputs;
  private final String outputs;

  private OpArity(String inputs, String outputs) {
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** Versioned entries per "domain:opType": since-version -> arity. */
  private static final Map<String, Map<Integer, OpArity>> TABLE = new HashMap<>();

  private static void def(String domain, String ops, int since, String in, String out) {
    for (String op : ops.split(" ")) {
      TABLE.computeIfAbsent(domain + ":" + op, k -> new HashMap<>()).put(since, new OpArity(in, out));
    }
  }

  private static void def(String ops, String in, String out) {
    def("", ops, 1, in, out);
  }

  static {
    def("Abs Acos Acosh Asin Asinh Atan Atanh Ceil Cos Cosh Erf Exp Floor Log Neg Not Reciprocal Relu"
        + " Round Sigmoid Sign Sin Sinh Sqrt Tan Tanh Softplus Softsign Elu Celu HardSigmoid HardSwish"
        + " LeakyRelu Selu ThresholdedRelu IsNaN IsInf Identity Shape Size Flatten Transpose SpaceToDepth"
        + " DepthToSpace Hardmax Softmax LogSoftmax GlobalAveragePool GlobalMaxPool ArgMax ArgMin Cast"
        + " ConstantOfShape AveragePool", "R", "R");
    def("Add Sub Mul Div Pow And Or Xor Equal Greater Less GreaterOrEqual LessOrEqual Mod BitShift PRelu"
        + " MatMul CastLike Expand Gather GatherElements", "RR", "R");
    def("Max Min Mean Sum Concat", "R+", "R");
    def("Where Range", "RRR", "R");
    def("Constant", "", "R");
    def("Conv", "RRO", "R");
    def("ConvInteger MatMulInteger", "RROO", "R");
    // zero points are required by the spec; the kernels default them, so "" is let through
    def("QLinearConv", "RRORRORRO", "R");
    def("QLinearMatMul", "RRORRORO", "R");
    def("QuantizeLinear DequantizeLinear", "RRO", "R");
    def("DynamicQuantizeLinear", "R", "RRR");
    def("MaxPool", "R", "R");
    def("", "MaxPool", 8, "R", "RO");
    def("Clip", "R", "R");
    def("", "Clip", 11, "ROO", "R");
    def("Dropout", "R", "RO");
    def("", "Dropout", 12, "ROO", "RO");
    def("BatchNormalization", "RRRRR", "ROOOO");
    def("", "BatchNormalization", 14, "RRRRR", "ROO");
    def("Gemm", "RRO", "R"); // C is required before opset 11; the kernel does without it
    def("Reshape", "R", "R");
    def("", "Reshape", 5, "RR", "R");
    def("Tile", "RRR", "R");
    def("", "Tile", 6, "RR", "R");
    def("Pad", "R", "R");
    def("", "Pad", 11, "RRO", "R");
    def("", "Pad", 18, "RROO", "R");
    def("Slice", "R", "R");
    def("", "Slice", 10, "RRROO", "R");
    def("Split", "RO", "R+");
    def("", "Split", 2, "R", "R+");
    def("", "Split", 13, "RO", "R+");
    def("Squeeze Unsqueeze", "R", "R");
    def("", "Squeeze", 13, "RO", "R");
    def("", "Unsqueeze", 13, "RR", "R");
    String reduces = "ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin"
        + " ReduceProd ReduceSumSquare";
    def(reduces + " ReduceSum", "R", "R");
    for (String op : reduces.split(" ")) {
      def("", op, 18, "RO", "R");
    }
    def("", "ReduceSum", 13, "RO", "R");
    def("LSTM", "RRROOOOO", "OOO");
    def("GRU RNN", "RRROOO", "OO");

    String ms = QuantOps.MS;
    def(ms, "QuantizeLinear DequantizeLinear", 1, "RRO", "R");
    def(ms, "DynamicQuantizeMatMul", 1, "RRROO", "R");
    def(ms, "MatMulIntegerToFloat", 1, "RRRROOO", "R");
    def(ms, "QGemm", 1, "RRORROOOO", "R");
    def(ms, "QLinearAdd QLinearMul", 1, "RRORRORO", "R");
    def(ms, "QLinearSigmoid QLinearLeakyRelu QLinearAveragePool QLinearGlobalAveragePool", 1, "RRORO", "R");
    // Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input; the op checks the grouping
    def(ms, "QLinearConcat", 1, "ROROO+", "R");
    def(ms, "DynamicQuantizeLSTM", 1, "RRROOOOORORO", "OOO");
    String ql = OpRegistry.QUANTLENS_DOMAIN;
    def(ql, "QuantizedLSTM", 1, "RRROOOOORORO" + "OOOO", "OOO");
    def(ql, "QuantizedGRU", 1, "RRROOO" + "RORO" + "OOOO", "OO");
    def(ql, "QuantizedGather", 1, "RROR", "R");
    def(ql, "FusedConv", 1, "RROR", "R"); // Conv's X, W, B, then Z (ResidualFusion)
  }

  /** The arity in force for {@code opType} registered from opset {@code since}, or null if unknown. */
  static OpArity of(String domain, String opType, int since) {
    Map<Integer, OpArity> versions = TABLE.get(domain + ":" + opType);
    if (versions == null) {
      return null;
    }
    OpArity best = null;
    int bestSince = Integer.MIN_VALUE;
    for (Map.Entry<Integer, OpArity> e : versions.entrySet()) {
      if (e.getKey() <= since && e.getKey() > bestSince) {
        best = e.getValue();
        bestSince = e.getKey();
      }
    }
    return best;
  }

  /** Fewest inputs a node may list. */
  public int minInputs() {
    return min(inputs);
  }

  /** Most inputs a node may list, {@link Integer#MAX_VALUE} for a variadic op. */
  public int maxInputs() {
    return max(inputs);
  }

  public int minOutputs() {
    return min(outputs);
  }

  public int maxOutputs() {
    return max(outputs);
  }

  /**
   * Throws a {@link ModelLoadException} naming the node when it lists too few or too many inputs or
   * outputs, or leaves a required one empty.
   */
  public void check(Node node) {
    check(node, "input", inputs, node.inputs());
    check(node, "output", outputs, node.outputs());
  }

  private static void check(Node node, String what, String pattern, java.util.List<String> names) {
    int min = min(pattern);
    int max = max(pattern);
    int n = names.size();
    if (n < min || n > max) {
      String range = min == max ? String.valueOf(min)
          : max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
      throw new ModelLoadException(node.describe() + ": takes " + range + " " + what
          + (min == 1 && max == 1 ? "" : "s") + ", got " + n + " " + names);
    }
    for (int i = 0; i < n; i++) {
      if (names.get(i).isEmpty() && letter(pattern, i) == 'R') {
        throw new ModelLoadException(node.describe() + ": " + what + " " + i
            + " is required but given as \"\" " + names);
      }
    }
  }

  /** The letter for position {@code i}; positions past a variadic pattern repeat its last letter. */
  private static char letter(String pattern, int i) {
    boolean variadic = pattern.endsWith("+");
    int fixed = variadic ? pattern.length() - 1 : pattern.length();
    return i < fixed ? pattern.charAt(i) : pattern.charAt(fixed - 1);
  }

  private static int min(String pattern) {
    int last = -1;
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) == 'R') {
        last = i;
      }
    }
    return last + 1;
  }

  private static int max(String pattern) {
    return pattern.endsWith("+") ? Integer.MAX_VALUE : pattern.length();
  }

  @Override
  public String toString() {
    return "inputs " + inputs + ", outputs " + outputs;
  }
}
