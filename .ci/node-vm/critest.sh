#!/usr/bin/env bash
# Runs critest against jcri on the test node (image.sh's Debian 12 VM: systemd as init, cgroup v2 with every
# controller), once per cgroup driver: systemd, then cgroupfs (JCRI_CRITEST_DRIVERS chooses). jcri runs from a
# copy of this tree's build (the launcher, the jar and its libraries) on the host's JDK shared into the node, its
# state under /run as the default /run/jcri is (systemd mounts /run noexec). The images critest pulls come from a
# registry in the node serving REGISTRY_DATA (a docker-registry data directory holding them, e.g. what the
# conformance kit's registry.sh pushed), which jcri reaches as a mirror of every upstream host.
# Usage: critest.sh DIR CRITEST CRICTL REGISTRY_DATA [FOCUS]   FOCUS: critest's -ginkgo.focus (default: all)
# Output: DIR/critest-node.log; per driver DIR/critest-results/<driver>/ (junit.xml, report.json, critest.log,
# jcri.log)
set -euo pipefail
dir=$(realpath "$1"); critest=$(realpath "$2"); crictl=$(realpath "$3"); data=$(realpath "$4"); focus=${5:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
java_home=${JAVA_HOME:?JAVA_HOME must name the JDK jcri runs on in the node}
[ -f "$here/cri-server/target/jcri.jar" ] || { echo "build jcri first (make build)" >&2; exit 1; }
out="$dir/critest-results"
rm -rf "$out"; mkdir -p "$out"
tools="$dir/critest-tools"
rm -rf "$tools"; mkdir -p "$tools/jcri"
cp "$critest" "$tools/critest"; cp "$crictl" "$tools/crictl"
# jcri runs from a copy of the build: a rebuild here while the node runs does not change its classes under it.
cp -a "$here/cri-server/target/jcri.jar" "$here/cri-server/target/lib" "$here/cri-server/src/dist/jcri" "$tools/jcri/"
drivers=${JCRI_CRITEST_DRIVERS:-systemd cgroupfs}
job="$dir/critest-node.sh"
{
  printf 'java=%q tools=%q data=%q out=%q focus=%q drivers=%q\n' "$java_home/bin/java" "$tools" "$data" "$out" "$focus" "$drivers"
  cat <<'JOB'
echo "node: $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers), init: $(ps -p 1 -o comm=)"
work=/var/lib/critest-node
mkdir -p $work/registry && cp -a "$data/." $work/registry/
cat > $work/registry.yml <<EOF
version: 0.1
storage:
  filesystem: {rootdirectory: $work/registry}
http:
  addr: 127.0.0.1:5000
EOF
docker-registry serve $work/registry.yml > "$out/registry.log" 2>&1 &
registry=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break; sleep 0.2; done
status=0
for driver in $drivers; do
  d="$out/$driver"; mkdir -p "$d" $work/$driver
  {
    echo "cgroup_driver = \"$driver\""
    echo "socket = \"/run/critest-node/$driver.sock\""
    echo "root = \"$work/$driver/root\""
    echo "state = \"/run/critest-node/$driver\""
    for h in registry.k8s.io gcr.io public.ecr.aws docker.io; do
      printf '[registry.mirrors."%s"]\nendpoints = ["http://127.0.0.1:5000"]\n' "$h"
    done
  } > $work/$driver/jcri.toml
  JCRI_HOME="$tools/jcri" JCRI_JAVA="$java" "$tools/jcri/jcri" serve \
    --config $work/$driver/jcri.toml --config-dir /nonexistent > "$d/jcri.log" 2>&1 &
  jcri=$!
  sock=/run/critest-node/$driver.sock
  for _ in $(seq 1200); do [ -S $sock ] && "$tools/crictl" -r unix://$sock version >/dev/null 2>&1 && break; sleep 0.5; done
  echo "jcri ($driver) serving on $sock"
  args=(-runtime-endpoint unix://$sock -image-endpoint unix://$sock -ginkgo.no-color -ginkgo.timeout=5h
    -ginkgo.junit-report="$d/junit.xml" -ginkgo.json-report="$d/report.json")
  [ -n "$focus" ] && args+=("-ginkgo.focus=$focus")
  start=$(date +%s)
  "$tools/critest" "${args[@]}" > "$d/critest.log" 2>&1 || status=1
  echo "critest ($driver): $(grep -E '^(Ran|FAIL|SUCCESS)' "$d/critest.log" | tr '\n' ' ') in $(( $(date +%s) - start )) s"
  grep -E '^\s*\[FAIL\]' "$d/critest.log" | sort -u || true
  "$tools/crictl" -r unix://$sock rmp -af >/dev/null 2>&1 || true
  kill -TERM $jcri; wait $jcri || true
  echo "left by the $driver run: units [$(systemctl list-units --all --no-legend --plain 'jcri-*' | awk '$1 != "jcri-node-job.service" {print $1}' | tr '\n' ' ')]," \
    "cgroups [$(find /sys/fs/cgroup -name '*jcri*' -type d ! -path '*jcri-node-job*' | tr '\n' ' ')]"
done
kill $registry; wait $registry 2>/dev/null || true
exit $status
JOB
} > "$job"
export JCRI_VM_MACHINE=${JCRI_VM_MACHINE:-q35} JCRI_VM_ACCEL=${JCRI_VM_ACCEL:-tcg,thread=single}
export JCRI_VM_CPU=${JCRI_VM_CPU:-qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt}
export JCRI_VM_TIMEOUT=${JCRI_VM_TIMEOUT:-18000}
status=0
bash "$here/.ci/node-vm/run.sh" "$dir" "$job" "$java_home:ro" "$tools:ro" "$data:ro" "$out" || status=$?
grep -E "^node:|^jcri|^critest|FAIL|^left" "$dir/critest-node.log" || true
echo "log: $dir/critest-node.log; results: $out"
exit $status
