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

#endif
