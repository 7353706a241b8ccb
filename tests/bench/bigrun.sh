#!/bin/sh
# make bench: how the cost of a run grows with its draws (issue 20): a
# million and ten million draws of the v1 model, taking turns RUNS times
# (default 3), without charts. Prints each run's CPU time (user + system,
# the work done whatever the number of cores) and peak memory, the median
# CPU of each size, and their ratio: ten times the draws should cost at
# most 10.5 times the CPU (fixed costs, loading and writing, make it a
# little under ten when the draws cost the same each).
# usage: [RUNS=3] [SCENARIO=...] tests/bench/bigrun.sh BUILD/hnb
set -eu
hnb=${1:-build/hnb}
scenario=${SCENARIO:-scenarios/leicestershire-2025.yaml}
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ ! -x /usr/bin/time ]; then
  echo "big runs: skipped (install the 'time' package)"
  exit 0
fi

# one run of DRAWS: "CPU-seconds peak-MB" on standard output
one() {
  rm -rf "$out/run"
  /usr/bin/time -f '%U %S %M' -o "$out/time" "$hnb" run "$scenario" --draws "$1" --no-charts -q -o "$out/run" >/dev/null
  awk '{ printf "%.2f %.0f\n", $1 + $2, $3 / 1024 }' "$out/time"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "Big runs: $scenario, 1,000,000 and 10,000,000 draws, taking turns, $runs times"
: >"$out/1m"
: >"$out/10m"
for r in $(seq "$runs"); do
  a=$(one 1000000)
  b=$(one 10000000)
  echo "$a" >>"$out/1m"
  echo "$b" >>"$out/10m"
  echo "  round $r:  1M: ${a% *} CPU-s, ${a#* } MB   10M: ${b% *} CPU-s, ${b#* } MB"
done
c1=$(cut -d' ' -f1 "$out/1m" | median)
c10=$(cut -d' ' -f1 "$out/10m" | median)
m1=$(cut -d' ' -f2 "$out/1m" | sort -n | tail -1)
m10=$(cut -d' ' -f2 "$out/10m" | sort -n | tail -1)
echo "1,000,000 draws:   median $c1 CPU-s, peak $m1 MB"
echo "10,000,000 draws:  median $c10 CPU-s, peak $m10 MB"
echo "ratio:             $(awk -v a="$c10" -v b="$c1" 'BEGIN { printf "%.2f", a / b }') times the CPU for ten times the draws (target: at most 10.5)"
