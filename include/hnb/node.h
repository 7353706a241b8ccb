/* node.h - the YAML document tree, with a line:column mark on every node.
 *
 * libyaml's event parser feeds a small tree of scalars, mappings and
 * sequences. The tree is what extends/--set merging works on and what the
 * scenario checker walks. It is not a general YAML library: tags are ignored,
 * keys must be scalars, duplicate keys are errors, aliases are expanded under
 * a node budget (so an alias bomb is an error, not a hang) and nesting is
 * limited (so deep input is an error, not a stack overflow). */
#ifndef HNB_NODE_H
#define HNB_NODE_H

#include <stddef.h>

#include "hnb/err.h"

typedef enum { HNB_SCALAR, HNB_MAP, HNB_SEQ } hnb_node_type;

typedef struct hnb_node hnb_node;
struct hnb_node {
    hnb_node_type type;
    hnb_mark mark;
    /* scalar */
    char *str;
    size_t len;
    int plain; /* 1 if an unquoted (plain) scalar: only these can be null/bool/number */
    int placeholder; /* tagged !placeholder: a value the user must replace (docs/sen2.md) */
    /* map: keys[i] -> vals[i]; seq: vals[i] */
    size_t n, cap;
    hnb_node **keys;
    hnb_node **vals;
};

/* Limits that keep hostile input cheap. */
#define HNB_MAX_DEPTH 64
#define HNB_MAX_NODES 200000
#define HNB_MAX_FILE (16u << 20)

/* The list of file names that marks point into; one per run, freed last. */
typedef struct hnb_srcs hnb_srcs;
hnb_srcs *hnb_srcs_create(void);
void hnb_srcs_free(hnb_srcs *s);
const char *hnb_srcs_add(hnb_srcs *s, const char *name);

/* Parse TEXT (LEN bytes) as one YAML document whose marks name FILE. An empty
 * document gives an empty mapping. Returns HNB_OK and *out, or an error. */
int hnb_node_parse(hnb_srcs *srcs, const char *file, const char *text, size_t len,
                   hnb_node **out, hnb_err *err);
/* Read and parse PATH. */
int hnb_node_load_file(hnb_srcs *srcs, const char *path, hnb_node **out, hnb_err *err);

void hnb_node_free(hnb_node *n);
hnb_node *hnb_node_copy(const hnb_node *n);
hnb_node *hnb_node_new_scalar(const char *s, hnb_mark mark, int plain);
hnb_node *hnb_node_new(hnb_node_type type, hnb_mark mark);
/* Append to a map (key may be NULL for a seq). Takes ownership. */
void hnb_node_append(hnb_node *parent, hnb_node *key, hnb_node *val);
/* Remove entry i of a map or seq, freeing it. */
void hnb_node_remove(hnb_node *parent, size_t i);

/* Map lookup by key text; NULL if absent. */
hnb_node *hnb_map_get(const hnb_node *map, const char *key);
long hnb_map_index(const hnb_node *map, const char *key);
/* A plain scalar ~, null, Null, NULL or empty. */
int hnb_node_is_null(const hnb_node *n);
const char *hnb_node_type_name(const hnb_node *n);

#endif
