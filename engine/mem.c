/* mem.c - big working arrays backed by huge pages (see mem.h). */
#include "hnb/mem.h"

#include <stdio.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* A huge page: below it, an array gets no whole one. */
#define BIG ((size_t)2 << 20)

void *hnb_mem_big(size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Whole huge pages, aligned: a malloc'd array starts a little past a
     * page boundary, and the small pages at either end of it cost a fault
     * each (a 4 MB array was half small pages). The rounding is address
     * space; a page is only backed once it is written. The advice is only
     * advice: where it is refused the pages are small, nothing else. */
    if (n >= BIG) {
        size_t whole = (n + BIG - 1) / BIG * BIG;
        void *p = NULL;
        if (whole >= n && posix_memalign(&p, BIG, whole) == 0) {
            (void)madvise(p, whole, MADV_HUGEPAGE);
            return p;
        }
    }
#endif
    return malloc(n);
}

void hnb_oom(void)
{
    fputs("hnb: not enough memory\n", stderr);
    exit(1);
}
