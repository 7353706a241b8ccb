/* csv.h - reading CSV lines: population files, histories, batch rows.
 * (Writing is hnb_csv_field in report.h.) */
#ifndef HNB_CSV_H
#define HNB_CSV_H

/* Split one CSV line (no line end) into fields, in place: quoted fields are
 * unquoted ("" is a quote), FIELDS[i] point into LINE and COLS[i] (may be
 * NULL) is the 1-based column where field i starts. Returns the number of
 * fields, MAX + 1 when there are more than MAX, or -1 when a quote is not
 * closed. A UTF-8 byte-order mark at the start (Excel's "CSV UTF-8") is
 * skipped. */
int hnb_csv_split(char *line, char **fields, int *cols, int max);

#include <stdio.h>

/* One line of F into LINE (SIZE bytes), without its end ("\n" or "\r\n"),
 * as a string. Returns 1, 0 at the end of the file, HNB_CSV_LONG when the
 * line does not fit, or HNB_CSV_CONTROL when it holds a NUL or another
 * control character other than a tab, with *COL its 1-based column: a NUL
 * would otherwise cut the line short without a word. After a bad line the
 * reader stops (so /dev/zero is refused at once, not read for ever). */
enum { HNB_CSV_LONG = -1, HNB_CSV_CONTROL = -2 };
int hnb_csv_getline(FILE *f, char *line, size_t size, int *col);

#include "hnb/err.h"

/* GOT, what hnb_csv_getline returned for the line at MK (reading lines of
 * SIZE bytes; COL its *col), as an error in one wording for every CSV the
 * engine reads, placed at the line or at the control character: HNB_OK
 * for a line read (GOT > 0). */
int hnb_csv_bad_line(int got, int col, size_t size, hnb_mark mk, hnb_err *err);

/* Open PATH for reading if it is a regular file; NULL otherwise, with *WHY
 * the reason in words. A FIFO, a device (/dev/zero, a terminal) or a
 * directory is refused before anything is read from it: fopen() of a FIFO
 * blocks until a writer comes, and a device never ends. */
FILE *hnb_open_input(const char *path, const char **why);

#endif
