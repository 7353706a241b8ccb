/* sen2_cmd.c - `hnb sen2` (a council's history and base population from
 * the DfE SEN2 release, and the roll-up of every council against the
 * release's national and regional rows) and `hnb init` (a starter v2
 * scenario for one council, or for all of them, with its calibration
 * beside it). docs/sen2.md is the user's guide.
 *
 * Thin commands: options here, reading in sen2.c, writing in sen2_write.c,
 * the calibration in calibrate.c. Outputs are all or nothing. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hnb/cli.h"
#include "hnb/csv.h"
#include "hnb/model.h"
#include "hnb/report.h"
#include "hnb/sen2.h"
#include "hnb/mem.h"
#include "hnb/outdir.h"

/* "Westmorland and Furness" -> "westmorland-and-furness" */
static void slug(const char *name, char *out, size_t n)
{
    size_t w = 0;
    int dash = 0;
    for (const char *p = name; *p && w + 2 < n; p++) {
        if (isalnum((unsigned char)*p)) {
            if (dash && w) out[w++] = '-';
            out[w++] = (char)tolower((unsigned char)*p);
            dash = 0;
        } else {
            dash = 1;
        }
    }
    out[w] = 0;
}

static void print_notes(const hnb_sen2_council *c, int quiet)
{
    if (!c->notes || quiet) return;
    const char *p = c->notes;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(stderr, "%s: note: %.*s\n", c->la.name, len, p);
        p += len + (nl ? 1 : 0);
    }
}

static void write_notes(FILE *f, const hnb_sen2_council *c)
{
    fprintf(f, "# Notes on %s (%s, %s) from the SEN2 release\n\n", c->la.name, c->la.old_code,
            c->la.new_code);
    if (!c->notes) {
        fputs("Nothing to report: no suppressed cells, no split or merge.\n", f);
        return;
    }
    const char *p = c->notes;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(f, "- %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
}

/* history.csv, population.csv, pipeline.csv and notes.md into DIR. */
static int write_data(const char *dir, const hnb_sen2_council *c, hnb_err *err)
{
    hnb_outset *o = hnb_outset_create(dir, err);
    if (!o) return HNB_EFAIL;
    int rc = HNB_OK;
    FILE *f;
    if ((f = hnb_outset_open(o, "history.csv", err)))
        hnb_sen2_write_history(f, c);
    else
        rc = HNB_EFAIL;
    if (!rc && (f = hnb_outset_open(o, "population.csv", err)))
        hnb_sen2_write_population(f, c);
    else if (!rc)
        rc = HNB_EFAIL;
    if (!rc && (f = hnb_outset_open(o, "pipeline.csv", err)))
        hnb_sen2_write_pipeline(f, c);
    else if (!rc)
        rc = HNB_EFAIL;
    if (!rc && (f = hnb_outset_open(o, "notes.md", err)))
        write_notes(f, c);
    else if (!rc)
        rc = HNB_EFAIL;
    if (!rc) rc = hnb_outset_commit(o, err);
    hnb_outset_free(o);
    return rc;
}

static void summary_line(FILE *f, const hnb_sen2_council *c)
{
    char a[32], b[32], r[32];
    hnb_fmt_count(a, sizeof a, c->total.v);
    hnb_fmt_count(b, sizeof b, c->new_total.v);
    fprintf(f, "%s (%s, %s): %s EHCPs at January %d; %s new plans in %d", c->la.name,
            c->la.old_code, c->la.new_code, a, c->jan, b, c->new_year);
    if (c->req_year) {
        hnb_fmt_count(r, sizeof r, c->req.v);
        fprintf(f, "; %s requests in %d", r, c->req_year);
        if (c->tl_den.status == HNB_SEN2_OK && c->tl_den.v > 0 &&
            c->tl_within.status == HNB_SEN2_OK)
            fprintf(f, "; %.1f%% of plans issued within 20 weeks",
                    100 * c->tl_within.v / c->tl_den.v);
    }
    if (c->nsuppressed) fprintf(f, "; %d suppressed cells (notes)", c->nsuppressed);
    fputc('\n', f);
}

/* ---- the roll-up ---- */

static int rollup_batch(const hnb_sen2 *s, const char *batchdir, hnb_outset *o, char codes[][16],
                        char names[][64], int nreg, int quiet, hnb_err *err);

static int rollup(const hnb_sen2 *s, const char *dir, const char *batchdir, int quiet, hnb_err *err)
{
    static const char *const measures[] = {"ehcps", "new_plans", "requests", "ceased"};
    char codes[32][16], names[32][64];
    int nreg = hnb_sen2_regions(s, codes, names, 31);
    snprintf(codes[nreg], 16, "E92000001");
    snprintf(names[nreg], 64, "England");
    int jan = hnb_sen2_latest(s);
    hnb_outset *o = hnb_outset_create(dir, err);
    if (!o) return HNB_EFAIL;
    FILE *f = hnb_outset_open(o, "rollup.csv", err);
    int rc = f ? HNB_OK : HNB_EFAIL, nbad = 0, nchecked = 0;
    if (f)
        fputs("geography,code,measure,year,councils,suppressed,sum_of_councils,published,"
              "difference\n",
              f);
    if (!quiet)
        printf("%-26s %-10s %5s %9s %11s %11s %8s\n", "geography", "measure", "year", "councils",
               "sum", "published", "diff");
    for (int g = 0; g <= nreg && !rc; g++)
        for (int q = 0; q < 4 && !rc; q++) {
            int year = q == 0 ? jan : jan - 1; /* January, or the calendar year before it */
            double sum = 0;
            int n = 0, nsup = 0;
            for (int i = 0; i < hnb_sen2_count(s); i++) {
                const hnb_sen2_la *la = hnb_sen2_at(s, i);
                if (g < nreg && strcmp(la->region_code, codes[g])) continue;
                hnb_sen2_cell v;
                if ((rc = hnb_sen2_published(s, la->old_code, measures[q], jan, &v))) break;
                if (v.status == HNB_SEN2_OK)
                    sum += v.v, n++;
                else if (v.status == HNB_SEN2_SUPPRESSED)
                    nsup++;
            }
            hnb_sen2_cell pub;
            if (!rc) rc = hnb_sen2_published(s, codes[g], measures[q], jan, &pub);
            if (rc || (n == 0 && pub.status != HNB_SEN2_OK)) continue;
            fprintf(f, "%s,%s,%s,%d,%d,%d,%.0f,", names[g], codes[g], measures[q], year, n, nsup,
                    sum);
            if (pub.status == HNB_SEN2_OK)
                fprintf(f, "%.0f,%.0f\n", pub.v, sum - pub.v);
            else
                fputs(",\n", f);
            if (pub.status == HNB_SEN2_OK) {
                nchecked++;
                nbad += fabs(sum - pub.v) > 0.5;
            }
            if (!quiet) {
                printf("%-26.26s %-10s %5d %9d %11.0f ", names[g], measures[q], year, n, sum);
                if (pub.status == HNB_SEN2_OK)
                    printf("%11.0f %8.0f%s\n", pub.v, sum - pub.v,
                           nsup ? "  (suppressed councils)" : "");
                else
                    printf("%11s\n", "-");
            }
        }
    if (!rc && batchdir) rc = rollup_batch(s, batchdir, o, codes, names, nreg, quiet, err);
    if (!rc) rc = hnb_outset_commit(o, err);
    hnb_outset_free(o);
    if (!rc && !quiet)
        printf("check: %d of %d published totals equal the sum of their councils; %s/rollup.csv\n",
               nchecked - nbad, nchecked, dir);
    return rc;
}

/* The national run's forecasts added up: each ok row of BATCHDIR/batch.csv
 * is matched to its council by the scenario's name (`hnb init --all` names
 * it after the council; a calibrated.yaml by its folder, <council>-calibration),
 * and its projection.csv added into England and its region, year by year. */
#define RB_YEARS 60
static int rollup_batch(const hnb_sen2 *s, const char *batchdir, hnb_outset *o, char codes[][16],
                        char names[][64], int nreg, int quiet, hnb_err *err)
{
    enum { M_EHCPS, M_NEW, M_EXP, M_CUM, NM };
    static const char *const mcols[NM] = {"ehcps", "new_plans", "expenditure",
                                          "cumulative_deficit"};
    double(*sum)[RB_YEARS][NM] = calloc((size_t)nreg + 1, sizeof *sum);
    int(*count)[RB_YEARS] = calloc((size_t)nreg + 1, sizeof *count);
    if (!sum || !count) hnb_oom();
    char path[4300];
    snprintf(path, sizeof path, "%s/batch.csv", batchdir);
    const char *why = "";
    FILE *f = hnb_open_input(path, &why);
    int rc = HNB_OK, lineno = 0, got, bad, matched = 0, unmatched = 0, y0 = 2000;
    char missed[256] = ""; /* the first scenarios no council was found for */
    if (!f) rc = hnb_err_at(err, (hnb_mark){path, 0, 0}, "cannot open: %s", why);
    static char line[1 << 16], pline[1 << 16];
    while (!rc && (got = hnb_csv_getline(f, line, sizeof line, &bad)) != 0) {
        lineno++;
        if (got < 0) {
            rc =
                hnb_err_at(err, (hnb_mark){path, lineno, bad > 0 ? bad : 1}, "not a batch.csv row");
            break;
        }
        char *fld[20];
        int nf = hnb_csv_split(line, fld, NULL, 19);
        if (lineno == 1) {
            if (nf < 4 || strcmp(fld[0], "scenario") || strcmp(fld[3], "status"))
                rc =
                    hnb_err_at(err, (hnb_mark){path, 1, 1}, "not a batch.csv written by hnb batch");
            continue;
        }
        if (nf < 4 || strcmp(fld[3], "ok")) continue;
        /* the council: the scenario's stem, or its folder's name for calibrated.yaml */
        char file[4096], stem[4096];
        snprintf(file, sizeof file, "%s", fld[1]);
        char *slash = strrchr(file, '/');
        snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : file);
        char *dot = strrchr(stem, '.');
        if (dot) *dot = 0;
        if (!strcmp(stem, "calibrated") && slash) {
            *slash = 0;
            char *up = strrchr(file, '/');
            snprintf(stem, sizeof stem, "%s", up ? up + 1 : file);
            size_t n = strlen(stem);
            if (n > 12 && !strcmp(stem + n - 12, "-calibration")) stem[n - 12] = 0;
        }
        int g = -1;
        for (int i = 0; i < hnb_sen2_count(s) && g < 0; i++) {
            const hnb_sen2_la *la = hnb_sen2_at(s, i);
            char sl[256];
            slug(la->name, sl, sizeof sl);
            if (la->last_jan != hnb_sen2_latest(s)) continue;
            /* by name (hnb init names each after its council) or by code */
            if (strcmp(sl, stem) && strcasecmp(la->old_code, stem) && strcasecmp(la->new_code, stem)) continue;
            g = nreg;
            for (int r = 0; r < nreg; r++)
                if (!strcmp(codes[r], la->region_code)) g = r;
        }
        if (g < 0) {
            if (unmatched < 3) {
                size_t w = strlen(missed);
                snprintf(missed + w, sizeof missed - w, "%s'%.60s'", w ? ", " : "", stem);
            }
            unmatched++;
            continue;
        }
        matched++;
        snprintf(path, sizeof path, "%s/projection.csv", fld[2]);
        FILE *pf = hnb_open_input(path, &why);
        if (!pf) {
            rc = hnb_err_at(err, (hnb_mark){path, 0, 0}, "cannot open: %s", why);
            break;
        }
        int col[NM] = {-1, -1, -1, -1}, pl = 0;
        while (!rc && (got = hnb_csv_getline(pf, pline, sizeof pline, &bad)) > 0) {
            char *pv[16];
            int np = hnb_csv_split(pline, pv, NULL, 15);
            if (pl++ == 0) {
                for (int k = 0; k < np; k++)
                    for (int m = 0; m < NM; m++)
                        if (!strcmp(pv[k], mcols[m])) col[m] = k;
                for (int m = 0; m < NM && !rc; m++)
                    if (col[m] < 0)
                        rc = hnb_err_at(err, (hnb_mark){path, 1, 1}, "no column '%s'", mcols[m]);
                continue;
            }
            int y = atoi(pv[0]) - y0;
            if (y < 0 || y >= RB_YEARS || np <= col[M_CUM]) continue;
            for (int m = 0; m < NM; m++) {
                sum[g][y][m] += atof(pv[col[m]]);
                sum[nreg][y][m] += g == nreg ? 0 : atof(pv[col[m]]);
            }
            count[g][y]++;
            if (g != nreg) count[nreg][y]++;
        }
        fclose(pf);
        snprintf(path, sizeof path, "%s/batch.csv", batchdir);
    }
    if (f) fclose(f);
    FILE *out = rc ? NULL : hnb_outset_open(o, "rollup-forecast.csv", err);
    if (!rc && !out) rc = HNB_EFAIL;
    if (out) {
        fputs("geography,code,year,label,councils,ehcps,new_plans,expenditure,cumulative_deficit\n",
              out);
        for (int g = 0; g <= nreg; g++)
            for (int y = 0; y < RB_YEARS; y++) {
                if (!count[g][y]) continue;
                fprintf(out, "%s,%s,%d,%d/%02d,%d,%.3f,%.3f,%.2f,%.2f\n", names[g], codes[g],
                        y0 + y, y0 + y, (y0 + y + 1) % 100, count[g][y], sum[g][y][M_EHCPS],
                        sum[g][y][M_NEW], sum[g][y][M_EXP], sum[g][y][M_CUM]);
            }
        if (!quiet) {
            int last = -1;
            for (int y = 0; y < RB_YEARS; y++)
                if (count[nreg][y]) last = y;
            int all = 0;
            for (int i = 0; i < hnb_sen2_count(s); i++) all += hnb_sen2_at(s, i)->last_jan == hnb_sen2_latest(s);
            char where[128], dm[HNB_NUM_BUF];
            /* England only when every council of the release is in it */
            if (matched >= all) snprintf(where, sizeof where, "England");
            else snprintf(where, sizeof where, "those %d of England's %d councils", matched, all);
            hnb_fmt_m(dm, sum[nreg][last >= 0 ? last : 0][M_CUM]);
            if (last >= 0)
                printf("forecast: %d council%s added up (%d not matched to a council%s%s%s); "
                       "%s in %d/%02d: %.0f EHCPs, cumulative deficit %s%sm; rollup-forecast.csv\n",
                       matched, matched == 1 ? "'s run" : "s' runs", unmatched, unmatched ? ": " : "", missed,
                       unmatched > 3 ? ", ..." : "", where,
                       y0 + last, (y0 + last + 1) % 100, sum[nreg][last][M_EHCPS], dm[0] == '-' ? "-£" : "£",
                       dm[0] == '-' ? dm + 1 : dm);
        }
    }
    free(sum);
    free(count);
    return rc;
}

/* ---- hnb sen2 ---- */

static void usage_sen2(FILE *f)
{
    fputs(
        "usage: hnb sen2 RELEASE_DIR... --la CODE [--mapping FILE] [-o DIR]\n"
        "       hnb sen2 RELEASE_DIR... --rollup [--batch BATCH_OUT] [-o DIR]\n"
        "       hnb sen2 --print-mapping\n"
        "\n"
        "Read the DfE \"Education, health and care plans\" (SEN2) release, unpacked (each\n"
        "RELEASE_DIR holds data/caseload.csv, reporting year 2025's layout, or\n"
        "data/sen2_age_caseload.csv, 2022's; later releases of either shape too), and write\n"
        "for one council, into DIR (default out/sen2-<council>/):\n"
        "  history.csv     year,setting,ehcps,new_plans,requests,ceased (hnb calibrate --history)\n"
        "  population.csv  age,setting[,need],count at the latest January (from_csv)\n"
        "  pipeline.csv    requests and plans issued within 20 weeks, by year\n"
        "  notes.md        suppressed cells, splits and merges, gaps\n"
        "\n"
        "      --la CODE          old code (855), new code (E10000018) or name\n"
        "      --mapping FILE     placement mapping (YAML; default: --print-mapping's)\n"
        "      --rollup           every council added up by region and for England, checked\n"
        "                         against the release's own rows (rollup.csv)\n"
        "      --batch BATCH_OUT  with --rollup: also add up a national batch's forecasts\n"
        "                         (hnb init --all, then hnb batch) by region and for England,\n"
        "                         year by year (rollup-forecast.csv)\n"
        "      --print-mapping    print the default mapping, a start for your own\n"
        "  -o, --output DIR       output directory\n"
        "  -q, --quiet            print nothing on success\n"
        "  -h, --help             this help\n"
        "\n"
        "docs/sen2.md: the layouts, the mapping, suppression ('x'), splits and merges.\n",
        f);
}

int hnb_cmd_sen2(int argc, char **argv)
{
    static const struct option longs[] = {{"la", required_argument, 0, 'l'},
                                          {"mapping", required_argument, 0, 'm'},
                                          {"rollup", no_argument, 0, 'r'},
                                          {"print-mapping", no_argument, 0, 'p'},
                                          {"batch", required_argument, 0, 'b'},
                                          {"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    const char *la = NULL, *mapping = NULL, *outdir = NULL, *batchdir = NULL;
    int do_rollup = 0, quiet = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "l:m:o:qh", longs, NULL)) != -1) {
        switch (opt) {
        case 'l':
            la = optarg;
            break;
        case 'm':
            mapping = optarg;
            break;
        case 'r':
            do_rollup = 1;
            break;
        case 'b':
            batchdir = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'p':
            fputs(hnb_sen2_default_map, stdout);
            return 0;
        case 'h':
            usage_sen2(stdout);
            return 0;
        default:
            usage_sen2(stderr);
            return 2;
        }
    }
    if (optind >= argc || (!la && !do_rollup) || (la && do_rollup)) {
        fprintf(stderr, "hnb sen2: expected RELEASE_DIR... and one of --la CODE or --rollup\n");
        usage_sen2(stderr);
        return 2;
    }
    hnb_err err = {0};
    hnb_sen2_map map;
    int rc = hnb_sen2_map_load(mapping, &map, &err);
    if (rc) return hnb_cli_report(&err);
    hnb_sen2 *s;
    rc = hnb_sen2_open((const char *const *)argv + optind, argc - optind, &s, &err);
    if (rc) return hnb_cli_report(&err);
    if (do_rollup) {
        rc = rollup(s, outdir ? outdir : "out/sen2-rollup", batchdir, quiet, &err);
        hnb_sen2_free(s);
        return rc ? hnb_cli_report(&err) : 0;
    }
    int i;
    hnb_sen2_council *c = NULL;
    rc = hnb_sen2_find(s, la, &i, &err);
    if (!rc) rc = hnb_sen2_council_get(s, i, &map, &c, &err);
    if (rc) {
        hnb_sen2_free(s);
        return hnb_cli_report(&err);
    }
    char dir[4096], sl[256];
    slug(c->la.name, sl, sizeof sl);
    if (outdir)
        snprintf(dir, sizeof dir, "%s", outdir);
    else
        snprintf(dir, sizeof dir, "out/sen2-%s", sl);
    char why[600];
    if (hnb_sen2_replaced(s, i, why, sizeof why) && !quiet)
        fprintf(stderr, "%s: note: %s\n", c->la.name, why);
    rc = write_data(dir, c, &err);
    if (!rc && !quiet) {
        summary_line(stdout, c);
        printf("tables in %s/\n", dir);
    }
    print_notes(c, quiet);
    hnb_sen2_council_free(c);
    hnb_sen2_free(s);
    return rc ? hnb_cli_report(&err) : 0;
}

/* ---- hnb init ---- */

static void usage_init(FILE *f)
{
    fputs("usage: hnb init --la CODE --sen2 RELEASE_DIR... [--mapping FILE] [-o SCENARIO.yaml]\n"
          "       hnb init --all --sen2 RELEASE_DIR... [--mapping FILE] -o DIR\n"
          "\n"
          "Write a starter v2 scenario for a council from the DfE SEN2 release: stock, mix,\n"
          "age profile, needs, pipeline, new plans and cessation from the release, each\n"
          "figure commented with its file, line and column; unit costs, the grant and the\n"
          "opening deficit as !placeholder values that `hnb check` warns about until they are\n"
          "replaced. Beside it: <name>-sen2/ (history.csv, population.csv, pipeline.csv,\n"
          "notes.md) and <name>-calibration/ (calibrated.yaml: the demand fitted to the\n"
          "council's history, as `hnb calibrate` writes it).\n"
          "\n"
          "      --la CODE          old code (855), new code (E10000018) or name\n"
          "      --all              every council of the latest release, into DIR, with\n"
          "                         DIR/councils.csv (then: hnb batch DIR, hnb sen2 --rollup)\n"
          "      --sen2 DIR         an unpacked release (repeat, or list several after it)\n"
          "      --mapping FILE     placement mapping (hnb sen2 --print-mapping)\n"
          "      --years N          horizon (default 10)\n"
          "      --no-calibrate     the starter alone\n"
          "  -o, --output PATH      the scenario (default <council>.yaml; a directory: <council>.yaml\n"
          "                         in it), or DIR with --all\n"
          "  -q, --quiet            print nothing on success\n"
          "  -h, --help             this help\n",
          f);
}

static void quiet_warn(void *ud, const char *text)
{
    (void)ud;
    (void)text;
}

typedef struct {
    const char **rel;
    int nrel;
    int years, calibrate, quiet;
} init_opts;

/* One council's starter into DIR/BASE.yaml, its data and calibration beside. */
static int init_one(const hnb_sen2 *s, int i, const hnb_sen2_map *map, const char *dir,
                    const char *base, const init_opts *io, char *status, size_t nstatus,
                    hnb_err *err)
{
    hnb_sen2_council *c = NULL;
    int rc = hnb_sen2_council_get(s, i, map, &c, err);
    if (rc) return rc;
    char datadir[4200], caldir[4200], yaml[4200], history[4300], calrel[600];
    snprintf(datadir, sizeof datadir, "%s/%s-sen2", dir, base);
    snprintf(caldir, sizeof caldir, "%s/%s-calibration", dir, base);
    snprintf(yaml, sizeof yaml, "%s/%s.yaml", dir, base);
    snprintf(history, sizeof history, "%s/history.csv", datadir);
    snprintf(calrel, sizeof calrel, "%s-calibration/calibrated.yaml", base);
    /* the scenario, written to a temporary name and loaded back before anything is in place */
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    if (!mf) hnb_oom();
    hnb_sen2_write_scenario(mf, c, io->rel, io->nrel, io->years, io->calibrate ? calrel : NULL);
    fclose(mf);
    if ((rc = hnb_mkdirs(dir, err))) goto done;
    char check[4400];
    snprintf(check, sizeof check, "%s/.%s.check-%ld.yaml", dir, base, (long)getpid());
    FILE *cf = fopen(check, "w");
    if (!cf || fputs(text, cf) < 0 || fclose(cf)) {
        rc = hnb_err_fail(err, "%s: cannot write: %s", check, strerror(errno));
        goto done;
    }
    hnb_model *m = NULL;
    hnb_err e2 = {0};
    hnb_warn_set_handler(quiet_warn, NULL);
    int lr = hnb_model_load(check, NULL, 0, &m, &e2);
    hnb_warn_set_handler(NULL, NULL);
    unlink(check);
    if (lr) {
        char msg[2048];
        hnb_err_format(&e2, msg, sizeof msg);
        rc = hnb_err_fail(err, "the starter for %s does not load (%s): please report this",
                          c->la.name, msg);
        goto done;
    }
    hnb_model_free(m);
    if ((rc = write_data(datadir, c, err))) goto done;
    /* one file beside whatever else DIR holds: written whole, then renamed */
    if ((rc = hnb_write_file(yaml, text, strlen(text), err))) goto done;
    snprintf(status, nstatus, "ok");
    if (io->calibrate) {
        hnb_err ce = {0};
        hnb_warn_set_handler(quiet_warn, NULL);
        int cr = hnb_calibrate_files(yaml, history, caldir, 1, 0, &ce);
        hnb_warn_set_handler(NULL, NULL);
        if (cr) {
            char msg[2048];
            hnb_err_format(&ce, msg, sizeof msg);
            snprintf(status, nstatus, "not calibrated: %s", msg);
            if (!io->quiet)
                fprintf(stderr, "%s: warning: no calibration written: %s\n", c->la.name, msg);
        }
    }
    if (!io->quiet) {
        summary_line(stdout, c);
        printf("  %s (placeholders to replace: unit costs, grant, opening deficit)\n", yaml);
        if (io->calibrate && !strcmp(status, "ok"))
            printf("  %s/calibrated.yaml (demand fitted to the history)\n", caldir);
        print_notes(c, 0);
    }
done:
    free(text);
    hnb_sen2_council_free(c);
    return rc;
}

int hnb_cmd_init(int argc, char **argv)
{
    static const struct option longs[] = {
        {"la", required_argument, 0, 'l'},     {"all", no_argument, 0, 'a'},
        {"sen2", required_argument, 0, 's'},   {"mapping", required_argument, 0, 'm'},
        {"years", required_argument, 0, 'y'},  {"no-calibrate", no_argument, 0, 'n'},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *la = NULL, *mapping = NULL, *out = NULL;
    int all = 0, opt, nrel = 0;
    init_opts io = {NULL, 0, 10, 1, 0};
    const char **rel = calloc((size_t)argc + 1, sizeof *rel);
    if (!rel) hnb_oom();
    optind = 1;
    while ((opt = getopt_long(argc, argv, "l:s:m:o:qh", longs, NULL)) != -1) {
        switch (opt) {
        case 'l':
            la = optarg;
            break;
        case 'a':
            all = 1;
            break;
        case 's':
            rel[nrel++] = optarg;
            break;
        case 'm':
            mapping = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'q':
            io.quiet = 1;
            break;
        case 'n':
            io.calibrate = 0;
            break;
        case 'y': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 50) {
                fprintf(stderr, "hnb init: --years: expected a whole number from 1 to 50\n");
                free(rel);
                return 2;
            }
            io.years = (int)v;
            break;
        }
        case 'h':
            usage_init(stdout);
            free(rel);
            return 0;
        default:
            usage_init(stderr);
            free(rel);
            return 2;
        }
    }
    for (int k = optind; k < argc; k++)
        rel[nrel++] = argv[k]; /* --sen2 A B C */
    if (!nrel || (!la && !all) || (la && all) || (all && !out)) {
        fprintf(stderr,
                "hnb init: expected --la CODE or --all (with -o DIR), and --sen2 RELEASE_DIR...\n");
        usage_init(stderr);
        free(rel);
        return 2;
    }
    io.rel = rel;
    io.nrel = nrel;
    hnb_err err = {0};
    hnb_sen2_map map;
    hnb_sen2 *s = NULL;
    int rc = hnb_sen2_map_load(mapping, &map, &err);
    if (!rc) rc = hnb_sen2_open(rel, nrel, &s, &err);
    if (rc) goto fail;
    if (!all) {
        int i;
        if ((rc = hnb_sen2_find(s, la, &i, &err))) goto fail;
        char why[600];
        if (hnb_sen2_replaced(s, i, why, sizeof why)) {
            rc = hnb_err_at(&err, (hnb_mark){"--la", 0, 0},
                            "%s: %s: write a scenario for each council that replaced it", la, why);
            goto fail;
        }
        char dir[4096], base[4096], sl[256];
        slug(hnb_sen2_at(s, i)->name, sl, sizeof sl);
        struct stat ost;
        size_t ol = out ? strlen(out) : 0;
        if (out && (out[ol - 1] == '/' || (stat(out, &ost) == 0 && S_ISDIR(ost.st_mode)))) {
            /* a directory (-o councils/): the council's own name in it */
            snprintf(dir, sizeof dir, "%s", out);
            for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) dir[n - 1] = 0;
            snprintf(base, sizeof base, "%s", sl);
        } else if (out) {
            snprintf(dir, sizeof dir, "%s", out);
            char *slash = strrchr(dir, '/');
            const char *file = slash ? slash + 1 : dir;
            snprintf(base, sizeof base, "%s", file);
            size_t bl = strlen(base);
            if (bl > 5 && !strcmp(base + bl - 5, ".yaml"))
                base[bl - 5] = 0;
            else if (bl > 4 && !strcmp(base + bl - 4, ".yml"))
                base[bl - 4] = 0;
            if (slash)
                *slash = 0;
            else
                snprintf(dir, sizeof dir, ".");
            if (!dir[0]) snprintf(dir, sizeof dir, "/");
        } else {
            snprintf(dir, sizeof dir, ".");
            snprintf(base, sizeof base, "%s", sl);
        }
        char status[2400];
        rc = init_one(s, i, &map, dir, base, &io, status, sizeof status, &err);
        if (rc) goto fail;
        hnb_sen2_free(s);
        free(rel);
        return 0;
    }
    /* --all: into a fresh sibling directory, renamed into place at the end */
    struct stat st;
    if (stat(out, &st) == 0) {
        rc = hnb_err_at(&err, (hnb_mark){out, 0, 0},
                        "exists already: hnb init --all writes a new directory");
        goto fail;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out, (long)getpid());
    if ((rc = hnb_mkdirs(tmp, &err))) goto fail;
    char index[4300];
    snprintf(index, sizeof index, "%s/councils.csv", tmp);
    FILE *cx = fopen(index, "w");
    if (!cx) {
        rc = hnb_err_fail(&err, "%s: cannot write: %s", index, strerror(errno));
        goto fail;
    }
    fputs("old_la_code,new_la_code,name,region_code,region,scenario,status\n", cx);
    int latest = hnb_sen2_latest(s), nok = 0, ncal = 0, nskip = 0;
    /* work inside the new directory, so that what the scenarios and their
     * calibrations say about each other is relative to it, and stays true
     * once it is renamed into place (the releases are read already) */
    int home = open(".", O_RDONLY | O_DIRECTORY);
    if (home < 0 || chdir(tmp) != 0) {
        if (home >= 0) close(home);
        fclose(cx);
        rc = hnb_err_fail(&err, "%s: cannot enter: %s", tmp, strerror(errno));
        goto fail;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < hnb_sen2_count(s) && !rc; i++) {
        const hnb_sen2_la *l = hnb_sen2_at(s, i);
        char sl[256], status[2400], why[600];
        slug(l->name, sl, sizeof sl);
        if (l->last_jan != latest || hnb_sen2_replaced(s, i, why, sizeof why)) {
            if (!hnb_sen2_replaced(s, i, why, sizeof why))
                snprintf(why, sizeof why, "no figures for January %d", latest);
            snprintf(status, sizeof status, "skipped: %s", why);
            nskip++;
            sl[0] = 0;
        } else {
            init_opts one = io;
            one.quiet = 1;
            hnb_err e1 = {0};
            int r1 = init_one(s, i, &map, ".", sl, &one, status, sizeof status, &e1);
            if (r1 == HNB_EFAIL) {
                err = e1;
                rc = r1;
                break;
            }
            if (r1) {
                char msg[2048];
                hnb_err_format(&e1, msg, sizeof msg);
                snprintf(status, sizeof status, "error: %s", msg);
                sl[0] = 0;
            } else {
                nok++;
                ncal += !strcmp(status, "ok");
                size_t n = strlen(sl);
                if (n + 6 < sizeof sl) memcpy(sl + n, ".yaml", 6);
            }
        }
        hnb_csv_field(cx, l->old_code);
        fputc(',', cx);
        hnb_csv_field(cx, l->new_code);
        fputc(',', cx);
        hnb_csv_field(cx, l->name);
        fputc(',', cx);
        hnb_csv_field(cx, l->region_code);
        fputc(',', cx);
        hnb_csv_field(cx, l->region);
        fputc(',', cx);
        hnb_csv_field(cx, sl);
        fputc(',', cx);
        hnb_csv_field(cx, status);
        fputc('\n', cx);
        if (!io.quiet && isatty(2))
            fprintf(stderr, "\r[%d/%d] %s          ", i + 1, hnb_sen2_count(s), l->name);
    }
    if (fchdir(home) != 0 && !rc) rc = hnb_err_fail(&err, "cannot return to the starting directory");
    close(home);
    if (fclose(cx) && !rc) rc = hnb_err_fail(&err, "%s: write failed", index);
    if (!rc && rename(tmp, out) != 0)
        rc = hnb_err_fail(&err, "%s: cannot rename into place: %s", out, strerror(errno));
    if (rc) {
        hnb_remove_tree(tmp); /* our own fresh directory */
        goto fail;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!io.quiet)
        printf("%s%d councils: %d starters written (%d calibrated), %d skipped (replaced or not in "
               "January %d) "
               "in %.1fs; %s/councils.csv\n",
               isatty(2) ? "\n" : "", hnb_sen2_count(s), nok, ncal, nskip, latest,
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), out);
    hnb_sen2_free(s);
    free(rel);
    return 0;
fail:
    hnb_sen2_free(s);
    free(rel);
    return hnb_cli_report(&err);
}
