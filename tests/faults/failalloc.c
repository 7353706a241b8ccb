/* failalloc.c - an LD_PRELOAD library that makes allocations fail, for the
 * fault-injection suite (tests/faults.py, issue 19).
 *
 *   HNB_FAIL_ALLOC=N   the N-th allocation and every one after it fail
 *                      (ENOMEM), as when memory runs out for good
 *   HNB_COUNT_ALLOC=1  count the allocations; the count goes to stderr at
 *                      exit, as "allocations: K"
 *
 * malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign are
 * replaced; glibc's own calls inside itself (strdup, fopen) are not seen.
 * The variable LD_PRELOAD is removed at start, so programs hnb starts
 * (gnuplot) run normally. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long fail_at = -1;
static int counting;
static atomic_long count;

__attribute__((constructor)) static void init(void)
{
    const char *s = getenv("HNB_FAIL_ALLOC");
    if (s) fail_at = atol(s);
    counting = getenv("HNB_COUNT_ALLOC") != NULL;
    unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void fini(void)
{
    if (counting) {
        char b[64];
        int n = snprintf(b, sizeof b, "allocations: %ld\n", (long)atomic_load(&count));
        ssize_t w = write(2, b, (size_t)n);
        (void)w;
    }
}

static int fails(void)
{
    long n = atomic_fetch_add(&count, 1) + 1;
    if (fail_at > 0 && n >= fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    return fails() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    return fails() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    return fails() ? NULL : __libc_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
    return fails() ? NULL : __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    return fails() ? NULL : __libc_memalign(a, n);
}

int posix_memalign(void **p, size_t a, size_t n)
{
    if (fails()) return ENOMEM;
    void *q = __libc_memalign(a, n);
    if (!q) return ENOMEM;
    *p = q;
    return 0;
}
