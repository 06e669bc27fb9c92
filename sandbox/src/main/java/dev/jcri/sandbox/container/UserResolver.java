package dev.jcri.sandbox.container;

import dev.jcri.common.InvalidArgumentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a container's user (uid, gid, supplementary groups) from the security context or the image's
 * USER, through the container's own /etc/passwd and /etc/group. Those files are read only when they are
 * regular files of the root filesystem, never through a symlink.
 */
final class UserResolver {

  /** The most of an image's /etc/passwd or /etc/group that is read. */
  static final long MAX_BYTES = 1024 * 1024;

  private UserResolver() {}

  /** What the first process runs as; {@code additionalGids} leads with the primary group, as containerd's. */
  record Resolved(long uid, long gid, List<Long> additionalGids) {}

  /**
   * @param imageGroups whether the groups the image's /etc/group gives the user are added (SupplementalGroupsPolicy
   *     Merge) or not (Strict: only the primary group and {@code supplemental})
   */
  static Resolved resolve(Path rootfs, Long runAsUser, String runAsUsername, Long runAsGroup, List<Long> supplemental,
      String imageUser, boolean imageGroups) {
    long uid;
    Long gid = null;
    String name = null;
    if (runAsUser != null) {
      uid = runAsUser;
    } else if (runAsUsername != null && !runAsUsername.isEmpty()) {
      name = runAsUsername;
      uid = -1;
    } else if (!imageUser.isEmpty()) {
      String[] parts = imageUser.split(":", 2);
      if (parts.length == 2) {
        gid = parts[1].matches("[0-9]+") ? Long.parseLong(parts[1]) : groupId(rootfs, parts[1]);
      }
      if (parts[0].matches("[0-9]+")) {
        uid = Long.parseLong(parts[0]);
      } else {
        name = parts[0];
        uid = -1;
      }
    } else {
      uid = 0;
    }
    List<String[]> passwd = entries(rootfs.resolve("etc/passwd"));
    if (name != null) {
      String n = name;
      String[] entry = passwd.stream().filter(e -> e.length > 3 && e[0].equals(n)).findFirst()
          .orElseThrow(() -> new InvalidArgumentException("user \"" + n + "\" is not in the image's /etc/passwd"));
      uid = Long.parseLong(entry[2]);
      if (gid == null) {
        gid = Long.parseLong(entry[3]);
      }
    }
    if (runAsGroup != null) {
      gid = runAsGroup;
    }
    if (gid == null) {
      long u = uid;
      gid = passwd.stream().filter(e -> e.length > 3 && e[2].equals(Long.toString(u)))
          .map(e -> Long.parseLong(e[3])).findFirst().orElse(0L);
    }
    // The primary group leads the list, as containerd puts it.
    List<Long> groups = new ArrayList<>(List.of(gid));
    String userName = name;
    if (userName == null) {
      long u = uid;
      userName = passwd.stream().filter(e -> e.length > 2 && e[2].equals(Long.toString(u))).map(e -> e[0])
          .findFirst().orElse(null);
    }
    if (userName != null && imageGroups) {
      for (String[] g : entries(rootfs.resolve("etc/group"))) {
        if (g.length > 3 && List.of(g[3].split(",")).contains(userName)) {
          long id = Long.parseLong(g[2]);
          if (!groups.contains(id)) {
            groups.add(id);
          }
        }
      }
    }
    for (Long s : supplemental) {
      if (!groups.contains(s)) {
        groups.add(s);
      }
    }
    return new Resolved(uid, gid, groups);
  }

  private static long groupId(Path rootfs, String name) {
    return entries(rootfs.resolve("etc/group")).stream().filter(g -> g.length > 2 && g[0].equals(name))
        .map(g -> Long.parseLong(g[2])).findFirst()
        .orElseThrow(() -> new InvalidArgumentException("group \"" + name + "\" is not in the image's /etc/group"));
  }

  private static List<String[]> entries(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(file.getParent())) {
      return List.of();
    }
    try {
      // The image wrote this file: it is read whole, so its size is bounded first.
      if (Files.size(file) > MAX_BYTES) {
        throw new InvalidArgumentException("the image's /etc/" + file.getFileName() + " is larger than " + MAX_BYTES
            + " bytes; jcri reads users and groups only from smaller files (give run_as_user as a number)");
      }
      return Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream()
          .filter(l -> !l.startsWith("#")).map(l -> l.split(":", -1)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
