#!/usr/bin/env python3
"""Every example in docs/scenario.md loads (issue 17): run by make test.

    python3 tests/docs_examples.py build/hnb

Each example block has a `<!-- check: KIND [as=FILE] [base=FILE] -->` line
above it: `full` is a whole scenario, checked as written; `v1`, `v2`, ... a
fragment, checked over the base scenario tests/docs/base_KIND.yaml through
`extends`; `csv` a population file, loaded through a scenario's `from_csv`;
`history` a history, run through `hnb calibrate`. Exit 1 when any fails.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HNB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/hnb")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "scenario.md")
D = tempfile.mkdtemp(prefix="hnb-docs-")
for f in os.listdir(os.path.join(ROOT, "tests", "docs")):
    shutil.copy(os.path.join(ROOT, "tests", "docs", f), D)

src = open(DOC, encoding="utf-8").read()
pat = re.compile(r"(?:<!-- check: ([^>]*?) -->\n)?```(\w*)\n(.*?)```", re.S)
blocks = [(m.group(1), m.group(2), m.group(3)) for m in pat.finditer(src)]
checked, failed = 0, []
for i, (mk, lang, body) in enumerate(blocks):  # files other examples name
    if mk and "as=" in mk:
        name = os.path.join(D, mk.split("as=")[1].split()[0])
        os.makedirs(os.path.dirname(name), exist_ok=True)
        open(name, "w").write(body)
for i, (mk, lang, body) in enumerate(blocks):
    if not mk or mk.strip() == "...":
        continue
    kind = mk.split()[0]
    f = os.path.join(D, "ex%02d.yaml" % i)
    if kind == "full":
        if "as=" in mk:
            f = os.path.join(D, mk.split("as=")[1].split()[0])
        else:
            open(f, "w").write(body)
        cmd = [HNB, "check", f]
    elif kind.startswith("v") or kind == "top":
        open(f, "w").write(body if body.startswith("extends:") else
                           "extends: base_%s.yaml\n" % kind + body)
        cmd = [HNB, "check", f]
    elif kind == "csv":
        name = mk.split("as=")[1].split()[0]
        scen = os.path.join(D, "csvcheck%02d.yaml" % i)
        need = "need" in body.splitlines()[0]
        open(scen, "w").write("extends: %s\npopulation: {total: ~, mix: ~, age_profile: ~%s, "
                              "from_csv: %s}\n" % ("base_v2.yaml" if need else "base_v1.yaml",
                                                   ", need_mix: ~" if need else "", name))
        cmd = [HNB, "check", scen]
    elif kind == "history":
        hf = os.path.join(D, "hist%02d.csv" % i)
        open(hf, "w").write(body)
        base = mk.split("base=")[1].split()[0] if "base=" in mk else "base_v1.yaml"
        cmd = [HNB, "calibrate", os.path.join(D, base), "--history", hf, "-o",
               os.path.join(D, "cal%02d" % i), "-q", "--no-charts"]
    else:
        failed.append((i, "unknown check marker %r" % mk))
        continue
    checked += 1
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=D)
    if r.returncode != 0:
        failed.append((i, r.stderr.strip()))
shutil.rmtree(D, ignore_errors=True)
print("docs/scenario.md: %d examples checked, %d failed" % (checked, len(failed)))
for i, why in failed:
    print("  block %d: %s" % (i, why))
sys.exit(1 if failed or checked < 20 else 0)
