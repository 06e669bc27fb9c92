package dev.jcri.sandbox.container;

import dev.jcri.common.RecordStore;
import java.nio.file.Path;

/** Container records, reserved under (pod, name, attempt). */
public final class ContainerStore extends RecordStore<ContainerRecord> {

  public ContainerStore(Path dir) {
    super(dir, ContainerRecord.class, "container", ContainerRecord::id, ContainerRecord::reservationKey);
  }
}
