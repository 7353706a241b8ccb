#!/bin/sh
# make test SANITIZE=thread: ThreadSanitizer on the engine's threads.
# Criterion cannot start under ThreadSanitizer ("Could not initialize
# inheritable arena", Snaipe/Criterion#274), so this runs the Monte Carlo of
# every shipped scenario with the instrumented binary on 1, 2, 3 and 8
# threads, past the pilot (65,536 draws) by eight blocks of 4,096 so that
# the windows, eight tallies side by side and the statistics' pool all run;
# it fails on any ThreadSanitizer report, and unless every thread count wrote
# the same bytes. Then the v1 model with 600,000 draws on 1, 2 and 3
# threads: past 524,288, so that the windows narrow once (at 262,144 draws),
# their placing and the tallies' moves on every thread.
# usage: tests/tsan.sh BUILD/tsan/hnb [DRAWS]
set -eu
hnb=$1
draws=${2:-100000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
# check SCENARIO DRAWS LABEL THREADS...: the first thread count's bytes are
# the others' reference
check() {
  s=$1 draws=$2 label=$3
  shift 3
  bad=0 first=
  for th in "$@"; do
    rm -rf "$out/$th"
    if ! TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$hnb" run "$s" --draws "$draws" --threads "$th" \
        --no-charts -o "$out/$th" >/dev/null 2>"$out/err"; then
      echo "FAIL: $s$label on $th threads"
      cat "$out/err"
      bad=1
      continue
    fi
    [ -z "$first" ] && first=$th && continue
    for f in $(cd "$out/$first" && ls *.csv *.md); do
      cmp -s "$out/$first/$f" "$out/$th/$f" || { echo "FAIL: $s$label: $f differs on $th threads"; bad=1; }
    done
  done
  if [ "$bad" = 0 ]; then
    echo "ok: $s$label ($(echo "$@" | sed 's/ /, /g') threads: no race reported, the same bytes)"
  else
    status=1
  fi
}
for s in scenarios/*.yaml; do
  check "$s" "$draws" "" 1 2 3 8
done
check scenarios/leicestershire-2025.yaml 600000 ", 600,000 draws, the windows narrowing" 1 2 3
exit $status
