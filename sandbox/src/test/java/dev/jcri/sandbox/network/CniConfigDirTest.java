package dev.jcri.sandbox.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfigDirTest {

  @TempDir Path dir;

  @Test
  void lookup_missingDir_notReady() {
    CniConfigDir.Lookup l = new CniConfigDir(dir.resolve("none")).lookup();
    assertFalse(l.ready());
    assertTrue(l.problem().contains("does not exist"));
  }

  @Test
  void lookup_skipsBrokenFiles_takesFirstUsableByName() throws IOException {
    Files.writeString(dir.resolve("05-broken.conflist"), "{not json");
    Files.writeString(dir.resolve("07-empty.conflist"), "{\"name\":\"x\",\"plugins\":[]}");
    Files.writeString(dir.resolve("10-good.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"podnet\","
        + "\"plugins\":[{\"type\":\"bridge\"}]}");
    Files.writeString(dir.resolve("20-later.conf"), "{\"name\":\"later\",\"type\":\"bridge\"}");

    CniConfigDir.Lookup l = new CniConfigDir(dir).lookup();

    assertTrue(l.ready());
    assertEquals(dir.resolve("10-good.conflist"), l.file());
    assertEquals("podnet", l.networkName());
  }

  @Test
  void lookup_onlyBrokenFiles_saysWhichWereSkipped() throws IOException {
    Files.writeString(dir.resolve("05-broken.conflist"), "{not json");
    CniConfigDir.Lookup l = new CniConfigDir(dir).lookup();
    assertFalse(l.ready());
    assertTrue(l.problem().contains("05-broken.conflist (not valid JSON)"), l.problem());
  }
}
