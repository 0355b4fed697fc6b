#!/usr/bin/env bash
# Renders the sample organisation's report.html and checklist.html in headless Chromium to a
# PNG screenshot and a PDF each, and fails on any console message (the pages carry a
# Content-Security-Policy that forbids every external load, so a stray font, image or script
# shows up as a console message) or on an empty render. In the report as Chromium builds it,
# every table-of-contents link must land on an element and the expiry timeline's SVG must be
# painted (scripts/browser-check.py).
#
#   scripts/browser-check.sh [OUT_DIR]     (default: target/browser-check)
#
# Needs Chromium (Debian: apt-get install chromium), python3 and the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-target/browser-check}")
rm -rf "$out"
mkdir -p "$out"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
[ -n "$browser" ] || { echo "browser-check: no chromium found (apt-get install chromium)" >&2; exit 1; }

sample=(samples/contoso/store samples/contoso/exports
  --trust-anchors samples/contoso/trust-anchors/contoso-root-ca.pem
  --pfx-password-file samples/contoso/pfx-password.txt --at 2026-06-01 --out "$out")
set +e
cargo run --locked -q -- scan "${sample[@]}" 2>"$out/scan.log"
code=$?
set -e
[ "$code" -le 1 ] || { cat "$out/scan.log" >&2; echo "browser-check: scan failed ($code)" >&2; exit 1; }
set +e
cargo run --locked -q -- checklist "${sample[@]}" 2>"$out/checklist.log"
code=$?
set -e
# 0, or 3 when the scan behind the checklist is incomplete (the sample has items that cannot
# be audited on purpose): the checklist is written either way.
[ "$code" -eq 0 ] || [ "$code" -eq 3 ] || { cat "$out/checklist.log" >&2; echo "browser-check: checklist failed ($code)" >&2; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run_browser() { # URL, then extra flags; one retry if the browser itself fails
  local url=$1; shift
  local attempt
  for attempt in 1 2; do
    if timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" "$url"; then
      return 0
    fi
    echo "browser-check: $browser failed on $url (attempt $attempt)" >&2
  done
  return 1
}

# A blank page rendered the same way: a real render must be far larger than this.
echo '<!DOCTYPE html><html><body></body></html>' >"$out/blank.html"
run_browser "file://$out/blank.html" --window-size=1300,2000 --screenshot="$out/blank.png" 2>/dev/null
blank=$(stat -c %s "$out/blank.png")

status=0
for page in report checklist; do
  url="file://$out/$page.html"
  log="$out/$page.console.log"
  run_browser "$url" --window-size=1300,2000 --screenshot="$out/$page.png" 2>"$log" &&
    run_browser "$url" --print-to-pdf="$out/$page.pdf" --no-pdf-header-footer 2>>"$log" || {
    tail -20 "$log" >&2
    echo "browser-check: cannot render $page.html" >&2
    exit 1
  }
  if grep -q 'CONSOLE' "$log"; then
    echo "browser-check: $page.html wrote to the console:" >&2
    grep 'CONSOLE' "$log" >&2
    status=1
  fi
  png=$(stat -c %s "$out/$page.png" 2>/dev/null || echo 0)
  pages=$(grep -a -c '/Type /Page\b' "$out/$page.pdf" 2>/dev/null || echo 0)
  if [ "$png" -lt $((blank * 4)) ]; then
    echo "browser-check: $page.png looks empty ($png bytes; a blank page is $blank)" >&2
    status=1
  fi
  if [ "$pages" -lt 2 ]; then
    echo "browser-check: $page.pdf has $pages page(s); the sample needs several" >&2
    status=1
  fi
  echo "browser-check: $page.html: screenshot $png bytes (blank page: $blank), PDF $pages page(s), $(grep -c CONSOLE "$log" || true) console message(s)"
done
# The report as Chromium builds it: every table-of-contents link lands on an element, and the
# expiry timeline is an SVG with bars; then the timeline alone is screenshot and must show
# its bars' colours (the SVG was painted, not merely present).
command -v python3 >/dev/null || { echo "browser-check: python3 is needed" >&2; exit 1; }
run_browser "file://$out/report.html" --dump-dom >"$out/report.dom.html" 2>>"$out/report.console.log" || {
  echo "browser-check: cannot dump the DOM of report.html" >&2
  exit 1
}
python3 scripts/browser-check.py links "$out/report.dom.html" || status=1
python3 scripts/browser-check.py timeline "$out/report.dom.html" || status=1
python3 scripts/browser-check.py extract "$out/report.html" timeline "$out/timeline.html" || status=1
run_browser "file://$out/timeline.html" --window-size=1300,900 --screenshot="$out/timeline.png" 2>>"$out/report.console.log" || {
  echo "browser-check: cannot render the timeline" >&2
  exit 1
}
# The bars' fills (templates/style.css): ok, medium, high, critical.
python3 scripts/browser-check.py pixels "$out/timeline.png" 2000 '#1e8449' '#d68910' '#c0392b' '#8b0000' || {
  echo "browser-check: the timeline did not render its bars (see $out/timeline.png)" >&2
  status=1
}
[ "$status" -eq 0 ] && echo "browser-check: ok, see $out/*.png and $out/*.pdf"
exit "$status"
