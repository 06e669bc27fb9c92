#!/usr/bin/env bash
# The install test of `make dist`'s .deb: a clean Debian 12 root made with debootstrap (no JDK, no Maven),
# the package installed there with apt (which brings crun, conmon, the CNI plugins... from Debian), then
# `jcri version`, `jcri config` and `jcri check` run in it, then the package purged: nothing of it may stay.
# Usage: dist-test.sh DEB WORKDIR   (as root; WORKDIR keeps the debootstrap root between runs)
set -euo pipefail
deb=$(realpath "$1"); work=$(realpath -m "$2")
root="$work/root"
mirror=${JCRI_DEB_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"
if [ ! -f "$work/root.tar" ]; then
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$root" -cf "$work/root.tar" .
fi
# Every run starts from the same clean root.
rm -rf "$root"; mkdir -p "$root"; tar -C "$root" -xf "$work/root.tar"
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -R -l "${mounts[i]}" 2>/dev/null || true; done
  # Never delete through a mount that is still there (the node's /dev, /sys).
  if awk -v r="$root/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    echo "dist-test: mounts under $root remain; not removing it" >&2
    return
  fi
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
for m in proc sys dev; do mount --rbind "/$m" "$root/$m"; mount --make-rslave "$root/$m"; mounts+=("$root/$m"); done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

fail() { echo "dist-test: FAILED: $*" >&2; exit 1; }
[ ! -e "$root/usr/lib/jvm" ] && ! in_root sh -c 'command -v java' >/dev/null || fail "the clean root has a JDK"
cp "$deb" "$root/tmp/jcri.deb"
in_root apt-get update -qq > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update"; }
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends /tmp/jcri.deb \
  >> "$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; fail "installing the package"; }
echo "dist-test: installed $(in_root dpkg-query -W -f='${Package} ${Version}' jcri)"

version=$(in_root jcri version) || fail "jcri version"
echo "dist-test: jcri version: $version"
echo "$version" | grep -q 'jcri' || fail "jcri version printed: $version"
in_root jcri config > "$work/config.out" || fail "jcri config"
cmp -s <(grep -v '^#' "$work/config.out") <(grep -v '^#' "$root/etc/jcri/jcri.toml") \
  || fail "jcri config and the installed /etc/jcri/jcri.toml differ"
# check may find the node lacking (no bridge netfilter in a chroot): it must run and report, not crash.
set +e; in_root jcri check > "$work/check.out" 2>&1; check=$?; set -e
cat "$work/check.out"
[ $check -eq 0 ] && grep -q 'crun' "$work/check.out" || fail "jcri check exited $check"
for f in /usr/bin/jcri /usr/lib/jcri/runtime/bin/java /lib/systemd/system/jcri.service /etc/jcri/jcri.toml \
  /usr/lib/jcri/lib/native/libjnidispatch.so /usr/lib/jcri/lib/native/libnetty_transport_native_epoll_x86_64.so; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
[ ! -e "$root/usr/lib/jvm" ] || fail "installing jcri brought a JDK"

DEBIAN_FRONTEND=noninteractive in_root apt-get purge -y -qq jcri >> "$work/apt.log" 2>&1 || fail "purging"
left=$(cd "$root" && ls -d usr/lib/jcri usr/bin/jcri lib/systemd/system/jcri.service etc/jcri 2>/dev/null || true)
[ -z "$left" ] || fail "purge left: $left"
echo "dist-test: passed (installed, ran version/config/check without a JDK, purged clean)"
