/* mem.c - big working arrays backed by huge pages (see mem.h). */
#include "hnb/mem.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

/* Below a huge page, an array cannot hold a whole aligned one. */
#define BIG ((size_t)2 << 20)

static void advise(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!p || n < BIG) return;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    uintptr_t pg = (uintptr_t)page;
    uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1), b = ((uintptr_t)p + n) & ~(pg - 1);
    /* advice only: where it is refused the pages are small, nothing else */
    if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p, (void)n;
#endif
}

void *hnb_mem_big(size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Whole huge pages, aligned: a malloc'd array starts a little past a
     * page boundary, and the small pages at either end of it cost a fault
     * each (a 4 MB array was half small pages). The rounding is address
     * space; a page is only backed once it is written. */
    if (n >= BIG) {
        size_t whole = (n + BIG - 1) / BIG * BIG;
        void *p = NULL;
        if (whole >= n && posix_memalign(&p, BIG, whole) == 0) {
            advise(p, whole);
            return p;
        }
    }
#endif
    void *p = malloc(n);
    advise(p, n);
    return p;
}
