#!/usr/bin/env bash
# linux-aarch64 under qemu-user: cross/test-linux-aarch64.sh <release-jar>
#  1. the kernel's cargo tests (parity vectors included), built for aarch64 with Debian's
#     Rust, run once with MATMUL_KERNEL=neon and once with MATMUL_KERNEL=generic;
#     then the NEON and portable paths' speed under qemu, as a sanity figure;
#  2. the Java binding's unit tests on trixie's arm64 OpenJDK 25, over the release jar
#     (its linux-aarch64 native), with Maven and javac running natively.
set -euo pipefail
jar=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CACHE=${MATMUL_CROSS_CACHE:-$HOME/.cache/matmul-ffm-cross}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT="$HERE/.."
SYSROOT="$CACHE/jdk-arm64"
step() { local start=$SECONDS; echo "== linux-aarch64: $1"; shift; "$@"; echo "== linux-aarch64: took $((SECONDS - start)) s"; }

export RUSTC="$CACHE/bin/rustc"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
cargo_aarch64() {
  (cd "$ROOT/rust-kernel" && cargo "$1" --release --locked --target aarch64-unknown-linux-gnu --target-dir target/cross "${@:2}")
}
# Prints each test binary's result line and any failure; fails when cargo test fails.
# Two tests of placement.rs are skipped here. They check where Linux runs a thread right
# after sched_setaffinity, and inside the 2 ms a worker spins after a call; under qemu-user
# both answers come late (seen failing, one run in two). Placement is the same code on
# both architectures, and make test runs all three natively.
SCHEDULER_BOUND=(--skip a_thread_on_the_callers_cpu_moves_off_it_and_back
  --skip a_worker_leaves_the_callers_cpu_and_parks_with_its_whole_mask)
run_tests() {
  MATMUL_KERNEL=$1 cargo_aarch64 test --tests --no-fail-fast --quiet -- "${SCHEDULER_BOUND[@]}" 2>&1 |
    grep -E '^(test result|failures|---- )|panicked'
  return "${PIPESTATUS[0]}"
}
build_all() { cargo_aarch64 build --lib --quiet && cargo_aarch64 test --tests --no-run --quiet; }
step "build the kernel and its tests" build_all
for kernel in neon generic; do
  step "cargo tests, MATMUL_KERNEL=$kernel" run_tests "$kernel"
done
# A sanity figure, not a measurement: qemu translates NEON into host code.
step "kernel speed under qemu (neon against generic, sanity only)" cargo_aarch64 run --quiet --example kernel_paths_speed -- 256 3

# Child JVMs (the forked tests, jspawnhelper) are arm64 programs too: the kernel must hand
# them to qemu, which binfmt_misc does (mounted and registered here when root).
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64
  else
    echo "linux-aarch64: qemu-aarch64 is not registered with binfmt_misc (needs root): forked JVM tests will fail" >&2
  fi
fi
export QEMU_LD_PREFIX="$SYSROOT"
java_arm64=$(ls "$SYSROOT"/usr/lib/jvm/java-25-openjdk-arm64/bin/java)
"$java_arm64" -XshowSettings:properties -version 2>&1 | grep -E 'os.arch|java.version ' | sed 's/^ */linux-aarch64: /'
# The redeploy test's memory bound: under qemu 7.2 resident memory includes the emulator's own
# heap, which grows with each cycle's fresh library copy and freshly compiled code that it
# translates. A 100-cycle run grew 87 MB, 59 MB of it in qemu's host-side mappings (smaps),
# 0.7-1.0 MiB a cycle over the second half, against 33 KiB natively on the same n.
# The library and worker counts it also checks stay exact.
step "Java binding tests on the arm64 JDK over $(basename "$jar")" \
  mvn -B -ntp -q -f "$ROOT/pom.xml" -pl java-binding test -Dmatmul.natives="$ROOT/target/natives" \
    -Djvm="$java_arm64" -Dtest.classes.source="$jar" -Dsurefire.timeout=2400 -Dmatmul.redeploy.n=200 \
    -Dmatmul.redeploy.maxGrowthKiB=2048
summary=$(cat "$ROOT"/java-binding/target/surefire-reports/*.txt | grep -E '^Tests run' | awk -F'[ ,]+' '{r+=$3; f+=$5; e+=$7; s+=$9} END {print r" run, "f" failed, "e" errors, "s" skipped"}')
grep -h "kernel=\|avx512\|neon" "$ROOT"/java-binding/target/surefire-reports/io.github.matmulffm.KernelInfoTest-output.txt 2>/dev/null | head -2 || true
echo "linux-aarch64: Java tests: $summary"
mvn -B -ntp -q -f "$ROOT/pom.xml" -pl java-binding clean
