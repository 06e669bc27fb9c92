#!/usr/bin/env bash
# Builds the test node: a Debian 12 disk image booted by the node's own kernel package, with systemd as init
# and the unified cgroup hierarchy (Debian 12's defaults), plus the packages jcri runs and tests with.
# Usage: image.sh DIR  ->  DIR/node.img, DIR/vmlinuz, DIR/initrd.img
set -euo pipefail
dir=$(realpath -m "$1")
root="$dir/root"
mirror=${JCRI_VM_MIRROR:-http://deb.debian.org/debian}
# What the node runs (as the Makefile's RUN_DEBS), what the tests need (TEST_DEBS), and the node itself.
pkgs=systemd,systemd-sysv,dbus,udev,kmod,linux-image-amd64,procps,iproute2,crun,runc,conmon
pkgs+=,containernetworking-plugins,catatonit,iptables,libssl3,docker-registry,busybox-static,apache2-utils

mkdir -p "$dir"
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" > "$dir/debootstrap.log" 2>&1 \
    || { tail -20 "$dir/debootstrap.log"; exit 1; }
  touch "$root/.complete"
fi

echo jcri-node > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 jcri-node\n' > "$root/etc/hosts"
: > "$root/etc/machine-id"
printf 'job /vmshare 9p trans=virtio,version=9p2000.L,msize=524288 0 0\n' > "$root/etc/fstab"
mkdir -p "$root/vmshare"
# The node starts the job from the host's share, then powers off; nothing else of Debian's runs at boot.
install -m 0755 /dev/stdin "$root/usr/local/sbin/jcri-node-job" <<'JOB'
#!/bin/bash
cd /vmshare
bash /vmshare/job.sh > /vmshare/job.log 2>&1
echo $? > /vmshare/job.rc
sync
systemctl poweroff --no-block
JOB
cat > "$root/etc/systemd/system/jcri-node-job.service" <<'UNIT'
[Unit]
Description=jcri test node job
Requires=vmshare.mount dbus.service
After=vmshare.mount dbus.service systemd-udev-settle.service multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/jcri-node-job
[Install]
WantedBy=default.target
UNIT
ln -sf /etc/systemd/system/jcri-node-job.service "$root/etc/systemd/system/default.target.wants/jcri-node-job.service" 2>/dev/null \
  || { mkdir -p "$root/etc/systemd/system/default.target.wants"; ln -sf /etc/systemd/system/jcri-node-job.service "$root/etc/systemd/system/default.target.wants/"; }
for unit in docker-registry.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
    systemd-timesyncd.service getty@tty1.service; do
  chroot "$root" systemctl disable "$unit" >/dev/null 2>&1 || true
done
chroot "$root" systemctl mask serial-getty@ttyS0.service >/dev/null 2>&1 || true

cp -L "$root/vmlinuz" "$dir/vmlinuz"
cp -L "$root/initrd.img" "$dir/initrd.img"
rm -f "$dir/node.img"
mkfs.ext4 -q -F -L jcri-node -d "$root" "$dir/node.img" 8G
echo "node image: $dir/node.img"
