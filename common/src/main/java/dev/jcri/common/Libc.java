package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few libc calls jcri makes directly (no helper process). Each throws {@link LastErrorException}
 * carrying errno; use {@link #describe} for a readable message.
 */
public interface Libc extends Library {

  Libc INSTANCE = load();

  private static Libc load() {
    NativeSearchPath.prepare();
    return Native.load("c", Libc.class);
  }

  int MS_RDONLY = 1;
  int MS_NOSUID = 2;
  int MS_NODEV = 4;
  int MS_NOEXEC = 8;
  int MS_REMOUNT = 32;
  int MS_BIND = 4096;
  int MS_REC = 16384;
  int MS_PRIVATE = 1 << 18;
  int MS_SLAVE = 1 << 19;
  int MS_SHARED = 1 << 20;

  int MNT_DETACH = 2;

  int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  String strerror(int errnum);

  int S_IFCHR = 0020000;
  int S_IFBLK = 0060000;
  int S_IFIFO = 0010000;

  int mknod(String path, int mode, long dev) throws LastErrorException;

  int chmod(String path, int mode) throws LastErrorException;

  int lchown(String path, int uid, int gid) throws LastErrorException;

  int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

  long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

  long syscall(long number, Object... args) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int CLONE_NEWNS = 0x00020000;
  int CLONE_NEWUTS = 0x04000000;
  int CLONE_NEWIPC = 0x08000000;
  int CLONE_NEWNET = 0x40000000;
  int CLONE_NEWPID = 0x20000000;
  int O_RDONLY = 0;
  int O_CLOEXEC = 02000000;

  int unshare(int flags) throws LastErrorException;

  int setns(int fd, int nstype) throws LastErrorException;

  int sethostname(String name, long len) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int open(String path, int flags, int mode) throws LastErrorException;

  long write(int fd, com.sun.jna.Pointer buf, long len) throws LastErrorException;

  int fchmod(int fd, int mode) throws LastErrorException;

  int fchown(int fd, int uid, int gid) throws LastErrorException;

  /** futimens(2): {@code times} is two struct timespec (atime, mtime: seconds and nanoseconds as longs). */
  int futimens(int fd, com.sun.jna.Pointer times) throws LastErrorException;

  int O_WRONLY = 1;
  int O_CREAT = 0100;
  int O_EXCL = 0200;
  int O_NOFOLLOW = 0400000;
  int EEXIST = 17;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int mkfifo(String path, int mode) throws LastErrorException;

  int bind(int fd, byte[] addr, int len) throws LastErrorException;

  long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen) throws LastErrorException;

  long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_DGRAM = 2;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = 02000000;
  int SHUT_WR = 1;
  int SHUT_RDWR = 2;
  int O_PATH = 010000000;
  int O_DIRECTORY = 0200000;
  int EINTR = 4;
  int EIO = 5;
  int EAGAIN = 11;
  /** Sets a terminal's window size (struct winsize: rows, columns, x and y pixels as unsigned shorts). */
  long TIOCSWINSZ = 0x5414;

  int connect(int fd, byte[] addr, int len) throws LastErrorException;

  int listen(int fd, int backlog) throws LastErrorException;

  int accept4(int fd, com.sun.jna.Pointer addr, com.sun.jna.Pointer len, int flags) throws LastErrorException;

  int shutdown(int fd, int how) throws LastErrorException;

  long read(int fd, byte[] buf, long len) throws LastErrorException;

  long write(int fd, byte[] buf, long len) throws LastErrorException;

  long recvmsg(int fd, com.sun.jna.Pointer msg, int flags) throws LastErrorException;

  /** poll(2) over {@code fds}, an array of struct pollfd (int fd, short events, short revents). */
  int poll(com.sun.jna.Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

  /** A {@code struct sockaddr_un} for {@code path}; a leading '@' names an abstract socket. */
  static byte[] sockaddrUn(String path) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    if (p.length > 107) {
      throw new IllegalArgumentException("unix socket path too long: " + path);
    }
    byte[] addr = new byte[2 + p.length + 1];
    addr[0] = (byte) AF_UNIX;
    System.arraycopy(p, 0, addr, 2, p.length);
    if (path.startsWith("@")) {
      addr[2] = 0;
      return Arrays.copyOf(addr, 2 + p.length);
    }
    return addr;
  }

  int kill(int pid, int signal) throws LastErrorException;

  int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

  int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

  /** Linux's makedev: the device number of major and minor. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  static String describe(LastErrorException e) {
    return INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
  }
}
