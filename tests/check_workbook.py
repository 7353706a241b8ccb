#!/usr/bin/python3
"""Read workbook.xlsx back (openpyxl) and check it against the run's CSV files.

- Every formula is recomputed here (a small evaluator for the forms the
  workbook writes: + - * /, parentheses, cell and range references across
  sheets, SUM, MIN, MAX) from the cells it names, and must equal the result
  cached in the file within 0.5p (a £m cell: within 0.5p / 1e6).
- The Budget sheet's recomputed totals must equal projection.csv's
  (rounded to pence there: within 0.5p plus that rounding); the Summary's
  budget-paper table must equal projection.csv in £m.
- The detail sheets (projection, placements, mitigations, montecarlo) hold
  the CSV files' numbers to the printed precision, under a reader's headers
  (no snake_case), with ids shown as labels consistently.
- Every sheet prints on A4 landscape, one page wide, with a print area and
  page numbers; the key figures have names; the Inputs sheet has a source
  for every value; the Summary and Fan sheets have charts.
usage: check_workbook.py RUN_DIR [--quiet]   (exit 0 when all agree)"""
import csv
import re
import sys

import openpyxl
from openpyxl.utils import column_index_from_string

d = sys.argv[1]
quiet = "--quiet" in sys.argv
path = f"{d}/workbook.xlsx"
wbf = openpyxl.load_workbook(path)  # formulas
wbv = openpyxl.load_workbook(path, data_only=True)  # their cached results
problems = []
PENNY = 0.005

# ---- the evaluator ---------------------------------------------------------
TOKEN = re.compile(r"""\s*(?:
    (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
  | (?P<func>[A-Z]+)\(
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<op>[-+*/(),])
)""", re.X)
CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
names = {}  # the workbook's global names (openpyxl 3.0: a list; 3.1: a dict)
dns = wbf.defined_names
for dn in (dns.values() if hasattr(dns, "values") else dns.definedName):
    if dn.localSheetId is None:
        names[dn.name] = dn.attr_text
cache = {}
evaluating = set()


def tokens(f):
    out, i = [], 0
    while i < len(f):
        m = TOKEN.match(f, i)
        if not m or m.end() == i:
            if f[i:].strip() == "":
                break
            raise ValueError(f"cannot read {f[i:]!r} in {f!r}")
        i = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def split_ref(ref, sheet):
    if "!" in ref:
        s, ref = ref.rsplit("!", 1)
        sheet = s[1:-1].replace("''", "'") if s.startswith("'") else s
    return sheet, ref


def cells_of(ref, sheet):
    sheet, ref = split_ref(ref, sheet)
    parts = ref.split(":")
    a = CELL.fullmatch(parts[0])
    b = CELL.fullmatch(parts[-1])
    c0, r0 = column_index_from_string(a.group(1)), int(a.group(2))
    c1, r1 = column_index_from_string(b.group(1)), int(b.group(2))
    return sheet, [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def value(sheet, r, c):
    key = (sheet, r, c)
    if key in cache:
        return cache[key]
    v = wbf[sheet].cell(row=r, column=c).value
    if isinstance(v, str) and v.startswith("="):
        if key in evaluating:
            raise ValueError(f"circular reference at {sheet}!{key}")
        evaluating.add(key)
        v = evaluate(v[1:], sheet)
        evaluating.discard(key)
    elif v is None:
        v = 0.0
    elif not isinstance(v, (int, float)):
        raise ValueError(f"{sheet} row {r} col {c}: text {v!r} in a sum")
    cache[key] = float(v)
    return cache[key]


def evaluate(f, sheet):
    toks = tokens(f)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else (None, None)

    def take():
        t = peek()
        pos[0] += 1
        return t

    def expr():
        x = term()
        while peek()[1] in ("+", "-"):
            op = take()[1]
            y = term()
            x = x + y if op == "+" else x - y
        return x

    def term():
        x = factor()
        while peek()[1] in ("*", "/"):
            op = take()[1]
            y = factor()
            x = x * y if op == "*" else x / y
        return x

    def args():
        out = []
        while True:
            k, v = peek()
            if k == "ref" and ":" in v:
                take()
                s, cs = cells_of(v, sheet)
                out.extend(value(s, r, c) for r, c in cs)
            else:
                out.append(expr())
            k, v = take()
            if v == ")":
                return out
            if v != ",":
                raise ValueError(f"expected , or ) in {f!r}")

    def factor():
        k, v = take()
        if k == "num":
            return float(v)
        if v == "-":
            return -factor()
        if v == "+":
            return factor()
        if v == "(":
            x = expr()
            if take()[1] != ")":
                raise ValueError(f"expected ) in {f!r}")
            return x
        if k == "func" and v == "SUMIF":  # SUMIF(range, "text", sum_range)
            (k1, r1), (_, c1), (k2, crit), (_, c2), (k3, r2), (_, c3) = [take() for _ in range(6)]
            if (k1, c1, k2, c2, k3, c3) != ("ref", ",", "str", ",", "ref", ")"):
                raise ValueError(f"SUMIF's form not known to the checker in {f!r}")
            s1, cs1 = cells_of(r1, sheet)
            s2, cs2 = cells_of(r2, sheet)
            crit = crit[1:-1].replace('""', '"')
            return float(sum(value(s2, *b) for a, b in zip(cs1, cs2)
                             if wbf[s1].cell(row=a[0], column=a[1]).value == crit))
        if k == "func":
            a = args()
            if v == "SUM":
                return float(sum(a))
            if v == "MAX":
                return max(a)
            if v == "MIN":
                return min(a)
            raise ValueError(f"function {v} not known to the checker")
        if k == "ref":
            s, cs = cells_of(v, sheet)
            if len(cs) != 1:
                raise ValueError(f"a range outside a function in {f!r}")
            return value(s, *cs[0])
        if k == "name":
            if v not in names:
                raise ValueError(f"unknown name {v} in {f!r}")
            return evaluate(names[v].lstrip("="), sheet)
        raise ValueError(f"unexpected {v!r} in {f!r}")

    x = expr()
    if pos[0] != len(toks):
        raise ValueError(f"trailing {toks[pos[0]:]} in {f!r}")
    return x


# ---- every formula recomputes to its cached value --------------------------
formulas = {}
worst = (0.0, "")
for ws in wbf.worksheets:
    n = 0
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                n += 1
                cached = wbv[ws.title].cell(row=c.row, column=c.column).value
                try:
                    got = value(ws.title, c.row, c.column)
                except (ValueError, KeyError, ZeroDivisionError) as e:
                    problems.append(f"{ws.title}!{c.coordinate}: {e}")
                    continue
                if not isinstance(cached, (int, float)):
                    problems.append(f"{ws.title}!{c.coordinate}: no cached result ({cached!r})")
                    continue
                scale = 1e6 if ws.title in ("Summary", "Fan") else 1.0  # £m sheets
                diff = abs(got - cached) * scale
                if diff > worst[0]:
                    worst = (diff, f"{ws.title}!{c.coordinate}")
                if diff > PENNY:
                    problems.append(f"{ws.title}!{c.coordinate} {c.value}: recomputes to {got!r}, "
                                    f"cached {cached!r}")
    formulas[ws.title] = n
for sheet in ("Summary", "Budget", "Money lines"):
    if not formulas.get(sheet):
        problems.append(f"{sheet}: no formulas")

# ---- the Budget sheet's recomputed totals are projection.csv's -------------
proj = list(csv.DictReader(open(f"{d}/projection.csv")))
BUDGET = {"Expenditure (£)": "expenditure", "Grant and income (£): Money lines": "income",
          "Planned mitigations (£): mitigations sheet": "mitigations",
          "Annual funding gap (£)": "annual_gap", "Cumulative deficit (£)": "cumulative_deficit",
          "High needs grant (£): Money lines": "grant", "Stability grant (£)": "stability_grant",
          "Central support (£)": "central_funding",
          "Other DSG blocks, cumulative (£)": "other_blocks", "DSG deficit (£)": "dsg_deficit"}
worst_csv = (0.0, "")
if "Budget" in wbf.sheetnames:
    ws = wbf["Budget"]
    head = {ws.cell(row=4, column=c).value: c for c in range(1, ws.max_column + 1)}
    seen = set()
    for title, col in BUDGET.items():
        if title not in head:
            continue
        seen.add(col)
        for i, row in enumerate(proj):
            got = value("Budget", 5 + i, head[title])
            diff = abs(got - float(row[col]))
            if diff > worst_csv[0]:
                worst_csv = (diff, f"Budget {title} {row['label']}")
            if diff > PENNY + 1e-6:
                problems.append(f"Budget {title} {row['label']}: {got} != projection.csv {row[col]}")
    for col in proj[0]:
        if col in BUDGET.values() and col not in seen:
            problems.append(f"Budget: no column for projection.csv's {col}")
    rec = [c for t, c in head.items() if t and t.startswith("Check:")]
    for i in range(len(proj)):
        if rec and abs(value("Budget", 5 + i, rec[0])) > PENNY:
            problems.append(f"Budget row {5 + i}: the check column is not 0")
else:
    problems.append("no sheet Budget")

# ---- the detail sheets hold the CSV files' numbers --------------------------
def check_sheet(name, csvname, tol, head_row=1):
    if name not in wbv.sheetnames:
        problems.append(f"no sheet {name}")
        return
    ws = wbv[name]
    if ws.freeze_panes is None:
        problems.append(f"{name}: header row not frozen")
    rows = list(csv.reader(open(f"{d}/{csvname}")))
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=head_row)]
    if len(got) != len(rows):
        problems.append(f"{name}: {len(got)} rows, CSV has {len(rows)}")
        return
    for h in got[0]:
        if not isinstance(h, str) or re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h):
            problems.append(f"{name}: header {h!r} is not for a reader")
    if len(got[0]) != len(rows[0]):
        problems.append(f"{name}: {len(got[0])} columns, CSV has {len(rows[0])}")
    labels = {}  # the CSV's ids and the words the sheet shows for them, one to one
    for i, (g, c) in enumerate(zip(got[1:], rows[1:]), start=2):
        for j, (gv, cv) in enumerate(zip(g, c)):
            try:
                if abs(float(gv) - float(cv)) > tol:
                    problems.append(f"{name} row {i} col {j + 1}: {gv} != {cv}")
            except (TypeError, ValueError):
                shown = labels.setdefault((j, cv), gv)
                if shown != gv or not isinstance(gv, str) or not gv:
                    problems.append(f"{name} row {i} col {j + 1}: {gv!r} for {cv!r}")
    for j in {j for j, _ in labels}:
        words = [v for (k, _), v in labels.items() if k == j]
        if len(set(words)) != len(words):
            problems.append(f"{name} col {j + 1}: two ids shown alike")


check_sheet("projection", "projection.csv", 0.0051)
check_sheet("placements", "placements.csv", 0.0051)
check_sheet("mitigations", "mitigations.csv", 0.0051)
try:
    open(f"{d}/montecarlo.csv")
    check_sheet("montecarlo", "montecarlo.csv", 0.0051)
except FileNotFoundError:
    pass

# ---- Summary: the budget-paper table in £m ----------------------------------
ws = wbv["Summary"]
heads = [ws.cell(row=4, column=k).value for k in range(1, ws.max_column + 1)]
SUMMARY = {"Expenditure (£m)": "expenditure", "Grant and income (£m)": "income",
           "Planned mitigations (£m)": "mitigations", "Annual funding gap (£m)": "annual_gap",
           "Cumulative deficit (£m)": "cumulative_deficit", "Stability grant (£m)": "stability_grant",
           "Central support (£m)": "central_funding", "Other DSG blocks (£m)": "other_blocks",
           "DSG deficit (£m)": "dsg_deficit"}
for i, row in enumerate(proj):
    if ws.cell(row=5 + i, column=1).value != row["label"]:
        problems.append(f"Summary row {5 + i}: {ws.cell(row=5 + i, column=1).value} != {row['label']}")
    for k, h in enumerate(heads[1:], start=2):
        if h not in SUMMARY:
            continue
        got, want = ws.cell(row=5 + i, column=k).value, float(row[SUMMARY[h]]) / 1e6
        if not isinstance(got, (int, float)) or abs(got - want) > 1e-6:
            problems.append(f"Summary row {5 + i} {h}: {got} != {want}")
        if not str(wbf["Summary"].cell(row=5 + i, column=k).value).startswith("="):
            problems.append(f"Summary row {5 + i} {h}: not a formula")
if not ws._charts:
    problems.append("Summary: no chart")
if "montecarlo" in wbv.sheetnames and not wbv["Fan"]._charts:
    problems.append("Fan: no chart")

# ---- print set-up, names, inputs ---------------------------------------------
for ws in wbf.worksheets:
    ps = ws.page_setup
    if ps.orientation != "landscape" or str(ps.paperSize) != "9":
        problems.append(f"{ws.title}: not A4 landscape ({ps.orientation}, {ps.paperSize})")
    if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage \
            or ps.fitToWidth not in (1, "1", None):
        problems.append(f"{ws.title}: does not fit to one page wide")
    if not ws.print_area:
        problems.append(f"{ws.title}: no print area")
    if "&P" not in (ws.oddFooter.right.text or "") + (ws.oddFooter.center.text or ""):
        problems.append(f"{ws.title}: no page numbers")
for i, row in enumerate(proj):
    label = row["label"].replace("/", "_")
    for key in ("CumulativeDeficit", "AnnualGap", "Expenditure", "Income", "Mitigations"):
        if f"{key}_{label}" not in names:
            problems.append(f"no name {key}_{label}")
        else:
            got = evaluate(names[f"{key}_{label}"].lstrip("="), "Budget")
            col = {"CumulativeDeficit": "cumulative_deficit", "AnnualGap": "annual_gap"}.get(
                key, key.lower())
            if abs(got - float(row[col])) > PENNY + 1e-6:
                problems.append(f"name {key}_{label}: {got} != {row[col]}")
if "OpeningDeficit" not in names:
    problems.append("no name OpeningDeficit")
if "Inputs" not in wbv.sheetnames:
    problems.append("no sheet Inputs")
else:
    ws = wbv["Inputs"]
    n = 0
    for r in ws.iter_rows(min_row=7):
        if r[0].value is None:
            continue
        n += 1
        if not isinstance(r[3].value, (int, float)) or not r[5].value or ":" not in r[5].value:
            problems.append(f"Inputs row {r[0].row}: no value or no source ({r[3].value!r}, {r[5].value!r})")
    if n == 0:
        problems.append("Inputs: no assumptions")

for p in problems[:20]:
    print(p)
if not quiet or problems:
    print("formulas by sheet: " + ", ".join(f"{k} {v}" for k, v in formulas.items() if v))
    print(f"largest |recomputed - cached|: {worst[0]:.3g} (pounds) at {worst[1]}; "
          f"largest |Budget - projection.csv|: {worst_csv[0]:.3g} at {worst_csv[1]}")
print(f"workbook: {len(problems)} problems, {sum(formulas.values())} formulas, {len(names)} names")
sys.exit(1 if problems else 0)
