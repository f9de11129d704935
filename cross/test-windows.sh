#!/usr/bin/env bash
# windows-x86_64 under Wine: the kernel's cargo tests (parity vectors included), built for
# x86_64-pc-windows-gnu with Debian's Rust (std from source) and mingw-w64, run by wine64
# in the cache's prefix (which has the bcryptprimitives stub Rust's std needs on Wine 8).
set -euo pipefail
CACHE=${MATMUL_CROSS_CACHE:-$HOME/.cache/matmul-ffm-cross}
HERE=$(cd "$(dirname "$0")" && pwd)
step() { local start=$SECONDS; echo "== windows-x86_64: $1"; shift; "$@"; echo "== windows-x86_64: took $((SECONDS - start)) s"; }
export RUSTC="$CACHE/bin/rustc" RUSTC_BOOTSTRAP=1 WINEPREFIX="$CACHE/wine" WINEDEBUG=-all
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=/usr/lib/wine/wine64
cargo_windows() {
  (cd "$HERE/../rust-kernel" && cargo "$1" --release --locked --target x86_64-pc-windows-gnu --target-dir target/cross \
    --config "$CACHE/bin/build-std.toml" -Zbuild-std=std,panic_unwind,test "${@:2}")
}
# Prints each test binary's result line and any failure; fails when cargo test fails.
run_tests() { cargo_windows test --tests --no-fail-fast --quiet 2>&1 | grep -E '^(test result|failures|---- )|panicked'; return "${PIPESTATUS[0]}"; }
step "build the kernel's tests" cargo_windows test --tests --no-run --quiet
step "cargo tests under $(/usr/lib/wine/wine64 --version)" run_tests
