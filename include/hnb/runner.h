/* runner.h - one scenario run from file to output directory: load (with
 * extends and --set), project, Monte Carlo if drawn, write every table and
 * chart. `hnb run`, `hnb batch` and `hnb compare` all go through it. */
#ifndef HNB_RUNNER_H
#define HNB_RUNNER_H

#include "hnb/mc.h"
#include "hnb/model.h"
#include "hnb/project.h"

typedef struct {
    const char *const *sets; /* --set assignments */
    int nsets;
    long draws;      /* -1: the scenario's own */
    long long seed;  /* -1: the scenario's own, else 1 */
    int threads;     /* 0: every processor */
    int method;      /* -1: the scenario's own */
    int progress;    /* progress bar on standard error */
    unsigned charts; /* HNB_CHART_* formats; 0: none */
    int attribution; /* -1: the scenario's; 0 ordered; 1 Shapley (SPEC section 12) */
} hnb_run_opts;

void hnb_run_opts_init(hnb_run_opts *o);

/* What one run leaves in memory, for summaries across runs. */
typedef struct {
    hnb_model *model;
    int owns_model; /* freed with the run (hnb_run_compute), or borrowed (hnb_run_model) */
    double *params; /* central values */
    hnb_result *result;
    hnb_mc *mc;     /* NULL without draws */
} hnb_run;

/* Load FILE and compute it (no output). Returns HNB_OK and fills RUN. */
int hnb_run_compute(const char *file, const hnb_run_opts *o, hnb_run *run, hnb_err *err);
/* Compute an already loaded model M (borrowed: it must outlive RUN), at its
 * central values: what-ifs set a slot's central value and run again. */
int hnb_run_model(const hnb_model *m, const hnb_run_opts *o, hnb_run *run, hnb_err *err);
/* Write RUN's tables (and charts) into DIR, atomically. */
int hnb_run_write(const hnb_run *run, const hnb_run_opts *o, const char *dir, hnb_err *err);
void hnb_run_free(hnb_run *run);

/* The cumulative deficit at the end of calendar year Y (the opening
 * deficit for the year before the horizon); 0 and *known = 0 outside. */
double hnb_run_deficit_at(const hnb_run *run, int year, int *known);

/* "scenarios/x.yaml" -> "x"; "national/derby-calibration/calibrated.yaml" ->
 * "derby-calibrated" */
void hnb_file_stem(const char *path, char *out, size_t n);

#endif
