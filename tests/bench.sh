#!/bin/sh
# make bench: Monte Carlo speed and memory on the default scenario.
#   1,000,000 draws of scenarios/leicestershire-2025.yaml (12 years) on all
#   processors; prints draws per second, wall time, threads and peak memory;
#   then the same equations vectorised in NumPy (tests/bench/numpy_model.py)
#   for comparison, per draw, like with like:
#     - whole process against whole process, as a user waits for them
#       (hnb also loads, projects, writes every table and the workbook;
#       Python also starts and imports NumPy and SciPy);
#     - Monte Carlo stage against Monte Carlo stage (hnb's "Monte Carlo: ...
#       in S s" line: draws, percentiles, exceedances, rank correlations,
#       tornado; NumPy's "total": draws and percentiles only);
#   NumPy in one process (its array arithmetic runs on one core), as a user
#   runs it, and spread over as many processes as hnb has threads; and CPU
#   time core for core, hnb on all its threads and on one (one core against
#   one core, beside NumPy in one process).
#   Each is run RUNS times (default 3), taking turns (hnb before and after
#   each round of NumPy's), and the fastest runs are compared, so that a
#   busy moment of a shared machine does not decide the ratio; every run's
#   time is printed.
# usage: [RUNS=3] [SCENARIO=...] tests/bench.sh BUILD/hnb [DRAWS] [NUMPY_DRAWS]
#   (make bench runs it on the v1 model, scenarios/leicestershire-2025.yaml,
#   then on the v2 default, scenarios/leicestershire-2026.yaml: thirteen
#   primary needs and the 2026 regime)
set -eu
hnb=${1:-build/hnb}
draws=${2:-1000000}
npdraws=${3:-$draws}
scenario=${SCENARIO:-scenarios/leicestershire-2025.yaml}
threads=$(nproc 2>/dev/null || echo 1)
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# seconds in a /usr/bin/time "Elapsed" value (h:mm:ss, m:ss or s)
secs_of() { echo "$1" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else if (NF == 2) print $1*60 + $2; else print $1 }'; }
# A < B for decimals
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# microseconds a draw: SECONDS DRAWS
per_draw() { awk -v s="$1" -v d="$2" 'BEGIN { printf "%.3f", s / d * 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# the wall clock of COMMAND... in seconds into $out/wall (its output to $out/cmd.out)
timed() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" >"$out/cmd.out" 2>"$out/time"
    secs_of "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time")" >"$out/wall"
    # CPU seconds, user + system: the work done, whatever the number of cores
    awk -F': ' '/User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { s = $2 } END { print u + s }' "$out/time" >"$out/cpu"
  else
    start=$(date +%s.%N)
    "$@" >"$out/cmd.out"
    echo "$(date +%s.%N) - $start" | bc >"$out/wall"
    echo "" >"$out/cpu"
  fi
}

have_np=0
if [ -f tests/bench/numpy_model.py ] && /usr/bin/python3 -c 'import numpy, scipy, yaml' 2>/dev/null; then
  have_np=1
fi
np=tests/bench/numpy_model.py

# One hnb run: the fastest so far kept ($secs, $out/stdout), peak memory the largest.
secs= peak=0 all= cpu=
hnb_run() {
  rm -rf "$out/run"
  timed "$hnb" run "$scenario" --draws "$draws" --threads "$threads" --no-charts -o "$out/run"
  s=$(cat "$out/wall")
  if [ -f "$out/time" ]; then
    k=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time")
    [ "$k" -gt "$peak" ] && peak=$k
  fi
  all="$all $s"
  if [ -z "$secs" ] || less "$s" "$secs"; then
    secs=$s
    cpu=$(cat "$out/cpu")
    cp "$out/cmd.out" "$out/stdout"
  fi
}
# One NumPy run with PROCS processes: the fastest so far (whole process)
# kept, its model output in FILE and its process wall in FILE.wall; every
# run's time in FILE.times.
np_run() {
  procs=$1 file=$2
  timed /usr/bin/python3 "$np" "$scenario" --draws "$npdraws" --chunk 10000 --procs "$procs"
  s=$(cat "$out/wall")
  echo "$s" >>"$file.times"
  if [ ! -f "$file.wall" ] || less "$s" "$(cat "$file.wall")"; then
    cp "$out/cmd.out" "$file"
    echo "$s" >"$file.wall"
    cp "$out/cpu" "$file.cpu"
  fi
}

# The runs take turns, hnb before and after each round of NumPy's, so that
# both sample the same moments of a machine whose speed wanders.
echo "hnb Monte Carlo benchmark: $scenario, $draws draws, $threads threads"
for r in $(seq "$runs"); do
  hnb_run
  if [ "$have_np" = 1 ]; then
    np_run 1 "$out/np1"
    [ "$threads" -gt 1 ] && np_run "$threads" "$out/np"
  fi
done
hnb_run
# hnb on one thread, for one core against one core: two threads cost more
# CPU a draw than one (they share the machine's caches and memory)
cpu1=
for r in $(seq "$runs"); do
  rm -rf "$out/run1"
  timed "$hnb" run "$scenario" --draws "$draws" --threads 1 --no-charts -o "$out/run1"
  c=$(cat "$out/cpu")
  if [ -n "$c" ] && { [ -z "$cpu1" ] || less "$c" "$cpu1"; }; then cpu1=$c; fi
done

cat "$out/stdout"
# the Monte Carlo stage of the fastest run, from "Monte Carlo: ... in 0.79s (..."
mc=$(sed -n 's/^Monte Carlo: .* in \([0-9.]*\)s (.*/\1/p' "$out/stdout")
us=$(per_draw "$secs" "$draws")
echo "draws:        $draws"
echo "threads:      $threads"
echo "wall:         ${secs} s, the fastest of$all s (whole run: load, projection, Monte Carlo, statistics, tables)"
echo "draws/s:      $(awk -v d="$draws" -v s="$secs" 'BEGIN { printf "%.0f", d / s }')  ($us us a draw, wall)"
[ -n "$cpu" ] && echo "CPU:          $cpu s user + system ($(per_draw "$cpu" "$draws") us a draw, core for core)"
[ -n "$cpu1" ] && echo "CPU, 1 thread: $cpu1 s user + system ($(per_draw "$cpu1" "$draws") us a draw; the fastest of $runs runs with --threads 1)"
[ -n "$mc" ] && echo "Monte Carlo:  ${mc} s of it ($(per_draw "$mc" "$draws") us a draw)"
if [ "$peak" -gt 0 ]; then
  echo "peak memory:  $(awk -v k="$peak" 'BEGIN { printf "%.0f MB", k / 1024 }') (the largest of the runs)"
else
  echo "peak memory:  (install the 'time' package for peak memory)"
fi

# NumPy's Monte Carlo stage in FILE: its "numpy: N draws in S s" line.
np_stage() { sed -n 's/^numpy: [0-9]* draws in \([0-9.]*\) s.*/\1/p' "$1"; }
# The fastest NumPy run in FILE, and every run's time.
np_show() {
  cat "$1"
  echo "process:             $(cat "$1.wall") s wall, the fastest of $(tr '\n' ' ' <"$1.times")s (start, imports, load and all of the above)"
}
# Both comparisons against the NumPy run in FILE, described as WHAT.
compare() {
  file=$1 what=$2
  npw=$(cat "$file.wall") nps=$(np_stage "$file")
  echo "$what:"
  echo "  whole process:     hnb $us us a draw, NumPy $(per_draw "$npw" "$npdraws") us: hnb is $(ratio "$(per_draw "$npw" "$npdraws")" "$us")x faster (wall)"
  npc=$(cat "$file.cpu" 2>/dev/null || true)
  if [ -n "$cpu" ] && [ -n "$npc" ]; then
    hc=$(per_draw "$cpu" "$draws") nc=$(per_draw "$npc" "$npdraws")
    echo "  CPU, core for core: hnb $hc us a draw, NumPy $nc us: hnb is $(ratio "$nc" "$hc")x faster"
    if [ -n "$cpu1" ] && [ "$file" = "$out/np1" ]; then
      h1=$(per_draw "$cpu1" "$draws")
      echo "  CPU, one core each: hnb on one thread $h1 us a draw, NumPy $nc us: hnb is $(ratio "$nc" "$h1")x faster"
    fi
  fi
  if [ -n "$mc" ] && [ -n "$nps" ]; then
    hm=$(per_draw "$mc" "$draws") nm=$(per_draw "$nps" "$npdraws")
    echo "  Monte Carlo stage: hnb $hm us a draw, NumPy $nm us: hnb is $(ratio "$nm" "$hm")x faster"
  fi
}
if [ "$have_np" = 1 ]; then
  echo
  echo "NumPy alternative ($np), $npdraws draws, its fastest chunk size (10,000 draws), fastest of $runs runs."
  echo "1. As a user runs it: one process (NumPy's array arithmetic runs on one core):"
  np_show "$out/np1"
  if [ "$threads" -gt 1 ]; then
    echo
    echo "2. Spread over as many processes as hnb has threads ($threads):"
    np_show "$out/np"
  fi
  echo
  compare "$out/np1" "per draw, NumPy in one process"
  [ "$threads" -gt 1 ] && compare "$out/np" "per draw, NumPy in $threads processes ($threads cores each)"
else
  echo "(NumPy comparison skipped: needs python3-numpy, python3-scipy and python3-yaml)"
fi
exit 0
