#!/usr/bin/env python3
"""Layout checks of a page hnb writes, as printed on A4 (issue 17).

    python3 tests/layout.py PAGE.html PAGE.pdf [--footer]

- width: in a copy of the page laid out at the printed width (A4 less 15 mm
  margins: 180 mm, 10 pt type, as the page's print style sets), no table,
  figure or preformatted block is wider than the page (headless Chromium
  runs a script over the laid-out page and reports through --dump-dom);
- headings: no page of PAGE.pdf ends with a heading whose section starts on
  the next page (pdftotext, one page at a time);
- footer (--footer): every page carries "Page N of M" and the stamp line
  (hnb's version).

Prints one line a check; exit 1 when any fails.
"""
import html
import os
import re
import subprocess
import sys
import tempfile

page, pdf = sys.argv[1], sys.argv[2]
want_footer = "--footer" in sys.argv
fails = []

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PROBE = """
<style>body{width:180mm!important;max-width:none!important;margin:0!important;
font-size:10pt!important}.scr{display:none!important}
.prn{display:block!important;width:100%!important;height:auto!important}
table{font-size:7.5pt!important}th,td{padding:2px 4px!important}
table.wide{font-size:6.5pt!important}table.wide th,table.wide td{padding:1px 2px!important}</style>
<script>
window.addEventListener('load', function () {
  var W = document.body.getBoundingClientRect().right, bad = [];
  document.querySelectorAll('table,figure,pre,img,svg').forEach(function (e, i) {
    if (e.closest && e.tagName !== 'TABLE' && e.closest('table')) return;
    var r = e.getBoundingClientRect().right, sw = e.scrollWidth || 0;
    var left = e.getBoundingClientRect().left;
    if (r > W + 1 || left + sw > W + 1) {
      var h = e.previousElementSibling, name = '';
      while (h && !/^H[1-4]$/.test(h.tagName)) h = h.previousElementSibling;
      if (h) name = h.textContent;
      bad.push(e.tagName.toLowerCase() + ' after "' + name + '" ' + Math.round(Math.max(r, left + sw)) + 'px > ' + Math.round(W) + 'px');
    }
  });
  var out = document.createElement('pre');
  out.id = 'hnb-layout';
  out.textContent = 'LAYOUT ' + (bad.length ? bad.join(' | ') : 'OK');
  document.body.appendChild(out);
});
</script>
"""


def width_check():
    src = open(page, encoding="utf-8").read()
    probe = src.replace("</head>", PROBE + "</head>", 1)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "probe.html")
        open(p, "w", encoding="utf-8").write(probe)
        r = subprocess.run(["chromium"] + FLAGS + ["--user-data-dir=" + os.path.join(d, "prof"),
                                                   "--virtual-time-budget=5000", "--dump-dom",
                                                   "file://" + p],
                           capture_output=True, text=True, timeout=120, errors="replace")
    m = re.search(r"id=\"hnb-layout\">LAYOUT ([^<]*)", r.stdout)
    if not m:
        fails.append("width: the probe did not run (chromium: %s)" % r.stderr.strip()[-200:])
        return
    res = html.unescape(m.group(1)).strip()
    if res != "OK":
        fails.append("width: wider than the printed page: " + res)
    print("width: %s" % res)


def page_texts():
    r = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                       errors="replace")
    pages = r.stdout.split("\f")
    return [p for p in pages if p.strip()]


def headings():
    src = open(page, encoding="utf-8").read()
    hs = [html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
          for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", src, re.S)]
    return set(h for h in hs if h)


def foot_check():
    hs = headings()
    pages = page_texts()
    stranded = []
    for i, text in enumerate(pages[:-1]):
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        # the footer's lines (the stamp, "Page N of M") are not the body's
        body = [l for l in lines if not re.search(r"Page \d+ of \d+", l) and "hnb " not in l]
        if body and body[-1] in hs:
            stranded.append("page %d ends with the heading '%s'" % (i + 1, body[-1]))
    if stranded:
        fails.append("headings: " + "; ".join(stranded))
    print("headings: %d pages, %s" % (len(pages), "; ".join(stranded) or "none stranded"))
    if want_footer:
        missing = [i + 1 for i, t in enumerate(pages)
                   if not re.search(r"Page %d of %d" % (i + 1, len(pages)), t) or "hnb " not in t]
        if missing:
            fails.append("footer: pages without 'Page N of M' and the stamp: %s" % missing)
        print("footer: %s" % ("on every page" if not missing else "missing on %s" % missing))


width_check()
foot_check()
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
