/* qstream.h - exact order statistics of long streams in a fraction of the
 * memory (about an eighth for the percentiles Monte Carlo wants).
 *
 * A million Monte Carlo draws of 72 series (6 metrics x 12 years) are 576 MB
 * of doubles, and on the machines hnb runs on, memory touched for the first
 * time costs more than the projection that fills it. But the percentiles
 * need only a few order statistics of each series, so:
 *
 *   1. a pilot (the first draws, kept whole) says roughly where each wanted
 *      order statistic lies. hnb_qs_plan_create() puts a window of values
 *      around each, six standard errors of the pilot's quantile wide on each
 *      side, so that the statistic lies inside it but for a chance of about
 *      1e-9;
 *   2. every value (pilot and later draws) goes to a tally: between windows
 *      it is only counted; inside a window it is kept; on a window's edge it
 *      is counted at that value (so ties, such as a year with no uncertainty
 *      at all, cost nothing);
 *   3. hnb_qs_order() walks the counts to the region holding each rank and
 *      selects inside it: the exact order statistic, the same value the
 *      whole sorted series would give.
 *
 * Partway through, hnb_qs_plan_narrow() places narrower windows from all
 * the values so far and hnb_qs_tally_move() drops what they do not keep
 * (below): a long stream keeps a share that falls as it grows.
 *
 * When a wanted rank falls outside every window (astronomically unlikely for
 * a continuous series; possible for a lumpy one the pilot misjudged),
 * hnb_qs_order() says so and the caller must fall back to keeping
 * everything. A tally is one thread's; the order statistics do not depend on
 * how values were spread over tallies, so results do not depend on threads. */
#ifndef HNB_QSTREAM_H
#define HNB_QSTREAM_H

#include <stddef.h>

typedef struct hnb_qs_plan hnb_qs_plan;
typedef struct hnb_qs_tally hnb_qs_tally;

/* Windows for NSERIES series from the pilot PILOT[s * npilot + i]
 * (i < NPILOT), for the order statistics RANKS[0..nranks) (0-based, the same
 * for every series) of N values in all, N > NPILOT. NULL if NRANKS exceeds
 * HNB_QS_MAX_RANKS or NSERIES is below 1. */
#define HNB_QS_MAX_RANKS 32
hnb_qs_plan *hnb_qs_plan_create(const double *pilot, size_t npilot, int nseries, size_t n,
                                const size_t *ranks, int nranks);
void hnb_qs_plan_free(hnb_qs_plan *p);
/* The same in steps that threads can share: a plan whose series are not
 * built yet (NULL as above), then each series S from its own pilot values
 * PILOT[0..npilot), one call per series, any series on any thread; the
 * values are selected in place, so left in another order. A plan is used
 * only once every series is built. */
hnb_qs_plan *hnb_qs_plan_alloc(int nseries, size_t npilot, size_t n, const size_t *ranks, int nranks);
void hnb_qs_plan_series(hnb_qs_plan *p, int s, double *pilot);

/* A tally for values of P; EXPECT is about how many values of each series it
 * will be given (to size its first arena of memory; more follow as needed).
 * NULL when out of memory. */
hnb_qs_tally *hnb_qs_tally_create(const hnb_qs_plan *p, size_t expect);
/* The same, with MEM (NMEM doubles from malloc or hnb_mem_big, given to the
 * tally, which frees it) as its first arena: memory already written once
 * needs no fresh pages (mem.h). MEM smaller than 4,096 doubles (or NULL) is
 * freed and a new array made. */
hnb_qs_tally *hnb_qs_tally_create_in(const hnb_qs_plan *p, size_t expect, double *mem, size_t nmem);
/* T's first arena: the MEM it was given when that was large enough (tests
 * check which). */
const double *hnb_qs_tally_array(const hnb_qs_tally *t);
void hnb_qs_tally_free(hnb_qs_tally *t);

/* COUNT values of every series: value i of series s is X[s * STRIDE + i].
 * Infinities are counted at the ends; NaN must not be given. Returns 0, or
 * -1 when out of memory (the tally is then incomplete: discard the run). */
int hnb_qs_add(hnb_qs_tally *t, const hnb_qs_plan *p, const double *x, size_t stride, int count);
/* The same for series S alone (XS[0..count)); threads may add different
 * series to one tally at once. */
int hnb_qs_add_series(hnb_qs_tally *t, const hnb_qs_plan *p, int s, const double *xs, int count);

/* Narrower windows partway through a stream. The windows of a plan are
 * placed from its pilot, so their width is that of the pilot's quantiles;
 * once many more values are in the tallies, windows placed from all of
 * them are narrower (by the square root of how many more), and the rest of
 * the stream keeps that much less.
 *
 * NEXT, made by hnb_qs_plan_alloc() with the same N and ranks as P and M
 * (the values in the tallies so far) as its pilot size, gets series S
 * placed from the values the tallies T[0..nt) hold under P, one call per
 * series, any series on any thread. A window that would reach past the
 * old ones (the pilot misplaced it, or an end is open) leaves the series'
 * windows as they were. Returns 0 (narrower), 1 (as they were) or -2 (out
 * of memory). *BUF and *NBUF as for hnb_qs_order_buf(). */
int hnb_qs_plan_narrow(hnb_qs_plan *next, const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s,
                       double **buf, size_t *nbuf);
/* Series S of tally T, filled under FROM, moved to TO (its narrowing):
 * counts in TO's regions, the values TO does not keep dropped and their
 * memory given to the tally's later values. Threads may move different
 * series of one tally at once. Returns 0, or -1 when out of memory. */
int hnb_qs_tally_move(hnb_qs_tally *t, const hnb_qs_plan *from, const hnb_qs_plan *to, int s);

/* Values kept in windows by T (its memory in use, for tests and notes). */
size_t hnb_qs_kept(const hnb_qs_tally *t);

/* The order statistics RANKS[0..k) (0-based, any order, k at most
 * 2 * HNB_QS_MAX_RANKS; a rank beyond the last value reads the last) of
 * series S over the values of tallies T[0..nt), into OUT. Returns 0, or -1 when a rank lies outside the windows (nothing
 * exact can be said: keep everything). */
int hnb_qs_order(const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s, const size_t *ranks,
                 int k, double *out);
/* The same, gathering the values in *BUF (*NBUF doubles; NULL and 0 at
 * first), which it grows as needed and leaves for the next call: a caller
 * taking many series reuses one array. free(*BUF) at the end. -2 when out
 * of memory. */
int hnb_qs_order_buf(const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, int s, const size_t *ranks,
                     int k, double *out, double **buf, size_t *nbuf);

#endif
