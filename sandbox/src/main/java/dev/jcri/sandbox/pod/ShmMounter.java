package dev.jcri.sandbox.pod;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import dev.jcri.common.Mounts;
import java.nio.file.Path;

/** Mounts and unmounts a pod's /dev/shm tmpfs: the seam between pod files and the kernel. */
public interface ShmMounter {

  /** A tmpfs of this size is what containerd and CRI-O give a pod's /dev/shm. */
  long SHM_BYTES = 64L * 1024 * 1024;

  /** Mounts a private tmpfs at {@code at} (an existing directory). */
  void mount(Path at);

  /** Unmounts {@code at}; nothing mounted there is fine. */
  void unmount(Path at);

  /** The kernel's tmpfs, nosuid, nodev, noexec, sticky and world-writable as /dev/shm is. */
  ShmMounter KERNEL = new ShmMounter() {
    @Override
    public void mount(Path at) {
      try {
        Libc.INSTANCE.mount("shm", at.toString(), "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC,
            "mode=1777,size=" + SHM_BYTES);
      } catch (LastErrorException e) {
        throw new FailedPreconditionException("mounting the pod's /dev/shm at " + at + ": " + Libc.describe(e), e);
      }
    }

    @Override
    public void unmount(Path at) {
      Mounts.detach(at);
    }
  };
}
