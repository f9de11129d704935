#!/usr/bin/env bash
# linux-x86_64, natively, over the release jar: its native is not the one `make test` builds
# (it is linked against glibc 2.28's symbol versions by zig), so the parity vectors, the
# product tests and the kernel paths run again with the jar as the class path's classes.
#   cross/test-linux-x86_64.sh <release-jar>
set -euo pipefail
jar=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS
echo "== linux-x86_64: parity, product and kernel-path tests over $(basename "$jar")"
mvn -B -ntp -q -f "$ROOT/pom.xml" -pl java-binding test -Dmatmul.natives="$ROOT/target/natives" -Dtest.classes.source="$jar" \
  -Dtest='ParityTest,KernelPathsTest,GemmTest,MultiplyTest,KernelInfoTest,GlibcRequirementTest,PlatformTest' \
  -Dsurefire.failIfNoSpecifiedTests=false
cat "$ROOT"/java-binding/target/surefire-reports/*.txt | grep -E '^Tests run' | awk -F'[ ,]+' \
  '{r+=$3; f+=$5; e+=$7; s+=$9} END {print "linux-x86_64: Java tests: "r" run, "f" failed, "e" errors, "s" skipped"}'
mvn -B -ntp -q -f "$ROOT/pom.xml" -pl java-binding clean
echo "== linux-x86_64: took $((SECONDS - start)) s"
