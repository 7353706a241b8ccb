/* mc.c - the Monte Carlo driver: threads, reductions, outputs. */
#include "hnb/mc.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hnb/mem.h"
#include "hnb/qstream.h"
#include "hnb/report.h"
#include "hnb/sample.h"
#include "hnb/stats.h"

const char *const hnb_mc_metric_names[HNB_MC_METRICS] = {
    "ehcps",           "expenditure",     "mitigations", "income", "annual_gap", "cumulative_deficit",
    "stability_grant", "central_funding", "dsg_deficit"};
const double hnb_mc_quantiles[HNB_MC_NQ] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};

/* Rank correlations use the first RANK_DRAWS draws: enough for a standard
 * error under 0.003, and a fixed memory whatever the number of draws. With
 * many uncertain values, fewer, so that their draws stay within RANK_BYTES
 * (500 values kept 400 MB): up to 83 values, 100,000 draws; 500, 16,777
 * (a standard error under 0.008, still enough to order a tornado). The
 * summary says how many draws were used. */
#define RANK_DRAWS 100000L
#define RANK_BYTES (64L << 20)
/* The first PILOT draws are kept whole; they place the windows in which
 * the later draws are kept (qstream.h). */
#define PILOT 65536L
/* Means are sums of MEAN_BLOCK consecutive draws, added in block order: the
 * same additions whichever thread ran a block. Thread ranges are whole
 * blocks. */
#define MEAN_BLOCK 4096L
#define WANTED (2 * HNB_MC_NQ + 4) /* order statistics a series needs */
#define NARROW_GROWTH 4
/* Where the phase of draws from A (of N) ends: the windows narrow when
 * NARROW_GROWTH times as many draws as placed them are in (so that they
 * are half as wide: a window's share of the draws falls as one over the
 * square root of the draws that place it) and at least as many are yet to
 * come (so that the pass over the kept values that narrows them, about
 * what keeping them cost, is paid back by the draws that keep fewer).
 * Four, tried against sixteen on ten million draws: 160 MB at its peak
 * against 217 MB, and no slower; a million draws narrow once, at 262,144. */
static long narrow_at(long a, long n)
{
    long b = NARROW_GROWTH * a;
    return b <= n / 2 ? b : n;
}
_Static_assert(PILOT % MEAN_BLOCK == 0, "the pilot ends on a block boundary");

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The draws of one thread in one phase, and where their results go. */
typedef struct {
    const hnb_model *m;
    const hnb_sampler *s;
    long a, b;               /* draws [a, b) of the phase */
    atomic_long *next;       /* the phase's next block to claim, or NULL: all of [a, b) */
    long n1;                 /* draws below n1 are the pilot: kept whole */
    double *pilot;           /* [series * n1 + i] */
    const hnb_qs_plan *plan; /* draws from n1 on go to the tally */
    hnb_qs_tally *tally;
    double *bsum;            /* [block * nseries + series] */
    int ov;                  /* year index of override_end - 1 (-1: the opening; else none) */
    long *over;              /* [h * 2 + j]: draws above threshold h at ov (j 0), horizon (j 1) */
    double *xdraw, *ycum;    /* the first rank_n draws: [k * rank_n + i], [i] */
    long rank_n;
    atomic_long *done;
    atomic_long *bad; /* the first draw whose results are out of range, or LONG_MAX */
    atomic_int *oom;  /* a tally could not grow */
} job;

/* A work space for draws: only the sampler's slots vary from CENTRAL. */
static hnb_work *draw_work(const hnb_model *m, const hnb_sampler *s, const double *central)
{
    hnb_work *w = hnb_work_create(m);
    unsigned char *varies = calloc((size_t)m->nparams + 1, 1);
    if (!varies) hnb_oom();
    for (int k = 0; k < hnb_sampler_nvars(s); k++) varies[hnb_sampler_slot(s, k)] = 1;
    hnb_work_vary(w, m, central, varies);
    free(varies);
    return w;
}

/* One thread's means of drawing and projecting, made once. */
typedef struct {
    double *pv[HNB_LANES], *x, *blk; /* x: a batch's series, [series * HNB_LANES + lane] */
    hnb_work *w;
    hnb_stream *st;
    int nblk;
} kit;

/* Values for the tally wait in BLOCK, a series at a time, and go in series
 * by series (qstream.h). */
enum { BLOCK = 256 };
_Static_assert(BLOCK % HNB_LANES == 0 && MEAN_BLOCK % HNB_LANES == 0, "whole batches fill blocks");

/* The exceedance counts and the rank data of draw I (lane L of the batch). */
static void file_tail(job *j, const kit *k, long i, int l)
{
    const hnb_model *m = j->m;
    const int ys = m->years;
    const double *cum = k->x + (size_t)HNB_MC_CUMULATIVE * ys * HNB_LANES + l; /* year t at [t * LANES] */
    const double horizon = cum[(size_t)(ys - 1) * HNB_LANES];
    double opening = m->opening_deficit >= 0 ? k->pv[l][m->opening_deficit] : 0;
    double at_ov = j->ov == -1 ? opening : j->ov >= 0 && j->ov < ys ? cum[(size_t)j->ov * HNB_LANES] : 0;
    for (int h = 0; h < m->nthresholds; h++) {
        j->over[h * 2] += at_ov > m->thresholds[h];
        j->over[h * 2 + 1] += horizon > m->thresholds[h];
    }
    if (i < j->rank_n) {
        j->ycum[i] = horizon;
        for (int q = 0; q < hnb_sampler_nvars(j->s); q++)
            j->xdraw[(size_t)q * j->rank_n + i] = k->pv[l][hnb_sampler_slot(j->s, q)];
    }
}

/* A full BLOCK goes into the tally. */
static void block_full(job *j, kit *k)
{
    if (k->nblk == BLOCK) {
        if (hnb_qs_add(j->tally, j->plan, k->blk, BLOCK, k->nblk) != 0) atomic_store(j->oom, 1);
        k->nblk = 0;
    }
}

/* BS[q] += X[q * LANES + l] for every series q, lane by lane in draw order.
 * Four series to a vector, so that the additions are four independent
 * chains at a time instead of one chain of eight after another; each
 * series' sum is the same as adding its lanes one by one. */
static void add_lanes(double *bs, const double *x, int ns)
{
    typedef double v4 __attribute__((vector_size(4 * sizeof(double)), aligned(sizeof(double)), may_alias));
    int q = 0;
    for (; q + 4 <= ns; q += 4) {
        const double *xq = &x[q * HNB_LANES];
        v4 acc = *(v4 *)&bs[q];
        for (int l = 0; l < HNB_LANES; l++)
            acc += (v4){xq[l], xq[HNB_LANES + l], xq[2 * HNB_LANES + l], xq[3 * HNB_LANES + l]};
        *(v4 *)&bs[q] = acc;
    }
    for (; q < ns; q++)
        for (int l = 0; l < HNB_LANES; l++) bs[q] += x[q * HNB_LANES + l];
}

static void draws(job *j, kit *k, long a, long b)
{
    const hnb_model *m = j->m;
    const int ys = m->years, ns = hnb_series_count(m) * ys;
    const double *x = k->x;
    for (long i0 = a; i0 < b; i0 += HNB_LANES) {
        int nl = b - i0 < HNB_LANES ? (int)(b - i0) : HNB_LANES;
        hnb_sampler_draw_lanes(j->s, k->st, i0, nl, k->pv, NULL);
        hnb_project_series(m, (const double *const *)k->pv, nl, k->w, k->x);
        /* A draw beyond what can be reported (or not finite) fails the run.
         * (Lanes innermost: the checks run across the batch, not down a
         * lane's strided series.) */
        int ok[HNB_LANES], all = nl == HNB_LANES;
        for (int l = 0; l < HNB_LANES; l++) ok[l] = 1;
        for (int q = 0; q < 4 * ys; q++)
            for (int l = 0; l < HNB_LANES; l++) ok[l] &= fabs(x[q * HNB_LANES + l]) < HNB_MAX_MAGNITUDE;
        for (int q = 4 * ys; q < ns; q++) /* derived: checked as percentiles */
            for (int l = 0; l < HNB_LANES; l++) ok[l] &= !isnan(x[q * HNB_LANES + l]);
        for (int l = 0; l < nl; l++) {
            all &= ok[l];
            long i = i0 + l, seen = ok[l] ? 0 : atomic_load(j->bad);
            while (!ok[l] && i < seen && !atomic_compare_exchange_weak(j->bad, &seen, i)) {
            }
        }
        double *bs = j->bsum + (size_t)(i0 / MEAN_BLOCK) * ns;
        const int pilot = i0 < j->n1;
        if (all && (pilot ? i0 + HNB_LANES <= j->n1 : k->nblk % HNB_LANES == 0) &&
            i0 / MEAN_BLOCK == (i0 + HNB_LANES - 1) / MEAN_BLOCK) {
            /* The usual batch: whole, on one side of the pilot's end and in
             * one block of the means; filed a series at a time. (Thread
             * ranges are whole blocks and the pilot is 65,536 draws or all
             * of them, so today only a run's last, partial batch and a
             * batch with a failed draw go the other way; the conditions
             * keep the fast path right if that changes.) */
            for (int q = 0; q < ns; q++) {
                double *to = pilot ? &j->pilot[(size_t)q * j->n1 + i0] : &k->blk[(size_t)q * BLOCK + k->nblk];
                memcpy(to, &x[q * HNB_LANES], sizeof(double) * HNB_LANES);
            }
            add_lanes(bs, x, ns);
            if (!pilot) {
                k->nblk += HNB_LANES;
                block_full(j, k);
            }
            for (int l = 0; l < HNB_LANES; l++) file_tail(j, k, i0 + l, l);
        } else {
            for (int l = 0; l < nl; l++) {
                if (!ok[l]) continue;
                long i = i0 + l;
                bs = j->bsum + (size_t)(i / MEAN_BLOCK) * ns;
                for (int q = 0; q < ns; q++) {
                    const double v = x[q * HNB_LANES + l];
                    if (i < j->n1)
                        j->pilot[(size_t)q * j->n1 + i] = v;
                    else
                        k->blk[(size_t)q * BLOCK + k->nblk] = v;
                    bs[q] += v;
                }
                if (i >= j->n1) {
                    k->nblk++;
                    block_full(j, k);
                }
                file_tail(j, k, i, l);
            }
        }
        atomic_fetch_add(j->done, nl);
    }
}

static void *worker(void *arg)
{
    job *j = arg;
    const hnb_model *m = j->m;
    const int ns = hnb_series_count(m) * m->years;
    kit k = {0};
    k.x = malloc(sizeof(double) * (size_t)ns * HNB_LANES);
    k.blk = malloc(sizeof(double) * (size_t)ns * BLOCK);
    if (!k.x || !k.blk) hnb_oom();
    for (int l = 0; l < HNB_LANES; l++) {
        k.pv[l] = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        if (!k.pv[l]) hnb_oom();
        hnb_model_central(m, k.pv[l]);
    }
    k.w = draw_work(m, j->s, k.pv[0]);
    k.st = hnb_stream_create(j->s);
    if (!j->next) {
        draws(j, &k, j->a, j->b);
    } else {
        /* Blocks claimed one at a time: a thread that runs slower (a busy
         * core) takes fewer. Every result is filed by draw or by block,
         * so which thread ran a block changes nothing. */
        while (!atomic_load(j->oom)) {
            long blk = atomic_fetch_add(j->next, 1);
            long a = blk * MEAN_BLOCK, b = a + MEAN_BLOCK;
            if (a >= j->b) break;
            draws(j, &k, a > j->a ? a : j->a, b < j->b ? b : j->b);
        }
    }
    if (k.nblk > 0 && hnb_qs_add(j->tally, j->plan, k.blk, BLOCK, k.nblk) != 0) atomic_store(j->oom, 1);
    free(k.blk);
    hnb_stream_free(k.st);
    hnb_work_free(k.w);
    for (int l = 0; l < HNB_LANES; l++) {
        free(k.pv[l]);
    }
    free(k.x);
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

/* The order statistics a series needs among N draws: both neighbours of each
 * percentile, then for the cumulative deficit's standard errors the ranks
 * that bracket P50 and P90 at 95% (binomial, distribution-free). */
static void wanted_ranks(long n, size_t idx[WANTED])
{
    int k = 0;
    for (int q = 0; q < HNB_MC_NQ; q++) {
        size_t lhs = (size_t)(hnb_mc_quantiles[q] * (double)(n - 1));
        idx[k++] = lhs;
        idx[k++] = lhs + 1 < (size_t)n ? lhs + 1 : lhs;
    }
    const double seq[2] = {0.5, 0.9};
    for (int j = 0; j < 2; j++) {
        double sd = sqrt((double)n * seq[j] * (1 - seq[j]));
        double lo = floor((double)n * seq[j] - 1.959964 * sd);
        double hi = ceil((double)n * seq[j] + 1.959964 * sd);
        idx[k++] = (size_t)(lo < 0 ? 0 : lo);
        idx[k++] = (size_t)(hi > n - 1 ? n - 1 : hi);
    }
}

/* Percentiles (and for the cumulative deficit the standard errors of P50
 * and P90: SE = (x_hi - x_lo) / 3.92) from the wanted order statistics V. */
static void percentiles(hnb_mc *mc, int metric, int t, long n, const double v[WANTED])
{
    size_t row = (size_t)metric * mc->years + t;
    for (int q = 0; q < HNB_MC_NQ; q++) {
        /* as gsl_stats_quantile_from_sorted_data */
        double index = hnb_mc_quantiles[q] * (double)(n - 1);
        size_t lhs = (size_t)index;
        double delta = index - (double)lhs;
        mc->pct[row * HNB_MC_NQ + q] =
            lhs == (size_t)n - 1 ? v[2 * q] : (1 - delta) * v[2 * q] + delta * v[2 * q + 1];
    }
    if (metric == HNB_MC_CUMULATIVE) {
        mc->se_p50[t] = (v[2 * HNB_MC_NQ + 1] - v[2 * HNB_MC_NQ]) / (2 * 1.959964);
        mc->se_p90[t] = (v[2 * HNB_MC_NQ + 3] - v[2 * HNB_MC_NQ + 2]) / (2 * 1.959964);
    }
}

/* Reductions after the draws, independent of each other, spread over the
 * threads: one series' order statistics, or one variable's ranks. */
typedef struct {
    hnb_mc *mc;
    long n, n1;
    double *pilot;               /* kept whole (n1 == n), else NULL */
    const hnb_qs_plan *plan;     /* else: the windows and the tallies */
    hnb_qs_tally *const *tally;
    int ntally;
    atomic_int missed;           /* a wanted rank fell outside the windows */
    atomic_int oom;              /* or there was not the memory to gather it */
    /* ranks */
    const double *xdraw, *ycum;
    double *rank_y;              /* task 0's; the rank tasks wait for RANK_Y_READY */
    atomic_int rank_y_ready;
    long rank_n;
    double *corr;                /* [k] */
    /* windows: 1, task i builds series i of BUILD from the pilot; 2, it
     * puts series i of the pilot into PILOT_TALLY; 3, it builds series i
     * of BUILD narrower from the tallies under PLAN; 4, it moves series
     * i % nseries of tally i / nseries from PLAN to BUILD; 0, the
     * reductions */
    int windows;
    hnb_qs_plan *build;
    int nseries;                 /* of BUILD */
    hnb_qs_tally *pilot_tally;
    atomic_int next;
    int ntasks;
} pool;

/* A worker's arrays, made at its first task that needs them and kept for
 * the rest (fresh pages cost faults: mem.h). */
typedef struct {
    double *ranks;        /* 5 * rank_n: a variable's ranks and the radix sort's work */
    double *order;        /* a series' kept values (hnb_qs_order_buf) */
    size_t norder;
} worker_mem;

/* Run task I with the worker's arrays WM. */
static void run_task(pool *pl, int i, worker_mem *wm)
{
    if (pl->windows == 1) {
        hnb_qs_plan_series(pl->build, i, pl->pilot + (size_t)i * pl->n1);
        return;
    }
    if (pl->windows == 2) {
        if (hnb_qs_add_series(pl->pilot_tally, pl->plan, i, pl->pilot + (size_t)i * pl->n1, (int)pl->n1) != 0)
            atomic_store(&pl->oom, 1);
        return;
    }
    if (pl->windows == 3) {
        if (hnb_qs_plan_narrow(pl->build, pl->plan, pl->tally, pl->ntally, i, &wm->order, &wm->norder) == -2)
            atomic_store(&pl->oom, 1);
        return;
    }
    if (pl->windows == 4) {
        const int ns = pl->nseries;
        if (hnb_qs_tally_move(pl->tally[i / ns], pl->plan, pl->build, i % ns) != 0) atomic_store(&pl->oom, 1);
        return;
    }
    /* Task 0 ranks the horizon's deficits; tasks 1 .. nseries take the
     * series' percentiles; the rest rank a variable each and correlate it
     * with the horizon. */
    hnb_mc *mc = pl->mc;
    const int ys = mc->years, nseries = mc->nmetrics * ys;
    const size_t rn = (size_t)pl->rank_n;
    if ((i == 0 || i > nseries) && !wm->ranks && !(wm->ranks = hnb_mem_big(sizeof(double) * 5 * rn + 1))) hnb_oom();
    if (i == 0) {
        hnb_stats_ranks(pl->ycum, rn, pl->rank_y, (uint64_t *)(wm->ranks + rn));
        atomic_store(&pl->rank_y_ready, 1);
        return;
    }
    if (i <= nseries) {
        const int q = i - 1;
        size_t idx[WANTED];
        double v[WANTED];
        wanted_ranks(pl->n, idx);
        if (pl->pilot) {
            hnb_stats_order(pl->pilot + (size_t)q * pl->n1, (size_t)pl->n1, idx, WANTED, v);
        } else {
            int rc = hnb_qs_order_buf(pl->plan, pl->tally, pl->ntally, q, idx, WANTED, v, &wm->order, &wm->norder);
            if (rc != 0) {
                atomic_store(rc == -2 ? &pl->oom : &pl->missed, 1);
                return;
            }
        }
        percentiles(mc, q / ys, q % ys, pl->n, v);
        return;
    }
    int k = i - nseries - 1;
    double *rank_x = wm->ranks;
    hnb_stats_ranks(pl->xdraw + (size_t)k * rn, rn, rank_x, (uint64_t *)(rank_x + rn));
    /* Task 0 was claimed before this one, so it is running or done; with
     * the percentile tasks between them, it is almost always done */
    while (!atomic_load(&pl->rank_y_ready)) sched_yield();
    pl->corr[k] = hnb_stats_correlation(rank_x, pl->rank_y, rn);
}

static void *pool_worker(void *arg)
{
    pool *pl = arg;
    worker_mem wm = {NULL, NULL, 0};
    for (;;) {
        int i = atomic_fetch_add(&pl->next, 1);
        if (i >= pl->ntasks) break;
        run_task(pl, i, &wm);
    }
    free(wm.ranks);
    free(wm.order);
    return NULL;
}

static void run_pool(pool *pl, int ntasks, int threads)
{
    pl->next = 0;
    pl->ntasks = ntasks;
    pthread_t tid[256];
    int started = 0;
    for (int k = 1; k < threads && k < 256 && k < ntasks; k++)
        if (pthread_create(&tid[started], NULL, pool_worker, pl) == 0) started++;
    pool_worker(pl);
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
}

/* Run the draws [a, b) on up to THREADS threads, each a copy of PROTO with
 * its own whole blocks of draws (and, given TALLY, its own tally there: the
 * one an earlier phase left, or a new one, the first in SPARE, NSPARE
 * doubles it is given if they are enough, else freed). Returns the number
 * of threads used. */
static int run_phase(const job *proto, long a, long b, int threads, hnb_qs_tally **tally,
                     double *spare, size_t nspare, long *over, int nover, int progress, long total,
                     double t0)
{
    long b0 = a / MEAN_BLOCK, nb = (b - a + MEAN_BLOCK - 1) / MEAN_BLOCK;
    if (threads > nb) threads = (int)(nb > 0 ? nb : 1);
    job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    long *counts = calloc((size_t)threads * nover + 1, sizeof *counts);
    if (!jobs || !tid || !counts) hnb_oom();
    /* Blocks are claimed as threads free up, except for Sobol: GSL's
     * generator cannot jump, so each thread takes one run of blocks. */
    atomic_long next = b0;
    int dynamic = hnb_sampler_method(proto->s) != HNB_METHOD_SOBOL;
    for (int k = 0; k < threads; k++) {
        jobs[k] = *proto;
        long ja = (b0 + nb * k / threads) * MEAN_BLOCK, jb = (b0 + nb * (k + 1) / threads) * MEAN_BLOCK;
        jobs[k].a = dynamic ? a : ja > a ? ja : a;
        jobs[k].b = dynamic ? b : jb < b ? jb : b;
        jobs[k].next = dynamic ? &next : NULL;
        jobs[k].over = counts + (size_t)k * nover;
        if (tally && !tally[k]) { /* sized for its share; it grows if it gets more */
            long share = dynamic ? (b - a) / threads + MEAN_BLOCK : jobs[k].b - jobs[k].a;
            tally[k] = k == 0 && spare ? hnb_qs_tally_create_in(proto->plan, (size_t)share, spare, nspare)
                                       : hnb_qs_tally_create(proto->plan, (size_t)share);
            if (k == 0) spare = NULL;
        }
        if (tally) {
            jobs[k].tally = tally[k];
            if (!tally[k]) { /* not enough memory: run nothing more */
                atomic_store(proto->oom, 1);
                jobs[k].b = jobs[k].a;
                jobs[k].next = NULL;
            }
        }
        if (pthread_create(&tid[k], NULL, worker, &jobs[k]) != 0) {
            worker(&jobs[k]); /* here instead: the results are the same */
            tid[k] = 0;
        }
    }
    if (progress) {
        while (atomic_load(proto->done) < b && !atomic_load(proto->oom)) {
            progress_bar(atomic_load(proto->done), total, now() - t0);
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
        }
        progress_bar(b, total, now() - t0);
        if (b == total) fputc('\n', stderr);
    }
    for (int k = 0; k < threads; k++) {
        if (tid[k]) pthread_join(tid[k], NULL);
        for (int h = 0; h < nover; h++) over[h] += counts[(size_t)k * nover + h];
    }
    free(counts);
    free(jobs);
    free(tid);
    free(spare);
    return threads;
}

/* Every figure the Monte Carlo reports must be a number hnb can print in
 * full (project.h, HNB_MAX_MAGNITUDE): means, percentiles, the tornado. */
static int check_figures(const hnb_model *m, const hnb_mc *mc, hnb_err *err)
{
    const int ys = mc->years;
    for (int id = 0; id < HNB_MC_METRICS; id++)
        for (int t = 0; t < ys && mc->pos[id] >= 0; t++) {
            const int k = mc->pos[id];
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
                              hnb_mc_metric_names[id], label, worst, HNB_MAX_MAGNITUDE);
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

#define MISSED 100 /* internal: a percentile fell outside the windows */

static hnb_mc *mc_create(const hnb_model *m, long n, int threads, int nv, const hnb_mc_opts *o)
{
    hnb_mc *mc = calloc(1, sizeof *mc);
    if (!mc) hnb_oom();
    const int ys = m->years;
    mc->draws = n;
    mc->years = ys;
    mc->threads = threads;
    mc->method = o->method;
    mc->seed = o->seed;
    mc->nmetrics = hnb_series_count(m);
    for (int id = 0; id < HNB_MC_METRICS; id++) mc->pos[id] = hnb_series_pos(m, id);
    mc->mean = calloc((size_t)mc->nmetrics * ys, sizeof(double));
    mc->pct = calloc((size_t)mc->nmetrics * ys * HNB_MC_NQ, sizeof(double));
    mc->se_p50 = calloc((size_t)ys, sizeof(double));
    mc->se_p90 = calloc((size_t)ys, sizeof(double));
    mc->rank_draws = n < RANK_DRAWS ? n : RANK_DRAWS;
    const long fit = RANK_BYTES / ((long)sizeof(double) * (nv > 0 ? nv : 1));
    if (mc->rank_draws > fit) mc->rank_draws = fit;
    if (!mc->mean || !mc->pct || !mc->se_p50 || !mc->se_p90) hnb_oom();
    return mc;
}

/* One Monte Carlo run keeping the first N1 draws whole (N1 == N: all). */
static int mc_run(const hnb_model *m, const hnb_mc_opts *o, hnb_sampler *s, long n1, hnb_mc **out,
                  hnb_err *err)
{
    *out = NULL;
    const long n = o->draws;
    const int ys = m->years, nv = hnb_sampler_nvars(s), nseries = hnb_series_count(m) * ys;
    int threads = o->threads > 0 ? o->threads : 1;
    if (threads > n) threads = (int)n;
    if (threads > 256) threads = 256;
    hnb_mc *mc = mc_create(m, n, threads, nv, o);
    long rn = mc->rank_draws, nblocks = (n + MEAN_BLOCK - 1) / MEAN_BLOCK;
    int nover = 2 * m->nthresholds;
    double *pilot = hnb_mem_big(sizeof(double) * ((size_t)nseries * n1 + 1));
    double *bsum = calloc((size_t)nblocks * nseries + 1, sizeof(double));
    double *xdraw = hnb_mem_big(sizeof(double) * ((size_t)nv * rn + 1));
    double *ycum = hnb_mem_big(sizeof(double) * ((size_t)rn + 1));
    long *over = calloc((size_t)nover + 1, sizeof(long));
    hnb_qs_tally **tally = calloc((size_t)threads + 1, sizeof *tally);
    if (!pilot || !bsum || !xdraw || !ycum || !over || !tally) {
        free(pilot), free(bsum), free(xdraw), free(ycum), free(over), free(tally);
        hnb_mc_free(mc);
        return hnb_err_fail(err, "not enough memory for %ld draws of %d years", n, ys);
    }
    int ov = m->override_end ? m->override_end - 1 - m->start_year : -2;

    /* ---- simulate: the pilot, then the rest through the windows ---- */
    double t0 = now();
    atomic_long done = 0, bad = LONG_MAX;
    atomic_int oom = 0;
    job proto = {m, s, 0, 0, NULL, n1, pilot, NULL, NULL, bsum, ov, NULL, xdraw, ycum, rn, &done, &bad, &oom};
    run_phase(&proto, 0, n1, threads, NULL, NULL, 0, over, nover, o->progress, n, t0);
    hnb_qs_plan *plan = NULL;
    int ntally = 0;
    if (n1 < n && atomic_load(&bad) == LONG_MAX) {
        size_t idx[WANTED];
        wanted_ranks(n, idx);
        /* the windows, a series a task on every thread; then the pilot's
         * own values through them */
        plan = hnb_qs_plan_alloc(nseries, (size_t)n1, (size_t)n, idx, WANTED);
        if (!plan) hnb_oom();
        pool wp = {.n1 = n1, .pilot = pilot, .build = plan, .windows = 1, .oom = 0};
        run_pool(&wp, nseries, threads);
        tally[ntally] = hnb_qs_tally_create(plan, (size_t)n1);
        if (tally[ntally]) {
            wp.windows = 2;
            wp.plan = plan;
            wp.pilot_tally = tally[ntally];
            run_pool(&wp, nseries, threads);
            if (atomic_load(&wp.oom)) oom = 1;
        }
        if (!tally[ntally++]) oom = 1;
        /* the pilot's values are in the windows' tally now: its array,
         * written once already, holds the first thread's tally */
        double *spare = pilot;
        pilot = NULL;
        proto.plan = plan;
        proto.pilot = NULL;
        /* The draws in phases, each ending where the windows narrow
         * (narrow_at): tally k + 1 is thread k's in every phase. */
        long a = n1;
        int used = 0;
        while (!oom && atomic_load(&bad) == LONG_MAX) {
            long b = narrow_at(a, n);
            int k = run_phase(&proto, a, b, threads, tally + 1, spare, (size_t)nseries * (size_t)n1 + 1, over,
                              nover, o->progress, n, t0);
            spare = NULL;
            if (k > used) used = k;
            if (b == n || atomic_load(&oom) || atomic_load(&bad) != LONG_MAX) break;
            hnb_qs_plan *next = hnb_qs_plan_alloc(nseries, (size_t)b, (size_t)n, idx, WANTED);
            if (!next) hnb_oom();
            pool np = {.plan = plan, .tally = tally, .ntally = 1 + used, .build = next, .nseries = nseries,
                       .windows = 3, .oom = 0};
            run_pool(&np, nseries, threads);
            if (!atomic_load(&np.oom)) {
                np.windows = 4;
                run_pool(&np, nseries * (1 + used), threads);
            }
            if (atomic_load(&np.oom)) oom = 1;
            hnb_qs_plan_free(plan);
            plan = next;
            proto.plan = plan;
            mc->narrowings++;
            a = b;
        }
        free(spare);
        ntally += used;
    }
    mc->sim_seconds = now() - t0;
    mc->kept_all = n1 == n;
    if (atomic_load(&oom)) {
        for (int k = 0; k < ntally; k++) hnb_qs_tally_free(tally[k]);
        free(tally), hnb_qs_plan_free(plan);
        free(pilot), free(bsum), free(xdraw), free(ycum), free(over);
        hnb_mc_free(mc);
        return hnb_err_fail(err, "not enough memory for %ld draws of %d years", n, ys);
    }
    if (atomic_load(&bad) != LONG_MAX) {
        for (int k = 0; k < ntally; k++) hnb_qs_tally_free(tally[k]);
        free(tally), hnb_qs_plan_free(plan);
        free(pilot), free(bsum), free(xdraw), free(ycum), free(over);
        hnb_mc_free(mc);
        return hnb_err_at(err, (hnb_mark){m->file, 1, 1},
                          "Monte Carlo draw %ld gives a budget line beyond %.0e (or not a "
                          "number): the scenario's distributions reach values the projection "
                          "cannot report; narrow them",
                          atomic_load(&bad) + 1, HNB_MAX_MAGNITUDE);
    }

    /* ---- reduce ---- */
    double t1 = now();
    for (int k = 0; k < nseries; k++) {
        double sum = 0;
        for (long b = 0; b < nblocks; b++) sum += bsum[(size_t)b * nseries + k];
        mc->mean[k] = sum / (double)n;
    }
    mc->exceed = calloc((size_t)m->nthresholds * 2 + 1, sizeof *mc->exceed);
    if (!mc->exceed) hnb_oom();
    for (int h = 0; h < m->nthresholds; h++) {
        if (ov >= -1 && ov < ys)
            mc->exceed[mc->nexceed++] = (hnb_mc_exceedance){
                m->thresholds[h], m->start_year + ov, (double)over[h * 2] / (double)n};
        if (ov != ys - 1)
            mc->exceed[mc->nexceed++] = (hnb_mc_exceedance){
                m->thresholds[h], m->start_year + ys - 1, (double)over[h * 2 + 1] / (double)n};
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

    /* percentiles of every series and the rank correlations, on all threads */
    mc->ndrivers = nv;
    mc->drivers = calloc((size_t)nv + 1, sizeof *mc->drivers);
    double *rank_y = hnb_mem_big(sizeof(double) * (size_t)rn + 1), *corr = calloc((size_t)nv + 1, sizeof(double));
    if (!mc->drivers || !rank_y || !corr) hnb_oom();
    /* tasks: the horizon's ranks, the series' percentiles, each variable's ranks */
    pool pl = {.mc = mc, .n = n, .n1 = n1, .pilot = plan ? NULL : pilot, .plan = plan,
               .tally = tally, .ntally = ntally, .missed = 0, .oom = 0, .xdraw = xdraw, .ycum = ycum,
               .rank_y = rank_y, .rank_y_ready = 0, .rank_n = rn, .corr = corr};
    run_pool(&pl, nseries + 1 + nv, threads);
    int missed = atomic_load(&pl.missed), short_of_memory = atomic_load(&pl.oom);
    for (int k = 0; k < ntally; k++) hnb_qs_tally_free(tally[k]);
    free(tally), hnb_qs_plan_free(plan);
    free(pilot), free(bsum), free(ycum), free(over), free(rank_y);
    if (missed || short_of_memory) {
        free(xdraw), free(corr);
        hnb_mc_free(mc);
        if (short_of_memory) return hnb_err_fail(err, "not enough memory for %ld draws of %d years", n, ys);
        return MISSED;
    }

    /* ---- drivers: tornado (P10/P90, others central) ---- */
    double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    hnb_work *w = hnb_work_create(m);
    hnb_result *r = hnb_result_create(m);
    if (!p) hnb_oom();
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
        d->rank_correlation = corr[k];
    }
    qsort(mc->drivers, (size_t)nv, sizeof *mc->drivers, cmp_driver);
    mc->reduce_seconds = now() - t1;
    free(p);
    free(xdraw), free(corr);
    hnb_result_free(r);
    hnb_work_free(w);
    int rc = check_figures(m, mc, err);
    if (rc) {
        hnb_mc_free(mc);
        return rc;
    }
    *out = mc;
    return HNB_OK;
}

int hnb_mc_run(const hnb_model *m, const hnb_mc_opts *o, hnb_mc **out, hnb_err *err)
{
    *out = NULL;
    hnb_sampler *s;
    int rc = hnb_sampler_create(m, o->method, o->draws, o->seed, &s, err);
    if (rc) return rc;
    long pilot = o->pilot > 0 && o->pilot % MEAN_BLOCK == 0 ? o->pilot : PILOT;
    long n1 = o->keep_all || o->draws <= pilot ? o->draws : pilot;
    rc = mc_run(m, o, s, n1, out, err);
    /* A wanted order statistic outside the windows (a lumpy series the
     * pilot misjudged): the same draws again, every one kept. */
    if (rc == MISSED) rc = mc_run(m, o, s, o->draws, out, err);
    hnb_sampler_free(s);
    return rc;
}

const double *hnb_mc_pct(const hnb_mc *mc, int id, int t)
{
    if (id < 0 || id >= HNB_MC_METRICS || mc->pos[id] < 0 || t < 0 || t >= mc->years) return NULL;
    return &mc->pct[((size_t)mc->pos[id] * mc->years + t) * HNB_MC_NQ];
}

double hnb_mc_mean(const hnb_mc *mc, int id, int t)
{
    if (id < 0 || id >= HNB_MC_METRICS || mc->pos[id] < 0 || t < 0 || t >= mc->years) return 0;
    return mc->mean[(size_t)mc->pos[id] * mc->years + t];
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
        for (int id = 0; id < HNB_MC_METRICS; id++) {
            const double *q = hnb_mc_pct(mc, id, t);
            if (!q) continue;
            int dec = id == HNB_MC_EHCPS ? 3 : 2;
            fprintf(f, "%d,%s,%s,", m->start_year + t, label, hnb_mc_metric_names[id]);
            put(f, hnb_mc_mean(mc, id, t), dec);
            for (int k = 0; k < HNB_MC_NQ; k++) {
                fputc(',', f);
                put(f, q[k], dec);
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
        if (!b->s) hnb_oom();
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

/* A probability as a committee reads it: "a 1 in 4 chance", "a 7 in 10
 * chance", "no draw". */
void hnb_odds_words(char *b, size_t n, double p)
{
    if (p <= 0)
        snprintf(b, n, "no chance");
    else if (p < 0.005)
        snprintf(b, n, "less than a 1 in 200 chance");
    else if (p < 0.45)
        snprintf(b, n, "a 1 in %.0f chance", 1 / p);
    else if (p < 0.55)
        snprintf(b, n, "an even chance");
    else if (p < 0.995)
        snprintf(b, n, "a %.0f in 10 chance", p * 10 >= 9.5 ? 9.0 : floor(p * 10 + 0.5));
    else if (p < 1)
        snprintf(b, n, "a near certainty");
    else
        snprintf(b, n, "a certainty");
}

void hnb_net_words(char *out, size_t n, const hnb_model *m, int year)
{
    /* a grant that is never received (received: 0, not drawn) is no grant */
    const int never = m->regime.received >= 0 && m->params[m->regime.received].dist.type == HNB_DIST_NONE &&
                      m->params[m->regime.received].central == 0;
    const int grant = m->regime.grant && !never && m->regime.paid <= year,
              central = m->regime.central_share && m->override_end && year >= m->override_end;
    if (grant || central)
        snprintf(out, n, ", net of %s%s%s", grant ? "the stability grant" : "", grant && central ? " and " : "",
                 central ? "central support" : "");
    else if (m->regime.grant && !never && m->regime.paid > year) {
        char lp[8];
        hnb_year_label(m->regime.paid, lp);
        snprintf(out, n, ", before the stability grant (paid in %s)", lp);
    } else
        out[0] = 0;
}

void hnb_left_with_council(char *out, size_t n, const hnb_model *m, const hnb_mc *mc,
                           const hnb_mc_exceedance *x)
{
    char label[8], odds[64], when[128], a[HNB_NUM_BUF], nd[HNB_NUM_BUF];
    hnb_year_label(x->year, label);
    hnb_odds_words(odds, sizeof odds, x->probability);
    if (m->override_end && x->year == m->override_end - 1)
        snprintf(when, sizeof when, "when the override ends (end of %s)", label);
    else
        snprintf(when, sizeof when, "at the end of %s", label);
    char net[128];
    hnb_net_words(net, sizeof net, m, x->year);
    hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
    hnb_fmt_m(a, x->threshold);
    if (x->probability <= 0) /* all or none of the draws: say so, not "no chance" */
        snprintf(out, n, "In none of the %s draws is more than £%sm left with the council %s%s.", nd, a, when,
                 net);
    else if (x->probability >= 1)
        snprintf(out, n, "In every one of the %s draws, more than £%sm is left with the council %s%s.", nd, a,
                 when, net);
    else {
        odds[0] = (char)(odds[0] - 'a' + 'A');
        snprintf(out, n, "%s (%.1f%%) that more than £%sm is left with the council %s%s.", odds,
                 x->probability * 100, a, when, net);
    }
}

char *hnb_mc_summary(const hnb_model *m, const hnb_mc *mc, const hnb_result *central)
{
    sbuf b = {0};
    char a[HNB_NUM_BUF], c[HNB_NUM_BUF], d[HNB_NUM_BUF], g[HNB_NUM_BUF], e[HNB_NUM_BUF],
        f2[HNB_NUM_BUF];
    static const char *const methods[] = {"random", "Latin hypercube", "Sobol"};
    sb_printf(&b, "\n## Monte Carlo ranges\n\n");
    char nd[HNB_NUM_BUF];
    hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
    sb_printf(&b,
              "%s draws (%s sampling, seed %lu). The cumulative deficit at the end of each year, "
              "£m: P10-P90 is the range that holds in 8 draws out of 10. The standard errors say "
              "how far P50 and P90 may move with more draws.\n\n",
              nd, methods[mc->method], mc->seed);
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
    if (m->regime.given) {
        /* SPEC section 13: what is left with the council, in plain words */
        const hnb_regime *rg = &m->regime;
        int tp = rg->paid - m->start_year;
        if (rg->grant && tp >= 0 && tp < mc->years) {
            const double *q = hnb_mc_pct(mc, HNB_MC_STABILITY_GRANT, tp);
            char lp[8];
            hnb_year_label(rg->paid, lp);
            sb_printf(&b, "\nThe stability grant in %s: mean £%sm, P10 £%sm, P90 £%sm.\n", lp,
                      hnb_fmt_m(a, hnb_mc_mean(mc, HNB_MC_STABILITY_GRANT, tp)),
                      hnb_fmt_m(c, q[HNB_Q10]), hnb_fmt_m(d, q[HNB_Q90]));
        }
        if (mc->nexceed > 0) {
            sb_printf(&b, "\n### How likely is the council to be left with more than each "
                          "threshold?\n\n");
            for (int k = 0; k < mc->nexceed; k++) {
                char line[512];
                hnb_left_with_council(line, sizeof line, m, mc, &mc->exceed[k]);
                sb_printf(&b, "- %s\n", line);
            }
        }
    }
    if (m->dsg.given) {
        sb_printf(&b, "\nThe DSG-wide deficit at the end of each year, £m:\n\n| Year | P10 | P50 | "
                      "P90 | Central |\n|---|---:|---:|---:|---:|\n");
        for (int t = 0; t < mc->years; t++) {
            const double *q = hnb_mc_pct(mc, HNB_MC_DSG_DEFICIT, t);
            char label[8];
            hnb_year_label(m->start_year + t, label);
            sb_printf(&b, "| %s | %s | %s | %s | %s |\n", label, hnb_fmt_m(a, q[HNB_Q10]),
                      hnb_fmt_m(c, q[HNB_Q50]), hnb_fmt_m(d, q[HNB_Q90]),
                      hnb_fmt_m(g, central->dsg_deficit[t]));
        }
    }
    if (mc->nexceed > 0 && !m->regime.given) {
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
            char desc[400]; /* in words (scenario.c), the id stays in sensitivity.csv */
            hnb_param_describe(m, &m->params[x->slot], desc, sizeof desc);
            sb_printf(&b, "| %s | %s | %s | %s | %s |\n", desc, hnb_fmt_m(a, x->at_low),
                      hnb_fmt_m(c, x->at_high), hnb_fmt_m(d, x->swing), rc);
        }
        if (mc->rank_draws < mc->draws)
            sb_printf(&b, "\nRank correlations use the first %s draws.\n",
                      (hnb_fmt_count(nd, sizeof nd, (double)mc->rank_draws), nd));
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

static void *share_worker(void *arg)
{
    share_job *j = arg;
    const hnb_model *m = j->m;
    double *pv[HNB_LANES];
    hnb_result *r[HNB_LANES];
    for (int l = 0; l < HNB_LANES; l++) {
        pv[l] = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        if (!pv[l]) hnb_oom();
        hnb_model_central(m, pv[l]);
        r[l] = hnb_result_create(m);
    }
    hnb_work *w = draw_work(m, j->s, pv[0]);
    hnb_stream *st = hnb_stream_create(j->s);
    for (long i0 = j->a; i0 < j->b; i0 += HNB_LANES) {
        int nl = j->b - i0 < HNB_LANES ? (int)(j->b - i0) : HNB_LANES;
        hnb_sampler_draw_lanes(j->s, st, i0, nl, pv, NULL);
        hnb_project_batch(m, (const double *const *)pv, nl, w, r, 0);
        for (int l = 0; l < nl; l++) {
            double x = hnb_column_values(r[l], j->column)[j->t];
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
