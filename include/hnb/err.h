/* err.h - errors that carry their place (SPEC section 8).
 *
 * Every problem found in a scenario is reported as FILE:LINE:COLUMN: message.
 * The engine fills an hnb_err where the problem is found and returns a status
 * upward; only main() turns that into an exit code. Nothing here prints. */
#ifndef HNB_ERR_H
#define HNB_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* A position in a source file: 1-based line and column; line 0 = unknown. */
typedef struct {
    const char *file; /* borrowed: owned by the scenario's source list */
    int line;
    int col;
} hnb_mark;

#define HNB_ERR_MSG 1024

typedef struct {
    char file[512];
    int line;
    int col;
    char msg[HNB_ERR_MSG];
} hnb_err;

/* Status codes returned through the engine. */
enum { HNB_OK = 0, HNB_EINPUT = 2, HNB_EFAIL = 1 };

/* Record an input error at MARK (file may be NULL). Returns HNB_EINPUT. */
int hnb_err_at(hnb_err *e, hnb_mark mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hnb_err_vat(hnb_err *e, hnb_mark mark, const char *fmt, va_list ap);
/* Record a non-input failure (I/O, memory). Returns HNB_EFAIL. */
int hnb_err_fail(hnb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Format as "FILE:LINE:COLUMN: message" (or "FILE: message" without a line). */
void hnb_err_format(const hnb_err *e, char *buf, int size);

/* Warnings (share normalisation and the like) go through one hook so that
 * tests and batch runs can capture them; the default writes to stderr. */
typedef void (*hnb_warn_fn)(void *ud, const char *text);
void hnb_warn_set_handler(hnb_warn_fn fn, void *ud);
void hnb_warn_at(hnb_mark mark, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* S with control bytes and bytes that are not UTF-8 written \xNN, into
 * BUF (N bytes): for text from input printed to a terminal (a scenario's
 * name on stdout). Returns BUF. Errors and warnings are escaped already. */
const char *hnb_printable(const char *s, char *buf, size_t n);

/* A rewrite every error and warning goes through before it is kept or
 * shown (outdir.c: the directory the user asked for, not its stage). */
typedef void (*hnb_text_fn)(char *text, size_t size);
void hnb_err_set_rewrite(hnb_text_fn fn);

/* Edit distance for "did you mean" suggestions. */
int hnb_edit_distance(const char *a, const char *b);
/* The nearest of CANDS[0..n) to WORD, or NULL if none is close enough. */
const char *hnb_nearest(const char *word, const char *const *cands, int n);

#endif
