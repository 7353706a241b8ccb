/* forecast.h - the statistics behind `hnb calibrate` and `hnb backtest`:
 * a local linear trend on a council's EHCP stock, and the naive baselines
 * it is judged against.
 *
 * The model (docs/forecasting.md says why this one). Let y_t be the log of
 * the stock at January of year t and r_t = y_t - y_{t-1} its growth. Then
 *     r_t = b_t + eta_t,      eta_t  ~ N(0, R)   year-to-year noise
 *     b_t = b_{t-1} + zeta_t, zeta_t ~ N(0, q R) the trend itself drifts
 * a local level on the growth rate, i.e. a local linear trend on the log
 * stock. The Kalman filter gives the current trend b and its variance; R is
 * fitted by maximum likelihood given q (concentrated likelihood), and q,
 * the one setting the method has, was chosen once by maximum likelihood
 * pooled over half of England's councils (HNB_TREND_Q). A second pass
 * clips innovations beyond HNB_TREND_CLIP standard deviations, so one
 * implausible published figure cannot drag the trend. Pure functions, no
 * allocation; tests/test_forecast.c works them by hand. */
#ifndef HNB_FORECAST_H
#define HNB_FORECAST_H

/* Signal-to-noise ratio q = var(zeta) / var(eta): the pooled maximum
 * likelihood over the 74 even-coded councils of ../shared/data/sen2-la.csv
 * with a full stock, January 2010-2025 (profile log-likelihood 2428.7 at
 * q = 0.5, 2431.0 at 0.75, 2430.0 at 1: tests/forecast/choose_q.py). The
 * odd-coded councils were never used to choose it. */
#define HNB_TREND_Q 0.75
/* Innovations beyond this many standard deviations are clipped in the
 * second pass (a Huber-type robust filter). */
#define HNB_TREND_CLIP 2.5
/* Longest history used (years of growth): older years say little about
 * the next three. */
#define HNB_TREND_MAXOBS 40

typedef struct {
    double level;   /* log of the last stock */
    double slope;   /* b: the current trend in log growth a year */
    double p;       /* its variance, in units of R */
    double r;       /* R: variance of a year's growth about the trend */
    double q;       /* the ratio used */
    int n;          /* growth observations */
    int clipped;    /* innovations clipped in the second pass */
    double widen;   /* (t_{0.9, n-1} / z_{0.9})^2: the scale is estimated */
} hnb_trend;

/* Fit the trend to STOCK[0..n) (consecutive years, every value > 0, n >= 3).
 * Returns 0, or -1 when the series is too short or not positive. */
int hnb_trend_fit(const double *stock, int n, double q, hnb_trend *out);

/* The forecast of the log stock h years on (its mean). */
double hnb_trend_mean(const hnb_trend *t, int h);

/* Covariance of the log stock at horizons h and k (1-based), widened for
 * the estimated scale: Var = widen * R * (h k p + q sum_{j=1..min} (h-j+1)(k-j+1)
 * + min(h, k)). */
double hnb_trend_cov(const hnb_trend *t, int h, int k);

/* The naive baselines, each from STOCK[0..n) (last value at n-1), h years on.
 * Each needs its own years of history: 1, 5 and 4 values; with fewer it
 * returns NAN. */
double hnb_baseline_last(const double *stock, int n, int h);
double hnb_baseline_linear5(const double *stock, int n, int h); /* OLS line on the last 5 */
double hnb_baseline_cagr3(const double *stock, int n, int h);   /* compound growth of the last 3 years */

#endif
