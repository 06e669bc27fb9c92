package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The C library's calls on every helper process's path (spawn, pipes, reads, writes, waits), bound directly
 * (JNA's direct mapping: a native method per call, no proxy, no reflection, no argument conversion by type
 * lookup). Through the interface-mapped {@link Libc} each call cost ~5-10 µs of Java before reaching C; a
 * probe's exec makes about forty of them, every few seconds for every container. Calls that may fail declare
 * {@link LastErrorException} (errno), as in {@link Libc}.
 */
final class Posix {

  static {
    NativeSearchPath.prepare();
    Native.register(Posix.class, NativeLibrary.getInstance("c"));
  }

  private Posix() {}

  /** argv and envp are NULL-terminated arrays of C strings ({@link com.sun.jna.StringArray}). */
  static native int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attr, Pointer argv,
      Pointer envp);

  static native int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attr, Pointer argv,
      Pointer envp);

  static native int posix_spawn_file_actions_init(Pointer actions);

  static native int posix_spawn_file_actions_destroy(Pointer actions);

  static native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

  static native int posix_spawn_file_actions_addclose(Pointer actions, int fd);

  static native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

  static native int posix_spawnattr_init(Pointer attr);

  static native int posix_spawnattr_destroy(Pointer attr);

  static native int posix_spawnattr_setflags(Pointer attr, short flags);

  static native int posix_spawnattr_setsigmask(Pointer attr, Pointer mask);

  static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

  static native int sigemptyset(Pointer set);

  static native int sigfillset(Pointer set);

  static native int pipe2(int[] fds, int flags) throws LastErrorException;

  static native int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

  static native int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

  static native long read(int fd, byte[] buf, long len) throws LastErrorException;

  static native long write(int fd, byte[] buf, long len) throws LastErrorException;

  /** poll(2) over {@code fds}, an array of struct pollfd (int fd, short events, short revents). */
  static native int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  /** -1 for a descriptor that is not a socket (no exception: closing a pipe asks too). */
  static native int shutdown(int fd, int how);

  static native int memfd_create(String name, int flags) throws LastErrorException;
}
