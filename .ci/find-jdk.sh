#!/bin/sh
# Prints the home of a JDK 25 or newer to build jcri with: JAVA_HOME if it is one, else one under /usr/lib/jvm,
# else the one `javac` on the PATH belongs to. Prints nothing and fails when there is none.
version() {
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}
javac_home=""
if command -v javac >/dev/null 2>&1; then
  javac_home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
for home in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* ${javac_home:+"$javac_home"}; do
  [ -x "$home/bin/javac" ] && [ -x "$home/bin/jlink" ] || continue
  v=$(version "$home")
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then
    echo "$home"
    exit 0
  fi
done
exit 1
