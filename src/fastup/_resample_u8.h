/* fastup's uint8 -> uint8 resample of two neighbouring axes in fixed point (the approach of
 * Pillow's and OpenCV's 8-bit resizers), a faster route of fastup_rs2d_rows (_resample.h) for
 * a resize of both axes. It always runs W first (each needed input row resampled along W once,
 * into a cache of Ty int16 rows), whichever order the planner chose for the float32 route:
 * along W it is cheap enough that even a shrinking H (where each output row reads its own Ty
 * input rows) costs less than the float32 route summing rows first. A pass along one axis
 * stays on the float32 route: its result is rounded once from a float32 sum, so that two
 * one-axis calls reproduce a two-pass resizer such as Pillow's (whose intermediate image is
 * rounded to uint8) within 1.
 *
 * Weights are integers scaled by 2**14 (int16, w14). Every product is rounded on its own, as
 * the AVX2 instruction pmulhrsw computes it, mulhrs(a, b) = (a * b + 2**14) >> 15:
 *   along W, a pixel p (times 2**7) gives mulhrs(p << 7, w14) = p * w rounded to 2**-6, and an
 *   output is the sum of its taps' products: an int16 intermediate row scaled by 2**6;
 *   along H, mulhrs(h, w14) = h * w / 2, summed over the taps (scaled by 2**5), and the
 *   output is mulhrs(sum, 2**10) = the sum / 32 rounded half up, saturated to [0, 255].
 * The tables are checked so that no sum leaves int16, so the AVX2 copy (pshufb gathers each
 * output's pixels, pmulhrsw multiplies 16 at a time) and the portable copy compute the same
 * integers: the same bytes, whatever the thread count.
 *
 * The error against the exact result is below 0.2 (weights rounded to 2**-15, each W product to
 * 2**-7, each H product to 2**-6; the rounding of a window whose weights sum to 1 is moved onto
 * its largest weight, so that a constant image stays exactly constant): within the contract's
 * 1 of the float64 oracle. Tables this does not suit (a weight of magnitude 2 or more, sums of
 * magnitudes that could leave int16, windows too wide to shuffle in most blocks of 16 outputs)
 * take the float32 route instead; the choice depends on the tables alone, never on the
 * instruction set.
 */
#ifndef FASTUP_RESAMPLE_U8_H
#define FASTUP_RESAMPLE_U8_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_copy.h"
#include "_cpu.h"

#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>
#endif

/* weights are integers scaled by 2**FASTUP_Q8_BITS */
#define FASTUP_Q8_BITS 14

/* Blocks of 16 of a row's Wo * C outputs (output e: pixel x = e / C, element c = e % C; its
 * taps are bytes C * xs[x] + c + t * C of the input row), by kind:
 *   2: two lanes of 8 outputs, each lane's taps within the 16 bytes from its base: one
 *      pshufb per tap (the mask of tap t is that of tap 0 plus t * C);
 *   1: two halves of 8, each two lanes of 4 outputs whose taps lie within 16 bytes: one
 *      pshufb per pair of taps, the two products added by pmaddwd;
 *   0: computed one output at a time. */
typedef struct {
    int16_t *wx;   /* Wo x Tx W weights */
    int16_t *wy;   /* Ho x Ty H weights */
    ptrdiff_t Ty;  /* taps along H */
    ptrdiff_t np;  /* pairs of W taps: ceil(Tx / 2); a block's tables hold 2 * np taps */
    uint8_t *kind; /* per block */
    int32_t *base; /* per block: 4 lane bases (kind 2 uses the first two) */
    uint8_t *mask; /* per block: 2 * np * 32 pshufb bytes, each pixel into the low byte of an
                      int16; kind 2: tap 0's; kind 1: per half, per pair of taps */
    int16_t *wb;   /* per block: 2 * np * 16 weights in the mask's order; kind 2: per tap */
} fastup_q8;

/* n x T float weights -> int16 scaled by 2**14, to nearest. A window whose weights sum to 1
 * gets the rounding error added to its largest weight. Reports the largest sum of magnitudes
 * of any window (mag); -1 when a weight does not fit int16. */
static int fastup_q8_weights(const float *w, ptrdiff_t n, ptrdiff_t T, int16_t *q, int64_t *mag) {
    const double one = (double)(1 << FASTUP_Q8_BITS);
    ptrdiff_t i, t;
    *mag = 0;
    for (i = 0; i < n; i++) {
        const float *wi = w + i * T;
        int32_t sum = 0;
        double exact = 0.0;
        int64_t m = 0;
        ptrdiff_t big = 0;
        for (t = 0; t < T; t++) {
            double v = (double)wi[t] * one;
            int32_t r;
            if (!(v > -32767.5 && v < 32767.5)) return -1;
            r = (int32_t)(v < 0 ? v - 0.5 : v + 0.5); /* to nearest, halves away from 0 */
            q[i * T + t] = (int16_t)r;
            sum += r;
            exact += (double)wi[t];
            if (wi[t] > wi[big]) big = t;
        }
        if (exact > 0.999 && exact < 1.001 && sum != (1 << FASTUP_Q8_BITS)) {
            int32_t r = q[i * T + big] + ((1 << FASTUP_Q8_BITS) - sum);
            if (r > 32767 || r < -32767) return -1;
            q[i * T + big] = (int16_t)r;
        }
        for (t = 0; t < T; t++) m += q[i * T + t] < 0 ? -q[i * T + t] : q[i * T + t];
        *mag = m > *mag ? m : *mag;
    }
    return 0;
}

/* mulhrs(a, b) of pmulhrsw: a * b / 2**15 rounded half up */
static inline int32_t fastup_mulhrs(int32_t a, int32_t b) { return (a * b + 16384) >> 15; }

/* Output e of a row along W (x = e / C, c = e % C), exactly as the AVX2 copy computes it. */
static inline int16_t fastup_q8_hout(const uint8_t *s, ptrdiff_t e, ptrdiff_t C,
                                     const ptrdiff_t *xs, const int16_t *wx, ptrdiff_t T) {
    ptrdiff_t x = e / C, c = e - x * C, t;
    const uint8_t *p = s + C * xs[x] + c;
    const int16_t *w = wx + T * x;
    int32_t acc = 0;
    for (t = 0; t < T; t++) acc += fastup_mulhrs((int32_t)p[t * C] << 7, w[t]);
    return (int16_t)acc;
}

static void fastup_q8_hrow_plain(const uint8_t *s, int16_t *o, ptrdiff_t Wo, ptrdiff_t C,
                                 const ptrdiff_t *xs, const int16_t *wx, ptrdiff_t T) {
    ptrdiff_t x, c, t;
    if (T == 2) {
        for (x = 0; x < Wo; x++) {
            const uint8_t *p = s + C * xs[x];
            int32_t w0 = wx[2 * x], w1 = wx[2 * x + 1];
            for (c = 0; c < C; c++)
                o[C * x + c] = (int16_t)(fastup_mulhrs((int32_t)p[c] << 7, w0) +
                                         fastup_mulhrs((int32_t)p[C + c] << 7, w1));
        }
        return;
    }
    for (x = 0; x < Wo; x++) {
        const uint8_t *p = s + C * xs[x];
        const int16_t *w = wx + T * x;
        for (c = 0; c < C; c++) {
            int32_t acc = 0;
            for (t = 0; t < T; t++) acc += fastup_mulhrs((int32_t)p[t * C + c] << 7, w[t]);
            o[C * x + c] = (int16_t)acc;
        }
    }
}

/* One output of the H step: the sum of mulhrs(rows[t][i], w[t]), divided by 32 rounded half
 * up, saturated to uint8. */
static inline uint8_t fastup_q8_vout(const int16_t *const *rows, const int16_t *w, ptrdiff_t T,
                                     ptrdiff_t i) {
    int32_t acc = 0;
    ptrdiff_t t;
    for (t = 0; t < T; t++) acc += fastup_mulhrs(rows[t][i], w[t]);
    acc = fastup_mulhrs(acc, 1024);
    return (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
}

/* The H step, portable: the sums built row by row in chunks (loops a compiler vectorises). */
static void fastup_q8_vrow_plain(const int16_t *const *rows, const int16_t *w, ptrdiff_t T,
                                 ptrdiff_t n, uint8_t *d) {
    int16_t acc[1024];
    ptrdiff_t i0, i, t;
    for (i0 = 0; i0 < n; i0 += 1024) {
        ptrdiff_t m = n - i0 < 1024 ? n - i0 : 1024;
        const int16_t *r = rows[0] + i0;
        int32_t wt = w[0];
        for (i = 0; i < m; i++) acc[i] = (int16_t)fastup_mulhrs(r[i], wt);
        for (t = 1; t < T; t++) {
            r = rows[t] + i0;
            wt = w[t];
            for (i = 0; i < m; i++) acc[i] = (int16_t)(acc[i] + fastup_mulhrs(r[i], wt));
        }
        for (i = 0; i < m; i++) {
            int32_t v = fastup_mulhrs(acc[i], 1024);
            d[i0 + i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

#if FASTUP_HAVE_AVX2_PATH
/* two 16-byte loads into the lanes of one vector */
static FASTUP_AVX2 __m256i fastup_load_lanes(const uint8_t *lo, const uint8_t *hi) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
                                   _mm_loadu_si128((const __m128i *)hi), 1);
}

/* The 16 outputs of a block of kind 2 (T taps; called with a constant T where it helps). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_q8_wide(__m256i v, __m256i mt, const __m256i *w, ptrdiff_t T, __m256i step) {
    ptrdiff_t t;
    __m256i acc = _mm256_mulhrs_epi16(_mm256_slli_epi16(_mm256_shuffle_epi8(v, mt), 7),
                                      _mm256_loadu_si256(w));
    for (t = 1; t < T; t++) {
        mt = _mm256_add_epi8(mt, step);
        acc = _mm256_add_epi16(acc,
                               _mm256_mulhrs_epi16(_mm256_slli_epi16(_mm256_shuffle_epi8(v, mt), 7),
                                                   _mm256_loadu_si256(w + t)));
    }
    return acc;
}

/* 8 outputs of a block of kind 1 (lanes of 4) as int32: ``np`` pairs of taps (a constant np
 * where it helps). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_q8_narrow(__m256i v, const __m256i *m, const __m256i *w, ptrdiff_t np) {
    const __m256i ones = _mm256_set1_epi16(1);
    ptrdiff_t k;
    __m256i acc = _mm256_madd_epi16(
        _mm256_mulhrs_epi16(_mm256_slli_epi16(_mm256_shuffle_epi8(v, _mm256_loadu_si256(m)), 7),
                            _mm256_loadu_si256(w)),
        ones);
    for (k = 1; k < np; k++)
        acc = _mm256_add_epi32(
            acc, _mm256_madd_epi16(
                     _mm256_mulhrs_epi16(
                         _mm256_slli_epi16(_mm256_shuffle_epi8(v, _mm256_loadu_si256(m + k)), 7),
                         _mm256_loadu_si256(w + k)),
                     ones));
    return acc;
}

/* The arguments of fastup_q8_hout, kept in memory: only blocks of kind 0 read them. */
typedef struct {
    ptrdiff_t C, T;
    const ptrdiff_t *xs;
    const int16_t *wx;
} fastup_q8_cold;

static __attribute__((noinline)) void fastup_q8_hcold(const uint8_t *s, int16_t *o,
                                                      ptrdiff_t e0, ptrdiff_t e1,
                                                      const fastup_q8_cold *c) {
    ptrdiff_t e;
    for (e = e0; e < e1; e++) o[e] = fastup_q8_hout(s, e, c->C, c->xs, c->wx, c->T);
}

/* The loop of fastup_q8_hrow_avx2, for a constant T and np where it is called with them (few
 * live values: the row's loop keeps its pointers in registers). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_q8_hrow_loop(const uint8_t *s, int16_t *o, ptrdiff_t n, ptrdiff_t C, ptrdiff_t T,
                    ptrdiff_t np, const fastup_q8 *q, const fastup_q8_cold *cold) {
    const __m256i step = _mm256_set1_epi8((char)C);
    const uint8_t *kinds = q->kind;
    const int32_t *base = q->base;
    const __m256i *m = (const __m256i *)q->mask;
    const __m256i *w = (const __m256i *)q->wb;
    ptrdiff_t e, b;
    for (e = 0, b = 0; e + 16 <= n; e += 16, b++, base += 4, m += 2 * np, w += 2 * np) {
        __m256i acc;
        if (kinds[b] == 2) {
            acc = fastup_q8_wide(fastup_load_lanes(s + base[0], s + base[1]),
                                 _mm256_loadu_si256(m), w, T, step);
        } else if (kinds[b] == 1) {
            __m256i h0 = fastup_q8_narrow(fastup_load_lanes(s + base[0], s + base[1]), m, w, np);
            __m256i h1 = fastup_q8_narrow(fastup_load_lanes(s + base[2], s + base[3]), m + np,
                                          w + np, np);
            acc = _mm256_permute4x64_epi64(_mm256_packs_epi32(h0, h1), 0xD8);
        } else {
            fastup_q8_hcold(s, o, e, e + 16, cold);
            continue;
        }
        _mm256_storeu_si256((__m256i *)(o + e), acc);
    }
    fastup_q8_hcold(s, o, e, n, cold);
}

/* Along W, AVX2, 16 outputs at a time (the block kinds of fastup_q8). */
static FASTUP_AVX2 void fastup_q8_hrow_avx2(const uint8_t *s, int16_t *o, ptrdiff_t n,
                                            ptrdiff_t C, const ptrdiff_t *xs,
                                            const int16_t *wx, ptrdiff_t T,
                                            const fastup_q8 *q) {
    fastup_q8_cold cold = {C, T, xs, wx};
    if (T == 2 && q->np == 1)
        fastup_q8_hrow_loop(s, o, n, C, 2, 1, q, &cold);
    else if (T == 4 && q->np == 2)
        fastup_q8_hrow_loop(s, o, n, C, 4, 2, q, &cold);
    else
        fastup_q8_hrow_loop(s, o, n, C, T, q->np, q, &cold);
}

/* 16 outputs of the H step at i, scaled by 2**5 (T taps; a constant T where it helps). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_q8_vsum(const int16_t *const *rows, const __m256i *w, ptrdiff_t T, ptrdiff_t i) {
    ptrdiff_t t;
    __m256i acc = _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(rows[0] + i)), w[0]);
    for (t = 1; t < T; t++)
        acc = _mm256_add_epi16(
            acc, _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(rows[t] + i)), w[t]));
    return acc;
}

/* 32 outputs of the H step at i as uint8: the sums divided by 32 rounded half up, saturated
 * by packus (which works within 128-bit lanes: one permute puts the halves back in order). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_q8_v32(const int16_t *const *rows, const __m256i *w, ptrdiff_t T, ptrdiff_t i, uint8_t *d,
              int stream) {
    const __m256i to_u8 = _mm256_set1_epi16(1024);
    __m256i a = _mm256_mulhrs_epi16(fastup_q8_vsum(rows, w, T, i), to_u8);
    __m256i b = _mm256_mulhrs_epi16(fastup_q8_vsum(rows, w, T, i + 16), to_u8);
    __m256i out = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
    if (stream)
        _mm256_stream_si256((__m256i *)(d + i), out);
    else
        _mm256_storeu_si256((__m256i *)(d + i), out);
}

/* Outputs [i, e) of the H step (e - i a multiple of 32), 32 at a time; the next i. */
static FASTUP_AVX2 inline __attribute__((always_inline)) ptrdiff_t
fastup_q8_vspan(const int16_t *const *rows, const __m256i *wv, ptrdiff_t T, ptrdiff_t i,
                ptrdiff_t e, uint8_t *d, int stream) {
    if (T == 2)
        for (; i < e; i += 32) fastup_q8_v32(rows, wv, 2, i, d, stream);
    else if (T == 4)
        for (; i < e; i += 32) fastup_q8_v32(rows, wv, 4, i, d, stream);
    else
        for (; i < e; i += 32) fastup_q8_v32(rows, wv, T, i, d, stream);
    return i;
}

/* The H step, AVX2, 32 outputs at a time. With ``stream``, the whole cache lines of d are
 * written with non-temporal stores and the partial lines at either end with ordinary ones (a
 * line written partly by each kind costs a read from memory: fastup_stream_lines). */
static FASTUP_AVX2 void fastup_q8_vrow_avx2(const int16_t *const *rows, const int16_t *w,
                                            ptrdiff_t T, ptrdiff_t n, uint8_t *d, int stream) {
    __m256i wv[16];
    ptrdiff_t i = 0, t, h = 0, e = 0; /* [h, e): the streamed whole lines */
    size_t hb, eb;
    if (T > 16) {
        fastup_q8_vrow_plain(rows, w, T, n, d);
        return;
    }
    for (t = 0; t < T; t++) wv[t] = _mm256_set1_epi16(w[t]);
    if (stream) {
        fastup_stream_lines(d, (size_t)n, &hb, &eb);
        h = (ptrdiff_t)hb;
        e = (ptrdiff_t)eb;
    }
    i = fastup_q8_vspan(rows, wv, T, i, h / 32 * 32, d, 0);
    for (; i < h; i++) d[i] = fastup_q8_vout(rows, w, T, i);
    i = fastup_q8_vspan(rows, wv, T, i, e, d, 1);
    i = fastup_q8_vspan(rows, wv, T, i, i + (n - i) / 32 * 32, d, 0);
    for (; i < n; i++) d[i] = fastup_q8_vout(rows, w, T, i);
}
#endif

/* Output rows r0..r1 with the tables q: the W-first order of fastup_rs2d_body, on int16 rows. */
static inline int fastup_q8_body(const fastup_rs2d *j, const fastup_q8 *q, const uint8_t *src,
                                 uint8_t *dst, ptrdiff_t r0, ptrdiff_t r1, int avx2) {
    ptrdiff_t inlen = j->W * j->C, outlen = j->Wo * j->C, T = q->Ty;
    ptrdiff_t stride = outlen + 16, r, t, s;
    int16_t *slots = (int16_t *)malloc((size_t)(T * stride) * sizeof(int16_t));
    ptrdiff_t *tags = (ptrdiff_t *)malloc((size_t)T * sizeof(ptrdiff_t));
    const int16_t **rows = (const int16_t **)malloc((size_t)T * sizeof(int16_t *));
    /* a large output is written with non-temporal stores (AVX2) */
    int stream = avx2 && (double)(j->P * j->Ho) * (double)outlen >= (double)FASTUP_STREAM_BYTES;
    int status = 0;
    if (slots == NULL || tags == NULL || rows == NULL) {
        status = -1;
        goto done;
    }
    for (s = 0; s < T; s++) tags[s] = -1;
    for (r = r0; r < r1; r++) {
        ptrdiff_t p = r / j->Ho, y = r - p * j->Ho;
        ptrdiff_t y0 = j->ys[y];
        const int16_t *wy = q->wy + y * T;
        for (t = 0; t < T; t++) {
            ptrdiff_t tag = p * j->H + y0 + t;
            s = (y0 + t) % T;
            if (tags[s] != tag) {
                const uint8_t *in = src + tag * inlen;
                int16_t *slot = slots + s * stride;
#if FASTUP_HAVE_AVX2_PATH
                if (avx2)
                    fastup_q8_hrow_avx2(in, slot, outlen, j->C, j->xs, q->wx, j->Tx, q);
                else
#endif
                    fastup_q8_hrow_plain(in, slot, j->Wo, j->C, j->xs, q->wx, j->Tx);
                tags[s] = tag;
            }
            rows[t] = slots + s * stride;
        }
#if FASTUP_HAVE_AVX2_PATH
        if (avx2)
            fastup_q8_vrow_avx2(rows, wy, T, outlen, dst + r * outlen, stream);
        else
#endif
            fastup_q8_vrow_plain(rows, wy, T, outlen, dst + r * outlen);
    }
done:
    if (stream) fastup_stream_fence(); /* order the streamed stores before the caller's reads */
    free(slots);
    free(tags);
    free((void *)rows);
    return status;
}

#if FASTUP_HAVE_AVX2_PATH
static FASTUP_AVX2 int fastup_q8_body_avx2(const fastup_rs2d *j, const fastup_q8 *q,
                                           const uint8_t *src, uint8_t *dst, ptrdiff_t r0,
                                           ptrdiff_t r1) {
    return fastup_q8_body(j, q, src, dst, r0, r1, 1);
}
#endif

/* The first and last input byte read by outputs e0..e0+count of a row (fastup_q8). */
static void fastup_q8_span(const fastup_rs2d *j, ptrdiff_t e0, ptrdiff_t count, ptrdiff_t *lo,
                           ptrdiff_t *hi) {
    ptrdiff_t e;
    *lo = -1;
    *hi = -1;
    for (e = e0; e < e0 + count; e++) {
        ptrdiff_t first = j->C * j->xs[e / j->C] + e % j->C, last = first + (j->Tx - 1) * j->C;
        *lo = *lo < 0 || first < *lo ? first : *lo;
        *hi = last > *hi ? last : *hi;
    }
}

/* Fills a lane's pshufb bytes and weights for outputs e0..e0+count, taps t0..t0+ntaps (a tap
 * past the window gets weight 0), read from 16 bytes at lo. Each output takes ntaps int16
 * slots: its pixels' bytes in the low byte (0x80 in the high one: zero). */
static void fastup_q8_lane(const fastup_rs2d *j, const int16_t *wx, ptrdiff_t e0,
                           ptrdiff_t count, ptrdiff_t t0, ptrdiff_t ntaps, ptrdiff_t lo,
                           uint8_t *mask, int16_t *w) {
    ptrdiff_t i, k;
    for (i = 0; i < count; i++) {
        ptrdiff_t e = e0 + i, x = e / j->C, first = j->C * j->xs[x] + e % j->C;
        for (k = 0; k < ntaps; k++) {
            ptrdiff_t t = t0 + k < j->Tx ? t0 + k : t0, at = first + t * j->C - lo;
            mask[2 * (ntaps * i + k)] = (uint8_t)(at >= 0 && at < 16 ? at : 0x80);
            mask[2 * (ntaps * i + k) + 1] = 0x80;
            w[ntaps * i + k] = t0 + k < j->Tx ? wx[x * j->Tx + t] : 0;
        }
    }
}

/* Builds the block tables of q for rows of Wo * C outputs; returns the number of blocks of 16
 * that are not computed one output at a time, or -1 when out of memory. */
static ptrdiff_t fastup_q8_blocks(const fastup_rs2d *j, fastup_q8 *q) {
    ptrdiff_t inlen = j->W * j->C, n = j->Wo * j->C, nb = n / 16, np = q->np;
    ptrdiff_t b, h, l, k, t, good = 0;
    q->kind = (uint8_t *)calloc((size_t)nb + 1, 1);
    q->base = (int32_t *)calloc((size_t)(4 * nb + 1), sizeof(int32_t));
    q->mask = (uint8_t *)calloc((size_t)(nb * np * 64 + 1), 1);
    q->wb = (int16_t *)calloc((size_t)(nb * np * 32 + 1), sizeof(int16_t));
    if (q->kind == NULL || q->base == NULL || q->mask == NULL || q->wb == NULL) return -1;
    if (inlen < 16) return 0; /* rows too short for a 16-byte load: all of kind 0 */
    for (b = 0; b < nb; b++) {
        uint8_t *m = q->mask + b * np * 64;
        int16_t *w = q->wb + b * np * 32;
        ptrdiff_t lo[4], hi[4];
        int wide = 1, narrow = 1;
        for (l = 0; l < 2; l++) {
            fastup_q8_span(j, 16 * b + 8 * l, 8, &lo[l], &hi[l]);
            wide = wide && hi[l] - lo[l] < 16;
            lo[l] = lo[l] + 16 <= inlen ? lo[l] : inlen - 16; /* the load ends in the row */
        }
        if (wide) { /* kind 2: per tap, 16 weights of 8 outputs in each lane; one mask */
            int16_t wl[2][8 * 64];
            uint8_t ml[2][16 * 64];
            for (l = 0; l < 2; l++) {
                q->base[4 * b + l] = (int32_t)lo[l];
                fastup_q8_lane(j, q->wx, 16 * b + 8 * l, 8, 0, j->Tx, lo[l], ml[l], wl[l]);
            }
            /* fastup_q8_lane lays the taps out per output; the kernel wants them per tap */
            for (t = 0; t < j->Tx; t++)
                for (l = 0; l < 2; l++)
                    for (k = 0; k < 8; k++) {
                        w[16 * t + 8 * l + k] = wl[l][j->Tx * k + t];
                        if (t == 0) {
                            m[16 * l + 2 * k] = ml[l][2 * j->Tx * k];
                            m[16 * l + 2 * k + 1] = 0x80;
                        }
                    }
            q->kind[b] = 2;
            good++;
            continue;
        }
        for (h = 0; h < 2; h++)
            for (l = 0; l < 2; l++) {
                ptrdiff_t *a = &lo[2 * h + l];
                fastup_q8_span(j, 16 * b + 8 * h + 4 * l, 4, a, &hi[2 * h + l]);
                narrow = narrow && hi[2 * h + l] - *a < 16;
                *a = *a + 16 <= inlen ? *a : inlen - 16;
            }
        if (!narrow) continue; /* kind 0 */
        for (h = 0; h < 2; h++)
            for (l = 0; l < 2; l++) {
                q->base[4 * b + 2 * h + l] = (int32_t)lo[2 * h + l];
                for (k = 0; k < np; k++)
                    fastup_q8_lane(j, q->wx, 16 * b + 8 * h + 4 * l, 4, 2 * k, 2,
                                   lo[2 * h + l], m + (h * np + k) * 32 + 16 * l,
                                   w + (h * np + k) * 16 + 8 * l);
            }
        q->kind[b] = 1;
        good++;
    }
    return good;
}

static void fastup_q8_free(fastup_q8 *q) {
    free(q->wx);
    free(q->wy);
    free(q->kind);
    free(q->base);
    free(q->mask);
    free(q->wb);
}

/* Prepares q for job j: 0 when the fixed-point route suits j, 1 when it does not, -1 when out
 * of memory. q is to be released with fastup_q8_free in every case. */
static int fastup_q8_prepare(const fastup_rs2d *j, fastup_q8 *q) {
    int64_t xmag, ymag, hmax;
    ptrdiff_t nb = j->Wo * j->C / 16, good;
    memset(q, 0, sizeof(*q));
    if (j->src_type != FASTUP_U8 || j->dst_type != FASTUP_U8 || j->ys == NULL ||
        j->C >= 16 || j->Tx > 64 || (j->W + j->Tx) * j->C >= 2147483647)
        return 1;
    q->Ty = j->Ty;
    q->np = (j->Tx + 1) / 2;
    q->wx = (int16_t *)malloc((size_t)(j->Wo * j->Tx) * sizeof(int16_t));
    q->wy = (int16_t *)malloc((size_t)(j->Ho * j->Ty) * sizeof(int16_t));
    if (q->wx == NULL || q->wy == NULL) return -1;
    if (fastup_q8_weights(j->xw, j->Wo, j->Tx, q->wx, &xmag) != 0) return 1;
    if (fastup_q8_weights(j->yw, j->Ho, j->Ty, q->wy, &ymag) != 0) return 1;
    /* Every partial sum stays in int16: a W product has magnitude at most
     * (32640 |w14| + 2**14) / 2**15 <= |w14| + 1, an H product (32767 |w14| + 2**14) / 2**15. */
    hmax = xmag + j->Tx;
    if (hmax > 32767 || (hmax * ymag + 16384) / 32768 + q->Ty > 32767) return 1;
    good = fastup_q8_blocks(j, q);
    if (good < 0) return -1;
    return 4 * good < 3 * nb ? 1 : 0; /* mostly wide windows: the float32 route gathers */
}

/* The fixed-point route for rows r0..r1 of a uint8 -> uint8 job: 0 done, -1 out of memory,
 * 1 the tables do not suit it (the caller takes the float32 route). */
static int fastup_rs2d_u8(const fastup_rs2d *j, const void *src, void *dst, ptrdiff_t r0,
                          ptrdiff_t r1) {
    fastup_q8 q;
    int status = fastup_q8_prepare(j, &q);
    if (status == 0) {
#if FASTUP_HAVE_AVX2_PATH
        if (fastup_use_avx2())
            status = fastup_q8_body_avx2(j, &q, (const uint8_t *)src, (uint8_t *)dst, r0, r1);
        else
#endif
            status = fastup_q8_body(j, &q, (const uint8_t *)src, (uint8_t *)dst, r0, r1, 0);
    }
    fastup_q8_free(&q);
    return status;
}

/* For the tests: whether job j takes the fixed-point route (0), not (1) or memory ran out (-1),
 * and how many blocks of 16 outputs of a row are of each kind (kinds[0..2]). */
static int fastup_rs2d_u8_kinds(const fastup_rs2d *j, ptrdiff_t *kinds) {
    fastup_q8 q;
    ptrdiff_t b, nb = j->Wo * j->C / 16;
    int status = fastup_q8_prepare(j, &q);
    kinds[0] = kinds[1] = kinds[2] = 0;
    if (q.kind != NULL)
        for (b = 0; b < nb; b++) kinds[q.kind[b]]++;
    fastup_q8_free(&q);
    return status;
}

#endif
