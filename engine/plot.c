/* plot.c - chart data and the gnuplot runner. */
#include "hnb/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hnb/report.h"

#ifndef HNB_PLOTDIR
#define HNB_PLOTDIR "/usr/local/share/hnb/plots"
#endif
#define GNUPLOT_SECONDS 60

extern char **environ;

int hnb_chart_formats(const char *list)
{
    int mask = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "png")) mask |= HNB_CHART_PNG;
        else if (!strcmp(tok, "svg")) mask |= HNB_CHART_SVG;
        else if (!strcmp(tok, "pdf")) mask |= HNB_CHART_PDF;
        else return -1;
    }
    return mask;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *hnb_plot_dir(void)
{
    static char found[PATH_MAX];
    const char *env = getenv("HNB_PLOTS");
    if (env && is_dir(env)) return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *d = dirname(exe); /* .../build or .../bin */
        const char *rel[] = {"../plots", "../../plots", "../share/hnb/plots"};
        for (int i = 0; i < 3; i++) {
            snprintf(found, sizeof found, "%s/%s", d, rel[i]);
            char probe[PATH_MAX + 16];
            snprintf(probe, sizeof probe, "%s/deficit.gp", found);
            if (access(probe, R_OK) == 0) return found;
        }
    }
    if (is_dir(HNB_PLOTDIR)) return HNB_PLOTDIR;
    return NULL;
}

void hnb_plot_var(char *buf, size_t size, const char *name, const char *value)
{
    size_t w = strlen(buf);
    w += (size_t)snprintf(buf + w, w < size ? size - w : 0, "%s%s='", w ? "; " : "", name);
    for (const char *s = value; *s && w + 3 < size; s++) {
        if (*s == '\'') buf[w++] = '\'';
        if (*s == '\n') continue;
        buf[w++] = *s;
    }
    if (w + 2 < size) {
        buf[w++] = '\'';
        buf[w] = 0;
    }
}

static int gnuplot_missing(void)
{
    static int checked, missing;
    if (!checked) {
        checked = 1;
        const char *path = getenv("PATH");
        char buf[PATH_MAX];
        missing = 1;
        for (const char *p = path ? path : "/usr/bin:/bin"; *p && missing;) {
            const char *colon = strchr(p, ':');
            size_t len = colon ? (size_t)(colon - p) : strlen(p);
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, p);
            if (access(buf, X_OK) == 0) missing = 0;
            p += len + (colon ? 1 : 0);
        }
    }
    return missing;
}

/* Run gnuplot -e VARS SCRIPT with a time limit; its stderr into ERRFILE. */
static int spawn_gnuplot(const char *vars, const char *script, const char *errfile)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char *argv[] = {"gnuplot", "-e", (char *)vars, (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    struct timespec start, now, nap = {0, 20000000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        if (w < 0 && errno != EINTR) return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > GNUPLOT_SECONDS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 124;
        }
        nanosleep(&nap, NULL);
    }
}

int hnb_plot_draw(const char *script, const char *data, const char *outbase, const char *title,
                  const char *extra, unsigned formats)
{
    static const char *const ext[] = {"png", "svg", "pdf"};
    int failed = 0;
    for (int k = 0; k < 3; k++) {
        if (!(formats & (1u << k))) continue;
        char out[PATH_MAX], tmp[PATH_MAX], errfile[PATH_MAX], vars[8192] = "";
        snprintf(out, sizeof out, "%s.%s", outbase, ext[k]);
        snprintf(tmp, sizeof tmp, "%s.tmp.%s", outbase, ext[k]);
        snprintf(errfile, sizeof errfile, "%s.%s.log", outbase, ext[k]);
        hnb_plot_var(vars, sizeof vars, "datafile", data);
        hnb_plot_var(vars, sizeof vars, "outfile", tmp);
        hnb_plot_var(vars, sizeof vars, "fmt", ext[k]);
        hnb_plot_var(vars, sizeof vars, "title", title);
        if (extra && *extra) {
            size_t w = strlen(vars);
            snprintf(vars + w, sizeof vars - w, "; %s", extra);
        }
        int rc = spawn_gnuplot(vars, script, errfile);
        struct stat st;
        if (rc == 0 && stat(tmp, &st) == 0 && st.st_size > 0 && rename(tmp, out) == 0) {
            unlink(errfile);
            continue;
        }
        failed = 1;
        unlink(tmp);
        char first[512] = "";
        FILE *f = fopen(errfile, "r");
        if (f) {
            size_t n = fread(first, 1, sizeof first - 1, f);
            first[n] = 0;
            fclose(f);
            for (char *q = first; *q; q++)
                if (*q == '\n') *q = ' ';
        }
        hnb_warn_at((hnb_mark){0}, "chart %s: gnuplot %s%s%s", out,
                    rc == 124 ? "took too long and was stopped" : "failed",
                    first[0] ? ": " : "", first);
        unlink(errfile);
    }
    return failed ? -1 : 0;
}

/* ---- the charts of a run ---- */

static void put_m(FILE *f, double x)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x / 1e6, 3);
    fputs(b, f);
}

/* Names in chart headers never hold commas or quotes. */
static void put_name(FILE *f, const char *s)
{
    for (; *s; s++) fputc(*s == ',' ? ';' : *s == '"' ? '\'' : *s, f);
}

typedef struct {
    const char *dir, *plots, *title;
    unsigned formats;
    int drawn;
} chart_ctx;

static FILE *open_data(chart_ctx *c, const char *name, char *path, size_t n)
{
    int w = snprintf(path, n, "%s/%s.csv", c->dir, name);
    if (w < 0 || (size_t)w >= n) return NULL;
    return fopen(path, "w");
}

/* Chart NAME from the script SCRIPT.gp (usually the same name). */
static void draw_with(chart_ctx *c, const char *script_name, const char *name, const char *data,
                      const char *title, const char *extra)
{
    char script[PATH_MAX], base[PATH_MAX];
    snprintf(script, sizeof script, "%s/%s.gp", c->plots, script_name);
    snprintf(base, sizeof base, "%s/%s", c->dir, name);
    if (access(script, R_OK) != 0) {
        hnb_warn_at((hnb_mark){0}, "chart %s: no script %s", name, script);
        return;
    }
    if (hnb_plot_draw(script, data, base, title, extra, c->formats) == 0) c->drawn++;
}

static void draw(chart_ctx *c, const char *name, const char *data, const char *title,
                 const char *extra)
{
    draw_with(c, name, name, data, title, extra);
}

int hnb_plot_run(const hnb_model *m, const double *p, const hnb_result *r, const hnb_mc *mc,
                 const char *dir, unsigned formats)
{
    if (!formats) return 0;
    if (gnuplot_missing()) {
        hnb_warn_at((hnb_mark){0}, "gnuplot is not installed: no charts (the tables are written); "
                                   "apt-get install gnuplot-nox");
        return 0;
    }
    const char *plots = hnb_plot_dir();
    if (!plots) {
        hnb_warn_at((hnb_mark){0}, "no chart scripts found (set HNB_PLOTS to the plots/ folder)");
        return 0;
    }
    char cdir[PATH_MAX];
    snprintf(cdir, sizeof cdir, "%s/charts", dir);
    hnb_err err;
    if (hnb_mkdirs(cdir, &err)) {
        hnb_warn_at((hnb_mark){0}, "%s", err.msg);
        return 0;
    }
    chart_ctx c = {cdir, plots, m->name, formats, 0};
    const int ys = m->years, ns = m->nsettings, nm = m->nmit;
    char path[PATH_MAX], title[600], extra[2048];
    char over_label[8] = "", over_note[128] = "", hor[8];
    hnb_year_label(m->start_year + ys - 1, hor);
    if (m->override_end) {
        hnb_year_label(m->override_end - 1, over_label);
        snprintf(over_note, sizeof over_note, "Statutory override ends March %d", m->override_end);
    }
    FILE *f;

    /* 1. the deficit */
    if ((f = open_data(&c, "deficit", path, sizeof path))) {
        /* with section 13's keys, two more columns: the grant and the
         * DSG-wide deficit (NaN without dsg) */
        const int v2 = m->regime.given || m->dsg.given;
        fprintf(f, "year,label,annual_gap,cumulative_deficit%s\n",
                v2 ? ",stability_grant,dsg_deficit,central_funding" : "");
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s,", m->start_year + t, l);
            put_m(f, r->annual_gap[t]);
            fputc(',', f);
            put_m(f, r->cumulative_deficit[t]);
            if (v2) {
                fputc(',', f);
                put_m(f, r->stability_grant[t]);
                fputc(',', f);
                if (m->dsg.given) put_m(f, r->dsg_deficit[t]);
                else fputs("NaN", f);
                fputc(',', f);
                put_m(f, r->central_funding[t]);
            }
            fputc('\n', f);
        }
        fclose(f);
        extra[0] = 0;
        if (m->regime.given && m->override_end) {
            /* the override's line says what is left with the council then */
            int to = m->override_end - 1 - m->start_year;
            if (to >= 0 && to < ys) {
                char a[HNB_NUM_BUF];
                snprintf(over_note, sizeof over_note, "Override ends March %d: £%sm left with the council",
                         m->override_end, hnb_fmt_m(a, r->cumulative_deficit[to]));
            }
        }
        hnb_plot_var(extra, sizeof extra, "regime", m->regime.grant ? "1" : "");
        hnb_plot_var(extra, sizeof extra, "central", m->regime.central_share ? "1" : "");
        hnb_plot_var(extra, sizeof extra, "dsg", m->dsg.given ? "1" : "");
        hnb_plot_var(extra, sizeof extra, "override_label", over_label);
        hnb_plot_var(extra, sizeof extra, "override_note", over_note);
        char res[64] = "";
        if (m->reserves >= 0) hnb_fmt_fixed(res, sizeof res, p[m->reserves] / 1e6, 1);
        hnb_plot_var(extra, sizeof extra, "reserves", res);
        snprintf(title, sizeof title, "%s: annual funding gap and cumulative deficit", m->name);
        draw(&c, "deficit", path, title, extra);
    }
    /* 2. the fan */
    if (mc && (f = open_data(&c, "fan", path, sizeof path))) {
        fputs("year,label,p5,p10,p25,p50,p75,p90,p95,central\n", f);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s", m->start_year + t, l);
            const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
            for (int k = 0; k < HNB_MC_NQ; k++) {
                fputc(',', f);
                put_m(f, q[k]);
            }
            fputc(',', f);
            put_m(f, r->cumulative_deficit[t]);
            fputc('\n', f);
        }
        fclose(f);
        extra[0] = 0;
        hnb_plot_var(extra, sizeof extra, "override_label", over_label);
        hnb_plot_var(extra, sizeof extra, "override_note", over_note);
        snprintf(title, sizeof title, "%s: cumulative deficit, %ld draws", m->name, mc->draws);
        draw(&c, "fan", path, title, extra);
    }
    /* 3. plans by setting, 7. the placement mix */
    if (m->bottom_up) {
        for (int which = 0; which < 2; which++) {
            const char *name = which ? "mix" : "plans";
            if (!(f = open_data(&c, name, path, sizeof path))) continue;
            fputs("year,label", f);
            for (int s = 0; s < ns; s++) {
                fputc(',', f);
                put_name(f, m->settings[s].label);
            }
            fputc('\n', f);
            for (int t = 0; t < ys; t++) {
                char l[8];
                hnb_year_label(m->start_year + t, l);
                fprintf(f, "%d,%s", m->start_year + t, l);
                double total = r->ehcps[t] > 0 ? r->ehcps[t] : 1;
                for (int s = 0; s < ns; s++) {
                    char b[64];
                    double v = r->plans[t * ns + s];
                    hnb_fmt_fixed(b, sizeof b, which ? 100 * v / total : v, 3);
                    fprintf(f, ",%s", b);
                }
                fputc('\n', f);
            }
            fclose(f);
            snprintf(extra, sizeof extra, "ncols=%d", ns + 2);
            snprintf(title, sizeof title, which ? "%s: placement mix" : "%s: EHCPs by setting",
                     m->name);
            draw(&c, name, path, title, extra);
        }
    }
    /* 3b. plans by primary need (section 10), stacked as plans by setting */
    if (m->nneeds && (f = open_data(&c, "needs", path, sizeof path))) {
        const int nc = hnb_model_cohorts(m);
        fputs("year,label", f);
        for (int n = 0; n < m->nneeds; n++) {
            fputc(',', f);
            put_name(f, m->need_labels[n]);
        }
        fputc('\n', f);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s", m->start_year + t, l);
            for (int n = 0; n < m->nneeds; n++) {
                double v = 0;
                for (int s = 0; s < ns; s++) v += r->plans_need[(size_t)t * nc + n * ns + s];
                char b[64];
                hnb_fmt_fixed(b, sizeof b, v, 3);
                fprintf(f, ",%s", b);
            }
            fputc('\n', f);
        }
        fclose(f);
        snprintf(extra, sizeof extra, "ncols=%d", m->nneeds + 2);
        snprintf(title, sizeof title, "%s: EHCPs by primary need", m->name);
        draw_with(&c, "plans", "needs", path, title, extra);
    }
    /* 4. expenditure against grant and income */
    if ((f = open_data(&c, "funding", path, sizeof path))) {
        fputs("year,label,expenditure,income,mitigations,net_expenditure\n", f);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s,", m->start_year + t, l);
            put_m(f, r->expenditure[t]);
            fputc(',', f);
            put_m(f, r->income[t]);
            fputc(',', f);
            put_m(f, r->mitigations[t]);
            fputc(',', f);
            put_m(f, r->expenditure[t] - r->mitigations[t]);
            fputc('\n', f);
        }
        fclose(f);
        snprintf(title, sizeof title, "%s: expenditure, grant and income", m->name);
        draw(&c, "funding", path, title, "");
    }
    /* 5. mitigations by year */
    if (nm > 0 && (f = open_data(&c, "mitigations", path, sizeof path))) {
        fputs("year,label", f);
        for (int i = 0; i < nm; i++) {
            fputc(',', f);
            put_name(f, m->mits[i].name);
        }
        fputc('\n', f);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s", m->start_year + t, l);
            for (int i = 0; i < nm; i++) {
                fputc(',', f);
                put_m(f, r->contribution[t * nm + i]);
            }
            fputc('\n', f);
        }
        fclose(f);
        snprintf(extra, sizeof extra, "ncols=%d", nm + 2);
        snprintf(title, sizeof title, "%s: planned mitigations by year", m->name);
        draw(&c, "mitigations", path, title, extra);
    }
    /* 6. the tornado */
    if (mc && mc->ndrivers > 0 && (f = open_data(&c, "tornado", path, sizeof path))) {
        fputs("variable,low_deficit,high_deficit,central\n", f);
        int rows = mc->ndrivers < 20 ? mc->ndrivers : 20;
        for (int k = 0; k < rows; k++) {
            put_name(f, mc->drivers[k].name);
            fputc(',', f);
            put_m(f, mc->drivers[k].at_low);
            fputc(',', f);
            put_m(f, mc->drivers[k].at_high);
            fputc(',', f);
            put_m(f, r->cumulative_deficit[ys - 1]);
            fputc('\n', f);
        }
        fclose(f);
        extra[0] = 0;
        hnb_plot_var(extra, sizeof extra, "horizon_label", hor);
        size_t w = strlen(extra);
        snprintf(extra + w, sizeof extra - w, "; nrows=%d", rows);
        snprintf(title, sizeof title, "%s: what drives the deficit", m->name);
        draw(&c, "tornado", path, title, extra);
    }
    return c.drawn;
}
