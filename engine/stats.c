/* stats.c - multi-select for exact percentiles, and ranks by radix sort. */
#include "hnb/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static double median3(double a, double b, double c)
{
    if (a < b) return b < c ? b : (a < c ? c : a);
    return a < c ? a : (b < c ? c : b);
}

static void insertion(double *x, long lo, long hi)
{
    for (long i = lo + 1; i <= hi; i++) {
        double v = x[i];
        long j = i;
        while (j > lo && x[j - 1] > v) {
            x[j] = x[j - 1];
            j--;
        }
        x[j] = v;
    }
}

/* Put the order statistics WANT[0..k) (sorted, distinct, within [lo, hi])
 * in place. A three-way partition keeps runs of equal values (a series with
 * no uncertainty is all ties) linear. */
static void multiselect(double *x, long lo, long hi, const size_t *want, int k)
{
    while (k > 0 && lo < hi) {
        if (hi - lo < 16) {
            insertion(x, lo, hi);
            return;
        }
        double pivot = median3(x[lo], x[lo + (hi - lo) / 2], x[hi]);
        long lt = lo, i = lo, gt = hi;
        while (i <= gt) {
            if (x[i] < pivot) swap(&x[lt++], &x[i++]);
            else if (x[i] > pivot) swap(&x[i], &x[gt--]);
            else i++;
        }
        /* x[lo..lt-1] < pivot == x[lt..gt] < x[gt+1..hi] */
        int left = 0;
        while (left < k && (long)want[left] < lt) left++;
        int right = left;
        while (right < k && (long)want[right] <= gt) right++;
        if (left < k - right) {
            multiselect(x, lo, lt - 1, want, left);
            want += right;
            k -= right;
            lo = gt + 1;
        } else {
            multiselect(x, gt + 1, hi, want + right, k - right);
            k = left;
            hi = lt - 1;
        }
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void hnb_stats_order(double *x, size_t n, const size_t *idx, int k, double *out)
{
    if (n == 0) {
        for (int i = 0; i < k; i++) out[i] = 0;
        return;
    }
    size_t want[64];
    int m = 0;
    for (int i = 0; i < k && m < 64; i++) want[m++] = idx[i] < n ? idx[i] : n - 1;
    qsort(want, (size_t)m, sizeof *want, cmp_size);
    int u = 0;
    for (int i = 0; i < m; i++)
        if (u == 0 || want[i] != want[u - 1]) want[u++] = want[i];
    multiselect(x, 0, (long)n - 1, want, u);
    for (int i = 0; i < k; i++) out[i] = x[idx[i] < n ? idx[i] : n - 1];
}

void hnb_stats_quantiles(double *x, size_t n, const double *qs, int k, double *out)
{
    size_t idx[64] = {0};
    int m = 0;
    for (int i = 0; i < k && m < 62; i++) {
        size_t lhs = (size_t)(qs[i] * (double)(n ? n - 1 : 0));
        idx[m++] = lhs;
        idx[m++] = lhs + 1 < n ? lhs + 1 : lhs;
    }
    double v[64] = {0};
    hnb_stats_order(x, n, idx, m, v);
    for (int i = 0; i < k; i++) {
        if (n == 0) {
            out[i] = 0;
            continue;
        }
        /* as gsl_stats_quantile_from_sorted_data */
        double index = qs[i] * (double)(n - 1);
        size_t lhs = (size_t)index;
        double delta = index - (double)lhs;
        out[i] = lhs == n - 1 ? v[2 * i] : (1 - delta) * v[2 * i] + delta * v[2 * i + 1];
    }
}

/* Doubles as order-preserving unsigned keys. */
static uint64_t key_of(double d)
{
    uint64_t u;
    if (d == 0) d = 0; /* -0 and +0 tie */
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

void hnb_stats_ranks(const double *x, size_t n, double *rank, size_t *work)
{
    /* LSD radix sort of indices by key, 16 bits a pass. */
    size_t *a = work, *b = work + n;
    for (size_t i = 0; i < n; i++) a[i] = i;
    size_t *count = calloc(65536, sizeof *count);
    if (!count) abort();
    for (int pass = 0; pass < 4; pass++) {
        int shift = 16 * pass;
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++) count[(key_of(x[a[i]]) >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t v = 0; v < 65536; v++) {
            size_t c = count[v];
            count[v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) b[count[(key_of(x[a[i]]) >> shift) & 0xFFFF]++] = a[i];
        size_t *t = a;
        a = b;
        b = t;
    }
    free(count);
    /* after 4 passes the sorted order is in `a` (== work) */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && x[a[j + 1]] == x[a[i]]) j++;
        double r = (double)(i + j) / 2 + 1;
        for (size_t k = i; k <= j; k++) rank[a[k]] = r;
        i = j + 1;
    }
}

double hnb_stats_correlation(const double *a, const double *b, size_t n)
{
    if (n < 2) return 0;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= (double)n;
    mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if (saa <= 0 || sbb <= 0) return 0;
    return sab / sqrt(saa * sbb);
}
