/* scenario.c - check a merged scenario tree and compile it (SPEC sections 2,
 * 3, 5, 6 and 8).
 *
 * One walk over the tree does both jobs: each value is checked where it is
 * met (so the error carries its mark) and turned into a parameter slot. The
 * rules that need the whole picture (overflow order, transition sums,
 * correlation ids) run after the walk. Nothing here computes a projection. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hnb/csv.h"
#include "hnb/merge.h"
#include "hnb/model.h"
#include "hnb/sample.h"
#include "hnb/mem.h"

typedef struct {
    hnb_model *m;
    hnb_err *err;
    /* distribution ids that a --set replaced: correlations on them are
     * dropped with a warning rather than refused */
    char **gone;
    int ngone;
} ctx;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        hnb_oom();
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) hnb_oom();
    return d;
}

static int fail(ctx *c, const hnb_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(ctx *c, const hnb_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hnb_mark mk = at ? at->mark : (hnb_mark){c->m->file, 0, 0};
    hnb_err_vat(c->err, mk, fmt, ap);
    va_end(ap);
    return HNB_EINPUT;
}

/* A scalar's text for messages, shortened. */
static const char *shown(const hnb_node *n, char buf[64])
{
    if (!n || n->type != HNB_SCALAR) return hnb_node_type_name(n);
    size_t len = n->len;
    char tmp[48];
    size_t k = 0;
    for (size_t i = 0; i < len && k < 40; i++) {
        unsigned char ch = (unsigned char)n->str[i];
        tmp[k++] = (ch < 32 || ch == 127) ? '?' : (char)ch;
    }
    tmp[k] = 0;
    snprintf(buf, 64, "\"%s%s\"", tmp, len > 40 ? "..." : "");
    return buf;
}

const char *hnb_mit_type_name(hnb_mit_type t)
{
    static const char *const names[] = {"saving",   "demand",    "mix",       "unit_cost",
                                        "capacity", "cessation", "transition", "requests",
                                        "assessment"};
    return names[t];
}

const char *const hnb_dfe_category_names[HNB_DFE_N] = {
    "mainstream", "resourced", "special", "independent_special", "ap_hospital", "post16", "other"};

/* ---- keys ---- */

/* The keys SPEC v2 adds (sections 10-13), where they may stand, and whether
 * this build computes them. A v1 file that names one is refused with the
 * version it needs; a v2 file naming one this build does not yet compute is
 * refused as such, never silently ignored. */
static const struct {
    const char *key, *where;
    int section, built;
} v2_keys[] = {
    {"needs", "the scenario", 10, 1},       {"dfe_category", "a setting", 10, 1},
    {"need_cost", "a setting", 10, 1},      {"need_mix", "population", 10, 1},
    {"need_mix", "new_plans", 10, 1},       {"mix_by_need", "new_plans", 10, 1},
    {"needs", "a transition", 10, 1},       {"need", "a demand mitigation", 10, 1},
    {"need", "a mix mitigation", 10, 1},    {"need", "a unit_cost mitigation", 10, 1},
    {"pipeline", "the scenario", 11, 1},    {"attribution", "the scenario", 12, 1},
    {"regime", "the scenario", 13, 1},      {"dsg", "the scenario", 13, 1},
};

/* Every key of MAP must be one of ALLOWED (NULL-terminated). */
static int check_keys(ctx *c, const hnb_node *map, const char *where, const char *const *allowed)
{
    int n = 0;
    while (allowed[n]) n++;
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->str;
        int ok = 0;
        for (int j = 0; j < n && !ok; j++) ok = !strcmp(k, allowed[j]);
        for (size_t j = 0; j < sizeof v2_keys / sizeof *v2_keys; j++) {
            if (strcmp(k, v2_keys[j].key) || strcmp(where, v2_keys[j].where)) continue;
            if (c->m->version < 2)
                return fail(c, map->keys[i],
                            "'%s' in %s is a v2 key (SPEC section %d): the file must say "
                            "'hnb: 2', and it says 'hnb: %d'",
                            k, where, v2_keys[j].section, c->m->version);
            if (!v2_keys[j].built)
                return fail(c, map->keys[i],
                            "'%s' in %s (SPEC v2 section %d) is not supported by this build "
                            "of hnb yet",
                            k, where, v2_keys[j].section);
        }
        if (ok) continue;
        const char *near = hnb_nearest(k, allowed, n);
        char list[512];
        size_t w = 0;
        list[0] = 0;
        for (int j = 0; j < n && w < sizeof list - 40; j++)
            w += (size_t)snprintf(list + w, sizeof list - w, "%s%s", j ? ", " : "", allowed[j]);
        if (near)
            return fail(c, map->keys[i], "unknown key '%s' in %s; did you mean '%s'?", k, where,
                        near);
        return fail(c, map->keys[i], "unknown key '%s' in %s (known keys: %s)", k, where, list);
    }
    return HNB_OK;
}

static int want_map(ctx *c, const hnb_node *n, const char *path)
{
    if (n->type != HNB_MAP)
        return fail(c, n, "%s: expected a mapping of keys, found %s", path,
                    hnb_node_type_name(n));
    return HNB_OK;
}

static int want_seq(ctx *c, const hnb_node *n, const char *path)
{
    if (n->type != HNB_SEQ)
        return fail(c, n, "%s: expected a list, found %s", path, hnb_node_type_name(n));
    return HNB_OK;
}

static int want_text(ctx *c, const hnb_node *n, const char *path, const char **out)
{
    *out = "";
    if (n->type != HNB_SCALAR || hnb_node_is_null(n))
        return fail(c, n, "%s: expected a name, found %s", path, hnb_node_type_name(n));
    *out = n->str;
    return HNB_OK;
}

/* A plain integer (SPEC section 2: hnb, years, start_year, transition ages). */
static int want_int(ctx *c, const hnb_node *n, const char *path, long lo, long hi, long *out)
{
    char b[64];
    long v = 0;
    *out = 0;
    if (n->type != HNB_SCALAR || !n->plain || hnb_value_parse_int(n->str, &v) < 0)
        return fail(c, n, "%s: expected a whole number, found %s", path, shown(n, b));
    if (v < lo || v > hi)
        return fail(c, n, "%s: expected a whole number from %ld to %ld, found %ld", path, lo, hi,
                    v);
    *out = v;
    return HNB_OK;
}

static int want_year(ctx *c, const hnb_node *n, const char *path, int *out)
{
    char b[64];
    if (n->type != HNB_SCALAR || hnb_value_parse_year(n->str, out) < 0)
        return fail(c, n, "%s: expected a year like 2026 or \"2026/27\", found %s", path,
                    shown(n, b));
    return HNB_OK;
}

static int is_ident(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return 0;
    return 1;
}

/* ---- numbers and distributions ---- */

static const char *kind_what(hnb_kind k)
{
    switch (k) {
    case HNB_KIND_RATE:
        return "a number or percentage (e.g. 0.12 or \"12%\")";
    case HNB_KIND_MONEY:
        return "an amount of money (e.g. \"£6,000\" or \"1.2m\")";
    default:
        return "a plain number";
    }
}

static int range_ok(hnb_range r, double x)
{
    if (r == HNB_RANGE_NONNEG) return x >= 0;
    if (r == HNB_RANGE_UNIT) return x >= 0 && x <= 1;
    return 1;
}

static const char *range_what(hnb_range r)
{
    return r == HNB_RANGE_UNIT ? "between 0 and 1" : "0 or more (not negative)";
}

static int add_param(ctx *c, const char *name, const char *path, const hnb_node *at,
                     double central, const hnb_dist *d, hnb_range r, hnb_kind kind, int has_id)
{
    hnb_model *m = c->m;
    if (m->nparams == m->capparams) {
        m->capparams = m->capparams ? m->capparams * 2 : 64;
        m->params = realloc(m->params, (size_t)m->capparams * sizeof *m->params);
        if (!m->params) hnb_oom();
    }
    hnb_param *p = &m->params[m->nparams];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    p->path = xstrdup(path);
    p->mark = at->mark;
    p->central = central;
    if (d) p->dist = *d;
    p->range = r;
    p->kind = kind;
    p->has_id = has_id;
    return m->nparams++;
}

/* Parse a scalar number of KIND (no distribution). */
static int scalar_num(ctx *c, const hnb_node *n, const char *path, hnb_kind kind, double *out)
{
    char b[64];
    const char *why;
    if (n->type != HNB_SCALAR)
        return fail(c, n, "%s: expected %s, found %s", path, kind_what(kind),
                    hnb_node_type_name(n));
    if (hnb_value_parse(n->str, n->plain, kind, out, &why) < 0)
        return fail(c, n, "%s: expected %s, found %s (%s)", path, kind_what(kind), why,
                    shown(n, b));
    return HNB_OK;
}

static int parse_dist(ctx *c, const hnb_node *n, const char *path, hnb_kind kind, hnb_range r,
                      int *slot)
{
    static const char *const k_normal[] = {"dist", "id", "mean", "sd", "min", "max", NULL};
    static const char *const k_lognormal[] = {"dist", "id", "median", "sigma", NULL};
    static const char *const k_uniform[] = {"dist", "id", "min", "max", NULL};
    static const char *const k_tri[] = {"dist", "id", "min", "mode", "max", NULL};
    static const char *const k_bern[] = {"dist", "id", "p", NULL};
    const hnb_node *dn = hnb_map_get(n, "dist");
    char b[64], where[300];
    if (dn->type != HNB_SCALAR)
        return fail(c, dn, "%s: dist: expected one of normal, lognormal, uniform, triangular, "
                           "pert, bernoulli, found %s",
                    path, hnb_node_type_name(dn));
    hnb_dist d;
    memset(&d, 0, sizeof d);
    d.type = hnb_dist_lookup(dn->str);
    if (d.type == HNB_DIST_NONE) {
        static const char *const names[] = {"normal", "lognormal",  "uniform",
                                            "triangular", "pert", "bernoulli"};
        const char *near = hnb_nearest(dn->str, names, 6);
        return fail(c, dn,
                    "%s: unknown distribution %s%s%s%s (expected normal, lognormal, uniform, "
                    "triangular, pert or bernoulli)",
                    path, shown(dn, b), near ? "; did you mean '" : "", near ? near : "",
                    near ? "'?" : "");
    }
    snprintf(where, sizeof where, "the %s distribution at %s", dn->str, path);
    const char *const *keys = d.type == HNB_DIST_NORMAL      ? k_normal
                              : d.type == HNB_DIST_LOGNORMAL ? k_lognormal
                              : d.type == HNB_DIST_UNIFORM   ? k_uniform
                              : d.type == HNB_DIST_BERNOULLI ? k_bern
                                                             : k_tri;
    int rc = check_keys(c, n, where, keys);
    if (rc) return rc;
    for (int i = 2; keys[i]; i++) {
        const hnb_node *v = hnb_map_get(n, keys[i]);
        int optional = d.type == HNB_DIST_NORMAL && (!strcmp(keys[i], "min") ||
                                                     !strcmp(keys[i], "max"));
        if (!v) {
            if (optional) continue;
            return fail(c, n, "%s: a %s distribution needs '%s'", path, dn->str, keys[i]);
        }
        char sub[300];
        snprintf(sub, sizeof sub, "%s.%s", path, keys[i]);
        hnb_kind pk = kind;
        if (!strcmp(keys[i], "sigma") || !strcmp(keys[i], "p")) pk = HNB_KIND_RATE;
        double x;
        rc = scalar_num(c, v, sub, pk, &x);
        if (rc) return rc;
        if (!strcmp(keys[i], "mean")) d.mean = x;
        else if (!strcmp(keys[i], "sd")) d.sd = x;
        else if (!strcmp(keys[i], "min")) d.min = x, d.has_min = 1;
        else if (!strcmp(keys[i], "max")) d.max = x, d.has_max = 1;
        else if (!strcmp(keys[i], "mode")) d.mode = x;
        else if (!strcmp(keys[i], "median")) d.median = x;
        else if (!strcmp(keys[i], "sigma")) d.sigma = x;
        else if (!strcmp(keys[i], "p")) d.p = x;
    }
    switch (d.type) {
    case HNB_DIST_NORMAL:
        if (!(d.sd > 0)) return fail(c, hnb_map_get(n, "sd"), "%s: sd must be above 0", path);
        if (d.has_min && d.has_max && !(d.min < d.max))
            return fail(c, hnb_map_get(n, "max"), "%s: min must be below max", path);
        break;
    case HNB_DIST_LOGNORMAL:
        if (!(d.median > 0))
            return fail(c, hnb_map_get(n, "median"), "%s: median must be above 0", path);
        if (!(d.sigma > 0))
            return fail(c, hnb_map_get(n, "sigma"), "%s: sigma must be above 0", path);
        break;
    case HNB_DIST_UNIFORM:
        if (!(d.min < d.max))
            return fail(c, hnb_map_get(n, "max"), "%s: min must be below max", path);
        break;
    case HNB_DIST_TRIANGULAR:
    case HNB_DIST_PERT:
        if (!(d.min < d.max))
            return fail(c, hnb_map_get(n, "max"), "%s: min must be below max", path);
        if (!(d.min <= d.mode && d.mode <= d.max))
            return fail(c, hnb_map_get(n, "mode"), "%s: mode must lie between min and max",
                        path);
        break;
    case HNB_DIST_BERNOULLI:
        if (!(d.p >= 0 && d.p <= 1))
            return fail(c, hnb_map_get(n, "p"), "%s: p must lie between 0 and 1", path);
        break;
    default:
        break;
    }
    double lo, hi;
    hnb_dist_support(&d, &lo, &hi);
    /* Only finite bounds are checked: an unbounded tail is clamped at draw time. */
    if (r != HNB_RANGE_ANY &&
        ((isfinite(lo) && lo < 0) || (r == HNB_RANGE_UNIT && isfinite(hi) && hi > 1)))
        return fail(c, n, "%s: the distribution reaches outside the value's range (must be %s)",
                    path, range_what(r));
    double central = hnb_dist_central(&d);
    if (!range_ok(r, central))
        return fail(c, n, "%s: the distribution's central value must be %s", path,
                    range_what(r));
    const char *name = path;
    int has_id = 0;
    const hnb_node *idn = hnb_map_get(n, "id");
    if (idn) {
        if (idn->type != HNB_SCALAR || !is_ident(idn->str))
            return fail(c, idn, "%s: id: expected a name of letters, digits, _ and -, found %s",
                        path, shown(idn, b));
        for (int i = 0; i < c->m->nparams; i++)
            if (c->m->params[i].has_id && !strcmp(c->m->params[i].name, idn->str))
                return fail(c, idn, "id '%s' is already used (line %d)", idn->str,
                            c->m->params[i].mark.line);
        name = idn->str;
        has_id = 1;
    }
    *slot = add_param(c, name, path, n, central, &d, r, kind, has_id);
    return HNB_OK;
}

/* Any number: a scalar of KIND or a distribution. Returns its slot. */
static int num(ctx *c, const hnb_node *n, const char *path, hnb_kind kind, hnb_range r, int *slot)
{
    if (n->type == HNB_MAP && hnb_map_get(n, "dist")) return parse_dist(c, n, path, kind, r, slot);
    double x;
    int rc = scalar_num(c, n, path, kind, &x);
    if (rc) return rc;
    if (!range_ok(r, x))
        return fail(c, n, "%s: must be %s, found %g", path, range_what(r), x);
    *slot = add_param(c, path, path, n, x, NULL, r, kind, 0);
    return HNB_OK;
}

/* ---- rates over time and money paths ---- */

/* A rate over time (SPEC section 2): one value or {year: value}. Fills
 * OUT[t] with the slot for each year of the horizon. */
static int rate_over_time(ctx *c, const hnb_node *n, const char *path, hnb_kind kind,
                          hnb_range r, int *out)
{
    hnb_model *m = c->m;
    if (n->type != HNB_MAP || hnb_map_get(n, "dist")) {
        int s, rc = num(c, n, path, kind, r, &s);
        if (rc) return rc;
        for (int t = 0; t < m->years; t++) out[t] = s;
        return HNB_OK;
    }
    if (n->n == 0) return fail(c, n, "%s: expected a value or a mapping of years, found {}", path);
    int *years = xcalloc(n->n, sizeof *years), *slots = xcalloc(n->n, sizeof *slots);
    int rc = HNB_OK;
    for (size_t i = 0; i < n->n && !rc; i++) {
        char sub[300];
        rc = want_year(c, n->keys[i], path, &years[i]);
        if (rc) break;
        for (size_t j = 0; j < i && !rc; j++)
            if (years[j] == years[i])
                rc = fail(c, n->keys[i], "%s: year %d is named twice (also at line %d)", path,
                          years[i], n->keys[j]->mark.line);
        if (rc) break;
        snprintf(sub, sizeof sub, "%s.%d", path, years[i]);
        rc = num(c, n->vals[i], sub, kind, r, &slots[i]);
    }
    if (!rc) {
        size_t first = 0;
        for (size_t i = 1; i < n->n; i++)
            if (years[i] < years[first]) first = i;
        for (int t = 0; t < m->years; t++) {
            int y = m->start_year + t, best = -1;
            for (size_t i = 0; i < n->n; i++)
                if (years[i] <= y && (best < 0 || years[i] > years[best])) best = (int)i;
            out[t] = slots[best < 0 ? (int)first : best];
        }
    }
    free(years);
    free(slots);
    return rc;
}

static void path_init(ctx *c, hnb_path *p)
{
    p->named = xcalloc((size_t)c->m->years, sizeof(int));
    p->growth = xcalloc((size_t)c->m->years, sizeof(int));
    for (int t = 0; t < c->m->years; t++) p->named[t] = p->growth[t] = -1;
}

/* A money path: a bare amount, or {base | by_year, growth}. EXTRA names keys
 * the caller allows beside them (e.g. name), NULL-terminated. */
static int money_path(ctx *c, const hnb_node *n, const char *path, const char *const *extra,
                      hnb_path *out)
{
    hnb_model *m = c->m;
    path_init(c, out);
    if (n->type != HNB_MAP || hnb_map_get(n, "dist"))
        return num(c, n, path, HNB_KIND_MONEY, HNB_RANGE_ANY, &out->named[0]);
    const char *keys[12] = {"base", "by_year", "growth"};
    int k = 3;
    for (; extra && *extra && k < 11; extra++) keys[k++] = *extra;
    keys[k] = NULL;
    int rc = check_keys(c, n, path, keys);
    if (rc) return rc;
    const hnb_node *base = hnb_map_get(n, "base"), *by = hnb_map_get(n, "by_year"),
                   *growth = hnb_map_get(n, "growth");
    char sub[300];
    if (base && by) return fail(c, by, "%s: give either base or by_year, not both", path);
    if (!base && !by) return fail(c, n, "%s: needs base (an amount) or by_year", path);
    if (base) {
        snprintf(sub, sizeof sub, "%s.base", path);
        rc = num(c, base, sub, HNB_KIND_MONEY, HNB_RANGE_ANY, &out->named[0]);
        if (rc) return rc;
    } else {
        snprintf(sub, sizeof sub, "%s.by_year", path);
        if ((rc = want_map(c, by, sub))) return rc;
        if (by->n == 0) return fail(c, by, "%s: names no year", sub);
        for (size_t i = 0; i < by->n; i++) {
            int y, s;
            char sub2[320];
            if ((rc = want_year(c, by->keys[i], sub, &y))) return rc;
            for (size_t j = 0; j < i; j++) {
                int yj;
                hnb_value_parse_year(by->keys[j]->str, &yj);
                if (yj == y)
                    return fail(c, by->keys[i], "%s: year %d is named twice (also at line %d)",
                                sub, y, by->keys[j]->mark.line);
            }
            snprintf(sub2, sizeof sub2, "%s.%d", sub, y);
            if ((rc = num(c, by->vals[i], sub2, HNB_KIND_MONEY, HNB_RANGE_ANY, &s))) return rc;
            if (y >= m->start_year && y < m->start_year + m->years)
                out->named[y - m->start_year] = s;
        }
        if (out->named[0] < 0)
            return fail(c, by,
                        "%s: the first year of the horizon (%d) has no amount: name %d in "
                        "by_year, or use base",
                        sub, m->start_year, m->start_year);
    }
    if (growth) {
        snprintf(sub, sizeof sub, "%s.growth", path);
        rc = rate_over_time(c, growth, sub, HNB_KIND_RATE, HNB_RANGE_ANY, out->growth);
    }
    return rc;
}

/* ---- names ---- */

static int find_setting(const hnb_model *m, const char *id)
{
    for (int i = 0; i < m->nsettings; i++)
        if (!strcmp(m->settings[i].id, id)) return i;
    return -1;
}

static int want_setting(ctx *c, const hnb_node *n, const char *path, int *out)
{
    const char *id;
    int rc = want_text(c, n, path, &id);
    if (rc) return rc;
    int s = find_setting(c->m, id);
    if (s >= 0) {
        *out = s;
        return HNB_OK;
    }
    const char **ids = xcalloc((size_t)c->m->nsettings, sizeof *ids);
    for (int i = 0; i < c->m->nsettings; i++) ids[i] = c->m->settings[i].id;
    const char *near = hnb_nearest(id, ids, c->m->nsettings);
    free(ids);
    if (near) return fail(c, n, "%s: unknown setting '%s'; did you mean '%s'?", path, id, near);
    if (c->m->nsettings == 0)
        return fail(c, n, "%s: unknown setting '%s' (the scenario has no settings)", path, id);
    return fail(c, n, "%s: unknown setting '%s'", path, id);
}

/* The key node of KEY in MAP (for errors placed on the key), or NULL. */
static const hnb_node *map_key(const hnb_node *map, const char *key)
{
    long i = hnb_map_index(map, key);
    return i < 0 ? NULL : map->keys[i];
}

static int find_need(const hnb_model *m, const char *id)
{
    for (int i = 0; i < m->nneeds; i++)
        if (!strcmp(m->need_ids[i], id)) return i;
    return -1;
}

static int want_need(ctx *c, const hnb_node *n, const char *path, int *out)
{
    const char *id;
    int rc = want_text(c, n, path, &id);
    if (rc) return rc;
    int k = find_need(c->m, id);
    if (k >= 0) {
        *out = k;
        return HNB_OK;
    }
    const char *near = hnb_nearest(id, (const char *const *)c->m->need_ids, c->m->nneeds);
    if (near) return fail(c, n, "%s: unknown need '%s'; did you mean '%s'?", path, id, near);
    return fail(c, n, "%s: unknown need '%s' (the scenario's needs are its `needs` list)", path, id);
}

/* A key of SPEC section 10 met without `needs`. */
static int need_without_needs(ctx *c, const hnb_node *key, const char *where)
{
    return fail(c, key, "%s: '%s' needs the scenario's `needs` list (the primary needs, SPEC "
                        "section 10), which it does not give",
                where, key->str);
}

/* ---- shares ---- */

static void shares_add(hnb_shares *s, int p, int lo, int hi)
{
    s->p = realloc(s->p, (size_t)(s->n + 1) * sizeof(int));
    s->lo = realloc(s->lo, (size_t)(s->n + 1) * sizeof(int));
    s->hi = realloc(s->hi, (size_t)(s->n + 1) * sizeof(int));
    if (!s->p || !s->lo || !s->hi) hnb_oom();
    s->p[s->n] = p;
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->n++;
}

static void shares_free(hnb_shares *s)
{
    free(s->p);
    free(s->lo);
    free(s->hi);
}

/* The 0.005 rule of SPEC section 2, on central values. */
static int shares_sum_check(ctx *c, const hnb_shares *s, const hnb_node *at, const char *path)
{
    double sum = 0;
    for (int i = 0; i < s->n; i++) sum += c->m->params[s->p[i]].central;
    double off = fabs(sum - 1);
    if (off > 0.005 + 1e-12)
        return fail(c, at, "%s: shares sum to %.6g, not 1 (within 0.005)", path, sum);
    if (off > 1e-9)
        hnb_warn_at(at->mark, "%s: shares sum to %.10g; divided by their sum to make 1", path, sum);
    return HNB_OK;
}

/* Shares keyed by age or band. */
static int age_shares(ctx *c, const hnb_node *n, const char *path, hnb_shares *out)
{
    int rc = want_map(c, n, path);
    if (rc) return rc;
    if (n->n == 0) return fail(c, n, "%s: expected at least one age or band", path);
    for (size_t i = 0; i < n->n; i++) {
        int lo, hi, s;
        const char *why;
        char sub[300], b[64];
        if (hnb_value_parse_ages(n->keys[i]->str, &lo, &hi, &why) < 0)
            return fail(c, n->keys[i], "%s: expected an age (0-25) or a band like \"5-10\", found "
                                       "%s (%s)",
                        path, shown(n->keys[i], b), why);
        snprintf(sub, sizeof sub, "%s.%s", path, n->keys[i]->str);
        if ((rc = num(c, n->vals[i], sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &s))) return rc;
        shares_add(out, s, lo, hi);
    }
    return shares_sum_check(c, out, n, path);
}

/* Shares keyed by need id. */
static int need_shares(ctx *c, const hnb_node *n, const char *path, hnb_shares *out)
{
    int rc = want_map(c, n, path);
    if (rc) return rc;
    if (n->n == 0) return fail(c, n, "%s: expected at least one need", path);
    for (size_t i = 0; i < n->n; i++) {
        int k, s;
        char sub[300];
        if ((rc = want_need(c, n->keys[i], path, &k))) return rc;
        snprintf(sub, sizeof sub, "%s.%s", path, n->keys[i]->str);
        if ((rc = num(c, n->vals[i], sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &s))) return rc;
        shares_add(out, s, k, k);
    }
    return shares_sum_check(c, out, n, path);
}

/* Shares keyed by setting id. */
static int setting_shares(ctx *c, const hnb_node *n, const char *path, hnb_shares *out)
{
    int rc = want_map(c, n, path);
    if (rc) return rc;
    if (n->n == 0) return fail(c, n, "%s: expected at least one setting", path);
    for (size_t i = 0; i < n->n; i++) {
        int st, s;
        char sub[300];
        if ((rc = want_setting(c, n->keys[i], path, &st))) return rc;
        snprintf(sub, sizeof sub, "%s.%s", path, n->keys[i]->str);
        if ((rc = num(c, n->vals[i], sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &s))) return rc;
        shares_add(out, s, st, st);
    }
    return shares_sum_check(c, out, n, path);
}

/* ---- sections ---- */

static int parse_setting(ctx *c, const hnb_node *n, int idx)
{
    static const char *const keys[] = {"id",        "label",    "cost",     "bands",        "place_funding",
                                       "inflation", "capacity", "overflow", "dfe_category", "need_cost",
                                       NULL};
    hnb_model *m = c->m;
    hnb_setting *st = &m->settings[idx];
    char path[300], sub[340], b[64];
    snprintf(path, sizeof path, "settings[%d]", idx + 1);
    int rc = want_map(c, n, path);
    if (rc) return rc;
    if ((rc = check_keys(c, n, "a setting", keys))) return rc;
    const hnb_node *id = hnb_map_get(n, "id");
    if (!id) return fail(c, n, "%s: missing 'id'", path);
    if (id->type != HNB_SCALAR || !is_ident(id->str))
        return fail(c, id, "%s.id: expected a name of letters, digits, _ and -, found %s", path,
                    shown(id, b));
    for (int i = 0; i < idx; i++)
        if (!strcmp(m->settings[i].id, id->str))
            return fail(c, id, "settings: id '%s' is used twice", id->str);
    st->id = xstrdup(id->str);
    snprintf(path, sizeof path, "settings.%s", st->id);
    const hnb_node *label = hnb_map_get(n, "label");
    const char *lt = st->id;
    if (label && (rc = want_text(c, label, "label", &lt))) return rc;
    st->label = xstrdup(lt);
    st->cost = st->place_funding = st->overflow = -1;
    st->inflation = xcalloc((size_t)m->years, sizeof(int));
    for (int t = 0; t < m->years; t++) st->inflation[t] = -1;
    const hnb_node *cost = hnb_map_get(n, "cost"), *bands = hnb_map_get(n, "bands");
    if (cost && bands) return fail(c, bands, "%s: give either cost or bands, not both", path);
    if (!cost && !bands) return fail(c, n, "%s: needs cost (per plan) or bands", path);
    if (cost) {
        snprintf(sub, sizeof sub, "%s.cost", path);
        if ((rc = num(c, cost, sub, HNB_KIND_MONEY, HNB_RANGE_NONNEG, &st->cost))) return rc;
    } else {
        static const char *const bkeys[] = {"band", "share", "tariff", NULL};
        snprintf(sub, sizeof sub, "%s.bands", path);
        if ((rc = want_seq(c, bands, sub))) return rc;
        if (bands->n == 0) return fail(c, bands, "%s: expected at least one band", sub);
        st->nbands = (int)bands->n;
        st->band_names = xcalloc(bands->n, sizeof(char *));
        st->tariff = xcalloc(bands->n, sizeof(int));
        for (size_t i = 0; i < bands->n; i++) {
            const hnb_node *bn = bands->vals[i];
            char bp[400];
            const char *name;
            snprintf(bp, sizeof bp, "%s[%zu]", sub, i + 1);
            if ((rc = want_map(c, bn, bp))) return rc;
            if ((rc = check_keys(c, bn, "a band", bkeys))) return rc;
            const hnb_node *bb = hnb_map_get(bn, "band"), *sh = hnb_map_get(bn, "share"),
                           *ta = hnb_map_get(bn, "tariff");
            if (!bb || !sh || !ta)
                return fail(c, bn, "%s: a band needs band, share and tariff", bp);
            if ((rc = want_text(c, bb, bp, &name))) return rc;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(st->band_names[j], name))
                    return fail(c, bb, "%s: band '%s' is named twice", sub, name);
            st->band_names[i] = xstrdup(name);
            int s;
            snprintf(bp, sizeof bp, "%s.bands.%s.share", path, name);
            if ((rc = num(c, sh, bp, HNB_KIND_RATE, HNB_RANGE_UNIT, &s))) return rc;
            shares_add(&st->band_shares, s, (int)i, (int)i);
            snprintf(bp, sizeof bp, "%s.bands.%s.tariff", path, name);
            if ((rc = num(c, ta, bp, HNB_KIND_MONEY, HNB_RANGE_NONNEG, &st->tariff[i])))
                return rc;
        }
        if ((rc = shares_sum_check(c, &st->band_shares, bands, sub))) return rc;
    }
    const hnb_node *pf = hnb_map_get(n, "place_funding");
    if (pf) {
        snprintf(sub, sizeof sub, "%s.place_funding", path);
        if ((rc = num(c, pf, sub, HNB_KIND_MONEY, HNB_RANGE_NONNEG, &st->place_funding)))
            return rc;
    }
    const hnb_node *inf = hnb_map_get(n, "inflation");
    if (inf) {
        snprintf(sub, sizeof sub, "%s.inflation", path);
        if ((rc = rate_over_time(c, inf, sub, HNB_KIND_RATE, HNB_RANGE_ANY, st->inflation)))
            return rc;
    }
    const hnb_node *cap = hnb_map_get(n, "capacity"), *ov = hnb_map_get(n, "overflow");
    if (cap) {
        st->capacity = xcalloc((size_t)m->years, sizeof(int));
        snprintf(sub, sizeof sub, "%s.capacity", path);
        if ((rc = rate_over_time(c, cap, sub, HNB_KIND_COUNT, HNB_RANGE_NONNEG, st->capacity)))
            return rc;
        if (!ov)
            return fail(c, cap, "%s: a capacity needs 'overflow' (where demand above it goes)",
                        path);
    } else if (ov) {
        return fail(c, ov, "%s: overflow is given but the setting has no capacity", path);
    }
    st->dfe_category = HNB_DFE_OTHER;
    const hnb_node *dc = hnb_map_get(n, "dfe_category");
    if (dc) {
        const char *name;
        if ((rc = want_text(c, dc, "dfe_category", &name))) return rc;
        int k = -1;
        for (int i = 0; i < HNB_DFE_N; i++)
            if (!strcmp(name, hnb_dfe_category_names[i])) k = i;
        if (k < 0) {
            const char *near = hnb_nearest(name, hnb_dfe_category_names, HNB_DFE_N);
            return fail(c, dc,
                        "%s.dfe_category: unknown category '%s'%s%s%s (expected mainstream, "
                        "resourced, special, independent_special, ap_hospital, post16 or other)",
                        path, name, near ? "; did you mean '" : "", near ? near : "",
                        near ? "'?" : "");
        }
        st->dfe_category = k;
    }
    const hnb_node *nc = hnb_map_get(n, "need_cost");
    if (nc) {
        if (!m->nneeds) return need_without_needs(c, map_key(n, "need_cost"), path);
        snprintf(sub, sizeof sub, "%s.need_cost", path);
        if ((rc = want_map(c, nc, sub))) return rc;
        for (size_t i = 0; i < nc->n; i++) {
            int k;
            char sub2[400];
            if ((rc = want_need(c, nc->keys[i], sub, &k))) return rc;
            snprintf(sub2, sizeof sub2, "%s.%s", sub, nc->keys[i]->str);
            if ((rc = num(c, nc->vals[i], sub2, HNB_KIND_MONEY, HNB_RANGE_NONNEG,
                          &m->need_cost[idx * m->nneeds + k])))
                return rc;
        }
    }
    return HNB_OK;
}

/* Overflow targets are resolved after every setting is known. */
static int resolve_overflows(ctx *c, const hnb_node *list)
{
    for (int i = 0; i < c->m->nsettings; i++) {
        const hnb_node *ov = hnb_map_get(list->vals[i], "overflow");
        if (!ov) continue;
        char path[300];
        snprintf(path, sizeof path, "settings.%s.overflow", c->m->settings[i].id);
        int s, rc = want_setting(c, ov, path, &s);
        if (rc) return rc;
        if (s <= i)
            return fail(c, ov, "%s: the overflow target '%s' must be listed after '%s'", path,
                        c->m->settings[s].id, c->m->settings[i].id);
        c->m->settings[i].overflow = s;
    }
    return HNB_OK;
}

static int parse_csv(ctx *c, const hnb_node *at, const char *path)
{
    hnb_model *m = c->m;
    char full[PATH_MAX];
    if (path[0] == '/' || !at->mark.file || !strcmp(at->mark.file, "--set")) {
        snprintf(full, sizeof full, "%s", path);
    } else {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", at->mark.file);
        snprintf(full, sizeof full, "%s/%s", dirname(tmp), path);
    }
    const char *why;
    FILE *f = hnb_open_input(full, &why);
    if (!f) return fail(c, at, "population.from_csv: cannot open '%s': %s", full, why);
    const char *fname = hnb_srcs_add(m->srcs, full);
    /* with needs the file has a `need` column (SPEC section 10) */
    const int nf_want = m->nneeds ? 4 : 3, nc = hnb_model_cohorts(m);
    const char *header = m->nneeds ? "age,setting,need,count" : "age,setting,count";
    m->pop_csv = xcalloc((size_t)HNB_AGES * (size_t)nc, sizeof(double));
    char line[4096];
    int lineno = 0, rc = HNB_OK, rows = 0;
    int got, bad_col;
    while (rc == HNB_OK && (got = hnb_csv_getline(f, line, sizeof line, &bad_col)) != 0) {
        lineno++;
        hnb_mark mk = {fname, lineno, 1};
        if ((rc = hnb_csv_bad_line(got, bad_col, sizeof line, mk, c->err))) break;
        size_t len = strlen(line);
        char *fld[4];
        int col[4], nf = hnb_csv_split(line, fld, col, 4);
        if (lineno == 1) {
            int ok = nf == nf_want && !strcmp(fld[0], "age") && !strcmp(fld[1], "setting") &&
                     !strcmp(fld[nf_want - 1], "count") && (!m->nneeds || !strcmp(fld[2], "need"));
            if (!ok)
                rc = hnb_err_at(c->err, mk, "expected the header '%s'%s", header,
                                m->nneeds ? " (the scenario has needs)"
                                : nf == 4 ? " (a `need` column needs the scenario's `needs` list)"
                                          : "");
            continue;
        }
        if (len == 0) continue;
        if (nf < 0) {
            rc = hnb_err_at(c->err, mk, "a quote is not closed");
            break;
        }
        if (nf != nf_want) {
            rc = hnb_err_at(c->err, mk, "expected %s fields: %s", m->nneeds ? "four" : "three", header);
            break;
        }
        char *f1 = fld[0], *f2 = fld[1], *f3 = fld[nf_want - 1];
        mk.col = col[0];
        int lo, hi;
        const char *why;
        double count;
        if (hnb_value_parse_ages(f1, &lo, &hi, &why) < 0) {
            rc = hnb_err_at(c->err, mk, "age: expected an age (0-25) or a band like 5-10 (%s)",
                            why);
            break;
        }
        int s = find_setting(m, f2);
        if (s < 0) {
            mk.col = col[1];
            rc = hnb_err_at(c->err, mk, "setting: unknown setting '%s'", f2);
            break;
        }
        int k = 0;
        if (m->nneeds && (k = find_need(m, fld[2])) < 0) {
            mk.col = col[2];
            rc = hnb_err_at(c->err, mk, "need: unknown need '%s'", fld[2]);
            break;
        }
        mk.col = col[nf_want - 1];
        if (hnb_value_parse(f3, 1, HNB_KIND_COUNT, &count, &why) < 0) {
            rc = hnb_err_at(c->err, mk, "count: expected a plain number, found %s", why);
            break;
        }
        if (count > 1e7) { /* at its place, not as an overflow at the file's first line */
            rc = hnb_err_at(c->err, mk, "count: %g is more plans than England has (about 640,000)",
                            count);
            break;
        }
        if (count < 0) {
            rc = hnb_err_at(c->err, mk, "count: must not be negative");
            break;
        }
        for (int a = lo; a <= hi; a++)
            m->pop_csv[a * nc + k * m->nsettings + s] += count / (hi - lo + 1);
        rows++;
    }
    if (rc == HNB_OK && ferror(f)) rc = fail(c, at, "population.from_csv: cannot read '%s'", full);
    if (rc == HNB_OK && lineno == 0) {
        hnb_mark mk = {fname, 1, 1};
        rc = hnb_err_at(c->err, mk, "empty file: expected the header '%s'", header);
    }
    (void)rows;
    fclose(f);
    return rc;
}

/* population.need_mix: one mix over needs (its keys need ids), or one a
 * setting (its keys setting ids, every setting named). */
static int parse_pop_need(ctx *c, const hnb_node *n)
{
    hnb_model *m = c->m;
    int rc = want_map(c, n, "population.need_mix");
    if (rc) return rc;
    if (n->n == 0) return fail(c, n, "population.need_mix: expected needs or settings as keys");
    int needs = 0, sets = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->str;
        if (find_need(m, k) >= 0) needs++;
        else if (find_setting(m, k) >= 0) sets++;
        else {
            const char **all = xcalloc((size_t)(m->nneeds + m->nsettings), sizeof *all);
            for (int j = 0; j < m->nneeds; j++) all[j] = m->need_ids[j];
            for (int j = 0; j < m->nsettings; j++) all[m->nneeds + j] = m->settings[j].id;
            const char *near = hnb_nearest(k, all, m->nneeds + m->nsettings);
            rc = fail(c, n->keys[i], "population.need_mix: '%s' is neither a need nor a setting%s%s%s", k,
                      near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            free(all);
            return rc;
        }
        if (needs && sets)
            return fail(c, n->keys[i],
                        "population.need_mix: give one mix over needs, or one mix per setting, "
                        "not keys of both kinds ('%s')",
                        k);
    }
    if (needs) {
        m->pop_need = xcalloc(1, sizeof *m->pop_need);
        return need_shares(c, n, "population.need_mix", &m->pop_need[0]);
    }
    m->pop_need_each = 1;
    m->pop_need = xcalloc((size_t)m->nsettings, sizeof *m->pop_need);
    for (int s = 0; s < m->nsettings; s++) {
        const hnb_node *v = hnb_map_get(n, m->settings[s].id);
        char path[300];
        snprintf(path, sizeof path, "population.need_mix.%s", m->settings[s].id);
        if (!v)
            return fail(c, n, "population.need_mix: one mix per setting names every setting; "
                              "'%s' is missing",
                        m->settings[s].id);
        if ((rc = need_shares(c, v, path, &m->pop_need[s]))) return rc;
    }
    return HNB_OK;
}

static int parse_population(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"total", "mix", "age_profile", "from_csv", "need_mix", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "population");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "population", keys))) return rc;
    const hnb_node *csv = hnb_map_get(n, "from_csv"), *nm = hnb_map_get(n, "need_mix");
    if (nm && !m->nneeds) return need_without_needs(c, map_key(n, "need_mix"), "population");
    if (nm && csv)
        return fail(c, map_key(n, "need_mix"),
                    "population: with from_csv the needs come from the file's `need` column, so "
                    "need_mix is not given");
    if (m->nneeds && !csv && !nm)
        return fail(c, n, "population: missing 'need_mix' (the scenario has needs)");
    if (nm && (rc = parse_pop_need(c, nm))) return rc;
    if (csv) {
        for (int i = 0; i < 3; i++)
            if (hnb_map_get(n, keys[i]))
                return fail(c, hnb_map_get(n, keys[i]),
                            "population: give either from_csv or total, mix and age_profile, "
                            "not both");
        const char *p;
        if ((rc = want_text(c, csv, "population.from_csv", &p))) return rc;
        return parse_csv(c, csv, p);
    }
    for (int i = 0; i < 3; i++)
        if (!hnb_map_get(n, keys[i]))
            return fail(c, n, "population: missing '%s' (or give from_csv)", keys[i]);
    if ((rc = num(c, hnb_map_get(n, "total"), "population.total", HNB_KIND_COUNT,
                  HNB_RANGE_NONNEG, &c->m->pop_total)))
        return rc;
    if ((rc = setting_shares(c, hnb_map_get(n, "mix"), "population.mix", &c->m->pop_mix)))
        return rc;
    return age_shares(c, hnb_map_get(n, "age_profile"), "population.age_profile", &c->m->pop_age);
}

static int parse_new_plans(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"count", "growth", "age_profile", "mix", "need_mix",
                                       "mix_by_need", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "new_plans");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "new_plans", keys))) return rc;
    const hnb_node *nm = hnb_map_get(n, "need_mix"), *mbn = hnb_map_get(n, "mix_by_need");
    if (!m->nneeds && (nm || mbn))
        return need_without_needs(c, map_key(n, nm ? "need_mix" : "mix_by_need"), "new_plans");
    if (m->nneeds) {
        if (!nm) return fail(c, n, "new_plans: missing 'need_mix' (the scenario has needs)");
        if ((rc = need_shares(c, nm, "new_plans.need_mix", &m->np_need))) return rc;
        m->mix_by_need = xcalloc((size_t)m->nneeds, sizeof *m->mix_by_need);
        if (mbn) {
            if ((rc = want_map(c, mbn, "new_plans.mix_by_need"))) return rc;
            for (size_t i = 0; i < mbn->n; i++) {
                int k;
                char path[300];
                if ((rc = want_need(c, mbn->keys[i], "new_plans.mix_by_need", &k))) return rc;
                snprintf(path, sizeof path, "new_plans.mix_by_need.%s", m->need_ids[k]);
                if ((rc = setting_shares(c, mbn->vals[i], path, &m->mix_by_need[k]))) return rc;
            }
        }
    }
    /* with a pipeline, the pipeline makes the new plans (section 11) */
    for (int i = 0; i < 2 && m->pipeline.given; i++)
        if (hnb_map_get(n, keys[i]))
            return fail(c, map_key(n, keys[i]),
                        "new_plans.%s: with a `pipeline` the new plans come from requests for "
                        "assessment (SPEC section 11); give requests.count and requests.growth "
                        "there instead",
                        keys[i]);
    for (int i = 0; i < 4; i++)
        if (i != 1 && !(i == 0 && m->pipeline.given) && !hnb_map_get(n, keys[i]))
            return fail(c, n, "new_plans: missing '%s'", keys[i]);
    m->np_count = -1;
    if (!m->pipeline.given &&
        (rc = num(c, hnb_map_get(n, "count"), "new_plans.count", HNB_KIND_COUNT, HNB_RANGE_NONNEG,
                  &m->np_count)))
        return rc;
    m->np_growth = xcalloc((size_t)m->years, sizeof(int));
    for (int t = 0; t < m->years; t++) m->np_growth[t] = -1;
    const hnb_node *g = hnb_map_get(n, "growth");
    if (g && (rc = rate_over_time(c, g, "new_plans.growth", HNB_KIND_RATE, HNB_RANGE_ANY,
                                  m->np_growth)))
        return rc;
    if ((rc = age_shares(c, hnb_map_get(n, "age_profile"), "new_plans.age_profile", &m->np_age)))
        return rc;
    return setting_shares(c, hnb_map_get(n, "mix"), "new_plans.mix", &m->np_mix);
}

static int parse_cessation(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"rate", "by_age", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "cessation");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "cessation", keys))) return rc;
    int def = -1;
    const hnb_node *r = hnb_map_get(n, "rate"), *by = hnb_map_get(n, "by_age");
    if (r && (rc = num(c, r, "cessation.rate", HNB_KIND_RATE, HNB_RANGE_UNIT, &def))) return rc;
    int width[HNB_AGES];
    const hnb_node *who[HNB_AGES];
    for (int a = 0; a < HNB_AGES; a++) {
        m->cease[a] = def;
        width[a] = 999;
        who[a] = NULL;
    }
    if (!by) return HNB_OK;
    if ((rc = want_map(c, by, "cessation.by_age"))) return rc;
    for (size_t i = 0; i < by->n; i++) {
        int lo, hi, s;
        const char *why;
        char sub[300], b[64];
        if (hnb_value_parse_ages(by->keys[i]->str, &lo, &hi, &why) < 0)
            return fail(c, by->keys[i],
                        "cessation.by_age: expected an age (0-25) or a band like \"19-24\", "
                        "found %s (%s)",
                        shown(by->keys[i], b), why);
        snprintf(sub, sizeof sub, "cessation.by_age.%s", by->keys[i]->str);
        if ((rc = num(c, by->vals[i], sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &s))) return rc;
        int w = hi - lo + 1;
        for (int a = lo; a <= hi; a++) {
            if (width[a] == w)
                return fail(c, by->keys[i],
                            "cessation.by_age: '%s' and '%s' overlap at age %d with the same "
                            "width; make one narrower",
                            by->keys[i]->str, who[a]->str, a);
            if (w < width[a]) {
                width[a] = w;
                who[a] = by->keys[i];
                m->cease[a] = s;
            }
        }
    }
    return HNB_OK;
}

/* A transition's `ages` (ages and bands) as flags; absent (N NULL): every age. */
static int ages_list(ctx *c, const hnb_node *ages, const char *sub, unsigned char out[HNB_AGES])
{
    if (!ages) {
        memset(out, 1, HNB_AGES);
        return HNB_OK;
    }
    int rc = want_seq(c, ages, sub);
    if (rc) return rc;
    if (ages->n == 0) return fail(c, ages, "%s: expected at least one age", sub);
    for (size_t j = 0; j < ages->n; j++) {
        const hnb_node *a = ages->vals[j];
        int lo, hi;
        const char *why;
        char b[64];
        if (a->type != HNB_SCALAR || hnb_node_is_null(a) ||
            hnb_value_parse_ages(a->str, &lo, &hi, &why) < 0) {
            if (a->type == HNB_SCALAR && !hnb_node_is_null(a) &&
                hnb_value_parse_ages(a->str, &lo, &hi, &why) < 0)
                return fail(c, a, "%s: expected an age in 0..25 or a band like \"16-19\", "
                                  "found %s (%s)",
                            sub, shown(a, b), why);
            return fail(c, a, "%s: expected an age in 0..25, found %s", sub, hnb_node_type_name(a));
        }
        for (int x = lo; x <= hi; x++) out[x] = 1;
    }
    return HNB_OK;
}

/* A list of ids as flags OUT[count]: settings (WANT want_setting) or needs
 * (want_need); WHAT names them in the message for an empty list. */
typedef int (*id_lookup)(ctx *, const hnb_node *, const char *, int *);
static int id_list(ctx *c, const hnb_node *n, const char *path, id_lookup want, int count,
                   const char *what, unsigned char **out)
{
    int rc = want_seq(c, n, path);
    if (rc) return rc;
    if (n->n == 0)
        return fail(c, n, "%s: expected at least one %s (or leave it out: every %s)", path, what, what);
    *out = xcalloc((size_t)count, 1);
    for (size_t i = 0; i < n->n; i++) {
        int k;
        if ((rc = want(c, n->vals[i], path, &k))) return rc;
        (*out)[k] = 1;
    }
    return HNB_OK;
}

static int setting_list(ctx *c, const hnb_node *n, const char *path, unsigned char **out)
{
    return id_list(c, n, path, want_setting, c->m->nsettings, "setting", out);
}

/* A rule's `needs` as flags OUT[nneeds]. */
static int need_list(ctx *c, const hnb_node *n, const char *path, unsigned char **out)
{
    return id_list(c, n, path, want_need, c->m->nneeds, "need", out);
}

static int parse_transitions(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"ages", "from", "to", "rate", "needs", NULL};
    hnb_model *m = c->m;
    int rc = want_seq(c, n, "transitions");
    if (rc) return rc;
    m->ntrans = (int)n->n;
    m->trans = xcalloc(n->n, sizeof *m->trans);
    for (size_t i = 0; i < n->n; i++) {
        const hnb_node *it = n->vals[i];
        hnb_transition *tr = &m->trans[i];
        char path[300], sub[340];
        snprintf(path, sizeof path, "transitions[%zu]", i + 1);
        if ((rc = want_map(c, it, path))) return rc;
        if ((rc = check_keys(c, it, "a transition", keys))) return rc;
        const hnb_node *ages = hnb_map_get(it, "ages"), *from = hnb_map_get(it, "from"),
                       *to = hnb_map_get(it, "to"), *rate = hnb_map_get(it, "rate");
        if (!from || !to || !rate)
            return fail(c, it, "%s: a transition needs from, to and rate", path);
        snprintf(sub, sizeof sub, "%s.from", path);
        if ((rc = want_setting(c, from, sub, &tr->from))) return rc;
        snprintf(sub, sizeof sub, "%s.to", path);
        if ((rc = want_setting(c, to, sub, &tr->to))) return rc;
        if (tr->from == tr->to)
            return fail(c, to, "%s: from and to are the same setting '%s'", path, to->str);
        snprintf(sub, sizeof sub, "transitions.%s->%s.rate", from->str, to->str);
        if ((rc = num(c, rate, sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &tr->rate))) return rc;
        const hnb_node *nl = hnb_map_get(it, "needs");
        if (nl) {
            if (!m->nneeds) return need_without_needs(c, map_key(it, "needs"), path);
            snprintf(sub, sizeof sub, "%s.needs", path);
            if ((rc = need_list(c, nl, sub, &tr->needs))) return rc;
        }
        snprintf(sub, sizeof sub, "%s.ages", path);
        if ((rc = ages_list(c, ages, sub, tr->ages))) return rc;
    }
    /* For one setting at one age (and need), the rates out sum to at most 1. */
    for (int k = 0; k < hnb_model_needs(m); k++)
        for (int s = 0; s < m->nsettings; s++)
            for (int a = 0; a < HNB_AGES; a++) {
                double sum = 0;
                int last = -1;
                for (int i = 0; i < m->ntrans; i++)
                    if (m->trans[i].from == s && m->trans[i].ages[a] &&
                        (!m->trans[i].needs || m->trans[i].needs[k])) {
                        sum += m->params[m->trans[i].rate].central;
                        last = i;
                    }
                if (sum > 1 + 1e-9)
                    return fail(c, n->vals[last],
                                "transitions: the rates out of '%s' at age %d%s%s sum to %.6g, more "
                                "than 1",
                                m->settings[s].id, a, m->nneeds ? " for need " : "",
                                m->nneeds ? m->need_ids[k] : "", sum);
            }
    return HNB_OK;
}

static int parse_lines(ctx *c, const hnb_node *n, const char *what, hnb_line **out, int *count)
{
    static const char *const extra[] = {"name", NULL};
    int rc = want_seq(c, n, what);
    if (rc) return rc;
    *count = (int)n->n;
    *out = xcalloc(n->n, sizeof **out);
    for (size_t i = 0; i < n->n; i++) {
        const hnb_node *it = n->vals[i];
        char path[300];
        snprintf(path, sizeof path, "%s[%zu]", what, i + 1);
        if ((rc = want_map(c, it, path))) return rc;
        const hnb_node *nm = hnb_map_get(it, "name");
        const char *name;
        if (!nm) return fail(c, it, "%s: missing 'name'", path);
        if ((rc = want_text(c, nm, path, &name))) return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp((*out)[j].name, name))
                return fail(c, nm, "%s: the name '%s' is used twice", what, name);
        (*out)[i].name = xstrdup(name);
        snprintf(path, sizeof path, "%s.%s", what, name);
        if ((rc = money_path(c, it, path, extra, &(*out)[i].path))) return rc;
    }
    return HNB_OK;
}

static int parse_funding(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"grant", "transfers", "other_income", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "funding");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "funding", keys))) return rc;
    const hnb_node *g = hnb_map_get(n, "grant");
    if (!g) return fail(c, n, "funding: missing 'grant' (the HNB allocation)");
    if ((rc = money_path(c, g, "funding.grant", NULL, &m->grant))) return rc;
    m->transfers = xcalloc((size_t)m->years, sizeof(int));
    for (int t = 0; t < m->years; t++) m->transfers[t] = -1;
    const hnb_node *tr = hnb_map_get(n, "transfers");
    if (tr) {
        if ((rc = want_map(c, tr, "funding.transfers"))) return rc;
        for (size_t i = 0; i < tr->n; i++) {
            int y, s;
            char sub[300];
            if ((rc = want_year(c, tr->keys[i], "funding.transfers", &y))) return rc;
            for (size_t j = 0; j < i; j++) {
                int yj;
                hnb_value_parse_year(tr->keys[j]->str, &yj);
                if (yj == y)
                    return fail(c, tr->keys[i],
                                "funding.transfers: year %d is named twice (also at line %d)", y,
                                tr->keys[j]->mark.line);
            }
            snprintf(sub, sizeof sub, "funding.transfers.%d", y);
            if ((rc = num(c, tr->vals[i], sub, HNB_KIND_MONEY, HNB_RANGE_ANY, &s))) return rc;
            if (y >= m->start_year && y < m->start_year + m->years)
                m->transfers[y - m->start_year] = s;
        }
    }
    const hnb_node *oi = hnb_map_get(n, "other_income");
    if (oi) return parse_lines(c, oi, "funding.other_income", &m->income, &m->nincome);
    return HNB_OK;
}

static int parse_mitigation(ctx *c, const hnb_node *n, int idx)
{
    static const char *const common[] = {"name", "type", "start", "ramp", "delivery"};
    static const char *const types[] = {"saving",    "demand",     "mix",      "unit_cost", "capacity",
                                        "cessation", "transition", "requests", "assessment"};
    enum { NTYPES = 9 };
    /* each type's own keys, the required ones first (NREQ of them) */
    static const char *const extra[][6] = {
        {"amount", NULL}, {"reduction", "need", NULL}, {"from", "to", "share", "need", NULL},
        {"setting", "reduction", "need", NULL}, {"setting", "places", NULL},
        {"increase", "ages", "settings", "needs", NULL}, {"from", "to", "rate", "ages", "needs", NULL},
        {"reduction", NULL}, {"capacity", NULL}};
    static const int nreq[] = {1, 1, 3, 2, 2, 1, 3, 1, 1};
    hnb_model *m = c->m;
    hnb_mitigation *mt = &m->mits[idx];
    char path[300], sub[400], b[64];
    snprintf(path, sizeof path, "mitigations[%d]", idx + 1);
    int rc = want_map(c, n, path);
    if (rc) return rc;
    const hnb_node *nm = hnb_map_get(n, "name"), *ty = hnb_map_get(n, "type");
    const char *name;
    if (!nm) return fail(c, n, "%s: missing 'name'", path);
    if ((rc = want_text(c, nm, path, &name))) return rc;
    for (int j = 0; j < idx; j++)
        if (!strcmp(m->mits[j].name, name))
            return fail(c, nm, "mitigations: the name '%s' is used twice", name);
    mt->name = xstrdup(name);
    snprintf(path, sizeof path, "mitigations.%s", name);
    if (!ty)
        return fail(c, n, "%s: missing 'type' (saving, demand, mix, unit_cost, capacity, cessation or transition)",
                    path);
    int type = -1;
    for (int i = 0; i < NTYPES; i++)
        if (ty->type == HNB_SCALAR && !strcmp(ty->str, types[i])) type = i;
    if (type >= HNB_MIT_CESSATION && m->version < 2)
        return fail(c, ty,
                    "%s.type: '%s' is a v2 mitigation type (SPEC section %d): the file must say "
                    "'hnb: 2', and it says 'hnb: %d'",
                    path, ty->str, type >= HNB_MIT_REQUESTS ? 11 : 12, m->version);
    if (type >= HNB_MIT_REQUESTS && !m->pipeline.given)
        return fail(c, ty, "%s.type: a %s mitigation acts on the assessment pipeline, and the "
                           "scenario has no `pipeline` (SPEC section 11)",
                    path, ty->str);
    if (type < 0) {
        const int known = m->version < 2 ? HNB_MIT_CESSATION : NTYPES; /* v1 knows five */
        const char *near = ty->type == HNB_SCALAR ? hnb_nearest(ty->str, types, known) : NULL;
        return fail(c, ty, "%s.type: unknown type %s%s%s%s (expected %s)", path, shown(ty, b),
                    near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "",
                    m->version < 2 ? "saving, demand, mix, unit_cost or capacity"
                                   : "saving, demand, mix, unit_cost, capacity, cessation, "
                                     "transition, requests or assessment");
    }
    mt->type = (hnb_mit_type)type;
    if (!m->bottom_up && mt->type != HNB_MIT_SAVING)
        return fail(c, ty,
                    "%s: a top-down scenario (no settings) takes saving mitigations only, not %s",
                    path, types[type]);
    const char *keys[16];
    int k = 0;
    for (int i = 0; i < 5; i++) keys[k++] = common[i];
    for (int i = 0; extra[type][i]; i++) keys[k++] = extra[type][i];
    keys[k] = NULL;
    char where[340];
    snprintf(where, sizeof where, "a %s mitigation", types[type]);
    if ((rc = check_keys(c, n, where, keys))) return rc;
    for (int i = 0; i < nreq[type]; i++)
        if (!hnb_map_get(n, extra[type][i]))
            return fail(c, n, "%s: a %s mitigation needs '%s'", path, types[type],
                        extra[type][i]);
    mt->need = -1;
    const hnb_node *nd = hnb_map_get(n, "need");
    if (nd) {
        if (!m->nneeds) return need_without_needs(c, map_key(n, "need"), path);
        snprintf(sub, sizeof sub, "%s.need", path);
        if ((rc = want_need(c, nd, sub, &mt->need))) return rc;
    }

    const hnb_node *st = hnb_map_get(n, "start"), *ramp = hnb_map_get(n, "ramp"),
                   *del = hnb_map_get(n, "delivery");
    mt->start = m->start_year;
    snprintf(sub, sizeof sub, "%s.start", path);
    if (st && (rc = want_year(c, st, sub, &mt->start))) return rc;
    mt->delivery = -1;
    snprintf(sub, sizeof sub, "%s.delivery", path);
    if (del && (rc = num(c, del, sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->delivery))) return rc;
    if (ramp) {
        snprintf(sub, sizeof sub, "%s.ramp", path);
        if ((rc = want_seq(c, ramp, sub))) return rc;
        if (ramp->n == 0) return fail(c, ramp, "%s: expected at least one fraction", sub);
        mt->nramp = (int)ramp->n;
        mt->ramp = xcalloc(ramp->n, sizeof(int));
        for (size_t i = 0; i < ramp->n; i++) {
            snprintf(sub, sizeof sub, "%s.ramp.%zu", path, i + 1);
            if ((rc = num(c, ramp->vals[i], sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->ramp[i])))
                return rc;
        }
    } else {
        mt->nramp = 0; /* [1] */
    }
    mt->reduction = mt->setting = mt->from = mt->to = mt->share = mt->places = mt->rate = -1;
    if (mt->type == HNB_MIT_CESSATION || mt->type == HNB_MIT_TRANSITION) {
        const hnb_node *ag = hnb_map_get(n, "ages"), *nl = hnb_map_get(n, "needs");
        snprintf(sub, sizeof sub, "%s.ages", path);
        if ((rc = ages_list(c, ag, sub, mt->ages))) return rc;
        if (nl) {
            if (!m->nneeds) return need_without_needs(c, map_key(n, "needs"), path);
            snprintf(sub, sizeof sub, "%s.needs", path);
            if ((rc = need_list(c, nl, sub, &mt->needs))) return rc;
        }
    }
    switch (mt->type) {
    case HNB_MIT_SAVING:
        snprintf(sub, sizeof sub, "%s.amount", path);
        return money_path(c, hnb_map_get(n, "amount"), sub, NULL, &mt->amount);
    case HNB_MIT_DEMAND:
        snprintf(sub, sizeof sub, "%s.reduction", path);
        return num(c, hnb_map_get(n, "reduction"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT,
                   &mt->reduction);
    case HNB_MIT_MIX:
        snprintf(sub, sizeof sub, "%s.from", path);
        if ((rc = want_setting(c, hnb_map_get(n, "from"), sub, &mt->from))) return rc;
        snprintf(sub, sizeof sub, "%s.to", path);
        if ((rc = want_setting(c, hnb_map_get(n, "to"), sub, &mt->to))) return rc;
        snprintf(sub, sizeof sub, "%s.share", path);
        return num(c, hnb_map_get(n, "share"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->share);
    case HNB_MIT_UNIT_COST:
        snprintf(sub, sizeof sub, "%s.setting", path);
        if ((rc = want_setting(c, hnb_map_get(n, "setting"), sub, &mt->setting))) return rc;
        snprintf(sub, sizeof sub, "%s.reduction", path);
        return num(c, hnb_map_get(n, "reduction"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT,
                   &mt->reduction);
    case HNB_MIT_CAPACITY:
        snprintf(sub, sizeof sub, "%s.setting", path);
        if ((rc = want_setting(c, hnb_map_get(n, "setting"), sub, &mt->setting))) return rc;
        if (!m->settings[mt->setting].capacity)
            return fail(c, hnb_map_get(n, "setting"),
                        "%s: setting '%s' has no capacity to add places to", sub,
                        m->settings[mt->setting].id);
        snprintf(sub, sizeof sub, "%s.places", path);
        return num(c, hnb_map_get(n, "places"), sub, HNB_KIND_COUNT, HNB_RANGE_NONNEG,
                   &mt->places);
    case HNB_MIT_CESSATION: {
        const hnb_node *sl = hnb_map_get(n, "settings");
        if (sl) {
            snprintf(sub, sizeof sub, "%s.settings", path);
            if ((rc = setting_list(c, sl, sub, &mt->settings))) return rc;
        }
        snprintf(sub, sizeof sub, "%s.increase", path);
        return num(c, hnb_map_get(n, "increase"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->rate);
    }
    case HNB_MIT_REQUESTS:
        snprintf(sub, sizeof sub, "%s.reduction", path);
        return num(c, hnb_map_get(n, "reduction"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->reduction);
    case HNB_MIT_ASSESSMENT:
        if (!m->pipeline.capacity)
            return fail(c, ty, "%s: an assessment mitigation adds to the pipeline's capacity, and "
                               "the pipeline has none (it concludes every request it has)",
                        path);
        if (mt->start <= m->start_year)
            hnb_warn_at(ty->mark,
                        "%s: an assessment push in %d concludes requests whose plans mostly start in "
                        "%d, and that year's plans are the scenario's starting stock (SPEC section "
                        "11): its cost shows less than it will; start it in %d to see it",
                        path, m->start_year, m->start_year, m->start_year + 1);
        snprintf(sub, sizeof sub, "%s.capacity", path);
        return num(c, hnb_map_get(n, "capacity"), sub, HNB_KIND_COUNT, HNB_RANGE_NONNEG, &mt->places);
    case HNB_MIT_TRANSITION:
        snprintf(sub, sizeof sub, "%s.from", path);
        if ((rc = want_setting(c, hnb_map_get(n, "from"), sub, &mt->from))) return rc;
        snprintf(sub, sizeof sub, "%s.to", path);
        if ((rc = want_setting(c, hnb_map_get(n, "to"), sub, &mt->to))) return rc;
        if (mt->from == mt->to)
            return fail(c, hnb_map_get(n, "to"), "%s: from and to are the same setting '%s'", path,
                        m->settings[mt->from].id);
        snprintf(sub, sizeof sub, "%s.rate", path);
        return num(c, hnb_map_get(n, "rate"), sub, HNB_KIND_RATE, HNB_RANGE_UNIT, &mt->rate);
    }
    return HNB_OK;
}

static int parse_monte_carlo(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"draws",      "seed",         "method",
                                       "thresholds", "correlations", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "monte_carlo");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "monte_carlo", keys))) return rc;
    m->has_mc = 1;
    const hnb_node *d = hnb_map_get(n, "draws"), *s = hnb_map_get(n, "seed"),
                   *me = hnb_map_get(n, "method"), *th = hnb_map_get(n, "thresholds"),
                   *co = hnb_map_get(n, "correlations");
    long v;
    if (d) {
        if ((rc = want_int(c, d, "monte_carlo.draws", 1, 100000000L, &v))) return rc;
        m->mc_draws = v;
    }
    if (s) {
        if ((rc = want_int(c, s, "monte_carlo.seed", 0, 999999999999L, &v))) return rc;
        m->mc_seed = (unsigned long)v;
        m->mc_seed_given = 1;
    }
    if (me) {
        static const char *const methods[] = {"random", "lhs", "sobol"};
        char b[64];
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (me->type == HNB_SCALAR && !strcmp(me->str, methods[i])) found = i;
        if (found < 0) {
            const char *near = me->type == HNB_SCALAR ? hnb_nearest(me->str, methods, 3) : NULL;
            return fail(c, me, "monte_carlo.method: expected random, lhs or sobol, found %s%s%s%s",
                        shown(me, b), near ? "; did you mean '" : "", near ? near : "",
                        near ? "'?" : "");
        }
        m->mc_method = (hnb_method)found;
    }
    if (th) {
        if ((rc = want_seq(c, th, "monte_carlo.thresholds"))) return rc;
        m->nthresholds = (int)th->n;
        m->thresholds = xcalloc(th->n, sizeof(double));
        for (size_t i = 0; i < th->n; i++)
            if ((rc = scalar_num(c, th->vals[i], "monte_carlo.thresholds", HNB_KIND_MONEY,
                                 &m->thresholds[i])))
                return rc;
    }
    if (co) {
        static const char *const ckeys[] = {"a", "b", "rho", NULL};
        if ((rc = want_seq(c, co, "monte_carlo.correlations"))) return rc;
        m->ncorr = 0;
        m->corr = xcalloc(co->n, sizeof *m->corr);
        for (size_t i = 0; i < co->n; i++) {
            const hnb_node *it = co->vals[i];
            char path[300];
            snprintf(path, sizeof path, "monte_carlo.correlations[%zu]", i + 1);
            if ((rc = want_map(c, it, path))) return rc;
            if ((rc = check_keys(c, it, "a correlation", ckeys))) return rc;
            const hnb_node *a = hnb_map_get(it, "a"), *b = hnb_map_get(it, "b"),
                           *r = hnb_map_get(it, "rho");
            if (!a || !b || !r) return fail(c, it, "%s: a correlation needs a, b and rho", path);
            const hnb_node *ab[2] = {a, b};
            int slot[2], why = 0; /* 1: a --set replaced the value; 2: a file that extends this one */
            for (int k = 0; k < 2; k++) {
                const char *id;
                if ((rc = want_text(c, ab[k], path, &id))) return rc;
                slot[k] = -1;
                for (int p = 0; p < m->nparams; p++)
                    if (m->params[p].dist.type != HNB_DIST_NONE && !strcmp(m->params[p].name, id))
                        slot[k] = p;
                if (slot[k] < 0) {
                    int replaced = 0;
                    for (int g = 0; g < c->ngone && !replaced; g++) replaced = !strcmp(c->gone[g], id);
                    /* A correlation written in a base file (extends:) on a value the
                     * scenario replaced with a plain one: dropped, as for --set. A
                     * wrong id in the scenario's own file is still an error. */
                    int inherited = ab[k]->mark.file && m->file && strcmp(ab[k]->mark.file, m->file) != 0;
                    if (replaced || inherited) {
                        why = replaced ? 1 : 2;
                        break;
                    }
                    const char **ids = xcalloc((size_t)m->nparams, sizeof *ids);
                    int nid = 0;
                    for (int p = 0; p < m->nparams; p++)
                        if (m->params[p].dist.type != HNB_DIST_NONE) ids[nid++] = m->params[p].name;
                    const char *near = hnb_nearest(id, ids, nid);
                    rc = fail(c, ab[k], "%s: '%s' is not the id of a distribution%s%s%s", path, id,
                              near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
                    free(ids);
                    return rc;
                }
            }
            if (slot[0] < 0 || slot[1] < 0) {
                hnb_warn_at(it->mark, "%s: dropped: '%s' is no longer a distribution (%s%s replaced it)", path,
                            slot[0] < 0 ? a->str : b->str, why == 1 ? "a --set or --vary" : m->file,
                            why == 1 ? "" : ", which extends this file,");
                continue;
            }
            if (slot[0] == slot[1])
                return fail(c, b, "%s: a variable cannot be correlated with itself", path);
            for (int j = 0; j < m->ncorr; j++)
                if ((m->corr[j].a == slot[0] && m->corr[j].b == slot[1]) ||
                    (m->corr[j].a == slot[1] && m->corr[j].b == slot[0]))
                    return fail(c, it, "%s: the pair %s, %s is already correlated (line %d)",
                                path, a->str, b->str, m->corr[j].mark.line);
            double rho;
            if ((rc = scalar_num(c, r, "rho", HNB_KIND_COUNT, &rho))) return rc;
            if (!(rho > -1 && rho < 1))
                return fail(c, r, "%s: rho must lie strictly between -1 and 1, found %g", path,
                            rho);
            m->corr[m->ncorr].a = slot[0];
            m->corr[m->ncorr].b = slot[1];
            m->corr[m->ncorr].rho = rho;
            m->corr[m->ncorr].mark = it->mark;
            m->ncorr++;
        }
    }
    return HNB_OK;
}

/* SPEC section 11: the pipeline from requests to plans. */
static int parse_pipeline(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"requests", "backlog", "capacity", "assess_rate",
                                       "issue_rate", "same_year", NULL};
    static const char *const rkeys[] = {"count", "growth", NULL};
    hnb_model *m = c->m;
    hnb_pipeline *pl = &m->pipeline;
    int rc = want_map(c, n, "pipeline");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "pipeline", keys))) return rc;
    pl->given = 1;
    pl->backlog = pl->same_year = -1;
    const int ys = m->years;
    pl->growth = xcalloc((size_t)ys, sizeof(int));
    pl->assess_rate = xcalloc((size_t)ys, sizeof(int));
    pl->issue_rate = xcalloc((size_t)ys, sizeof(int));
    for (int t = 0; t < ys; t++) pl->growth[t] = pl->assess_rate[t] = pl->issue_rate[t] = -1;
    const hnb_node *rq = hnb_map_get(n, "requests");
    if (!rq) return fail(c, n, "pipeline: missing 'requests' (count, and optionally growth)");
    if ((rc = want_map(c, rq, "pipeline.requests"))) return rc;
    if ((rc = check_keys(c, rq, "pipeline.requests", rkeys))) return rc;
    const hnb_node *cnt = hnb_map_get(rq, "count"), *gr = hnb_map_get(rq, "growth");
    if (!cnt) return fail(c, rq, "pipeline.requests: missing 'count' (requests received in year 0)");
    if ((rc = num(c, cnt, "pipeline.requests.count", HNB_KIND_COUNT, HNB_RANGE_NONNEG, &pl->requests)))
        return rc;
    if (gr && (rc = rate_over_time(c, gr, "pipeline.requests.growth", HNB_KIND_RATE, HNB_RANGE_ANY,
                                   pl->growth)))
        return rc;
    const hnb_node *v;
    if ((v = hnb_map_get(n, "backlog")) &&
        (rc = num(c, v, "pipeline.backlog", HNB_KIND_COUNT, HNB_RANGE_NONNEG, &pl->backlog)))
        return rc;
    if ((v = hnb_map_get(n, "capacity"))) {
        pl->capacity = xcalloc((size_t)ys, sizeof(int));
        if ((rc = rate_over_time(c, v, "pipeline.capacity", HNB_KIND_COUNT, HNB_RANGE_NONNEG,
                                 pl->capacity)))
            return rc;
    }
    if ((v = hnb_map_get(n, "assess_rate")) &&
        (rc = rate_over_time(c, v, "pipeline.assess_rate", HNB_KIND_RATE, HNB_RANGE_UNIT,
                             pl->assess_rate)))
        return rc;
    if ((v = hnb_map_get(n, "issue_rate")) &&
        (rc = rate_over_time(c, v, "pipeline.issue_rate", HNB_KIND_RATE, HNB_RANGE_UNIT,
                             pl->issue_rate)))
        return rc;
    if ((v = hnb_map_get(n, "same_year")) &&
        (rc = num(c, v, "pipeline.same_year", HNB_KIND_RATE, HNB_RANGE_UNIT, &pl->same_year)))
        return rc;
    return HNB_OK;
}

/* SPEC section 10: the needs, an ordered list of {id, label}. */
static int parse_needs(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"id", "label", NULL};
    hnb_model *m = c->m;
    int rc = want_seq(c, n, "needs");
    if (rc) return rc;
    if (n->n == 0) return fail(c, n, "needs: expected at least one need");
    if (n->n > 64) return fail(c, n, "needs: at most 64 needs, found %zu", n->n);
    m->need_ids = xcalloc(n->n, sizeof(char *));
    m->need_labels = xcalloc(n->n, sizeof(char *));
    for (size_t i = 0; i < n->n; i++) {
        const hnb_node *it = n->vals[i];
        char path[64], b[64];
        snprintf(path, sizeof path, "needs[%zu]", i + 1);
        if ((rc = want_map(c, it, path))) return rc;
        if ((rc = check_keys(c, it, "a need", keys))) return rc;
        const hnb_node *id = hnb_map_get(it, "id"), *label = hnb_map_get(it, "label");
        if (!id) return fail(c, it, "%s: missing 'id'", path);
        if (id->type != HNB_SCALAR || !is_ident(id->str))
            return fail(c, id, "%s.id: expected a name of letters, digits, _ and -, found %s", path,
                        shown(id, b));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->need_ids[j], id->str))
                return fail(c, id, "needs: id '%s' is used twice", id->str);
        m->need_ids[i] = xstrdup(id->str);
        const char *lt = id->str;
        if (label && (rc = want_text(c, label, "label", &lt))) return rc;
        m->need_labels[i] = xstrdup(lt);
        m->nneeds = (int)i + 1;
    }
    return HNB_OK;
}

/* SPEC section 13: the 2026 deficit regime. */
static int parse_regime(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"stability_grant", "after_override", NULL};
    static const char *const gkeys[] = {"cutoff", "share", "paid", "received", NULL};
    static const char *const akeys[] = {"central_share", NULL};
    hnb_model *m = c->m;
    hnb_regime *g = &m->regime;
    int rc = want_map(c, n, "regime");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "regime", keys))) return rc;
    g->given = 1;
    g->share = g->received = -1;
    const hnb_node *sg = hnb_map_get(n, "stability_grant"), *ao = hnb_map_get(n, "after_override");
    if (sg) {
        if ((rc = want_map(c, sg, "regime.stability_grant"))) return rc;
        if ((rc = check_keys(c, sg, "regime.stability_grant", gkeys))) return rc;
        const hnb_node *cut = hnb_map_get(sg, "cutoff"), *sh = hnb_map_get(sg, "share"),
                       *pd = hnb_map_get(sg, "paid"), *rcv = hnb_map_get(sg, "received");
        if (!cut || !sh || !pd)
            return fail(c, sg,
                        "regime.stability_grant: needs cutoff (the year whose end measures the "
                        "eligible deficit), share and paid (the year the grant is received); "
                        "missing %s",
                        !cut ? "cutoff" : !sh ? "share" : "paid");
        if ((rc = want_year(c, cut, "regime.stability_grant.cutoff", &g->cutoff))) return rc;
        if ((rc = want_year(c, pd, "regime.stability_grant.paid", &g->paid))) return rc;
        if (g->paid <= g->cutoff)
            return fail(c, pd,
                        "regime.stability_grant.paid: the grant is paid after the cutoff it "
                        "measures, so paid must be after %d, found %d",
                        g->cutoff, g->paid);
        if ((rc = num(c, sh, "regime.stability_grant.share", HNB_KIND_RATE, HNB_RANGE_UNIT,
                      &g->share)))
            return rc;
        if (rcv && (rc = num(c, rcv, "regime.stability_grant.received", HNB_KIND_RATE,
                             HNB_RANGE_UNIT, &g->received)))
            return rc;
        g->grant = 1;
    }
    if (ao) {
        if ((rc = want_map(c, ao, "regime.after_override"))) return rc;
        if ((rc = check_keys(c, ao, "regime.after_override", akeys))) return rc;
        if (!m->override_end)
            return fail(c, ao,
                        "regime.after_override: needs override_end (the first year without the "
                        "statutory override), which the scenario does not give");
        g->central_share = xcalloc((size_t)m->years, sizeof(int));
        for (int t = 0; t < m->years; t++) g->central_share[t] = -1;
        const hnb_node *cs = hnb_map_get(ao, "central_share");
        if (cs && (rc = rate_over_time(c, cs, "regime.after_override.central_share",
                                       HNB_KIND_RATE, HNB_RANGE_UNIT, g->central_share)))
            return rc;
    }
    return HNB_OK;
}

/* SPEC section 13: the DSG's other blocks. */
static int parse_dsg(ctx *c, const hnb_node *n)
{
    static const char *const keys[] = {"opening", "in_year", NULL};
    hnb_model *m = c->m;
    int rc = want_map(c, n, "dsg");
    if (rc) return rc;
    if ((rc = check_keys(c, n, "dsg", keys))) return rc;
    m->dsg.given = 1;
    const hnb_node *op = hnb_map_get(n, "opening"), *iy = hnb_map_get(n, "in_year");
    if (op && (rc = num(c, op, "dsg.opening", HNB_KIND_MONEY, HNB_RANGE_ANY, &m->dsg.opening)))
        return rc;
    if (iy) return money_path(c, iy, "dsg.in_year", NULL, &m->dsg.in_year);
    path_init(c, &m->dsg.in_year);
    return HNB_OK;
}

/* SPEC section 12: the scenario's transition rates plus every transition
 * mitigation's full rate out of a setting at one age (and need) sum to at
 * most 1, whatever their start years. */
static int check_transition_mitigations(ctx *c, const hnb_node *list)
{
    hnb_model *m = c->m;
    int any = 0;
    for (int i = 0; i < m->nmit; i++) any |= m->mits[i].type == HNB_MIT_TRANSITION;
    if (!any) return HNB_OK;
    for (int k = 0; k < hnb_model_needs(m); k++)
        for (int s = 0; s < m->nsettings; s++)
            for (int a = 0; a < HNB_AGES; a++) {
                double sum = 0;
                for (int i = 0; i < m->ntrans; i++)
                    if (m->trans[i].from == s && m->trans[i].ages[a] &&
                        (!m->trans[i].needs || m->trans[i].needs[k]))
                        sum += m->params[m->trans[i].rate].central;
                int last = -1;
                for (int i = 0; i < m->nmit; i++) {
                    const hnb_mitigation *mt = &m->mits[i];
                    if (mt->type == HNB_MIT_TRANSITION && mt->from == s && mt->ages[a] &&
                        (!mt->needs || mt->needs[k])) {
                        sum += m->params[mt->rate].central;
                        last = i;
                    }
                }
                if (last >= 0 && sum > 1 + 1e-9)
                    return fail(c, list->vals[last],
                                "mitigations.%s: the transition rates out of '%s' at age %d%s%s, the "
                                "scenario's and every transition mitigation's in full, sum to %.6g, "
                                "more than 1",
                                m->mits[last].name, m->settings[s].id, a, m->nneeds ? " for need " : "",
                                m->nneeds ? m->need_ids[k] : "", sum);
            }
    return HNB_OK;
}

/* A scenario's top-level keys (SPEC sections 2-13). */
static const char *const scenario_keys[] = {
    "hnb",       "name",        "authority",   "start_year",        "years",
    "opening_deficit", "override_end", "reserves", "settings",    "costs",
    "population", "new_plans",  "cessation",   "transitions",       "funding",
    "other_expenditure", "mitigations", "monte_carlo", "regime", "dsg", "needs", "attribution",
    "pipeline", NULL};

static int compile(ctx *c, const hnb_node *root)
{
    const char *const *keys = scenario_keys;
    hnb_model *m = c->m;
    int rc = want_map(c, root, "the scenario");
    if (rc) return rc;
    long v;
    const hnb_node *n;
    /* the version first: it decides which keys the file may hold */
    m->version = 1;
    if ((n = hnb_map_get(root, "hnb"))) {
        if ((rc = want_int(c, n, "hnb", 1, 2, &v))) return rc;
        m->version = (int)v;
    }
    if ((rc = check_keys(c, root, "the scenario", keys))) return rc;
    if (!n) return fail(c, root, "missing 'hnb: 1' or 'hnb: 2' (the format version)");
    const char *text;
    if (!(n = hnb_map_get(root, "name"))) return fail(c, root, "missing 'name'");
    if ((rc = want_text(c, n, "name", &text))) return rc;
    m->name = xstrdup(text);
    if ((n = hnb_map_get(root, "authority"))) {
        if ((rc = want_text(c, n, "authority", &text))) return rc;
        m->authority = xstrdup(text);
    }
    if (!(n = hnb_map_get(root, "start_year"))) return fail(c, root, "missing 'start_year'");
    if ((rc = want_int(c, n, "start_year", 2000, 2100, &v))) return rc;
    m->start_year = (int)v;
    if (!(n = hnb_map_get(root, "years"))) return fail(c, root, "missing 'years' (the horizon)");
    if ((rc = want_int(c, n, "years", 1, 50, &v))) return rc;
    m->years = (int)v;

    m->opening_deficit = -1;
    if ((n = hnb_map_get(root, "opening_deficit")) &&
        (rc = num(c, n, "opening_deficit", HNB_KIND_MONEY, HNB_RANGE_ANY, &m->opening_deficit)))
        return rc;
    if ((n = hnb_map_get(root, "override_end")) &&
        (rc = want_year(c, n, "override_end", &m->override_end)))
        return rc;
    m->reserves = -1;
    if ((n = hnb_map_get(root, "reserves")) &&
        (rc = num(c, n, "reserves", HNB_KIND_MONEY, HNB_RANGE_NONNEG, &m->reserves)))
        return rc;

    const hnb_node *settings = hnb_map_get(root, "settings"),
                   *pop = hnb_map_get(root, "population"), *np = hnb_map_get(root, "new_plans");
    int given = (settings != NULL) + (pop != NULL) + (np != NULL);
    if (given != 0 && given != 3) {
        const hnb_node *at = settings ? settings : pop ? pop : np;
        return fail(c, at,
                    "settings, population and new_plans go together: give all three (a "
                    "bottom-up scenario) or none (top-down); missing %s%s%s%s",
                    settings ? "" : "settings", !settings && !pop ? " and " : "",
                    pop ? "" : "population", np ? "" : (settings && pop ? "new_plans" : " and new_plans"));
    }
    m->bottom_up = given == 3;
    if ((n = hnb_map_get(root, "needs"))) {
        if (!m->bottom_up)
            return fail(c, n, "needs: a top-down scenario (no settings) has no plans to divide by need");
        if ((rc = parse_needs(c, n))) return rc;
    }
    if (m->bottom_up) {
        if ((rc = want_seq(c, settings, "settings"))) return rc;
        if (settings->n == 0) return fail(c, settings, "settings: expected at least one setting");
        m->nsettings = (int)settings->n;
        m->settings = xcalloc(settings->n, sizeof *m->settings);
        if (m->nneeds) {
            m->need_cost = xcalloc(settings->n * (size_t)m->nneeds, sizeof(int));
            for (size_t k = 0; k < settings->n * (size_t)m->nneeds; k++) m->need_cost[k] = -1;
        }
        for (size_t i = 0; i < settings->n; i++)
            if ((rc = parse_setting(c, settings->vals[i], (int)i))) return rc;
        if ((rc = resolve_overflows(c, settings))) return rc;
        for (int k = 0; k < m->nneeds; k++)
            if (find_setting(m, m->need_ids[k]) >= 0)
                return fail(c, hnb_map_get(hnb_map_get(root, "needs")->vals[k], "id"),
                            "needs: '%s' is also a setting's id; need ids must differ from "
                            "setting ids",
                            m->need_ids[k]);
    }
    /* costs.inflation is the default of every setting without its own. */
    const hnb_node *costs = hnb_map_get(root, "costs");
    if (costs) {
        static const char *const ckeys[] = {"inflation", NULL};
        if ((rc = want_map(c, costs, "costs"))) return rc;
        if ((rc = check_keys(c, costs, "costs", ckeys))) return rc;
        const hnb_node *inf = hnb_map_get(costs, "inflation");
        if (inf) {
            int *tab = xcalloc((size_t)m->years, sizeof(int));
            rc = rate_over_time(c, inf, "costs.inflation", HNB_KIND_RATE, HNB_RANGE_ANY, tab);
            if (!rc)
                for (int s = 0; s < m->nsettings; s++)
                    if (!hnb_map_get(settings->vals[s], "inflation"))
                        memcpy(m->settings[s].inflation, tab, (size_t)m->years * sizeof(int));
            free(tab);
            if (rc) return rc;
            m->cost_inflation_given = 1;
        }
    }
    if ((n = hnb_map_get(root, "pipeline"))) {
        if (!m->bottom_up)
            return fail(c, n, "pipeline: a top-down scenario (no settings) has no new plans to make");
        if ((rc = parse_pipeline(c, n))) return rc;
    }
    if (m->bottom_up) {
        if ((rc = parse_population(c, pop))) return rc;
        if ((rc = parse_new_plans(c, np))) return rc;
    }
    for (int a = 0; a < HNB_AGES; a++) m->cease[a] = -1;
    if ((n = hnb_map_get(root, "cessation"))) {
        if (!m->bottom_up)
            return fail(c, n, "cessation: a top-down scenario (no settings) has no plans to cease");
        if ((rc = parse_cessation(c, n))) return rc;
    }
    if ((n = hnb_map_get(root, "transitions"))) {
        if (!m->bottom_up)
            return fail(c, n, "transitions: a top-down scenario (no settings) has no plans to move");
        if ((rc = parse_transitions(c, n))) return rc;
    }
    if (!(n = hnb_map_get(root, "funding")))
        return fail(c, root, "missing 'funding' (with grant, the HNB allocation)");
    if ((rc = parse_funding(c, n))) return rc;
    if ((n = hnb_map_get(root, "other_expenditure")) &&
        (rc = parse_lines(c, n, "other_expenditure", &m->other, &m->nother)))
        return rc;
    if ((n = hnb_map_get(root, "mitigations"))) {
        if ((rc = want_seq(c, n, "mitigations"))) return rc;
        m->nmit = (int)n->n;
        m->mits = xcalloc(n->n, sizeof *m->mits);
        for (size_t i = 0; i < n->n; i++)
            if ((rc = parse_mitigation(c, n->vals[i], (int)i))) return rc;
        if ((rc = check_transition_mitigations(c, n))) return rc;
    }
    if ((n = hnb_map_get(root, "attribution"))) {
        const char *a;
        if ((rc = want_text(c, n, "attribution", &a))) return rc;
        if (!strcmp(a, "shapley")) m->shapley = 1;
        else if (strcmp(a, "ordered"))
            return fail(c, n, "attribution: expected ordered or shapley, found '%s'", a);
        /* the limit of 16 is checked when a run computes it: --attribution
         * ordered overrides the file (SPEC section 12) */
        m->attribution_mark = n->mark;
    }
    if ((n = hnb_map_get(root, "regime")) && (rc = parse_regime(c, n))) return rc;
    m->dsg.opening = -1;
    if ((n = hnb_map_get(root, "dsg")) ? (rc = parse_dsg(c, n)) : (path_init(c, &m->dsg.in_year), 0))
        return rc;
    if ((n = hnb_map_get(root, "monte_carlo")) && (rc = parse_monte_carlo(c, n))) return rc;
    return HNB_OK;
}

typedef struct {
    char **v; /* owned copies: a --set frees the nodes they came from */
    int n, cap;
} idlist;

static void idlist_add(idlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
        if (!l->v) hnb_oom();
    }
    l->v[l->n++] = xstrdup(s);
}

static void idlist_free(idlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

/* Every id given to a distribution in the tree. */
static void collect_ids(const hnb_node *n, idlist *l)
{
    if (n->type == HNB_MAP && hnb_map_get(n, "dist")) {
        const hnb_node *id = hnb_map_get(n, "id");
        if (id && id->type == HNB_SCALAR) idlist_add(l, id->str);
        return;
    }
    for (size_t i = 0; i < n->n; i++) collect_ids(n->vals[i], l);
}

static int compile_with(hnb_srcs *srcs, const char *file, const hnb_node *root, char **gone,
                        int ngone, hnb_model **out, hnb_err *err)
{
    hnb_model *m = xcalloc(1, sizeof *m);
    m->srcs = srcs;
    m->file = xstrdup(file);
    m->reserves = m->opening_deficit = -1;
    ctx c = {m, err, gone, ngone};
    int rc = compile(&c, root);
    if (!rc) rc = hnb_sampler_check_correlations(m, err);
    if (rc) {
        hnb_model_free(m);
        *out = NULL;
        return rc;
    }
    *out = m;
    return HNB_OK;
}

int hnb_model_compile(hnb_srcs *srcs, const char *file, const hnb_node *root, hnb_model **out,
                      hnb_err *err)
{
    return compile_with(srcs, file, root, NULL, 0, out, err);
}

/* Values tagged !placeholder (a starter's unit costs, grant, opening
 * deficit: docs/sen2.md): each is a warning at its place, so that `hnb
 * check` and `hnb run` say so until the user replaces it. Returns how many. */
static int warn_placeholders(const hnb_node *n, char *path, size_t len, size_t cap)
{
    if (!n) return 0;
    if (n->type == HNB_SCALAR) {
        if (!n->placeholder) return 0;
        hnb_warn_at(n->mark, "%s: a placeholder (!placeholder), not the council's figure: replace it",
                    len ? path : "(value)");
        return 1;
    }
    int count = 0;
    for (size_t i = 0; i < n->n; i++) {
        size_t w = len;
        if (n->type == HNB_MAP) {
            const char *k = n->keys[i]->str ? n->keys[i]->str : "";
            w += (size_t)snprintf(path + len, cap - len, "%s%s", len ? "." : "", k);
        } else {
            hnb_node *id = n->vals[i]->type == HNB_MAP ? hnb_map_get(n->vals[i], "id") : NULL;
            if (!id && n->vals[i]->type == HNB_MAP) id = hnb_map_get(n->vals[i], "name");
            if (id && id->type == HNB_SCALAR) w += (size_t)snprintf(path + len, cap - len, ".%s", id->str);
            else w += (size_t)snprintf(path + len, cap - len, ".%zu", i);
        }
        if (w >= cap) w = cap - 1;
        count += warn_placeholders(n->vals[i], path, w, cap);
        path[len] = 0;
    }
    return count;
}

int hnb_model_load(const char *path, const char *const *sets, int nsets, hnb_model **out,
                   hnb_err *err)
{
    hnb_srcs *srcs = hnb_srcs_create();
    hnb_node *root;
    *out = NULL;
    int rc = hnb_merge_load(srcs, path, scenario_keys, &root, err);
    if (rc) {
        hnb_srcs_free(srcs);
        return rc;
    }
    /* Distribution ids a --set replaces: correlations on them are dropped
     * (with a warning) instead of refused, so that `--set new_plans.growth=5%`
     * works on a scenario that correlates its growth. */
    idlist before = {0}, after = {0};
    if (nsets > 0) collect_ids(root, &before);
    for (int i = 0; i < nsets && !rc; i++) rc = hnb_merge_set(srcs, root, sets[i], err);
    if (!rc) {
        if (nsets > 0) collect_ids(root, &after);
        idlist gone = {0};
        for (int i = 0; i < before.n; i++) {
            int kept = 0;
            for (int j = 0; j < after.n && !kept; j++) kept = !strcmp(before.v[i], after.v[j]);
            if (!kept) idlist_add(&gone, before.v[i]);
        }
        rc = compile_with(srcs, path, root, gone.v, gone.n, out, err);
        idlist_free(&gone);
        if (!rc) {
            char where[1024] = "";
            (*out)->nplaceholders = warn_placeholders(root, where, 0, sizeof where);
        }
        /* a value almost certainly in the wrong unit: said, not refused */
        for (int i = 0; rc == HNB_OK && i < (*out)->nparams; i++) {
            const hnb_param *q = &(*out)->params[i];
            char why[700];
            if (q->dist.type == HNB_DIST_NONE && hnb_param_doubt(q, q->central, why, sizeof why))
                hnb_warn_at(q->mark, "%s", why);
        }
    } else {
        hnb_srcs_free(srcs);
    }
    idlist_free(&before);
    idlist_free(&after);
    hnb_node_free(root);
    return rc;
}

static void path_free(hnb_path *p)
{
    free(p->named);
    free(p->growth);
}

void hnb_model_free(hnb_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->nsettings; i++) {
        hnb_setting *s = &m->settings[i];
        free(s->id);
        free(s->label);
        for (int b = 0; b < s->nbands; b++) free(s->band_names[b]);
        free(s->band_names);
        free(s->tariff);
        shares_free(&s->band_shares);
        free(s->inflation);
        free(s->capacity);
    }
    free(m->settings);
    for (int k = 0; k < m->nneeds; k++) {
        free(m->need_ids[k]);
        free(m->need_labels[k]);
        if (m->mix_by_need) shares_free(&m->mix_by_need[k]);
    }
    free(m->need_ids);
    free(m->need_labels);
    free(m->mix_by_need);
    if (m->pop_need)
        for (int s = 0; s < (m->pop_need_each ? m->nsettings : 1); s++) shares_free(&m->pop_need[s]);
    free(m->pop_need);
    shares_free(&m->np_need);
    free(m->need_cost);
    for (int i = 0; i < m->ntrans; i++) free(m->trans[i].needs);
    free(m->pop_csv);
    shares_free(&m->pop_mix);
    shares_free(&m->pop_age);
    shares_free(&m->np_age);
    shares_free(&m->np_mix);
    free(m->np_growth);
    free(m->trans);
    path_free(&m->grant);
    free(m->transfers);
    for (int i = 0; i < m->nincome; i++) {
        free(m->income[i].name);
        path_free(&m->income[i].path);
    }
    free(m->income);
    for (int i = 0; i < m->nother; i++) {
        free(m->other[i].name);
        path_free(&m->other[i].path);
    }
    free(m->other);
    for (int i = 0; i < m->nmit; i++) {
        free(m->mits[i].name);
        free(m->mits[i].ramp);
        free(m->mits[i].settings);
        free(m->mits[i].needs);
        path_free(&m->mits[i].amount);
    }
    free(m->mits);
    free(m->regime.central_share);
    free(m->pipeline.growth);
    free(m->pipeline.capacity);
    free(m->pipeline.assess_rate);
    free(m->pipeline.issue_rate);
    path_free(&m->dsg.in_year);
    free(m->thresholds);
    free(m->corr);
    for (int i = 0; i < m->nparams; i++) {
        free(m->params[i].name);
        free(m->params[i].path);
    }
    free(m->params);
    free(m->name);
    free(m->authority);
    free(m->file);
    hnb_srcs_free(m->srcs);
    free(m);
}

void hnb_model_central(const hnb_model *m, double *p)
{
    for (int i = 0; i < m->nparams; i++) p[i] = m->params[i].central;
}

static int in_shares(const hnb_shares *s, int slot)
{
    for (int i = 0; s && i < s->n; i++)
        if (s->p[i] == slot) return 1;
    return 0;
}

/* The key a value is written under: its path's last name that is not a
 * year, an age or by_year ("mitigations.X.amount.by_year.2025": amount). */
static void value_key(const char *path, char *key, size_t n)
{
    const char *end = path + strlen(path);
    key[0] = 0;
    while (end > path) {
        const char *dot = end;
        while (dot > path && dot[-1] != '.') dot--;
        size_t len = (size_t)(end - dot);
        int skip = len == 0 || (len == 7 && !strncmp(dot, "by_year", len)) ||
                   (len == 6 && !strncmp(dot, "by_age", len)) ||
                   (len == 4 && !strncmp(dot, "base", len)) || strspn(dot, "0123456789/") >= len;
        if (!skip) {
            snprintf(key, n, "%.*s", (int)(len < n ? len : n - 1), dot);
            return;
        }
        end = dot > path ? dot - 1 : path;
    }
}

static int key_in(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(k, *list)) return 1;
    return 0;
}

int hnb_param_doubt(const hnb_param *p, double v, char *why, size_t n)
{
    static const char *const rates[] = {"growth", "inflation", NULL};
    static const char *const totals[] = {"opening_deficit", "reserves", "grant", "amount",
                                         "opening", "in_year", "transfers", NULL};
    static const char *const unit[] = {"cost", "place_funding", "need_cost", "tariff", NULL};
    static const char *const counts[] = {"total", "count", "capacity", "backlog", NULL};
    char k[64];
    value_key(p->path, k, sizeof k);
    /* settings.X.need_cost.NEED: a unit cost, whatever the need is called */
    if (strstr(p->path, ".need_cost.")) snprintf(k, sizeof k, "need_cost");
    double a = fabs(v);
    if (key_in(k, rates) && a >= 1) {
        snprintf(why, n, "%s = %g is %.0f%% a year: for %g%% write %g%% (or %g)", p->path, v,
                 100 * v, v, v, v / 100);
        return 1;
    }
    /* money that is not per plan: a total a year, a balance, a saving */
    if ((key_in(k, totals) || (p->kind == HNB_KIND_MONEY && !key_in(k, unit))) && a > 0 &&
        a < 1000) {
        snprintf(why, n, "%s = %g is £%g: if you meant £%gm, write %gm", p->path, v, v, v, v);
        return 1;
    }
    if (key_in(k, unit) && a > 0 && a < 100) {
        snprintf(why, n, "%s = %g is £%g per plan a year: if you meant £%gk, write %gk", p->path,
                 v, v, v, v);
        return 1;
    }
    if (key_in(k, counts) && a > 2e6) {
        snprintf(why, n, "%s = %g is more plans than England has (about 640,000 in 2025)",
                 p->path, v);
        return 1;
    }
    return 0;
}

/* ---- values in words ---------------------------------------------------- */

/* What a value is, for committee text: a path pattern ('*' one name, which
 * becomes the setting's or need's label, or the item's name) and its words.
 * The first that matches wins; unmatched paths are spelled out. */
static const struct {
    const char *pattern, *words;
} described[] = {
    {"opening_deficit", "Deficit brought forward"},
    {"reserves", "Usable reserves"},
    {"override_end", "End of the statutory override"},
    {"costs.inflation", "Cost inflation"},
    {"settings.*.cost", "Cost per plan in %s"},
    {"settings.*.inflation", "Cost inflation in %s"},
    {"settings.*.capacity", "Places in %s"},
    {"settings.*.place_funding", "Place funding per plan in %s"},
    {"settings.*.need_cost.*", "Cost per plan in %s for %s"},
    {"settings.*.bands.*.share", "Share of plans in %s in band %s"},
    {"settings.*.bands.*.tariff", "Tariff in %s, band %s"},
    {"population.total", "EHCPs at the start"},
    {"population.mix.*", "Share of EHCPs in %s"},
    {"population.age_profile.*", "Share of EHCPs aged %s"},
    {"population.need_mix.*.*", "Share of EHCPs in %s with %s"},
    {"new_plans.count", "New plans in the first year"},
    {"new_plans.growth", "Growth in new plans"},
    {"new_plans.mix.*", "Share of new plans in %s"},
    {"new_plans.age_profile.*", "Share of new plans aged %s"},
    {"new_plans.need_mix.*", "Share of new plans with %s"},
    {"cessation.rate", "Plans ending each year"},
    {"transitions.*.rate", "Share of plans moving from %s each year"},
    {"cessation.by_age.*", "Plans ending each year at age %s"},
    {"funding.grant", "HNB grant"},
    {"funding.grant.growth", "Growth in the HNB grant"},
    {"funding.growth", "Growth in the HNB grant"},
    {"funding.transfers", "Transfers from other blocks"},
    {"mitigations.*.delivery", "Share of \"%s\" delivered"},
    {"mitigations.*.amount", "Saving from \"%s\""},
    {"mitigations.*.amount.growth", "Growth in the saving from \"%s\""},
    {"mitigations.*.reduction", "Reduction from \"%s\""},
    {"mitigations.*.share", "Share moved by \"%s\""},
    {"mitigations.*.places", "Places added by \"%s\""},
    {"mitigations.*.ramp.*", "Share of \"%s\" delivered in its year %s"},
    {"other_expenditure.*.base", "Spending on \"%s\""},
    {"other_expenditure.*.growth", "Growth in \"%s\""},
    {"other_expenditure.*", "Spending on \"%s\""},
    {"pipeline.requests.count", "Requests for assessment in the first year"},
    {"pipeline.requests.growth", "Growth in requests for assessment"},
    {"pipeline.assess_rate", "Share of requests assessed"},
    {"pipeline.issue_rate", "Share of assessments that lead to a plan"},
    {"pipeline.backlog", "Assessments waiting at the start"},
    {"pipeline.capacity", "Assessments the service can conclude a year"},
    {"pipeline.same_year", "Share of plans issued in the year decided"},
    {"regime.stability_grant.share", "Stability grant: share of the eligible deficit"},
    {"regime.stability_grant.received", "Whether the stability grant is received"},
    {"regime.after_override.central_share", "Share of the annual gap met centrally after the override"},
    {"dsg.opening", "Other DSG blocks' balance brought forward"},
    {"dsg.in_year", "Other DSG blocks' balance each year"},
};

/* The label of ID among the settings or needs, else ID; a transition's
 * "from->to" as "FROM to TO" (in a buffer of its own, good until the next
 * call). */
static const char *label_of(const hnb_model *m, const char *id)
{
    const char *arrow = strstr(id, "->");
    if (arrow) {
        static char both[600];
        char from[256];
        snprintf(from, sizeof from, "%.*s", (int)(arrow - id), id);
        const char *a = label_of(m, from);
        char af[256];
        snprintf(af, sizeof af, "%s", a);
        snprintf(both, sizeof both, "%s to %s", af, label_of(m, arrow + 2));
        return both;
    }
    for (int s = 0; s < m->nsettings; s++)
        if (!strcmp(m->settings[s].id, id)) return m->settings[s].label ? m->settings[s].label : id;
    for (int n = 0; n < m->nneeds; n++)
        if (!strcmp(m->need_ids[n], id)) return m->need_labels[n] ? m->need_labels[n] : id;
    return id;
}

void hnb_param_describe(const hnb_model *m, const hnb_param *p, char *out, size_t n)
{
    /* the path's names; a year at the end is said as "2026/27" */
    char buf[1024], *seg[16];
    int ns = 0;
    snprintf(buf, sizeof buf, "%s", p->path);
    for (char *q = buf, *dot; ns < 16 && q; q = dot ? dot + 1 : NULL) {
        dot = strchr(q, '.');
        if (dot) *dot = 0;
        seg[ns++] = q;
    }
    char year[16] = "";
    if (ns > 1 && strlen(seg[ns - 1]) == 4 && strspn(seg[ns - 1], "0123456789") == 4) {
        int y = atoi(seg[ns - 1]);
        snprintf(year, sizeof year, " in %d/%02d", y, (y + 1) % 100);
        ns--;
    }
    if (ns > 1 && !strcmp(seg[ns - 1], "by_year")) ns--;
    for (size_t i = 0; i < sizeof described / sizeof *described; i++) {
        char pat[128], *ps[16];
        int np = 0;
        snprintf(pat, sizeof pat, "%s", described[i].pattern);
        for (char *q = pat, *dot; np < 16 && q; q = dot ? dot + 1 : NULL) {
            dot = strchr(q, '.');
            if (dot) *dot = 0;
            ps[np++] = q;
        }
        if (np != ns) continue;
        const char *fill[2] = {"", ""};
        int nf = 0, ok = 1;
        for (int k = 0; k < np && ok; k++) {
            if (!strcmp(ps[k], "*")) {
                if (nf < 2) fill[nf++] = label_of(m, seg[k]);
            } else {
                ok = !strcmp(ps[k], seg[k]);
            }
        }
        if (!ok) continue;
        char words[700];
        snprintf(words, sizeof words, described[i].words, fill[0], fill[1]);
        snprintf(out, n, "%s%s", words, year);
        return;
    }
    /* spelled out: "some_key.other" as "Some key, other" */
    size_t w = 0;
    for (int k = 0; k < ns && w + 2 < n; k++) {
        if (k) w += (size_t)snprintf(out + w, n - w, ", ");
        for (const char *c = label_of(m, seg[k]); *c && w + 1 < n; c++)
            out[w++] = *c == '_' ? ' ' : *c;
        out[w] = 0;
    }
    if (w > 0 && out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 'a' + 'A');
    snprintf(out + w, n - w, "%s", year);
}

int hnb_model_settable(const hnb_model *m, int slot)
{
    if (slot < 0 || slot >= m->nparams || m->params[slot].dist.type != HNB_DIST_NONE) return 0;
    if (in_shares(&m->pop_mix, slot) || in_shares(&m->pop_age, slot) || in_shares(&m->np_age, slot) ||
        in_shares(&m->np_mix, slot) || in_shares(&m->np_need, slot))
        return 0;
    for (int s = 0; s < m->nsettings; s++)
        if (in_shares(&m->settings[s].band_shares, slot)) return 0;
    for (int k = 0; m->pop_need && k < (m->pop_need_each ? m->nsettings : 1); k++)
        if (in_shares(&m->pop_need[k], slot)) return 0;
    for (int k = 0; m->mix_by_need && k < m->nneeds; k++)
        if (in_shares(&m->mix_by_need[k], slot)) return 0;
    for (int i = 0; i < m->ntrans; i++)
        if (m->trans[i].rate == slot) return 0;
    return 1;
}

int hnb_model_set(hnb_model *m, int slot, double x, hnb_err *err)
{
    hnb_param *p = &m->params[slot];
    if (!isfinite(x)) return hnb_err_at(err, p->mark, "%s: must be a finite number, found %g", p->path, x);
    if (!range_ok(p->range, x))
        return hnb_err_at(err, p->mark, "%s: must be %s, found %g", p->path, range_what(p->range), x);
    p->central = x;
    return HNB_OK;
}

int hnb_model_shapley_ok(const hnb_model *m, int from_file, hnb_err *err)
{
    int k = 0;
    for (int i = 0; i < m->nmit; i++) k += m->mits[i].type != HNB_MIT_SAVING;
    if (k <= HNB_SHAPLEY_MAX) return HNB_OK;
    return hnb_err_at(err, from_file ? m->attribution_mark : (hnb_mark){"--attribution", 1, 1},
                      "attribution: shapley is computed exactly, over every subset of the "
                      "mitigations that are not savings: at most %d of them, and the scenario has %d",
                      HNB_SHAPLEY_MAX, k);
}

int hnb_model_find_param(const hnb_model *m, const char *name)
{
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].name, name)) return i;
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].path, name)) return i;
    return -1;
}
