#!/usr/bin/env python3
"""choose_q.py - how HNB_TREND_Q (forecast.h) was chosen: the profile
log-likelihood of the local linear trend's signal-to-noise ratio q, pooled
over the even-coded councils of sen2-la.csv with a full series (January
2010-2025). The odd-coded councils are never used to choose, and
make bench-forecast reports them apart.

usage: choose_q.py ../shared/data/sen2-la.csv
"""
import csv
import math
import sys


def filt(g, q):
    """The filter of forecast.c, pass 1, in units where R = 1: the
    standardised innovations' squares and their variances."""
    b, p, ss, logf = g[0], 1 + q, 0.0, 0.0
    for x in g[1:]:
        pp = p + q
        f = pp + 1
        v = x - b
        ss += v * v / f
        logf += math.log(f)
        k = pp / f
        b += k * v
        p = pp * (1 - k)
    return ss, logf, len(g) - 1


def main():
    stock = {}
    with open(sys.argv[1], encoding="utf-8-sig") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        for code, _name, year, e, _n, _r in rows:
            if code != "england" and e:
                stock.setdefault(code, {})[int(year)] = float(e)
    even = sorted(c for c in stock if int(c) % 2 == 0 and all(y in stock[c] for y in range(2010, 2026)))
    print("q      log-likelihood (%d even-coded councils)" % len(even))
    for q in (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0):
        ll = 0.0
        for c in even:
            g = [math.log(stock[c][y] / stock[c][y - 1]) for y in range(2011, 2026)]
            ss, logf, n = filt(g, q)
            r = ss / n  # maximum likelihood R given q
            ll += -0.5 * (n * math.log(r) + logf + n)
        print("%-6g %.1f" % (q, ll))


if __name__ == "__main__":
    main()
