/* sen2_write.c - what `hnb sen2` and `hnb init` write from one council's
 * SEN2 figures: the history the calibrator reads (history.h), the base
 * population, the pipeline's figures, and a starter v2 scenario whose
 * every figure from the release says where it came from.
 *
 * Not here: reading the release (sen2.c), the commands (sen2_cmd.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/report.h"
#include "hnb/sen2.h"
#include "hnb/value.h"

/* The part of a release path a reader needs: ".../2025/data/caseload.csv"
 * is "2025/data/caseload.csv". */
static const char *short_path(const char *p)
{
    if (!p) return "?";
    const char *d = strstr(p, "/data/"), *last = NULL;
    while (d) {
        last = d;
        d = strstr(d + 1, "/data/");
    }
    if (!last) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
    }
    const char *q = last;
    while (q > p && q[-1] != '/')
        q--;
    return q;
}

static void src(FILE *f, const hnb_sen2_cell *c)
{
    if (!c->file) {
        fputs("not given", f);
        return;
    }
    fprintf(f, "%s line %d, %s", short_path(c->file), c->line, c->cols);
    if (c->status == HNB_SEN2_SUPPRESSED) fputs(" (suppressed 'x': see the notes)", f);
}

static void num(FILE *f, double v, int decimals)
{
    char b[64];
    hnb_fmt_fixed(b, sizeof b, v, decimals);
    fputs(b, f);
}

static double ok(const hnb_sen2_cell *c)
{
    return c->status == HNB_SEN2_OK ? c->v : 0;
}

void hnb_sen2_write_history(FILE *f, const hnb_sen2_council *c)
{
    fprintf(
        f,
        "# %s (%s, %s): EHC plans from the DfE \"Education, health and care plans\" (SEN2)\n"
        "# release files (Open Government Licence v3.0), read by `hnb sen2` (docs/sen2.md).\n"
        "# Year y is a financial year: the stock at January y+1, the new plans, requests and\n"
        "# ceased plans of calendar y. Rows with a setting add the placement columns the mapping\n"
        "# names. A blank is not published (suppressed 'x', not applicable 'z', or no row): not "
        "0.\n"
        "# ceased: the person-level collection only (from 2022), the older series is another "
        "basis.\n",
        c->la.name, c->la.old_code, c->la.new_code);
    if (c->history_note[0]) fprintf(f, "# %s\n", c->history_note);
    fputs("year,setting,ehcps,new_plans,requests,ceased\n", f);
    for (int yi = 0; yi < c->ny; yi++) {
        const hnb_sen2_cell *v[4] = {&c->stock[yi], &c->newp[yi], &c->requests[yi], &c->ceased[yi]};
        int any = 0;
        for (int q = 0; q < 4; q++)
            any |= v[q]->status == HNB_SEN2_OK;
        if (!any) continue;
        fprintf(f, "%d,", c->y0 + yi);
        for (int q = 0; q < 4; q++) {
            fputc(',', f);
            if (v[q]->status == HNB_SEN2_OK) num(f, v[q]->v, c->share[yi] < 1 ? 3 : 0);
        }
        fputc('\n', f);
        if (c->share[yi] < 1) continue; /* apportioned years: the council's row alone */
        for (int s = 0; s < c->nsettings; s++) {
            const hnb_sen2_cell *a = &c->stock_set[yi][s], *b = &c->new_set[yi][s];
            if (a->status != HNB_SEN2_OK && b->status != HNB_SEN2_OK) continue;
            fprintf(f, "%d,%s,", c->y0 + yi, c->map->settings[s].id);
            if (a->status == HNB_SEN2_OK) num(f, a->v, 0);
            fputc(',', f);
            if (b->status == HNB_SEN2_OK) num(f, b->v, 0);
            fputs(",,\n", f);
        }
    }
}

static void age_key(FILE *f, int lo, int hi)
{
    if (lo == hi)
        fprintf(f, "%d", lo);
    else
        fprintf(f, "%d-%d", lo, hi);
}

/* Need shares of setting S (the council's all-plan mix where the setting
 * has no need figures). */
static void need_shares(const hnb_sen2_council *c, int s, double *out)
{
    double sum = 0, all[HNB_SEN2_NEEDS] = {0}, asum = 0;
    for (int k = 0; k < HNB_SEN2_NEEDS; k++)
        sum += c->need[s][k];
    for (int t = 0; t < c->nsettings; t++)
        for (int k = 0; k < HNB_SEN2_NEEDS; k++)
            all[k] += c->need[t][k], asum += c->need[t][k];
    for (int k = 0; k < HNB_SEN2_NEEDS; k++)
        out[k] = sum > 0 ? c->need[s][k] / sum : asum > 0 ? all[k] / asum : (k == 0);
}

void hnb_sen2_write_population(FILE *f, const hnb_sen2_council *c)
{
    fputs(c->has_need ? "age,setting,need,count\n" : "age,setting,count\n", f);
    for (int a = 0; a < c->nages; a++)
        for (int s = 0; s < c->nsettings; s++) {
            double sh[HNB_SEN2_NEEDS];
            need_shares(c, s, sh);
            for (int k = 0; k < (c->has_need ? HNB_SEN2_NEEDS : 1); k++) {
                double v = c->age_set[a][s] * (c->has_need ? sh[k] : 1);
                age_key(f, c->age_lo[a], c->age_hi[a]);
                fprintf(f, ",%s,", c->map->settings[s].id);
                if (c->has_need) fprintf(f, "%s,", hnb_sen2_need_ids[k]);
                num(f, v, c->has_need ? 6 : 0);
                fputc('\n', f);
            }
        }
}

void hnb_sen2_write_pipeline(FILE *f, const hnb_sen2_council *c)
{
    fputs("year,requests,plans_issued,issued_within_20_weeks,share_within_20_weeks\n", f);
    for (int yi = 0; yi < c->ny; yi++) {
        if (c->share[yi] < 1) continue;
        const hnb_sen2_cell *r = &c->requests[yi], *d = &c->issued[yi], *w = &c->within20[yi];
        if (r->status != HNB_SEN2_OK && d->status != HNB_SEN2_OK) continue;
        fprintf(f, "%d,", c->y0 + yi);
        if (r->status == HNB_SEN2_OK) num(f, r->v, 0);
        fputc(',', f);
        if (d->status == HNB_SEN2_OK) num(f, d->v, 0);
        fputc(',', f);
        if (w->status == HNB_SEN2_OK) num(f, w->v, 0);
        fputc(',', f);
        if (d->status == HNB_SEN2_OK && w->status == HNB_SEN2_OK && d->v > 0)
            num(f, w->v / d->v, 4);
        fputc('\n', f);
    }
}

/* Shares that add to exactly 1 as written (nine decimals, the rounding put
 * on the largest), so the loader has nothing to normalise or warn about. */
static void shares9(const double *v, int n, long long *out)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    long long tot = 0;
    int big = 0;
    for (int i = 0; i < n; i++) {
        out[i] = sum > 0 ? llround(v[i] / sum * 1e9) : (i == 0) * 1000000000LL;
        tot += out[i];
        if (out[i] > out[big]) big = i;
    }
    out[big] += 1000000000LL - tot;
}

static void share9(FILE *f, long long v)
{
    if (v >= 1000000000LL)
        fputs("1", f);
    else
        fprintf(f, "0.%09lld", v);
}

/* A pipeline rate KEY = YES / (YES + NO), with its working and source, or 1
 * and an ASSUMPTION saying why (UNSAID) when a count is missing. */
static void pipeline_rate(FILE *f, const hnb_sen2_cell *yes, const hnb_sen2_cell *no,
                          const char *yes_words, const char *no_words, const char *no_column,
                          const char *key, const char *unsaid)
{
    double y = ok(yes), n = ok(no);
    if (yes->status != HNB_SEN2_OK || no->status != HNB_SEN2_OK || y + n <= 0) {
        fprintf(f, "  %s: 1   # ASSUMPTION: %s\n", key, unsaid);
        return;
    }
    char b1[64], b2[64];
    hnb_fmt_count(b1, sizeof b1, y);
    hnb_fmt_count(b2, sizeof b2, n);
    fprintf(f, "  # [calc] %s %s / (%s + %s %s): ", b1, yes_words, b1, b2, no_words);
    src(f, yes);
    fprintf(f, ", %s\n  %s: ", no_column, key);
    num(f, y / (y + n), 6);
    fputc('\n', f);
}

/* An age_profile: each band's share of V (to 9 places), its count and the
 * cell it came from; WHAT follows the count in the comment (" plans"). */
static void age_profile(FILE *f, const double *v, const int *lo, const int *hi,
                        const hnb_sen2_cell *from, int n, const char *what)
{
    long long sh[32];
    char b[64];
    shares9(v, n, sh);
    fputs("  age_profile:\n", f);
    for (int a = 0; a < n; a++) {
        fputs("    ", f);
        if (lo[a] == hi[a])
            fprintf(f, "%d: ", lo[a]);
        else
            fprintf(f, "\"%d-%d\": ", lo[a], hi[a]);
        share9(f, sh[a]);
        hnb_fmt_count(b, sizeof b, v[a]);
        fprintf(f, "   # %s%s: ", b, what);
        src(f, &from[a]);
        fputc('\n', f);
    }
}

void hnb_sen2_write_scenario(FILE *f, const hnb_sen2_council *c, const char *const *releases,
                             int nrel, int years, const char *calibration)
{
    const hnb_sen2_map *m = c->map;
    const int ns = c->nsettings;
    char b1[64], b2[64], b3[64];
    fprintf(f,
            "# %s (%s, %s; %s): a starter scenario written by `hnb init` from the DfE\n"
            "# \"Education, health and care plans\" (SEN2) statistics\n"
            "# (explore-education-statistics.service.gov.uk; Open Government Licence v3.0),\n"
            "# release folders read:",
            c->la.name, c->la.old_code, c->la.new_code, c->la.region);
    for (int i = 0; i < nrel; i++)
        fprintf(f, " %s", releases[i]);
    fprintf(f,
            ".\n#\n"
            "# FROM THE RELEASE, each figure with its file, line and column: the plans at\n"
            "# January %d by setting, age and need; the new plans of calendar %d by setting,\n"
            "# age and need; requests, assessments and plans issued (the pipeline); cessation\n"
            "# by age. Settings are the placement mapping's (%s).\n"
            "# PLACEHOLDERS, tagged !placeholder: unit costs, the grant and the opening\n"
            "# deficit. They are not data: replace each with the council's own figure and drop\n"
            "# the tag; `hnb check` warns while any is left (docs/sen2.md).\n"
            "# ASSUMPTIONS are marked where they stand.\n",
            c->jan, c->new_year,
            m->file[0] ? m->file : "hnb's default, `hnb sen2 --print-mapping`");
    if (c->history_note[0]) fprintf(f, "# SPLIT OR MERGED: %s\n", c->history_note);
    if (c->nsuppressed)
        fprintf(f,
                "# SUPPRESSED: %d cells of this council are 'x' in the release; they are listed in "
                "the\n"
                "# notes beside this file and handled as each comment says, never read as 0.\n",
                c->nsuppressed);
    if (calibration)
        fprintf(f,
                "# CALIBRATED: %s extends this file with new plans, growth and\n"
                "# cessation fitted to the council's own history (docs/forecasting.md).\n",
                calibration);
    fputs("hnb: 2\nname: ", f);
    char name[300];
    snprintf(name, sizeof name, "%s HNB (starter from SEN2, January %d)", c->la.name, c->jan);
    hnb_yaml_quoted(f, name);
    fputs("\nauthority: ", f);
    hnb_yaml_quoted(f, c->la.name);
    fprintf(f, "\n# the first year after the release's latest January (%d): %d/%02d\n", c->jan,
            c->jan, (c->jan + 1) % 100);
    fprintf(f, "start_year: %d\nyears: %d\n", c->jan, years);
    fputs("opening_deficit: !placeholder \"£0\"   # PLACEHOLDER: the cumulative HNB deficit "
          "brought forward\n",
          f);
    fputs("# The statutory override ends in March 2028 (national policy, ../shared/DATA.md section "
          "8).\n"
          "override_end: 2028\n\n",
          f);
    if (c->has_need) {
        fputs("# SEN2's thirteen primary needs, in the release's order; nsa: primary need not "
              "recorded.\nneeds:\n",
              f);
        for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
            fprintf(f, "  - {id: %s, label: ", hnb_sen2_need_ids[k]);
            hnb_yaml_quoted(f, hnb_sen2_need_labels[k]);
            fputs("}\n", f);
        }
        fputc('\n', f);
    }
    fputs("settings:\n", f);
    for (int s = 0; s < ns; s++) {
        const hnb_sen2_setting *st = &m->settings[s];
        fprintf(f, "  - id: %s\n", st->id);
        if (st->label[0]) {
            fputs("    label: ", f);
            hnb_yaml_quoted(f, st->label);
            fputc('\n', f);
        }
        fputs("    # from the release's placement columns: ", f);
        for (int k = 0; k < st->ncolumns; k++)
            fprintf(f, "%s%s", k ? " + " : "", st->columns[k]);
        fputs("\n    cost: !placeholder ", f);
        hnb_yaml_quoted(f, st->cost);
        fputs("   # PLACEHOLDER: the council's average annual HNB cost per plan\n", f);
        if (st->dfe_category[0]) fprintf(f, "    dfe_category: %s\n", st->dfe_category);
    }
    /* the population */
    hnb_fmt_count(b1, sizeof b1, c->total.v);
    fprintf(f,
            "\npopulation:\n"
            "  # ASSUMPTION: %d/%02d starts from the plans at January %d; the calibration moves\n"
            "  # the total on to the trend's figure for the start year.\n"
            "  total: %.0f   # ",
            c->jan, (c->jan + 1) % 100, c->jan, c->total.v);
    src(f, &c->total);
    fputc('\n', f);
    {
        double v[HNB_SEN2_MAXSET] = {0};
        long long sh[HNB_SEN2_MAXSET];
        for (int s = 0; s < ns; s++)
            v[s] = c->mix[s].v;
        shares9(v, ns, sh);
        fputs("  mix:\n", f);
        for (int s = 0; s < ns; s++) {
            hnb_fmt_count(b2, sizeof b2, c->mix[s].v);
            fprintf(f, "    %s: ", m->settings[s].id);
            share9(f, sh[s]);
            fprintf(f, "   # %s plans: ", b2);
            src(f, &c->mix[s]);
            fputc('\n', f);
        }
    }
    {
        double v[32] = {0};
        for (int a = 0; a < c->nages; a++) {
            v[a] = 0;
            for (int s = 0; s < ns; s++)
                v[a] += c->age_set[a][s];
        }
        age_profile(f, v, c->age_lo, c->age_hi, c->age, c->nages, " plans");
    }
    if (c->has_need) {
        fputs("  need_mix:\n", f);
        for (int s = 0; s < ns; s++) {
            double sh[HNB_SEN2_NEEDS];
            long long n9[HNB_SEN2_NEEDS];
            need_shares(c, s, sh);
            shares9(sh, HNB_SEN2_NEEDS, n9);
            fprintf(f, "    # %s: %s, columns number_asd ... number_need_unknown\n",
                    m->settings[s].id,
                    c->need_src[s][0] ? short_path(c->need_src[s]) : "the council's need mix");
            fprintf(f, "    %s: {", m->settings[s].id);
            for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
                fprintf(f, "%s%s: ", k ? ", " : "", hnb_sen2_need_ids[k]);
                share9(f, n9[k]);
            }
            fputs("}\n", f);
        }
    }
    /* new plans */
    hnb_fmt_count(b1, sizeof b1, c->new_total.v);
    fprintf(f,
            "\nnew_plans:\n"
            "  # The pipeline below makes the new plans; these say where they go. %s new plans\n"
            "  # in calendar %d: ",
            b1, c->new_year);
    src(f, &c->new_total);
    fputc('\n', f);
    if (c->nnew_ages) {
        double v[32] = {0};
        for (int a = 0; a < c->nnew_ages; a++)
            v[a] = ok(&c->new_age[a]);
        age_profile(f, v, c->new_lo, c->new_hi, c->new_age, c->nnew_ages, "");
    } else {
        fputs(
            "  age_profile: {\"0-25\": 1}   # ASSUMPTION: the release gives no ages of new plans\n",
            f);
    }
    {
        double v[HNB_SEN2_MAXSET] = {0}, tot = 0;
        long long sh[HNB_SEN2_MAXSET];
        for (int s = 0; s < ns; s++)
            tot += v[s] = ok(&c->new_mix[s]);
        if (!(tot > 0))
            for (int s = 0; s < ns; s++)
                v[s] = c->mix[s].v;
        shares9(v, ns, sh);
        fputs("  mix:\n", f);
        for (int s = 0; s < ns; s++) {
            fprintf(f, "    %s: ", m->settings[s].id);
            share9(f, sh[s]);
            hnb_fmt_count(b2, sizeof b2, v[s]);
            fprintf(f, "   # %s%s: ", b2,
                    tot > 0 ? " new plans" : " plans (ASSUMPTION: new plans as the stock)");
            src(f, tot > 0 ? &c->new_mix[s] : &c->mix[s]);
            fputc('\n', f);
        }
    }
    if (c->has_need) {
        double v[HNB_SEN2_NEEDS], tot = 0;
        long long sh[HNB_SEN2_NEEDS];
        for (int k = 0; k < HNB_SEN2_NEEDS; k++)
            tot += v[k] = c->has_new_need ? ok(&c->new_need[k]) : 0;
        if (!(tot > 0)) {
            for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
                v[k] = 0;
                for (int s = 0; s < ns; s++)
                    v[k] += c->need[s][k];
            }
            fputs("  # ASSUMPTION: no need figures for new plans: the stock's need mix\n", f);
        } else {
            fputs("  # ", f);
            src(f, &c->new_need[0]);
            fputs(" ... number_need_unknown\n", f);
        }
        shares9(v, HNB_SEN2_NEEDS, sh);
        fputs("  need_mix: {", f);
        for (int k = 0; k < HNB_SEN2_NEEDS; k++) {
            fprintf(f, "%s%s: ", k ? ", " : "", hnb_sen2_need_ids[k]);
            share9(f, sh[k]);
        }
        fputs("}\n", f);
    }
    /* the pipeline */
    if (c->req_year && c->req.status == HNB_SEN2_OK) {
        hnb_fmt_count(b1, sizeof b1, c->req.v);
        fprintf(f, "\npipeline:\n  requests:\n    count: %.0f   # requests in %d: ", c->req.v,
                c->req_year);
        src(f, &c->req);
        fputs("\n    growth: 0   # ASSUMPTION: flat; the calibration fits the council's trend\n",
              f);
        fputs(
            "  backlog: 0   # ASSUMPTION: the release does not give requests awaiting a decision\n",
            f);
        pipeline_rate(f, &c->to_assess, &c->not_assess, "decided to assess",
                      "not to assess", "requests_decided_not_to_assess", "assess_rate",
                      "decisions to assess not given");
        pipeline_rate(f, &c->assess_issued, &c->assess_not_issued,
                      "assessments ending in a plan", "not", "assess_not_issued", "issue_rate",
                      "assessment outcomes not given");
        double den = ok(&c->tl_den), w20 = ok(&c->tl_within), gt1 = ok(&c->tl_year);
        if (c->tl_den.status == HNB_SEN2_OK && den > 0) {
            hnb_fmt_count(b1, sizeof b1, w20);
            hnb_fmt_count(b2, sizeof b2, den);
            fprintf(f, "  # Timeliness %d: %s of %s plans issued within 20 weeks (", c->req_year,
                    b1, b2);
            num(f, 100 * w20 / den, 1);
            fputs("%): ", f);
            src(f, &c->tl_within);
            fputc('\n', f);
        }
        if (c->tl_year.status == HNB_SEN2_OK && den > 0) {
            hnb_fmt_count(b3, sizeof b3, gt1);
            fprintf(
                f,
                "  # ASSUMPTION: plans start in the year they are decided. The release suggests a\n"
                "  # lag: [calc] 1 - %s / %s plans issued more than a year after the request = ",
                b3, b2);
            num(f, 1 - gt1 / den, 3);
            fputs("\n  # (", f);
            src(f, &c->tl_year);
            fputs("), but a lagged pipeline makes the\n"
                  "  # calibration's yearly growth swing; set it and recalibrate if you prefer "
                  "(docs/sen2.md).\n",
                  f);
        }
        fputs("  same_year: 1\n", f);
    } else {
        /* no requests: new plans given directly */
        fprintf(f,
                "  # No requests in the release for this council: new plans are given directly.\n"
                "  count: %.0f   # ",
                c->new_total.v);
        src(f, &c->new_total);
        fputs("\n  growth: 0   # ASSUMPTION: flat; the calibration fits the council's trend\n", f);
    }
    /* cessation */
    fputs("\ncessation:\n", f);
    if (c->ncease) {
        fprintf(
            f,
            "  # [calc] plans ceased in calendar %d by age at ceasing, over the plans of that age "
            "at\n"
            "  # January %d. ASSUMPTION: the same rates every year (the calibration refits the\n"
            "  # rate for ages 0-15 to the exits the history implies).\n",
            c->jan - 1, c->jan - 1);
        for (int b = 0; b < c->ncease; b++) {
            double r = c->cease_n[b].v / c->cease_stock[b].v;
            if (r > 1) r = 1;
            hnb_fmt_count(b1, sizeof b1, c->cease_n[b].v);
            hnb_fmt_count(b2, sizeof b2, c->cease_stock[b].v);
            if (b == 0)
                fputs("  rate: ", f);
            else {
                if (b == 1) fputs("  by_age:\n", f);
                fputs("    ", f);
                if (c->cease_lo[b] == c->cease_hi[b])
                    fprintf(f, "%d: ", c->cease_lo[b]);
                else
                    fprintf(f, "\"%d-%d\": ", c->cease_lo[b], c->cease_hi[b]);
            }
            num(f, r, 6);
            if (c->cease_lo[b] == c->cease_hi[b])
                fprintf(f, "   # age %d: ", c->cease_lo[b]);
            else
                fprintf(f, "   # ages %d-%d: ", c->cease_lo[b], c->cease_hi[b]);
            fprintf(f,
                    "%s ceased (%s from line %d, total_ceased) / %s plans (%s from line %d, "
                    "ehcplans)\n",
                    b1, short_path(c->cease_n[b].file), c->cease_n[b].line, b2,
                    short_path(c->cease_stock[b].file), c->cease_stock[b].line);
        }
    } else {
        fputs("  rate: \"5%\"   # ASSUMPTION: ceased plans by age not given; the calibration "
              "refits it\n",
              f);
    }
    fputs("\n# No transitions: the release does not give moves between settings (ASSUMPTION: "
          "none).\n",
          f);
    /* money */
    double cost0 = 0;
    for (int s = 0; s < ns; s++) {
        double u = 0;
        const char *why;
        hnb_value_parse(m->settings[s].cost, 0, HNB_KIND_MONEY, &u, &why);
        cost0 += c->mix[s].v * u;
    }
    fputs("\nfunding:\n"
          "  # PLACEHOLDER: the council's high-needs allocation (DSG). Set here to the plans'\n"
          "  # cost at the placeholder unit costs, so that the starter shows the growth of\n"
          "  # demand alone; replace it with the council's own path.\n"
          "  grant: !placeholder \"",
          f);
    char money[64];
    hnb_fmt_fixed(money, sizeof money, cost0 / 1e6, 1);
    fprintf(f, "£%sm\"\n", money);
    fputs("\n# Other expenditure, mitigations, the 2026 regime (docs/regime.md) and Monte Carlo\n"
          "# are the council's to add; the calibration beside this file adds the trend's bands.\n",
          f);
}
