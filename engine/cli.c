/* cli.c - shared command-line options and error reporting. */
#include "hnb/cli.h"

#include "hnb/plot.h"
#include "hnb/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hnb_cli_init(hnb_cli *c)
{
    memset(c, 0, sizeof *c);
    hnb_run_opts_init(&c->run);
    /* SVG: what report.html inlines, drawn at a fraction of a PNG's cost
     * (cairo's hatching); PNG, PDF and the report's print copies when
     * asked for (plot.h) */
    c->run.charts = HNB_CHART_SVG;
}

void hnb_cli_free(hnb_cli *c)
{
    free(c->sets);
    c->sets = NULL;
}

static int whole(const char *cmd, const char *name, const char *arg, long long lo, long long hi,
                 long long *out)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (!*arg || *end || v < lo || v > hi) {
        fprintf(stderr, "hnb %s: --%s: expected a whole number from %lld to %lld, found '%s'\n",
                cmd, name, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int hnb_cli_option(hnb_cli *c, int opt, const char *arg, const char *cmd)
{
    long long v;
    switch (opt) {
    case 'o':
        c->outdir = arg;
        return 1;
    case 's': {
        const char **n = realloc(c->sets, (size_t)(c->nsets + 1) * sizeof *n);
        if (!n) hnb_oom();
        c->sets = n;
        c->sets[c->nsets++] = arg;
        c->run.sets = c->sets;
        c->run.nsets = c->nsets;
        return 1;
    }
    case 'n':
        if (whole(cmd, "draws", arg, 0, 100000000LL, &v)) return -1;
        c->run.draws = (long)v;
        return 1;
    case 1001:
        if (whole(cmd, "seed", arg, 0, 999999999999LL, &v)) return -1;
        c->run.seed = v;
        return 1;
    case 'j':
        if (whole(cmd, "threads", arg, 1, 256, &v)) return -1;
        c->run.threads = (int)v;
        return 1;
    case 1002:
        if (!strcmp(arg, "random")) c->run.method = HNB_METHOD_RANDOM;
        else if (!strcmp(arg, "lhs")) c->run.method = HNB_METHOD_LHS;
        else if (!strcmp(arg, "sobol")) c->run.method = HNB_METHOD_SOBOL;
        else {
            fprintf(stderr, "hnb %s: --method: expected random, lhs or sobol, found '%s'\n", cmd,
                    arg);
            return -1;
        }
        return 1;
    case 1003:
        c->run.charts = 0;
        return 1;
    case 1005:
        if (!strcmp(arg, "ordered")) c->run.attribution = 0;
        else if (!strcmp(arg, "shapley")) c->run.attribution = 1;
        else {
            fprintf(stderr, "hnb %s: --attribution: expected ordered or shapley, found '%s'\n", cmd, arg);
            return -1;
        }
        return 1;
    case 1004: {
        int mask = hnb_chart_formats(arg);
        if (mask <= 0) {
            fprintf(stderr, "hnb %s: --charts: expected a list of svg, png, pdf and print, found '%s'\n",
                    cmd, arg);
            return -1;
        }
        c->run.charts = (unsigned)mask;
        return 1;
    }
    case 'q':
        c->quiet = 1;
        return 1;
    default:
        return 0;
    }
}

int hnb_cli_report(const hnb_err *e)
{
    char buf[2048];
    hnb_err_format(e, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
    return e->line > 0 || e->file[0] ? 2 : 1;
}

/* Warnings said once: a sweep or solve reloads the scenario many times. */
static char last_warnings[32][512];
static int nlast;

static void warn_once(void *ud, const char *text)
{
    (void)ud;
    for (int i = 0; i < nlast; i++)
        if (!strncmp(last_warnings[i], text, sizeof last_warnings[i] - 1)) return;
    if (nlast < 32) snprintf(last_warnings[nlast++], sizeof last_warnings[0], "%s", text);
    fprintf(stderr, "%s\n", text);
}

void hnb_cli_warn_once(void)
{
    hnb_warn_set_handler(warn_once, NULL);
}
