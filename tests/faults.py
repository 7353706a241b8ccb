#!/usr/bin/env python3
"""The fault-injection suite (issue 19): hnb under faults, as a user would
meet them. Run by `make faults` (and .ci/run):

    python3 tests/faults.py build/hnb [--quick]

Every trial runs the real command line into a directory that already holds a
good result, then checks what a reader would see afterwards:

  alloc       allocation failure from the N-th allocation on (an LD_PRELOAD
              library, tests/faults/failalloc.c), N spread over the whole run:
              exit 0 with the new result complete, or exit 1 saying "not
              enough memory" with the old result intact; never a crash
  disk        a small tmpfs that fills up during the run (or, where mounting
              is not allowed, a file-size limit): exit 0 and complete, or
              exit 1 naming the reason ("No space left on device") with the
              old result intact
  kill        SIGKILL, SIGINT and SIGTERM at random moments: the old result
              intact (or the new one complete, if the run had finished); no
              debris after SIGINT and SIGTERM, and none after the next run
              when SIGKILL left a stage
  concurrent  two runs with different seeds into one directory: both exit 0,
              and the directory holds one of the two results, complete
  control     a NUL or another control byte at every position of a history
              and a population CSV: exit 2 at that byte's line and column
  special     a FIFO and /dev/zero wherever hnb reads a path: a clear error,
              exit 2, within seconds (never a hang)
  mapping     99,000 and 250,000 keys in one mapping: refused within seconds

Outside a trial's directory nothing may be left but the result: "debris" is
any stage (.NAME.hnb-*) or temporary file beside it.

The exit status is 1 when any trial fails. The counts per kind are printed,
and the first failures with their command lines.
"""
import hashlib
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HNB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/hnb")
QUICK = "--quick" in sys.argv
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
SCEN = "scenarios/leicestershire-2026.yaml"
HISTORY = "scenarios/history/leicestershire-sen2.csv"
V1 = "scenarios/leicestershire-2025.yaml"
rng = random.Random(19)  # the trials are the same on every run
WORK = tempfile.mkdtemp(prefix="hnb-faults-")

counts = {}  # kind -> [trials, failures]
failures = []


def record(kind, ok, what):
    c = counts.setdefault(kind, [0, 0])
    c[0] += 1
    if not ok:
        c[1] += 1
        failures.append(f"[{kind}] {what}")


def snapshot(d):
    """Every file under D (hidden ones too) and its SHA-256; None if no D."""
    if not os.path.isdir(d):
        return None
    out = {}
    for base, dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def debris(d):
    """What a run into D left beside it: stages and temporary names."""
    parent, name = os.path.split(os.path.abspath(d))
    return [e for e in os.listdir(parent) if e.startswith("." + name + ".")]


def hnb(args, env=None, timeout=120, **kw):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([HNB] + args, capture_output=True, text=True, env=e,
                          timeout=timeout, errors="replace", **kw)


def run_into(d, seed, charts=False, draws=500, extra=()):
    args = ["run", SCEN, "-o", d, "--draws", str(draws), "--seed", str(seed), "-q", "-j", "2"]
    if not charts:
        args.append("--no-charts")
    return args + list(extra)


def reference(name, seed, charts):
    """A run's result, made once in a directory of its own."""
    d = os.path.join(WORK, f"ref-{name}")
    r = hnb(run_into(d, seed, charts))
    assert r.returncode == 0, r.stderr
    return snapshot(d)


def good_dir(name, charts=False):
    """A directory holding a good result (seed 7): what a fault must keep."""
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    r = hnb(run_into(d, 7, charts))
    assert r.returncode == 0, r.stderr
    return d, snapshot(d)


# ---- allocation failure -------------------------------------------------

def build_failalloc():
    so = os.path.join(WORK, "failalloc.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so,
                    os.path.join(ROOT, "tests/faults/failalloc.c")], check=True)
    return so


def alloc_trials():
    so = build_failalloc()
    new = {c: reference(f"alloc-{c}", 1, c) for c in (False, True)}
    r = hnb(run_into(os.path.join(WORK, "alloc-count"), 1),
            env={"LD_PRELOAD": so, "HNB_COUNT_ALLOC": "1"})
    total = int(r.stderr.strip().split()[-1])
    # N spread over the whole run: every stage (load, projection, draws,
    # statistics, tables, report, workbook) gets failures
    ns = sorted(set([1, 2, 3, 5, 8, 13] + [rng.randint(1, total + 50)
                                           for _ in range(40 if QUICK else 160)]))
    for k, n in enumerate(ns):
        charts = k % 10 == 0
        d, before = good_dir("alloc", charts)
        r = hnb(run_into(d, 1, charts), env={"LD_PRELOAD": so, "HNB_FAIL_ALLOC": str(n)})
        after = snapshot(d)
        said = any(s in r.stderr for s in ("not enough memory", "Cannot allocate memory",
                                           "out of memory"))
        ok = ((r.returncode == 0 and after == new[charts]) or
              (r.returncode == 1 and said and after == before)) and not debris(d)
        record("alloc", ok, f"HNB_FAIL_ALLOC={n} of {total} (charts {charts}): exit "
                            f"{r.returncode}, stderr {r.stderr.strip()[-200:]!r}, "
                            f"{'intact' if after == before else 'changed'}, debris {debris(d)}")
    return total


# ---- a full disk --------------------------------------------------------

def can_mount():
    m = os.path.join(WORK, "mnt-probe")
    os.makedirs(m, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", m],
                       capture_output=True)
    if r.returncode == 0:
        subprocess.run(["umount", m])
        return True
    return False


def disk_trials():
    new = reference("disk", 1, True)
    mnt = os.path.join(WORK, "mnt")
    os.makedirs(mnt, exist_ok=True)
    if can_mount():
        sizes = sorted(rng.sample(range(40, 3200, 16), 12 if QUICK else 48))
        for kb in sizes:
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", mnt], check=True)
            try:
                d = os.path.join(mnt, "out")
                g = hnb(run_into(d, 7, False))
                before = snapshot(d) if g.returncode == 0 else None
                r = hnb(run_into(d, 1, True))
                after = snapshot(d)
                ok = ((r.returncode == 0 and after == new) or
                      (r.returncode == 1 and "No space left on device" in r.stderr and
                       after == before)) and not debris(d)
                record("disk", ok, f"tmpfs of {kb} KB: exit {r.returncode}, "
                                   f"{r.stderr.strip()[-200:]!r}, debris {debris(d)}")
            finally:
                subprocess.run(["umount", mnt])
        return "tmpfs"
    # no mount here: a file-size limit makes the big files' writes fail
    import resource

    for kb in sorted(rng.sample(range(1, 1200, 4), 12 if QUICK else 48)):
        d, before = good_dir("disk", False)

        def limit(kb=kb):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (kb * 1024, kb * 1024))

        r = hnb(run_into(d, 1, True), preexec_fn=limit)
        after = snapshot(d)
        ok = ((r.returncode == 0 and after == new) or
              (r.returncode == 1 and "File too large" in r.stderr and after == before)) \
            and not debris(d)
        record("disk", ok, f"file size limit {kb} KB: exit {r.returncode}, "
                           f"{r.stderr.strip()[-200:]!r}, debris {debris(d)}")
    return "file-size limit"


# ---- signals ------------------------------------------------------------

def kill_trials():
    new = reference("kill", 1, True)
    t0 = time.time()
    hnb(run_into(os.path.join(WORK, "kill-time"), 1, True))
    span = time.time() - t0
    for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
        for _ in range(4 if QUICK else 12):
            d, before = good_dir("kill", True)
            p = subprocess.Popen([HNB] + run_into(d, 1, True), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, span))
            p.send_signal(sig)
            p.wait()
            time.sleep(0.2)  # a gnuplot the run started may still be ending
            after = snapshot(d)
            whole = after == before or after == new
            left = debris(d)
            if sig == signal.SIGKILL and left:
                # a stage left by SIGKILL goes with the next run into D
                hnb(run_into(d, 7, False))
                left = debris(d)
            record("kill", whole and not left,
                   f"signal {sig.name} at a random moment: "
                   f"{'old' if after == before else 'new' if after == new else 'MIXED'} "
                   f"result, debris {left}")


def concurrent_trials():
    refs = [reference(f"conc-{s}", s, False) for s in (1, 2)]
    refs_c = [reference(f"conc-c-{s}", s, True) for s in (1, 2)]
    for k in range(6 if QUICK else 20):
        charts = k % 2 == 1
        d = os.path.join(WORK, "conc")
        shutil.rmtree(d, ignore_errors=True)
        ps = [subprocess.Popen([HNB] + run_into(d, s, charts), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True) for s in (1, 2)]
        rcs = [p.wait() for p in ps]
        after = snapshot(d)
        want = refs_c if charts else refs
        record("concurrent", rcs == [0, 0] and after in want and not debris(d),
               f"two runs into one directory (charts {charts}): exits {rcs}, "
               f"{'one complete result' if after in want else 'MIXED'}, debris {debris(d)}")


# ---- control bytes in CSV input -------------------------------------------

def place(text, i):
    """Line and column (1-based, in bytes) of byte I of TEXT."""
    line = text.count(b"\n", 0, i) + 1
    return line, i - (text.rfind(b"\n", 0, i) + 1) + 1


def control_trials():
    hist = b"# a small history\nyear,ehcps,new_plans\n2021,5000,700\n2022,5600,760\n" \
           b"2023,6300,850\n2024,7196,929\n"
    scen = os.path.join(WORK, "pop.yaml")
    with open(scen, "w") as f:
        f.write("hnb: 1\nname: x\nstart_year: 2025\nyears: 2\nfunding: {grant: 1m}\n"
                "settings: [{id: ms, cost: 1000}, {id: sp, cost: 2000}]\n"
                "population: {from_csv: pop.csv}\n"
                "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n")
    pop = b"age,setting,count\n5,ms,10\n6,sp,20\n7,ms,30\n"
    bytes_ = [0, 1, 27, 127] if not QUICK else [0, 27]
    for name, text, cmd in (
            ("history.csv", hist,
             lambda p: ["calibrate", V1, "--history", p, "-q", "-o", os.path.join(WORK, "cal")]),
            ("pop.csv", pop, lambda p: ["check", scen])):
        path = os.path.join(WORK, name)
        for i in range(len(text)):
            for b in bytes_:
                t = text[:i] + bytes([b]) + text[i + 1:]
                with open(path, "wb") as f:
                    f.write(t)
                r = hnb(cmd(path), timeout=30)
                line, col = place(t, i)
                want = f"{path}:{line}:{col}: "
                ok = r.returncode == 2 and want in r.stderr and "control character" in r.stderr
                record("control", ok, f"byte {b:#04x} at {name} byte {i} (line {line}, column "
                                      f"{col}): exit {r.returncode}, {r.stderr.strip()[:200]!r}")


# ---- special files --------------------------------------------------------

def special_trials():
    fifo = os.path.join(WORK, "fifo.yaml")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    out = os.path.join(WORK, "special-out")
    ext = os.path.join(WORK, "ext-{}.yaml")
    pop = os.path.join(WORK, "pop-{}.yaml")
    bdir = os.path.join(WORK, "batch-fifo")
    os.makedirs(bdir, exist_ok=True)
    shutil.copy(V1, os.path.join(bdir, "good.yaml"))
    if not os.path.exists(os.path.join(bdir, "pipe.yaml")):
        os.mkfifo(os.path.join(bdir, "pipe.yaml"))
    cases = []
    for tag, path in (("fifo", fifo), ("zero", "/dev/zero")):
        with open(ext.format(tag), "w") as f:
            f.write(f"hnb: 1\nextends: {path}\n")
        with open(pop.format(tag), "w") as f:
            f.write("hnb: 1\nname: x\nstart_year: 2025\nyears: 2\nfunding: {grant: 1m}\n"
                    f"settings: [{{id: ms, cost: 1000}}]\npopulation: {{from_csv: {path}}}\n"
                    "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n")
        cases += [
            ["run", path, "-o", out], ["check", path], ["batch", path, "-o", out],
            ["compare", V1, path, "-o", out], ["sweep", path, "--vary", "new_plans.growth=0:1:2",
                                               "-o", out],
            ["solve", path, "--vary", "new_plans.growth", "--target", "cumulative_deficit@2028<=0"],
            ["calibrate", path, "--history", HISTORY, "-o", out],
            ["backtest", path, "--history", HISTORY, "-o", out],
            ["calibrate", V1, "--history", path, "-o", out],
            ["backtest", V1, "--history", path, "-o", out],
            ["check", ext.format(tag)], ["check", pop.format(tag)],
            ["run", V1, "--set", f"population={{from_csv: {path}}}", "-o", out]]
    cases.append(["batch", bdir, "-o", out, "--no-charts"])
    for args in cases:
        t0 = time.time()
        try:
            r = hnb(args + ["-q"] if args[0] not in ("check", "solve") else args, timeout=20)
            rc, err = r.returncode, r.stderr
        except subprocess.TimeoutExpired:
            rc, err = "hung", ""
        dt = time.time() - t0
        ok = rc == 2 and dt < 10 and ("not a regular file" in err or "cannot open" in err)
        record("special", ok, f"hnb {' '.join(args)}: exit {rc} in {dt:.1f}s, {err.strip()[:200]!r}")


def mapping_trials():
    for n, dup, want in ((99000, True, "duplicate key"), (250000, False, "document too large")):
        p = os.path.join(WORK, f"keys-{n}.yaml")
        with open(p, "w") as f:
            f.write("hnb: 1\nname: x\nx:\n")
            f.writelines(f"  k{i}: 1\n" for i in range(n))
            if dup:
                f.write("  k5: 2\n")
        t0 = time.time()
        r = hnb(["check", p], timeout=60)
        dt = time.time() - t0
        record("mapping", r.returncode == 2 and want in r.stderr and dt < 5,
               f"{n} keys: exit {r.returncode} in {dt:.2f}s, {r.stderr.strip()[:120]!r}")
        print(f"  mapping of {n} keys refused in {dt:.2f} s", flush=True)


def main():
    t0 = time.time()
    try:
        for name, fn in (("mapping", mapping_trials), ("special", special_trials),
                         ("control", control_trials), ("alloc", alloc_trials),
                         ("disk", disk_trials), ("kill", kill_trials),
                         ("concurrent", concurrent_trials)):
            t = time.time()
            extra = fn()
            c = counts.get(name, [0, 0])
            print(f"{name:11s} {c[0]:5d} trials, {c[1]:3d} failed  ({time.time() - t:.1f} s"
                  f"{', ' + str(extra) if extra else ''})", flush=True)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    total = sum(c[0] for c in counts.values())
    bad = sum(c[1] for c in counts.values())
    print(f"faults: {total} trials, {bad} failed, in {time.time() - t0:.0f} s")
    for f in failures[:20]:
        print("  " + f)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
