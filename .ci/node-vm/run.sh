#!/usr/bin/env bash
# Boots the test node (image.sh's DIR) with qemu, runs JOB (a bash script) in it as root once systemd is up,
# and exits with the job's status. The disk image is never written (-snapshot): each boot starts from the same
# node, and several can run at once. The host paths in SHARE ("path[:ro]" ...) are mounted at the same paths
# in the node, so a checkout, Maven's repository and the JDK are used where they are.
# Usage: run.sh DIR JOB [SHARE...]     Output: DIR/<job name>.console.log and DIR/<job name>.log
set -euo pipefail
dir=$(realpath "$1"); job=$2; shift 2
name=$(basename "$job" .sh)
share=$(mktemp -d "$dir/share.XXXXXX")
trap 'rm -rf "$share"' EXIT
{
  echo 'set -euo pipefail'
  n=0
  for s in "$@"; do
    path=${s%:ro}; opts=trans=virtio,version=9p2000.L,msize=524288
    [ "$s" != "$path" ] && opts+=,ro
    echo "mkdir -p '$path' && mount -t 9p -o $opts share$n '$path'"
    n=$((n + 1))
  done
  cat "$job"
} > "$share/job.sh"
: > "$dir/$name.log"
args=(-machine "${JCRI_VM_MACHINE:-q35,accel=kvm}" ${JCRI_VM_ACCEL:+-accel "$JCRI_VM_ACCEL"}
  -cpu "${JCRI_VM_CPU:-host,-arch-capabilities}" -smp "${JCRI_VM_CPUS:-2}" -m "${JCRI_VM_MEMORY:-4G}"
  -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img"
  -append "root=/dev/vda rw console=ttyS0 ${JCRI_VM_QUIET-quiet systemd.show_status=0} ${JCRI_VM_CMDLINE:-}"
  -drive "file=$dir/node.img,format=raw,if=virtio,cache=unsafe" -snapshot
  -virtfs "local,path=$share,mount_tag=job,security_model=none"
  -nic none -nographic -no-reboot -serial "file:$dir/$name.console.log" -monitor none)
n=0
for s in "$@"; do
  path=${s%:ro}
  ro=""; [ "$s" != "$path" ] && ro=",readonly=on"
  args+=(-virtfs "local,path=$path,mount_tag=share$n,security_model=none$ro")
  n=$((n + 1))
done
# The job's output, as it comes: the node writes it to the share, this follows it.
tail -n +1 -F "$share/job.log" 2>/dev/null >> "$dir/$name.log" & follower=$!
trap 'kill $follower 2>/dev/null; rm -rf "$share"' EXIT
timeout "${JCRI_VM_TIMEOUT:-3600}" qemu-system-x86_64 "${args[@]}" || echo "qemu failed or timed out ($?)" >&2
sleep 1
if [ ! -f "$share/job.rc" ]; then
  echo "the node's job did not finish; its console:" >&2; tail -50 "$dir/$name.console.log" >&2
  exit 1
fi
exit "$(cat "$share/job.rc")"
