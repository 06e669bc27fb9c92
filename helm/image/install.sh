#!/bin/sh
# Runs in the chart's init container: copies jcri from this image onto the host mounted at /host, writes the
# rendered config, and (re)starts jcri.service in the host's namespaces when something changed.
set -eu
changed=0
copy() { # copy <src> <dest> <mode>
  if ! cmp -s "$1" "/host$2" 2>/dev/null; then
    install -D -m "$3" "$1" "/host$2"
    changed=1
  fi
}
# Jars first, the AOT cache last: the launcher uses the cache only when it is newer than every jar.
for f in /opt/jcri/lib/lib/*.jar; do copy "$f" "$HOST_LIB/lib/$(basename "$f")" 0644; done
for f in /opt/jcri/lib/jcri.jar /opt/jcri/lib/jcri.aot; do
  [ -f "$f" ] && copy "$f" "$HOST_LIB/$(basename "$f")" 0644
done
if [ -d /opt/jcri/java ]; then
  mkdir -p "/host$HOST_LIB/java" && cp -a /opt/jcri/java/. "/host$HOST_LIB/java/"
fi
copy /opt/jcri/jcri "$HOST_BIN/jcri" 0755
copy /config/jcri.toml "$HOST_CONFIG/jcri.toml" 0644
copy /opt/jcri/jcri.service "$HOST_SYSTEMD/jcri.service" 0644
# The launcher finds the bundled Java through JCRI_JAVA.
mkdir -p "/host$HOST_SYSTEMD/jcri.service.d"
printf '[Service]\nEnvironment=JCRI_HOME=%s JCRI_JAVA=%s/java/bin/java\n' "$HOST_LIB" "$HOST_LIB" \
  > "/host$HOST_SYSTEMD/jcri.service.d/10-chart.conf"
if [ "$ENABLE_SERVICE" = "true" ]; then
  nsenter -t 1 -m -u -i -n -p -- systemctl daemon-reload
  nsenter -t 1 -m -u -i -n -p -- systemctl enable jcri
  if [ "$changed" = 1 ]; then
    nsenter -t 1 -m -u -i -n -p -- systemctl restart jcri
  else
    nsenter -t 1 -m -u -i -n -p -- systemctl start jcri
  fi
fi
echo "jcri installed (changed=$changed)"
