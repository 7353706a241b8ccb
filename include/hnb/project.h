/* project.h - the projection of SPEC sections 4 and 5.
 *
 * hnb_project() is a pure function of a compiled model and a parameter
 * vector (one value per slot, see model.h). It allocates nothing: the
 * caller owns a workspace (one per thread) and a result, both made once per
 * model and reused for every call, so Monte Carlo, sweeps, solving and
 * fitting can call it millions of times. */
#ifndef HNB_PROJECT_H
#define HNB_PROJECT_H

#include "hnb/model.h"

typedef struct hnb_work hnb_work;
hnb_work *hnb_work_create(const hnb_model *m);
void hnb_work_free(hnb_work *w);
/* Declare that from now on the parameter vectors given to W differ from
 * CENTRAL only in the slots where VARIES[slot] is set (Monte Carlo: the
 * random ones). The parts of the preparation that depend on no such slot
 * are worked out once, here, instead of per call. */
void hnb_work_vary(hnb_work *w, const hnb_model *m, const double *central,
                   const unsigned char *varies);

/* Per-year series, each of length years (SPEC section 4, "Money"). */
typedef struct {
    int years, nsettings, nmit;
    double *ehcps, *ehcps_unmitigated, *new_plans;
    double *expenditure, *mitigations, *income, *grant, *annual_gap, *cumulative_deficit;
    double *placements_unmitigated, *placements_mitigated, *other, *savings;
    /* SPEC section 13 (zero without regime or dsg): the grant and the central
     * funding taken off the cumulative deficit, the other blocks' cumulative
     * balance O_t and the DSG-wide deficit */
    double *stability_grant, *central_funding, *other_blocks, *dsg_deficit;
    double eligible_deficit; /* E of section 13 (0 where no grant is measured) */
    double *new_plans_unmitigated;
    /* with a pipeline (SPEC section 11) and HNB_PROJECT_DETAIL, the mitigated
     * run's: requests received, concluded, the backlog at the year's end and
     * the plans decided */
    double *requests, *concluded, *backlog, *decided;
    int shapley;             /* the contributions are Shapley values (else ordered) */
    /* With HNB_PROJECT_DETAIL: the mitigated run by setting, [t * nsettings + s],
     * and each mitigation's contribution, [t * nmit + i]. */
    double *plans, *unit_cost, *cost;
    double *contribution;
    double *plans_age; /* with HNB_PROJECT_DETAIL: [(t * nsettings + s) * HNB_AGES + a] */
    /* with HNB_PROJECT_DETAIL, by cohort (need n, setting s: c = n * nsettings + s;
     * without needs, by setting): [t * cohorts + c] */
    int nneeds;
    double *plans_need, *unit_need, *cost_need;
} hnb_result;

hnb_result *hnb_result_create(const hnb_model *m);
void hnb_result_free(hnb_result *r);

enum {
    HNB_PROJECT_DETAIL = 1, /* fill plans/unit_cost/cost and the attribution */
    HNB_PROJECT_SHAPLEY = 2, /* with DETAIL: the attribution as Shapley values (SPEC section 12) */
};

/* Run the projection with parameter values P (length m->nparams). */
void hnb_project(const hnb_model *m, const double *p, hnb_work *w, hnb_result *r, int flags);

/* Up to HNB_LANES projections at once (P[l] into R[l], l < NL): the year
 * loop runs across the lanes in SIMD registers. Lane l's results are
 * bit-identical to hnb_project(P[l]), whatever the other lanes hold. */
#define HNB_LANES 8
/* A function compiled twice, for AVX2 and for any x86-64, the one the CPU
 * can run picked at load time (GCC and Clang). HNB_NO_CLONES compiles it
 * once, for builds whose instrumentation starts after that choice would be
 * made (ThreadSanitizer). */
#if defined(HNB_NO_CLONES) || !(defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)))
#define HNB_CLONES
#else
#define HNB_CLONES __attribute__((target_clones("avx2", "default")))
#endif
void hnb_project_batch(const hnb_model *m, const double *const *p, int nl, hnb_work *w,
                       hnb_result *const *r, int flags);

/* The series a Monte Carlo draw reports, for up to HNB_LANES projections
 * at once, lane innermost: X[(k * years + t) * HNB_LANES + l], k the
 * series' position among the model's (hnb_series_pos). The same numbers
 * that hnb_project_batch() puts in those series, without filling results;
 * lanes from NL on repeat lane 0. Every model has the first six; the
 * stability grant and central funding come with `regime`, the DSG-wide
 * deficit with `dsg` (SPEC section 13), in this order after them. */
enum { HNB_SERIES_EHCPS, HNB_SERIES_EXPENDITURE, HNB_SERIES_MITIGATIONS, HNB_SERIES_INCOME,
       HNB_SERIES_GAP, HNB_SERIES_CUMULATIVE, HNB_SERIES_STABILITY_GRANT,
       HNB_SERIES_CENTRAL_FUNDING, HNB_SERIES_DSG_DEFICIT, HNB_SERIES_N };
/* How many series MODEL's draws carry, and the position of series ID among
 * them (-1: the model does not have it). */
int hnb_series_count(const hnb_model *m);
int hnb_series_pos(const hnb_model *m, int id);
void hnb_project_series(const hnb_model *m, const double *const *p, int nl, hnb_work *w, double *x);

/* The columns of projection.csv after year and label (SPEC section 9), in
 * order: one registry for the CSV, the workbook, solve's targets and the
 * checks. A column with `regime` or `dsg` is there only when the scenario
 * has that key. */
typedef enum { HNB_COL_ALWAYS, HNB_COL_REGIME, HNB_COL_DSG } hnb_col_when;
typedef struct {
    const char *name;
    int decimals;       /* 3 counts, 2 money */
    hnb_col_when when;
    size_t offset;      /* of the series' pointer in hnb_result */
} hnb_column;
#define HNB_NCOLUMNS 13
extern const hnb_column hnb_columns[HNB_NCOLUMNS];
/* Whether MODEL's projection.csv has column K. */
int hnb_column_present(const hnb_model *m, int k);
/* Column K's values in R, one a year. */
const double *hnb_column_values(const hnb_result *r, int k);
/* The column named NAME that MODEL has, or -1. */
int hnb_column_find(const hnb_model *m, const char *name);

/* The largest magnitude a result may reach (pounds or plans): a thousand
 * times the UK's GDP. Beyond it (or not finite) a scenario is refused, so
 * that every figure hnb writes is a real number printed in full. */
#define HNB_MAX_MAGNITUDE 1e15
/* HNB_OK, or HNB_EINPUT naming the first figure of R out of range. */
int hnb_result_check(const hnb_model *m, const hnb_result *r, hnb_err *err);

/* The calendar-year label of year index t, e.g. "2025/26". */
void hnb_result_label(const hnb_model *m, int t, char buf[8]);

#endif
