/* workbook.c - workbook.xlsx through libxlsxwriter, a workbook a finance team
 * and its auditor can follow:
 *   Summary      the budget-paper table in £m and its chart, on one A4 page;
 *   Budget       each total of that table, in pounds, as a live formula over
 *                the detail sheets (SPEC sections 4 and 13's identities);
 *   Money lines  the grant, income and other expenditure paths, as formulas
 *                over the Inputs sheet (SPEC section 2's money paths);
 *   Inputs       every value of the scenario: its central value, its
 *                distribution, the file and line it is written on and the
 *                comment the scenario gives beside it;
 * then a sheet for every table of SPEC section 9, as in the CSV files.
 * Formulas are written with their results cached (the engine's values), so
 * the file opens with figures in any reader and the same scenario gives the
 * same bytes. Not here: the projection itself. A formula restates an
 * identity over cells that hold the engine's values; where no sheet holds
 * the detail (the unmitigated run's placements) the cell is the engine's
 * value, not a second copy of the projection. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "hnb/html.h"
#include "hnb/mem.h"
#include "hnb/report.h"

typedef struct {
    lxw_format *head, *title, *note, *wrap, *bold;
    lxw_format *money, *m1, *plans, *pct, *num;
    /* the Inputs sheet's values, in blue: the cells a reader may change */
    lxw_format *in_money, *in_money_p, *in_count, *in_count_frac, *in_pct;
} formats;

/* The sheets the formulas name, and where their tables start. */
#define BUDGET_HEAD 3    /* Budget's and Money lines' header row; a year a row after it */
#define INPUTS_HEAD 5    /* Inputs' header row; slot i on row INPUTS_HEAD + 1 + i */
#define INPUTS_VALUE "D" /* Inputs' value column */

/* ---- small helpers ---- */

/* Column COL's letters ("A", "AB"). */
static void col_name(int col, char out[4])
{
    if (col < 26) {
        out[0] = (char)('A' + col);
        out[1] = 0;
    } else {
        out[0] = (char)('A' + col / 26 - 1);
        out[1] = (char)('A' + col % 26);
        out[2] = 0;
    }
}

/* "X12": column COL, 0-based sheet row ROW. */
static const char *cell(char *b, size_t n, int col, int row)
{
    char c[4];
    col_name(col, c);
    snprintf(b, n, "%s%d", c, row + 1);
    return b;
}

/* The Inputs sheet's cell holding slot SLOT's value. */
static const char *input_ref(char *b, size_t n, int slot)
{
    snprintf(b, n, "Inputs!$%s$%d", INPUTS_VALUE, INPUTS_HEAD + 2 + slot);
    return b;
}

/* Every sheet prints on A4 landscape, one page wide, its header row on
 * every page, the scenario at the top and page numbers at the foot. */
static void print_setup(lxw_worksheet *ws, int last_row, int last_col, int head_row,
                        const char *header)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_print_area(ws, 0, 0, (lxw_row_t)(last_row > 0 ? last_row : 0),
                         (lxw_col_t)(last_col > 0 ? last_col : 0));
    if (head_row >= 0) worksheet_repeat_rows(ws, (lxw_row_t)head_row, (lxw_row_t)head_row);
    worksheet_set_header(ws, header);
    worksheet_set_footer(ws, "&L&A&RPage &P of &N");
}

static void header(lxw_worksheet *ws, const formats *fm, int row, const char *const *cols, int n)
{
    for (int i = 0; i < n; i++)
        worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)i, cols[i], fm->head);
    worksheet_set_row(ws, (lxw_row_t)row, 32, NULL);
    worksheet_freeze_panes(ws, (lxw_row_t)(row + 1), 0);
}

/* A formula with its result: the engine's value X. */
static void formula(lxw_worksheet *ws, int row, int col, const char *f, lxw_format *fmt, double x)
{
    worksheet_write_formula_num(ws, (lxw_row_t)row, (lxw_col_t)col, f, fmt, x);
}

/* The human names of projection.csv's columns and the Monte Carlo metrics
 * (the column registry has no labels). */
static const char *human_column(const char *name)
{
    static const char *const map[][2] = {
        {"ehcps", "EHCPs (after mitigations)"},
        {"ehcps_unmitigated", "EHCPs before mitigations"},
        {"new_plans", "New plans in the year"},
        {"expenditure", "Expenditure, gross (£)"},
        {"mitigations", "Planned mitigations (£)"},
        {"income", "Grant and income (£)"},
        {"grant", "High needs grant (£)"},
        {"annual_gap", "Annual funding gap (£)"},
        {"cumulative_deficit", "Cumulative deficit (£)"},
        {"stability_grant", "Stability grant (£)"},
        {"central_funding", "Central support (£)"},
        {"other_blocks", "Other DSG blocks, cumulative (£)"},
        {"dsg_deficit", "DSG deficit (£)"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], name)) return map[i][1];
    return name;
}

/* "unit_cost" -> "unit cost" into B. */
static const char *spaced(char *b, size_t n, const char *s)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        b[k++] = *s == '_' ? ' ' : *s;
    b[k] = 0;
    return b;
}

static const char *setting_label(const hnb_setting *s)
{
    return s->label && *s->label ? s->label : s->id;
}

static const char *need_label(const hnb_model *m, int n)
{
    return m->need_labels && m->need_labels[n] && *m->need_labels[n] ? m->need_labels[n]
                                                                     : m->need_ids[n];
}

/* ---- the Inputs sheet ---- */

typedef enum { KIND_COUNT, KIND_RATE, KIND_MONEY } value_kind;

/* What a value measures: the loader knows (hnb_param.kind); a value kept
 * between 0 and 1 is a share, whatever it was written as. */
static value_kind kind_of(const hnb_param *pr)
{
    if (pr->range == HNB_RANGE_UNIT || pr->kind == HNB_KIND_RATE) return KIND_RATE;
    return pr->kind == HNB_KIND_MONEY ? KIND_MONEY : KIND_COUNT;
}

static int integral(double x)
{
    return fabs(x) < 1e15 && x == floor(x);
}

static lxw_format *input_format(const formats *fm, value_kind k, double x)
{
    switch (k) {
    case KIND_RATE:
        return fm->in_pct;
    case KIND_MONEY:
        return integral(x) ? fm->in_money : fm->in_money_p;
    default:
        return integral(x) ? fm->in_count : fm->in_count_frac;
    }
}

static void write_inputs(lxw_workbook *wb, const formats *fm, const hnb_model *m, const double *p,
                         const char *page_header)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Inputs");
    char t[1024], a[HNB_NUM_BUF], b[HNB_NUM_BUF];
    worksheet_write_string(ws, 0, 0, "Inputs: every assumption of the scenario, and its source",
                           fm->title);
    snprintf(t, sizeof t,
             "Scenario file %s, hnb %d. Values in blue are the scenario's; every figure of "
             "the Money lines and Budget sheets that depends on one refers to its cell here.",
             m->file ? m->file : "", m->version);
    worksheet_write_string(ws, 1, 0, t, NULL);
    hnb_year_label(m->start_year, a);
    hnb_year_label(m->start_year + m->years - 1, b);
    int w = snprintf(t, sizeof t, "Projection from %s to %s (%d years).", a, b, m->years);
    if (m->override_end && w > 0 && (size_t)w < sizeof t) {
        hnb_year_label(m->override_end - 1, a);
        w += snprintf(t + w, sizeof t - (size_t)w, " Statutory override to the end of %s.", a);
    }
    if (m->regime.given && m->regime.grant && w > 0 && (size_t)w < sizeof t) {
        hnb_year_label(m->regime.cutoff, a);
        hnb_year_label(m->regime.paid, b);
        w += snprintf(t + w, sizeof t - (size_t)w,
                      " Stability grant measured on the deficit at the end of %s, paid in %s.", a,
                      b);
    }
    if (m->nmit && w > 0 && (size_t)w < sizeof t)
        w += snprintf(t + w, sizeof t - (size_t)w, " Mitigations attributed %s.",
                      m->shapley ? "by Shapley values" : "in listed order");
    if (m->has_mc && w > 0 && (size_t)w < sizeof t)
        snprintf(t + w, sizeof t - (size_t)w, " Monte Carlo: %ld draws, seed %lu.", m->mc_draws,
                 m->mc_seed);
    worksheet_write_string(ws, 2, 0, t, NULL);
    static const char *const ih[] = {
        "No.",         "Assumption",         "Key in the scenario", "Value",
        "Uncertainty", "Source (file:line)", "Note in the scenario"};
    header(ws, fm, INPUTS_HEAD, ih, 7);
    for (int i = 0; i < m->nparams; i++) {
        const hnb_param *pr = &m->params[i];
        const lxw_row_t row = (lxw_row_t)(INPUTS_HEAD + 1 + i);
        const value_kind k = kind_of(pr);
        char human[1024], key[1024], src[1024], note[1024];
        worksheet_write_number(ws, row, 0, i + 1, NULL);
        hnb_param_describe(m, pr, human, sizeof human); /* as the report says it */
        worksheet_write_string(ws, row, 1, human, fm->wrap);
        if (pr->has_id)
            snprintf(key, sizeof key, "%s (id %s)", pr->path, pr->name);
        else
            snprintf(key, sizeof key, "%s", pr->path ? pr->path : pr->name);
        worksheet_write_string(ws, row, 2, key, fm->wrap);
        worksheet_write_number(ws, row, 3, p[i], input_format(fm, k, p[i]));
        hnb_fmt_dist(t, sizeof t, pr);
        if (!t[0]) snprintf(t, sizeof t, "fixed");
        worksheet_write_string(ws, row, 4, t, fm->wrap);
        if (pr->mark.file && pr->mark.line > 0)
            snprintf(src, sizeof src, "%s:%d", pr->mark.file, pr->mark.line);
        else
            snprintf(src, sizeof src, "%s", pr->mark.file ? pr->mark.file : "");
        worksheet_write_string(ws, row, 5, src, fm->wrap);
        hnb_source_comment(pr->mark.file, pr->mark.line, note, sizeof note);
        if (note[0]) worksheet_write_string(ws, row, 6, note, fm->wrap);
    }
    worksheet_set_column(ws, 0, 0, 5, NULL);
    worksheet_set_column(ws, 1, 1, 36, NULL);
    worksheet_set_column(ws, 2, 2, 30, NULL);
    worksheet_set_column(ws, 3, 3, 14, NULL);
    worksheet_set_column(ws, 4, 4, 28, NULL);
    worksheet_set_column(ws, 5, 5, 24, NULL);
    worksheet_set_column(ws, 6, 6, 70, NULL);
    print_setup(ws, INPUTS_HEAD + m->nparams, 6, INPUTS_HEAD, page_header);
}

/* ---- Money lines: SPEC section 2's money paths over the Inputs ---- */

/* A path's value in each year, as project.c's path_values(). */
static void path_of(const hnb_path *path, const double *p, int ys, double *out)
{
    double v = 0;
    for (int t = 0; t < ys; t++) {
        if (path->named[t] >= 0)
            v = p[path->named[t]];
        else
            v = t == 0 ? 0 : v * (1 + (path->growth[t] >= 0 ? p[path->growth[t]] : 0));
        out[t] = v;
    }
}

typedef struct {
    int grant, transfers, income0, other0, in_year, ncol; /* columns, -1 absent */
} money_cols;

static void write_path(lxw_worksheet *ws, const formats *fm, const hnb_path *path, const double *p,
                       int ys, int col, double *v)
{
    char f[128], ref[64], prev[16];
    path_of(path, p, ys, v);
    for (int t = 0; t < ys; t++) {
        const int row = BUDGET_HEAD + 1 + t;
        if (path->named[t] >= 0) {
            snprintf(f, sizeof f, "=%s", input_ref(ref, sizeof ref, path->named[t]));
            formula(ws, row, col, f, fm->money, v[t]);
        } else if (t == 0) {
            worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, 0, fm->money);
        } else if (path->growth[t] >= 0) {
            snprintf(f, sizeof f, "=%s*(1+%s)", cell(prev, sizeof prev, col, row - 1),
                     input_ref(ref, sizeof ref, path->growth[t]));
            formula(ws, row, col, f, fm->money, v[t]);
        } else {
            snprintf(f, sizeof f, "=%s", cell(prev, sizeof prev, col, row - 1));
            formula(ws, row, col, f, fm->money, v[t]);
        }
    }
}

/* Money lines' columns: the grant, transfers (when any year has them), each
 * other income, each other expenditure line, the other blocks' gap (dsg). */
static money_cols money_layout(const hnb_model *m)
{
    money_cols mc = {-1, -1, -1, -1, -1, 0};
    int col = 1, transfers = 0;
    for (int t = 0; t < m->years; t++)
        transfers |= m->transfers[t] >= 0;
    mc.grant = col++;
    if (transfers) mc.transfers = col++;
    if (m->nincome) mc.income0 = col, col += m->nincome;
    if (m->nother) mc.other0 = col, col += m->nother;
    if (m->dsg.given) mc.in_year = col++;
    mc.ncol = col;
    return mc;
}

static void write_money_lines(lxw_workbook *wb, const formats *fm, const hnb_model *m,
                              const double *p, const money_cols *mc, const char *page_header)
{
    const int ys = m->years;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Money lines");
    worksheet_write_string(
        ws, 0, 0, "Money lines: the grant, income and other spending, year by year", fm->title);
    worksheet_write_string(
        ws, 1, 0,
        "A year's amount is the scenario's figure for that year (Inputs), else last "
        "year's grown by that year's growth (SPEC section 2).",
        NULL);
    double *v = calloc((size_t)ys, sizeof(double));
    if (!v) hnb_oom();
    char label[8];
    worksheet_write_string(ws, BUDGET_HEAD, 0, "Year", fm->head);
    for (int t = 0; t < ys; t++) {
        hnb_year_label(m->start_year + t, label);
        worksheet_write_string(ws, (lxw_row_t)(BUDGET_HEAD + 1 + t), 0, label, NULL);
    }
    int col = mc->grant;
    worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)col, "High needs grant (£)", fm->head);
    write_path(ws, fm, &m->grant, p, ys, col++, v);
    if (mc->transfers >= 0) {
        worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)col, "Transfers (£)", fm->head);
        for (int t = 0; t < ys; t++) {
            char f[128], ref[64];
            const int s = m->transfers[t];
            if (s >= 0) {
                snprintf(f, sizeof f, "=%s", input_ref(ref, sizeof ref, s));
                formula(ws, BUDGET_HEAD + 1 + t, col, f, fm->money, p[s]);
            } else {
                worksheet_write_number(ws, (lxw_row_t)(BUDGET_HEAD + 1 + t), (lxw_col_t)col, 0,
                                       fm->money);
            }
        }
        col++;
    }
    char h[600];
    for (int i = 0; i < m->nincome; i++) {
        snprintf(h, sizeof h, "Income: %s (£)", m->income[i].name);
        worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)col, h, fm->head);
        write_path(ws, fm, &m->income[i].path, p, ys, col++, v);
    }
    for (int i = 0; i < m->nother; i++) {
        snprintf(h, sizeof h, "Other expenditure: %s (£)", m->other[i].name);
        worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)col, h, fm->head);
        write_path(ws, fm, &m->other[i].path, p, ys, col++, v);
    }
    if (m->dsg.given) {
        worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)col,
                               "Other DSG blocks' gap in the year (£)", fm->head);
        write_path(ws, fm, &m->dsg.in_year, p, ys, col++, v);
    }
    free(v);
    worksheet_set_row(ws, BUDGET_HEAD, 48, NULL);
    worksheet_freeze_panes(ws, BUDGET_HEAD + 1, 1);
    worksheet_set_column(ws, 0, 0, 10, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(col - 1), 18, NULL);
    print_setup(ws, BUDGET_HEAD + ys, col - 1, BUDGET_HEAD, page_header);
}

/* ---- Budget: the budget-paper table's identities, in pounds ---- */

typedef struct {
    int after, mit, sav, before, rec, other, exp, grant, inc, gap, sg, cs, cum, in_year, ob, dsg;
    int ncol, eligible_row, opening_row;
} budget_cols;

/* Budget's columns: a year a row, the lines of SPEC section 4's "Money"
 * left to right in the order they are built, and section 13's with
 * `regime` and `dsg`; and the rows under the table. */
static budget_cols budget_layout(const hnb_model *m)
{
    budget_cols b;
    memset(&b, -1, sizeof b);
    int col = 1;
    b.before = col++;
    b.after = col++;
    b.sav = col++;
    b.mit = col++;
    b.rec = col++;
    b.other = col++;
    b.exp = col++;
    b.grant = col++;
    b.inc = col++;
    b.gap = col++;
    if (m->regime.given) {
        b.sg = col++;
        b.cs = col++;
    }
    b.cum = col++;
    if (m->dsg.given) {
        b.in_year = col++;
        b.ob = col++;
        b.dsg = col++;
    }
    b.ncol = col;
    b.opening_row = BUDGET_HEAD + m->years + 1;
    b.eligible_row = m->regime.given && m->regime.grant ? BUDGET_HEAD + m->years + 2 : -1;
    return b;
}

/* In ROW, COL: the sum of year T's N rows of a detail sheet's column
 * (SHEETCOL, "placements!F"), its value X; the value alone when N is 0. */
static void year_sum(lxw_worksheet *ws, const formats *fm, int row, int col, const char *sheetcol,
                     int t, int n, double x)
{
    if (!n) {
        worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, x, fm->money);
        return;
    }
    char f[128];
    snprintf(f, sizeof f, "=SUM(%s%d:%s%d)", sheetcol, 2 + t * n,
             strchr(sheetcol, '!') + 1, 1 + (t + 1) * n);
    formula(ws, row, col, f, fm->money, x);
}

static void write_budget(lxw_workbook *wb, const formats *fm, const hnb_model *m, const double *p,
                         const hnb_result *r, const budget_cols *bl, const money_cols *mc,
                         const char *page_header)
{
    const int ys = m->years, ns = m->nsettings, nm = m->nmit;
    const budget_cols b = *bl;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Budget");
    worksheet_write_string(
        ws, 0, 0, "Budget: the budget-paper table in pounds, each total a formula", fm->title);
    worksheet_write_string(
        ws, 1, 0,
        "Expenditure is gross, before mitigations; the annual gap is expenditure less "
        "grant and income less mitigations; the cumulative deficit adds each year's gap"
        " (SPEC sections 4 and 13). Placements before mitigations are the engine's "
        "unmitigated run, which no sheet details.",
        NULL);
    const char *titles[32] = {"Year"};
    titles[b.before] = "Placements before mitigations (£)";
    titles[b.after] = "Placements after mitigations (£): placements sheet";
    titles[b.sav] = "Savings (£): mitigations sheet";
    titles[b.mit] = "Planned mitigations (£): mitigations sheet";
    titles[b.rec] = "Check: before - after + savings - mitigations (£, 0)";
    titles[b.other] = "Other expenditure (£): Money lines";
    titles[b.exp] = "Expenditure (£)";
    titles[b.grant] = "High needs grant (£): Money lines";
    titles[b.inc] = "Grant and income (£): Money lines";
    titles[b.gap] = "Annual funding gap (£)";
    if (b.sg >= 0) {
        titles[b.sg] = "Stability grant (£)";
        titles[b.cs] = "Central support (£)";
    }
    titles[b.cum] = "Cumulative deficit (£)";
    if (b.dsg >= 0) {
        titles[b.in_year] = "Other DSG blocks' gap in the year (£): Money lines";
        titles[b.ob] = "Other DSG blocks, cumulative (£)";
        titles[b.dsg] = "DSG deficit (£)";
    }
    for (int k = 0; k < b.ncol; k++)
        worksheet_write_string(ws, BUDGET_HEAD, (lxw_col_t)k, titles[k], fm->head);
    worksheet_set_row(ws, BUDGET_HEAD, 62, NULL);

    char f[4096], x[16], y[16], z[16], ref[64], label[8];
    /* the eligible deficit of the stability grant (SPEC section 13), on the
     * series as they stand at the cutoff: the cell the grant's formula reads */
    const hnb_regime *g = &m->regime;
    const int tc = g->cutoff - m->start_year, tp = g->paid - m->start_year;
    const int grant_row =
        g->given && g->grant && tp >= 0 && tp < ys && tc < tp ? BUDGET_HEAD + 1 + tp : -1;
    char opening[64] = "0", dsg_opening[64] = "0";
    /* the other blocks' gap, the path's own values as the engine adds them */
    double *in_year = calloc((size_t)ys, sizeof(double));
    if (!in_year) hnb_oom();
    if (m->dsg.given) path_of(&m->dsg.in_year, p, ys, in_year);
    if (m->opening_deficit >= 0) input_ref(opening, sizeof opening, m->opening_deficit);
    if (m->dsg.given && m->dsg.opening >= 0)
        input_ref(dsg_opening, sizeof dsg_opening, m->dsg.opening);

    for (int t = 0; t < ys; t++) {
        const int row = BUDGET_HEAD + 1 + t, mrow = BUDGET_HEAD + 1 + t;
        hnb_year_label(m->start_year + t, label);
        worksheet_write_string(ws, (lxw_row_t)row, 0, label, NULL);
        worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)b.before,
                               r->placements_unmitigated[t], fm->money);
        /* placements after mitigations: the year's rows of the placements
         * sheet; mitigations: the year's contributions, which sum to it
         * (SPEC sections 4, 12) */
        year_sum(ws, fm, row, b.after, "placements!F", t, ns, r->placements_mitigated[t]);
        year_sum(ws, fm, row, b.mit, "mitigations!E", t, nm, r->mitigations[t]);
        /* savings: the year's contributions of the saving mitigations */
        if (nm) {
            snprintf(f, sizeof f, "=SUMIF(mitigations!D%d:D%d,\"saving\",mitigations!E%d:E%d)",
                     2 + t * nm, 1 + (t + 1) * nm, 2 + t * nm, 1 + (t + 1) * nm);
            formula(ws, row, b.sav, f, fm->money, r->savings[t]);
        } else {
            worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)b.sav, r->savings[t], fm->money);
        }
        int k;
        snprintf(f, sizeof f, "=%s-%s+", cell(x, sizeof x, b.before, row),
                 cell(y, sizeof y, b.after, row));
        k = (int)strlen(f);
        snprintf(f + k, sizeof f - (size_t)k, "%s-%s", cell(x, sizeof x, b.sav, row),
                 cell(y, sizeof y, b.mit, row));
        formula(ws, row, b.rec, f, fm->money,
                r->placements_unmitigated[t] - r->placements_mitigated[t] + r->savings[t] -
                    r->mitigations[t]);
        /* other expenditure: the lines' sum, in their order (project.c's make_money) */
        if (m->nother) {
            snprintf(f, sizeof f, "=SUM('Money lines'!%s:%s)", cell(x, sizeof x, mc->other0, mrow),
                     cell(y, sizeof y, mc->other0 + m->nother - 1, mrow));
            formula(ws, row, b.other, f, fm->money, r->other[t]);
        } else {
            worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)b.other, r->other[t], fm->money);
        }
        snprintf(f, sizeof f, "=%s+%s", cell(x, sizeof x, b.before, row),
                 cell(y, sizeof y, b.other, row));
        formula(ws, row, b.exp, f, fm->money, r->expenditure[t]);
        snprintf(f, sizeof f, "='Money lines'!%s", cell(x, sizeof x, mc->grant, mrow));
        formula(ws, row, b.grant, f, fm->money, r->grant[t]);
        /* income: grant + transfers + other income, in that order: Money
         * lines' columns from the grant's to the last income's */
        const int last_income = m->nincome           ? mc->income0 + m->nincome - 1
                                : mc->transfers >= 0 ? mc->transfers
                                                     : mc->grant;
        snprintf(f, sizeof f, "=SUM('Money lines'!%s:%s)", cell(x, sizeof x, mc->grant, mrow),
                 cell(y, sizeof y, last_income, mrow));
        formula(ws, row, b.inc, f, fm->money, r->income[t]);
        snprintf(f, sizeof f, "=%s-%s-%s", cell(x, sizeof x, b.exp, row),
                 cell(y, sizeof y, b.inc, row), cell(z, sizeof z, b.mit, row));
        formula(ws, row, b.gap, f, fm->money, r->annual_gap[t]);
        if (b.sg >= 0) {
            if (row == grant_row) {
                char share[64], received[64] = "";
                input_ref(share, sizeof share, g->share);
                if (g->received >= 0) {
                    received[0] = '*';
                    input_ref(received + 1, sizeof received - 1, g->received);
                }
                snprintf(f, sizeof f, "=%s*%s%s", share, cell(x, sizeof x, b.cum, b.eligible_row),
                         received);
                formula(ws, row, b.sg, f, fm->money, r->stability_grant[t]);
            } else {
                worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)b.sg, r->stability_grant[t],
                                       fm->money);
            }
            const int s = g->central_share ? g->central_share[t] : -1;
            if (g->central_share && m->start_year + t >= m->override_end && s >= 0) {
                snprintf(f, sizeof f, "=%s*MAX(0,%s)", input_ref(ref, sizeof ref, s),
                         cell(x, sizeof x, b.gap, row));
                formula(ws, row, b.cs, f, fm->money, r->central_funding[t]);
            } else {
                worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)b.cs, r->central_funding[t],
                                       fm->money);
            }
        }
        /* cumulative deficit: last year's, plus the gap, less the grant and
         * the central support (SPEC section 13), in the engine's order */
        if (t == 0)
            k = snprintf(f, sizeof f, "=%s%s", m->opening_deficit >= 0 ? opening : "",
                         m->opening_deficit >= 0 ? "+" : "");
        else
            k = snprintf(f, sizeof f, "=%s+", cell(x, sizeof x, b.cum, row - 1));
        k += snprintf(f + k, sizeof f - (size_t)k, "%s", cell(x, sizeof x, b.gap, row));
        if (b.sg >= 0)
            snprintf(f + k, sizeof f - (size_t)k, "-%s-%s", cell(x, sizeof x, b.sg, row),
                     cell(y, sizeof y, b.cs, row));
        formula(ws, row, b.cum, f, fm->money, r->cumulative_deficit[t]);
        if (b.dsg >= 0) {
            snprintf(f, sizeof f, "='Money lines'!%s", cell(x, sizeof x, mc->in_year, mrow));
            formula(ws, row, b.in_year, f, fm->money, in_year[t]);
            if (t == 0)
                snprintf(f, sizeof f, "=%s%s%s", m->dsg.opening >= 0 ? dsg_opening : "",
                         m->dsg.opening >= 0 ? "+" : "", cell(x, sizeof x, b.in_year, row));
            else
                snprintf(f, sizeof f, "=%s+%s", cell(x, sizeof x, b.ob, row - 1),
                         cell(y, sizeof y, b.in_year, row));
            formula(ws, row, b.ob, f, fm->money, r->other_blocks[t]);
            snprintf(f, sizeof f, "=%s+%s", cell(x, sizeof x, b.cum, row),
                     cell(y, sizeof y, b.ob, row));
            formula(ws, row, b.dsg, f, fm->money, r->dsg_deficit[t]);
        }
    }
    free(in_year);
    /* under the table: the opening balance and the grant's eligible deficit */
    hnb_year_label(m->start_year, label);
    snprintf(f, sizeof f, "Cumulative deficit brought forward into %s (£): Inputs", label);
    worksheet_write_string(ws, (lxw_row_t)b.opening_row, 0, f, fm->bold);
    if (m->opening_deficit >= 0) {
        snprintf(f, sizeof f, "=%s", opening);
        formula(ws, b.opening_row, b.cum, f, fm->money, p[m->opening_deficit]);
    } else {
        worksheet_write_number(ws, (lxw_row_t)b.opening_row, (lxw_col_t)b.cum, 0, fm->money);
    }
    if (b.eligible_row >= 0) {
        hnb_year_label(g->cutoff, label);
        snprintf(f, sizeof f, "Eligible deficit for the stability grant (£): at the end of %s%s",
                 label, m->dsg.given ? ", the lower of the high needs and DSG deficits" : "");
        worksheet_write_string(ws, (lxw_row_t)b.eligible_row, 0, f, fm->bold);
        if (tc >= ys) {
            worksheet_write_number(ws, (lxw_row_t)b.eligible_row, (lxw_col_t)b.cum,
                                   r->eligible_deficit, fm->money);
        } else {
            char c1[160], c2[160];
            if (tc < 0) {
                snprintf(c1, sizeof c1, "%s", opening);
                snprintf(c2, sizeof c2, "%s+%s", opening, dsg_opening);
            } else {
                cell(c1, sizeof c1, b.cum, BUDGET_HEAD + 1 + tc);
                if (b.dsg >= 0) cell(c2, sizeof c2, b.dsg, BUDGET_HEAD + 1 + tc);
            }
            if (m->dsg.given)
                snprintf(f, sizeof f, "=MAX(0,MIN(%s,%s))", c1, c2);
            else
                snprintf(f, sizeof f, "=MAX(0,%s)", c1);
            formula(ws, b.eligible_row, b.cum, f, fm->money, r->eligible_deficit);
        }
    }
    worksheet_freeze_panes(ws, BUDGET_HEAD + 1, 1);
    worksheet_set_column(ws, 0, 0, 10, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(b.ncol - 1), 16, NULL);
    print_setup(ws, BUDGET_HEAD + ys + 2, b.ncol - 1, BUDGET_HEAD, page_header);
}

/* Budget's column holding series X of R, or -1. */
static int budget_col_of(const budget_cols *b, const hnb_result *r, const double *x)
{
    if (x == r->expenditure) return b->exp;
    if (x == r->income) return b->inc;
    if (x == r->mitigations) return b->mit;
    if (x == r->annual_gap) return b->gap;
    if (x == r->stability_grant) return b->sg;
    if (x == r->central_funding) return b->cs;
    if (x == r->cumulative_deficit) return b->cum;
    if (x == r->other_blocks) return b->ob;
    if (x == r->dsg_deficit) return b->dsg;
    return -1;
}

/* Names for the key figures (Excel's Name Manager): a series' whole column
 * (Expenditure, CumulativeDeficit, ...) and each year's figure
 * (CumulativeDeficit_2027_28), in pounds on the Budget sheet; the opening
 * deficit, the eligible deficit, the override exposure; and Input_<id> for
 * every value the scenario gives an id. */
static void define_names(lxw_workbook *wb, const hnb_model *m, const budget_cols *b)
{
    const int ys = m->years;
    char name[300], f[300], label[8];
    const struct {
        const char *name;
        int col;
    } keys[] = {{"Expenditure", b->exp},       {"Income", b->inc},        {"Mitigations", b->mit},
                {"AnnualGap", b->gap},         {"StabilityGrant", b->sg}, {"CentralSupport", b->cs},
                {"CumulativeDeficit", b->cum}, {"OtherDSGBlocks", b->ob}, {"DSGDeficit", b->dsg}};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        if (keys[k].col < 0) continue;
        char c[4];
        col_name(keys[k].col, c);
        snprintf(f, sizeof f, "=Budget!$%s$%d:$%s$%d", c, BUDGET_HEAD + 2, c, BUDGET_HEAD + 1 + ys);
        workbook_define_name(wb, keys[k].name, f);
        for (int t = 0; t < ys; t++) {
            hnb_year_label(m->start_year + t, label);
            label[4] = '_';
            snprintf(name, sizeof name, "%s_%s", keys[k].name, label);
            snprintf(f, sizeof f, "=Budget!$%s$%d", c, BUDGET_HEAD + 2 + t);
            workbook_define_name(wb, name, f);
        }
    }
    char c[4];
    col_name(b->cum, c);
    snprintf(f, sizeof f, "=Budget!$%s$%d", c, b->opening_row + 1);
    workbook_define_name(wb, "OpeningDeficit", f);
    if (b->eligible_row >= 0) {
        snprintf(f, sizeof f, "=Budget!$%s$%d", c, b->eligible_row + 1);
        workbook_define_name(wb, "EligibleDeficit", f);
    }
    /* the deficit the general fund must meet when the override ends (SPEC section 4) */
    const int te = m->override_end - 1 - m->start_year;
    if (m->override_end && te >= 0 && te < ys) {
        snprintf(f, sizeof f, "=Budget!$%s$%d", c, BUDGET_HEAD + 2 + te);
        workbook_define_name(wb, "OverrideExposure", f);
    }
    /* ids: letters, digits and underscores only, each once, and not so many
     * that the name table dwarfs the workbook */
    if (m->nparams > 5000) return;
    for (int i = 0; i < m->nparams; i++) {
        const hnb_param *pr = &m->params[i];
        if (!pr->has_id || !pr->name || strlen(pr->name) > 200 || !pr->name[0]) continue;
        if (strspn(pr->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
            strlen(pr->name))
            continue;
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = m->params[j].has_id && m->params[j].name && !strcmp(m->params[j].name, pr->name);
        if (dup) continue;
        snprintf(name, sizeof name, "Input_%s", pr->name);
        input_ref(f + 1, sizeof f - 1, i);
        f[0] = '=';
        workbook_define_name(wb, name, f);
    }
}

static int write_book(const char *path, const hnb_model *m, const double *p, const hnb_result *r,
                      const hnb_mc *mc, const char **why)
{
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb) {
        if (why) *why = "out of memory"; /* its one failure here */
        return -1;
    }
    /* A fixed creation date, so the same scenario gives the same bytes (the
     * library's default is the time of the run): SOURCE_DATE_EPOCH when set,
     * else 1 April of the scenario's first year, the day its projection
     * starts. */
    struct tm day = {.tm_year = m->start_year - 1900, .tm_mon = 3, .tm_mday = 1};
    lxw_doc_properties props = {
        .title = m->name, .comments = "hnb High Needs Block projection", .created = timegm(&day)};
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch) {
        char *end;
        long long e = strtoll(epoch, &end, 10);
        if (!*end && e > 0) props.created = (time_t)e;
    }
    workbook_set_properties(wb, &props);
    formats fm;
    fm.head = workbook_add_format(wb);
    format_set_bold(fm.head);
    format_set_bg_color(fm.head, 0xDCE6F0);
    format_set_border(fm.head, LXW_BORDER_THIN);
    format_set_text_wrap(fm.head);
    format_set_align(fm.head, LXW_ALIGN_VERTICAL_TOP);
    fm.title = workbook_add_format(wb);
    format_set_bold(fm.title);
    format_set_font_size(fm.title, 14);
    fm.note = workbook_add_format(wb);
    format_set_text_wrap(fm.note);
    format_set_align(fm.note, LXW_ALIGN_VERTICAL_TOP);
    fm.wrap = workbook_add_format(wb);
    format_set_text_wrap(fm.wrap);
    format_set_align(fm.wrap, LXW_ALIGN_VERTICAL_TOP);
    fm.bold = workbook_add_format(wb);
    format_set_bold(fm.bold);
    /* money in whole pounds on screen; the cells hold full precision */
    fm.money = workbook_add_format(wb);
    format_set_num_format(fm.money, "£#,##0;-£#,##0");
    fm.m1 = workbook_add_format(wb);
    format_set_num_format(fm.m1, "#,##0.0");
    fm.plans = workbook_add_format(wb);
    format_set_num_format(fm.plans, "#,##0.0");
    fm.pct = workbook_add_format(wb);
    format_set_num_format(fm.pct, "0.0%");
    fm.num = workbook_add_format(wb);
    format_set_num_format(fm.num, "0.000");
    lxw_format **in[] = {&fm.in_money, &fm.in_money_p, &fm.in_count, &fm.in_count_frac, &fm.in_pct};
    static const char *const in_fmt[] = {"£#,##0;-£#,##0", "£#,##0.00;-£#,##0.00", "#,##0",
                                         "#,##0.0##", "0.0##%"};
    for (int k = 0; k < 5; k++) {
        *in[k] = workbook_add_format(wb);
        format_set_num_format(*in[k], in_fmt[k]);
        format_set_font_color(*in[k], 0x0000FF);
        format_set_align(*in[k], LXW_ALIGN_VERTICAL_TOP);
    }
    const int ys = m->years;
    char label[8];
    /* the page header: the scenario's name, its & doubled (Excel's escape) */
    char page_header[256] = "&L";
    for (size_t i = 0, k = 2; m->name && m->name[i] && k + 3 < 200; i++) {
        if (m->name[i] == '&') page_header[k++] = '&';
        page_header[k++] = m->name[i];
        page_header[k] = 0;
    }

    /* Summary: the budget-paper table in £m, each figure the Budget sheet's.
     * The sheets it names are added after it (their order in the book), so
     * their layouts are worked out first. */
    const budget_cols bc = budget_layout(m);
    const money_cols mcols = money_layout(m);
    lxw_worksheet *sum = workbook_add_worksheet(wb, "Summary");
    worksheet_write_string(sum, 0, 0, m->name, fm.title);
    if (m->authority) worksheet_write_string(sum, 1, 0, m->authority, NULL);
    hnb_budget_col bcol[HNB_BUDGET_MAX];
    const int nb = hnb_budget_columns(m, r, bcol);
    int cum_col = 0, gap_col = 0; /* for the chart */
    worksheet_write_string(sum, 3, 0, "Year", fm.head);
    for (int k = 0; k < nb; k++) {
        worksheet_write_string(sum, 3, (lxw_col_t)(k + 1), bcol[k].title, fm.head);
        if (bcol[k].x == r->cumulative_deficit) cum_col = k + 1;
        if (bcol[k].x == r->annual_gap) gap_col = k + 1;
    }
    for (int t = 0; t < ys; t++) {
        lxw_row_t row = (lxw_row_t)(4 + t);
        hnb_year_label(m->start_year + t, label);
        worksheet_write_string(sum, row, 0, label, NULL);
        for (int k = 0; k < nb; k++) {
            const int c = budget_col_of(&bc, r, bcol[k].x);
            char f[64], x[16];
            if (c >= 0) {
                snprintf(f, sizeof f, "=Budget!%s/1000000",
                         cell(x, sizeof x, c, BUDGET_HEAD + 1 + t));
                formula(sum, (int)row, k + 1, f, fm.m1, bcol[k].x[t] / 1e6);
            } else {
                worksheet_write_number(sum, row, (lxw_col_t)(k + 1), bcol[k].x[t] / 1e6, fm.m1);
            }
        }
    }
    worksheet_set_column(sum, 0, 0, 12, NULL);
    worksheet_set_column(sum, 1, (lxw_col_t)nb, 16, NULL);
    worksheet_set_row(sum, 3, 32, NULL);
    worksheet_freeze_panes(sum, 4, 1);
    lxw_row_t row = (lxw_row_t)(5 + ys);
    {
        char f[128], x[16];
        hnb_year_label(m->start_year, label);
        const double opening = m->opening_deficit >= 0 ? p[m->opening_deficit] : 0;
        snprintf(f, sizeof f, "Cumulative deficit brought forward into %s (£m):", label);
        worksheet_write_string(sum, row, 0, f, NULL);
        snprintf(f, sizeof f, "=Budget!%s/1000000", cell(x, sizeof x, bc.cum, bc.opening_row));
        formula(sum, (int)row, cum_col ? cum_col : nb, f, fm.m1, opening / 1e6);
        row++;
        worksheet_write_string(
            sum, row++, 0,
            "Each figure is a formula over the Budget sheet (pounds), whose totals are "
            "formulas over the detail sheets and the Inputs.",
            NULL);
    }
    /* sentences that span the table's width, wrapped, one a row */
    const int width_chars = 12 + 16 * nb;
    if (m->regime.given) {
        char *text = hnb_regime_text(m, p, r), *line = text;
        row++;
        worksheet_write_string(sum, row++, 0, "The 2026 deficit regime", fm.title);
        for (char *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl) *nl = 0;
            char plain[1024];
            size_t k = 0;
            for (const char *s = line[0] == '-' ? line + 2 : line; *s && k < sizeof plain - 1; s++)
                if (*s != '*') plain[k++] = *s;
            plain[k] = 0;
            const int lines = 1 + (int)(k * 11 / 10) / width_chars;
            worksheet_merge_range(sum, row, 0, row, (lxw_col_t)nb, plain, fm.note);
            worksheet_set_row(sum, row, 15.0 * lines, NULL);
            row++;
        }
        free(text);
    }
    row++;
    const int chart_row = (int)row, chart_rows = 18;
    {
        char cats[64], gap[64], cum[64], a[4], c[4];
        col_name(gap_col ? gap_col : 4, a);
        col_name(cum_col, c);
        snprintf(cats, sizeof cats, "=Summary!$A$5:$A$%d", 4 + ys);
        snprintf(gap, sizeof gap, "=Summary!$%s$5:$%s$%d", a, a, 4 + ys);
        snprintf(cum, sizeof cum, "=Summary!$%s$5:$%s$%d", c, c, 4 + ys);
        lxw_chart *bars = workbook_add_chart(wb, LXW_CHART_COLUMN);
        lxw_chart_series *s1 = chart_add_series(bars, cats, gap);
        chart_series_set_name(s1, "Annual funding gap");
        lxw_chart_fill fill = {.color = 0xE69F00};
        chart_series_set_fill(s1, &fill);
        /* libxlsxwriter 1.1 has no combined charts: both series as columns */
        lxw_chart_series *s2 = chart_add_series(bars, cats, cum);
        chart_series_set_name(s2, "Cumulative deficit");
        lxw_chart_fill fill2 = {.color = 0x0072B2};
        chart_series_set_fill(s2, &fill2);
        chart_title_set_name(bars, "Annual funding gap and cumulative deficit");
        chart_axis_set_name(bars->y_axis, "£m");
        chart_legend_set_position(bars, LXW_CHART_LEGEND_BOTTOM);
        /* under the table and as wide as it, so that both print on one page */
        const double width_px = (12 * 7 + 5) + nb * (16 * 7 + 5);
        lxw_chart_options co = {.x_scale = width_px / 480.0, .y_scale = chart_rows * 20 / 288.0};
        worksheet_insert_chart_opt(sum, (lxw_row_t)chart_row, 0, bars, &co);
    }
    print_setup(sum, chart_row + chart_rows, nb, -1, page_header);
    worksheet_fit_to_pages(sum, 1, 1);

    write_budget(wb, &fm, m, p, r, &bc, &mcols, page_header);
    write_money_lines(wb, &fm, m, p, &mcols, page_header);
    write_inputs(wb, &fm, m, p, page_header);

    if (mc) {
        /* the fan, on its own sheet with its data */
        lxw_worksheet *fan = workbook_add_worksheet(wb, "Fan");
        static const char *const fh[] = {"Year",     "P5 (£m)",  "P10 (£m)",
                                         "P25 (£m)", "P50 (£m)", "P75 (£m)",
                                         "P90 (£m)", "P95 (£m)", "Central (£m): Budget"};
        header(fan, &fm, 0, fh, 9);
        for (int t = 0; t < ys; t++) {
            char f[64], x[16];
            hnb_year_label(m->start_year + t, label);
            worksheet_write_string(fan, (lxw_row_t)(t + 1), 0, label, NULL);
            const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
            for (int k = 0; k < HNB_MC_NQ; k++)
                worksheet_write_number(fan, (lxw_row_t)(t + 1), (lxw_col_t)(k + 1), q[k] / 1e6,
                                       fm.m1);
            snprintf(f, sizeof f, "=Budget!%s/1000000",
                     cell(x, sizeof x, bc.cum, BUDGET_HEAD + 1 + t));
            formula(fan, t + 1, 8, f, fm.m1, r->cumulative_deficit[t] / 1e6);
        }
        worksheet_set_column(fan, 0, 8, 12, NULL);
        lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_LINE);
        static const char cols[] = "BCDEFGHI";
        static const char *const names[] = {"P5",  "P10", "P25", "P50",
                                            "P75", "P90", "P95", "Central"};
        static const uint32_t colours[] = {0xBDD7EE, 0x9DC3E6, 0x2E75B6, 0x000000,
                                           0x2E75B6, 0x9DC3E6, 0xBDD7EE, 0xD55E00};
        for (int k = 0; k < 8; k++) {
            char cats[64], vals[64];
            snprintf(cats, sizeof cats, "=Fan!$A$2:$A$%d", 1 + ys);
            snprintf(vals, sizeof vals, "=Fan!$%c$2:$%c$%d", cols[k], cols[k], 1 + ys);
            lxw_chart_series *s = chart_add_series(ch, cats, vals);
            chart_series_set_name(s, names[k]);
            lxw_chart_line ln = {.color = colours[k],
                                 .width = k == 3 || k == 7 ? 2.25 : 1.25,
                                 .dash_type = k == 7 ? LXW_CHART_LINE_DASH_DASH : 0};
            chart_series_set_line(s, &ln);
        }
        chart_title_set_name(ch, "Cumulative deficit: Monte Carlo range");
        chart_axis_set_name(ch->y_axis, "£m");
        chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
        /* under the table, so that both print on one page */
        worksheet_insert_chart(fan, (lxw_row_t)(ys + 2), 0, ch);
        print_setup(fan, ys + 2 + 15, 8, 0, page_header);
    }

    /* every table, as in the CSV files, with a reader's headers */
    static const char *const years[] = {"Year starting", "Year"};
    lxw_worksheet *ws = workbook_add_worksheet(wb, "projection");
    const char *ph[2 + HNB_NCOLUMNS] = {years[0], years[1]};
    int ncol = 2;
    for (int k = 0; k < HNB_NCOLUMNS; k++)
        if (hnb_column_present(m, k)) ph[ncol++] = human_column(hnb_columns[k].name);
    header(ws, &fm, 0, ph, ncol);
    for (int t = 0; t < ys; t++) {
        lxw_row_t row = (lxw_row_t)(t + 1);
        hnb_year_label(m->start_year + t, label);
        worksheet_write_number(ws, row, 0, m->start_year + t, NULL);
        worksheet_write_string(ws, row, 1, label, NULL);
        for (int k = 0, col = 2; k < HNB_NCOLUMNS; k++)
            if (hnb_column_present(m, k))
                worksheet_write_number(ws, row, (lxw_col_t)col++, hnb_column_values(r, k)[t],
                                       hnb_columns[k].decimals == 3 ? fm.plans : fm.money);
    }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, (lxw_col_t)(ncol - 1), 16, NULL);
    print_setup(ws, ys, ncol - 1, 0, page_header);
    if (m->version >= 2 && m->bottom_up) {
        /* dsg_plan.csv's rows, and the management plan's own layout: a block
         * a year, age groups down and the seven placement categories across */
        ws = workbook_add_worksheet(wb, "DSG plan");
        worksheet_write_string(
            ws, 0, 0, "EHCPs in the DfE DSG management plan's shape (with mitigations)", fm.title);
        double tab[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)];
        lxw_row_t row = 2;
        for (int t = 0; t < ys; t++) {
            hnb_year_label(m->start_year + t, label);
            worksheet_write_string(ws, row, 0, label, fm.head);
            for (int c = 0; c <= HNB_DFE_N; c++) {
                char h[64];
                worksheet_write_string(
                    ws, row, (lxw_col_t)(1 + c),
                    c < HNB_DFE_N ? spaced(h, sizeof h, hnb_dfe_category_names[c]) : "all",
                    fm.head);
            }
            row++;
            hnb_dsg_plan_table(m, r, t, tab);
            for (int g = 0; g <= HNB_DSG_AGE_GROUPS; g++, row++) {
                worksheet_write_string(ws, row, 0,
                                       g < HNB_DSG_AGE_GROUPS ? hnb_dsg_age_groups[g] : "total",
                                       g < HNB_DSG_AGE_GROUPS ? NULL : fm.head);
                for (int c = 0; c <= HNB_DFE_N; c++)
                    worksheet_write_number(ws, row, (lxw_col_t)(1 + c),
                                           tab[c * (HNB_DSG_AGE_GROUPS + 1) + g], fm.m1);
            }
            if (m->nneeds) {
                /* the plan's need rows under the age rows */
                const int nn = m->nneeds;
                double *nt = calloc((size_t)(HNB_DFE_N + 1) * (size_t)(nn + 1), sizeof(double));
                if (!nt) hnb_oom();
                hnb_dsg_plan_needs(m, r, t, nt);
                for (int n = 0; n <= nn; n++, row++) {
                    worksheet_write_string(ws, row, 0,
                                           n < nn ? need_label(m, n) : "total (by need)",
                                           n < nn ? NULL : fm.head);
                    for (int c = 0; c <= HNB_DFE_N; c++)
                        worksheet_write_number(ws, row, (lxw_col_t)(1 + c), nt[c * (nn + 1) + n],
                                               fm.m1);
                }
                free(nt);
            }
            row++;
        }
        worksheet_set_column(ws, 0, 0, 28, NULL);
        worksheet_set_column(ws, 1, HNB_DFE_N + 1, 14, NULL);
        print_setup(ws, (int)row - 1, HNB_DFE_N + 1, -1, page_header);
    }
    if (m->pipeline.given) {
        ws = workbook_add_worksheet(wb, "pipeline");
        static const char *const qh[] = {"Year starting",
                                         "Year",
                                         "Requests for assessment",
                                         "Requests concluded",
                                         "Backlog at the year's end",
                                         "Plans decided",
                                         "New plans (after mitigations)",
                                         "New plans before mitigations"};
        header(ws, &fm, 0, qh, 8);
        for (int t = 0; t < ys; t++) {
            const lxw_row_t row = (lxw_row_t)(t + 1);
            const double v[6] = {r->requests[t], r->concluded[t], r->backlog[t],
                                 r->decided[t],  r->new_plans[t], r->new_plans_unmitigated[t]};
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, row, 1, label, NULL);
            for (int k = 0; k < 6; k++)
                worksheet_write_number(ws, row, (lxw_col_t)(2 + k), v[k], fm.plans);
        }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 7, 14, NULL);
        print_setup(ws, ys, 7, 0, page_header);
    }
    if (m->nneeds) {
        ws = workbook_add_worksheet(wb, "needs");
        static const char *const nh[] = {"Year starting",
                                         "Year",
                                         "Setting",
                                         "Primary need",
                                         "EHCPs (after mitigations)",
                                         "Unit cost (£ a plan)",
                                         "Cost (£)"};
        header(ws, &fm, 0, nh, 7);
        const int ns = m->nsettings, nc = hnb_model_cohorts(m);
        int row = 1;
        for (int t = 0; t < ys; t++)
            for (int s = 0; s < ns; s++)
                for (int n = 0; n < m->nneeds; n++, row++) {
                    const size_t k = (size_t)t * nc + n * ns + s;
                    hnb_year_label(m->start_year + t, label);
                    worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 2, setting_label(&m->settings[s]),
                                           NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 3, need_label(m, n), NULL);
                    worksheet_write_number(ws, (lxw_row_t)row, 4, r->plans_need[k], fm.plans);
                    worksheet_write_number(ws, (lxw_row_t)row, 5, r->unit_need[k], fm.money);
                    worksheet_write_number(ws, (lxw_row_t)row, 6, r->cost_need[k], fm.money);
                }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 3, 28, NULL);
        worksheet_set_column(ws, 4, 6, 16, NULL);
        print_setup(ws, row - 1, 6, 0, page_header);
    }
    ws = workbook_add_worksheet(wb, "placements");
    static const char *const plh[] = {
        "Year starting",        "Year",    "Setting", "EHCPs (after mitigations)",
        "Unit cost (£ a plan)", "Cost (£)"};
    header(ws, &fm, 0, plh, 6);
    for (int t = 0, row = 1; t < ys; t++)
        for (int s = 0; s < m->nsettings; s++, row++) {
            int k = t * m->nsettings + s;
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 2, setting_label(&m->settings[s]), NULL);
            worksheet_write_number(ws, (lxw_row_t)row, 3, r->plans[k], fm.plans);
            worksheet_write_number(ws, (lxw_row_t)row, 4, r->unit_cost[k], fm.money);
            worksheet_write_number(ws, (lxw_row_t)row, 5, r->cost[k], fm.money);
        }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, 2, 28, NULL);
    worksheet_set_column(ws, 3, 5, 16, NULL);
    print_setup(ws, ys * m->nsettings, 5, 0, page_header);
    ws = workbook_add_worksheet(wb, "mitigations");
    static const char *const mih[] = {"Year starting", "Year", "Mitigation", "Type",
                                      "Contribution (£)"};
    header(ws, &fm, 0, mih, 5);
    for (int t = 0, row = 1; t < ys; t++)
        for (int i = 0; i < m->nmit; i++, row++) {
            char type[32];
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 2, m->mits[i].name, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 3,
                                   spaced(type, sizeof type, hnb_mit_type_name(m->mits[i].type)),
                                   NULL);
            worksheet_write_number(ws, (lxw_row_t)row, 4, r->contribution[t * m->nmit + i],
                                   fm.money);
        }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, 2, 36, NULL);
    worksheet_set_column(ws, 3, 4, 16, NULL);
    print_setup(ws, ys * m->nmit, 4, 0, page_header);
    if (mc) {
        ws = workbook_add_worksheet(wb, "montecarlo");
        static const char *const mch[] = {"Year starting", "Year", "Measure", "Mean", "P5", "P10",
                                          "P25",           "P50",  "P75",     "P90",  "P95"};
        header(ws, &fm, 0, mch, 11);
        int row = 1;
        for (int t = 0; t < ys; t++)
            for (int k = 0; k < HNB_MC_METRICS; k++) {
                const double *q = hnb_mc_pct(mc, k, t);
                if (!q) continue;
                hnb_year_label(m->start_year + t, label);
                worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
                worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
                worksheet_write_string(ws, (lxw_row_t)row, 2, human_column(hnb_mc_metric_names[k]),
                                       NULL);
                lxw_format *nf = k == HNB_MC_EHCPS ? fm.plans : fm.money;
                worksheet_write_number(ws, (lxw_row_t)row, 3, hnb_mc_mean(mc, k, t), nf);
                for (int j = 0; j < HNB_MC_NQ; j++)
                    worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)(4 + j), q[j], nf);
                row++;
            }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 2, 26, NULL);
        worksheet_set_column(ws, 3, 10, 14, NULL);
        print_setup(ws, row - 1, 10, 0, page_header);
        ws = workbook_add_worksheet(wb, "sensitivity");
        static const char *const sh[] = {"Assumption",
                                         "Low (P10)",
                                         "High (P90)",
                                         "Deficit at the horizon, assumption low (£)",
                                         "Deficit at the horizon, assumption high (£)",
                                         "Swing (£)",
                                         "Rank correlation"};
        header(ws, &fm, 0, sh, 7);
        for (int k = 0; k < mc->ndrivers; k++) {
            const hnb_mc_driver *d = &mc->drivers[k];
            lxw_row_t row = (lxw_row_t)(k + 1);
            lxw_format *vf = NULL;
            if (d->slot >= 0 && d->slot < m->nparams) {
                const value_kind vk = kind_of(&m->params[d->slot]);
                vf = vk == KIND_RATE ? fm.pct : vk == KIND_MONEY ? fm.money : fm.num;
            }
            worksheet_write_string(ws, row, 0, d->name, NULL);
            worksheet_write_number(ws, row, 1, d->low, vf);
            worksheet_write_number(ws, row, 2, d->high, vf);
            worksheet_write_number(ws, row, 3, d->at_low, fm.money);
            worksheet_write_number(ws, row, 4, d->at_high, fm.money);
            worksheet_write_number(ws, row, 5, d->swing, fm.money);
            worksheet_write_number(ws, row, 6, d->rank_correlation, fm.num);
        }
        worksheet_set_column(ws, 0, 0, 28, NULL);
        worksheet_set_column(ws, 1, 6, 17, NULL);
        print_setup(ws, mc->ndrivers, 6, 0, page_header);
        if (mc->nexceed) {
            ws = workbook_add_worksheet(wb, "exceedance");
            static const char *const eh[] = {"Threshold (£)", "Year starting", "Year",
                                             "Probability the deficit is above it"};
            header(ws, &fm, 0, eh, 4);
            for (int k = 0; k < mc->nexceed; k++) {
                lxw_row_t row = (lxw_row_t)(k + 1);
                hnb_year_label(mc->exceed[k].year, label);
                worksheet_write_number(ws, row, 0, mc->exceed[k].threshold, fm.money);
                worksheet_write_number(ws, row, 1, mc->exceed[k].year, NULL);
                worksheet_write_string(ws, row, 2, label, NULL);
                worksheet_write_number(ws, row, 3, mc->exceed[k].probability, fm.pct);
            }
            worksheet_set_column(ws, 0, 3, 16, NULL);
            print_setup(ws, mc->nexceed, 3, 0, page_header);
        }
    }
    define_names(wb, m, &bc);
    errno = 0;
    lxw_error e = workbook_close(wb);
    int sys = errno;
    if (e == LXW_NO_ERROR) return 0;
    /* a full disk or a permission is errno's; the rest the library's */
    if (why)
        *why = sys && (e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ||
                       e == LXW_ERROR_ZIP_FILE_OPERATION || e == LXW_ERROR_ZIP_CLOSE)
                   ? strerror(sys)
                   : lxw_strerror(e);
    return -1;
}

/* libxlsxwriter is run in a child process: out of memory, it can write
 * through a pointer it did not check (worksheet.c, found by the fault
 * suite), and it prints its own "[ERROR]" lines. The child's crash is a
 * failure to write the workbook, said once in hnb's words; its stderr goes
 * nowhere. The child shares the parent's memory copy-on-write: a fork costs
 * a millisecond. Where no process can be made, the parent writes it. */
int hnb_write_workbook(const char *path, const hnb_model *m, const double *p, const hnb_result *r,
                       const hnb_mc *mc, const char **why)
{
    static char reason[256];
    int fd[2];
    if (pipe(fd) != 0) return write_book(path, m, p, r, mc, why);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return write_book(path, m, p, r, mc, why);
    }
    if (pid == 0) {
        close(fd[0]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        const char *w = "";
        int rc = write_book(path, m, p, r, mc, &w);
        if (rc) {
            ssize_t n = write(fd[1], w, strlen(w));
            (void)n;
        }
        _exit(rc ? 1 : 0);
    }
    close(fd[1]);
    ssize_t n = 0, got;
    while (n < (ssize_t)sizeof reason - 1 &&
           (got = read(fd[0], reason + n, sizeof reason - 1 - (size_t)n)) > 0)
        n += got;
    reason[n > 0 ? n : 0] = 0;
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFSIGNALED(st))
        snprintf(reason, sizeof reason, "the workbook writer stopped (signal %d): out of memory?",
                 WTERMSIG(st));
    else if (!reason[0])
        snprintf(reason, sizeof reason, "the workbook writer failed");
    if (why) *why = reason;
    return -1;
}
