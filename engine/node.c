/* node.c - build the document tree from libyaml's events.
 *
 * The builder is iterative (an explicit stack) so that depth is bounded by
 * HNB_MAX_DEPTH, not by the C stack. Aliases are expanded by copying the
 * anchored node; every node made counts against HNB_MAX_NODES, so the
 * "billion laughs" shape fails fast with a clear message. */
#include "hnb/node.h"
#include "hnb/csv.h"
#include "hnb/mem.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct hnb_srcs {
    char **names;
    size_t n, cap;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        hnb_oom();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        hnb_oom();
    }
    return p;
}

hnb_srcs *hnb_srcs_create(void)
{
    hnb_srcs *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    return s;
}

void hnb_srcs_free(hnb_srcs *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->names[i]);
    free(s->names);
    free(s);
}

const char *hnb_srcs_add(hnb_srcs *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0) return s->names[i];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->names = xrealloc(s->names, s->cap * sizeof *s->names);
    }
    s->names[s->n] = strdup(name);
    if (!s->names[s->n]) hnb_oom();
    return s->names[s->n++];
}

hnb_node *hnb_node_new(hnb_node_type type, hnb_mark mark)
{
    hnb_node *n = xmalloc(sizeof *n);
    memset(n, 0, sizeof *n);
    n->type = type;
    n->mark = mark;
    return n;
}

hnb_node *hnb_node_new_scalar(const char *s, hnb_mark mark, int plain)
{
    hnb_node *n = hnb_node_new(HNB_SCALAR, mark);
    n->len = strlen(s);
    n->str = xmalloc(n->len + 1);
    memcpy(n->str, s, n->len + 1);
    n->plain = plain;
    return n;
}

void hnb_node_append(hnb_node *p, hnb_node *key, hnb_node *val)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->vals = xrealloc(p->vals, p->cap * sizeof *p->vals);
        if (p->type == HNB_MAP) p->keys = xrealloc(p->keys, p->cap * sizeof *p->keys);
    }
    if (p->type == HNB_MAP) p->keys[p->n] = key;
    p->vals[p->n++] = val;
}

void hnb_node_remove(hnb_node *p, size_t i)
{
    if (i >= p->n) return;
    if (p->type == HNB_MAP) {
        hnb_node_free(p->keys[i]);
        memmove(p->keys + i, p->keys + i + 1, (p->n - i - 1) * sizeof *p->keys);
    }
    hnb_node_free(p->vals[i]);
    memmove(p->vals + i, p->vals + i + 1, (p->n - i - 1) * sizeof *p->vals);
    p->n--;
}

void hnb_node_free(hnb_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->type == HNB_MAP) hnb_node_free(n->keys[i]);
        hnb_node_free(n->vals[i]);
    }
    free(n->keys);
    free(n->vals);
    free(n->str);
    free(n);
}

/* Copy with a budget: returns NULL when *budget runs out. Depth is bounded
 * by the source tree, which the builder already limited. */
static hnb_node *copy_budget(const hnb_node *n, long *budget)
{
    if (--*budget < 0) return NULL;
    hnb_node *c = hnb_node_new(n->type, n->mark);
    c->plain = n->plain;
    c->placeholder = n->placeholder;
    if (n->str) {
        c->str = xmalloc(n->len + 1);
        memcpy(c->str, n->str, n->len + 1);
        c->len = n->len;
    }
    for (size_t i = 0; i < n->n; i++) {
        hnb_node *k = NULL, *v;
        if (n->type == HNB_MAP) {
            k = copy_budget(n->keys[i], budget);
            if (!k) {
                hnb_node_free(c);
                return NULL;
            }
        }
        v = copy_budget(n->vals[i], budget);
        if (!v) {
            hnb_node_free(k);
            hnb_node_free(c);
            return NULL;
        }
        hnb_node_append(c, k, v);
    }
    return c;
}

hnb_node *hnb_node_copy(const hnb_node *n)
{
    long budget = 1L << 40;
    return n ? copy_budget(n, &budget) : NULL;
}


long hnb_map_index(const hnb_node *map, const char *key)
{
    if (!map || map->type != HNB_MAP) return -1;
    for (size_t i = 0; i < map->n; i++)
        if (map->keys[i]->str && strcmp(map->keys[i]->str, key) == 0) return (long)i;
    return -1;
}

hnb_node *hnb_map_get(const hnb_node *map, const char *key)
{
    long i = hnb_map_index(map, key);
    return i < 0 ? NULL : map->vals[i];
}

int hnb_node_is_null(const hnb_node *n)
{
    if (!n) return 1;
    if (n->type != HNB_SCALAR || !n->plain) return 0;
    return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
           !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *hnb_node_type_name(const hnb_node *n)
{
    if (!n || hnb_node_is_null(n)) return "nothing";
    switch (n->type) {
    case HNB_MAP:
        return "a mapping";
    case HNB_SEQ:
        return "a list";
    default:
        return "a value";
    }
}

/* ---- the builder ---- */

typedef struct {
    char *name;
    hnb_node *node;
    int complete;
} anchor;

/* The keys of one open mapping, hashed once it is big enough that a scan
 * per key would make loading quadratic (250,000 keys: minutes). Slots hold
 * an index into the map's keys, plus one; 0 is empty. */
typedef struct {
    const hnb_node *owner; /* the map hashed; NULL: none yet */
    size_t *slot, cap, count;
} keyset;

#define KEYSET_FROM 16 /* below this many keys, a scan is cheaper */

typedef struct {
    hnb_srcs *srcs;
    const char *file;
    keyset keys[HNB_MAX_DEPTH + 1];
    hnb_node *stack[HNB_MAX_DEPTH + 1];
    hnb_node *pending_key[HNB_MAX_DEPTH + 1]; /* a map's key awaiting its value */
    unsigned char flow[HNB_MAX_DEPTH + 1];      /* the collection is written in { } or [ ] */
    int depth;
    hnb_node *root;
    anchor *anchors;
    size_t nanchors, capanchors;
    long budget;
    hnb_err *err;
} builder;

static hnb_mark mark_of(builder *b, yaml_mark_t m)
{
    hnb_mark k = {b->file, (int)m.line + 1, (int)m.column + 1};
    return k;
}

/* YAML's key equality: the same text, except that a plain integer and a
 * quoted one are different keys (11 is an int, "11" a string). Ages and
 * years written both ways are then handled where they are read: ages in a
 * set of shares add, a year named twice is an error (SPEC section 2). */
static int key_equal(const hnb_node *a, const hnb_node *b)
{
    if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0) return 0;
    if (a->plain == b->plain) return 1;
    const char *q = a->str;
    if (*q == '+' || *q == '-') q++;
    if (!*q) return 1;
    for (; *q; q++)
        if (*q < '0' || *q > '9') return 1;
    return 0;
}

/* FNV-1a of a key's bytes: keys key_equal() calls equal have equal bytes. */
static size_t key_hash(const hnb_node *k)
{
    size_t h = 1469598103934665603u;
    for (size_t i = 0; i < k->len; i++) h = (h ^ (unsigned char)k->str[i]) * 1099511628211u;
    return h;
}

static void keyset_put(keyset *ks, const hnb_node *p, size_t i)
{
    size_t mask = ks->cap - 1, h = key_hash(p->keys[i]) & mask;
    while (ks->slot[h]) h = (h + 1) & mask;
    ks->slot[h] = i + 1;
}

/* The key of P's that N repeats, or NULL. */
static const hnb_node *find_key(keyset *ks, const hnb_node *p, const hnb_node *n)
{
    if (p->n < KEYSET_FROM) {
        for (size_t i = 0; i < p->n; i++)
            if (key_equal(p->keys[i], n)) return p->keys[i];
        return NULL;
    }
    if (ks->owner != p) ks->owner = p, ks->count = 0;
    /* at most half full: grow, and hash every key again */
    if (2 * (p->n + 1) > ks->cap) {
        size_t cap = ks->cap ? ks->cap : 64;
        while (2 * (p->n + 1) > cap) cap *= 2;
        free(ks->slot);
        ks->slot = xmalloc(cap * sizeof *ks->slot);
        ks->cap = cap;
        ks->count = 0;
    }
    if (ks->count == 0) memset(ks->slot, 0, ks->cap * sizeof *ks->slot);
    for (; ks->count < p->n; ks->count++) keyset_put(ks, p, ks->count);
    size_t mask = ks->cap - 1;
    for (size_t h = key_hash(n) & mask; ks->slot[h]; h = (h + 1) & mask)
        if (key_equal(p->keys[ks->slot[h] - 1], n)) return p->keys[ks->slot[h] - 1];
    return NULL;
}

/* In a flow mapping, `{cost: £8,000}` is `cost: £8` and a key `000` with
 * no value: YAML splits at the comma. Loaded alone the stray key is an
 * unknown key, but under extends: a null removes a key, so it would vanish
 * and leave £8 a plan. KEY (three digits, plain) with the null VALUE, after
 * an entry whose plain value ends in a digit, is that split. */
static int split_number(const hnb_node *map, const hnb_node *key, const hnb_node *value)
{
    if (map->n == 0 || !key->plain || key->len != 3 || !hnb_node_is_null(value)) return 0;
    for (int i = 0; i < 3; i++)
        if (!isdigit((unsigned char)key->str[i])) return 0;
    const hnb_node *prev = map->vals[map->n - 1];
    return prev->type == HNB_SCALAR && prev->plain && prev->len > 0 &&
           isdigit((unsigned char)prev->str[prev->len - 1]);
}

/* Attach a finished node N (a scalar, an alias copy, or a just-opened
 * collection) to the current parent. */
static int attach(builder *b, hnb_node *n)
{
    if (b->depth == 0) {
        b->root = n;
        return HNB_OK;
    }
    hnb_node *p = b->stack[b->depth - 1];
    if (p->type == HNB_SEQ) {
        hnb_node_append(p, NULL, n);
        return HNB_OK;
    }
    hnb_node **pk = &b->pending_key[b->depth - 1];
    if (!*pk) {
        if (n->type != HNB_SCALAR) {
            int r = hnb_err_at(b->err, n->mark, "a mapping key must be a plain value, not %s",
                               hnb_node_type_name(n));
            hnb_node_free(n);
            return r;
        }
        const hnb_node *first = find_key(&b->keys[b->depth - 1], p, n);
        if (first) {
            int r = hnb_err_at(b->err, n->mark, "duplicate key '%s' (first at line %d)", n->str,
                               first->mark.line);
            hnb_node_free(n);
            return r;
        }
        *pk = n;
        return HNB_OK;
    }
    if (b->flow[b->depth - 1] && split_number(p, *pk, n)) {
        const hnb_node *v = p->vals[p->n - 1];
        int r = hnb_err_at(b->err, v->mark,
                           "'%s' then a key '%s' with no value: inside { } a comma separates entries, "
                           "so a number with a thousands comma is split there; quote it: \"%s,%s\"",
                           v->str, (*pk)->str, v->str, (*pk)->str);
        hnb_node_free(n);
        return r;
    }
    hnb_node_append(p, *pk, n);
    *pk = NULL;
    return HNB_OK;
}

static int add_anchor(builder *b, const yaml_char_t *name, hnb_node *n)
{
    if (!name) return HNB_OK;
    if (b->nanchors == b->capanchors) {
        b->capanchors = b->capanchors ? b->capanchors * 2 : 8;
        b->anchors = xrealloc(b->anchors, b->capanchors * sizeof *b->anchors);
    }
    b->anchors[b->nanchors].name = strdup((const char *)name);
    if (!b->anchors[b->nanchors].name) hnb_oom();
    b->anchors[b->nanchors].node = n;
    b->anchors[b->nanchors].complete = n->type == HNB_SCALAR;
    b->nanchors++;
    return HNB_OK;
}

static void complete_anchor(builder *b, hnb_node *n)
{
    for (size_t i = 0; i < b->nanchors; i++)
        if (b->anchors[i].node == n) b->anchors[i].complete = 1;
}

static int on_event(builder *b, yaml_event_t *ev)
{
    hnb_mark mk = mark_of(b, ev->start_mark);
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        if (--b->budget < 0)
            return hnb_err_at(b->err, mk, "document too large (more than %d values)",
                              HNB_MAX_NODES);
        hnb_node *n = hnb_node_new(HNB_SCALAR, mk);
        n->len = ev->data.scalar.length;
        n->str = xmalloc(n->len + 1);
        memcpy(n->str, ev->data.scalar.value, n->len);
        n->str[n->len] = 0;
        if (strlen(n->str) != n->len) {
            hnb_node_free(n);
            return hnb_err_at(b->err, mk, "a value holds a NUL character");
        }
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        /* other tags are ignored, as before; this one marks a value to replace */
        n->placeholder = ev->data.scalar.tag && !strcmp((const char *)ev->data.scalar.tag, "!placeholder");
        add_anchor(b, ev->data.scalar.anchor, n);
        return attach(b, n);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (b->depth >= HNB_MAX_DEPTH)
            return hnb_err_at(b->err, mk, "nesting deeper than %d levels", HNB_MAX_DEPTH);
        if (--b->budget < 0)
            return hnb_err_at(b->err, mk, "document too large (more than %d values)",
                              HNB_MAX_NODES);
        int ismap = ev->type == YAML_MAPPING_START_EVENT;
        hnb_node *n = hnb_node_new(ismap ? HNB_MAP : HNB_SEQ, mk);
        const yaml_char_t *anc =
            ismap ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        int r = attach(b, n);
        if (r) return r; /* attach freed n */
        add_anchor(b, anc, n);
        b->stack[b->depth] = n;
        b->pending_key[b->depth] = NULL;
        b->flow[b->depth] = ismap ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                                  : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        b->keys[b->depth].owner = NULL; /* a new map may reuse a freed one's address */
        b->depth++;
        return HNB_OK;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0) {
            b->depth--;
            complete_anchor(b, b->stack[b->depth]);
        }
        return HNB_OK;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (size_t i = b->nanchors; i-- > 0;) {
            if (strcmp(b->anchors[i].name, name) != 0) continue;
            if (!b->anchors[i].complete)
                return hnb_err_at(b->err, mk, "alias *%s refers to a node that contains it",
                                  name);
            hnb_node *c = copy_budget(b->anchors[i].node, &b->budget);
            if (!c)
                return hnb_err_at(b->err, mk,
                                  "document too large after expanding aliases (more than %d "
                                  "values): is this an alias bomb?",
                                  HNB_MAX_NODES);
            /* The copy's marks are the anchor's; point the top at the alias. */
            c->mark = mk;
            return attach(b, c);
        }
        return hnb_err_at(b->err, mk, "unknown alias *%s", name);
    }
    default:
        return HNB_OK;
    }
}

/* libyaml's error as FILE:LINE:COLUMN. The reader's (bad UTF-8, a control
 * character) carry a byte offset, not a mark: count lines and characters up
 * to it, or every such error would be at 1:1. */
static int yaml_problem(const yaml_parser_t *p, const char *file, const char *text, size_t len,
                        hnb_err *err)
{
    if (p->error == YAML_MEMORY_ERROR) hnb_oom();
    const char *problem = p->problem ? p->problem : "malformed input";
    if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        int utf8 = strstr(problem, "UTF-8") != NULL;
        /* a bad sequence is reported at its bad byte: point at its start */
        if (utf8 && off < len && ((unsigned char)text[off] & 0xC0) != 0xC0)
            for (size_t k = 1; k <= 3 && k <= off; k++)
                if (((unsigned char)text[off - k] & 0xC0) == 0xC0) {
                    off -= k;
                    break;
                }
        int line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (text[i] == '\n') line++, col = 1;
            else if (((unsigned char)text[i] & 0xC0) != 0x80) col++; /* a character's first byte */
        }
        hnb_mark mk = {file, line, col};
        if (utf8 && off < len)
            return hnb_err_at(err, mk, "the byte 0x%02X is not UTF-8: save the file as UTF-8 "
                                       "(this looks like Latin-1 or Windows-1252)",
                              (unsigned)(unsigned char)text[off]);
        if (p->problem_value >= 0 && off < len)
            return hnb_err_at(err, mk, "%s (the byte 0x%02X): a scenario is UTF-8 text",
                              problem, (unsigned)(unsigned char)text[off]);
        return hnb_err_at(err, mk, "%s: a scenario is UTF-8 text", problem);
    }
    hnb_mark mk = {file, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1};
    size_t at = p->problem_mark.index;
    if (at < len && text[at] == '\t')
        return hnb_err_at(err, mk, "a tab: YAML indents with spaces, never tabs");
    return hnb_err_at(err, mk, "YAML syntax: %s%s%s", problem, p->context ? " " : "",
                      p->context ? p->context : "");
}

int hnb_node_parse(hnb_srcs *srcs, const char *file, const char *text, size_t len,
                   hnb_node **out, hnb_err *err)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.srcs = srcs;
    b.file = hnb_srcs_add(srcs, file);
    b.budget = HNB_MAX_NODES;
    b.err = err;
    *out = NULL;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) hnb_oom(); /* its one failure */
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    int rc = HNB_OK, docs = 0, done = 0;
    while (!done && rc == HNB_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_problem(&parser, b.file, text, len, err);
            break;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            rc = hnb_err_at(err, mark_of(&b, ev.start_mark),
                            "a scenario file holds one YAML document, found a second");
        else if (ev.type == YAML_STREAM_END_EVENT)
            done = 1;
        else
            rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    for (int i = 0; i <= HNB_MAX_DEPTH; i++) free(b.keys[i].slot);
    for (size_t i = 0; i < b.nanchors; i++) free(b.anchors[i].name);
    free(b.anchors);
    /* pending keys belong to no node yet */
    for (int i = 0; i <= HNB_MAX_DEPTH; i++) hnb_node_free(b.pending_key[i]);
    if (rc != HNB_OK) {
        hnb_node_free(b.root);
        return rc;
    }
    if (!b.root || hnb_node_is_null(b.root)) {
        hnb_node_free(b.root);
        hnb_mark mk = {b.file, 1, 1};
        b.root = hnb_node_new(HNB_MAP, mk);
    }
    *out = b.root;
    return HNB_OK;
}

int hnb_node_load_file(hnb_srcs *srcs, const char *path, hnb_node **out, hnb_err *err)
{
    if (!*path) return hnb_err_at(err, (hnb_mark){"''", 0, 0}, "the file name is empty");
    hnb_mark mk = {hnb_srcs_add(srcs, path), 0, 0};
    const char *why;
    FILE *f = hnb_open_input(path, &why);
    if (!f) return hnb_err_at(err, mk, "cannot open: %s", why);
    size_t cap = 65536, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= HNB_MAX_FILE) {
                fclose(f);
                free(buf);
                return hnb_err_at(err, mk, "file larger than %u MB", HNB_MAX_FILE >> 20);
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return hnb_err_at(err, mk, "cannot read the file");
    }
    int rc = hnb_node_parse(srcs, path, buf, len, out, err);
    free(buf);
    return rc;
}
