/* history.h - a council's observed history (SEN2 returns, outturns), for
 * calibration and backtesting.
 *
 * CSV with a header naming `year` and `ehcps`, and optionally `setting`,
 * `need`, `new_plans`, `ceased`, `expenditure`, `requests` (requests for
 * assessment, SPEC section 11); one row a year, or a year
 * and setting, or a year and primary need (SPEC section 10). Years are financial years (2024 or "2024/25"). Checked like a
 * scenario: FILE:LINE:COLUMN: message. */
#ifndef HNB_HISTORY_H
#define HNB_HISTORY_H

#include "hnb/err.h"

enum { HNB_H_EHCPS, HNB_H_NEW, HNB_H_CEASED, HNB_H_EXPENDITURE, HNB_H_REQUESTS, HNB_H_SERIES };
extern const char *const hnb_history_series[HNB_H_SERIES];

typedef struct {
    int year;
    char setting[64]; /* "" for the whole council */
    char need[64];    /* "" for every need */
    double v[HNB_H_SERIES];
    int has[HNB_H_SERIES];
    int line;
} hnb_history_row;

typedef struct {
    char file[512];
    int nrows;
    hnb_history_row *rows;
    int first_year, last_year;
    int has_setting, has_need;
} hnb_history;

int hnb_history_load(const char *path, hnb_history *h, hnb_err *err);
void hnb_history_free(hnb_history *h);

#endif
