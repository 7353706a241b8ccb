/* plot.h - charts: tidy data files, drawn by gnuplot from plots/NAME.gp.
 *
 * The engine writes each chart's data as a small CSV (kept beside the chart
 * so a user can restyle it), with whatever a script would otherwise add up
 * itself (the tops of stacked series), so that every script's work is
 * linear in its data. The charts of a command are queued and drawn by a few
 * gnuplot processes started without a shell (posix_spawnp), each fed one
 * chart's script after another through a pipe, with the paths and labels
 * as variables: the cost of starting gnuplot is paid once a process, not
 * once a chart. Each chart has a time limit; its errors are reported as a
 * warning naming it. Without gnuplot: one warning, no charts, and the run
 * still succeeds. */
#ifndef HNB_PLOT_H
#define HNB_PLOT_H

#include "hnb/mc.h"
#include "hnb/model.h"
#include "hnb/project.h"

/* PRINT ("print" in --charts): the PNG of the charts report.html prints
 * from a PNG (the hatched ones: a browser prints SVG hatching as one bitmap
 * a bar, a 20 MB PDF), without the other charts' PNGs. A run's default is
 * SVG alone: a hatched PNG costs cairo 0.1 to 0.7 s, the hatching most. */
enum { HNB_CHART_PNG = 1, HNB_CHART_SVG = 2, HNB_CHART_PDF = 4, HNB_CHART_PRINT = 8 };

/* Parse "png,svg,pdf,print"; returns the mask, or -1. */
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

/* A queue of charts, drawn together by hnb_plot_queue_run(). */
typedef struct hnb_plot_queue hnb_plot_queue;
hnb_plot_queue *hnb_plot_queue_create(void);
void hnb_plot_queue_free(hnb_plot_queue *q);
/* Queue what hnb_plot_draw() draws; returns the number of files queued. */
int hnb_plot_queue_add(hnb_plot_queue *q, const char *script, const char *data, const char *outbase,
                       const char *title, const char *extra, unsigned formats);
/* Draw the queue with WORKERS gnuplot processes at once; a chart that fails
 * or takes too long is a warning naming it. Returns the number of files not
 * drawn. */
int hnb_plot_queue_run(hnb_plot_queue *q, int workers);

/* Append NAME='VALUE' (a gnuplot string, quotes doubled) to BUF. */
void hnb_plot_var(char *buf, size_t size, const char *name, const char *value);

#endif
