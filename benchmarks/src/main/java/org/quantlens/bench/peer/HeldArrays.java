package org.quantlens.bench.peer;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The numeric arrays reachable from an object, in bytes: for a session, its weights and all it
 * derived from them (packed panels, biases, scales, zero points, lookup tables), without the
 * objects of its structure (node and value names, maps, operators). The structure's own small
 * arrays (shapes, strides, slot lists: a few KB for a model) do count. Each array counts once,
 * with its 16-byte header, rounded up to 8 bytes as the JVM lays it out.
 *
 * <p>The walk reads the instance fields of the project's own classes (and of lambdas), and looks
 * into JDK maps, collections and atomic references through their public methods only; other JDK
 * objects (threads, executors, classes) are not entered, so it needs no {@code --add-opens}.
 */
final class HeldArrays {
  private HeldArrays() {}

  static long bytes(Object root) {
    IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Object> todo = new ArrayDeque<>();
    todo.push(root);
    long total = 0;
    while (!todo.isEmpty()) {
      Object o = todo.pop();
      if (seen.put(o, Boolean.TRUE) != null) {
        continue;
      }
      Class<?> c = o.getClass();
      if (c.isArray()) {
        if (c.getComponentType().isPrimitive()) {
          total += arrayBytes(o);
        } else {
          for (Object e : (Object[]) o) {
            push(todo, e);
          }
        }
      } else if (o instanceof Map<?, ?> m) {
        m.forEach((k, v) -> {
          push(todo, k);
          push(todo, v);
        });
      } else if (o instanceof Collection<?> col) {
        col.forEach(e -> push(todo, e));
      } else if (o instanceof AtomicReference<?> ref) {
        push(todo, ref.get());
      } else if (o instanceof AtomicReferenceArray<?> refs) {
        for (int i = 0; i < refs.length(); i++) {
          push(todo, refs.get(i));
        }
      } else if (!isJdk(c) && !c.isEnum() && !(o instanceof Enum<?>)) { // enums: shared state
        fields(o, c, todo);
      }
    }
    return total;
  }

  private static void fields(Object o, Class<?> c, ArrayDeque<Object> todo) {
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
          continue;
        }
        try {
          f.setAccessible(true);
          push(todo, f.get(o));
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new IllegalStateException("cannot read " + k.getName() + "." + f.getName(), e);
        }
      }
    }
  }

  private static void push(ArrayDeque<Object> todo, Object o) {
    if (o != null) {
      todo.push(o);
    }
  }

  private static boolean isJdk(Class<?> c) {
    String n = c.getName();
    return n.startsWith("java.") || n.startsWith("jdk.") || n.startsWith("sun.")
        || n.startsWith("javax.");
  }

  private static long arrayBytes(Object array) {
    Class<?> e = array.getClass().getComponentType();
    int size = e == long.class || e == double.class ? 8
        : e == int.class || e == float.class ? 4
        : e == short.class || e == char.class ? 2 : 1;
    long raw = 16 + (long) java.lang.reflect.Array.getLength(array) * size;
    return (raw + 7) & ~7L;
  }
}
