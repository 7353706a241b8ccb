#!/usr/bin/env bash
# Render report.html in a real browser (Debian's headless Chromium) to a
# screenshot and a PDF, and check both are non-trivial.
# usage: tests/browser.sh [BUILD/hnb]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hnb=${1:-$root/build/hnb}
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "browser: install$missing (apt-get install$missing)"; exit 1
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$hnb" run "$root/scenarios/leicestershire-2025.yaml" --draws 2000 -o "$work/run" -q
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir=$work/profile"
# shellcheck disable=SC2086
timeout 120 chromium $flags --window-size=1280,2400 --screenshot="$work/report.png" \
  "file://$work/run/report.html" >/dev/null 2>&1 || true
# shellcheck disable=SC2086
timeout 120 chromium $flags --print-to-pdf="$work/report.pdf" --no-pdf-header-footer \
  "file://$work/run/report.html" >/dev/null 2>&1 || true
pass=0 fail=0
png=$(stat -c %s "$work/report.png" 2>/dev/null || echo 0)
pdf=$(stat -c %s "$work/report.pdf" 2>/dev/null || echo 0)
pages=$(/usr/bin/python3 -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page[^s]", open(sys.argv[1],"rb").read())))' "$work/report.pdf" 2>/dev/null || echo 0)
if [ "$png" -gt 50000 ]; then pass=$((pass+1)); else echo "screenshot too small: $png bytes"; fail=$((fail+1)); fi
if [ "$pdf" -gt 50000 ] && [ "$pages" -ge 3 ]; then pass=$((pass+1)); else
  echo "PDF too small: $pdf bytes, $pages pages"; fail=$((fail+1)); fi
# A committee pack is emailed: the PDF must stay small (hatched SVG charts
# once made it 20 MB, one bitmap per hatched bar).
if [ "$pdf" -lt 5000000 ]; then pass=$((pass+1)); else
  echo "PDF too large for an email: $pdf bytes"; fail=$((fail+1)); fi
# Layout as printed (tests/layout.py): no table or chart wider than A4, no
# heading alone at a page's foot, and on the report every page's footer
# (version, seed, date, page N of M); for the report of a v1 and a v2
# scenario, and the compare and batch pages.
"$hnb" run "$root/scenarios/leicestershire-2026.yaml" --draws 2000 -o "$work/run2" -q
"$hnb" compare "$root/scenarios/leicestershire-mtfs-2025.yaml" \
  "$root/scenarios/leicestershire-mtfs-2025-demand-shock.yaml" \
  "$root/scenarios/leicestershire-mtfs-2025-no-mitigations.yaml" -o "$work/compare" -q
"$hnb" batch "$root/scenarios/leicestershire-mtfs-2026-regime.yaml" \
  "$root/scenarios/leicestershire-mtfs-2026-dsg.yaml" --draws 1000 -o "$work/batch" -q
for page in run/report.html run2/report.html compare/compare.html batch/index.html; do
  lpdf="$work/$(echo "$page" | tr / _).pdf"
  # shellcheck disable=SC2086
  timeout 120 chromium $flags --print-to-pdf="$lpdf" --no-pdf-header-footer \
    "file://$work/$page" >/dev/null 2>&1 || true
  footer=""
  case $page in */report.html) footer=--footer ;; esac
  if python3 "$root/tests/layout.py" "$work/$page" "$lpdf" $footer | sed "s|^|layout $page: |"; then
    pass=$((pass+1))
  else
    fail=$((fail+1))
  fi
done
[ -n "${KEEP:-}" ] && cp "$work/report.png" "$work/report.pdf" "$KEEP"/
echo "browser: screenshot $png bytes, PDF $pdf bytes ($pages pages)"
echo "browser: $pass passed, $fail failed"
[ "$fail" = 0 ]
