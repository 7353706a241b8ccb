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
    /* With HNB_PROJECT_DETAIL: the mitigated run by setting, [t * nsettings + s],
     * and each mitigation's contribution, [t * nmit + i]. */
    double *plans, *unit_cost, *cost;
    double *contribution;
} hnb_result;

hnb_result *hnb_result_create(const hnb_model *m);
void hnb_result_free(hnb_result *r);

enum {
    HNB_PROJECT_DETAIL = 1, /* fill plans/unit_cost/cost and the attribution */
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

/* The six series a Monte Carlo draw reports, for up to HNB_LANES
 * projections at once, lane innermost: X[(k * years + t) * HNB_LANES + l],
 * k in the order below (mc.h's metrics). The same numbers that
 * hnb_project_batch() puts in those series, without filling results;
 * lanes from NL on repeat lane 0. */
enum { HNB_SERIES_EHCPS, HNB_SERIES_EXPENDITURE, HNB_SERIES_MITIGATIONS, HNB_SERIES_INCOME,
       HNB_SERIES_GAP, HNB_SERIES_CUMULATIVE, HNB_SERIES_N };
void hnb_project_series(const hnb_model *m, const double *const *p, int nl, hnb_work *w, double *x);

/* The largest magnitude a result may reach (pounds or plans): a thousand
 * times the UK's GDP. Beyond it (or not finite) a scenario is refused, so
 * that every figure hnb writes is a real number printed in full. */
#define HNB_MAX_MAGNITUDE 1e15
/* HNB_OK, or HNB_EINPUT naming the first figure of R out of range. */
int hnb_result_check(const hnb_model *m, const hnb_result *r, hnb_err *err);

/* The calendar-year label of year index t, e.g. "2025/26". */
void hnb_result_label(const hnb_model *m, int t, char buf[8]);

#endif
