package dev.jcri.image.unpack;

import dev.jcri.common.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves paths inside a root as if the root were "/": symlinks met on the way are followed but can never
 * lead out (an absolute target starts again at the root, ".." stops at the root). Whatever a layer contains,
 * the resolved path lies inside the root.
 */
final class InRootResolver {

  private static final int MAX_LINKS = 255;

  private final Path root;

  InRootResolver(Path root) {
    this.root = root;
  }

  /**
   * Cleans an archive entry name: strips leading "/" and "./", drops "." components; a name whose ".."
   * components climb above the root is refused.
   *
   * @return the components, empty for the root itself
   */
  static List<String> clean(String name, String what) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (out.isEmpty()) {
          throw new InvalidArgumentException(what + " \"" + name + "\" climbs out of the layer with \"..\"; refused");
        }
        out.removeLast();
      } else {
        if (c.indexOf('\0') >= 0) {
          throw new InvalidArgumentException(what + " \"" + name + "\" contains a NUL byte; refused");
        }
        out.add(c);
      }
    }
    return out;
  }

  /** The real location of the parent of {@code components} with every symlink on the way resolved in the root. */
  Path resolveParent(List<String> components) throws IOException {
    return resolve(components.subList(0, components.size() - 1));
  }

  /** The real location of {@code components}, every symlink (the last included) resolved in the root. */
  Path resolve(List<String> components) throws IOException {
    Deque<String> todo = new ArrayDeque<>(components);
    List<String> at = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!at.isEmpty()) {
          at.removeLast();
        }
        continue;
      }
      Path candidate = join(at).resolve(c);
      if (Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS) {
          throw new InvalidArgumentException("too many levels of symbolic links under " + join(at));
        }
        String target = Files.readSymbolicLink(candidate).toString();
        List<String> next = new ArrayList<>(List.of(target.split("/")));
        if (target.startsWith("/")) {
          at.clear();
        }
        for (int i = next.size() - 1; i >= 0; i--) {
          todo.addFirst(next.get(i));
        }
      } else {
        at.add(c);
      }
    }
    return join(at);
  }

  private Path join(List<String> components) {
    Path p = root;
    for (String c : components) {
      p = p.resolve(c);
    }
    return p;
  }

  /** Whether {@code p} exists without following a final symlink. */
  static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }
}
