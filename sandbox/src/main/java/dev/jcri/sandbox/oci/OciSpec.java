package dev.jcri.sandbox.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The parts of the OCI runtime spec (config.json) jcri writes, as immutable records; Jackson serialises
 * them with the spec's field names. Empty values are left out.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record OciSpec(String ociVersion, Process process, Root root, String hostname, List<Mount> mounts,
    Hooks hooks, Linux linux, Map<String, String> annotations) {

  public static final String VERSION = "1.0.2";

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Process(boolean terminal, User user, List<String> args, List<String> env, String cwd,
      Capabilities capabilities, List<Rlimit> rlimits, boolean noNewPrivileges, Integer oomScoreAdj) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record User(long uid, long gid, List<Long> additionalGids) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Capabilities(List<String> bounding, List<String> effective, List<String> permitted,
      List<String> inheritable, List<String> ambient) {}

  public record Rlimit(String type, long hard, long soft) {}

  public record Root(String path, boolean readonly) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Mount(String destination, String type, String source, List<String> options) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Linux(List<Namespace> namespaces, List<IdMap> uidMappings, List<IdMap> gidMappings,
      String cgroupsPath, Resources resources, Map<String, String> sysctl, List<String> maskedPaths,
      List<String> readonlyPaths, String rootfsPropagation, List<Device> devices, JsonNode seccomp) {}

  /**
   * One range of a user namespace's ids, given with the namespace's path as containerd does: runc refuses to join
   * a user namespace whose mappings the spec does not state.
   */
  public record IdMap(@JsonProperty("containerID") long containerId, @JsonProperty("hostID") long hostId,
      long size) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Namespace(String type, String path) {}

  /** Hooks by the point of the container's life they run at (from CDI device specs). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
      List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids,
      List<HugepageLimit> hugepageLimits, Map<String, String> unified) {}

  public record HugepageLimit(String pageSize, long limit) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Memory(Long limit, Long swap) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {}

  public record Pids(long limit) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Device(String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {}
}
