package org.quantlens.engine.ops;

import java.util.function.Function;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.Tensor;

/**
 * What an {@link OpFactory} knows about a node at load time: the node, the opset it was written
 * for, which inputs are constant (so weights can be packed once), and what is known of input types.
 */
public final class NodeContext {
  private final Node node;
  private final int opset;
  private final Tensor[] constants;
  private final Value[] inputInfo;
  /** Per input, whether the op declared it keeps its own copy ({@link #ownsCopyOf}). */
  private final boolean[] ownCopy;

  /**
   * @param constants per input, the constant tensor or null; may be shorter than the inputs
   * @param inputInfo per input, known type and shape or null; may be shorter than the inputs
   */
  public NodeContext(Node node, int opset, Tensor[] constants, Value[] inputInfo) {
    this.node = node;
    this.opset = opset;
    this.constants = constants == null ? new Tensor[0] : constants.clone();
    this.inputInfo = inputInfo == null ? new Value[0] : inputInfo.clone();
    this.ownCopy = new boolean[node.inputs().size()];
  }

  /** A context with no constants and no type information. */
  public NodeContext(Node node, int opset) {
    this(node, opset, null, null);
  }

  public Node node() {
    return node;
  }

  /** The opset version of the node's domain. */
  public int opset() {
    return opset;
  }

  /** Number of inputs listed (including omitted optional ones written as ""). */
  public int inputCount() {
    return node.inputs().size();
  }

  /** Number of outputs listed. */
  public int outputCount() {
    return node.outputs().size();
  }

  /** True when input {@code i} is given (listed and not ""). */
  public boolean hasInput(int i) {
    return !node.input(i).isEmpty();
  }

  /** True when output {@code i} is requested (listed and not ""). */
  public boolean hasOutput(int i) {
    return i < node.outputs().size() && !node.outputs().get(i).isEmpty();
  }

  /** The constant value of input {@code i}, or null when it is computed at run time. */
  public Tensor constant(int i) {
    return i < constants.length ? constants[i] : null;
  }

  /**
   * Declares that the op keeps what it needs of constant input {@code i} (weights packed at load)
   * and reads nothing of it when it runs. A session then passes null for that input, and frees
   * the constant when no one else reads it: the weights are held once, not twice.
   */
  public void ownsCopyOf(int i) {
    if (constant(i) == null) {
      throw new IllegalStateException(node.describe() + ": input " + i + " is not a constant");
    }
    ownCopy[i] = true;
  }

  /** Whether the op declared {@link #ownsCopyOf} input {@code i}. */
  public boolean ownsCopy(int i) {
    return i < ownCopy.length && ownCopy[i];
  }

  /**
   * Forgets the constants the op declared it owns a copy of, for when the op is built: an op that
   * keeps this context (for its errors) must not keep those alive. {@link #constant} then returns
   * null for them.
   */
  public void releaseOwned() {
    for (int i = 0; i < constants.length; i++) {
      if (ownsCopy(i)) {
        constants[i] = null;
      }
    }
  }

  /** What is known of input {@code i}'s type and shape, or null. */
  public Value inputInfo(int i) {
    return i < inputInfo.length ? inputInfo[i] : null;
  }

  public boolean has(String attr) {
    return node.attributes().containsKey(attr);
  }

  /** The attribute, or null when absent. Typed getters below name the node when its kind is wrong. */
  public Attribute attr(String name) {
    return node.attributes().get(name);
  }

  /** {@code get} applied to attribute {@code name}, or {@code def} when absent. */
  private <T> T typed(String name, T def, Function<Attribute, T> get) {
    Attribute a = attr(name);
    if (a == null) {
      return def;
    }
    try {
      return get.apply(a);
    } catch (InvalidAttributeException e) {
      throw error("attribute '" + name + "': " + e.getMessage());
    }
  }

  public long attrLong(String name, long def) {
    return typed(name, def, Attribute::asLong);
  }

  public int attrInt(String name, int def) {
    if (attr(name) == null) {
      return def;
    }
    long v = attrLong(name, def);
    if (v != (int) v) {
      throw error("attribute " + name + "=" + v + " is out of range");
    }
    return (int) v;
  }

  public float attrFloat(String name, float def) {
    return typed(name, def, Attribute::asFloat);
  }

  public String attrString(String name, String def) {
    return typed(name, def, Attribute::asString);
  }

  public long[] attrLongs(String name, long[] def) {
    return typed(name, def, Attribute::asLongs);
  }

  /** An INTS attribute as ints, or {@code def}; throws if a value does not fit. */
  public int[] attrInts(String name, int[] def) {
    if (attr(name) == null) {
      return def;
    }
    long[] l = attrLongs(name, null);
    int[] r = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      if (l[i] != (int) l[i]) {
        throw error("attribute " + name + " has out-of-range value " + l[i]);
      }
      r[i] = (int) l[i];
    }
    return r;
  }

  public float[] attrFloats(String name, float[] def) {
    return typed(name, def, Attribute::asFloats);
  }

  public Tensor attrTensor(String name) {
    return typed(name, null, Attribute::asTensor);
  }

  /** An error about this node: the message is prefixed with the node's name and op type. */
  public InvalidAttributeException error(String message) {
    return new InvalidAttributeException(node.describe() + ": " + message);
  }
}
