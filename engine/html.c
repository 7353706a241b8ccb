/* html.c - report.html: key messages, the budget-paper table, charts,
 * every table, and the assumptions with their sources. */
#include "hnb/html.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/report.h"
#include "hnb/mem.h"

/* ---- sources: the comments beside a value in the scenario ---- */

typedef struct {
    char path[512];
    char **lines;
    int n;
} file_lines;

static file_lines cache[8];
static int ncache;

static const file_lines *lines_of(const char *file)
{
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].path, file)) return &cache[i];
    if (ncache == 8) return NULL;
    FILE *f = fopen(file, "r");
    if (!f && errno == ENOMEM) hnb_oom();
    if (!f) return NULL;
    file_lines *fl = &cache[ncache++];
    snprintf(fl->path, sizeof fl->path, "%s", file);
    char buf[4096];
    int cap = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (fl->n == cap) {
            cap = cap ? cap * 2 : 256;
            fl->lines = realloc(fl->lines, (size_t)cap * sizeof *fl->lines);
            if (!fl->lines) hnb_oom();
        }
        buf[strcspn(buf, "\r\n")] = 0;
        if (!(fl->lines[fl->n++] = strdup(buf))) hnb_oom();
    }
    fclose(f);
    return fl;
}

/* The '#' that starts a comment on LINE (not inside quotes), or NULL. */
static const char *comment_start(const char *line)
{
    char quote = 0;
    for (const char *q = line; *q; q++) {
        if (quote) {
            if (*q == quote) quote = 0;
        } else if (*q == '"' || *q == '\'') {
            quote = *q;
        } else if (*q == '#' && (q == line || q[-1] == ' ' || q[-1] == '\t')) {
            return q;
        }
    }
    return NULL;
}

void hnb_source_comment(const char *file, int line, char *out, size_t n)
{
    out[0] = 0;
    if (!file || line < 1) return;
    const file_lines *fl = lines_of(file);
    if (!fl || line > fl->n) return;
    const char *c = comment_start(fl->lines[line - 1]);
    const char *lead = fl->lines[line - 1];
    while (*lead == ' ' || *lead == '-') lead++;
    if (c && c != lead) { /* a trailing comment */
        snprintf(out, n, "%s", c + 1 + (c[1] == ' '));
        return;
    }
    /* else the comment block just above */
    int first = line - 1;
    while (first > 0) {
        const char *t = fl->lines[first - 1];
        while (*t == ' ') t++;
        if (*t != '#') break;
        first--;
    }
    size_t w = 0;
    for (int i = first; i < line - 1 && w + 2 < n; i++) {
        const char *t = fl->lines[i];
        while (*t == ' ') t++;
        t++;
        if (*t == ' ') t++;
        w += (size_t)snprintf(out + w, n - w, "%s%s", w ? " " : "", t);
    }
}

/* ---- HTML ---- */

void hnb_html_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* The whole of a small file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in && errno == ENOMEM) hnb_oom();
    if (!in) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n - 1, in);
        if (n < cap - 1) break;
        char *nb = realloc(b, cap *= 2);
        if (!nb) hnb_oom();
        b = nb;
    }
    if (!b) hnb_oom();
    if (ferror(in)) {
        free(b);
        b = NULL;
    }
    fclose(in);
    if (b) b[n] = 0;
    if (len) *len = n;
    return b;
}

static void base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(digits[v >> 18 & 63], f);
        fputc(digits[v >> 12 & 63], f);
        fputc(i + 1 < n ? digits[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? digits[v & 63] : '=', f);
    }
}

/* A chart, inlined as SVG. Chromium prints SVG hatching (pattern fills) as
 * one bitmap per hatched bar, which made a 10-page report a 20 MB PDF: a
 * hatched chart therefore also carries its PNG, shown in print instead. */
static void inline_svg(FILE *f, const char *charts, const char *name, const char *caption)
{
    if (!charts) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.svg", charts, name);
    char *svg = slurp(path, NULL);
    if (!svg) return;
    const char *start = strstr(svg, "<svg"); /* drop the XML declaration and doctype */
    if (!start) {
        free(svg);
        return;
    }
    fputs("<figure>", f);
    char *png = NULL;
    size_t npng = 0;
    if (strstr(start, "url(#gpPat")) {
        snprintf(path, sizeof path, "%s/%s.png", charts, name);
        png = slurp(path, &npng);
    }
    if (png) fputs("<div class=\"scr\">", f);
    fputs(start, f);
    if (png) {
        fputs("</div><img class=\"prn\" alt=\"\" src=\"data:image/png;base64,", f);
        base64(f, (const unsigned char *)png, npng);
        fputs("\">", f);
    }
    free(png);
    free(svg);
    fputs("<figcaption>", f);
    hnb_html_escape(f, caption);
    fputs("</figcaption></figure>\n", f);
}

static void table_start(FILE *f, const char *const *heads, int n)
{
    /* many columns: smaller type on paper, so the table fits A4's width */
    fputs(n > 10 ? "<table class=wide><thead><tr>" : "<table><thead><tr>", f);
    for (int i = 0; i < n; i++) fprintf(f, "<th>%s</th>", heads[i]);
    fputs("</tr></thead><tbody>\n", f);
}

/* One style for every page hnb writes (report, compare, batch index), so
 * that they read as one set of papers. */
const char *const hnb_html_style =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;color:#222;max-width:60em;margin:2em auto;"
    "padding:0 1em;line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;"
    "margin-top:2em}\n"
    ".lead{color:#555}.messages{background:#f3f7fb;border-left:5px solid #0072B2;padding:.6em 1.2em}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #bbb;"
    "padding:3px 8px}th{background:#e8eef4;text-align:left}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}tr.error td{background:#fde2e2}\n"
    "figure{margin:1em 0}figure svg{width:100%;height:auto}figcaption{font-size:.85em;color:#555}\n"
    ".prn{display:none}\n"
    "@media print{.scr{display:none}.prn{display:block;width:100%;height:auto}\n"
    "@page{size:A4;margin:15mm}body{max-width:none;margin:0;font-size:10pt}"
    "h1,h2,h3,h4{page-break-after:avoid;break-after:avoid}table,figure{page-break-inside:avoid}"
    "table{font-size:7.5pt}th,td{padding:2px 4px}table.wide{font-size:6.5pt}"
    "table.wide th,table.wide td{padding:1px 2px}a{color:inherit}}\n";

/* S inside a CSS string: quotes, backslashes and line ends escaped, and
 * '<' too, so that nothing closes the <style> element. */
static void css_string(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == '<' || c == '>' || c < 0x20) fprintf(f, "\\%X ", c);
        else fputc(c, f);
    }
}

/* A markdown list of report.c's ("- item\n", **bold**) as <li> items. */
static void md_items(FILE *f, const char *text)
{
    int bold = 0;
    for (const char *s = text; *s; s++) {
        if (s[0] == '-' && s[1] == ' ' && (s == text || s[-1] == '\n')) {
            fputs("<li>", f);
            s++;
        } else if (s[0] == '*' && s[1] == '*') {
            fputs(bold ? "</b>" : "<b>", f);
            bold = !bold;
            s++;
        } else if (*s == '\n') {
            fputs("</li>\n", f);
        } else {
            char one[2] = {*s, 0};
            hnb_html_escape(f, one);
        }
    }
}

int hnb_write_report_html(FILE *f, const hnb_model *m, const double *p, const hnb_result *r,
                          const hnb_mc *mc, const char *charts)
{
    char a[HNB_NUM_BUF], b[HNB_NUM_BUF], c[HNB_NUM_BUF], d[HNB_NUM_BUF], e[HNB_NUM_BUF], l0[8],
        l1[8];
    const int ys = m->years;
    hnb_year_label(m->start_year, l0);
    hnb_year_label(m->start_year + ys - 1, l1);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    hnb_html_escape(f, m->name);
    /* what a printed copy carries on every page: the scenario, hnb's
     * version, the draws and seed, the date (report.c), the page */
    char date[64], stamp[700];
    hnb_report_date(m, date, sizeof date);
    int w = snprintf(stamp, sizeof stamp, "hnb %s", HNB_VERSION);
    if (mc) {
        char nd[HNB_NUM_BUF];
        hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
        w += snprintf(stamp + w, sizeof stamp - (size_t)w, ", %s draws, seed %lu", nd, mc->seed);
    }
    if (date[0] && w > 0 && (size_t)w < sizeof stamp)
        snprintf(stamp + w, sizeof stamp - (size_t)w, ", scenario of %s", date);
    fputs("</title>\n<style>\n", f);
    fputs(hnb_html_style, f);
    fputs("@page{@bottom-left{content:\"", f);
    css_string(f, m->name);
    fputs(" \\B7  ", f);
    css_string(f, stamp);
    fputs("\";font-size:8pt;color:#555}@bottom-right{content:\"Page \" counter(page) \" of \" "
          "counter(pages);font-size:8pt;color:#555}}\n",
          f);
    fputs("</style></head><body>\n<h1>", f);
    hnb_html_escape(f, m->name);
    fputs("</h1>\n<p class=\"lead\">", f);
    if (m->authority) {
        hnb_html_escape(f, m->authority);
        fputs(". ", f);
    }
    fprintf(f, "High Needs Block projection, %s to %s. Produced by hnb from <code>", l0, l1);
    hnb_html_escape(f, m->file);
    fputs("</code> (", f);
    hnb_html_escape(f, stamp);
    fputs(").</p>\n", f);

    /* key messages: first what a committee should quote (report.c) */
    fputs("<h2>Key messages</h2>\n<div class=\"messages\"><ul>\n", f);
    char *head = hnb_headline(m, r, mc);
    if (head) {
        md_items(f, head);
        free(head);
    }
    double reserves = m->reserves >= 0 ? p[m->reserves] : 0;
    if (m->override_end) {
        int t = m->override_end - 1 - m->start_year;
        char lo[8];
        hnb_year_label(m->override_end - 1, lo);
        if (t >= -1 && t < ys && m->regime.given) {
            /* SPEC section 13: the exposure net of the grant */
            double x = t < 0 ? (m->opening_deficit >= 0 ? p[m->opening_deficit] : 0)
                             : r->cumulative_deficit[t];
            double grant = 0;
            for (int k = 0; k <= t; k++) grant += r->stability_grant[k];
            fprintf(f, "<li>When the statutory override ends in March %d, the deficit left with "
                       "the council is forecast at <b>%s</b> (end of %s)",
                    m->override_end, hnb_fmt_pm(a, x), lo);
            if (grant > 0) fprintf(f, ", net of a stability grant of £%sm", hnb_fmt_m(b, grant));
            if (reserves > 0) fprintf(f, ", %.0f%% of usable reserves of £%sm", 100 * x / reserves, hnb_fmt_m(b, reserves));
            fputs(".</li>\n", f);
            if (m->regime.central_share) {
                double met = 0;
                for (int k = 0; k < ys; k++) met += r->central_funding[k];
                fprintf(f, "<li>After the override the scenario assumes central support meets "
                           "£%sm of the annual gaps to %s; what it does not meet stays with the "
                           "council.</li>\n",
                        hnb_fmt_m(a, met), l1);
            }
        } else if (t >= -1 && t < ys) {
            double x = t < 0 ? (m->opening_deficit >= 0 ? p[m->opening_deficit] : 0)
                             : r->cumulative_deficit[t];
            fprintf(f, "<li>When the statutory override ends in March %d, the cumulative High "
                       "Needs deficit is forecast at <b>%s</b> (end of %s)",
                    m->override_end, hnb_fmt_pm(a, x), lo);
            if (reserves > 0) fprintf(f, ", %.0f%% of usable reserves of £%sm", 100 * x / reserves, hnb_fmt_m(b, reserves));
            fputs(". From April the council must provide for it in its own budget.</li>\n", f);
        }
    }
    fprintf(f, "<li>By the end of %s the cumulative deficit reaches <b>%s</b>; the annual gap "
               "that year is %s.</li>\n",
            l1, hnb_fmt_pm(a, r->cumulative_deficit[ys - 1]), hnb_fmt_pm(b, r->annual_gap[ys - 1]));
    if (reserves > 0) {
        int passed = -1;
        for (int t = 0; t < ys && passed < 0; t++)
            if (r->cumulative_deficit[t] > reserves) passed = t;
        char lp[8];
        if (passed >= 0) {
            hnb_year_label(m->start_year + passed, lp);
            fprintf(f, "<li>The deficit passes the council's usable reserves (£%sm) in "
                       "<b>%s</b>.</li>\n",
                    hnb_fmt_m(a, reserves), lp);
        } else {
            fprintf(f, "<li>The deficit stays below usable reserves (£%sm) to %s.</li>\n",
                    hnb_fmt_m(a, reserves), l1);
        }
    }
    if (m->bottom_up) {
        char n0[HNB_NUM_BUF], n1[HNB_NUM_BUF], nu[HNB_NUM_BUF];
        hnb_fmt_count(n0, sizeof n0, r->ehcps[0]);
        hnb_fmt_count(n1, sizeof n1, r->ehcps[ys - 1]);
        hnb_fmt_count(nu, sizeof nu, r->ehcps_unmitigated[ys - 1]);
        fprintf(f, "<li>EHCPs funded: %s in %s, %s in %s with the planned mitigations (%s "
                   "without).</li>\n",
                n0, l0, n1, l1, nu);
    }
    double total_mit = 0;
    for (int t = 0; t < ys; t++) total_mit += r->mitigations[t];
    if (m->nmit && !m->regime.central_share)
        fprintf(f, "<li>Planned mitigations are worth £%sm over the period; without them the "
                   "deficit would be £%sm higher by %s.</li>\n",
                hnb_fmt_m(a, total_mit), hnb_fmt_m(b, total_mit), l1);
    else if (m->nmit) /* central support would meet part of what they save */
        fprintf(f, "<li>Planned mitigations are worth £%sm over the period, before central "
                   "support: after the override, part of what they save would otherwise be met "
                   "centrally, so the deficit would rise by less than that without them.</li>\n",
                hnb_fmt_m(a, total_mit));
    if (m->dsg.given)
        fprintf(f, "<li>Across the whole Dedicated Schools Grant (the other blocks' balance "
                   "included) the deficit is %s at the end of %s.</li>\n",
                hnb_fmt_pm(a, r->dsg_deficit[ys - 1]), l1);
    if (mc && m->regime.given) {
        /* in the words a committee asks in, one line a year: the chance of
         * being left with more than each threshold (summary.md has a
         * sentence each) */
        int done[64] = {0};
        for (int k = 0; k < mc->nexceed && k < 64; k++) {
            if (done[k]) continue;
            const int y = mc->exceed[k].year;
            char ly[8], nd[HNB_NUM_BUF];
            hnb_year_label(y, ly);
            hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
            int over = m->override_end && y == m->override_end - 1;
            char net[128];
            hnb_net_words(net, sizeof net, m, y);
            double top = 0, least = 0;
            int any = 0, zeros = 0;
            for (int j = k; j < mc->nexceed && j < 64; j++)
                if (mc->exceed[j].year == y) {
                    done[j] = 1;
                    if (!any || mc->exceed[j].threshold < least) least = mc->exceed[j].threshold;
                    if (mc->exceed[j].probability > top) top = mc->exceed[j].probability;
                    zeros += mc->exceed[j].probability <= 0;
                    any = 1;
                }
            if (top <= 0) { /* none at all: one threshold says it */
                fprintf(f, "<li>%s %s, none of the %s draws leaves more than £%sm with the "
                           "council%s.</li>\n",
                        over ? "When the override ends, at the end of" : "At the end of", ly, nd,
                        hnb_fmt_m(a, least), net);
                continue;
            }
            fprintf(f, "<li>The chance of being left with more than ");
            int first = 1;
            for (int j = k; j < mc->nexceed && j < 64; j++)
                if (mc->exceed[j].year == y) {
                    fprintf(f, "%s£%sm", first ? "" : ", ", hnb_fmt_m(a, mc->exceed[j].threshold));
                    first = 0;
                }
            fprintf(f, " %s %s%s: ",
                    over ? "when the override ends, at the end of" : "at the end of", ly, net);
            first = 1;
            for (int j = k; j < mc->nexceed && j < 64; j++)
                if (mc->exceed[j].year == y) {
                    double pr = mc->exceed[j].probability;
                    char w[32];
                    if (pr <= 0) snprintf(w, sizeof w, "0%%");
                    else if (pr >= 1) snprintf(w, sizeof w, "100%%");
                    else if (pr < 0.005) snprintf(w, sizeof w, "under 0.5%%");
                    else snprintf(w, sizeof w, "<b>%.0f%%</b>", 100 * pr);
                    fprintf(f, "%s%s", first ? "" : ", ", w);
                    first = 0;
                }
            if (zeros) fprintf(f, " (0%%: none of the %s draws)", nd);
            fputs(".</li>\n", f);
        }
    }
    if (mc) {
        /* one line a threshold: its chance at each year reported */
        for (int k = 0; k < mc->nexceed && !m->regime.given; k++) {
            const hnb_mc_exceedance *x = &mc->exceed[k];
            if (k > 0 && mc->exceed[k - 1].threshold == x->threshold) continue;
            fprintf(f, "<li>Chance the deficit is above <b>£%sm</b>: ", hnb_fmt_m(a, x->threshold));
            for (int j = k; j < mc->nexceed && mc->exceed[j].threshold == x->threshold; j++) {
                char ly[8];
                hnb_year_label(mc->exceed[j].year, ly);
                fprintf(f, "%s<b>%.0f%%</b> at the end of %s%s", j > k ? "; " : "",
                        100 * mc->exceed[j].probability, ly,
                        m->override_end && mc->exceed[j].year == m->override_end - 1
                            ? " (when the override ends)"
                            : "");
            }
            fputs(".</li>\n", f);
        }
        int top = mc->ndrivers < 3 ? mc->ndrivers : 3;
        if (top > 0) {
            fputs("<li>The assumptions that move the deficit most: ", f);
            for (int k = 0; k < top; k++) {
                fputs(k ? (k == top - 1 ? " and " : ", ") : "", f);
                char desc[400];
                hnb_param_describe(m, &m->params[mc->drivers[k].slot], desc, sizeof desc);
                if (k && desc[0] >= 'A' && desc[0] <= 'Z' && desc[1] >= 'a' && desc[1] <= 'z')
                    desc[0] = (char)(desc[0] - 'A' + 'a');
                fputs("<b>", f);
                hnb_html_escape(f, desc);
                fprintf(f, "</b> (£%sm between its P10 and P90)", hnb_fmt_m(a, fabs(mc->drivers[k].swing)));
            }
            fputs(".</li>\n", f);
        }
    }
    fputs("</ul></div>\n", f);

    /* the budget-paper table */
    fputs("<h2>The budget-paper table</h2>\n", f);
    hnb_budget_col bcol[HNB_BUDGET_MAX];
    const int nb = hnb_budget_columns(m, r, bcol);
    const char *bp[1 + HNB_BUDGET_MAX] = {"Year"};
    for (int k = 0; k < nb; k++) bp[1 + k] = bcol[k].title;
    table_start(f, bp, 1 + nb);
    for (int t = 0; t < ys; t++) {
        char l[8];
        hnb_year_label(m->start_year + t, l);
        fprintf(f, "<tr><td>%s</td>", l);
        for (int k = 0; k < nb; k++) fprintf(f, "<td class=n>%s</td>", hnb_fmt_m(a, bcol[k].x[t]));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n<p>Expenditure is gross, before planned mitigations; the annual gap "
          "is expenditure less grant and income less mitigations.</p>\n",
          f);
    if (m->regime.given) {
        /* the summary's list, its **bold** as <b> */
        char *text = hnb_regime_text(m, p, r);
        fputs("<p>The cumulative deficit is net of the stability grant and of the support met "
              "centrally; neither changes the annual gap.</p>\n<h2>The 2026 deficit regime</h2>\n<ul>\n",
              f);
        md_items(f, text);
        fputs("</ul>\n", f);
        free(text);
    }

    fputs("<h2>Charts</h2>\n", f);
    inline_svg(f, charts, "deficit", "Annual funding gap (bars) and cumulative deficit (line), £m.");
    if (mc) inline_svg(f, charts, "fan", "The range of the cumulative deficit across the draws.");
    inline_svg(f, charts, "funding", "Expenditure against grant and income, £m.");
    if (m->bottom_up) {
        inline_svg(f, charts, "plans", "EHCPs funded, by setting.");
        inline_svg(f, charts, "mix", "The placement mix, % of EHCPs.");
        if (m->nneeds) inline_svg(f, charts, "needs", "EHCPs funded, by primary need.");
    }
    if (m->nmit) inline_svg(f, charts, "mitigations", "Planned mitigations by year, £m.");
    if (mc) inline_svg(f, charts, "tornado", "What drives the deficit at the horizon.");

    /* every table */
    fputs("<h2>Tables</h2>\n<h3>Projection</h3>\n", f);
    static const char *const ph[] = {"Year", "EHCPs", "EHCPs without mitigations", "New plans",
                                     "Expenditure (£m)", "Mitigations (£m)", "Income (£m)",
                                     "Grant (£m)", "Annual gap (£m)", "Cumulative deficit (£m)"};
    table_start(f, ph, 10);
    for (int t = 0; t < ys; t++) {
        char l[8], g[HNB_NUM_BUF];
        hnb_year_label(m->start_year + t, l);
        /* children are whole: counts to the nearest, with separators */
        char e0[HNB_NUM_BUF], e1[HNB_NUM_BUF], e2[HNB_NUM_BUF];
        hnb_fmt_count(e0, sizeof e0, r->ehcps[t]);
        hnb_fmt_count(e1, sizeof e1, r->ehcps_unmitigated[t]);
        hnb_fmt_count(e2, sizeof e2, r->new_plans[t]);
        fprintf(f, "<tr><td>%s</td><td class=n>%s</td><td class=n>%s</td><td class=n>%s</td>", l,
                e0, e1, e2);
        fprintf(f, "<td class=n>%s</td><td class=n>%s</td><td class=n>%s</td><td class=n>%s</td>"
                   "<td class=n>%s</td><td class=n>%s</td></tr>\n",
                hnb_fmt_m(a, r->expenditure[t]), hnb_fmt_m(b, r->mitigations[t]), hnb_fmt_m(c, r->income[t]),
                hnb_fmt_m(g, r->grant[t]), hnb_fmt_m(d, r->annual_gap[t]), hnb_fmt_m(e, r->cumulative_deficit[t]));
    }
    fputs("</tbody></table>\n", f);
    if (m->pipeline.given) {
        fputs("<h3>From requests to plans (with mitigations)</h3>\n", f);
        static const char *const qh[] = {"Year", "Requests", "Concluded", "Backlog at year end",
                                         "Plans decided", "New plans", "New plans without mitigations"};
        table_start(f, qh, 7);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "<tr><td>%s</td><td class=n>%.0f</td><td class=n>%.0f</td><td class=n>%.0f</td>"
                       "<td class=n>%.0f</td><td class=n>%.0f</td><td class=n>%.0f</td></tr>\n",
                    l, r->requests[t], r->concluded[t], r->backlog[t], r->decided[t], r->new_plans[t],
                    r->new_plans_unmitigated[t]);
        }
        fputs("</tbody></table>\n", f);
    }
    if (m->regime.given || m->dsg.given) {
        fprintf(f, "<h3>%s (£m)</h3>\n",
                m->regime.given && m->dsg.given ? "The deficit regime and the DSG"
                : m->regime.given              ? "The deficit regime"
                                               : "The DSG");
        static const char *const titles[] = {"Stability grant", "Central support", "Other DSG blocks (balance)",
                                             "DSG-wide deficit"};
        const char *rh[1 + HNB_NCOLUMNS] = {"Year"};
        int cols[HNB_NCOLUMNS], nrc = 0;
        for (int k = 0, j = 0; k < HNB_NCOLUMNS; k++)
            if (hnb_columns[k].when != HNB_COL_ALWAYS) {
                if (hnb_column_present(m, k)) {
                    cols[nrc] = k;
                    rh[1 + nrc++] = titles[j];
                }
                j++;
            }
        table_start(f, rh, 1 + nrc);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "<tr><td>%s</td>", l);
            for (int k = 0; k < nrc; k++)
                fprintf(f, "<td class=n>%s</td>", hnb_fmt_m(a, hnb_column_values(r, cols[k])[t]));
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
    if (m->version >= 2 && m->bottom_up) {
        /* the DfE DSG management plan's EHCP table: age groups down,
         * placement categories across, a block a year */
        fputs("<h3>EHCPs in the DSG management plan's shape (with mitigations)</h3>\n", f);
        const char *dh[2 + HNB_DFE_N + 1] = {"Year", "Age"};
        for (int c = 0; c < HNB_DFE_N; c++) dh[2 + c] = hnb_dfe_category_names[c];
        dh[2 + HNB_DFE_N] = "all";
        table_start(f, dh, 3 + HNB_DFE_N);
        double tab[(HNB_DFE_N + 1) * (HNB_DSG_AGE_GROUPS + 1)];
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            hnb_dsg_plan_table(m, r, t, tab);
            for (int g = 0; g <= HNB_DSG_AGE_GROUPS; g++) {
                fprintf(f, "<tr><td>%s</td><td>%s</td>", l,
                        g < HNB_DSG_AGE_GROUPS ? hnb_dsg_age_groups[g] : "total");
                for (int c = 0; c <= HNB_DFE_N; c++)
                    fprintf(f, "<td class=n>%.0f</td>", tab[c * (HNB_DSG_AGE_GROUPS + 1) + g]);
                fputs("</tr>\n", f);
            }
        }
        fputs("</tbody></table>\n", f);
        if (m->nneeds) {
            /* the plan's need table: needs down, categories across */
            const int nn = m->nneeds;
            double *nt = calloc((size_t)(HNB_DFE_N + 1) * (size_t)(nn + 1), sizeof(double));
            if (!nt) return HNB_EFAIL;
            fputs("<h3>EHCPs by primary need in the management plan's categories</h3>\n", f);
            dh[1] = "Primary need";
            table_start(f, dh, 3 + HNB_DFE_N);
            for (int t = 0; t < ys; t++) {
                char l[8];
                hnb_year_label(m->start_year + t, l);
                hnb_dsg_plan_needs(m, r, t, nt);
                for (int n = 0; n <= nn; n++) {
                    fprintf(f, "<tr><td>%s</td><td>", l);
                    hnb_html_escape(f, n < nn ? m->need_labels[n] : "total");
                    fputs("</td>", f);
                    for (int c = 0; c <= HNB_DFE_N; c++) fprintf(f, "<td class=n>%.0f</td>", nt[c * (nn + 1) + n]);
                    fputs("</tr>\n", f);
                }
            }
            fputs("</tbody></table>\n", f);
            free(nt);
        }
    }
    if (m->nneeds) {
        /* plans and cost by need, every setting together */
        const int nn = m->nneeds, ns = m->nsettings, nc = hnb_model_cohorts(m);
        fputs("<h3>By primary need (with mitigations)</h3>\n", f);
        static const char *const nh[] = {"Year", "Primary need", "Plans", "Cost per plan (£)", "Cost (£m)"};
        table_start(f, nh, 5);
        for (int t = 0; t < ys; t++)
            for (int n = 0; n < nn; n++) {
                char l[8];
                double plans = 0, cost = 0;
                for (int s = 0; s < ns; s++) {
                    plans += r->plans_need[(size_t)t * nc + n * ns + s];
                    cost += r->cost_need[(size_t)t * nc + n * ns + s];
                }
                hnb_year_label(m->start_year + t, l);
                fprintf(f, "<tr><td>%s</td><td>", l);
                hnb_html_escape(f, m->need_labels[n]);
                char pc[HNB_NUM_BUF], uc[HNB_NUM_BUF];
                hnb_fmt_count(pc, sizeof pc, plans);
                hnb_fmt_count(uc, sizeof uc, plans > 0 ? cost / plans : 0);
                fprintf(f, "</td><td class=n>%s</td><td class=n>%s</td><td class=n>%s</td></tr>\n",
                        pc, uc, hnb_fmt_m(a, cost));
            }
        fputs("</tbody></table>\n", f);
    }
    if (m->bottom_up) {
        fputs("<h3>Placements (with mitigations)</h3>\n", f);
        static const char *const pl[] = {"Year", "Setting", "Plans", "Cost per plan (£)", "Cost (£m)"};
        table_start(f, pl, 5);
        for (int t = 0; t < ys; t++)
            for (int s = 0; s < m->nsettings; s++) {
                char l[8];
                int k = t * m->nsettings + s;
                hnb_year_label(m->start_year + t, l);
                fprintf(f, "<tr><td>%s</td><td>", l);
                hnb_html_escape(f, m->settings[s].label);
                char pc[HNB_NUM_BUF], uc[HNB_NUM_BUF];
                hnb_fmt_count(pc, sizeof pc, r->plans[k]);
                hnb_fmt_count(uc, sizeof uc, r->unit_cost[k]);
                fprintf(f, "</td><td class=n>%s</td><td class=n>%s</td><td class=n>%s</td></tr>\n",
                        pc, uc, hnb_fmt_m(a, r->cost[k]));
            }
        fputs("</tbody></table>\n", f);
    }
    if (m->nmit) {
        fprintf(f, "<h3>Mitigations by year (£m)</h3>\n<table%s><thead><tr><th>Mitigation</th>",
                ys + 1 > 10 ? " class=wide" : "");
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            fprintf(f, "<th>%s</th>", l);
        }
        fputs("</tr></thead><tbody>\n", f);
        for (int i = 0; i < m->nmit; i++) {
            fputs("<tr><td>", f);
            hnb_html_escape(f, m->mits[i].name);
            fputs("</td>", f);
            for (int t = 0; t < ys; t++)
                fprintf(f, "<td class=n>%s</td>", hnb_fmt_m(a, r->contribution[t * m->nmit + i]));
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
        if (r->shapley)
            fputs("<p>Each mitigation's figure is its Shapley value: its marginal effect averaged "
                  "over every order in which the mitigations could be switched on.</p>\n", f);
        else if (m->version >= 2)
            fputs("<p>Each mitigation's figure is its marginal effect when the mitigations are "
                  "switched on one at a time in listed order, so where they overlap the split "
                  "depends on the order; <code>attribution: shapley</code> gives an order-free "
                  "split.</p>\n", f);
    }
    if (mc) {
        char nd[HNB_NUM_BUF];
        hnb_fmt_count(nd, sizeof nd, (double)mc->draws);
        fprintf(f, "<h3>Monte Carlo: the cumulative deficit (£m), %s draws</h3>\n", nd);
        static const char *const mh[] = {"Year", "P5", "P10", "P25", "P50", "P75", "P90", "P95",
                                         "Mean", "SE of P50", "SE of P90"};
        table_start(f, mh, 11);
        for (int t = 0; t < ys; t++) {
            char l[8];
            hnb_year_label(m->start_year + t, l);
            const double *q = hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
            fprintf(f, "<tr><td>%s</td>", l);
            for (int k = 0; k < HNB_MC_NQ; k++) fprintf(f, "<td class=n>%s</td>", hnb_fmt_m(a, q[k]));
            fprintf(f, "<td class=n>%s</td><td class=n>%.2f</td><td class=n>%.2f</td></tr>\n",
                    hnb_fmt_m(a, hnb_mc_mean(mc, HNB_MC_CUMULATIVE, t)), mc->se_p50[t] / 1e6,
                    mc->se_p90[t] / 1e6);
        }
        fputs("</tbody></table>\n<h3>Drivers (tornado)</h3>\n", f);
        static const char *const sh[] = {"Value", "P10", "P90", "Deficit at P10 (£m)",
                                         "Deficit at P90 (£m)", "Swing (£m)", "Rank correlation"};
        table_start(f, sh, 7);
        for (int k = 0; k < mc->ndrivers; k++) {
            const hnb_mc_driver *x = &mc->drivers[k];
            const hnb_param *pr = &m->params[x->slot];
            char desc[400], lo[HNB_NUM_BUF], hi[HNB_NUM_BUF];
            hnb_param_describe(m, pr, desc, sizeof desc);
            fputs("<tr><td>", f);
            hnb_html_escape(f, desc);
            fprintf(f, "</td><td class=n>%s</td><td class=n>%s</td><td class=n>%s</td>"
                       "<td class=n>%s</td><td class=n>%s</td><td class=n>%.2f</td></tr>\n",
                    hnb_fmt_value(lo, sizeof lo, pr->kind, x->low),
                    hnb_fmt_value(hi, sizeof hi, pr->kind, x->high), hnb_fmt_m(a, x->at_low),
                    hnb_fmt_m(b, x->at_high), hnb_fmt_m(c, x->swing), x->rank_correlation);
        }
        fputs("</tbody></table>\n", f);
    }

    /* assumptions */
    fputs("<h2>Assumptions and their sources</h2>\n<p>Every value of the scenario, with the "
          "comment the scenario gives beside it and, in small type, where it is written.</p>\n",
          f);
    static const char *const ah[] = {"Value", "Central", "Uncertainty", "Source or note"};
    table_start(f, ah, 4);
    for (int i = 0; i < m->nparams; i++) {
        const hnb_param *pr = &m->params[i];
        char src[1024], desc[400], v[HNB_NUM_BUF], dist[400];
        hnb_source_comment(pr->mark.file, pr->mark.line, src, sizeof src);
        hnb_param_describe(m, pr, desc, sizeof desc);
        hnb_fmt_dist(dist, sizeof dist, pr);
        fputs("<tr><td>", f);
        hnb_html_escape(f, desc);
        fputs("<br><small><code>", f);
        hnb_html_escape(f, pr->path);
        fprintf(f, "</code> line %d</small></td><td class=n>%s</td><td>", pr->mark.line,
                hnb_fmt_value(v, sizeof v, pr->kind, pr->central));
        hnb_html_escape(f, dist);
        fputs("</td><td>", f);
        /* one comment on a line of several values (an age profile) is said
         * once, not once a value */
        if (i > 0 && src[0] && pr->mark.file == m->params[i - 1].mark.file &&
            pr->mark.line == m->params[i - 1].mark.line)
            fputs("<small>(as above)</small>", f);
        else
            hnb_html_escape(f, src);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n</body></html>\n", f);
    return ferror(f) ? HNB_EFAIL : HNB_OK;
}
