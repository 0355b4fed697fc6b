#!/usr/bin/env bash
# Builds certaudit.exe for 64-bit Windows on Debian 12 and runs the README demo with it under
# Wine, checking that it behaves as the Linux build does.
#
#   scripts/windows-check.sh [--tests] [OUT_DIR]        (default: target/windows-check)
#
# 1. Cross-builds with Debian's rustc-web/cargo-web (1.96, bookworm-security) and rust-web-src,
#    which builds the standard library for x86_64-pc-windows-gnu (-Zbuild-std), linked by
#    MinGW-w64 (x86_64-w64-mingw32-gcc). The .exe is written to OUT_DIR/certaudit.exe.
# 2. Checks it imports nothing but Windows system DLLs (nothing to ship beside it).
# 3. Runs the README demo under Wine 8 twice (the second run compares with the first through
#    the history database), and checks the exit code (1: the sample has findings), the reports,
#    their SHA256SUMS, and that report.json and report.csv equal the Linux build's for the same
#    demo (clock, host and path separators aside: scripts/compare-reports.py).
# 4. With --tests: builds the test suite for Windows and runs it under Wine as the target
#    runner (`cargo test --target x86_64-pc-windows-gnu`), leaving out the tests listed in
#    NOT_ON_WINDOWS below, each with the reason.
#
# Wine 8 lacks bcryptprimitives.dll, from which Rust's standard library imports ProcessPrng
# (Windows 10 and later have it): the Wine prefix gets a stand-in built from
# scripts/windows/processprng.c that forwards to BCryptGenRandom. It is for this test prefix
# only and never ships with the binary.
#
# Needs (Debian 12): rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine wine64 python3,
# and the Rust toolchain for the Linux side.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tests=""
if [ "${1:-}" = "--tests" ]; then tests=1; shift; fi
out=$(realpath -m "${1:-target/windows-check}")
rm -rf "$out"
mkdir -p "$out"
target=x86_64-pc-windows-gnu

say() { echo "windows-check: $*"; }
die() { echo "windows-check: $*" >&2; exit 1; }

# Debian's cargo-web installs /usr/bin/cargo and /usr/bin/rustc; a rustup toolchain earlier in
# PATH must not take over, so the build runs with PATH=/usr/bin:/bin.
web_cargo=${WEB_CARGO:-/usr/bin/cargo}
web_rustc=${WEB_RUSTC:-/usr/bin/rustc}
[ -x "$web_cargo" ] && [ -x "$web_rustc" ] || die "no $web_cargo / $web_rustc (apt-get install rustc-web cargo-web rust-web-src)"
sysroot_src="$("$web_rustc" --print sysroot)/lib/rustlib/src/rust/library"
[ -d "$sysroot_src" ] || die "no standard library sources in $sysroot_src (apt-get install rust-web-src)"
command -v x86_64-w64-mingw32-gcc >/dev/null || die "no x86_64-w64-mingw32-gcc (apt-get install gcc-mingw-w64-x86-64)"
command -v wine >/dev/null || die "no wine (apt-get install wine wine64)"
say "$("$web_rustc" --version), $(x86_64-w64-mingw32-gcc --version | head -1), $(wine --version 2>/dev/null)"

say "cross-building certaudit.exe ($target, release)"
env PATH=/usr/bin:/bin RUSTC="$web_rustc" RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_DIR="$root/target/windows" \
  CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
  "$web_cargo" build --locked --release --target "$target" -Zbuild-std=std,panic_abort \
  >"$out/build.log" 2>&1 || { tail -40 "$out/build.log" >&2; die "the cross-build failed (see $out/build.log)"; }
x86_64-w64-mingw32-strip -o "$out/certaudit.exe" "$root/target/windows/$target/release/certaudit.exe"
say "certaudit.exe: $(stat -c %s "$out/certaudit.exe") bytes"

# Only DLLs every Windows 10/11 and Server 2016+ has.
system_dlls="advapi32.dll api-ms-win-core-synch-l1-2-0.dll bcrypt.dll bcryptprimitives.dll crypt32.dll
  kernel32.dll msvcrt.dll ntdll.dll ole32.dll secur32.dll shell32.dll user32.dll userenv.dll ws2_32.dll"
imports=$(x86_64-w64-mingw32-objdump -p "$out/certaudit.exe" | awk '/DLL Name:/ { print tolower($3) }' | sort -u)
for dll in $imports; do
  case " $(echo $system_dlls) " in
    *" $dll "*) ;;
    *) die "certaudit.exe imports $dll, which is not a Windows system DLL" ;;
  esac
done
say "imports only system DLLs: $(echo $imports)"

say "preparing a Wine prefix"
export WINEPREFIX="$out/wineprefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
timeout 300 wineboot --init >"$out/wineboot.log" 2>&1 || die "wineboot failed (see $out/wineboot.log)"
x86_64-w64-mingw32-gcc -O2 -shared -o "$out/bcryptprimitives.dll" \
  scripts/windows/processprng.c scripts/windows/processprng.def -lbcrypt
cp "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT

version=$(timeout 120 wine "$out/certaudit.exe" --version | tr -d '\r')
[ "$version" = "certaudit $(awk -F'"' '/^version/ { print $2; exit }' Cargo.toml)" ] || die "--version said: $version"
say "under Wine: $version"

demo() { # FOLDER: the README demo under Wine, into FOLDER, with its own history
  set +e
  timeout 300 wine "$out/certaudit.exe" scan --config samples/contoso/audit.toml \
    --out "$1" --history "$out/wine-history.sqlite" >"$1.log" 2>&1
  local code=$?
  set -e
  [ "$code" -eq 1 ] || { cat "$1.log" >&2; die "the demo under Wine exited $code, not 1"; }
  for f in report.html report.csv certificates.csv not-audited.csv report.json SHA256SUMS; do
    [ -s "$1/$f" ] || die "the demo under Wine did not write $f"
  done
  (cd "$1" && sha256sum --quiet -c SHA256SUMS) || die "$1/SHA256SUMS does not verify"
}
say "README demo under Wine (twice: the second run is compared with the first)"
demo "$out/wine-1"
demo "$out/wine-2"
grep -q '"changes": {' "$out/wine-2/report.json" || die "the second run under Wine has no changes section"
grep -q 'recorded scan #2' "$out/wine-2.log" || die "the second run under Wine was not recorded: $(cat "$out/wine-2.log")"

say "the same demo on Linux, to compare"
set +e
cargo run --locked -q -- scan --config samples/contoso/audit.toml --out "$out/linux" \
  --history "$out/linux-history.sqlite" >"$out/linux.log" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$out/linux.log" >&2; die "the Linux demo exited $code"; }
python3 scripts/compare-reports.py "$out/linux/report.json" "$out/wine-1/report.json" ||
  die "report.json differs between Linux and Windows"
for csv in report.csv certificates.csv not-audited.csv; do
  if ! diff <(tr '\\' '/' <"$out/linux/$csv") <(tr '\\' '/' <"$out/wine-1/$csv") >"$out/$csv.diff"; then
    head -20 "$out/$csv.diff" >&2
    die "$csv differs between Linux and Windows"
  fi
done
say "ok: report.json, report.csv, certificates.csv and not-audited.csv equal the Linux build's"

# Tests that cannot run on Windows, and why. Everything else runs under Wine.
NOT_ON_WINDOWS=(
  # They write files named after hostile values (<svg onload=…>): Windows forbids < > in names.
  checklist::hostile_values_are_escaped_in_every_report_and_checklist
  cli::html_escapes_certificate_fields
  # It checks SHA256SUMS with coreutils' sha256sum, a Unix program (the demo above checks the
  # manifest the Windows build wrote with sha256sum on Linux instead).
  evidence::the_manifest_verifies_with_sha256sum_and_fails_after_a_change
  # They start Debian's openssl s_server, openssl ocsp, nginx, Dovecot and Postfix, Linux programs, as servers
  # (the Windows build's legacy capture, protocol matrix, staple verification and chain rules
  # are the same code, checked by the unit, rule and scripted-server tests).
  openssl_servers::
  ocsp_staples::
  nginx_servers::
  dovecot_servers::
  postfix_servers::
)
if [ -n "$tests" ]; then
  say "the test suite for Windows, under Wine as the runner"
  skips=()
  for t in "${NOT_ON_WINDOWS[@]}"; do skips+=(--skip "$t"); done
  set +e
  env PATH="/usr/bin:/bin" RUSTC="$web_rustc" RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$root/target/windows" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
    "$web_cargo" test --locked --target "$target" -Zbuild-std=std,panic_abort -- "${skips[@]}" \
    >"$out/tests.log" 2>&1
  code=$?
  set -e
  grep -E '^test result:' "$out/tests.log" | sed 's/^/windows-check: /'
  [ "$code" -eq 0 ] || { grep -E -- '--- |FAILED|panicked' "$out/tests.log" | head -40 >&2; die "tests failed under Wine (see $out/tests.log)"; }
  say "the test suite passes under Wine (${#NOT_ON_WINDOWS[@]} test(s) left out: see NOT_ON_WINDOWS)"
fi
say "ok; see $out"
