#!/bin/sh
# A local registry on 127.0.0.1:5000 holding a busybox image built from Debian's busybox-static, so that
# `crictl pull 127.0.0.1:5000/busybox:latest` works with no network: Debian's docker-registry serves it, skopeo
# copies the image in. Run as root on Debian 12. `sh local-registry.sh stop` stops the registry.
set -eu
DIR=/var/lib/jcri-example-registry
if [ "${1:-}" = stop ]; then
  [ -f "$DIR/pid" ] && kill "$(cat "$DIR/pid")" 2>/dev/null || true
  rm -f "$DIR/pid"
  exit 0
fi
need=""
for p in docker-registry skopeo busybox-static; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
[ -z "$need" ] || { apt-get update -q && apt-get install -y -q $need; }
mkdir -p "$DIR/data"
cat > "$DIR/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $DIR/data
http:
  addr: 127.0.0.1:5000
YAML
if ! curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 &
  echo $! > "$DIR/pid"
  for _ in $(seq 50); do curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 0.1; done
fi
# The image: busybox with its applets, a /www page, and a user 1000, as an OCI layout skopeo copies.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
root="$work/root"; mkdir -p "$root/bin" "$root/etc" "$root/www" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
echo '<h1>hello from jcri</h1>' > "$root/www/index.html"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/www:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
oci="$work/oci"; mkdir -p "$oci/blobs/sha256"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
diffid=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -c "$work/layer.tar" > "$work/layer.tar.gz"
layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1); lsize=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$oci/blobs/sha256/$layer"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$diffid" > "$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$work/config.json")
mv "$work/config.json" "$oci/blobs/sha256/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$config" "$csize" "$layer" "$lsize" > "$work/manifest.json"
manifest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$work/manifest.json")
mv "$work/manifest.json" "$oci/blobs/sha256/$manifest"
printf '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
  "$manifest" "$msize" > "$oci/index.json"
skopeo copy --quiet --dest-tls-verify=false "oci:$oci:latest" docker://127.0.0.1:5000/busybox:latest
echo "127.0.0.1:5000/busybox:latest is served; crictl pull 127.0.0.1:5000/busybox:latest"
