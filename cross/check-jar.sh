#!/usr/bin/env bash
# Checks the release jars: cross/check-jar.sh <release-dir> <natives-dir> <platform>...
# - the jar carries META-INF/native/<platform>/<library> for every platform, and each is
#   byte for byte the native that cross/build-native.sh built and checked;
# - it stays under 4 MiB; the sources and javadoc jars Maven Central requires are there.
set -euo pipefail
release=$1 natives=$2
shift 2
jar=$(ls "$release"/matmul-ffm-*.jar | grep -v -e '-sources.jar$' -e '-javadoc.jar$' | head -1)
fail() { echo "check-jar: $jar: $*" >&2; exit 1; }
[ -f "$jar" ] || fail "no release jar in $release"
listing=$(unzip -Z1 "$jar")
for platform in "$@"; do
  case "$platform" in
    macos-*) library=libmatmul_kernel.dylib ;;
    windows-*) library=matmul_kernel.dll ;;
    *) library=libmatmul_kernel.so ;;
  esac
  entry="META-INF/native/$platform/$library"
  grep -qx "$entry" <<<"$listing" || fail "no $entry"
  cmp -s <(unzip -p "$jar" "$entry") "$natives/$entry" || fail "$entry differs from the checked build in $natives"
done
count=$(grep -c '^META-INF/native/[^/]*/[^/]\+$' <<<"$listing")
[ "$count" -eq $# ] || fail "$count natives in the jar, expected $#: $(grep '^META-INF/native/.*[^/]$' <<<"$listing" | tr '\n' ' ')"
size=$(stat -c %s "$jar")
[ "$size" -lt $((4 * 1024 * 1024)) ] || fail "$size bytes, over the 4 MiB budget"
for kind in sources javadoc; do
  extra=${jar%.jar}-$kind.jar
  [ -s "$extra" ] || fail "no $kind jar ($extra)"
done
grep -q 'io/github/matmulffm/Matmul.java' <<<"$(unzip -Z1 "${jar%.jar}-sources.jar")" || fail "the sources jar lacks Matmul.java"
grep -q 'io/github/matmulffm/Matmul.html' <<<"$(unzip -Z1 "${jar%.jar}-javadoc.jar")" || fail "the javadoc jar lacks Matmul.html"
echo "check-jar: $(basename "$jar"): $# natives ($*), $((size / 1024)) KiB (budget 4096 KiB); sources and javadoc jars present"
