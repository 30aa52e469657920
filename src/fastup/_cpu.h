/* Which instruction set fastup's hand-vectorised loops use, decided once at run time.
 *
 * The wheels are built for baseline x86-64 (no -march flags). Routines that profit from AVX2
 * and FMA are compiled a second time with __attribute__((target("avx2,fma"))) and chosen here;
 * every other machine and compiler gets the portable copy. FASTUP_DISABLE_AVX2=1 in the
 * environment (read once, at the first call) selects the portable copy on any machine: the
 * tests run both that way. The matrix product also has an AVX-512 copy (below).
 */
#ifndef FASTUP_CPU_H
#define FASTUP_CPU_H

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) \
    && !defined(FASTUP_NO_AVX2)
#define FASTUP_HAVE_AVX2_PATH 1
#define FASTUP_AVX2 __attribute__((target("avx2,fma")))

#include <stdlib.h>

/* whether the environment variable ``name`` is set to something other than "" or "0" */
static int fastup_env_set(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && !(v[0] == '0' && v[1] == '\0');
}

static int fastup_use_avx2(void) {
    static int answer = -1;
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                 !fastup_env_set("FASTUP_DISABLE_AVX2");
    }
    return answer;
}

/* The matrix product has a third copy for AVX-512 (twice the width of AVX2, the same sums in
 * the same order: the same bits), used where AVX2 is and the machine and its OS support
 * AVX-512F, unless FASTUP_DISABLE_AVX512=1 (the tests compare the two copies that way). */
#define FASTUP_AVX512 __attribute__((target("avx512f,avx2,fma")))
static int fastup_use_avx512(void) {
    static int answer = -1;
    if (answer < 0)
        answer = fastup_use_avx2() && __builtin_cpu_supports("avx512f") &&
                 !fastup_env_set("FASTUP_DISABLE_AVX512");
    return answer;
}

/* The fixed-point resample's AVX-512 copy needs byte and word instructions too (AVX512BW);
 * FASTUP_DISABLE_AVX512=1 turns it off with the matrix product's. */
#define FASTUP_AVX512BW __attribute__((target("avx512f,avx512bw,avx2,fma")))
static int fastup_use_avx512bw(void) {
    static int answer = -1;
    if (answer < 0) answer = fastup_use_avx512() && __builtin_cpu_supports("avx512bw");
    return answer;
}

/* ... and its byte permutes across a whole vector (AVX512_VBMI: Ice Lake, Zen 4 and later). */
#define FASTUP_AVX512VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi,avx2,fma")))
static int fastup_use_avx512vbmi(void) {
    static int answer = -1;
    if (answer < 0) answer = fastup_use_avx512bw() && __builtin_cpu_supports("avx512vbmi");
    return answer;
}

/* ... and int16 pair multiply-adds into int32 (AVX512_VNNI) beside those permutes: the
 * fixed-point sums of rows (Ice Lake, Zen 4 and later). FASTUP_DISABLE_VNNI=1 turns this one
 * off alone (the tests compare the copies with and without it). */
#define FASTUP_AVX512VNNI \
    __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni,avx2,fma")))
static int fastup_use_avx512vnni(void) {
    static int answer = -1;
    if (answer < 0)
        answer = fastup_use_avx512vbmi() && __builtin_cpu_supports("avx512vnni") &&
                 !fastup_env_set("FASTUP_DISABLE_VNNI");
    return answer;
}
#else
#define FASTUP_HAVE_AVX2_PATH 0
static inline int fastup_use_avx2(void) { return 0; }
static inline int fastup_use_avx512(void) { return 0; }
static inline int fastup_use_avx512bw(void) { return 0; }
static inline int fastup_use_avx512vbmi(void) { return 0; }
static inline int fastup_use_avx512vnni(void) { return 0; }
#endif

#endif
