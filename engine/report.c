/* report.c - CSV and Markdown outputs (SPEC section 9). */
#include "hnb/report.h"
#include "hnb/mem.h"
#include "hnb/outdir.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hnb_fmt_fixed(char *buf, size_t size, double x, int decimals)
{
    snprintf(buf, size, "%.*f", decimals, x);
    /* "-0.00" (a tiny negative) is written "0.00" */
    if (buf[0] == '-') {
        int zero = 1;
        for (const char *q = buf + 1; *q; q++)
            if (*q != '0' && *q != '.') zero = 0;
        if (zero) memmove(buf, buf + 1, strlen(buf));
    }
}

/* RAW, a number as printf writes it, into B (N bytes) with its whole part
 * in thousands: "-1095.0" -> "-1,095.0". Past 40 digits, as it is. */
static void grouped(char *b, size_t n, const char *raw)
{
    const char *dot = strchr(raw, '.');
    size_t whole = dot ? (size_t)(dot - raw) : strlen(raw), k = 0, start = raw[0] == '-';
    char out[128];
    if (whole > 40) {
        snprintf(b, n, "%s", raw);
        return;
    }
    if (start) out[k++] = '-';
    for (size_t i = start; i < whole; i++) {
        out[k++] = raw[i];
        size_t left = whole - i - 1;
        if (left > 0 && left % 3 == 0) out[k++] = ',';
    }
    snprintf(out + k, sizeof out - k, "%s", raw + whole);
    snprintf(b, n, "%s", out);
}

const char *hnb_fmt_m(char *b, double pounds)
{
    /* UK form: thousands separated, one decimal ("1,095.0") */
    char raw[HNB_NUM_BUF];
    hnb_fmt_fixed(raw, sizeof raw, pounds / 1e6, 1);
    grouped(b, HNB_NUM_BUF, raw);
    return b;
}

const char *hnb_fmt_pm(char *b, double pounds)
{
    char t[HNB_NUM_BUF];
    hnb_fmt_m(t, pounds);
    /* (a figure is far shorter than the buffer: the bound quiets -Wformat-truncation) */
    snprintf(b, HNB_NUM_BUF, "%s£%.*sm", t[0] == '-' ? "-" : "", HNB_NUM_BUF - 8, t[0] == '-' ? t + 1 : t);
    return b;
}

const char *hnb_fmt_value(char *b, size_t n, hnb_kind kind, double v)
{
    char t[HNB_NUM_BUF];
    if (kind == HNB_KIND_RATE) {
        /* a rate as a percentage, to 2 decimals with trailing zeros off */
        snprintf(t, sizeof t, "%.2f", 100 * v);
        char *e = t + strlen(t);
        while (e > t && e[-1] == '0') *--e = 0;
        if (e > t && e[-1] == '.') *--e = 0;
        snprintf(b, n, "%s%%", strcmp(t, "-0") ? t : "0");
    } else if (kind == HNB_KIND_MONEY && fabs(v) >= 1e6) {
        snprintf(b, n, "%s£%sm", v < 0 ? "-" : "", hnb_fmt_m(t, fabs(v)));
    } else if ((v == floor(v) || (kind == HNB_KIND_MONEY && fabs(v) >= 100)) && fabs(v) < 1e15) {
        /* whole pounds above £100: "£54,020", not "£54019.69" */
        hnb_fmt_count(t, sizeof t, fabs(v));
        snprintf(b, n, "%s%s%s", v < 0 ? "-" : "", kind == HNB_KIND_MONEY ? "£" : "", t);
    } else {
        snprintf(b, n, "%s%.*f", kind == HNB_KIND_MONEY ? "£" : "",
                 kind == HNB_KIND_MONEY ? 2 : 3, v);
    }
    return b;
}

void hnb_fmt_dist(char *b, size_t n, const hnb_param *p)
{
    char x[3][HNB_NUM_BUF];
    const hnb_dist *d = &p->dist;
    switch (d->type) {
    case HNB_DIST_NORMAL:
        snprintf(b, n, "normal: mean %s, standard deviation %s", hnb_fmt_value(x[0], 64, p->kind, d->mean),
                 hnb_fmt_value(x[1], 64, p->kind, d->sd));
        break;
    case HNB_DIST_LOGNORMAL:
        snprintf(b, n, "lognormal: median %s, sigma %.3g", hnb_fmt_value(x[0], 64, p->kind, d->median),
                 d->sigma);
        break;
    case HNB_DIST_UNIFORM:
        snprintf(b, n, "uniform: %s to %s", hnb_fmt_value(x[0], 64, p->kind, d->min),
                 hnb_fmt_value(x[1], 64, p->kind, d->max));
        break;
    case HNB_DIST_TRIANGULAR:
    case HNB_DIST_PERT:
        snprintf(b, n, "%s: min %s, most likely %s, max %s",
                 d->type == HNB_DIST_PERT ? "PERT" : "triangular",
                 hnb_fmt_value(x[0], 64, p->kind, d->min), hnb_fmt_value(x[1], 64, p->kind, d->mode),
                 hnb_fmt_value(x[2], 64, p->kind, d->max));
        break;
    case HNB_DIST_BERNOULLI:
        snprintf(b, n, "yes with probability %s", hnb_fmt_value(x[0], 64, HNB_KIND_RATE, d->p));
        break;
    default:
        b[0] = 0;
        return;
    }
    if (d->type == HNB_DIST_NORMAL && (d->has_min || d->has_max)) {
        size_t w = strlen(b);
        snprintf(b + w, n - w, ", kept within %s to %s",
                 d->has_min ? hnb_fmt_value(x[0], 64, p->kind, d->min) : "-",
                 d->has_max ? hnb_fmt_value(x[1], 64, p->kind, d->max) : "-");
    }
    if (p->has_id) {
        size_t w = strlen(b);
        snprintf(b + w, n - w, " (id %s)", p->name);
    }
}

/* 1 if S would be read by a spreadsheet as a formula: it starts with = + -
 * @ (or a tab or carriage return before one) and is not a plain number.
 * "=HYPERLINK(...)" as a mitigation's name must stay a name (OWASP, "CSV
 * injection"). */
static int formula_like(const char *s)
{
    if (!strchr("=+-@\t\r", s[0]) || !s[0]) return 0;
    char *end;
    strtod(s, &end);
    return end == s || *end;
}

void hnb_csv_field(FILE *f, const char *s)
{
    if (formula_like(s)) {
        /* a leading apostrophe: the cell shows the text, as typed */
        fputs("\"'", f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
        return;
    }
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int hnb_mkdirs(const char *dir, hnb_err *err)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return hnb_err_fail(err, "bad output directory '%s'", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char keep = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return hnb_err_fail(err, "%s: cannot create directory: %s", buf, strerror(errno));
        buf[i] = keep;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return hnb_err_fail(err, "%s: not a directory", dir);
    return HNB_OK;
}

struct hnb_outset {
    hnb_stage *stage;
    char *dir;   /* the stage's path */
    char *final; /* the directory asked for */
    FILE **files;
    char **names;
    int n, cap;
};

hnb_outset *hnb_outset_create(const char *dir, hnb_err *err)
{
    hnb_stage *st = hnb_stage_begin(dir, err);
    if (!st) return NULL;
    hnb_outset *o = calloc(1, sizeof *o);
    if (!o) hnb_oom();
    o->stage = st;
    o->dir = strdup(hnb_stage_dir(st));
    o->final = strdup(dir);
    if (!o->dir || !o->final) hnb_oom();
    return o;
}

const char *hnb_outset_dir(const hnb_outset *o)
{
    return o->dir;
}

const char *hnb_outset_final(const hnb_outset *o)
{
    return o->final;
}

FILE *hnb_outset_open(hnb_outset *o, const char *name, hnb_err *err)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->files = realloc(o->files, (size_t)o->cap * sizeof *o->files);
        o->names = realloc(o->names, (size_t)o->cap * sizeof *o->names);
        if (!o->files || !o->names) hnb_oom();
    }
    size_t len = strlen(o->dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path) hnb_oom();
    snprintf(path, len, "%s/%s", o->dir, name);
    FILE *f = fopen(path, "w");
    free(path);
    if (!f) {
        hnb_err_fail(err, "%s/%s: cannot write: %s", o->final, name, strerror(errno));
        return NULL;
    }
    o->files[o->n] = f;
    o->names[o->n] = strdup(name);
    if (!o->names[o->n]) hnb_oom();
    o->n++;
    return f;
}

int hnb_outset_commit(hnb_outset *o, hnb_err *err)
{
    int rc = HNB_OK;
    for (int i = 0; i < o->n; i++) {
        FILE *f = o->files[i];
        if (!f) continue;
        /* the reason: a failed write earlier left its errno (ENOSPC,
         * EDQUOT, EIO) and later writes to the stream fail alike */
        int e = errno, bad = ferror(f);
        if (!bad && fflush(f) != 0) bad = 1, e = errno;
        if (!bad && fsync(fileno(f)) != 0 && errno != EINVAL) bad = 1, e = errno;
        if (fclose(f) != 0 && !bad) bad = 1, e = errno;
        o->files[i] = NULL;
        if (bad && rc == HNB_OK)
            rc = hnb_err_fail(err, "%s/%s: write failed: %s", o->final, o->names[i],
                              strerror(e ? e : EIO));
    }
    if (rc == HNB_OK) rc = hnb_stage_commit(o->stage, err);
    else hnb_stage_abort(o->stage);
    o->stage = NULL;
    return rc;
}

void hnb_outset_free(hnb_outset *o)
{
    if (!o) return;
    for (int i = 0; i < o->n; i++) {
        if (o->files[i]) fclose(o->files[i]);
        free(o->names[i]);
    }
    hnb_stage_abort(o->stage);
    free(o->files);
    free(o->names);
    free(o->dir);
    free(o->final);
    free(o);
}

void hnb_yaml_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

const char *hnb_report_date(const hnb_model *m, char *b, size_t n)
{
    /* SOURCE_DATE_EPOCH (reproducible-builds.org) first, else the day the
     * scenario file was last changed: never the clock, so a rerun of the
     * same file writes the same bytes */
    time_t when = 0;
    const char *e = getenv("SOURCE_DATE_EPOCH");
    char *end;
    if (e && *e) {
        long long v = strtoll(e, &end, 10);
        if (!*end && v > 0) when = (time_t)v;
    }
    struct stat st;
    if (!when && m->file && stat(m->file, &st) == 0) when = st.st_mtime;
    static const char *const months[] = {"January", "February", "March",     "April",
                                         "May",     "June",     "July",      "August",
                                         "September", "October", "November", "December"};
    struct tm tm;
    if (!when || !gmtime_r(&when, &tm)) {
        b[0] = 0;
        return b;
    }
    snprintf(b, n, "%d %s %d", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
    return b;
}

int hnb_write_file(const char *path, const char *text, size_t len, hnb_err *err)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) hnb_oom();
    const char *slash = strrchr(path, '/');
    snprintf(tmp, n, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
             slash ? slash + 1 : path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return hnb_err_fail(err, "%s: cannot write: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    size_t done = 0;
    int e = 0;
    while (done < len && !e) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno != EINTR) e = errno;
        else if (w > 0) done += (size_t)w;
    }
    if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) unlink(tmp);
    free(tmp);
    return e ? hnb_err_fail(err, "%s: write failed: %s", path, strerror(e)) : HNB_OK;
}

static void put_num(FILE *f, double x, int decimals)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, x, decimals);
    fputs(b, f);
}

int hnb_write_projection(FILE *f, const hnb_model *m, const hnb_result *r)
{
    fputs("year,label", f);
    for (int k = 0; k < HNB_NCOLUMNS; k++)
        if (hnb_column_present(m, k)) fprintf(f, ",%s", hnb_columns[k].name);
    fputc('\n', f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        fprintf(f, "%d,%s", m->start_year + t, label);
        for (int k = 0; k < HNB_NCOLUMNS; k++) {
            if (!hnb_column_present(m, k)) continue;
            fputc(',', f);
            put_num(f, hnb_column_values(r, k)[t], hnb_columns[k].decimals);
        }
        fputc('\n', f);
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

/* year,label,setting[,need],plans,unit_cost,cost: placements.csv and needs.csv */
static void put_cost_row(FILE *f, int year, const char *label, const char *setting, const char *need,
                         double plans, double unit, double cost)
{
    fprintf(f, "%d,%s,", year, label);
    hnb_csv_field(f, setting);
    fputc(',', f);
    if (need) {
        hnb_csv_field(f, need);
        fputc(',', f);
    }
    put_num(f, plans, 3);
    fputc(',', f);
    put_num(f, unit, 2);
    fputc(',', f);
    put_num(f, cost, 2);
    fputc('\n', f);
}

int hnb_write_placements(FILE *f, const hnb_model *m, const hnb_result *r)
{
    fputs("year,label,setting,plans,unit_cost,cost\n", f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        for (int s = 0; s < m->nsettings; s++) {
            int k = t * m->nsettings + s;
            put_cost_row(f, m->start_year + t, label, m->settings[s].id, NULL, r->plans[k],
                         r->unit_cost[k], r->cost[k]);
        }
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

int hnb_write_mitigations(FILE *f, const hnb_model *m, const hnb_result *r)
{
    fputs("year,label,mitigation,type,contribution\n", f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        for (int i = 0; i < m->nmit; i++) {
            fprintf(f, "%d,%s,", m->start_year + t, label);
            hnb_csv_field(f, m->mits[i].name);
            fprintf(f, ",%s,", hnb_mit_type_name(m->mits[i].type));
            put_num(f, r->contribution[t * m->nmit + i], 2);
            fputc('\n', f);
        }
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

const char *const hnb_dsg_age_groups[HNB_DSG_AGE_GROUPS] = {"0-4", "5-10", "11-15", "16-19",
                                                             "20-25"};
static const int dsg_age_first[HNB_DSG_AGE_GROUPS + 1] = {0, 5, 11, 16, 20, HNB_AGES};

void hnb_dsg_plan_table(const hnb_model *m, const hnb_result *r, int t,
                        double out[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)])
{
    const int G = HNB_DSG_AGE_GROUPS + 1, ns = m->nsettings;
    for (int k = 0; k < (HNB_DFE_N + 1) * G; k++) out[k] = 0;
    /* each cell a sum over settings and ages in list and age order, so the
     * figures do not depend on how the settings are grouped */
    for (int c = 0; c <= HNB_DFE_N; c++)
        for (int g = 0; g < HNB_DSG_AGE_GROUPS; g++) {
            double sum = 0;
            for (int s = 0; s < ns; s++) {
                if (c < HNB_DFE_N && m->settings[s].dfe_category != c) continue;
                for (int a = dsg_age_first[g]; a < dsg_age_first[g + 1]; a++)
                    sum += r->plans_age[((size_t)t * ns + s) * HNB_AGES + a];
            }
            out[c * G + g] = sum;
            out[c * G + HNB_DSG_AGE_GROUPS] += sum;
        }
}

void hnb_dsg_plan_needs(const hnb_model *m, const hnb_result *r, int t, double *out)
{
    const int nn = m->nneeds, ns = m->nsettings, nc = hnb_model_cohorts(m);
    for (int k = 0; k < (HNB_DFE_N + 1) * (nn + 1); k++) out[k] = 0;
    for (int c = 0; c <= HNB_DFE_N; c++)
        for (int n = 0; n < nn; n++) {
            double sum = 0;
            for (int s = 0; s < ns; s++)
                if (c == HNB_DFE_N || m->settings[s].dfe_category == c)
                    sum += r->plans_need[(size_t)t * nc + n * ns + s];
            out[c * (nn + 1) + n] = sum;
            out[c * (nn + 1) + nn] += sum;
        }
}

int hnb_write_dsg_plan(FILE *f, const hnb_model *m, const hnb_result *r)
{
    const int G = HNB_DSG_AGE_GROUPS + 1, nn = m->nneeds;
    double tab[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)];
    double *need = calloc((size_t)(HNB_DFE_N + 1) * (size_t)(nn + 1), sizeof(double));
    if (!need) return HNB_EFAIL;
    fputs("year,label,category,breakdown,group,plans\n", f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        hnb_dsg_plan_table(m, r, t, tab);
        if (nn) hnb_dsg_plan_needs(m, r, t, need);
        for (int c = 0; c <= HNB_DFE_N; c++) {
            const char *cat = c < HNB_DFE_N ? hnb_dfe_category_names[c] : "all";
            for (int g = 0; g < G; g++) {
                fprintf(f, "%d,%s,%s,age,%s,", m->start_year + t, label, cat,
                        g < HNB_DSG_AGE_GROUPS ? hnb_dsg_age_groups[g] : "total");
                put_num(f, tab[c * G + g], 3);
                fputc('\n', f);
            }
            for (int n = 0; n <= nn && nn; n++) {
                fprintf(f, "%d,%s,%s,need,", m->start_year + t, label, cat);
                hnb_csv_field(f, n < nn ? m->need_ids[n] : "total");
                fputc(',', f);
                put_num(f, need[c * (nn + 1) + n], 3);
                fputc('\n', f);
            }
        }
    }
    free(need);
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

int hnb_write_pipeline(FILE *f, const hnb_model *m, const hnb_result *r)
{
    fputs("year,label,requests,concluded,backlog,decided,new_plans,new_plans_unmitigated\n", f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        fprintf(f, "%d,%s", m->start_year + t, label);
        const double v[6] = {r->requests[t], r->concluded[t], r->backlog[t], r->decided[t],
                             r->new_plans[t], r->new_plans_unmitigated[t]};
        for (int k = 0; k < 6; k++) {
            fputc(',', f);
            put_num(f, v[k], 3);
        }
        fputc('\n', f);
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

int hnb_write_needs(FILE *f, const hnb_model *m, const hnb_result *r)
{
    const int ns = m->nsettings, nc = hnb_model_cohorts(m);
    fputs("year,label,setting,need,plans,unit_cost,cost\n", f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        for (int s = 0; s < ns; s++)
            for (int n = 0; n < m->nneeds; n++) {
                const size_t k = (size_t)t * nc + n * ns + s;
                put_cost_row(f, m->start_year + t, label, m->settings[s].id, m->need_ids[n],
                             r->plans_need[k], r->unit_need[k], r->cost_need[k]);
            }
    }
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}

/* £m to one decimal, e.g. "145.5". */
static void fmt_m(char *b, size_t n, double x)
{
    hnb_fmt_fixed(b, n, x / 1e6, 1);
}

void hnb_fmt_count(char *b, size_t n, double x)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.0f", fabs(x) < 0.5 ? 0.0 : x);
    grouped(b, n, raw);
}

static void fmt_pct(char *b, size_t n, double x)
{
    hnb_fmt_fixed(b, n > 1 ? n - 1 : n, x * 100, 1);
    strcat(b, "%");
}

/* A rate over time, described in words: "3.0%" or "12.0% from 2026/27, 6.0% from 2028/29". */
static void fmt_rate_path(char *b, size_t n, const hnb_model *m, const int *slots, const double *p)
{
    size_t w = 0;
    b[0] = 0;
    for (int t = 0; t < m->years && w < n - 40; t++) {
        if (t > 0 && slots[t] == slots[t - 1]) continue;
        char v[80], label[8];
        fmt_pct(v, sizeof v, slots[t] < 0 ? 0 : p[slots[t]]);
        hnb_year_label(m->start_year + t, label);
        if (t == 0)
            w += (size_t)snprintf(b + w, n - w, "%s", v);
        else
            w += (size_t)snprintf(b + w, n - w, ", %s from %s", v, label);
    }
}

int hnb_budget_columns(const hnb_model *m, const hnb_result *r, hnb_budget_col cols[HNB_BUDGET_MAX])
{
    int n = 0;
    cols[n++] = (hnb_budget_col){"Expenditure (£m)", r->expenditure};
    cols[n++] = (hnb_budget_col){"Grant and income (£m)", r->income};
    cols[n++] = (hnb_budget_col){"Planned mitigations (£m)", r->mitigations};
    cols[n++] = (hnb_budget_col){"Annual funding gap (£m)", r->annual_gap};
    if (m->regime.given) {
        cols[n++] = (hnb_budget_col){"Stability grant (£m)", r->stability_grant};
        cols[n++] = (hnb_budget_col){"Central support (£m)", r->central_funding};
    }
    cols[n++] = (hnb_budget_col){"Cumulative deficit (£m)", r->cumulative_deficit};
    if (m->dsg.given) {
        cols[n++] = (hnb_budget_col){"Other DSG blocks (£m)", r->other_blocks};
        cols[n++] = (hnb_budget_col){"DSG deficit (£m)", r->dsg_deficit};
    }
    return n;
}

/* How many mitigations are not savings (their split can depend on order). */
static int nonsaving(const hnb_model *m)
{
    int k = 0;
    for (int i = 0; i < m->nmit; i++) k += m->mits[i].type != HNB_MIT_SAVING;
    return k;
}

/* Whether any year's central share is a distribution. */
static int central_drawn(const hnb_model *m)
{
    for (int t = 0; m->regime.central_share && t < m->years; t++) {
        const int s = m->regime.central_share[t];
        if (s >= 0 && m->params[s].dist.type != HNB_DIST_NONE) return 1;
    }
    return 0;
}

/* The 2026 regime in words (SPEC section 13): what the grant is measured
 * on, what it pays, and what is met centrally after the override. */
static void write_regime(FILE *f, const hnb_model *m, const double *p, const hnb_result *r)
{
    const hnb_regime *g = &m->regime;
    char a[64], b[64], c[64], lc[8], lp[8];
    if (g->grant) {
        hnb_year_label(g->cutoff, lc);
        hnb_year_label(g->paid, lp);
        int tp = g->paid - m->start_year, tc = g->cutoff - m->start_year;
        double received = g->received >= 0 ? p[g->received] : 1, share = p[g->share];
        fmt_pct(a, sizeof a, share);
        fprintf(f, "- High Needs Stability Grant: %s of the eligible deficit at the end of %s, "
                   "paid in %s",
                a, lc, lp);
        const int drawn = g->received >= 0 && m->params[g->received].dist.type != HNB_DIST_NONE;
        if (received <= 0) {
            fprintf(f, "; the local SEND reform plan is assumed not approved, so none is received");
        } else if (received < 1) {
            fmt_pct(b, sizeof b, received);
            if (drawn)
                fprintf(f, "; the reform plan is approved with probability %s, and this central "
                           "run carries the expected grant (the Monte Carlo draws it paid or not)",
                        b);
            else
                fprintf(f, ", times %s (received)", b);
        }
        if (tc >= m->years)
            fprintf(f, ". The cutoff lies after this projection's horizon: no grant is counted.\n");
        else if (tp < 0)
            fprintf(f, ". It was paid before this projection starts: the deficit brought forward is "
                       "taken as net of it.\n");
        else if (tp >= m->years)
            fprintf(f, ". It is paid after this projection's horizon: no grant is counted.\n");
        else {
            fmt_m(b, sizeof b, r->stability_grant[tp]);
            fmt_m(c, sizeof c, r->eligible_deficit);
            fprintf(f, ": **£%sm** on an eligible deficit of £%sm%s.\n", b, c,
                    m->dsg.given ? " (the lower of the High Needs and the DSG-wide deficit: "
                                   "overspends on other blocks are not eligible)"
                                 : "");
        }
    }
    if (g->central_share) {
        char lo[8];
        hnb_year_label(m->override_end, lo);
        double total = 0;
        for (int t = 0; t < r->years; t++) total += r->central_funding[t];
        fprintf(f, "- After the override: from %s, the share of each year's positive annual gap "
                   "met centrally%s: ",
                lo, central_drawn(m) ? " (central value; uncertain, drawn in the Monte Carlo)" : "");
        int t0 = m->override_end - m->start_year;
        if (t0 < 0) t0 = 0;
        if (t0 >= m->years) {
            fprintf(f, "none of this projection's years is after the override.\n");
        } else {
            int first = 1;
            for (int t = t0; t < m->years; t++) {
                if (t > t0 && g->central_share[t] == g->central_share[t - 1]) continue;
                char ly[8];
                hnb_year_label(m->start_year + t, ly);
                fmt_pct(a, sizeof a, g->central_share[t] >= 0 ? p[g->central_share[t]] : 0);
                fprintf(f, "%s%s%s%s", first ? "" : ", ", a, first ? "" : " from ", first ? "" : ly);
                first = 0;
            }
            fmt_m(b, sizeof b, total);
            fprintf(f, "; £%sm met centrally over the horizon, which the cumulative deficit does not "
                       "carry.\n",
                    b);
        }
    }
    if (!g->grant && !g->central_share) fprintf(f, "- Neither a stability grant nor central support is assumed.\n");
}

char *hnb_regime_text(const hnb_model *m, const double *p, const hnb_result *r)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (!f) hnb_oom();
    write_regime(f, m, p, r);
    if (fclose(f) != 0 || !s) hnb_oom();
    return s;
}

/* Where X sits among the draws of metric ID in year T, as a percentile:
 * linear between the kept ones (P5 ... P95); -1 below P5, 101 above P95. */
static double percentile_of(const hnb_mc *mc, int id, int t, double x)
{
    const double *q = hnb_mc_pct(mc, id, t);
    if (x < q[0]) return -1;
    if (x > q[HNB_MC_NQ - 1]) return 101;
    for (int k = 0; k + 1 < HNB_MC_NQ; k++)
        if (x <= q[k + 1]) {
            double w = q[k + 1] > q[k] ? (x - q[k]) / (q[k + 1] - q[k]) : 0;
            return 100 * (hnb_mc_quantiles[k] + w * (hnb_mc_quantiles[k + 1] - hnb_mc_quantiles[k]));
        }
    return 101;
}

/* "the 38th" */
static const char *ordinal(char *b, size_t n, int k)
{
    const char *suf = (k % 100 >= 11 && k % 100 <= 13) ? "th"
                      : k % 10 == 1                   ? "st"
                      : k % 10 == 2                   ? "nd"
                      : k % 10 == 3                   ? "rd"
                                                      : "th";
    snprintf(b, n, "%d%s", k, suf);
    return b;
}

char *hnb_headline(const hnb_model *m, const hnb_result *r, const hnb_mc *mc)
{
    if (!mc) return NULL;
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) hnb_oom();
    const int t = m->years - 1;
    char l1[8], a[64], b[64], c[64], d[64];
    hnb_year_label(m->start_year + t, l1);
    const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
    const double central = r->cumulative_deficit[t];
    /* draws that all end alike (uncertain values that do not reach the
     * deficit, or none): nothing to place the central case in */
    const int flat = !(q[HNB_Q95] - q[HNB_Q5] > 1e-6 * fmax(1, fabs(central)));
    /* a yes-or-no value (Bernoulli) has its probability as its central
     * value (SPEC section 6): the central case takes a share of it that no
     * draw gives, and the draws split between the two outcomes */
    int yesno = -1;
    for (int k = 0; k < mc->ndrivers && yesno < 0; k++)
        if (m->params[mc->drivers[k].slot].dist.type == HNB_DIST_BERNOULLI) yesno = mc->drivers[k].slot;
    fprintf(f, "- **Central case: %s** cumulative deficit at the end of %s, with every value "
               "at its %s. **Monte Carlo median: %s**; ",
            hnb_fmt_pm(a, central), l1,
            yesno >= 0 ? "central value (its most likely value; a yes-or-no value at its probability)"
                       : "most likely value",
            hnb_fmt_pm(b, q[HNB_Q50]));
    if (flat) fputs("the uncertain values do not move it.\n", f);
    else fprintf(f, "8 draws in 10 end between %s and %s.\n", hnb_fmt_pm(c, q[HNB_Q10]),
                 hnb_fmt_pm(d, q[HNB_Q90]));
    if (m->override_end) {
        int to = m->override_end - 1 - m->start_year;
        if (to >= 0 && to < t) {
            char lo[8];
            hnb_year_label(m->override_end - 1, lo);
            const double *qo = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, to);
            fprintf(f, "- When the override ends (end of %s): central case %s, median %s "
                       "(P10 %s, P90 %s).\n",
                    lo, hnb_fmt_pm(a, r->cumulative_deficit[to]), hnb_fmt_pm(b, qo[HNB_Q50]),
                    hnb_fmt_pm(c, qo[HNB_Q10]), hnb_fmt_pm(d, qo[HNB_Q90]));
        }
    }
    /* where the central case sits, and why: the uncertain values whose most
     * likely value lies near one end of their range */
    double pc = percentile_of(mc, HNB_MC_CUMULATIVE, t, central);
    int up = central < q[HNB_Q50]; /* the draws lean to the costly side */
    char where[96], o[16];
    if (pc < 0) snprintf(where, sizeof where, "below the 5th percentile of the draws");
    else if (pc > 100) snprintf(where, sizeof where, "above the 95th percentile of the draws");
    else snprintf(where, sizeof where, "at about the %s percentile of the draws",
                  ordinal(o, sizeof o, (int)lround(pc)));
    if (flat) {
        /* said above */
    } else if (pc >= 45 && pc <= 55) {
        fprintf(f, "- The central case sits near the middle of the draws (%s).\n", where);
    } else {
        char desc[3][400];
        int nn = 0;
        for (int k = 0; k < mc->ndrivers && nn < 3; k++) {
            const hnb_mc_driver *x = &mc->drivers[k];
            if (!(x->high > x->low) || x->at_high == x->at_low) continue;
            double pos = (m->params[x->slot].central - x->low) / (x->high - x->low);
            int favourable_low = x->at_high > x->at_low; /* a low value means less deficit */
            int leans_up = favourable_low ? pos < 0.4 : pos > 0.6;
            int leans_down = favourable_low ? pos > 0.6 : pos < 0.4;
            if (!(up ? leans_up : leans_down)) continue;
            hnb_param_describe(m, &m->params[x->slot], desc[nn], 400);
            /* mid-sentence: "cost inflation", but "EHCPs ..." kept */
            if (desc[nn][0] >= 'A' && desc[nn][0] <= 'Z' && desc[nn][1] >= 'a' && desc[nn][1] <= 'z')
                desc[nn][0] = (char)(desc[nn][0] - 'A' + 'a');
            nn++;
        }
        fprintf(f, "- The central case sits %s: it takes each uncertain value at its most likely "
                   "value, and ",
                where);
        if (nn == 0) {
            fputs("some of their ranges are lopsided", f);
        } else {
            fputs("the most likely values of ", f);
            for (int k = 0; k < nn; k++)
                fprintf(f, "%s%s", k == 0 ? "" : k == nn - 1 ? " and " : ", ", desc[k]);
            fprintf(f, " lie near the %s end of their ranges", up ? "favourable" : "costly");
        }
        fprintf(f, ", so more draws fall on the %s side.%s\n", up ? "costly" : "favourable",
                up ? " Plan for the range, not the central case alone." : "");
    }
    if (yesno >= 0 && !flat) {
        char desc[400];
        hnb_param_describe(m, &m->params[yesno], desc, sizeof desc);
        fprintf(f, "- %s: yes or no in each draw (yes with a chance of %.0f%%); the draws take one "
                   "outcome or the other, while the central case takes %.0f%% of it, a case no draw "
                   "gives. Read the band, and the exceedance chances, rather than the central case.\n",
                desc, 100 * m->params[yesno].central, 100 * m->params[yesno].central);
    }
    if (fclose(f) != 0 || !s) hnb_oom();
    return s;
}

int hnb_write_summary(FILE *f, const hnb_model *m, const double *p, const hnb_result *r,
                      const hnb_mc *mc, const char *extra)
{
    char a[64], b[64], c[64], l0[8], l1[8];
    hnb_year_label(m->start_year, l0);
    hnb_year_label(m->start_year + m->years - 1, l1);
    fprintf(f, "# %s\n\n", m->name);
    if (m->authority) fprintf(f, "%s. ", m->authority);
    fprintf(f, "High Needs Block projection, %s to %s.\n\n", l0, l1);
    char *head = hnb_headline(m, r, mc);
    if (head) {
        fprintf(f, "## The central case and the range\n\n%s\n", head);
        free(head);
    }

    const int rg = m->regime.given, dg = m->dsg.given;
    hnb_budget_col col[HNB_BUDGET_MAX];
    const int nc = hnb_budget_columns(m, r, col);
    fprintf(f, "| Year |");
    for (int k = 0; k < nc; k++) fprintf(f, " %s |", col[k].title);
    fprintf(f, "\n|---|");
    for (int k = 0; k < nc; k++) fprintf(f, "---:|");
    fputc('\n', f);
    for (int t = 0; t < r->years; t++) {
        char label[8];
        hnb_result_label(m, t, label);
        fprintf(f, "| %s |", label);
        for (int k = 0; k < nc; k++) {
            fmt_m(a, sizeof a, col[k].x[t]);
            fprintf(f, " %s |", a);
        }
        fputc('\n', f);
    }
    double opening = m->opening_deficit >= 0 ? p[m->opening_deficit] : 0;
    hnb_fmt_pm(a, opening);
    fprintf(f, "\nCumulative deficit brought forward into %s: %s. Expenditure is gross, before "
               "planned mitigations; the annual gap is expenditure less grant and income less "
               "mitigations.%s\n",
            l0, a,
            rg ? " The cumulative deficit is net of the stability grant and of the support met "
                 "centrally, which do not change the annual gap."
               : "");
    if (dg) {
        double o = m->dsg.opening >= 0 ? p[m->dsg.opening] : 0;
        fmt_m(a, sizeof a, fabs(o));
        fprintf(f, "\nThe DSG deficit is the High Needs Block's cumulative deficit plus the other "
                   "blocks' cumulative balance (schools, central school services, early years; "
                   "a surplus is negative): they bring forward %s£%sm%s.\n",
                o < 0 ? "a surplus of " : o > 0 ? "a deficit of " : "", a, o == 0 ? " (balanced)" : "");
    }
    if (rg) {
        fprintf(f, "\n## The 2026 deficit regime\n\n");
        write_regime(f, m, p, r);
    }

    fprintf(f, "\n## Override exposure\n\n");
    if (!m->override_end) {
        fprintf(f, "No override end is set (`override_end`).\n");
    } else {
        int y = m->override_end - 1, t = y - m->start_year;
        char ly[8], lo[8];
        hnb_year_label(y, ly);
        hnb_year_label(m->override_end, lo);
        double exposure;
        int known = 1;
        if (t < 0)
            exposure = opening;
        else if (t < m->years)
            exposure = r->cumulative_deficit[t];
        else
            known = 0;
        if (!known) {
            fprintf(f, "The statutory override ends at the end of %s, after this projection's "
                       "horizon: the exposure cannot be read from it.\n",
                    ly);
        } else if (rg) {
            /* SPEC section 13: the exposure is read net of the grant */
            hnb_fmt_pm(a, exposure);
            char when[128];
            hnb_net_words(when, sizeof when, m, m->override_end - 1);
            fprintf(f, "The statutory override ends at the end of %s. The High Needs deficit left "
                       "with the council then%s: **%s**",
                    ly, when, a);
            if (m->dsg.given && t >= 0) {
                hnb_fmt_pm(c, r->dsg_deficit[t]);
                fprintf(f, " (DSG-wide, with the other blocks' balance: %s)", c);
            }
            if (m->reserves >= 0 && p[m->reserves] > 0) {
                fmt_m(b, sizeof b, p[m->reserves]);
                fmt_pct(c, sizeof c, exposure / p[m->reserves]);
                fprintf(f, ", %s of usable reserves of £%sm", c, b);
            }
            fprintf(f, ".\n");
        } else {
            hnb_fmt_pm(a, exposure);
            fprintf(f, "The statutory override ends at the end of %s. From %s the general fund must "
                       "meet the cumulative deficit at that date: **%s**",
                    ly, lo, a);
            if (m->reserves >= 0 && p[m->reserves] > 0) {
                fmt_m(b, sizeof b, p[m->reserves]);
                fmt_pct(c, sizeof c, exposure / p[m->reserves]);
                fprintf(f, ", %s of usable reserves of £%sm", c, b);
            }
            fprintf(f, ".\n");
        }
    }

    if (m->nneeds) {
        /* SPEC section 10: the plans and their cost by primary need */
        const int ns = m->nsettings, nc = hnb_model_cohorts(m), ys = r->years;
        fprintf(f, "\n## By primary need\n\n| Primary need | EHCPs %s | EHCPs %s | Cost %s (£m) | "
                   "Cost per plan %s (£) |\n|---|---:|---:|---:|---:|\n",
                l0, l1, l1, l1);
        for (int n = 0; n < m->nneeds; n++) {
            double p0 = 0, p1 = 0, c1 = 0;
            for (int s = 0; s < ns; s++) {
                p0 += r->plans_need[n * ns + s];
                p1 += r->plans_need[(size_t)(ys - 1) * nc + n * ns + s];
                c1 += r->cost_need[(size_t)(ys - 1) * nc + n * ns + s];
            }
            hnb_fmt_count(a, sizeof a, p0);
            hnb_fmt_count(b, sizeof b, p1);
            fmt_m(c, sizeof c, c1);
            char u[64];
            hnb_fmt_count(u, sizeof u, p1 > 0 ? c1 / p1 : 0);
            fprintf(f, "| %s | %s | %s | %s | %s |\n", m->need_labels[n], a, b, c, u);
        }
        double p0 = 0, p1 = 0, c1 = 0;
        for (int k = 0; k < nc; k++) {
            p0 += r->plans_need[k];
            p1 += r->plans_need[(size_t)(ys - 1) * nc + k];
            c1 += r->cost_need[(size_t)(ys - 1) * nc + k];
        }
        hnb_fmt_count(a, sizeof a, p0);
        hnb_fmt_count(b, sizeof b, p1);
        fmt_m(c, sizeof c, c1);
        char u[64];
        hnb_fmt_count(u, sizeof u, p1 > 0 ? c1 / p1 : 0);
        fprintf(f, "| **All needs** | **%s** | **%s** | **%s** | **%s** |\n\nEach need is rounded "
                   "on its own, so the needs may not add to the total in the last figure.\n",
                a, b, c, u);
    }

    if (m->pipeline.given) {
        /* SPEC section 11: requests to plans, year by year (mitigated run) */
        fprintf(f, "\n## From requests to plans\n\n| Year | Requests | Concluded | Backlog at "
                   "year end | Plans decided | New plans | New plans without mitigations |\n"
                   "|---|---:|---:|---:|---:|---:|---:|\n");
        for (int t = 0; t < r->years; t++) {
            char label[8], x[6][64];
            const double v[6] = {r->requests[t], r->concluded[t], r->backlog[t], r->decided[t],
                                 r->new_plans[t], r->new_plans_unmitigated[t]};
            hnb_result_label(m, t, label);
            for (int k = 0; k < 6; k++) hnb_fmt_count(x[k], sizeof x[k], v[k]);
            fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", label, x[0], x[1], x[2], x[3], x[4], x[5]);
        }
        fprintf(f, "\nPlans decided become new plans partly in the same year (`same_year`) and "
                   "partly the next; new plans are then lowered by any demand mitigations. The "
                   "plans of %s are the scenario's starting stock, so that year's new plans are "
                   "shown but not added to it.\n",
                l0);
    }

    fprintf(f, "\n## Main assumptions\n\n");
    char big[1024];
    if (m->bottom_up) {
        hnb_fmt_count(a, sizeof a, r->ehcps[0]);
        if (m->pipeline.given) {
            hnb_fmt_count(b, sizeof b, r->new_plans[0]);
            hnb_fmt_count(c, sizeof c, p[m->pipeline.requests]);
            fmt_rate_path(big, sizeof big, m, m->pipeline.growth, p);
            fprintf(f, "- EHCPs funded in %s: %s, of which %s new plans from the assessment "
                       "pipeline (%s requests for assessment, growing by %s a year).\n",
                    l0, a, b, c, big);
        } else {
            hnb_fmt_count(b, sizeof b, p[m->np_count]);
            fmt_rate_path(big, sizeof big, m, m->np_growth, p);
            fprintf(f, "- EHCPs funded in %s: %s, of which %s new plans; new plans grow by %s a year "
                       "before demand mitigations.\n",
                    l0, a, b, big);
        }
        hnb_fmt_count(a, sizeof a, r->ehcps[r->years - 1]);
        hnb_fmt_count(b, sizeof b, r->ehcps_unmitigated[r->years - 1]);
        fprintf(f, "- EHCPs funded in %s: %s with mitigations, %s without.\n", l1, a, b);
        fprintf(f, "- Settings (%s prices, per plan):", l0);
        for (int s = 0; s < m->nsettings; s++) {
            int k = s; /* year 0 */
            char u[64];
            hnb_fmt_count(u, sizeof u, r->unit_cost[k]);
            fprintf(f, "%s %s £%s", s ? ";" : "", m->settings[s].label, u);
            if (m->settings[s].capacity) {
                hnb_fmt_count(c, sizeof c, p[m->settings[s].capacity[0]]);
                fprintf(f, " (capacity %s, overflow to %s)", c,
                        m->settings[m->settings[s].overflow].label);
            }
        }
        fprintf(f, ".\n");
        if (m->nsettings > 0) {
            fmt_rate_path(big, sizeof big, m, m->settings[0].inflation, p);
            fprintf(f, "- Cost inflation: %s%s.\n", big,
                    m->cost_inflation_given ? "" : " (none given)");
        }
    }
    fmt_m(a, sizeof a, r->grant[0]);
    fmt_m(b, sizeof b, r->grant[r->years - 1]);
    fprintf(f, "- HNB grant: £%sm in %s, £%sm in %s.\n", a, l0, b, l1);
    if (m->nother > 0) {
        fmt_m(a, sizeof a, r->other[0]);
        fprintf(f, "- Other expenditure not driven by plan numbers: £%sm in %s (", a, l0);
        for (int i = 0; i < m->nother; i++) fprintf(f, "%s%s", i ? "; " : "", m->other[i].name);
        fprintf(f, ").\n");
    }
    if (m->nmit > 0) {
        fprintf(f, "- Planned mitigations:");
        for (int i = 0; i < m->nmit; i++) {
            char ls[8];
            hnb_year_label(m->mits[i].start, ls);
            double total = 0;
            for (int t = 0; t < r->years; t++) total += r->contribution[t * m->nmit + i];
            fmt_m(a, sizeof a, fabs(total));
            fprintf(f, "%s %s (%s, from %s, %s£%sm over the horizon%s)", i ? ";" : "",
                    m->mits[i].name, hnb_mit_type_name(m->mits[i].type), ls, total < -0.05e6 ? "-" : "", a,
                    total < -0.05e6 ? ": it adds to spending" : "");
        }
        fprintf(f, ".\n");
        if (r->shapley)
            fprintf(f, "- Each mitigation's contribution is its Shapley value: its marginal effect "
                       "averaged over every order in which the mitigations could be switched on, "
                       "so it does not depend on the order of the list (attribution: shapley).\n");
        else if (m->version >= 2 && nonsaving(m) > 1)
            fprintf(f, "- Each mitigation's contribution is its marginal effect when the mitigations "
                       "are switched on one at a time in listed order: where mitigations overlap, "
                       "one listed earlier is credited with the overlap, so the split depends on "
                       "the order (`attribution: shapley` or `--attribution shapley` gives an "
                       "order-free split).\n");
    }
    if (extra) fputs(extra, f);
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}
