/* batch.c - `hnb batch`: many scenarios, one table (issue: batch runs for
 * budget papers and national runs).
 *
 * Each scenario runs in a child process (fork), up to --jobs at a time, into
 * OUT/<name>/; the child leaves one summary row in OUT/.rows/; the parent
 * gathers the rows in list order into OUT/batch.csv and OUT/index.html. A
 * bad scenario fails alone. --shard K/N keeps every N-th scenario of the
 * list from the K-th; --merge gathers shard outputs into one index. The
 * results never depend on --jobs or on how the list is sharded. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hnb/cli.h"
#include "hnb/csv.h"
#include "hnb/html.h"
#include "hnb/report.h"
#include "hnb/mem.h"

/* The 2026 regime's columns (SPEC section 13), empty where a scenario has
 * no regime or no dsg: the central case's stability grant and central
 * funding over the horizon, and the DSG-wide deficit at its end. */
#define ROW_FIELDS 21
static const char *const row_header =
    "scenario,file,output,status,error,start_year,horizon_year,override_end,"
    "deficit_at_override,deficit_at_horizon,draws,p10_override,p50_override,p90_override,"
    "p10_horizon,p50_horizon,p90_horizon,exceedance,stability_grant,central_funding,"
    "dsg_deficit_at_horizon";

typedef struct {
    char **v;
    int n, cap;
} strlist;

static void sl_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
        if (!l->v) hnb_oom();
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n]) hnb_oom();
    l->n++;
}

static void sl_free(strlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files as given; directories contribute their *.yaml files, sorted. */
static int collect(strlist *files, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        sl_add(files, path); /* reported as that scenario's error */
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        sl_add(files, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "hnb batch: %s: %s\n", path, strerror(errno));
        return -1;
    }
    strlist here = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 5 && !strcmp(e->d_name + n - 5, ".yaml") && e->d_name[0] != '.') {
            char full[4096];
            size_t np = strlen(path);
            snprintf(full, sizeof full, "%.*s/%s", (int)(np > 1 && path[np - 1] == '/' ? np - 1 : np), path,
                     e->d_name);
            sl_add(&here, full);
        }
    }
    closedir(d);
    qsort(here.v, (size_t)here.n, sizeof *here.v, cmp_str);
    for (int i = 0; i < here.n; i++) sl_add(files, here.v[i]);
    sl_free(&here);
    return 0;
}

static void put_money(FILE *f, double x)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x, 2);
    fputs(b, f);
}

/* The summary row of one finished run (or of its error). */
/* A field of a batch row: one row is one line (the index and --merge read
 * the rows line by line), so a line break in a name or an error message (a
 * YAML key may hold one) is written as a space. */
static void row_field(FILE *f, const char *text)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *q = buf; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    hnb_csv_field(f, buf);
}

static void write_row(FILE *f, const char *name, const char *file, const char *out,
                      const hnb_run *run, const hnb_err *err)
{
    row_field(f, name);
    fputc(',', f);
    row_field(f, file);
    fputc(',', f);
    row_field(f, out);
    if (!run) {
        char msg[2048];
        hnb_err_format(err, msg, sizeof msg);
        fputs(",error,", f);
        row_field(f, msg);
        fputs(",,,,,,,,,,,,,,,,\n", f);
        return;
    }
    const hnb_model *m = run->model;
    int horizon = m->start_year + m->years - 1, known = 0;
    fprintf(f, ",ok,,%d,%d,", m->start_year, horizon);
    double at_override = 0;
    if (m->override_end) {
        /* the scenario's own override_end (2028: it ends in March 2028); the
         * deficit beside it is at the end of the year before (2027/28) */
        at_override = hnb_run_deficit_at(run, m->override_end - 1, &known);
        fprintf(f, "%d,", m->override_end);
    } else {
        fputc(',', f);
    }
    if (known) put_money(f, at_override);
    fputc(',', f);
    put_money(f, run->result->cumulative_deficit[m->years - 1]);
    const hnb_mc *mc = run->mc;
    fprintf(f, ",%ld,", mc ? mc->draws : 0L);
    int t_over = m->override_end ? m->override_end - 1 - m->start_year : -1;
    for (int k = 0; k < 2; k++) {
        int t = k == 0 ? t_over : m->years - 1;
        for (int q = HNB_Q10; q <= HNB_Q90; q += 2) { /* P10, P50, P90 */
            if (mc && t >= 0 && t < m->years)
                put_money(f, hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t)[q]);
            fputc(',', f);
        }
    }
    if (mc) {
        char ex[4096];
        size_t w = 0;
        ex[0] = 0;
        for (int k = 0; k < mc->nexceed && w < sizeof ex - 80; k++) {
            char m1[HNB_NUM_BUF], ly[8];
            hnb_year_label(mc->exceed[k].year, ly);
            w += (size_t)snprintf(ex + w, sizeof ex - w, "%sP(deficit > £%sm at the end of %s) = %.1f%%",
                                  k ? "; " : "", hnb_fmt_m(m1, mc->exceed[k].threshold), ly,
                                  100 * mc->exceed[k].probability);
        }
        hnb_csv_field(f, ex);
    }
    const hnb_result *r = run->result;
    double grant = 0, central = 0;
    for (int t = 0; t < m->years; t++) {
        grant += r->stability_grant[t];
        central += r->central_funding[t];
    }
    fputc(',', f);
    if (m->regime.given) put_money(f, grant);
    fputc(',', f);
    if (m->regime.given) put_money(f, central);
    fputc(',', f);
    if (m->dsg.given) put_money(f, r->dsg_deficit[m->years - 1]);
    fputc('\n', f);
}

/* Child: run FILE into DIR (in the batch's stage; SHOWN: where it will be)
 * and leave its row in ROWFILE. Exit 0, 1 or 2. */
static int run_one(const char *name, const char *file, const char *dir, const char *shown,
                   const char *rowfile, const hnb_run_opts *o)
{
    hnb_err err = {0};
    hnb_run run;
    int rc = hnb_run_compute(file, o, &run, &err);
    if (rc == HNB_OK) {
        rc = hnb_run_write(&run, o, dir, &err);
        if (rc) hnb_run_free(&run);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", rowfile);
    FILE *f = fopen(tmp, "w");
    if (f) {
        write_row(f, name, file, shown, rc == HNB_OK ? &run : NULL, &err);
        fclose(f);
        rename(tmp, rowfile);
    }
    if (rc == HNB_OK) {
        hnb_run_free(&run);
        return 0;
    }
    char msg[2048];
    hnb_err_format(&err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    return err.line > 0 || err.file[0] ? 2 : 1;
}

/* Read a whole small file (a row, a batch.csv). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOMEM) hnb_oom();
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    if (!b) hnb_oom();
    size_t got;
    while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            b = realloc(b, cap);
            if (!b) hnb_oom();
        }
    }
    fclose(f);
    b[n] = 0;
    return b;
}

static void m1(FILE *f, const char *pounds)
{
    if (!*pounds) {
        fputs("", f);
        return;
    }
    char b[64];
    hnb_fmt_fixed(b, sizeof b, atof(pounds) / 1e6, 1);
    fputs(b, f);
}

/* batch.csv (ROWS joined) and index.html into O, then O committed: the
 * batch's directory, its scenarios' directories with it, swapped in whole. */
static int write_index(hnb_outset *o, const char *rows, hnb_err *err)
{
    FILE *f = hnb_outset_open(o, "batch.csv", err);
    int rc = f ? HNB_OK : HNB_EFAIL;
    if (f) fprintf(f, "%s\n%s", row_header, rows);
    FILE *h = rc ? NULL : hnb_outset_open(o, "index.html", err);
    if (!rc && !h) rc = HNB_EFAIL;
    if (h) {
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<title>hnb batch</title>\n<style>\n", h);
        fputs(hnb_html_style, h);
        fputs("</style></head><body>\n"
              "<h1>High Needs Block scenarios</h1>\n<table>\n<tr><th>Scenario</th><th>Status</th>"
              "<th>Deficit at the override's end (£m)</th><th>Deficit at the horizon (£m)</th>"
              "<th>P10 / P50 / P90 at the override's end (£m)</th><th>P10 / P50 / P90 at the horizon "
              "(£m)</th><th>Exceedance</th><th>Stability grant, central funding (£m)</th></tr>\n",
              h);
        const char *p = rows;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char *line = strndup(p, len), *fld[ROW_FIELDS];
            if (!line) hnb_oom();
            int n = hnb_csv_split(line, fld, NULL, ROW_FIELDS);
            p += len + (nl ? 1 : 0);
            if (n > ROW_FIELDS) n = ROW_FIELDS;
            if (n < 5) {
                free(line);
                continue;
            }
            int ok = !strcmp(fld[3], "ok");
            fprintf(h, "<tr class=\"%s\"><td><a href=\"", ok ? "ok" : "error");
            hnb_html_escape(h, fld[2]);
            fputs("/report.html\">", h);
            hnb_html_escape(h, fld[0]);
            fputs("</a></td><td>", h);
            if (ok) {
                fputs("ok", h);
            } else {
                fputs("error: ", h);
                hnb_html_escape(h, fld[4]);
            }
            fputs("</td><td class=\"n\">", h);
            if (n > 8) m1(h, fld[8]);
            fputs("</td><td class=\"n\">", h);
            if (n > 9) m1(h, fld[9]);
            for (int k = 0; k < 2; k++) {
                fputs("</td><td class=\"n\">", h);
                if (n > 13 + 3 * k && fld[11 + 3 * k][0]) {
                    m1(h, fld[11 + 3 * k]);
                    fputs(" / ", h); /* not " - ": the figures may be negative */
                    m1(h, fld[12 + 3 * k]);
                    fputs(" / ", h);
                    m1(h, fld[13 + 3 * k]);
                }
            }
            fputs("</td><td>", h);
            if (n > 17) hnb_html_escape(h, fld[17]);
            fputs("</td><td class=\"n\">", h);
            if (n > 19 && fld[18][0]) {
                m1(h, fld[18]);
                fputs(", ", h);
                m1(h, fld[19]);
            }
            fputs("</td></tr>\n", h);
            free(line);
        }
        fputs("</table>\n</body></html>\n", h);
    }
    if (!rc) rc = hnb_outset_commit(o, err);
    return rc;
}

static void usage(FILE *f)
{
    fputs("usage: hnb batch PATH... -o OUT [--jobs N] [--shard K/N] [options]\n"
          "       hnb batch --merge OUT1 OUT2 ... -o OUT\n"
          "\n"
          "Run every scenario (directories are searched for *.yaml) into OUT/<name>/, and\n"
          "write OUT/batch.csv and OUT/index.html with one row a scenario: the deficit at\n"
          "the override's end and at the horizon, P10/P50/P90 where drawn, exceedance\n"
          "probabilities, status. A bad scenario is reported and the others still run;\n"
          "the exit status is 0 only if every scenario ran.\n"
          "\n"
          "      --jobs N           scenarios run at once (default 1)\n"
          "      --shard K/N        run the K-th of N slices of the scenario list\n"
          "      --merge OUT...     gather shard outputs into one batch.csv and index.html\n" HNB_CLI_HELP
          "  -h, --help             this help\n",
          f);
}

int hnb_cmd_batch(int argc, char **argv)
{
    static const struct option longs[] = {{"jobs", required_argument, 0, 2001},
                                          {"shard", required_argument, 0, 2002},
                                          {"merge", no_argument, 0, 2003},
                                          {"help", no_argument, 0, 'h'},
                                          HNB_CLI_LONGS,
                                          {0, 0, 0, 0}};
    hnb_cli c;
    hnb_cli_init(&c);
    int jobs = 1, shard_k = 1, shard_n = 1, merge = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, HNB_CLI_SHORT "h", longs, NULL)) != -1) {
        int r = hnb_cli_option(&c, opt, optarg, "batch");
        if (r == 1) continue;
        if (r < 0) goto bad;
        if (opt == 'h') {
            usage(stdout);
            hnb_cli_free(&c);
            return 0;
        } else if (opt == 2001) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "hnb batch: --jobs: expected a whole number from 1 to 256\n");
                goto bad;
            }
            jobs = (int)v;
        } else if (opt == 2002) {
            if (sscanf(optarg, "%d/%d", &shard_k, &shard_n) != 2 || shard_n < 1 || shard_k < 1 ||
                shard_k > shard_n) {
                fprintf(stderr, "hnb batch: --shard: expected K/N with 1 <= K <= N, found '%s'\n",
                        optarg);
                goto bad;
            }
        } else if (opt == 2003) {
            merge = 1;
        } else {
            usage(stderr);
            goto bad;
        }
    }
    if (!c.outdir) {
        fprintf(stderr, "hnb batch: -o OUT is required\n");
        goto bad;
    }
    if (optind >= argc) {
        fprintf(stderr, "hnb batch: expected scenario files or directories%s\n",
                merge ? " (with --merge: shard output directories)" : "");
        goto bad;
    }
    hnb_err err = {0};
    if (merge) {
        size_t cap = 4096, n = 0;
        char *all = malloc(cap);
        if (!all) hnb_oom();
        all[0] = 0;
        for (int i = optind; i < argc; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/batch.csv", argv[i]);
            char *text = slurp(path);
            if (!text || strncmp(text, row_header, strlen(row_header)) != 0) {
                fprintf(stderr, "hnb batch --merge: %s: not a batch.csv written by hnb batch\n",
                        path);
                free(text);
                free(all);
                goto bad;
            }
            const char *body = strchr(text, '\n');
            body = body ? body + 1 : "";
            size_t len = strlen(body);
            if (n + len + 1 > cap) {
                cap = (n + len + 1) * 2;
                all = realloc(all, cap);
                if (!all) hnb_oom();
            }
            memcpy(all + n, body, len + 1);
            n += len;
            free(text);
        }
        hnb_outset *o = hnb_outset_create(c.outdir, &err);
        int rc = o ? write_index(o, all, &err) : HNB_EFAIL;
        hnb_outset_free(o);
        free(all);
        hnb_cli_free(&c);
        if (rc) return hnb_cli_report(&err);
        return 0;
    }

    strlist files = {0};
    for (int i = optind; i < argc; i++)
        if (collect(&files, argv[i])) {
            sl_free(&files);
            goto bad;
        }
    /* the whole batch is written into a stage and swapped in at the end
     * (outdir.h): an interrupted batch leaves the previous one */
    hnb_outset *out = hnb_outset_create(c.outdir, &err);
    if (!out) {
        sl_free(&files);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    const char *wdir = hnb_outset_dir(out);
    char rowdir[4200];
    snprintf(rowdir, sizeof rowdir, "%s/.rows", wdir);
    if (hnb_mkdirs(rowdir, &err)) {
        hnb_outset_free(out);
        sl_free(&files);
        hnb_cli_free(&c);
        return hnb_cli_report(&err);
    }
    /* this shard's scenarios, with unique output names */
    strlist mine = {0}, names = {0};
    for (int i = 0; i < files.n; i++) {
        char st[1024], name[1100];
        hnb_file_stem(files.v[i], st, sizeof st);
        snprintf(name, sizeof name, "%s", st);
        for (int dup = 2;; dup++) {
            int clash = 0;
            for (int j = 0; j < names.n && !clash; j++) clash = !strcmp(names.v[j], name);
            if (!clash) break;
            snprintf(name, sizeof name, "%s-%d", st, dup);
        }
        sl_add(&names, name);
        if (i % shard_n == shard_k - 1) sl_add(&mine, files.v[i]);
    }
    /* names of mine, in order */
    strlist mynames = {0};
    for (int i = 0, k = 0; i < files.n; i++)
        if (i % shard_n == shard_k - 1) {
            sl_add(&mynames, names.v[i]);
            k++;
        }
    int nproc = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c.run.threads == 0) c.run.threads = nproc / jobs > 0 ? nproc / jobs : 1;
    int running = 0, failed = 0, worst = 0, next = 0, finished = 0;
    pid_t *pids = calloc((size_t)mine.n + 1, sizeof(pid_t));
    if (!pids) hnb_oom();
    while (finished < mine.n) {
        while (running < jobs && next < mine.n) {
            char dir[4200], shown[4200], row[4300];
            snprintf(dir, sizeof dir, "%s/%s", wdir, mynames.v[next]);
            snprintf(shown, sizeof shown, "%s/%s", c.outdir, mynames.v[next]);
            snprintf(row, sizeof row, "%s/%05d.csv", rowdir, next);
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) _exit(run_one(mynames.v[next], mine.v[next], dir, shown, row, &c.run));
            if (pid < 0) {
                /* no process to spare: run it here */
                int st = run_one(mynames.v[next], mine.v[next], dir, shown, row, &c.run);
                finished++;
                if (st) failed++, worst = st > worst ? st : worst;
            } else {
                pids[next] = pid;
                running++;
            }
            next++;
        }
        if (running == 0) continue;
        int status;
        pid_t done = wait(&status);
        if (done < 0) break;
        running--;
        finished++;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        if (code) failed++, worst = code == 1 || worst == 1 ? 1 : 2;
        for (int k = 0; k < mine.n; k++)
            if (pids[k] == done && !c.quiet && isatty(2)) {
                char pb[1200];
                fprintf(stderr, "[%d/%d] %s: %s\n", finished, mine.n,
                        hnb_printable(mynames.v[k], pb, sizeof pb), code ? "failed" : "ok");
            }
    }
    /* gather the rows in list order */
    size_t cap = 4096, n = 0;
    char *all = malloc(cap);
    if (!all) hnb_oom();
    all[0] = 0;
    for (int i = 0; i < mine.n; i++) {
        char row[4300];
        snprintf(row, sizeof row, "%s/%05d.csv", rowdir, i);
        char *text = slurp(row);
        char fallback[4400];
        if (!text) {
            snprintf(fallback, sizeof fallback, "%s,%s,%s/%s,error,the run stopped without a result,,,,,,,,,,,,,\n",
                     mynames.v[i], mine.v[i], c.outdir, mynames.v[i]);
            if (!(text = strdup(fallback))) hnb_oom();
        }
        size_t len = strlen(text);
        if (n + len + 1 > cap) {
            cap = (n + len + 1) * 2;
            all = realloc(all, cap);
            if (!all) hnb_oom();
        }
        memcpy(all + n, text, len + 1);
        n += len;
        free(text);
        unlink(row);
    }
    rmdir(rowdir);
    int rc = write_index(out, all, &err);
    hnb_outset_free(out);
    free(all);
    free(pids);
    sl_free(&files);
    sl_free(&mine);
    sl_free(&names);
    sl_free(&mynames);
    hnb_cli_free(&c);
    if (rc) return hnb_cli_report(&err);
    if (!c.quiet)
        printf("%d scenario%s, %d failed; %s/batch.csv and %s/index.html\n", finished,
               finished == 1 ? "" : "s", failed, c.outdir, c.outdir);
    return failed ? (worst ? worst : 1) : 0;
bad:
    hnb_cli_free(&c);
    return 2;
}
