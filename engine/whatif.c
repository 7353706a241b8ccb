/* whatif.c - `hnb sweep` and `hnb solve`: the what-ifs scrutiny asks.
 *
 * Both vary one or two values, any path --set accepts. The scenario is
 * loaded once, with each path set by --set to its first value so that it is
 * one slot of the parameter vector; each evaluation then sets that slot and
 * runs the projection (hnb_run_model), without reading the YAML again. A
 * value whose checks involve others (a share, a transition rate) is varied
 * by reloading with --set instead, so that every check runs
 * (hnb_model_settable). A Monte Carlo solve keeps the seed fixed across
 * evaluations (common random numbers), so the probability it targets
 * changes smoothly with the value searched for. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/cli.h"
#include "hnb/plot.h"
#include "hnb/report.h"
#include "hnb/mem.h"

/* ---- values and grids ---- */

static int parse_number(const char *s, double *out)
{
    const char *why;
    if (hnb_value_parse(s, 0, HNB_KIND_RATE, out, &why) == 0) return 0;
    return hnb_value_parse(s, 0, HNB_KIND_MONEY, out, &why);
}

typedef struct {
    char path[512];
    double from, to;
    int steps;
} vary;

/* PATH=FROM:TO:STEPS */
static int parse_vary(const char *arg, vary *v, int need_grid)
{
    const char *eq = strchr(arg, '=');
    size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (plen == 0 || plen >= sizeof v->path) return -1;
    memcpy(v->path, arg, plen);
    v->path[plen] = 0;
    if (!need_grid) return eq ? -1 : 0;
    if (!eq) return -1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", eq + 1);
    char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2) return -1;
    *c1 = *c2 = 0;
    char *end;
    long steps = strtol(c2 + 1, &end, 10);
    if (*end || steps < 2 || steps > 1000) return -1;
    v->steps = (int)steps;
    if (parse_number(buf, &v->from) || parse_number(c1 + 1, &v->to)) return -1;
    return 0;
}

/* Run FILE with the common --set list plus PATH=X. */
static int run_at(const char *file, const hnb_cli *c, const char *const *paths, const double *x,
                  int nx, hnb_run *run, hnb_err *err)
{
    int n = c->nsets + nx;
    const char **sets = calloc((size_t)n + 1, sizeof *sets);
    char(*buf)[600] = calloc((size_t)nx + 1, sizeof *buf);
    if (!sets || !buf) hnb_oom();
    for (int i = 0; i < c->nsets; i++) sets[i] = c->sets[i];
    for (int k = 0; k < nx; k++) {
        snprintf(buf[k], sizeof buf[k], "%s=%.17g", paths[k], x[k]);
        sets[c->nsets + k] = buf[k];
    }
    hnb_run_opts o = c->run;
    o.sets = sets;
    o.nsets = n;
    o.progress = 0;
    int rc = hnb_run_compute(file, &o, run, err);
    free(sets);
    free(buf);
    return rc;
}

/* The scenario a what-if evaluates again and again: loaded once with each
 * varied PATH a slot of its own, or (text) reloaded with PATH=X each time. */
typedef struct {
    const char *file;
    const hnb_cli *c;
    const char *const *paths;
    int nx;
    hnb_model *m; /* NULL: reload each time */
    int slot[2];
} whatif;

static int whatif_open(whatif *wi, const char *file, const hnb_cli *c, const char *const *paths,
                       const double *x0, int nx, hnb_err *err)
{
    *wi = (whatif){file, c, paths, nx, NULL, {-1, -1}};
    hnb_run run;
    hnb_cli quiet = *c;
    quiet.run.draws = 0;
    int rc = run_at(file, &quiet, paths, x0, nx, &run, err);
    if (rc == HNB_EINPUT && !strcmp(err->file, "--set")) {
        /* the user's own --set load: then the fault is a --vary path's */
        hnb_model *m = NULL;
        hnb_err e2 = {0};
        if (hnb_model_load(file, (const char *const *)c->sets, c->nsets, &m, &e2) == HNB_OK)
            snprintf(err->file, sizeof err->file, "--vary");
        hnb_model_free(m);
    }
    if (rc) return rc;
    int ok = 1;
    for (int k = 0; k < nx; k++) {
        wi->slot[k] = hnb_model_find_param(run.model, paths[k]);
        ok &= hnb_model_settable(run.model, wi->slot[k]);
    }
    if (ok) {
        wi->m = run.model; /* kept: the run's results are not */
        run.owns_model = 0;
    }
    hnb_run_free(&run);
    return HNB_OK;
}

static void whatif_close(whatif *wi)
{
    hnb_model_free(wi->m);
    wi->m = NULL;
}

/* The range of the K-th varied value (for solve's default range). */
static hnb_range whatif_range(const whatif *wi, int k)
{
    return wi->m ? wi->m->params[wi->slot[k]].range : HNB_RANGE_ANY;
}

/* The run with the varied values at X: RUN borrows the model. */
static int whatif_run(whatif *wi, const double *x, long draws, hnb_run *run, hnb_err *err)
{
    hnb_cli c = *wi->c;
    if (draws >= 0) c.run.draws = draws;
    if (!wi->m) return run_at(wi->file, &c, wi->paths, x, wi->nx, run, err);
    for (int k = 0; k < wi->nx; k++) {
        int rc = hnb_model_set(wi->m, wi->slot[k], x[k], err);
        if (rc) return rc;
    }
    hnb_run_opts o = c.run;
    o.progress = 0;
    return hnb_run_model(wi->m, &o, run, err);
}

/* The model at X, for figures computed without a full run (solve). The
 * caller frees it with whatif_done. */
static int whatif_model(whatif *wi, double x, hnb_model **out, hnb_err *err)
{
    if (wi->m) {
        *out = wi->m;
        return hnb_model_set(wi->m, wi->slot[0], x, err);
    }
    char buf[600];
    const char **all = calloc((size_t)wi->c->nsets + 2, sizeof *all);
    if (!all) hnb_oom();
    for (int i = 0; i < wi->c->nsets; i++) all[i] = wi->c->sets[i];
    snprintf(buf, sizeof buf, "%s=%.17g", wi->paths[0], x);
    all[wi->c->nsets] = buf;
    int rc = hnb_model_load(wi->file, all, wi->c->nsets + 1, out, err);
    free(all);
    return rc;
}

static void whatif_done(whatif *wi, hnb_model *m)
{
    if (m != wi->m) hnb_model_free(m);
}

/* ---- targets ---- */

typedef struct {
    int prob;          /* P(metric@year OP value) OP2 p */
    int column, year;
    char op[3];        /* <, <=, >, >=, = */
    double value;
    char pop[3];       /* the probability's own comparison */
    double p;
    char text[512];
} target;

static const char *skip(const char *s)
{
    while (*s == ' ') s++;
    return s;
}

/* METRIC@YEAR OP VALUE */
static const char *parse_cmp(const char *s, target *t, char *why, size_t nwhy)
{
    s = skip(s);
    const char *at = strchr(s, '@');
    if (!at) {
        snprintf(why, nwhy, "expected METRIC@YEAR, e.g. cumulative_deficit@2027");
        return NULL;
    }
    char name[64];
    size_t n = (size_t)(at - s);
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, s, n);
    name[n] = 0;
    while (n && name[n - 1] == ' ') name[--n] = 0;
    t->column = -1;
    const char *names[HNB_NCOLUMNS];
    for (int k = 0; k < HNB_NCOLUMNS; k++) {
        names[k] = hnb_columns[k].name;
        if (!strcmp(name, names[k])) t->column = k;
    }
    if (t->column < 0) {
        const char *near = hnb_nearest(name, names, HNB_NCOLUMNS);
        snprintf(why, nwhy, "unknown column '%s'%s%s%s (any column of projection.csv)", name,
                 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return NULL;
    }
    s = at + 1;
    char year[16];
    n = 0;
    while ((s[n] >= '0' && s[n] <= '9') || s[n] == '/') n++;
    if (n == 0 || n >= sizeof year) {
        snprintf(why, nwhy, "expected a year after '@', e.g. 2027 or 2027/28");
        return NULL;
    }
    memcpy(year, s, n);
    year[n] = 0;
    if (hnb_value_parse_year(year, &t->year) < 0) {
        snprintf(why, nwhy, "'%s' is not a year", year);
        return NULL;
    }
    s = skip(s + n);
    n = (s[0] == '<' || s[0] == '>') && s[1] == '=' ? 2 : (s[0] == '<' || s[0] == '>' || s[0] == '=') ? 1 : 0;
    if (!n) {
        snprintf(why, nwhy, "expected <, <=, >, >= or = after the year");
        return NULL;
    }
    memcpy(t->op, s, n);
    t->op[n] = 0;
    s = skip(s + n);
    char val[64];
    n = 0;
    while (s[n] && s[n] != ' ' && s[n] != ')' && n < sizeof val - 1) {
        val[n] = s[n];
        n++;
    }
    val[n] = 0;
    if (parse_number(val, &t->value)) {
        snprintf(why, nwhy, "'%s' is not a number or amount (e.g. 100m)", val);
        return NULL;
    }
    return skip(s + n);
}

static int parse_target(const char *text, target *t, char *why, size_t nwhy)
{
    memset(t, 0, sizeof *t);
    snprintf(t->text, sizeof t->text, "%s", text);
    const char *s = skip(text);
    if (s[0] == 'P' && s[1] == '(') {
        t->prob = 1;
        s = parse_cmp(s + 2, t, why, nwhy);
        if (!s) return -1;
        if (*s != ')') {
            snprintf(why, nwhy, "expected ')' to close P(...)");
            return -1;
        }
        s = skip(s + 1);
        size_t n = (s[0] == '<' || s[0] == '>') && s[1] == '=' ? 2 : (s[0] == '<' || s[0] == '>' || s[0] == '=') ? 1 : 0;
        if (!n) {
            snprintf(why, nwhy, "expected <= or >= and a probability after P(...)");
            return -1;
        }
        memcpy(t->pop, s, n);
        t->pop[n] = 0;
        char *end;
        t->p = strtod(skip(s + n), &end);
        if (*skip(end) || !(t->p >= 0 && t->p <= 1)) {
            snprintf(why, nwhy, "expected a probability between 0 and 1");
            return -1;
        }
        return 0;
    }
    s = parse_cmp(s, t, why, nwhy);
    if (!s) return -1;
    if (*s) {
        snprintf(why, nwhy, "unexpected '%s' after the target", s);
        return -1;
    }
    return 0;
}

static int holds(const char *op, double a, double b)
{
    if (!strcmp(op, "<")) return a < b;
    if (!strcmp(op, "<=")) return a <= b;
    if (!strcmp(op, ">")) return a > b;
    if (!strcmp(op, ">=")) return a >= b;
    return a == b;
}

/* The figure a target is about: the metric (deterministic), or the share of
 * draws in which metric OP value holds (with draws). */
typedef struct {
    whatif *wi;
    const hnb_cli *c;
    const target *t;
    hnb_err *err;
    int failed;
    long evals;
} solve_ctx;

static int figure(solve_ctx *sc, double x, double *out)
{
    hnb_model *m;
    sc->evals++;
    int rc = whatif_model(sc->wi, x, &m, sc->err);
    if (rc) return rc;
    int ti = sc->t->year - m->start_year;
    if (ti < 0 || ti >= m->years) {
        char l0[8], l1[8];
        hnb_year_label(m->start_year, l0);
        hnb_year_label(m->start_year + m->years - 1, l1);
        rc = hnb_err_at(sc->err, (hnb_mark){m->file, 0, 0},
                        "the target's year %d lies outside the horizon %s to %s", sc->t->year, l0,
                        l1);
        whatif_done(sc->wi, m);
        return rc;
    }
    if (!sc->t->prob) {
        double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        if (!p) hnb_oom();
        hnb_model_central(m, p);
        hnb_work *w = hnb_work_create(m);
        hnb_result *r = hnb_result_create(m);
        hnb_project(m, p, w, r, 0);
        *out = hnb_column_values(r, sc->t->column)[ti];
        hnb_result_free(r);
        hnb_work_free(w);
        free(p);
    } else {
        /* the share of draws, with the same seed for every x */
        long draws = sc->c->run.draws > 0 ? sc->c->run.draws : m->mc_draws;
        if (draws <= 0) draws = 2000;
        hnb_mc_opts o = {draws,
                         sc->c->run.seed >= 0 ? (unsigned long)sc->c->run.seed
                         : m->mc_seed_given   ? m->mc_seed
                                              : 1,
                         sc->c->run.method >= 0 ? (hnb_method)sc->c->run.method : m->mc_method,
                         sc->c->run.threads, 0, 0, 0};
        rc = hnb_mc_share(m, &o, sc->t->column, ti, sc->t->op, sc->t->value, out, sc->err);
    }
    whatif_done(sc->wi, m);
    return rc;
}

typedef struct {
    solve_ctx *sc;
    double goal;
} brent_ctx;

static double brent_f(double x, void *params)
{
    brent_ctx *b = params;
    double y;
    if (figure(b->sc, x, &y)) {
        b->sc->failed = 1;
        return GSL_NAN;
    }
    return y - b->goal;
}

static void fmt_value(char *b, size_t n, const char *path, double x)
{
    (void)path;
    if (fabs(x) >= 1000)
        snprintf(b, n, "%.2f", x);
    else if (fabs(x) <= 1)
        snprintf(b, n, "%.6g (%.2f%%)", x, x * 100);
    else
        snprintf(b, n, "%.6g", x);
}

static void fmt_figure(char *b, size_t n, const target *t, double y)
{
    if (t->prob)
        snprintf(b, n, "%.4f", y);
    else if (hnb_columns[t->column].decimals == 3)
        snprintf(b, n, "%.1f", y);
    else
        snprintf(b, n, "£%.2fm", y / 1e6);
}

static void usage_solve(FILE *f)
{
    fputs("usage: hnb solve SCENARIO --vary PATH --target TARGET [--range LO:HI] [options]\n"
          "\n"
          "Find the value of PATH (any path --set accepts) that meets TARGET, with GSL's\n"
          "Brent root finder, and report it with the figure it achieves. TARGET is\n"
          "  \"COLUMN@YEAR OP VALUE\", e.g. \"cumulative_deficit@2027 <= 100m\", where COLUMN is\n"
          "  any column of projection.csv and OP one of < <= > >= =; or, with draws,\n"
          "  \"P(COLUMN@YEAR > VALUE) <= 0.2\" (common random numbers: the same seed for\n"
          "  every value tried).\n"
          "\n"
          "      --vary PATH        the value to search for, e.g. new_plans.growth\n"
          "      --target TARGET    what must hold\n"
          "      --range LO:HI      where to search (default 0:1 for rates, shares and\n"
          "                         fractions; required otherwise), e.g. 0%:25% or 100m:150m\n" HNB_CLI_HELP
          "  -h, --help             this help\n",
          f);
}

int hnb_cmd_solve(int argc, char **argv)
{
    static const struct option longs[] = {{"vary", required_argument, 0, 3001},
                                          {"target", required_argument, 0, 3002},
                                          {"range", required_argument, 0, 3003},
                                          {"help", no_argument, 0, 'h'},
                                          HNB_CLI_LONGS,
                                          {0, 0, 0, 0}};
    hnb_cli c;
    hnb_cli_init(&c);
    hnb_cli_warn_once();
    const char *vary_arg = NULL, *target_arg = NULL, *range_arg = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, "solve");
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage_solve(stdout);
            hnb_cli_free(&c);
            return 0;
        }
        if (opt == 3001) vary_arg = optarg;
        else if (opt == 3002) target_arg = optarg;
        else if (opt == 3003) range_arg = optarg;
        else {
            usage_solve(stderr);
            goto bad;
        }
    }
    if (optind != argc - 1 || !vary_arg || !target_arg) {
        fprintf(stderr, "hnb solve: expected SCENARIO, --vary PATH and --target TARGET\n");
        usage_solve(stderr);
        goto bad;
    }
    const char *file = argv[optind];
    vary v;
    if (parse_vary(vary_arg, &v, 0)) {
        fprintf(stderr, "hnb solve: --vary: expected a PATH such as new_plans.growth, found '%s'\n",
                vary_arg);
        goto bad;
    }
    target t;
    char why[256];
    if (parse_target(target_arg, &t, why, sizeof why)) {
        fprintf(stderr, "hnb solve: --target \"%s\": %s\n", target_arg, why);
        goto bad;
    }
    /* the search range */
    double lo = 0, hi = 1;
    hnb_err err = {0};
    hnb_run base;
    int rc = hnb_run_compute(file, &(hnb_run_opts){.sets = c.sets, .nsets = c.nsets, .draws = 0,
                                                     .seed = -1, .method = -1},
                             &base, &err);
    if (rc) {
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    if (!hnb_column_present(base.model, t.column)) {
        fprintf(stderr, "hnb solve: --target \"%s\": the scenario has no column '%s' (it comes "
                        "with `%s`, SPEC section 13)\n",
                target_arg, hnb_columns[t.column].name,
                hnb_columns[t.column].when == HNB_COL_DSG ? "dsg" : "regime");
        hnb_run_free(&base);
        goto bad;
    }
    int slot = hnb_model_find_param(base.model, v.path);
    double current = slot >= 0 ? base.params[slot] : NAN;
    hnb_run_free(&base);
    /* the scenario with PATH a slot of its own (a default such as delivery
     * = 1, not in the file, becomes one): its range is the default range */
    whatif wi;
    const char *paths[1] = {v.path};
    double x0 = isnan(current) ? 0 : current;
    {
        hnb_err perr = {0};
        if (whatif_open(&wi, file, &c, paths, &x0, 1, &perr)) {
            x0 = 0;
            if ((rc = whatif_open(&wi, file, &c, paths, &x0, 1, &err))) {
                hnb_cli_free(&c);
                return hnb_cli_report(&err);
            }
        }
    }
    int unit = whatif_range(&wi, 0) == HNB_RANGE_UNIT;
    if (!wi.m) { /* a value checked with others: learn its range from a probe */
        hnb_run probe;
        hnb_err perr = {0};
        hnb_cli quiet = c;
        quiet.run.draws = 0;
        if (run_at(file, &quiet, paths, &x0, 1, &probe, &perr) == HNB_OK) {
            int ps = hnb_model_find_param(probe.model, v.path);
            unit = ps >= 0 && probe.model->params[ps].range == HNB_RANGE_UNIT;
            hnb_run_free(&probe);
        }
    }
    if (range_arg) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", range_arg);
        char *colon = strchr(buf, ':');
        if (!colon || (*colon = 0, parse_number(buf, &lo)) || parse_number(colon + 1, &hi) ||
            !(lo < hi)) {
            fprintf(stderr, "hnb solve: --range: expected LO:HI with LO < HI, e.g. 0%%:25%%, found '%s'\n",
                    range_arg);
            whatif_close(&wi);
            goto bad;
        }
    } else if (!unit) {
        fprintf(stderr, "hnb solve: --range LO:HI is needed for %s (only rates, shares and "
                        "fractions default to 0:1)\n",
                v.path);
        whatif_close(&wi);
        goto bad;
    }
    double goal = t.prob ? t.p : t.value;
    solve_ctx sc = {&wi, &c, &t, &err, 0, 0};
    double ylo, yhi;
    if ((rc = figure(&sc, lo, &ylo)) || (rc = figure(&sc, hi, &yhi))) {
        whatif_close(&wi);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    const char *cmp_op = t.prob ? t.pop : t.op;
    int ok_lo = holds(cmp_op, ylo, goal), ok_hi = holds(cmp_op, yhi, goal);
    char a[64], b[64], xa[64], xb[64];
    fmt_value(xa, sizeof xa, v.path, lo);
    fmt_value(xb, sizeof xb, v.path, hi);
    fmt_figure(a, sizeof a, &t, ylo);
    fmt_figure(b, sizeof b, &t, yhi);
    if (!c.quiet) {
        printf("target:  %s\n", t.text);
        printf("vary:    %s over [%s, %s]%s", v.path, xa, xb, isnan(current) ? "\n" : "");
        if (!isnan(current)) {
            char cv[64];
            fmt_value(cv, sizeof cv, v.path, current);
            printf(" (the scenario has %s)\n", cv);
        }
        printf("at %s:  %s %s\nat %s:  %s %s\n", xa, a, ok_lo ? "(meets the target)" : "(misses)",
               xb, b, ok_hi ? "(meets the target)" : "(misses)");
    }
    if (ok_lo && ok_hi) {
        printf("Every value of %s from %s to %s meets the target.\n", v.path, xa, xb);
        whatif_close(&wi);
        hnb_cli_free(&c);
        return 0;
    }
    if (!ok_lo && !ok_hi) {
        printf("No value of %s from %s to %s meets the target: the figure runs from %s to %s.\n",
               v.path, xa, xb, a, b);
        whatif_close(&wi);
        hnb_cli_free(&c);
        return 3;
    }
    /* Brent on f(x) = figure(x) - goal, bracketed by [lo, hi] */
    brent_ctx bc = {&sc, goal};
    gsl_function F = {brent_f, &bc};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    double root = (lo + hi) / 2;
    int status = GSL_CONTINUE;
    if ((ylo - goal) * (yhi - goal) > 0) {
        /* met on one side but the figure does not cross the goal (an equality
         * at an end, or a step): the boundary is the end that meets it */
        root = ok_lo ? lo : hi;
        status = GSL_SUCCESS;
    } else if (gsl_root_fsolver_set(s, &F, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 200 && status == GSL_CONTINUE && !sc.failed; it++) {
            gsl_root_fsolver_iterate(s);
            root = gsl_root_fsolver_root(s);
            double xl = gsl_root_fsolver_x_lower(s), xu = gsl_root_fsolver_x_upper(s);
            status = gsl_root_test_interval(xl, xu, 0, 1e-10 * (fabs(hi) + fabs(lo)) + 1e-15);
            /* a probability is a step function of x: stop when the steps are resolved */
            if (t.prob && xu - xl < 1e-6 * (hi - lo)) status = GSL_SUCCESS;
        }
    }
    gsl_root_fsolver_free(s);
    if (sc.failed) {
        whatif_close(&wi);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    double yr;
    if ((rc = figure(&sc, root, &yr))) {
        whatif_close(&wi);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    char xr[64], fr[64];
    fmt_value(xr, sizeof xr, v.path, root);
    fmt_figure(fr, sizeof fr, &t, yr);
    int below = ok_lo; /* values on the low side meet it */
    printf("Solution: %s = %s gives %s%s; %s values %s meet the target (%ld evaluations).\n",
           v.path, xr, fr, status == GSL_SUCCESS ? "" : " (not fully converged)",
           below ? "lower" : "higher", below ? "up to it" : "from it up", sc.evals);
    if (c.outdir) {
        hnb_outset *o = hnb_outset_create(c.outdir, &err);
        FILE *f = o ? hnb_outset_open(o, "solve.csv", &err) : NULL;
        if (f) {
            fputs("target,path,value,figure,meets,range_low,range_high,evaluations\n", f);
            hnb_csv_field(f, t.text);
            fputc(',', f);
            hnb_csv_field(f, v.path);
            fprintf(f, ",%.10g,%.10g,%s,%.10g,%.10g,%ld\n", root, yr,
                    below ? "at or below" : "at or above", lo, hi, sc.evals);
        }
        int wrc = f ? hnb_outset_commit(o, &err) : HNB_EFAIL;
        hnb_outset_free(o);
        if (wrc) {
            whatif_close(&wi);
        hnb_cli_free(&c);
            return hnb_cli_report(&err);
        }
    }
    whatif_close(&wi);
    hnb_cli_free(&c);
    return 0;
bad:
    hnb_cli_free(&c);
    return 2;
}

/* ---- sweep ---- */

static void usage_sweep(FILE *f)
{
    fputs("usage: hnb sweep SCENARIO --vary PATH=FROM:TO:STEPS [--vary PATH=FROM:TO:STEPS]\n"
          "                [-o DIR] [options]\n"
          "\n"
          "Run SCENARIO over an even grid of one or two values (any path --set accepts)\n"
          "and tabulate the cumulative deficit at the override's end and at the horizon\n"
          "(with draws, also P50 and P90). Writes sweep.csv and sweep.md into DIR\n"
          "(default out/<scenario>-sweep-<path>/, one a value varied). Example:\n"
          "  hnb sweep scenarios/leicestershire-2025.yaml --vary new_plans.growth=0%:15%:7\n"
          "\n"
          "      --vary PATH=FROM:TO:STEPS   FROM and TO may be percentages or money\n" HNB_CLI_HELP
          "  -h, --help             this help\n",
          f);
}

typedef struct {
    double x[2];
    int ok;
    double at_override, at_horizon;
    int has_override;
    double p50o, p90o, p50h, p90h;
    int has_mc;
    char error[512];
} sweep_point;

int hnb_cmd_sweep(int argc, char **argv)
{
    static const struct option longs[] = {{"vary", required_argument, 0, 3001},
                                          {"help", no_argument, 0, 'h'},
                                          HNB_CLI_LONGS,
                                          {0, 0, 0, 0}};
    hnb_cli c;
    hnb_cli_init(&c);
    hnb_cli_warn_once();
    vary v[2];
    int nv = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, "sweep");
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage_sweep(stdout);
            hnb_cli_free(&c);
            return 0;
        }
        if (opt != 3001) {
            usage_sweep(stderr);
            goto bad;
        }
        if (nv == 2) {
            fprintf(stderr, "hnb sweep: at most two --vary\n");
            goto bad;
        }
        if (parse_vary(optarg, &v[nv], 1)) {
            fprintf(stderr, "hnb sweep: --vary: expected PATH=FROM:TO:STEPS with 2 to 1000 steps, "
                            "e.g. new_plans.growth=0%%:15%%:7, found '%s'\n",
                    optarg);
            goto bad;
        }
        nv++;
    }
    if (optind != argc - 1 || nv == 0) {
        fprintf(stderr, "hnb sweep: expected SCENARIO and at least one --vary\n");
        usage_sweep(stderr);
        goto bad;
    }
    const char *file = argv[optind];
    int n0 = v[0].steps, n1 = nv == 2 ? v[1].steps : 1;
    sweep_point *pts = calloc((size_t)n0 * n1, sizeof *pts);
    if (!pts) hnb_oom();
    const char *paths[2] = {v[0].path, nv == 2 ? v[1].path : NULL};
    hnb_err err = {0};
    char name[512] = "", l_over[8] = "", l_hor[8] = "";
    int any_mc = 0, any_override = 0, failures = 0, kind_known = 0;
    hnb_kind kinds[2] = {HNB_KIND_COUNT, HNB_KIND_COUNT};
    char words[2][400] = {"", ""}; /* the varied values in words, for the chart */
    /* the scenario once, the varied values slots of it (whatif_open) */
    whatif wi;
    {
        double x0[2] = {v[0].from, nv == 2 ? v[1].from : 0};
        int orc = whatif_open(&wi, file, &c, paths, x0, nv, &err);
        /* the scenario itself is bad, or a --vary path, or its first value:
         * said once, not at every point */
        if (orc && (err.line > 0 || err.file[0])) {
            free(pts);
            hnb_cli_free(&c);
            return hnb_cli_report(&err);
        }
        if (orc) wi = (whatif){file, &c, paths, nv, NULL, {-1, -1}}; /* each point reports its own */
    }
    for (int i = 0; i < n0; i++)
        for (int j = 0; j < n1; j++) {
            sweep_point *pt = &pts[i * n1 + j];
            pt->x[0] = v[0].from + (v[0].to - v[0].from) * i / (n0 - 1);
            if (nv == 2) pt->x[1] = v[1].from + (v[1].to - v[1].from) * j / (n1 - 1);
            hnb_run run;
            memset(&err, 0, sizeof err);
            if (whatif_run(&wi, pt->x, -1, &run, &err)) {
                hnb_err_format(&err, pt->error, sizeof pt->error);
                failures++;
                if (err.line > 0 && i == 0 && j == 0 && !wi.m) { /* the scenario itself is bad */
                    free(pts);
                    hnb_cli_free(&c);
                    return hnb_cli_report(&err);
                }
                continue;
            }
            const hnb_model *m = run.model;
            pt->ok = 1;
            snprintf(name, sizeof name, "%s", m->name);
            for (int k = 0; k < nv && !kind_known; k++) { /* how the values are written */
                int slot = hnb_model_find_param(m, v[k].path);
                if (slot >= 0) {
                    kinds[k] = m->params[slot].kind;
                    hnb_param_describe(m, &m->params[slot], words[k], sizeof words[k]);
                }
            }
            kind_known = 1;
            int t = m->years - 1;
            hnb_year_label(m->start_year + t, l_hor);
            pt->at_horizon = run.result->cumulative_deficit[t];
            if (m->override_end) {
                int known;
                pt->at_override = hnb_run_deficit_at(&run, m->override_end - 1, &known);
                pt->has_override = known;
                any_override |= known;
                hnb_year_label(m->override_end - 1, l_over);
            }
            if (run.mc) {
                const hnb_mc *mc = run.mc;
                pt->has_mc = any_mc = 1;
                int to = m->override_end ? m->override_end - 1 - m->start_year : -1;
                const double *qh = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
                pt->p50h = qh[HNB_Q50];
                pt->p90h = qh[HNB_Q90];
                if (to >= 0 && to < m->years) {
                    const double *qo = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, to);
                    pt->p50o = qo[HNB_Q50];
                    pt->p90o = qo[HNB_Q90];
                }
            }
            hnb_run_free(&run);
        }
    whatif_close(&wi);
    char dir[4096];
    if (c.outdir) {
        snprintf(dir, sizeof dir, "%s", c.outdir);
    } else {
        char st[1024];
        hnb_file_stem(file, st, sizeof st);
        /* named by what is varied, so that a sweep of another value does
         * not replace this one */
        char what[600];
        size_t w = 0;
        for (int k = 0; k < nv; k++) {
            if (k && w + 2 < sizeof what) what[w++] = '-';
            /* lower case; a run of anything else (spaces, punctuation, bytes of
             * UTF-8) one '-': "mitigations.tighter-ehcna-decisions.reduction" */
            for (const char *q = v[k].path; *q && w + 2 < sizeof what; q++) {
                char c = *q >= 'A' && *q <= 'Z' ? (char)(*q - 'A' + 'a') : *q;
                int plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
                if (plain) what[w++] = c;
                else if (w > 0 && what[w - 1] != '-') what[w++] = '-';
            }
        }
        what[w] = 0;
        snprintf(dir, sizeof dir, "out/%s-sweep-%s", st, what);
    }
    hnb_outset *o = hnb_outset_create(dir, &err);
    int rc = o ? HNB_OK : HNB_EFAIL;
    FILE *f = o ? hnb_outset_open(o, "sweep.csv", &err) : NULL;
    if (o && !f) rc = HNB_EFAIL;
    if (f) {
        hnb_csv_field(f, v[0].path);
        if (nv == 2) {
            fputc(',', f);
            hnb_csv_field(f, v[1].path);
        }
        fputs(",deficit_at_override,deficit_at_horizon", f);
        if (any_mc) fputs(",p50_override,p90_override,p50_horizon,p90_horizon", f);
        fputs(",error\n", f);
        for (int k = 0; k < n0 * n1; k++) {
            sweep_point *pt = &pts[k];
            char b[64];
            fprintf(f, "%.10g", pt->x[0]);
            if (nv == 2) fprintf(f, ",%.10g", pt->x[1]);
            fputc(',', f);
            if (pt->ok && pt->has_override) hnb_fmt_fixed(b, sizeof b, pt->at_override, 2), fputs(b, f);
            fputc(',', f);
            if (pt->ok) hnb_fmt_fixed(b, sizeof b, pt->at_horizon, 2), fputs(b, f);
            if (any_mc) {
                double q[4] = {pt->p50o, pt->p90o, pt->p50h, pt->p90h};
                for (int z = 0; z < 4; z++) {
                    fputc(',', f);
                    if (pt->ok && pt->has_mc) hnb_fmt_fixed(b, sizeof b, q[z], 2), fputs(b, f);
                }
            }
            fputc(',', f);
            hnb_csv_field(f, pt->error);
            fputc('\n', f);
        }
    }
    FILE *md = rc ? NULL : hnb_outset_open(o, "sweep.md", &err);
    if (!rc && !md) rc = HNB_EFAIL;
    if (md) {
        fprintf(md, "# %s: sweep of %s%s%s\n\n", name, v[0].path, nv == 2 ? " and " : "",
                nv == 2 ? v[1].path : "");
        if (nv == 1) {
            fprintf(md, "| %s | Deficit at the end of %s (£m) | Deficit at the end of %s (£m) |%s\n",
                    v[0].path, any_override ? l_over : "-", l_hor,
                    any_mc ? " P50 / P90 at the horizon (£m) |" : "");
            fprintf(md, "|---:|---:|---:|%s\n", any_mc ? "---:|" : "");
            for (int i = 0; i < n0; i++) {
                sweep_point *pt = &pts[i];
                char b1[64] = "", b2[64] = "", b3[64] = "", b4[64] = "";
                if (pt->ok && pt->has_override) hnb_fmt_fixed(b1, sizeof b1, pt->at_override / 1e6, 1);
                if (pt->ok) hnb_fmt_fixed(b2, sizeof b2, pt->at_horizon / 1e6, 1);
                if (pt->ok && pt->has_mc) {
                    hnb_fmt_fixed(b3, sizeof b3, pt->p50h / 1e6, 1);
                    hnb_fmt_fixed(b4, sizeof b4, pt->p90h / 1e6, 1);
                }
                char xv[HNB_NUM_BUF];
                fprintf(md, "| %s | %s | %s |", hnb_fmt_value(xv, sizeof xv, kinds[0], pt->x[0]),
                        pt->ok ? b1 : "error", b2);
                if (any_mc) fprintf(md, " %s / %s |", b3, b4);
                fputc('\n', md);
            }
        } else {
            for (int which = 0; which < 2; which++) {
                if (which == 0 && !any_override) continue;
                fprintf(md, "\nCumulative deficit at the end of %s (£m): rows %s, columns %s.\n\n",
                        which ? l_hor : l_over, v[0].path, v[1].path);
                fprintf(md, "| |");
                char xv[HNB_NUM_BUF];
                for (int j = 0; j < n1; j++)
                    fprintf(md, " %s |", hnb_fmt_value(xv, sizeof xv, kinds[1], pts[j].x[1]));
                fprintf(md, "\n|---:|");
                for (int j = 0; j < n1; j++) fprintf(md, "---:|");
                fputc('\n', md);
                for (int i = 0; i < n0; i++) {
                    fprintf(md, "| **%s** |", hnb_fmt_value(xv, sizeof xv, kinds[0], pts[i * n1].x[0]));
                    for (int j = 0; j < n1; j++) {
                        sweep_point *pt = &pts[i * n1 + j];
                        char b[64] = "error";
                        if (pt->ok) hnb_fmt_fixed(b, sizeof b, (which ? pt->at_horizon : pt->at_override) / 1e6, 1);
                        fprintf(md, " %s |", b);
                    }
                    fputc('\n', md);
                }
            }
        }
    }
    /* the chart: lines over one value, a heat map over two */
    if (!rc && c.run.charts && hnb_plot_dir()) {
        char cdir[4200], data[4300], base[4300], script[4400], extra[4096] = "";
        snprintf(cdir, sizeof cdir, "%s/charts", hnb_outset_dir(o));
        snprintf(data, sizeof data, "%s/sweep.csv", cdir);
        FILE *g = hnb_mkdirs(cdir, &err) == HNB_OK ? fopen(data, "w") : NULL;
        if (g) {
            for (int i = 0; i < n0; i++) {
                for (int j = 0; j < n1; j++) {
                    sweep_point *pt = &pts[i * n1 + j];
                    if (!pt->ok) continue;
                    /* a rate on the axis in per cent, as the scenario writes it */
                    double x0 = pt->x[0] * (kinds[0] == HNB_KIND_RATE ? 100 : 1);
                    double x1 = pt->x[1] * (kinds[1] == HNB_KIND_RATE ? 100 : 1);
                    if (nv == 1)
                        fprintf(g, "%.10g,%.3f,%.3f\n", x0,
                                pt->has_override ? pt->at_override / 1e6 : NAN, pt->at_horizon / 1e6);
                    else
                        fprintf(g, "%.10g,%.10g,%.3f\n", x0, x1, pt->at_horizon / 1e6);
                }
                if (nv == 2) fputc('\n', g);
            }
            fclose(g);
            snprintf(extra, sizeof extra, "dims=%d", nv);
            char mid[2][800]; /* mid-sentence: "growth in new plans" */
            for (int k = 0; k < 2; k++) {
                snprintf(mid[k], sizeof mid[k], "%s", words[k]);
                if (mid[k][0] >= 'A' && mid[k][0] <= 'Z' && mid[k][1] >= 'a' && mid[k][1] <= 'z')
                    mid[k][0] = (char)(mid[k][0] - 'A' + 'a');
            }
            char axis[2][1200];
            for (int k = 0; k < 2; k++)
                snprintf(axis[k], sizeof axis[k], "%s%s", words[k][0] ? words[k] : v[k < nv ? k : 0].path,
                         kinds[k] == HNB_KIND_RATE ? " (%)" : kinds[k] == HNB_KIND_MONEY ? " (£)" : "");
            hnb_plot_var(extra, sizeof extra, "xlabel_text", axis[0]);
            hnb_plot_var(extra, sizeof extra, "ylabel_text", nv == 2 ? axis[1] : "");
            hnb_plot_var(extra, sizeof extra, "override_label", l_over);
            hnb_plot_var(extra, sizeof extra, "horizon_label", l_hor);
            snprintf(script, sizeof script, "%s/sweep.gp", hnb_plot_dir());
            snprintf(base, sizeof base, "%s/sweep", cdir);
            char title[2200];
            snprintf(title, sizeof title, "%s: the deficit as %s%s%s varies", name,
                     mid[0][0] ? mid[0] : v[0].path, nv == 2 ? " and " : "",
                     nv == 2 ? (mid[1][0] ? mid[1] : v[1].path) : "");
            hnb_plot_draw(script, data, base, title, extra, c.run.charts);
        }
    }
    if (!rc) rc = hnb_outset_commit(o, &err);
    hnb_outset_free(o);
    if (!rc && !c.quiet) {
        char pb[1024];
        printf("%s over %d point%s (%d failed): %s/sweep.csv, %s/sweep.md\n",
               hnb_printable(name, pb, sizeof pb), n0 * n1,
               n0 * n1 == 1 ? "" : "s", failures, dir, dir);
        if (nv == 1)
            for (int i = 0; i < n0; i++) {
                sweep_point *pt = &pts[i];
                char xv[HNB_NUM_BUF], a1[HNB_NUM_BUF], a2[HNB_NUM_BUF];
                hnb_fmt_value(xv, sizeof xv, kinds[0], pt->x[0]);
                if (!pt->ok) {
                    printf("  %s = %-12s %s\n", v[0].path, xv, pt->error);
                    continue;
                }
                if (pt->has_override)
                    printf("  %s = %-12s deficit %s at the end of %s, %s at the end of %s\n",
                           v[0].path, xv, hnb_fmt_pm(a1, pt->at_override), l_over,
                           hnb_fmt_pm(a2, pt->at_horizon), l_hor);
                else
                    printf("  %s = %-12s deficit %s at the end of %s\n", v[0].path, xv,
                           hnb_fmt_pm(a1, pt->at_horizon), l_hor);
            }
    }
    free(pts);
    hnb_cli_free(&c);
    if (rc) return hnb_cli_report(&err);
    return failures ? 1 : 0;
bad:
    hnb_cli_free(&c);
    return 2;
}
