#!/bin/sh
# make bench: Monte Carlo speed and memory on the default scenario.
#   1,000,000 draws of scenarios/leicestershire-2025.yaml (12 years) on all
#   processors; prints draws per second, wall time, threads and peak memory;
#   then the same equations vectorised in NumPy (tests/bench/numpy_model.py),
#   per draw, for comparison: in one process, as a user runs it, and spread
#   over as many processes as hnb has threads.
#   Each is run RUNS times (default 3) and the fastest run is compared, so
#   that a busy moment of a shared machine does not decide the ratio; every
#   run's time is printed.
# usage: [RUNS=3] tests/bench.sh BUILD/hnb [DRAWS] [NUMPY_DRAWS]
set -eu
hnb=${1:-build/hnb}
draws=${2:-1000000}
npdraws=${3:-$draws}
scenario=scenarios/leicestershire-2025.yaml
threads=$(nproc 2>/dev/null || echo 1)
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "hnb Monte Carlo benchmark: $scenario, $draws draws, $threads threads, fastest of $runs runs"
# seconds in a /usr/bin/time "Elapsed" value (h:mm:ss, m:ss or s)
secs_of() { echo "$1" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else if (NF == 2) print $1*60 + $2; else print $1 }'; }
secs= peak=0 all=
for r in $(seq "$runs"); do
  rm -rf "$out/run"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$hnb" run "$scenario" --draws "$draws" --threads "$threads" --no-charts \
      -o "$out/run" >"$out/stdout.$r" 2>"$out/time"
    s=$(secs_of "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time")")
    k=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time")
    [ "$k" -gt "$peak" ] && peak=$k
  else
    start=$(date +%s.%N)
    "$hnb" run "$scenario" --draws "$draws" --threads "$threads" --no-charts -o "$out/run" >"$out/stdout.$r"
    s=$(echo "$(date +%s.%N) - $start" | bc)
    peak=
  fi
  all="$all $s"
  if [ -z "$secs" ] || awk -v a="$s" -v b="$secs" 'BEGIN { exit !(a < b) }'; then
    secs=$s
    cp "$out/stdout.$r" "$out/stdout"
  fi
done
cat "$out/stdout"
rate=$(awk -v d="$draws" -v s="$secs" 'BEGIN { printf "%.0f", d / s }')
us=$(awk -v d="$draws" -v s="$secs" 'BEGIN { printf "%.3f", s / d * 1e6 }')
echo "draws:        $draws"
echo "threads:      $threads"
echo "wall:         ${secs} s, the fastest of$all s (whole run: load, projection, Monte Carlo, statistics, tables)"
echo "draws/s:      $rate  ($us us a draw, wall)"
if [ -n "$peak" ]; then
  echo "peak memory:  $(awk -v k="$peak" 'BEGIN { printf "%.0f MB", k / 1024 }') (the largest of the runs)"
else
  echo "peak memory:  (install the 'time' package for peak memory)"
fi

np=tests/bench/numpy_model.py
# NumPy's time per draw (us) from the model's "numpy: N draws in S s" line in FILE.
np_us() {
  sed -n 's/^numpy: \([0-9]*\) draws in \([0-9.]*\) s.*/\2 \1/p' "$1" | awk '{ printf "%.3f", $1 / $2 * 1e6 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# The NumPy model RUNS times with PROCS processes: its fastest run's output
# into FILE, every run's total on one line.
np_best() {
  procs=$1 file=$2 best= times=
  for r in $(seq "$runs"); do
    /usr/bin/python3 "$np" "$scenario" --draws "$npdraws" --chunk 10000 --procs "$procs" >"$out/np.try"
    t=$(np_us "$out/np.try")
    times="$times $(sed -n 's/^numpy: [0-9]* draws in \([0-9.]*\) s.*/\1/p' "$out/np.try")"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$t
      cp "$out/np.try" "$file"
    fi
  done
  cat "$file"
  echo "(fastest of$times s)"
}
if [ -f "$np" ] && /usr/bin/python3 -c 'import numpy, scipy, yaml' 2>/dev/null; then
  echo
  echo "NumPy alternative ($np), $npdraws draws, its fastest chunk size (10,000 draws), fastest of $runs runs."
  echo "1. As a user runs it: one process (NumPy's array arithmetic runs on one core):"
  np_best 1 "$out/np1"
  if [ "$threads" -gt 1 ]; then
    echo
    echo "2. Like for like: spread over as many processes as hnb has threads ($threads):"
    np_best "$threads" "$out/np"
  fi
  echo
  np1=$(np_us "$out/np1")
  [ -n "$np1" ] && echo "per draw, wall: hnb $us us; NumPy in one process $np1 us: hnb is $(ratio "$np1" "$us")x faster"
  if [ "$threads" -gt 1 ]; then
    npn=$(np_us "$out/np")
    [ -n "$npn" ] && echo "per draw, wall, $threads cores each: hnb $us us, NumPy $npn us: hnb is $(ratio "$npn" "$us")x faster"
  fi
else
  echo "(NumPy comparison skipped: needs python3-numpy, python3-scipy and python3-yaml)"
fi
