/* fastup's fused separable resample of two neighbouring axes, in float32.
 *
 * The array is viewed as (P, H, W, C): P independent planes, the outer resized axis H, the
 * inner resized axis W and C interleaved elements after it (C = 1 for NCHW, the channels for
 * NHWC and HWC images). Output row (p, y) is
 *
 *     out[p, y, x, c] = sum_s yw[y, s] * sum_t xw[x, t] * in[p, ys[y] + s, xs[x] + t, c]
 *
 * computed in one of two orders, without an intermediate array (fastup_rs2d_body):
 *   W first: each input row is resampled along W once, into a cache of Ty rows (Ty = taps of
 *            the H table); an output row is the weighted sum of Ty cached rows;
 *   H first: an output row sums Ty input rows into one row, which is resampled along W.
 * Without an H table (ys == NULL, Ho == H) it is a pass along W alone. The inner loop of a sum
 * of rows runs over contiguous floats; along W, with fewer than 16 interleaved elements, the
 * AVX2 copy loads each block of 8 outputs' taps at once and permutes them (or, when they lie
 * too far apart, computes them one at a time).
 *
 * Integer inputs are converted to float32 row by row; integer outputs are saturated and
 * rounded half to even. (A uint8 -> uint8 resize of both axes usually takes the fixed-point
 * route of _resample_fixed.h instead.) Large float32 outputs are
 * written with non-temporal stores.
 *
 * Exact-zero weights: taps of the H table with a zero weight are not read at all; along W,
 * the outputs listed in ``careful`` (sorted; their window holds a zero weight) are recomputed
 * reading only their nonzero taps, so a NaN or inf outside an output's support does not leak in.
 *
 * Every output row is computed by the same instructions whichever thread computes it and
 * whichever rows that thread computed before (a cached row is a function of (p, iy) alone), so
 * results do not depend on how rows are split among threads. On x86-64 a second copy of the
 * row routine is compiled for AVX2+FMA and chosen at run time (fastup_use_avx2, _cpu.h).
 */
#ifndef FASTUP_RESAMPLE_H
#define FASTUP_RESAMPLE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_copy.h"
#include "_cpu.h"

#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FASTUP_INLINE static inline __attribute__((always_inline))
#else
#define FASTUP_INLINE static inline
#endif

/* element types of the input and output arrays */
enum { FASTUP_U8 = 0, FASTUP_I8 = 1, FASTUP_U16 = 2, FASTUP_I16 = 3, FASTUP_F32 = 4 };

typedef struct {
    ptrdiff_t P, H, W, C, Ho, Wo;
    const ptrdiff_t *ys; /* Ho window starts along H, or NULL: no H table (then Ho == H) */
    const float *yw;     /* Ho x Ty weights */
    ptrdiff_t Ty;
    const ptrdiff_t *xs; /* Wo window starts along W */
    const float *xw;     /* Wo x Tx weights */
    ptrdiff_t Tx;
    const ptrdiff_t *careful; /* sorted W outputs to recompute from their nonzero taps */
    ptrdiff_t ncareful;
    int src_type, dst_type;
    int vfirst; /* with an H table: sum input rows along H first, then resample along W */
    const struct fastup_hx1_s *prepared; /* the AVX2 tables along W, made once, or NULL */
} fastup_rs2d;

/* pixels of a long row resampled along W alone per step, staged in L1 and streamed out (a
 * multiple of 8) */
#define FASTUP_HROW_CHUNK 1024
/* outputs of the vertical step per chunk: the running sums stay in L1 */
#define FASTUP_RS_CHUNK 2048

static size_t fastup_type_size(int type) {
    return type == FASTUP_U8 || type == FASTUP_I8 ? 1 : type == FASTUP_F32 ? 4 : 2;
}

#define FASTUP_LOAD(T)                                                                        \
    {                                                                                         \
        const T *s = (const T *)src;                                                          \
        for (i = 0; i < n; i++) out[i] = (float)s[i];                                         \
    }

/* n elements of type ``type`` -> float */
FASTUP_INLINE void fastup_load_row(int type, const void *src, ptrdiff_t n, float *out) {
    ptrdiff_t i;
    switch (type) {
    case FASTUP_U8:
        FASTUP_LOAD(uint8_t)
        break;
    case FASTUP_I8:
        FASTUP_LOAD(int8_t)
        break;
    case FASTUP_U16:
        FASTUP_LOAD(uint16_t)
        break;
    case FASTUP_I16:
        FASTUP_LOAD(int16_t)
        break;
    default:
        memcpy(out, src, (size_t)n * sizeof(float));
    }
}

/* Saturate to [lo, hi], then round half to even: adding and subtracting 1.5 * 2**23 rounds a
 * float of magnitude below 2**22 to the nearest integer, ties to even (as numpy.rint). Written
 * as selects so that the loops vectorise. */
#define FASTUP_STORE_INT(T, LO, HI)                                                           \
    {                                                                                         \
        T *d = (T *)dst;                                                                      \
        for (i = 0; i < n; i++) {                                                             \
            float v = v_in[i];                                                                \
            v = v < (LO) ? (LO) : v;                                                          \
            v = v > (HI) ? (HI) : v;                                                          \
            v = (v + 12582912.0f) - 12582912.0f;                                              \
            d[i] = (T)(int32_t)v;                                                             \
        }                                                                                     \
    }

/* n floats -> type ``type`` at dst (rounded and saturated for integer types) */
FASTUP_INLINE void fastup_store_row(int type, const float *v_in, ptrdiff_t n, void *dst) {
    ptrdiff_t i;
    switch (type) {
    case FASTUP_U8:
        FASTUP_STORE_INT(uint8_t, 0.0f, 255.0f)
        break;
    case FASTUP_I8:
        FASTUP_STORE_INT(int8_t, -128.0f, 127.0f)
        break;
    case FASTUP_U16:
        FASTUP_STORE_INT(uint16_t, 0.0f, 65535.0f)
        break;
    case FASTUP_I16:
        FASTUP_STORE_INT(int16_t, -32768.0f, 32767.0f)
        break;
    default:
        if ((const void *)v_in != dst) memcpy(dst, v_in, (size_t)n * sizeof(float));
    }
}

/* Pixels of many channels read along W (C >= 16: a pixel is a cache line or more): the
 * source a few pixels past the window of this output asked for ahead, one line per output
 * (the hardware prefetchers alone sometimes left the loads waiting on memory: NHWC x2
 * bilinear, 64 channels, up to 22% faster at one thread, no slower where they kept up). A
 * hint: it never faults, even past the array. */
#if defined(__GNUC__) || defined(__clang__)
#define FASTUP_PREFETCH_PIXELS(p, C, T) \
    do { \
        if ((C) >= 16) __builtin_prefetch((p) + ((T) + 2) * (C)); \
    } while (0)
#else
#define FASTUP_PREFETCH_PIXELS(p, C, T) ((void)0)
#endif

/* Along W, portable: o[x, c] = sum_t w[x, t] * s[xs[x] + t, c] for x in [0, Wo). */
FASTUP_INLINE void fastup_hrow_plain(const float *s, float *o, ptrdiff_t Wo, ptrdiff_t C,
                                     const ptrdiff_t *xs, const float *xw, ptrdiff_t T) {
    ptrdiff_t x, c, t;
    if (C == 1 && T == 2) {
        for (x = 0; x < Wo; x++) {
            const float *p = s + xs[x];
            o[x] = xw[2 * x] * p[0] + xw[2 * x + 1] * p[1];
        }
    } else if (C == 1 && T == 4) {
        for (x = 0; x < Wo; x++) {
            const float *p = s + xs[x];
            const float *w = xw + 4 * x;
            o[x] = w[0] * p[0] + w[1] * p[1] + w[2] * p[2] + w[3] * p[3];
        }
    } else if (C == 3 && T == 2) {
        for (x = 0; x < Wo; x++) {
            const float *p = s + 3 * xs[x];
            float w0 = xw[2 * x], w1 = xw[2 * x + 1];
            o[3 * x] = w0 * p[0] + w1 * p[3];
            o[3 * x + 1] = w0 * p[1] + w1 * p[4];
            o[3 * x + 2] = w0 * p[2] + w1 * p[5];
        }
    } else if (C == 3 && T == 4) {
        for (x = 0; x < Wo; x++) {
            const float *p = s + 3 * xs[x];
            const float *w = xw + 4 * x;
            o[3 * x] = w[0] * p[0] + w[1] * p[3] + w[2] * p[6] + w[3] * p[9];
            o[3 * x + 1] = w[0] * p[1] + w[1] * p[4] + w[2] * p[7] + w[3] * p[10];
            o[3 * x + 2] = w[0] * p[2] + w[1] * p[5] + w[2] * p[8] + w[3] * p[11];
        }
    } else if (T == 2) {
        for (x = 0; x < Wo; x++) {
            const float *p = s + C * xs[x];
            float w0 = xw[2 * x], w1 = xw[2 * x + 1];
            float *q = o + C * x;
            FASTUP_PREFETCH_PIXELS(p, C, T);
            for (c = 0; c < C; c++) q[c] = w0 * p[c] + w1 * p[C + c];
        }
    } else {
        for (x = 0; x < Wo; x++) {
            const float *p = s + C * xs[x];
            const float *w = xw + T * x;
            float *q = o + C * x;
            FASTUP_PREFETCH_PIXELS(p, C, T);
            for (c = 0; c < C; c++) q[c] = w[0] * p[c];
            for (t = 1; t < T; t++)
                for (c = 0; c < C; c++) q[c] += w[t] * p[t * C + c];
        }
    }
}

/* Recompute the outputs careful[0:n] that lie in pixels [x0, x1) reading only their nonzero
 * taps; o holds the outputs from pixel x0 on. */
FASTUP_INLINE void fastup_hrow_careful(const float *s, float *o, ptrdiff_t C,
                                       const ptrdiff_t *xs, const float *xw, ptrdiff_t T,
                                       const ptrdiff_t *careful, ptrdiff_t n, ptrdiff_t x0,
                                       ptrdiff_t x1) {
    ptrdiff_t k, c, t;
    for (k = 0; k < n; k++) {
        ptrdiff_t x = careful[k];
        if (x < x0 || x >= x1) continue;
        const float *p = s + C * xs[x];
        const float *w = xw + T * x;
        for (c = 0; c < C; c++) {
            float acc = 0.0f;
            for (t = 0; t < T; t++)
                if (w[t] != 0.0f) acc += w[t] * p[t * C + c];
            o[C * (x - x0) + c] = acc;
        }
    }
}

/* Tables of the AVX2 path along W for few interleaved elements (C < FASTUP_ELEM_MAX_C), built
 * once per job (fastup_rs2d_prepare) or per call of fastup_rs2d_rows: the row is treated as Wo * C outputs, output e = x * C + c
 * reading s[xi[e] + t * C] for t < T, xi[e] = C * xs[x] + c. */
typedef struct fastup_hx1_s {
    int32_t *xi;   /* Wo * C first taps */
    float *wt;     /* weights transposed: T x (Wo * C) */
    uint8_t *mode; /* per block of 8 outputs: 1 (2): all taps within 8 (16) floats from the
                      block's first tap, loaded at once and permuted; 0: one output at a time */
    int32_t *perm; /* blocks of mode 1 or 2, tap t: where each output's tap lies in the loaded
                      floats (perm[e * T + 8 * t + lane]), the sign bit set when in the second
                      vector: one index vector serves the permutes and the blend */
    /* an integer upscale by F = 2, 4 or 8 (C = 1, T = 2 or 4; F = 0: none): outputs
     * [up_lo, up_hi) go in groups F j + p (phase p < F) reading s[up_a[p] + j + t] with the
     * weights up_w[p][t] */
    ptrdiff_t up_f, up_lo, up_hi, up_a[8];
    float up_w[8][4];
    /* one element per pixel (C = 1) and FASTUP_DOT_TAPS taps or more: each output a dot
     * product of its window with its weights, padded with zeros to groups of 8 (ng groups),
     * the last group's loads masked to the window (xi is NULL then) */
    float *dot;
    ptrdiff_t ng;
} fastup_hx1;

#define FASTUP_DOT_TAPS 8

#define FASTUP_ELEM_MAX_C 16

#if FASTUP_HAVE_AVX2_PATH
/* Tap t of 8 outputs from the loaded floats v0 (mode 1) or v0 and v1 (mode 2): a permute by
 * the tap's index vector, and for mode 2 a blend on its sign bits. */
#define FASTUP_TAP1(v0, at) _mm256_permutevar8x32_ps(v0, at)
#define FASTUP_TAP2(v0, v1, at)                                                               \
    _mm256_blendv_ps(_mm256_permutevar8x32_ps(v0, at), _mm256_permutevar8x32_ps(v1, at),      \
                     _mm256_castsi256_ps(at))

/* 8 outputs of a block of mode 1 or 2 with T taps (a constant T where it helps). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256
fastup_elem_block(const float *base, int mode, const int32_t *perm, const float *wt,
                  ptrdiff_t n, ptrdiff_t T) {
    __m256 v0 = _mm256_loadu_ps(base), v1 = v0, acc = _mm256_setzero_ps();
    ptrdiff_t t;
    if (mode == 2) v1 = _mm256_loadu_ps(base + 8);
    for (t = 0; t < T; t++) {
        __m256i at = _mm256_loadu_si256((const __m256i *)(perm + 8 * t));
        __m256 x = mode == 1 ? FASTUP_TAP1(v0, at) : FASTUP_TAP2(v0, v1, at);
        __m256 w = _mm256_loadu_ps(wt + t * n);
        acc = t == 0 ? _mm256_mul_ps(w, x) : _mm256_fmadd_ps(w, x, acc);
    }
    return acc;
}

/* Phase p of an integer upscale (fastup_hx1.up_*) for the 8 groups from j on, summed in the
 * order of fastup_elem_block (the same bits). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256
fastup_up_phase(const float *s, const fastup_hx1 *h, int p, ptrdiff_t j, ptrdiff_t T) {
    const float *b = s + h->up_a[p] + j;
    __m256 acc = _mm256_mul_ps(_mm256_set1_ps(h->up_w[p][0]), _mm256_loadu_ps(b));
    ptrdiff_t t;
    for (t = 1; t < T; t++)
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h->up_w[p][t]), _mm256_loadu_ps(b + t), acc);
    return acc;
}

/* The 8 F outputs of an integer upscale by F from group j on: each phase 8 groups at a time,
 * then interleaved (a transpose of F x 8 into 8 x F). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_up_block(const float *s, const fastup_hx1 *h, ptrdiff_t F, ptrdiff_t j, ptrdiff_t T,
                float *o) {
    __m256 p[8], t[8], u[8];
    int k;
    for (k = 0; k < F; k++) p[k] = fastup_up_phase(s, h, k, j, T);
    if (F == 2) {
        t[0] = _mm256_unpacklo_ps(p[0], p[1]); /* groups 0 1 | 4 5 */
        t[1] = _mm256_unpackhi_ps(p[0], p[1]); /* groups 2 3 | 6 7 */
        _mm256_storeu_ps(o, _mm256_permute2f128_ps(t[0], t[1], 0x20));
        _mm256_storeu_ps(o + 8, _mm256_permute2f128_ps(t[0], t[1], 0x31));
        return;
    }
    for (k = 0; k < F; k += 2) {
        t[k] = _mm256_unpacklo_ps(p[k], p[k + 1]);     /* phases k, k+1 of groups 0 1 | 4 5 */
        t[k + 1] = _mm256_unpackhi_ps(p[k], p[k + 1]); /* ... of groups 2 3 | 6 7 */
    }
    for (k = 0; k < F; k += 4) { /* phases k..k+3 of group 0 | 4, 1 | 5, 2 | 6, 3 | 7 */
        u[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
        u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
        u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
        u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
    }
    if (F == 4) {
        _mm256_storeu_ps(o, _mm256_permute2f128_ps(u[0], u[1], 0x20));
        _mm256_storeu_ps(o + 8, _mm256_permute2f128_ps(u[2], u[3], 0x20));
        _mm256_storeu_ps(o + 16, _mm256_permute2f128_ps(u[0], u[1], 0x31));
        _mm256_storeu_ps(o + 24, _mm256_permute2f128_ps(u[2], u[3], 0x31));
        return;
    }
    for (k = 0; k < 4; k++) { /* F == 8: group k, then group k + 4 */
        _mm256_storeu_ps(o + 8 * k, _mm256_permute2f128_ps(u[k], u[k + 4], 0x20));
        _mm256_storeu_ps(o + 8 * k + 32, _mm256_permute2f128_ps(u[k], u[k + 4], 0x31));
    }
}

/* Output e of fastup_hrow_elem_avx2 alone (a product, then a fused multiply-add per further
 * tap: the bits of the blocks' lanes). Blocks whose taps lie too far apart for one or two
 * loads take 8 of these: faster than gathering them (a vgatherdps of 8 floats took 11 ns on
 * an Ice Lake Xeon; W1 x2 bilinear, whose rows each end in such a block, 18.9 -> 13.8 ms). */
static FASTUP_AVX2 inline __attribute__((always_inline)) float
fastup_elem_one(const float *s, const fastup_hx1 *h, ptrdiff_t n, ptrdiff_t C, ptrdiff_t T,
                ptrdiff_t e) {
    const float *p = s + h->xi[e];
    __m128 acc = _mm_mul_ss(_mm_set_ss(h->wt[e]), _mm_set_ss(p[0]));
    ptrdiff_t t;
    for (t = 1; t < T; t++)
        acc = _mm_fmadd_ss(_mm_set_ss(h->wt[t * n + e]), _mm_set_ss(p[t * C]), acc);
    return _mm_cvtss_f32(acc);
}

/* Along W, C < FASTUP_ELEM_MAX_C, AVX2: outputs [e0, e1) of the n = Wo * C (e0 a multiple of
 * 8), 8 at a time (fastup_hx1; blocks of mode 0 one output at a time), or 8 F at a time in
 * the interior of an upscale by F, into o[0, e1 - e0). */
static FASTUP_AVX2 void fastup_hrow_elem_avx2(const float *s, float *o, ptrdiff_t n,
                                              ptrdiff_t C, ptrdiff_t T, const fastup_hx1 *h,
                                              ptrdiff_t e0, ptrdiff_t e1) {
    const int32_t *xi = h->xi, *perm = h->perm;
    const uint8_t *modes = h->mode;
    const float *wt = h->wt;
    ptrdiff_t e;
    o -= e0;
    for (e = e0; e + 8 <= e1; e += 8) {
        int mode = modes[e >> 3];
        __m256 acc;
        if (h->up_f != 0 && e >= h->up_lo && e + 8 * h->up_f <= h->up_hi &&
            e + 8 * h->up_f <= e1) {
            /* the whole run of the upscale here, with a constant F and T in each loop */
            ptrdiff_t F = h->up_f, stop = (h->up_hi < e1 ? h->up_hi : e1) - 8 * F;
            if (F == 2 && T == 2)
                for (; e <= stop; e += 16) fastup_up_block(s, h, 2, e / 2, 2, o + e);
            else if (F == 2)
                for (; e <= stop; e += 16) fastup_up_block(s, h, 2, e / 2, 4, o + e);
            else if (F == 4 && T == 2)
                for (; e <= stop; e += 32) fastup_up_block(s, h, 4, e / 4, 2, o + e);
            else if (F == 4)
                for (; e <= stop; e += 32) fastup_up_block(s, h, 4, e / 4, 4, o + e);
            else if (T == 2)
                for (; e <= stop; e += 64) fastup_up_block(s, h, 8, e / 8, 2, o + e);
            else
                for (; e <= stop; e += 64) fastup_up_block(s, h, 8, e / 8, 4, o + e);
            e -= 8; /* the loop's step */
            continue;
        }
        if (mode != 0) {
            const float *base = s + xi[e];
            const int32_t *pe = perm + e * T;
            if (T == 2)
                acc = mode == 1 ? fastup_elem_block(base, 1, pe, wt + e, n, 2)
                                : fastup_elem_block(base, 2, pe, wt + e, n, 2);
            else if (T == 4)
                acc = mode == 1 ? fastup_elem_block(base, 1, pe, wt + e, n, 4)
                                : fastup_elem_block(base, 2, pe, wt + e, n, 4);
            else
                acc = fastup_elem_block(base, mode, pe, wt + e, n, T);
        } else { /* one output at a time */
            ptrdiff_t k;
            for (k = e; k < e + 8; k++) o[k] = fastup_elem_one(s, h, n, C, T, k);
            continue;
        }
        _mm256_storeu_ps(o + e, acc);
    }
    for (; e < e1; e++) o[e] = fastup_elem_one(s, h, n, C, T, e);
}

/* Along W, one element per pixel, wide windows, AVX2: output x = the dot product of its
 * window s[xs[x] : xs[x] + T] with its weights (fastup_hx1.dot, 8 taps per fused multiply-add,
 * the last group masked to the window), 8 outputs at a time summed across lanes together. */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256
fastup_dot1(const float *s, const fastup_hx1 *h, const ptrdiff_t *xs, ptrdiff_t x, ptrdiff_t ng,
            __m256i last) {
    const float *p = s + xs[x], *w = h->dot + x * ng * 8;
    __m256 acc = _mm256_mul_ps(_mm256_loadu_ps(w), ng > 1 ? _mm256_loadu_ps(p)
                                                         : _mm256_maskload_ps(p, last));
    ptrdiff_t g;
    for (g = 1; g < ng; g++)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(w + 8 * g),
                              g + 1 < ng ? _mm256_loadu_ps(p + 8 * g)
                                         : _mm256_maskload_ps(p + 8 * g, last),
                              acc);
    return acc;
}

static FASTUP_AVX2 void fastup_hrow_dot_avx2(const float *s, float *o, ptrdiff_t Wo,
                                             const ptrdiff_t *xs, ptrdiff_t T,
                                             const fastup_hx1 *h) {
    const ptrdiff_t ng = h->ng, rest = T - 8 * (ng - 1);
    const __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    ptrdiff_t x = 0;
    for (; x + 8 <= Wo; x += 8) {
        __m256 a[8], h0, h1;
        int i;
        for (i = 0; i < 8; i++) a[i] = fastup_dot1(s, h, xs, x + i, ng, last);
        h0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
        h1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
        _mm256_storeu_ps(o + x, _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20),
                                              _mm256_permute2f128_ps(h0, h1, 0x31)));
    }
    for (; x < Wo; x++) { /* the same sums, one output at a time */
        float lanes[8];
        __m256 a = fastup_dot1(s, h, xs, x, ng, last);
        __m128 q = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        _mm256_storeu_ps(lanes, _mm256_setr_m128(q, _mm_setzero_ps()));
        o[x] = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    }
}

/* Along W, many interleaved elements (C >= FASTUP_ELEM_MAX_C, a multiple of 8), AVX2: each
 * output pixel's C elements 32 (then 8) at a time, its T taps summed in registers in tap
 * order (a product, then a fused multiply-add per further tap: the order of
 * fastup_hrow_plain's loops, without their stores of the partial sums), the source a few
 * pixels ahead asked for as there; the outputs of ``careful`` recomputed from their nonzero
 * taps alone (fastup_hrow_careful). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_many_px(const float *p, const float *w, float *q, ptrdiff_t C, ptrdiff_t T,
               int careful) {
    ptrdiff_t c = 0, t;
    for (; c + 32 <= C; c += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (t = 0; t < T; t++) {
            const float *r = p + t * C + c;
            const __m256 v = _mm256_set1_ps(w[t]);
            if (careful && w[t] == 0.0f) continue;
            if (t == 0) {
                a0 = _mm256_mul_ps(v, _mm256_loadu_ps(r));
                a1 = _mm256_mul_ps(v, _mm256_loadu_ps(r + 8));
                a2 = _mm256_mul_ps(v, _mm256_loadu_ps(r + 16));
                a3 = _mm256_mul_ps(v, _mm256_loadu_ps(r + 24));
            } else {
                a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r), a0);
                a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 8), a1);
                a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 16), a2);
                a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 24), a3);
            }
        }
        _mm256_storeu_ps(q + c, a0);
        _mm256_storeu_ps(q + c + 8, a1);
        _mm256_storeu_ps(q + c + 16, a2);
        _mm256_storeu_ps(q + c + 24, a3);
    }
    for (; c < C; c += 8) {
        __m256 a0 = _mm256_setzero_ps();
        for (t = 0; t < T; t++) {
            const __m256 v = _mm256_set1_ps(w[t]);
            if (careful && w[t] == 0.0f) continue;
            a0 = t == 0 ? _mm256_mul_ps(v, _mm256_loadu_ps(p + c))
                        : _mm256_fmadd_ps(v, _mm256_loadu_ps(p + t * C + c), a0);
        }
        _mm256_storeu_ps(q + c, a0);
    }
}

static FASTUP_AVX2 void fastup_hrow_many_avx2(const float *s, float *o, const fastup_rs2d *j) {
    const ptrdiff_t C = j->C, T = j->Tx, *xs = j->xs;
    const float *xw = j->xw;
    ptrdiff_t x, k;
#define FASTUP_MANY_ROW(TT)                                                                   \
    for (x = 0; x < j->Wo; x++) {                                                             \
        const float *p = s + C * xs[x];                                                       \
        FASTUP_PREFETCH_PIXELS(p, C, TT);                                                     \
        fastup_many_px(p, xw + TT * x, o + C * x, C, TT, 0);                                  \
    }
    if (T == 2) {
        FASTUP_MANY_ROW(2)
    } else if (T == 4) {
        FASTUP_MANY_ROW(4)
    } else {
        FASTUP_MANY_ROW(T)
    }
#undef FASTUP_MANY_ROW
    for (k = 0; k < j->ncareful; k++) {
        x = j->careful[k];
        fastup_many_px(s + C * xs[x], xw + T * x, o + C * x, C, T, 1);
    }
}

/* Element i of row r as a float: float32 (kind 0), uint16 (1) or int16 (2), converted
 * exactly (as fastup_load_row converts it); 8 of them from i on (AVX2). */
static inline float fastup_ld1(const void *r, ptrdiff_t i, int kind) {
    return kind == 0 ? ((const float *)r)[i]
           : kind == 2 ? (float)((const int16_t *)r)[i]
                       : (float)((const uint16_t *)r)[i];
}

static FASTUP_AVX2 inline __attribute__((always_inline)) __m256 fastup_ld8(const void *r,
                                                                           ptrdiff_t i,
                                                                           int kind) {
    __m128i v;
    if (kind == 0) return _mm256_loadu_ps((const float *)r + i);
    v = _mm_loadu_si128((const __m128i *)((const int16_t *)r + i));
    return _mm256_cvtepi32_ps(kind == 2 ? _mm256_cvtepi16_epi32(v) : _mm256_cvtepu16_epi32(v));
}

/* acc[0:n] = sum_t w[t] * rows[t][0:n] over the live rows (NULL rows are not read), rows of
 * float32 or 16-bit integers (kind, as fastup_ld1: converted as they are read, without a float
 * copy of each row), AVX2: the first live row's product, then one fused multiply-add per
 * further row, 32 outputs at a time in registers (the rows are prefetched 256 bytes ahead:
 * many at once outrun the hardware prefetchers). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_vrown_body(const void *const *rows, const float *w, ptrdiff_t T, ptrdiff_t n, float *acc,
                  const int kind) {
    const ptrdiff_t size = kind == 0 ? 4 : 2;
    const void *live[256];
    float wl[256];
    __m256 wv[256];
    ptrdiff_t L = 0, i, t;
    for (t = 0; t < T; t++)
        if (rows[t] != NULL) {
            if (L == 256) { /* more live rows than registers can take: one row at a time */
                L = -1;
                break;
            }
            live[L] = rows[t];
            wl[L] = w[t];
            wv[L++] = _mm256_set1_ps(w[t]);
        }
    if (L <= 0) {
        int started = 0;
        if (L == 0) memset(acc, 0, (size_t)n * sizeof(float));
        for (t = 0; L < 0 && t < T; t++) {
            if (rows[t] == NULL) continue;
            for (i = 0; i < n; i++)
                acc[i] = started ? fmaf(w[t], fastup_ld1(rows[t], i, kind), acc[i])
                                 : w[t] * fastup_ld1(rows[t], i, kind);
            started = 1;
        }
        return;
    }
    for (i = 0; i + 32 <= n; i += 32) {
        __m256 a0 = _mm256_mul_ps(wv[0], fastup_ld8(live[0], i, kind));
        __m256 a1 = _mm256_mul_ps(wv[0], fastup_ld8(live[0], i + 8, kind));
        __m256 a2 = _mm256_mul_ps(wv[0], fastup_ld8(live[0], i + 16, kind));
        __m256 a3 = _mm256_mul_ps(wv[0], fastup_ld8(live[0], i + 24, kind));
        _mm_prefetch((const char *)live[0] + size * i + 256, _MM_HINT_T0);
        for (t = 1; t < L; t++) {
            const void *r = live[t];
            _mm_prefetch((const char *)r + size * i + 256, _MM_HINT_T0);
            a0 = _mm256_fmadd_ps(wv[t], fastup_ld8(r, i, kind), a0);
            a1 = _mm256_fmadd_ps(wv[t], fastup_ld8(r, i + 8, kind), a1);
            a2 = _mm256_fmadd_ps(wv[t], fastup_ld8(r, i + 16, kind), a2);
            a3 = _mm256_fmadd_ps(wv[t], fastup_ld8(r, i + 24, kind), a3);
        }
        _mm256_storeu_ps(acc + i, a0);
        _mm256_storeu_ps(acc + i + 8, a1);
        _mm256_storeu_ps(acc + i + 16, a2);
        _mm256_storeu_ps(acc + i + 24, a3);
    }
    for (; i < n; i++) { /* the same sums, one output at a time */
        float v = wl[0] * fastup_ld1(live[0], i, kind);
        for (t = 1; t < L; t++) v = fmaf(wl[t], fastup_ld1(live[t], i, kind), v);
        acc[i] = v;
    }
}

static FASTUP_AVX2 void fastup_vrown_avx2(const float *const *rows, const float *w, ptrdiff_t T,
                                          ptrdiff_t n, float *acc) {
    fastup_vrown_body((const void *const *)rows, w, T, n, acc, 0);
}

/* fastup_vrown_avx2 on rows of 16-bit integers (sgn: int16, else uint16) */
static FASTUP_AVX2 void fastup_vrown16_avx2(const void *const *rows, const float *w,
                                            ptrdiff_t T, ptrdiff_t n, float *acc, int sgn) {
    if (sgn)
        fastup_vrown_body(rows, w, T, n, acc, 2);
    else
        fastup_vrown_body(rows, w, T, n, acc, 1);
}

/* n floats -> integer type ``type`` at dst, AVX2: saturate, round half to even (the default
 * rounding of vcvtps2dq, as the magic-number rounding of fastup_store_row), narrow. */
static FASTUP_AVX2 void fastup_store_int_avx2(int type, const float *v, ptrdiff_t n,
                                              void *dst) {
    ptrdiff_t i = 0;
    float lo = type == FASTUP_U8 || type == FASTUP_U16 ? 0.0f
               : type == FASTUP_I8                     ? -128.0f
                                                       : -32768.0f;
    float hi = type == FASTUP_U8 ? 255.0f : type == FASTUP_I8 ? 127.0f
               : type == FASTUP_U16                         ? 65535.0f
                                                            : 32767.0f;
    __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    if (type == FASTUP_U8) { /* 32 at a time: one 32-byte store */
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (; i + 32 <= n; i += 32) {
            __m256i q[4], b;
            int k;
            for (k = 0; k < 4; k++)
                q[k] = _mm256_cvtps_epi32(
                    _mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(v + i + 8 * k), vlo), vhi));
            /* packs/packus work within 128-bit lanes: the groups of 4 bytes come out as
             * q0[0:4] q1[0:4] q2[0:4] q3[0:4] q0[4:8] ..., put in order by one permute */
            b = _mm256_packus_epi16(_mm256_packs_epi32(q[0], q[1]),
                                    _mm256_packs_epi32(q[2], q[3]));
            _mm256_storeu_si256((__m256i *)((uint8_t *)dst + i),
                                _mm256_permutevar8x32_epi32(b, order));
        }
    }
    for (; i + 8 <= n; i += 8) {
        __m256i q = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(v + i), vlo),
                                                     vhi));
        __m128i a = _mm256_castsi256_si128(q), b = _mm256_extracti128_si256(q, 1);
        switch (type) {
        case FASTUP_U8:
            a = _mm_packs_epi32(a, b);
            _mm_storel_epi64((__m128i *)((uint8_t *)dst + i), _mm_packus_epi16(a, a));
            break;
        case FASTUP_I8:
            a = _mm_packs_epi32(a, b);
            _mm_storel_epi64((__m128i *)((int8_t *)dst + i), _mm_packs_epi16(a, a));
            break;
        case FASTUP_U16:
            _mm_storeu_si128((__m128i *)((uint16_t *)dst + i), _mm_packus_epi32(a, b));
            break;
        default:
            _mm_storeu_si128((__m128i *)((int16_t *)dst + i), _mm_packs_epi32(a, b));
        }
    }
    if (i < n)
        fastup_store_row(type, v + i, n - i, (char *)dst + (size_t)i * fastup_type_size(type));
}

#endif

/* The vertical step for n outputs: acc[i] = sum over the taps with a row of w[t] * rows[t][i]
 * (rows[t] == NULL: a zero weight, not read). No row at all gives zeros. */
FASTUP_INLINE void fastup_vrow(const float *const *rows, const float *w, ptrdiff_t T,
                               ptrdiff_t n, float *acc) {
    ptrdiff_t i, t, first = -1, live = 0;
    for (t = 0; t < T; t++)
        if (rows[t] != NULL) {
            live++;
            if (first < 0) first = t;
        }
    if (live == 0) {
        memset(acc, 0, (size_t)n * sizeof(float));
        return;
    }
    if (live == 2 && T == 2) {
        const float *r0 = rows[0], *r1 = rows[1];
        float w0 = w[0], w1 = w[1];
        for (i = 0; i < n; i++) acc[i] = w0 * r0[i] + w1 * r1[i];
        return;
    }
    if (live == 4 && T == 4) {
        const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
        float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        for (i = 0; i < n; i++) acc[i] = w0 * r0[i] + w1 * r1[i] + w2 * r2[i] + w3 * r3[i];
        return;
    }
    {
        const float *r = rows[first];
        float wf = w[first];
        for (i = 0; i < n; i++) acc[i] = wf * r[i];
    }
    for (t = first + 1; t < T; t++) {
        const float *r = rows[t];
        float wt = w[t];
        if (r == NULL) continue;
        for (i = 0; i < n; i++) acc[i] += wt * r[i];
    }
}

/* Input row (p, iy) as floats: in place for float32 input, else converted into conv. */
FASTUP_INLINE const float *fastup_src_row(const fastup_rs2d *j, const void *src, ptrdiff_t p,
                                          ptrdiff_t iy, float *conv) {
    ptrdiff_t rowlen = j->W * j->C;
    const char *row = (const char *)src + (size_t)((p * j->H + iy) * rowlen) *
                                              fastup_type_size(j->src_type);
    if (j->src_type == FASTUP_F32) return (const float *)row;
    fastup_load_row(j->src_type, row, rowlen, conv);
    return conv;
}

/* The float row s (W * C) resampled along W into out (Wo * C). */
FASTUP_INLINE void fastup_hrow(const fastup_rs2d *j, const float *s, float *out,
                               const fastup_hx1 *h1, int avx2) {
    (void)h1;
    (void)avx2;
#if FASTUP_HAVE_AVX2_PATH
    if (avx2 && j->C >= FASTUP_ELEM_MAX_C && j->C % 8 == 0) {
        fastup_hrow_many_avx2(s, out, j);
        return;
    }
    if (avx2 && h1->dot != NULL)
        fastup_hrow_dot_avx2(s, out, j->Wo, j->xs, j->Tx, h1);
    else if (avx2 && h1->xi != NULL)
        fastup_hrow_elem_avx2(s, out, j->Wo * j->C, j->C, j->Tx, h1, 0, j->Wo * j->C);
    else
#endif
        fastup_hrow_plain(s, out, j->Wo, j->C, j->xs, j->xw, j->Tx);
    if (j->ncareful > 0)
        fastup_hrow_careful(s, out, j->C, j->xs, j->xw, j->Tx, j->careful, j->ncareful, 0,
                            j->Wo);
}

/* n floats -> dst of type ``type``; avx2 == 2: float32 with non-temporal stores */
FASTUP_INLINE void fastup_store(int type, const float *v, ptrdiff_t n, void *dst, int avx2) {
    (void)avx2;
#if FASTUP_HAVE_AVX2_PATH
    if (avx2 && type != FASTUP_F32) {
        fastup_store_int_avx2(type, v, n, dst);
        return;
    }
    if (avx2 == 2) {
        fastup_stream_copy(dst, v, (size_t)n * sizeof(float));
        return;
    }
#endif
    fastup_store_row(type, v, n, dst);
}

#if FASTUP_HAVE_AVX2_PATH
/* 8 sums of fastup_vrows_avx2 at i: r[0] w[0] + r[1] w[1] (+ r[2] w[2] + r[3] w[3]). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256
fastup_vsum8(const float *const *r, const __m256 *w, ptrdiff_t T, ptrdiff_t i) {
    __m256 v = _mm256_fmadd_ps(w[0], _mm256_loadu_ps(r[0] + i),
                               _mm256_mul_ps(w[1], _mm256_loadu_ps(r[1] + i)));
    if (T == 4) {
        v = _mm256_fmadd_ps(w[2], _mm256_loadu_ps(r[2] + i), v);
        v = _mm256_fmadd_ps(w[3], _mm256_loadu_ps(r[3] + i), v);
    }
    return v;
}

/* fastup_vsum8 on the lanes of mask m alone (the others read nothing and sum zeros). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256
fastup_vsum8m(const float *const *r, const __m256 *w, ptrdiff_t T, ptrdiff_t i, __m256i m) {
    __m256 v = _mm256_fmadd_ps(w[0], _mm256_maskload_ps(r[0] + i, m),
                               _mm256_mul_ps(w[1], _mm256_maskload_ps(r[1] + i, m)));
    if (T == 4) {
        v = _mm256_fmadd_ps(w[2], _mm256_maskload_ps(r[2] + i, m), v);
        v = _mm256_fmadd_ps(w[3], _mm256_maskload_ps(r[3] + i, m), v);
    }
    return v;
}

/* fastup_vrow of T = 2 or 4 live rows, AVX2, written out explicitly (w0 r0 + w1 r1 as one
 * fused multiply-add on the product w1 r1, then one per further row) so that the result does
 * not depend on how a compiler contracts the portable loops; with ``stream`` into float32 dst,
 * the whole cache lines of dst with non-temporal stores from the registers (no staging
 * buffer) and the partial lines at either end with ordinary ones (a line written partly by
 * each kind costs a read from memory: fastup_stream_lines). The first and last few outputs go
 * through masked loads. Streamed or not, the sums are the same. */
static FASTUP_AVX2 void fastup_vrows_avx2(const float *const *rows, const float *w, ptrdiff_t T,
                                          ptrdiff_t n, float *dst, int stream) {
    __m256 wv[4], lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
    float out[8];
    const float *live[4];
    ptrdiff_t i = 0, t, k, h = 0, e = 0; /* [h, e): the streamed whole lines */
    size_t hb, eb;
    for (t = 0; t < 4; t++) {
        wv[t] = _mm256_set1_ps(t < T ? w[t] : 0.0f);
        live[t] = t < T ? rows[t] : rows[0]; /* in registers: the stores cannot change them */
    }
    if (stream && ((uintptr_t)dst & 3) == 0) {
        fastup_stream_lines(dst, (size_t)n * sizeof(float), &hb, &eb);
        h = (ptrdiff_t)(hb / sizeof(float));
        e = (ptrdiff_t)(eb / sizeof(float));
    }
    for (; i + 8 <= h; i += 8) _mm256_storeu_ps(dst + i, fastup_vsum8(live, wv, T, i));
    if (i < h) { /* the first outputs: loads and stores of the lanes below h - i */
        __m256i m =
            _mm256_castps_si256(_mm256_cmp_ps(lane, _mm256_set1_ps((float)(h - i)), 1));
        _mm256_storeu_ps(out, fastup_vsum8m(live, wv, T, i, m));
        for (k = 0; i + k < h; k++) dst[i + k] = out[k]; /* (a masked store is slow on AMD) */
        i = h;
    }
    if (T == 4) {
        for (; i < e; i += 8) _mm256_stream_ps(dst + i, fastup_vsum8(live, wv, 4, i));
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, fastup_vsum8(live, wv, 4, i));
    } else {
        for (; i < e; i += 8) _mm256_stream_ps(dst + i, fastup_vsum8(live, wv, 2, i));
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, fastup_vsum8(live, wv, 2, i));
    }
    if (i < n) { /* the tail: the lanes below n - i */
        __m256i m =
            _mm256_castps_si256(_mm256_cmp_ps(lane, _mm256_set1_ps((float)(n - i)), 1));
        _mm256_storeu_ps(out, fastup_vsum8m(live, wv, T, i, m));
        for (k = 0; i + k < n; k++) dst[i + k] = out[k];
    }
}
#endif

/* out[0:len] = sum_t w[t] * rows[t][0:len] in chunks of FASTUP_RS_CHUNK; each chunk is summed
 * in place (``inplace``: float32 dst) or in buf, then stored (fastup_store, mode ``smode``). */
FASTUP_INLINE void fastup_vstep(const float **rows, const float **part, const float *w,
                                ptrdiff_t T, ptrdiff_t len, int dst_type, char *dst,
                                float *buf, int inplace, int smode) {
    size_t dsize = fastup_type_size(dst_type);
    ptrdiff_t i0, t;
    /* AVX2 with 2 or 4 rows, all live: the explicit sums of fastup_vrows_avx2 */
    int rows24 = smode != 0 && (T == 2 || T == 4) && rows[0] != NULL && rows[1] != NULL &&
                 (T == 2 || (rows[2] != NULL && rows[3] != NULL));
    (void)rows24;
#if FASTUP_HAVE_AVX2_PATH
    if (rows24 && smode == 2 && dst_type == FASTUP_F32) { /* streamed from the registers */
        fastup_vrows_avx2(rows, w, T, len, (float *)dst, 1);
        return;
    }
#endif
    for (i0 = 0; i0 < len; i0 += FASTUP_RS_CHUNK) {
        ptrdiff_t n = len - i0 < FASTUP_RS_CHUNK ? len - i0 : FASTUP_RS_CHUNK;
        const float **use = rows;
        float *a = inplace ? (float *)dst + i0 : buf;
        if (i0 > 0) {
            for (t = 0; t < T; t++) part[t] = rows[t] != NULL ? rows[t] + i0 : NULL;
            use = part;
        }
#if FASTUP_HAVE_AVX2_PATH
        if (rows24)
            fastup_vrows_avx2(use, w, T, n, a, 0);
        else if (smode != 0)
            fastup_vrown_avx2(use, w, T, n, a);
        else
#endif
            fastup_vrow(use, w, T, n, a);
        if (!inplace) fastup_store(dst_type, a, n, dst + (size_t)i0 * dsize, smode);
    }
}

/* Builds the tables of the AVX2 path along W (fastup_hx1) for job j, when they apply (few
 * interleaved elements, rows of at least 8 outputs): h1->xi stays NULL when they do not.
 * 0, or -1 when out of memory (what was allocated is released by fastup_hx1_free). */
static int fastup_hx1_build(const fastup_rs2d *j, fastup_hx1 *h1) {
    ptrdiff_t inlen = j->W * j->C, outlen = j->Wo * j->C, t, e, x, c, apart = 0;
    memset(h1, 0, sizeof(*h1));
    if (!(j->C < FASTUP_ELEM_MAX_C && (j->W + j->Tx) * j->C < 2147483647 && outlen >= 8))
        return 0;
    h1->xi = (int32_t *)malloc((size_t)outlen * sizeof(int32_t));
    h1->wt = (float *)malloc((size_t)(outlen * j->Tx) * sizeof(float));
    h1->mode = (uint8_t *)malloc((size_t)(outlen / 8 + 1));
    h1->perm = (int32_t *)malloc((size_t)(outlen * j->Tx) * sizeof(int32_t));
    if (h1->xi == NULL || h1->wt == NULL || h1->mode == NULL || h1->perm == NULL) return -1;
    for (x = 0; x < j->Wo; x++)
        for (c = 0; c < j->C; c++) {
            e = x * j->C + c;
            h1->xi[e] = (int32_t)(j->xs[x] * j->C + c);
            for (t = 0; t < j->Tx; t++) h1->wt[t * outlen + e] = j->xw[x * j->Tx + t];
        }
    for (e = 0; e + 8 <= outlen; e += 8) {
        ptrdiff_t lo = h1->xi[e], hi = h1->xi[e], span;
        for (t = 1; t < 8; t++) {
            lo = h1->xi[e + t] < lo ? h1->xi[e + t] : lo;
            hi = h1->xi[e + t] > hi ? h1->xi[e + t] : hi;
        }
        span = hi + (j->Tx - 1) * j->C + 1 - lo; /* floats from the lowest tap to the last */
        h1->mode[e >> 3] = lo != h1->xi[e]                     ? 0
                           : span <= 8 && lo + 8 <= inlen   ? 1
                           : span <= 16 && lo + 16 <= inlen ? 2
                                                            : 0;
        for (t = 0; t < j->Tx; t++)
            for (c = 0; c < 8; c++) {
                uint32_t at = (uint32_t)(h1->xi[e + c] - lo + t * j->C);
                if (h1->mode[e >> 3] == 0) at = 0;
                h1->perm[e * j->Tx + 8 * t + c] = (int32_t)(at < 8 ? at : at | 0x80000000u);
            }
        apart += h1->mode[e >> 3] == 0;
    }
    if (j->C == 1 && (j->Tx == 2 || j->Tx == 4)) {
        /* an integer upscale by F from output s0 (group g = s0 / F) on, the first multiple
         * of 8 past the edge: output F jj + p reads from up_a[p] + jj with the weights of
         * output s0 + p, as long as that holds (at least two blocks of 8 F outputs) */
        ptrdiff_t F, p, jj, g, s0, hi;
        for (F = 2; F <= 8 && h1->up_f == 0; F *= 2)
            for (s0 = 8; s0 <= 8 * F && h1->up_f == 0; s0 += 8) {
                g = s0 / F;
                if (j->Wo < s0 + 16 * F) break;
                for (jj = g; F * jj + F <= j->Wo; jj++) {
                    for (p = 0; p < F; p++)
                        if (j->xs[F * jj + p] != j->xs[s0 + p] + jj - g ||
                            memcmp(j->xw + (F * jj + p) * j->Tx, j->xw + (s0 + p) * j->Tx,
                                   (size_t)j->Tx * sizeof(float)) != 0)
                            break;
                    if (p < F) break;
                }
                hi = s0 + (F * jj - s0) / (8 * F) * (8 * F);
                if (hi - s0 >= 16 * F) {
                    h1->up_f = F;
                    h1->up_lo = s0;
                    h1->up_hi = hi;
                    for (p = 0; p < F; p++) {
                        h1->up_a[p] = j->xs[s0 + p] - g;
                        for (t = 0; t < j->Tx; t++)
                            h1->up_w[p][t] = j->xw[(s0 + p) * j->Tx + t];
                    }
                }
            }
    }
    if (j->C == 1 && j->Tx >= FASTUP_DOT_TAPS) { /* wide windows: dot products */
        ptrdiff_t ng = (j->Tx + 7) / 8;
        h1->dot = (float *)calloc((size_t)(j->Wo * ng * 8), sizeof(float));
        if (h1->dot == NULL) return -1;
        h1->ng = ng;
        for (x = 0; x < j->Wo; x++)
            for (t = 0; t < j->Tx; t++) h1->dot[x * ng * 8 + t] = j->xw[x * j->Tx + t];
        free(h1->xi);
        h1->xi = NULL;
        return 0;
    }
    if (j->C > 1 && (j->Tx == 2 || (j->C == 3 && j->Tx == 4)) &&
        2 * apart > outlen / 8) {
        /* mostly blocks of mode 0 (a large downscale): whole pixels one after another, in the
         * unrolled loops of fastup_hrow_plain, are faster */
        free(h1->xi);
        h1->xi = NULL;
    }
    return 0;
}

static void fastup_hx1_free(fastup_hx1 *h1) {
    free(h1->xi);
    free(h1->wt);
    free(h1->mode);
    free(h1->perm);
    free(h1->dot);
    memset(h1, 0, sizeof(*h1));
}

/* Output rows r0..r1 of the P * Ho rows; 0 on success, -1 when out of memory.
 *
 * W first (vfirst == 0): input rows resampled along W are cached (slot = iy mod Ty, tagged
 * with the row), and each output row sums Ty of them: the W work is done once per input row.
 * H first (vfirst == 1): each output row sums Ty input rows (converted to float through the
 * same kind of cache unless they are float32, or 16-bit integers on AVX2, converted by the sums
 * as they read them) into one row, then resamples it along W: the W work is done once per
 * output row, better when H shrinks. */
FASTUP_INLINE int fastup_rs2d_body(const fastup_rs2d *j, const void *src, void *dst,
                                   ptrdiff_t r0, ptrdiff_t r1, int avx2) {
    ptrdiff_t inlen = j->W * j->C, outlen = j->Wo * j->C;
    ptrdiff_t T = j->ys != NULL ? j->Ty : 1;
    int vfirst = j->ys != NULL && j->vfirst;
    int f32in = j->src_type == FASTUP_F32;
    /* AVX2, H first, 16-bit integers: the sums read the input rows themselves (not rows of 2
     * or 4 taps, summed by fastup_vrows_avx2 in another order) */
    int fused16 = avx2 && vfirst && (j->src_type == FASTUP_U16 || j->src_type == FASTUP_I16) &&
                  T != 2 && T != 4;
    /* float32 results are written in place, or (a large output, AVX2) staged and streamed */
    int stream = avx2 && j->dst_type == FASTUP_F32 &&
                 (double)(j->P * j->Ho) * (double)outlen * 4.0 >= (double)FASTUP_STREAM_BYTES &&
                 fastup_pages_resident((const float *)dst + r0 * outlen,
                                       (double)(r1 - r0) * (double)outlen * 4.0);
    int inplace = j->dst_type == FASTUP_F32 && !stream, smode = stream ? 2 : avx2;
    /* the cache: resampled rows (W first), converted input rows (H first), or none */
    ptrdiff_t nslots = !vfirst ? (j->ys != NULL ? T : 1) : (f32in || fused16 ? 0 : T);
    /* (W first: a multiple of 16 floats more than a row, so that the cached rows share the
     * first output row's offset within a cache line, as fastup_half_page_from places them) */
    ptrdiff_t stride = vfirst ? inlen + 8 : outlen + 16;
    size_t dsize = fastup_type_size(j->dst_type);
    ptrdiff_t r, s, t;
    const char *drow0 = (const char *)dst + (size_t)(r0 * outlen) * dsize;
    float *slots = NULL, *conv = NULL, *buf = NULL, *line = NULL, *hout = NULL;
    void *slots_raw = NULL, *hout_raw = NULL;
    ptrdiff_t *tags = NULL;
    const float **rows, **part;
    fastup_hx1 h1 = {NULL, NULL, NULL, NULL, 0, 0, 0, {0}, {{0}}};
    int status = 0;

    rows = (const float **)malloc((size_t)(2 * T) * sizeof(float *));
    part = rows != NULL ? rows + T : NULL;
    /* the row cache and the W-resampled row of H first, read while output rows are written:
     * placed half a page from the thread's first output row (fastup_half_page_from) */
    if (nslots > 0) {
        slots_raw = malloc((size_t)(nslots * stride) * sizeof(float) + FASTUP_PLACE_SLACK);
        if (slots_raw != NULL) slots = (float *)fastup_half_page_from(slots_raw, drow0);
        tags = (ptrdiff_t *)malloc((size_t)nslots * sizeof(ptrdiff_t));
    }
    if (!f32in && !vfirst) conv = (float *)malloc((size_t)(inlen + 8) * sizeof(float));
    if (!inplace) buf = (float *)malloc((FASTUP_RS_CHUNK + 8) * sizeof(float));
    if (vfirst) line = (float *)malloc((size_t)(inlen + 8) * sizeof(float));
    if (vfirst && !inplace) {
        hout_raw = malloc((size_t)(outlen + 8) * sizeof(float) + FASTUP_PLACE_SLACK);
        if (hout_raw != NULL) hout = (float *)fastup_half_page_from(hout_raw, drow0);
    }
    if (rows == NULL || (nslots > 0 && (slots == NULL || tags == NULL)) ||
        (!f32in && !vfirst && conv == NULL) || (!inplace && buf == NULL) ||
        (vfirst && line == NULL) || (vfirst && !inplace && hout == NULL)) {
        status = -1;
        goto done;
    }
#if FASTUP_HAVE_AVX2_PATH
    if (avx2 && j->prepared != NULL)
        h1 = *j->prepared; /* built once with the job (the caller owns it) */
    else if (avx2 && fastup_hx1_build(j, &h1) != 0) {
        status = -1;
        goto done;
    }
#endif
    for (s = 0; s < nslots; s++) tags[s] = -1;

    /* (p, y) of row r kept by counting (no division per row) */
    ptrdiff_t p = r0 / j->Ho, y = r0 - p * j->Ho - 1;
    for (r = r0; r < r1; r++) {
        char *drow = (char *)dst + (size_t)(r * outlen) * dsize;
        ptrdiff_t s0 = 0;
        if (++y == j->Ho) {
            y = 0;
            p++;
        }
        if (nslots > 0 && j->ys != NULL) s0 = j->ys[y] % nslots; /* the slot of tap 0 */
        if (j->ys == NULL) {
            /* W alone. A float32 output row is written in place: it has no slack, and the
             * paths that write past a pixel stop short of the last one. */
            float *h = inplace ? (float *)drow : slots;
            const float *srow = fastup_src_row(j, src, p, y, conv);
#if FASTUP_HAVE_AVX2_PATH
            if (stream && h1.xi != NULL) {
                /* a chunk at a time through a buffer that stays in L1, then streamed out */
                ptrdiff_t x0, x1;
                for (x0 = 0; x0 < j->Wo; x0 = x1) {
                    x1 = j->Wo - x0 < FASTUP_HROW_CHUNK ? j->Wo : x0 + FASTUP_HROW_CHUNK;
                    fastup_hrow_elem_avx2(srow, slots, outlen, j->C, j->Tx, &h1, x0 * j->C,
                                          x1 * j->C);
                    if (j->ncareful > 0)
                        fastup_hrow_careful(srow, slots, j->C, j->xs, j->xw, j->Tx, j->careful,
                                            j->ncareful, x0, x1);
                    fastup_stream_copy(drow + (size_t)(x0 * j->C) * sizeof(float), slots,
                                       (size_t)((x1 - x0) * j->C) * sizeof(float));
                }
                continue;
            }
#endif
            fastup_hrow(j, srow, h, &h1, avx2);
            if (!inplace) fastup_store(j->dst_type, h, outlen, drow, smode);
            continue;
        }
        for (t = 0; t < T; t++) {
            ptrdiff_t iy, tag;
            if (j->yw[y * T + t] == 0.0f) { /* not read */
                rows[t] = NULL;
                continue;
            }
            iy = j->ys[y] + t;
            if (vfirst && f32in) {
                rows[t] = (const float *)src + (p * j->H + iy) * inlen;
                continue;
            }
            if (fused16) { /* (read as 16-bit integers by fastup_vrown16_avx2) */
                rows[t] = (const float *)(const void *)((const int16_t *)src +
                                                        (p * j->H + iy) * inlen);
                continue;
            }
            tag = p * j->H + iy;
            s = s0 + t < nslots ? s0 + t : s0 + t - nslots; /* iy mod nslots (T == nslots) */
            if (tags[s] != tag) {
                float *slot = slots + s * stride;
                if (vfirst)
                    fastup_load_row(j->src_type,
                                    (const char *)src + (size_t)(tag * inlen) *
                                                            fastup_type_size(j->src_type),
                                    inlen, slot);
                else
                    fastup_hrow(j, fastup_src_row(j, src, p, iy, conv), slot, &h1, avx2);
                tags[s] = tag;
            }
            rows[t] = slots + s * stride;
        }
        if (!vfirst) {
            fastup_vstep(rows, part, j->yw + y * T, T, outlen, j->dst_type, drow, buf, inplace,
                         smode);
        } else {
#if FASTUP_HAVE_AVX2_PATH
            if (fused16)
                fastup_vrown16_avx2((const void *const *)rows, j->yw + y * T, T, inlen, line,
                                    j->src_type == FASTUP_I16);
            else
#endif
                fastup_vstep(rows, part, j->yw + y * T, T, inlen, FASTUP_F32, (char *)line,
                             buf, 1, avx2);
            fastup_hrow(j, line, inplace ? (float *)drow : hout, &h1, avx2);
            if (!inplace) fastup_store(j->dst_type, hout, outlen, drow, smode);
        }
    }
done:
    if (stream) fastup_stream_fence(); /* order the streamed stores before the caller's reads */
    free(slots_raw);
    free(tags);
    free((void *)rows);
    free(conv);
    free(buf);
    free(line);
    free(hout_raw);
    if (j->prepared == NULL || !avx2) fastup_hx1_free(&h1);
    return status;
}

#if FASTUP_HAVE_AVX2_PATH
static FASTUP_AVX2 int fastup_rs2d_avx2(const fastup_rs2d *j, const void *src, void *dst,
                                         ptrdiff_t r0, ptrdiff_t r1) {
    return fastup_rs2d_body(j, src, dst, r0, r1, 1);
}
#endif

static int fastup_rs2d_plain(const fastup_rs2d *j, const void *src, void *dst, ptrdiff_t r0,
                             ptrdiff_t r1) {
    return fastup_rs2d_body(j, src, dst, r0, r1, 0);
}

/* Builds the job's AVX2 tables along W once (where the AVX2 copy runs), for many calls;
 * released by fastup_rs2d_unprepare. 0, or -1 when out of memory. */
static int fastup_rs2d_prepare(fastup_rs2d *j) {
    fastup_hx1 *h1;
    j->prepared = NULL;
    if (!fastup_use_avx2()) return 0;
    h1 = (fastup_hx1 *)calloc(1, sizeof(fastup_hx1));
    if (h1 == NULL || fastup_hx1_build(j, h1) != 0) {
        if (h1 != NULL) fastup_hx1_free(h1);
        free(h1);
        return -1;
    }
    j->prepared = h1;
    return 0;
}

static void fastup_rs2d_unprepare(fastup_rs2d *j) {
    if (j->prepared != NULL) {
        fastup_hx1_free((fastup_hx1 *)j->prepared);
        free((void *)j->prepared);
        j->prepared = NULL;
    }
}

/* Output rows r0..r1 (of P * Ho). The caller checks the tables (windows inside the input);
 * 0 on success, -1 when out of memory. (uint8 -> uint8 resizes of both axes usually take the
 * fixed-point route instead, _resample_fixed.h, planned once by the caller.) */
static int fastup_rs2d_rows(const fastup_rs2d *j, const void *src, void *dst, ptrdiff_t r0,
                            ptrdiff_t r1) {
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_use_avx2()) return fastup_rs2d_avx2(j, src, dst, r0, r1);
#endif
    return fastup_rs2d_plain(j, src, dst, r0, r1);
}

#endif
