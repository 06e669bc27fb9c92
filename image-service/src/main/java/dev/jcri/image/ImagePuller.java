package dev.jcri.image;

import dev.jcri.common.DiskFull;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.ResourceExhaustedException;
import dev.jcri.common.UnavailableException;
import dev.jcri.image.content.ContentStore;
import dev.jcri.image.content.GrowingBlob;
import dev.jcri.image.manifest.Descriptor;
import dev.jcri.image.manifest.ImageConfig;
import dev.jcri.image.manifest.Manifest;
import dev.jcri.image.manifest.ManifestParser;
import dev.jcri.image.manifest.Platform;
import dev.jcri.image.ref.Digest;
import dev.jcri.image.ref.ImageReference;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryClient;
import dev.jcri.image.snapshot.OverlaySnapshotter;
import dev.jcri.image.snapshot.Snapshot;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.image.unpack.ByteBudget;
import dev.jcri.image.unpack.LayerUnpacker;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * PullImage: manifest (through an index to this node's platform), config, then every layer downloaded and
 * unpacked side by side as its bytes arrive, committed in order. Concurrent pulls of one image share one pull;
 * layers shared between images are downloaded and unpacked once; what a pull uses is leased until it ends.
 */
final class ImagePuller {

  private static final Log LOG = Log.of(ImagePuller.class);
  static final String EXTRACT_PREFIX = "extract-";
  private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

  /**
   * The most layers an image may have: overlayfs stacks at most 500 and the lower directories must fit in one
   * page of mount options; Docker stops at 125. A manifest listing one small layer 800 times is refused here,
   * before anything is downloaded.
   */
  static final int MAX_LAYERS = 128;
  /** The most an image config may take; it is read whole into memory. */
  static final long MAX_CONFIG_BYTES = 8L * 1024 * 1024;

  private final ImageService.Settings settings;
  private final ContentStore content;
  private final OverlaySnapshotter snapshots;
  private final ImageStore images;
  private final RegistryClient registry;
  private final LayerUnpacker unpacker;
  private final Leases leases;
  private final Set<String> pinned;
  private final Tracer tracer;
  private final ImageService.PullObserver pullObserver;
  private final Platform platform = Platform.node();
  private final Map<String, CompletableFuture<ImageRecord>> pulls = new ConcurrentHashMap<>();
  private final Map<Digest, Download> downloads = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> unpacks = new ConcurrentHashMap<>();

  ImagePuller(ImageService.Settings settings, ContentStore content, OverlaySnapshotter snapshots, ImageStore images,
      Leases leases, Set<String> pinned, Tracer tracer, ImageService.PullObserver pullObserver) {
    this.settings = settings;
    this.content = content;
    this.snapshots = snapshots;
    this.images = images;
    this.registry = new RegistryClient(settings.hosts());
    this.unpacker = new LayerUnpacker(settings.maxLayerBytes());
    this.leases = leases;
    this.pinned = pinned;
    this.tracer = tracer;
    this.pullObserver = pullObserver;
  }

  /** Pulls {@code reference} and returns its record; concurrent pulls of the same reference share one. */
  ImageRecord pull(String reference, Credentials given) {
    ImageReference ref = ImageReference.parse(reference);
    // A request without credentials gets the node's for that registry (its auth file), as CRI-O's global one.
    Credentials creds = given.isEmpty() ? settings.authFile().forRegistry(ref.domain()) : given;
    String key = ref.toString();
    CompletableFuture<ImageRecord> mine = new CompletableFuture<>();
    CompletableFuture<ImageRecord> running = pulls.putIfAbsent(key, mine);
    if (running != null) {
      LOG.info("joining a pull already under way", "image", key);
      return await(running);
    }
    try {
      ImageRecord r = traced(Context.current(), "pull", "jcri.image", key,
          () -> doPull(ref, creds));
      mine.complete(r);
      return r;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      pulls.remove(key, mine);
    }
  }

  private ImageRecord doPull(ImageReference ref, Credentials creds) {
    long start = System.nanoTime();
    List<String> leased = new ArrayList<>();
    try {
      RegistryClient.FetchedManifest top = registry.manifest(ref, ref.manifestReference(), creds);
      leases.lease(leased, top.digest().toString());
      content.put(top.digest(), top.body());
      List<String> manifestDigests = new ArrayList<>(List.of(top.digest().toString()));
      Manifest manifest = ManifestParser.parse(top.contentType(), top.body(), ref.toString());
      if (manifest instanceof Manifest.Index index) {
        Descriptor chosen = index.manifests().stream()
            .filter(d -> d.platform() != null && platform.runs(d.platform()))
            .findFirst()
            .orElseThrow(() -> new NotFoundException("image " + ref + " has no manifest for this node's platform "
                + platform + " (it has: " + index.manifests().stream()
                .map(d -> String.valueOf(d.platform())).distinct().toList() + ")"));
        RegistryClient.FetchedManifest child = registry.manifest(ref, chosen.digest().toString(), creds);
        leases.lease(leased, child.digest().toString());
        content.put(child.digest(), child.body());
        manifestDigests.add(child.digest().toString());
        manifest = ManifestParser.parse(child.contentType(), child.body(), ref + "@" + chosen.digest());
        if (manifest instanceof Manifest.Index) {
          throw new InvalidArgumentException("image " + ref + ": an index entry points at another index");
        }
      }
      Manifest.Image image = (Manifest.Image) manifest;
      checkBounds(ref, image);
      Descriptor configDesc = image.config();
      leases.lease(leased, configDesc.digest().toString());
      download(ref, configDesc, creds, "config");
      ImageConfig config = ImageConfig.parse(content.read(configDesc.digest()), ref.toString());
      if (config.diffIds().size() != image.layers().size()) {
        throw new InvalidArgumentException("image " + ref + ": the manifest lists " + image.layers().size()
            + " layers but the config " + config.diffIds().size() + " DiffIDs");
      }
      List<String> chainIds = ChainIds.of(config.diffIds());
      chainIds.forEach(c -> leases.lease(leased, c));
      image.layers().forEach(l -> leases.lease(leased, l.digest().toString()));

      int n = image.layers().size();
      ByteBudget imageBudget = new ByteBudget(
          settings.maxImageBytes(), "image " + ref + " unpacks to more than " + settings.maxImageBytes()
          + " bytes (registry.max_image_bytes); refused");
      Context pullContext = Context.current();
      Semaphore slots = new Semaphore(Math.max(1, settings.maxConcurrentDownloads()));
      CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
      List<CompletableFuture<Void>> layerWork = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        Descriptor layer = image.layers().get(i);
        String chainId = chainIds.get(i);
        String parent = i == 0 ? null : chainIds.get(i - 1);
        String label = ref + " layer " + (i + 1) + "/" + n;
        Download blob = snapshots.committed(chainId).isPresent() ? Download.NONE
            : downloads.computeIfAbsent(layer.digest(), d -> {
                CompletableFuture<GrowingBlob> begun = new CompletableFuture<>();
                CompletableFuture<Path> stored = CompletableFuture.supplyAsync(() -> {
                  slots.acquireUninterruptibly();
                  try {
                    return traced(pullContext, "download", "jcri.digest", layer.digest().toString(),
                        () -> download(ref, layer, creds, label, begun));
                  } finally {
                    slots.release();
                  }
                }, Workers.EXECUTOR);
                stored.whenComplete((p, e) -> {
                  if (e != null) {
                    begun.completeExceptionally(e);
                  }
                });
                return new Download(begun, stored);
              });
        blob.stored().whenComplete((p, e) -> downloads.remove(layer.digest(), blob));
        // Each layer unpacks into its own directory as its bytes arrive, beside the others; commits go in
        // order, each once its blob is verified and the layer below is committed.
        CompletableFuture<Void> below = previous;
        CompletableFuture<Void> done = blob.begun().thenAcceptAsync(g ->
            traced(pullContext, "unpack", "jcri.chain_id", chainId, () -> {
              unpack(chainId, parent, below, layer, config.diffIds().get(index), label, g, blob.stored(),
                  imageBudget);
              return null;
            }), Workers.EXECUTOR);
        previous = done;
        layerWork.add(done);
      }
      // Layers run side by side: when one fails, the others still settle (finish or remove their snapshot)
      // before the pull answers, so a failed pull leaves nothing in progress behind it.
      CompletableFuture.allOf(layerWork.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
      await(previous);
      long size = configDesc.size() + image.layers().stream().mapToLong(Descriptor::size).sum();
      List<String> tags = ref.tag() != null ? List.of(ref.repoTag()) : List.of();
      List<String> digests = List.of(ref.repository() + "@" + top.digest());
      boolean pin = tags.stream().anyMatch(pinned::contains) || digests.stream().anyMatch(pinned::contains);
      ImageRecord record = images.put(new ImageRecord(ImageRecord.VERSION, configDesc.digest().toString(), tags,
          digests, size, manifestDigests, image.layers().stream().map(l -> l.digest().toString()).toList(), chainIds,
          config, pin, Instant.now()));
      LOG.info("pulled", "image", ref, "id", record.id(), "layers", n, "bytes", size,
          "ms", (System.nanoTime() - start) / 1_000_000);
      pullObserver.pulled(size, (System.nanoTime() - start) / 1e9);
      return record;
    } finally {
      leased.forEach(leases::release);
    }
  }

  /**
   * Refuses, before a byte of it is fetched, an image that would take more than jcri gives one pull: too many
   * layers, a config too large to read, a layer blob larger than a layer may unpack to.
   */
  private void checkBounds(ImageReference ref, Manifest.Image image) {
    if (image.layers().size() > MAX_LAYERS) {
      throw new InvalidArgumentException("image " + ref + " has " + image.layers().size() + " layers; jcri pulls at"
          + " most " + MAX_LAYERS);
    }
    if (image.config().size() > MAX_CONFIG_BYTES) {
      throw new InvalidArgumentException("image " + ref + ": its config is " + image.config().size()
          + " bytes; jcri reads at most " + MAX_CONFIG_BYTES);
    }
    long total = 0;
    for (Descriptor l : image.layers()) {
      if (l.size() > settings.maxLayerBytes()) {
        throw new InvalidArgumentException("image " + ref + ": layer " + l.digest() + " is " + l.size()
            + " bytes, more than a layer may unpack to (registry.max_layer_bytes " + settings.maxLayerBytes() + ")");
      }
      total += l.size();
    }
    if (total > settings.maxImageBytes()) {
      throw new InvalidArgumentException("image " + ref + ": its layers are " + total + " bytes, more than an image"
          + " may take (registry.max_image_bytes " + settings.maxImageBytes() + ")");
    }
  }

  /** Downloads one blob into the content store unless it is there; logs progress of long downloads. */
  private Path download(ImageReference ref, Descriptor d, Credentials creds, String label) {
    return download(ref, d, creds, label, new CompletableFuture<>());
  }

  /**
   * Downloads one blob into the content store unless it is there, completing {@code begun} with the blob as
   * soon as its bytes start to arrive (readable as they do); logs progress of long downloads.
   */
  private Path download(ImageReference ref, Descriptor d, Credentials creds, String label,
      CompletableFuture<GrowingBlob> begun) {
    if (content.has(d.digest())) {
      begun.complete(GrowingBlob.complete(content.path(d.digest()), d.size()));
      return content.path(d.digest());
    }
    long[] lastLog = {System.nanoTime()};
    try (InputStream in = registry.blob(ref, d, creds)) {
      GrowingBlob blob = content.begin(d);
      begun.complete(blob);
      Path p = content.write(d, blob, in, bytes -> {
        long now = System.nanoTime();
        if (now - lastLog[0] > PROGRESS_EVERY_NANOS) {
          lastLog[0] = now;
          LOG.info("pulling", "what", label, "bytes", bytes, "of", d.size(),
              "percent", d.size() == 0 ? 100 : bytes * 100 / d.size());
        }
      });
      LOG.debug("downloaded", "what", label, "digest", d.digest(), "bytes", d.size());
      return p;
    } catch (IOException e) {
      throw new UnavailableException("downloading " + label + " (" + d.digest() + ") failed: " + e.getMessage(), e);
    }
  }

  /** A layer's download: its blob once bytes arrive ({@code begun}), and once verified and stored. */
  private record Download(CompletableFuture<GrowingBlob> begun, CompletableFuture<Path> stored) {
    /** For a layer already unpacked: nothing to download. */
    static final Download NONE = new Download(CompletableFuture.completedFuture(null),
        CompletableFuture.completedFuture(null));
  }

  /**
   * Unpacks a layer into a new snapshot named by its ChainID, once even when several pulls need it, and
   * commits it on {@code parent} once {@code parentCommitted} completes.
   */
  private void unpack(String chainId, String parent, CompletableFuture<Void> parentCommitted, Descriptor layer,
      Digest expectedDiffId, String label, GrowingBlob blob, CompletableFuture<Path> stored,
      ByteBudget imageBudget) {
    if (snapshots.committed(chainId).isPresent()) {
      return;
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = unpacks.putIfAbsent(chainId, mine);
    if (running != null) {
      await(running);
      return;
    }
    try {
      if (snapshots.committed(chainId).isEmpty()) {
        String key = EXTRACT_PREFIX + Digest.parse(chainId).hex().substring(0, 16) + "-"
            + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Snapshot s = snapshots.prepare(key, null);
        try {
          long t0 = System.nanoTime();
          Digest diffId;
          try {
            diffId = unpacker.unpack(blob.reader(), snapshots.fs(s.id()), label, imageBudget);
          } catch (IOException | RuntimeException e) {
            // Read while it arrived: a failed download is the cause to report (thrown here), not what it did
            // to the unpacking.
            await(stored);
            throw e;
          }
          // Nothing unpacked counts before its blob is verified.
          await(stored);
          if (!diffId.equals(expectedDiffId)) {
            throw new InvalidArgumentException(label + " unpacks to DiffID " + diffId + " but the image config says "
                + expectedDiffId + "; refused");
          }
          long unpackedMs = (System.nanoTime() - t0) / 1_000_000;
          await(parentCommitted);
          snapshots.commit(chainId, key, parent);
          LOG.debug("unpacked", "what", label, "chain_id", chainId, "ms", unpackedMs);
        } catch (IOException e) {
          snapshots.remove(key);
          ResourceExhaustedException full = DiskFull.explain(e,
              snapshots.fs(s.id()).getParent(), "unpacking " + label);
          if (full != null) {
            throw full;
          }
          throw new UncheckedIOException("unpacking " + label + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
          snapshots.remove(key);
          throw e;
        }
      }
      mine.complete(null);
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      unpacks.remove(chainId, mine);
    }
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for a pull", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
          ? ce.getCause() : e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new UnavailableException(cause.getMessage(), cause);
    }
  }

  /** Runs {@code work} in a span named {@code name}, child of {@code parent}. */
  private <T> T traced(Context parent, String name, String key, String value,
      Supplier<T> work) {
    Span span = tracer.spanBuilder(name).setParent(parent).setAttribute(key, value)
        .startSpan();
    try (Scope _ = span.makeCurrent()) {
      return work.get();
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      span.end();
    }
  }

}
