package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flat-keyed cgroup files (memory.stat, cpu.stat): several keys from one read. */
class CgroupFilesTest {

  @TempDir Path dir;

  @Test
  void keysFromOneRead_prefixesAndOtherLinesIgnored() throws IOException {
    Path stat = dir.resolve("memory.stat");
    Files.writeString(stat, "anon_thp 7\nanon 4096\nfile 12\ninactive_file 300\nweird 1 2\ntotal_rss 9");
    assertArrayEquals(new long[] {300, 4096, 9, 0, 0},
        CgroupFiles.statValues(stat, "inactive_file", "anon", "total_rss", "missing", "weird"));
    assertEquals(4096, CgroupFiles.statValue(stat, "anon"));
    assertArrayEquals(new long[] {0}, CgroupFiles.statValues(dir.resolve("gone"), "anon"), "a cgroup gone reads 0");
  }

  /** Generated files: each key's value is what a line-by-line "key value" reading finds first. */
  @Test
  void generated_sameAsReadingLineByLine() throws IOException {
    Random random = new Random(7);
    String[] names = {"anon", "anon_thp", "file", "inactive_file", "total_rss", "rss", "usage_usec", "a"};
    Path stat = dir.resolve("stat");
    for (int round = 0; round < 500; round++) {
      StringBuilder text = new StringBuilder();
      int lines = random.nextInt(12);
      for (int i = 0; i < lines; i++) {
        text.append(names[random.nextInt(names.length)]);
        switch (random.nextInt(6)) {
          case 0 -> text.append(' ').append(random.nextInt(5)).append(' ').append(random.nextInt(5));
          case 1 -> text.append(' ');
          default -> text.append(' ').append(Math.abs(random.nextLong()));
        }
        if (i < lines - 1 || random.nextBoolean()) {
          text.append('\n');
        }
      }
      Files.writeString(stat, text);
      String[] keys = {names[random.nextInt(names.length)], names[random.nextInt(names.length)]};
      long[] got = CgroupFiles.statValues(stat, keys);
      for (int k = 0; k < keys.length; k++) {
        assertEquals(lineByLine(text.toString(), keys[k]), got[k], keys[k] + " in\n" + text);
      }
    }
  }

  private static long lineByLine(String text, String key) {
    for (String line : text.strip().split("\n")) {
      String[] f = line.split(" ");
      if (f.length == 2 && f[0].equals(key)) {
        return Long.parseLong(f[1]);
      }
    }
    return 0;
  }
}
