/* calibrate.c - `hnb calibrate` and `hnb backtest`: a scenario's demand
 * made to forecast from where the council is, by the trend its own
 * history shows, with bands that mean something; and the proof, a
 * rolling-origin backtest against naive baselines.
 *
 * The road (docs/forecasting.md says why):
 *  1. The EHCP stock of the history, up to the origin (its last year), is
 *     fitted by a local linear trend (forecast.c): the current trend in
 *     log growth, its variance, and the year-to-year noise.
 *  2. Exits: where the history has new plans, the median of the last five
 *     years' exit rates (last stock + new plans - this stock, over the last
 *     stock) sets cessation.rate so that the projection's own exits from
 *     the starting stock match it (by age where the scenario says so,
 *     ageing out at 26 included).
 *  3. The scenario starts at its start year from the trend's stock, and
 *     new_plans.count and the growth of each year are solved so that the
 *     projection's stock follows the trend exactly (the stock is linear in
 *     each year's new plans). Demand mitigations already in force at the
 *     origin are held at the effect they had then while solving: the
 *     history already shows it, so only what they add later is a saving.
 *  4. Uncertainty: the trend's predictive covariance of the log stock is
 *     carried back through the projection's own Jacobian (J^-1 S J^-T) to
 *     a covariance of the starting stock and the growth rates, written as
 *     distributions with correlations; so `hnb run` gives bands whose
 *     P10-P90 of the stock is the trend's.
 * The result is a set of --set assignments, loaded as any what-if and
 * written as calibrated.yaml (extends: the scenario), which is loaded back
 * and checked to reproduce the same stock before anything is committed. */
#include <ctype.h>
#include <getopt.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnb/cli.h"
#include "hnb/forecast.h"
#include "hnb/history.h"
#include "hnb/mc.h"
#include "hnb/merge.h"
#include "hnb/plot.h"
#include "hnb/project.h"
#include "hnb/report.h"
#include "hnb/runner.h"
#include "hnb/mem.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) hnb_oom();
    return p;
}

/* ---- a list of PATH=VALUE assignments: how a calibration is loaded, and
 * (grouped by their first key) how calibrated.yaml is written ---- */

typedef struct {
    char **s;
    int n, cap;
} setlist;

static void sets_add(setlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sets_add(setlist *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        char **ns = realloc(l->s, sizeof(char *) * (size_t)l->cap);
        if (!ns) hnb_oom();
        l->s = ns;
    }
    char *s = xmalloc((size_t)need + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)need + 1, fmt, ap);
    va_end(ap);
    l->s[l->n++] = s;
}

static void sets_free(setlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

/* Load FILE with the user's --set lines, then A, then B (either may be NULL). */
static int load_with(const char *file, const hnb_cli *c, const setlist *a, const setlist *b,
                     hnb_model **out, hnb_err *err)
{
    int n = c->nsets + (a ? a->n : 0) + (b ? b->n : 0), k = 0;
    const char **sets = xmalloc(sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < c->nsets; i++) sets[k++] = c->sets[i];
    for (int i = 0; a && i < a->n; i++) sets[k++] = a->s[i];
    for (int i = 0; b && i < b->n; i++) sets[k++] = b->s[i];
    int rc = hnb_model_load(file, sets, k, out, err);
    free(sets);
    return rc;
}

/* ---- the history as the fit sees it ---- */

/* The council's stock of YEAR (the settings' rows added when the history
 * gives only those), or NAN. */
/* Series S of YEAR: the council's row, else its settings' rows added, else
 * its needs' rows added (a row by setting and need is never added twice:
 * rows naming both count only where neither kind alone is given), or NAN. */
static double series_of(const hnb_history *h, int year, int s)
{
    double whole = NAN, by_set = 0, by_need = 0, both = 0;
    int nset = 0, nneed = 0, nboth = 0;
    for (int i = 0; i < h->nrows; i++) {
        const hnb_history_row *r = &h->rows[i];
        if (r->year != year || !r->has[s]) continue;
        if (r->setting[0] && r->need[0]) both += r->v[s], nboth++;
        else if (r->setting[0]) by_set += r->v[s], nset++;
        else if (r->need[0]) by_need += r->v[s], nneed++;
        else whole = r->v[s];
    }
    return !isnan(whole) ? whole : nset ? by_set : nneed ? by_need : nboth ? both : NAN;
}

static double stock_of(const hnb_history *h, int year)
{
    return series_of(h, year, HNB_H_EHCPS);
}

static double new_of(const hnb_history *h, int year)
{
    return series_of(h, year, HNB_H_NEW);
}

/* The stock series the trend is fitted to: the longest run of consecutive
 * years with a positive stock that ends at ORIGIN. Returns its length
 * (STOCK[0..n), STOCK[n-1] at ORIGIN). */
static int stock_run(const hnb_history *h, int origin, double *stock, int max)
{
    int n = 0;
    for (int y = origin; y >= h->first_year && n < max; y--) {
        double s = stock_of(h, y);
        if (!(s > 0)) break;
        n++;
    }
    for (int i = 0; i < n; i++) stock[i] = stock_of(h, origin - n + 1 + i);
    return n;
}

/* The median exit rate of the last five years up to ORIGIN that have the
 * stock before and after and the new plans between; *N how many (0: NAN).
 * A rate outside [0, 1) says the figures do not add up (a change of basis,
 * a misreported year) and is left out. */
static double exit_rate(const hnb_history *h, int origin, int *n)
{
    double r[5];
    *n = 0;
    for (int y = origin; y > origin - 5 && y > h->first_year; y--) {
        double s0 = stock_of(h, y - 1), s1 = stock_of(h, y), np = new_of(h, y);
        if (!(s0 > 0) || isnan(s1) || isnan(np)) continue;
        double e = (s0 + np - s1) / s0;
        if (e >= 0 && e < 1) r[(*n)++] = e;
    }
    if (!*n) return NAN;
    gsl_sort(r, 1, (size_t)*n);
    return gsl_stats_median_from_sorted_data(r, 1, (size_t)*n);
}

/* ---- the calibration ---- */

typedef struct {
    hnb_trend tr;
    int origin, start, years, gap, nstock;
    double exit_obs;   /* the observed exit rate (median), NAN without new plans */
    int nexit;
    double cease;      /* cessation.rate set, when fitted */
    int cease_fitted, cease_floor; /* floor: exits by age alone exceed the observed */
    double pop, pop_sd; /* the starting stock and the sd of its log (gap > 0) */
    double count;      /* new plans, or with a pipeline the requests, of year 0 */
    double issue;      /* with a pipeline and requests observed: the issue rate fitted */
    int issue_clamped; /* ... or not (above 1): the requests fitted instead */
    int pipeline;      /* new plans come from a pipeline (SPEC section 11) */
    double *g, *gsd;   /* [years]: growth of each year from 1, its sd */
    int nfrozen;       /* demand mitigations held at their origin effect */
    int ncorr, nkept;  /* correlations written: the trend's, the scenario's kept */
    setlist sets;      /* the calibration as assignments */
} calib;

static void calib_free(calib *k)
{
    free(k->g);
    free(k->gsd);
    sets_free(&k->sets);
    memset(k, 0, sizeof *k);
}

typedef struct {
    const hnb_model *m;
    double *p;
    hnb_work *w;
    hnb_result *r;
} runner;

static const hnb_result *run(runner *x)
{
    hnb_project(x->m, x->p, x->w, x->r, 0);
    return x->r;
}

/* M's projection at its central values, ready to read (x.r) or rerun. */
static runner central_run(const hnb_model *m)
{
    runner x = {m, xmalloc(sizeof(double) * (size_t)(m->nparams + 1)), hnb_work_create(m),
                hnb_result_create(m)};
    hnb_model_central(m, x.p);
    run(&x);
    return x;
}

static void runner_free(runner *x)
{
    free(x->p);
    hnb_work_free(x->w);
    hnb_result_free(x->r);
}

/* Year 1's exits from the starting stock, as a share of it, with
 * cessation.rate at RATE and no new plans. */
typedef struct {
    runner *x;
    int slot;
    double target;
} cease_fn;

static double cease_gap(double rate, void *arg)
{
    cease_fn *cf = arg;
    cf->x->p[cf->slot] = rate;
    const hnb_result *r = run(cf->x);
    return 1 - r->ehcps[1] / r->ehcps[0] - cf->target;
}

static int fit_cessation(runner *x, int slot, double target, double *rate, int *floor_)
{
    cease_fn cf = {x, slot, target};
    *floor_ = 0;
    if (cease_gap(0, &cf) >= 0) { /* ageing out and the by-age rates are already enough */
        *rate = 0;
        *floor_ = 1;
        return 0;
    }
    gsl_function F = {cease_gap, &cf};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    gsl_root_fsolver_set(s, &F, 0, 1);
    double lo = 0, hi = 1;
    for (int it = 0; it < 200; it++) {
        gsl_root_fsolver_iterate(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 1e-12, 1e-12) == GSL_SUCCESS) break;
    }
    *rate = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    x->p[slot] = *rate;
    return 0;
}

static int is_trend_path(const char *path)
{
    static const char *const ours[] = {"new_plans.growth", "new_plans.count", "population.total",
                                       "cessation.rate", "pipeline.requests", "pipeline.issue_rate"};
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) {
        size_t n = strlen(ours[i]);
        if (!strncmp(path, ours[i], n) && (path[n] == 0 || path[n] == '.')) return 1;
    }
    return 0;
}

/* With a `need` column (SPEC section 10): the stock's shares by need at
 * ORIGIN as population.need_mix (one mix for every setting), and the new
 * plans' shares by need in the latest year up to ORIGIN that gives them as
 * new_plans.need_mix. A need the scenario does not list is an error at its
 * row; a scenario without needs cannot take them. */
static int history_needs(const hnb_history *h, int origin, const hnb_model *m, setlist *out, hnb_err *err)
{
    if (!h->has_need) return HNB_OK;
    if (!m->nneeds)
        return hnb_err_at(err, (hnb_mark){h->file, 1, 1},
                          "the history gives EHCPs by need, and %s has no `needs` to fit them to",
                          m->file);
    double *v = calloc((size_t)m->nneeds, sizeof(double));
    if (!v) hnb_oom();
    int rc = HNB_OK;
    for (int series = HNB_H_EHCPS; series <= HNB_H_NEW && !rc; series++) {
        int year = origin;
        for (; year >= h->first_year; year--) { /* the stock at the origin; new plans: the latest */
            int any = 0;
            for (int i = 0; i < h->nrows; i++)
                any |= h->rows[i].year == year && h->rows[i].need[0] && h->rows[i].has[series];
            if (any || series == HNB_H_EHCPS) break;
        }
        for (int k = 0; k < m->nneeds; k++) v[k] = 0;
        double sum = 0;
        for (int i = 0; i < h->nrows && !rc; i++) {
            const hnb_history_row *r = &h->rows[i];
            if (r->year != year || !r->need[0] || !r->has[series]) continue;
            int k = 0;
            while (k < m->nneeds && strcmp(m->need_ids[k], r->need)) k++;
            if (k == m->nneeds) {
                rc = hnb_err_at(err, (hnb_mark){h->file, r->line, 1},
                                "need: '%s' is not one of the scenario's needs", r->need);
                break;
            }
            v[k] += r->v[series];
            sum += r->v[series];
        }
        if (rc || !(sum > 0)) continue;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) hnb_oom();
        for (int k = 0; k < m->nneeds; k++) fprintf(f, "%s%s: %.10g", k ? ", " : "{", m->need_ids[k], v[k] / sum);
        fputc('}', f);
        fclose(f);
        sets_add(out, "%s=%s", series == HNB_H_EHCPS ? "population.need_mix" : "new_plans.need_mix", buf);
        free(buf);
    }
    free(v);
    return rc;
}

/* Shares of the starting stock by setting from the history's rows of
 * ORIGIN, as a population.mix assignment, when they name every setting. */
static void history_mix(const hnb_history *h, int origin, const hnb_model *m, setlist *out)
{
    double v[64] = {0};
    int seen = 0;
    if (!h->has_setting || m->nsettings > 64) return;
    for (int i = 0; i < h->nrows; i++) {
        const hnb_history_row *r = &h->rows[i];
        if (r->year != origin || !r->setting[0] || !r->has[HNB_H_EHCPS]) continue;
        for (int s = 0; s < m->nsettings; s++)
            if (!strcmp(m->settings[s].id, r->setting)) v[s] += r->v[HNB_H_EHCPS], seen++;
    }
    double sum = 0;
    for (int s = 0; s < m->nsettings; s++) sum += v[s];
    if (!seen || !(sum > 0)) return;
    char buf[4096];
    size_t w = (size_t)snprintf(buf, sizeof buf, "{");
    for (int s = 0; s < m->nsettings && w < sizeof buf - 100; s++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s: %.10g", s ? ", " : "", m->settings[s].id,
                              v[s] / sum);
    sets_add(out, "population.mix=%s}", buf);
}

/* A scenario whose population comes from a CSV: its shares by setting and
 * by age, so that population.total can be set (the age-by-setting detail
 * of the file becomes the product of the two). */
static void csv_shares(const hnb_model *m, setlist *out)
{
    if (!m->pop_csv) return;
    double age[HNB_AGES] = {0}, set[64] = {0}, byneed[64 * 64] = {0}, tot = 0;
    const int ns = m->nsettings, nn = hnb_model_needs(m), nc = hnb_model_cohorts(m);
    if (ns > 64 || nn > 64) return;
    for (int a = 0; a < HNB_AGES; a++)
        for (int c = 0; c < nc; c++) {
            double v = m->pop_csv[a * nc + c];
            age[a] += v, set[c % ns] += v, byneed[(c % ns) * 64 + c / ns] += v, tot += v;
        }
    if (!(tot > 0)) return;
    static char buf[1 << 16]; /* single-threaded: calibrate runs once */
    size_t w = 0;
    sets_add(out, "population.from_csv=~");
    w = (size_t)snprintf(buf, sizeof buf, "{");
    for (int s = 0; s < m->nsettings; s++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s: %.10g", s ? ", " : "", m->settings[s].id,
                              set[s] / tot);
    sets_add(out, "population.mix=%s}", buf);
    w = (size_t)snprintf(buf, sizeof buf, "{");
    int first = 1;
    for (int a = 0; a < HNB_AGES; a++)
        if (age[a] > 0) {
            w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%d: %.10g", first ? "" : ", ", a, age[a] / tot);
            first = 0;
        }
    sets_add(out, "population.age_profile=%s}", buf);
    if (!m->nneeds) return;
    /* the file's needs, a mix per setting (an empty setting: the first need) */
    w = (size_t)snprintf(buf, sizeof buf, "{");
    for (int s = 0; s < ns; s++) {
        if (w > sizeof buf - 1024 || strlen(m->settings[s].id) > 900) return;
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s: {", s ? ", " : "", m->settings[s].id);
        for (int k = 0; k < nn; k++) {
            if (w > sizeof buf - 1024 || strlen(m->need_ids[k]) > 900) return; /* ids this long: leave it */
            w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s: %.10g", k ? ", " : "", m->need_ids[k],
                                  set[s] > 0 ? byneed[s * 64 + k] / set[s] : k == 0);
        }
        w += (size_t)snprintf(buf + w, sizeof buf - w, "}");
    }
    sets_add(out, "population.need_mix=%s}", buf);
}

/* The error for a trend that falls faster than plans end: no number of new
 * plans, zero or more, carries it (the fit would set a negative count). It
 * names the history's last years, where such a fall almost always comes
 * from: a change in what was reported, which the trend cannot tell from a
 * real fall at the end of the series. */
static int trend_falls(hnb_err *err, const hnb_history *h, int origin, const char *file, int start,
                       double stock0, double stock1, double surv)
{
    char a[HNB_NUM_BUF], b[HNB_NUM_BUF], c[HNB_NUM_BUF], last[256] = "";
    size_t w = 0;
    int line = 1;
    for (int y = origin - 2; y <= origin; y++) {
        double v = stock_of(h, y);
        if (isnan(v)) continue;
        hnb_fmt_count(a, sizeof a, v);
        w += (size_t)snprintf(last + w, sizeof last - w, "%s%d: %s", w ? ", " : "", y, a);
        for (int i = 0; i < h->nrows; i++)
            if (h->rows[i].year == y && h->rows[i].has[HNB_H_EHCPS]) line = h->rows[i].line;
    }
    hnb_fmt_count(a, sizeof a, stock0);
    hnb_fmt_count(b, sizeof b, stock1);
    hnb_fmt_count(c, sizeof c, surv);
    return hnb_err_at(err, (hnb_mark){h->file, line, 1},
                      "the EHCP trend up to %d falls faster than plans end: from %s plans in %d it "
                      "reaches %s in %d, below the %s that remain with no new plans at all, so no "
                      "number of new plans carries it (%s's cessation). The history's last years "
                      "(%s) fall this sharply most often because what was reported changed: check "
                      "them, or leave the last out of the history (its last year is the origin)",
                      origin, a, start, b, start + 1, c, file, last);
}

/* Fit FILE (with the user's --set lines and EXTRA) to history H up to
 * ORIGIN (the last year used; later rows are ignored), filling K. */
static int calibrate_core(const char *file, const hnb_cli *c, const setlist *extra,
                          const hnb_history *h, int origin, calib *k, hnb_err *err)
{
    memset(k, 0, sizeof *k);
    hnb_model *m0 = NULL, *m1 = NULL;
    int rc = load_with(file, c, extra, NULL, &m0, err);
    if (rc) return rc;
    hnb_mark hm = {h->file, 1, 1};
    /* With a pipeline (SPEC section 11) the new plans come from requests:
     * the fit solves the requests and their growth instead of new plans, and
     * with a history of requests it takes their trend as given and solves
     * the share of them that become plans (the issue rate). */
    const int pipe = k->pipeline = m0->pipeline.given;
    const char *count_path = pipe ? "pipeline.requests.count" : "new_plans.count";
    const char *growth_path = pipe ? "pipeline.requests.growth" : "new_plans.growth";
    if (!m0->bottom_up) {
        rc = hnb_err_at(err, hm, "%s has no settings, population and new plans: calibration "
                                 "fits the EHCP stock of a bottom-up scenario", file);
        goto done;
    }
    k->start = m0->start_year;
    k->years = m0->years;
    if (origin > k->start) origin = k->start; /* the start year's own stock, if observed, is used */
    k->origin = origin;
    k->gap = k->start - origin;
    double stock[HNB_TREND_MAXOBS + 1];
    k->nstock = stock_run(h, origin, stock, HNB_TREND_MAXOBS + 1);
    if (hnb_trend_fit(stock, k->nstock, HNB_TREND_Q, &k->tr)) {
        rc = hnb_err_at(err, hm, "the history needs the EHCP stock of at least 3 consecutive "
                                 "years up to %d, each above 0 (it has %d)", origin, k->nstock);
        goto done;
    }
    k->exit_obs = exit_rate(h, origin, &k->nexit);

    /* the structure the fit fills: every year's growth a slot of its own */
    setlist s1 = {0};
    csv_shares(m0, &s1);
    history_mix(h, origin, m0, &s1);
    if ((rc = history_needs(h, origin, m0, &s1, err))) {
        sets_free(&s1);
        goto done;
    }
    sets_add(&s1, "population.total=1");
    sets_add(&s1, "%s=1", count_path);
    if (k->years >= 2) {
        char buf[8192];
        size_t w = (size_t)snprintf(buf, sizeof buf, "{");
        for (int t = 1; t < k->years; t++)
            w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%d: 0", t > 1 ? ", " : "", k->start + t);
        sets_add(&s1, "%s=%s}", growth_path, buf);
    }
    /* requests observed: their trend gives the requests; the issue rate is fitted */
    double requests_obs = NAN;
    if (pipe) {
        double rs[HNB_TREND_MAXOBS + 1];
        int nr = 0;
        for (int y = origin; y >= h->first_year && nr < HNB_TREND_MAXOBS + 1; y--) {
            double v = series_of(h, y, HNB_H_REQUESTS);
            if (!(v > 0)) break;
            nr++;
        }
        for (int i = 0; i < nr; i++) rs[i] = series_of(h, origin - nr + 1 + i, HNB_H_REQUESTS);
        hnb_trend rt;
        if (nr >= 3 && !hnb_trend_fit(rs, nr, HNB_TREND_Q, &rt)) {
            requests_obs = exp(hnb_trend_mean(&rt, k->gap));
            sets_add(&s1, "pipeline.issue_rate=1");
        }
    }
    int fit_cease = k->nexit >= 2 && k->years >= 2;
    if (fit_cease) sets_add(&s1, "cessation.rate=0");
    if (m0->ncorr) sets_add(&s1, "monte_carlo.correlations=[]"); /* the fit draws nothing */
    rc = load_with(file, c, extra, &s1, &m1, err);
    if (rc) {
        sets_free(&s1);
        goto done;
    }
    /* Demand mitigations as they stood in the origin's year: one not yet
     * started is switched off for the fit (a start no year reaches; the
     * model is this fit's own copy, and the workspace made below reads the
     * start), one in force keeps the effect it had then (its ramp's slots
     * all at that year's value). */
    double *p = xmalloc(sizeof(double) * (size_t)(m1->nparams + 1));
    hnb_model_central(m1, p);
    for (int i = 0; i < m1->nmit; i++) {
        hnb_mitigation *mi = &m1->mits[i];
        if (mi->type != HNB_MIT_DEMAND && mi->type != HNB_MIT_REQUESTS) continue;
        k->nfrozen++;
        if (origin < mi->start) {
            mi->start = INT_MAX / 2;
            continue;
        }
        if (mi->nramp > 0) {
            int j = origin - mi->start;
            double v = p[mi->ramp[j < mi->nramp - 1 ? j : mi->nramp - 1]];
            for (j = 0; j < mi->nramp; j++) p[mi->ramp[j]] = v;
        }
    }
    runner x = {m1, p, hnb_work_create(m1), hnb_result_create(m1)};
    int spop = m1->pop_total, scount = pipe ? m1->pipeline.requests : m1->np_count;
    const int *sgrowth = pipe ? m1->pipeline.growth : m1->np_growth;
    const int sissue = pipe && !isnan(requests_obs) ? hnb_model_find_param(m1, "pipeline.issue_rate") : -1;
    int scease = fit_cease ? hnb_model_find_param(m1, "cessation.rate") : -1;
    /* 1. exits */
    x.p[spop] = exp(hnb_trend_mean(&k->tr, k->gap));
    x.p[scount] = 0;
    for (int t = 1; t < k->years; t++) x.p[sgrowth[t]] = 0;
    if (fit_cease && scease >= 0) {
        fit_cessation(&x, scease, k->exit_obs, &k->cease, &k->cease_floor);
        k->cease_fitted = 1;
    }
    /* 2. the starting stock and the new plans that carry the trend */
    k->pop = x.p[spop];
    k->g = calloc((size_t)k->years + 1, sizeof(double));
    k->gsd = calloc((size_t)k->years + 1, sizeof(double));
    if (!k->g || !k->gsd) hnb_oom();
    if (k->years >= 2) {
        double surv = run(&x)->ehcps[1];
        double t1 = exp(hnb_trend_mean(&k->tr, k->gap + 1));
        if (!pipe) {
            k->count = (t1 - surv) / exp(k->tr.slope);
            x.p[scount] = k->count;
            if (k->count < 0) {
                rc = trend_falls(err, h, origin, file, k->start, exp(hnb_trend_mean(&k->tr, k->gap)), t1, surv);
                free(x.p);
                hnb_work_free(x.w);
                hnb_result_free(x.r);
                sets_free(&s1);
                goto done;
            }
        } else {
            /* the stock of year 1 is linear in the requests of year 0 and, with
             * them given, in the issue rate: solve the one that is free */
            const int sl = sissue >= 0 ? sissue : scount;
            if (sissue >= 0) x.p[scount] = requests_obs;
            x.p[sl] = 0;
            double e0 = run(&x)->ehcps[1];
            x.p[sl] = sissue >= 0 ? 0.5 : 1000;
            double e1 = run(&x)->ehcps[1];
            x.p[sl] = e1 != e0 ? x.p[sl] * (t1 - e0) / (e1 - e0) : 0;
            if (sissue >= 0 && !(x.p[sl] >= 0 && x.p[sl] <= 1)) {
                /* no issue rate in [0, 1] carries the stock on the requests
                 * observed: the nearest end, and the requests fitted instead */
                x.p[sl] = x.p[sl] > 1 ? 1 : 0.01;
                k->issue_clamped = 1;
                x.p[scount] = 0;
                e0 = run(&x)->ehcps[1];
                x.p[scount] = 1000;
                e1 = run(&x)->ehcps[1];
                x.p[scount] = e1 != e0 ? 1000 * (t1 - e0) / (e1 - e0) : 0;
            }
            if (sissue >= 0) k->issue = x.p[sissue];
            k->count = x.p[scount];
        }
        for (int t = 1; t < k->years; t++) {
            double target = exp(hnb_trend_mean(&k->tr, k->gap + t));
            int sl = sgrowth[t];
            x.p[sl] = 0;
            double e0 = run(&x)->ehcps[t];
            x.p[sl] = 0.1;
            double e1 = run(&x)->ehcps[t];
            /* the stock of year t is linear in year t's new plans */
            x.p[sl] = e1 != e0 ? 0.1 * (target - e0) / (e1 - e0) : 0;
            k->g[t] = x.p[sl];
        }
        if (pipe) {
            /* Requests are a lever on the stock only while the pipeline passes
             * them on: a capacity that binds, or a backlog and a same-year
             * share that lag them, can leave no requests path that follows the
             * trend, and the solve then swings wildly. Refuse that plainly. */
            const hnb_result *r = run(&x);
            int bad = -1;
            for (int t = 1; t < k->years && bad < 0; t++) {
                double target = exp(hnb_trend_mean(&k->tr, k->gap + t));
                if (fabs(r->ehcps[t] / target - 1) > 0.005 || fabs(k->g[t]) > 0.5) bad = t;
            }
            if (bad >= 0) {
                rc = hnb_err_at(err, (hnb_mark){m0->file, 1, 1},
                                "%s: no path of requests carries the EHCP trend through the "
                                "pipeline in %d (it would need requests to grow by %.0f%% that "
                                "year): the pipeline's capacity, backlog or same_year share "
                                "decide the new plans more than the requests do. Calibrate with "
                                "capacity lifted (--set pipeline.capacity=~), no backlog "
                                "(--set pipeline.backlog=0) and same_year 1, or without the pipeline",
                                file, k->start + bad, 100 * k->g[bad]);
                free(x.p);
                hnb_work_free(x.w);
                hnb_result_free(x.r);
                sets_free(&s1);
                goto done;
            }
        }
    } else {
        k->count = x.p[scount] = m0->np_count >= 0 ? m0->params[m0->np_count].central : 0;
    }
    /* 3. uncertainty: the trend's covariance of the log stock, carried back
     * through the projection's Jacobian to the values that make it */
    int k0 = k->gap > 0 ? 0 : 1, d = k->years - k0;
    double *cov = NULL;
    if (d > 0) {
        gsl_matrix *W = gsl_matrix_calloc((size_t)d, (size_t)d);
        gsl_matrix *S = gsl_matrix_alloc((size_t)d, (size_t)d);
        const double hstep = 1e-5;
        for (int j = 0; j < d; j++) {
            int var = k0 + j; /* 0: log of the starting stock; t: growth of year t */
            int sl = var == 0 ? spop : sgrowth[var];
            double keep = x.p[sl], up[64], dn[64];
            double *yu = d <= 64 ? up : xmalloc(sizeof(double) * (size_t)d);
            double *yd = d <= 64 ? dn : xmalloc(sizeof(double) * (size_t)d);
            x.p[sl] = var == 0 ? keep * exp(hstep) : keep + hstep;
            const hnb_result *r = run(&x);
            for (int i = 0; i < d; i++) yu[i] = log(r->ehcps[k0 + i]);
            x.p[sl] = var == 0 ? keep * exp(-hstep) : keep - hstep;
            r = run(&x);
            for (int i = 0; i < d; i++) yd[i] = log(r->ehcps[k0 + i]);
            x.p[sl] = keep;
            for (int i = j; i < d; i++) /* a year's values move no earlier year */
                gsl_matrix_set(W, (size_t)i, (size_t)j, (yu[i] - yd[i]) / (2 * hstep));
            if (yu != up) free(yu);
            if (yd != dn) free(yd);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                gsl_matrix_set(S, (size_t)i, (size_t)j,
                               hnb_trend_cov(&k->tr, k->gap + k0 + i, k->gap + k0 + j));
        int ok = 1;
        for (int i = 0; i < d; i++) ok &= fabs(gsl_matrix_get(W, (size_t)i, (size_t)i)) > 1e-12;
        if (ok) {
            /* C = W^-1 S W^-T: two triangular solves */
            gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, W, S);
            gsl_matrix_transpose(S);
            gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, W, S);
            cov = xmalloc(sizeof(double) * (size_t)d * (size_t)d);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    cov[i * d + j] = 0.5 * (gsl_matrix_get(S, (size_t)i, (size_t)j) +
                                            gsl_matrix_get(S, (size_t)j, (size_t)i));
        }
        gsl_matrix_free(W);
        gsl_matrix_free(S);
    }
    /* 4. the calibration as assignments */
    /* the structure's assignments that stay (the need mixes of a history by
     * need among them); the fitted values follow */
    for (int i = 0; i < s1.n; i++)
        if (strncmp(s1.s[i], "population.total=", 17) &&
            (strncmp(s1.s[i], "new_plans.", 10) || !strncmp(s1.s[i], "new_plans.need_mix=", 19)) &&
            strncmp(s1.s[i], "pipeline.", 9) &&
            strncmp(s1.s[i], "cessation.", 10) && strncmp(s1.s[i], "monte_carlo.", 12))
            sets_add(&k->sets, "%s", s1.s[i]);
    sets_free(&s1);
    double *sd = xmalloc(sizeof(double) * (size_t)(d > 0 ? d : 1));
    for (int i = 0; i < d; i++) sd[i] = cov && cov[i * d + i] > 0 ? sqrt(cov[i * d + i]) : 0;
    if (k->gap > 0 && sd[0] > 0) {
        k->pop_sd = sd[0];
        sets_add(&k->sets, "population.total={dist: lognormal, median: %.10g, sigma: %.6g, id: trend_stock_%d}",
                 k->pop, sd[0], k->start);
    } else {
        sets_add(&k->sets, "population.total=%.10g", k->pop);
    }
    sets_add(&k->sets, "%s=%.10g", count_path, k->count);
    if (sissue >= 0) sets_add(&k->sets, "pipeline.issue_rate=%.10g", k->issue);
    if (k->years >= 2) {
        size_t cap = 256 * (size_t)k->years, w = 0;
        char *buf = xmalloc(cap);
        w += (size_t)snprintf(buf + w, cap - w, "{");
        for (int t = 1; t < k->years; t++) {
            double s = t - k0 >= 0 && t - k0 < d ? sd[t - k0] : 0;
            k->gsd[t] = s;
            if (s > 0)
                w += (size_t)snprintf(buf + w, cap - w, "%s%d: {dist: normal, mean: %.10g, sd: %.6g, id: trend_growth_%d}",
                                      t > 1 ? ", " : "", k->start + t, k->g[t], s, k->start + t);
            else
                w += (size_t)snprintf(buf + w, cap - w, "%s%d: %.10g", t > 1 ? ", " : "", k->start + t, k->g[t]);
        }
        sets_add(&k->sets, "%s=%s}", growth_path, buf);
        free(buf);
    }
    if (k->cease_fitted) sets_add(&k->sets, "cessation.rate=%.10g", k->cease);
    /* correlations: the trend's, and the scenario's own that do not name a
     * value the calibration replaces */
    {
        size_t cap = 4096 + 96 * (size_t)(d * d + m0->ncorr), w = 0;
        char *buf = xmalloc(cap);
        w += (size_t)snprintf(buf + w, cap - w, "[");
        int n = 0;
        for (int i = 0; i < d && cov; i++)
            for (int j = i + 1; j < d; j++) {
                if (!(sd[i] > 0 && sd[j] > 0)) continue;
                double rho = cov[i * d + j] / (sd[i] * sd[j]);
                if (fabs(rho) < 1e-4) continue;
                if (rho > 0.9999) rho = 0.9999;
                if (rho < -0.9999) rho = -0.9999;
                char a[64], b[64];
                int vi = k0 + i, vj = k0 + j;
                if (vi == 0) snprintf(a, sizeof a, "trend_stock_%d", k->start);
                else snprintf(a, sizeof a, "trend_growth_%d", k->start + vi);
                snprintf(b, sizeof b, "trend_growth_%d", k->start + vj);
                w += (size_t)snprintf(buf + w, cap - w, "%s{a: %s, b: %s, rho: %.4f}", n ? ", " : "", a, b, rho);
                n++;
            }
        k->ncorr = n;
        for (int i = 0; i < m0->ncorr; i++) {
            const hnb_param *pa = &m0->params[m0->corr[i].a], *pb = &m0->params[m0->corr[i].b];
            if (is_trend_path(pa->path) || is_trend_path(pb->path)) continue;
            w += (size_t)snprintf(buf + w, cap - w, "%s{a: \"%s\", b: \"%s\", rho: %.10g}", n ? ", " : "",
                                  pa->name, pb->name, m0->corr[i].rho);
            n++, k->nkept++;
        }
        if (n || m0->ncorr) sets_add(&k->sets, "monte_carlo.correlations=%s]", buf);
        free(buf);
    }
    if (!m0->has_mc || m0->mc_draws == 0) sets_add(&k->sets, "monte_carlo.draws=10000");
    free(sd);
    free(cov);
    free(x.p);
    hnb_work_free(x.w);
    hnb_result_free(x.r);
done:
    if (m1) hnb_model_free(m1);
    if (m0) hnb_model_free(m0);
    if (rc) calib_free(k);
    return rc;
}

/* ---- writing a calibrated scenario: extends: the original, then the fit ---- */

static void relpath(const char *from_dir, const char *to, char *out, size_t n)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(from_dir, a) || !realpath(to, b)) {
        snprintf(out, n, "%s", to);
        return;
    }
    size_t common = 0, i = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '/') common = i;
        i++;
    }
    if (!a[i] && b[i] == '/') common = i;
    size_t w = 0;
    out[0] = 0;
    for (const char *q = a + common; *q; q++)
        if (*q == '/' && w < n - 4) w += (size_t)snprintf(out + w, n - w, "../");
    snprintf(out + w, n - w, "%s", b + common + 1);
}


/* The assignments K->sets as YAML: each "top.key=VALUE" under its top key,
 * the growth map one year a line. */
/* WDIR: the directory written (a stage beside DIR, so the relative path
 * from it is the one from DIR); DIR: the one named to the user. */
static void write_yaml(FILE *f, const char *wdir, const char *dir, const char *file,
                       const char *name, const hnb_history *h, const calib *k)
{
    char rel[PATH_MAX];
    relpath(wdir, file, rel, sizeof rel);
    fprintf(f, "# Calibrated by `hnb calibrate` against %s, the EHCP stock of %d to %d.\n"
               "# The stock is forecast by its own local linear trend (current trend %+.2f%% a year,\n"
               "# year-to-year noise %.2f%%), from the last observed year; new plans and cessation\n"
               "# are set so that the projection follows it, and the trend's uncertainty is carried\n"
               "# into the starting stock and each year's growth (with their correlations), so the\n"
               "# Monte Carlo's P10-P90 of the EHCPs is the trend's. Run it: hnb run %s/calibrated.yaml\n",
            h->file, k->origin - k->nstock + 1, k->origin, 100 * (exp(k->tr.slope) - 1),
            100 * sqrt(k->tr.r), dir);
    fputs("extends: ", f);
    hnb_yaml_quoted(f, rel);
    fputs("\nname: ", f);
    char nm[700];
    snprintf(nm, sizeof nm, "%s (calibrated)", name);
    hnb_yaml_quoted(f, nm);
    fputc('\n', f);
    static const char *const tops[] = {"population", "new_plans", "pipeline", "cessation", "monte_carlo"};
    for (size_t ti = 0; ti < sizeof tops / sizeof *tops; ti++) {
        size_t tl = strlen(tops[ti]);
        int opened = 0;
        int requests_open = 0; /* pipeline.requests.*: one level deeper, written first */
        for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < k->sets.n; i++) {
            const char *s = k->sets.s[i];
            if (strncmp(s, tops[ti], tl) || s[tl] != '.') continue;
            const int deep = !strncmp(s, "pipeline.requests.", 18);
            if (deep != (pass == 0)) continue;
            const char *eq = strchr(s, '=');
            if (!opened) fprintf(f, "%s:\n", tops[ti]), opened = 1;
            if (deep && !requests_open) fputs("  requests:\n", f), requests_open = 1;
            const char *key = s + (deep ? 18 : tl + 1);
            fprintf(f, "%s%.*s:", deep ? "    " : "  ", (int)(eq - key), key);
            const char *v = eq + 1;
            if ((!strncmp(s, "new_plans.growth=", 17) || !strncmp(s, "pipeline.requests.growth=", 25)) &&
                v[0] == '{') {
                /* one year a line: split the flow map at its top-level commas */
                fputs(deep ? "\n      " : "\n    ", f);
                int depth = 0;
                for (const char *q = v + 1; *q; q++) {
                    if (*q == '{') depth++;
                    if (*q == '}' && depth-- == 0) break;
                    if (*q == ',' && depth == 0) {
                        fputs(deep ? "\n     " : "\n   ", f);
                        continue;
                    }
                    fputc(*q, f);
                }
                fputc('\n', f);
            } else if (!strncmp(s, "monte_carlo.correlations=", 25) && v[0] == '[') {
                fputs("\n    - ", f);
                int depth = 0;
                for (const char *q = v + 1; *q; q++) {
                    if (*q == '{') depth++;
                    if (*q == '}') depth--;
                    if (*q == ']' && depth == 0) break;
                    if (*q == ',' && depth == 0) {
                        fputs("\n    -", f);
                        continue;
                    }
                    fputc(*q, f);
                }
                fputc('\n', f);
            } else {
                fprintf(f, " %s\n", v);
            }
        }
    }
}

/* ---- the commands ---- */

static void usage_cal(FILE *f, int backtest)
{
    if (!backtest)
        fputs("usage: hnb calibrate SCENARIO --history FILE [-o DIR]\n"
              "\n"
              "Forecast the scenario's EHCPs from where the council is: the EHCP stock of the\n"
              "history is fitted by a local linear trend (a Kalman filter on its log growth,\n"
              "robust to a misreported year), the scenario starts from the trend's stock, and\n"
              "new plans and cessation are set so that the projection follows it. The trend's\n"
              "uncertainty becomes distributions with correlations, so `hnb run` on the result\n"
              "gives honest bands. Writes DIR/calibrated.yaml (extends: the scenario; it runs\n"
              "as written), calibration.md, calibration.csv, forecast.csv and a chart. DIR\n"
              "defaults to out/<scenario>-calibration/.\n"
              "\n"
              "  FILE is CSV: year,ehcps[,new_plans][,ceased][,expenditure][,requests][,setting]\n"
              "  [,need], one row a financial year (2024: the stock at January 2025, new plans\n"
              "  of calendar 2024), or a year and setting, or a year and primary need.\n"
              "  With new_plans, cessation.rate is set from the exits they imply. With need,\n"
              "  the need mixes are the origin's. A scenario with a pipeline: the requests are\n"
              "  solved (or, with requests in the history, follow their trend and the issue\n"
              "  rate is solved).\n",
              f);
    else
        fputs("usage: hnb backtest SCENARIO --history FILE [--origins Y1:Y2|Y,Y,...] [--horizon H]\n"
              "\n"
              "Rolling-origin test: for each origin, calibrate on the history up to it (as\n"
              "hnb calibrate does), forecast the next H years (default 3) with --draws draws\n"
              "(default 2000), and compare with what happened, beside three naive baselines on\n"
              "the same folds: the last value, the linear trend of the last 5 years, and the\n"
              "compound growth of the last 3. Reports each fold's error, bias and whether the\n"
              "actual fell inside P10-P90, the medians, and plainly whether hnb beat them.\n"
              "Writes backtest.md, backtest.csv and a chart into DIR (default\n"
              "out/<scenario>-backtest/). Origins default to every year with 5 years before it\n"
              "and at least one after. Mitigations and money are set aside: the test is of\n"
              "the EHCP forecast.\n",
              f);
    fputs("\n      --history FILE     the observed history\n", f);
    if (backtest)
        fputs("      --origins SPEC     the last year each fold sees: 2015:2021, or 2016,2018\n"
              "      --horizon H        years forecast from each origin (1 to 20)\n",
              f);
    fputs(HNB_CLI_HELP "  -h, --help             this help\n", f);
}

static int parse_origins(const char *s, int *list, int max)
{
    int n = 0, a, b;
    char tail;
    if (sscanf(s, "%d:%d%c", &a, &b, &tail) == 2) {
        if (a > b || b - a >= max) return -1;
        for (int y = a; y <= b; y++) list[n++] = y;
        return n;
    }
    const char *q = s;
    while (*q) {
        char *end;
        long y = strtol(q, &end, 10);
        if (end == q || y < 1900 || y > 2200 || n == max) return -1;
        list[n++] = (int)y;
        q = end;
        if (*q == ',') q++;
        else if (*q) return -1;
    }
    return n ? n : -1;
}

static void chart(const char *dir, const char *script_name, const char *csv_name,
                  const char *data_text, const char *title, const char *extra, unsigned formats,
                  hnb_err *err)
{
    if (!formats) return;
    const char *plots = hnb_plot_dir();
    char cdir[4200], data[4400], base[4400], script[4400];
    snprintf(cdir, sizeof cdir, "%s/charts", dir);
    if (!plots || hnb_mkdirs(cdir, err) != HNB_OK) return;
    snprintf(script, sizeof script, "%s/%s", plots, script_name);
    if (access(script, R_OK) != 0) return;
    snprintf(data, sizeof data, "%s/%s.csv", cdir, csv_name);
    FILE *g = fopen(data, "w");
    if (!g) return;
    fputs(data_text, g);
    if (fclose(g)) return;
    snprintf(base, sizeof base, "%s/%s", cdir, csv_name);
    hnb_plot_draw(script, data, base, title, extra, formats);
}

static void out_dir(const hnb_cli *c, const char *file, const char *what, char *dir, size_t n)
{
    if (c->outdir) {
        snprintf(dir, n, "%s", c->outdir);
    } else {
        char stem[1024];
        hnb_file_stem(file, stem, sizeof stem);
        snprintf(dir, n, "out/%s-%s", stem, what);
    }
}

/* P10 and P90 of the stock under the trend alone, h years on. */
static void trend_band(const hnb_trend *t, int h, double *lo, double *hi)
{
    static const double z90 = 1.2815515655446004;
    double m = hnb_trend_mean(t, h), s = sqrt(hnb_trend_cov(t, h, h));
    *lo = exp(m - z90 * s);
    *hi = exp(m + z90 * s);
}

static int do_calibrate(const char *file, const hnb_cli *c, const hnb_history *h, hnb_err *err)
{
    calib k;
    int rc = calibrate_core(file, c, NULL, h, h->last_year, &k, err);
    if (rc) return rc;
    hnb_model *m = NULL;
    rc = load_with(file, c, NULL, &k.sets, &m, err);
    if (rc) {
        calib_free(&k);
        return rc;
    }
    char dir[4096];
    out_dir(c, file, "calibration", dir, sizeof dir);
    runner cx = central_run(m);
    const hnb_result *r = cx.r;
    /* calibrated.yaml, loaded back: it must give the same stock */
    char *yaml = NULL;
    size_t ylen = 0;
    /* first: relpath() needs the directory to exist */
    hnb_outset *o = hnb_outset_create(dir, err);
    if (!o) rc = HNB_EFAIL;
    const char *wdir = o ? hnb_outset_dir(o) : dir;
    FILE *mf = open_memstream(&yaml, &ylen);
    if (!mf) hnb_oom();
    write_yaml(mf, wdir, dir, file, m->name, h, &k);
    fclose(mf);
    char check[4200];
    snprintf(check, sizeof check, "%s/.calibrated-check.yaml", wdir);
    if (!rc) {
        FILE *cf = fopen(check, "w");
        if (!cf || fputs(yaml, cf) < 0 || fclose(cf)) rc = hnb_err_fail(err, "%s: cannot write", check);
    }
    if (!rc) {
        hnb_model *mc = NULL;
        hnb_err e2 = {0};
        const char *const *sets = (const char *const *)c->sets;
        int lr = hnb_model_load(check, sets, c->nsets, &mc, &e2);
        if (lr) {
            rc = hnb_err_fail(err, "the calibrated scenario does not load (%s): please report this", e2.msg);
        } else {
            runner cy = central_run(mc);
            const hnb_result *r2 = cy.r;
            for (int t = 0; t < m->years && !rc; t++)
                if (fabs(r2->ehcps[t] - r->ehcps[t]) > 1e-6 * fabs(r->ehcps[t]))
                    rc = hnb_err_fail(err, "the calibrated scenario gives %.3f EHCPs in year %d, the fit %.3f: please report this",
                                      r2->ehcps[t], m->start_year + t, r->ehcps[t]);
            runner_free(&cy);
            hnb_model_free(mc);
        }
    }
    unlink(check);
    FILE *f;
    if (!rc && (f = hnb_outset_open(o, "calibrated.yaml", err))) fputs(yaml, f);
    else if (!rc) rc = HNB_EFAIL;
    /* forecast.csv: the history, then the forecast with the trend's band */
    char *chart_text = NULL;
    size_t chart_len = 0;
    FILE *cd = open_memstream(&chart_text, &chart_len);
    if (!cd) hnb_oom();
    fputs("year,label,observed,forecast,p10,p90\n", cd);
    if (!rc && (f = hnb_outset_open(o, "forecast.csv", err))) {
        fputs("year,label,observed,forecast,p10,p90\n", f);
        for (int y = k.origin - k.nstock + 1; y <= k.origin + k.gap + m->years - 1; y++) {
            char l[8];
            hnb_year_label(y, l);
            double obs = stock_of(h, y);
            int hz = y - k.origin;
            FILE *outs[2] = {f, cd};
            for (int j = 0; j < 2; j++) {
                fprintf(outs[j], "%d,%s,", y, l);
                if (!isnan(obs)) fprintf(outs[j], "%.3f", obs);
                if (hz >= 0) {
                    double lo, hi, fc = hz == 0 ? exp(k.tr.level) : hz < k.gap ? exp(hnb_trend_mean(&k.tr, hz))
                                                                              : r->ehcps[hz - k.gap];
                    if (hz == 0) lo = hi = fc;
                    else trend_band(&k.tr, hz, &lo, &hi);
                    fprintf(outs[j], ",%.3f,%.3f,%.3f\n", fc, lo, hi);
                } else {
                    fputs(",,,\n", outs[j]);
                }
            }
        }
    } else if (!rc) rc = HNB_EFAIL;
    fclose(cd);
    if (!rc && (f = hnb_outset_open(o, "calibration.csv", err))) {
        fputs("value,fitted,sd\n", f);
        fprintf(f, "trend_growth_a_year,%.10g,%.6g\n", exp(k.tr.slope) - 1, sqrt(k.tr.widen * k.tr.r * k.tr.p));
        fprintf(f, "noise_sd_a_year,%.10g,\n", sqrt(k.tr.r));
        fprintf(f, "population.total,%.10g,%.6g\n", k.pop, k.pop_sd * k.pop);
        const char *cp = k.pipeline ? "pipeline.requests.count" : "new_plans.count";
        const char *gp = k.pipeline ? "pipeline.requests.growth" : "new_plans.growth";
        fprintf(f, "%s,%.10g,\n", cp, k.count);
        if (k.pipeline && !k.issue_clamped && k.issue > 0) fprintf(f, "pipeline.issue_rate,%.10g,\n", k.issue);
        for (int t = 1; t < m->years; t++) fprintf(f, "%s.%d,%.10g,%.6g\n", gp, k.start + t, k.g[t], k.gsd[t]);
        if (k.cease_fitted) fprintf(f, "cessation.rate,%.10g,\n", k.cease);
    } else if (!rc) rc = HNB_EFAIL;
    FILE *md = NULL;
    if (!rc && !(md = hnb_outset_open(o, "calibration.md", err))) rc = HNB_EFAIL;
    FILE *outs[2] = {md, c->quiet ? NULL : stdout};
    for (int j = 0; j < 2 && !rc; j++) {
        FILE *g = outs[j];
        if (!g) continue;
        char lo[8], la[8];
        hnb_year_label(k.origin - k.nstock + 1, lo);
        hnb_year_label(k.origin, la);
        fprintf(g, "# Calibration of %s against %s\n\n", file, h->file);
        fprintf(g, "The EHCP stock of %s to %s (%d years) has a current trend of %+.2f%% a year "
                   "(standard error %.2f points), about which a year's growth varies by %.2f%% "
                   "(one standard deviation)%s.\n\n",
                lo, la, k.nstock, 100 * (exp(k.tr.slope) - 1), 100 * sqrt(k.tr.widen * k.tr.r * k.tr.p),
                100 * sqrt(k.tr.r),
                k.tr.clipped ? "; a year that did not fit the rest was given less weight" : "");
        if (k.gap > 0) {
            char ls[8];
            hnb_year_label(k.start, ls);
            fprintf(g, "The scenario starts in %s, %d year%s after the last observed: its starting "
                       "stock is the trend's, %.0f (P10-P90 %.0f to %.0f).\n\n",
                    ls, k.gap, k.gap == 1 ? "" : "s", k.pop, k.pop * exp(-1.2815515655446004 * k.pop_sd),
                    k.pop * exp(1.2815515655446004 * k.pop_sd));
        } else {
            fprintf(g, "The scenario starts from the last observed stock, %.0f.\n\n", k.pop);
        }
        if (k.cease_fitted)
            fprintf(g, "Exits: the history's new plans imply %.2f%% of plans ending a year (median of "
                       "the last %d years); cessation.rate is %.3f%%%s.\n\n",
                    100 * k.exit_obs, k.nexit, 100 * k.cease,
                    k.cease_floor ? ", its floor: the scenario's ages and by-age rates already end "
                                    "more plans than that" : " to match it, with the scenario's by-age rates and ageing out at 26");
        else
            fputs("Exits: the history has too few years of new plans to say; the scenario's "
                  "cessation is kept.\n\n", g);
        if (k.nfrozen)
            fprintf(g, "%d demand mitigation%s held at the effect in force in %s while fitting: "
                       "the history already shows it, so only what comes later counts as a saving.\n\n",
                    k.nfrozen, k.nfrozen == 1 ? " was" : "s were", la);
        if (k.pipeline) {
            fprintf(g, "New plans come from requests for assessment (the pipeline): the requests of "
                       "%d/%02d are %.0f", k.start, (k.start + 1) % 100, k.count);
            if (k.issue > 0 && !k.issue_clamped)
                fprintf(g, ", from their own trend in the history, and the share of assessed "
                           "requests that become plans (the issue rate) is fitted to %.1f%% so "
                           "that they carry the EHCP trend",
                        100 * k.issue);
            else
                fputs(", fitted so that they carry the EHCP trend at the scenario's rates", g);
            fputs("; each year's growth of requests is solved as new plans' would be.\n\n", g);
        }
        fprintf(g, "| Year | EHCPs | P10 | P90 | New plans | Growth of %s | sd |\n"
                   "|---|---:|---:|---:|---:|---:|---:|\n",
                k.pipeline ? "requests" : "new plans");
        for (int t = 0; t < m->years; t++) {
            char l[8];
            hnb_year_label(k.start + t, l);
            double p10, p90;
            trend_band(&k.tr, k.gap + t, &p10, &p90);
            if (k.gap + t == 0) p10 = p90 = r->ehcps[0];
            fprintf(g, "| %s | %.0f | %.0f | %.0f | %.0f |", l, r->ehcps[t], p10, p90, r->new_plans[t]);
            if (t) fprintf(g, " %+.1f%% | %.1f%% |\n", 100 * k.g[t], 100 * k.gsd[t]);
            else fputs(" | |\n", g);
        }
        /* How to read the band: it is checked where forecasts can be checked
         * (docs/forecasting.md: 1 to 3 years ahead), and beyond that it is
         * the trend's own extrapolation, whose growth-rate uncertainty
         * compounds year on year. */
        double b10 = 0, b90 = 0;
        char s10[HNB_NUM_BUF], s90[HNB_NUM_BUF];
        trend_band(&k.tr, k.gap + m->years - 1, &b10, &b90);
        hnb_fmt_count(s10, sizeof s10, b10);
        hnb_fmt_count(s90, sizeof s90, b90);
        if (k.gap + m->years - 1 > 3)
            fprintf(g, "\nHow to read the band: P10-P90 is where the stock should fall 8 years in 10. "
                       "It is checked 1 to 3 years ahead: in a backtest over England's councils' SEN2 "
                       "histories, about 8 outcomes in 10 fell inside it (docs/forecasting.md; `hnb "
                       "backtest` for this council). Further ahead it is the trend's own reach, widening as the uncertainty "
                       "of the growth rate compounds year on year (here %s to %s by %d/%02d): read those "
                       "years as the range of what the trend allows, and plan on scenarios.\n",
                    s10, s90, k.start + m->years - 1, (k.start + m->years) % 100);
        fprintf(g, "\nThe calibrated scenario: %s/calibrated.yaml (%d correlations of the trend%s). "
                   "How well this method has forecast the past: hnb backtest.\n",
                dir, k.ncorr, k.nkept ? ", and the scenario's own" : "");
    }
    if (!rc) {
        char title[700], extra[64];
        snprintf(title, sizeof title, "%s: EHCPs observed and forecast (P10-P90)", m->name);
        snprintf(extra, sizeof extra, "last_fit=%d", k.origin);
        chart(wdir, "forecast.gp", "forecast", chart_text, title, extra, c->run.charts, err);
    }
    if (!rc) rc = hnb_outset_commit(o, err);
    hnb_outset_free(o);
    free(chart_text);
    free(yaml);
    runner_free(&cx);
    hnb_model_free(m);
    calib_free(&k);
    return rc;
}

/* ---- backtest ---- */

enum { M_HNB, M_LAST, M_LIN5, M_CAGR3, M_N };
static const char *const method_names[M_N] = {"hnb", "last value", "linear trend, last 5 years",
                                             "compound growth, last 3 years"};

typedef struct {
    int origin, year, h;
    double actual, f[M_N], p10, p90;
} fold_row;

static double median_of(double *v, int n)
{
    if (n == 0) return NAN;
    gsl_sort(v, 1, (size_t)n);
    return gsl_stats_median_from_sorted_data(v, 1, (size_t)n);
}

static int do_backtest(const char *file, const hnb_cli *c, const hnb_history *h, const int *origins,
                       int norigins, int horizon, hnb_err *err)
{
    char name[512] = "";
    long draws = c->run.draws >= 0 ? c->run.draws : 2000;
    fold_row *rows = xmalloc(sizeof(fold_row) * (size_t)(norigins * horizon + 1));
    int nrows = 0, rc = 0;
    for (int oi = 0; oi < norigins && !rc; oi++) {
        int o = origins[oi];
        if (!(stock_of(h, o) > 0)) {
            rc = hnb_err_at(err, (hnb_mark){h->file, 1, 1}, "origin %d: the history has no EHCP stock for it", o);
            break;
        }
        if (c->run.progress && !c->quiet) fprintf(stderr, "\rbacktest: origin %d (%d of %d)", o, oi + 1, norigins);
        setlist extra = {0};
        sets_add(&extra, "start_year=%d", o);
        sets_add(&extra, "years=%d", horizon + 1);
        sets_add(&extra, "mitigations=[]");
        sets_add(&extra, "funding={grant: 0}");
        sets_add(&extra, "other_expenditure=[]");
        sets_add(&extra, "opening_deficit=0");
        sets_add(&extra, "monte_carlo=~");
        calib k;
        rc = calibrate_core(file, c, &extra, h, o, &k, err);
        hnb_model *m = NULL;
        if (!rc) rc = load_with(file, c, &extra, &k.sets, &m, err);
        if (!rc && !name[0]) snprintf(name, sizeof name, "%s", m->name); /* the chart's title */
        if (!rc) {
            runner cx = central_run(m);
            const hnb_result *r = cx.r;
            hnb_mc *mc = NULL;
            if (draws > 0) {
                hnb_mc_opts mo = {draws, c->run.seed >= 0 ? (unsigned long)c->run.seed : 1,
                                  c->run.method >= 0 ? (hnb_method)c->run.method : HNB_METHOD_RANDOM,
                                  c->run.threads > 0 ? c->run.threads : (int)sysconf(_SC_NPROCESSORS_ONLN), 0, 0, 0};
                rc = hnb_mc_run(m, &mo, &mc, err);
            }
            double stock[HNB_TREND_MAXOBS + 1];
            int n = stock_run(h, o, stock, HNB_TREND_MAXOBS + 1);
            for (int t = 1; t <= horizon && !rc; t++) {
                double a = stock_of(h, o + t);
                if (isnan(a)) continue;
                fold_row *fr = &rows[nrows++];
                fr->origin = o, fr->year = o + t, fr->h = t, fr->actual = a;
                fr->f[M_HNB] = r->ehcps[t];
                fr->f[M_LAST] = hnb_baseline_last(stock, n, t);
                fr->f[M_LIN5] = hnb_baseline_linear5(stock, n, t);
                fr->f[M_CAGR3] = hnb_baseline_cagr3(stock, n, t);
                fr->p10 = fr->p90 = NAN;
                if (mc) {
                    const double *q = hnb_mc_pct(mc, HNB_MC_EHCPS, t);
                    fr->p10 = q[HNB_Q10];
                    fr->p90 = q[HNB_Q90];
                }
            }
            if (mc) hnb_mc_free(mc);
            runner_free(&cx);
            hnb_model_free(m);
        }
        if (!rc) calib_free(&k);
        sets_free(&extra);
    }
    if (c->run.progress && !c->quiet) fputc('\n', stderr);
    /* the scores */
    double med[M_N], mean[M_N], bias[M_N];
    int inside = 0, banded = 0, nfolds = 0, beat = 0;
    double *v = xmalloc(sizeof(double) * (size_t)(nrows + 1));
    for (int mth = 0; mth < M_N && !rc; mth++) {
        int n = 0;
        double s = 0;
        for (int i = 0; i < nrows; i++)
            if (!isnan(rows[i].f[mth])) {
                double e = fabs(rows[i].f[mth] - rows[i].actual) / rows[i].actual;
                v[n++] = 100 * e, s += 100 * e;
            }
        med[mth] = median_of(v, n);
        mean[mth] = n ? s / n : NAN;
        n = 0;
        for (int i = 0; i < nrows; i++)
            if (!isnan(rows[i].f[mth])) v[n++] = 100 * (rows[i].f[mth] - rows[i].actual) / rows[i].actual;
        bias[mth] = median_of(v, n);
    }
    for (int i = 0; i < nrows && !rc; i++)
        if (!isnan(rows[i].p10)) banded++, inside += rows[i].actual >= rows[i].p10 && rows[i].actual <= rows[i].p90;
    /* a fold beats the baselines when its mean absolute error is below each one's */
    for (int oi = 0; oi < norigins && !rc; oi++) {
        double e[M_N] = {0};
        int n = 0, ok = 1;
        for (int i = 0; i < nrows; i++)
            if (rows[i].origin == origins[oi]) {
                n++;
                for (int mth = 0; mth < M_N; mth++) {
                    if (isnan(rows[i].f[mth])) ok = 0;
                    e[mth] += fabs(rows[i].f[mth] - rows[i].actual);
                }
            }
        if (!n || !ok) continue;
        nfolds++;
        beat += e[M_HNB] < e[M_LAST] && e[M_HNB] < e[M_LIN5] && e[M_HNB] < e[M_CAGR3];
    }
    free(v);
    char dir[4096];
    out_dir(c, file, "backtest", dir, sizeof dir);
    hnb_outset *o = rc ? NULL : hnb_outset_create(dir, err);
    if (!rc && !o) rc = HNB_EFAIL;
    FILE *f = NULL;
    if (!rc && !(f = hnb_outset_open(o, "backtest.csv", err))) rc = HNB_EFAIL;
    if (!rc) {
        fputs("origin,year,label,horizon,actual,forecast,p10,p90,inside,last_value,linear_trend_5y,"
              "compound_growth_3y\n", f);
        for (int i = 0; i < nrows; i++) {
            const fold_row *fr = &rows[i];
            char l[8];
            hnb_year_label(fr->year, l);
            fprintf(f, "%d,%d,%s,%d,%.3f,%.3f,", fr->origin, fr->year, l, fr->h, fr->actual, fr->f[M_HNB]);
            if (!isnan(fr->p10))
                fprintf(f, "%.3f,%.3f,%d,", fr->p10, fr->p90, fr->actual >= fr->p10 && fr->actual <= fr->p90);
            else
                fputs(",,,", f);
            for (int mth = M_LAST; mth < M_N; mth++) {
                if (!isnan(fr->f[mth])) fprintf(f, "%.3f", fr->f[mth]);
                fputc(mth + 1 < M_N ? ',' : '\n', f);
            }
        }
    }
    FILE *md = NULL;
    if (!rc && !(md = hnb_outset_open(o, "backtest.md", err))) rc = HNB_EFAIL;
    FILE *outs[2] = {md, c->quiet ? NULL : stdout};
    int best = M_LAST;
    for (int mth = M_LAST; mth < M_N; mth++)
        if (!isnan(med[mth]) && (isnan(med[best]) || med[mth] < med[best])) best = mth;
    /* Is hnb's lead over the best baseline more than chance? A two-sided
     * sign test over the forecasts both made (ties left out). Forecasts
     * from neighbouring origins share years, so it is a generous test: a
     * lead it does not find is not claimed. */
    int wins = 0, losses = 0;
    for (int i = 0; i < nrows; i++) {
        if (isnan(rows[i].f[M_HNB]) || isnan(rows[i].f[best])) continue;
        double eh = fabs(rows[i].f[M_HNB] - rows[i].actual), eb = fabs(rows[i].f[best] - rows[i].actual);
        wins += eh < eb;
        losses += eh > eb;
    }
    double sign_p = 1;
    if (wins + losses > 0) {
        unsigned k = (unsigned)(wins < losses ? wins : losses), nn = (unsigned)(wins + losses);
        sign_p = fmin(1, 2 * gsl_cdf_binomial_P(k, 0.5, nn));
    }
    for (int j = 0; j < 2 && !rc; j++) {
        FILE *g = outs[j];
        if (!g) continue;
        fprintf(g, "# Backtest of %s against %s\n\n", file, h->file);
        fprintf(g, "%d origin%s, each forecasting up to %d year%s ahead: %d forecasts of the EHCP "
                   "stock compared with what happened.\n\n",
                norigins, norigins == 1 ? "" : "s", horizon, horizon == 1 ? "" : "s", nrows);
        if (nrows && !isnan(med[best])) {
            if (med[M_HNB] < med[best] && !(sign_p < 0.05))
                fprintf(g, "**hnb and the best naive baseline were about as good** here: hnb's median "
                           "error was %.1f%%, against %.1f%% for %s, and hnb was the closer in %d of "
                           "the %d forecasts where they differ, which chance alone gives often (sign "
                           "test, p = %.2f).",
                        med[M_HNB], med[best], method_names[best], wins, wins + losses, sign_p);
            else if (med[M_HNB] < med[best])
                fprintf(g, "**hnb beat every naive baseline**: its median error was %.1f%%, against "
                           "%.1f%% for the best baseline (%s); hnb was the closer in %d of the %d "
                           "forecasts where they differ (sign test, p = %.3f).",
                        med[M_HNB], med[best], method_names[best], wins, wins + losses, sign_p);
            else
                fprintf(g, "**hnb did not beat the best naive baseline** here: its median error was "
                           "%.1f%%, against %.1f%% for %s.",
                        med[M_HNB], med[best], method_names[best]);
            if (nfolds) fprintf(g, " It beat all three in %d of %d origins.", beat, nfolds);
            fputs("\n", g);
        }
        if (banded)
            fprintf(g, "\nThe actual fell inside hnb's P10-P90 band in %d of %d years (%.0f%%; honest "
                       "bands hold about 80%%).\n",
                    inside, banded, 100.0 * inside / banded);
        fputs("\n| Method | Median error | Mean error | Median bias | Inside P10-P90 |\n"
              "|---|---:|---:|---:|---:|\n", g);
        for (int mth = 0; mth < M_N; mth++) {
            fprintf(g, "| %s | %.2f%% | %.2f%% | %+.2f%% |", method_names[mth], med[mth], mean[mth], bias[mth]);
            if (mth == M_HNB && banded) fprintf(g, " %.0f%% |\n", 100.0 * inside / banded);
            else fputs(" no band |\n", g);
        }
        fputs("\nError: |forecast - actual| / actual. Bias: (forecast - actual) / actual, positive "
              "when the forecast ran high.\n\n", g);
        fputs("| Origin | Year | Actual | hnb | P10 | P90 | Last value | Linear 5y | Growth 3y |\n"
              "|---|---|---:|---:|---:|---:|---:|---:|---:|\n", g);
        for (int i = 0; i < nrows; i++) {
            const fold_row *fr = &rows[i];
            char lo[8], ly[8];
            hnb_year_label(fr->origin, lo);
            hnb_year_label(fr->year, ly);
            fprintf(g, "| %s | %s | %.0f | %.0f (%+.1f%%) |", lo, ly, fr->actual, fr->f[M_HNB],
                    100 * (fr->f[M_HNB] - fr->actual) / fr->actual);
            if (!isnan(fr->p10)) fprintf(g, " %.0f | %.0f |", fr->p10, fr->p90);
            else fputs(" | |", g);
            for (int mth = M_LAST; mth < M_N; mth++)
                if (isnan(fr->f[mth])) fputs(" |", g);
                else fprintf(g, " %.0f (%+.1f%%) |", fr->f[mth], 100 * (fr->f[mth] - fr->actual) / fr->actual);
            fputc('\n', g);
        }
    }
    if (!rc && nrows) {
        /* chart: median error by horizon, each method */
        char *text = NULL;
        size_t len = 0;
        FILE *cd = open_memstream(&text, &len);
        if (!cd) hnb_oom();
        /* with draws, hnb's band too: its median half-width (% of the
         * actual) and how often it held the actual */
        fputs("horizon,hnb,last_value,linear_trend_5y,compound_growth_3y,band_half_width,"
              "band_held\n",
              cd);
        double *e = xmalloc(sizeof(double) * (size_t)(nrows + 1));
        for (int hz = 1; hz <= horizon; hz++) {
            fprintf(cd, "%d", hz);
            for (int mth = 0; mth < M_N; mth++) {
                int n = 0;
                for (int i = 0; i < nrows; i++)
                    if (rows[i].h == hz && !isnan(rows[i].f[mth]))
                        e[n++] = 100 * fabs(rows[i].f[mth] - rows[i].actual) / rows[i].actual;
                double mv = median_of(e, n);
                if (isnan(mv)) fputs(",", cd);
                else fprintf(cd, ",%.4f", mv);
            }
            int n = 0, held = 0;
            for (int i = 0; i < nrows; i++)
                if (rows[i].h == hz && !isnan(rows[i].p10)) {
                    e[n++] = 100 * (rows[i].p90 - rows[i].p10) / 2 / rows[i].actual;
                    held += rows[i].actual >= rows[i].p10 && rows[i].actual <= rows[i].p90;
                }
            if (n) fprintf(cd, ",%.4f,%.1f", median_of(e, n), 100.0 * held / n);
            else fputs(",,", cd);
            fputc('\n', cd);
        }
        free(e);
        fclose(cd);
        char title[700];
        snprintf(title, sizeof title, "%s: median forecast error by years ahead", name[0] ? name : file);
        chart(hnb_outset_dir(o), "backtest.gp", "backtest", text, title, banded ? "band=1" : "",
              c->run.charts, err);
        free(text);
    }
    if (!rc) rc = hnb_outset_commit(o, err);
    hnb_outset_free(o);
    free(rows);
    return rc;
}

static int cmd_fit(int argc, char **argv, int backtest)
{
    static const struct option longs[] = {{"history", required_argument, 0, 4001},
                                          {"fit", required_argument, 0, 4002},
                                          {"origins", required_argument, 0, 4003},
                                          {"horizon", required_argument, 0, 4004},
                                          {"help", no_argument, 0, 'h'},
                                          HNB_CLI_LONGS,
                                          {0, 0, 0, 0}};
    const char *cmd = backtest ? "backtest" : "calibrate";
    hnb_cli c;
    hnb_cli_init(&c);
    hnb_cli_warn_once();
    const char *history = NULL, *origin_spec = NULL;
    int horizon = 3, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, cmd);
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage_cal(stdout, backtest);
            hnb_cli_free(&c);
            return 0;
        } else if (opt == 4001) {
            history = optarg;
        } else if (opt == 4002) {
            fprintf(stderr, "hnb %s: --fit is gone: the method now fits the EHCP stock's own trend, "
                            "new plans and cessation together (see hnb %s --help)\n", cmd, cmd);
            goto bad;
        } else if (opt == 4003 && backtest) {
            origin_spec = optarg;
        } else if (opt == 4004 && backtest) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 20) {
                fprintf(stderr, "hnb backtest: --horizon: expected a whole number of years from 1 to 20\n");
                goto bad;
            }
            horizon = (int)v;
        } else {
            usage_cal(stderr, backtest);
            goto bad;
        }
    }
    if (optind != argc - 1 || !history) {
        fprintf(stderr, "hnb %s: expected SCENARIO and --history FILE\n", cmd);
        usage_cal(stderr, backtest);
        goto bad;
    }
    const char *file = argv[optind];
    hnb_err err = {0};
    hnb_history h;
    int rc = hnb_history_load(history, &h, &err);
    if (rc) {
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    if (!backtest) {
        rc = do_calibrate(file, &c, &h, &err);
    } else {
        int origins[200], n = 0;
        if (origin_spec) {
            n = parse_origins(origin_spec, origins, 200);
            if (n < 0) {
                fprintf(stderr, "hnb backtest: --origins: expected FIRST:LAST or YEAR,YEAR,... (years of the history)\n");
                hnb_history_free(&h);
                hnb_cli_free(&c);
                return 2;
            }
            for (int i = 0; i < n; i++)
                if (origins[i] < h.first_year + 2 || origins[i] >= h.last_year) {
                    fprintf(stderr, "hnb backtest: --origins: %d needs at least 3 years of history up to it "
                                    "and one after (the history runs %d to %d)\n",
                            origins[i], h.first_year, h.last_year);
                    hnb_history_free(&h);
                    hnb_cli_free(&c);
                    return 2;
                }
        } else {
            for (int y = h.first_year + 4; y < h.last_year && n < 200; y++) origins[n++] = y;
            if (!n) {
                fprintf(stderr, "hnb backtest: the history (%d to %d) is too short: origins need 5 years "
                                "before them and one after (or give --origins)\n", h.first_year, h.last_year);
                hnb_history_free(&h);
                hnb_cli_free(&c);
                return 2;
            }
        }
        rc = do_backtest(file, &c, &h, origins, n, horizon, &err);
    }
    hnb_history_free(&h);
    hnb_cli_free(&c);
    if (rc) return hnb_cli_report(&err);
    return 0;
bad:
    hnb_cli_free(&c);
    return 2;
}

int hnb_cmd_calibrate(int argc, char **argv)
{
    return cmd_fit(argc, argv, 0);
}

int hnb_cmd_backtest(int argc, char **argv)
{
    return cmd_fit(argc, argv, 1);
}

int hnb_calibrate_files(const char *scenario, const char *history, const char *outdir, int quiet,
                        unsigned charts, hnb_err *err)
{
    hnb_cli c;
    hnb_cli_init(&c);
    c.outdir = outdir;
    c.quiet = quiet;
    c.run.charts = charts;
    hnb_history h;
    int rc = hnb_history_load(history, &h, err);
    if (!rc) {
        rc = do_calibrate(scenario, &c, &h, err);
        hnb_history_free(&h);
    }
    hnb_cli_free(&c);
    return rc;
}
