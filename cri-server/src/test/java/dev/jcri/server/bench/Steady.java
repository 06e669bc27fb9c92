package dev.jcri.server.bench;

import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.StatusRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A node as kubelet keeps it: {@code pods} pods with one container each, and for {@code seconds} what kubelet
 * sends at its default periods: ListPodSandbox + ListContainers every second (PLEG's relist; nothing changes,
 * so no statuses follow), each pod's exec readiness probe every 10 s (ExecSync {@code true}), each pod's status
 * once a minute (the pod worker's resync: PodSandboxStatus + ContainerStatus), ListContainerStats +
 * ListPodSandboxStats, ImageFsInfo and Status every 10 s, after three untimed rounds of each (kubelet has polled
 * since the node started; see {@link #warmUp}). Measured: each RPC's latency, CPU seconds of the
 * runtime and its helpers over the window, and their RSS at the first and the last minute.
 */
final class Steady {

  /** What one run measured. */
  record Result(Map<String, Samples> rpcs, Map<String, Samples> firstCalls, double runtimeCpu,
      double runtimeChildrenCpu, double helpersCpu, double rssMinute1, double rssEnd, int helpers) {

    /** No run: the other side of a line when only jcri ran. */
    static Result none() {
      return new Result(samples(), samples(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }
  }

  /** The RPCs timed, in the table's order. */
  static final List<String> RPCS = List.of("ListPodSandbox", "ListContainers", "PodSandboxStatus",
      "ContainerStatus", "ExecSync", "ListContainerStats", "ListPodSandboxStats", "ImageFsInfo", "Status");

  private static Map<String, Samples> samples() {
    Map<String, Samples> rpcs = new LinkedHashMap<>();
    for (String name : RPCS) {
      rpcs.put(name, new Samples(name, "ms"));
    }
    return rpcs;
  }

  private final BenchedRuntime rt;
  private final Scenarios scenarios;
  private final int pods;
  private final int seconds;

  Steady(BenchedRuntime rt, Scenarios scenarios, int pods, int seconds) {
    this.rt = rt;
    this.scenarios = scenarios;
    this.pods = pods;
    this.seconds = seconds;
  }

  Result run() throws Exception {
    List<String[]> running = startPods();
    Map<String, Samples> rpcs = samples();
    ScheduledExecutorService kubelet = Executors.newScheduledThreadPool(8);
    List<java.util.concurrent.ScheduledFuture<?>> tasks = new ArrayList<>();
    try {
      Thread.sleep(2000); // the start-up's helpers settle
      Map<String, Samples> firstCalls = warmUp(kubelet, running.getFirst()[0], running.getFirst()[1]);
      double cpu0 = Procs.cpuSeconds(rt.process.pid());
      double children0 = Procs.childrenCpuSeconds(rt.process.pid());
      Map<Long, Double> helperCpu0 = helperCpu();
      long t0 = System.nanoTime();
      tasks.add(kubelet.scheduleAtFixedRate(quietly(() -> relist(rpcs)), 0, 1000, TimeUnit.MILLISECONDS));
      tasks.add(kubelet.scheduleAtFixedRate(() -> housekeeping(rpcs), 500, 10_000, TimeUnit.MILLISECONDS));
      for (int i = 0; i < running.size(); i++) {
        String pod = running.get(i)[0];
        String ctr = running.get(i)[1];
        tasks.add(kubelet.scheduleAtFixedRate(quietly(() -> probe(rpcs, ctr)),
            i * 10_000L / running.size(), 10_000, TimeUnit.MILLISECONDS));
        tasks.add(kubelet.scheduleAtFixedRate(quietly(() -> resync(rpcs, pod, ctr)),
            i * 60_000L / running.size(), 60_000, TimeUnit.MILLISECONDS));
      }
      Thread.sleep(Math.min(60, seconds) * 1000L);
      double rss1 = rt.rssMib() + rt.helpersRss()[0];
      long left = TimeUnit.SECONDS.toNanos(seconds) - (System.nanoTime() - t0);
      if (left > 0) {
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
      }
      tasks.forEach(t -> t.cancel(false));
      double rssEnd = rt.rssMib() + rt.helpersRss()[0];
      double cpu = Procs.cpuSeconds(rt.process.pid()) - cpu0;
      double children = Procs.childrenCpuSeconds(rt.process.pid()) - children0;
      double helpers = 0;
      for (Map.Entry<Long, Double> e : helperCpu().entrySet()) {
        helpers += e.getValue() - helperCpu0.getOrDefault(e.getKey(), e.getValue());
      }
      return new Result(rpcs, firstCalls, cpu, children, helpers, rss1, rssEnd, helperCpu0.size());
    } finally {
      kubelet.shutdownNow();
      kubelet.awaitTermination(30, TimeUnit.SECONDS);
      scenarios.removeAllPods();
    }
  }

  /** The pods, four at a time: {pod id, container id} each. */
  private List<String[]> startPods() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String[]>> fs = new ArrayList<>();
      for (int i = 0; i < pods; i++) {
        fs.add(pool.submit(() -> {
          PodSandboxConfig c = scenarios.pod();
          String pod = scenarios.runPod(c);
          return new String[] {pod, scenarios.createAndStart(pod, c)};
        }));
      }
      List<String[]> out = new ArrayList<>();
      for (Future<String[]> f : fs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Three rounds of each RPC the window sends, untimed, 10 s apart as kubelet sends them, the last 10 s before
   * the window, on the threads that send the window's: the last 30 s of kubelet's polling before a window of its
   * steady state (it polls from the node's start). They are the client's first uses of these RPCs too (this JVM
   * has not called the stats and status RPCs before): whichever runtime went first would pay for the client's
   * loading and compiling their code (a fresh client measured 27-46 ms for its first ListContainerStats of 30
   * containers from a jcri that had answered it many times before, 5-7 ms for the next ones; after three rounds,
   * the window's first ListPodSandboxStats of 110 pods took the client 12.0 ms, jcri 2.3 ms as it logged it). So
   * the client also parses the lists' first answers again, on its own, until its code for them is compiled: the
   * runtime sees nothing of that. Returns what the first round's calls took.
   */
  private Map<String, Samples> warmUp(ScheduledExecutorService kubelet, String pod, String ctr) throws Exception {
    Map<String, Samples> first = samples();
    for (int round = 0; round < 3; round++) {
      Map<String, Samples> timed = round == 0 ? first : samples();
      List<Future<?>> calls = new ArrayList<>();
      calls.add(kubelet.submit(quietly(() -> relist(timed))));
      calls.add(kubelet.submit(() -> housekeeping(timed)));
      calls.add(kubelet.submit(quietly(() -> probe(timed, ctr))));
      calls.add(kubelet.submit(quietly(() -> resync(timed, pod, ctr))));
      for (Future<?> f : calls) {
        f.get();
      }
      if (round == 0) {
        parseAgain();
      }
      Thread.sleep(10_000);
    }
    return first;
  }

  /** The client's own warm-up: each list's answer, fetched once, parsed again until its parser is compiled. */
  private void parseAgain() {
    List<com.google.protobuf.MessageLite> answers = new ArrayList<>();
    for (Work fetch : List.<Work>of(
        () -> answers.add(rt.client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())),
        () -> answers.add(rt.client.runtime().listContainers(ListContainersRequest.getDefaultInstance())),
        () -> answers.add(rt.client.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance())),
        () -> answers.add(rt.client.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())))) {
      quietly(fetch).run();
    }
    for (com.google.protobuf.MessageLite answer : answers) {
      byte[] bytes = answer.toByteArray();
      for (int i = 0; i < 2000; i++) {
        try {
          answer.getParserForType().parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** PLEG's relist. */
  private void relist(Map<String, Samples> rpcs) throws Exception {
    rpcs.get("ListPodSandbox").time(() -> rt.client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
    rpcs.get("ListContainers").time(() -> rt.client.runtime().listContainers(ListContainersRequest.getDefaultInstance()));
  }

  /**
   * The stats, image file system and runtime status calls, each on its own: one a runtime refuses (containerd
   * 1.6 has no pod stats without a cgroup parent) does not keep the others from being timed.
   */
  private void housekeeping(Map<String, Samples> rpcs) {
    quietly(() -> rpcs.get("ListContainerStats").time(() -> rt.client.runtime().listContainerStats(
        ListContainerStatsRequest.getDefaultInstance()))).run();
    quietly(() -> rpcs.get("ListPodSandboxStats").time(() -> rt.client.runtime().listPodSandboxStats(
        ListPodSandboxStatsRequest.getDefaultInstance()))).run();
    quietly(() -> rpcs.get("ImageFsInfo").time(() -> rt.client.images().imageFsInfo(
        ImageFsInfoRequest.getDefaultInstance()))).run();
    quietly(() -> rpcs.get("Status").time(() -> rt.client.runtime().status(StatusRequest.getDefaultInstance())))
        .run();
  }

  /** A pod's exec readiness probe. */
  private void probe(Map<String, Samples> rpcs, String ctr) throws Exception {
    rpcs.get("ExecSync").time(() -> rt.client.runtime().execSync(
        ExecSyncRequest.newBuilder().setContainerId(ctr).addCmd("true").setTimeout(10).build()));
  }

  /** The pod worker's resync of one pod. */
  private void resync(Map<String, Samples> rpcs, String pod, String ctr) throws Exception {
    rpcs.get("PodSandboxStatus").time(() -> rt.client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
        .setPodSandboxId(pod).build()));
    rpcs.get("ContainerStatus").time(() -> rt.client.runtime().containerStatus(ContainerStatusRequest.newBuilder()
        .setContainerId(ctr).build()));
  }

  private Map<Long, Double> helperCpu() throws java.io.IOException {
    Map<Long, Double> out = new LinkedHashMap<>();
    for (Procs.Proc p : Procs.all()) {
      if (rt.helpers.test(p)) {
        out.put(p.pid(), Procs.cpuSeconds(p.pid()));
      }
    }
    return out;
  }

  /** Work the schedule runs. */
  interface Work {
    void run() throws Exception;
  }

  private static Runnable quietly(Work work) {
    return () -> {
      try {
        work.run();
      } catch (Exception e) {
        System.out.println("steady state: " + e);
      }
    };
  }
}
