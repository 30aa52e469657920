/* fastup's matrix product: C = (accumulate ? C : 0) + A B, single-threaded, deterministic.
 *
 * A is M x K and B is K x N, each given by a pointer and a row and a column stride (so either
 * may be a transpose); C is M x N with row stride ldc and unit column stride. The callers split
 * C into column blocks and run one call per thread: every element of C is the same sequence of
 * operations (k ascending in blocks of KC, a fixed micro-kernel per machine) whatever the split,
 * so results do not depend on the number of threads.
 *
 * Layout follows the usual packed-panel scheme (Goto; BLIS): B is packed into KC x NR panels,
 * A into MR x KC panels, and an MR x NR micro-kernel keeps its tile of C in registers. The
 * micro-kernel is written with GCC/Clang vector extensions; on x86-64 a second copy of the
 * whole routine is compiled for AVX2+FMA and a third for AVX-512F (vectors twice as wide: the
 * same operations on every element, so the same bits), chosen at run time (the wheels stay
 * baseline x86-64: no -march flags). Other compilers get plain C loops.
 */
#ifndef FASTUP_GEMM_H
#define FASTUP_GEMM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define FASTUP_KC 256
#define FASTUP_MC 96
#define FASTUP_NC 2048

#if defined(__GNUC__) || defined(__clang__)
#define FASTUP_VECTOR_EXT 1
#else
#define FASTUP_VECTOR_EXT 0
#endif

#include "_cpu.h"

/* bytes at an address that is a multiple of align (a power of two); release with
 * fastup_aligned_free */
static void *fastup_malloc_aligned_to(size_t bytes, size_t align) {
    char *raw = (char *)malloc(bytes + align + sizeof(void *)), *p;
    if (raw == NULL) return NULL;
    p = raw + sizeof(void *);
    p += (align - ((size_t)p & (align - 1))) & (align - 1);
    ((void **)p)[-1] = raw;
    return p;
}

static void *fastup_aligned_malloc(size_t bytes) { return fastup_malloc_aligned_to(bytes, 64); }

static void fastup_aligned_free(void *p) {
    if (p != NULL) free(((void **)p)[-1]);
}

/* A buffer of input planes read many times over (2 MiB-aligned, and on Linux backed by huge
 * pages where the system allows, so that reading across many planes costs few TLB entries);
 * release with fastup_aligned_free. */
#define FASTUP_HUGE_PAGE ((size_t)1 << 21)
static void *fastup_planes_malloc(size_t bytes) {
    void *p;
    if (bytes < FASTUP_HUGE_PAGE) return fastup_aligned_malloc(bytes);
    p = fastup_malloc_aligned_to(bytes, FASTUP_HUGE_PAGE);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p != NULL) madvise(p, bytes - bytes % FASTUP_HUGE_PAGE, MADV_HUGEPAGE);
#endif
    return p;
}

/* Leave the pages of a kept buffer from fastup_planes_malloc to the system for when memory runs
 * short (Linux MADV_FREE): until it takes them they stay mapped, and writing them again costs
 * no page fault; a page it took reads as zeros and is mapped afresh when written. */
static void fastup_planes_lend(void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_FREE)
    if (p != NULL && bytes >= FASTUP_HUGE_PAGE) madvise(p, bytes - bytes % 4096, MADV_FREE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Pack B[pc:pc+kc, jc:jc+nc] into panels of NR columns, zero-padded. Rows of B with unit
 * column stride are copied NR at a time (a fixed-size copy the compiler inlines), row after
 * row; a B with unit row stride (a transpose) is read along its contiguous columns, its whole
 * panels by TRANSPOSE(kc, nc, B, csb, packed) (which returns how many columns it packed). */
#define FASTUP_NO_TRANSPOSE(kc, nc, B, csb, packed) 0
#define FASTUP_PACK_B(T, NR, TRANSPOSE)                                                       \
    static void fastup_pack_b_##T##_##NR(ptrdiff_t kc, ptrdiff_t nc, const T *B,              \
                                          ptrdiff_t rsb, ptrdiff_t csb, T *packed) {          \
        ptrdiff_t jr, k, j, full = csb == 1 ? nc - nc % NR : 0;                               \
        for (k = 0; k < kc; k++) /* whole panels, row by row: B is read sequentially */       \
            for (jr = 0; jr < full; jr += NR)                                                 \
                memcpy(packed + jr * kc + k * NR, B + k * rsb + jr, NR * sizeof(T));          \
        if (rsb == 1 && csb != 1) full = TRANSPOSE(kc, nc, B, csb, packed);                   \
        for (jr = full; jr < nc; jr += NR) {                                                  \
            ptrdiff_t nr = nc - jr < NR ? nc - jr : NR;                                       \
            T *dst = packed + jr * kc;                                                        \
            if (rsb == 1) {                                                                   \
                for (j = 0; j < nr; j++) {                                                    \
                    const T *src = B + (jr + j) * csb;                                        \
                    for (k = 0; k < kc; k++) dst[k * NR + j] = src[k];                        \
                }                                                                             \
                for (; j < NR; j++)                                                           \
                    for (k = 0; k < kc; k++) dst[k * NR + j] = 0;                             \
            } else {                                                                          \
                for (k = 0; k < kc; k++) {                                                    \
                    const T *src = B + k * rsb + jr * csb;                                    \
                    for (j = 0; j < nr; j++) dst[k * NR + j] = src[j * csb];                  \
                    for (; j < NR; j++) dst[k * NR + j] = 0;                                  \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }

/* Pack A[ic:ic+mc, pc:pc+kc] into panels of MR rows, zero-padded (read along A's rows when
 * they are contiguous). */
#define FASTUP_PACK_A(T, MR)                                                                  \
    static void fastup_pack_a_##T##_##MR(ptrdiff_t mc, ptrdiff_t kc, const T *A,              \
                                          ptrdiff_t rsa, ptrdiff_t csa, T *packed) {          \
        ptrdiff_t ir, k, i;                                                                   \
        for (ir = 0; ir < mc; ir += MR) {                                                     \
            ptrdiff_t mr = mc - ir < MR ? mc - ir : MR;                                       \
            T *dst = packed + ir * kc;                                                        \
            if (csa == 1) {                                                                   \
                for (i = 0; i < mr; i++) {                                                    \
                    const T *src = A + (ir + i) * rsa;                                        \
                    for (k = 0; k < kc; k++) dst[k * MR + i] = src[k];                        \
                }                                                                             \
                for (; i < MR; i++)                                                           \
                    for (k = 0; k < kc; k++) dst[k * MR + i] = 0;                             \
                continue;                                                                     \
            }                                                                                 \
            for (k = 0; k < kc; k++) {                                                        \
                const T *src = A + ir * rsa + k * csa;                                        \
                for (i = 0; i < mr; i++) dst[k * MR + i] = src[i * rsa];                      \
                for (; i < MR; i++) dst[k * MR + i] = 0;                                      \
            }                                                                                 \
        }                                                                                     \
    }

/* The start of every product: nothing to do for an empty C; C = 0 (or as it was) for K = 0. */
#define FASTUP_EMPTY_PRODUCT(T)                                                               \
    if (M <= 0 || N <= 0) return 0;                                                           \
    if (K <= 0) {                                                                             \
        if (!accumulate)                                                                      \
            for (i = 0; i < M; i++) memset(C + i * ldc, 0, (size_t)N * sizeof(T));            \
        return 0;                                                                             \
    }

/* An edge tile (mr x nr of the MR x NR sums in ``tile``) added to, or stored into, C at c. */
#define FASTUP_TILE_OUT(T, NR)                                                                \
    for (i = 0; i < mr; i++)                                                                  \
        for (j = 0; j < nr; j++) c[i * ldc + j] = (add ? c[i * ldc + j] : (T)0) + tile[i * NR + j];

/* The tiles of C rows [ic, ic + mc) x columns [COL0, COL0 + NCOLS) from packed A (Ap, this
 * block's kc columns) and packed B (Bp): the micro-kernel on each, the edge tiles through
 * ``tile``. */
#define FASTUP_TILES(T, MR, NR, UK, NCOLS, COL0)                                              \
    for (jr = 0; jr < NCOLS; jr += NR) {                                                      \
        ptrdiff_t nr = NCOLS - jr < NR ? NCOLS - jr : NR;                                     \
        for (ir = 0; ir < mc; ir += MR) {                                                     \
            ptrdiff_t mr = mc - ir < MR ? mc - ir : MR;                                       \
            T *c = C + (ic + ir) * ldc + COL0 + jr;                                           \
            if (mr == MR && nr == NR) {                                                       \
                UK##_c(kc, Ap + ir * kc, Bp + jr * kc, c, ldc, add);                          \
                continue;                                                                     \
            }                                                                                 \
            UK(kc, Ap + ir * kc, Bp + jr * kc, tile);                                         \
            FASTUP_TILE_OUT(T, NR)                                                            \
        }                                                                                     \
    }

/* The blocked driver around a micro-kernel UK(kc, Ap, Bp, acc) that writes an MR x NR tile of
 * sums into acc (row-major). ATTR: function attributes (a target, or nothing). */
#define FASTUP_DRIVER(NAME, T, MR, NR, UK, ATTR)                                              \
    ATTR static int NAME(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const T *A, ptrdiff_t rsa,    \
                         ptrdiff_t csa, const T *B, ptrdiff_t rsb, ptrdiff_t csb, T *C,       \
                         ptrdiff_t ldc, int accumulate) {                                     \
        T *Ap, *Bp;                                                                           \
        T tile[MR * NR];                                                                      \
        ptrdiff_t jc, pc, ic, jr, ir, i, j;                                                   \
        FASTUP_EMPTY_PRODUCT(T)                                                               \
        Ap = (T *)fastup_aligned_malloc(sizeof(T) * FASTUP_MC * FASTUP_KC);                   \
        Bp = (T *)fastup_aligned_malloc(sizeof(T) * FASTUP_KC * (FASTUP_NC + NR));            \
        if (Ap == NULL || Bp == NULL) {                                                       \
            fastup_aligned_free(Ap);                                                          \
            fastup_aligned_free(Bp);                                                          \
            return -1;                                                                        \
        }                                                                                     \
        for (jc = 0; jc < N; jc += FASTUP_NC) {                                               \
            ptrdiff_t nc = N - jc < FASTUP_NC ? N - jc : FASTUP_NC;                           \
            for (pc = 0; pc < K; pc += FASTUP_KC) {                                           \
                ptrdiff_t kc = K - pc < FASTUP_KC ? K - pc : FASTUP_KC;                       \
                int add = accumulate || pc > 0;                                               \
                fastup_pack_b_##T##_##NR(kc, nc, B + pc * rsb + jc * csb, rsb, csb, Bp);      \
                for (ic = 0; ic < M; ic += FASTUP_MC) {                                       \
                    ptrdiff_t mc = M - ic < FASTUP_MC ? M - ic : FASTUP_MC;                   \
                    fastup_pack_a_##T##_##MR(mc, kc, A + ic * rsa + pc * csa, rsa, csa, Ap);  \
                    FASTUP_TILES(T, MR, NR, UK, nc, jc)                                       \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        fastup_aligned_free(Ap);                                                              \
        fastup_aligned_free(Bp);                                                              \
        return 0;                                                                             \
    }

/* Products with one operand read in place, for the convolutions: the unfolded input (im2col)
 * is never written. Its element (r, c) is G[rowofs[r] + colofs[c]], where G holds the input's
 * planes split by stride phase and zero-padded (fastup._kernels builds it), rowofs[r] locates a
 * (channel, kernel tap) and colofs[c] an output position; a run of output positions along the
 * last axis is a run of consecutive elements of G.
 *
 * DRIVER_GB: C = (accumulate ? C : 0) + A U, with U (K x N) packed straight from G, GB_NB
 * panels at a time, row by row (a panel of NR columns whose offsets are consecutive is one
 * copy; G is read along its runs, which the hardware prefetches). DRIVER_GA: C = (accumulate ?
 * C : 0) + U B, with U (M x K) read in place by the micro-kernel (MR rows, each a run of G,
 * reused from L1 across the panels of B) and B packed. Each element of C is the same
 * sequence of operations (k ascending in blocks of KC) whatever the split of C among calls. */
#define FASTUP_GA_NC 128
#define FASTUP_GB_NB 8
#define FASTUP_GB_A_BYTES ((size_t)1 << 18)
/* the row stride of the block of C summed apart (a multiple of 64 bytes, not of 4 KiB) */
#define FASTUP_GB_LDS(NR) (FASTUP_GB_NB * (NR) + 16)
/* Pack rows [0, kc) of the GB_NB-panel block of U whose first column is jb (nb columns) into
 * panels of NR columns, row by row: a panel whose offsets are consecutive is one copy. */
#define FASTUP_PACK_U(T, NR)                                                                  \
    static void fastup_pack_u_##T##_##NR(ptrdiff_t kc, ptrdiff_t nb, const T *G,              \
                                         const ptrdiff_t *ro, const ptrdiff_t *colofs,        \
                                         T *packed) {                                         \
        ptrdiff_t k, jr, j;                                                                   \
        for (k = 0; k < kc; k++)                                                              \
            for (jr = 0; jr < nb; jr += NR) {                                                 \
                ptrdiff_t nr = nb - jr < NR ? nb - jr : NR;                                   \
                const ptrdiff_t *co = colofs + jr;                                            \
                T *dst = packed + jr * kc + k * NR;                                           \
                if (nr == NR && co[NR - 1] - co[0] == NR - 1) {                               \
                    memcpy(dst, G + ro[k] + co[0], NR * sizeof(T));                           \
                    continue;                                                                 \
                }                                                                             \
                for (j = 0; j < nr; j++) dst[j] = G[ro[k] + co[j]];                           \
                for (; j < NR; j++) dst[j] = 0;                                               \
            }                                                                                 \
    }

/* A small A (at most GB_A_BYTES packed) is packed once and the blocks of C taken one after the
 * other, each summed through all of K in a scratch block (rows GB_LDS apart, whatever C's
 * stride: a power-of-two row stride would put a tile's rows on one cache set) and then added
 * to C; a larger A is packed a block at a time (the usual order), U packed again for each
 * block of A. Either way every element of C is the same sequence of operations. */
#define FASTUP_DRIVER_GB(NAME, T, MR, NR, UK, ATTR)                                           \
    ATTR static int NAME(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const T *A, ptrdiff_t rsa,    \
                         ptrdiff_t csa, const T *G, const ptrdiff_t *rowofs,                  \
                         const ptrdiff_t *colofs, T *C, ptrdiff_t ldc, int accumulate) {      \
        T *Ap, *Apall, *Bp, *Cs;                                                              \
        T tile[MR * NR];                                                                      \
        ptrdiff_t mpad = (M + MR - 1) / MR * MR, lds = FASTUP_GB_LDS(NR);                     \
        ptrdiff_t pc, ic, jb, jr, ir, i, j;                                                   \
        int small = (size_t)mpad * (size_t)K * sizeof(T) <= FASTUP_GB_A_BYTES;                \
        FASTUP_EMPTY_PRODUCT(T)                                                               \
        Apall = (T *)fastup_aligned_malloc(sizeof(T) * (small ? mpad * K                      \
                                                              : FASTUP_MC * FASTUP_KC));      \
        Bp = (T *)fastup_aligned_malloc(sizeof(T) * FASTUP_KC * FASTUP_GB_NB * NR);           \
        Cs = small ? (T *)fastup_aligned_malloc(sizeof(T) * mpad * lds) : NULL;               \
        if (Apall == NULL || Bp == NULL || (small && Cs == NULL)) {                           \
            fastup_aligned_free(Apall);                                                       \
            fastup_aligned_free(Bp);                                                          \
            fastup_aligned_free(Cs);                                                          \
            return -1;                                                                        \
        }                                                                                     \
        if (small) {                                                                          \
            for (pc = 0; pc < K; pc += FASTUP_KC) {                                           \
                ptrdiff_t kc = K - pc < FASTUP_KC ? K - pc : FASTUP_KC;                       \
                for (ic = 0; ic < M; ic += FASTUP_MC) {                                       \
                    ptrdiff_t mc = M - ic < FASTUP_MC ? M - ic : FASTUP_MC;                   \
                    fastup_pack_a_##T##_##MR(mc, kc, A + ic * rsa + pc * csa, rsa, csa,       \
                                             Apall + pc * mpad + ic * kc);                    \
                }                                                                             \
            }                                                                                 \
            for (jb = 0; jb < N; jb += FASTUP_GB_NB * NR) {                                   \
                ptrdiff_t nb = N - jb < FASTUP_GB_NB * NR ? N - jb : FASTUP_GB_NB * NR;       \
                for (pc = 0; pc < K; pc += FASTUP_KC) {                                       \
                    ptrdiff_t kc = K - pc < FASTUP_KC ? K - pc : FASTUP_KC;                   \
                    fastup_pack_u_##T##_##NR(kc, nb, G, rowofs + pc, colofs + jb, Bp);        \
                    for (jr = 0; jr < nb; jr += NR)                                           \
                        for (ir = 0; ir < mpad; ir += MR)                                     \
                            UK##_c(kc, Apall + pc * mpad + ir * kc, Bp + jr * kc,             \
                                   Cs + ir * lds + jr, lds, pc > 0);                          \
                }                                                                             \
                for (i = 0; i < M; i++) {                                                     \
                    T *c = C + i * ldc + jb;                                                  \
                    const T *cs = Cs + i * lds;                                               \
                    if (accumulate)                                                           \
                        for (j = 0; j < nb; j++) c[j] += cs[j];                               \
                    else                                                                      \
                        memcpy(c, cs, (size_t)nb * sizeof(T));                                \
                }                                                                             \
            }                                                                                 \
        } else {                                                                              \
            Ap = Apall;                                                                       \
            for (pc = 0; pc < K; pc += FASTUP_KC) {                                           \
                ptrdiff_t kc = K - pc < FASTUP_KC ? K - pc : FASTUP_KC;                       \
                int add = accumulate || pc > 0;                                               \
                for (ic = 0; ic < M; ic += FASTUP_MC) {                                       \
                    ptrdiff_t mc = M - ic < FASTUP_MC ? M - ic : FASTUP_MC;                   \
                    fastup_pack_a_##T##_##MR(mc, kc, A + ic * rsa + pc * csa, rsa, csa, Ap);  \
                    for (jb = 0; jb < N; jb += FASTUP_GB_NB * NR) {                           \
                        ptrdiff_t nb = N - jb < FASTUP_GB_NB * NR ? N - jb : FASTUP_GB_NB * NR; \
                        fastup_pack_u_##T##_##NR(kc, nb, G, rowofs + pc, colofs + jb, Bp);    \
                        FASTUP_TILES(T, MR, NR, UK, nb, jb)                                        \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        fastup_aligned_free(Apall);                                                           \
        fastup_aligned_free(Bp);                                                              \
        fastup_aligned_free(Cs);                                                              \
        return 0;                                                                             \
    }

#define FASTUP_DRIVER_GA(NAME, T, MR, NR, UK, ATTR)                                           \
    ATTR static int NAME(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const T *G,                   \
                         const ptrdiff_t *rowofs, const ptrdiff_t *colofs, const T *B,        \
                         ptrdiff_t rsb, ptrdiff_t csb, T *C, ptrdiff_t ldc, int accumulate) { \
        T *Bp;                                                                                \
        T tile[MR * NR];                                                                      \
        ptrdiff_t ro[MR];                                                                     \
        ptrdiff_t jc, pc, jr, ir, i, j;                                                       \
        FASTUP_EMPTY_PRODUCT(T)                                                               \
        Bp = (T *)fastup_aligned_malloc(sizeof(T) * FASTUP_KC * (FASTUP_GA_NC + NR));         \
        if (Bp == NULL) return -1;                                                            \
        for (jc = 0; jc < N; jc += FASTUP_GA_NC) {                                            \
            ptrdiff_t nc = N - jc < FASTUP_GA_NC ? N - jc : FASTUP_GA_NC;                     \
            for (pc = 0; pc < K; pc += FASTUP_KC) {                                           \
                ptrdiff_t kc = K - pc < FASTUP_KC ? K - pc : FASTUP_KC;                       \
                int add = accumulate || pc > 0;                                               \
                fastup_pack_b_##T##_##NR(kc, nc, B + pc * rsb + jc * csb, rsb, csb, Bp);      \
                for (jr = 0; jr < nc; jr += NR) {                                             \
                    ptrdiff_t nr = nc - jr < NR ? nc - jr : NR;                               \
                    for (ir = 0; ir < M; ir += MR) {                                          \
                        ptrdiff_t mr = M - ir < MR ? M - ir : MR;                             \
                        for (i = 0; i < MR; i++) ro[i] = rowofs[ir + (i < mr ? i : 0)];       \
                        T *c = C + ir * ldc + jc + jr;                                        \
                        if (mr == MR && nr == NR) {                                           \
                            UK##_ga(kc, G, ro, colofs + pc, Bp + jr * kc, c, ldc, add, NULL); \
                            continue;                                                         \
                        }                                                                     \
                        UK##_ga(kc, G, ro, colofs + pc, Bp + jr * kc, c, ldc, add, tile);     \
                        FASTUP_TILE_OUT(T, NR)                                                \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        fastup_aligned_free(Bp);                                                              \
        return 0;                                                                             \
    }

#if FASTUP_VECTOR_EXT
/* X(i, P) for each row i of a micro-kernel's tile (MR = 6 rows, or 8) */
#define FASTUP_ROWS6(X, P) X(0, P) X(1, P) X(2, P) X(3, P) X(4, P) X(5, P)
#define FASTUP_ROWS8(X, P) FASTUP_ROWS6(X, P) X(6, P) X(7, P)

/* An MR x (2 * W) micro-kernel on vectors V of W elements of type T: 2 MR accumulators, row i
 * in c<i>_0, c<i>_1. The k loop is written once, its operands as parameters: SETUP opens each
 * step, A_AT(i) is the element of row i of A and B_AT points at the 2 * W elements of B of
 * that step. */
#define FASTUP_UK_ZERO(i, V) V c##i##_0 = {0}, c##i##_1 = {0};
#define FASTUP_UK_FMA(i, A_AT)                                                                \
    c##i##_0 += A_AT(i) * b0;                                                                 \
    c##i##_1 += A_AT(i) * b1;
#define FASTUP_UK_LOOP(T, V, W, MR, SETUP, A_AT, B_AT)                                        \
    FASTUP_ROWS##MR(FASTUP_UK_ZERO, V)                                                        \
    ptrdiff_t k;                                                                              \
    for (k = 0; k < kc; k++) {                                                                \
        V b0, b1;                                                                             \
        SETUP                                                                                 \
        memcpy(&b0, B_AT, sizeof(V));                                                         \
        memcpy(&b1, (B_AT) + W, sizeof(V));                                                   \
        FASTUP_ROWS##MR(FASTUP_UK_FMA, A_AT)                                                  \
    }
/* A packed (MR elements per step), or gathered: row i at g<i>_ + colofs[k] */
#define FASTUP_A_PACKED(i) a_[i]
#define FASTUP_A_GATHERED(i) g##i##_[off_]
#define FASTUP_UK_GPTR(i, unused) const __typeof__(*G) *g##i##_ = G + ro[i];
#define FASTUP_UK_BODY(T, V, W, MR)                                                           \
    FASTUP_UK_LOOP(T, V, W, MR, const T *a_ = A + MR * k;, FASTUP_A_PACKED, B + 2 * W * k)

/* row i of the sums added to (add) or stored into C */
#define FASTUP_UK_CROW(i, V)                                                                  \
    {                                                                                         \
        __typeof__(C) row_ = C + (i) * ldc;                                                   \
        const ptrdiff_t w_ = (ptrdiff_t)(sizeof(V) / sizeof(*C));                             \
        if (add) {                                                                            \
            V x0, x1;                                                                         \
            memcpy(&x0, row_, sizeof(V));                                                     \
            memcpy(&x1, row_ + w_, sizeof(V));                                                \
            x0 += c##i##_0;                                                                   \
            x1 += c##i##_1;                                                                   \
            memcpy(row_, &x0, sizeof(V));                                                     \
            memcpy(row_ + w_, &x1, sizeof(V));                                                \
        } else {                                                                              \
            memcpy(row_, &c##i##_0, sizeof(V));                                               \
            memcpy(row_ + w_, &c##i##_1, sizeof(V));                                          \
        }                                                                                     \
    }
/* row i of the sums written to ``tile`` (rows of 2 W) */
#define FASTUP_UK_TROW(i, V)                                                                  \
    {                                                                                         \
        const ptrdiff_t w_ = (ptrdiff_t)(sizeof(V) / sizeof(*tile));                          \
        memcpy(tile + (i) * 2 * w_, &c##i##_0, sizeof(V));                                    \
        memcpy(tile + (i) * 2 * w_ + w_, &c##i##_1, sizeof(V));                               \
    }

/* NAME writes the tile of sums to ``tile``; NAME##_c adds it to (or stores it into) a full tile
 * of C; NAME##_ga reads A in place (row i, step k: G[ro[i] + colofs[k]]) and writes to ``tile``
 * when it is not NULL, else to C. */
#define FASTUP_UKERNEL(NAME, T, V, W, MR, ATTR)                                               \
    ATTR static inline void NAME(ptrdiff_t kc, const T *A, const T *B, T *tile) {             \
        FASTUP_UK_BODY(T, V, W, MR)                                                           \
        FASTUP_ROWS##MR(FASTUP_UK_TROW, V)                                                    \
    }                                                                                         \
    ATTR static inline void NAME##_c(ptrdiff_t kc, const T *A, const T *B, T *C,              \
                                     ptrdiff_t ldc, int add) {                                \
        FASTUP_UK_BODY(T, V, W, MR)                                                           \
        FASTUP_ROWS##MR(FASTUP_UK_CROW, V)                                                    \
    }                                                                                         \
    ATTR static inline void NAME##_ga(ptrdiff_t kc, const T *G, const ptrdiff_t *ro,          \
                                      const ptrdiff_t *colofs, const T *B, T *C,              \
                                      ptrdiff_t ldc, int add, T *tile) {                      \
        FASTUP_ROWS##MR(FASTUP_UK_GPTR, )                                                     \
        FASTUP_UK_LOOP(T, V, W, MR, ptrdiff_t off_ = colofs[k];, FASTUP_A_GATHERED,           \
                       B + 2 * W * k)                                                         \
        if (tile != NULL) {                                                                   \
            FASTUP_ROWS##MR(FASTUP_UK_TROW, V)                                                \
        } else {                                                                              \
            FASTUP_ROWS##MR(FASTUP_UK_CROW, V)                                                \
        }                                                                                     \
    }

/* One copy of the products, named by SUFFIX: MR-row tiles (A packed by the MR-row packers,
 * instantiated before); float on vectors VF of WF elements in panels of NRF = 2 WF columns
 * (whole panels of a transposed B packed by TRF), double on VD of WD in panels of NRD = 2 WD;
 * compiled with the function attributes ATTR. */
#define FASTUP_GEMM_COPY(SUFFIX, MR, VF, WF, NRF, TRF, VD, WD, NRD, ATTR)                     \
    FASTUP_PACK_B(float, NRF, TRF)                                                            \
    FASTUP_PACK_U(float, NRF)                                                                 \
    FASTUP_PACK_B(double, NRD, FASTUP_NO_TRANSPOSE)                                           \
    FASTUP_PACK_U(double, NRD)                                                                \
    FASTUP_UKERNEL(fastup_uk_f_##SUFFIX, float, VF, WF, MR, ATTR)                             \
    FASTUP_UKERNEL(fastup_uk_d_##SUFFIX, double, VD, WD, MR, ATTR)                            \
    FASTUP_DRIVER(fastup_sgemm_##SUFFIX, float, MR, NRF, fastup_uk_f_##SUFFIX, ATTR)          \
    FASTUP_DRIVER(fastup_dgemm_##SUFFIX, double, MR, NRD, fastup_uk_d_##SUFFIX, ATTR)         \
    FASTUP_DRIVER_GB(fastup_sgemm_gb_##SUFFIX, float, MR, NRF, fastup_uk_f_##SUFFIX, ATTR)    \
    FASTUP_DRIVER_GB(fastup_dgemm_gb_##SUFFIX, double, MR, NRD, fastup_uk_d_##SUFFIX, ATTR)   \
    FASTUP_DRIVER_GA(fastup_sgemm_ga_##SUFFIX, float, MR, NRF, fastup_uk_f_##SUFFIX, ATTR)    \
    FASTUP_DRIVER_GA(fastup_dgemm_ga_##SUFFIX, double, MR, NRD, fastup_uk_d_##SUFFIX, ATTR)

typedef float fastup_f4 __attribute__((vector_size(16)));
typedef double fastup_d2 __attribute__((vector_size(16)));
FASTUP_PACK_A(float, 6)
FASTUP_PACK_A(double, 6)
FASTUP_GEMM_COPY(generic, 6, fastup_f4, 4, 8, FASTUP_NO_TRANSPOSE, fastup_d2, 2, 4, )

#if FASTUP_HAVE_AVX2_PATH
typedef float fastup_f8 __attribute__((vector_size(32)));
typedef double fastup_d4 __attribute__((vector_size(32)));
#include <immintrin.h>
/* Whole NR-column panels of a B with unit row stride, 8 x 8 blocks transposed in registers. */
#define FASTUP_PACK_BT(NR, ATTR)                                                              \
    ATTR static ptrdiff_t fastup_pack_bt_f##NR(ptrdiff_t kc, ptrdiff_t nc, const float *B,    \
                                               ptrdiff_t csb, float *packed) {                \
        ptrdiff_t full = nc - nc % NR, jr, k, h, i, j;                                        \
        for (jr = 0; jr < full; jr += NR) {                                                   \
            float *dst = packed + jr * kc;                                                    \
            for (h = 0; h < NR; h += 8) {                                                     \
                const float *src = B + (jr + h) * csb;                                        \
                for (k = 0; k + 8 <= kc; k += 8) {                                            \
                    __m256 r[8], t[8], u[8];                                                  \
                    for (i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * csb + k);        \
                    for (i = 0; i < 8; i += 2) {                                              \
                        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);                            \
                        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);                        \
                    }                                                                         \
                    for (i = 0; i < 8; i += 4) {                                              \
                        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);                       \
                        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);                   \
                        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);               \
                        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);               \
                    }                                                                         \
                    for (i = 0; i < 4; i++) {                                                 \
                        _mm256_storeu_ps(dst + (k + i) * NR + h,                              \
                                         _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));       \
                        _mm256_storeu_ps(dst + (k + i + 4) * NR + h,                          \
                                         _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));       \
                    }                                                                         \
                }                                                                             \
                for (; k < kc; k++)                                                           \
                    for (j = 0; j < 8; j++) dst[k * NR + h + j] = src[j * csb + k];           \
            }                                                                                 \
        }                                                                                     \
        return full;                                                                          \
    }
FASTUP_PACK_BT(16, FASTUP_AVX2)
FASTUP_GEMM_COPY(avx2, 6, fastup_f8, 8, 16, fastup_pack_bt_f16, fastup_d4, 4, 8, FASTUP_AVX2)

/* AVX-512: the same micro-kernel on vectors twice as wide, with 8 rows (8 x 32 floats, 8 x 16
 * doubles): each B vector loaded feeds 8 fused multiply-adds, and channel counts (multiples of
 * 8) fill whole tiles, where 12 rows left a third of a tile empty for 64 channels. */
typedef float fastup_f16 __attribute__((vector_size(64)));
typedef double fastup_d8 __attribute__((vector_size(64)));
FASTUP_PACK_BT(32, FASTUP_AVX2)
FASTUP_PACK_A(float, 8)
FASTUP_PACK_A(double, 8)
FASTUP_GEMM_COPY(avx512, 8, fastup_f16, 16, 32, fastup_pack_bt_f32, fastup_d8, 8, 16,
                 FASTUP_AVX512)
#endif

#else /* no vector extensions: plain loops, 4 x 4 tiles */
#define FASTUP_UKERNEL_PLAIN(NAME, T, MR, NR)                                                 \
    static void NAME(ptrdiff_t kc, const T *A, const T *B, T *tile) {                         \
        ptrdiff_t k, i, j;                                                                    \
        for (i = 0; i < MR * NR; i++) tile[i] = 0;                                            \
        for (k = 0; k < kc; k++)                                                              \
            for (i = 0; i < MR; i++)                                                          \
                for (j = 0; j < NR; j++) tile[i * NR + j] += A[k * MR + i] * B[k * NR + j];   \
    }                                                                                         \
    static void NAME##_c(ptrdiff_t kc, const T *A, const T *B, T *C, ptrdiff_t ldc,           \
                         int add) {                                                           \
        T tile[MR * NR];                                                                      \
        ptrdiff_t i, j;                                                                       \
        NAME(kc, A, B, tile);                                                                 \
        for (i = 0; i < MR; i++)                                                              \
            for (j = 0; j < NR; j++)                                                          \
                C[i * ldc + j] = (add ? C[i * ldc + j] : (T)0) + tile[i * NR + j];            \
    }                                                                                         \
    static void NAME##_ga(ptrdiff_t kc, const T *G, const ptrdiff_t *ro,                      \
                          const ptrdiff_t *colofs, const T *B, T *C, ptrdiff_t ldc, int add,  \
                          T *tile) {                                                          \
        T panel[FASTUP_KC * MR];                                                              \
        ptrdiff_t k, i;                                                                       \
        for (k = 0; k < kc; k++)                                                              \
            for (i = 0; i < MR; i++) panel[k * MR + i] = G[ro[i] + colofs[k]];                \
        if (tile != NULL)                                                                     \
            NAME(kc, panel, B, tile);                                                         \
        else                                                                                  \
            NAME##_c(kc, panel, B, C, ldc, add);                                              \
    }
FASTUP_PACK_A(float, 4)
FASTUP_PACK_B(float, 4, FASTUP_NO_TRANSPOSE)
FASTUP_PACK_A(double, 4)
FASTUP_PACK_B(double, 4, FASTUP_NO_TRANSPOSE)
FASTUP_PACK_U(float, 4)
FASTUP_PACK_U(double, 4)
FASTUP_UKERNEL_PLAIN(fastup_uk_f_generic, float, 4, 4)
FASTUP_UKERNEL_PLAIN(fastup_uk_d_generic, double, 4, 4)
FASTUP_DRIVER(fastup_sgemm_generic, float, 4, 4, fastup_uk_f_generic, )
FASTUP_DRIVER(fastup_dgemm_generic, double, 4, 4, fastup_uk_d_generic, )
FASTUP_DRIVER_GB(fastup_sgemm_gb_generic, float, 4, 4, fastup_uk_f_generic, )
FASTUP_DRIVER_GB(fastup_dgemm_gb_generic, double, 4, 4, fastup_uk_d_generic, )
FASTUP_DRIVER_GA(fastup_sgemm_ga_generic, float, 4, 4, fastup_uk_f_generic, )
FASTUP_DRIVER_GA(fastup_dgemm_ga_generic, double, 4, 4, fastup_uk_d_generic, )
#endif

/* The copy of a product for this machine (_cpu.h). */
#if FASTUP_HAVE_AVX2_PATH
#define FASTUP_PICK(NAME, ARGS)                                                               \
    return fastup_use_avx512() ? NAME##_avx512 ARGS                                           \
           : fastup_use_avx2() ? NAME##_avx2 ARGS                                             \
                               : NAME##_generic ARGS
#else
#define FASTUP_PICK(NAME, ARGS) return NAME##_generic ARGS
#endif

/* The entry points: 0 on success, -1 when the packing buffers cannot be allocated. */
static int fastup_sgemm(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t rsa,
                        ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                        ptrdiff_t ldc, int accumulate) {
    FASTUP_PICK(fastup_sgemm, (M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate));
}

static int fastup_dgemm(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t rsa,
                        ptrdiff_t csa, const double *B, ptrdiff_t rsb, ptrdiff_t csb, double *C,
                        ptrdiff_t ldc, int accumulate) {
    FASTUP_PICK(fastup_dgemm, (M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate));
}

/* The products with an operand read in place (DRIVER_GB, DRIVER_GA above); 0 on success, -1
 * when a packing buffer cannot be allocated. */
static int fastup_sgemm_gb(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t rsa,
                           ptrdiff_t csa, const float *G, const ptrdiff_t *rowofs,
                           const ptrdiff_t *colofs, float *C, ptrdiff_t ldc, int accumulate) {
    FASTUP_PICK(fastup_sgemm_gb, (M, N, K, A, rsa, csa, G, rowofs, colofs, C, ldc, accumulate));
}
static int fastup_dgemm_gb(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t rsa,
                           ptrdiff_t csa, const double *G, const ptrdiff_t *rowofs,
                           const ptrdiff_t *colofs, double *C, ptrdiff_t ldc, int accumulate) {
    FASTUP_PICK(fastup_dgemm_gb, (M, N, K, A, rsa, csa, G, rowofs, colofs, C, ldc, accumulate));
}
static int fastup_sgemm_ga(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *G,
                           const ptrdiff_t *rowofs, const ptrdiff_t *colofs, const float *B,
                           ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc, int accumulate) {
    FASTUP_PICK(fastup_sgemm_ga, (M, N, K, G, rowofs, colofs, B, rsb, csb, C, ldc, accumulate));
}
static int fastup_dgemm_ga(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *G,
                           const ptrdiff_t *rowofs, const ptrdiff_t *colofs, const double *B,
                           ptrdiff_t rsb, ptrdiff_t csb, double *C, ptrdiff_t ldc,
                           int accumulate) {
    FASTUP_PICK(fastup_dgemm_ga, (M, N, K, G, rowofs, colofs, B, rsb, csb, C, ldc, accumulate));
}

#endif
