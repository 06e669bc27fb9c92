package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A list brings the records up to date from the exit files conmon wrote, reading the exit directory once. */
class ContainerExitsTest {

  @TempDir Path dir;

  ContainerStore store;
  ContainerDirs dirs;
  ContainerExits exits;
  List<ContainerRecord> running = new ArrayList<>();

  @BeforeEach
  void setUp() {
    store = new ContainerStore(dir.resolve("records"));
    dirs = ContainerDirs.under(dir.resolve("state"));
    dirs.create();
    exits = new ContainerExits(store, dirs, new ContainerEvents());
    for (int i = 0; i < 5; i++) {
      String id = String.format("%064x", i + 1);
      ContainerRecord c = new ContainerRecord(ContainerRecord.VERSION, id, "pod", ContainerCreatorTest.spec("c" + i,
          "img"), "sha256:i", "img", ContainerRecord.State.CREATED, 1_000L, 0, 0, 0, "", "", 0, "crun", "c.log",
          "/pod/c" + i, "", null).started(2_000L, 100 + i);
      store.put(c);
      running.add(c);
    }
  }

  @Test
  void refreshAll_recordsTheExitsConmonWrote_andLeavesTheRunningAsTheyAre() throws Exception {
    ContainerRecord gone = running.get(2);
    Files.writeString(dirs.exitFile(gone.id()), "137\n");

    List<ContainerRecord> listed = exits.refreshAll(store.list());

    assertEquals(5, listed.size());
    for (ContainerRecord c : listed) {
      if (c.id().equals(gone.id())) {
        assertEquals(ContainerRecord.State.EXITED, c.state());
        assertEquals(137, c.exitCode());
        assertEquals("Error", c.reason());
        assertEquals(ContainerRecord.State.EXITED, store.get(c.id()).state(), "the exit is stored");
      } else {
        assertEquals(ContainerRecord.State.RUNNING, c.state(), c.id());
      }
    }
  }

  @Test
  void refreshAll_anEmptyExitFile_isNotAnExitYet() throws Exception {
    Files.writeString(dirs.exitFile(running.get(0).id()), ""); // conmon has created it, not written it
    List<ContainerRecord> listed = exits.refreshAll(store.list());
    listed.forEach(c -> assertEquals(ContainerRecord.State.RUNNING, c.state(), c.id()));
  }

  @Test
  void refreshAll_withoutAReadableExitDirectory_looksUpEachRecord() throws Exception {
    ContainerRecord gone = running.get(4);
    // The directory is replaced by a file: it cannot be listed, so each record is looked up alone.
    Path exitDir = dirs.exits();
    Files.delete(exitDir);
    Files.writeString(exitDir, "");
    List<ContainerRecord> listed = exits.refreshAll(store.list());
    listed.forEach(c -> assertEquals(ContainerRecord.State.RUNNING, c.state(), c.id()));
    Files.delete(exitDir);
    Files.createDirectories(exitDir);
    Files.writeString(dirs.exitFile(gone.id()), "0\n");
    ContainerRecord after = exits.refreshAll(store.list()).stream().filter(c -> c.id().equals(gone.id()))
        .findFirst().orElseThrow();
    assertEquals("Completed", after.reason());
  }

  @Test
  void refreshAll_anExitedRecord_isReturnedAsStored() throws Exception {
    ContainerRecord c = running.get(1);
    Files.writeString(dirs.exitFile(c.id()), "0\n");
    ContainerRecord exited = exits.refresh(c.id());
    ContainerRecord listed = exits.refreshAll(List.of(exited)).get(0);
    assertSame(exited, listed);
  }
}
