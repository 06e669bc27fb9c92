package dev.jcri.image.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.AlreadyExistsException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import dev.jcri.image.testing.TestImage;
import dev.jcri.image.unpack.LayerUnpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract of the overlay snapshotter, checked by reading real overlay mounts. */
class OverlaySnapshotterTest {

  @TempDir Path tmp;
  private final List<Path> mounted = new ArrayList<>();

  @AfterEach
  void unmount() {
    for (Path m : mounted) {
      try {
        Libc.INSTANCE.umount2(m.toString(), Libc.MNT_DETACH);
      } catch (RuntimeException e) {
        // already gone
      }
    }
  }

  private String layer(OverlaySnapshotter s, String name, String parent, Consumer<TestImage.Tar> writer)
      throws IOException {
    TestImage.Layer l = new TestImage().layer(TestImage.Compression.GZIP, writer).build().layers().getFirst();
    Path blob = tmp.resolve("blob-" + name);
    Files.write(blob, l.blob());
    Snapshot active = s.prepare("extract-" + name, parent);
    new LayerUnpacker(1L << 30).unpack(blob, s.fs(active.id()), name);
    s.commit(name, "extract-" + name);
    return name;
  }

  private Path mount(OverlaySnapshotter s, String key) throws IOException {
    Path target = Files.createDirectories(tmp.resolve("mnt-" + key));
    s.mount(key, target);
    mounted.add(target);
    return target;
  }

  /** Layers unpack side by side: the upper one prepared with no parent, committed on its parent later. */
  @Test
  void layerUnpackedBeforeItsParent_isCommittedOnIt() throws IOException {
    OverlaySnapshotter s = new OverlaySnapshotter(tmp.resolve("snapshots"));
    Snapshot top = s.prepare("extract-top", null);
    TestImage.Layer l = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("etc/.wh.gone", "", 0644))
        .build().layers().getFirst();
    Files.write(tmp.resolve("blob-top"), l.blob());
    new LayerUnpacker(1L << 30).unpack(tmp.resolve("blob-top"), s.fs(top.id()), "top");
    layer(s, "base", null, t -> {
      t.file("etc/keep", "base", 0644);
      t.file("etc/gone", "base", 0644);
    });
    assertThrows(RuntimeException.class, () -> s.commit("top", "extract-top", "missing"));
    s.commit("top", "extract-top", "base");
    s.prepare("container-1", "top");
    Path root = mount(s, "container-1");
    assertEquals("base", Files.readString(root.resolve("etc/keep")));
    assertFalse(Files.exists(root.resolve("etc/gone")), "the upper layer's whiteout applies to its late parent");
    OverlaySnapshotter reloaded = new OverlaySnapshotter(tmp.resolve("snapshots"));
    assertEquals(reloaded.committed("base").orElseThrow().id(), reloaded.committed("top").orElseThrow().parent(),
        "the parent is recorded on disk");
  }

  @Test
  void prepareCommitMount_showsLayersWithWhiteoutsAndOpaqueDirs() throws IOException {
    OverlaySnapshotter s = new OverlaySnapshotter(tmp.resolve("snapshots"));
    layer(s, "base", null, t -> {
      t.file("etc/keep", "base", 0644);
      t.file("etc/gone", "base", 0644);
      t.file("opaque/old", "base", 0644);
    });
    layer(s, "top", "base", t -> {
      t.file("etc/.wh.gone", "", 0644);
      t.dir("opaque", 0755);
      t.file("opaque/.wh..wh..opq", "", 0644);
      t.file("opaque/new", "top", 0644);
      t.file("etc/keep", "top", 0644);
    });
    s.prepare("container-1", "top");
    Path root = mount(s, "container-1");

    assertEquals("top", Files.readString(root.resolve("etc/keep")));
    assertFalse(Files.exists(root.resolve("etc/gone")), "a whiteout hides the lower file");
    assertFalse(Files.exists(root.resolve("opaque/old")), "an opaque dir hides the lower content");
    assertEquals("top", Files.readString(root.resolve("opaque/new")));

    Files.writeString(root.resolve("written"), "rw");
    assertEquals("rw", Files.readString(s.fs(s.activeSnapshot("container-1").orElseThrow().id()).resolve("written")),
        "writes land in the active snapshot's upper dir");
  }

  @Test
  void records_surviveReopen_andRemoveRespectsChildren() throws IOException {
    Path dir = tmp.resolve("snapshots");
    OverlaySnapshotter s = new OverlaySnapshotter(dir);
    layer(s, "base", null, t -> t.file("a", "a", 0644));
    s.prepare("c1", "base");
    assertThrows(AlreadyExistsException.class, () -> s.prepare("c1", "base"));

    OverlaySnapshotter reopened = new OverlaySnapshotter(dir);
    assertTrue(reopened.committed("base").isPresent());
    assertTrue(reopened.activeSnapshot("c1").isPresent());
    assertThrows(FailedPreconditionException.class, () -> reopened.remove("base"));
    reopened.remove("c1");
    reopened.remove("base");
    reopened.remove("base");
    assertEquals(0, new OverlaySnapshotter(dir).list().size());
  }

  @Test
  void hundredLayers_mount() throws IOException {
    OverlaySnapshotter s = new OverlaySnapshotter(tmp.resolve("a-rather-long-directory-name-for-snapshots"));
    String parent = null;
    for (int i = 0; i < 100; i++) {
      int n = i;
      parent = layer(s, "layer-" + i, parent, t -> t.file("f" + n, Integer.toString(n), 0644));
    }
    s.prepare("deep", parent);
    assertTrue(s.lowerDirs(s.activeSnapshot("deep").orElseThrow()).stream().mapToInt(p -> p.toString().length() + 1)
        .sum() > OverlayMounter.MOUNT_DATA_LIMIT, "the layer paths do not fit in one mount(2) page");
    Path root = mount(s, "deep");
    assertEquals("0", Files.readString(root.resolve("f0")));
    assertEquals("99", Files.readString(root.resolve("f99")));
  }
}
