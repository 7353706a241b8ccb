/* qstream.c - exact order statistics of long streams: windows from a pilot,
 * counts between them, values inside them (see qstream.h). */
#include "hnb/qstream.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "hnb/mem.h"
#include "hnb/stats.h"

#define MAXCUT (2 * HNB_QS_MAX_RANKS)
#define REGIONS (2 * MAXCUT + 1)
#define CELLS 512
#define DIRTY 255
/* Half-width of a window in standard errors of the pilot's quantile: the
 * chance that a normal deviate passes 6 is 1e-9. */
#define SIGMAS 6.0

/* The regions of a series, in value order: interval 0 (below cut 0), the
 * point cut 0, interval 1, ..., the point cut ncut-1, interval ncut (above
 * it). Region 2g is interval g, region 2m+1 the point cut m. */
typedef struct {
    int ncut;
    double cut[MAXCUT];
    double lo, scale;      /* cut[0], CELLS / (cut[ncut-1] - lo) (0 if not finite) */
    int npad;              /* ncut rounded up to 4: cut[ncut..npad) are NaN, below and equal to nothing (+inf would equal a value +inf) */
    unsigned char cell[CELLS + 3]; /* the region of every value in that cell, or DIRTY: a cut is in it */
    unsigned char keep[REGIONS];
    double frac[REGIONS];  /* the pilot's share of values in each kept region */
} series;

struct hnb_qs_plan {
    int ns;
    series *s;
    /* what the series are built for (hnb_qs_plan_series) */
    size_t npilot, n, ranks[HNB_QS_MAX_RANKS];
    int nranks;
};

/* A tally keeps each series' values in chunks of CHUNK doubles, taken in
 * turn from its arenas: memory is written in order as it fills, whatever
 * share of the draws a thread runs, and nothing is copied as a series
 * grows. Arenas are big arrays on huge pages (mem.h), whose pages cost
 * nothing until they are written; a full one is followed by another. */
#define CHUNK 4096

struct hnb_qs_tally {
    int ns;
    size_t *count;   /* [s * REGIONS + r] */
    double ***chunk; /* [s][c]: series s's values in kept regions, all
                      * regions together, every chunk full but the last */
    int *nchunk, *room; /* [s]: chunks, and chunk slots in chunk[s] */
    size_t *len;     /* [s]: values kept */
    /* Threads may add different series at once (qstream.h): the arenas
     * are shared by all series, so taking a chunk holds LOCK (once every
     * 4,096 values kept). */
    pthread_mutex_t lock;
    double *arena;   /* the arena chunks come from, NARENA doubles, USED taken */
    size_t narena, used, next; /* NEXT: doubles in the arena after this one */
    double **arenas; /* every arena, to free */
    int narenas;
    double **spare;  /* chunks given back by hnb_qs_tally_move, taken first */
    int nspare, spare_room;
};

/* The grid cell of V: 1 + (v - lo) * scale, clamped into [0, CELLS + 2]. */
static int cell_index(const series *q, double v)
{
    double g = (v - q->lo) * q->scale + 1;
#ifdef __SSE2__
    /* maxsd and minsd: the same as below, without branches */
    g = _mm_cvtsd_f64(_mm_min_sd(_mm_max_sd(_mm_set_sd(g), _mm_setzero_pd()), _mm_set_sd(CELLS + 2)));
#else
    g = g > 0 ? g : 0;
    g = g < CELLS + 2 ? g : CELLS + 2;
#endif
    return (int)g;
}

typedef struct {
    long a, b;        /* pilot ranks of the window's ends */
    int open_lo, open_hi; /* reaching past the pilot's extremes: unbounded */
    double lo, hi;
} window;

/* Windows in ranks of M values for the order statistics RANKS[0..nr) of
 * N values in all (a window's start only falls behind an earlier one's when
 * both are clamped to 0, so overlapping ones are merged in rank order).
 * Returns how many, into W. */
static int rank_windows(window *w, size_t m, size_t n, const size_t *ranks, int nr)
{
    int nw = 0;
    long order[HNB_QS_MAX_RANKS];
    for (int j = 0; j < nr; j++) order[j] = (long)(ranks[j] < n ? ranks[j] : n - 1);
    for (int j = 1; j < nr; j++)
        for (int i = j; i > 0 && order[i - 1] > order[i]; i--) {
            long t = order[i];
            order[i] = order[i - 1];
            order[i - 1] = t;
        }
    for (int j = 0; j < nr; j++) {
        double p = n > 1 ? (double)order[j] / (double)(n - 1) : 0;
        double centre = p * (double)(m - 1);
        /* the sample's binomial error, widened by the full sample's own */
        double margin = SIGMAS * sqrt((double)m * p * (1 - p) * (1 + (double)m / (double)n)) + 2;
        long a = (long)floor(centre - margin), b = (long)ceil(centre + margin);
        window x = {a, b, a < 0, b > (long)m - 1, 0, 0};
        if (x.open_lo) x.a = 0;
        if (x.open_hi) x.b = (long)m - 1;
        if (nw > 0 && x.a <= w[nw - 1].b + 1) {
            window *y = &w[nw - 1];
            if (x.b > y->b) y->b = x.b;
            y->open_hi |= x.open_hi;
        } else {
            w[nw++] = x;
        }
    }
    return nw;
}

/* W[i]'s values are V[2i] and V[2i + 1]: set them, and merge the windows
 * that ties make touch. Returns how many are left. */
static int value_windows(window *w, int nw, const double *v)
{
    int m = 0;
    for (int i = 0; i < nw; i++) {
        window x = w[i];
        x.lo = v[2 * i];
        x.hi = v[2 * i + 1];
        if (m > 0 && x.lo <= w[m - 1].hi) {
            window *y = &w[m - 1];
            if (x.hi > y->hi) y->hi = x.hi;
            y->b = x.b;
            y->open_hi |= x.open_hi;
        } else {
            w[m++] = x;
        }
    }
    return m;
}

/* Q's cuts, kept regions and lookup grid from the NW windows W, placed in
 * ranks of M values, in value order and apart. Given OLD (the windows Q
 * narrows), OLD's cuts inside a window or past its open end are Q's cuts
 * too, so that values OLD counted at a cut are at a cut of Q. Returns 0, or
 * -1 when that makes more cuts than a series has room for. */
static int layout(series *q, const window *w, int nw, size_t m, const series *old)
{
    /* cuts, and which intervals are kept: a window's interior, and beyond
     * an open end everything past the sample's extreme (itself a cut, so
     * that a constant series keeps nothing) */
    memset(q, 0, sizeof *q);
    for (int i = 0; i < nw; i++) {
        const double from = w[i].open_lo ? -INFINITY : w[i].lo, to = w[i].open_hi ? INFINITY : w[i].hi;
        const int first = q->ncut;
        /* the window's ends and OLD's cuts in (from, to), in order, once */
        double x[MAXCUT + 2];
        int nx = 0;
        x[nx++] = w[i].lo;
        x[nx++] = w[i].hi;
        for (int c = 0; old && c < old->ncut; c++)
            if (old->cut[c] > from && old->cut[c] < to) x[nx++] = old->cut[c];
        for (int j = 1; j < nx; j++)
            for (int k = j; k > 0 && x[k - 1] > x[k]; k--) {
                double t = x[k];
                x[k] = x[k - 1];
                x[k - 1] = t;
            }
        for (int j = 0; j < nx; j++) {
            if (q->ncut > first && x[j] == q->cut[q->ncut - 1]) continue;
            if (q->ncut == MAXCUT) return -1;
            q->cut[q->ncut++] = x[j];
        }
        for (int j = first + 1; j < q->ncut; j++) q->keep[2 * j] = 1; /* between the window's cuts */
        if (q->ncut > first + 1) q->frac[2 * (first + 1)] = (double)(w[i].b - w[i].a + 1) / (double)m;
        if (w[i].open_lo) {
            q->keep[2 * first] = 1; /* (-inf, first cut): first is 0 */
            q->frac[2 * first] = 1 / (double)m;
        }
        if (w[i].open_hi) {
            q->keep[2 * q->ncut] = 1; /* (last cut, +inf) */
            q->frac[2 * q->ncut] = 1 / (double)m;
        }
    }
    /* The lookup grid: cell_index(v) is monotone in v, so a value in a
     * cell without cuts has exactly the cuts of earlier cells below it.
     * Cell 0 holds everything below cut 0, the last everything far above
     * the last cut. */
    q->npad = (q->ncut + 3) / 4 * 4;
    for (int c = q->ncut; c < q->npad; c++) q->cut[c] = NAN;
    q->lo = q->cut[0];
    q->scale = CELLS / (q->cut[q->ncut - 1] - q->lo);
    /* One cut (scale infinite), or a range beyond a double (scale 0): a
     * tiny positive scale keeps cell_index monotone even where v - lo
     * overflows to an infinity (0 * inf would be NaN), and puts every
     * finite value next to the cuts, where classify() counts them. */
    if (!(q->scale > 0 && isfinite(q->scale))) q->scale = DBL_MIN;
    int cell_of[MAXCUT];
    for (int c = 0; c < q->ncut; c++) cell_of[c] = cell_index(q, q->cut[c]);
    for (int g = 0; g < CELLS + 3; g++) {
        int below = 0, dirty = 0;
        for (int c = 0; c < q->ncut; c++) {
            below += cell_of[c] < g;
            dirty |= cell_of[c] == g;
        }
        q->cell[g] = (unsigned char)(dirty ? DIRTY : 2 * below);
    }
    return 0;
}

static void build(series *q, double *vals, size_t n1, size_t n, const size_t *ranks, int nr)
{
    window w[HNB_QS_MAX_RANKS];
    int nw = rank_windows(w, n1, n, ranks, nr);
    size_t idx[2 * HNB_QS_MAX_RANKS] = {0};
    double v[2 * HNB_QS_MAX_RANKS];
    for (int i = 0; i < nw; i++) {
        idx[2 * i] = (size_t)w[i].a;
        idx[2 * i + 1] = (size_t)w[i].b;
    }
    hnb_stats_order(vals, n1, idx, 2 * nw, v);
    layout(q, w, value_windows(w, nw, v), n1, NULL);
}

hnb_qs_plan *hnb_qs_plan_alloc(int nseries, size_t npilot, size_t n, const size_t *ranks, int nranks)
{
    if (nranks > HNB_QS_MAX_RANKS || nranks < 1 || npilot < 1 || n <= npilot || nseries < 1)
        return NULL;
    hnb_qs_plan *p = calloc(1, sizeof *p);
    if (!p) hnb_oom();
    p->ns = nseries;
    p->s = calloc((size_t)nseries + 1, sizeof *p->s);
    if (!p->s) hnb_oom();
    p->npilot = npilot;
    p->n = n;
    p->nranks = nranks;
    memcpy(p->ranks, ranks, sizeof(size_t) * (size_t)nranks);
    return p;
}

void hnb_qs_plan_series(hnb_qs_plan *p, int s, double *pilot)
{
    build(&p->s[s], pilot, p->npilot, p->n, p->ranks, p->nranks);
}

hnb_qs_plan *hnb_qs_plan_create(const double *pilot, size_t npilot, int nseries, size_t n,
                                const size_t *ranks, int nranks)
{
    hnb_qs_plan *p = hnb_qs_plan_alloc(nseries, npilot, n, ranks, nranks);
    if (!p) return NULL;
    double *vals = malloc(sizeof(double) * (npilot + 1)); /* the caller's pilot stays as it is */
    if (!vals) hnb_oom();
    for (int s = 0; s < nseries; s++) {
        memcpy(vals, pilot + (size_t)s * npilot, sizeof(double) * npilot);
        hnb_qs_plan_series(p, s, vals);
    }
    free(vals);
    return p;
}

void hnb_qs_plan_free(hnb_qs_plan *p)
{
    if (!p) return;
    free(p->s);
    free(p);
}

hnb_qs_tally *hnb_qs_tally_create(const hnb_qs_plan *p, size_t expect)
{
    return hnb_qs_tally_create_in(p, expect, NULL, 0);
}

/* Make ARENA the tally's current arena (N doubles). */
static int add_arena(hnb_qs_tally *t, double *arena, size_t n)
{
    double **more = realloc(t->arenas, sizeof *more * (size_t)(t->narenas + 1));
    if (!more) return -1;
    t->arenas = more;
    t->arenas[t->narenas++] = arena;
    t->arena = arena;
    t->narena = n;
    t->used = 0;
    return 0;
}

hnb_qs_tally *hnb_qs_tally_create_in(const hnb_qs_plan *p, size_t expect, double *mem, size_t nmem)
{
    hnb_qs_tally *t = calloc(1, sizeof *t);
    if (!t) hnb_oom();
    t->ns = p->ns;
    t->count = calloc((size_t)p->ns * REGIONS + 1, sizeof *t->count);
    t->chunk = calloc((size_t)p->ns + 1, sizeof *t->chunk);
    t->nchunk = calloc((size_t)p->ns + 1, sizeof *t->nchunk);
    t->room = calloc((size_t)p->ns + 1, sizeof *t->room);
    t->len = calloc((size_t)p->ns + 1, sizeof *t->len);
    if (!t->count || !t->chunk || !t->nchunk || !t->room || !t->len) hnb_oom();
    if (pthread_mutex_init(&t->lock, NULL) != 0) hnb_oom();
    /* the values the windows will keep, a tenth more, and a part-filled
     * chunk a series: the first arena, and half that for each after */
    double kept = 0;
    for (int s = 0; s < p->ns; s++)
        for (int r = 0; r < REGIONS; r++) kept += p->s[s].frac[r];
    size_t want = (size_t)((double)expect * kept * 1.1) + (size_t)p->ns * CHUNK;
    t->next = want / 2 > CHUNK ? want / 2 : CHUNK;
    if (mem && nmem >= CHUNK) {
        if (add_arena(t, mem, nmem) != 0) {
            free(mem);
            hnb_qs_tally_free(t);
            return NULL;
        }
    } else {
        free(mem);
        double *a = hnb_mem_big(sizeof(double) * want);
        if (!a || add_arena(t, a, want) != 0) {
            free(a);
            hnb_qs_tally_free(t);
            return NULL;
        }
    }
    return t;
}

const double *hnb_qs_tally_array(const hnb_qs_tally *t)
{
    return t->narenas > 0 ? t->arenas[0] : NULL;
}

void hnb_qs_tally_free(hnb_qs_tally *t)
{
    if (!t) return;
    for (int s = 0; s < t->ns; s++) free(t->chunk[s]);
    for (int a = 0; a < t->narenas; a++) free(t->arenas[a]);
    free(t->arenas);
    free(t->spare);
    free(t->chunk);
    free(t->nchunk);
    free(t->room);
    free(t->len);
    free(t->count);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* A new chunk for series S, from the arena (or a new one). */
static double *new_chunk(hnb_qs_tally *t, int s)
{
    if (t->nchunk[s] == t->room[s]) { /* series S's own: no other thread touches it */
        int room = t->room[s] ? 2 * t->room[s] : 16;
        double **more = realloc(t->chunk[s], sizeof *more * (size_t)room);
        if (!more) return NULL;
        t->chunk[s] = more;
        t->room[s] = room;
    }
    pthread_mutex_lock(&t->lock);
    if (t->nspare > 0) { /* memory written once already: no fresh pages */
        double *c = t->spare[--t->nspare];
        pthread_mutex_unlock(&t->lock);
        t->chunk[s][t->nchunk[s]++] = c;
        return c;
    }
    if (t->narena - t->used < CHUNK) {
        double *a = hnb_mem_big(sizeof(double) * t->next);
        if (!a || add_arena(t, a, t->next) != 0) {
            free(a);
            pthread_mutex_unlock(&t->lock);
            return NULL;
        }
    }
    double *c = t->arena + t->used;
    t->used += CHUNK;
    pthread_mutex_unlock(&t->lock);
    t->chunk[s][t->nchunk[s]++] = c;
    return c;
}

/* Append NK values of series S. */
static int append(hnb_qs_tally *t, int s, const double *v, size_t nk)
{
    while (nk > 0) {
        size_t at = t->len[s] % CHUNK;
        double *c = at == 0 && (size_t)t->nchunk[s] * CHUNK == t->len[s] ? new_chunk(t, s)
                                                                       : t->chunk[s][t->nchunk[s] - 1];
        if (!c) return -1;
        size_t take = CHUNK - at < nk ? CHUNK - at : nk;
        memcpy(c + at, v, sizeof(double) * take);
        t->len[s] += take;
        v += take;
        nk -= take;
    }
    return 0;
}

/* Series S's kept values into OUT (len[s] of them). */
static void gather(const hnb_qs_tally *t, int s, double *out)
{
    size_t left = t->len[s];
    for (int c = 0; c < t->nchunk[s] && left > 0; c++) {
        size_t take = left < CHUNK ? left : CHUNK;
        memcpy(out, t->chunk[s][c], sizeof(double) * take);
        out += take;
        left -= take;
    }
}

static inline int classify(const series *q, double v)
{
    int r = q->cell[cell_index(q, v)];
    if (r != DIRTY) return r;
    /* a cell with a cut in it: count the cuts below (no branches) */
    int lt = 0, eq = 0;
    for (int c = 0; c < q->npad; c++) {
        lt += q->cut[c] < v;
        eq += q->cut[c] == v;
    }
    return 2 * lt + eq;
}

/* ---- narrower windows from more values ---- */

int hnb_qs_plan_narrow(hnb_qs_plan *next, const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s,
                       double **buf, size_t *nbuf)
{
    const series *old = &p->s[s];
    series *q = &next->s[s];
    memcpy(q, old, sizeof *q); /* unless narrower windows are found and fit (bytes: tally_move compares) */
    size_t m = 0;
    for (int i = 0; i < nt; i++)
        for (int r = 0; r < REGIONS; r++) m += t[i]->count[(size_t)s * REGIONS + r];
    if (m < 2) return 1;
    window w[HNB_QS_MAX_RANKS];
    int nw = rank_windows(w, m, next->n, next->ranks, next->nranks);
    size_t idx[2 * HNB_QS_MAX_RANKS];
    double v[2 * HNB_QS_MAX_RANKS];
    for (int i = 0; i < nw; i++) {
        idx[2 * i] = (size_t)w[i].a;
        idx[2 * i + 1] = (size_t)w[i].b;
    }
    int rc = hnb_qs_order_buf(p, t, nt, s, idx, 2 * nw, v, buf, nbuf);
    if (rc == -2) return -2;
    if (rc != 0) return 1; /* an end outside the old windows: keep them */
    nw = value_windows(w, nw, v);
    /* Every old interval a new window reaches into (past an open end
     * included) must have been kept: then every value the new windows keep
     * was kept, and the new windows' cuts (their ends, and the old cuts
     * inside them) fall only where values were kept or at old cuts, so
     * each old count belongs to one new region (hnb_qs_tally_move). */
    for (int i = 0; i < nw; i++) {
        int a = w[i].open_lo ? 0 : classify(old, w[i].lo), b = w[i].open_hi ? 2 * old->ncut : classify(old, w[i].hi);
        for (int r = a + a % 2; r <= b; r += 2)
            if (!old->keep[r]) return 1;
    }
    if (layout(q, w, nw, m, old) != 0) {
        memcpy(q, old, sizeof *q);
        return 1;
    }
    return 0;
}

/* The region of NEXT holding every value of OLD's region R, which is not
 * kept (so no cut of NEXT lies inside it: hnb_qs_plan_narrow). */
static int region_of(const series *old, const series *next, int r)
{
    if (r % 2) return classify(next, old->cut[r / 2]); /* the point at a cut */
    if (r == 0) return 0;                               /* below every cut */
    int c = classify(next, old->cut[r / 2 - 1]);        /* the interval above cut r/2 - 1 */
    return c % 2 ? c + 1 : c;
}

int hnb_qs_tally_move(hnb_qs_tally *t, const hnb_qs_plan *from, const hnb_qs_plan *to, int s)
{
    const series *a = &from->s[s], *b = &to->s[s];
    if (memcmp(a, b, sizeof *a) == 0) return 0;
    size_t *cnt = t->count + (size_t)s * REGIONS, nc[REGIONS] = {0};
    for (int r = 0; r < 2 * a->ncut + 1; r++)
        if (!a->keep[r]) nc[region_of(a, b, r)] += cnt[r];
    /* the kept values, classified again and packed to the front */
    size_t w = 0;
    for (size_t i = 0; i < t->len[s]; i++) {
        double v = t->chunk[s][i / CHUNK][i % CHUNK];
        int r = classify(b, v);
        nc[r]++;
        t->chunk[s][w / CHUNK][w % CHUNK] = v;
        w += b->keep[r];
    }
    memcpy(cnt, nc, sizeof nc);
    int used = (int)((w + CHUNK - 1) / CHUNK);
    pthread_mutex_lock(&t->lock);
    int want = t->nspare + t->nchunk[s] - used;
    if (want > t->spare_room) {
        double **more = realloc(t->spare, sizeof *more * (size_t)want);
        if (!more) {
            pthread_mutex_unlock(&t->lock);
            return -1;
        }
        t->spare = more;
        t->spare_room = want;
    }
    for (int c = used; c < t->nchunk[s]; c++) t->spare[t->nspare++] = t->chunk[s][c];
    pthread_mutex_unlock(&t->lock);
    t->nchunk[s] = used;
    t->len[s] = w;
    return 0;
}

int hnb_qs_add_series(hnb_qs_tally *t, const hnb_qs_plan *p, int s, const double *xs, int count)
{
    enum { STEP = 256 };
    unsigned hist[4][REGIONS];
    double kept[STEP];
    /* Four histograms, so that a run of values in one region is not one
     * chain of read-modify-writes; the values inside windows are gathered
     * without a branch and appended at once. */
    const series *q = &p->s[s];
    const int nr = 2 * q->ncut + 1;
    for (int h = 0; h < 4; h++) memset(hist[h], 0, sizeof(unsigned) * (size_t)nr);
    for (int c0 = 0; c0 < count; c0 += STEP) {
        const int nc = count - c0 < STEP ? count - c0 : STEP;
        int nk = 0;
        for (int i = 0; i < nc; i++) {
            double v = xs[c0 + i];
            int r = classify(q, v);
            hist[i & 3][r]++;
            kept[nk] = v;
            nk += q->keep[r];
        }
        if (append(t, s, kept, (size_t)nk) != 0) return -1;
    }
    size_t *cnt = t->count + (size_t)s * REGIONS;
    for (int r = 0; r < nr; r++) cnt[r] += (size_t)hist[0][r] + hist[1][r] + hist[2][r] + hist[3][r];
    return 0;
}

int hnb_qs_add(hnb_qs_tally *t, const hnb_qs_plan *p, const double *x, size_t stride, int count)
{
    /* Series by series, so that one series' grid and counts stay in cache
     * for all COUNT values. */
    for (int s = 0; s < p->ns; s++)
        if (hnb_qs_add_series(t, p, s, x + (size_t)s * stride, count) != 0) return -1;
    return 0;
}

size_t hnb_qs_kept(const hnb_qs_tally *t)
{
    size_t n = 0;
    for (int s = 0; s < t->ns; s++) n += t->len[s];
    return n;
}

int hnb_qs_order(const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s, const size_t *ranks,
                 int k, double *out)
{
    double *buf = NULL;
    size_t nbuf = 0;
    int rc = hnb_qs_order_buf(p, t, nt, s, ranks, k, out, &buf, &nbuf);
    free(buf);
    return rc;
}

int hnb_qs_order_buf(const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s, const size_t *ranks,
                     int k, double *out, double **buf, size_t *nbuf)
{
    const series *q = &p->s[s];
    if (k > 2 * HNB_QS_MAX_RANKS) return -1;
    size_t total[REGIONS], start[REGIONS], n = 0;
    for (int r = 0; r < REGIONS; r++) {
        total[r] = 0;
        for (int i = 0; i < nt; i++) total[r] += t[i]->count[(size_t)s * REGIONS + r];
        start[r] = n;
        n += total[r];
    }
    if (n == 0) {
        for (int j = 0; j < k; j++) out[j] = 0;
        return 0;
    }
    int region[HNB_QS_MAX_RANKS * 2];
    for (int j = 0; j < k; j++) {
        size_t rk = ranks[j] < n ? ranks[j] : n - 1;
        int r = 0;
        while (!(rk < start[r] + total[r])) r++;
        region[j] = r;
        if (r % 2 == 1) out[j] = q->cut[(r - 1) / 2];
        else if (!q->keep[r]) return -1;
    }
    /* The kept values of every tally side by side hold, in value order, the
     * kept regions one after another, the others only counted: a rank in
     * kept region r is, among them, its rank less the counted values below
     * r. So one selection over all of them, with no region to find again. */
    size_t nk = 0, counted = 0, below[REGIONS], pos[HNB_QS_MAX_RANKS * 2];
    for (int r = 0; r < REGIONS; r++) {
        below[r] = counted; /* values below region r that were only counted */
        if (q->keep[r])
            nk += total[r];
        else
            counted += total[r];
    }
    int m = 0, which[HNB_QS_MAX_RANKS * 2];
    for (int j = 0; j < k; j++) {
        int r = region[j];
        if (r % 2 == 1) continue; /* a cut: answered above */
        size_t rk = ranks[j] < n ? ranks[j] : n - 1;
        pos[m] = rk - below[r];
        which[m++] = j;
    }
    if (m == 0) return 0;
    size_t have = 0;
    for (int i = 0; i < nt; i++) have += t[i]->len[s];
    if (have != nk) return -1; /* cannot happen: the same classify() counted and kept them */
    if (*nbuf < nk + 1) {
        double *more = realloc(*buf, sizeof(double) * (nk + 1));
        if (!more) return -2;
        *buf = more;
        *nbuf = nk + 1;
    }
    double *vals = *buf;
    for (size_t i = 0, at = 0; i < (size_t)nt; i++) {
        gather(t[i], s, vals + at);
        at += t[i]->len[s];
    }
    double v[HNB_QS_MAX_RANKS * 2];
    hnb_stats_order(vals, nk, pos, m, v);
    for (int j = 0; j < m; j++) out[which[j]] = v[j];
    return 0;
}
