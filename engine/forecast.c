/* forecast.c - the local linear trend on a council's EHCP stock and the
 * naive baselines (forecast.h has the model). */
#include "hnb/forecast.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <math.h>

/* One pass of the filter over growths G[0..n) in units where R = 1
 * (divide by SCALE first). With CLIP > 0 an innovation beyond CLIP standard
 * deviations moves the state as if it were CLIP. Returns the sum of the
 * squared standardised innovations (the concentrated likelihood's R times
 * the count) and leaves the state in *B, *P. */
static double filter(const double *g, int n, double scale, double q, double clip, double *b,
                     double *p, int *nclipped)
{
    /* The first growth is the prior for the trend, with the variance of one
     * observation (R = 1 in these units). */
    *b = g[0] / scale;
    *p = 1 + q;
    double ss = 0;
    for (int i = 1; i < n; i++) {
        double pp = *p + q; /* the trend drifts a year */
        double f = pp + 1;  /* the innovation's variance */
        double v = g[i] / scale - *b;
        double lim = clip * sqrt(f);
        if (clip > 0 && fabs(v) > lim) {
            v = v > 0 ? lim : -lim;
            if (nclipped) (*nclipped)++;
        }
        ss += v * v / f;
        double k = pp / f;
        *b += k * v;
        *p = pp * (1 - k);
    }
    return ss;
}

int hnb_trend_fit(const double *stock, int n, double q, hnb_trend *out)
{
    if (n < 3) return -1;
    for (int i = 0; i < n; i++)
        if (!(stock[i] > 0) || !isfinite(stock[i])) return -1;
    int first = n - 1 > HNB_TREND_MAXOBS ? n - 1 - HNB_TREND_MAXOBS : 0;
    double g[HNB_TREND_MAXOBS] = {0};
    int ng = 0;
    for (int i = first + 1; i < n; i++) g[ng++] = log(stock[i] / stock[i - 1]);
    /* Pass 1: maximum likelihood R given q is the mean squared
     * standardised innovation. A series with no variation at all (a
     * perfectly smooth one) gets a floor of 0.1% a year, so bands never
     * collapse to nothing. */
    double b, p;
    int m = ng - 1; /* innovations */
    double r = filter(g, ng, 1, q, 0, &b, &p, NULL) / m;
    if (!(r > 1e-6)) r = 1e-6;
    /* Pass 2: the same with innovations clipped at HNB_TREND_CLIP
     * standard deviations of pass 1. */
    int clipped = 0;
    double sc = sqrt(r);
    double r2 = filter(g, ng, sc, q, HNB_TREND_CLIP, &b, &p, &clipped) / m * r;
    if (!(r2 > 1e-6)) r2 = 1e-6;
    out->level = log(stock[n - 1]);
    out->slope = b * sc;
    out->p = p;
    out->r = r2;
    out->q = q;
    out->n = ng;
    out->clipped = clipped;
    /* R is estimated from m innovations: the predictive is Student-t with
     * m - 1 degrees of freedom (at least 1). Widening the normal's
     * variance by (t/z)^2 makes its P10-P90 that of the t. */
    double df = m - 1 >= 1 ? m - 1 : 1;
    double tz = gsl_cdf_tdist_Pinv(0.9, df) / gsl_cdf_ugaussian_Pinv(0.9);
    out->widen = tz * tz;
    return 0;
}

double hnb_trend_mean(const hnb_trend *t, int h)
{
    return t->level + h * t->slope;
}

double hnb_trend_cov(const hnb_trend *t, int h, int k)
{
    int lo = h < k ? h : k;
    /* sum_{i<=h} r_i and sum_{i<=k} r_i share: h k times the trend's
     * variance p; each drift zeta_j (j <= lo), which moves the growth of
     * every year from j on, (h-j+1)(k-j+1) times; and lo years of noise. */
    double drift = 0;
    for (int j = 1; j <= lo; j++) drift += (double)(h - j + 1) * (k - j + 1);
    return t->widen * t->r * ((double)h * k * t->p + t->q * drift + lo);
}

double hnb_baseline_last(const double *stock, int n, int h)
{
    (void)h;
    return n >= 1 ? stock[n - 1] : NAN;
}

double hnb_baseline_linear5(const double *stock, int n, int h)
{
    if (n < 5) return NAN;
    double x[5] = {0, 1, 2, 3, 4}, c0, c1, c00, c01, c11, sumsq;
    gsl_fit_linear(x, 1, stock + n - 5, 1, 5, &c0, &c1, &c00, &c01, &c11, &sumsq);
    return c0 + c1 * (4 + h);
}

double hnb_baseline_cagr3(const double *stock, int n, int h)
{
    if (n < 4 || !(stock[n - 4] > 0)) return NAN;
    return stock[n - 1] * pow(stock[n - 1] / stock[n - 4], h / 3.0);
}
