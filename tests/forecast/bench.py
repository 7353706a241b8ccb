#!/usr/bin/env python3
"""bench.py - forecast skill across England's councils (make bench-forecast).

Every council of ../shared/data/sen2-la.csv with a full series (EHCP stock at
January 2010-2025 and new plans 2009-2024, both published for every year) is
backtested by `hnb backtest` at rolling origins January 2016..2022 with a
3-year horizon, beside the three naive baselines on the same folds. Each
council runs through the default scenario's structure (its age profile and
by-age exits: tests/forecast/README.md says why that is fair); the stock,
new plans and trend are the council's own.

History rows are financial years: row y holds the stock at January y+1 and
the new plans of calendar y (README, "Building a history"), so January
origins 2016..2022 are --origins 2015:2021.

Exit status 1 when hnb's median error is not below the best baseline's, or
its P10-P90 coverage is outside 65-95% (issue 13's targets); the summary is
printed and written to OUT/summary.md.

usage: bench.py HNB SEN2_CSV SCENARIO OUT [--draws N]
"""
import csv
import os
import statistics as st
import subprocess
import sys

METHODS = [("forecast", "hnb"), ("last_value", "last value"),
           ("linear_trend_5y", "linear trend, last 5 years"),
           ("compound_growth_3y", "compound growth, last 3 years")]


def load(path):
    stock, new, names = {}, {}, {}
    with open(path, encoding="utf-8-sig") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        for code, name, year, e, n, _r in rows:
            if code == "england":
                continue
            names[code] = name
            if e:
                stock.setdefault(code, {})[int(year)] = float(e)
            if n:
                new.setdefault(code, {})[int(year)] = float(n)
    full = sorted(c for c in stock
                  if all(y in stock[c] for y in range(2010, 2026))
                  and all(y in new.get(c, {}) for y in range(2009, 2025)))
    return stock, new, names, full


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    hnb, sen2, scenario, out = sys.argv[1:5]
    draws = "2000"
    if "--draws" in sys.argv:
        draws = sys.argv[sys.argv.index("--draws") + 1]
    stock, new, names, full = load(sen2)
    os.makedirs(os.path.join(out, "histories"), exist_ok=True)
    rows = []
    for i, code in enumerate(full):
        hist = os.path.join(out, "histories", code + ".csv")
        with open(hist, "w") as f:
            f.write("year,ehcps,new_plans\n")
            for y in range(2009, 2025):  # FY y: stock at January y+1, new plans of calendar y
                f.write("%d,%s,%s\n" % (y, stock[code][y + 1], new[code][y]))
        d = os.path.join(out, "councils", code)
        r = subprocess.run([hnb, "backtest", scenario, "--history", hist, "--origins", "2015:2021",
                            "--horizon", "3", "--draws", draws, "--seed", "1", "--no-charts",
                            "-q", "-o", d], capture_output=True, text=True)
        if r.returncode:
            sys.exit("%s (%s): hnb backtest failed: %s" % (code, names[code], r.stderr.strip()))
        with open(os.path.join(d, "backtest.csv")) as f:
            for row in csv.DictReader(f):
                row["code"] = code
                rows.append(row)
        if sys.stderr.isatty():
            sys.stderr.write("\r%d of %d councils" % (i + 1, len(full)))
    if sys.stderr.isatty():
        sys.stderr.write("\n")

    def summary(sel, label):
        lines = ["### %s: %d councils, %d forecasts" % (label, len({r["code"] for r in sel}), len(sel)), "",
                 "| Method | Median error | Mean error | Median bias | Inside P10-P90 |",
                 "|---|---:|---:|---:|---:|"]
        med = {}
        for key, name in METHODS:
            err = [100 * abs(float(r[key]) - float(r["actual"])) / float(r["actual"]) for r in sel]
            bias = [100 * (float(r[key]) - float(r["actual"])) / float(r["actual"]) for r in sel]
            med[key] = st.median(err)
            cov = "%.1f%%" % (100 * st.mean(int(r["inside"]) for r in sel)) if key == "forecast" else "no band"
            lines.append("| %s | %.2f%% | %.2f%% | %+.2f%% | %s |" % (name, med[key], st.mean(err),
                                                                    st.median(bias), cov))
        by_h = []
        for h in ("1", "2", "3"):
            s = [r for r in sel if r["horizon"] == h]
            by_h.append("%s year%s ahead: hnb %.2f%%, best baseline %.2f%%" % (
                h, "" if h == "1" else "s",
                st.median(100 * abs(float(r["forecast"]) - float(r["actual"])) / float(r["actual"]) for r in s),
                min(st.median(100 * abs(float(r[k]) - float(r["actual"])) / float(r["actual"]) for r in s)
                    for k, _ in METHODS[1:])))
        cov = 100 * st.mean(int(r["inside"]) for r in sel)
        return lines + [""] + ["- " + b for b in by_h] + [""], med, cov

    text = ["# Forecast skill across England's councils", "",
            "hnb backtest at origins January 2016 to 2022, 3 years ahead, %s draws each; "
            "source ../shared/data/sen2-la.csv (DfE SEN2, Open Government Licence)." % draws, ""]
    all_lines, med, cov = summary(rows, "All councils with a full series")
    text += all_lines
    # the split the method's one setting was chosen on, and the one it never saw
    for label, par in (("Even-coded councils (q chosen on these)", 0), ("Odd-coded councils (never used to choose)", 1)):
        sel = [r for r in rows if int(r["code"]) % 2 == par]
        text += summary(sel, label)[0]
    best = min(med[k] for k, _ in METHODS[1:])
    ok = med["forecast"] < best and 65 <= cov <= 95
    text.append("**%s**: hnb's median error %.2f%% against %.2f%% for the best baseline; %.1f%% of "
                "held-out years inside P10-P90 (target 65-95%%)." % (
                    "Targets met" if ok else "TARGETS MISSED", med["forecast"], best, cov))
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(text) + "\n")
    print("\n".join(text))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
