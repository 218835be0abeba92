package org.quantlens.engine.kernels;

/**
 * The per-time-step gate math of the ONNX recurrent ops, for one batch row of {@code hidden}
 * units. The matrix products are done before: {@code xw} holds that row's input projection
 * {@code X_t W^T} (gates side by side, ONNX order: LSTM i,o,f,c; GRU z,r,h; RNN one gate) and
 * {@code hr} the recurrent projection {@code H_{t-1} R^T} in the same layout. A kernel adds the
 * bias, applies clip and activations, and updates the state in place; it may use the row of
 * {@code hr} as scratch (it is recomputed every step). The scalar reference is
 * {@link RecurrentCellsScalar}; {@link #get()} picks the SIMD one when available.
 */
public interface RecurrentCells {

  /** The kernel this JVM uses (SIMD when available, else the scalar reference). */
  static RecurrentCells get() {
    return Holder.INSTANCE;
  }

  /** Lazily chosen instance. */
  final class Holder {
    static final RecurrentCells INSTANCE =
        Kernels.select(RecurrentCells.class, "SimdRecurrentCells", new RecurrentCellsScalar());

    private Holder() {}
  }

  /**
   * LSTM: {@code i = f(xw_i + hr_i + b_i + P_i*C)}, {@code f = f(... + P_f*C)} (or {@code 1 - i}
   * with input_forget), {@code c~ = g(xw_c + hr_c + b_c)}, {@code C' = f*C + i*c~},
   * {@code o = f(xw_o + hr_o + b_o + P_o*C')}, {@code H = o*h(C')}; clip bounds every argument of f
   * and g. Reads and writes {@code c[cOff..+hidden)}, writes {@code h[hOff..+hidden)}.
   */
  void lstm(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] c, int cOff,
      float[] h, int hOff);

  /**
   * {@link #lstm} for hidden units {@code [j0, j1)} only, with the same operands and offsets
   * (gate g of unit j at {@code g * hidden + j}): the cell math of a step split among threads.
   * Each unit's result is the whole call's, bit for bit, whatever the range.
   */
  void lstm(Params p, int j0, int j1, float[] xw, int xwOff, float[] hr, int hrOff, float[] c,
      int cOff, float[] h, int hOff);

  /** Simple RNN: {@code H = f(clip(xw + hr + b))} into {@code h[hOff..+hidden)}. */
  void rnn(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff);

  /**
   * GRU with linear_before_reset = 0, first half: {@code z = f(clip(xw_z + hr_z + b_z))} stored
   * over {@code hr}'s z slot, {@code r = f(clip(xw_r + hr_r + b_r))}, and {@code r * H_{t-1}} into
   * {@code rh[rhOff..+hidden)} (the left operand of the product with {@code R_h}).
   */
  void gruReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff,
      float[] rh, int rhOff);

  /**
   * GRU with linear_before_reset = 0, second half, after {@link #gruReset} and after {@code hr}'s
   * h slot received {@code (r*H_{t-1}) R_h^T}: {@code h~ = g(clip(xw_h + hr_h + b_h))},
   * {@code H = (1-z)*h~ + z*H_{t-1}}, in place in {@code h}.
   */
  void gruUpdate(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff);

  /**
   * GRU with linear_before_reset = 1, whole step: z and r as above,
   * {@code h~ = g(clip(xw_h + Wb_h + r*(hr_h + Rb_h)))}, {@code H = (1-z)*h~ + z*H_{t-1}}.
   */
  void gruLinearBeforeReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff);

  /**
   * What a cell needs besides the data: sizes, activations, clip and the per-direction constant
   * vectors, prepared once at load. Immutable (arrays are owned and never written).
   */
  final class Params {
    final int hidden;
    final RnnActivation f;
    final RnnActivation g;
    final RnnActivation h;
    final float clip;
    final float[] bias;
    final float[] rbh;
    final float[] peep;
    final boolean inputForget;
    final boolean hTanh;

    /**
     * @param f first activation (LSTM/GRU gates, RNN output)
     * @param g second activation (LSTM cell input, GRU hidden), null for RNN
     * @param h third activation (LSTM output), null for GRU and RNN
     * @param clip bound of activation arguments, {@code +Infinity} for none
     * @param bias per gate, {@code Wb + Rb} (GRU with linear_before_reset: h slot holds Wb_h only);
     *     gates * hidden values
     * @param rbh GRU with linear_before_reset: {@code Rb_h}, else null
     * @param peep LSTM peepholes {@code P_i, P_o, P_f} (3 * hidden), or null for none
     */
    public Params(int hidden, RnnActivation f, RnnActivation g, RnnActivation h, float clip,
        float[] bias, float[] rbh, float[] peep, boolean inputForget) {
      this.hidden = hidden;
      this.f = f;
      this.g = g;
      this.h = h;
      this.clip = clip;
      this.bias = bias;
      this.rbh = rbh;
      this.peep = peep;
      this.inputForget = inputForget;
      this.hTanh = RnnActivation.TANH.equals(h);
    }

    public int hidden() {
      return hidden;
    }

    public RnnActivation f() {
      return f;
    }

    public RnnActivation g() {
      return g;
    }

    public RnnActivation h() {
      return h;
    }

    public float clip() {
      return clip;
    }

    /** The bias vector (owned; do not write). */
    public float[] bias() {
      return bias;
    }

    /** GRU {@code Rb_h} with linear_before_reset, else null (owned; do not write). */
    public float[] rbh() {
      return rbh;
    }

    /** Peepholes i, o, f, or null (owned; do not write). */
    public float[] peep() {
      return peep;
    }

    public boolean inputForget() {
      return inputForget;
    }

    /**
     * The parameters of each direction of a layer, from the op's arguments (as {@link
     * RecurrentLayer#of}): {@code Wb + Rb} summed once in float, but a GRU with
     * linear_before_reset keeps its candidate gate's {@code Rb} apart (it sits inside the reset
     * product); peepholes copied per direction (LSTM only).
     *
     * @param b {@code [directions, 2*gates*hidden]} (Wb then Rb), or null for zeros
     * @param p LSTM peepholes {@code [directions, 3*hidden]}, or null for none
     */
    static Params[] perDirection(RecurrentLayer.Type type, int hidden, int directions, float[] b,
        float[] p, java.util.List<java.util.List<RnnActivation>> activations, float clip,
        boolean inputForget, boolean linearBeforeReset) {
      int gh = type.gates() * hidden;
      Params[] params = new Params[directions];
      boolean lbr = type == RecurrentLayer.Type.GRU && linearBeforeReset;
      for (int d = 0; d < directions; d++) {
        int bo = d * 2 * gh;
        float[] bias = new float[gh];
        float[] rbh = lbr ? new float[hidden] : null;
        if (b != null) {
          for (int i = 0; i < gh; i++) {
            bias[i] = b[bo + i] + b[bo + gh + i];
          }
          for (int i = 0; lbr && i < hidden; i++) {
            bias[2 * hidden + i] = b[bo + 2 * hidden + i];
            rbh[i] = b[bo + gh + 2 * hidden + i];
          }
        }
        float[] peep = null;
        if (p != null && type == RecurrentLayer.Type.LSTM) {
          peep = java.util.Arrays.copyOfRange(p, d * 3 * hidden, (d + 1) * 3 * hidden);
        }
        java.util.List<RnnActivation> acts = activations.get(d);
        params[d] = new Params(hidden, acts.get(0), acts.size() > 1 ? acts.get(1) : null,
            acts.size() > 2 ? acts.get(2) : null, clip, bias, rbh, peep, inputForget);
      }
      return params;
    }

    /** True when the third activation (LSTM output) is the plain Tanh. */
    public boolean hTanh() {
      return hTanh;
    }
  }
}
