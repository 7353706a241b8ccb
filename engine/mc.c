/* mc.c - the Monte Carlo driver: threads, reductions, outputs. */
#include "hnb/mc.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hnb/report.h"
#include "hnb/sample.h"
#include "hnb/stats.h"

const char *const hnb_mc_metric_names[HNB_MC_METRICS] = {
    "ehcps", "expenditure", "mitigations", "income", "annual_gap", "cumulative_deficit"};
const double hnb_mc_quantiles[HNB_MC_NQ] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};

/* Rank correlations use the first RANK_DRAWS draws: enough for a standard
 * error under 0.003, and a bounded memory whatever the number of draws. */
#define RANK_DRAWS 100000L
#define STORED 4 /* ehcps, expenditure, mitigations, income: gap and cumulative are derived */

/* The draw store is hundreds of megabytes written once: map it with huge
 * pages where the kernel allows, to spare ~100,000 page faults. */
static void *big_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static void big_free(void *p, size_t bytes)
{
    if (p) munmap(p, bytes ? bytes : 1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    const hnb_model *m;
    const hnb_sampler *s;
    long a, b, n;
    double *store;   /* [(metric * years + t) * n + i] */
    double *opening; /* [i], or NULL when the opening deficit is fixed */
    double *xdraw;   /* [k * rank_n + i] for i < rank_n */
    long rank_n;
    atomic_long *done;
    atomic_long *bad; /* the first draw whose results are out of range, or LONG_MAX */
} job;

/* A work space for draws: only the sampler's slots vary from CENTRAL. */
static hnb_work *draw_work(const hnb_model *m, const hnb_sampler *s, const double *central)
{
    hnb_work *w = hnb_work_create(m);
    unsigned char *varies = calloc((size_t)m->nparams + 1, 1);
    if (!varies) abort();
    for (int k = 0; k < hnb_sampler_nvars(s); k++) varies[hnb_sampler_slot(s, k)] = 1;
    hnb_work_vary(w, m, central, varies);
    free(varies);
    return w;
}

static void *worker(void *arg)
{
    job *j = arg;
    const hnb_model *m = j->m;
    int ys = m->years, nv = hnb_sampler_nvars(j->s);
    double *pv[HNB_LANES], *u = malloc(sizeof(double) * (size_t)(nv + 1));
    hnb_result *r[HNB_LANES];
    if (!u) abort();
    for (int l = 0; l < HNB_LANES; l++) {
        pv[l] = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        if (!pv[l]) abort();
        hnb_model_central(m, pv[l]);
        r[l] = hnb_result_create(m);
    }
    hnb_work *w = draw_work(m, j->s, pv[0]);
    hnb_stream *st = hnb_stream_create(j->s);
    /* Draws go through the projection HNB_LANES at a time, and results
     * through a small buffer, BLOCK draws a series at a time, so the big
     * store is written in runs rather than 4 x years scattered doubles. */
    enum { BLOCK = 64 };
    double *buf = malloc(sizeof(double) * (size_t)STORED * ys * BLOCK);
    if (!buf) abort();
    for (long i0 = j->a; i0 < j->b; i0 += BLOCK) {
        long cnt = j->b - i0 < BLOCK ? j->b - i0 : BLOCK;
        for (long c0 = 0; c0 < cnt; c0 += HNB_LANES) {
            int nl = cnt - c0 < HNB_LANES ? (int)(cnt - c0) : HNB_LANES;
            for (int l = 0; l < nl; l++) {
                long i = i0 + c0 + l;
                hnb_sampler_draw(j->s, st, i, pv[l], u);
                if (j->opening) j->opening[i] = pv[l][m->opening_deficit];
                if (i < j->rank_n)
                    for (int k = 0; k < nv; k++)
                        j->xdraw[(size_t)k * j->rank_n + i] = pv[l][hnb_sampler_slot(j->s, k)];
            }
            hnb_project_batch(m, (const double *const *)pv, nl, w, r, 0);
            for (int l = 0; l < nl; l++) {
                const double *series[STORED] = {r[l]->ehcps, r[l]->expenditure, r[l]->mitigations,
                                                r[l]->income};
                for (int k = 0; k < STORED; k++)
                    for (int t = 0; t < ys; t++)
                        buf[((size_t)k * ys + t) * BLOCK + c0 + l] = series[k][t];
            }
        }
        /* A draw beyond what can be reported (or not finite) fails the run. */
        for (int k = 0; k < STORED * ys; k++)
            for (long c = 0; c < cnt; c++)
                if (!(fabs(buf[(size_t)k * BLOCK + c]) < HNB_MAX_MAGNITUDE)) {
                    long i = i0 + c, seen = atomic_load(j->bad);
                    while (i < seen && !atomic_compare_exchange_weak(j->bad, &seen, i)) {
                    }
                }
        for (int k = 0; k < STORED * ys; k++)
            memcpy(j->store + (size_t)k * j->n + i0, buf + (size_t)k * BLOCK,
                   sizeof(double) * (size_t)cnt);
        atomic_fetch_add(j->done, cnt);
    }
    free(buf);
    hnb_stream_free(st);
    hnb_work_free(w);
    for (int l = 0; l < HNB_LANES; l++) {
        hnb_result_free(r[l]);
        free(pv[l]);
    }
    free(u);
    return NULL;
}

static void progress_bar(long done, long total, double elapsed)
{
    int width = 30, fill = total ? (int)((double)done / total * width) : width;
    double rate = elapsed > 0 ? done / elapsed : 0;
    double left = rate > 0 ? (total - done) / rate : 0;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r[%s] %3d%%  %ld/%ld draws  %.0f draws/s  %.0fs left   ", bar,
            total ? (int)(100.0 * done / total) : 100, done, total, rate, left);
    fflush(stderr);
}

static int cmp_driver(const void *a, const void *b)
{
    const hnb_mc_driver *x = a, *y = b;
    double sx = fabs(x->swing), sy = fabs(y->swing);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static double mean_of(const double *x, long n)
{
    double s = 0;
    for (long i = 0; i < n; i++) s += x[i];
    return n ? s / (double)n : 0;
}

/* Mean and percentiles of X (which may be reordered) into the result's
 * row; for the cumulative deficit also the Monte Carlo standard errors of
 * P50 and P90, from the order statistics that bracket each at 95% (binomial
 * ranks, distribution-free): SE = (x_hi - x_lo) / 3.92. One selection call
 * finds all of them. */
static void reduce(hnb_mc *mc, int metric, int t, double *x, long n)
{
    size_t row = (size_t)metric * mc->years + t;
    mc->mean[row] = mean_of(x, n);
    size_t idx[HNB_MC_NQ * 2 + 4];
    int k = 0;
    for (int q = 0; q < HNB_MC_NQ; q++) {
        size_t lhs = (size_t)(hnb_mc_quantiles[q] * (double)(n - 1));
        idx[k++] = lhs;
        idx[k++] = lhs + 1 < (size_t)n ? lhs + 1 : lhs;
    }
    int se = metric == HNB_MC_CUMULATIVE;
    const double seq[2] = {0.5, 0.9};
    if (se)
        for (int j = 0; j < 2; j++) {
            double sd = sqrt((double)n * seq[j] * (1 - seq[j]));
            double lo = floor((double)n * seq[j] - 1.959964 * sd);
            double hi = ceil((double)n * seq[j] + 1.959964 * sd);
            idx[k++] = (size_t)(lo < 0 ? 0 : lo);
            idx[k++] = (size_t)(hi > n - 1 ? n - 1 : hi);
        }
    double v[HNB_MC_NQ * 2 + 4];
    hnb_stats_order(x, (size_t)n, idx, k, v);
    for (int q = 0; q < HNB_MC_NQ; q++) {
        /* as gsl_stats_quantile_from_sorted_data */
        double index = hnb_mc_quantiles[q] * (double)(n - 1);
        size_t lhs = (size_t)index;
        double delta = index - (double)lhs;
        mc->pct[row * HNB_MC_NQ + q] =
            lhs == (size_t)n - 1 ? v[2 * q] : (1 - delta) * v[2 * q] + delta * v[2 * q + 1];
    }
    if (se) {
        mc->se_p50[t] = (v[2 * HNB_MC_NQ + 1] - v[2 * HNB_MC_NQ]) / (2 * 1.959964);
        mc->se_p90[t] = (v[2 * HNB_MC_NQ + 3] - v[2 * HNB_MC_NQ + 2]) / (2 * 1.959964);
    }
}

/* Independent reductions, spread over threads. */
typedef struct {
    hnb_mc *mc;
    int metric, t;
    double *x;
    long n;
} task;

typedef struct {
    task *tasks;
    int ntasks;
    atomic_int next;
} pool;

static void *pool_worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        int i = atomic_fetch_add(&pl->next, 1);
        if (i >= pl->ntasks) return NULL;
        task *tk = &pl->tasks[i];
        reduce(tk->mc, tk->metric, tk->t, tk->x, tk->n);
    }
}

static void run_tasks(task *tasks, int ntasks, int threads)
{
    pool pl = {tasks, ntasks, 0};
    pthread_t tid[64];
    int started = 0;
    for (int k = 1; k < threads && k < 64 && k < ntasks; k++)
        if (pthread_create(&tid[started], NULL, pool_worker, &pl) == 0) started++;
    pool_worker(&pl);
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
}

/* The buffers of one run: the draw store (CELLS doubles) and the per-draw arrays. */
static void release(double *store, size_t cells, double *opening, double *xdraw, double *cum,
                    double *scratch)
{
    big_free(store, cells * sizeof(double));
    free(opening);
    free(xdraw);
    free(cum);
    free(scratch);
}

/* Every figure the Monte Carlo reports must be a number hnb can print in
 * full (project.h, HNB_MAX_MAGNITUDE): means, percentiles, the tornado. */
static int check_figures(const hnb_model *m, const hnb_mc *mc, hnb_err *err)
{
    const int ys = mc->years;
    for (int k = 0; k < HNB_MC_METRICS; k++)
        for (int t = 0; t < ys; t++) {
            const double *q = &mc->pct[((size_t)k * ys + t) * HNB_MC_NQ];
            double worst = mc->mean[(size_t)k * ys + t];
            for (int j = 0; j < HNB_MC_NQ; j++)
                if (!(fabs(q[j]) <= fabs(worst))) worst = q[j];
            if (fabs(worst) < HNB_MAX_MAGNITUDE) continue;
            char label[8];
            hnb_year_label(m->start_year + t, label);
            return hnb_err_at(err, (hnb_mark){m->file, 1, 1},
                              "Monte Carlo: the %s in %s reaches %g across the draws, beyond the "
                              "%.0e that hnb reports: the scenario's distributions reach values "
                              "the projection cannot report; narrow them",
                              hnb_mc_metric_names[k], label, worst, HNB_MAX_MAGNITUDE);
        }
    for (int k = 0; k < mc->ndrivers; k++) {
        const hnb_mc_driver *d = &mc->drivers[k];
        if (fabs(d->at_low) < HNB_MAX_MAGNITUDE && fabs(d->at_high) < HNB_MAX_MAGNITUDE &&
            fabs(d->low) < HNB_MAX_MAGNITUDE && fabs(d->high) < HNB_MAX_MAGNITUDE)
            continue;
        return hnb_err_at(err, m->params[d->slot].mark,
                          "Monte Carlo: with %s at its P10 (%g) or P90 (%g) the deficit reaches "
                          "%g or %g, beyond the %.0e that hnb reports; narrow its distribution",
                          d->name, d->low, d->high, d->at_low, d->at_high, HNB_MAX_MAGNITUDE);
    }
    return HNB_OK;
}

int hnb_mc_run(const hnb_model *m, const hnb_mc_opts *o, hnb_mc **out, hnb_err *err)
{
    *out = NULL;
    hnb_sampler *s;
    int rc = hnb_sampler_create(m, o->method, o->draws, o->seed, &s, err);
    if (rc) return rc;
    long n = o->draws;
    int ys = m->years, nv = hnb_sampler_nvars(s);
    int threads = o->threads > 0 ? o->threads : 1;
    if (threads > n) threads = (int)n;
    if (threads > 256) threads = 256;

    hnb_mc *mc = calloc(1, sizeof *mc);
    if (!mc) abort();
    mc->draws = n;
    mc->years = ys;
    mc->threads = threads;
    mc->method = o->method;
    mc->seed = o->seed;
    mc->mean = calloc((size_t)HNB_MC_METRICS * ys, sizeof(double));
    mc->pct = calloc((size_t)HNB_MC_METRICS * ys * HNB_MC_NQ, sizeof(double));
    mc->se_p50 = calloc((size_t)ys, sizeof(double));
    mc->se_p90 = calloc((size_t)ys, sizeof(double));
    mc->rank_draws = n < RANK_DRAWS ? n : RANK_DRAWS;

    size_t cells = (size_t)STORED * ys * (size_t)n;
    double *store = big_alloc(cells * sizeof(double));
    double *opening = m->opening_deficit >= 0 && m->params[m->opening_deficit].dist.type
                          ? malloc(sizeof(double) * (size_t)n)
                          : NULL;
    double *xdraw = malloc(sizeof(double) * ((size_t)nv * mc->rank_draws + 1));
    double *cum = malloc(sizeof(double) * (size_t)n), *scratch = malloc(sizeof(double) * (size_t)n);
    if (!store || !xdraw || !cum || !scratch || (m->opening_deficit >= 0 &&
                                                 m->params[m->opening_deficit].dist.type && !opening)) {
        release(store, cells, opening, xdraw, cum, scratch);
        hnb_mc_free(mc);
        hnb_sampler_free(s);
        return hnb_err_fail(err, "not enough memory for %ld draws of %d years", n, ys);
    }

    /* ---- simulate ---- */
    double t0 = now();
    atomic_long done = 0, bad = LONG_MAX;
    job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    if (!jobs || !tid) abort();
    for (int k = 0; k < threads; k++) {
        jobs[k] = (job){m, s, n * k / threads, n * (k + 1) / threads, n, store, opening, xdraw,
                        mc->rank_draws, &done, &bad};
        if (pthread_create(&tid[k], NULL, worker, &jobs[k]) != 0) {
            /* run it here instead: the results are the same */
            worker(&jobs[k]);
            tid[k] = 0;
        }
    }
    if (o->progress) {
        while (atomic_load(&done) < n) {
            progress_bar(atomic_load(&done), n, now() - t0);
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
        }
        progress_bar(n, n, now() - t0);
        fputc('\n', stderr);
    }
    for (int k = 0; k < threads; k++)
        if (tid[k]) pthread_join(tid[k], NULL);
    free(jobs);
    free(tid);
    mc->sim_seconds = now() - t0;
    if (atomic_load(&bad) != LONG_MAX) {
        release(store, cells, opening, xdraw, cum, scratch);
        hnb_mc_free(mc);
        hnb_sampler_free(s);
        return hnb_err_at(err, (hnb_mark){m->file, 1, 1},
                          "Monte Carlo draw %ld gives a budget line beyond %.0e (or not a "
                          "number): the scenario's distributions reach values the projection "
                          "cannot report; narrow them",
                          atomic_load(&bad) + 1, HNB_MAX_MAGNITUDE);
    }

    /* ---- reduce, in draw order ---- */
    double t1 = now();
    double open_fixed = m->opening_deficit >= 0 ? m->params[m->opening_deficit].central : 0;
    for (long i = 0; i < n; i++) cum[i] = opening ? opening[i] : open_fixed;
    int ov = m->override_end ? m->override_end - 1 - m->start_year : -2;
    mc->exceed = calloc((size_t)m->nthresholds * 2 + 1, sizeof *mc->exceed);
    if (!mc->exceed) abort();
    /* The override year before the horizon starts: read the opening balance. */
    if (ov == -1)
        for (int h = 0; h < m->nthresholds; h++) {
            long over = 0;
            for (long i = 0; i < n; i++) over += cum[i] > m->thresholds[h];
            mc->exceed[mc->nexceed++] =
                (hnb_mc_exceedance){m->thresholds[h], m->start_year - 1, (double)over / (double)n};
        }
    double *scratch2 = malloc(sizeof(double) * (size_t)n);
    if (!scratch2) abort();
    for (int t = 0; t < ys; t++) {
        double *E = store + ((size_t)HNB_MC_EXPENDITURE * ys + t) * n;
        double *M = store + ((size_t)HNB_MC_MITIGATIONS * ys + t) * n;
        double *I = store + ((size_t)HNB_MC_INCOME * ys + t) * n;
        for (long i = 0; i < n; i++) {
            scratch[i] = E[i] - I[i] - M[i];
            cum[i] += scratch[i];
        }
        for (int h = 0; h < m->nthresholds; h++)
            if (t == ov || (t == ys - 1 && ov != ys - 1)) {
                long over = 0;
                for (long i = 0; i < n; i++) over += cum[i] > m->thresholds[h];
                mc->exceed[mc->nexceed++] = (hnb_mc_exceedance){
                    m->thresholds[h], m->start_year + t, (double)over / (double)n};
            }
        memcpy(scratch2, cum, sizeof(double) * (size_t)n);
        task pair[2] = {{mc, HNB_MC_GAP, t, scratch, n}, {mc, HNB_MC_CUMULATIVE, t, scratch2, n}};
        run_tasks(pair, 2, threads);
    }
    free(scratch2);
    /* the stored series are no longer needed in draw order: all at once */
    {
        const int stored[STORED] = {HNB_MC_EHCPS, HNB_MC_EXPENDITURE, HNB_MC_MITIGATIONS,
                                    HNB_MC_INCOME};
        task *tasks = calloc((size_t)STORED * ys, sizeof *tasks);
        if (!tasks) abort();
        for (int k = 0; k < STORED; k++)
            for (int t = 0; t < ys; t++)
                tasks[k * ys + t] =
                    (task){mc, stored[k], t, store + ((size_t)stored[k] * ys + t) * n, n};
        run_tasks(tasks, STORED * ys, threads);
        free(tasks);
    }
    /* exceedance rows: threshold order, then year */
    for (int a = 1; a < mc->nexceed; a++)
        for (int b = a; b > 0; b--) {
            hnb_mc_exceedance *x = &mc->exceed[b - 1], *y = &mc->exceed[b];
            int later = x->threshold > y->threshold ||
                        (x->threshold == y->threshold && x->year > y->year);
            if (!later) break;
            hnb_mc_exceedance tmp = *x;
            *x = *y;
            *y = tmp;
        }

    /* ---- drivers: tornado (P10/P90, others central) and rank correlations ---- */
    mc->ndrivers = nv;
    mc->drivers = calloc((size_t)nv + 1, sizeof *mc->drivers);
    double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    hnb_work *w = hnb_work_create(m);
    hnb_result *r = hnb_result_create(m);
    long rn = mc->rank_draws;
    double *rank_y = malloc(sizeof(double) * (size_t)rn), *rank_x = malloc(sizeof(double) * (size_t)rn);
    size_t *work = malloc(sizeof(size_t) * 2 * (size_t)rn);
    if (!mc->drivers || !p || !rank_y || !rank_x || !work) abort();
    /* cum now holds every draw's horizon deficit, in draw order */
    hnb_stats_ranks(cum, (size_t)rn, rank_y, work);
    for (int k = 0; k < nv; k++) {
        hnb_mc_driver *d = &mc->drivers[k];
        d->slot = hnb_sampler_slot(s, k);
        d->name = m->params[d->slot].name;
        d->low = hnb_sampler_quantile(s, k, 0.10);
        d->high = hnb_sampler_quantile(s, k, 0.90);
        hnb_model_central(m, p);
        p[d->slot] = d->low;
        hnb_project(m, p, w, r, 0);
        d->at_low = r->cumulative_deficit[ys - 1];
        p[d->slot] = d->high;
        hnb_project(m, p, w, r, 0);
        d->at_high = r->cumulative_deficit[ys - 1];
        d->swing = d->at_high - d->at_low;
        hnb_stats_ranks(xdraw + (size_t)k * rn, (size_t)rn, rank_x, work);
        d->rank_correlation = hnb_stats_correlation(rank_x, rank_y, (size_t)rn);
    }
    qsort(mc->drivers, (size_t)nv, sizeof *mc->drivers, cmp_driver);
    mc->reduce_seconds = now() - t1;

    free(rank_x);
    free(rank_y);
    free(work);
    free(p);
    hnb_result_free(r);
    hnb_work_free(w);
    release(store, cells, opening, xdraw, cum, scratch);
    hnb_sampler_free(s);
    int rc2 = check_figures(m, mc, err);
    if (rc2) {
        hnb_mc_free(mc);
        return rc2;
    }
    *out = mc;
    return HNB_OK;
}

void hnb_mc_free(hnb_mc *mc)
{
    if (!mc) return;
    free(mc->mean);
    free(mc->pct);
    free(mc->se_p50);
    free(mc->se_p90);
    free(mc->drivers);
    free(mc->exceed);
    free(mc);
}

/* ---- outputs ---- */

static void put(FILE *f, double x, int decimals)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x, decimals);
    fputs(b, f);
}

int hnb_write_montecarlo(FILE *f, const hnb_model *m, const hnb_mc *mc)
{
    fputs("year,label,metric,mean,p5,p10,p25,p50,p75,p90,p95\n", f);
    for (int t = 0; t < mc->years; t++) {
        char label[8];
        hnb_year_label(m->start_year + t, label);
        for (int k = 0; k < HNB_MC_METRICS; k++) {
            size_t row = (size_t)k * mc->years + t;
            int dec = k == HNB_MC_EHCPS ? 3 : 2;
            fprintf(f, "%d,%s,%s,", m->start_year + t, label, hnb_mc_metric_names[k]);
            put(f, mc->mean[row], dec);
            for (int q = 0; q < HNB_MC_NQ; q++) {
                fputc(',', f);
                put(f, mc->pct[row * HNB_MC_NQ + q], dec);
            }
            fputc('\n', f);
        }
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

/* Values of a variable: rates and shares as fractions, 6 decimals; money
 * and counts, 2. */
static void put_value(FILE *f, const hnb_param *p, double x)
{
    put(f, x, p->range == HNB_RANGE_UNIT || fabs(x) < 10 ? 6 : 2);
}

int hnb_write_sensitivity(FILE *f, const hnb_model *m, const hnb_mc *mc)
{
    fputs("variable,low,high,deficit_at_low,deficit_at_high,swing,rank_correlation\n", f);
    for (int k = 0; k < mc->ndrivers; k++) {
        const hnb_mc_driver *d = &mc->drivers[k];
        const hnb_param *p = &m->params[d->slot];
        hnb_csv_field(f, d->name);
        fputc(',', f);
        put_value(f, p, d->low);
        fputc(',', f);
        put_value(f, p, d->high);
        fputc(',', f);
        put(f, d->at_low, 2);
        fputc(',', f);
        put(f, d->at_high, 2);
        fputc(',', f);
        put(f, d->swing, 2);
        fputc(',', f);
        put(f, d->rank_correlation, 4);
        fputc('\n', f);
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

int hnb_write_exceedance(FILE *f, const hnb_model *m, const hnb_mc *mc)
{
    (void)m;
    fputs("threshold,year,label,probability\n", f);
    for (int k = 0; k < mc->nexceed; k++) {
        const hnb_mc_exceedance *e = &mc->exceed[k];
        char label[8];
        hnb_year_label(e->year, label);
        put(f, e->threshold, 2);
        fprintf(f, ",%d,%s,", e->year, label);
        put(f, e->probability, 6);
        fputc('\n', f);
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) return;
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        b->cap = (b->cap + (size_t)w + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) abort();
    }
}

static const char *chance_words(double p)
{
    if (p >= 0.99) return "almost certain";
    if (p >= 0.9) return "very likely";
    if (p >= 0.66) return "likely";
    if (p >= 0.33) return "about as likely as not";
    if (p >= 0.1) return "unlikely";
    if (p > 0.01) return "very unlikely";
    return "almost impossible";
}

char *hnb_mc_summary(const hnb_model *m, const hnb_mc *mc, const hnb_result *central)
{
    sbuf b = {0};
    char a[HNB_NUM_BUF], c[HNB_NUM_BUF], d[HNB_NUM_BUF], g[HNB_NUM_BUF], e[HNB_NUM_BUF],
        f2[HNB_NUM_BUF];
    static const char *const methods[] = {"random", "Latin hypercube", "Sobol"};
    sb_printf(&b, "\n## Monte Carlo ranges\n\n");
    sb_printf(&b,
              "%ld draws (%s sampling, seed %lu). The cumulative deficit at the end of each year, "
              "£m: P10-P90 is the range that holds in 8 draws out of 10. The standard errors say "
              "how far P50 and P90 may move with more draws.\n\n",
              mc->draws, methods[mc->method], mc->seed);
    sb_printf(&b, "| Year | P10 | P50 | P90 | Central | SE of P50 | SE of P90 |\n");
    sb_printf(&b, "|---|---:|---:|---:|---:|---:|---:|\n");
    for (int t = 0; t < mc->years; t++) {
        size_t row = ((size_t)HNB_MC_CUMULATIVE * mc->years + t) * HNB_MC_NQ;
        char label[8];
        hnb_year_label(m->start_year + t, label);
        hnb_fmt_fixed(e, sizeof e, mc->se_p50[t] / 1e6, 2);
        hnb_fmt_fixed(f2, sizeof f2, mc->se_p90[t] / 1e6, 2);
        sb_printf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", label, hnb_fmt_m(a, mc->pct[row + 1]),
                  hnb_fmt_m(c, mc->pct[row + 3]), hnb_fmt_m(d, mc->pct[row + 5]),
                  hnb_fmt_m(g, central->cumulative_deficit[t]), e, f2);
    }
    if (mc->nexceed > 0) {
        sb_printf(&b, "\n### How likely is the deficit to pass each threshold?\n\n");
        for (int k = 0; k < mc->nexceed; k++) {
            const hnb_mc_exceedance *x = &mc->exceed[k];
            char label[8];
            hnb_year_label(x->year, label);
            double pct = x->probability * 100;
            char when[96];
            if (m->override_end && x->year == m->override_end - 1)
                snprintf(when, sizeof when, "at the end of %s, when the override ends", label);
            else
                snprintf(when, sizeof when, "at the end of %s", label);
            char odds[48] = "";
            if (x->probability > 0.005 && x->probability < 0.5)
                snprintf(odds, sizeof odds, "; about 1 in %.0f", 1 / x->probability);
            sb_printf(&b, "- Above £%sm %s: %.1f%% (%s%s).\n", hnb_fmt_m(a, x->threshold), when, pct,
                      chance_words(x->probability), odds);
        }
    }
    if (mc->ndrivers > 0) {
        char label[8];
        hnb_year_label(m->start_year + mc->years - 1, label);
        sb_printf(&b, "\n### What drives it\n\nThe cumulative deficit at the end of %s with each "
                      "uncertain value at its P10 and P90 (the others at their central values), "
                      "largest swing first; the rank correlation is across the draws.\n\n",
                  label);
        sb_printf(&b, "| Driver | Deficit at P10 (£m) | Deficit at P90 (£m) | Swing (£m) | Rank "
                      "correlation |\n|---|---:|---:|---:|---:|\n");
        int top = mc->ndrivers < 10 ? mc->ndrivers : 10;
        for (int k = 0; k < top; k++) {
            const hnb_mc_driver *x = &mc->drivers[k];
            char rc[32];
            hnb_fmt_fixed(rc, sizeof rc, x->rank_correlation, 2);
            sb_printf(&b, "| %s | %s | %s | %s | %s |\n", x->name, hnb_fmt_m(a, x->at_low),
                      hnb_fmt_m(c, x->at_high), hnb_fmt_m(d, x->swing), rc);
        }
        if (mc->rank_draws < mc->draws)
            sb_printf(&b, "\nRank correlations use the first %ld draws.\n", mc->rank_draws);
    }
    return b.s;
}

/* ---- the share of draws meeting a condition (hnb solve) ---- */

typedef struct {
    const hnb_model *m;
    const hnb_sampler *s;
    long a, b;
    int column, t, op;
    double value;
    long count;
} share_job;

static double column_value(const hnb_result *r, int column, int t)
{
    const double *cols[9] = {r->ehcps,       r->ehcps_unmitigated, r->new_plans,
                             r->expenditure, r->mitigations,       r->income,
                             r->grant,       r->annual_gap,        r->cumulative_deficit};
    return cols[column][t];
}

static void *share_worker(void *arg)
{
    share_job *j = arg;
    const hnb_model *m = j->m;
    double *pv[HNB_LANES];
    hnb_result *r[HNB_LANES];
    for (int l = 0; l < HNB_LANES; l++) {
        pv[l] = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        if (!pv[l]) abort();
        hnb_model_central(m, pv[l]);
        r[l] = hnb_result_create(m);
    }
    hnb_work *w = draw_work(m, j->s, pv[0]);
    hnb_stream *st = hnb_stream_create(j->s);
    for (long i0 = j->a; i0 < j->b; i0 += HNB_LANES) {
        int nl = j->b - i0 < HNB_LANES ? (int)(j->b - i0) : HNB_LANES;
        for (int l = 0; l < nl; l++) hnb_sampler_draw(j->s, st, i0 + l, pv[l], NULL);
        hnb_project_batch(m, (const double *const *)pv, nl, w, r, 0);
        for (int l = 0; l < nl; l++) {
            double x = column_value(r[l], j->column, j->t);
            int ok = j->op == 0   ? x < j->value
                     : j->op == 1 ? x <= j->value
                     : j->op == 2 ? x > j->value
                     : j->op == 3 ? x >= j->value
                                  : x == j->value;
            j->count += ok;
        }
    }
    hnb_stream_free(st);
    hnb_work_free(w);
    for (int l = 0; l < HNB_LANES; l++) {
        hnb_result_free(r[l]);
        free(pv[l]);
    }
    return NULL;
}

int hnb_mc_share(const hnb_model *m, const hnb_mc_opts *o, int column, int t, const char *op,
                 double value, double *share, hnb_err *err)
{
    hnb_sampler *s;
    int rc = hnb_sampler_create(m, o->method, o->draws, o->seed, &s, err);
    if (rc) return rc;
    int code = !strcmp(op, "<") ? 0 : !strcmp(op, "<=") ? 1 : !strcmp(op, ">") ? 2
               : !strcmp(op, ">=") ? 3 : 4;
    int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > 64) threads = 64;
    if (threads > o->draws) threads = (int)o->draws;
    if (threads < 1) threads = 1;
    share_job jobs[64];
    pthread_t tid[64];
    for (int k = 0; k < threads; k++) {
        jobs[k] = (share_job){m, s, o->draws * k / threads, o->draws * (k + 1) / threads,
                              column, t, code, value, 0};
        if (k > 0 && pthread_create(&tid[k], NULL, share_worker, &jobs[k]) != 0) tid[k] = 0;
    }
    share_worker(&jobs[0]);
    long total = jobs[0].count;
    for (int k = 1; k < threads; k++) {
        if (tid[k]) pthread_join(tid[k], NULL);
        else share_worker(&jobs[k]);
        total += jobs[k].count;
    }
    hnb_sampler_free(s);
    *share = (double)total / (double)o->draws;
    return HNB_OK;
}
