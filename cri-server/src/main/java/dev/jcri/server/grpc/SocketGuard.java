package dev.jcri.server.grpc;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.OwnerOnly;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Makes sure this jcri may serve: it holds the state directory's lock, and the socket path is either free or
 * a stale socket nobody answers on (which is then removed). A live runtime's socket is never taken over.
 */
public final class SocketGuard implements AutoCloseable {

  private final Path socket;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private SocketGuard(Path socket, FileChannel lockChannel, FileLock lock) {
    this.socket = socket;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Takes the lock in {@code stateDir} and clears the way for {@code socket}. */
  public static SocketGuard acquire(Path stateDir, Path socket) throws IOException {
    Files.createDirectories(stateDir);
    // Searchable, not listable, by others (as containerd's state directory): containers of pods with their own
    // user namespace run as unprivileged node uids and must reach their bundles below it.
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx--x--x"));
    Path lockFile = stateDir.resolve("jcri.lock");
    FileChannel channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OwnerOnly.FILE));
    OwnerOnly.setMode(lockFile, OwnerOnly.FILE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new FailedPreconditionException("another jcri is running with state directory " + stateDir
          + " (it holds " + lockFile + "); stop it first, or give this one other 'state' and 'socket' paths");
    }
    try {
      prepareSocketPath(socket);
    } catch (IOException | RuntimeException e) {
      lock.release();
      channel.close();
      throw e;
    }
    return new SocketGuard(socket, channel, lock);
  }

  private static void prepareSocketPath(Path socket) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
    }
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket(socket)) {
      throw new FailedPreconditionException(socket + " exists and is not a socket; jcri will not remove it."
          + " Move it away or set 'socket' to another path");
    }
    if (answers(socket)) {
      throw new FailedPreconditionException("a runtime is already serving " + socket
          + "; jcri will not take over a live socket. Stop that runtime, or set 'socket' to another path");
    }
    Files.delete(socket);
  }

  static boolean isSocket(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return (((Integer) mode) & 0170000) == 0140000;
  }

  private static boolean answers(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Gives the bound socket mode 0660, owner root (the user jcri runs as). */
  public void restrictSocket() throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
  }

  /** Removes the socket and releases the lock. */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(socket);
    } finally {
      lock.release();
      lockChannel.close();
    }
  }
}
