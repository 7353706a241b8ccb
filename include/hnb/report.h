/* report.h - the tables of SPEC section 9, and output directories written
 * all or nothing (hnb_outset, over outdir.h): a failure never leaves a
 * half-written output. */
#ifndef HNB_REPORT_H
#define HNB_REPORT_H

#include <stdio.h>

#include "hnb/mc.h"
#include "hnb/model.h"
#include "hnb/project.h"

/* Format money to 2 decimals (counts: 3) with -0.00 written 0.00. */
void hnb_fmt_fixed(char *buf, size_t size, double x, int decimals);
/* Buffers for one formatted figure: the engine refuses results beyond
 * HNB_MAX_MAGNITUDE (see hnb_result_check), so 64 bytes always hold one. */
#define HNB_NUM_BUF 64
/* X rounded to a whole count with thousands commas ("8,213") into B. */
void hnb_fmt_count(char *b, size_t n, double x);
/* POUNDS as £m to one decimal ("145.5") into B, HNB_NUM_BUF bytes; returns B. */
const char *hnb_fmt_m(char *b, double pounds);
/* Pounds as £ millions with the pound sign and the sign of the figure in
 * front: "£1,095.0m", "-£54.4m" (not "£-54.4m"). B: HNB_NUM_BUF bytes. */
const char *hnb_fmt_pm(char *b, double pounds);
/* V as a finance officer writes it: a rate as "2.59%", money as "£65.0m" or
 * "£8,000", a count as "8,213". Returns B. */
const char *hnb_fmt_value(char *b, size_t n, hnb_kind kind, double v);
/* P's distribution in words with its parameters ("PERT: min 30%, most
 * likely 80%, max 100% (id ehcna_delivery)"); "" for a fixed value. */
void hnb_fmt_dist(char *b, size_t n, const hnb_param *p);
/* S as a double-quoted YAML string (the scenarios hnb writes). */
void hnb_yaml_quoted(FILE *f, const char *s);
/* Write FIELD to F as a CSV field: quoted only if it holds a comma or quote. */
void hnb_csv_field(FILE *f, const char *field);
/* An output directory being written, replaced whole when committed
 * (outdir.h): the files are written into a stage beside DIR, and DIR is
 * swapped for the stage only when every one of them is complete. Until then
 * DIR holds the previous result, untouched. */
typedef struct hnb_outset hnb_outset;
hnb_outset *hnb_outset_create(const char *dir, hnb_err *err);
/* Open NAME (a file in the directory) for writing; NULL on failure (err
 * set, naming DIR's path, not the stage's). */
FILE *hnb_outset_open(hnb_outset *o, const char *name, hnb_err *err);
/* Where to write anything else (charts/, the workbook): the stage. */
const char *hnb_outset_dir(const hnb_outset *o);
/* The directory asked for, for messages. */
const char *hnb_outset_final(const hnb_outset *o);
/* Close every file, check it was written, and swap the directory in.
 * HNB_OK, or HNB_EFAIL with the stage removed and DIR as it was. */
int hnb_outset_commit(hnb_outset *o, hnb_err *err);
/* Free; without a commit, remove the stage (a failure: nothing written). */
void hnb_outset_free(hnb_outset *o);

/* The date a report carries ("5 December 2026"): SOURCE_DATE_EPOCH when
 * set, else the day the scenario file was last changed; never the clock. */
const char *hnb_report_date(const hnb_model *m, char *b, size_t n);

/* One file beside others (a scenario hnb init writes): written to a
 * temporary name in its directory and renamed over PATH when complete. */
int hnb_write_file(const char *path, const char *text, size_t len, hnb_err *err);

/* mkdir -p */
int hnb_mkdirs(const char *dir, hnb_err *err);

int hnb_write_projection(FILE *f, const hnb_model *m, const hnb_result *r);
int hnb_write_placements(FILE *f, const hnb_model *m, const hnb_result *r);
int hnb_write_mitigations(FILE *f, const hnb_model *m, const hnb_result *r);
/* dsg_plan.csv (SPEC section 9, v2 with settings): the mitigated run's plans
 * in the DfE DSG management plan's placement categories and age groups. */
#define HNB_DSG_AGE_GROUPS 5
extern const char *const hnb_dsg_age_groups[HNB_DSG_AGE_GROUPS]; /* "0-4" ... "20-25" */
/* Plans of year index T by category (HNB_DFE_N of them, then all) and age
 * group (HNB_DSG_AGE_GROUPS, then total): OUT[(c * (G + 1)) + g]. */
void hnb_dsg_plan_table(const hnb_model *m, const hnb_result *r, int t,
                        double out[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)]);
int hnb_write_dsg_plan(FILE *f, const hnb_model *m, const hnb_result *r);
/* Plans of year index T by category (then all) and need (then total), with
 * needs: OUT[c * (nneeds + 1) + n]. */
void hnb_dsg_plan_needs(const hnb_model *m, const hnb_result *r, int t, double *out);
/* pipeline.csv (SPEC section 9, with a pipeline). */
int hnb_write_pipeline(FILE *f, const hnb_model *m, const hnb_result *r);
/* needs.csv (SPEC section 9, with needs): every setting and need a year. */
int hnb_write_needs(FILE *f, const hnb_model *m, const hnb_result *r);
/* The budget-paper table's columns after Year (SPEC section 9; with
 * `regime` and `dsg`, section 13's beside them): one list for summary.md,
 * the HTML report and the workbook. */
typedef struct {
    const char *title; /* e.g. "Cumulative deficit (£m)" */
    const double *x;   /* pounds, one a year */
} hnb_budget_col;
#define HNB_BUDGET_MAX 9
int hnb_budget_columns(const hnb_model *m, const hnb_result *r, hnb_budget_col cols[HNB_BUDGET_MAX]);

/* SPEC section 13's regime as a markdown list ("- ...\n" lines, **bold**
 * figures), for summary.md and the HTML report (malloc'd; caller frees). */
char *hnb_regime_text(const hnb_model *m, const double *p, const hnb_result *r);

/* What a committee should quote first, with draws (NULL without): the
 * central case and the Monte Carlo median side by side, where the central
 * case sits among the draws and, in one sentence, why (the uncertain values
 * whose most likely value lies near one end of their range). A markdown
 * list, malloc'd. */
char *hnb_headline(const hnb_model *m, const hnb_result *r, const hnb_mc *mc);

/* The budget-paper summary (SPEC section 9), led by the headline when MC
 * is given. EXTRA, if non-NULL, is appended (the Monte Carlo section). */
int hnb_write_summary(FILE *f, const hnb_model *m, const double *p, const hnb_result *r,
                      const hnb_mc *mc, const char *extra);

#endif
