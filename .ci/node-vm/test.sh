#!/usr/bin/env bash
# Runs integration tests on the test node (image.sh's Debian 12 VM: systemd as init, cgroup v2 with every
# controller), on a copy of this tree as built here, with the host's JDK shared into the node. No Maven in the
# node: JUnit's console launcher runs the classes, on the test classpath Maven resolved here.
# Usage: test.sh DIR NAME TESTS    TESTS: comma-separated Class or Class#method of dev.jcri.server.it
# Output: DIR/NAME.log (the tests'), DIR/NAME.console.log (the node's), reports under DIR/src-NAME/reports.
set -euo pipefail
dir=$(realpath "$1"); name=$2; tests=$3
here=$(cd "$(dirname "$0")/../.." && pwd)
java_home=${JAVA_HOME:?JAVA_HOME must name the JDK the node runs the tests with}
src="$dir/src-$name"
rm -rf "$src"; mkdir -p "$src"
tar -C "$here" --exclude=.git --exclude=./.node-vm -cf - . | tar -C "$src" -xf -
(cd "$here" && mvn -B -ntp -q -o -pl cri-server dependency:copy-dependencies -Dmdep.includeScope=test \
  -DoutputDirectory="$src/.deps")
select=()
IFS=, read -ra items <<< "$tests"
for t in "${items[@]}"; do
  if [[ $t == *"#"* ]]; then select+=(--select-method "dev.jcri.server.it.$t"); else select+=(--select-class "dev.jcri.server.it.$t"); fi
done
job="$dir/$name.sh"
{
  echo "cd '$src/cri-server'"
  echo 'echo "node: $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null), init: $(ps -p 1 -o comm=)"'
  # C1 only: under emulation the C2 compiler costs more than it gives back.
  printf '%q ' "$java_home/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Djcri.it.slowdown=${JCRI_IT_SLOWDOWN:-10}" -cp "target/test-classes:target/classes:$src/.deps/*" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=testfeed \
    --reports-dir "$src/reports" "${select[@]}"
  echo
} > "$job"
# These machines' KVM (PVM) boots no stock kernel: the node runs under TCG, on one host thread, which the JIT
# needs (multi-threaded TCG broke JIT-compiled code now and then).
export JCRI_VM_MACHINE=${JCRI_VM_MACHINE:-q35} JCRI_VM_ACCEL=${JCRI_VM_ACCEL:-tcg,thread=single}
export JCRI_VM_CPU=${JCRI_VM_CPU:-qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt}
status=0
bash "$here/.ci/node-vm/run.sh" "$dir" "$job" "$java_home:ro" "$src" || status=$?
grep -E "^node:|tests (successful|failed|found)|MethodSource|✘" "$dir/$name.log" | head -60 || true
echo "log: $dir/$name.log; reports: $src/reports"
exit $status
