#!/usr/bin/env bash
# Builds the kernel's release native for one platform of the jar and checks it:
#   cross/build-native.sh <platform> <out-dir>
# writes <out-dir>/META-INF/native/<platform>/<library>. Platforms: linux-x86_64,
# linux-aarch64, windows-x86_64, macos-x86_64, macos-aarch64. The toolchains come from
# cross/toolchains.sh (run first; MATMUL_CROSS_CACHE says where they are).
#
#   linux-*   glibc 2.28 floor: zig cc links against 2.28's symbol versions; stripped
#   windows   mingw-w64; std built from Debian's source (no prebuilt std for it here)
#   macos-*   ld64.lld with zig's libSystem stubs; std from source; install name
#             @rpath/libmatmul_kernel.dylib; local symbols and debug info left out
set -euo pipefail

platform=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
CACHE=${MATMUL_CROSS_CACHE:-$HOME/.cache/matmul-ffm-cross}
HERE=$(cd "$(dirname "$0")" && pwd)
KERNEL="$HERE/../rust-kernel"
TARGET_DIR="$KERNEL/target/cross"
[ -x "$CACHE/bin/rustc" ] || { echo "build-native: no toolchains in $CACHE; run cross/toolchains.sh" >&2; exit 1; }

build_std=(--config "$CACHE/bin/build-std.toml" -Zbuild-std=std,panic_unwind)
export CARGO_PROFILE_RELEASE_STRIP=symbols
unset RUSTFLAGS
cargo_env=()
extra=()
case "$platform" in
  linux-x86_64)
    # rustup's own compiler and std: the host's, with zig as the linker for the floor.
    triple=x86_64-unknown-linux-gnu library=libmatmul_kernel.so
    cargo_env=(CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$CACHE/bin/zig-cc-x86_64-linux-gnu.2.28") ;;
  linux-aarch64)
    triple=aarch64-unknown-linux-gnu library=libmatmul_kernel.so
    cargo_env=(RUSTC="$CACHE/bin/rustc" CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="$CACHE/bin/zig-cc-aarch64-linux-gnu.2.28") ;;
  windows-x86_64)
    triple=x86_64-pc-windows-gnu library=matmul_kernel.dll
    cargo_env=(RUSTC="$CACHE/bin/rustc" RUSTC_BOOTSTRAP=1 CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc)
    extra=("${build_std[@]}") ;;
  macos-x86_64 | macos-aarch64)
    arch=${platform#macos-}
    triple=$arch-apple-darwin library=libmatmul_kernel.dylib
    linker_var=CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_LINKER
    # rustc would call Apple's strip, which is not here: lld leaves out what strip would remove.
    cargo_env=(RUSTC="$CACHE/bin/rustc" RUSTC_BOOTSTRAP=1 SDKROOT="$CACHE/macos-sdk" "$linker_var=ld64.lld-19"
      CARGO_PROFILE_RELEASE_STRIP=false
      RUSTFLAGS="-C linker-flavor=ld64.lld -C link-arg=-install_name -C link-arg=@rpath/$library -C link-arg=-x -C link-arg=-S")
    extra=("${build_std[@]}") ;;
  *) echo "build-native: unknown platform '$platform'" >&2; exit 2 ;;
esac

start=$SECONDS
(cd "$KERNEL" && env "${cargo_env[@]}" cargo build --quiet --release --lib --locked --target "$triple" \
  --target-dir "$TARGET_DIR" "${extra[@]}")
dest="$out/META-INF/native/$platform"
mkdir -p "$dest"
cp "$TARGET_DIR/$triple/release/$library" "$dest/$library"
"$HERE/check-native.sh" "$platform" "$dest/$library"
echo "build-native: $platform: $dest/$library ($(stat -c %s "$dest/$library") bytes, $((SECONDS - start)) s)"
