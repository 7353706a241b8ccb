/* sen2.c - reading the DfE SEN2 release ("Education, health and care
 * plans") for one council: the files of each release, its layout, the
 * councils it names, and one council's figures with their provenance.
 *
 * What it is not: a general CSV library (csv.c reads the lines), or the
 * writer of scenarios and histories (sen2_write.c). docs/sen2.md gives the
 * user's view: layouts, suppression, splits and merges, the mapping. */
#include "hnb/sen2.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hnb/csv.h"
#include "hnb/node.h"
#include "hnb/value.h"
#include "hnb/mem.h"

const char *const hnb_sen2_need_ids[HNB_SEN2_NEEDS] = {
    "asd", "semh", "slcn", "mld", "sld", "pmld", "spld", "hi", "vi", "msi", "pd", "other", "nsa"};
const char *const hnb_sen2_need_labels[HNB_SEN2_NEEDS] = {
    "Autistic spectrum disorder",
    "Social, emotional and mental health",
    "Speech, language and communication needs",
    "Moderate learning difficulty",
    "Severe learning difficulty",
    "Profound and multiple learning difficulty",
    "Specific learning difficulty",
    "Hearing impairment",
    "Vision impairment",
    "Multi-sensory impairment",
    "Physical disability",
    "Other difficulty",
    "Primary need not recorded"};
static const char *const need_cols[HNB_SEN2_NEEDS] = {
    "number_asd",  "number_semh", "number_slcn",        "number_mld", "number_sld",
    "number_pmld", "number_spld", "number_hi",          "number_vi",  "number_msi",
    "number_pd",   "number_oth",  "number_need_unknown"};

/* The shipped mapping: the four settings of scenarios/leicestershire-2026.yaml
 * (its population comment gives the same sums). Unit costs are the
 * placeholders a starter scenario writes: leicestershire-2025.yaml's
 * ASSUMPTIONS (special: £10,000 place funding plus its banded top-up,
 * 0.30 x 9,000 + 0.45 x 15,000 + 0.25 x 24,000 = 15,450). */
const char hnb_sen2_default_map[] =
    "# hnb sen2 placement mapping (the shipped default; docs/sen2.md)\n"
    "settings:\n"
    "  - id: mainstream\n"
    "    label: Mainstream schools (top-up), with resourced provision and SEN units\n"
    "    dfe_category: mainstream\n"
    "    cost: \"£8,000\"\n"
    "    columns: [mainstream_total]\n"
    "    establishments: [Mainstream school]\n"
    "  - id: special\n"
    "    label: Maintained, academy and free special schools\n"
    "    dfe_category: special\n"
    "    cost: \"£25,450\"\n"
    "    columns: [special_la_maintained, special_academy_free]\n"
    "    establishments: [Special - LA maintained, Special - Academy/free, Special - Academy, "
    "Special - Free "
    "school, Hospital School]\n"
    "  - id: independent\n"
    "    label: Independent and non-maintained special schools\n"
    "    dfe_category: independent_special\n"
    "    cost: \"£63,000\"\n"
    "    columns: [special_independent, special_non_maintained]\n"
    "    establishments: [Special - Independent, Special - Non-maintained]\n"
    "  - id: post16\n"
    "    label: Post-16, alternative provision, early years, educated elsewhere, not recorded\n"
    "    dfe_category: post16\n"
    "    cost: \"£9,500\"\n"
    "    columns: [fe_total, ap_pru_total, ed_elsewhere, nm_early_years, placement_unknown]\n"
    "    establishments: [Further education, Alternative provision/Pupil referral unit, Educated "
    "elsewhere, NEET, Other, Non-maintained early years, Unknown]\n";

/* ---- the files of a release ---- */

enum {
    T_STOCK,
    T_NEW,
    T_REQ,
    T_ASSESS,
    T_TIME,
    T_CEASED,
    T_NEED_STOCK,
    T_NEED_NEW,
    T_STOCK_PLACE,
    T_NEW_PLACE,
    T_MI,
    NT
};
enum { LAYOUT_2022 = 2022, LAYOUT_2025 = 2025 };

typedef struct {
    const char *name;      /* the file name in data/ */
    const char *need[12];  /* value columns required, NULL-ended */
    const char *topics[3]; /* breakdown_topic values kept (none: every row) */
    int required;
} filespec;

static const filespec spec2025[NT] = {
    [T_STOCK] = {"caseload.csv", {"ehcplans"}, {"All EHC plans", "Child or young persons age"}, 1},
    [T_NEW] = {"newplans.csv", {"new_ehc_plans"}, {"New EHC plans", "Age when plan started"}, 1},
    [T_REQ] = {"requests.csv",
               {"requests_received_in_year", "requests_decided_to_assess",
                "requests_decided_not_to_assess"},
               {"All requests for EHC needs assessments"},
               0},
    [T_ASSESS] = {"assessments.csv",
                  {"assess_issued", "assess_not_issued"},
                  {"All EHC needs assessments"},
                  0},
    [T_TIME] = {"timeliness_20_week.csv",
                {"plans_issued_den", "plans_issued_within_20_weeks"},
                {"All EHC plans issued"},
                0},
    [T_CEASED] = {"ceased_plans.csv",
                  {"total_ceased"},
                  {"All ceased EHC plans", "Age plan ceased"},
                  0},
    [T_NEED_STOCK] = {"sen_needs_all_plans.csv",
                      {"ehc_plans", "number_asd", "number_semh", "number_slcn", "number_oth",
                       "number_need_unknown"},
                      {"All EHC plans", "Type of placement"},
                      0},
    [T_NEED_NEW] = {"sen_need_newplans.csv",
                    {"ehc_plans", "number_asd", "number_semh", "number_slcn", "number_oth",
                     "number_need_unknown"},
                    {"All EHC plans"},
                    0},
};
static const filespec spec2022[NT] = {
    [T_STOCK] = {"sen2_age_caseload.csv", {"characteristic_age", "Total_all"}, {0}, 1},
    [T_NEW] = {"sen2_age_new_plans.csv", {"characteristic_age", "Total_new_all"}, {0}, 1},
    [T_STOCK_PLACE] = {"sen2_estab_caseload.csv",
                       {"establishment_type", "establishment_group", "Total_all"},
                       {0},
                       1},
    [T_NEW_PLACE] = {"sen2_estab_new_plans.csv",
                     {"establishment_type", "establishment_group", "Total_new_all"},
                     {0},
                     1},
    [T_MI] = {"sen2_mi.csv", {"InreqEHC", "TotIncExcEHC", "IncExc20weekEHC"}, {0}, 0},
};

typedef struct {
    int line;
    char *buf; /* the line, split in place */
    char **f;
    char key[16]; /* old LA code, region code, or E92000001 */
} trow;

typedef struct {
    char *path;
    int ncols;
    char **cols;
    int nrows, cap;
    trow *rows;
    int c_time, c_level, c_region_code, c_region, c_new, c_old, c_name, c_topic, c_break;
} table;

typedef struct {
    char *dir;
    int layout;
    int latest_jan;
    table *t[NT];
} release;

struct hnb_sen2 {
    int nrel;
    release *rel; /* oldest first (by latest January) */
    int nla;
    hnb_sen2_la *las;
    char (*new2)[16]; /* a second new code (Gateshead, Northumberland, Buckinghamshire) */
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) hnb_oom();
    return q;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) hnb_oom();
    return d;
}

static int col_of(const table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i], name)) return i;
    return -1;
}

static void table_free(table *t)
{
    if (!t) return;
    for (int i = 0; i < t->nrows; i++) {
        free(t->rows[i].buf);
        free(t->rows[i].f);
    }
    free(t->rows);
    for (int i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cols);
    free(t->path);
    free(t);
}

static int cmp_row(const void *a, const void *b)
{
    const trow *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->line - y->line;
}

/* Read PATH as a table of SPEC's shape: the header must name every column
 * the reader uses (else the file is from another release, or not SEN2), and
 * every row must have the header's number of fields (else it is cut short). */
static int table_load(const char *path, const filespec *spec, table **out, hnb_err *err)
{
    *out = NULL;
    table *t = calloc(1, sizeof *t);
    if (!t) hnb_oom();
    t->path = xstrdup(path);
    hnb_mark mk = {t->path, 0, 0};
    const char *why;
    FILE *f = hnb_open_input(path, &why);
    if (!f) {
        int rc = hnb_err_at(err, mk, "cannot open: %s", why);
        table_free(t);
        return rc;
    }
    size_t size = 1 << 16;
    char *line = malloc(size), **scratch = malloc(sizeof(char *) * 1024);
    int *starts = malloc(sizeof(int) * 1024);
    if (!line || !scratch || !starts) hnb_oom();
    int lineno = 0, rc = HNB_OK, got, bad;
    while ((got = hnb_csv_getline(f, line, size, &bad)) != 0) {
        lineno++;
        mk.line = lineno;
        mk.col = 1;
        if ((rc = hnb_csv_bad_line(got, bad, size, mk, err))) break;
        if (!line[0]) continue;
        char *buf = xstrdup(line);
        int nf = hnb_csv_split(buf, scratch, starts, 1023);
        if (nf < 0 || nf > 1023) {
            rc = hnb_err_at(err, mk, nf < 0 ? "a quote is not closed" : "more than 1023 fields");
            free(buf);
            break;
        }
        char **fields = malloc(sizeof(char *) * (size_t)(nf ? nf : 1));
        if (!fields) hnb_oom();
        memcpy(fields, scratch, sizeof(char *) * (size_t)nf);
        if (!t->cols) {
            t->ncols = nf;
            t->cols = malloc(sizeof(char *) * (size_t)nf);
            if (!t->cols) hnb_oom();
            for (int i = 0; i < nf; i++)
                t->cols[i] = xstrdup(fields[i]);
            free(buf), free(fields);
            static const char *const keys[] = {"time_period", "geographic_level", "region_code",
                                               "region_name", "new_la_code",      "old_la_code",
                                               "la_name"};
            int *slot[] = {&t->c_time, &t->c_level, &t->c_region_code, &t->c_region,
                           &t->c_new,  &t->c_old,   &t->c_name};
            for (int k = 0; k < 7 && !rc; k++)
                if ((*slot[k] = col_of(t, keys[k])) < 0)
                    rc = hnb_err_at(err, (hnb_mark){t->path, 1, 1},
                                    "no column '%s': not an SEN2 release file", keys[k]);
            t->c_topic = col_of(t, "breakdown_topic");
            t->c_break = col_of(t, "breakdown");
            if (!rc && spec->topics[0] && (t->c_topic < 0 || t->c_break < 0))
                rc =
                    hnb_err_at(err, (hnb_mark){t->path, 1, 1},
                               "no column 'breakdown_topic': this is %s of the reporting year 2022 "
                               "layout (or another release), not the layout its name belongs to",
                               spec->name);
            for (int k = 0; !rc && k < 12 && spec->need[k]; k++)
                if (col_of(t, spec->need[k]) < 0) {
                    const char *near =
                        hnb_nearest(spec->need[k], (const char *const *)t->cols, t->ncols);
                    rc = hnb_err_at(err, (hnb_mark){t->path, 1, 1},
                                    "no column '%s'%s%s%s: a file from another release? (hnb reads "
                                    "the layouts of reporting years 2022 and 2025; docs/sen2.md)",
                                    spec->need[k], near ? " (nearest: '" : "", near ? near : "",
                                    near ? "')" : "");
                }
            if (rc) break;
            continue;
        }
        if (nf != t->ncols) {
            mk.col = nf > 0 ? starts[nf - 1] : 1;
            rc = hnb_err_at(
                err, mk, "expected %d fields as the header has, found %d: is the file cut short?",
                t->ncols, nf);
            free(buf), free(fields);
            break;
        }
        const char *level = fields[t->c_level];
        int keep = !strcmp(level, "Local authority") || !strcmp(level, "Regional") ||
                   !strcmp(level, "National");
        if (keep && spec->topics[0]) {
            keep = 0;
            for (int k = 0; k < 3 && spec->topics[k]; k++)
                keep |= !strcmp(fields[t->c_topic], spec->topics[k]);
        }
        if (!keep) {
            free(buf), free(fields);
            continue;
        }
        if (t->nrows == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 1024;
            t->rows = xrealloc(t->rows, sizeof *t->rows * (size_t)t->cap);
        }
        trow *r = &t->rows[t->nrows++];
        r->line = lineno;
        r->buf = buf;
        r->f = fields;
        const char *key = level[0] == 'N'   ? "E92000001"
                          : level[0] == 'R' ? fields[t->c_region_code]
                                            : fields[t->c_old];
        snprintf(r->key, sizeof r->key, "%s", key);
    }
    if (!rc && ferror(f)) rc = hnb_err_at(err, (hnb_mark){t->path, 0, 0}, "read error");
    /* every release file ends with a line end: a last line without one may
     * have lost its last digits, which no field count would show */
    if (!rc && lineno > 0 && fseek(f, -1, SEEK_END) == 0 && getc(f) != '\n')
        rc = hnb_err_at(err, (hnb_mark){t->path, lineno, 1},
                        "the last line has no line end: is the file cut short? (if the file is "
                        "whole, end it with a line break)");
    if (!rc && !t->cols) rc = hnb_err_at(err, (hnb_mark){t->path, 1, 1}, "the file is empty");
    fclose(f);
    free(line);
    free(scratch);
    free(starts);
    if (rc) {
        table_free(t);
        return rc;
    }
    qsort(t->rows, (size_t)t->nrows, sizeof *t->rows, cmp_row);
    *out = t;
    return HNB_OK;
}

/* The rows of geography KEY: [*lo, *hi). */
static void rows_of(const table *t, const char *key, int *lo, int *hi)
{
    int a = 0, b = t->nrows;
    while (a < b) {
        int m = (a + b) / 2;
        if (strcmp(t->rows[m].key, key) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    while (a < t->nrows && !strcmp(t->rows[a].key, key))
        a++;
    *hi = a;
}

/* A time period as a year: "202425" (an academic year) is its January,
 * 2025; "2024" (a calendar year) is 2024. */
static int period_year(const char *tp)
{
    size_t n = strlen(tp);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)tp[i])) return 0;
    if (n == 6) return atoi(tp) / 100 + 1;
    if (n == 4) return atoi(tp);
    return 0;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void release_free(release *r)
{
    for (int k = 0; k < NT; k++)
        table_free(r->t[k]);
    free(r->dir);
}

static int release_load(const char *dir, release *r, hnb_err *err)
{
    memset(r, 0, sizeof *r);
    r->dir = xstrdup(dir);
    char base[4096], p[4200];
    snprintf(base, sizeof base, "%s/data", dir);
    snprintf(p, sizeof p, "%s/caseload.csv", base);
    if (!file_exists(p)) {
        snprintf(p, sizeof p, "%s/sen2_age_caseload.csv", base);
        if (!file_exists(p)) {
            snprintf(base, sizeof base, "%s", dir);
        }
    }
    snprintf(p, sizeof p, "%s/caseload.csv", base);
    const filespec *spec;
    if (file_exists(p))
        r->layout = LAYOUT_2025, spec = spec2025;
    else {
        snprintf(p, sizeof p, "%s/sen2_age_caseload.csv", base);
        if (!file_exists(p))
            return hnb_err_at(
                err, (hnb_mark){r->dir, 0, 0},
                "not an unpacked SEN2 release: no data/caseload.csv (reporting year 2025 "
                "layout) or data/sen2_age_caseload.csv (2022 layout)");
        r->layout = LAYOUT_2022, spec = spec2022;
    }
    for (int k = 0; k < NT; k++) {
        if (!spec[k].name) continue;
        snprintf(p, sizeof p, "%s/%s", base, spec[k].name);
        if (!file_exists(p)) {
            if (spec[k].required)
                return hnb_err_at(err, (hnb_mark){r->dir, 0, 0},
                                  "the release has no %s (its other files are "
                                  "there): is the folder complete?",
                                  spec[k].name);
            continue;
        }
        int rc = table_load(p, &spec[k], &r->t[k], err);
        if (rc) return rc;
    }
    /* the latest January: the stock table's newest period */
    table *t = r->t[T_STOCK];
    for (int i = 0; i < t->nrows; i++) {
        int y = period_year(t->rows[i].f[t->c_time]);
        if (!y) {
            hnb_mark mk = {t->path, t->rows[i].line,
                           (int)(t->rows[i].f[t->c_time] - t->rows[i].buf) + 1};
            return hnb_err_at(err, mk,
                              "time_period: expected a year like 2024 or 202425, found '%s'",
                              t->rows[i].f[t->c_time]);
        }
        if (y > r->latest_jan) r->latest_jan = y;
    }
    if (!r->latest_jan)
        return hnb_err_at(err, (hnb_mark){t->path, 1, 1},
                          "no rows for England, a region or a council");
    return HNB_OK;
}

/* ---- councils, splits and merges ---- */

/* Councils replaced since 2018, as the releases show them: the
 * predecessors' last January and the successors' first. A successor's
 * years before its own are its predecessors' figures times its share of
 * the successors' stock in their first common January (docs/sen2.md). */
static const struct {
    const char *pred[3], *succ[3];
    const char *what;
} changes[] = {
    {{"928"},
     {"940", "941"},
     "Northamptonshire (928) was replaced on 1 April 2021 by North Northamptonshire (940) and West "
     "Northamptonshire (941)"},
    {{"909"},
     {"942", "943"},
     "Cumbria (909) was replaced on 1 April 2023 by Cumberland (942) and Westmorland and Furness "
     "(943)"},
    {{"835", "836", "837"},
     {"838", "839"},
     "Dorset (835), Poole (836) and Bournemouth (837) were replaced on 1 April 2019 by Dorset "
     "(838) and Bournemouth, Christchurch and Poole (839)"},
};
#define NCHANGES (int)(sizeof changes / sizeof *changes)

static int change_of(const char *code, int *as_succ)
{
    for (int c = 0; c < NCHANGES; c++)
        for (int k = 0; k < 3; k++) {
            if (changes[c].pred[k] && !strcmp(changes[c].pred[k], code)) {
                *as_succ = 0;
                return c;
            }
            if (changes[c].succ[k] && !strcmp(changes[c].succ[k], code)) {
                *as_succ = 1;
                return c;
            }
        }
    return -1;
}

static int cmp_release(const void *a, const void *b)
{
    return ((const release *)a)->latest_jan - ((const release *)b)->latest_jan;
}

int hnb_sen2_open(const char *const *dirs, int ndirs, hnb_sen2 **out, hnb_err *err)
{
    *out = NULL;
    hnb_sen2 *s = calloc(1, sizeof *s);
    if (!s) hnb_oom();
    s->rel = calloc((size_t)ndirs, sizeof *s->rel);
    if (!s->rel) hnb_oom();
    int rc = HNB_OK;
    for (int i = 0; i < ndirs && !rc; i++) {
        rc = release_load(dirs[i], &s->rel[i], err);
        s->nrel = i + 1;
        for (int j = 0; j < i && !rc; j++)
            if (s->rel[j].latest_jan == s->rel[i].latest_jan &&
                s->rel[j].layout == s->rel[i].layout)
                rc = hnb_err_at(
                    err, (hnb_mark){s->rel[i].dir, 0, 0},
                    "the same release as %s (plans at January %d): give each release once",
                    s->rel[j].dir, s->rel[i].latest_jan);
    }
    if (rc) {
        hnb_sen2_free(s);
        return rc;
    }
    qsort(s->rel, (size_t)s->nrel, sizeof *s->rel, cmp_release);
    /* the councils, newest release's names first */
    for (int r = s->nrel - 1; r >= 0; r--) {
        const table *t = s->rel[r].t[T_STOCK];
        for (int i = 0; i < t->nrows; i++) {
            char **f = t->rows[i].f;
            if (strcmp(f[t->c_level], "Local authority") || !f[t->c_old][0]) continue;
            int y = period_year(f[t->c_time]), k = 0;
            while (k < s->nla && strcmp(s->las[k].old_code, f[t->c_old]))
                k++;
            if (k == s->nla) {
                s->las = xrealloc(s->las, sizeof *s->las * (size_t)(s->nla + 1));
                s->new2 = xrealloc(s->new2, sizeof *s->new2 * (size_t)(s->nla + 1));
                hnb_sen2_la *la = &s->las[s->nla++];
                memset(la, 0, sizeof *la);
                s->new2[k][0] = 0;
                snprintf(la->old_code, sizeof la->old_code, "%s", f[t->c_old]);
                snprintf(la->new_code, sizeof la->new_code, "%s", f[t->c_new]);
                snprintf(la->name, sizeof la->name, "%s", f[t->c_name]);
                snprintf(la->region_code, sizeof la->region_code, "%s", f[t->c_region_code]);
                snprintf(la->region, sizeof la->region, "%s", f[t->c_region]);
                la->first_jan = la->last_jan = y;
            }
            hnb_sen2_la *la = &s->las[k];
            if (strcmp(la->new_code, f[t->c_new]) && !s->new2[k][0])
                snprintf(s->new2[k], sizeof s->new2[k], "%s", f[t->c_new]);
            if (y < la->first_jan) la->first_jan = y;
            if (y > la->last_jan) la->last_jan = y;
        }
    }
    *out = s;
    return HNB_OK;
}

void hnb_sen2_free(hnb_sen2 *s)
{
    if (!s) return;
    for (int i = 0; i < s->nrel; i++)
        release_free(&s->rel[i]);
    free(s->rel);
    free(s->las);
    free(s->new2);
    free(s);
}

int hnb_sen2_count(const hnb_sen2 *s)
{
    return s->nla;
}
const hnb_sen2_la *hnb_sen2_at(const hnb_sen2 *s, int i)
{
    return &s->las[i];
}
int hnb_sen2_latest(const hnb_sen2 *s)
{
    return s->rel[s->nrel - 1].latest_jan;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n < 3) return 0;
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n)) return 1;
    return 0;
}

int hnb_sen2_find(const hnb_sen2 *s, const char *q, int *index, hnb_err *err)
{
    /* a name two councils share (Dorset before and after 2019): the current one */
    int latest = hnb_sen2_latest(s);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < s->nla; i++)
            if ((pass || s->las[i].last_jan == latest) &&
                (!strcasecmp(q, s->las[i].old_code) || !strcasecmp(q, s->las[i].new_code) ||
                 (s->new2[i][0] && !strcasecmp(q, s->new2[i])) || !strcasecmp(q, s->las[i].name))) {
                *index = i;
                return HNB_OK;
            }
    /* the nearest five names or codes */
    int best[5], bd[5], nb = 0;
    for (int i = 0; i < s->nla; i++) {
        int d = hnb_edit_distance(q, s->las[i].name);
        int d2 = hnb_edit_distance(q, s->las[i].old_code),
            d3 = hnb_edit_distance(q, s->las[i].new_code);
        if (d2 < d) d = d2;
        if (d3 < d) d = d3;
        if (contains_nocase(s->las[i].name, q)) d = 0;
        int k;
        if (nb < 5)
            k = nb++;
        else if (d < bd[4])
            k = 4;
        else
            continue;
        best[k] = i, bd[k] = d;
        while (k > 0 && bd[k] < bd[k - 1]) {
            int t = bd[k];
            bd[k] = bd[k - 1];
            bd[k - 1] = t;
            t = best[k];
            best[k] = best[k - 1];
            best[k - 1] = t;
            k--;
        }
    }
    char list[1024];
    size_t w = 0;
    list[0] = 0;
    for (int k = 0; k < nb; k++)
        w += (size_t)snprintf(list + w, sizeof list - w, "%s%s (%s, %s)", k ? ", " : "",
                              s->las[best[k]].name, s->las[best[k]].old_code,
                              s->las[best[k]].new_code);
    return hnb_err_at(err, (hnb_mark){"--la", 0, 0},
                      "no council '%s' (old code, new code or name) in the "
                      "release; nearest: %s",
                      q, list);
}

int hnb_sen2_replaced(const hnb_sen2 *s, int i, char *why, size_t n)
{
    int as_succ, c = change_of(s->las[i].old_code, &as_succ);
    if (c < 0 || as_succ) return 0;
    snprintf(why, n, "%s; the releases have no figures for %s after January %d", changes[c].what,
             s->las[i].name, s->las[i].last_jan);
    return 1;
}

/* ---- the placement mapping ---- */

static int map_strings(hnb_node *v, char (*dst)[64], char (*dst96)[96], hnb_mark *marks, int *n,
                       const char *what, hnb_err *err)
{
    if (v->type != HNB_SEQ) return hnb_err_at(err, v->mark, "%s: expected a list", what);
    if (v->n > 24) return hnb_err_at(err, v->mark, "%s: at most 24 items", what);
    for (size_t i = 0; i < v->n; i++) {
        hnb_node *it = v->vals[i];
        if (it->type != HNB_SCALAR || !it->str[0])
            return hnb_err_at(err, it->mark, "%s: expected a name", what);
        if (dst)
            snprintf(dst[i], 64, "%s", it->str);
        else
            snprintf(dst96[i], 96, "%s", it->str);
        marks[i] = it->mark;
    }
    *n = (int)v->n;
    return HNB_OK;
}

int hnb_sen2_map_load(const char *path, hnb_sen2_map *map, hnb_err *err)
{
    memset(map, 0, sizeof *map);
    hnb_srcs *srcs = hnb_srcs_create();
    hnb_node *root = NULL;
    int rc;
    if (path) {
        snprintf(map->file, sizeof map->file, "%s", path);
        rc = hnb_node_load_file(srcs, path, &root, err);
    } else {
        rc = hnb_node_parse(srcs, "(default mapping)", hnb_sen2_default_map,
                            strlen(hnb_sen2_default_map), &root, err);
    }
    if (rc) goto done;
    const char *file = path ? path : "(default mapping)";
    if (!root || root->type != HNB_MAP) {
        rc = hnb_err_at(err, root ? root->mark : (hnb_mark){file, 1, 1},
                        "a mapping file is a mapping with `settings`");
        goto done;
    }
    for (size_t i = 0; i < root->n && !rc; i++)
        if (strcmp(root->keys[i]->str, "settings"))
            rc = hnb_err_at(err, root->keys[i]->mark, "unknown key '%s' (known: settings)",
                            root->keys[i]->str);
    hnb_node *set = hnb_map_get(root, "settings");
    if (!rc && (!set || set->type != HNB_SEQ || set->n == 0))
        rc = hnb_err_at(err, set ? set->mark : root->mark, "settings: expected a list of settings");
    if (!rc && set->n > HNB_SEN2_MAXSET)
        rc = hnb_err_at(err, set->mark, "settings: at most %d", HNB_SEN2_MAXSET);
    static const char *const known[] = {"id",   "label",   "dfe_category",
                                        "cost", "columns", "establishments"};
    static const char *const cats[] = {"mainstream",  "resourced", "special", "independent_special",
                                       "ap_hospital", "post16",    "other"};
    for (size_t i = 0; !rc && i < set->n; i++) {
        hnb_node *it = set->vals[i];
        hnb_sen2_setting *st = &map->settings[map->nsettings];
        st->mark = it->mark;
        if (it->type != HNB_MAP) {
            rc = hnb_err_at(err, it->mark, "settings: each item is a mapping with id and columns");
            break;
        }
        for (size_t k = 0; k < it->n && !rc; k++) {
            const char *key = it->keys[k]->str;
            hnb_node *v = it->vals[k];
            int j = 0;
            while (j < 6 && strcmp(key, known[j]))
                j++;
            if (j == 6) {
                const char *near = hnb_nearest(key, known, 6);
                rc = hnb_err_at(err, it->keys[k]->mark, "unknown key '%s'%s%s%s", key,
                                near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            } else if (j < 4) {
                if (v->type != HNB_SCALAR)
                    rc = hnb_err_at(err, v->mark, "%s: expected a value", key);
                else if (j == 0) {
                    int ok = v->str[0] != 0 && strlen(v->str) < 64;
                    for (const char *p = v->str; *p; p++)
                        ok &= isalnum((unsigned char)*p) || *p == '_' || *p == '-';
                    if (!ok) rc = hnb_err_at(err, v->mark, "id: letters, digits, _ and - only");
                    for (int o = 0; o < map->nsettings && !rc; o++)
                        if (!strcmp(map->settings[o].id, v->str))
                            rc = hnb_err_at(err, v->mark, "id '%s' is given twice", v->str);
                    snprintf(st->id, sizeof st->id, "%s", v->str);
                } else if (j == 1)
                    snprintf(st->label, sizeof st->label, "%s", v->str);
                else if (j == 2) {
                    int c = 0;
                    while (c < 7 && strcmp(cats[c], v->str))
                        c++;
                    if (c == 7)
                        rc = hnb_err_at(err, v->mark,
                                        "dfe_category: one of mainstream, resourced, special, "
                                        "independent_special, ap_hospital, post16, other");
                    snprintf(st->dfe_category, sizeof st->dfe_category, "%s", v->str);
                } else {
                    double x;
                    const char *why;
                    if (hnb_value_parse(v->str, v->plain, HNB_KIND_MONEY, &x, &why) < 0 || x < 0)
                        rc = hnb_err_at(err, v->mark, "cost: expected an amount like \"£8,000\"");
                    snprintf(st->cost, sizeof st->cost, "%s", v->str);
                }
            } else if (j == 4) {
                rc = map_strings(v, st->columns, NULL, st->col_mark, &st->ncolumns, "columns", err);
            } else {
                rc = map_strings(v, NULL, st->estabs, st->estab_mark, &st->nestabs,
                                 "establishments", err);
            }
        }
        if (!rc && !st->id[0]) rc = hnb_err_at(err, it->mark, "a setting needs an id");
        if (!rc && !st->ncolumns && !st->nestabs)
            rc = hnb_err_at(
                err, it->mark,
                "setting '%s': give `columns` (2025 layout) or `establishments` (2022 layout)",
                st->id);
        if (!st->cost[0]) snprintf(st->cost, sizeof st->cost, "£10,000");
        map->nsettings++;
    }
done:
    hnb_node_free(root);
    /* marks point into srcs: keep file names alive by copying them into the map */
    if (!rc) {
        const char *file = path ? map->file : "(default mapping)";
        for (int i = 0; i < map->nsettings; i++) {
            map->settings[i].mark.file = file;
            for (int k = 0; k < 24; k++)
                map->settings[i].col_mark[k].file = file,
                map->settings[i].estab_mark[k].file = file;
        }
    }
    hnb_srcs_free(srcs);
    return rc;
}

/* ---- one council ---- */

typedef struct {
    const hnb_sen2 *s;
    hnb_sen2_council *c;
    hnb_err *err;
    int rc;
} ctx;

static void note(hnb_sen2_council *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(hnb_sen2_council *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    c->notes = xrealloc(c->notes, c->notes_len + (size_t)n + 2);
    va_start(ap, fmt);
    vsnprintf(c->notes + c->notes_len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    c->notes_len += (size_t)n;
    c->notes[c->notes_len++] = '\n';
    c->notes[c->notes_len] = 0;
}

/* Cell COL of row R: a number, 'x' (suppressed), 'z' (not applicable) or
 * empty; anything else is an error at its place. */
static hnb_sen2_cell cell(ctx *x, const table *t, const trow *r, int col)
{
    hnb_sen2_cell c;
    memset(&c, 0, sizeof c);
    c.file = t->path;
    c.line = r->line;
    snprintf(c.cols, sizeof c.cols, "%s", t->cols[col]);
    const char *v = r->f[col];
    if (!v[0])
        c.status = HNB_SEN2_MISSING;
    else if (!strcmp(v, "x") || !strcmp(v, "c") || !strcmp(v, "low") || !strcmp(v, "u"))
        c.status = HNB_SEN2_SUPPRESSED;
    else if (!strcmp(v, "z"))
        c.status = HNB_SEN2_NA;
    else {
        char *end;
        errno = 0;
        c.v = strtod(v, &end);
        if (*end || errno || !isfinite(c.v) || c.v < 0) {
            c.status = HNB_SEN2_MISSING;
            if (!x->rc)
                x->rc = hnb_err_at(x->err, (hnb_mark){t->path, r->line, (int)(v - r->buf) + 1},
                                   "%s: expected a count, 'x' or 'z', found '%s'", t->cols[col], v);
        }
    }
    return c;
}

static hnb_sen2_cell missing(void)
{
    hnb_sen2_cell c;
    memset(&c, 0, sizeof c);
    c.status = HNB_SEN2_MISSING;
    return c;
}

/* Add B into A (a setting's sum): the status is the worst, the sum of the given. */
static void cell_add(hnb_sen2_cell *a, const hnb_sen2_cell *b, int first)
{
    if (first) {
        *a = *b;
        if (a->status != HNB_SEN2_OK) a->v = 0;
        return;
    }
    if (b->status == HNB_SEN2_OK) a->v += b->v;
    if (b->status == HNB_SEN2_SUPPRESSED || (b->status != HNB_SEN2_OK && a->status == HNB_SEN2_OK))
        a->status = b->status;
    size_t n = strlen(a->cols);
    size_t m = strlen(b->cols);
    if (n + m + 4 < sizeof a->cols) {
        memcpy(a->cols + n, " + ", 3);
        memcpy(a->cols + n + 3, b->cols, m + 1);
    } else if (n + 7 < sizeof a->cols && (n < 3 || strcmp(a->cols + n - 3, "..."))) {
        memcpy(a->cols + n, " + ...", 7); /* said, not silently dropped */
    }
}

/* Find the row of geography KEY, period TP (as a year), topic and breakdown
 * (NULL: not checked) in T. */
static const trow *find_row(const table *t, const char *key, int year, const char *topic,
                            const char *brk)
{
    if (!t) return NULL;
    int lo, hi;
    rows_of(t, key, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        const trow *r = &t->rows[i];
        if (period_year(r->f[t->c_time]) != year) continue;
        if (topic && t->c_topic >= 0 && strcmp(r->f[t->c_topic], topic)) continue;
        if (brk && t->c_break >= 0 && strcasecmp(r->f[t->c_break], brk)) continue;
        return r;
    }
    return NULL;
}

static hnb_sen2_cell named(ctx *x, const table *t, const trow *r, const char *col)
{
    int k = t ? col_of(t, col) : -1;
    if (!r || k < 0) return missing();
    return cell(x, t, r, k);
}

/* 2022 layout: the rows of a council's establishment table at YEAR that a
 * setting's establishments name (a type, or a group's total row). */
static hnb_sen2_cell estab_sum(ctx *x, const table *t, const char *key, int year,
                               const hnb_sen2_setting *st, const char *valcol, int check)
{
    hnb_sen2_cell sum = missing();
    int lo, hi, first = 1, vc = col_of(t, valcol), ct = col_of(t, "establishment_type"),
                cg = col_of(t, "establishment_group");
    rows_of(t, key, &lo, &hi);
    for (int e = 0; e < st->nestabs; e++) {
        int found = 0;
        /* a group's total row where there is one, else the types' rows: never both */
        for (int pass = 0; pass < 2 && !found; pass++)
            for (int i = lo; i < hi; i++) {
                const trow *r = &t->rows[i];
                if (period_year(r->f[t->c_time]) != year) continue;
                const char *ty = r->f[ct], *gr = r->f[cg];
                if (pass == 0 ? !(!strcmp(ty, "Total") && !strcasecmp(gr, st->estabs[e]))
                              : (strcasecmp(ty, st->estabs[e]) != 0))
                    continue;
                hnb_sen2_cell c = cell(x, t, r, vc);
                snprintf(c.cols, sizeof c.cols, "%s (%s)", valcol, st->estabs[e]);
                cell_add(&sum, &c, first);
                first = 0;
                found = 1;
            }
        (void)check; /* names change from year to year: the coverage checks catch a miss */
    }
    return sum;
}

/* 2025 layout: a setting's columns added on row R. */
static hnb_sen2_cell cols_sum(ctx *x, const table *t, const trow *r, const hnb_sen2_setting *st)
{
    hnb_sen2_cell sum = missing();
    for (int k = 0; k < st->ncolumns; k++) {
        int col = col_of(t, st->columns[k]);
        if (col < 0) {
            if (!x->rc) {
                const char *near =
                    hnb_nearest(st->columns[k], (const char *const *)t->cols, t->ncols);
                x->rc =
                    hnb_err_at(x->err, st->col_mark[k], "columns: '%s' is not a column of %s%s%s%s",
                               st->columns[k], t->path, near ? "; did you mean '" : "",
                               near ? near : "", near ? "'?" : "");
            }
            return sum;
        }
        hnb_sen2_cell c = cell(x, t, r, col);
        cell_add(&sum, &c, k == 0);
    }
    return sum;
}

static void report_cell(hnb_sen2_council *c, const hnb_sen2_cell *v, const char *what)
{
    if (v->status != HNB_SEN2_SUPPRESSED) return;
    c->nsuppressed++;
    note(c, "%s:%d: %s: suppressed ('x') in %s; %s", v->file, v->line, what, v->cols,
         "not counted as 0: left out of the history, or filled as said");
}

/* The age a breakdown names: "age 7", "under 3", "age 2 and under", "age
 * 20 and over", "Under 5", "Age 5 to 10"; 0 when it is none (unknown). */
static int age_range(const char *b, int *lo, int *hi)
{
    int a, z;
    if (!strcasecmp(b, "under 3") || !strcasecmp(b, "age 2 and under") ||
        !strcasecmp(b, "aged 2 and under")) {
        *lo = 0, *hi = 2;
        return 1;
    }
    if (!strcasecmp(b, "Under 5")) {
        *lo = 0, *hi = 4;
        return 1;
    }
    if (!strcasecmp(b, "age 20 and over") || !strcasecmp(b, "aged 20 and over")) {
        *lo = 20, *hi = 25;
        return 1;
    }
    char tail;
    if (sscanf(b, "Age %d to %d%c", &a, &z, &tail) == 2 ||
        sscanf(b, "age %d to %d%c", &a, &z, &tail) == 2) {
        if (a < 0 || z > 25 || a > z) return 0;
        *lo = a, *hi = z;
        return 1;
    }
    if (sscanf(b, "age %d%c", &a, &tail) == 1 || sscanf(b, "Aged %d%c", &a, &tail) == 1) {
        if (a < 0 || a > 25) return 0;
        *lo = *hi = a;
        return 1;
    }
    return 0;
}

/* The figures of geography KEY in release R for history year Y (stock at
 * January Y+1, flows of calendar Y), by the mapping M. Only what the
 * release gives is set. */
static void year_figures(ctx *x, const release *rel, const char *key, int y, const hnb_sen2_map *m,
                         hnb_sen2_cell *stock, hnb_sen2_cell *sset, hnb_sen2_cell *newp,
                         hnb_sen2_cell *nset, hnb_sen2_cell *req, hnb_sen2_cell *ceased,
                         hnb_sen2_cell *issued, hnb_sen2_cell *within)
{
    int ns = m->nsettings;
    if (rel->layout == LAYOUT_2025) {
        const table *t = rel->t[T_STOCK];
        const trow *r = find_row(t, key, y + 1, "All EHC plans", "All EHC plans");
        if (r) {
            *stock = named(x, t, r, "ehcplans");
            for (int s = 0; s < ns; s++)
                sset[s] = cols_sum(x, t, r, &m->settings[s]);
        }
        t = rel->t[T_NEW];
        r = find_row(t, key, y, "New EHC plans", "New EHC plans");
        if (r) {
            *newp = named(x, t, r, "new_ehc_plans");
            for (int s = 0; s < ns; s++)
                nset[s] = cols_sum(x, t, r, &m->settings[s]);
        }
        t = rel->t[T_REQ];
        if ((r = find_row(t, key, y, "All requests for EHC needs assessments", NULL)))
            *req = named(x, t, r, "requests_received_in_year");
        t = rel->t[T_CEASED];
        if ((r = find_row(t, key, y, "All ceased EHC plans", NULL)))
            *ceased = named(x, t, r, "total_ceased");
        t = rel->t[T_TIME];
        if ((r = find_row(t, key, y, "All EHC plans issued", NULL))) {
            *issued = named(x, t, r, "plans_issued_den");
            *within = named(x, t, r, "plans_issued_within_20_weeks");
        }
    } else {
        const table *t = rel->t[T_STOCK];
        const trow *r;
        int ca = col_of(t, "characteristic_age");
        int lo, hi;
        rows_of(t, key, &lo, &hi);
        for (int i = lo; i < hi; i++)
            if (period_year(t->rows[i].f[t->c_time]) == y + 1 &&
                !strcmp(t->rows[i].f[ca], "Total")) {
                *stock = named(x, t, &t->rows[i], "Total_all");
                for (int s = 0; s < ns; s++)
                    sset[s] = estab_sum(x, rel->t[T_STOCK_PLACE], key, y + 1, &m->settings[s],
                                        "Total_all", 0);
            }
        t = rel->t[T_NEW];
        ca = col_of(t, "characteristic_age");
        rows_of(t, key, &lo, &hi);
        for (int i = lo; i < hi; i++)
            if (period_year(t->rows[i].f[t->c_time]) == y && !strcmp(t->rows[i].f[ca], "Total")) {
                *newp = named(x, t, &t->rows[i], "Total_new_all");
                for (int s = 0; s < ns; s++)
                    nset[s] = estab_sum(x, rel->t[T_NEW_PLACE], key, y, &m->settings[s],
                                        "Total_new_all", 0);
            }
        t = rel->t[T_MI];
        if ((r = find_row(t, key, y, NULL, NULL))) {
            *req = named(x, t, r, "InreqEHC");
            *issued = named(x, t, r, "TotIncExcEHC");
            *within = named(x, t, r, "IncExc20weekEHC");
        }
        /* ceased plans of the 2022 layout count a different basis (the four
         * "discontinued" reasons of the old aggregate return): not comparable
         * with the person-level collection from 2022, so not taken */
    }
}

/* Is any mapping column or establishment unknown to the release? Checked
 * once per release so that a typo is an error even where a council has no row. */
static void check_map(ctx *x, const release *rel, const hnb_sen2_map *m)
{
    for (int s = 0; s < m->nsettings && !x->rc; s++) {
        const hnb_sen2_setting *st = &m->settings[s];
        if (rel->layout == LAYOUT_2025) {
            if (!st->ncolumns)
                x->rc = hnb_err_at(x->err, st->mark,
                                   "setting '%s' has no `columns`, and %s is of the 2025 layout",
                                   st->id, rel->dir);
            for (int t = T_STOCK; t <= T_NEW && !x->rc; t++) {
                const table *tb = rel->t[t];
                for (int k = 0; k < st->ncolumns && !x->rc; k++)
                    if (col_of(tb, st->columns[k]) < 0) {
                        const char *near =
                            hnb_nearest(st->columns[k], (const char *const *)tb->cols, tb->ncols);
                        x->rc = hnb_err_at(x->err, st->col_mark[k],
                                           "columns: '%s' is not a column of %s%s%s%s",
                                           st->columns[k], tb->path, near ? "; did you mean '" : "",
                                           near ? near : "", near ? "'?" : "");
                    }
            }
        } else {
            if (!st->nestabs)
                x->rc =
                    hnb_err_at(x->err, st->mark,
                               "setting '%s' has no `establishments`, and %s is of the 2022 layout",
                               st->id, rel->dir);
            else {
                const table *t = rel->t[T_STOCK_PLACE];
                if (t->nrows)
                    estab_sum(x, t, t->rows[0].key, period_year(t->rows[0].f[t->c_time]), st,
                              "Total_all", 1);
            }
        }
    }
}

/* The successors' share and the predecessors' figures (docs/sen2.md). */
static void apportion(ctx *x, const hnb_sen2_map *m)
{
    hnb_sen2_council *c = x->c;
    int as_succ, ch = change_of(c->la.old_code, &as_succ);
    if (ch < 0 || !as_succ) return;
    /* the first January every successor has a stock for */
    const hnb_sen2 *s = x->s;
    int jan = 0;
    for (int k = 0; k < 3 && changes[ch].succ[k]; k++)
        for (int i = 0; i < s->nla; i++)
            if (!strcmp(s->las[i].old_code, changes[ch].succ[k]) && s->las[i].first_jan > jan)
                jan = s->las[i].first_jan;
    if (!jan) return;
    double mine = NAN, all = 0;
    hnb_sen2_cell st, dummy[HNB_SEN2_MAXSET], d1, d2[HNB_SEN2_MAXSET], d3, d4, d5, d6;
    for (int k = 0; k < 3 && changes[ch].succ[k]; k++) {
        st = missing();
        for (int r = 0; r < s->nrel; r++)
            year_figures(x, &s->rel[r], changes[ch].succ[k], jan - 1, m, &st, dummy, &d1, d2, &d3,
                         &d4, &d5, &d6);
        if (st.status != HNB_SEN2_OK) return;
        all += st.v;
        if (!strcmp(changes[ch].succ[k], c->la.old_code)) mine = st.v;
    }
    if (!(all > 0) || isnan(mine)) return;
    double share = mine / all;
    int napp = 0, first = 0, last = 0;
    for (int yi = 0; yi < c->ny; yi++) {
        int y = c->y0 + yi;
        if (y + 1 >= c->la.first_jan) break; /* its own figures from here */
        hnb_sen2_cell sum[4];
        for (int q = 0; q < 4; q++)
            sum[q] = missing();
        int nseen[4] = {0};
        for (int k = 0; k < 3 && changes[ch].pred[k]; k++) {
            hnb_sen2_cell v[4] = {missing(), missing(), missing(), missing()}, ss[HNB_SEN2_MAXSET],
                          ns_[HNB_SEN2_MAXSET], i1, i2;
            for (int r = 0; r < s->nrel; r++)
                year_figures(x, &s->rel[r], changes[ch].pred[k], y, m, &v[0], ss, &v[1], ns_, &v[2],
                             &v[3], &i1, &i2);
            for (int q = 0; q < 4; q++)
                if (v[q].status == HNB_SEN2_OK) {
                    cell_add(&sum[q], &v[q], nseen[q] == 0);
                    nseen[q]++;
                }
        }
        hnb_sen2_cell *dst[4] = {&c->stock[yi], &c->newp[yi], &c->requests[yi], &c->ceased[yi]};
        int any = 0;
        for (int q = 0; q < 4; q++) {
            int npred = 0;
            for (int k = 0; k < 3 && changes[ch].pred[k]; k++)
                npred++;
            if (nseen[q] != npred || dst[q]->status == HNB_SEN2_OK) continue;
            *dst[q] = sum[q];
            dst[q]->v *= share;
            any = 1;
        }
        if (any) {
            c->share[yi] = share;
            if (!napp++) first = y;
            last = y;
        }
    }
    if (napp)
        snprintf(c->history_note, sizeof c->history_note,
                 "%s. Years %d to %d are the predecessors' figures times %s's share of the "
                 "successors' plans at January %d (%.0f of %.0f = %.4f).",
                 changes[ch].what, first, last, c->la.name, jan, mine, all, share);
    else
        snprintf(c->history_note, sizeof c->history_note,
                 "%s. The releases read have no predecessor figures before January %d.",
                 changes[ch].what, c->la.first_jan);
    note(c, "%s", c->history_note);
}

static void take(hnb_sen2_cell *dst, const hnb_sen2_cell *v)
{
    if (v->status == HNB_SEN2_OK || (v->status != HNB_SEN2_MISSING && dst->status != HNB_SEN2_OK))
        *dst = *v;
}

/* the history, every year of every release (newest wins), the per-year coverage check, suppressed
 * cells reported, and a successor's years apportioned */
static int council_history(ctx *x, const hnb_sen2_map *m, const char *key)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    /* the history: every year any release gives, newest release last (it wins) */
    int ylo = 9999, yhi = 0;
    for (int r = 0; r < s->nrel; r++)
        for (int k = 0; k < NT; k++) {
            const table *t = s->rel[r].t[k];
            if (!t) continue;
            for (int i = 0; i < t->nrows; i++) {
                int y = period_year(t->rows[i].f[t->c_time]);
                if (k == T_STOCK) y -= 1; /* January y+1 is history year y */
                if (y && y < ylo) ylo = y;
                if (y > yhi) yhi = y;
            }
        }
    if (yhi - ylo + 1 > HNB_SEN2_MAXYEARS) ylo = yhi - HNB_SEN2_MAXYEARS + 1;
    c->y0 = ylo;
    c->ny = yhi - ylo + 1;
    for (int yi = 0; yi < c->ny; yi++) {
        c->stock[yi] = c->newp[yi] = c->requests[yi] = c->ceased[yi] = c->issued[yi] =
            c->within20[yi] = missing();
        for (int st = 0; st < m->nsettings; st++)
            c->stock_set[yi][st] = c->new_set[yi][st] = missing();
        c->share[yi] = 1;
        for (int r = 0; r < s->nrel && !x->rc; r++) {
            hnb_sen2_cell v[6] = {missing(), missing(), missing(), missing(), missing(), missing()};
            hnb_sen2_cell ss[HNB_SEN2_MAXSET], nn[HNB_SEN2_MAXSET];
            for (int st = 0; st < m->nsettings; st++)
                ss[st] = nn[st] = missing();
            year_figures(x, &s->rel[r], key, c->y0 + yi, m, &v[0], ss, &v[1], nn, &v[2], &v[3],
                         &v[4], &v[5]);
            hnb_sen2_cell *dst[6] = {&c->stock[yi],  &c->newp[yi],   &c->requests[yi],
                                     &c->ceased[yi], &c->issued[yi], &c->within20[yi]};
            /* a later release's figure wins, but an 'x' never hides an earlier figure */
            for (int q = 0; q < 6; q++)
                take(dst[q], &v[q]);
            for (int st = 0; st < m->nsettings; st++) {
                take(&c->stock_set[yi][st], &ss[st]);
                take(&c->new_set[yi][st], &nn[st]);
            }
        }
    }
    if (x->rc) return x->rc;
    /* a year whose settings do not add to its total (a placement the
     * mapping misses that year): its setting rows are left out, and said */
    for (int yi = 0; yi < c->ny; yi++) {
        double sum = 0;
        int given = 1, any = 0;
        for (int st = 0; st < m->nsettings; st++) {
            given &= c->stock_set[yi][st].status == HNB_SEN2_OK;
            any |= c->stock_set[yi][st].status != HNB_SEN2_MISSING;
            sum += c->stock_set[yi][st].v;
        }
        if (c->y0 + yi + 1 == c->la.last_jan) continue; /* the latest: an error below, not a note */
        if (any && given && c->stock[yi].status == HNB_SEN2_OK &&
            fabs(sum - c->stock[yi].v) > 0.5) {
            note(c,
                 "%s:%d: the mapping places %.0f of the %.0f plans at January %d: that year's "
                 "plans by "
                 "setting are left out of the history",
                 c->stock[yi].file, c->stock[yi].line, sum, c->stock[yi].v, c->y0 + yi + 1);
            for (int st = 0; st < m->nsettings; st++)
                c->stock_set[yi][st] = missing();
        }
    }
    for (int yi = 0; yi < c->ny; yi++) {
        char w[96];
        snprintf(w, sizeof w, "EHCPs at January %d", c->y0 + yi + 1);
        report_cell(c, &c->stock[yi], w);
        snprintf(w, sizeof w, "new plans in %d", c->y0 + yi);
        report_cell(c, &c->newp[yi], w);
        snprintf(w, sizeof w, "requests in %d", c->y0 + yi);
        report_cell(c, &c->requests[yi], w);
        snprintf(w, sizeof w, "ceased plans in %d", c->y0 + yi);
        report_cell(c, &c->ceased[yi], w);
    }
    apportion(x, m);
    if (x->rc) return x->rc;

    return x->rc;
}

/* the latest January's total and its settings (a suppressed setting filled, a mapping that misses
 * plans refused) */
static int council_stock(ctx *x, const hnb_sen2_map *m, const char *key, const release **relp)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    hnb_err *err = x->err;
    /* the detail of the latest January this council has */
    const release *rel = NULL;
    *relp = NULL;
    for (int r = s->nrel - 1; r >= 0 && !rel; r--)
        if (find_row(s->rel[r].t[T_STOCK], key, c->la.last_jan,
                     s->rel[r].layout == LAYOUT_2025 ? "All EHC plans" : NULL, NULL))
            rel = &s->rel[r];
    if (!rel) {
        x->rc = hnb_err_at(err, (hnb_mark){0}, "%s: no stock rows in the releases", c->la.name);
        return x->rc;
    }
    c->jan = c->la.last_jan;
    int yi = c->jan - 1 - c->y0;
    c->total = c->stock[yi];
    for (int st = 0; st < m->nsettings; st++)
        c->mix[st] = c->stock_set[yi][st];
    if (c->total.status != HNB_SEN2_OK) {
        x->rc = hnb_err_at(err, (hnb_mark){c->total.file, c->total.line, 1},
                           "%s: the EHCP total at January %d is not given ('%s')", c->la.name,
                           c->jan, c->total.status == HNB_SEN2_SUPPRESSED ? "x" : "z");
        return x->rc;
    }
    /* a setting suppressed in the total row: the rest of the total */
    {
        double known = 0;
        int nsup = 0, which = -1;
        for (int st = 0; st < m->nsettings; st++) {
            known += c->mix[st].v;
            if (c->mix[st].status == HNB_SEN2_SUPPRESSED) nsup++, which = st;
        }
        c->nsuppressed += nsup;
        if (nsup == 1 && c->total.v >= known) {
            note(c,
                 "%s:%d: %s plans at January %d are suppressed ('x') in %s: taken as the total "
                 "less the other settings, %.0f",
                 c->mix[which].file, c->mix[which].line, m->settings[which].id, c->jan,
                 c->mix[which].cols, c->total.v - known);
            c->mix[which].v += c->total.v - known;
        } else if (nsup > 1) {
            /* the rest of the total shared as the latest year with every
             * setting given shared it; evenly when no year did */
            double w[HNB_SEN2_MAXSET] = {0}, wsum = 0;
            int from = 0;
            for (int q = yi - 1; q >= 0 && !from; q--) {
                int all = 1;
                for (int st = 0; st < m->nsettings; st++)
                    all &= c->stock_set[q][st].status == HNB_SEN2_OK;
                if (!all) continue;
                from = c->y0 + q + 1;
                for (int st = 0; st < m->nsettings; st++)
                    if (c->mix[st].status == HNB_SEN2_SUPPRESSED)
                        wsum += w[st] = c->stock_set[q][st].v;
            }
            double rest = c->total.v > known ? c->total.v - known : 0;
            if (from && wsum > 0)
                note(c,
                     "%s:%d: %d settings' plans at January %d are suppressed ('x'): the %.0f plans "
                     "they hold are shared as those settings shared their plans at January %d",
                     c->total.file, c->total.line, nsup, c->jan, rest, from);
            else
                note(c,
                     "%s:%d: %d settings' plans at January %d are suppressed ('x'), and no year "
                     "gives them all: the %.0f plans they hold are shared evenly",
                     c->total.file, c->total.line, nsup, c->jan, rest);
            for (int st = 0; st < m->nsettings; st++)
                if (c->mix[st].status == HNB_SEN2_SUPPRESSED)
                    c->mix[st].v += from && wsum > 0 ? rest * w[st] / wsum : rest / nsup;
        } else if (fabs(known - c->total.v) > 0.5) {
            x->rc = hnb_err_at(err,
                               m->file[0] ? (hnb_mark){m->file, 1, 1}
                                          : (hnb_mark){c->total.file, c->total.line, 1},
                               "the placement mapping places %.0f of %s's %.0f plans at January %d "
                               "(%s line %d): a "
                               "placement column left out or counted twice?",
                               known, c->la.name, c->total.v, c->jan, c->total.file, c->total.line);
            return x->rc;
        }
    }
    *relp = rel;
    return x->rc;
}

/* the latest January's plans by age and setting (suppressed cells filled from the setting's total),
 * in age order */
static int council_ages(ctx *x, const hnb_sen2_map *m, const char *key, const release *rel)
{
    hnb_sen2_council *c = x->c;
    /* ages: single ages by setting (2025 layout), or bands (2022) */
    if (rel->layout == LAYOUT_2025) {
        const table *t = rel->t[T_STOCK];
        int lo, hi;
        rows_of(t, key, &lo, &hi);
        for (int i = lo; i < hi && c->nages < 32; i++) {
            const trow *r = &t->rows[i];
            if (period_year(r->f[t->c_time]) != c->jan ||
                strcmp(r->f[t->c_topic], "Child or young persons age"))
                continue;
            int a, z;
            if (!age_range(r->f[t->c_break], &a, &z)) {
                hnb_sen2_cell v = named(x, t, r, "ehcplans");
                note(c, "%s:%d: %.0f plans of age '%s' are left out of the age profile", t->path,
                     r->line, v.v, r->f[t->c_break]);
                continue;
            }
            int n = c->nages++;
            c->age_lo[n] = a, c->age_hi[n] = z;
            c->age[n] = named(x, t, r, "ehcplans");
            report_cell(c, &c->age[n], "plans by age");
            char which[256] = "";
            size_t w = 0;
            for (int st = 0; st < m->nsettings; st++) {
                hnb_sen2_cell v = cols_sum(x, t, r, &m->settings[st]);
                c->age_set[n][st] = v.status == HNB_SEN2_OK ? v.v : -1 - v.v; /* <0: to fill */
                if (v.status == HNB_SEN2_SUPPRESSED) {
                    c->nsuppressed++;
                    if (w < sizeof which - 70)
                        w += (size_t)snprintf(which + w, sizeof which - w, "%s%s", w ? ", " : "",
                                              m->settings[st].id);
                }
            }
            if (w)
                note(c, "%s:%d: plans of %s: %s suppressed ('x'): filled as said below", t->path,
                     r->line, r->f[t->c_break], which);
        }
        /* fill the suppressed cells: a row's plans not accounted for (its
         * total less its given cells) go to its suppressed settings in
         * proportion to what each setting has not accounted for (its total
         * less its given ages); without a row total, the setting's rest
         * evenly over its suppressed ages */
        double rest[HNB_SEN2_MAXSET] = {0};
        int nfill[HNB_SEN2_MAXSET] = {0}, any = 0;
        for (int st = 0; st < m->nsettings; st++) {
            double given = 0;
            for (int k = 0; k < c->nages; k++)
                if (c->age_set[k][st] >= 0)
                    given += c->age_set[k][st];
                else
                    given += -1 - c->age_set[k][st], nfill[st]++;
            rest[st] = c->mix[st].v > given ? c->mix[st].v - given : 0;
            any |= nfill[st] > 0;
        }
        double filled[32][HNB_SEN2_MAXSET];
        for (int k = 0; k < c->nages; k++) {
            double row_given = 0, wsum = 0;
            for (int st = 0; st < m->nsettings; st++) {
                double v = c->age_set[k][st];
                row_given += v >= 0 ? v : -1 - v;
                if (v < 0) wsum += rest[st];
            }
            double row_rest = c->age[k].v > row_given ? c->age[k].v - row_given : 0;
            for (int st = 0; st < m->nsettings; st++) {
                double v = c->age_set[k][st];
                if (v >= 0) {
                    filled[k][st] = v;
                    continue;
                }
                double part = -1 - v, add;
                if (c->age[k].status == HNB_SEN2_OK)
                    add = wsum > 0 ? row_rest * rest[st] / wsum : 0;
                else
                    add = rest[st] / nfill[st];
                filled[k][st] = part + add;
            }
        }
        for (int k = 0; k < c->nages; k++)
            for (int st = 0; st < m->nsettings; st++)
                c->age_set[k][st] = filled[k][st];
        if (any)
            note(c,
                 "suppressed cells of plans by age and setting: each age's plans not given go to "
                 "its suppressed settings in proportion to each setting's plans not given");
    } else {
        c->age_layout2022 = 1;
        const table *t = rel->t[T_STOCK];
        int ca = col_of(t, "characteristic_age"), lo, hi;
        rows_of(t, key, &lo, &hi);
        for (int i = lo; i < hi && c->nages < 32; i++) {
            const trow *r = &t->rows[i];
            int a, z;
            if (period_year(r->f[t->c_time]) != c->jan || !age_range(r->f[ca], &a, &z)) continue;
            int n = c->nages++;
            c->age_lo[n] = a, c->age_hi[n] = z;
            c->age[n] = named(x, t, r, "Total_all");
            report_cell(c, &c->age[n], "plans by age");
            for (int st = 0; st < m->nsettings; st++)
                c->age_set[n][st] =
                    (c->age[n].status == HNB_SEN2_OK ? c->age[n].v : 0) * c->mix[st].v / c->total.v;
        }
        note(c,
             "the %d release gives ages in bands and no age by placement: each band's plans are "
             "spread "
             "over the settings by the whole council's mix (an assumption)",
             rel->latest_jan);
    }
    if (x->rc) return x->rc;
    /* ages in order (the release lists "age 10" before "age 3") */
    for (int i = 1; i < c->nages; i++)
        for (int j = i; j > 0 && c->age_lo[j] < c->age_lo[j - 1]; j--) {
            int t = c->age_lo[j];
            c->age_lo[j] = c->age_lo[j - 1];
            c->age_lo[j - 1] = t;
            t = c->age_hi[j];
            c->age_hi[j] = c->age_hi[j - 1];
            c->age_hi[j - 1] = t;
            hnb_sen2_cell v = c->age[j];
            c->age[j] = c->age[j - 1];
            c->age[j - 1] = v;
            double row[HNB_SEN2_MAXSET];
            memcpy(row, c->age_set[j], sizeof row);
            memcpy(c->age_set[j], c->age_set[j - 1], sizeof row);
            memcpy(c->age_set[j - 1], row, sizeof row);
        }
    return x->rc;
}

/* the latest January's plans by setting and primary need */
static int council_needs(ctx *x, const hnb_sen2_map *m, const char *key, const release *rel)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    /* needs by setting (2025 layout's sen_needs_all_plans.csv) */
    {
        const release *nr = NULL;
        for (int r = s->nrel - 1; r >= 0 && !nr; r--)
            if (s->rel[r].t[T_NEED_STOCK] &&
                find_row(s->rel[r].t[T_NEED_STOCK], key, c->jan, "All EHC plans", NULL))
                nr = &s->rel[r];
        if (nr) {
            static const char *const labels[][2] = {
                {"Mainstream - total", "mainstream_total"},
                {"Mainstream - LA maintained", "mainstream_la_maintained"},
                {"Mainstream - LA maintained (SEN unit)", "mainstream_la_maintained_senunit"},
                {"Mainstream - LA maintained (resourced provision)",
                 "mainstream_la_maintained_resourced_provision"},
                {"Mainstream - academy", "mainstream_academy"},
                {"Mainstream - academy (SEN unit)", "mainstream_academy_senunit"},
                {"Mainstream - academy (resourced provision)",
                 "mainstream_academy_resourced_provision"},
                {"Mainstream - free school", "mainstream_free_school"},
                {"Mainstream - free school (SEN unit)", "mainstream_free_school_senunit"},
                {"Mainstream - free school (resourced provision)",
                 "mainstream_free_school_resourced_provision"},
                {"Mainstream - independent", "mainstream_independent"},
                {"Special - total", "special_total"},
                {"Special - LA maintained", "special_la_maintained"},
                {"Special - Academy/free schools", "special_academy_free"},
                {"Special - independent", "special_independent"},
                {"Special - non-maintained", "special_non_maintained"},
                {"AP/PRU - total", "ap_pru_total"},
                {"AP/PRU - LA maintained", "ap_pru_la_maintained"},
                {"AP/PRU - academy", "ap_pru_academy"},
                {"AP/PRU - free school", "ap_pru_free_school"},
                {"FE - total", "fe_total"},
                {"FE - general FE and tertiary colleges", "general_fe_tertiary_colleges"},
                {"FE - specialist post-16 institutions", "specialist_post_16_institutions"},
                {"FE - UKRLP provider", "ukrlp_provider"},
                {"Educated elsewhere - total", "ed_elsewhere"},
                {"Non-maintained early years", "nm_early_years"},
                {"Placement not recorded", "placement_unknown"}};
            const int nlab = (int)(sizeof labels / sizeof *labels);
            const table *t = nr->t[T_NEED_STOCK];
            const trow *all = find_row(t, key, c->jan, "All EHC plans", NULL);
            double allmix[HNB_SEN2_NEEDS], allsum = 0;
            int nsup = 0;
            for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
                hnb_sen2_cell v = named(x, t, all, need_cols[k]);
                allmix[k] = v.status == HNB_SEN2_OK ? v.v : 0;
                nsup += v.status == HNB_SEN2_SUPPRESSED;
                allsum += allmix[k];
            }
            c->has_need = allsum > 0;
            for (int st = 0; st < m->nsettings && c->has_need; st++) {
                const hnb_sen2_setting *se = &m->settings[st];
                size_t w =
                    (size_t)snprintf(c->need_src[st], sizeof c->need_src[st], "%s lines", t->path);
                int nlines = 0;
                for (int k = 0; k < se->ncolumns; k++) {
                    const char *label = NULL;
                    for (int l = 0; l < nlab && !label; l++)
                        if (!strcmp(labels[l][1], se->columns[k])) label = labels[l][0];
                    const trow *r =
                        label ? find_row(t, key, c->jan, "Type of placement", label) : NULL;
                    if (!r) {
                        /* no need row for it: its plans take the council's need mix */
                        double plans = 0;
                        const table *ts = rel->t[T_STOCK];
                        const trow *rs =
                            rel->layout == LAYOUT_2025
                                ? find_row(ts, key, c->jan, "All EHC plans", "All EHC plans")
                                : NULL;
                        hnb_sen2_cell pc = named(x, ts, rs, se->columns[k]);
                        if (pc.status == HNB_SEN2_OK) plans = pc.v;
                        if (plans > 0) {
                            for (int q = 0; q < HNB_SEN2_NEEDS; q++)
                                c->need[st][q] += plans * allmix[q] / allsum;
                            note(c,
                                 "%s: no need row for '%s' (%.0f plans): they take the council's "
                                 "need mix",
                                 t->path, se->columns[k], plans);
                        }
                        continue;
                    }
                    for (int q = 0; q < HNB_SEN2_NEEDS; q++) {
                        hnb_sen2_cell v = named(x, t, r, need_cols[q]);
                        if (v.status == HNB_SEN2_OK) c->need[st][q] += v.v;
                        nsup += v.status == HNB_SEN2_SUPPRESSED;
                    }
                    if (w < sizeof c->need_src[st] - 16)
                        w += (size_t)snprintf(c->need_src[st] + w, sizeof c->need_src[st] - w,
                                              "%s%d", nlines++ ? ", " : " ", r->line);
                }
            }
            if (nsup) {
                c->nsuppressed += nsup;
                note(c,
                     "%s: %d need cells suppressed ('x') for %s at January %d: the need mixes use "
                     "the needs given",
                     t->path, nsup, c->la.name, c->jan);
            }
        }
    }
    return x->rc;
}

/* the latest calendar year's new plans by setting, age and need */
static int council_new(ctx *x, const hnb_sen2_map *m, const char *key)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    /* new plans: the latest calendar year, by age and setting */
    {
        c->new_year = 0;
        for (int q = c->ny - 1; q >= 0 && !c->new_year; q--)
            if (c->newp[q].status == HNB_SEN2_OK && c->share[q] == 1) c->new_year = c->y0 + q;
        if (c->new_year) {
            int q = c->new_year - c->y0;
            c->new_total = c->newp[q];
            for (int st = 0; st < m->nsettings; st++)
                c->new_mix[st] = c->new_set[q][st];
            const release *nr = NULL;
            for (int r = s->nrel - 1; r >= 0 && !nr; r--) {
                const table *t = s->rel[r].t[T_NEW];
                if (s->rel[r].layout == LAYOUT_2025
                        ? find_row(t, key, c->new_year, "New EHC plans", NULL) != NULL
                        : find_row(t, key, c->new_year, NULL, NULL) != NULL)
                    nr = &s->rel[r];
            }
            const table *t = nr->t[T_NEW];
            int lo, hi,
                ca = nr->layout == LAYOUT_2025 ? t->c_break : col_of(t, "characteristic_age");
            rows_of(t, key, &lo, &hi);
            for (int i = lo; i < hi && c->nnew_ages < 32; i++) {
                const trow *r = &t->rows[i];
                if (period_year(r->f[t->c_time]) != c->new_year) continue;
                if (nr->layout == LAYOUT_2025 && strcmp(r->f[t->c_topic], "Age when plan started"))
                    continue;
                int a, z;
                if (!age_range(r->f[ca], &a, &z)) continue;
                int n = c->nnew_ages++;
                c->new_lo[n] = a, c->new_hi[n] = z;
                c->new_age[n] =
                    named(x, t, r, nr->layout == LAYOUT_2025 ? "new_ehc_plans" : "Total_new_all");
                report_cell(c, &c->new_age[n], "new plans by age");
            }
            for (int i = 1; i < c->nnew_ages; i++)
                for (int j = i; j > 0 && c->new_lo[j] < c->new_lo[j - 1]; j--) {
                    int t2 = c->new_lo[j];
                    c->new_lo[j] = c->new_lo[j - 1];
                    c->new_lo[j - 1] = t2;
                    t2 = c->new_hi[j];
                    c->new_hi[j] = c->new_hi[j - 1];
                    c->new_hi[j - 1] = t2;
                    hnb_sen2_cell v = c->new_age[j];
                    c->new_age[j] = c->new_age[j - 1];
                    c->new_age[j - 1] = v;
                }
            for (int r = s->nrel - 1; r >= 0 && !c->has_new_need; r--) {
                const table *tn = s->rel[r].t[T_NEED_NEW];
                const trow *rn = find_row(tn, key, c->new_year, "All EHC plans", NULL);
                if (!rn) continue;
                c->has_new_need = 1;
                for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
                    c->new_need[k] = named(x, tn, rn, need_cols[k]);
                    report_cell(c, &c->new_need[k], "new plans by need");
                }
            }
        }
    }
    return x->rc;
}

/* the pipeline: requests, decisions, assessments and timeliness of the latest year with requests */
static int council_pipeline(ctx *x, const hnb_sen2_map *m, const char *key)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    (void)m;
    /* the pipeline: the latest year with requests */
    for (int q = c->ny - 1; q >= 0; q--)
        if (c->requests[q].status == HNB_SEN2_OK && c->share[q] == 1) {
            c->req_year = c->y0 + q;
            c->req = c->requests[q];
            break;
        }
    if (c->req_year) {
        for (int r = s->nrel - 1; r >= 0; r--) {
            const release *rr = &s->rel[r];
            if (rr->layout != LAYOUT_2025) continue;
            const trow *row = find_row(rr->t[T_REQ], key, c->req_year,
                                       "All requests for EHC needs assessments", NULL);
            if (!row) continue;
            c->to_assess = named(x, rr->t[T_REQ], row, "requests_decided_to_assess");
            c->not_assess = named(x, rr->t[T_REQ], row, "requests_decided_not_to_assess");
            row = find_row(rr->t[T_ASSESS], key, c->req_year, "All EHC needs assessments", NULL);
            c->assess_issued = named(x, rr->t[T_ASSESS], row, "assess_issued");
            c->assess_not_issued = named(x, rr->t[T_ASSESS], row, "assess_not_issued");
            row = find_row(rr->t[T_TIME], key, c->req_year, "All EHC plans issued", NULL);
            c->tl_den = named(x, rr->t[T_TIME], row, "plans_issued_den");
            c->tl_within = named(x, rr->t[T_TIME], row, "plans_issued_within_20_weeks");
            c->tl_year = named(x, rr->t[T_TIME], row, "plans_issued_gt_1_year");
            break;
        }
    } else {
        c->to_assess = c->not_assess = c->assess_issued = c->assess_not_issued = c->tl_den =
            c->tl_within = c->tl_year = missing();
    }
    return x->rc;
}

/* cessation by age band: the ceased plans of calendar jan-1 over the plans of January jan-1 */
static int council_cessation(ctx *x, const hnb_sen2_map *m, const char *key)
{
    const hnb_sen2 *s = x->s;
    hnb_sen2_council *c = x->c;
    (void)m;
    /* cessation by age: calendar jan-1's ceased plans over January jan-1's stock */
    for (int r = s->nrel - 1; r >= 0 && !c->ncease; r--) {
        const release *rr = &s->rel[r];
        if (rr->layout != LAYOUT_2025 || !rr->t[T_CEASED]) continue;
        static const int band[6][2] = {{0, 15}, {16, 16}, {17, 17}, {18, 18}, {19, 19}, {20, 25}};
        const table *tc = rr->t[T_CEASED], *ts = rr->t[T_STOCK];
        int lo, hi, ok = 1;
        for (int b = 0; b < 6; b++) {
            c->cease_lo[b] = band[b][0], c->cease_hi[b] = band[b][1];
            c->cease_n[b] = c->cease_stock[b] = missing();
            c->cease_n[b].status = c->cease_stock[b].status = HNB_SEN2_OK;
            c->cease_n[b].cols[0] = c->cease_stock[b].cols[0] = 0;
        }
        rows_of(tc, key, &lo, &hi);
        int nrow = 0;
        for (int i = lo; i < hi; i++) {
            const trow *row = &tc->rows[i];
            int a, z;
            if (period_year(row->f[tc->c_time]) != c->jan - 1 ||
                strcmp(row->f[tc->c_topic], "Age plan ceased") ||
                !age_range(row->f[tc->c_break], &a, &z))
                continue;
            hnb_sen2_cell v = named(x, tc, row, "total_ceased");
            for (int b = 0; b < 6; b++)
                if (a >= band[b][0] && z <= band[b][1]) {
                    if (v.status == HNB_SEN2_SUPPRESSED)
                        ok = 0, report_cell(c, &v, "ceased plans by age");
                    c->cease_n[b].v += v.status == HNB_SEN2_OK ? v.v : 0;
                    c->cease_n[b].file = tc->path;
                    if (!c->cease_n[b].line) c->cease_n[b].line = row->line;
                }
            nrow++;
        }
        rows_of(ts, key, &lo, &hi);
        for (int i = lo; i < hi; i++) {
            const trow *row = &ts->rows[i];
            int a, z;
            if (period_year(row->f[ts->c_time]) != c->jan - 1 ||
                strcmp(row->f[ts->c_topic], "Child or young persons age") ||
                !age_range(row->f[ts->c_break], &a, &z))
                continue;
            hnb_sen2_cell v = named(x, ts, row, "ehcplans");
            for (int b = 0; b < 6; b++)
                if (a >= band[b][0] && z <= band[b][1]) {
                    if (v.status == HNB_SEN2_SUPPRESSED) ok = 0, report_cell(c, &v, "plans by age");
                    c->cease_stock[b].v += v.status == HNB_SEN2_OK ? v.v : 0;
                    c->cease_stock[b].file = ts->path;
                    if (!c->cease_stock[b].line) c->cease_stock[b].line = row->line;
                }
        }
        for (int b = 0; b < 6; b++)
            ok &= c->cease_stock[b].v > 0;
        if (nrow && ok) c->ncease = 6;
    }
    return x->rc;
}

int hnb_sen2_council_get(const hnb_sen2 *s, int index, const hnb_sen2_map *m,
                         hnb_sen2_council **out, hnb_err *err)
{
    *out = NULL;
    hnb_sen2_council *c = calloc(1, sizeof *c);
    if (!c) hnb_oom();
    ctx x = {s, c, err, HNB_OK};
    c->la = s->las[index];
    c->map = m;
    c->nsettings = m->nsettings;
    const char *key = c->la.old_code;
    for (int r = 0; r < s->nrel && !x.rc; r++)
        check_map(&x, &s->rel[r], m);
    if (x.rc || council_history(&x, m, key)) goto fail;
    const release *rel = NULL;
    if (council_stock(&x, m, key, &rel)) goto fail;
    if (council_ages(&x, m, key, rel)) goto fail;
    if (council_needs(&x, m, key, rel)) goto fail;
    if (council_new(&x, m, key)) goto fail;
    if (council_pipeline(&x, m, key)) goto fail;
    if (council_cessation(&x, m, key)) goto fail;
    if (x.rc) goto fail;
    *out = c;
    return HNB_OK;
fail:
    hnb_sen2_council_free(c);
    return x.rc ? x.rc : HNB_EINPUT;
}

void hnb_sen2_council_free(hnb_sen2_council *c)
{
    if (!c) return;
    free(c->notes);
    free(c);
}

/* ---- the release's own totals, for the roll-up ---- */

int hnb_sen2_published(const hnb_sen2 *s, const char *geo, const char *measure, int jan,
                       hnb_sen2_cell *out)
{
    *out = missing();
    hnb_sen2_map m = {.nsettings = 0};
    ctx x = {s, NULL, NULL, HNB_OK};
    hnb_err e;
    x.err = &e;
    for (int r = 0; r < s->nrel; r++) {
        hnb_sen2_cell v[6] = {missing(), missing(), missing(), missing(), missing(), missing()};
        year_figures(&x, &s->rel[r], geo, jan - 1, &m, &v[0], NULL, &v[1], NULL, &v[2], &v[3],
                     &v[4], &v[5]);
        int q = !strcmp(measure, "ehcps")       ? 0
                : !strcmp(measure, "new_plans") ? 1
                : !strcmp(measure, "requests")  ? 2
                                                : 3;
        if (v[q].status != HNB_SEN2_MISSING) *out = v[q];
    }
    return x.rc;
}

int hnb_sen2_regions(const hnb_sen2 *s, char codes[][16], char names[][64], int max)
{
    int n = 0;
    const table *t = s->rel[s->nrel - 1].t[T_STOCK];
    for (int i = 0; i < t->nrows; i++) {
        char **f = t->rows[i].f;
        if (strcmp(f[t->c_level], "Regional")) continue;
        int k = 0;
        while (k < n && strcmp(codes[k], f[t->c_region_code]))
            k++;
        if (k == n && n < max) {
            snprintf(codes[n], 16, "%s", f[t->c_region_code]);
            snprintf(names[n], 64, "%s", f[t->c_region]);
            n++;
        }
    }
    return n;
}
