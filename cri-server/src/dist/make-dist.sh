#!/usr/bin/env bash
# Builds what a node installs without Maven or a JDK, from a `make build` tree:
#   OUT/jcri-VERSION-linux-amd64.tar.gz   the files below, under jcri-VERSION-linux-amd64/
#   OUT/jcri_VERSION_amd64.deb            the same files, as a Debian package
# Files: /usr/lib/jcri (jar, libraries, a jlink'ed Java runtime, the AOT cache trained on that runtime),
# /usr/bin/jcri (the launcher), /lib/systemd/system/jcri.service, /etc/jcri/jcri.toml (the defaults, a conffile).
# Usage: make-dist.sh VERSION OUT       (run from the repository's top; JAVA_HOME is the JDK that jlinks)
set -euo pipefail
version=$1; out=$(realpath -m "$2")
java_home=${JAVA_HOME:?JAVA_HOME must name a JDK 25}
target=cri-server/target
name="jcri-$version-linux-amd64"
stage="$out/$name"
rm -rf "$stage"; mkdir -p "$stage/usr/lib/jcri/lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/jcri/jcri.d"

install -m 0644 "$target/jcri.jar" "$stage/usr/lib/jcri/jcri.jar"
install -m 0644 "$target"/lib/*.jar "$stage/usr/lib/jcri/lib/"
install -d "$stage/usr/lib/jcri/lib/native"
install -m 0644 "$target"/lib/native/*.so "$stage/usr/lib/jcri/lib/native/"
# The modules jcri and its libraries use (jdeps), plus those reached only by reflection or service loading.
modules=$("$java_home/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  -cp "$target/lib/*" "$target/jcri.jar")
modules="$modules,java.logging,jdk.unsupported,jdk.crypto.cryptoki,jdk.charsets"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress zip-6 --generate-cds-archive --output "$stage/usr/lib/jcri/runtime"
# jcri's heap is far below 32 GiB: the archive for uncompressed pointers is never used.
rm -f "$stage/usr/lib/jcri/runtime/lib/server/classes_nocoops.jsa"
sed -e 's|^JCRI_HOME=.*|JCRI_HOME=${JCRI_HOME:-/usr/lib/jcri}|' cri-server/src/dist/jcri > "$stage/usr/bin/jcri"
chmod 0755 "$stage/usr/bin/jcri"
sed -e 's|^ExecStart=.*|ExecStart=/usr/bin/jcri|' cri-server/src/dist/jcri.service > "$stage/lib/systemd/system/jcri.service"
JCRI_HOME="$stage/usr/lib/jcri" "$stage/usr/bin/jcri" config --config-dir /nonexistent > "$stage/etc/jcri/jcri.toml"
# The AOT cache is trained on the runtime it ships with (a cache is only valid for the JVM that wrote it).
sh cri-server/src/dist/train-aot.sh "$stage/usr/bin/jcri" "$stage/usr/lib/jcri" "$stage/usr/lib/jcri/jcri.aot"
find "$stage" -type d -exec chmod 0755 {} +

tar -C "$out" --owner=0 --group=0 -czf "$out/$name.tar.gz" "$name"

# The .deb: the same tree, with what it runs with as dependencies.
deb="$out/deb"
rm -rf "$deb"; cp -a "$stage" "$deb"; mkdir -p "$deb/DEBIAN"
size=$(du -sk "$deb" | cut -f1)
cat > "$deb/DEBIAN/control" <<CONTROL
Package: jcri
Version: $version
Architecture: amd64
Maintainer: jcri developers <jcri@localhost>
Installed-Size: $size
Depends: crun, runc, conmon, containernetworking-plugins, catatonit, iptables, iproute2, libssl3
Section: admin
Priority: optional
Homepage: https://localhost/jcri
Description: Kubernetes container runtime (CRI v1) written in Java
 jcri serves kubelet and crictl on a unix socket: pods with pinned namespaces, CNI networking and a cgroup,
 containers under conmon with crun or runc, images in a layered store on overlayfs. It ships its own Java
 runtime; no JDK is needed.
CONTROL
echo /etc/jcri/jcri.toml > "$deb/DEBIAN/conffiles"
cat > "$deb/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  echo "jcri installed: start it with systemctl enable --now jcri"
fi
POSTINST
cat > "$deb/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl stop jcri >/dev/null 2>&1 || true
fi
PRERM
cat > "$deb/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ]; then
  echo "jcri's state stays in /var/lib/jcri (images, records): remove it by hand when no pods are wanted"
fi
POSTRM
chmod 0755 "$deb/DEBIAN/postinst" "$deb/DEBIAN/prerm" "$deb/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zgzip --build "$deb" "$out/jcri_${version}_amd64.deb" >/dev/null
rm -rf "$deb"
ls -l "$out/$name.tar.gz" "$out/jcri_${version}_amd64.deb"
