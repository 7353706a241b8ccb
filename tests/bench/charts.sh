#!/bin/sh
# make bench, charts: what a run costs with its charts, and a batch.
#   1. a plain `hnb run` of the default scenario: without charts, with the
#      default charts (SVG) and with PNG and SVG;
#   2. the mitigations chart with 50, 500 and 4,000 mitigations (the default
#      scenario and that many more, fixed delivery), 3,000 draws: the run
#      without charts and with PNG and SVG (the charts' cost is the
#      difference);
#   3. `hnb batch` of COUNCILS scenarios (default 150: the shipped scenarios
#      in turn, each under a council's name), --jobs JOBS (default: the
#      processors) with and without charts, and --jobs 1 with charts.
# Wall and CPU (user + system) seconds; each run of 1 and 2 the fastest of
# RUNS (default 3), a batch once.
# usage: [RUNS=3] [COUNCILS=150] [JOBS=n] tests/bench/charts.sh BUILD/hnb
set -eu
hnb=${1:-build/hnb}
runs=${RUNS:-3}
councils=${COUNCILS:-150}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
scenario=scenarios/leicestershire-2026.yaml
root=$(pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "(charts benchmark skipped: needs the 'time' package)"
  exit 0
fi

# best WHAT CMD...: CMD run RUNS times; prints the fastest wall and its CPU
best() {
  what=$1
  shift
  bw= bc= r=0
  while [ "$r" -lt "$runs" ]; do
    rm -rf "$out/run"
    /usr/bin/time -f '%e %U %S' -o "$out/t" "$@" >/dev/null 2>"$out/err" || {
      echo "$what: failed"
      cat "$out/err"
      return 0
    }
    w=$(awk '{ print $1 }' "$out/t") c=$(awk '{ printf "%.2f", $2 + $3 }' "$out/t")
    if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w bc=$c; fi
    r=$((r + 1))
  done
  printf '  %-44s %6.2f s wall %6.2f s CPU\n' "$what" "$bw" "$bc"
  echo "$bw" >"$out/last"
}
once() {
  runs_was=$runs
  runs=1
  best "$@"
  runs=$runs_was
}

echo "Charts: $scenario (fastest of $runs runs)"
best "run, --no-charts" "$hnb" run "$scenario" -o "$out/run" -q --no-charts
best "run, default charts (SVG)" "$hnb" run "$scenario" -o "$out/run" -q
best "run, --charts png,svg" "$hnb" run "$scenario" -o "$out/run" -q --charts png,svg

echo
echo "The mitigations chart: $scenario and N more mitigations, 3,000 draws"
for n in 50 500 4000; do
  f="$out/mit$n.yaml"
  {
    echo "extends: $root/$scenario"
    echo "name: Leicestershire with $n more mitigations"
    echo "mitigations:"
    i=1
    while [ "$i" -le "$n" ]; do
      case $((i % 3)) in 0) s=mainstream ;; 1) s=independent ;; *) s=special ;; esac
      echo "  - {name: Mitigation $i, type: unit_cost, setting: $s, reduction: \"0.0$((i % 9 + 1))%\", start: $((2025 + i % 4)), ramp: [0.5, 1]}"
      i=$((i + 1))
    done
  } >"$f"
  best "N = $n, --no-charts" "$hnb" run "$f" -o "$out/run" -q --draws 3000 --no-charts
  without=$(cat "$out/last")
  best "N = $n, --charts png,svg" "$hnb" run "$f" -o "$out/run" -q --draws 3000 --charts png,svg
  echo "  $(awk -v a="$(cat "$out/last")" -v b="$without" 'BEGIN { printf "charts: %+.2f s wall", a - b }')"
done

echo
echo "hnb batch: $councils scenarios (the shipped ones in turn, renamed), once each"
mkdir -p "$out/councils"
set -- "$root"/scenarios/*.yaml
k=1
while [ "$k" -le "$councils" ]; do
  i=$(((k - 1) % $# + 1))
  eval "f=\${$i}"
  printf 'extends: %s\nname: Council %03d (%s)\n' "$f" "$k" "$(basename "$f" .yaml)" >"$out/councils/council-$(printf %03d "$k").yaml"
  k=$((k + 1))
done
once "batch --jobs $jobs, --no-charts" "$hnb" batch "$out/councils" -o "$out/b1" --jobs "$jobs" --no-charts
once "batch --jobs $jobs, default charts (SVG)" "$hnb" batch "$out/councils" -o "$out/b2" --jobs "$jobs"
once "batch --jobs 1, default charts (SVG)" "$hnb" batch "$out/councils" -o "$out/b3" --jobs 1
exit 0
