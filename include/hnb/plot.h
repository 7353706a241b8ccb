/* plot.h - charts: tidy data files, drawn by gnuplot from plots/NAME.gp.
 *
 * The engine writes each chart's data as a small CSV (kept beside the chart
 * so a user can restyle it) and runs gnuplot on the script with the paths
 * and labels as variables: started without a shell (posix_spawnp), with a
 * time limit, its errors reported. Without gnuplot: one warning, no charts,
 * and the run still succeeds. */
#ifndef HNB_PLOT_H
#define HNB_PLOT_H

#include "hnb/mc.h"
#include "hnb/model.h"
#include "hnb/project.h"

enum { HNB_CHART_PNG = 1, HNB_CHART_SVG = 2, HNB_CHART_PDF = 4 };

/* Parse "png,svg,pdf"; returns the mask, or -1. */
int hnb_chart_formats(const char *list);

/* Where the gnuplot scripts are: $HNB_PLOTS, the repository's plots/ beside
 * the binary, or the installed share/hnb/plots. NULL if none. */
const char *hnb_plot_dir(void);

/* Draw every chart of a run into DIR/charts/ in FORMATS. Problems are
 * warnings (the tables are what matter): returns the number of charts
 * drawn. */
int hnb_plot_run(const hnb_model *m, const double *p, const hnb_result *r, const hnb_mc *mc,
                 const char *dir, unsigned formats);

/* Run one script: DATA (a CSV written by the caller) -> OUTBASE.<fmt> for
 * each format. EXTRA holds more gnuplot assignments ("ncols=5; x='y'") or
 * NULL. Returns 0 on success. */
int hnb_plot_draw(const char *script, const char *data, const char *outbase, const char *title,
                  const char *extra, unsigned formats);

/* Append NAME='VALUE' (a gnuplot string, quotes doubled) to BUF. */
void hnb_plot_var(char *buf, size_t size, const char *name, const char *value);

#endif
