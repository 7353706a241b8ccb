#!/usr/bin/python3
"""Read workbook.xlsx back (openpyxl) and check it against the run's CSV files:
every cell of the projection, placements and montecarlo sheets must equal the
CSV value to the printed precision; the Summary sheet's budget-paper table must
equal projection.csv in £m; the sheets have frozen header rows and charts.
usage: check_workbook.py RUN_DIR   (exit 0 when all agree)"""
import csv
import sys

import openpyxl

d = sys.argv[1]
wb = openpyxl.load_workbook(f"{d}/workbook.xlsx")
problems = []


def check_sheet(name, csvname, tol):
    if name not in wb.sheetnames:
        problems.append(f"no sheet {name}")
        return
    ws = wb[name]
    if ws.freeze_panes is None:
        problems.append(f"{name}: header row not frozen")
    rows = list(csv.reader(open(f"{d}/{csvname}")))
    got = [[c.value for c in r] for r in ws.iter_rows()]
    if len(got) != len(rows):
        problems.append(f"{name}: {len(got)} rows, CSV has {len(rows)}")
        return
    if [str(x) for x in got[0]] != rows[0]:
        problems.append(f"{name}: header {got[0]} != {rows[0]}")
    for i, (g, c) in enumerate(zip(got[1:], rows[1:]), start=2):
        for j, (gv, cv) in enumerate(zip(g, c)):
            try:
                if abs(float(gv) - float(cv)) > tol:
                    problems.append(f"{name} row {i} col {j + 1}: {gv} != {cv}")
            except (TypeError, ValueError):
                if str(gv) != cv:
                    problems.append(f"{name} row {i} col {j + 1}: {gv!r} != {cv!r}")


check_sheet("projection", "projection.csv", 0.0051)
check_sheet("placements", "placements.csv", 0.0051)
check_sheet("mitigations", "mitigations.csv", 0.0051)
try:
    open(f"{d}/montecarlo.csv")
    check_sheet("montecarlo", "montecarlo.csv", 0.0051)
except FileNotFoundError:
    pass

# Summary: the budget-paper table in £m
ws = wb["Summary"]
proj = list(csv.DictReader(open(f"{d}/projection.csv")))
for i, row in enumerate(proj):
    cells = [ws.cell(row=5 + i, column=k).value for k in range(1, 7)]
    want = [row["label"]] + [float(row[k]) / 1e6 for k in
                             ("expenditure", "income", "mitigations", "annual_gap", "cumulative_deficit")]
    if cells[0] != want[0] or any(abs(a - b) > 1e-6 for a, b in zip(cells[1:], want[1:])):
        problems.append(f"Summary row {5 + i}: {cells} != {want}")
if not ws._charts:
    problems.append("Summary: no chart")
if "montecarlo" in wb.sheetnames and not wb["Fan"]._charts:
    problems.append("Fan: no chart")

for p in problems[:20]:
    print(p)
print(f"workbook: {len(problems)} problems")
sys.exit(1 if problems else 0)
