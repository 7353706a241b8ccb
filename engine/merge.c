/* merge.c - extends: chains and --set overrides (SPEC section 7). */
#include "hnb/merge.h"
#include "hnb/mem.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hnb/value.h"

/* Keys are compared as years where both are years ("2026/27" is 2026), and
 * as ages where both are ages ("16" is 16, "5 - 10" is "5-10"; SPEC section
 * 7): no key is both, a year being 1000 or more and an age at most 25. */
int hnb_key_same(const char *a, const char *b)
{
    if (!strcmp(a, b)) return 1;
    int ya, yb;
    if (hnb_value_parse_year(a, &ya) == 0 && hnb_value_parse_year(b, &yb) == 0) return ya == yb;
    int alo, ahi, blo, bhi;
    const char *why;
    return hnb_value_parse_ages(a, &alo, &ahi, &why) == 0 && hnb_value_parse_ages(b, &blo, &bhi, &why) == 0 &&
           alo == blo && ahi == bhi;
}

static long map_find(const hnb_node *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (hnb_key_same(map->keys[i]->str, key)) return (long)i;
    return -1;
}

static int is_dist(const hnb_node *n)
{
    return n->type == HNB_MAP && hnb_map_get(n, "dist") != NULL;
}

/* The key an item of a mergeable list is known by: its id, else its name. */
static const hnb_node *item_key(const hnb_node *item, const char **field)
{
    *field = "id";
    if (item->type != HNB_MAP) return NULL;
    const hnb_node *k = hnb_map_get(item, "id");
    *field = "id";
    if (!k) {
        k = hnb_map_get(item, "name");
        *field = "name";
    }
    return k && k->type == HNB_SCALAR ? k : NULL;
}

static int all_keyed(const hnb_node *seq)
{
    const char *f;
    for (size_t i = 0; i < seq->n; i++)
        if (!item_key(seq->vals[i], &f)) return 0;
    return 1;
}

/* 1 if ITEM says drop: true, 0 if it says drop: false or nothing, -1 (and
 * ERR) if its drop is anything else: `drop: yes` must not silently keep. */
static int is_drop(const hnb_node *item, hnb_err *err)
{
    const hnb_node *d = hnb_map_get(item, "drop");
    if (!d) return 0;
    if (d->type == HNB_SCALAR && d->plain) {
        if (!strcmp(d->str, "true") || !strcmp(d->str, "True") || !strcmp(d->str, "TRUE"))
            return 1;
        if (!strcmp(d->str, "false") || !strcmp(d->str, "False") || !strcmp(d->str, "FALSE"))
            return 0;
    }
    const char *q = d->type != HNB_SCALAR ? "" : d->plain ? "'" : "\"";
    hnb_err_at(err, d->mark, "drop: expected true (remove the item) or false, found %s%s%s", q,
               d->type == HNB_SCALAR ? d->str : hnb_node_type_name(d), q);
    return -1;
}

static void strip_drop(hnb_node *item)
{
    long i = hnb_map_index(item, "drop");
    if (i >= 0) hnb_node_remove(item, (size_t)i);
}

static int merge_seq(hnb_node *base, const hnb_node *over, hnb_err *err)
{
    for (size_t i = 0; i < over->n; i++) {
        const hnb_node *item = over->vals[i];
        const char *field;
        const hnb_node *key = item_key(item, &field);
        long at = -1;
        for (size_t j = 0; j < base->n && at < 0; j++) {
            const hnb_node *bk = hnb_map_get(base->vals[j], field);
            if (bk && bk->type == HNB_SCALAR && !strcmp(bk->str, key->str)) at = (long)j;
        }
        int drop = is_drop(item, err);
        if (drop < 0) return HNB_EINPUT;
        /* the base's name nearest a key it lacks: a typo, most likely */
        const char *near = NULL;
        if (at < 0) {
            const char *names[64];
            int nn = 0;
            for (size_t j = 0; j < base->n && nn < 64; j++) {
                const hnb_node *bk = hnb_map_get(base->vals[j], field);
                if (bk && bk->type == HNB_SCALAR) names[nn++] = bk->str;
            }
            near = hnb_nearest(key->str, names, nn);
        }
        if (drop) {
            if (at < 0)
                return hnb_err_at(err, item->mark,
                                  "drop: the item with %s '%s' is not in the scenario extended%s%s%s",
                                  field, key->str, near ? "; did you mean '" : "", near ? near : "",
                                  near ? "'?" : "");
            hnb_node_remove(base, (size_t)at);
            continue;
        }
        if (at >= 0) {
            int rc = hnb_merge_into(base->vals[at], item, err);
            if (rc) return rc;
            strip_drop(base->vals[at]);
        } else {
            if (near)
                hnb_warn_at(key->mark, "%s '%s' is not in the scenario extended, so this is a new item "
                                       "(did you mean '%s'?)",
                            field, key->str, near);
            hnb_node *c = hnb_node_copy(item);
            strip_drop(c);
            hnb_node_append(base, NULL, c);
        }
    }
    return HNB_OK;
}

/* A copy of OVER as it stands alone: keyed lists are merged onto nothing,
 * so that a drop of an item no base has is still an error. */
static int fresh_copy(const hnb_node *over, hnb_node **out, hnb_err *err)
{
    int keyed_seq = over->type == HNB_SEQ && over->n > 0 && all_keyed(over);
    int plain_map = over->type == HNB_MAP && !is_dist(over);
    if (!keyed_seq && !plain_map) {
        *out = hnb_node_copy(over);
        return HNB_OK;
    }
    hnb_node *c = hnb_node_new(over->type, over->mark);
    *out = c;
    return keyed_seq ? merge_seq(c, over, err) : hnb_merge_into(c, over, err);
}

int hnb_merge_into(hnb_node *base, const hnb_node *over, hnb_err *err)
{
    if (base->type == HNB_MAP && over->type == HNB_MAP && !is_dist(over) && !is_dist(base)) {
        for (size_t i = 0; i < over->n; i++) {
            const hnb_node *k = over->keys[i], *v = over->vals[i];
            long at = map_find(base, k->str);
            if (hnb_node_is_null(v)) { /* null removes a key */
                if (at >= 0) hnb_node_remove(base, (size_t)at);
                continue;
            }
            if (at >= 0 && base->vals[at]->type == v->type && v->type != HNB_SCALAR) {
                int rc = hnb_merge_into(base->vals[at], v, err);
                if (rc) return rc;
                continue;
            }
            hnb_node *c;
            int rc = fresh_copy(v, &c, err);
            if (rc) {
                hnb_node_free(c);
                return rc;
            }
            if (at >= 0) {
                hnb_node_free(base->vals[at]);
                base->vals[at] = c;
            } else {
                hnb_node_append(base, hnb_node_copy(k), c);
            }
        }
        return HNB_OK;
    }
    if (base->type == HNB_SEQ && over->type == HNB_SEQ && over->n > 0 && all_keyed(over) &&
        all_keyed(base))
        return merge_seq(base, over, err);
    /* Anything else replaces, and so does an empty list. */
    hnb_node *c;
    int rc = fresh_copy(over, &c, err);
    if (rc) {
        hnb_node_free(c);
        return rc;
    }
    /* Replace BASE's contents in place (the caller holds the pointer). */
    for (size_t i = 0; i < base->n; i++) {
        if (base->type == HNB_MAP) hnb_node_free(base->keys[i]);
        hnb_node_free(base->vals[i]);
    }
    free(base->keys);
    free(base->vals);
    free(base->str);
    *base = *c;
    free(c);
    return HNB_OK;
}

/* ---- extends ---- */

#define MAX_CHAIN 32

/* 1 if DOC (a mapping) has a scenario key, or no key at all. */
static int looks_like_scenario(const hnb_node *doc, const char *const *keys)
{
    int any = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const char *k = doc->keys[i]->str;
        if (!strcmp(k, "extends")) return 1;
        any = 1;
        for (const char *const *q = keys; *q; q++)
            if (!strcmp(k, *q)) return 1;
    }
    return !any;
}

static int load_chain(hnb_srcs *srcs, const char *path, const char *const *keys,
                      char chain[][PATH_MAX], int depth, const hnb_node *from, hnb_node **out,
                      hnb_err *err)
{
    hnb_node *doc;
    int rc = hnb_node_load_file(srcs, path, &doc, err);
    if (rc) return rc;
    if (doc->type != HNB_MAP) {
        rc = hnb_err_at(err, doc->mark, "a scenario must be a mapping of keys, found %s",
                        hnb_node_type_name(doc));
        hnb_node_free(doc);
        return rc;
    }
    if (keys && !looks_like_scenario(doc, keys)) {
        /* say where it was reached from, and quote nothing of it */
        if (from)
            rc = hnb_err_at(err, from->mark, "extends: '%s' is not a scenario: none of its keys "
                                             "is a scenario's",
                            from->str);
        else
            rc = hnb_err_at(err, (hnb_mark){doc->mark.file, 0, 0},
                            "not a scenario: none of its keys is a scenario's (hnb, name, "
                            "settings, ...)");
        hnb_node_free(doc);
        return rc;
    }
    long ei = hnb_map_index(doc, "extends");
    if (ei < 0) {
        *out = doc;
        return HNB_OK;
    }
    hnb_node *ext = doc->vals[ei];
    if (ext->type != HNB_SCALAR || hnb_node_is_null(ext)) {
        rc = hnb_err_at(err, ext->mark, "extends: expected a file name, found %s",
                        hnb_node_type_name(ext));
        hnb_node_free(doc);
        return rc;
    }
    char target[PATH_MAX];
    if (ext->str[0] == '/') {
        snprintf(target, sizeof target, "%s", ext->str);
    } else {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", path);
        int w = snprintf(target, sizeof target, "%s/%s", dirname(tmp), ext->str);
        if (w < 0 || (size_t)w >= sizeof target) {
            rc = hnb_err_at(err, ext->mark, "extends: path too long");
            hnb_node_free(doc);
            return rc;
        }
    }
    char real[PATH_MAX];
    if (!realpath(target, real)) {
        rc = hnb_err_at(err, ext->mark, "extends: cannot open '%s': %s", target, strerror(errno));
        hnb_node_free(doc);
        return rc;
    }
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = hnb_err_at(err, ext->mark, "extends: '%s' is not a regular file", ext->str);
        hnb_node_free(doc);
        return rc;
    }
    for (int i = 0; i <= depth; i++)
        if (!strcmp(chain[i], real)) {
            rc = hnb_err_at(err, ext->mark, "extends: loop: '%s' is already being extended",
                            ext->str);
            hnb_node_free(doc);
            return rc;
        }
    if (depth + 1 >= MAX_CHAIN) {
        rc = hnb_err_at(err, ext->mark, "extends: chain longer than %d files", MAX_CHAIN);
        hnb_node_free(doc);
        return rc;
    }
    snprintf(chain[depth + 1], PATH_MAX, "%s", real);
    hnb_node *base;
    rc = load_chain(srcs, target, keys, chain, depth + 1, ext, &base, err);
    if (rc) {
        hnb_node_free(doc);
        return rc;
    }
    hnb_node_remove(doc, (size_t)ei);
    rc = hnb_merge_into(base, doc, err);
    hnb_node_free(doc);
    if (rc) {
        hnb_node_free(base);
        return rc;
    }
    *out = base;
    return HNB_OK;
}

int hnb_merge_load(hnb_srcs *srcs, const char *path, const char *const *keys, hnb_node **out,
                   hnb_err *err)
{
    char(*c)[PATH_MAX] = malloc(sizeof(char[MAX_CHAIN][PATH_MAX]));
    if (!c) hnb_oom();
    if (!realpath(path, c[0])) snprintf(c[0], PATH_MAX, "%s", path);
    int rc = load_chain(srcs, path, keys, c, 0, NULL, out, err);
    free(c);
    return rc;
}

/* ---- --set ---- */

static void shift_cols(hnb_node *n, int by)
{
    n->mark.col += by;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys) shift_cols(n->keys[i], by);
        shift_cols(n->vals[i], by);
    }
}

static hnb_node *seq_item(const hnb_node *seq, const char *key)
{
    for (size_t i = 0; i < seq->n; i++) {
        const hnb_node *it = seq->vals[i];
        if (it->type != HNB_MAP) continue;
        const hnb_node *id = hnb_map_get(it, "id"), *nm = hnb_map_get(it, "name");
        if ((id && id->type == HNB_SCALAR && !strcmp(id->str, key)) ||
            (nm && nm->type == HNB_SCALAR && !strcmp(nm->str, key)))
            return seq->vals[i];
    }
    return NULL;
}

int hnb_merge_set(hnb_srcs *srcs, hnb_node *root, const char *assignment, hnb_err *err)
{
    const char *src = hnb_srcs_add(srcs, "--set");
    const char *eq = strchr(assignment, '=');
    hnb_mark mk = {src, 1, 1};
    if (!eq || eq == assignment)
        return hnb_err_at(err, mk, "expected PATH=VALUE, e.g. new_plans.growth=15%%, found '%s'",
                          assignment);
    size_t plen = (size_t)(eq - assignment);
    char *path = malloc(plen + 1);
    if (!path) hnb_oom();
    memcpy(path, assignment, plen);
    path[plen] = 0;

    hnb_node *val;
    int rc = hnb_node_parse(srcs, "--set", eq + 1, strlen(eq + 1), &val, err);
    if (rc) {
        err->col += (int)plen + 1;
        free(path);
        return rc;
    }
    shift_cols(val, (int)plen + 1);
    /* An empty VALUE, ~ or null parses as an empty document, as {} does:
     * the text, less blanks, tells them apart. Null removes the key (SPEC
     * section 7). */
    if (val->type == HNB_MAP && val->n == 0) {
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t') v++;
        size_t n = strcspn(v, " \t");
        char word[8] = "";
        if (n < sizeof word) memcpy(word, v, n), word[n] = 0;
        hnb_node *null = hnb_node_new_scalar(word, (hnb_mark){src, 1, (int)plen + 2}, 1);
        if (n < sizeof word && !v[n + strspn(v + n, " \t")] && hnb_node_is_null(null)) {
            hnb_node_free(val);
            val = null;
        } else {
            hnb_node_free(null);
        }
    }

    hnb_node *cur = root;
    char *seg = path;
    int col = 1;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot) *dot = 0;
        hnb_mark sm = {src, 1, col};
        if (!*seg) {
            rc = hnb_err_at(err, sm, "empty name in path '%.*s'", (int)plen, assignment);
            break;
        }
        if (cur->type == HNB_MAP) {
            long at = map_find(cur, seg);
            if (!dot) {
                if (hnb_node_is_null(val)) {
                    if (at >= 0) hnb_node_remove(cur, (size_t)at);
                    hnb_node_free(val);
                } else if (at >= 0) {
                    hnb_node_free(cur->vals[at]);
                    cur->vals[at] = val;
                } else {
                    hnb_node_append(cur, hnb_node_new_scalar(seg, sm, 1), val);
                }
                val = NULL;
                break;
            }
            if (at < 0 && hnb_node_is_null(val)) break; /* nothing there to remove */
            if (at < 0) {
                hnb_node *m = hnb_node_new(HNB_MAP, sm);
                hnb_node_append(cur, hnb_node_new_scalar(seg, sm, 1), m);
                cur = m;
            } else {
                cur = cur->vals[at];
            }
        } else if (cur->type == HNB_SEQ) {
            hnb_node *it = seq_item(cur, seg);
            if (!it) {
                /* the list's names, for the nearest and, if few, all of them */
                const char *names[64];
                int nn = 0;
                char all[600] = "";
                size_t w = 0;
                for (size_t i = 0; i < cur->n && nn < 64; i++) {
                    const char *f;
                    const hnb_node *k = item_key(cur->vals[i], &f);
                    if (!k) continue;
                    names[nn++] = k->str;
                    if (w < sizeof all - 80) w += (size_t)snprintf(all + w, sizeof all - w, "%s'%.60s'", w ? ", " : "", k->str);
                }
                const char *near = hnb_nearest(seg, names, nn);
                if (near)
                    rc = hnb_err_at(err, sm, "no item with id or name '%s' in that list; did you mean '%s'?", seg, near);
                else
                    rc = hnb_err_at(err, sm, "no item with id or name '%s' in that list (it has %s)", seg,
                                    nn ? all : "none");
                break;
            }
            if (!dot && hnb_node_is_null(val)) { /* null removes the item */
                for (size_t i = 0; i < cur->n; i++)
                    if (cur->vals[i] == it) {
                        hnb_node_remove(cur, i);
                        break;
                    }
                break;
            }
            if (!dot) {
                hnb_merge_into(it, val, err);
                hnb_node_free(val);
                val = NULL;
                break;
            }
            cur = it;
        } else {
            rc = hnb_err_at(err, sm, "'%s' cannot be reached: the value before it is not a "
                                     "mapping or a list", seg);
            break;
        }
        col += (int)strlen(seg) + 1;
        seg = dot + 1;
    }
    hnb_node_free(val);
    free(path);
    return rc;
}
