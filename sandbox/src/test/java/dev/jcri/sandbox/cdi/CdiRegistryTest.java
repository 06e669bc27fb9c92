package dev.jcri.sandbox.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdiRegistryTest {

  @TempDir Path dir;

  static final String YAML = """
      cdiVersion: "0.6.0"
      kind: "example.com/gpu"
      containerEdits:
        env: ["GPU_VENDOR=example"]
      devices:
        - name: "gpu0"
          containerEdits:
            deviceNodes:
              - path: "/dev/gpu0"
                hostPath: "/dev/null"
                permissions: "rw"
            env: ["GPU=0"]
            mounts:
              - hostPath: "/opt/gpu/lib"
                containerPath: "/usr/lib/gpu"
                options: ["ro", "nosuid"]
            hooks:
              - hookName: "createContainer"
                path: "/usr/bin/gpu-hook"
                args: ["gpu-hook", "setup"]
        - name: "gpu1"
          containerEdits:
            deviceNodes:
              - path: "/dev/gpu1"
                hostPath: "/dev/zero"
      """;

  static final String JSON = """
      {"cdiVersion": "0.6.0", "kind": "example.com/nic",
       "devices": [{"name": "nic0", "containerEdits": {"env": ["NIC=0"]}}]}
      """;

  Path etc() throws Exception {
    return Files.createDirectories(dir.resolve("etc"));
  }

  Path run() throws Exception {
    return Files.createDirectories(dir.resolve("run"));
  }

  CdiRegistry registry() throws Exception {
    return new CdiRegistry(List.of(etc(), run()));
  }

  @Test
  void yamlAndJsonSpecs_resolveEachDevicesEdits_specEditsOnce() throws Exception {
    Files.writeString(etc().resolve("gpu.yaml"), YAML);
    Files.writeString(etc().resolve("nic.json"), JSON);

    CdiEdits e = registry().resolve(List.of("example.com/gpu=gpu0", "example.com/gpu=gpu1", "example.com/nic=nic0"));

    assertEquals(List.of("GPU_VENDOR=example", "GPU=0", "NIC=0"), e.env());
    assertEquals(List.of(new CdiEdits.DeviceNode("/dev/gpu0", "/dev/null", "rw"),
        new CdiEdits.DeviceNode("/dev/gpu1", "/dev/zero", "")), e.deviceNodes());
    assertEquals(List.of(new CdiEdits.Mount("/opt/gpu/lib", "/usr/lib/gpu", List.of("ro", "nosuid"))), e.mounts());
    assertEquals(List.of(new CdiEdits.Hook("createContainer", "/usr/bin/gpu-hook", List.of("gpu-hook", "setup"),
        List.of(), null)), e.hooks());
  }

  @Test
  void noDevicesAskedFor_readsNothing() throws Exception {
    assertTrue(new CdiRegistry(List.of(dir.resolve("absent"))).resolve(List.of()).isEmpty());
  }

  @Test
  void aDeviceNoSpecDefines_isRefusedNamingIt() throws Exception {
    Files.writeString(etc().resolve("gpu.yaml"), YAML);

    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> registry().resolve(List.of("example.com/gpu=gpu7")));

    assertTrue(e.getMessage().contains("example.com/gpu=gpu7") && e.getMessage().contains("is not defined"),
        e.getMessage());
  }

  @Test
  void aNameThatIsNotQualified_isInvalid() throws Exception {
    for (String bad : List.of("gpu0", "example.com=gpu0", "example.com/gpu=", "example.com/gpu=../x",
        "example.com/gpu=a\nb")) {
      assertThrows(InvalidArgumentException.class, () -> registry().resolve(List.of(bad)), bad);
    }
  }

  @Test
  void theLaterDirectory_winsForTheSameKind() throws Exception {
    Files.writeString(etc().resolve("nic.json"), JSON);
    Files.writeString(run().resolve("nic.json"), JSON.replace("NIC=0", "NIC=from-run"));

    assertEquals(List.of("NIC=from-run"), registry().resolve(List.of("example.com/nic=nic0")).env());
  }

  @Test
  void oneDeviceDefinedTwiceInOneDirectory_isAConflict() throws Exception {
    Files.writeString(etc().resolve("a.json"), JSON);
    Files.writeString(etc().resolve("b.json"), JSON);

    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> registry().resolve(List.of("example.com/nic=nic0")));
    assertTrue(e.getMessage().contains("defined twice"), e.getMessage());
  }

  @Test
  void aBrokenOrOversizedSpec_isSkipped_theOthersStillServe() throws Exception {
    Files.writeString(etc().resolve("broken.yaml"), "kind: [unclosed");
    Files.writeString(etc().resolve("huge.json"), "{\"kind\": \"example.com/huge\", \"devices\": []}"
        + " ".repeat((int) CdiRegistry.MAX_SPEC_BYTES));
    Files.writeString(etc().resolve("nic.json"), JSON);

    assertEquals(List.of("NIC=0"), registry().resolve(List.of("example.com/nic=nic0")).env());
    assertThrows(FailedPreconditionException.class, () -> registry().resolve(List.of("example.com/huge=x")));
  }

  @Test
  void relativePathsOrUnknownHooks_makeTheSpecUnusable() throws Exception {
    Files.writeString(etc().resolve("bad.json"), """
        {"kind": "example.com/bad", "devices": [{"name": "d", "containerEdits":
          {"hooks": [{"hookName": "whenever", "path": "/bin/true"}]}}]}
        """);
    Files.writeString(etc().resolve("rel.json"), """
        {"kind": "example.com/rel", "devices": [{"name": "d", "containerEdits":
          {"deviceNodes": [{"path": "dev/null"}]}}]}
        """);

    assertThrows(FailedPreconditionException.class, () -> registry().resolve(List.of("example.com/bad=d")));
    assertThrows(FailedPreconditionException.class, () -> registry().resolve(List.of("example.com/rel=d")));
  }
}
