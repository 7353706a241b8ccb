/* sample.c - draws for Monte Carlo: uniforms, copula, inverse CDFs. */
#include "hnb/sample.h"
#include "hnb/mem.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/mem.h"

/* glibc's vector maths (libmvec, glibc 2.35 on for erfc): declared here so
 * that GCC's vectoriser calls its four-lane variants in the lane loops below
 * (glibc's own headers declare them only under -ffast-math; -fno-math-errno
 * in the Makefile lets the loops vectorise). They are accurate to a few
 * units in the last place, element by element: a lane's value never
 * depends on the other lanes, nor on how many of them are in use. Any other
 * compiler or C library calls the scalar functions. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define VECTOR_MATH __attribute__((simd("notinbranch")))
VECTOR_MATH double erfc(double);
VECTOR_MATH double exp(double);
VECTOR_MATH double pow(double, double);
#endif
/* Before a lane loop of vector maths: GCC would otherwise unroll its eight
 * iterations early, into eight scalar calls, before its vectoriser sees a
 * loop. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTOR_LOOP _Pragma("GCC unroll 1")
#else
#define VECTOR_LOOP
#endif

#define PERT_NODES 1024 /* intervals on each side of the median */
#define PERT_TOL 1e-12

/* A Beta(alpha, beta) quantile with both exponents above 1 (a PERT with an
 * interior mode) as two tables, one for each half of (0, 1), in the
 * variable that makes the quantile smooth up to the bound: near 0 it goes
 * as (c u)^(1/alpha), whose slope is infinite at u = 0, but as a function
 * of s = u^(1/alpha) it is analytic there (x = c' s (1 + O(s))). So side 0
 * tabulates x against s = u^(1/alpha) for u <= 1/2, and side 1 tabulates
 * 1 - x against s = (1 - u)^(1/beta) for u > 1/2, each at PERT_NODES + 1
 * equally spaced s with the slopes, for cubic Hermite interpolation. A
 * table in u (as before) missed PERT_TOL on a third of its intervals with
 * the mode near a bound; these miss none over the range of PERT shapes
 * (tests/test_sample.c). An interval that misses still gets GSL's exact
 * inverse. */
struct hnb_pert_table {
    double alpha, beta;
    double inv_alpha, inv_beta; /* the exponents of s */
    double h[2];                /* the step in s of each side */
    double *x[2];               /* side 0: x; side 1: 1 - x, at s = j h */
    double *dx[2];              /* their slopes d/ds */
    unsigned char *ok[2];       /* interval j interpolates to PERT_TOL */
    int misses;                 /* intervals that do not */
};
typedef struct hnb_pert_table pert_table;

struct hnb_sampler {
    const hnb_model *m;
    hnb_method method;
    long draws;
    unsigned long seed;
    int n;          /* random variables */
    int *slot;      /* model slot of variable k */
    pert_table *pert;
    /* copula over the correlated variables */
    int nc;         /* how many */
    int *cvar;      /* variable index of copula member j */
    double *chol;   /* lower triangle, nc x nc */
    double *shift;  /* sobol: per-dimension shift */
    double *c1, *c2; /* per variable: normal F(min), F(max); lognormal log(median) */
    unsigned char *direct; /* per variable: a copula member drawn straight from
                            * its normal deviate (an untruncated normal or a
                            * lognormal: F^-1(Phi(z)) is mean + sd z, or
                            * exp(log(median) + sigma z)) */
    uint32_t *perm_key; /* lhs: per-variable permutation key */
    unsigned char *kind; /* per variable: how its lanes are drawn (KIND_*) */
};

/* How a variable's lanes are drawn: the costly closed forms a lane loop at
 * a time (vector maths), the rest a lane at a time. */
enum {
    KIND_SCALAR,      /* hnb_sampler_quantile, lane by lane */
    KIND_DIRECT,      /* copula member, from its normal deviate */
    KIND_LOGNORMAL,   /* exp(log(median) + sigma Phi^-1(u)) */
    KIND_PERT_UPPER,  /* mode at max: Beta(alpha, 1), min + r u^(1/alpha) */
    KIND_PERT_LOWER,  /* mode at min: Beta(1, beta), min + r (1 - (1-u)^(1/beta)) */
    KIND_TRIANGULAR,  /* hnb_triangular_quantile, without a branch */
    KIND_PERT_TABLE   /* interior mode: pert_table, its s from a vector pow */
};

/* Draws are made HNB_LANES at a time, lane innermost (U[k * LANES + l]):
 * each lane has its own generator, so the lanes' chains of arithmetic are
 * independent and run side by side. */
#define LANES HNB_LANES

struct hnb_stream {
    gsl_rng *rng[LANES];
    gsl_qrng *qrng;
    long next; /* the sobol index qrng will give next */
    double *point;
    double *u, *z, *cz; /* [k * LANES + l]: uniforms, direct members' deviates, copula deviates */
};

/* splitmix64: a strong 64-bit mix, to derive per-draw seeds. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The smallest all-ones mask covering len - 1. */
static uint32_t range_mask(uint32_t len)
{
    uint32_t w = len - 1;
    w |= w >> 1;
    w |= w >> 2;
    w |= w >> 4;
    w |= w >> 8;
    w |= w >> 16;
    return w;
}

/* One round of the hash, a bijection on [0, w]. Always inlined: in
 * permute_lanes() it is straight-line code across the lanes. */
static inline __attribute__((always_inline)) uint32_t hash_round(uint32_t i, uint32_t w, uint32_t key)
{
    i ^= key;
    i *= 0xe170893d;
    i ^= key >> 16;
    i ^= (i & w) >> 4;
    i ^= key >> 8;
    i *= 0x0929eb3f;
    i ^= key >> 23;
    i ^= (i & w) >> 1;
    i *= 1 | key >> 27;
    i *= 0x6935fa69;
    i ^= (i & w) >> 11;
    i *= 0x74dcb303;
    i ^= (i & w) >> 2;
    i *= 0x9e501cc3;
    i ^= (i & w) >> 2;
    i *= 0xc860a3df;
    i &= w;
    i ^= i >> 5;
    return i;
}

static double clamp_u(double u)
{
    if (!(u > 0)) return DBL_MIN;
    if (!(u < 1)) return 1 - DBL_EPSILON / 2;
    return u;
}

/* Phi(V) of every lane, clamped into (0, 1), into U: 0.5 erfc(-v / sqrt 2),
 * the C library's, which has a vector form (GSL's gsl_cdf_ugaussian_P has
 * none, and is twice as slow as the scalar erfc). */
static inline __attribute__((always_inline)) void phi_lanes(const double *v, double *u)
{
    double e[LANES];
    VECTOR_LOOP
    for (int l = 0; l < LANES; l++) e[l] = erfc(-v[l] * M_SQRT1_2);
    for (int l = 0; l < LANES; l++) u[l] = clamp_u(0.5 * e[l]);
}

/* Cubic Hermite interpolation on interval J (step H) at fraction F. */
static double hermite(const double *x, const double *dx, double h, int j, double f)
{
    const double f2 = f * f, f3 = f2 * f;
    return (2 * f3 - 3 * f2 + 1) * x[j] + (f3 - 2 * f2 + f) * h * dx[j] + (-2 * f3 + 3 * f2) * x[j + 1] +
           (f3 - f2) * h * dx[j + 1];
}

/* Tabulate the Beta(alpha, beta) quantile (see pert_table): GSL's exact
 * inverse at the nodes, slopes from the density, and a check of each
 * interval at its midpoint and quarter points. The check runs forwards,
 * the CDF at the interpolated x against the u of that point (a fraction of
 * the inverse's cost): an error dx in x moves the CDF by pdf(x) dx, so the
 * error is the CDF's difference divided by the density, to first order,
 * which is all an error near 1e-12 has. Only nodes need the inverse. */
static void pert_build(pert_table *t, double alpha, double beta)
{
    memset(t, 0, sizeof *t);
    t->alpha = alpha;
    t->beta = beta;
    if (alpha == 1 || beta == 1) return; /* closed forms, no table */
    t->inv_alpha = 1 / alpha;
    t->inv_beta = 1 / beta;
    const double lnB = gsl_sf_lnbeta(alpha, beta);
    for (int side = 0; side < 2; side++) {
        /* side 0: u = s^alpha, x; side 1: 1 - u = s^beta, y = 1 - x. By the
         * symmetry Beta(a, b) <-> 1 - Beta(b, a), side 1 is side 0 of
         * Beta(beta, alpha). */
        const double e = side ? beta : alpha, other = side ? alpha : beta;
        const double smax = pow(0.5, 1 / e), h = smax / PERT_NODES;
        double *x = t->x[side] = malloc(sizeof(double) * (PERT_NODES + 1));
        double *dx = t->dx[side] = malloc(sizeof(double) * (PERT_NODES + 1));
        unsigned char *ok = t->ok[side] = calloc(PERT_NODES, 1);
        if (!x || !dx || !ok) hnb_oom();
        t->h[side] = h;
        for (int j = 0; j <= PERT_NODES; j++) {
            const double sj = j * h, tail = pow(sj, e); /* u, or 1 - u */
            x[j] = j == 0 ? 0 : gsl_cdf_beta_Pinv(tail, e, other);
            /* dx/ds = dx/du du/ds = e s^(e-1) / pdf(x); at s = 0 the limit
             * of x / s, (e B)^(1/e), from u = x^e / (e B) (1 + O(x)) */
            if (j == 0) {
                dx[j] = exp((log(e) + lnB) / e);
            } else {
                const double pdf = gsl_ran_beta_pdf(x[j], e, other);
                dx[j] = pdf > 0 ? e * pow(sj, e - 1) / pdf : INFINITY;
            }
        }
        for (int j = 0; j < PERT_NODES; j++) {
            int good = isfinite(dx[j]) && isfinite(dx[j + 1]);
            for (int q = 1; q <= 3 && good; q++) {
                const double f = q / 4.0, sq = (j + f) * h, tail = pow(sq, e);
                const double xq = hermite(x, dx, h, j, f);
                const double pdf = gsl_ran_beta_pdf(xq, e, other);
                good = xq > 0 && xq < 1 && pdf > 0 &&
                       fabs(gsl_cdf_beta_P(xq, e, other) - tail) <= PERT_TOL / 2 * pdf;
            }
            ok[j] = (unsigned char)good;
            t->misses += !good;
        }
    }
}

static void pert_free(pert_table *t)
{
    for (int side = 0; side < 2; side++) {
        free(t->x[side]);
        free(t->dx[side]);
        free(t->ok[side]);
    }
}

/* The copula of M's correlations over its random variables SLOT[0..n):
 * which variables take part (*CVAR, *NC) and the lower Cholesky factor of
 * their correlation matrix (*CHOL, nc x nc), or an input error naming the
 * ids when the matrix is not positive definite (SPEC section 6). */
static int copula_factor(const hnb_model *m, const int *slot, int n, int **cvar, int *nc,
                         double **chol, hnb_err *err)
{
    *cvar = calloc((size_t)n + 1, sizeof(int));
    *nc = 0;
    *chol = NULL;
    if (!*cvar) hnb_oom();
    for (int k = 0; k < n; k++) {
        int member = 0;
        for (int c = 0; c < m->ncorr && !member; c++)
            member = slot[k] == m->corr[c].a || slot[k] == m->corr[c].b;
        if (member) (*cvar)[(*nc)++] = k;
    }
    int q = *nc;
    if (q == 0) return HNB_OK;
    gsl_matrix *a = gsl_matrix_alloc((size_t)q, (size_t)q);
    if (!a) hnb_oom();
    gsl_matrix_set_identity(a);
    for (int c = 0; c < m->ncorr; c++) {
        int ja = -1, jb = -1;
        for (int j = 0; j < q; j++) {
            if (slot[(*cvar)[j]] == m->corr[c].a) ja = j;
            if (slot[(*cvar)[j]] == m->corr[c].b) jb = j;
        }
        gsl_matrix_set(a, (size_t)ja, (size_t)jb, m->corr[c].rho);
        gsl_matrix_set(a, (size_t)jb, (size_t)ja, m->corr[c].rho);
    }
    int status = gsl_linalg_cholesky_decomp1(a); /* GSL's handler: mem.c */
    if (status != GSL_SUCCESS) {
        char ids[600];
        size_t w = 0;
        ids[0] = 0;
        for (int j = 0; j < q && w < sizeof ids - 80; j++)
            w += (size_t)snprintf(ids + w, sizeof ids - w, "%s%s", j ? ", " : "",
                                  m->params[slot[(*cvar)[j]]].name);
        gsl_matrix_free(a);
        return hnb_err_at(err, m->corr[0].mark,
                          "monte_carlo.correlations: the correlation matrix of %s is not "
                          "positive definite: these correlations cannot hold together",
                          ids);
    }
    *chol = calloc((size_t)q * (size_t)q, sizeof(double));
    if (!*chol) hnb_oom();
    for (int i = 0; i < q; i++)
        for (int j = 0; j <= i; j++) (*chol)[i * q + j] = gsl_matrix_get(a, (size_t)i, (size_t)j);
    gsl_matrix_free(a);
    return HNB_OK;
}

int hnb_sampler_check_correlations(const hnb_model *m, hnb_err *err)
{
    if (m->ncorr == 0) return HNB_OK;
    int *slot = calloc((size_t)m->nparams + 1, sizeof(int)), n = 0, *cvar, nc;
    double *chol;
    if (!slot) hnb_oom();
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dist.type != HNB_DIST_NONE) slot[n++] = i;
    int rc = copula_factor(m, slot, n, &cvar, &nc, &chol, err);
    free(slot);
    free(cvar);
    free(chol);
    return rc;
}

int hnb_sampler_create(const hnb_model *m, hnb_method method, long draws, unsigned long seed,
                       hnb_sampler **out, hnb_err *err)
{
    hnb_sampler *s = calloc(1, sizeof *s);
    if (!s) hnb_oom();
    s->m = m;
    s->method = method;
    s->draws = draws;
    s->seed = seed;
    s->slot = calloc((size_t)m->nparams + 1, sizeof(int));
    s->pert = calloc((size_t)m->nparams + 1, sizeof(pert_table));
    if (!s->slot || !s->pert) hnb_oom();
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dist.type != HNB_DIST_NONE) s->slot[s->n++] = i;
    *out = NULL;

    s->c1 = calloc((size_t)s->n + 1, sizeof(double));
    s->c2 = calloc((size_t)s->n + 1, sizeof(double));
    s->direct = calloc((size_t)s->n + 1, 1);
    if (!s->c1 || !s->c2 || !s->direct) hnb_oom();
    for (int k = 0; k < s->n; k++) {
        const hnb_dist *d = &m->params[s->slot[k]].dist;
        if (d->type == HNB_DIST_PERT) {
            const double r = d->max - d->min;
            pert_build(&s->pert[k], 1 + 4 * (d->mode - d->min) / r, 1 + 4 * (d->max - d->mode) / r);
        }
        /* constants of the inverse CDFs, worked out once, not per draw */
        if (d->type == HNB_DIST_NORMAL) {
            s->c1[k] = d->has_min ? gsl_cdf_ugaussian_P((d->min - d->mean) / d->sd) : 0;
            s->c2[k] = d->has_max ? gsl_cdf_ugaussian_P((d->max - d->mean) / d->sd) : 1;
        } else if (d->type == HNB_DIST_LOGNORMAL) {
            s->c1[k] = log(d->median);
        }
    }

    /* The copula: every variable named in a correlation. */
    int rc = copula_factor(m, s->slot, s->n, &s->cvar, &s->nc, &s->chol, err);
    if (rc) {
        hnb_sampler_free(s);
        return rc;
    }
    for (int j = 0; j < s->nc; j++) {
        const hnb_dist *d = &m->params[s->slot[s->cvar[j]]].dist;
        s->direct[s->cvar[j]] = (d->type == HNB_DIST_NORMAL && !d->has_min && !d->has_max) ||
                                d->type == HNB_DIST_LOGNORMAL;
    }
    s->kind = calloc((size_t)s->n + 1, 1);
    if (!s->kind) hnb_oom();
    for (int k = 0; k < s->n; k++) {
        const hnb_dist *d = &m->params[s->slot[k]].dist;
        s->kind[k] = s->direct[k] ? KIND_DIRECT
                   : d->type == HNB_DIST_LOGNORMAL ? KIND_LOGNORMAL
                   : d->type == HNB_DIST_PERT && s->pert[k].beta == 1 ? KIND_PERT_UPPER
                   : d->type == HNB_DIST_PERT && s->pert[k].alpha == 1 ? KIND_PERT_LOWER
                   : d->type == HNB_DIST_TRIANGULAR ? KIND_TRIANGULAR
                   : d->type == HNB_DIST_PERT ? KIND_PERT_TABLE
                   : KIND_SCALAR;
    }

    if (method == HNB_METHOD_SOBOL) {
        if (s->n > 40) {
            int n = s->n;
            hnb_sampler_free(s);
            hnb_mark mk = {m->file, 0, 0};
            return hnb_err_at(err, mk,
                              "monte_carlo.method: sobol handles at most 40 uncertain values; this "
                              "scenario has %d (use lhs or random)",
                              n);
        }
        s->shift = calloc((size_t)s->n + 1, sizeof(double));
        if (!s->shift) hnb_oom();
        for (int k = 0; k < s->n; k++)
            s->shift[k] = (double)(mix64(seed * 0x100000001B3ull + (uint64_t)k + 7) >> 11) * 0x1p-53;
    }
    if (method == HNB_METHOD_LHS) {
        s->perm_key = calloc((size_t)s->n + 1, sizeof(uint32_t));
        if (!s->perm_key) hnb_oom();
        for (int k = 0; k < s->n; k++)
            s->perm_key[k] = (uint32_t)mix64(seed ^ (0xA5A5A5A5ull + (uint64_t)k * 0x9E37ull));
    }
    *out = s;
    return HNB_OK;
}

void hnb_sampler_free(hnb_sampler *s)
{
    if (!s) return;
    for (int k = 0; k < s->n; k++) pert_free(&s->pert[k]);
    free(s->pert);
    free(s->slot);
    free(s->cvar);
    free(s->chol);
    free(s->shift);
    free(s->perm_key);
    free(s->c1);
    free(s->c2);
    free(s->direct);
    free(s->kind);
    free(s);
}

int hnb_sampler_nvars(const hnb_sampler *s)
{
    return s->n;
}

hnb_method hnb_sampler_method(const hnb_sampler *s)
{
    return s->method;
}

int hnb_sampler_slot(const hnb_sampler *s, int k)
{
    return s->slot[k];
}

hnb_stream *hnb_stream_create(const hnb_sampler *s)
{
    hnb_stream *st = calloc(1, sizeof *st);
    if (!st) hnb_oom();
    for (int l = 0; l < LANES; l++) {
        st->rng[l] = gsl_rng_alloc(gsl_rng_taus2);
        if (!st->rng[l]) hnb_oom();
    }
    if (s->method == HNB_METHOD_SOBOL && s->n > 0) st->qrng = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)s->n);
    size_t n = (size_t)s->n + 1;
    st->point = calloc(n, sizeof(double));
    st->u = calloc(n * LANES, sizeof(double));
    st->z = calloc(n * LANES, sizeof(double));
    st->cz = calloc(n * LANES, sizeof(double));
    if (!st->point || !st->u || !st->z || !st->cz) hnb_oom();
    return st;
}

void hnb_stream_free(hnb_stream *st)
{
    if (!st) return;
    for (int l = 0; l < LANES; l++) gsl_rng_free(st->rng[l]);
    if (st->qrng) gsl_qrng_free(st->qrng);
    free(st->point);
    free(st->u);
    free(st->z);
    free(st->cz);
    free(st);
}

/* A bijection on [0, len) keyed by KEY: Kensler's hashed permutation
 * ("Correlated Multi-Jittered Sampling", Pixar, 2013), cycle-walking to
 * stay inside the range: i = hash_round(i) until i < len, then
 * (i + key) % len. Gives LHS strata without a stored table. Here for draws
 * I0 .. I0 + NL - 1 into OUT: the hash's rounds for all lanes at once,
 * straight-line integer code that vectorises, each lane taking another
 * round while it is outside the range. The walks are long when the range's mask
 * is far above the draws: 10 million draws have a mask of 2^24, and 40% of
 * rounds land outside, which walked one lane at a time cost a tenth of the
 * run. A lane past NL may start outside the range, on a cycle that never
 * comes back into it: only lanes below NL walk. */
HNB_CLONES static void permute_lanes(long i0, int nl, uint32_t len, uint32_t key, uint32_t *out)
{
    const uint32_t w = range_mask(len);
    /* len is at most 100 million (the most draws a run takes), so w and
     * every v fit a signed int: signed compares, which vectorise */
    uint32_t v[LANES], walk[LANES], live[LANES];
    for (int l = 0; l < LANES; l++) {
        v[l] = hash_round((uint32_t)(i0 + l), w, key);
        live[l] = l < nl ? ~0u : 0;
    }
    for (;;) {
        uint32_t any = 0;
        for (int l = 0; l < LANES; l++) {
            walk[l] = live[l] & (uint32_t)-(int32_t)((int32_t)v[l] >= (int32_t)len); /* all ones: walk on */
            any |= walk[l];
        }
        if (!any) break;
        for (int l = 0; l < LANES; l++) {
            const uint32_t next = hash_round(v[l], w, key);
            v[l] = (next & walk[l]) | (v[l] & ~walk[l]);
        }
    }
    for (int l = 0; l < nl; l++) out[l] = (v[l] + key) % len;
}

/* The uniforms of draws I0 .. I0 + NL - 1 into st->u ([k * LANES + l]);
 * with DIRECT, a direct copula member's normal deviate goes to st->z
 * instead (its uniform is not needed). Lane l's numbers are those of draw
 * I0 + l alone: no lane's arithmetic depends on another's. */
HNB_CLONES static void uniforms(const hnb_sampler *s, hnb_stream *st, long i0, int nl, int direct)
{
    const int n = s->n;
    double *u = st->u;
    if (n == 0) return;
    if (s->method == HNB_METHOD_SOBOL) {
        /* Point i of the sequence. GSL's Sobol generator starts after the
         * origin; putting the origin back as draw 0 makes the first 2^m
         * draws a full net, each 1-D marginal exactly stratified. The
         * generator is repositioned only when a thread jumps. */
        for (int l = 0; l < nl; l++) {
            long i = i0 + l;
            if (i == 0) {
                memset(st->point, 0, sizeof(double) * (size_t)n);
            } else {
                long g = i - 1;
                if (st->next != g) {
                    gsl_qrng_init(st->qrng);
                    for (long j = 0; j < g; j++) gsl_qrng_get(st->qrng, st->point);
                }
                gsl_qrng_get(st->qrng, st->point);
                st->next = g + 1;
            }
            for (int k = 0; k < n; k++) {
                double v = st->point[k] + s->shift[k];
                u[k * LANES + l] = clamp_u(v >= 1 ? v - 1 : v);
            }
        }
    } else {
        /* One generator state per draw, from (seed, i): draw i never
         * depends on which thread computes it. */
        for (int l = 0; l < nl; l++)
            gsl_rng_set(st->rng[l], (unsigned long)mix64(((uint64_t)s->seed << 32) ^ (uint64_t)(i0 + l) ^
                                                         ((uint64_t)s->seed >> 32)));
        for (int k = 0; k < n; k++)
            for (int l = 0; l < nl; l++) u[k * LANES + l] = gsl_rng_uniform_pos(st->rng[l]);
        if (s->method == HNB_METHOD_LHS)
            for (int k = 0; k < n; k++) {
                uint32_t stratum[LANES];
                permute_lanes(i0, nl, (uint32_t)s->draws, s->perm_key[k], stratum);
                for (int l = 0; l < nl; l++)
                    u[k * LANES + l] = clamp_u(((double)stratum[l] + u[k * LANES + l]) / (double)s->draws);
            }
    }
    /* Gaussian copula: z = Phi^-1(u), z' = L z, u' = Phi(z'). Lanes past
     * NL are worked out from z = 0 and not used. */
    if (s->nc > 0) {
        double *cz = st->cz;
        for (int j = 0; j < s->nc; j++) {
            for (int l = 0; l < nl; l++) cz[j * LANES + l] = gsl_cdf_ugaussian_Pinv(u[s->cvar[j] * LANES + l]);
            for (int l = nl; l < LANES; l++) cz[j * LANES + l] = 0;
        }
        for (int j = s->nc - 1; j >= 0; j--) {
            const int k = s->cvar[j];
            double v[LANES];
            for (int l = 0; l < LANES; l++) {
                double a = 0;
                for (int q = 0; q <= j; q++) a += s->chol[j * s->nc + q] * cz[q * LANES + l];
                v[l] = a;
            }
            if (direct && s->direct[k])
                memcpy(&st->z[k * LANES], v, sizeof v);
            else
                phi_lanes(v, &u[k * LANES]);
        }
    }
}

void hnb_sampler_uniforms(const hnb_sampler *s, hnb_stream *st, long i, double *u)
{
    uniforms(s, st, i, 1, 0);
    for (int k = 0; k < s->n; k++) u[k] = st->u[k * LANES];
}

/* The Beta quantile at U from table T, given S = pow(U, 1/alpha) for
 * U <= 1/2, else pow(1 - U, 1/beta) (the lane loops take S from a vector
 * pow). */
static double pert_lookup(const pert_table *t, double u, double s)
{
    const int side = u > 0.5;
    double pos = s / t->h[side];
    int j = (int)pos;
    if (j >= PERT_NODES) j = PERT_NODES - 1;
    if (!t->ok[side][j]) return gsl_cdf_beta_Pinv(u, t->alpha, t->beta);
    const double y = hermite(t->x[side], t->dx[side], t->h[side], j, pos - j);
    return side ? 1 - y : y;
}

static double pert_table_quantile(const pert_table *t, double u)
{
    /* A mode at a bound (the usual "delivery: 1 at best") is Beta(5, 1) or
     * Beta(1, 5), whose quantiles are closed forms. */
    if (t->beta == 1) return pow(u, 1 / t->alpha);
    if (t->alpha == 1) return 1 - pow(1 - u, 1 / t->beta);
    return pert_lookup(t, u, u > 0.5 ? pow(1 - u, t->inv_beta) : pow(u, t->inv_alpha));
}

static double pert_quantile(const pert_table *t, const hnb_dist *d, double u)
{
    return d->min + (d->max - d->min) * pert_table_quantile(t, u);
}

hnb_pert_table *hnb_pert_table_alloc(double alpha, double beta)
{
    pert_table *t = malloc(sizeof *t);
    if (!t) hnb_oom();
    pert_build(t, alpha, beta);
    return t;
}

void hnb_pert_table_free(hnb_pert_table *t)
{
    if (!t) return;
    pert_free(t);
    free(t);
}

double hnb_pert_table_quantile(const hnb_pert_table *t, double u)
{
    return pert_table_quantile(t, u);
}

int hnb_pert_table_misses(const hnb_pert_table *t)
{
    return t->misses;
}

double hnb_sampler_quantile(const hnb_sampler *s, int k, double u)
{
    const hnb_param *pr = &s->m->params[s->slot[k]];
    const hnb_dist *d = &pr->dist;
    double x;
    switch (d->type) {
    case HNB_DIST_PERT:
        x = pert_quantile(&s->pert[k], d, u);
        break;
    case HNB_DIST_NORMAL: /* as hnb_dist_quantile, with F(min) and F(max) kept */
        x = d->mean + d->sd * gsl_cdf_ugaussian_Pinv(s->c1[k] + u * (s->c2[k] - s->c1[k]));
        if (d->has_min && !(x >= d->min)) x = d->min;
        if (d->has_max && !(x <= d->max)) x = d->max;
        break;
    case HNB_DIST_LOGNORMAL: /* median * exp(sigma * Phi^-1(u)) */
        x = exp(s->c1[k] + d->sigma * gsl_cdf_ugaussian_Pinv(u));
        break;
    default:
        x = hnb_dist_quantile(d, u);
    }
    return hnb_range_clamp(pr->range, x);
}

/* hnb_sampler_draw_lanes(), compiled for AVX2 and for any x86-64 (static:
 * Clang clones only functions the unit owns alone). */
HNB_CLONES static void draw_lanes(const hnb_sampler *s, hnb_stream *st, long i0, int nl, double *const *p,
                                  double *const *u)
{
    if (nl > LANES) nl = LANES;
    uniforms(s, st, i0, nl, 1);
    for (int k = 0; k < s->n; k++) {
        const int slot = s->slot[k];
        const hnb_param *pr = &s->m->params[slot];
        const hnb_dist *d = &pr->dist;
        const double *uk = &st->u[k * LANES], *zk = &st->z[k * LANES];
        double x[LANES], g[LANES];
        /* The closed forms run over every lane (fixed-length loops that
         * vectorise; lanes past NL hold stale numbers in [0, 1) and are not
         * used); the same formulas as hnb_sampler_quantile(). */
        switch (s->kind[k]) {
        case KIND_DIRECT:
            if (d->type == HNB_DIST_NORMAL) {
                for (int l = 0; l < LANES; l++) x[l] = d->mean + d->sd * zk[l];
            } else {
                for (int l = 0; l < LANES; l++) g[l] = s->c1[k] + d->sigma * zk[l];
                VECTOR_LOOP
                for (int l = 0; l < LANES; l++) x[l] = exp(g[l]);
            }
            break;
        case KIND_LOGNORMAL:
            for (int l = 0; l < nl; l++) g[l] = s->c1[k] + d->sigma * gsl_cdf_ugaussian_Pinv(uk[l]);
            for (int l = nl; l < LANES; l++) g[l] = 0;
            VECTOR_LOOP
            for (int l = 0; l < LANES; l++) x[l] = exp(g[l]);
            break;
        case KIND_PERT_UPPER: {
            const double lo = d->min, r = d->max - d->min, e = 1 / s->pert[k].alpha;
            VECTOR_LOOP
            for (int l = 0; l < LANES; l++) g[l] = pow(uk[l], e);
            for (int l = 0; l < LANES; l++) x[l] = lo + r * g[l];
            break;
        }
        case KIND_PERT_LOWER: {
            const double lo = d->min, r = d->max - d->min, e = 1 / s->pert[k].beta;
            VECTOR_LOOP
            for (int l = 0; l < LANES; l++) g[l] = pow(1 - uk[l], e);
            for (int l = 0; l < LANES; l++) x[l] = lo + r * (1 - g[l]);
            break;
        }
        case KIND_TRIANGULAR:
            for (int l = 0; l < LANES; l++) x[l] = hnb_triangular_quantile(d->min, d->mode, d->max, uk[l]);
            break;
        case KIND_PERT_TABLE: {
            const pert_table *t = &s->pert[k];
            const double lo = d->min, r = d->max - d->min;
            double base[LANES], e[LANES];
            for (int l = 0; l < LANES; l++) {
                base[l] = uk[l] > 0.5 ? 1 - uk[l] : uk[l];
                e[l] = uk[l] > 0.5 ? t->inv_beta : t->inv_alpha;
            }
            VECTOR_LOOP
            for (int l = 0; l < LANES; l++) g[l] = pow(base[l], e[l]);
            for (int l = 0; l < nl; l++) x[l] = lo + r * pert_lookup(t, uk[l], g[l]);
            break;
        }
        default:
            for (int l = 0; l < nl; l++) x[l] = hnb_sampler_quantile(s, k, uk[l]);
        }
        for (int l = 0; l < nl; l++) p[l][slot] = hnb_range_clamp(pr->range, x[l]);
        if (!u) continue;
        if (s->kind[k] == KIND_DIRECT) { /* its uniform, for U */
            phi_lanes(zk, g);
            for (int l = 0; l < nl; l++) u[l][k] = g[l];
        } else {
            for (int l = 0; l < nl; l++) u[l][k] = uk[l];
        }
    }
}

void hnb_sampler_draw_lanes(const hnb_sampler *s, hnb_stream *st, long i0, int nl, double *const *p,
                            double *const *u)
{
    draw_lanes(s, st, i0, nl, p, u);
}

void hnb_sampler_draw(const hnb_sampler *s, hnb_stream *st, long i, double *p, double *u)
{
    hnb_sampler_draw_lanes(s, st, i, 1, &p, u ? &u : NULL);
}
