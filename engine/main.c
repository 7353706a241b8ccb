/* main.c - the hnb command line: subcommands, options, exit codes.
 *
 * Only this file decides exit codes and prints errors: 0 success, 2 bad
 * input (SPEC section 8), 1 any other failure. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnb/cli.h"
#include "hnb/mc.h"
#include "hnb/plot.h"
#include "hnb/model.h"
#include "hnb/project.h"
#include "hnb/report.h"
#include "hnb/runner.h"

#ifndef HNB_VERSION
#define HNB_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
    fputs("usage: hnb <command> [options]\n"
          "\n"
          "Forecast a council's High Needs Block: EHCPs, placements, costs, grant,\n"
          "mitigations and the cumulative deficit.\n"
          "\n"
          "commands:\n"
          "  run SCENARIO     project a scenario and write its tables into a directory\n"
          "  check SCENARIO   validate a scenario and print a one-screen summary\n"
          "  batch PATH...    run many scenarios; one table of results (batch.csv, index.html)\n"
          "  compare A B...   scenarios side by side, with the difference from the first\n"
          "  sweep SCENARIO   the deficit over a grid of one or two values (--vary)\n"
          "  solve SCENARIO   the value that meets a target (--vary, --target)\n"
          "  calibrate SCENARIO --history FILE\n"
          "                   forecast from the council's own history, with honest bands\n"
          "  backtest SCENARIO --history FILE [--origins Y1:Y2] [--horizon H]\n"
          "                   how well that forecasts years it did not see, beside naive rules\n"
          "  sen2 RELEASE_DIR... --la CODE\n"
          "                   a council's history and base population from the DfE SEN2 release\n"
          "  init --la CODE --sen2 RELEASE_DIR...\n"
          "                   a starter scenario for any council (--all: every council)\n"
          "\n"
          "options:\n"
          "  -h, --help       show this help (also: hnb COMMAND --help)\n"
          "  -V, --version    show the version\n"
          "\n"
          "exit status: 0 success, 2 bad input, 1 any other failure.\n"
          "The scenario format, every key with examples: docs/scenario.md.\n",
          f);
}

static void usage_run(FILE *f)
{
    fputs("usage: hnb run SCENARIO [-o DIR] [--set PATH=VALUE]... [--no-charts]\n"
          "               [--draws N] [--seed S] [--threads T] [--method random|lhs|sobol]\n"
          "               [--attribution ordered|shapley]\n"
          "\n"
          "Project SCENARIO and write projection.csv, placements.csv, mitigations.csv,\n"
          "report.html and workbook.xlsx (and with a v2 scenario dsg_plan.csv, and\n"
          "needs.csv with needs, pipeline.csv with a pipeline; docs/v2.md, docs/regime.md)\n"
          "and summary.md into DIR (default out/<scenario file name>/).\n"
          "\n"
          "  -o, --output DIR       output directory\n"
          "  -s, --set PATH=VALUE   override one value after extends: is merged, e.g.\n"
          "                         --set new_plans.growth=15%\n"
          "                         --set settings.special.capacity=2600\n"
          "                         --set \"mitigations.Banded funding model.delivery=0.5\"\n"
          "                         (VALUE is read as YAML; repeat for several)\n"
          "      --charts LIST      chart formats, from svg,png,pdf,print (default svg, which\n"
          "                         report.html inlines; print adds the PNG copies a printed\n"
          "                         report uses); charts go to DIR/charts/ with their data,\n"
          "                         drawn by gnuplot from plots/\n"
          "      --no-charts        do not draw charts\n"
          "\n"
          "Monte Carlo (SPEC section 6; the command line overrides monte_carlo: in the file;\n"
          "without draws in either, the run is deterministic):\n"
          "  -n, --draws N          number of draws; adds montecarlo.csv, sensitivity.csv,\n"
          "                         exceedance.csv and a Monte Carlo section to summary.md\n"
          "                         (0: none, the deterministic run alone)\n"
          "      --seed S           random seed (default: the file's, else 1)\n"
          "  -j, --threads T        worker threads (default: the number of processors);\n"
          "                         the outputs are the same for any T\n"
          "      --method M         random (default), lhs (Latin hypercube) or sobol\n"
          "\n"
          "      --attribution A    how mitigations.csv splits the mitigations' effect:\n"
          "                         ordered (switched on one at a time in listed order) or\n"
          "                         shapley (averaged over every order); overrides the file\n"
          "  -q, --quiet            print nothing on success\n"
          "  -h, --help             show this help\n",
          f);
}

static void usage_check(FILE *f)
{
    fputs("usage: hnb check SCENARIO [--set PATH=VALUE]...\n"
          "\n"
          "Validate SCENARIO (following extends: and applying --set) and print a\n"
          "one-screen summary. Exit status 2 and FILE:LINE:COLUMN: message on bad input.\n",
          f);
}

static int report_err(const hnb_err *e)
{
    char buf[2048];
    hnb_err_format(e, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
    return e->line > 0 || e->file[0] ? 2 : 1;
}

static int cmd_run(int argc, char **argv)
{
    /* the options every command shares (cli.h), and help */
    static const struct option longs[] = {{"help", no_argument, 0, 'h'}, HNB_CLI_LONGS, {0, 0, 0, 0}};
    hnb_cli o;
    hnb_cli_init(&o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&o, c, optarg, "run");
        if (r == 1) continue;
        if (r < 0) {
            hnb_cli_free(&o);
            return 2;
        }
        usage_run(c == 'h' ? stdout : stderr);
        hnb_cli_free(&o);
        return c == 'h' ? 0 : 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "hnb run: expected one SCENARIO file\n");
        usage_run(stderr);
        hnb_cli_free(&o);
        return 2;
    }
    const char *file = argv[optind];
    hnb_err err = {0};
    hnb_run_opts ro = o.run;
    ro.progress = isatty(2) && !o.quiet;
    hnb_run run;
    int rc = hnb_run_compute(file, &ro, &run, &err);
    if (rc) {
        hnb_cli_free(&o);
        return report_err(&err);
    }
    char dir[4096];
    if (o.outdir) {
        snprintf(dir, sizeof dir, "%s", o.outdir);
    } else {
        char st[1024];
        hnb_file_stem(file, st, sizeof st);
        snprintf(dir, sizeof dir, "out/%s", st);
    }
    rc = hnb_run_write(&run, &ro, dir, &err);
    const hnb_model *m = run.model;
    const hnb_mc *mc = run.mc;
    if (rc == HNB_OK && !o.quiet) {
        char a[64], label[8];
        int t = m->years - 1;
        hnb_fmt_pm(a, run.result->cumulative_deficit[t]);
        hnb_result_label(m, t, label);
        char nm[1024];
        size_t dl = strlen(dir);
        printf("%s: cumulative deficit %s at the end of %s; tables in %s%s\n",
               hnb_printable(m->name, nm, sizeof nm), a, label, dir, dl && dir[dl - 1] == '/' ? "" : "/");
        if (mc) {
            const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
            char p10[HNB_NUM_BUF], p50[HNB_NUM_BUF], p90[HNB_NUM_BUF];
            hnb_fmt_pm(p10, q[HNB_Q10]);
            hnb_fmt_pm(p50, q[HNB_Q50]);
            hnb_fmt_pm(p90, q[HNB_Q90]);
            char nd[HNB_NUM_BUF];
            hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
            printf("Monte Carlo: %s draws on %d threads in %.2fs (draws %.2fs, statistics %.2fs): "
                   "P10 %s, P50 %s, P90 %s\n",
                   nd, mc->threads, mc->sim_seconds + mc->reduce_seconds, mc->sim_seconds,
                   mc->reduce_seconds, p10, p50, p90);
        }
    }
    hnb_run_free(&run);
    hnb_cli_free(&o);
    if (rc) return report_err(&err);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option longs[] = {{"set", required_argument, 0, 's'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    hnb_cli o;
    hnb_cli_init(&o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:h", longs, NULL)) != -1) {
        if (c == 's') {
            hnb_cli_option(&o, c, optarg, "check");
        } else {
            usage_check(c == 'h' ? stdout : stderr);
            hnb_cli_free(&o);
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "hnb check: expected one SCENARIO file\n");
        usage_check(stderr);
        hnb_cli_free(&o);
        return 2;
    }
    hnb_err err = {0};
    hnb_model *m;
    int rc = hnb_model_load(argv[optind], o.sets, o.nsets, &m, &err);
    hnb_cli_free(&o);
    if (rc) return report_err(&err);
    /* what hnb run refuses, hnb check refuses too (SPEC section 12's limit) */
    if (m->shapley && (rc = hnb_model_shapley_ok(m, 1, &err))) {
        hnb_model_free(m);
        return report_err(&err);
    }
    char l0[8], l1[8];
    hnb_year_label(m->start_year, l0);
    hnb_year_label(m->start_year + m->years - 1, l1);
    printf("%s: ok\n", argv[optind]);
    char pb[1024]; /* names from the file, never raw to a terminal */
    printf("  name        %s\n", hnb_printable(m->name, pb, sizeof pb));
    if (m->authority) printf("  authority   %s\n", hnb_printable(m->authority, pb, sizeof pb));
    printf("  horizon     %s to %s (%d years)\n", l0, l1, m->years);
    printf("  kind        %s\n", m->bottom_up ? "bottom-up (settings, population, new plans)"
                                               : "top-down (other expenditure only)");
    if (m->bottom_up) {
        printf("  settings   ");
        for (int s = 0; s < m->nsettings; s++)
            printf(" %s%s", hnb_printable(m->settings[s].id, pb, sizeof pb),
                   m->settings[s].capacity ? "(capacity)" : "");
        printf("\n  population  %s\n", m->pop_csv ? "from CSV" : "total, mix and age profile");
        printf("  transitions %d\n", m->ntrans);
        if (m->nneeds) {
            printf("  needs      ");
            for (int n = 0; n < m->nneeds; n++) printf(" %s", hnb_printable(m->need_ids[n], pb, sizeof pb));
            printf("\n");
        }
        if (m->pipeline.given)
            printf("  new plans   from the assessment pipeline (requests, backlog%s)\n",
                   m->pipeline.capacity ? ", capacity" : "");
    }
    printf("  mitigations %d", m->nmit);
    for (int i = 0; i < m->nmit; i++)
        printf("%s %s (%s)", i ? "," : ":", hnb_printable(m->mits[i].name, pb, sizeof pb),
               hnb_mit_type_name(m->mits[i].type));
    printf("\n");
    int ndist = 0;
    for (int i = 0; i < m->nparams; i++) ndist += m->params[i].dist.type != HNB_DIST_NONE;
    printf("  values      %d, of which %d uncertain (distributions)\n", m->nparams, ndist);
    if (m->override_end) printf("  override    ends March %d\n", m->override_end);
    if (m->regime.given)
        printf("  regime      %s%s\n", m->regime.grant ? "stability grant" : "no stability grant",
               m->regime.central_share ? ", central support after the override" : "");
    if (m->dsg.given) printf("  dsg         the other blocks' balance (DSG-wide deficit)\n");
    if (m->shapley) printf("  attribution Shapley values\n");
    if (m->nplaceholders)
        printf("  placeholders %d value%s tagged !placeholder, to replace with the council's own "
               "(warnings above)\n", m->nplaceholders, m->nplaceholders == 1 ? "" : "s");
    if (m->has_mc)
        printf("  monte carlo %ld draws, seed %lu, %d thresholds, %d correlations\n", m->mc_draws,
               m->mc_seed, m->nthresholds, m->ncorr);
    hnb_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("hnb %s\n", HNB_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "batch")) return hnb_cmd_batch(argc - 1, argv + 1);
    if (!strcmp(cmd, "solve")) return hnb_cmd_solve(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep")) return hnb_cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare")) return hnb_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "calibrate")) return hnb_cmd_calibrate(argc - 1, argv + 1);
    if (!strcmp(cmd, "backtest")) return hnb_cmd_backtest(argc - 1, argv + 1);
    if (!strcmp(cmd, "sen2")) return hnb_cmd_sen2(argc - 1, argv + 1);
    if (!strcmp(cmd, "init")) return hnb_cmd_init(argc - 1, argv + 1);
    static const char *const cmds[] = {"run",   "check", "batch",     "compare", "sweep",
                                       "solve", "calibrate", "backtest", "sen2", "init"};
    const char *near = hnb_nearest(cmd, cmds, 10);
    fprintf(stderr, "hnb: unknown command '%s'%s%s%s\n", cmd, near ? "; did you mean '" : "",
            near ? near : "", near ? "'?" : "");
    usage(stderr);
    return 2;
}
