/* calibrate.c - `hnb calibrate` and `hnb backtest`: fit a scenario's demand
 * assumptions to a council's own history, and show how the method would
 * have forecast the years it did not see.
 *
 * The projection is started at the first history year with the observed
 * stock, money and mitigations set aside (they do not enter the counts),
 * and run through the last. The named values are fitted by nonlinear least
 * squares (GSL's trust-region driver, finite-difference Jacobian) to every
 * observed series in relative terms, so counts and pounds weigh fairly.
 * Every evaluation goes through the one projection (hnb_model_load with
 * --set, hnb_project). */
#include <ctype.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnb/cli.h"
#include "hnb/history.h"
#include "hnb/merge.h"
#include "hnb/plot.h"
#include "hnb/report.h"

#define MAX_FIT 16

typedef struct {
    int t;      /* year index from the history's first year */
    int series; /* HNB_H_* */
    int setting; /* -1: the council */
    double obs;
} observation;

typedef struct {
    const char *file;
    const hnb_cli *c;
    const hnb_history *h;
    char *fit[MAX_FIT];
    hnb_range range[MAX_FIT]; /* values are kept inside it while searching */
    int nfit;
    int years;          /* projection years: first history year to last */
    int last_fit_year;  /* observations after it are held out */
    char base[6][600];  /* the calibration's own --set lines */
    int nbase;
    observation *obs;
    int nobs;
    hnb_err *err;
    int failed;
    long evals;
} fitctx;

/* Load the scenario for the history window with fitted values X (or the
 * scenario's own values when X is NULL). */
static int load_at(fitctx *fc, const double *x, int years, hnb_model **out)
{
    const char *sets[300];
    char vals[MAX_FIT][700];
    int n = 0;
    for (int i = 0; i < fc->c->nsets && n < 256; i++) sets[n++] = fc->c->sets[i];
    char horizon[64];
    snprintf(horizon, sizeof horizon, "years=%d", years);
    for (int i = 0; i < fc->nbase; i++) sets[n++] = fc->base[i];
    sets[n++] = horizon;
    if (x)
        for (int k = 0; k < fc->nfit; k++) {
            snprintf(vals[k], sizeof vals[k], "%s=%.17g", fc->fit[k],
                     hnb_range_clamp(fc->range[k], x[k]));
            sets[n++] = vals[k];
        }
    return hnb_model_load(fc->file, sets, n, out, fc->err);
}

/* The model's value of an observation. */
static double model_value(const hnb_model *m, const hnb_result *r, const observation *o)
{
    int t = o->t;
    switch (o->series) {
    case HNB_H_EHCPS:
        return o->setting < 0 ? r->ehcps[t] : r->plans[t * m->nsettings + o->setting];
    case HNB_H_NEW:
        return r->new_plans[t];
    case HNB_H_CEASED: /* every exit, ageing out included: last year's plans + new - this year's */
        return t == 0 ? 0 : r->ehcps[t - 1] + r->new_plans[t] - r->ehcps[t];
    default:
        return r->expenditure[t];
    }
}

/* Run with X; fill FITTED[i] for every observation. */
static int evaluate(fitctx *fc, const double *x, int years, double *fitted)
{
    hnb_model *m;
    fc->evals++;
    int rc = load_at(fc, x, years, &m);
    if (rc) return rc;
    double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    if (!p) abort();
    hnb_model_central(m, p);
    hnb_work *w = hnb_work_create(m);
    hnb_result *r = hnb_result_create(m);
    hnb_project(m, p, w, r, HNB_PROJECT_DETAIL);
    for (int i = 0; i < fc->nobs; i++)
        fitted[i] = fc->obs[i].t < m->years ? model_value(m, r, &fc->obs[i]) : NAN;
    hnb_result_free(r);
    hnb_work_free(w);
    free(p);
    hnb_model_free(m);
    return HNB_OK;
}

static int residuals(const gsl_vector *x, void *params, gsl_vector *f)
{
    fitctx *fc = params;
    double xs[MAX_FIT], fitted[4096];
    for (int k = 0; k < fc->nfit; k++) xs[k] = gsl_vector_get(x, (size_t)k);
    if (fc->failed || evaluate(fc, xs, fc->years, fitted)) {
        fc->failed = 1;
        return GSL_EBADFUNC;
    }
    int j = 0;
    for (int i = 0; i < fc->nobs; i++) {
        if (fc->h->first_year + fc->obs[i].t > fc->last_fit_year) continue;
        gsl_vector_set(f, (size_t)j++, (fitted[i] - fc->obs[i].obs) / fc->obs[i].obs);
    }
    return GSL_SUCCESS;
}

/* The observations a fit uses, from the history (the first year's stock is
 * the starting point, not a residual). */
static int build_obs(fitctx *fc, const hnb_model *m)
{
    const hnb_history *h = fc->h;
    fc->obs = calloc((size_t)h->nrows * HNB_H_SERIES + 1, sizeof *fc->obs);
    if (!fc->obs) abort();
    for (int i = 0; i < h->nrows; i++) {
        const hnb_history_row *row = &h->rows[i];
        int setting = -1;
        if (row->setting[0]) {
            for (int s = 0; s < m->nsettings; s++)
                if (!strcmp(m->settings[s].id, row->setting)) setting = s;
            if (setting < 0)
                return hnb_err_at(fc->err, (hnb_mark){h->file, row->line, 1},
                                  "setting '%s' is not a setting of the scenario", row->setting);
        }
        for (int k = 0; k < HNB_H_SERIES; k++) {
            if (!row->has[k] || row->v[k] <= 0) continue;
            if (k == HNB_H_EHCPS && row->year == h->first_year) continue;
            if (setting >= 0 && k != HNB_H_EHCPS) continue; /* by setting: stocks only */
            fc->obs[fc->nobs++] = (observation){row->year - h->first_year, k, setting, row->v[k]};
        }
    }
    return HNB_OK;
}

static double whole_stock(const hnb_history *h, int year, int *found)
{
    double total = 0;
    *found = 0;
    for (int i = 0; i < h->nrows; i++)
        if (h->rows[i].year == year && h->rows[i].has[HNB_H_EHCPS]) {
            total += h->rows[i].v[HNB_H_EHCPS];
            *found = 1;
        }
    return total;
}

/* The calibration's own --set lines: start at the first history year with
 * the observed stock; money and mitigations set aside. */
static int setup(fitctx *fc)
{
    int found;
    double stock = whole_stock(fc->h, fc->h->first_year, &found);
    if (!found)
        return hnb_err_at(fc->err, (hnb_mark){fc->h->file, 1, 1},
                          "the first year (%d) needs the number of EHCPs", fc->h->first_year);
    snprintf(fc->base[0], sizeof fc->base[0], "start_year=%d", fc->h->first_year);
    snprintf(fc->base[1], sizeof fc->base[1], "population.total=%.17g", stock);
    snprintf(fc->base[2], sizeof fc->base[2], "funding={grant: 0}");
    snprintf(fc->base[3], sizeof fc->base[3], "mitigations=[]");
    snprintf(fc->base[4], sizeof fc->base[4], "monte_carlo=~");
    snprintf(fc->base[5], sizeof fc->base[5], "other_expenditure=[]");
    fc->nbase = 6;
    for (int i = 0; i < fc->h->nrows; i++)
        if (fc->h->rows[i].has[HNB_H_EXPENDITURE]) fc->nbase = 5; /* pounds observed: keep them */
    return HNB_OK;
}

typedef struct {
    double x[MAX_FIT], x0[MAX_FIT], se[MAX_FIT];
    double rms_pct, r2_stock;
    int n, p, iterations;
} fit_result;

/* The starting value of a fitted path: its value in the scenario, or for a
 * by-year map the first year's. */
static double start_value(const hnb_model *m, const char *path, hnb_range *range)
{
    int k = hnb_model_find_param(m, path);
    size_t n = strlen(path);
    for (int i = 0; i < m->nparams && k < 0; i++)
        if (!strncmp(m->params[i].path, path, n) && m->params[i].path[n] == '.') k = i;
    *range = k >= 0 ? m->params[k].range : HNB_RANGE_ANY;
    return k >= 0 ? m->params[k].central : 0;
}

static int run_fit(fitctx *fc, fit_result *res)
{
    hnb_model *m;
    int rc = load_at(fc, NULL, fc->years, &m);
    if (rc) return rc;
    rc = build_obs(fc, m);
    for (int k = 0; k < fc->nfit && !rc; k++) res->x0[k] = start_value(m, fc->fit[k], &fc->range[k]);
    hnb_model_free(m);
    if (rc) return rc;
    int n = 0;
    for (int i = 0; i < fc->nobs; i++) n += fc->h->first_year + fc->obs[i].t <= fc->last_fit_year;
    int p = fc->nfit;
    res->n = n;
    res->p = p;
    if (n < p + 1)
        return hnb_err_at(fc->err, (hnb_mark){fc->h->file, 1, 1},
                          "%d observations cannot fit %d values: the history needs more years or "
                          "series",
                          n, p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_fdf fdf = {residuals, NULL, NULL, (size_t)n, (size_t)p, fc, 0, 0, 0};
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, (size_t)n, (size_t)p);
    gsl_vector *x = gsl_vector_alloc((size_t)p);
    for (int k = 0; k < p; k++) gsl_vector_set(x, (size_t)k, res->x0[k]);
    int status = gsl_multifit_nlinear_init(x, &fdf, w);
    /* What the data cannot identify: a (near) singular Jacobian at the start. */
    if (status == GSL_SUCCESS && !fc->failed) {
        gsl_matrix *J = gsl_multifit_nlinear_jac(w);
        gsl_matrix *U = gsl_matrix_alloc(J->size1, J->size2);
        gsl_matrix_memcpy(U, J);
        /* scale columns so units do not matter */
        for (size_t j = 0; j < U->size2; j++) {
            gsl_vector_view col = gsl_matrix_column(U, j);
            double nrm = gsl_blas_dnrm2(&col.vector);
            if (nrm > 0) gsl_vector_scale(&col.vector, 1 / nrm);
        }
        gsl_matrix *V = gsl_matrix_alloc((size_t)p, (size_t)p);
        gsl_vector *S = gsl_vector_alloc((size_t)p), *work = gsl_vector_alloc((size_t)p);
        gsl_linalg_SV_decomp(U, V, S, work);
        double smax = gsl_vector_get(S, 0), smin = gsl_vector_get(S, (size_t)p - 1);
        int zero_col = 0;
        for (int k = 0; k < p; k++) {
            gsl_vector_view col = gsl_matrix_column(J, (size_t)k);
            if (gsl_blas_dnrm2(&col.vector) == 0) zero_col = 1;
        }
        if (zero_col || !(smin > 1e-7 * smax)) {
            char names[1024] = "";
            size_t wlen = 0;
            int count = 0;
            for (int k = 0; k < p; k++) {
                gsl_vector_view col = gsl_matrix_column(J, (size_t)k);
                int involved = gsl_blas_dnrm2(&col.vector) == 0 ||
                               fabs(gsl_matrix_get(V, (size_t)k, (size_t)p - 1)) > 0.1;
                if (involved && wlen < sizeof names - 100) {
                    wlen += (size_t)snprintf(names + wlen, sizeof names - wlen, "%s%s",
                                             count ? " and " : "", fc->fit[k]);
                    count++;
                }
            }
            rc = hnb_err_at(fc->err, (hnb_mark){fc->h->file, 1, 1},
                            count > 1 ? "%s are confounded: the history cannot tell them apart "
                                        "(fit fewer values, or add a series such as new_plans)"
                                      : "%s does not change any observed series: the history "
                                        "cannot identify it",
                            names);
        }
        gsl_matrix_free(U);
        gsl_matrix_free(V);
        gsl_vector_free(S);
        gsl_vector_free(work);
    }
    if (!rc && status == GSL_SUCCESS && !fc->failed) {
        int info;
        status = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 0, NULL, NULL, &info, w);
        res->iterations = (int)gsl_multifit_nlinear_niter(w);
    }
    if (!rc && fc->failed) rc = fc->err->msg[0] ? HNB_EINPUT : hnb_err_fail(fc->err, "the fit failed");
    if (!rc && status != GSL_SUCCESS && status != GSL_EMAXITER)
        rc = hnb_err_fail(fc->err, "the fit did not converge: %s", gsl_strerror(status));
    if (!rc) {
        gsl_vector *xs = gsl_multifit_nlinear_position(w);
        gsl_vector *f = gsl_multifit_nlinear_residual(w);
        gsl_matrix *J = gsl_multifit_nlinear_jac(w);
        gsl_matrix *covar = gsl_matrix_alloc((size_t)p, (size_t)p);
        gsl_multifit_nlinear_covar(J, 0.0, covar);
        double chi2;
        gsl_blas_ddot(f, f, &chi2);
        double s2 = n > p ? chi2 / (n - p) : 0;
        for (int k = 0; k < p; k++) {
            res->x[k] = hnb_range_clamp(fc->range[k], gsl_vector_get(xs, (size_t)k));
            res->se[k] = sqrt(gsl_matrix_get(covar, (size_t)k, (size_t)k) * s2);
        }
        res->rms_pct = 100 * sqrt(chi2 / n);
        gsl_matrix_free(covar);
    }
    gsl_vector_free(x);
    gsl_multifit_nlinear_free(w);
    gsl_set_error_handler(old);
    return rc;
}

/* ---- writing a calibrated scenario: extends: the original + fitted values ---- */

static void relpath(const char *from_dir, const char *to, char *out, size_t n)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(from_dir, a) || !realpath(to, b)) {
        snprintf(out, n, "%s", to);
        return;
    }
    size_t common = 0, i = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '/') common = i;
        i++;
    }
    if (!a[i] && b[i] == '/') common = i;
    size_t w = 0;
    out[0] = 0;
    for (const char *q = a + common; *q; q++)
        if (*q == '/' && w < n - 4) w += (size_t)snprintf(out + w, n - w, "../");
    snprintf(out + w, n - w, "%s", b + common + 1);
}

static void yaml_str(FILE *f, const char *s)
{
    int plain = *s != 0;
    for (const char *q = s; *q; q++)
        if (!(isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.' || *q == ' '))
            plain = 0;
    if (plain && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Write PATH = VALUE as nested YAML, lists entered by id or name as the
 * merged original has them. */
static void yaml_path(FILE *f, const hnb_node *base, const char *path, double value)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s", path);
    const hnb_node *cur = base;
    int depth = 0;
    char *seg = buf;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot) *dot = 0;
        for (int i = 0; i < depth; i++) fputs("  ", f);
        const hnb_node *next = NULL;
        if (cur && cur->type == HNB_SEQ) {
            const char *field = "name";
            for (size_t i = 0; i < cur->n; i++) {
                const hnb_node *id = hnb_map_get(cur->vals[i], "id"), *nm = hnb_map_get(cur->vals[i], "name");
                if (id && id->type == HNB_SCALAR && !strcmp(id->str, seg)) field = "id", next = cur->vals[i];
                else if (nm && nm->type == HNB_SCALAR && !strcmp(nm->str, seg)) field = "name", next = cur->vals[i];
            }
            fprintf(f, "- %s: ", field);
            yaml_str(f, seg);
            fputc('\n', f);
            depth++;
        } else {
            next = cur && cur->type == HNB_MAP ? hnb_map_get(cur, seg) : NULL;
            yaml_str(f, seg);
            if (!dot) {
                fprintf(f, ": %.10g\n", value);
                return;
            }
            fputs(":\n", f);
            depth++;
        }
        cur = next;
        if (!dot) { /* a list item named last: not a value path */
            return;
        }
        seg = dot + 1;
    }
}

static int write_calibrated(const char *dir, const char *file, const fitctx *fc,
                            const fit_result *res, hnb_outset *o, hnb_err *err)
{
    hnb_srcs *srcs = hnb_srcs_create();
    hnb_node *base = NULL;
    hnb_merge_load(srcs, file, &base, err);
    FILE *f = hnb_outset_open(o, "calibrated.yaml", err);
    if (!f) {
        hnb_node_free(base);
        hnb_srcs_free(srcs);
        return HNB_EFAIL;
    }
    char rel[PATH_MAX];
    relpath(dir, file, rel, sizeof rel);
    fprintf(f, "# Calibrated by hnb calibrate against %s (%d to %d): the fitted values below,\n"
               "# over the scenario extended. Run it with: hnb run %s/calibrated.yaml\n",
            fc->h->file, fc->h->first_year, fc->last_fit_year, dir);
    fputs("extends: ", f);
    yaml_str(f, rel);
    fputc('\n', f);
    const hnb_node *name = base ? hnb_map_get(base, "name") : NULL;
    char nm[600];
    snprintf(nm, sizeof nm, "%s (calibrated)", name && name->type == HNB_SCALAR ? name->str : "scenario");
    fputs("name: ", f);
    yaml_str(f, nm);
    fputc('\n', f);
    for (int k = 0; k < fc->nfit; k++) {
        fprintf(f, "# fitted: %s = %.6g (standard error %.3g)\n", fc->fit[k], res->x[k], res->se[k]);
        yaml_path(f, base, fc->fit[k], res->x[k]);
    }
    hnb_node_free(base);
    hnb_srcs_free(srcs);
    return HNB_OK;
}

/* ---- the commands ---- */

static int parse_fit(const char *arg, fitctx *fc)
{
    char *copy = strdup(arg);
    if (!copy) abort();
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        if (fc->nfit == MAX_FIT) {
            free(copy);
            return -1;
        }
        fc->fit[fc->nfit++] = strdup(tok);
    }
    free(copy);
    return fc->nfit > 0 ? 0 : -1;
}

static void usage_cal(FILE *f, int backtest)
{
    if (!backtest)
        fputs("usage: hnb calibrate SCENARIO --history FILE --fit PATH[,PATH...] [-o DIR]\n"
              "\n"
              "Fit the named values (any path --set accepts: new_plans.growth, cessation.rate,\n"
              "new_plans.count, a transition rate, a setting's cost...) to the council's\n"
              "history by nonlinear least squares, starting the projection at the first\n"
              "history year. Reports the fitted values with standard errors, the residuals\n"
              "and the goodness of fit, and writes DIR/calibrated.yaml (extends: the scenario\n"
              "with the fitted values), calibration.md, calibration.csv, residuals.csv and a\n"
              "chart of fitted against observed. DIR defaults to out/<scenario>-calibration/.\n"
              "\n"
              "  FILE is CSV: year,ehcps[,new_plans][,ceased][,expenditure][,setting]\n",
              f);
    else
        fputs("usage: hnb backtest SCENARIO --history FILE --holdout K --fit PATH[,PATH...] [-o DIR]\n"
              "\n"
              "Fit on all but the last K years of the history, project those K years, and\n"
              "report each one's error (absolute and percentage), the mean absolute\n"
              "percentage error and the bias. With --draws, also how often the held-out\n"
              "actuals fell inside the P10-P90 band (honest bands catch about 80%).\n",
              f);
    fputs("\n      --history FILE     the observed history\n"
          "      --fit PATHS        the values to fit, comma-separated\n",
          f);
    if (backtest) fputs("      --holdout K        the years held out (at least 1)\n", f);
    fputs(HNB_CLI_HELP "  -h, --help             this help\n", f);
}

static void free_fit(fitctx *fc)
{
    for (int k = 0; k < fc->nfit; k++) free(fc->fit[k]);
    free(fc->obs);
}

static int cmd_fit(int argc, char **argv, int backtest)
{
    static const struct option longs[] = {{"history", required_argument, 0, 4001},
                                          {"fit", required_argument, 0, 4002},
                                          {"holdout", required_argument, 0, 4003},
                                          {"help", no_argument, 0, 'h'},
                                          HNB_CLI_LONGS,
                                          {0, 0, 0, 0}};
    const char *cmd = backtest ? "backtest" : "calibrate";
    hnb_cli c;
    hnb_cli_init(&c);
    hnb_cli_warn_once();
    fitctx fc;
    memset(&fc, 0, sizeof fc);
    const char *history = NULL;
    int holdout = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, cmd);
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage_cal(stdout, backtest);
            hnb_cli_free(&c);
            return 0;
        } else if (opt == 4001) {
            history = optarg;
        } else if (opt == 4002) {
            if (parse_fit(optarg, &fc)) {
                fprintf(stderr, "hnb %s: --fit: expected PATH[,PATH...] (at most %d)\n", cmd, MAX_FIT);
                goto bad;
            }
        } else if (opt == 4003 && backtest) {
            char *end;
            holdout = (int)strtol(optarg, &end, 10);
            if (*end || holdout < 1) {
                fprintf(stderr, "hnb backtest: --holdout: expected a whole number of years, at least 1\n");
                goto bad;
            }
        } else {
            usage_cal(stderr, backtest);
            goto bad;
        }
    }
    if (optind != argc - 1 || !history || fc.nfit == 0 || (backtest && holdout < 1)) {
        fprintf(stderr, "hnb %s: expected SCENARIO, --history FILE, --fit PATHS%s\n", cmd,
                backtest ? " and --holdout K" : "");
        usage_cal(stderr, backtest);
        goto bad;
    }
    const char *file = argv[optind];
    hnb_err err = {0};
    hnb_history h;
    int rc = hnb_history_load(history, &h, &err);
    if (rc) {
        free_fit(&fc);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    fc.file = file;
    fc.c = &c;
    fc.h = &h;
    fc.err = &err;
    fc.years = h.last_year - h.first_year + 1;
    fc.last_fit_year = h.last_year - holdout;
    if (backtest && fc.last_fit_year <= h.first_year) {
        fprintf(stderr, "hnb backtest: --holdout %d leaves no years to fit (%d to %d)\n", holdout,
                h.first_year, h.last_year);
        hnb_history_free(&h);
        free_fit(&fc);
        hnb_cli_free(&c);
        return 2;
    }
    fit_result res;
    memset(&res, 0, sizeof res);
    rc = setup(&fc);
    if (!rc) rc = run_fit(&fc, &res);
    if (rc) {
        hnb_history_free(&h);
        free_fit(&fc);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    /* the fitted run over the whole history, and the scenario's own run */
    double *fitted = calloc((size_t)fc.nobs + 1, sizeof(double));
    double *before = calloc((size_t)fc.nobs + 1, sizeof(double));
    if (!fitted || !before) abort();
    rc = evaluate(&fc, res.x, fc.years, fitted);
    if (!rc) rc = evaluate(&fc, res.x0, fc.years, before);
    /* goodness of fit: R^2 of the council's stock */
    double ss = 0, st = 0, mean = 0;
    int ns = 0;
    for (int i = 0; i < fc.nobs; i++)
        if (fc.obs[i].series == HNB_H_EHCPS && fc.obs[i].setting < 0 &&
            h.first_year + fc.obs[i].t <= fc.last_fit_year)
            mean += fc.obs[i].obs, ns++;
    mean = ns ? mean / ns : 0;
    for (int i = 0; i < fc.nobs; i++)
        if (fc.obs[i].series == HNB_H_EHCPS && fc.obs[i].setting < 0 &&
            h.first_year + fc.obs[i].t <= fc.last_fit_year) {
            ss += (fitted[i] - fc.obs[i].obs) * (fitted[i] - fc.obs[i].obs);
            st += (fc.obs[i].obs - mean) * (fc.obs[i].obs - mean);
        }
    res.r2_stock = st > 0 ? 1 - ss / st : 0;

    /* backtest: errors of the held-out years, and band coverage with draws */
    double mape = 0, bias = 0;
    int nheld = 0, inside = 0, banded = 0;
    double *p10 = calloc((size_t)fc.nobs + 1, sizeof(double)), *p90 = calloc((size_t)fc.nobs + 1, sizeof(double));
    if (!p10 || !p90) abort();
    long draws = c.run.draws;
    if (!rc && backtest && draws > 0) {
        hnb_model *m;
        rc = load_at(&fc, res.x, fc.years, &m);
        if (!rc) {
            hnb_mc *mc;
            hnb_mc_opts mo = {draws, c.run.seed >= 0 ? (unsigned long)c.run.seed : 1,
                              c.run.method >= 0 ? (hnb_method)c.run.method : HNB_METHOD_RANDOM,
                              c.run.threads > 0 ? c.run.threads : (int)sysconf(_SC_NPROCESSORS_ONLN), 0, 0};
            rc = hnb_mc_run(m, &mo, &mc, &err);
            if (!rc) {
                for (int i = 0; i < fc.nobs; i++) {
                    const observation *ob = &fc.obs[i];
                    int metric = ob->series == HNB_H_EHCPS && ob->setting < 0 ? HNB_MC_EHCPS
                                 : ob->series == HNB_H_EXPENDITURE          ? HNB_MC_EXPENDITURE
                                                                            : -1;
                    if (metric < 0) {
                        p10[i] = p90[i] = NAN;
                        continue;
                    }
                    const double *q = &mc->pct[((size_t)metric * m->years + ob->t) * HNB_MC_NQ];
                    p10[i] = q[1];
                    p90[i] = q[5];
                }
                hnb_mc_free(mc);
            }
            hnb_model_free(m);
        }
    }
    for (int i = 0; i < fc.nobs && backtest && !rc; i++) {
        if (h.first_year + fc.obs[i].t <= fc.last_fit_year) continue;
        double e = (fitted[i] - fc.obs[i].obs) / fc.obs[i].obs;
        mape += fabs(e);
        bias += e;
        nheld++;
        if (draws > 0 && !isnan(p10[i])) {
            banded++;
            inside += fc.obs[i].obs >= p10[i] && fc.obs[i].obs <= p90[i];
        }
    }
    if (nheld) mape = 100 * mape / nheld, bias = 100 * bias / nheld;

    char dir[4096];
    if (c.outdir) {
        snprintf(dir, sizeof dir, "%s", c.outdir);
    } else {
        char stem[1024];
        hnb_file_stem(file, stem, sizeof stem);
        snprintf(dir, sizeof dir, "out/%s-%s", stem, backtest ? "backtest" : "calibration");
    }
    hnb_outset *o = rc ? NULL : hnb_outset_create(dir, &err);
    if (!rc && !o) rc = HNB_EFAIL;
    FILE *f = NULL;
    if (!rc && !(f = hnb_outset_open(o, backtest ? "backtest.csv" : "residuals.csv", &err))) rc = HNB_EFAIL;
    if (!rc) {
        fputs(backtest ? "year,label,series,setting,observed,forecast,error,error_pct,held_out,p10,p90\n"
                       : "year,label,series,setting,observed,fitted,residual_pct,scenario_before\n",
              f);
        for (int i = 0; i < fc.nobs; i++) {
            const observation *ob = &fc.obs[i];
            int y = h.first_year + ob->t;
            char l[8];
            hnb_year_label(y, l);
            fprintf(f, "%d,%s,%s,", y, l, hnb_history_series[ob->series]);
            if (ob->setting >= 0) {
                hnb_model *m;
                if (load_at(&fc, NULL, fc.years, &m) == HNB_OK) {
                    hnb_csv_field(f, m->settings[ob->setting].id);
                    hnb_model_free(m);
                }
            }
            if (backtest)
                fprintf(f, ",%.3f,%.3f,%.3f,%.4f,%d,", ob->obs, fitted[i], fitted[i] - ob->obs,
                        100 * (fitted[i] - ob->obs) / ob->obs, y > fc.last_fit_year);
            else
                fprintf(f, ",%.3f,%.3f,%.4f,%.3f", ob->obs, fitted[i],
                        100 * (fitted[i] - ob->obs) / ob->obs, before[i]);
            if (backtest) {
                if (draws > 0 && !isnan(p10[i])) fprintf(f, "%.3f,%.3f", p10[i], p90[i]);
                else fputc(',', f);
            }
            fputc('\n', f);
        }
    }
    if (!rc && !backtest) {
        FILE *cf = hnb_outset_open(o, "calibration.csv", &err);
        if (!cf) rc = HNB_EFAIL;
        else {
            fputs("parameter,initial,fitted,std_error\n", cf);
            for (int k = 0; k < fc.nfit; k++) {
                hnb_csv_field(cf, fc.fit[k]);
                fprintf(cf, ",%.10g,%.10g,%.6g\n", res.x0[k], res.x[k], res.se[k]);
            }
        }
        if (!rc) rc = write_calibrated(dir, file, &fc, &res, o, &err);
    }
    FILE *md = NULL;
    if (!rc && !(md = hnb_outset_open(o, backtest ? "backtest.md" : "calibration.md", &err))) rc = HNB_EFAIL;
    /* the report, to the file and to the screen */
    FILE *outs[2] = {md, c.quiet ? NULL : stdout};
    for (int k = 0; k < 2 && !rc; k++) {
        FILE *g = outs[k];
        if (!g) continue;
        if (k == 1) fputc('\n', g);
        fprintf(g, "# %s of %s against %s\n\n", backtest ? "Backtest" : "Calibration", file, h.file);
        fprintf(g, "Fitted on %d to %d (%d observations, %d values, %d iterations, %ld projections).\n\n",
                h.first_year, fc.last_fit_year, res.n, res.p, res.iterations, fc.evals);
        fprintf(g, "| Value | Scenario | Fitted | Standard error |\n|---|---:|---:|---:|\n");
        int bounded = 0;
        for (int j = 0; j < fc.nfit; j++) {
            /* A value held at the edge of its range (a rate at 0) has no
             * slope there, so no standard error: say so rather than print 0. */
            int at_bound = fc.range[j] != HNB_RANGE_ANY &&
                           (res.x[j] == 0 || (fc.range[j] == HNB_RANGE_UNIT && res.x[j] == 1));
            bounded |= at_bound;
            if (at_bound)
                fprintf(g, "| %s | %.6g | %.6g | at its bound |\n", fc.fit[j], res.x0[j], res.x[j]);
            else
                fprintf(g, "| %s | %.6g | %.6g | %.3g |\n", fc.fit[j], res.x0[j], res.x[j], res.se[j]);
        }
        if (bounded)
            fprintf(g, "\nA value at its bound is as far as its range allows: the history pulls it "
                       "beyond (a rate below 0 or above 1), which says the model misses something "
                       "the data shows; fit it with other values, or hold it fixed.\n");
        fprintf(g, "\nGoodness of fit: root mean square relative residual %.2f%%; R² of the EHCP "
                   "stock %.4f.\n",
                res.rms_pct, res.r2_stock);
        if (backtest) {
            fprintf(g, "\nHeld out: the last %d year%s (%d observations). Mean absolute percentage "
                       "error %.2f%%, bias %+.2f%% (positive: the forecast ran high).\n",
                    holdout, holdout == 1 ? "" : "s", nheld, mape, bias);
            if (draws > 0 && banded)
                fprintf(g, "With %ld draws, %d of %d held-out actuals (%.0f%%) fell inside the "
                           "P10-P90 band; honest bands catch about 80%%.\n",
                        draws, inside, banded, 100.0 * inside / banded);
            fprintf(g, "\n| Year | Series | Observed | Forecast | Error | Error %% |\n|---|---|---:|---:|---:|---:|\n");
            for (int i = 0; i < fc.nobs; i++) {
                if (h.first_year + fc.obs[i].t <= fc.last_fit_year) continue;
                char l[8];
                hnb_year_label(h.first_year + fc.obs[i].t, l);
                fprintf(g, "| %s | %s | %.1f | %.1f | %+.1f | %+.2f%% |\n", l,
                        hnb_history_series[fc.obs[i].series], fc.obs[i].obs, fitted[i],
                        fitted[i] - fc.obs[i].obs, 100 * (fitted[i] - fc.obs[i].obs) / fc.obs[i].obs);
            }
        } else {
            fprintf(g, "\n| Year | Series | Observed | Fitted | Residual |\n|---|---|---:|---:|---:|\n");
            for (int i = 0; i < fc.nobs; i++) {
                char l[8];
                hnb_year_label(h.first_year + fc.obs[i].t, l);
                fprintf(g, "| %s | %s | %.1f | %.1f | %+.2f%% |\n", l,
                        hnb_history_series[fc.obs[i].series], fc.obs[i].obs, fitted[i],
                        100 * (fitted[i] - fc.obs[i].obs) / fc.obs[i].obs);
            }
            fprintf(g, "\nThe calibrated scenario: %s/calibrated.yaml\n", dir);
        }
    }
    if (!rc) rc = hnb_outset_commit(o, &err);
    hnb_outset_free(o);
    /* chart: observed and fitted EHCPs */
    if (!rc && c.run.charts) {
        char cdir[4200], data[4300], base[4300], title[700], extra[64];
        snprintf(cdir, sizeof cdir, "%s/charts", dir);
        const char *plots = hnb_plot_dir();
        if (plots && hnb_mkdirs(cdir, &err) == HNB_OK) {
            snprintf(data, sizeof data, "%s/%s.csv", cdir, backtest ? "backtest" : "calibration");
            FILE *g = fopen(data, "w");
            if (g) {
                fputs("year,label,observed,fitted,held_out\n", g);
                for (int i = 0; i < fc.nobs; i++) {
                    if (fc.obs[i].series != HNB_H_EHCPS || fc.obs[i].setting >= 0) continue;
                    char l[8];
                    int y = h.first_year + fc.obs[i].t;
                    hnb_year_label(y, l);
                    fprintf(g, "%d,%s,%.3f,%.3f,%d\n", y, l, fc.obs[i].obs, fitted[i],
                            y > fc.last_fit_year);
                }
                fclose(g);
                char script[4200];
                snprintf(script, sizeof script, "%s/calibration.gp", plots);
                snprintf(base, sizeof base, "%s/%s", cdir, backtest ? "backtest" : "calibration");
                snprintf(title, sizeof title, "%s: EHCPs, observed and %s", file,
                         backtest ? "forecast" : "fitted");
                snprintf(extra, sizeof extra, "last_fit=%d", fc.last_fit_year);
                if (access(script, R_OK) == 0) hnb_plot_draw(script, data, base, title, extra, c.run.charts);
            }
        }
    }
    free(fitted);
    free(before);
    free(p10);
    free(p90);
    hnb_history_free(&h);
    free_fit(&fc);
    hnb_cli_free(&c);
    if (rc) return hnb_cli_report(&err);
    return 0;
bad:
    free_fit(&fc);
    hnb_cli_free(&c);
    return 2;
}

int hnb_cmd_calibrate(int argc, char **argv)
{
    return cmd_fit(argc, argv, 0);
}

int hnb_cmd_backtest(int argc, char **argv)
{
    return cmd_fit(argc, argv, 1);
}
