/* mem.c - running out of memory, and big working arrays backed by huge pages
 * (see mem.h). */
#include "hnb/mem.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "hnb/outdir.h"

_Noreturn void hnb_oom(void)
{
    /* Nothing here may allocate: write(2), not stdio. */
    static const char msg[] = "hnb: not enough memory\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    hnb_stage_emergency();
    _exit(1);
}

/* GSL's error handler, set once before main() as GSL's manual advises
 * ("Error handlers"), not switched off and on around calls: the switch is
 * one global, and Monte Carlo threads call GSL at once. Every caller checks
 * the status GSL returns; the default handler would abort() on a singular
 * correlation matrix or a root finder's bad bracket, which are input
 * problems the callers report with their place. Running out of memory inside
 * GSL is the same "not enough memory" as anywhere else. */
static void gsl_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason, (void)file, (void)line;
    if (gsl_errno == GSL_ENOMEM) hnb_oom();
}

/* A constructor, so that the tests, which call the library without main(),
 * get the same handler as the command. */
__attribute__((constructor)) static void set_gsl_handler(void)
{
    gsl_set_error_handler(gsl_handler);
}

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

