/* mode="majority": each output takes the value that covers the largest share of its footprint
 * (the box of mode "area", input elements weighted by their overlap), ties to the smallest
 * value. For label images: no value is ever invented.
 *
 * The array is seen as ndim axes (neighbouring axes that are not resized merged into one,
 * with an identity table). Along axis a, output o reads the input indices start[a][o] + t,
 * t < T[a], with integer weights w[a][o * T[a] + t] (the area weights on a grid of 2**-bits,
 * fastup._resize); the weight of a footprint element is the product of its axes' weights,
 * summed per value in int64 (the caller bounds the sums below 2**62). Values are compared as
 * unsigned keys: signed values with their sign bit flipped, which keeps their order.
 *
 * Rows of the output (every index but the last axis's) are independent: fastup_mj_rows
 * computes rows [r0, r1).
 */
#ifndef FASTUP_MAJORITY_H
#define FASTUP_MAJORITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FASTUP_MJ_MAXDIM 32

typedef struct {
    int ndim;
    ptrdiff_t out_len[FASTUP_MJ_MAXDIM];
    ptrdiff_t T[FASTUP_MJ_MAXDIM];
    ptrdiff_t stride[FASTUP_MJ_MAXDIM]; /* of the input, in elements */
    const ptrdiff_t *start[FASTUP_MJ_MAXDIM];
    const int64_t *w[FASTUP_MJ_MAXDIM];
    int itemsize; /* 1, 2, 4 or 8 */
    int is_signed;
    ptrdiff_t F; /* footprint elements: the product of the T */
} fastup_mj;

static inline uint64_t fastup_mj_key(const fastup_mj *j, const void *src, ptrdiff_t k)
{
    switch (j->itemsize) {
    case 1:
        return ((const uint8_t *)src)[k] ^ (j->is_signed ? 0x80u : 0u);
    case 2:
        return ((const uint16_t *)src)[k] ^ (j->is_signed ? 0x8000u : 0u);
    case 4:
        return ((const uint32_t *)src)[k] ^ (j->is_signed ? 0x80000000u : 0u);
    default:
        return ((const uint64_t *)src)[k] ^ (j->is_signed ? 0x8000000000000000ull : 0ull);
    }
}

static inline void fastup_mj_store(const fastup_mj *j, void *dst, ptrdiff_t k, uint64_t key)
{
    switch (j->itemsize) {
    case 1:
        ((uint8_t *)dst)[k] = (uint8_t)(key ^ (j->is_signed ? 0x80u : 0u));
        break;
    case 2:
        ((uint16_t *)dst)[k] = (uint16_t)(key ^ (j->is_signed ? 0x8000u : 0u));
        break;
    case 4:
        ((uint32_t *)dst)[k] = (uint32_t)(key ^ (j->is_signed ? 0x80000000u : 0u));
        break;
    default:
        ((uint64_t *)dst)[k] = key ^ (j->is_signed ? 0x8000000000000000ull : 0ull);
    }
}

/* Two axes (label images): the same definition with the loops written out for each item
 * type, no odometer. */
#define FASTUP_MJ_PLANE(NAME, TYPE, FLIP)                                                     \
    static void NAME(const fastup_mj *j, const TYPE *src, TYPE *dst, ptrdiff_t r0,            \
                     ptrdiff_t r1, TYPE *keys, int64_t *sums)                                 \
    {                                                                                         \
        const ptrdiff_t W = j->stride[0], Ty = j->T[0], Tx = j->T[1], Mx = j->out_len[1];     \
        for (ptrdiff_t oy = r0; oy < r1; oy++) {                                              \
            const int64_t *wy = j->w[0] + oy * Ty;                                            \
            const TYPE *top = src + j->start[0][oy] * W;                                      \
            for (ptrdiff_t ox = 0; ox < Mx; ox++) {                                           \
                const int64_t *wx = j->w[1] + ox * Tx;                                        \
                const TYPE *corner = top + j->start[1][ox];                                   \
                if (Ty == 2 && Tx == 2 && wy[0] == wy[1] && wx[0] == wx[1] && wy[0] != 0 &&   \
                    wx[0] != 0) { /* a 2 x 2 box of equal weights: count, ties smallest */   \
                    const TYPE v[4] = {(TYPE)(corner[0] ^ (FLIP)), (TYPE)(corner[1] ^ (FLIP)), \
                                       (TYPE)(corner[W] ^ (FLIP)),                            \
                                       (TYPE)(corner[W + 1] ^ (FLIP))};                       \
                    TYPE pick = v[0];                                                         \
                    int most = 0;                                                             \
                    for (int a = 0; a < 4; a++) {                                             \
                        const int n = (v[a] == v[0]) + (v[a] == v[1]) + (v[a] == v[2]) +      \
                                      (v[a] == v[3]);                                         \
                        if (n > most || (n == most && v[a] < pick)) {                         \
                            most = n;                                                         \
                            pick = v[a];                                                      \
                        }                                                                     \
                    }                                                                         \
                    dst[oy * Mx + ox] = (TYPE)(pick ^ (FLIP));                                \
                    continue;                                                                 \
                }                                                                             \
                ptrdiff_t distinct = 0;                                                       \
                for (ptrdiff_t ty = 0; ty < Ty; ty++) {                                       \
                    if (wy[ty] == 0)                                                          \
                        continue;                                                             \
                    const TYPE *row = corner + ty * W;                                        \
                    for (ptrdiff_t tx = 0; tx < Tx; tx++) {                                   \
                        const int64_t weight = wy[ty] * wx[tx];                               \
                        if (weight == 0)                                                      \
                            continue;                                                         \
                        const TYPE key = (TYPE)(row[tx] ^ (FLIP));                            \
                        ptrdiff_t d = 0;                                                      \
                        while (d < distinct && keys[d] != key)                                \
                            d++;                                                              \
                        if (d == distinct) {                                                  \
                            keys[d] = key;                                                    \
                            sums[d] = 0;                                                      \
                            distinct++;                                                       \
                        }                                                                     \
                        sums[d] += weight;                                                    \
                    }                                                                         \
                }                                                                             \
                ptrdiff_t best = 0;                                                           \
                for (ptrdiff_t d = 1; d < distinct; d++)                                      \
                    if (sums[d] > sums[best] || (sums[d] == sums[best] && keys[d] < keys[best])) \
                        best = d;                                                             \
                dst[oy * Mx + ox] = (TYPE)((distinct ? keys[best] : 0) ^ (FLIP));             \
            }                                                                                 \
        }                                                                                     \
    }

FASTUP_MJ_PLANE(fastup_mj_plane_u8, uint8_t, 0)
FASTUP_MJ_PLANE(fastup_mj_plane_i8, uint8_t, 0x80u)
FASTUP_MJ_PLANE(fastup_mj_plane_u16, uint16_t, 0)
FASTUP_MJ_PLANE(fastup_mj_plane_i16, uint16_t, 0x8000u)
FASTUP_MJ_PLANE(fastup_mj_plane_u32, uint32_t, 0)
FASTUP_MJ_PLANE(fastup_mj_plane_i32, uint32_t, 0x80000000u)
FASTUP_MJ_PLANE(fastup_mj_plane_u64, uint64_t, 0)
FASTUP_MJ_PLANE(fastup_mj_plane_i64, uint64_t, 0x8000000000000000ull)
#undef FASTUP_MJ_PLANE

static int fastup_mj_plane(const fastup_mj *j, const void *src, void *dst, ptrdiff_t r0,
                           ptrdiff_t r1)
{
    void *keys = malloc((size_t)j->F * 8);
    int64_t *sums = (int64_t *)malloc((size_t)j->F * sizeof(int64_t));
    if (keys == NULL || sums == NULL) {
        free(keys);
        free(sums);
        return -1;
    }
#define FASTUP_MJ_CALL(U, I, TYPE)                                                            \
    (j->is_signed ? I(j, (const TYPE *)src, (TYPE *)dst, r0, r1, (TYPE *)keys, sums)          \
                  : U(j, (const TYPE *)src, (TYPE *)dst, r0, r1, (TYPE *)keys, sums))
    switch (j->itemsize) {
    case 1:
        FASTUP_MJ_CALL(fastup_mj_plane_u8, fastup_mj_plane_i8, uint8_t);
        break;
    case 2:
        FASTUP_MJ_CALL(fastup_mj_plane_u16, fastup_mj_plane_i16, uint16_t);
        break;
    case 4:
        FASTUP_MJ_CALL(fastup_mj_plane_u32, fastup_mj_plane_i32, uint32_t);
        break;
    default:
        FASTUP_MJ_CALL(fastup_mj_plane_u64, fastup_mj_plane_i64, uint64_t);
    }
#undef FASTUP_MJ_CALL
    free(keys);
    free(sums);
    return 0;
}

static int fastup_mj_rows(const fastup_mj *j, const void *src, void *dst, ptrdiff_t r0,
                          ptrdiff_t r1)
{
    const int n = j->ndim, last = n - 1;
    if (n == 2)
        return fastup_mj_plane(j, src, dst, r0, r1);
    const ptrdiff_t width = j->out_len[last];
    uint64_t *keys = (uint64_t *)malloc((size_t)j->F * sizeof(uint64_t));
    int64_t *sums = (int64_t *)malloc((size_t)j->F * sizeof(int64_t));
    if (keys == NULL || sums == NULL) {
        free(keys);
        free(sums);
        return -1;
    }
    ptrdiff_t o[FASTUP_MJ_MAXDIM], t[FASTUP_MJ_MAXDIM];
    for (ptrdiff_t r = r0; r < r1; r++) {
        ptrdiff_t rest = r;
        for (int a = last - 1; a >= 0; a--) {
            o[a] = rest % j->out_len[a];
            rest /= j->out_len[a];
        }
        for (ptrdiff_t ol = 0; ol < width; ol++) {
            o[last] = ol;
            ptrdiff_t distinct = 0;
            for (int a = 0; a < n; a++)
                t[a] = 0;
            for (;;) {
                int64_t weight = 1;
                ptrdiff_t offset = 0;
                for (int a = 0; a < n; a++) {
                    weight *= j->w[a][o[a] * j->T[a] + t[a]];
                    offset += (j->start[a][o[a]] + t[a]) * j->stride[a];
                }
                if (weight != 0) {
                    const uint64_t key = fastup_mj_key(j, src, offset);
                    ptrdiff_t d = 0;
                    while (d < distinct && keys[d] != key)
                        d++;
                    if (d == distinct) {
                        keys[d] = key;
                        sums[d] = 0;
                        distinct++;
                    }
                    sums[d] += weight;
                }
                int a = last;
                while (a >= 0 && ++t[a] == j->T[a]) {
                    t[a] = 0;
                    a--;
                }
                if (a < 0)
                    break;
            }
            ptrdiff_t best = 0;
            for (ptrdiff_t d = 1; d < distinct; d++)
                if (sums[d] > sums[best] || (sums[d] == sums[best] && keys[d] < keys[best]))
                    best = d;
            fastup_mj_store(j, dst, r * width + ol, distinct ? keys[best] : 0);
        }
    }
    free(keys);
    free(sums);
    return 0;
}

#endif
