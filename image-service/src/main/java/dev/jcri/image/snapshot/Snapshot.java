package dev.jcri.image.snapshot;

import java.time.Instant;

/**
 * A snapshot: a directory tree that is one overlay layer. Active ones (upper + work) are being written
 * under a key; committed ones are read-only layers known by name (for image layers, the ChainID).
 *
 * @param parent the id of the snapshot below this one, or 0 for a base layer
 */
public record Snapshot(long id, Kind kind, String key, String name, long parent, Instant created) {

  public enum Kind { ACTIVE, COMMITTED }

  public Snapshot committedAs(String newName) {
    return new Snapshot(id, Kind.COMMITTED, null, newName, parent, created);
  }

  public Snapshot withParent(long newParent) {
    return new Snapshot(id, kind, key, name, newParent, created);
  }
}
