#!/usr/bin/env bash
# Checks a built native against what the jar promises, and fails on any difference:
#   cross/check-native.sh <platform> <library>
# - the file format and CPU architecture of the platform;
# - it exports the header's mm_* functions and nothing else;
# - Linux: no symbol version newer than GLIBC_2.28, no symbol table left (stripped);
# - Windows: no DLL beyond the system's (no mingw runtime to ship beside it), stripped;
# - macOS: install name @rpath/<library>, linked against libSystem only, no local
#   symbols, and (arm64) the ad-hoc code signature macOS requires to load it.
set -euo pipefail

platform=$1 library=$2
HERE=$(cd "$(dirname "$0")" && pwd)
HEADER="$HERE/../rust-kernel/include/matmul_kernel.h"
GLIBC_FLOOR=${GLIBC_FLOOR:-2.28}
fail() { echo "check-native: $platform: $library: $*" >&2; exit 1; }

expected=$(sed -n 's/^\(const \)\{0,1\}[a-z_0-9]* \**\(mm_[a-z_0-9]*\)(.*/\2/p' "$HEADER" | sort)
[ -n "$expected" ] || fail "no mm_* functions found in $HEADER"
same_exports() {
  local found=$1
  if [ "$found" != "$expected" ]; then
    diff <(echo "$expected") <(echo "$found") | sed 's/^/  /' >&2
    fail "exports differ from the header's mm_* functions (< header, > library)"
  fi
}

case "$platform" in
  linux-x86_64 | linux-aarch64)
    case "$platform" in
      linux-x86_64) machine="Advanced Micro Devices X86-64" ;;
      linux-aarch64) machine="AArch64" ;;
    esac
    # Outputs are captured first: grep -q closing a pipe early would fail it under pipefail.
    elf=$(readelf -h "$library")
    grep -q "Type: *DYN" <<<"$elf" || fail "not an ELF shared object"
    grep -q "Machine: *$machine" <<<"$elf" || fail "not built for $machine: $(grep Machine <<<"$elf")"
    same_exports "$(nm -D --defined-only "$library" | awk '{print $3}' | sort)"
    newest=$(objdump -T "$library" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
    [ -n "$newest" ] || fail "no GLIBC symbol versions (not linked against glibc?)"
    if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC_FLOOR" | sort -V | tail -1)" != "$GLIBC_FLOOR" ]; then
      fail "needs GLIBC_$newest, newer than the floor GLIBC_$GLIBC_FLOOR: $(objdump -T "$library" | grep "GLIBC_$newest" | awk '{print $NF}' | sort -u | tr '\n' ' ')"
    fi
    if grep -q '\.symtab' <<<"$(readelf -S "$library")"; then fail "not stripped (.symtab present)"; fi
    echo "check-native: $platform ok: $machine, $(echo "$expected" | wc -l) mm_* exports only, glibc <= $newest, stripped"
    ;;
  windows-x86_64)
    objdump_w=x86_64-w64-mingw32-objdump
    pe=$("$objdump_w" -p "$library")
    grep -q "file format pei-x86-64" <<<"$pe" || fail "not a PE32+ x86-64 file"
    grep -qx $'\tDLL' <<<"$pe" || fail "not a DLL (no DLL characteristic)"
    same_exports "$(sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' <<<"$pe" | awk '/^\t\[/ {print $NF}' | sort)"
    deps=$(sed -n 's/^\s*DLL Name: //p' <<<"$pe" | tr 'A-Z' 'a-z' | sort -u)
    for dll in $deps; do
      case "$dll" in
        kernel32.dll | msvcrt.dll | ntdll.dll | userenv.dll | ws2_32.dll | advapi32.dll | bcryptprimitives.dll | api-ms-win-*) ;;
        *) fail "depends on $dll, which Windows does not have" ;;
      esac
    done
    if [ -n "$(x86_64-w64-mingw32-nm "$library" 2>/dev/null)" ]; then fail "not stripped (symbols present)"; fi
    echo "check-native: $platform ok: PE32+ x86-64 DLL, $(echo "$expected" | wc -l) mm_* exports only, system DLLs only, stripped"
    ;;
  macos-x86_64 | macos-aarch64)
    case "$platform" in
      macos-x86_64) cpu=X86_64 ;;
      macos-aarch64) cpu=ARM64 ;;
    esac
    headers=$(llvm-objdump-19 --macho --private-header "$library")
    grep -q "MH_MAGIC_64 *$cpu .*DYLIB" <<<"$headers" || fail "not a 64-bit $cpu Mach-O dylib: $(echo "$headers" | sed -n 3p)"
    id=$(llvm-objdump-19 --macho --dylib-id "$library" | tail -1)
    [ "$id" = "@rpath/$(basename "$library")" ] || fail "install name is '$id', not @rpath/$(basename "$library")"
    used=$(llvm-objdump-19 --macho --dylibs-used "$library" | tail -n +2 | awk '{print $1}' | grep -v '^@rpath/')
    [ "$used" = "/usr/lib/libSystem.B.dylib" ] || fail "links against more than libSystem: $used"
    same_exports "$(llvm-objdump-19 --macho --exports-trie "$library" | awk '/^0x/ {sub(/^_/, "", $2); print $2}' | sort)"
    locals=$(llvm-nm-19 --defined-only "$library" | awk '$2 ~ /^[a-z]$/' | wc -l)
    [ "$locals" -eq 0 ] || fail "not stripped ($locals local symbols)"
    if [ "$cpu" = ARM64 ]; then
      grep -q LC_CODE_SIGNATURE <<<"$(llvm-objdump-19 --macho --all-headers "$library")" || fail "no code signature (arm64 macOS refuses unsigned code)"
    fi
    echo "check-native: $platform ok: Mach-O $cpu dylib, install name $id, $(echo "$expected" | wc -l) mm_* exports only, libSystem only, stripped"
    ;;
  *) fail "unknown platform" ;;
esac
