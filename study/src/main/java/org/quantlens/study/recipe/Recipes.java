package org.quantlens.study.recipe;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.train.Dataset;

/** The recipes by name, built from string options (as the command line and study configs give them). */
public final class Recipes {
  private Recipes() {}

  /** Recipe names. */
  public static final List<String> NAMES = List.of("standard", "adversarial", "mixup", "qat");

  /** Options each recipe takes, with defaults in the usage text. */
  public static final Map<String, List<String>> OPTIONS = Map.of(
      "standard", List.of(),
      "adversarial", List.of("attack", "eps", "step", "iterations", "random-start", "adv-share"),
      "mixup", List.of("alpha"),
      "qat", List.of("qat-epochs", "qat-lr-scale", "pretrain"));

  /** Every recipe option name. */
  public static Set<String> allOptions() {
    Set<String> s = new HashSet<>();
    OPTIONS.values().forEach(s::addAll);
    return s;
  }

  /** One line per recipe with its options and defaults. */
  public static String describe() {
    return "standard; adversarial [--attack pgd|fgsm] [--eps 0.3] [--step 0.1] [--iterations 10]"
        + " [--random-start true] [--adv-share 0.5]; mixup [--alpha 0.2]; qat [--qat-epochs 2]"
        + " [--qat-lr-scale 0.1] [--pretrain true|false]";
  }

  /**
   * The recipe {@code name} with {@code options} (option name without dashes to value).
   *
   * @throws IllegalArgumentException for an unknown recipe, an option the recipe does not take or
   *     a value out of range; the message lists what is valid
   */
  public static Recipe of(String name, Map<String, String> options) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown recipe '" + name + "'; recipes: "
          + String.join(", ", NAMES));
    }
    for (String k : options.keySet()) {
      if (!OPTIONS.get(name).contains(k)) {
        throw new IllegalArgumentException("recipe '" + name + "' takes no option --" + k
            + (OPTIONS.get(name).isEmpty() ? "" : "; its options: --" + String.join(" --", OPTIONS.get(name))));
      }
    }
    switch (name) {
      case "standard":
        return new StandardRecipe();
      case "adversarial": {
        String method = options.getOrDefault("attack", "pgd");
        double eps = number(options, "eps", 0.3);
        Attack a;
        if (method.equals("fgsm")) {
          a = Attack.fgsm(eps);
        } else if (method.equals("pgd")) {
          a = Attack.pgd(eps, number(options, "step", 0.1), (int) number(options, "iterations", 10),
              bool(options, "random-start", true));
        } else {
          throw new IllegalArgumentException("--attack must be pgd or fgsm, got '" + method + "'");
        }
        return new AdversarialRecipe(a, number(options, "adv-share", 0.5));
      }
      case "mixup":
        return new MixupRecipe(number(options, "alpha", 0.2));
      default:
        return new QatRecipe(bool(options, "pretrain", false), (int) number(options, "qat-epochs", 2),
            number(options, "qat-lr-scale", 0.1), QuantConfig.defaults());
    }
  }

  private static double number(Map<String, String> o, String key, double def) {
    String v = o.get(key);
    if (v == null) {
      return def;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " expects a number, got '" + v + "'");
    }
  }

  private static boolean bool(Map<String, String> o, String key, boolean def) {
    String v = o.get(key);
    if (v == null) {
      return def;
    }
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException("--" + key + " expects true or false, got '" + v + "'");
    }
    return v.equals("true");
  }

  /**
   * Checks, before any training, that {@code data}'s samples fit the model's input and that its
   * class labels lie within the model's classes.
   *
   * @throws ShapeMismatchException naming the shapes or the label range and the class count
   */
  public static void checkFit(Graph model, Dataset data, String what) {
    String in = StandardRecipe.inputName(model);
    Value v = model.inputs().get(0);
    int[] want = v.shape();
    int[] got = data.sampleShape();
    if (want != null) {
      boolean ok = want.length == got.length + 1;
      for (int i = 0; ok && i < got.length; i++) {
        ok = want[i + 1] < 0 || want[i + 1] == got[i];
      }
      if (!ok) {
        throw new ShapeMismatchException("the " + what + " samples have shape " + Arrays.toString(got)
            + " but the model's input '" + in + "' is " + v.shapeText() + " (first dimension the batch)");
      }
    }
    if (data.size() == 0) {
      throw new ShapeMismatchException("the " + what + " set is empty");
    }
    checkLabels(data, MixupRecipe.classes(model, data), what);
  }

  /** Class labels of {@code data} must lie in {@code [0, classes)}. */
  static void checkLabels(Dataset data, int classes, String what) {
    if (data.y().dtype() == DType.F32) {
      return;
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < data.y().size(); i++) {
      long l = data.y().getLong(i);
      min = Math.min(min, l);
      max = Math.max(max, l);
    }
    if (min < 0 || max >= classes) {
      throw new ShapeMismatchException("the " + what + " labels range over [" + min + ", " + max
          + "] but the model has " + classes + " classes");
    }
  }
}
