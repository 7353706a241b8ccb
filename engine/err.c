/* err.c - error records, warnings and "did you mean" suggestions. */
#include "hnb/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hnb_err_vat(hnb_err *e, hnb_mark mark, const char *fmt, va_list ap)
{
    if (!e) return HNB_EINPUT;
    snprintf(e->file, sizeof e->file, "%s", mark.file ? mark.file : "");
    e->line = mark.line;
    e->col = mark.col;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return HNB_EINPUT;
}

int hnb_err_at(hnb_err *e, hnb_mark mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hnb_err_vat(e, mark, fmt, ap);
    va_end(ap);
    return HNB_EINPUT;
}

int hnb_err_fail(hnb_err *e, const char *fmt, ...)
{
    if (!e) return HNB_EFAIL;
    va_list ap;
    e->file[0] = 0;
    e->line = e->col = 0;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return HNB_EFAIL;
}

void hnb_err_format(const hnb_err *e, char *buf, int size)
{
    if (e->file[0] && e->line > 0)
        snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0])
        snprintf(buf, size, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, size, "%s", e->msg);
}

static void warn_stderr(void *ud, const char *text)
{
    (void)ud;
    fprintf(stderr, "%s\n", text);
}

static hnb_warn_fn warn_fn = warn_stderr;
static void *warn_ud;

void hnb_warn_set_handler(hnb_warn_fn fn, void *ud)
{
    warn_fn = fn ? fn : warn_stderr;
    warn_ud = ud;
}

void hnb_warn_at(hnb_mark mark, const char *fmt, ...)
{
    char msg[1024], text[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (mark.file && mark.line > 0)
        snprintf(text, sizeof text, "%s:%d:%d: warning: %s", mark.file, mark.line, mark.col, msg);
    else
        snprintf(text, sizeof text, "warning: %s", msg);
    warn_fn(warn_ud, text);
}

int hnb_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 1000; /* names are short; long ones are never close */
    int row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            /* a difference of case alone is no difference: YEARS is years */
            int cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            int best = diag + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *hnb_nearest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int bestd = 1000;
    for (int i = 0; i < n; i++) {
        int d = hnb_edit_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    /* Close enough to be a typo: at most a third of the word, and at least 2. */
    int limit = (int)strlen(word) / 3;
    if (limit < 2) limit = 2;
    return bestd <= limit ? best : NULL;
}
