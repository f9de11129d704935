#!/usr/bin/env bash
# macOS cannot run here: the two natives in the release jar are checked as what macOS
# loads (Mach-O of the right CPU, @rpath install name, the mm_* exports alone, libSystem
# only, arm64's code signature): cross/test-macos.sh <release-jar>
set -euo pipefail
jar=$1
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
for platform in macos-aarch64 macos-x86_64; do
  unzip -q -o "$jar" "META-INF/native/$platform/libmatmul_kernel.dylib" -d "$work"
  "$HERE/check-native.sh" "$platform" "$work/META-INF/native/$platform/libmatmul_kernel.dylib"
done
