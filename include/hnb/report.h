/* report.h - the tables of SPEC section 9, written atomically.
 *
 * Every file is written to a temporary name in the output directory and
 * renamed into place only when all of them are complete, so a failure never
 * leaves a half-written output. */
#ifndef HNB_REPORT_H
#define HNB_REPORT_H

#include <stdio.h>

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
/* Write FIELD to F as a CSV field: quoted only if it holds a comma or quote. */
void hnb_csv_field(FILE *f, const char *field);
/* A set of output files being written; committed together. */
typedef struct hnb_outset hnb_outset;
hnb_outset *hnb_outset_create(const char *dir, hnb_err *err);
/* Open NAME for writing (to a temporary file); NULL on failure (err set). */
FILE *hnb_outset_open(hnb_outset *o, const char *name, hnb_err *err);
/* Close and rename every file into place. Returns HNB_OK or HNB_EFAIL. */
int hnb_outset_commit(hnb_outset *o, hnb_err *err);
/* Remove every temporary file (after a failure) and free. */
void hnb_outset_free(hnb_outset *o);

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

/* The budget-paper summary (SPEC section 9). EXTRA, if non-NULL, is
 * appended (the Monte Carlo section). */
int hnb_write_summary(FILE *f, const hnb_model *m, const double *p, const hnb_result *r,
                      const char *extra);

#endif
