/* err.c - error records, warnings and "did you mean" suggestions. */
#include "hnb/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 character at S, or 0. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
          : s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return n;
}

/* Messages quote input (a key, a field, a file name); input can hold
 * anything, and none of it may reach a terminal raw: a control byte or a
 * byte that is not UTF-8 is written \xNN. In place, within SIZE. */
static void printable(char *s, size_t size)
{
    char out[HNB_ERR_MSG * 2];
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && w + 5 < sizeof out) {
        int n = utf8_len(p);
        if (n == 1 && (*p < 0x20 || *p == 0x7F)) n = 0;
        if (n == 0) {
            w += (size_t)snprintf(out + w, sizeof out - w, "\\x%02X", *p);
            p++;
            continue;
        }
        memcpy(out + w, p, (size_t)n);
        w += (size_t)n;
        p += n;
    }
    out[w] = 0;
    if (w >= size) w = size - 1; /* cut at a character's start */
    while (w > 0 && ((unsigned char)out[w] & 0xC0) == 0x80) w--;
    memcpy(s, out, w);
    s[w] = 0;
}

static hnb_text_fn rewrite_fn;

void hnb_err_set_rewrite(hnb_text_fn fn)
{
    rewrite_fn = fn;
}

static void rewrite(char *s, size_t size)
{
    if (rewrite_fn) rewrite_fn(s, size);
}

const char *hnb_printable(const char *s, char *buf, size_t n)
{
    snprintf(buf, n, "%s", s ? s : "");
    printable(buf, n);
    return buf;
}

int hnb_err_vat(hnb_err *e, hnb_mark mark, const char *fmt, va_list ap)
{
    if (!e) return HNB_EINPUT;
    snprintf(e->file, sizeof e->file, "%s", mark.file ? mark.file : "");
    e->line = mark.line;
    e->col = mark.col;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    rewrite(e->file, sizeof e->file);
    rewrite(e->msg, sizeof e->msg);
    printable(e->file, sizeof e->file);
    printable(e->msg, sizeof e->msg);
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
    rewrite(e->msg, sizeof e->msg);
    printable(e->msg, sizeof e->msg);
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
    rewrite(text, sizeof text);
    printable(text, sizeof text);
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
