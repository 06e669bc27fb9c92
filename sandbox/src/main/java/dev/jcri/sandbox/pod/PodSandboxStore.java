package dev.jcri.sandbox.pod;

import dev.jcri.common.RecordStore;
import java.nio.file.Path;

/** Pod records, reserved under (name, namespace, uid, attempt). */
public final class PodSandboxStore extends RecordStore<PodSandbox> {

  public PodSandboxStore(Path dir) {
    super(dir, PodSandbox.class, "pod sandbox", PodSandbox::id, p -> p.spec().reservationKey());
  }
}
