package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.Libc;
import dev.jcri.common.OwnerOnly;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.ExecOutputBudget;
import dev.jcri.sandbox.runtime.ExecResult;
import dev.jcri.sandbox.runtime.InteractiveExec;
import dev.jcri.sandbox.runtime.TerminalSize;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint archive's layout (CRI-O's and containerd's), with CRIU's part faked: these machines' CRIU
 * (3.17, Debian 12) cannot read the vDSO of their kernel (6.18), and Debian's crun is built without CRIU. The
 * real runtime's refusal is in ContainerIT.
 */
class ContainerCheckpointerTest {

  @TempDir Path dir;

  ContainerDirs dirs;
  Path upper;
  ContainerRecord container;
  String id = "ab".repeat(32);

  @BeforeEach
  void setUp() throws Exception {
    dirs = ContainerDirs.under(dir.resolve("state"));
    dirs.create();
    Files.createDirectories(dirs.bundle(id));
    Files.writeString(dirs.bundle(id).resolve("config.json"), "{\"ociVersion\": \"1.0.2\"}");
    upper = Files.createDirectories(dir.resolve("upper"));
    Files.createDirectories(upper.resolve("etc"));
    Files.writeString(upper.resolve("etc/motd"), "changed inside");
    Libc.INSTANCE.mknod(upper.resolve("etc/removed").toString(), 0020000 | 0, 0); // a whiteout: 0/0 char device
    container = new ContainerRecord(ContainerRecord.VERSION, id, "pod", ContainerCreatorTest.spec("app",
        ContainerCreatorTest.IMAGE), "sha256:" + "c".repeat(64), ContainerCreatorTest.IMAGE,
        ContainerRecord.State.RUNNING, 1_700_000_000_000_000_000L, 1, 0, 0, "", "", 4321, "runc", "/dev/null",
        "/jcri/pod/ctr", "SIGTERM", null);
  }

  ContainerCheckpointer checkpointer() {
    return new ContainerCheckpointer(dirs, new Layer());
  }

  static Map<String, byte[]> entries(Path tar) throws Exception {
    return entries(Files.newInputStream(tar));
  }

  static Map<String, byte[]> entries(InputStream in) throws Exception {
    Map<String, byte[]> all = new LinkedHashMap<>();
    try (TarArchiveInputStream t = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        all.put(e.getName(), t.readAllBytes());
      }
    }
    return all;
  }

  @Test
  void checkpoint_writesTheArchiveAsCriOAndContainerdLayItOut() throws Exception {
    Path location = dir.resolve("checkpoint.tar");

    checkpointer().checkpoint(container, new Criu(false), location, 0);

    Map<String, byte[]> archive = entries(location);
    assertEquals(List.of("checkpoint/", "checkpoint/inventory.img", "checkpoint/pages-1.img", "config.dump",
        "deleted.files", "dump.log", "rootfs-diff.tar", "spec.dump"), archive.keySet().stream().sorted().toList());
    JsonNode config = Json.PLAIN.readTree(archive.get("config.dump"));
    assertEquals(id, config.path("id").asText());
    assertEquals("app", config.path("name").asText());
    assertEquals(ContainerCreatorTest.IMAGE, config.path("rootfsImageName").asText());
    assertEquals("runc", config.path("runtime").asText());
    assertEquals("{\"ociVersion\": \"1.0.2\"}", new String(archive.get("spec.dump"), StandardCharsets.UTF_8));
    Map<String, byte[]> diff = entries(new ByteArrayInputStream(archive.get("rootfs-diff.tar")));
    assertEquals("changed inside", new String(diff.get("etc/motd"), StandardCharsets.UTF_8));
    assertFalse(diff.containsKey("etc/removed"), "a whiteout is no file of the diff");
    assertEquals(List.of("/etc/removed"), List.of(Json.PLAIN.readValue(archive.get("deleted.files"),
        String[].class)));
    assertEquals(OwnerOnly.FILE, Files.getPosixFilePermissions(location), "the archive holds the container's memory");
    assertWorkGone();
  }

  @Test
  void criuFails_leavesNoArchiveAndNoWork() throws Exception {
    Path location = dir.resolve("checkpoint.tar");

    assertThrows(HelperFailedException.class, () -> checkpointer().checkpoint(container, new Criu(true), location,
        0));

    assertFalse(Files.exists(location));
    try (var left = Files.list(dir)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".checkpoint.tar")));
    }
    assertWorkGone();
  }

  @Test
  void aRelativeLocationOrOneInNoDirectory_isRefused() {
    assertThrows(InvalidArgumentException.class, () -> checkpointer().checkpoint(container, new Criu(false),
        Path.of("relative.tar"), 0));
    assertThrows(InvalidArgumentException.class, () -> checkpointer().checkpoint(container, new Criu(false),
        dir.resolve("no/such/dir/c.tar"), 0));
  }

  void assertWorkGone() throws Exception {
    try (var left = Files.list(dirs.bundle(id))) {
      assertEquals(List.of("config.json"), left.map(p -> p.getFileName().toString()).toList());
    }
  }

  final class Layer implements ContainerImages {
    @Override
    public Optional<Path> writableLayer(String containerId) {
      return Optional.of(upper);
    }

    @Override
    public Optional<ImageRecord> image(String reference) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void prepareRootfs(String containerId, String topChainId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void mountRootfs(String containerId, Path rootfs, Path usernsPin, long hostRootUid, long hostRootGid) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void unmountRootfs(Path rootfs) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removeRootfs(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void mountImageVolume(String containerId, int index, String topChainId, Path target, Path usernsPin,
        long hostRootUid, long hostRootGid) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removeImageVolumes(String containerId) {
      throw new UnsupportedOperationException();
    }
  }

  /** CRIU's part of a checkpoint: images and a log, or the failure these machines' CRIU gives. */
  record Criu(boolean fails) implements ContainerRuntime {
    @Override
    public void checkpoint(String id, Path imagePath, Path workPath, long timeoutSeconds) {
      try {
        Files.writeString(workPath.resolve("dump.log"), "(00.000001) Dumping finished successfully\n");
        if (fails) {
          throw new HelperFailedException("runc checkpoint of " + id + " failed: criu failed (CRIU: Error"
              + " (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds)");
        }
        Files.write(imagePath.resolve("inventory.img"), new byte[] {1, 2, 3});
        Files.write(imagePath.resolve("pages-1.img"), new byte[4096]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String handler() {
      return "runc";
    }

    @Override
    public int create(CreateRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int runDetached(String id, Path bundle) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void kill(String id, String signal) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecResult execSync(String id, Path bundle, List<String> command, long timeoutSeconds, int maxBytes,
        ExecOutputBudget budget) {
      throw new UnsupportedOperationException();
    }

    @Override
    public InteractiveExec execInteractive(String id, Path bundle, Path socketDir, List<String> command, boolean tty,
        TerminalSize size, boolean stdin, boolean stdout, boolean stderr) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
