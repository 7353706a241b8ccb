/* runner.c - one scenario run: compute, then write. */
#include "hnb/runner.h"

#include <libgen.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnb/html.h"
#include "hnb/plot.h"
#include "hnb/report.h"
#include "hnb/sample.h"
#include "hnb/mem.h"

void hnb_run_opts_init(hnb_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->draws = -1;
    o->seed = -1;
    o->method = -1;
    o->attribution = -1;
}

void hnb_file_stem(const char *path, char *out, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(out, n, "%s", basename(tmp));
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
    /* Every calibration writes calibrated.yaml into <council>-calibration/:
     * named by its folder, derby-calibrated, so that runs and batch rows of
     * several councils do not share the name "calibrated". */
    if (strcmp(out, "calibrated") != 0) return;
    snprintf(tmp, sizeof tmp, "%s", path);
    char *dir = dirname(tmp), *up = strrchr(dir, '/');
    const char *folder = up ? up + 1 : dir;
    size_t fl = strlen(folder);
    if (fl > 12 && !strcmp(folder + fl - 12, "-calibration"))
        snprintf(out, n, "%.*s-calibrated", (int)(fl - 12), folder);
}

int hnb_run_compute(const char *file, const hnb_run_opts *o, hnb_run *run, hnb_err *err)
{
    hnb_model *m;
    int rc = hnb_model_load(file, o->sets, o->nsets, &m, err);
    if (rc) {
        memset(run, 0, sizeof *run);
        return rc;
    }
    rc = hnb_run_model(m, o, run, err);
    if (!rc) run->owns_model = 1;
    else hnb_model_free(m);
    return rc;
}

/* 1 if the projection of M at P stays within what hnb reports. */
static int in_range(const hnb_model *m, const double *p, hnb_work *w, hnb_result *r)
{
    hnb_err e = {0};
    hnb_project(m, p, w, r, HNB_PROJECT_DETAIL);
    return hnb_result_check(m, r, &e) == HNB_OK;
}

/* ERR says a projection went beyond range, at the scenario's first line:
 * find the value that sends it there and put the error at that value. For
 * the projection at P, the first value (in file order) that alone, set to
 * 0, brings it back; for the Monte Carlo (P central, DRAWS > 0), the first
 * distribution that alone, at the most extreme quantile DRAWS draws reach,
 * sends it out. Left as it was when no one value explains it. */
static void blame(const hnb_model *m, const double *p, long draws, int method,
                  unsigned long seed, hnb_err *err)
{
    if (!(err->line == 1 && err->col == 1 && m->file && !strcmp(err->file, m->file))) return;
    double *q = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    if (!q) hnb_oom();
    hnb_work *w = hnb_work_create(m);
    hnb_result *r = hnb_result_create(m);
    const hnb_param *who = NULL;
    double at = 0;
    hnb_sampler *s = NULL;
    hnb_err e2 = {0};
    if (draws > 0 && hnb_sampler_create(m, (hnb_method)method, draws, seed, &s, &e2) != HNB_OK)
        s = NULL;
    if (draws <= 0) {
        /* a value in the wrong unit first (hnb_param_doubt), else the
         * first in the file */
        int doubted = 0;
        char why[700];
        for (int i = 0; i < m->nparams; i++) {
            int d = hnb_param_doubt(&m->params[i], p[i], why, sizeof why);
            if (p[i] == 0 || (who && (doubted > d || (doubted == d &&
                                                      m->params[i].mark.line >= who->mark.line))))
                continue;
            memcpy(q, p, sizeof(double) * (size_t)m->nparams);
            q[i] = 0;
            if (in_range(m, q, w, r)) who = &m->params[i], at = p[i], doubted = d;
        }
    } else if (s) {
        const double u[2] = {0.5 / (double)draws, 1 - 0.5 / (double)draws};
        for (int k = 0; k < hnb_sampler_nvars(s); k++) {
            int i = hnb_sampler_slot(s, k);
            if (who && m->params[i].mark.line >= who->mark.line) continue;
            for (int j = 0; j < 2; j++) {
                memcpy(q, p, sizeof(double) * (size_t)m->nparams);
                q[i] = hnb_sampler_quantile(s, k, u[j]);
                if (!in_range(m, q, w, r)) {
                    who = &m->params[i], at = q[i];
                    break;
                }
            }
        }
    }
    if (who) {
        char msg[HNB_ERR_MSG];
        snprintf(msg, sizeof msg, "%s", err->msg);
        hnb_mark mk = who->mark;
        if (draws <= 0)
            hnb_err_at(err, mk, "%s = %g sends the projection out of range: %s", who->path, at,
                       msg);
        else
            hnb_err_at(err, mk, "%s reaches %g in the draws, which sends the projection out of "
                                "range: %s",
                       who->path, at, msg);
    }
    hnb_sampler_free(s);
    hnb_result_free(r);
    hnb_work_free(w);
    free(q);
}

int hnb_run_model(const hnb_model *m, const hnb_run_opts *o, hnb_run *run, hnb_err *err)
{
    int rc;
    memset(run, 0, sizeof *run);
    run->model = (hnb_model *)m;
    run->params = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    if (!run->params) hnb_oom();
    hnb_model_central(m, run->params);
    const int shapley = o->attribution >= 0 ? o->attribution : m->shapley;
    if (shapley && (rc = hnb_model_shapley_ok(m, o->attribution < 0, err))) {
        free(run->params);
        run->params = NULL;
        return rc;
    }
    hnb_work *w = hnb_work_create(m);
    run->result = hnb_result_create(m);
    hnb_project(m, run->params, w, run->result, HNB_PROJECT_DETAIL | (shapley ? HNB_PROJECT_SHAPLEY : 0));
    hnb_work_free(w);
    rc = hnb_result_check(m, run->result, err);
    if (rc) {
        blame(m, run->params, 0, 0, 0, err);
        hnb_run_free(run);
        return rc;
    }
    long draws = o->draws >= 0 ? o->draws : m->mc_draws;
    if (draws > 0) {
        hnb_mc_opts mo = {draws,
                          o->seed >= 0 ? (unsigned long)o->seed : m->mc_seed_given ? m->mc_seed : 1,
                          o->method >= 0 ? (hnb_method)o->method : m->mc_method,
                          o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN),
                          o->progress, 0, 0};
        rc = hnb_mc_run(m, &mo, &run->mc, err);
        if (rc) {
            blame(m, run->params, mo.draws, (int)mo.method, mo.seed, err);
            hnb_run_free(run);
            return rc;
        }
    }
    return HNB_OK;
}

void hnb_run_free(hnb_run *run)
{
    hnb_mc_free(run->mc);
    hnb_result_free(run->result);
    free(run->params);
    if (run->owns_model) hnb_model_free(run->model);
    memset(run, 0, sizeof *run);
}

double hnb_run_deficit_at(const hnb_run *run, int year, int *known)
{
    const hnb_model *m = run->model;
    int t = year - m->start_year;
    *known = 1;
    if (t == -1) return m->opening_deficit >= 0 ? run->params[m->opening_deficit] : 0;
    if (t >= 0 && t < m->years) return run->result->cumulative_deficit[t];
    *known = 0;
    return 0;
}

int hnb_run_write(const hnb_run *run, const hnb_run_opts *o, const char *final, hnb_err *err)
{
    const hnb_model *m = run->model;
    const hnb_result *r = run->result;
    const hnb_mc *mc = run->mc;
    const double *p = run->params;
    /* one directory, replaced whole at the commit (report.h) */
    hnb_outset *out = hnb_outset_create(final, err);
    if (!out) return HNB_EFAIL;
    const char *dir = hnb_outset_dir(out);
    int rc = HNB_OK;
    FILE *f;
#define WRITE(name, call)                                                                      \
    do {                                                                                       \
        if (rc) break;                                                                         \
        if ((f = hnb_outset_open(out, name, err)) == NULL) rc = HNB_EFAIL;                     \
        else if (call) rc = hnb_err_fail(err, "%s/%s: write failed: %s", final, name,          \
                                         strerror(errno));                                     \
    } while (0)
    WRITE("projection.csv", hnb_write_projection(f, m, r));
    WRITE("placements.csv", hnb_write_placements(f, m, r));
    WRITE("mitigations.csv", hnb_write_mitigations(f, m, r));
    if (m->nneeds) WRITE("needs.csv", hnb_write_needs(f, m, r));
    if (m->pipeline.given) WRITE("pipeline.csv", hnb_write_pipeline(f, m, r));
    if (m->version >= 2 && m->bottom_up) WRITE("dsg_plan.csv", hnb_write_dsg_plan(f, m, r));
    if (mc) {
        WRITE("montecarlo.csv", hnb_write_montecarlo(f, m, mc));
        WRITE("sensitivity.csv", hnb_write_sensitivity(f, m, mc));
        if (m->nthresholds > 0) WRITE("exceedance.csv", hnb_write_exceedance(f, m, mc));
    }
    char *extra = mc ? hnb_mc_summary(m, mc, r) : NULL;
    WRITE("summary.md", hnb_write_summary(f, m, p, r, mc, extra));
    free(extra);
    /* A chart that fails is a warning, never a lost table. The report
     * inlines the charts, so they come first. */
    if (!rc && o && o->charts) hnb_plot_run(m, p, r, mc, dir, o->charts);
    if (!rc) {
        char charts[4200];
        snprintf(charts, sizeof charts, "%s/charts", dir);
        WRITE("report.html", hnb_write_report_html(f, m, p, r, mc, o && o->charts ? charts : NULL));
    }
#undef WRITE
    /* the workbook is libxlsxwriter's own file */
    if (!rc) {
        char path[4200];
        snprintf(path, sizeof path, "%s/workbook.xlsx", dir);
        const char *why = "";
        if (hnb_write_workbook(path, m, p, r, mc, &why) != 0)
            rc = hnb_err_fail(err, "%s/workbook.xlsx: cannot write the workbook: %s", final, why);
    }
    if (!rc) rc = hnb_outset_commit(out, err);
    hnb_outset_free(out);
    return rc;
}
