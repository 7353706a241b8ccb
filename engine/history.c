/* history.c - read and check a history CSV. */
#include "hnb/history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/csv.h"
#include "hnb/value.h"
#include "hnb/mem.h"

const char *const hnb_history_series[HNB_H_SERIES] = {"ehcps", "new_plans", "ceased",
                                                      "expenditure", "requests"};

void hnb_history_free(hnb_history *h)
{
    free(h->rows);
    memset(h, 0, sizeof *h);
}

int hnb_history_load(const char *path, hnb_history *h, hnb_err *err)
{
    memset(h, 0, sizeof *h);
    snprintf(h->file, sizeof h->file, "%s", path);
    hnb_mark mk = {h->file, 0, 0};
    const char *why;
    FILE *f = hnb_open_input(path, &why);
    if (!f) return hnb_err_at(err, mk, "cannot open: %s", why);
    char line[4096];
    int lineno = 0, rc = HNB_OK, cap = 0;
    int col_of[8], ncols = 0, year_col = -1, setting_col = -1, need_col = -1;
    int got, bad_col;
    while (rc == HNB_OK && (got = hnb_csv_getline(f, line, sizeof line, &bad_col)) != 0) {
        lineno++;
        mk.line = lineno;
        mk.col = 1;
        if ((rc = hnb_csv_bad_line(got, bad_col, sizeof line, mk, err))) break;
        size_t len = strlen(line);
        if (len == 0 || line[0] == '#') continue;
        char *fields[8];
        int starts[8], nf = hnb_csv_split(line, fields, starts, 8);
        if (nf < 0) {
            rc = hnb_err_at(err, mk, "a quote is not closed");
            break;
        }
        if (nf > 8) {
            rc = hnb_err_at(err, mk, "more than 8 fields");
            break;
        }
        if (ncols == 0) { /* the header */
            for (int i = 0; i < nf; i++) {
                mk.col = starts[i];
                int k = -1;
                if (!strcmp(fields[i], "year")) year_col = i;
                else if (!strcmp(fields[i], "setting")) setting_col = i;
                else if (!strcmp(fields[i], "need")) need_col = i;
                else {
                    for (int s = 0; s < HNB_H_SERIES; s++)
                        if (!strcmp(fields[i], hnb_history_series[s])) k = s;
                    if (k < 0) {
                        static const char *const known[] = {"year",      "setting", "need",        "ehcps",
                                                            "new_plans", "ceased",  "expenditure", "requests"};
                        const char *near = hnb_nearest(fields[i], known, 8);
                        rc = hnb_err_at(err, mk, "unknown column '%s'%s%s%s (known: year, ehcps, "
                                                 "setting, need, new_plans, ceased, expenditure, "
                                                 "requests)",
                                        fields[i], near ? "; did you mean '" : "", near ? near : "",
                                        near ? "'?" : "");
                        break;
                    }
                }
                for (int j = 0; j < i && !rc; j++)
                    if (!strcmp(fields[j], fields[i]))
                        rc = hnb_err_at(err, mk, "column '%s' is named twice", fields[i]);
                col_of[i] = k;
            }
            if (!rc && year_col < 0) rc = hnb_err_at(err, (hnb_mark){h->file, 1, 1}, "the header needs a 'year' column");
            int has_ehcps = 0;
            for (int i = 0; i < nf; i++) has_ehcps |= col_of[i] == HNB_H_EHCPS;
            if (!rc && !has_ehcps) rc = hnb_err_at(err, (hnb_mark){h->file, 1, 1}, "the header needs an 'ehcps' column");
            ncols = nf;
            h->has_setting = setting_col >= 0;
            h->has_need = need_col >= 0;
            continue;
        }
        if (nf != ncols) {
            rc = hnb_err_at(err, mk, "expected %d fields, found %d", ncols, nf);
            break;
        }
        if (h->nrows == cap) {
            cap = cap ? cap * 2 : 32;
            h->rows = realloc(h->rows, (size_t)cap * sizeof *h->rows);
            if (!h->rows) hnb_oom();
        }
        hnb_history_row *r = &h->rows[h->nrows];
        memset(r, 0, sizeof *r);
        r->line = lineno;
        for (int i = 0; i < nf && !rc; i++) {
            mk.col = starts[i];
            if (i == year_col) {
                if (hnb_value_parse_year(fields[i], &r->year) < 0)
                    rc = hnb_err_at(err, mk, "year: expected a year like 2024 or 2024/25, found '%s'",
                                    fields[i]);
            } else if (i == setting_col) {
                snprintf(r->setting, sizeof r->setting, "%s", fields[i]);
            } else if (i == need_col) {
                snprintf(r->need, sizeof r->need, "%s", fields[i]);
            } else if (fields[i][0]) { /* an empty field: not observed that year */
                const char *why;
                double v;
                hnb_kind kind = col_of[i] == HNB_H_EXPENDITURE ? HNB_KIND_MONEY : HNB_KIND_COUNT;
                if (hnb_value_parse(fields[i], 0, kind, &v, &why) < 0)
                    rc = hnb_err_at(err, mk, "%s: expected %s, found %s", hnb_history_series[col_of[i]],
                                    kind == HNB_KIND_MONEY ? "an amount" : "a number", why);
                else if (v < 0)
                    rc = hnb_err_at(err, mk, "%s: must not be negative", hnb_history_series[col_of[i]]);
                else if (!(v <= (kind == HNB_KIND_MONEY ? 1e12 : 1e7)))
                    /* an absurd value would fit to NaN and infinities, not fail */
                    rc = hnb_err_at(err, mk, "%s: %g is beyond any council's (at most %s)",
                                    hnb_history_series[col_of[i]], v,
                                    kind == HNB_KIND_MONEY ? "£1,000,000m" : "10,000,000");
                else {
                    r->v[col_of[i]] = v;
                    r->has[col_of[i]] = 1;
                }
            }
        }
        if (rc) break;
        for (int j = 0; j < h->nrows; j++)
            if (h->rows[j].year == r->year && !strcmp(h->rows[j].setting, r->setting) &&
                !strcmp(h->rows[j].need, r->need)) {
                rc = hnb_err_at(err, (hnb_mark){h->file, lineno, 1},
                                "year %d%s%s%s%s is given twice (also line %d)", r->year,
                                r->setting[0] ? " for " : "", r->setting, r->need[0] ? " for need " : "",
                                r->need, h->rows[j].line);
                break;
            }
        if (rc) break;
        if (h->nrows == 0 || r->year < h->first_year) h->first_year = r->year;
        if (h->nrows == 0 || r->year > h->last_year) h->last_year = r->year;
        h->nrows++;
    }
    fclose(f);
    if (!rc && h->nrows < 2)
        rc = hnb_err_at(err, (hnb_mark){h->file, lineno ? lineno : 1, 1},
                        "a history needs at least two years");
    if (!rc && h->last_year - h->first_year > 49)
        rc = hnb_err_at(err, (hnb_mark){h->file, 1, 1}, "a history spans at most 50 years");
    if (rc) hnb_history_free(h);
    return rc;
}
