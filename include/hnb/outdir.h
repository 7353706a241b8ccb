/* outdir.h - output directories replaced whole or not at all (issue 19).
 *
 * A command that writes a directory of outputs writes them into a fresh
 * hidden sibling, the stage (".NAME.hnb-PID-XXXXXX" beside NAME), and swaps
 * it in with one rename when every file is complete. A reader sees the
 * previous result or the new one, never a mix; a run that fails, runs out of
 * memory or is interrupted leaves the previous result as it was; files of an
 * older run cannot survive beside a newer one; two runs into one directory
 * each swap in a complete result, the last to finish wins.
 *
 * A stage left by a process killed outright (SIGKILL, power loss) is removed
 * by the next run into the same parent directory.
 *
 * Replacing a directory deletes what was in it, so only a directory hnb made
 * (it holds the marker file .hnb-output) or an empty one is replaced; any
 * other directory is refused with an error rather than emptied. */
#ifndef HNB_OUTDIR_H
#define HNB_OUTDIR_H

#include "hnb/err.h"

typedef struct hnb_stage hnb_stage;

/* Begin writing the directory DIR (created with its parents if missing).
 * NULL with ERR set when DIR cannot be replaced. */
hnb_stage *hnb_stage_begin(const char *dir, hnb_err *err);

/* Where to write: the stage directory. */
const char *hnb_stage_dir(const hnb_stage *s);

/* Swap the stage in for DIR and free S. On failure the stage is removed,
 * DIR is left as it was, and ERR is set. */
int hnb_stage_commit(hnb_stage *s, hnb_err *err);

/* Remove the stage and free S (NULL: nothing). */
void hnb_stage_abort(hnb_stage *s);

/* Remove every stage this process has begun and not finished. Safe in a
 * signal handler and when out of memory: it allocates nothing. */
void hnb_stage_emergency(void);

/* Remove a file or a directory tree; 0, or -1 with errno. */
int hnb_remove_tree(const char *path);

#endif
