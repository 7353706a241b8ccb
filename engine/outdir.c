/* outdir.c - output directories replaced whole or not at all (see outdir.h).
 *
 * The swap is renameat2(RENAME_EXCHANGE) on Linux: one atomic step from the
 * old directory to the new, after which the old one sits at the stage's name
 * and is removed. Where the file system does not offer the exchange, two
 * renames (old aside, new in) leave a moment with no directory at all, never
 * one with a mix. */
#define _GNU_SOURCE
#include "hnb/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include "hnb/mem.h"
#include "hnb/report.h"

#define MARKER ".hnb-output"
#define PATHMAX 4096

struct hnb_stage {
    char final[PATHMAX]; /* the directory asked for */
    char stage[PATHMAX]; /* where the run writes */
    int slot;            /* in live[], for the emergency */
};

/* The stages of this process, for hnb_stage_emergency(): fixed storage, as
 * a signal handler or an allocation failure may read it. A forked child
 * (hnb batch) inherits the parent's entries; the owner's pid keeps it from
 * removing them. */
#define LIVE 16
static struct {
    char path[PATHMAX];
    char final[PATHMAX];
    volatile pid_t owner; /* 0: free */
} live[LIVE];

/* ---- removal, allocating nothing ---------------------------------------- */

#if defined(__linux__) && defined(SYS_getdents64)
struct dirent64_raw {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Remove NAME in the directory DFD, whatever it is. Only system calls and
 * stack buffers, so a signal handler may use it. Depth-limited: an output
 * directory is two levels deep. */
static int remove_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    if (depth > 16) return errno = ELOOP, -1;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    char buf[4096];
    /* entries removed while the directory is read may shift the listing:
     * read it again until the directory goes */
    for (int pass = 0; pass < 64; pass++) {
        if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
            close(fd);
            return 0;
        }
        if (errno != ENOTEMPTY && errno != EEXIST) break;
        lseek(fd, 0, SEEK_SET);
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);
                off += d->d_reclen;
                if (d->d_name[0] == '.' &&
                    (d->d_name[1] == 0 || (d->d_name[1] == '.' && d->d_name[2] == 0)))
                    continue;
                remove_at(fd, d->d_name, depth + 1);
            }
        }
    }
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

int hnb_remove_tree(const char *path)
{
    return remove_at(AT_FDCWD, path, 0);
}
#else
#include <ftw.h>
static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}
int hnb_remove_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
#endif

void hnb_stage_emergency(void)
{
    pid_t me = getpid();
    for (int i = 0; i < LIVE; i++)
        if (live[i].owner == me) {
            hnb_remove_tree(live[i].path);
            live[i].owner = 0;
        }
}

/* Interrupted (Ctrl-C, kill, a closed terminal): remove the stages, then die
 * of the same signal, so the caller sees how the run ended. */
static void on_signal(int sig)
{
    int e = errno;
    hnb_stage_emergency();
    signal(sig, SIG_DFL);
    raise(sig);
    errno = e;
}

static void catch_signals(void)
{
    static int done;
    if (done) return;
    done = 1;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        /* a signal ignored by whoever started us (nohup) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- which directories may be replaced ---------------------------------- */

/* The files hnb wrote before directories carried the marker: a directory
 * of these alone (and their temporary names) is an older hnb output. */
static const char *const known[] = {
    "projection.csv", "placements.csv", "mitigations.csv", "needs.csv",     "pipeline.csv",
    "dsg_plan.csv",   "montecarlo.csv", "sensitivity.csv", "exceedance.csv", "summary.md",
    "report.html",    "workbook.xlsx",  "charts",          "batch.csv",      "index.html",
    "compare.csv",    "compare.html",   "compare.md",      "sweep.csv",      "sweep.md",
    "solve.csv",      "calibrated.yaml", "calibration.csv", "calibration.md", "forecast.csv",
    "backtest.csv",   "backtest.md",    ".rows"};

static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        size_t n = strlen(known[i]);
        if (!strcmp(name, known[i])) return 1;
        /* a temporary name of one: .NAME.XXXXXX, .NAME.tmp, .NAME.PID.tmp */
        if (name[0] == '.' && !strncmp(name + 1, known[i], n) && name[1 + n] == '.') return 1;
    }
    return 0;
}

/* 1 if DIR may be replaced: hnb's marker, empty, or an older hnb output
 * (known names only; a batch's also has a directory per scenario). */
static int replaceable(const char *dir)
{
    char p[PATHMAX + 300];
    snprintf(p, sizeof p, "%s/" MARKER, dir);
    if (access(p, F_OK) == 0) return 1;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int ok = 1, batch = 0, subdirs = 0;
    struct dirent *e;
    snprintf(p, sizeof p, "%s/batch.csv", dir);
    batch = access(p, F_OK) == 0;
    while (ok && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (is_known(e->d_name)) continue;
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (batch && lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && e->d_name[0] != '.') {
            subdirs++;
            continue;
        }
        ok = 0;
    }
    closedir(d);
    return ok;
}

/* ---- begin, commit, abort ----------------------------------------------- */

/* Stages of processes that no longer run, beside NAME in PARENT: left by a
 * SIGKILL or a power cut. */
static void sweep_stale(const char *parent, const char *name)
{
    DIR *d = opendir(parent);
    if (!d) return;
    char prefix[PATHMAX];
    int np = snprintf(prefix, sizeof prefix, ".%s.hnb-", name);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (np <= 0 || (size_t)np >= sizeof prefix || strncmp(e->d_name, prefix, (size_t)np))
            continue;
        char *end;
        long pid = strtol(e->d_name + np, &end, 10);
        if (end == e->d_name + np || *end != '-' || pid <= 0) continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM) continue;
        char p[2 * PATHMAX];
        snprintf(p, sizeof p, "%s/%s", parent, e->d_name);
        hnb_remove_tree(p);
    }
    closedir(d);
}

static void replace_all(char *text, size_t size, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to);
    char *p;
    while (nf && (p = strstr(text, from)) != NULL) {
        size_t tail = strlen(p + nf);
        if ((size_t)(p - text) + nt + tail + 1 > size) return;
        memmove(p + nt, p + nf, tail + 1);
        memcpy(p, to, nt);
        text = p + nt;
    }
}

/* Messages name the directory asked for, not the stage: every live stage
 * (a batch's run's stage sits inside the batch's), innermost first. */
static void show_final(char *text, size_t size)
{
    for (int pass = 0; pass < 4; pass++) {
        int changed = 0;
        for (int i = 0; i < LIVE; i++)
            if (live[i].owner && strstr(text, live[i].path)) {
                replace_all(text, size, live[i].path, live[i].final);
                changed = 1;
            }
        if (!changed) break;
    }
}

hnb_stage *hnb_stage_begin(const char *dir, hnb_err *err)
{
    char path[PATHMAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path - 64) {
        hnb_err_fail(err, "bad output directory '%s'", dir);
        return NULL;
    }
    memcpy(path, dir, n + 1);
    while (n > 1 && path[n - 1] == '/') path[--n] = 0;
    /* the directory a symbolic link names is the one replaced */
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char real[PATH_MAX];
        if (!realpath(path, real) || strlen(real) >= sizeof path - 64) {
            hnb_err_fail(err, "%s: cannot follow the link: %s", dir, strerror(errno));
            return NULL;
        }
        snprintf(path, sizeof path, "%s", real);
        n = strlen(path);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* The three refusals are of what the user asked for (exit 2, like any
     * bad input), placed at the option that names the directory. */
    const hnb_mark opt = {"-o", 0, 0};
    if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(path, "/")) {
        hnb_err_at(err, opt, "%s: give the outputs a directory of their own (-o DIR), "
                             "not '%s', which hnb replaces whole",
                   dir, base[0] ? base : "/");
        return NULL;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            hnb_err_at(err, opt, "%s: exists and is not a directory; the outputs go into a directory "
                                 "(-o DIR), new or one hnb wrote before",
                       dir);
            return NULL;
        }
        if (!replaceable(path)) {
            hnb_err_at(err, opt, "%s: holds files hnb did not write; hnb replaces its output "
                                 "directory whole, so give it a new or empty one (-o DIR)",
                       dir);
            return NULL;
        }
    }
    char parent[PATHMAX];
    if (base == path) {
        snprintf(parent, sizeof parent, ".");
    } else {
        snprintf(parent, sizeof parent, "%.*s", (int)(base - path - 1), path);
        if (!parent[0]) snprintf(parent, sizeof parent, "/");
        if (hnb_mkdirs(parent, err)) return NULL;
    }
    sweep_stale(parent, base);
    hnb_stage *s = calloc(1, sizeof *s);
    if (!s) hnb_oom();
    snprintf(s->final, sizeof s->final, "%s", path);
    int w = snprintf(s->stage, sizeof s->stage, "%s/.%s.hnb-%ld-XXXXXX", parent, base,
                     (long)getpid());
    if (w < 0 || (size_t)w >= sizeof s->stage) {
        free(s);
        hnb_err_fail(err, "%s: the path is too long", dir);
        return NULL;
    }
    /* register first: a signal between mkdtemp and here would leave it */
    catch_signals();
    s->slot = -1;
    for (int i = 0; i < LIVE && s->slot < 0; i++)
        if (live[i].owner != getpid()) s->slot = i;
    if (s->slot >= 0) {
        live[s->slot].owner = 0;
        memcpy(live[s->slot].path, s->stage, sizeof s->stage);
    }
    if (!mkdtemp(s->stage)) {
        hnb_err_fail(err, "%s: cannot create a directory beside it: %s", dir, strerror(errno));
        free(s);
        return NULL;
    }
    if (s->slot >= 0) {
        memcpy(live[s->slot].path, s->stage, sizeof s->stage);
        memcpy(live[s->slot].final, s->final, sizeof s->final);
        live[s->slot].owner = getpid();
    }
    hnb_err_set_rewrite(show_final);
    /* mkdtemp makes it private; an output directory is as mkdir makes it */
    mode_t um = umask(0);
    umask(um);
    chmod(s->stage, 0777 & ~um);
    char mark[PATHMAX + 32];
    snprintf(mark, sizeof mark, "%s/" MARKER, s->stage);
    FILE *f = fopen(mark, "w");
    if (!f || fputs("This directory was written by hnb, which replaces it whole on the next "
                    "run into it.\n",
                    f) < 0 ||
        fclose(f) != 0) {
        int e = errno;
        hnb_stage_abort(s);
        hnb_err_fail(err, "%s: cannot write: %s", dir, strerror(e));
        return NULL;
    }
    return s;
}

const char *hnb_stage_dir(const hnb_stage *s)
{
    return s->stage;
}

static void forget(hnb_stage *s)
{
    if (s->slot >= 0) live[s->slot].owner = 0;
    free(s);
}

void hnb_stage_abort(hnb_stage *s)
{
    if (!s) return;
    hnb_remove_tree(s->stage);
    forget(s);
}

int hnb_stage_commit(hnb_stage *s, hnb_err *err)
{
    /* a new directory, or an empty one: a plain rename */
    if (rename(s->stage, s->final) == 0) {
        forget(s);
        return HNB_OK;
    }
    if (errno != ENOTEMPTY && errno != EEXIST) {
        int e = errno;
        hnb_stage_abort(s);
        return hnb_err_fail(err, "%s: cannot move the outputs into place: %s", s->final,
                            strerror(e));
    }
    int rc = -1;
#if defined(__linux__) && defined(SYS_renameat2) && defined(RENAME_EXCHANGE)
    rc = (int)syscall(SYS_renameat2, AT_FDCWD, s->stage, AT_FDCWD, s->final, RENAME_EXCHANGE);
#endif
    if (rc != 0) {
        /* no exchange here: the old one aside under a stage name, then in */
        char old[PATHMAX + 8];
        snprintf(old, sizeof old, "%s.old", s->stage);
        if (rename(s->final, old) != 0 || rename(s->stage, s->final) != 0) {
            int e = errno;
            rename(old, s->final);
            hnb_stage_abort(s);
            return hnb_err_fail(err, "%s: cannot move the outputs into place: %s", s->final,
                                strerror(e));
        }
        hnb_remove_tree(old);
    }
    /* the stage's name now holds the previous result */
    hnb_remove_tree(s->stage);
    forget(s);
    return HNB_OK;
}

