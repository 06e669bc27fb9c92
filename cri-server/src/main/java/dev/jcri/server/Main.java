package dev.jcri.server;

import dev.jcri.common.ChildReaper;
import dev.jcri.common.JcriException;
import dev.jcri.common.Log;
import dev.jcri.server.cli.CheckCommand;
import dev.jcri.server.cli.TrainCommand;
import dev.jcri.server.config.ConfigException;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.ConfigRenderer;
import dev.jcri.server.config.JcriConfig;
import dev.jcri.server.log.LogSetup;
import dev.jcri.server.telemetry.Telemetry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The {@code jcri} command: {@code serve} (the default), {@code config}, {@code version}, {@code check}.
 */
public final class Main {

  static final String USAGE = """
      usage: jcri [serve|config|version|check] [--config FILE] [--config-dir DIR]

        serve     run the CRI server (default)
        config    print the effective configuration as commented TOML
        version   print jcri's version and the CRI it speaks
        check     report node prerequisites, one line each, with a fix where one is needed

        --config FILE     main config file (default /etc/jcri/jcri.toml; no file means defaults)
        --config-dir DIR  drop-in directory, *.toml merged in name order (default /etc/jcri/jcri.d)
      """;

  private Main() {}

  public static void main(String[] args) {
    StartPhases.main(ProcessClock.millisSinceStart());
    System.setProperty("java.util.logging.manager", "dev.jcri.server.log.QuietShutdownLogManager");
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs one command; returns the exit code, except that {@code serve} returns only when it fails. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("jcri: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    try {
      return switch (options.command()) {
        case "help" -> {
          out.print(USAGE);
          yield 0;
        }
        case "version" -> {
          out.println("jcri " + JcriVersion.version());
          out.println("CRI " + JcriVersion.CRI_API_VERSION + " (" + JcriVersion.CRI_API_UPSTREAM + ")");
          out.println("java " + Runtime.version());
          yield 0;
        }
        case "config" -> {
          out.print(ConfigRenderer.render(options.load()));
          yield 0;
        }
        case "check" -> CheckCommand.run(options.load(), out);
        case "aot-train" -> {
          // Not for users: make build and make dist send a serving jcri (the same configuration) what kubelet
          // sends first, while it writes its ahead-of-time cache.
          JcriConfig config = options.load();
          yield TrainCommand.run(config.socketPath(), config.statePath().resolve("aot-train-logs"), out);
        }
        case "serve" -> {
          StartPhases.mark("options");
          StartWarmup.begin();
          yield serve(options.load(), err);
        }
        default -> throw new IllegalStateException(options.command());
      };
    } catch (ConfigException | JcriException e) {
      err.println("jcri: " + e.getMessage());
      return 1;
    }
  }

  /** How often exited orphans nobody stopped (conmons whose container ended) are reaped. */
  static final java.time.Duration CHILD_SWEEP = java.time.Duration.ofSeconds(10);

  private static int serve(JcriConfig config, PrintStream err) {
    StartPhases.mark("config");
    LogSetup.configure(config.logLevel(), config.logFormat());
    StartPhases.mark("logging");
    Log log = Log.of(Main.class);
    // The hook is in place before the start: a SIGTERM while jcri starts (systemd stopping a jcri that is
    // starting) waits for the start to end and then undoes it, instead of leaving its mounts behind.
    Starting starting = new Starting();
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jcri-shutdown").unstarted(() -> {
      JcriDaemon started;
      try {
        started = starting.await(START_WAIT);
      } catch (TimeoutException e) {
        log.warn("stopped while still starting after " + START_WAIT.toSeconds() + " s; the next start cleans up");
        Runtime.getRuntime().halt(1);
        return;
      }
      if (started == null) {
        return; // the start failed and said why; the exit code is its own
      }
      log.info("stopping: no new calls; containers keep running");
      SystemdNotify.stopping();
      try {
        started.close();
      } catch (IOException e) {
        log.warn("shutdown: " + e.getMessage());
      }
      log.info("stopped");
      // SIGTERM is the normal way to stop jcri, so it exits 0 rather than the JVM's 143.
      Runtime.getRuntime().halt(0);
    }));
    JcriDaemon daemon = null;
    try {
      // Orphans of jcri's helpers (a pod's infra, daemonised conmons) come to jcri and are reaped here, not left
      // to the node's init; set before the start runs any. Only in jcri's own process: a JVM that embeds jcri
      // keeps its children to itself.
      daemon = JcriDaemon.start(config, Telemetry.create(config.tracing(), System.getenv()),
          () -> new ChildReaper(CHILD_SWEEP).start());
    } catch (IOException | JcriException e) {
      err.println("jcri: " + e.getMessage());
      return 1;
    } finally {
      starting.done(daemon);
    }
    StartWarmup.afterStart();
    long sinceStart = ProcessClock.millisSinceStart();
    log.info("jcri " + JcriVersion.version() + " serving the CRI", "socket", daemon.socket(),
        "ready_ms_since_process_start", sinceStart, "start_phases_ms", StartPhases.summary());
    SystemdNotify.ready();
    try {
      daemon.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** How long a SIGTERM during the start waits for the start to end before giving up on a clean stop. */
  static final java.time.Duration START_WAIT = java.time.Duration.ofSeconds(60);

  /** The daemon being started: its end (the daemon, or null when the start failed), awaited by the stop hook. */
  static final class Starting {
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    private volatile JcriDaemon daemon;

    void done(JcriDaemon started) {
      daemon = started;
      ended.countDown();
    }

    /** The started daemon, or null if the start failed; waits for the start to end. */
    JcriDaemon await(java.time.Duration limit) throws TimeoutException {
      try {
        if (!ended.await(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
          throw new TimeoutException();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TimeoutException();
      }
      return daemon;
    }
  }

  /** Command-line words. */
  record Options(String command, Path config, boolean configGiven, Path configDir) {

    static Options parse(String[] args) {
      String command = null;
      Path config = Path.of(JcriConfig.DEFAULT_CONFIG);
      boolean configGiven = false;
      Path configDir = Path.of(JcriConfig.DEFAULT_DROP_IN_DIR);
      List<String> words = new ArrayList<>(List.of(args));
      for (int i = 0; i < words.size(); i++) {
        String w = words.get(i);
        switch (w) {
          case "--config", "-c" -> {
            config = Path.of(value(words, ++i, w));
            configGiven = true;
          }
          case "--config-dir" -> configDir = Path.of(value(words, ++i, w));
          case "-h", "--help" -> command = "help";
          default -> {
            if (w.startsWith("--config=")) {
              config = Path.of(w.substring("--config=".length()));
              configGiven = true;
            } else if (w.startsWith("--config-dir=")) {
              configDir = Path.of(w.substring("--config-dir=".length()));
            } else if (w.startsWith("-")) {
              throw new IllegalArgumentException("unknown flag " + w);
            } else if (command == null) {
              if (!List.of("serve", "config", "version", "check", "help", "aot-train").contains(w)) {
                throw new IllegalArgumentException("unknown command " + w);
              }
              command = w;
            } else {
              throw new IllegalArgumentException("unexpected argument " + w);
            }
          }
        }
      }
      return new Options(command == null ? "serve" : command, config, configGiven, configDir);
    }

    private static String value(List<String> words, int i, String flag) {
      if (i >= words.size()) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return words.get(i);
    }

    JcriConfig load() {
      return ConfigLoader.load(config, configGiven, configDir);
    }
  }
}
