/* Which instruction set fastup's hand-vectorised loops use, decided once at run time.
 *
 * The wheels are built for baseline x86-64 (no -march flags). Routines that profit from AVX2
 * and FMA are compiled a second time with __attribute__((target("avx2,fma"))) and chosen here;
 * every other machine and compiler gets the portable copy. FASTUP_DISABLE_AVX2=1 in the
 * environment (read once, at the first call) selects the portable copy on any machine: the
 * tests run both that way.
 */
#ifndef FASTUP_CPU_H
#define FASTUP_CPU_H

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) \
    && !defined(FASTUP_NO_AVX2)
#define FASTUP_HAVE_AVX2_PATH 1
#define FASTUP_AVX2 __attribute__((target("avx2,fma")))

#include <stdlib.h>

static int fastup_use_avx2(void) {
    static int answer = -1;
    if (answer < 0) {
        const char *off = getenv("FASTUP_DISABLE_AVX2");
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                 !(off != NULL && off[0] != '\0' && !(off[0] == '0' && off[1] == '\0'));
    }
    return answer;
}
#else
#define FASTUP_HAVE_AVX2_PATH 0
static inline int fastup_use_avx2(void) { return 0; }
#endif

#endif
