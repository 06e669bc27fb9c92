package dev.jcri.sandbox.container;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.NotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Where an image volume's {@code image_sub_path} is inside the mounted image. The image wrote every name on the
 * way, so the path is walked one name at a time and a symbolic link anywhere on it is refused: nothing the image
 * links to (/etc of the node, another pod's files) can become the volume.
 */
final class ImageSubPath {

  private ImageSubPath() {}

  static Path resolve(Path root, String subPath, String image) {
    if (subPath.isEmpty()) {
      return root;
    }
    if (subPath.startsWith("/") || subPath.indexOf('\0') >= 0) {
      throw new InvalidArgumentException("image_sub_path \"" + printable(subPath) + "\" of image " + image
          + " must be relative to the image's root");
    }
    Path at = root;
    for (String name : subPath.split("/")) {
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        throw new InvalidArgumentException("image_sub_path \"" + printable(subPath) + "\" of image " + image
            + " must not contain \"..\"");
      }
      at = at.resolve(name);
      if (Files.isSymbolicLink(at)) {
        throw new InvalidArgumentException("image_sub_path \"" + printable(subPath) + "\" of image " + image
            + " passes through a symbolic link (" + root.relativize(at) + "), which jcri does not follow");
      }
      if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
        throw new NotFoundException("image_sub_path \"" + printable(subPath) + "\" does not exist in image " + image);
      }
    }
    return at;
  }

  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }
}
