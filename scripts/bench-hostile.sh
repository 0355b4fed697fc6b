#!/usr/bin/env bash
# Times each full-size hostile input of tests/integration/hostile.rs, beside one good certificate, with
# one or more certaudit binaries, and prints a Markdown table (wall time, peak RSS, exit
# code). Each run is stopped after $LIMIT seconds (default 120) and 4 GiB of address space.
#
#   cargo build --release
#   cargo run --release --example hostile_corpus -- --full target/hostile
#   scripts/bench-hostile.sh target/hostile target/release/certaudit [OTHER_BINARY ...]
set -u
dir=${1:?usage: bench-hostile.sh DIR BINARY...}; shift
limit=${LIMIT:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
good="$root/tests/fixtures/rsa2048.pem"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '| input | size |'; for b in "$@"; do printf ' %s |' "$b"; done; echo
printf '|---|---|'; for _ in "$@"; do printf -- '---|'; done; echo
for f in "$dir"/*; do
  name=$(basename "$f")
  size=$(du -h "$f" | cut -f1)
  printf '| %s | %s |' "$name" "$size"
  for bin in "$@"; do
    case "$name" in
      *.toml) args=(--waivers "$f" "$good") ;;
      *) args=("$f" "$good") ;;
    esac
    rm -rf "$out/r"
    ( ulimit -v 4194304
      /usr/bin/time -o "$out/time" -f '%e %M' timeout "$limit" "$bin" scan "${args[@]}" \
        --at 2026-06-01 --format json -o "$out/r" --no-history >/dev/null 2>&1 )
    rc=$?
    read -r secs kb < <(tail -n 1 "$out/time")
    case "$rc" in
      124) verdict="killed after ${limit} s" ;;
      *) verdict="exit $rc" ;;
    esac
    printf ' %s s, %s MiB, %s |' "${secs:-?}" "$(( ${kb:-0} / 1024 ))" "$verdict"
  done
  echo
done
