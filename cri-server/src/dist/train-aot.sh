#!/bin/sh
# Trains jcri's ahead-of-time cache: starts `jcri serve` on a scratch configuration with the cache being
# written, sends it what kubelet sends first after a node starts (`jcri aot-train`: pods on the node's network
# and on a loopback-only CNI network, with and without a shared PID namespace, each stopped and removed), then
# stops it, which writes the cache. Used by make build, make install and make dist.
# Usage: train-aot.sh LAUNCHER JCRI_HOME OUT
set -eu
launcher=$1; home=$2; out=$3
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/net.d"
# A network of the loopback plugin only: CNI ADD and DEL run as for a real pod, nothing changes on the node.
printf '{"cniVersion": "1.0.0", "name": "jcri-aot-train", "plugins": [{"type": "loopback"}]}\n' \
  > "$tmp/net.d/10-train.conflist"
printf 'socket = "%s/jcri.sock"\nstate = "%s/run"\nroot = "%s/lib"\ncgroup_driver = "cgroupfs"\n[registry]\nconfig_path = ""\n[cni]\nconf_dir = "%s/net.d"\ndefault_network = false\n' \
  "$tmp" "$tmp" "$tmp" "$tmp" > "$tmp/jcri.toml"
rm -f "$out"
JCRI_HOME="$home" JCRI_JAVA_OPTS="-XX:AOTCacheOutput=$out -Xlog:aot=warning" "$launcher" \
  --config "$tmp/jcri.toml" --config-dir "$tmp/none" > "$tmp/train.log" 2>&1 & pid=$!
for _ in $(seq 600); do grep -q 'serving the CRI' "$tmp/train.log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
# The client runs without writing a cache of its own; what it cannot do (no cgroups, no netns) it says and goes on.
JCRI_HOME="$home" JCRI_JAVA_OPTS="" "$launcher" aot-train --config "$tmp/jcri.toml" --config-dir "$tmp/none" \
  > "$tmp/client.log" 2>&1 || true
tail -n 1 "$tmp/client.log"
kill -TERM "$pid"
wait "$pid" || { cat "$tmp/train.log"; exit 1; }
pid=""
# The pods' parent cgroup (as kubelet names one per pod): empty now, removed.
for d in /sys/fs/cgroup/jcri-aot-train /sys/fs/cgroup/*/jcri-aot-train; do
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
[ -f "$out" ] || { cat "$tmp/train.log"; echo "no AOT cache written" >&2; exit 1; }
echo "AOT cache: $out ($(du -h "$out" | cut -f1))"
