/* compare.c - `hnb compare`: scenarios side by side.
 *
 * The budget-paper lines of every scenario by year, with the difference
 * from the first, in CSV, Markdown and HTML. Each scenario is computed by
 * the same runner as `hnb run`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/cli.h"
#include "hnb/html.h"
#include "hnb/plot.h"
#include "hnb/report.h"
#include "hnb/mem.h"

/* The budget-paper lines; with the 2026 regime or the DSG (SPEC section 13)
 * in any scenario, its lines after them. */
static const char *const titles[] = {"Expenditure",     "Grant and income", "Planned mitigations",
                                     "Annual funding gap", "Cumulative deficit", "Stability grant",
                                     "Central support", "DSG-wide deficit"};
enum { NLINES = 5, NALL = 8 };

static const double *line_of(const hnb_result *r, int k)
{
    const double *v[NALL] = {r->expenditure,        r->income,          r->mitigations,
                             r->annual_gap,         r->cumulative_deficit, r->stability_grant,
                             r->central_funding,    r->dsg_deficit};
    return v[k];
}

/* Value of line K for run R in calendar year Y; 0 with *ok = 0 outside. */
static double value_at(const hnb_run *r, int k, int y, int *ok)
{
    int t = y - r->model->start_year;
    *ok = t >= 0 && t < r->model->years;
    return *ok ? line_of(r->result, k)[t] : 0;
}

static void usage(FILE *f)
{
    fputs("usage: hnb compare A.yaml B.yaml ... [-o DIR] [options]\n"
          "\n"
          "The budget-paper lines (expenditure, grant and income, mitigations, annual gap,\n"
          "cumulative deficit) of every scenario side by side by year, with the difference\n"
          "from the first; P10-P90 of the cumulative deficit where drawn. Writes\n"
          "compare.csv, compare.md and compare.html into DIR (default out/compare/).\n" HNB_CLI_HELP
          "  -h, --help             this help\n",
          f);
}

static void put_m(FILE *f, double x)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x / 1e6, 1);
    fputs(b, f);
}

/* Column names for scenarios: what tells them apart. The words all the
 * names begin with are dropped ("Leicestershire HNB MTFS 2025 (published
 * plan)" and "Leicestershire HNB MTFS 2025 with no mitigations delivered"
 * become "published plan" and "with no mitigations delivered"); where that
 * leaves a name empty, or names that are the same, the whole name (and its
 * place in the list) is kept. OUT[i] is malloc'd. */
static void short_names(const char *const *names, int n, char **out)
{
    size_t common = 0;
    if (n > 1) {
        /* the longest run of whole words every name starts with */
        for (size_t k = 0;; k++) {
            char c = names[0][k];
            int same = 1;
            for (int i = 1; i < n && same; i++) same = names[i][k] == c;
            if (!same || !c) {
                if (!same || !c) break;
            }
            if (c == ' ') common = k + 1;
        }
    }
    for (int i = 0; i < n; i++) {
        const char *s = names[i] + common;
        int paren = 0; /* a "(" dropped from the front: its ")" goes too, and no other */
        while (*s == ' ' || *s == '(' || *s == '-' || *s == ',') paren += *s++ == '(';
        size_t len = strlen(s);
        while (len && s[len - 1] == ' ') len--;
        if (paren && len && s[len - 1] == ')') len--;
        if (!len) s = names[i], len = strlen(s);
        out[i] = malloc(len + 16);
        if (!out[i]) hnb_oom();
        snprintf(out[i], len + 16, "%.*s", (int)len, s);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(out[i], out[j])) {
                free(out[i]);
                size_t len = strlen(names[i]) + 16;
                out[i] = malloc(len);
                if (!out[i]) hnb_oom();
                snprintf(out[i], len, "%d. %s", i + 1, names[i]);
                break;
            }
}

int hnb_cmd_compare(int argc, char **argv)
{
    static const struct option longs[] = {{"help", no_argument, 0, 'h'}, HNB_CLI_LONGS, {0, 0, 0, 0}};
    hnb_cli c;
    hnb_cli_init(&c);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, "compare");
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage(stdout);
            hnb_cli_free(&c);
            return 0;
        }
        usage(stderr);
        goto bad;
    }
    int n = argc - optind;
    if (n < 2) {
        fprintf(stderr, "hnb compare: expected two or more scenario files (the first is the one the "
                        "others are compared with)%s\n",
                n == 1 ? "; for one scenario, hnb run" : "");
        usage(stderr);
        goto bad;
    }
    hnb_run *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) hnb_oom();
    hnb_err err = {0};
    int rc = HNB_OK, done = 0;
    for (int i = 0; i < n && !rc; i++, done++) rc = hnb_run_compute(argv[optind + i], &c.run, &runs[i], &err);
    if (rc) done--;
    int y0 = 1 << 30, y1 = -(1 << 30);
    for (int i = 0; i < done; i++) {
        const hnb_model *m = runs[i].model;
        if (m->start_year < y0) y0 = m->start_year;
        if (m->start_year + m->years - 1 > y1) y1 = m->start_year + m->years - 1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", c.outdir ? c.outdir : "out/compare");
    hnb_outset *o = NULL;
    if (!rc) {
        o = hnb_outset_create(dir, &err);
        if (!o) rc = HNB_EFAIL;
    }
    /* the overlay chart: central lines, P10-P90 bands where drawn */
    char svg[4400] = "";
    if (!rc && c.run.charts && hnb_plot_dir()) {
        char cdir[4200], data[4300], base[4300], script[4400], extra[256];
        snprintf(cdir, sizeof cdir, "%s/charts", hnb_outset_dir(o));
        if (hnb_mkdirs(cdir, &err) == HNB_OK) {
            snprintf(data, sizeof data, "%s/compare.csv", cdir);
            FILE *g = fopen(data, "w");
            if (g) {
                fputs("year,label", g);
                for (int i = 0; i < n; i++) {
                    fputc(',', g);
                    for (const char *q = runs[i].model->name; *q; q++) fputc(*q == ',' ? ';' : *q, g);
                    fprintf(g, ",p10_%d,p90_%d", i + 1, i + 1);
                }
                fputc('\n', g);
                for (int y = y0; y <= y1; y++) {
                    char label[8];
                    hnb_year_label(y, label);
                    fprintf(g, "%d,%s", y, label);
                    for (int i = 0; i < n; i++) {
                        const hnb_model *m = runs[i].model;
                        int t = y - m->start_year;
                        if (t < 0 || t >= m->years) {
                            fputs(",,,", g);
                            continue;
                        }
                        fprintf(g, ",%.3f", runs[i].result->cumulative_deficit[t] / 1e6);
                        if (runs[i].mc) {
                            const double *q = hnb_mc_pct(runs[i].mc, HNB_MC_CUMULATIVE, t);
                            fprintf(g, ",%.3f,%.3f", q[HNB_Q10] / 1e6, q[HNB_Q90] / 1e6);
                        } else {
                            fputs(",,", g);
                        }
                    }
                    fputc('\n', g);
                }
                fclose(g);
                snprintf(script, sizeof script, "%s/compare.gp", hnb_plot_dir());
                snprintf(base, sizeof base, "%s/compare", cdir);
                snprintf(extra, sizeof extra, "nscen=%d", n);
                int oe = runs[0].model->override_end; /* the line, when they agree */
                for (int i = 1; i < n; i++)
                    if (runs[i].model->override_end != oe) oe = 0;
                if (oe) {
                    char v[16];
                    snprintf(v, sizeof v, "%d", oe);
                    hnb_plot_var(extra, sizeof extra, "override_end", v);
                }
                if (hnb_plot_draw(script, data, base, "Cumulative deficit by scenario", extra,
                                  c.run.charts | HNB_CHART_SVG) == 0)
                    snprintf(svg, sizeof svg, "%s.svg", base);
            }
        }
    }
    FILE *f = NULL, *md = NULL, *h = NULL;
    if (!rc && (!(f = hnb_outset_open(o, "compare.csv", &err)) ||
                !(md = hnb_outset_open(o, "compare.md", &err)) ||
                !(h = hnb_outset_open(o, "compare.html", &err))))
        rc = HNB_EFAIL;
    if (!rc) {
        /* the regime's and the DSG's lines, when any scenario has them */
        int any_regime = 0, any_dsg = 0;
        for (int i = 0; i < n; i++) {
            any_regime |= runs[i].model->regime.given;
            any_dsg |= runs[i].model->dsg.given;
        }
        int lines[NALL], nlines = 0;
        for (int k = 0; k < NALL; k++)
            if (k < NLINES || (k < 7 && any_regime) || (k == 7 && any_dsg)) lines[nlines++] = k;
        /* CSV: long form, one row a scenario and year */
        fprintf(f, "scenario,year,label,expenditure,income,mitigations,annual_gap,cumulative_deficit,"
                   "cumulative_deficit_vs_first,p10,p50,p90%s%s\n",
                any_regime ? ",stability_grant,central_funding" : "", any_dsg ? ",dsg_deficit" : "");
        for (int i = 0; i < n; i++) {
            const hnb_model *m = runs[i].model;
            for (int t = 0; t < m->years; t++) {
                int y = m->start_year + t, ok;
                char label[8], b[64];
                hnb_year_label(y, label);
                hnb_csv_field(f, m->name);
                fprintf(f, ",%d,%s", y, label);
                for (int k = 0; k < NLINES; k++) {
                    hnb_fmt_fixed(b, sizeof b, line_of(runs[i].result, k)[t], 2);
                    fprintf(f, ",%s", b);
                }
                double first = value_at(&runs[0], NLINES - 1, y, &ok);
                fputc(',', f);
                if (ok) {
                    hnb_fmt_fixed(b, sizeof b, runs[i].result->cumulative_deficit[t] - first, 2);
                    fputs(b, f);
                }
                for (int q = HNB_Q10; q <= HNB_Q90; q += 2) {
                    fputc(',', f);
                    if (runs[i].mc) {
                        hnb_fmt_fixed(b, sizeof b, hnb_mc_pct(runs[i].mc, HNB_MC_CUMULATIVE, t)[q], 2);
                        fputs(b, f);
                    }
                }
                for (int j = NLINES; j < nlines; j++) {
                    hnb_fmt_fixed(b, sizeof b, line_of(runs[i].result, lines[j])[t], 2);
                    fprintf(f, ",%s", b);
                }
                fputc('\n', f);
            }
        }
        /* Markdown and HTML: a table a budget line; scenarios as columns */
        fputs("# Scenarios compared\n\n", md);
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Scenarios "
              "compared</title>\n<style>\n",
              h);
        fputs(hnb_html_style, h);
        fputs("</style></head><body>\n<h1>Scenarios compared</h1>\n<ol>\n", h);
        /* columns named by what tells the scenarios apart */
        const char **names = calloc((size_t)n + 1, sizeof *names);
        char **shorts = calloc((size_t)n + 1, sizeof *shorts);
        if (!names || !shorts) hnb_oom();
        for (int i = 0; i < n; i++) names[i] = runs[i].model->name;
        short_names(names, n, shorts);
        for (int i = 0; i < n; i++) {
            fprintf(md, "%d. **%s** (`%s`)\n", i + 1, runs[i].model->name, argv[optind + i]);
            fputs("<li><b>", h);
            hnb_html_escape(h, runs[i].model->name);
            fputs("</b> (", h);
            hnb_html_escape(h, argv[optind + i]);
            fputs(")</li>\n", h);
        }
        fputs("</ol>\n", h);
        if (svg[0]) { /* inline, so the page stands alone */
            FILE *in = fopen(svg, "r");
            if (!in && errno == ENOMEM) hnb_oom();
            if (in) {
                char buf[8192];
                int started = 0;
                fputs("<figure>", h);
                while (fgets(buf, sizeof buf, in)) {
                    char *at = started ? buf : strstr(buf, "<svg");
                    if (!at) continue;
                    started = 1;
                    fputs(at, h);
                }
                fclose(in);
                fputs("</figure>\n", h);
            }
            fprintf(md, "\n![Cumulative deficit by scenario](charts/compare.%s)\n",
                    c.run.charts & HNB_CHART_PNG ? "png" : "svg");
        }
        for (int j = 0; j < nlines; j++) {
            const int k = lines[j];
            fprintf(md, "\n## %s (£m)\n\n| Year |", titles[k]);
            fprintf(h, "<h2>%s (£m)</h2>\n<table><tr><th>Year</th>", titles[k]);
            for (int i = 0; i < n; i++) {
                fprintf(md, " %s |", shorts[i]);
                fputs("<th>", h);
                hnb_html_escape(h, shorts[i]);
                fputs("</th>", h);
            }
            for (int i = 1; i < n; i++) {
                fprintf(md, " %s, change from %s |", shorts[i], shorts[0]);
                fputs("<th>", h);
                hnb_html_escape(h, shorts[i]);
                fputs(": change from ", h);
                hnb_html_escape(h, shorts[0]);
                fputs("</th>", h);
            }
            fputs("\n|---|", md);
            for (int i = 0; i < 2 * n - 1; i++) fputs("---:|", md);
            fputs("</tr>\n", h);
            fputc('\n', md);
            for (int y = y0; y <= y1; y++) {
                char label[8];
                hnb_year_label(y, label);
                fprintf(md, "| %s |", label);
                fprintf(h, "<tr><th>%s</th>", label);
                for (int i = 0; i < n; i++) {
                    int ok;
                    double v = value_at(&runs[i], k, y, &ok);
                    fputc(' ', md);
                    fputs("<td class=n>", h);
                    if (ok) put_m(md, v), put_m(h, v);
                    fputs(" |", md);
                    fputs("</td>", h);
                }
                int ok0;
                double v0 = value_at(&runs[0], k, y, &ok0);
                for (int i = 1; i < n; i++) {
                    int ok;
                    double v = value_at(&runs[i], k, y, &ok);
                    fputc(' ', md);
                    fputs("<td class=n>", h);
                    if (ok && ok0) put_m(md, v - v0), put_m(h, v - v0);
                    fputs(" |", md);
                    fputs("</td>", h);
                }
                fputc('\n', md);
                fputs("</tr>\n", h);
            }
            fputs("</table>\n", h);
        }
        int any_mc = 0;
        for (int i = 0; i < n; i++) any_mc |= runs[i].mc != NULL;
        if (any_mc) {
            fputs("\n## Cumulative deficit, P10 - P90 (£m)\n\n| Year |", md);
            for (int i = 0; i < n; i++) fprintf(md, " %s |", shorts[i]);
            fputs("\n|---|", md);
            for (int i = 0; i < n; i++) fputs("---:|", md);
            fputc('\n', md);
            for (int y = y0; y <= y1; y++) {
                char label[8];
                hnb_year_label(y, label);
                fprintf(md, "| %s |", label);
                for (int i = 0; i < n; i++) {
                    const hnb_model *m = runs[i].model;
                    int t = y - m->start_year;
                    fputc(' ', md);
                    if (runs[i].mc && t >= 0 && t < m->years) {
                        const double *q = hnb_mc_pct(runs[i].mc, HNB_MC_CUMULATIVE, t);
                        put_m(md, q[HNB_Q10]);
                        fputs(" - ", md);
                        put_m(md, q[HNB_Q90]);
                    }
                    fputs(" |", md);
                }
                fputc('\n', md);
            }
        }
        fputs("</body></html>\n", h);
        for (int i = 0; i < n; i++) free(shorts[i]);
        free(shorts);
        free(names);
        rc = hnb_outset_commit(o, &err);
    }
    hnb_outset_free(o);
    for (int i = 0; i < done; i++) hnb_run_free(&runs[i]);
    free(runs);
    hnb_cli_free(&c);
    if (rc) return hnb_cli_report(&err);
    if (!c.quiet) printf("%d scenarios compared: %s/compare.md, compare.csv, compare.html\n", n, dir);
    return 0;
bad:
    hnb_cli_free(&c);
    return 2;
}
