/* helpers.h - shared test helpers: write a scenario to a temp file, load
 * it, run it, capture errors and warnings. */
#ifndef HNB_TEST_HELPERS_H
#define HNB_TEST_HELPERS_H

#include "hnb/model.h"
#include "hnb/project.h"

/* Write TEXT to a fresh temporary file NAME under a per-test directory;
 * returns its path (static storage per call slot). */
const char *th_write(const char *name, const char *text);
/* Load TEXT as a scenario; on failure returns NULL and fills ERR. */
hnb_model *th_load(const char *text, hnb_err *err);
/* Load, expecting an error; returns "LINE:COL: message" (static). */
const char *th_error(const char *text);
/* Project with central values and full detail. Caller frees with th_done. */
hnb_result *th_run(hnb_model *m);
void th_done(hnb_model *m, hnb_result *r);
/* Warnings captured since the last th_load. */
const char *th_warnings(void);
/* The repository root (HNB_ROOT, else "."). */
const char *th_root(void);
/* The whole of file PATH, malloc'd and NUL-terminated (free it), or NULL. */
char *th_slurp(const char *path);
/* Run a shell command in the repository root; its output (stdout and
 * stderr) in th_out; returns the exit status. */
extern char th_out[65536];
int th_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
