package dev.jcri.sandbox.container;

import dev.jcri.common.OwnerOnly;
import java.nio.file.Path;

/**
 * Where containers live under the state directory: a bundle per container (config.json, rootfs, conmon's
 * sockets), the exit files conmon writes, and the attach sockets of exec sessions.
 */
record ContainerDirs(Path containers, Path exits, Path attach) {

  static ContainerDirs under(Path stateDir) {
    return new ContainerDirs(stateDir.resolve("containers"), stateDir.resolve("exits"), stateDir.resolve("attach"));
  }

  /** Makes the directories, jcri's alone; bundles in them are 0700 (0710 to a user-namespaced pod's root group). */
  void create() {
    OwnerOnly.dir(containers, OwnerOnly.SEARCHABLE);
    OwnerOnly.dir(exits);
    OwnerOnly.dir(attach);
  }

  Path bundle(String id) {
    return containers.resolve(id);
  }

  Path rootfs(String id) {
    return bundle(id).resolve("rootfs");
  }

  Path exitFile(String id) {
    return exits.resolve(id);
  }
}
