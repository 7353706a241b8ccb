/* helpers.c - see helpers.h. */
#include "helpers.h"
#include "hnb/outdir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char warnings[8192];

static void capture(void *ud, const char *text)
{
    (void)ud;
    size_t n = strlen(warnings);
    snprintf(warnings + n, sizeof warnings - n, "%s\n", text);
}

const char *th_warnings(void)
{
    return warnings;
}

char *th_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap + 1);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *more = realloc(b, 2 * cap + 1);
            if (!more) {
                free(b);
                b = NULL;
                break;
            }
            b = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (b) b[n] = 0;
    return b;
}

const char *th_root(void)
{
    const char *r = getenv("HNB_ROOT");
    return r ? r : ".";
}

static char tmp_dir[256];

static void remove_tmpdir(void)
{
    if (tmp_dir[0]) hnb_remove_tree(tmp_dir);
}

static const char *tmpdir(void)
{
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/hnb-test-%d", (int)getpid());
        mkdir(tmp_dir, 0700);
        atexit(remove_tmpdir);
    }
    return tmp_dir;
}

const char *th_write(const char *name, const char *text)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir(), name);
    FILE *f = fopen(p, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
    return p;
}

hnb_model *th_load(const char *text, hnb_err *err)
{
    warnings[0] = 0;
    hnb_warn_set_handler(capture, NULL);
    const char *path = th_write("scenario.yaml", text);
    hnb_model *m = NULL;
    memset(err, 0, sizeof *err);
    hnb_model_load(path, NULL, 0, &m, err);
    return m;
}

const char *th_error(const char *text)
{
    static char out[2048];
    hnb_err err;
    hnb_model *m = th_load(text, &err);
    if (m) {
        hnb_model_free(m);
        return "(no error)";
    }
    snprintf(out, sizeof out, "%d:%d: %s", err.line, err.col, err.msg);
    return out;
}

hnb_result *th_run(hnb_model *m)
{
    double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
    hnb_model_central(m, p);
    hnb_work *w = hnb_work_create(m);
    hnb_result *r = hnb_result_create(m);
    /* as the runner does: the attribution the scenario names */
    hnb_project(m, p, w, r, HNB_PROJECT_DETAIL | (m->shapley ? HNB_PROJECT_SHAPLEY : 0));
    hnb_work_free(w);
    free(p);
    return r;
}

void th_done(hnb_model *m, hnb_result *r)
{
    hnb_result_free(r);
    hnb_model_free(m);
}

char th_out[65536];

int th_sh(const char *fmt, ...)
{
    char cmd[8192], full[8400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "cd %s && %s 2>&1", th_root(), cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t n = fread(th_out, 1, sizeof th_out - 1, p);
    th_out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
