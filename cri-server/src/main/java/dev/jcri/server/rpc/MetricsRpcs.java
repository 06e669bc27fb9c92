package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ContainerMetrics;
import dev.jcri.cri.v1.ListMetricDescriptorsRequest;
import dev.jcri.cri.v1.ListMetricDescriptorsResponse;
import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsResponse;
import dev.jcri.cri.v1.Metric;
import dev.jcri.cri.v1.MetricDescriptor;
import dev.jcri.cri.v1.MetricType;
import dev.jcri.cri.v1.PodSandboxMetrics;
import dev.jcri.common.NotFoundException;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.pod.PodStats;
import java.util.List;

/**
 * ListMetricDescriptors and ListPodSandboxMetrics (KEP-2371, cAdvisor-less stats): container CPU, memory and
 * filesystem figures and pod network counters, with the metric names and labels cAdvisor uses.
 */
public final class MetricsRpcs {

  static final List<String> CONTAINER_LABELS = List.of("container", "id", "image", "name", "namespace", "pod");
  static final List<String> NETWORK_LABELS = List.of("interface", "namespace", "pod");

  private record Def(String name, String help, MetricType type, List<String> labels) {}

  private static final List<Def> CONTAINER = List.of(
      new Def("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", MetricType.COUNTER,
          CONTAINER_LABELS),
      new Def("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of"
          + " when it was accessed.", MetricType.GAUGE, CONTAINER_LABELS),
      new Def("container_memory_working_set_bytes", "Current working set in bytes.", MetricType.GAUGE,
          CONTAINER_LABELS),
      new Def("container_memory_rss", "Size of RSS in bytes.", MetricType.GAUGE, CONTAINER_LABELS),
      new Def("container_processes", "Number of processes running inside the container.", MetricType.GAUGE,
          CONTAINER_LABELS),
      new Def("container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.",
          MetricType.GAUGE, CONTAINER_LABELS),
      new Def("container_fs_inodes_total", "Number of inodes used by the container's writable layer.",
          MetricType.GAUGE, CONTAINER_LABELS));

  private static final List<Def> NETWORK = List.of(
      new Def("container_network_receive_bytes_total", "Cumulative count of bytes received.", MetricType.COUNTER,
          NETWORK_LABELS),
      new Def("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.",
          MetricType.COUNTER, NETWORK_LABELS),
      new Def("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", MetricType.COUNTER,
          NETWORK_LABELS),
      new Def("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.",
          MetricType.COUNTER, NETWORK_LABELS));

  private MetricsRpcs() {}

  public record Descriptors() implements UnaryRpc<ListMetricDescriptorsRequest, ListMetricDescriptorsResponse> {
    @Override
    public ListMetricDescriptorsResponse call(ListMetricDescriptorsRequest request) {
      ListMetricDescriptorsResponse.Builder b = ListMetricDescriptorsResponse.newBuilder();
      for (Def d : CONTAINER) {
        b.addDescriptors(MetricDescriptor.newBuilder().setName(d.name()).setHelp(d.help()).addAllLabelKeys(d.labels()));
      }
      for (Def d : NETWORK) {
        b.addDescriptors(MetricDescriptor.newBuilder().setName(d.name()).setHelp(d.help()).addAllLabelKeys(d.labels()));
      }
      return b.build();
    }
  }

  public record PodMetrics(PodSandboxManager pods, ContainerManager containers)
      implements UnaryRpc<ListPodSandboxMetricsRequest, ListPodSandboxMetricsResponse> {
    @Override
    public ListPodSandboxMetricsResponse call(ListPodSandboxMetricsRequest request) {
      ListPodSandboxMetricsResponse.Builder b = ListPodSandboxMetricsResponse.newBuilder();
      List<ContainerRecord> all = containers.list();
      for (PodSandbox pod : pods.list()) {
        if (pod.state() != PodSandbox.State.READY) {
          continue;
        }
        try {
          b.addPodMetrics(podMetrics(pod, all));
        } catch (NotFoundException gone) {
          // removed meanwhile
        }
      }
      return b.build();
    }

    private PodSandboxMetrics podMetrics(PodSandbox pod, List<ContainerRecord> all) {
      long now = System.currentTimeMillis() * 1_000_000L;
      PodSandboxMetrics.Builder p = PodSandboxMetrics.newBuilder().setPodSandboxId(pod.id());
      for (PodStats.NetStats n : pods.stats(pod.id()).interfaces()) {
        List<String> labels = List.of(n.iface(), pod.spec().namespace(), pod.spec().name());
        long[] values = {n.rxBytes(), n.rxErrors(), n.txBytes(), n.txErrors()};
        for (int i = 0; i < NETWORK.size(); i++) {
          p.addMetrics(metric(NETWORK.get(i), labels, values[i], now));
        }
      }
      for (ContainerRecord c : all) {
        if (!c.podId().equals(pod.id()) || c.state() != ContainerRecord.State.RUNNING) {
          continue;
        }
        CgroupStats s = containers.stats(c.id());
        long[] layer = containers.writableLayerUsage(c.id());
        List<String> labels = List.of(c.spec().name(), c.id(), c.imageRef(), c.id(), pod.spec().namespace(),
            pod.spec().name());
        long[] values = {s.cpuUsageNanos() / 1_000_000_000L, s.memoryUsageBytes(), s.memoryWorkingSetBytes(),
            s.memoryRssBytes(), s.pids(), layer[0], layer[1]};
        ContainerMetrics.Builder cm = ContainerMetrics.newBuilder().setContainerId(c.id());
        for (int i = 0; i < CONTAINER.size(); i++) {
          cm.addMetrics(metric(CONTAINER.get(i), labels, values[i], s.atNanos()));
        }
        p.addContainerMetrics(cm);
      }
      return p.build();
    }

    private static Metric metric(Def d, List<String> labels, long value, long at) {
      return Metric.newBuilder().setName(d.name()).setTimestamp(at).setMetricType(d.type())
          .addAllLabelValues(labels).setValue(PodProtos.u64(value)).build();
    }
  }
}
