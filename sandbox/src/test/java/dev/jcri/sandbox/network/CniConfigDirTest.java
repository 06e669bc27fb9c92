package dev.jcri.sandbox.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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

  private static void touchLater(Path p) throws IOException {
    // a change within the file system's timestamp granularity would look like none: move the stamp on
    Files.setLastModifiedTime(p, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() + 2_000));
  }

  @Test
  void lookup_again_readsNoFileUntilOneChanges() throws IOException {
    Path good = dir.resolve("10-good.conflist");
    Files.writeString(dir.resolve("05-broken.conflist"), "{not json");
    Files.writeString(good, "{\"name\":\"podnet\",\"plugins\":[{\"type\":\"bridge\"}]}");
    CniConfigDir conf = new CniConfigDir(dir);
    CniConfigDir.Lookup first = conf.lookup();
    assertEquals(2, conf.reads());
    for (int i = 0; i < 5; i++) {
      assertEquals(first, conf.lookup());
    }
    assertEquals(2, conf.reads(), "Status and pod starts do not parse the configs again");

    Files.writeString(good, "{\"name\":\"renamed\",\"plugins\":[{\"type\":\"bridge\"}]}");
    touchLater(good);
    assertEquals("renamed", conf.lookup().networkName(), "a file written in place is read again");

    Files.writeString(dir.resolve("05-broken.conflist"), "{\"name\":\"fixed\",\"plugins\":[{\"type\":\"ptp\"}]}");
    touchLater(dir.resolve("05-broken.conflist"));
    assertEquals("fixed", conf.lookup().networkName(), "a skipped file that became usable wins by name");
  }

  @Test
  void lookup_seesFilesAddedAndRemovedAndTheDirectoryGoing() throws IOException {
    CniConfigDir conf = new CniConfigDir(dir);
    assertFalse(conf.lookup().ready());
    Files.writeString(dir.resolve("10-net.conf"), "{\"name\":\"n\",\"type\":\"bridge\"}");
    touchLater(dir);
    assertEquals("n", conf.lookup().networkName(), "a file added");
    Files.delete(dir.resolve("10-net.conf"));
    touchLater(dir);
    assertFalse(conf.lookup().ready(), "the file removed");

    Path sub = dir.resolve("net.d");
    CniConfigDir nested = new CniConfigDir(sub);
    Files.createDirectory(sub);
    Files.writeString(sub.resolve("10-net.conf"), "{\"name\":\"n\",\"type\":\"bridge\"}");
    assertTrue(nested.lookup().ready());
    Files.delete(sub.resolve("10-net.conf"));
    Files.delete(sub);
    assertTrue(nested.lookup().problem().contains("does not exist"), "the directory removed");
  }
}
