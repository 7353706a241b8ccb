/* csv.c - reading CSV lines (RFC 4180 quoting, one line at a time). */
#include "hnb/csv.h"
#include "hnb/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *hnb_open_input(const char *path, const char **why)
{
    /* O_NONBLOCK: opening a FIFO without a writer returns at once */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ENOMEM) hnb_oom();
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = S_ISDIR(st.st_mode) ? "a directory, not a file"
                                   : "not a regular file (a pipe or a device?)";
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f && errno == ENOMEM) hnb_oom();
    if (!f) {
        *why = strerror(errno);
        close(fd);
    }
    return f;
}

int hnb_csv_split(char *line, char **fields, int *cols, int max)
{
    char *r = line, *w;
    int n = 0, bom = 0;
    if (!strncmp(r, "\xEF\xBB\xBF", 3)) r += bom = 3; /* not a column a reader sees */
    for (;;) {
        if (n == max) return max + 1;
        if (cols) cols[n] = (int)(r - line) + 1 - bom;
        fields[n++] = w = r;
        if (*r == '"') {
            r++;
            for (;;) {
                if (!*r) return -1;
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            /* text after the closing quote belongs to the field, as most readers take it */
            while (*r && *r != ',') *w++ = *r++;
        } else {
            while (*r && *r != ',') *w++ = *r++;
        }
        int more = *r == ',';
        if (more) r++;
        *w = 0;
        if (!more) return n;
    }
}

int hnb_csv_bad_line(int got, int col, size_t size, hnb_mark mk, hnb_err *err)
{
    if (got == HNB_CSV_LONG) return hnb_err_at(err, mk, "line longer than %zu characters", size - 2);
    if (got == HNB_CSV_CONTROL) {
        mk.col = col;
        return hnb_err_at(err, mk, "a control character (a NUL byte, say) in the file: is it a CSV?");
    }
    return HNB_OK;
}

int hnb_csv_getline(FILE *f, char *line, size_t size, int *col)
{
    size_t n = 0;
    int c, any = 0;
    *col = 0;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (c == 0 || (c < 32 && c != '\t' && c != '\r') || c == 127) {
            *col = (int)n + 1;
            return HNB_CSV_CONTROL; /* the caller stops here: no need to read on */
        }
        if (n + 1 >= size) return HNB_CSV_LONG;
        line[n++] = (char)c;
    }
    if (!any) return 0;
    if (n && line[n - 1] == '\r') n--; /* CRLF */
    line[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\r') { /* a lone CR inside the line */
            *col = (int)i + 1;
            return HNB_CSV_CONTROL;
        }
    return 1;
}
