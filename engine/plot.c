/* plot.c - chart data and the gnuplot runner. */
#include "hnb/plot.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hnb/mem.h"
#include "hnb/report.h"

#ifndef HNB_PLOTDIR
#define HNB_PLOTDIR "/usr/local/share/hnb/plots"
#endif
#define GNUPLOT_SECONDS 60
/* the most series a mitigations chart stacks */
#define MIT_SERIES 12

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
        else if (!strcmp(tok, "print")) mask |= HNB_CHART_PRINT;
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

/* ---- the gnuplot runner ----
 *
 * Every chart of a command goes into one queue; a few gnuplot processes
 * (workers) take the charts in turn, each fed its scripts through a socket,
 * one chart at a time:
 *
 *     reset session                      (nothing left from the last chart)
 *     datafile='...'; outfile='...'; ... (the chart's variables)
 *     load 'SCRIPT.gp'
 *     unset output                       (the file is complete)
 *     unset print                        (a script may have redirected it)
 *     print sprintf("hnb-chart-done %d", GPVAL_ERRNO)
 *
 * Starting gnuplot and its fonts cost more than drawing most charts, so a
 * run pays that once a worker, not once a chart. gnuplot reading a pipe
 * carries on after an error, and GPVAL_ERRNO says whether the chart had
 * one; a script that exits (or a gnuplot that dies) ends its worker, and
 * the next chart starts a fresh one. Each chart has GNUPLOT_SECONDS: past
 * that its gnuplot is killed, the chart named in a warning, and the run
 * carries on. A chart is drawn into OUTBASE.tmp.EXT and renamed into place
 * only when complete, so a failed chart leaves no file behind. A chart
 * drawn after others is the same file as drawn alone, for the shipped
 * scripts (tests/test_plot.c): gnuplot's SVG driver keeps one colour from a
 * plot to the next, which shows only when a script leaves its first group's
 * colour unset, and the shipped ones set it. */

#define DONE_MARK "hnb-chart-done "

typedef struct {
    char *commands; /* what the worker is sent for this chart */
    char out[PATH_MAX], tmp[PATH_MAX];
    int done, failed;
    int tag; /* hnb_plot_run()'s chart it belongs to (the queue runs in its own order) */
} chart_job;

struct hnb_plot_queue {
    chart_job *jobs;
    int n, cap;
};

typedef struct {
    pid_t pid;   /* 0: no gnuplot running */
    int in, out; /* its stdin (a socket: a dead reader is an error, not SIGPIPE), its stdout+stderr */
    int job;     /* the chart it is drawing, or -1 */
    struct timespec deadline;
    char *text; /* its output since the chart began */
    size_t len, cap;
} worker;

hnb_plot_queue *hnb_plot_queue_create(void)
{
    hnb_plot_queue *q = calloc(1, sizeof *q);
    if (!q) hnb_oom();
    return q;
}

void hnb_plot_queue_free(hnb_plot_queue *q)
{
    if (!q) return;
    for (int i = 0; i < q->n; i++) free(q->jobs[i].commands);
    free(q->jobs);
    free(q);
}

int hnb_plot_queue_add(hnb_plot_queue *q, const char *script, const char *data, const char *outbase,
                       const char *title, const char *extra, unsigned formats)
{
    static const char *const ext[] = {"png", "svg", "pdf"};
    int added = 0;
    for (int k = 0; k < 3; k++) {
        if (!(formats & (1u << k))) continue;
        if (q->n == q->cap) {
            q->cap = q->cap ? 2 * q->cap : 16;
            q->jobs = realloc(q->jobs, (size_t)q->cap * sizeof *q->jobs);
            if (!q->jobs) hnb_oom();
        }
        chart_job *j = &q->jobs[q->n++];
        memset(j, 0, sizeof *j);
        snprintf(j->out, sizeof j->out, "%s.%s", outbase, ext[k]);
        snprintf(j->tmp, sizeof j->tmp, "%s.tmp.%s", outbase, ext[k]);
        size_t size = 2 * PATH_MAX + 2 * strlen(script) + 2 * strlen(data) + 2 * strlen(title) +
                      (extra ? strlen(extra) : 0) + 256;
        char *c = malloc(size);
        if (!c) hnb_oom();
        strcpy(c, "reset session\n");
        char *vars = c + strlen(c);
        vars[0] = 0;
        size_t left = size - (size_t)(vars - c);
        hnb_plot_var(vars, left, "datafile", data);
        hnb_plot_var(vars, left, "outfile", j->tmp);
        hnb_plot_var(vars, left, "fmt", ext[k]);
        hnb_plot_var(vars, left, "title", title);
        if (extra && *extra) {
            size_t w = strlen(vars);
            snprintf(vars + w, left - w, "; %s", extra);
        }
        size_t w = strlen(c);
        w += (size_t)snprintf(c + w, size - w, "\nload ");
        char path[2 * PATH_MAX] = "";
        hnb_plot_var(path, sizeof path, "", script); /* ='SCRIPT' */
        w += (size_t)snprintf(c + w, size - w, "%s\nunset output\nunset print\n"
                                               "print sprintf(\"" DONE_MARK "%%d\", GPVAL_ERRNO)\n",
                              path + 1);
        j->commands = c;
        added++;
    }
    return added;
}

/* Start gnuplot on worker W. */
static int worker_start(worker *w)
{
    int sv[2], pp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    if (pipe(pp) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    fcntl(pp[0], F_SETFD, FD_CLOEXEC);
    fcntl(pp[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, pp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pp[1], 2);
    char *argv[] = {"gnuplot", NULL};
    int rc = posix_spawnp(&w->pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    close(pp[1]);
    if (rc != 0) {
        close(sv[0]);
        close(pp[0]);
        w->pid = 0;
        return -1;
    }
    w->in = sv[0];
    w->out = pp[0];
    return 0;
}

/* Stop worker W's gnuplot: KILL it (a chart past its time), or close its
 * input and let it finish. */
static void worker_stop(worker *w, int kill_it)
{
    if (!w->pid) return;
    if (kill_it) kill(w->pid, SIGKILL);
    close(w->in);
    close(w->out);
    int status;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    w->pid = 0;
}

static int send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Chart J is done: rename its file into place, or warn with what gnuplot
 * said. HOW: 0 drawn, 1 failed, 2 stopped for taking too long. */
static void job_finish(chart_job *j, int how, const char *text)
{
    struct stat st;
    j->done = 1;
    if (how == 0 && stat(j->tmp, &st) == 0 && st.st_size > 0 && rename(j->tmp, j->out) == 0) return;
    j->failed = 1;
    unlink(j->tmp);
    char first[512];
    snprintf(first, sizeof first, "%s", text ? text : "");
    for (char *q = first; *q; q++)
        if (*q == '\n') *q = ' ';
    char *e = first + strlen(first);
    while (e > first && e[-1] == ' ') *--e = 0;
    char *b = first;
    while (*b == ' ') b++;
    hnb_warn_at((hnb_mark){0}, "chart %s: gnuplot %s%s%s", j->out,
                how == 2 ? "took too long and was stopped" : "failed", b[0] ? ": " : "", b);
}

/* Give worker W chart J (starting its gnuplot if need be). Returns 0, or
 * -1 when gnuplot cannot be started or fed (the chart is then failed). */
static int worker_give(worker *w, chart_job *j, int ji)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!w->pid && worker_start(w) != 0) break;
        if (send_all(w->in, j->commands, strlen(j->commands)) == 0) {
            w->job = ji;
            w->len = 0;
            clock_gettime(CLOCK_MONOTONIC, &w->deadline);
            w->deadline.tv_sec += GNUPLOT_SECONDS;
            return 0;
        }
        worker_stop(w, 1); /* it died between charts: a fresh one */
    }
    job_finish(j, 1, "could not be started");
    w->job = -1;
    return -1;
}

/* The marker line in W's output: its GPVAL_ERRNO, or -1 before it. */
static int worker_marker(worker *w)
{
    for (size_t i = 0; i + sizeof DONE_MARK - 1 <= w->len; i++) {
        if (i > 0 && w->text[i - 1] != '\n') continue;
        if (memcmp(w->text + i, DONE_MARK, sizeof DONE_MARK - 1)) continue;
        const char *nl = memchr(w->text + i, '\n', w->len - i);
        if (!nl) return -1; /* the line is still coming */
        int errno_gp = atoi(w->text + i + sizeof DONE_MARK - 1);
        w->len = i; /* what came before the marker is the chart's */
        w->text[w->len] = 0;
        return errno_gp < 0 ? 1 : errno_gp;
    }
    return -1;
}

/* A chart file's cost, in SVG charts: a cairo file (PNG, PDF) about four. */
static int job_cost(const chart_job *j)
{
    return strstr(j->out, ".svg") ? 1 : 4;
}

static long ms_until(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms;
}

int hnb_plot_queue_run(hnb_plot_queue *q, int workers)
{
    if (q->n == 0) return 0;
    if (workers < 1) workers = 1;
    /* the costly files first (cairo's: PNG, PDF), so that the workers end
     * together rather than one drawing the last PNG alone; stable */
    for (int i = 1, sorted = 0; i < q->n && !sorted; i++) {
        sorted = 1;
        for (int k = q->n - 1; k >= i; k--)
            if (job_cost(&q->jobs[k]) > job_cost(&q->jobs[k - 1])) {
                chart_job t = q->jobs[k];
                q->jobs[k] = q->jobs[k - 1];
                q->jobs[k - 1] = t;
                sorted = 0;
            }
    }
    if (workers > q->n) workers = q->n;
    worker *ws = calloc((size_t)workers, sizeof *ws);
    if (!ws) hnb_oom();
    int next = 0, busy = 0;
    for (int k = 0; k < workers; k++) {
        ws[k].job = -1;
        while (next < q->n && ws[k].job < 0) {
            worker_give(&ws[k], &q->jobs[next], next);
            next++;
        }
        busy += ws[k].job >= 0;
    }
    struct pollfd *pfd = calloc((size_t)workers, sizeof *pfd);
    if (!pfd) hnb_oom();
    while (busy > 0) {
        long wait_ms = -1;
        for (int k = 0; k < workers; k++) {
            pfd[k].fd = ws[k].job >= 0 ? ws[k].out : -1;
            pfd[k].events = POLLIN;
            pfd[k].revents = 0;
            if (ws[k].job >= 0) {
                long ms = ms_until(&ws[k].deadline);
                if (wait_ms < 0 || ms < wait_ms) wait_ms = ms;
            }
        }
        int pr = poll(pfd, (nfds_t)workers, (int)(wait_ms > INT_MAX ? INT_MAX : wait_ms));
        if (pr < 0 && errno != EINTR) break;
        for (int k = 0; k < workers; k++) {
            worker *w = &ws[k];
            if (w->job < 0) continue;
            int how = -1; /* still drawing */
            if (pfd[k].revents) {
                if (w->len + 4096 + 1 > w->cap) {
                    w->cap = w->len + 8192;
                    w->text = realloc(w->text, w->cap);
                    if (!w->text) hnb_oom();
                }
                ssize_t got = read(w->out, w->text + w->len, 4096);
                if (got > 0) {
                    w->len += (size_t)got;
                    w->text[w->len] = 0;
                    int e = worker_marker(w);
                    if (e >= 0) how = e == 0 ? 0 : 1;
                } else if (got == 0 || errno != EINTR) {
                    how = 1; /* gnuplot exited (a script's `exit`, or a crash) */
                    if (w->text) w->text[w->len] = 0;
                    worker_stop(w, 0);
                }
            }
            if (how < 0 && ms_until(&w->deadline) == 0) {
                how = 2;
                worker_stop(w, 1);
            }
            if (how < 0) continue;
            job_finish(&q->jobs[w->job], how, w->len ? w->text : "");
            w->job = -1;
            busy--;
            while (next < q->n && w->job < 0) {
                worker_give(w, &q->jobs[next], next);
                next++;
            }
            busy += w->job >= 0;
        }
    }
    for (int k = 0; k < workers; k++) {
        worker_stop(&ws[k], 0);
        free(ws[k].text);
    }
    free(ws);
    free(pfd);
    int failed = 0;
    for (int i = 0; i < q->n; i++) failed += q->jobs[i].failed || !q->jobs[i].done;
    return failed;
}

/* How many gnuplot processes draw queue Q. Starting a gnuplot costs about as much as drawing an SVG chart, and two
 * starting at once on two cores take longer than one drawing eight SVGs; a
 * cairo chart (PNG, PDF) costs a few times more, its hatching most. So: one
 * process for every 12 SVG-sized units of work, no more than the
 * processors online, nor 4. */
static int workers_for(const hnb_plot_queue *q)
{
    int work = 0;
    for (int i = 0; i < q->n; i++) work += job_cost(&q->jobs[i]);
    int w = (work + 11) / 12;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && w > cpus) w = (int)cpus;
    if (w > 4) w = 4;
    return w < 1 ? 1 : w;
}

int hnb_plot_draw(const char *script, const char *data, const char *outbase, const char *title,
                  const char *extra, unsigned formats)
{
    hnb_plot_queue *q = hnb_plot_queue_create();
    hnb_plot_queue_add(q, script, data, outbase, title, extra, formats);
    int failed = hnb_plot_queue_run(q, workers_for(q));
    hnb_plot_queue_free(q);
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

/* A £m value as the chart files hold it (three decimals), so that the
 * stacks below add the very numbers written beside them. */
static double rounded_m(double x)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x / 1e6, 3);
    return strtod(b, NULL);
}

static void put_fixed(FILE *f, double x)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x, 3);
    fputs(b, f);
}

/* After a row's N values V (already as written), the running totals
 * V[0], V[0] + V[1], ...: the top of each stacked series, which the
 * scripts would otherwise re-add for every series (quadratic in N). */
static void put_stack(FILE *f, const double *v, int n)
{
    double top = 0;
    for (int i = 0; i < n; i++) {
        top += v[i];
        fputc(',', f);
        put_fixed(f, top);
    }
}

/* A stacked chart's header: "year,label", each series' name, then each
 * again as "NAME (stacked)", the running totals put_stack writes. */
static void stack_header(FILE *f, const char *const *names, int n)
{
    fputs("year,label", f);
    for (int top = 0; top < 2; top++)
        for (int i = 0; i < n; i++) {
            fputc(',', f);
            put_name(f, names[i]);
            if (top) fputs(" (stacked)", f);
        }
    fputc('\n', f);
}

/* qsort order of mitigations: larger weight first, then as listed
 * (charts are drawn on one thread) */
static const double *sort_weight;
static int by_weight(const void *a, const void *b)
{
    int i = *(const int *)a, k = *(const int *)b;
    if (sort_weight[i] != sort_weight[k]) return sort_weight[i] > sort_weight[k] ? -1 : 1;
    return (i > k) - (i < k);
}

typedef struct {
    const char *dir, *plots, *title;
    unsigned formats;
    hnb_plot_queue *queue;
    int ncharts;
} chart_ctx;

static FILE *open_data(chart_ctx *c, const char *name, char *path, size_t n)
{
    int w = snprintf(path, n, "%s/%s.csv", c->dir, name);
    if (w < 0 || (size_t)w >= n) return NULL;
    return fopen(path, "w");
}

/* Chart NAME from the script SCRIPT.gp (usually the same name): queued,
 * drawn with the others by hnb_plot_run(). */
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
    /* report.html prints a hatched chart from its PNG (html.c): with
     * HNB_CHART_PRINT, the scripts that hatch draw one */
    unsigned formats = c->formats & (HNB_CHART_PNG | HNB_CHART_SVG | HNB_CHART_PDF);
    static const char *const hatched[] = {"plans", "mix", "funding", "mitigations"};
    for (int k = 0; k < 4 && (c->formats & HNB_CHART_PRINT); k++)
        if (!strcmp(script_name, hatched[k])) formats |= HNB_CHART_PNG;
    const int first = c->queue->n;
    hnb_plot_queue_add(c->queue, script, data, base, title, extra, formats);
    for (int j = first; j < c->queue->n; j++) c->queue->jobs[j].tag = c->ncharts;
    c->ncharts++;
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
    chart_ctx c = {.dir = cdir, .plots = plots, .title = m->name, .formats = formats,
                   .queue = hnb_plot_queue_create()};
    const int ys = m->years, ns = m->nsettings, nm = m->nmit;
    char path[PATH_MAX], title[600], extra[2048];
    char over_label[8] = "", over_note[128] = "", hor[8];
    hnb_year_label(m->start_year + ys - 1, hor);
    if (m->override_end) {
        hnb_year_label(m->override_end - 1, over_label);
        snprintf(over_note, sizeof over_note, "Statutory override ends March %d", m->override_end);
    }
    FILE *f;
    /* a row of a stacked chart's values */
    int widest = ns > m->nneeds ? ns : m->nneeds;
    double *row = malloc(sizeof(double) * (size_t)(widest + 1));
    if (!row) hnb_oom();

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
                snprintf(over_note, sizeof over_note, "Override ends March %d: %s left with the council",
                         m->override_end, hnb_fmt_pm(a, r->cumulative_deficit[to]));
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
        char nd[HNB_NUM_BUF];
        hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
        snprintf(title, sizeof title, "%s: cumulative deficit, %s draws", m->name, nd);
        draw(&c, "fan", path, title, extra);
    }
    /* 3. plans by setting, 7. the placement mix */
    if (m->bottom_up) {
        for (int which = 0; which < 2; which++) {
            const char *name = which ? "mix" : "plans";
            if (!(f = open_data(&c, name, path, sizeof path))) continue;
            const char **labels = malloc(sizeof *labels * (size_t)(ns + 1));
            if (!labels) hnb_oom();
            for (int s = 0; s < ns; s++) labels[s] = m->settings[s].label;
            stack_header(f, labels, ns);
            free(labels);
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
                    row[s] = strtod(b, NULL);
                }
                put_stack(f, row, ns);
                fputc('\n', f);
            }
            fclose(f);
            snprintf(extra, sizeof extra, "ncols=%d", 2 * ns + 2);
            snprintf(title, sizeof title, which ? "%s: placement mix" : "%s: EHCPs by setting",
                     m->name);
            draw(&c, name, path, title, extra);
        }
    }
    /* 3b. plans by primary need (section 10), stacked as plans by setting */
    if (m->nneeds && (f = open_data(&c, "needs", path, sizeof path))) {
        const int nc = hnb_model_cohorts(m);
        stack_header(f, (const char *const *)m->need_labels, m->nneeds);
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
                row[n] = strtod(b, NULL);
            }
            put_stack(f, row, m->nneeds);
            fputc('\n', f);
        }
        fclose(f);
        snprintf(extra, sizeof extra, "ncols=%d", 2 * m->nneeds + 2);
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
    /* 5. mitigations by year: the largest MIT_SERIES - 1 of them and the
     * rest as one series once there are more than MIT_SERIES (a legend of
     * hundreds of names is not read, and a script's work grows with its
     * series), with the stacks worked out here */
    if (nm > 0 && (f = open_data(&c, "mitigations", path, sizeof path))) {
        int *series = malloc(sizeof(int) * (size_t)nm); /* mitigation -> series */
        double *weight = malloc(sizeof(double) * (size_t)nm);
        double *val = malloc(sizeof(double) * 3 * MIT_SERIES);
        if (!series || !weight || !val) hnb_oom();
        int nseries = nm;
        for (int i = 0; i < nm; i++) series[i] = i;
        if (nm > MIT_SERIES) {
            /* keep the MIT_SERIES - 1 largest by their total size over the
             * years (ties: the first listed), in the order listed */
            for (int i = 0; i < nm; i++) {
                weight[i] = 0;
                for (int t = 0; t < ys; t++) weight[i] += fabs(r->contribution[t * nm + i]);
            }
            int *order = malloc(sizeof(int) * (size_t)nm);
            if (!order) hnb_oom();
            for (int i = 0; i < nm; i++) order[i] = i;
            sort_weight = weight;
            qsort(order, (size_t)nm, sizeof *order, by_weight);
            for (int i = 0; i < nm; i++) series[i] = -1;
            for (int k = 0; k < MIT_SERIES - 1; k++) series[order[k]] = 0;
            free(order);
            nseries = 0;
            for (int i = 0; i < nm; i++)
                if (series[i] == 0) series[i] = nseries++;
            for (int i = 0; i < nm; i++)
                if (series[i] < 0) series[i] = nseries;
            nseries++;
        }
        fputs("year,label", f);
        for (int part = 0; part < 3; part++)
            for (int k = 0; k < nseries; k++) {
                fputc(',', f);
                if (nm > MIT_SERIES && k == nseries - 1) {
                    fprintf(f, "%d other mitigations", nm - (MIT_SERIES - 1));
                } else {
                    int i = 0;
                    while (series[i] != k) i++;
                    put_name(f, m->mits[i].name);
                }
                if (part == 1) fputs(" (savings stacked)", f);
                if (part == 2) fputs(" (costs stacked)", f);
            }
        fputc('\n', f);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "%d,%s", m->start_year + t, l);
            double *sum = val, *pos = val + MIT_SERIES, *neg = val + 2 * MIT_SERIES;
            for (int k = 0; k < nseries; k++) sum[k] = 0;
            for (int i = 0; i < nm; i++) sum[series[i]] += r->contribution[t * nm + i];
            for (int k = 0; k < nseries; k++) {
                double v = sum[k];
                fputc(',', f);
                put_m(f, v);
                sum[k] = rounded_m(v);
                pos[k] = sum[k] > 0 ? sum[k] : 0;
                neg[k] = sum[k] < 0 ? sum[k] : 0;
            }
            put_stack(f, pos, nseries);
            put_stack(f, neg, nseries);
            fputc('\n', f);
        }
        fclose(f);
        free(series);
        free(weight);
        free(val);
        snprintf(extra, sizeof extra, "ncols=%d", 3 * nseries + 2);
        snprintf(title, sizeof title, "%s: planned mitigations by year", m->name);
        draw(&c, "mitigations", path, title, extra);
    }
    /* 6. the tornado */
    if (mc && mc->ndrivers > 0 && (f = open_data(&c, "tornado", path, sizeof path))) {
        fputs("variable,low_deficit,high_deficit,central\n", f);
        int rows = mc->ndrivers < 20 ? mc->ndrivers : 20;
        for (int k = 0; k < rows; k++) {
            char desc[400]; /* the value in words, as the report says it */
            hnb_param_describe(m, &m->params[mc->drivers[k].slot], desc, sizeof desc);
            put_name(f, desc);
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
        /* centred over the bars, which the names push right: short, so
         * that it stays on the chart (the scenario's name is the report's) */
        snprintf(title, sizeof title, "What drives the deficit at the end of %s", hor);
        draw(&c, "tornado", path, title, extra);
    }
    free(row);
    hnb_plot_queue_run(c.queue, workers_for(c.queue));
    int drawn = 0;
    for (int k = 0; k < c.ncharts; k++) {
        int ok = 1;
        for (int j = 0; j < c.queue->n; j++)
            if (c.queue->jobs[j].tag == k) ok &= c.queue->jobs[j].done && !c.queue->jobs[j].failed;
        drawn += ok;
    }
    hnb_plot_queue_free(c.queue);
    return drawn;
}
