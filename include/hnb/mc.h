/* mc.h - Monte Carlo over the projection (SPEC section 6).
 *
 * hnb_mc_run() draws every random variable of a model, runs the one
 * projection per draw on worker threads, and reduces the draws to exact
 * percentiles (in a tenth of the memory of keeping every draw: the first
 * draws whole, then only windows around the wanted order statistics,
 * qstream.h), exceedance
 * probabilities, a tornado of drivers and rank correlations. Draw i is the
 * same whatever the number of threads (see sample.h), and every result is
 * filed by draw or by block of draws, never by thread, so outputs are
 * byte-identical for any --threads. */
#ifndef HNB_MC_H
#define HNB_MC_H

#include <stdio.h>

#include "hnb/model.h"
#include "hnb/project.h"

/* The metrics are project.h's series, which the draws come in; a model
 * has the first six and, with `regime` or `dsg`, those of SPEC section 13
 * (hnb_series_count). Read them through hnb_mc_pct() and hnb_mc_mean(). */
enum { HNB_MC_EHCPS = HNB_SERIES_EHCPS, HNB_MC_EXPENDITURE = HNB_SERIES_EXPENDITURE,
       HNB_MC_MITIGATIONS = HNB_SERIES_MITIGATIONS, HNB_MC_INCOME = HNB_SERIES_INCOME,
       HNB_MC_GAP = HNB_SERIES_GAP, HNB_MC_CUMULATIVE = HNB_SERIES_CUMULATIVE,
       HNB_MC_STABILITY_GRANT = HNB_SERIES_STABILITY_GRANT,
       HNB_MC_CENTRAL_FUNDING = HNB_SERIES_CENTRAL_FUNDING,
       HNB_MC_DSG_DEFICIT = HNB_SERIES_DSG_DEFICIT, HNB_MC_METRICS = HNB_SERIES_N };
#define HNB_MC_NQ 7 /* P5, P10, P25, P50, P75, P90, P95 */
/* Quantile positions in a row of HNB_MC_NQ */
enum { HNB_Q5, HNB_Q10, HNB_Q25, HNB_Q50, HNB_Q75, HNB_Q90, HNB_Q95 };

/* By metric id (montecarlo.csv's `metric`). */
extern const char *const hnb_mc_metric_names[HNB_MC_METRICS];
extern const double hnb_mc_quantiles[HNB_MC_NQ];

typedef struct {
    long draws;
    unsigned long seed;
    hnb_method method;
    int threads;
    int progress; /* draw a progress bar on standard error */
    int keep_all; /* keep every draw for the percentiles, not only the
                   * windows a pilot places (tests: the two must agree) */
    long pilot;   /* draws kept whole before the windows: 0, the engine's
                   * 65,536; tests set a smaller multiple of 4,096 */
} hnb_mc_opts;

typedef struct {
    const char *name; /* borrowed from the model */
    int slot;
    double low, high;         /* the variable's P10 and P90 */
    double at_low, at_high;   /* horizon cumulative deficit with it there, others central */
    double swing;             /* at_high - at_low */
    double rank_correlation;  /* Spearman, with the horizon cumulative deficit */
} hnb_mc_driver;

typedef struct {
    double threshold;
    int year; /* calendar year at whose end it is read */
    double probability;
} hnb_mc_exceedance;

typedef struct {
    long draws;
    int years, threads;
    hnb_method method;
    unsigned long seed;
    int nmetrics;              /* the model's series, in hnb_series_pos order */
    int pos[HNB_MC_METRICS];   /* a metric id's position, or -1 */
    double *mean; /* [position * years + t] */
    double *pct;  /* [(position * years + t) * HNB_MC_NQ + q] */
    double *se_p50, *se_p90; /* Monte Carlo standard error of cumulative_deficit's P50, P90 */
    int ndrivers;
    hnb_mc_driver *drivers; /* sorted by the size of the swing */
    int nexceed;
    hnb_mc_exceedance *exceed;
    long rank_draws; /* draws behind the rank correlations */
    int kept_all;    /* every draw was kept for the percentiles (a run within
                      * the pilot, keep_all, or a window that missed) */
    int narrowings;  /* times the windows narrowed as draws came in */
    double sim_seconds, reduce_seconds;
} hnb_mc;

int hnb_mc_run(const hnb_model *m, const hnb_mc_opts *o, hnb_mc **out, hnb_err *err);
/* The HNB_MC_NQ percentiles of metric ID in year index T (index them with
 * HNB_Q5 ... HNB_Q95), or NULL when the model has no such metric. */
const double *hnb_mc_pct(const hnb_mc *mc, int id, int t);
/* Its mean (0 when the model has no such metric). */
double hnb_mc_mean(const hnb_mc *mc, int id, int t);
void hnb_mc_free(hnb_mc *mc);

/* The share of draws in which projection column COLUMN (project.h's
 * hnb_columns) at year index
 * T compares OP ("<", "<=", ">", ">=", "=") with VALUE. For solving a
 * probability target: a count, so exact and independent of threads. */
int hnb_mc_share(const hnb_model *m, const hnb_mc_opts *o, int column, int t, const char *op,
                 double value, double *share, hnb_err *err);

/* Threshold X as a committee asks it (SPEC section 13): "A 1 in 10 chance
 * (10.0%) that more than £40.0m is left with the council when the override
 * ends ..., net of the stability grant." into OUT. */
/* What the deficit at the end of calendar YEAR is net of, as words after
 * it: ", net of the stability grant and central support", ", before the
 * stability grant (paid in 2028/29)", or "" (SPEC section 13: the grant is
 * netted off from the year it is paid, central support from override_end). */
void hnb_net_words(char *out, size_t n, const hnb_model *m, int year);
void hnb_left_with_council(char *out, size_t n, const hnb_model *m, const hnb_mc *mc,
                           const hnb_mc_exceedance *x);
/* P as words a committee reads ("a 1 in 4 chance") into B. */
void hnb_odds_words(char *b, size_t n, double p);
int hnb_write_montecarlo(FILE *f, const hnb_model *m, const hnb_mc *mc);
int hnb_write_sensitivity(FILE *f, const hnb_model *m, const hnb_mc *mc);
int hnb_write_exceedance(FILE *f, const hnb_model *m, const hnb_mc *mc);
/* The Monte Carlo section of summary.md (malloc'd; caller frees). */
char *hnb_mc_summary(const hnb_model *m, const hnb_mc *mc, const hnb_result *central);

#endif
