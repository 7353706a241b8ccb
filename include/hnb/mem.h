/* mem.h - big working arrays: the Monte Carlo's kept values, pilot draws
 * and rank keys, tens of megabytes written once through. */
#ifndef HNB_MEM_H
#define HNB_MEM_H

#include <stddef.h>

/* malloc(N), and then, for arrays of megabytes, a request
 * that the kernel back them with huge pages. Free with free(). Touching a
 * fresh 4 KB page costs a page fault, several microseconds on a virtual
 * machine: a million-draw run touched 35,000 of them, 0.25 s of system time
 * on two cores. With 2 MB pages it is a few hundred. Where the kernel does
 * not offer them (another OS, transparent huge pages off) this is malloc. */
void *hnb_mem_big(size_t n);

/* Out of memory: say so on stderr and exit with status 1. */
_Noreturn void hnb_oom(void);

#endif
