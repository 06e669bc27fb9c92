package dev.jcri.sandbox.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodCidrStoreTest {

  @TempDir Path dir;

  @Test
  void update_persistsAcrossInstances() {
    new PodCidrStore(dir.resolve("pod-cidr")).update("10.244.1.0/24,fd00:10:244:1::/64");
    assertEquals("10.244.1.0/24,fd00:10:244:1::/64", new PodCidrStore(dir.resolve("pod-cidr")).podCidr());
  }

  @Test
  void update_empty_keepsCurrent() {
    PodCidrStore store = new PodCidrStore(dir.resolve("pod-cidr"));
    store.update("10.244.1.0/24");
    store.update("");
    assertEquals("10.244.1.0/24", store.podCidr());
  }

  @Test
  void update_invalid_isInvalidArgumentAndChangesNothing() {
    PodCidrStore store = new PodCidrStore(dir.resolve("pod-cidr"));
    store.update("10.244.1.0/24");
    for (String bad : new String[] {"10.244.1.0", "10.244.1.0/33", "podnet/24", "10.0.0.0/x"}) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> store.update(bad));
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
    assertEquals("10.244.1.0/24", new PodCidrStore(dir.resolve("pod-cidr")).podCidr());
  }
}
