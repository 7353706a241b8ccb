/* workbook.c - workbook.xlsx through libxlsxwriter: a Summary sheet with the
 * budget-paper table in £m and native charts, and a sheet for every table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "hnb/html.h"
#include "hnb/report.h"
#include "hnb/mem.h"

typedef struct {
    lxw_format *head, *money, *count, *m1, *title, *pct, *text;
} formats;

static void header(lxw_worksheet *ws, const formats *fm, const char *const *cols, int n)
{
    for (int i = 0; i < n; i++) worksheet_write_string(ws, 0, (lxw_col_t)i, cols[i], fm->head);
    worksheet_freeze_panes(ws, 1, 0);
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
    lxw_doc_properties props = {.title = m->name, .comments = "hnb High Needs Block projection",
                                .created = timegm(&day)};
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
    fm.money = workbook_add_format(wb);
    format_set_num_format(fm.money, "#,##0.00");
    fm.count = workbook_add_format(wb);
    format_set_num_format(fm.count, "#,##0.000");
    fm.m1 = workbook_add_format(wb);
    format_set_num_format(fm.m1, "#,##0.0");
    fm.title = workbook_add_format(wb);
    format_set_bold(fm.title);
    format_set_font_size(fm.title, 14);
    fm.pct = workbook_add_format(wb);
    format_set_num_format(fm.pct, "0.0%");
    fm.text = NULL;
    const int ys = m->years;
    char label[8];

    /* Summary: the budget-paper table in £m */
    lxw_worksheet *sum = workbook_add_worksheet(wb, "Summary");
    worksheet_write_string(sum, 0, 0, m->name, fm.title);
    if (m->authority) worksheet_write_string(sum, 1, 0, m->authority, NULL);
    hnb_budget_col bcol[HNB_BUDGET_MAX];
    const int nb = hnb_budget_columns(m, r, bcol);
    int cum_col = 0; /* the cumulative deficit's column, for the chart */
    worksheet_write_string(sum, 3, 0, "Year", fm.head);
    for (int k = 0; k < nb; k++) {
        worksheet_write_string(sum, 3, (lxw_col_t)(k + 1), bcol[k].title, fm.head);
        if (bcol[k].x == r->cumulative_deficit) cum_col = k + 1;
    }
    for (int t = 0; t < ys; t++) {
        lxw_row_t row = (lxw_row_t)(4 + t);
        hnb_year_label(m->start_year + t, label);
        worksheet_write_string(sum, row, 0, label, NULL);
        for (int k = 0; k < nb; k++) worksheet_write_number(sum, row, (lxw_col_t)(k + 1), bcol[k].x[t] / 1e6, fm.m1);
    }
    worksheet_set_column(sum, 0, 0, 12, NULL);
    worksheet_set_column(sum, 1, (lxw_col_t)nb, 16, NULL);
    worksheet_set_row(sum, 3, 32, NULL);
    worksheet_freeze_panes(sum, 4, 1);
    if (m->regime.given) {
        /* the regime in words under the table, one sentence a row */
        char *text = hnb_regime_text(m, p, r), *line = text;
        lxw_row_t row = (lxw_row_t)(5 + ys);
        worksheet_write_string(sum, row++, 0, "The 2026 deficit regime", fm.title);
        for (char *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl) *nl = 0;
            char plain[1024];
            size_t k = 0;
            for (const char *s = line[0] == '-' ? line + 2 : line; *s && k < sizeof plain - 1; s++)
                if (*s != '*') plain[k++] = *s;
            plain[k] = 0;
            worksheet_write_string(sum, row++, 0, plain, NULL);
        }
        free(text);
    }
    {
        char cats[64], gap[64], cum[64];
        snprintf(cats, sizeof cats, "=Summary!$A$5:$A$%d", 4 + ys);
        snprintf(gap, sizeof gap, "=Summary!$E$5:$E$%d", 4 + ys);
        snprintf(cum, sizeof cum, "=Summary!$%c$5:$%c$%d", 'A' + cum_col, 'A' + cum_col, 4 + ys);
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
        worksheet_insert_chart(sum, 3, (lxw_col_t)(nb + 2), bars);
    }
    if (mc) {
        /* the fan, on its own sheet with its data */
        lxw_worksheet *fan = workbook_add_worksheet(wb, "Fan");
        static const char *const fh[] = {"Year", "P5 (£m)", "P10 (£m)", "P25 (£m)", "P50 (£m)",
                                         "P75 (£m)", "P90 (£m)", "P95 (£m)", "Central (£m)"};
        header(fan, &fm, fh, 9);
        for (int t = 0; t < ys; t++) {
            hnb_year_label(m->start_year + t, label);
            worksheet_write_string(fan, (lxw_row_t)(t + 1), 0, label, NULL);
            const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
            for (int k = 0; k < HNB_MC_NQ; k++)
                worksheet_write_number(fan, (lxw_row_t)(t + 1), (lxw_col_t)(k + 1), q[k] / 1e6, fm.m1);
            worksheet_write_number(fan, (lxw_row_t)(t + 1), 8, r->cumulative_deficit[t] / 1e6, fm.m1);
        }
        worksheet_set_column(fan, 0, 8, 12, NULL);
        lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_LINE);
        static const char cols[] = "BCDEFGHI";
        static const char *const names[] = {"P5", "P10", "P25", "P50", "P75", "P90", "P95", "Central"};
        static const uint32_t colours[] = {0xBDD7EE, 0x9DC3E6, 0x2E75B6, 0x000000,
                                           0x2E75B6, 0x9DC3E6, 0xBDD7EE, 0xD55E00};
        for (int k = 0; k < 8; k++) {
            char cats[64], vals[64];
            snprintf(cats, sizeof cats, "=Fan!$A$2:$A$%d", 1 + ys);
            snprintf(vals, sizeof vals, "=Fan!$%c$2:$%c$%d", cols[k], cols[k], 1 + ys);
            lxw_chart_series *s = chart_add_series(ch, cats, vals);
            chart_series_set_name(s, names[k]);
            lxw_chart_line ln = {.color = colours[k], .width = k == 3 || k == 7 ? 2.25 : 1.25,
                                 .dash_type = k == 7 ? LXW_CHART_LINE_DASH_DASH : 0};
            chart_series_set_line(s, &ln);
        }
        chart_title_set_name(ch, "Cumulative deficit: Monte Carlo range");
        chart_axis_set_name(ch->y_axis, "£m");
        chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
        worksheet_insert_chart(fan, 1, 10, ch);
    }

    /* every table, as in the CSV files */
    lxw_worksheet *ws = workbook_add_worksheet(wb, "projection");
    const char *ph[2 + HNB_NCOLUMNS] = {"year", "label"};
    int ncol = 2;
    for (int k = 0; k < HNB_NCOLUMNS; k++)
        if (hnb_column_present(m, k)) ph[ncol++] = hnb_columns[k].name;
    header(ws, &fm, ph, ncol);
    for (int t = 0; t < ys; t++) {
        lxw_row_t row = (lxw_row_t)(t + 1);
        hnb_year_label(m->start_year + t, label);
        worksheet_write_number(ws, row, 0, m->start_year + t, NULL);
        worksheet_write_string(ws, row, 1, label, NULL);
        for (int k = 0, col = 2; k < HNB_NCOLUMNS; k++)
            if (hnb_column_present(m, k))
                worksheet_write_number(ws, row, (lxw_col_t)col++, hnb_column_values(r, k)[t],
                                       hnb_columns[k].decimals == 3 ? fm.count : fm.money);
    }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, (lxw_col_t)(ncol - 1), 17, NULL);
    if (m->version >= 2 && m->bottom_up) {
        /* dsg_plan.csv's rows, and the management plan's own layout: a block
         * a year, age groups down and the seven placement categories across */
        ws = workbook_add_worksheet(wb, "DSG plan");
        worksheet_write_string(ws, 0, 0, "EHCPs in the DfE DSG management plan's shape (with mitigations)", fm.title);
        double tab[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)];
        lxw_row_t row = 2;
        for (int t = 0; t < ys; t++) {
            hnb_year_label(m->start_year + t, label);
            worksheet_write_string(ws, row, 0, label, fm.head);
            for (int c = 0; c <= HNB_DFE_N; c++)
                worksheet_write_string(ws, row, (lxw_col_t)(1 + c),
                                       c < HNB_DFE_N ? hnb_dfe_category_names[c] : "all", fm.head);
            row++;
            hnb_dsg_plan_table(m, r, t, tab);
            for (int g = 0; g <= HNB_DSG_AGE_GROUPS; g++, row++) {
                worksheet_write_string(ws, row, 0, g < HNB_DSG_AGE_GROUPS ? hnb_dsg_age_groups[g] : "total",
                                       g < HNB_DSG_AGE_GROUPS ? NULL : fm.head);
                for (int c = 0; c <= HNB_DFE_N; c++)
                    worksheet_write_number(ws, row, (lxw_col_t)(1 + c), tab[c * (HNB_DSG_AGE_GROUPS + 1) + g], fm.m1);
            }
            if (m->nneeds) {
                /* the plan's need rows under the age rows */
                const int nn = m->nneeds;
                double *nt = calloc((size_t)(HNB_DFE_N + 1) * (size_t)(nn + 1), sizeof(double));
                if (!nt) hnb_oom();
                hnb_dsg_plan_needs(m, r, t, nt);
                for (int n = 0; n <= nn; n++, row++) {
                    worksheet_write_string(ws, row, 0, n < nn ? m->need_labels[n] : "total (by need)",
                                           n < nn ? NULL : fm.head);
                    for (int c = 0; c <= HNB_DFE_N; c++)
                        worksheet_write_number(ws, row, (lxw_col_t)(1 + c), nt[c * (nn + 1) + n], fm.m1);
                }
                free(nt);
            }
            row++;
        }
        worksheet_set_column(ws, 0, 0, 12, NULL);
        worksheet_set_column(ws, 1, HNB_DFE_N + 1, 18, NULL);
    }
    if (m->pipeline.given) {
        ws = workbook_add_worksheet(wb, "pipeline");
        static const char *const qh[] = {"year", "label", "requests", "concluded", "backlog",
                                         "decided", "new_plans", "new_plans_unmitigated"};
        header(ws, &fm, qh, 8);
        for (int t = 0; t < ys; t++) {
            const lxw_row_t row = (lxw_row_t)(t + 1);
            const double v[6] = {r->requests[t], r->concluded[t], r->backlog[t], r->decided[t],
                                 r->new_plans[t], r->new_plans_unmitigated[t]};
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, row, 1, label, NULL);
            for (int k = 0; k < 6; k++) worksheet_write_number(ws, row, (lxw_col_t)(2 + k), v[k], fm.count);
        }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 7, 14, NULL);
    }
    if (m->nneeds) {
        ws = workbook_add_worksheet(wb, "needs");
        static const char *const nh[] = {"year", "label", "setting", "need", "plans", "unit_cost", "cost"};
        header(ws, &fm, nh, 7);
        const int ns = m->nsettings, nc = hnb_model_cohorts(m);
        for (int t = 0, row = 1; t < ys; t++)
            for (int s = 0; s < ns; s++)
                for (int n = 0; n < m->nneeds; n++, row++) {
                    const size_t k = (size_t)t * nc + n * ns + s;
                    hnb_year_label(m->start_year + t, label);
                    worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 2, m->settings[s].id, NULL);
                    worksheet_write_string(ws, (lxw_row_t)row, 3, m->need_ids[n], NULL);
                    worksheet_write_number(ws, (lxw_row_t)row, 4, r->plans_need[k], fm.count);
                    worksheet_write_number(ws, (lxw_row_t)row, 5, r->unit_need[k], fm.money);
                    worksheet_write_number(ws, (lxw_row_t)row, 6, r->cost_need[k], fm.money);
                }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 6, 16, NULL);
    }
    ws = workbook_add_worksheet(wb, "placements");
    static const char *const plh[] = {"year", "label", "setting", "plans", "unit_cost", "cost"};
    header(ws, &fm, plh, 6);
    for (int t = 0, row = 1; t < ys; t++)
        for (int s = 0; s < m->nsettings; s++, row++) {
            int k = t * m->nsettings + s;
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 2, m->settings[s].id, NULL);
            worksheet_write_number(ws, (lxw_row_t)row, 3, r->plans[k], fm.count);
            worksheet_write_number(ws, (lxw_row_t)row, 4, r->unit_cost[k], fm.money);
            worksheet_write_number(ws, (lxw_row_t)row, 5, r->cost[k], fm.money);
        }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, 5, 16, NULL);
    ws = workbook_add_worksheet(wb, "mitigations");
    static const char *const mih[] = {"year", "label", "mitigation", "type", "contribution"};
    header(ws, &fm, mih, 5);
    for (int t = 0, row = 1; t < ys; t++)
        for (int i = 0; i < m->nmit; i++, row++) {
            hnb_year_label(m->start_year + t, label);
            worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 2, m->mits[i].name, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 3, hnb_mit_type_name(m->mits[i].type), NULL);
            worksheet_write_number(ws, (lxw_row_t)row, 4, r->contribution[t * m->nmit + i], fm.money);
        }
    worksheet_set_column(ws, 0, 1, 9, NULL);
    worksheet_set_column(ws, 2, 2, 36, NULL);
    worksheet_set_column(ws, 3, 4, 14, NULL);
    if (mc) {
        ws = workbook_add_worksheet(wb, "montecarlo");
        static const char *const mch[] = {"year", "label", "metric", "mean", "p5", "p10",
                                          "p25",  "p50",   "p75",    "p90",  "p95"};
        header(ws, &fm, mch, 11);
        for (int t = 0, row = 1; t < ys; t++)
            for (int k = 0; k < HNB_MC_METRICS; k++) {
                const double *q = hnb_mc_pct(mc, k, t);
                if (!q) continue;
                hnb_year_label(m->start_year + t, label);
                worksheet_write_number(ws, (lxw_row_t)row, 0, m->start_year + t, NULL);
                worksheet_write_string(ws, (lxw_row_t)row, 1, label, NULL);
                worksheet_write_string(ws, (lxw_row_t)row, 2, hnb_mc_metric_names[k], NULL);
                lxw_format *nf = k == HNB_MC_EHCPS ? fm.count : fm.money;
                worksheet_write_number(ws, (lxw_row_t)row, 3, hnb_mc_mean(mc, k, t), nf);
                for (int j = 0; j < HNB_MC_NQ; j++)
                    worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)(4 + j), q[j], nf);
                row++;
            }
        worksheet_set_column(ws, 0, 1, 9, NULL);
        worksheet_set_column(ws, 2, 2, 18, NULL);
        worksheet_set_column(ws, 3, 10, 16, NULL);
        ws = workbook_add_worksheet(wb, "sensitivity");
        static const char *const sh[] = {"variable", "low", "high", "deficit_at_low",
                                         "deficit_at_high", "swing", "rank_correlation"};
        header(ws, &fm, sh, 7);
        for (int k = 0; k < mc->ndrivers; k++) {
            const hnb_mc_driver *d = &mc->drivers[k];
            lxw_row_t row = (lxw_row_t)(k + 1);
            worksheet_write_string(ws, row, 0, d->name, NULL);
            worksheet_write_number(ws, row, 1, d->low, NULL);
            worksheet_write_number(ws, row, 2, d->high, NULL);
            worksheet_write_number(ws, row, 3, d->at_low, fm.money);
            worksheet_write_number(ws, row, 4, d->at_high, fm.money);
            worksheet_write_number(ws, row, 5, d->swing, fm.money);
            worksheet_write_number(ws, row, 6, d->rank_correlation, NULL);
        }
        worksheet_set_column(ws, 0, 0, 28, NULL);
        worksheet_set_column(ws, 1, 6, 17, NULL);
        if (mc->nexceed) {
            ws = workbook_add_worksheet(wb, "exceedance");
            static const char *const eh[] = {"threshold", "year", "label", "probability"};
            header(ws, &fm, eh, 4);
            for (int k = 0; k < mc->nexceed; k++) {
                lxw_row_t row = (lxw_row_t)(k + 1);
                hnb_year_label(mc->exceed[k].year, label);
                worksheet_write_number(ws, row, 0, mc->exceed[k].threshold, fm.money);
                worksheet_write_number(ws, row, 1, mc->exceed[k].year, NULL);
                worksheet_write_string(ws, row, 2, label, NULL);
                worksheet_write_number(ws, row, 3, mc->exceed[k].probability, fm.pct);
            }
            worksheet_set_column(ws, 0, 3, 16, NULL);
        }
    }
    errno = 0;
    lxw_error e = workbook_close(wb);
    int sys = errno;
    if (e == LXW_NO_ERROR) return 0;
    /* a full disk or a permission is errno's; the rest the library's */
    if (why) *why = sys && (e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ||
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
