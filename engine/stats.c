/* stats.c - multi-select for exact percentiles, and ranks by radix sort. */
#include "hnb/stats.h"
#include "hnb/mem.h"

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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Histogram select: one pass for the range, one to count values into
 * equal-width bins (about 16 values a bin, at most 4096 bins), one to gather
 * the few bins that hold the wanted ranks; only those are sorted. Three
 * branch-light passes instead of a partitioning quickselect (whose
 * comparisons mispredict half the time): four times faster from a couple of
 * thousand values up. Returns 0 if the data are too concentrated for it to
 * pay (the caller then uses multiselect). */
#define HIST_BINS 4096
#define HIST_MIN 2048 /* below this, multiselect */
static int histogram_select(const double *x, size_t n, const size_t *want, int k, double *out)
{
    int nbins = 64;
    while (nbins < HIST_BINS && (size_t)nbins * 16 < n) nbins *= 2;
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (!(lo < hi)) { /* constant (or NaN): every order statistic is lo */
        if (!(lo == hi)) return 0;
        for (int j = 0; j < k; j++) out[j] = lo;
        return 1;
    }
    double scale = nbins / (hi - lo);
    /* A range too narrow (scale infinite) or too wide (hi - lo overflows,
     * scale 0) to bin: leave it to multiselect. Otherwise every
     * (x - lo) * scale lies in [0, nbins] (a bin index before the cast). */
    if (!(scale > 0 && isfinite(scale) && isfinite(hi - lo))) return 0;
    size_t *count = calloc(nbins + 1, sizeof *count);
    if (!count) hnb_oom();
    for (size_t i = 0; i < n; i++) {
        long b = (long)((x[i] - lo) * scale);
        count[b < nbins ? b : nbins - 1]++;
    }
    /* start[b] = how many values lie in bins before b */
    size_t start[HIST_BINS + 1], sum = 0;
    for (int b = 0; b < nbins; b++) {
        start[b] = sum;
        sum += count[b];
    }
    start[nbins] = sum;
    int bin_of[64];
    unsigned char *need = calloc(nbins, 1);
    if (!need) hnb_oom();
    size_t gathered = 0;
    for (int j = 0; j < k; j++) {
        int b = 0, l = 0, r = nbins - 1;
        while (l <= r) { /* the last bin whose start <= want[j] */
            int mid = (l + r) / 2;
            if (start[mid] <= want[j]) b = mid, l = mid + 1;
            else r = mid - 1;
        }
        while (b > 0 && count[b] == 0) b--;
        bin_of[j] = b;
        if (!need[b]) gathered += count[b];
        need[b] = 1;
    }
    if (gathered > n / 4) { /* too concentrated: no gain */
        free(need);
        free(count);
        return 0;
    }
    double *buf = malloc(sizeof(double) * (gathered + 1));
    size_t *off = calloc(nbins, sizeof *off);
    if (!buf || !off) hnb_oom();
    size_t at = 0;
    for (int b = 0; b < nbins; b++)
        if (need[b]) {
            off[b] = at;
            at += count[b];
        }
    size_t *fill = calloc(nbins, sizeof *fill);
    if (!fill) hnb_oom();
    for (size_t i = 0; i < n; i++) {
        long b = (long)((x[i] - lo) * scale);
        if (b >= nbins) b = nbins - 1;
        if (need[b]) buf[off[b] + fill[b]++] = x[i];
    }
    for (int b = 0; b < nbins; b++)
        if (need[b]) qsort(buf + off[b], count[b], sizeof *buf, cmp_double);
    for (int j = 0; j < k; j++) out[j] = buf[off[bin_of[j]] + (want[j] - start[bin_of[j]])];
    free(fill);
    free(off);
    free(buf);
    free(need);
    free(count);
    return 1;
}

void hnb_stats_order(double *x, size_t n, const size_t *idx, int k, double *out)
{
    if (n == 0) {
        for (int i = 0; i < k; i++) out[i] = 0;
        return;
    }
    size_t want[64] = {0};
    int m = 0;
    for (int i = 0; i < k && m < 64; i++) want[m++] = idx[i] < n ? idx[i] : n - 1;
    if (n >= HIST_MIN && histogram_select(x, n, want, m, out)) return;
    size_t sorted[64];
    memcpy(sorted, want, sizeof(size_t) * (size_t)m);
    qsort(sorted, (size_t)m, sizeof *sorted, cmp_size);
    int u = 0;
    for (int i = 0; i < m; i++)
        if (u == 0 || sorted[i] != sorted[u - 1]) sorted[u++] = sorted[i];
    multiselect(x, 0, (long)n - 1, sorted, u);
    for (int i = 0; i < k; i++) out[i] = x[want[i]];
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

void hnb_stats_ranks(const double *x, size_t n, double *rank, uint64_t *work)
{
    /* LSD radix sort of (key, index) pairs, 8 bits a pass; a pass whose
     * digit is the same for every key (the sign and exponent bytes of a
     * sample in a narrow range) is skipped. WORK holds the two index
     * arrays and, alongside, the keys' two arrays. */
    uint64_t *a = work, *b = work + n, *ka = work + 2 * n, *kb = work + 3 * n;
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        a[i] = i;
        ka[i] = key_of(x[i]);
        for (int d = 0; d < 8; d++) count[d][(ka[i] >> (8 * d)) & 0xFF]++;
    }
    for (int d = 0; d < 8; d++) {
        size_t *c = count[d];
        if (n == 0 || c[(ka[0] >> (8 * d)) & 0xFF] == n) continue; /* one digit: nothing moves */
        size_t sum = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++) {
            size_t to = c[(ka[i] >> (8 * d)) & 0xFF]++;
            b[to] = a[i];
            kb[to] = ka[i];
        }
        uint64_t *t = a;
        a = b;
        b = t;
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
    }
    /* a is the sorted order; ties (equal keys) get the average of their ranks */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ka[j + 1] == ka[i]) j++;
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
