package dev.jcri.sandbox.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.FileTrees;
import dev.jcri.common.Ids;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.OwnerOnly;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * CheckpointContainer (KEP-2008): CRIU checkpoints the running container (it keeps running) through the OCI
 * runtime, and the result goes into one tar archive laid out as CRI-O and containerd lay theirs out, so their
 * tools read it: {@code checkpoint/} (CRIU's images), {@code config.dump} (what the container is),
 * {@code spec.dump} (its OCI spec), {@code rootfs-diff.tar} (what it changed in its root file system),
 * {@code deleted.files} (what it deleted there) and {@code dump.log}.
 */
final class ContainerCheckpointer {

  private static final Log LOG = Log.of(ContainerCheckpointer.class);
  /** How long CRIU may take when the request gives no timeout. */
  static final long DEFAULT_TIMEOUT_SECONDS = 300;

  private final ContainerDirs dirs;
  private final ContainerImages images;

  ContainerCheckpointer(ContainerDirs dirs, ContainerImages images) {
    this.dirs = dirs;
    this.images = images;
  }

  void checkpoint(ContainerRecord c, ContainerRuntime runtime, Path location, long timeoutSeconds) {
    if (!location.isAbsolute() || location.getParent() == null || !Files.isDirectory(location.getParent())) {
      throw new InvalidArgumentException("checkpoint location \"" + location + "\" must be an absolute path in an"
          + " existing directory");
    }
    Path work = dirs.bundle(c.id()).resolve("checkpoint-" + Ids.newId().substring(0, 12));
    Path images = work.resolve("checkpoint");
    Path partial = location.resolveSibling("." + location.getFileName() + "." + Ids.newId().substring(0, 8));
    try {
      OwnerOnly.dir(work);
      OwnerOnly.dir(images);
      long started = System.nanoTime();
      runtime.checkpoint(c.id(), images, work, timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS);
      writeConfig(c, work.resolve("config.dump"));
      Files.copy(dirs.bundle(c.id()).resolve("config.json"), work.resolve("spec.dump"));
      List<String> deleted = new ArrayList<>();
      Path layer = this.images.writableLayer(c.id()).orElse(null);
      try (OutputStream out = Files.newOutputStream(work.resolve("rootfs-diff.tar"))) {
        tar(layer, out, deleted);
      }
      Files.write(work.resolve("deleted.files"), Json.PLAIN.writeValueAsBytes(deleted));
      try (OutputStream out = Files.newOutputStream(partial)) {
        tar(work, out, null);
      }
      Files.setPosixFilePermissions(partial, OwnerOnly.FILE);
      Files.move(partial, location, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("container checkpointed", "id", c.id(), "location", location, "ms",
          (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      throw new UncheckedIOException("checkpointing " + c.id() + " to " + location + ": " + e.getMessage(), e);
    } finally {
      FileTrees.delete(work);
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // the directory's owner sees a stray temporary file
      }
    }
  }

  /** What the archive says the container is, in checkpointctl's words. */
  private static void writeConfig(ContainerRecord c, Path file) throws IOException {
    ObjectNode config = Json.PLAIN.createObjectNode();
    config.put("id", c.id());
    config.put("name", c.spec().name());
    config.put("rootfsImage", c.imageRef());
    config.put("rootfsImageRef", c.imageId());
    config.put("rootfsImageName", c.imageRef());
    config.put("runtime", c.runtimeHandler());
    config.put("createdTime", Instant.ofEpochSecond(0, c.createdAt()).toString());
    config.put("checkpointedTime", Instant.now().toString());
    config.put("restoredTime", Instant.EPOCH.toString());
    config.put("restored", false);
    Files.write(file, Json.PLAIN.writeValueAsBytes(config));
  }

  /**
   * Writes {@code root}'s tree as a tar (none: an empty tar). With {@code whiteouts} given, the overlay's
   * whiteouts (0/0 character devices) are not archived but listed there, as paths inside the container.
   */
  static void tar(Path root, OutputStream out, List<String> whiteouts) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      if (root == null) {
        return;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted().toList()) {
          if (p.equals(root)) {
            continue;
          }
          String name = root.relativize(p).toString();
          PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (whiteouts != null && a.isOther() && isWhiteout(p)) {
            whiteouts.add("/" + name);
            continue;
          }
          TarArchiveEntry e;
          if (a.isSymbolicLink()) {
            e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
          } else if (a.isOther()) {
            continue; // device nodes and sockets: the runtime makes a container's own
          } else {
            e = new TarArchiveEntry(p.toFile(), name);
          }
          e.setMode(a.permissions().stream().mapToInt(ContainerCheckpointer::bit).sum() | (e.getMode() & ~0777));
          e.setModTime(a.lastModifiedTime().toMillis());
          e.setIds((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
              (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
          tar.putArchiveEntry(e);
          if (a.isRegularFile()) {
            Files.copy(p, tar);
          }
          tar.closeArchiveEntry();
        }
      }
    }
  }

  private static boolean isWhiteout(Path p) throws IOException {
    Object rdev = Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
    return rdev instanceof Long l && l == 0 && Files.readAttributes(p, BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).isOther();
  }

  private static int bit(PosixFilePermission perm) {
    return switch (perm) {
      case OWNER_READ -> 0400;
      case OWNER_WRITE -> 0200;
      case OWNER_EXECUTE -> 0100;
      case GROUP_READ -> 040;
      case GROUP_WRITE -> 020;
      case GROUP_EXECUTE -> 010;
      case OTHERS_READ -> 04;
      case OTHERS_WRITE -> 02;
      case OTHERS_EXECUTE -> 01;
    };
  }
}
