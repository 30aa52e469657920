/* One pass of a peer library's fixed-point resize (fastup.compat): integer weights, integer
 * sums, the peer's rounding and clipping, so that fastup.compat reproduces Pillow's, PyTorch's
 * and OpenCV's integer results bit for bit at compiled speed.
 *
 * Along one axis of a C-contiguous array seen as (P, L, I) -> (P, M, I):
 *
 *     acc = 2**(shift - 1) (0 when shift is 0) + sum_t q[m, t] * src[p, start[m] + t, i]
 *     dst[p, m, i] = min(max(acc >> shift, lo), hi)
 *
 * The shift is arithmetic (it floors negative sums, as the peers' C does). Every tap lies
 * inside the axis (the caller re-anchors windows that a peer pads past the end with zero
 * weights). Sources are uint8 (sums in int32, as the peers compute them; the caller
 * checks that they cannot overflow) or int32 (sums in int64); results uint8 or int32.
 *
 * Rows of the output (p, m) are independent: fastup_pf_rows computes rows [r0, r1).
 */
#ifndef FASTUP_PEER_FIXED_H
#define FASTUP_PEER_FIXED_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_cpu.h"
#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>
#endif

typedef struct {
    ptrdiff_t P, L, M, I, T;
    const ptrdiff_t *start; /* M */
    const int32_t *q;       /* M * T */
    int shift;
    int64_t lo, hi;
    int src32, dst32;       /* int32 source / result (else uint8) */
    int q16;                /* every weight fits int16: the vector copies may pair taps */
    const uint8_t *src_end; /* one past the source's last byte (the vector loads stay below) */
} fastup_pf;

static inline int64_t fastup_pf_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* uint8 -> int32 sums of one output row, I elements */
static void fastup_pf_row_u8(const fastup_pf *j, const uint8_t *src, ptrdiff_t p, ptrdiff_t m,
                             int32_t *acc)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)1 << (j->shift - 1) : 0;
    const int32_t *q = j->q + m * T;
    const uint8_t *base = src + (p * j->L + j->start[m]) * I;
    for (ptrdiff_t i = 0; i < I; i++)
        acc[i] = bias;
    for (ptrdiff_t t = 0; t < T; t++) {
        const int32_t w = q[t];
        if (w == 0)
            continue;
        const uint8_t *s = base + t * I;
        for (ptrdiff_t i = 0; i < I; i++)
            acc[i] += w * (int32_t)s[i];
    }
}

#if FASTUP_HAVE_AVX2_PATH
/* The same sums with AVX2 (the integers are exact in any order: the same bits). */
FASTUP_AVX2 static void fastup_pf_row_u8_avx2(const fastup_pf *j, const uint8_t *src,
                                              ptrdiff_t p, ptrdiff_t m, int32_t *acc)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)1 << (j->shift - 1) : 0;
    const int32_t *q = j->q + m * T;
    const uint8_t *base = src + (p * j->L + j->start[m]) * I;
    ptrdiff_t i = 0;
    for (; i + 8 <= I; i += 8) {
        __m256i a = _mm256_set1_epi32(bias);
        for (ptrdiff_t t = 0; t < T; t++) {
            const __m256i x = _mm256_cvtepu8_epi32(
                _mm_loadl_epi64((const __m128i *)(base + t * I + i)));
            a = _mm256_add_epi32(a, _mm256_mullo_epi32(x, _mm256_set1_epi32(q[t])));
        }
        _mm256_storeu_si256((__m256i *)(acc + i), a);
    }
    for (; i < I; i++) {
        int32_t a = bias;
        for (ptrdiff_t t = 0; t < T; t++)
            a += q[t] * (int32_t)base[t * I + i];
        acc[i] = a;
    }
}

/* One output pixel of 3 or 4 uint8 channels with int16 weights: two taps at a time, their
 * bytes paired by channel (pshufb) and multiplied-added by the weight pair (pmaddwd). */
FASTUP_AVX2 static void fastup_pf_pixels_q16_avx2(const fastup_pf *j, const uint8_t *src,
                                                  uint8_t *dst8, int32_t *dst32, ptrdiff_t p,
                                                  ptrdiff_t m0, ptrdiff_t m1)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)1 << (j->shift - 1) : 0;
    /* bytes [c of pixel t, c of pixel t + 1] for c < I, as 16-bit lanes; -1 clears */
    const __m128i pair = I == 4 ? _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3,
                                                -1, 7, -1)
                                : _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1,
                                                -1, -1, -1);
    for (ptrdiff_t m = m0; m < m1; m++) {
        const int32_t *q = j->q + m * T;
        const uint8_t *s = src + (p * j->L + j->start[m]) * I;
        __m128i a = _mm_set1_epi32(bias);
        ptrdiff_t t = 0;
        for (; t + 1 < T && s + I * t + 8 <= j->src_end; t += 2) {
            const __m128i x = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)(s + I * t)),
                                               pair);
            const __m128i w = _mm_set1_epi32((int32_t)((uint32_t)(uint16_t)q[t] |
                                                       ((uint32_t)(uint16_t)q[t + 1] << 16)));
            a = _mm_add_epi32(a, _mm_madd_epi16(x, w));
        }
        int32_t acc[4];
        _mm_storeu_si128((__m128i *)acc, a);
        for (; t < T; t++)
            for (ptrdiff_t c = 0; c < I; c++)
                acc[c] += q[t] * (int32_t)s[I * t + c];
        const ptrdiff_t o = (p * j->M + m) * I;
        for (ptrdiff_t c = 0; c < I; c++) {
            int64_t v = fastup_pf_clamp((int64_t)(acc[c] >> j->shift), j->lo, j->hi);
            if (j->dst32)
                dst32[o + c] = (int32_t)v;
            else
                dst8[o + c] = (uint8_t)v;
        }
    }
}

/* Four rows p0..p0+3 at once (the same weights: four independent sums per output, which hide
 * pmaddwd's latency), every output of the axis; uint8 results. An odd last tap is paired with
 * a zero weight (its partner's byte is read, inside the source, and multiplied by 0). */
FASTUP_AVX2 static void fastup_pf_pixels4_q16_avx2(const fastup_pf *j, const uint8_t *src,
                                                   uint8_t *dst8, int32_t *dst32, ptrdiff_t p0)
{
    const ptrdiff_t I = j->I, T = j->T, L = j->L, M = j->M;
    const int32_t bias = j->shift ? (int32_t)1 << (j->shift - 1) : 0;
    const __m128i pair = I == 4 ? _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3,
                                                -1, 7, -1)
                                : _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1,
                                                -1, -1, -1);
    const __m128i count = _mm_cvtsi32_si128(j->shift);
    /* the result's bounds (int32 results: the caller's, within int32) */
    const __m128i lo = _mm_set1_epi32((int32_t)(j->lo < INT32_MIN ? INT32_MIN : j->lo));
    const __m128i hi = _mm_set1_epi32((int32_t)(j->hi > INT32_MAX ? INT32_MAX : j->hi));
    const uint8_t *row[4];
    for (int k = 0; k < 4; k++)
        row[k] = src + (p0 + k) * L * I;
    for (ptrdiff_t m = 0; m < M; m++) {
        const int32_t *q = j->q + m * T;
        const ptrdiff_t first = j->start[m] * I;
        __m128i a[4];
        for (int k = 0; k < 4; k++)
            a[k] = _mm_set1_epi32(bias);
        ptrdiff_t t = 0;
        /* the last row's 8-byte loads must stay inside the source */
        for (; t < T && row[3] + first + I * t + 8 <= j->src_end; t += 2) {
            const int32_t second = t + 1 < T ? q[t + 1] : 0;
            const __m128i w = _mm_set1_epi32((int32_t)((uint32_t)(uint16_t)q[t] |
                                                       ((uint32_t)(uint16_t)second << 16)));
            const ptrdiff_t o = first + I * t;
            for (int k = 0; k < 4; k++) {
                const __m128i x = _mm_shuffle_epi8(
                    _mm_loadl_epi64((const __m128i *)(row[k] + o)), pair);
                a[k] = _mm_add_epi32(a[k], _mm_madd_epi16(x, w));
            }
        }
        int32_t acc[4][4];
        for (int k = 0; k < 4; k++)
            _mm_storeu_si128((__m128i *)acc[k], a[k]);
        for (; t < T; t++)
            for (int k = 0; k < 4; k++)
                for (ptrdiff_t c = 0; c < I; c++)
                    acc[k][c] += q[t] * (int32_t)row[k][first + I * t + c];
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_sra_epi32(_mm_loadu_si128((const __m128i *)acc[k]), count);
            v = _mm_min_epi32(_mm_max_epi32(v, lo), hi);
            if (j->dst32) {
                int32_t lanes[4];
                _mm_storeu_si128((__m128i *)lanes, v);
                memcpy(dst32 + ((p0 + k) * M + m) * I, lanes, (size_t)I * sizeof(int32_t));
            } else {
                v = _mm_packus_epi16(_mm_packs_epi32(v, v), v);
                const int32_t bytes = _mm_cvtsi128_si32(v);
                memcpy(dst8 + ((p0 + k) * M + m) * I, &bytes, (size_t)I);
            }
        }
    }
}
#endif

/* int32 -> int64 sums of one output row */
static void fastup_pf_row_i32(const fastup_pf *j, const int32_t *src, ptrdiff_t p, ptrdiff_t m,
                              int64_t *acc)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int64_t bias = j->shift ? (int64_t)1 << (j->shift - 1) : 0;
    const int32_t *q = j->q + m * T;
    const int32_t *base = src + (p * j->L + j->start[m]) * I;
    for (ptrdiff_t i = 0; i < I; i++)
        acc[i] = bias;
    for (ptrdiff_t t = 0; t < T; t++) {
        const int64_t w = q[t];
        if (w == 0)
            continue;
        const int32_t *s = base + t * I;
        for (ptrdiff_t i = 0; i < I; i++)
            acc[i] += w * (int64_t)s[i];
    }
}

/* Small rows (the channels of one pixel, I <= 4): every output of the axis in one go, the sums
 * in registers. */
static void fastup_pf_pixels_u8(const fastup_pf *j, const uint8_t *src, uint8_t *dst8,
                                int32_t *dst32, ptrdiff_t p, ptrdiff_t m0, ptrdiff_t m1)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)1 << (j->shift - 1) : 0;
    for (ptrdiff_t m = m0; m < m1; m++) {
        const int32_t *q = j->q + m * T;
        const uint8_t *s = src + (p * j->L + j->start[m]) * I;
        int32_t a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        if (I == 1) {
            for (ptrdiff_t t = 0; t < T; t++)
                a0 += q[t] * (int32_t)s[t];
        } else if (I == 2) {
            for (ptrdiff_t t = 0; t < T; t++) {
                a0 += q[t] * (int32_t)s[2 * t];
                a1 += q[t] * (int32_t)s[2 * t + 1];
            }
        } else if (I == 3) {
            for (ptrdiff_t t = 0; t < T; t++) {
                a0 += q[t] * (int32_t)s[3 * t];
                a1 += q[t] * (int32_t)s[3 * t + 1];
                a2 += q[t] * (int32_t)s[3 * t + 2];
            }
        } else {
            for (ptrdiff_t t = 0; t < T; t++) {
                a0 += q[t] * (int32_t)s[4 * t];
                a1 += q[t] * (int32_t)s[4 * t + 1];
                a2 += q[t] * (int32_t)s[4 * t + 2];
                a3 += q[t] * (int32_t)s[4 * t + 3];
            }
        }
        int32_t a[4] = {a0, a1, a2, a3};
        const ptrdiff_t o = (p * j->M + m) * I;
        for (ptrdiff_t i = 0; i < I; i++) {
            int64_t v = fastup_pf_clamp((int64_t)(a[i] >> j->shift), j->lo, j->hi);
            if (j->dst32)
                dst32[o + i] = (int32_t)v;
            else
                dst8[o + i] = (uint8_t)v;
        }
    }
}

static int fastup_pf_rows(const fastup_pf *j, const void *src, void *dst, ptrdiff_t r0,
                          ptrdiff_t r1)
{
    const ptrdiff_t I = j->I, M = j->M;
    uint8_t *dst8 = (uint8_t *)dst;
    int32_t *dst32 = (int32_t *)dst;
    if (!j->src32 && I <= 4) {
#if FASTUP_HAVE_AVX2_PATH
        const int paired = j->q16 && (I == 3 || I == 4) && fastup_use_avx2();
#endif
        for (ptrdiff_t r = r0; r < r1;) {
            const ptrdiff_t p = r / M, m = r % M;
            const ptrdiff_t m1 = (M < m + (r1 - r)) ? M : m + (r1 - r);
#if FASTUP_HAVE_AVX2_PATH
            if (paired && m == 0 && r + 4 * M <= r1) { /* four whole rows */
                fastup_pf_pixels4_q16_avx2(j, (const uint8_t *)src, dst8, dst32, p);
                r += 4 * M;
                continue;
            }
            if (paired)
                fastup_pf_pixels_q16_avx2(j, (const uint8_t *)src, dst8, dst32, p, m, m1);
            else
#endif
                fastup_pf_pixels_u8(j, (const uint8_t *)src, dst8, dst32, p, m, m1);
            r += m1 - m;
        }
        return 0;
    }
#if FASTUP_HAVE_AVX2_PATH
    const int avx2 = fastup_use_avx2();
#endif
    void *buffer = malloc((size_t)I * (j->src32 ? sizeof(int64_t) : sizeof(int32_t)));
    if (buffer == NULL)
        return -1;
    for (ptrdiff_t r = r0; r < r1; r++) {
        const ptrdiff_t p = r / M, m = r % M;
        const ptrdiff_t o = r * I;
        if (j->src32) {
            int64_t *acc = (int64_t *)buffer;
            fastup_pf_row_i32(j, (const int32_t *)src, p, m, acc);
            for (ptrdiff_t i = 0; i < I; i++) {
                int64_t v = fastup_pf_clamp(acc[i] >> j->shift, j->lo, j->hi);
                if (j->dst32)
                    dst32[o + i] = (int32_t)v;
                else
                    dst8[o + i] = (uint8_t)v;
            }
        } else {
            int32_t *acc = (int32_t *)buffer;
#if FASTUP_HAVE_AVX2_PATH
            if (avx2)
                fastup_pf_row_u8_avx2(j, (const uint8_t *)src, p, m, acc);
            else
#endif
                fastup_pf_row_u8(j, (const uint8_t *)src, p, m, acc);
            if (j->dst32) {
                for (ptrdiff_t i = 0; i < I; i++)
                    dst32[o + i] = (int32_t)fastup_pf_clamp(acc[i] >> j->shift, j->lo, j->hi);
            } else {
                const int32_t lo = (int32_t)j->lo, hi = (int32_t)j->hi;
                for (ptrdiff_t i = 0; i < I; i++) {
                    int32_t v = acc[i] >> j->shift;
                    dst8[o + i] = (uint8_t)(v < lo ? lo : (v > hi ? hi : v));
                }
            }
        }
    }
    free(buffer);
    return 0;
}

/* OpenCV's uint8 INTER_LINEAR vertical pass (its vector arithmetic, which the scalar one
 * equals): out = clip((((s0 >> 4) * b0) >> 16) + (((s1 >> 4) * b1) >> 16) + 2) >> 2) for the
 * two int32 rows s0 = src[y0[m]], s1 = src[y1[m]] of I elements (the horizontal sums) and
 * the 11-bit weights b0, b1 of output row m. */
typedef struct {
    ptrdiff_t L, M, I;
    const ptrdiff_t *y0, *y1;
    const int32_t *b0, *b1;
} fastup_cvl;

static int fastup_cvl_rows(const fastup_cvl *j, const void *src, void *dst, ptrdiff_t r0,
                           ptrdiff_t r1)
{
    const int32_t *h = (const int32_t *)src;
    uint8_t *out = (uint8_t *)dst;
    for (ptrdiff_t m = r0; m < r1; m++) {
        const int32_t *s0 = h + j->y0[m] * j->I, *s1 = h + j->y1[m] * j->I;
        const int32_t b0 = j->b0[m], b1 = j->b1[m];
        uint8_t *o = out + m * j->I;
        for (ptrdiff_t i = 0; i < j->I; i++) {
            int32_t v = ((((s0[i] >> 4) * b0) >> 16) + (((s1[i] >> 4) * b1) >> 16) + 2) >> 2;
            o[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
    }
    return 0;
}

#endif
