package org.quantlens.study.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed command-line arguments: {@code --name value} options (repeatable), {@code --flag}
 * switches and positionals. Options a command does not know are usage errors.
 */
final class Args {
  private final Map<String, List<String>> options = new LinkedHashMap<>();
  private final List<String> positionals = new ArrayList<>();

  /**
   * @param valued options that take a value
   * @param flags options that take none
   */
  Args(List<String> argv, Set<String> valued, Set<String> flags) {
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flags.contains(name) && value == null) {
          options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= argv.size()) {
              throw new UsageException("--" + name + " needs a value");
            }
            value = argv.get(++i);
          }
          options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        } else {
          List<String> known = new ArrayList<>();
          valued.forEach(v -> known.add("--" + v));
          flags.forEach(v -> known.add("--" + v));
          throw new UsageException("unknown option --" + name + (known.isEmpty() ? ""
              : "; options: " + String.join(" ", known)));
        }
      } else {
        positionals.add(a);
      }
    }
  }

  String get(String name) {
    List<String> v = options.get(name);
    return v == null ? null : v.get(v.size() - 1);
  }

  String get(String name, String def) {
    String v = get(name);
    return v == null ? def : v;
  }

  String require(String name) {
    String v = get(name);
    if (v == null) {
      throw new UsageException("missing --" + name);
    }
    return v;
  }

  List<String> all(String name) {
    return options.getOrDefault(name, List.of());
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  int intValue(String name, int def) {
    String v = get(name);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
    }
  }

  List<String> positionals() {
    return positionals;
  }
}
