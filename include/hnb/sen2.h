/* sen2.h - the DfE "Education, health and care plans" (SEN2) release, read
 * directly: one council's stock, new plans, requests, assessments,
 * timeliness, ceased plans and needs, each figure with the file, line and
 * column it came from (docs/sen2.md).
 *
 * A release is an unpacked folder (its data/ subfolder, or the folder
 * itself). Two layouts are known: reporting year 2022's (sen2_age_caseload.csv,
 * sen2_estab_caseload.csv, sen2_mi.csv, ...: CamelCase columns, age bands,
 * establishment types as rows) and reporting year 2025's (caseload.csv,
 * newplans.csv, requests.csv, ...: snake_case columns, single ages,
 * placements as columns), and later releases of either shape. Several
 * releases may be read at once; where two give the same year, the later
 * release's figure is kept.
 *
 * Reading is sen2.c; the writers declared below are sen2_write.c; the
 * commands (`hnb sen2`, `hnb init`) are sen2_cmd.c. Nothing here prints;
 * errors are FILE:LINE:COLUMN. */
#ifndef HNB_SEN2_H
#define HNB_SEN2_H

#include <stddef.h>

#include "hnb/err.h"

#define HNB_SEN2_MAXSET 16 /* settings in a placement mapping */
#define HNB_SEN2_NEEDS 13  /* SEN2's primary needs */
#define HNB_SEN2_MAXYEARS 40

/* The status of one published cell. */
enum { HNB_SEN2_OK, HNB_SEN2_SUPPRESSED, HNB_SEN2_NA, HNB_SEN2_MISSING };

/* One figure and where it came from: FILE (borrowed from the release),
 * LINE (1-based), COLS (the column or columns added). A setting's figure
 * adds several columns; its status is the worst of theirs, and V the sum
 * of those given. */
typedef struct {
    double v;
    int status;
    const char *file;
    int line;
    char cols[320];
} hnb_sen2_cell;

/* The placement mapping: the scenario's settings, each the sum of release
 * placement columns (2025 layout) or establishment types or groups (2022
 * layout). */
typedef struct {
    char id[64], label[128], dfe_category[32];
    char cost[32]; /* the placeholder unit cost the starter writes */
    int ncolumns, nestabs;
    char columns[24][64]; /* 2025 layout: caseload.csv / newplans.csv columns */
    char estabs[24][96];  /* 2022 layout: establishment_type or establishment_group */
    hnb_mark mark, col_mark[24], estab_mark[24];
} hnb_sen2_setting;

typedef struct {
    char file[512]; /* "" for the shipped default */
    int nsettings;
    hnb_sen2_setting settings[HNB_SEN2_MAXSET];
} hnb_sen2_map;

/* The shipped default mapping's YAML text (matches scenarios/leicestershire-2026.yaml). */
extern const char hnb_sen2_default_map[];
/* Load a mapping from PATH, or the default when PATH is NULL. */
int hnb_sen2_map_load(const char *path, hnb_sen2_map *map, hnb_err *err);

typedef struct hnb_sen2 hnb_sen2;

/* Read the releases in DIRS (any order). */
int hnb_sen2_open(const char *const *dirs, int ndirs, hnb_sen2 **out, hnb_err *err);
void hnb_sen2_free(hnb_sen2 *s);

/* One council as the releases name it. */
typedef struct {
    char old_code[8], new_code[16], name[128], region_code[16], region[64];
    int first_jan, last_jan; /* Januaries with a stock row */
} hnb_sen2_la;

int hnb_sen2_count(const hnb_sen2 *s);
const hnb_sen2_la *hnb_sen2_at(const hnb_sen2 *s, int i);
/* The latest January any release gives a stock for. */
int hnb_sen2_latest(const hnb_sen2 *s);
/* The council QUERY names (old code, new code or name, any case): its
 * index, or an error listing the nearest names. */
int hnb_sen2_find(const hnb_sen2 *s, const char *query, int *index, hnb_err *err);
/* The councils that replaced council I (a split or merge), as a sentence
 * into WHY; 0 when it was not replaced. */
int hnb_sen2_replaced(const hnb_sen2 *s, int i, char *why, size_t n);

/* Everything hnb takes from the releases for one council. History year y
 * (a financial year) holds the stock at January y+1 and the flows of
 * calendar y, as scenarios/history/leicestershire-sen2.csv explains. */
typedef struct {
    hnb_sen2_la la;
    int nsettings;
    const hnb_sen2_map *map;
    int y0, ny; /* history years y0 .. y0+ny-1 */
    hnb_sen2_cell stock[HNB_SEN2_MAXYEARS], stock_set[HNB_SEN2_MAXYEARS][HNB_SEN2_MAXSET];
    hnb_sen2_cell newp[HNB_SEN2_MAXYEARS], new_set[HNB_SEN2_MAXYEARS][HNB_SEN2_MAXSET];
    hnb_sen2_cell requests[HNB_SEN2_MAXYEARS], ceased[HNB_SEN2_MAXYEARS];
    hnb_sen2_cell issued[HNB_SEN2_MAXYEARS], within20[HNB_SEN2_MAXYEARS];
    double share[HNB_SEN2_MAXYEARS]; /* <1: apportioned from predecessors */
    char history_note[512];          /* how predecessors' years were apportioned */
    /* the latest January (jan) and calendar year (jan - 1) in detail */
    int jan;
    hnb_sen2_cell total;                /* plans at January */
    hnb_sen2_cell mix[HNB_SEN2_MAXSET]; /* by setting */
    int nages;                          /* age rows of the stock */
    int age_lo[32], age_hi[32];
    hnb_sen2_cell age[32];               /* all settings */
    double age_set[32][HNB_SEN2_MAXSET]; /* suppressed cells filled (see notes) */
    int age_layout2022;                  /* bands, no age by setting */
    int has_need;
    double need[HNB_SEN2_MAXSET][HNB_SEN2_NEEDS]; /* stock by setting and need */
    char need_src[HNB_SEN2_MAXSET][200];
    int new_year; /* calendar year of the new-plan detail */
    hnb_sen2_cell new_total, new_mix[HNB_SEN2_MAXSET];
    int nnew_ages, new_lo[32], new_hi[32];
    hnb_sen2_cell new_age[32];
    int has_new_need;
    hnb_sen2_cell new_need[HNB_SEN2_NEEDS];
    /* the pipeline, latest calendar year with requests */
    int req_year;
    hnb_sen2_cell req, to_assess, not_assess, assess_issued, assess_not_issued, tl_den, tl_within,
        tl_year;
    /* cessation by age band: ceased in calendar jan-1 over the stock at January jan-1 */
    int ncease;
    int cease_lo[8], cease_hi[8];
    hnb_sen2_cell cease_n[8], cease_stock[8];
    /* what the user must hear: suppressed cells, splits, gaps (one a line) */
    char *notes;
    size_t notes_len;
    int nsuppressed;
} hnb_sen2_council;

int hnb_sen2_council_get(const hnb_sen2 *s, int index, const hnb_sen2_map *map,
                         hnb_sen2_council **out, hnb_err *err);
void hnb_sen2_council_free(hnb_sen2_council *c);

/* Writers (sen2_write.c). The history CSV (history.h's columns, with the
 * council's row and its settings' rows each year), the base population
 * `age,setting[,need],count`, the pipeline's figures, and the notes. */
#include <stdio.h>
void hnb_sen2_write_history(FILE *f, const hnb_sen2_council *c);
void hnb_sen2_write_population(FILE *f, const hnb_sen2_council *c);
void hnb_sen2_write_pipeline(FILE *f, const hnb_sen2_council *c);
/* A starter v2 scenario (docs/sen2.md): figures from the release, each
 * commented with its file, line and column; money as !placeholder values.
 * RELEASES names the folders read; CALIBRATION the calibrated file's path
 * relative to the scenario (or NULL). */
void hnb_sen2_write_scenario(FILE *f, const hnb_sen2_council *c, const char *const *releases,
                             int nrel, int years, const char *calibration);

/* SEN2's needs: ids (as scenarios/leicestershire-2026.yaml), labels, columns. */
extern const char *const hnb_sen2_need_ids[HNB_SEN2_NEEDS];
extern const char *const hnb_sen2_need_labels[HNB_SEN2_NEEDS];

/* The release's own figure for a geography (old LA code, region code, or
 * "E92000001" for England) at January JAN or in calendar year JAN - 1:
 * MEASURE is "ehcps", "new_plans", "requests" or "ceased". */
int hnb_sen2_published(const hnb_sen2 *s, const char *geo, const char *measure, int jan,
                       hnb_sen2_cell *out);
/* The regions the latest release names: code and name. */
int hnb_sen2_regions(const hnb_sen2 *s, char codes[][16], char names[][64], int max);

#endif
