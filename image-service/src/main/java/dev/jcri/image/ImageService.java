package dev.jcri.image;

import dev.jcri.common.Log;
import dev.jcri.image.content.ContentStore;
import dev.jcri.image.ref.Digest;
import dev.jcri.image.ref.ImageReference;
import dev.jcri.image.registry.AuthFile;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.snapshot.OverlaySnapshotter;
import dev.jcri.image.snapshot.Snapshot;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The image service: pull, look up, list, remove images and report filesystem usage. Content lives in the
 * content store by digest, layers are unpacked once into committed overlay snapshots named by ChainID, and
 * image records name them. Concurrent pulls of one image share one pull; layers shared between images are
 * downloaded and unpacked once. What a pull in progress uses is leased and never collected.
 */
public final class ImageService {

  private static final Log LOG = Log.of(ImageService.class);
  private static final String EXTRACT_PREFIX = "extract-";
  private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

  /**
   * @param root where content, snapshots and records live
   * @param maxConcurrentDownloads layer downloads running at once per pull
   * @param maxLayerBytes the most one layer may unpack to
   * @param maxImageBytes the most the layers one pull unpacks may take together
   * @param pinnedImages references of images never collected and reported pinned (the pause image)
   * @param authFile the node's registry credentials, used by pulls whose request carries none
   */
  public record Settings(Path root, RegistryHosts hosts, int maxConcurrentDownloads, long maxLayerBytes,
      long maxImageBytes, Set<String> pinnedImages, AuthFile authFile) {

    public Settings {
      authFile = authFile == null ? AuthFile.NONE : authFile;
    }

    /** Without a node auth file. */
    public Settings(Path root, RegistryHosts hosts, int maxConcurrentDownloads, long maxLayerBytes,
        long maxImageBytes, Set<String> pinnedImages) {
      this(root, hosts, maxConcurrentDownloads, maxLayerBytes, maxImageBytes, pinnedImages, AuthFile.NONE);
    }

    /** With an image bound of twice the layer bound. */
    public Settings(Path root, RegistryHosts hosts, int maxConcurrentDownloads, long maxLayerBytes,
        Set<String> pinnedImages) {
      this(root, hosts, maxConcurrentDownloads, maxLayerBytes,
          maxLayerBytes > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : maxLayerBytes * 2, pinnedImages);
    }
  }

  private final Settings settings;
  private final ContentStore content;
  private final OverlaySnapshotter snapshots;
  private final ImageStore images;
  private final Leases leases = new Leases();
  private final ImagePuller puller;
  private final SnapshotUsage usage;
  private final Object collectorLock = new Object();

  /** Told of every completed pull: bytes of its blobs and seconds it took (for metrics). */
  @FunctionalInterface
  public interface PullObserver {
    PullObserver NONE = (bytes, seconds) -> { };

    void pulled(long bytes, double seconds);
  }

  /** Without tracing or metrics. */
  public ImageService(Settings settings) {
    this(settings, OpenTelemetry.noop().getTracer("dev.jcri.image"), PullObserver.NONE);
  }

  /**
   * @param tracer where spans of pulls and of their layers' downloads and unpacking go
   * @param pullObserver told of every completed pull
   */
  public ImageService(Settings settings, Tracer tracer, PullObserver pullObserver) {
    this.settings = settings;
    this.content = new ContentStore(settings.root().resolve("content"));
    this.snapshots = new OverlaySnapshotter(settings.root().resolve("snapshots"));
    this.images = new ImageStore(settings.root().resolve("images"));
    this.puller = new ImagePuller(settings, content, snapshots, images, leases, pinnedNames(settings.pinnedImages()),
        tracer, pullObserver);
    this.usage = new SnapshotUsage(snapshotsDir(), () -> snapshots.list().stream()
        .filter(s -> s.kind() == Snapshot.Kind.COMMITTED).map(Snapshot::id).collect(Collectors.toSet()));
  }

  private static Set<String> pinnedNames(Set<String> references) {
    Set<String> p = new HashSet<>();
    for (String ref : references) {
      ImageReference r = ImageReference.parse(ref);
      p.add(r.digest() != null ? r.repository() + "@" + r.digest() : r.repoTag());
    }
    return Set.copyOf(p);
  }

  /** At start, before containers recover: removes what an interrupted pull left (partial blobs, half-unpacked layers). */
  public void recover() {
    content.cleanIngest();
    for (Snapshot s : snapshots.list()) {
      if (s.kind() == Snapshot.Kind.ACTIVE && s.key().startsWith(ImagePuller.EXTRACT_PREFIX)) {
        LOG.info("removing a layer an interrupted pull left half-unpacked", "snapshot", s.key());
        snapshots.remove(s.key());
      }
    }
  }

  /** The directory that holds image layers and container writable layers. */
  public Path snapshotsDir() {
    return settings.root().resolve("snapshots");
  }

  public OverlaySnapshotter snapshots() {
    return snapshots;
  }

  // ---- pulling ----

  /** Pulls {@code reference} and returns its record; concurrent pulls of the same reference share one. */
  public ImageRecord pull(String reference, Credentials creds) {
    try {
      return puller.pull(reference, creds);
    } finally {
      usage.changed();
    }
  }

  // ---- reading ----

  public Optional<ImageRecord> status(String name) {
    return images.resolve(name);
  }

  public List<ImageRecord> list() {
    return images.list();
  }

  // ---- removing ----

  /**
   * Removes what {@code name} names: by tag, only that tag when the image has others; by id or digest, the
   * whole image. An image that does not exist is no error. Unreferenced content is then collected.
   */
  public void remove(String name) {
    Optional<ImageRecord> found = images.resolve(name);
    if (found.isEmpty()) {
      return;
    }
    ImageRecord r = found.get();
    String tag = null;
    if (!name.startsWith("sha256:") && !name.matches("[a-f0-9]{12,64}")) {
      ImageReference ref = ImageReference.parse(name);
      tag = ref.digest() == null ? ref.repoTag() : null;
    }
    if (tag != null && r.repoTags().size() > 1) {
      List<String> tags = new ArrayList<>(r.repoTags());
      tags.remove(tag);
      images.rename(r.id(), tags, r.repoDigests());
      LOG.info("untagged", "tag", tag, "id", r.id());
      return;
    }
    images.remove(r.id());
    LOG.info("removed image", "id", r.id(), "tags", r.repoTags());
    collect();
  }

  /** Deletes snapshots and blobs no image, container or pull in progress uses. */
  public void collect() {
    synchronized (collectorLock) {
      Set<String> usedChains = new HashSet<>(leases.held());
      Set<String> usedBlobs = new HashSet<>(leases.held());
      for (ImageRecord r : images.list()) {
        usedChains.addAll(r.chainIds());
        usedBlobs.add(r.id());
        usedBlobs.addAll(r.manifestDigests());
        usedBlobs.addAll(r.layerDigests());
      }
      boolean progress = true;
      int removedSnapshots = 0;
      while (progress) {
        progress = false;
        List<Snapshot> all = snapshots.list();
        for (Snapshot s : all) {
          boolean hasChildren = all.stream().anyMatch(o -> o.parent() == s.id());
          if (s.kind() == Snapshot.Kind.COMMITTED && !usedChains.contains(s.name()) && !hasChildren) {
            snapshots.remove(s.name());
            removedSnapshots++;
            progress = true;
          }
        }
      }
      int removedBlobs = 0;
      for (Digest d : content.list()) {
        if (!usedBlobs.contains(d.toString())) {
          content.delete(d);
          removedBlobs++;
        }
      }
      if (removedSnapshots + removedBlobs > 0) {
        usage.changed();
        LOG.info("collected unused image content", "snapshots", removedSnapshots, "blobs", removedBlobs);
      }
    }
  }

  // ---- usage ----

  /** Bytes and inodes used under a directory. */
  public record Usage(Path mountpoint, long bytes, long inodes, Instant at) {}

  /** Usage of the snapshot directory, measured at most every few seconds. */
  public Usage usage() {
    return usage.get();
  }

  /**
   * As {@link #usage()} for a caller that may not wait (an event loop): after a change, the figure from before
   * it while the new walk runs; waits only when there has never been a figure.
   */
  public Usage usageWithoutWaiting() {
    return usage.get(false);
  }

  /** Whether {@link #usage()} answers now, from a figure measured since the last change. */
  public boolean usageCurrent() {
    return usage.current();
  }
}
