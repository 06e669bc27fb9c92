package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unprivileged user of the node (nobody) attacks jcri's files, as in containerd's CVE-2021-41103: a pulled
 * image ships a setuid-root busybox and a block device node, a root container writes another setuid file into
 * its upper directory, and a container holds a secret in its environment. Nothing under jcri's root or state
 * directory may be listable, readable or executable for that user, on a fresh install and on one an older
 * jcri left with 0755 directories and 0644 records.
 */
class LocalUserIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static final int NOBODY = 65534;
  static final String SECRET = "s3cret-" + ProcessHandle.current().pid();

  @BeforeAll
  static void start() throws Exception {
    // Only jcri's own modes stand between the user and its trees: the test directory is open to all.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    byte[] busybox = Files.readAllBytes(Path.of(TestImage.BUSYBOX));
    fixture = JcriFixture.start(dir, new TestImage().busyboxLayer()
        .layer(TestImage.Compression.GZIP, t -> t.dir("opt", 0755).file("opt/suid-busybox", busybox, 04755)
            .blockDevice("opt/disk", 7, 0))
        .cmd("/bin/sleep", "3600"));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void nobody_reachesNothingUnderRootOrState_freshAndAfterAnOlderInstall() throws Exception {
    var pc = fixture.workloads.podConfig(NamespaceMode.CONTAINER);
    String pod = fixture.workloads.runPod(pc, "");
    String ctr = fixture.workloads.run(pod, pc, fixture.workloads.ctr("secret", "/bin/sh", "-c",
        "cp /bin/busybox /upper-suid && chmod 4755 /upper-suid && touch /ready && exec sleep 3600")
        .addEnvs(KeyValue.newBuilder().setKey("TOKEN").setValue(com.google.protobuf.ByteString.copyFromUtf8(SECRET))));
    Path rootfs = fixture.paths.state().resolve("containers").resolve(ctr).resolve("rootfs");
    for (int i = 0; i < 250 && !Files.exists(rootfs.resolve("ready")); i++) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(rootfs.resolve("ready")), "the container wrote its setuid file");

    List<Path> setuid = setuidFiles();
    assertTrue(setuid.size() >= 2, "the layer's and the upper directory's setuid files exist: " + setuid);
    assertTrue(holdingSecret().size() >= 2, "the secret is in the container's record and config.json");
    assertUnreachable(setuid);

    // An older install: directories 0755, records and bundles' config.json 0644.
    fixture.restart(() -> {
      loosen(fixture.paths.root(), fixture.paths.state());
      assertFalse(unreachable(List.of(fixture.paths.root().resolve("containers"))),
          "the loosening opened the record directory, for the start to close again");
    });
    assertUnreachable(setuidFiles());
    assertEquals(dev.jcri.cri.v1.ContainerState.CONTAINER_RUNNING, fixture.workloads.status(ctr).getState(),
        "tightening left the running container alone");
  }

  void assertUnreachable(List<Path> setuid) throws Exception {
    List<Path> all = new ArrayList<>();
    for (Path top : List.of(fixture.paths.root(), fixture.paths.state())) {
      walk(top, all);
    }
    assertTrue(all.size() > 50, "walked " + all.size() + " paths");
    Path list = dir.resolve("paths.txt");
    Files.write(list, all.stream().map(Path::toString).toList());
    Files.setPosixFilePermissions(list, PosixFilePermissions.fromString("rw-r--r--"));
    // For each path: a directory must not list, a file must not open for reading or run.
    String script = "while IFS= read -r p; do "
        + "if [ -d \"$p\" ]; then ls \"$p\" >/dev/null 2>&1 && echo \"listable $p\"; "
        + "else { [ -r \"$p\" ] || cat \"$p\" </dev/null >/dev/null 2>&1; } && echo \"readable $p\"; "
        + "[ -f \"$p\" ] && [ -x \"$p\" ] && echo \"executable $p\"; fi; done < " + list + "; true";
    Result r = asNobody("/bin/sh", "-c", script);
    assertEquals("", r.out, "what the node's user nobody reaches under jcri's trees");
    for (Path suid : setuid) {
      Result run = asNobody(suid.toString(), "id", "-u");
      assertNotEquals(0, run.code, suid + " ran for nobody and printed the effective uid " + run.out);
    }
  }

  static boolean unreachable(List<Path> paths) throws Exception {
    for (Path p : paths) {
      if (asNobody("/bin/ls", p.toString()).code == 0) {
        return false;
      }
    }
    return true;
  }

  static void walk(Path top, List<Path> out) throws IOException {
    Files.walkFileTree(top, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
        out.add(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
        if (!a.isSymbolicLink()) {
          out.add(f);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) {
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static List<Path> setuidFiles() throws IOException {
    List<Path> all = new ArrayList<>();
    walk(fixture.paths.root(), all);
    walk(fixture.paths.state(), all);
    List<Path> out = new ArrayList<>();
    for (Path p : all) {
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          && (((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 04000) != 0) {
        out.add(p);
      }
    }
    return out;
  }

  static List<Path> holdingSecret() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path top : List.of(fixture.paths.root().resolve("containers"), fixture.paths.state().resolve("containers"))) {
      try (Stream<Path> s = Files.walk(top, 2)) {
        for (Path p : s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
          if (Files.readString(p, StandardCharsets.ISO_8859_1).contains(SECRET)) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** What an older jcri left: every directory of both trees' top levels 0755, records and specs 0644. */
  static void loosen(Path root, Path state) throws IOException {
    var dirMode = PosixFilePermissions.fromString("rwxr-xr-x");
    var fileMode = PosixFilePermissions.fromString("rw-r--r--");
    for (Path top : List.of(root, state)) {
      Files.setPosixFilePermissions(top, dirMode);
      try (Stream<Path> s = Files.walk(top, 2)) {
        for (Path p : s.toList()) {
          if (Files.isSymbolicLink(p) || p.getFileName().toString().equals("jcri.sock")) {
            continue;
          }
          try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
              Files.setPosixFilePermissions(p, dirMode);
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
              Files.setPosixFilePermissions(p, fileMode);
            }
          } catch (java.nio.file.FileSystemException e) {
            // namespace pins (nsfs) keep their mode
          }
        }
      }
    }
    for (Path bundleParent : List.of(state.resolve("containers"), state.resolve("pods"))) {
      try (Stream<Path> s = Files.list(bundleParent)) {
        for (Path b : s.toList()) {
          Files.setPosixFilePermissions(b, dirMode);
          if (Files.exists(b.resolve("config.json"))) {
            Files.setPosixFilePermissions(b.resolve("config.json"), fileMode);
          }
        }
      }
    }
  }

  record Result(int code, String out) {}

  static Result asNobody(String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
        "--clear-groups", "--"));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "setpriv finished");
    return new Result(p.exitValue(), out);
  }
}
