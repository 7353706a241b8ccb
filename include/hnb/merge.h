/* merge.h - scenario inheritance (extends:) and command-line overrides
 * (--set PATH=VALUE), SPEC section 7. Both act on document trees, before
 * the scenario is checked, so that a merged scenario is checked as a whole. */
#ifndef HNB_MERGE_H
#define HNB_MERGE_H

#include "hnb/node.h"

/* Load PATH and everything it extends, merged. Returns HNB_OK and *out. */
/* KEYS (NULL-terminated): a scenario's top-level keys. A file none of whose
 * keys is one of them is not a scenario, and is refused without quoting it
 * (extends: /etc/shadow must not print the file's first line). */
int hnb_merge_load(hnb_srcs *srcs, const char *path, const char *const *keys, hnb_node **out,
                   hnb_err *err);

/* Merge OVER onto BASE in place (BASE is modified; OVER is only read). */
int hnb_merge_into(hnb_node *base, const hnb_node *over, hnb_err *err);

/* Apply one "PATH=VALUE" override to ROOT. */
int hnb_merge_set(hnb_srcs *srcs, hnb_node *root, const char *assignment, hnb_err *err);

/* Two mapping keys name the same thing: equal text, or the same year
 * written as 2026 and "2026/27". */
int hnb_key_same(const char *a, const char *b);

#endif
