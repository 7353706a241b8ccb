/* stats.h - exact order statistics and ranks for large samples.
 *
 * Percentiles are computed exactly (linear interpolation between order
 * statistics, as gsl_stats_quantile_from_sorted_data) without sorting the
 * whole sample: a multi-select partitions only around the order statistics
 * asked for, O(n log k). */
#ifndef HNB_STATS_H
#define HNB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The quantiles QS[0..k) of X[0..n), into OUT. X may be reordered. */
void hnb_stats_quantiles(double *x, size_t n, const double *qs, int k, double *out);

/* The order statistics (0-based ranks) IDX[0..k) of X, into OUT. X may be
 * reordered. IDX need not be sorted; out-of-range indices are clamped. */
void hnb_stats_order(double *x, size_t n, const size_t *idx, int k, double *out);

/* Mid-ranks (1-based, ties averaged) of X[0..n) into RANK. WORK must hold
 * 4n words; a caller ranking many samples reuses it. */
void hnb_stats_ranks(const double *x, size_t n, double *rank, uint64_t *work);

/* Pearson correlation of two samples (0 when either is constant). */
double hnb_stats_correlation(const double *a, const double *b, size_t n);

#endif
