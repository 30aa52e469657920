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
 * The AVX2 copy multiplies pairs of taps by pairs of int16 weights (pmaddwd) and sums in
 * int32. Weights beyond int16 (Pillow's 22-bit ones) are split, w = 2**15 hi + lo with
 * 0 <= lo < 2**15, and both halves summed: sum = 2**15 sum(hi x) + sum(lo x). Every step is
 * exact modulo 2**32 and the caller's sums fit int32, so the result is the exact sum in any
 * order: the same bits as the portable copy. Pixels of 1 to 4 channels (the pass along the
 * width of an image) take 16, 8 or 4 taps per step from one 16-byte load, their bytes
 * rearranged by pshufb into (tap, next tap) pairs of each channel; longer rows (the pass
 * along the height) take 16 elements of two rows per step, interleaved.
 *
 * Rows of the output (p, m) are independent: fastup_pf_rows computes rows [r0, r1).
 */
#ifndef FASTUP_PEER_FIXED_H
#define FASTUP_PEER_FIXED_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_cpu.h"
#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>
#endif

/* padded tap count of the int16 weight tables: a multiple of 16, the widest step */
#define FASTUP_PF_PAD(T) ((((T) + 15) / 16) * 16)

typedef struct {
    ptrdiff_t P, L, M, I, T;
    const ptrdiff_t *start; /* M */
    const int32_t *q;       /* M * T */
    int shift;
    int64_t lo, hi;
    int src32, dst32;       /* int32 source / result (else uint8) */
    int vec;                /* 1: int16 weights; 2: split weights (|w| < 2**30); 0: neither */
    ptrdiff_t Tp;           /* FASTUP_PF_PAD(T) */
    const int16_t *wlo;     /* M * Tp: the weights (vec 1) or their low 15 bits (vec 2), 0-padded */
    const int16_t *whi;     /* M * Tp: w >> 15 (vec 2) */
    ptrdiff_t steps;        /* pixels (I <= 4): steps of 8 / G taps per output */
    const int32_t *plo;     /* pixels: ceil(M / 2) * steps * 8 weight pairs (below) */
    const int32_t *phi;     /* the same of the high parts (vec 2) */
    void *owned;            /* the tables' memory (fastup_pf_prepare / fastup_pf_release) */
    const uint8_t *src_end; /* one past the source's last byte (the vector loads stay below) */
} fastup_pf;

/* lanes per pixel in the AVX2 copy: 1, 2 or 4 (3 channels as 4, the fourth weighted 0) */
static inline int fastup_pf_lanes(ptrdiff_t I) { return I == 3 ? 4 : (int)I; }

static inline int32_t fastup_pf_pair(int16_t a, int16_t b)
{
    return (int32_t)((uint32_t)(uint16_t)a | ((uint32_t)(uint16_t)b << 16));
}

/* The weight tables of the AVX2 copy; vec from the weights' range (0: none needed). Rows
 * (I > 4): each output's weights as int16 (whole, or low 15 bits and the rest), 0-padded to
 * Tp taps. Pixels (I <= 4): two outputs m = 2n, 2n + 1 side by side (128-bit lanes 0 and 1),
 * 8 / G taps per step: int32 lane i of a 128-bit lane holds the pair of weights of taps
 * (k S + 2 (i / G), + 1), S = 8 / G, for channel i % G (0 past the window or past M).
 * Returns -1 when out of memory. */
static int fastup_pf_prepare(fastup_pf *j)
{
    const ptrdiff_t M = j->M, T = j->T, Tp = FASTUP_PF_PAD(j->T);
    int fits16 = 1, fits30 = 1;
    for (ptrdiff_t k = 0; k < M * T; k++) {
        const int32_t w = j->q[k];
        fits16 &= w >= -32768 && w <= 32767;
        fits30 &= w > -(1 << 30) && w < (1 << 30);
    }
    j->vec = fits16 ? 1 : (fits30 ? 2 : 0);
    j->Tp = Tp;
    const int G = j->I <= 4 ? fastup_pf_lanes(j->I) : 1, S = 8 / G;
    j->steps = j->I <= 4 ? (T + S - 1) / S : 0;
    const ptrdiff_t Mh = (M + 1) / 2, npix = Mh * j->steps * 8;
    const size_t bytes =
        (size_t)(2 * M * Tp) * sizeof(int16_t) + (size_t)(2 * npix) * sizeof(int32_t);
    j->owned = calloc(bytes, 1);
    if (j->owned == NULL)
        return -1;
    int32_t *plo = (int32_t *)j->owned, *phi = plo + npix;
    int16_t *wlo = (int16_t *)(phi + npix), *whi = wlo + M * Tp;
    j->plo = plo;
    j->phi = phi;
    j->wlo = wlo;
    j->whi = whi;
    if (j->vec == 0)
        return 0;
    for (ptrdiff_t m = 0; m < M; m++)
        for (ptrdiff_t t = 0; t < T; t++) {
            const int32_t w = j->q[m * T + t];
            wlo[m * Tp + t] = (int16_t)(j->vec == 1 ? w : (w & 0x7fff));
            whi[m * Tp + t] = (int16_t)(j->vec == 1 ? 0 : (w >> 15)); /* arithmetic: floors */
        }
    if (j->I > 4)
        return 0;
    for (ptrdiff_t m = 0; m < M; m++)
        for (ptrdiff_t k = 0; k < j->steps; k++)
            for (int i = 0; i < 4; i++) {
                const ptrdiff_t t = k * S + 2 * (i / G);
                const ptrdiff_t at = ((m / 2) * j->steps + k) * 8 + (m % 2) * 4 + i;
                const int16_t *l = wlo + m * Tp + t, *h = whi + m * Tp + t;
                /* t + 1 < Tp: Tp is even and t is */
                plo[at] = fastup_pf_pair(l[0], l[1]);
                phi[at] = fastup_pf_pair(h[0], h[1]);
            }
    return 0;
}

static void fastup_pf_release(fastup_pf *j)
{
    free(j->owned);
    j->owned = NULL;
}

static inline int64_t fastup_pf_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* one result: the shifted sum v clipped to [lo, hi], stored as uint8 or int32 */
static inline void fastup_pf_put(const fastup_pf *j, uint8_t *dst8, int32_t *dst32, ptrdiff_t o,
                                 int64_t v)
{
    v = fastup_pf_clamp(v, j->lo, j->hi);
    if (j->dst32)
        dst32[o] = (int32_t)v;
    else
        dst8[o] = (uint8_t)v;
}

/* ---- the portable copy --------------------------------------------------------------------- */

/* uint8 -> int32 sums of one output row, I elements */
static void fastup_pf_row_u8(const fastup_pf *j, const uint8_t *src, ptrdiff_t p, ptrdiff_t m,
                             int32_t *acc)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)((uint32_t)1 << (j->shift - 1)) : 0;
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

/* Small rows (the channels of one pixel, I <= 4): each output's sums in registers. */
static void fastup_pf_pixels_u8(const fastup_pf *j, const uint8_t *src, uint8_t *dst8,
                                int32_t *dst32, ptrdiff_t p, ptrdiff_t m0, ptrdiff_t m1)
{
    const ptrdiff_t I = j->I, T = j->T;
    const int32_t bias = j->shift ? (int32_t)((uint32_t)1 << (j->shift - 1)) : 0;
    for (ptrdiff_t m = m0; m < m1; m++) {
        const int32_t *q = j->q + m * T;
        const uint8_t *s = src + (p * j->L + j->start[m]) * I;
        int32_t a[4] = {bias, bias, bias, bias};
        for (ptrdiff_t t = 0; t < T; t++)
            for (ptrdiff_t i = 0; i < I; i++)
                a[i] += q[t] * (int32_t)s[I * t + i];
        const ptrdiff_t o = (p * j->M + m) * I;
        for (ptrdiff_t i = 0; i < I; i++) {
            fastup_pf_put(j, dst8, dst32, o + i, (int64_t)(a[i] >> j->shift));
        }
    }
}

#if FASTUP_HAVE_AVX2_PATH
/* ---- the AVX2 copy ------------------------------------------------------------------------- */

/* Pixels of I <= 4 uint8 channels, two outputs at once, one per 128-bit lane (the tables of
 * fastup_pf_prepare): a 16-byte load at each output's window and step, pshufb into the
 * zero-extended int16 (tap, next tap) pairs of each channel (G = 1, 2 or 4 lanes per pixel,
 * S = 8 / G taps per step), pmaddwd by the weight pairs, int32 sums; G < 4 adds the lanes of
 * a channel at the end. Rows whose loads would pass the source's end are read from a copy in
 * ``pad`` (taps past a window weigh 0). */
FASTUP_AVX2 static inline __attribute__((always_inline)) void
fastup_pf_pixels_body(const fastup_pf *j, const uint8_t *src, uint8_t *dst8, int32_t *dst32,
                      ptrdiff_t r0, ptrdiff_t r1, uint8_t *pad, ptrdiff_t reach,
                      const ptrdiff_t I, const int split, const int to32, const ptrdiff_t STEPS)
{
    /* STEPS: the steps per output as a constant (1 or 2: 2 to 8 taps), or 0: j->steps */
    const ptrdiff_t L = j->L, M = j->M, steps = STEPS ? STEPS : j->steps;
    const int G = fastup_pf_lanes(I), S = 8 / G;
    /* the job's fields in locals: the stores below could alias them for the compiler */
    const ptrdiff_t *const start = j->start;
    const int32_t *const plo = j->plo, *const phi = j->phi;
    const uint8_t *const src_end = j->src_end;
    int8_t order[16];
    for (int k = 0; k < 16; k++) {
        const int c = (k / 4) % G, tap = 2 * ((k / 4) / G) + (k / 2) % 2;
        order[k] = k % 2 == 0 && c < I ? (int8_t)(tap * I + c) : (int8_t)-1;
    }
    const __m256i mask = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)order));
    const __m256i bias = _mm256_set1_epi32(j->shift ? (int32_t)((uint32_t)1 << (j->shift - 1))
                                                    : 0);
    const __m128i count = _mm_cvtsi32_si128(j->shift);
    const __m256i lo = _mm256_set1_epi32((int32_t)j->lo), hi = _mm256_set1_epi32((int32_t)j->hi);
    const ptrdiff_t step_bytes = S * I;
    /* int32 sums kept as they are (OpenCV's horizontal pass): no rounding, shift or clip */
    const int plain = j->shift == 0 && j->lo <= INT32_MIN && j->hi >= INT32_MAX;
    /* blocks of up to 4 rows (p) of the same outputs [m0, m1): each output pair's windows
     * and weights are looked up once for the block */
    for (ptrdiff_t r = r0; r < r1;) {
        const ptrdiff_t p0 = r / M, m0 = r % M;
        const ptrdiff_t m1 = (M < m0 + (r1 - r)) ? M : m0 + (r1 - r);
        ptrdiff_t nr = 1;
        if (m0 == 0 && m1 == M)
            while (nr < 4 && r + (nr + 1) * M <= r1)
                nr++;
        const uint8_t *rows[4];
        for (ptrdiff_t k = 0; k < nr; k++) {
            rows[k] = src + (p0 + k) * L * I;
            if (rows[k] + reach > src_end) { /* the last rows: read from a padded copy */
                uint8_t *copy = pad + k * (reach > L * I ? reach : L * I);
                memcpy(copy, rows[k], (size_t)(L * I));
                rows[k] = copy;
            }
        }
        for (ptrdiff_t m = m0 & ~(ptrdiff_t)1; m < m1; m += 2) {
            const ptrdiff_t o0 = start[m] * I, o1 = (m + 1 < M ? start[m + 1] : start[m]) * I;
            const int32_t *wl = plo + (m / 2) * steps * 8, *wh = phi + (m / 2) * steps * 8;
            for (ptrdiff_t k = 0; k < nr; k++) {
                const uint8_t *s0 = rows[k] + o0, *s1 = rows[k] + o1;
                const ptrdiff_t p = p0 + k;
                __m256i acc = _mm256_setzero_si256(), acch = acc;
                for (ptrdiff_t t = 0; t < steps; t++) {
                    const __m256i x = _mm256_shuffle_epi8(
                        _mm256_inserti128_si256(
                            _mm256_castsi128_si256(
                                _mm_loadu_si128((const __m128i *)(s0 + t * step_bytes))),
                            _mm_loadu_si128((const __m128i *)(s1 + t * step_bytes)), 1),
                        mask);
                    acc = _mm256_add_epi32(
                        acc,
                        _mm256_madd_epi16(x, _mm256_loadu_si256((const __m256i *)(wl + 8 * t))));
                    if (split)
                        acch = _mm256_add_epi32(
                            acch, _mm256_madd_epi16(
                                      x, _mm256_loadu_si256((const __m256i *)(wh + 8 * t))));
                }
                if (split)
                    acc = _mm256_add_epi32(acc, _mm256_slli_epi32(acch, 15));
                if (G <= 2)
                    acc = _mm256_add_epi32(acc, _mm256_shuffle_epi32(acc, 0x4E));
                if (G == 1)
                    acc = _mm256_add_epi32(acc, _mm256_shuffle_epi32(acc, 0xB1));
                if (!plain) {
                    acc = _mm256_sra_epi32(_mm256_add_epi32(acc, bias), count);
                    acc = _mm256_min_epi32(_mm256_max_epi32(acc, lo), hi);
                }
                if (!to32) /* in-lane: each output's bytes at the start of its lane */
                    acc = _mm256_packus_epi16(_mm256_packs_epi32(acc, acc), acc);
                /* stores of constant sizes (a memcpy of I bytes would be a call per pixel); a
                 * 3-channel pixel stores 4 when the next pixel of its row, stored later,
                 * overwrites the 4th */
                for (int h = 0; h < 2; h++) {
                    const ptrdiff_t mm = m + h;
                    if (mm < m0 || mm >= m1)
                        continue;
                    const __m128i v = h ? _mm256_extracti128_si256(acc, 1)
                                        : _mm256_castsi256_si128(acc);
                    const ptrdiff_t o = (p * M + mm) * I;
                    const int wide = mm + 1 < m1;
                    if (to32) {
                        int32_t *d = dst32 + o;
                        switch (I) {
                        case 4: _mm_storeu_si128((__m128i *)d, v); break;
                        case 3:
                            if (wide) {
                                _mm_storeu_si128((__m128i *)d, v);
                            } else {
                                _mm_storel_epi64((__m128i *)d, v);
                                d[2] = _mm_extract_epi32(v, 2);
                            }
                            break;
                        case 2: _mm_storel_epi64((__m128i *)d, v); break;
                        default: d[0] = _mm_cvtsi128_si32(v);
                        }
                    } else {
                        const uint32_t bytes = (uint32_t)_mm_cvtsi128_si32(v);
                        uint8_t *d = dst8 + o;
                        switch (I) {
                        case 4: memcpy(d, &bytes, 4); break;
                        case 3:
                            if (wide) {
                                memcpy(d, &bytes, 4);
                            } else {
                                memcpy(d, &bytes, 2);
                                d[2] = (uint8_t)(bytes >> 16);
                            }
                            break;
                        case 2: memcpy(d, &bytes, 2); break;
                        default: d[0] = (uint8_t)bytes;
                        }
                    }
                }
            }
        }
        r += (nr - 1) * M + (m1 - m0);
    }
}

/* fastup_pf_pixels_body compiled for each channel count, weight kind and result type (the
 * constants take every branch out of its loop) */
FASTUP_AVX2 static void fastup_pf_pixels_avx2(const fastup_pf *j, const uint8_t *src,
                                              uint8_t *dst8, int32_t *dst32, ptrdiff_t r0,
                                              ptrdiff_t r1, uint8_t *pad, ptrdiff_t reach)
{
#define FASTUP_PF_CASE(I_, SPLIT, TO32)                                                      \
    if (j->I == I_ && (j->vec == 2) == SPLIT && j->dst32 == TO32) {                          \
        if (j->steps == 1)                                                                 \
            fastup_pf_pixels_body(j, src, dst8, dst32, r0, r1, pad, reach, I_, SPLIT, TO32, 1); \
        else if (j->steps == 2)                                                            \
            fastup_pf_pixels_body(j, src, dst8, dst32, r0, r1, pad, reach, I_, SPLIT, TO32, 2); \
        else                                                                               \
            fastup_pf_pixels_body(j, src, dst8, dst32, r0, r1, pad, reach, I_, SPLIT, TO32, 0); \
        return;                                                                            \
    }
#define FASTUP_PF_CASES(I_)                                                                  \
    FASTUP_PF_CASE(I_, 0, 0)                                                                 \
    FASTUP_PF_CASE(I_, 1, 0) FASTUP_PF_CASE(I_, 0, 1) FASTUP_PF_CASE(I_, 1, 1)
    FASTUP_PF_CASES(1)
    FASTUP_PF_CASES(2)
    FASTUP_PF_CASES(3)
    FASTUP_PF_CASES(4)
#undef FASTUP_PF_CASES
#undef FASTUP_PF_CASE
}

/* Rows of I >= 16 uint8 elements: per output row, 16 elements of the two rows of a tap pair
 * interleaved (unpack) and widened, so that pmaddwd gives their 8 + 8 int32 sums in order. */
FASTUP_AVX2 static void fastup_pf_rows_avx2(const fastup_pf *j, const uint8_t *src,
                                            uint8_t *dst8, int32_t *dst32, ptrdiff_t r0,
                                            ptrdiff_t r1)
{
    const ptrdiff_t I = j->I, L = j->L, M = j->M, T = j->T, Tp = j->Tp;
    const int split = j->vec == 2;
    const int32_t bias = j->shift ? (int32_t)((uint32_t)1 << (j->shift - 1)) : 0;
    const __m128i count = _mm_cvtsi32_si128(j->shift);
    const __m256i lo = _mm256_set1_epi32((int32_t)j->lo), hi = _mm256_set1_epi32((int32_t)j->hi);
    for (ptrdiff_t r = r0; r < r1; r++) {
        const ptrdiff_t p = r / M, m = r % M;
        const uint8_t *base = src + (p * L + j->start[m]) * I;
        const int16_t *wl = j->wlo + m * Tp, *wh = j->whi + m * Tp;
        const ptrdiff_t o = r * I;
        ptrdiff_t i = 0;
        for (; i + 16 <= I; i += 16) {
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, h0 = a0, h1 = a0;
            for (ptrdiff_t t = 0; t < T; t += 2) {
                const uint8_t *s0 = base + t * I + i;
                const uint8_t *s1 = t + 1 < T ? s0 + I : s0; /* weight 0 past the last tap */
                const __m128i x0 = _mm_loadu_si128((const __m128i *)s0);
                const __m128i x1 = _mm_loadu_si128((const __m128i *)s1);
                const __m256i lo8 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x0, x1));
                const __m256i hi8 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(x0, x1));
                int32_t pair;
                memcpy(&pair, wl + t, sizeof pair);
                const __m256i w = _mm256_set1_epi32(pair);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(lo8, w));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(hi8, w));
                if (split) {
                    memcpy(&pair, wh + t, sizeof pair);
                    const __m256i v = _mm256_set1_epi32(pair);
                    h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(lo8, v));
                    h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(hi8, v));
                }
            }
            if (split) {
                a0 = _mm256_add_epi32(a0, _mm256_slli_epi32(h0, 15));
                a1 = _mm256_add_epi32(a1, _mm256_slli_epi32(h1, 15));
            }
            const __m256i b = _mm256_set1_epi32(bias);
            a0 = _mm256_sra_epi32(_mm256_add_epi32(a0, b), count);
            a1 = _mm256_sra_epi32(_mm256_add_epi32(a1, b), count);
            a0 = _mm256_min_epi32(_mm256_max_epi32(a0, lo), hi);
            a1 = _mm256_min_epi32(_mm256_max_epi32(a1, lo), hi);
            if (j->dst32) {
                _mm256_storeu_si256((__m256i *)(dst32 + o + i), a0);
                _mm256_storeu_si256((__m256i *)(dst32 + o + i + 8), a1);
            } else {
                /* packs works within 128-bit lanes: [0-3, 8-11 | 4-7, 12-15], put in order */
                const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a0, a1), 0xD8);
                const __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(w16),
                                                       _mm256_extracti128_si256(w16, 1));
                _mm_storeu_si128((__m128i *)(dst8 + o + i), bytes);
            }
        }
        for (; i < I; i++) {
            int32_t a = bias;
            for (ptrdiff_t t = 0; t < T; t++)
                a += j->q[m * T + t] * (int32_t)base[t * I + i];
            fastup_pf_put(j, dst8, dst32, o + i, (int64_t)(a >> j->shift));
        }
    }
}
#endif

/* Whether job j runs in the AVX2 copy (uint8 sources, int16 weights or their split; then
 * pixels of 1 to 4 elements in fastup_pf_pixels_avx2, rows of 16 or more in
 * fastup_pf_rows_avx2). */
static inline int fastup_pf_avx2(const fastup_pf *j)
{
#if FASTUP_HAVE_AVX2_PATH
    return !j->src32 && j->vec && j->shift <= 31 && fastup_use_avx2();
#else
    (void)j;
    return 0;
#endif
}

/* The buffer of fastup_pf_pixels_avx2 for nr rows at a time (padded copies of the rows whose
 * loads would pass the source's end), *reach set to the bytes from a row's start that its
 * loads reach; NULL when out of memory. */
static uint8_t *fastup_pf_pad(const fastup_pf *j, ptrdiff_t nr, ptrdiff_t *reach)
{
    const ptrdiff_t I = j->I, S = 8 / fastup_pf_lanes(I), row = j->L * I;
    ptrdiff_t last = 0;
    for (ptrdiff_t m = 0; m < j->M; m++)
        last = j->start[m] > last ? j->start[m] : last;
    *reach = (last + (j->steps - 1) * S) * I + 16;
    return (uint8_t *)calloc((size_t)nr * (size_t)(*reach > row ? *reach : row), 1);
}

static int fastup_pf_rows(const fastup_pf *j, const void *src, void *dst, ptrdiff_t r0,
                          ptrdiff_t r1)
{
    const ptrdiff_t I = j->I, M = j->M;
    uint8_t *dst8 = (uint8_t *)dst;
    int32_t *dst32 = (int32_t *)dst;
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_pf_avx2(j)) {
        if (I <= 4) { /* blocks of up to 4 rows */
            ptrdiff_t reach;
            uint8_t *pad = fastup_pf_pad(j, 4, &reach);
            if (pad == NULL)
                return -1;
            fastup_pf_pixels_avx2(j, (const uint8_t *)src, dst8, dst32, r0, r1, pad, reach);
            free(pad);
            return 0;
        }
        if (I >= 16) {
            fastup_pf_rows_avx2(j, (const uint8_t *)src, dst8, dst32, r0, r1);
            return 0;
        }
    }
#endif
    if (!j->src32 && I <= 4) {
        for (ptrdiff_t r = r0; r < r1;) {
            const ptrdiff_t p = r / M, m = r % M;
            const ptrdiff_t m1 = (M < m + (r1 - r)) ? M : m + (r1 - r);
            fastup_pf_pixels_u8(j, (const uint8_t *)src, dst8, dst32, p, m, m1);
            r += m1 - m;
        }
        return 0;
    }
    void *buffer = malloc((size_t)I * (j->src32 ? sizeof(int64_t) : sizeof(int32_t)));
    if (buffer == NULL)
        return -1;
    for (ptrdiff_t r = r0; r < r1; r++) {
        const ptrdiff_t p = r / M, m = r % M;
        const ptrdiff_t o = r * I;
        if (j->src32) {
            int64_t *acc = (int64_t *)buffer;
            fastup_pf_row_i32(j, (const int32_t *)src, p, m, acc);
            for (ptrdiff_t i = 0; i < I; i++)
                fastup_pf_put(j, dst8, dst32, o + i, acc[i] >> j->shift);
        } else {
            int32_t *acc = (int32_t *)buffer;
            fastup_pf_row_u8(j, (const uint8_t *)src, p, m, acc);
            for (ptrdiff_t i = 0; i < I; i++)
                fastup_pf_put(j, dst8, dst32, o + i, (int64_t)(acc[i] >> j->shift));
        }
    }
    free(buffer);
    return 0;
}

/* OpenCV's uint8 vertical passes (``cv::resize``'s VResize* on the int32 horizontal sums h of
 * 11-bit coefficients; the caller checks that the int32 sums cannot overflow), output row m
 * from the K rows ``rows[m, k]`` of I elements with the weights ``beta[m, k]``:
 *
 * - linear (K = 2): clip((((h0 >> 4) b0) >> 16) + (((h1 >> 4) b1) >> 16) + 2) >> 2);
 * - cubic (K = 4): the first ``split`` elements of a row as OpenCV's vector path does them,
 *   float32 from the last tap, acc = h3 f3, then acc = fma(hk, fk, acc) for k = 2, 1, 0
 *   (fk = float(beta_k / 2**22)), rounded half to even and clipped; the others, and
 *   lanczos4 (K = 8), clip((sum_k beta_k hk + 2**21) >> 22).
 *
 * The portable copy computes the fused multiply-adds in double: each product hk fk is exact
 * there (|hk| < 2**24 and fk a float32), and so is its sum with acc, since both are multiples
 * of 2**-22 below 2**24 in magnitude; one rounding to float32 then gives fma's result. */
typedef struct {
    ptrdiff_t L, M, I, K;
    int kind; /* 0 linear, 1 cubic, 2 lanczos4 */
    const ptrdiff_t *rows; /* M * K, each in [0, L) */
    const int32_t *beta;   /* M * K */
    const float *fbeta;    /* M * K (cubic) */
    ptrdiff_t split;
} fastup_cvv;

static inline uint8_t fastup_cvv_u8(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

static void fastup_cvv_row(const fastup_cvv *j, const int32_t *const *s, uint8_t *out,
                           ptrdiff_t m, ptrdiff_t i0)
{
    const ptrdiff_t I = j->I, K = j->K;
    const int32_t *b = j->beta + m * K;
    if (j->kind == 0) {
        for (ptrdiff_t i = i0; i < I; i++)
            out[i] = fastup_cvv_u8(
                ((((s[0][i] >> 4) * b[0]) >> 16) + (((s[1][i] >> 4) * b[1]) >> 16) + 2) >> 2);
        return;
    }
    ptrdiff_t i = i0;
    if (j->kind == 1) {
        const float *f = j->fbeta + m * K;
        for (; i < j->split; i++) {
            float acc = (float)s[3][i] * f[3];
            for (int k = 2; k >= 0; k--)
                acc = (float)((double)s[k][i] * (double)f[k] + (double)acc);
            out[i] = fastup_cvv_u8((int32_t)lrintf(acc));
        }
    }
    for (; i < I; i++) {
        int32_t acc = 1 << 21;
        for (ptrdiff_t k = 0; k < K; k++)
            acc += b[k] * s[k][i];
        out[i] = fastup_cvv_u8(acc >> 22);
    }
}

#if FASTUP_HAVE_AVX2_PATH
/* 8 int32 sums -> 8 bytes, saturated (clip to [0, 255]) */
FASTUP_AVX2 static inline void fastup_cvv_store8(__m256i v, uint8_t *out)
{
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)out, _mm_packus_epi16(w, w));
}

FASTUP_AVX2 static void fastup_cvv_row_avx2(const fastup_cvv *j, const int32_t *const *s,
                                            uint8_t *out, ptrdiff_t m)
{
    const ptrdiff_t I = j->I, K = j->K;
    __m256i b[8];
    for (ptrdiff_t k = 0; k < K; k++)
        b[k] = _mm256_set1_epi32(j->beta[m * K + k]);
    ptrdiff_t i = 0;
    if (j->kind == 0) {
        const __m256i two = _mm256_set1_epi32(2);
        for (; i + 8 <= I; i += 8) {
            const __m256i x0 =
                _mm256_srai_epi32(_mm256_loadu_si256((const __m256i *)(s[0] + i)), 4);
            const __m256i x1 =
                _mm256_srai_epi32(_mm256_loadu_si256((const __m256i *)(s[1] + i)), 4);
            __m256i v = _mm256_add_epi32(_mm256_srai_epi32(_mm256_mullo_epi32(x0, b[0]), 16),
                                         _mm256_srai_epi32(_mm256_mullo_epi32(x1, b[1]), 16));
            fastup_cvv_store8(_mm256_srai_epi32(_mm256_add_epi32(v, two), 2), out + i);
        }
    } else {
        if (j->kind == 1) {
            __m256 f[4];
            for (int k = 0; k < 4; k++)
                f[k] = _mm256_set1_ps(j->fbeta[m * K + k]);
            for (; i + 8 <= j->split; i += 8) {
                __m256 acc = _mm256_mul_ps(
                    _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(s[3] + i))), f[3]);
                for (int k = 2; k >= 0; k--)
                    acc = _mm256_fmadd_ps(
                        _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(s[k] + i))),
                        f[k], acc);
                fastup_cvv_store8(_mm256_cvtps_epi32(acc), out + i); /* half to even */
            }
            if (i < j->split) { /* the vector part's last few: the portable loop */
                fastup_cvv_row(j, s, out, m, i);
                return;
            }
        }
        const __m256i half = _mm256_set1_epi32(1 << 21);
        for (; i + 8 <= I; i += 8) {
            __m256i acc = half;
            for (ptrdiff_t k = 0; k < K; k++)
                acc = _mm256_add_epi32(
                    acc, _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(s[k] + i)), b[k]));
            fastup_cvv_store8(_mm256_srai_epi32(acc, 22), out + i);
        }
    }
    if (i < I)
        fastup_cvv_row(j, s, out, m, i);
}
#endif

/* Output row m from the rows s of horizontal sums it reads. */
static inline void fastup_cvv_out(const fastup_cvv *j, const int32_t *const *s, uint8_t *out,
                                  ptrdiff_t m)
{
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_use_avx2()) {
        fastup_cvv_row_avx2(j, s, out, m);
        return;
    }
#endif
    fastup_cvv_row(j, s, out, m, 0);
}

static int fastup_cvv_rows(const fastup_cvv *j, const void *src, void *dst, ptrdiff_t r0,
                           ptrdiff_t r1)
{
    const int32_t *h = (const int32_t *)src, *s[8];
    uint8_t *out = (uint8_t *)dst;
    for (ptrdiff_t m = r0; m < r1; m++) {
        for (ptrdiff_t k = 0; k < j->K; k++)
            s[k] = h + j->rows[m * j->K + k] * j->I;
        fastup_cvv_out(j, s, out + m * j->I, m);
    }
    return 0;
}

/* OpenCV's uint8 resize of an (H, W, C) image fused as OpenCV runs it: output rows [r0, r1)
 * of (M_h, M_w, C), each from the K rows of horizontal sums it reads (fastup_cvv), every
 * input row that some output row of the range reads resampled along W once (fastup_pf, int32
 * sums) into a ring of K rows kept in the cache, row iy in slot iy mod K (the rows of one
 * output are consecutive, some repeated at the edges: distinct slots), instead of all H rows
 * into an intermediate array. The same integers as the two passes. */
typedef struct {
    const fastup_pf *h; /* along W: P = H rows, L = W, M = M_w, I = C, int32 sums */
    const fastup_cvv *v; /* along H: L = H, I = M_w * C */
} fastup_cvf;

static int fastup_cvf_rows(const fastup_cvf *j, const void *src, void *dst, ptrdiff_t r0,
                           ptrdiff_t r1)
{
    const fastup_pf *h = j->h;
    const fastup_cvv *v = j->v;
    const ptrdiff_t K = v->K, width = v->I, rowbytes = h->L * h->I;
    const uint8_t *in = (const uint8_t *)src;
    uint8_t *out = (uint8_t *)dst;
    int32_t *ring = (int32_t *)malloc((size_t)(K * (width + 8)) * sizeof(int32_t));
    ptrdiff_t tags[8];
    const int32_t *s[8];
    uint8_t *pad = NULL;
    ptrdiff_t reach = 0;
    const int avx2 = fastup_pf_avx2(h) && h->I <= 4; /* pixels, one row at a time */
    if (ring == NULL)
        return -1;
    if (avx2 && (pad = fastup_pf_pad(h, 1, &reach)) == NULL) {
        free(ring);
        return -1;
    }
    for (ptrdiff_t k = 0; k < K; k++)
        tags[k] = -1;
    for (ptrdiff_t m = r0; m < r1; m++) {
        for (ptrdiff_t k = 0; k < K; k++) {
            const ptrdiff_t iy = v->rows[m * K + k], slot = iy % K;
            int32_t *row = ring + slot * (width + 8);
            if (tags[slot] != iy) { /* input row iy along W, as row 0 of a one-row image */
                const uint8_t *x = in + iy * rowbytes;
#if FASTUP_HAVE_AVX2_PATH
                if (avx2)
                    fastup_pf_pixels_avx2(h, x, NULL, row, 0, h->M, pad, reach);
                else
#endif
                    if (fastup_pf_rows(h, x, row, 0, h->M) != 0) {
                    free(ring);
                    free(pad);
                    return -1;
                }
                tags[slot] = iy;
            }
            s[k] = row;
        }
        fastup_cvv_out(v, s, out + m * width, m);
    }
    free(ring);
    free(pad);
    return 0;
}

/* OpenCV's INTER_AREA by integer factors (``resizeAreaFast_``) on uint8, uint16 or int16
 * (H, W, C) images: the cells of sy x sx pixels summed exactly (int64), full cells scaled by
 * float32(1 / (sx sy)) or, for 2x2 (``shift2``), (sum + 2) >> 2; partial cells at the bottom
 * and right divided by their pixel count in float32; rounded half to even, saturated. Output
 * rows [r0, r1) of (Ho, Wo, C). */
typedef struct {
    ptrdiff_t H, W, C, Ho, Wo, sy, sx;
    int type; /* 0 uint8, 1 uint16, 2 int16 */
    int shift2;
    float scale;
} fastup_cva;

static inline int64_t fastup_cva_load(const void *src, int type, ptrdiff_t k)
{
    if (type == 0)
        return ((const uint8_t *)src)[k];
    if (type == 1)
        return ((const uint16_t *)src)[k];
    return ((const int16_t *)src)[k];
}

static int fastup_cva_cells(const fastup_cva *j, const void *src, void *dst, ptrdiff_t r0,
                            ptrdiff_t r1);

/* uint8 2x2 on C = 1, 3 or 4 channels (the common case, compiled per C so that the
 * compiler vectorises it): whole cells only, (a + b + c + d + 2) >> 2. */
#define FASTUP_CVA_2X2(C)                                                                   \
    static void fastup_cva_2x2_c##C(const uint8_t *r0, const uint8_t *r1, uint8_t *out,    \
                                    ptrdiff_t n)                                           \
    {                                                                                      \
        for (ptrdiff_t o = 0; o < n; o++)                                                  \
            for (ptrdiff_t c = 0; c < C; c++) {                                            \
                const ptrdiff_t a = 2 * o * C + c;                                         \
                out[o * C + c] = (uint8_t)(((int)r0[a] + r0[a + C] + r1[a] + r1[a + C] + 2) \
                                           >> 2);                                          \
            }                                                                              \
    }
FASTUP_CVA_2X2(1)
FASTUP_CVA_2X2(3)
FASTUP_CVA_2X2(4)

#if FASTUP_HAVE_AVX2_PATH
/* uint8 2x2 on C = 1, 3 or 4 channels, AVX2: the two pixels of a cell's row side by side per
 * channel (pshufb; already so for C = 1), pmaddubsw by ones adds them, the two rows' sums
 * added in int16, then (sum + 2) >> 2; C = 1: 32 cells per step, C = 4: 8 cells (32 bytes),
 * C = 3: 4 cells (12 input bytes of each row per 128-bit lane, 6 result bytes stored per
 * lane, the next store overwriting the 2 past them). The rest of the row:
 * fastup_cva_2x2_c*. */
FASTUP_AVX2 static void fastup_cva_2x2_avx2(const uint8_t *r0, const uint8_t *r1, uint8_t *out,
                                            ptrdiff_t n, ptrdiff_t C)
{
    const __m256i ones = _mm256_set1_epi8(1), two = _mm256_set1_epi16(2);
    ptrdiff_t o = 0;
    if (C == 1) { /* neighbouring bytes: pmaddubsw pairs them as they are */
        for (; o + 32 <= n; o += 32) {
            __m256i s[2];
            for (int h = 0; h < 2; h++) {
                const __m256i a = _mm256_loadu_si256((const __m256i *)(r0 + 2 * o + 32 * h));
                const __m256i b = _mm256_loadu_si256((const __m256i *)(r1 + 2 * o + 32 * h));
                s[h] = _mm256_add_epi16(_mm256_maddubs_epi16(a, ones),
                                        _mm256_maddubs_epi16(b, ones));
                s[h] = _mm256_srli_epi16(_mm256_add_epi16(s[h], two), 2);
            }
            _mm256_storeu_si256((__m256i *)(out + o),
                                _mm256_permute4x64_epi64(_mm256_packus_epi16(s[0], s[1]), 0xD8));
        }
        fastup_cva_2x2_c1(r0 + 2 * o, r1 + 2 * o, out + o, n - o);
        return;
    }
    if (C == 4) {
        const __m256i m = _mm256_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15, 0,
                                           4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        for (; o + 8 <= n; o += 8) {
            __m256i s[2];
            for (int h = 0; h < 2; h++) {
                const __m256i a = _mm256_loadu_si256((const __m256i *)(r0 + 8 * o + 32 * h));
                const __m256i b = _mm256_loadu_si256((const __m256i *)(r1 + 8 * o + 32 * h));
                s[h] = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_shuffle_epi8(a, m), ones),
                                        _mm256_maddubs_epi16(_mm256_shuffle_epi8(b, m), ones));
                s[h] = _mm256_srli_epi16(_mm256_add_epi16(s[h], two), 2);
            }
            /* packus per lane: [cells 0-1, 4-5 | 2-3, 6-7] -> in order */
            _mm256_storeu_si256((__m256i *)(out + 4 * o),
                                _mm256_permute4x64_epi64(_mm256_packus_epi16(s[0], s[1]), 0xD8));
        }
        fastup_cva_2x2_c4(r0 + 8 * o, r1 + 8 * o, out + 4 * o, n - o);
        return;
    }
    {
        const __m256i m = _mm256_setr_epi8(0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11, -1, -1, -1, -1, 0,
                                           3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11, -1, -1, -1, -1);
        /* the loads of a step reach 6 o + 28 bytes into each row (6 n bytes or more); the last
         * step leaves a cell for the tail, which rewrites the 2 bytes stored past the step */
        for (; 6 * o + 28 <= 6 * n && o + 4 <= n; o += 4) {
            const uint8_t *a = r0 + 6 * o, *b = r1 + 6 * o;
            const __m256i x = _mm256_inserti128_si256(
                _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                _mm_loadu_si128((const __m128i *)(a + 12)), 1);
            const __m256i y = _mm256_inserti128_si256(
                _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b)),
                _mm_loadu_si128((const __m128i *)(b + 12)), 1);
            __m256i t = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_shuffle_epi8(x, m), ones),
                                         _mm256_maddubs_epi16(_mm256_shuffle_epi8(y, m), ones));
            t = _mm256_packus_epi16(_mm256_srli_epi16(_mm256_add_epi16(t, two), 2), t);
            _mm_storel_epi64((__m128i *)(out + 3 * o), _mm256_castsi256_si128(t));
            _mm_storel_epi64((__m128i *)(out + 3 * o + 6), _mm256_extracti128_si256(t, 1));
        }
        fastup_cva_2x2_c3(r0 + 6 * o, r1 + 6 * o, out + 3 * o, n - o);
    }
}
#endif

static int fastup_cva_rows(const fastup_cva *j, const void *src, void *dst, ptrdiff_t r0,
                           ptrdiff_t r1)
{
    if (j->type == 0 && j->shift2) { /* the whole cells of 2x2; the others below */
        const ptrdiff_t W = j->W, C = j->C, n = W / 2 < j->Wo ? W / 2 : j->Wo;
        for (ptrdiff_t oy = r0; oy < r1 && 2 * oy + 2 <= j->H; oy++) {
            const uint8_t *a = (const uint8_t *)src + 2 * oy * W * C, *b = a + W * C;
            uint8_t *out = (uint8_t *)dst + oy * j->Wo * C;
#if FASTUP_HAVE_AVX2_PATH
            if (fastup_use_avx2()) {
                fastup_cva_2x2_avx2(a, b, out, n, C);
                continue;
            }
#endif
            if (C == 1)
                fastup_cva_2x2_c1(a, b, out, n);
            else if (C == 3)
                fastup_cva_2x2_c3(a, b, out, n);
            else
                fastup_cva_2x2_c4(a, b, out, n);
        }
    }
    return fastup_cva_cells(j, src, dst, r0, r1);
}

/* every cell (or, for uint8 2x2, the cells fastup_cva_rows did not do) */
static int fastup_cva_cells(const fastup_cva *j, const void *src, void *dst, ptrdiff_t r0,
                            ptrdiff_t r1)
{
    const ptrdiff_t W = j->W, C = j->C, Wo = j->Wo, WC = W * C;
    const int64_t lo = j->type == 2 ? -32768 : 0;
    const int64_t hi = j->type == 0 ? 255 : (j->type == 1 ? 65535 : 32767);
    int64_t *sums = (int64_t *)malloc((size_t)WC * sizeof(int64_t));
    if (sums == NULL)
        return -1;
    for (ptrdiff_t oy = r0; oy < r1; oy++) {
        const ptrdiff_t y0 = oy * j->sy;
        const ptrdiff_t ny = y0 >= j->H ? 0 : (j->H - y0 < j->sy ? j->H - y0 : j->sy);
        const int full_row = y0 + j->sy <= j->H;
        const int done = j->type == 0 && j->shift2 && full_row; /* by fastup_cva_rows */
        const ptrdiff_t first = done ? (W / 2 < Wo ? W / 2 : Wo) : 0;
        if (first == Wo)
            continue;
        memset(sums, 0, (size_t)WC * sizeof(int64_t));
        if (j->type == 0) { /* the common case, in a loop the compiler vectorises */
            for (ptrdiff_t y = 0; y < ny; y++) {
                const uint8_t *s = (const uint8_t *)src + (y0 + y) * WC;
                for (ptrdiff_t k = 0; k < WC; k++)
                    sums[k] += s[k];
            }
        } else {
            for (ptrdiff_t y = 0; y < ny; y++)
                for (ptrdiff_t k = 0; k < WC; k++)
                    sums[k] += fastup_cva_load(src, j->type, (y0 + y) * WC + k);
        }
        for (ptrdiff_t ox = first; ox < Wo; ox++) {
            const ptrdiff_t x0 = ox * j->sx;
            const ptrdiff_t nx = x0 >= W ? 0 : (W - x0 < j->sx ? W - x0 : j->sx);
            const int full = full_row && x0 + j->sx <= W;
            for (ptrdiff_t c = 0; c < C; c++) {
                int64_t s = 0;
                for (ptrdiff_t x = 0; x < nx; x++)
                    s += sums[(x0 + x) * C + c];
                int64_t v;
                if (full && j->shift2)
                    v = (s + 2) >> 2;
                else if (full)
                    v = (int64_t)lrintf((float)s * j->scale);
                else if (nx * ny > 0)
                    v = (int64_t)lrintf((float)s / (float)(nx * ny));
                else
                    v = 0;
                v = v < lo ? lo : (v > hi ? hi : v);
                const ptrdiff_t o = (oy * Wo + ox) * C + c;
                if (j->type == 0)
                    ((uint8_t *)dst)[o] = (uint8_t)v;
                else if (j->type == 1)
                    ((uint16_t *)dst)[o] = (uint16_t)v;
                else
                    ((int16_t *)dst)[o] = (int16_t)v;
            }
        }
    }
    free(sums);
    return 0;
}

#endif
