/* html.h - the report a committee reads: one self-contained report.html
 * (charts inlined as SVG, no external fetches, an A4 print stylesheet) and
 * workbook.xlsx for finance teams (libxlsxwriter). */
#ifndef HNB_HTML_H
#define HNB_HTML_H

#include <stdio.h>

#include "hnb/mc.h"
#include "hnb/model.h"
#include "hnb/project.h"

/* Write report.html to F. CHARTS is the run's charts/ directory (SVGs are
 * inlined from it when present) or NULL. */
int hnb_write_report_html(FILE *f, const hnb_model *m, const double *p, const hnb_result *r,
                          const hnb_mc *mc, const char *charts);

/* Write workbook.xlsx at PATH (written whole by libxlsxwriter, into the
 * run's stage). Returns 0, or -1 with *WHY (may be NULL) the reason. */
int hnb_write_workbook(const char *path, const hnb_model *m, const double *p, const hnb_result *r,
                       const hnb_mc *mc, const char **why);

/* The CSS of every page hnb writes. */
extern const char *const hnb_html_style;

/* Write S to F with &, <, > and " escaped. */
void hnb_html_escape(FILE *f, const char *s);

/* The comment that documents the value at FILE:LINE: its trailing comment,
 * else the comment lines just above it. Empty if none. */
void hnb_source_comment(const char *file, int line, char *out, size_t n);

#endif
