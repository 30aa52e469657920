/* fastup's uint8 resample of two neighbouring axes in fixed point: the route of
 * fastup_rs2d_rows (_resample.h) for a uint8 -> uint8 resize of both axes (the image case).
 *
 * The arithmetic (every copy and every kernel path computes exactly these integers):
 *
 *   weights     q = round(w * 2**b) in int16, per axis; b is the largest precision that keeps
 *               every sum below in int32 (fastup_fx_bits); in a window whose weights sum to 1
 *               the rounding error is moved onto its largest weight, so the q sum to 2**b and
 *               a constant image stays exactly constant;
 *   first pass  along the axis the plan takes first, on the uint8 input:
 *                 I = (sum_t p_t q_t + 2**(k1 - 1)) >> k1,    k1 = b1 - S
 *               an int16 intermediate scaled by 2**S (S <= 7 fraction bits, the most that keep
 *               every I of this table within int16);
 *   second pass along the other axis, on I:
 *                 out = clamp((sum_t I_t q_t + 2**(k2 - 1)) >> k2, 0, 255),   k2 = b2 + S.
 *
 * These sums are exact (int32, no intermediate rounding, bounded by fastup_fx_bits). A pass of
 * at most FASTUP_FX_SHORT_TAPS taps of H first (upscales, where the cost is in the shuffles
 * around each product, not in the products) is "short" instead: weights scaled by 2**14, each
 * product rounded on its own as pmulhrsw does, mulhrs(a, b) = (a b + 2**14) >> 15, and summed
 * in int16 (16 per instruction, no widening):
 *   short first pass (along W)   I = sum_t mulhrs(p_t << 7, q_t)       (S = 6)
 *   short second pass (along H)  out = clamp(mulhrs(sum_t mulhrs(I_t, q_t), 2**(16 - S)), 0, 255)
 * with every partial sum bounded in int16 by the plan.
 *
 * Either way the order of the sums does not matter: the portable, AVX2 and AVX-512 copies,
 * every block kind and every thread count give the same bytes, and each output depends only
 * on its own taps and on the plan (the order of the passes, which pass is short, the tables),
 * never on how a row was split into vectors.
 * The error against the exact result is bounded when the plan is made (fastup_fx_error) and
 * must be below FASTUP_FX_MAX_ERROR: with the final rounding, each output is within 1 of the
 * float64 oracle. Tables that do not allow it (huge weights) take the float32 route.
 *
 * The order: H first (each needed input row resampled along W once, into a ring of Ty int16
 * rows; each output row sums Ty of them: upscales and mild shrinks), or V first (each output
 * row sums Ty uint8 input rows into one int16 row, then resamples it along W: large shrinks,
 * where summing whole contiguous rows is the cheap part). fastup_fx_plan picks the cheaper by
 * a cost model; the choice depends on the tables and the shape, never on the instruction set.
 *
 * The kernels:
 *   sums of rows (fastup_fx_v8: uint8 rows -> I; fastup_fx_v16: I rows -> uint8): pairs of
 *       rows interleaved and multiplied by pmaddwd, 8 int32 sums per instruction (AVX2);
 *       short (fastup_fx_vs): pmulhrsw on each row, 16 int16 sums per instruction;
 *   sums of uint8 rows of V first in tiles (fastup_fx_v8t): neighbouring output rows share
 *       most input rows, so each pair of input rows is widened once for 2 (AVX2) or 4
 *       (AVX512_VNNI: unpacks widen, vpdpwssd multiplies and adds) output rows; with 2-4
 *       elements per pixel the VNNI tiles write one plane per element ("planar"), and the W
 *       pass runs G1 with one element per pixel on each plane (fastup_fx_g1p); elsewhere
 *       RGB rows with many taps along W are split into planes for it (fastup_fx_g1pl);
 *   along W, short output-parallel (SHORT, H first, uint8 rows): blocks of 16 outputs in two
 *       lanes of 8 whose taps lie within 16 bytes: one pshufb per tap gathers a lane's pixels,
 *       pmulhrsw multiplies 16 at a time;
 *   along W, output-parallel (OP, H first, uint8 rows): blocks of 16 outputs, each lane of 4
 *       outputs gathering its pairs of taps from 16 bytes with one pshufb, then pmaddwd;
 *   along W, tap-parallel (G1, int16 rows, 1 to 4 elements per pixel): per output pixel, the
 *       pairs of taps of each element side by side (a load and one pshufb per 2 to 8 taps),
 *       pmaddwd, lanes summed at the end: any number of taps (wide antialiased kernels);
 *   along W, many elements per pixel (CV): for each output pixel, its taps' pixels are rows
 *       of C elements summed like rows (the kernels of the sums of rows);
 *   along W, anything else (5 to 15 elements per pixel; the portable copy): one output at a
 *       time.
 */
#ifndef FASTUP_RESAMPLE_FIXED_H
#define FASTUP_RESAMPLE_FIXED_H

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

/* the bound on |result - exact| before the final rounding that the fixed point must meet */
#define FASTUP_FX_MAX_ERROR 0.3
/* the most weight bits of an axis */
#define FASTUP_FX_MAX_BITS 22
/* int16 elements of slack after every row buffer (vector loads past a row's last tap read
 * zeros, times a zero weight) */
#define FASTUP_FX_SLACK 64

/* bytes ahead of the sums of uint8 rows that each row is prefetched */
#define FASTUP_FX_AHEAD 256

/* chunk of the portable sums of rows: the sums stay in L1 */
#define FASTUP_FX_CHUNK 512

/* how the W pass gathers */
enum {
    FASTUP_FX_OP = 0,
    FASTUP_FX_G1 = 1,
    FASTUP_FX_ONE = 2,
    FASTUP_FX_SHORT = 3,
    FASTUP_FX_VOP = 4,
    FASTUP_FX_CV = 5
};
/* the fewest taps along W for which V first works on planes (fastup_fx.planar): 12, and 9
 * for 3 elements per pixel, whose G1 groups hold 4 taps in 12 of 16 words (from 9 taps on,
 * 3 groups per pixel cost more than a sum per plane: P2's bicubic shrink 215 -> 171 us; 8
 * taps, 2 groups, are cheaper as they are: 154 vs 173 us). Without VNNI only RGB rows are
 * split into planes (the AVX2 copy, 9 taps on: P2's bicubic shrink 216 -> 193 us, Lanczos
 * 2560x1600 -> 320x200 2451 -> 2207 us; RGBA and 2 elements gain nothing or lose: 1260 ->
 * 1341 us with 16 taps) */
#define FASTUP_FX_PLANAR_TAPS 12
#define FASTUP_FX_PLANAR_TAPS_RGB 9
/* the fewest elements per pixel for which the W pass works on channel vectors (CV) */
#define FASTUP_FX_CV_MIN_C 16
/* the most taps of a short pass */
#define FASTUP_FX_SHORT_TAPS 4

typedef struct {
    ptrdiff_t P, H, W, C, Ho, Wo, Tx, Ty;
    int vfirst; /* 1: V first (sum rows, then along W); 0: H first */
    int hkind;  /* FASTUP_FX_OP / G1 / ONE / SHORT / VOP / CV: the W pass of the AVX2 (VOP:
                   AVX-512) copy */
    int short1, short2; /* the first (W) / second (H) pass of H first is short */
    int planar; /* V first, 2-4 elements per pixel (AVX512_VNNI, whose tiles write the sums of
                   rows as one plane per element) or RGB (AVX2: each row split into planes):
                   the W pass G1 on each plane (weights in wg as for C = 1) */
    int bx, by, S, k1, k2;
    ptrdiff_t *xs, *ys; /* window starts */
    int16_t *qx, *qy;   /* Wo x Tx, Ho x Ty */
    double error;       /* the bound on |result - exact| before the final rounding */
    /* OP blocks of 16 outputs (H first): kind (0: one output at a time, 1: a window per lane
     * of 4 outputs, 2: one window for all), the 4 lane window starts, the pshufb masks of the
     * first pair of taps (two vectors of 8 outputs; pair k adds 2 k C to every index), and
     * the weights of every pair (two vectors of 16 per pair). SHORT blocks in the same
     * arrays: kind (0 or 2), 2 lane window starts (of 4 slots), the mask of tap 0 (one vector;
     * tap t adds t C), the weights of every tap (one vector of 16 per tap). */
    ptrdiff_t nb, np;
    uint8_t *kind;
    int32_t *base;
    uint8_t *mask;
    int16_t *wb;
    /* G1: per output pixel, ng groups of 16 weights in the order of the pshufb'd taps */
    ptrdiff_t ng;
    int16_t *wg;
    /* G1 of V first for RGB (not planar): pixels x + k and x + k + 4 of each block of 8
     * side by side (one per 128-bit lane), nq groups of 2 taps: per block, k < 4 and
     * group, 16 weights (per lane: the pair of taps of each element, then a zero pair) */
    ptrdiff_t nq;
    int16_t *wq;
    /* VOP: the long W pass of H first on AVX512_VBMI machines (chosen there over OP, G1 and
     * ONE when most blocks fit: the sums are the same): blocks of 16 outputs whose taps lie
     * within 64 bytes (vfit, else one at a time),
     * the window's start, the vpermb indices of the first pair of taps (even bytes; pair k
     * adds 2 k C) and the weights of every pair (32 per pair) */
    ptrdiff_t vnb;
    uint8_t *vfit;
    int32_t *vbase;
    uint8_t *vidx;
    int16_t *vw;
} fastup_fx;

/* ------------------------------------------------------------------------------------------
 * weights
 * ------------------------------------------------------------------------------------------ */

/* q = round(w * 2**bits), halves away from zero; a window whose weights sum to 1 (within
 * 1e-6) gets 2**bits - sum(q) added to its largest weight. -1 when a q leaves
 * [-32767, 32767]; else 0, with the largest sum of |q| of a window in *mag. */
static int fastup_fx_quantise(const double *w, ptrdiff_t n, ptrdiff_t T, int bits, int16_t *q,
                              int64_t *mag) {
    const double one = ldexp(1.0, bits);
    ptrdiff_t i, t;
    *mag = 0;
    for (i = 0; i < n; i++) {
        const double *wi = w + i * T;
        int64_t sum = 0, m = 0, r;
        double exact = 0.0;
        ptrdiff_t big = 0;
        for (t = 0; t < T; t++) {
            double v = wi[t] * one;
            if (!(v > -32767.5 && v < 32767.5)) return -1;
            r = (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
            q[i * T + t] = (int16_t)r;
            sum += r;
            exact += wi[t];
            if (wi[t] > wi[big]) big = t;
        }
        if (fabs(exact - 1.0) < 1e-6 && sum != ((int64_t)1 << bits)) {
            r = q[i * T + big] + (((int64_t)1 << bits) - sum);
            if (r > 32767 || r < -32767) return -1;
            q[i * T + big] = (int16_t)r;
        }
        for (t = 0; t < T; t++) m += q[i * T + t] < 0 ? -q[i * T + t] : q[i * T + t];
        *mag = m > *mag ? m : *mag;
    }
    return 0;
}

/* The most bits (<= FASTUP_FX_MAX_BITS) for which the weights fit int16 and every sum of
 * ``vmax`` times |q| over a window, plus the rounding term 2**(bits + extra - 1), stays below
 * 2**31; q filled for it. -1 when no precision of at least 8 bits fits. */
static int fastup_fx_bits(const double *w, ptrdiff_t n, ptrdiff_t T, int64_t vmax, int extra,
                          int16_t *q) {
    double big = 0.0, sum = 0.0;
    ptrdiff_t i, t;
    int bits = FASTUP_FX_MAX_BITS;
    for (i = 0; i < n; i++) { /* the bounds start the search near its end */
        double s = 0.0;
        for (t = 0; t < T; t++) {
            double a = fabs(w[i * T + t]);
            big = a > big ? a : big;
            s += a;
        }
        sum = s > sum ? s : sum;
    }
    if (big > 0.0 && 32767.0 / big < ldexp(1.0, bits)) bits = (int)floor(log2(32767.0 / big));
    if (sum > 0.0 && 2147483647.0 / ((double)vmax * sum) < ldexp(1.0, bits))
        bits = (int)floor(log2(2147483647.0 / ((double)vmax * sum)));
    for (; bits >= 8; bits--) {
        int64_t mag;
        if (fastup_fx_quantise(w, n, T, bits, q, &mag) != 0) continue;
        if (bits + extra - 1 >= 0 &&
            vmax * mag + ((int64_t)1 << (bits + extra - 1)) <= (int64_t)2147483647)
            return bits;
    }
    return -1;
}

/* max over windows of sum |q / 2**bits - w| (the weight rounding) and of sum |w| */
static void fastup_fx_slop(const double *w, const int16_t *q, ptrdiff_t n, ptrdiff_t T,
                           int bits, double *slop, double *abs_sum) {
    const double unit = ldexp(1.0, -bits);
    ptrdiff_t i, t;
    *slop = 0.0;
    *abs_sum = 0.0;
    for (i = 0; i < n; i++) {
        double e = 0.0, a = 0.0;
        for (t = 0; t < T; t++) {
            e += fabs(q[i * T + t] * unit - w[i * T + t]);
            a += fabs(w[i * T + t]);
        }
        *slop = e > *slop ? e : *slop;
        *abs_sum = a > *abs_sum ? a : *abs_sum;
    }
}

/* ------------------------------------------------------------------------------------------
 * the portable copy (and the scalar pieces of the others): the definition, one output at a
 * time or in loops a compiler vectorises
 * ------------------------------------------------------------------------------------------ */

static inline int16_t fastup_fx_to16(int32_t acc, int k) {
    return (int16_t)((acc + (1 << (k - 1))) >> k);
}

static inline uint8_t fastup_fx_to8(int32_t acc, int k) {
    int32_t v = (acc + (1 << (k - 1))) >> k;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* pmulhrsw: a * b / 2**15 rounded half up */
static inline int32_t fastup_mulhrs(int32_t a, int32_t b) { return (a * b + 16384) >> 15; }

/* Output e of a short W pass (x = e / C, c = e % C): I = sum_t mulhrs(p_t << 7, q_t). */
static inline int16_t fastup_fx_hshort(const uint8_t *s, ptrdiff_t e, ptrdiff_t C,
                                       const ptrdiff_t *xs, const int16_t *q, ptrdiff_t T) {
    ptrdiff_t x = e / C, t;
    const uint8_t *p = s + C * xs[x] + (e - x * C);
    const int16_t *w = q + T * x;
    int32_t acc = 0;
    for (t = 0; t < T; t++) acc += fastup_mulhrs((int32_t)p[t * C] << 7, w[t]);
    return (int16_t)acc;
}

/* The short W pass, outputs [e0, e1), one at a time. */
static void fastup_fx_hs_one(const uint8_t *s, int16_t *o, ptrdiff_t e0, ptrdiff_t e1,
                             const fastup_fx *f) {
    ptrdiff_t e;
    for (e = e0; e < e1; e++) o[e] = fastup_fx_hshort(s, e, f->C, f->xs, f->qx, f->Tx);
}

/* The short W pass, portable: pixel by pixel. */
static inline void fastup_fx_hs_plain_c(const uint8_t *s, int16_t *o, const fastup_fx *f,
                                        const ptrdiff_t C) {
    ptrdiff_t T = f->Tx, x, c, t;
    for (x = 0; x < f->Wo; x++) {
        const uint8_t *p = s + C * f->xs[x];
        const int16_t *w = f->qx + T * x;
        for (c = 0; c < C; c++) {
            int32_t acc = 0;
            for (t = 0; t < T; t++) acc += fastup_mulhrs((int32_t)p[t * C + c] << 7, w[t]);
            o[C * x + c] = (int16_t)acc;
        }
    }
}

/* FN(args..., C) with C a constant for 1 to 4 elements per pixel (a copy for each, whose
 * loops the compiler unrolls), else FN(args..., C) as it is */
#define FASTUP_FX_PER_C(C, FN, ...)                                                           \
    switch (C) {                                                                              \
    case 1:                                                                                   \
        FN(__VA_ARGS__, 1);                                                                   \
        break;                                                                                \
    case 2:                                                                                   \
        FN(__VA_ARGS__, 2);                                                                   \
        break;                                                                                \
    case 3:                                                                                   \
        FN(__VA_ARGS__, 3);                                                                   \
        break;                                                                                \
    case 4:                                                                                   \
        FN(__VA_ARGS__, 4);                                                                   \
        break;                                                                                \
    default:                                                                                  \
        FN(__VA_ARGS__, C);                                                                   \
    }

static void fastup_fx_hs_plain(const uint8_t *s, int16_t *o, const fastup_fx *f) {
    FASTUP_FX_PER_C(f->C, fastup_fx_hs_plain_c, s, o, f)
}

/* The short H pass, portable: acc = sum_t mulhrs(rows[t][i], q[t]) in int16, out =
 * clamp(mulhrs(acc, m), 0, 255) with m = 2**(16 - S). */
static void fastup_fx_vs_plain(const int16_t *const *rows, const int16_t *q, ptrdiff_t T,
                               ptrdiff_t n, uint8_t *o, int32_t m) {
    int16_t acc[FASTUP_FX_CHUNK];
    ptrdiff_t i0, i, t;
    for (i0 = 0; i0 < n; i0 += FASTUP_FX_CHUNK) {
        ptrdiff_t len = n - i0 < FASTUP_FX_CHUNK ? n - i0 : FASTUP_FX_CHUNK;
        for (i = 0; i < len; i++) acc[i] = 0;
        for (t = 0; t + 1 < T; t += 2) { /* two rows per pass (sums modulo 2**16 either way) */
            const int16_t *r0 = rows[t] + i0, *r1 = rows[t + 1] + i0;
            const int32_t w0 = q[t], w1 = q[t + 1];
            for (i = 0; i < len; i++)
                acc[i] = (int16_t)(acc[i] + fastup_mulhrs(r0[i], w0) + fastup_mulhrs(r1[i], w1));
        }
        if (t < T) {
            const int16_t *r = rows[t] + i0;
            const int32_t w = q[t];
            for (i = 0; i < len; i++) acc[i] = (int16_t)(acc[i] + fastup_mulhrs(r[i], w));
        }
        for (i = 0; i < len; i++) {
            int32_t v = fastup_mulhrs(acc[i], m);
            o[i0 + i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

/* Output e of a W pass (x = e / C, c = e % C) from a row of uint8 or int16 elements. */
static inline int32_t fastup_fx_hsum8(const uint8_t *s, ptrdiff_t e, ptrdiff_t C,
                                      const ptrdiff_t *xs, const int16_t *q, ptrdiff_t T) {
    ptrdiff_t x = e / C, t;
    const uint8_t *p = s + C * xs[x] + (e - x * C);
    const int16_t *w = q + T * x;
    int32_t acc = 0;
    for (t = 0; t < T; t++) acc += (int32_t)p[t * C] * w[t];
    return acc;
}

static inline int32_t fastup_fx_hsum16(const int16_t *s, ptrdiff_t e, ptrdiff_t C,
                                       const ptrdiff_t *xs, const int16_t *q, ptrdiff_t T) {
    ptrdiff_t x = e / C, t;
    const int16_t *p = s + C * xs[x] + (e - x * C);
    const int16_t *w = q + T * x;
    int32_t acc = 0;
    for (t = 0; t < T; t++) acc += (int32_t)p[t * C] * w[t];
    return acc;
}

/* The W pass of H first (uint8 -> I), outputs [e0, e1), one at a time. */
static void fastup_fx_h8_one(const uint8_t *s, int16_t *o, ptrdiff_t e0, ptrdiff_t e1,
                             const fastup_fx *f) {
    ptrdiff_t e;
    for (e = e0; e < e1; e++) o[e] = fastup_fx_to16(fastup_fx_hsum8(s, e, f->C, f->xs, f->qx,
                                                                    f->Tx), f->k1);
}

/* The W pass of V first (I -> uint8), outputs [e0, e1), one at a time. */
static void fastup_fx_h16_one(const int16_t *s, uint8_t *o, ptrdiff_t e0, ptrdiff_t e1,
                              const fastup_fx *f) {
    ptrdiff_t e;
    for (e = e0; e < e1; e++) o[e] = fastup_fx_to8(fastup_fx_hsum16(s, e, f->C, f->xs, f->qx,
                                                                    f->Tx), f->k2);
}

/* The W pass, portable: pixel by pixel, the C sums of a pixel side by side (a copy for each of
 * 1 to 4 elements per pixel, whose sums stay in registers); many elements: one at a time. */
#define FASTUP_FX_HPLAIN(NAME, SRC_T, DST_T, STORE, K)                                       \
    static inline void NAME##_c(const SRC_T *s, DST_T *o, const fastup_fx *f,                 \
                                const ptrdiff_t C) {                                          \
        const ptrdiff_t T = f->Tx;                                                            \
        ptrdiff_t x, c, t;                                                                    \
        int32_t acc[16];                                                                      \
        for (x = 0; x < f->Wo; x++) {                                                         \
            const SRC_T *p = s + C * f->xs[x];                                                \
            const int16_t *w = f->qx + T * x;                                                 \
            for (c = 0; c < C; c++) acc[c] = 0;                                               \
            for (t = 0; t < T; t++)                                                           \
                for (c = 0; c < C; c++) acc[c] += (int32_t)p[t * C + c] * w[t];               \
            for (c = 0; c < C; c++) o[C * x + c] = STORE(acc[c], f->K);                       \
        }                                                                                     \
    }                                                                                         \
    static void NAME(const SRC_T *s, DST_T *o, const fastup_fx *f) {                          \
        const ptrdiff_t C = f->C;                                                             \
        ptrdiff_t x;                                                                          \
        if (C <= 16) {                                                                        \
            FASTUP_FX_PER_C(C, NAME##_c, s, o, f)                                             \
            return;                                                                           \
        }                                                                                     \
        for (x = 0; x < f->Wo * C; x++)                                                       \
            o[x] = STORE(fastup_fx_hsum##SRC_T##_(s, x, C, f->xs, f->qx, f->Tx), f->K);       \
    }
#define fastup_fx_hsumuint8_t_ fastup_fx_hsum8
#define fastup_fx_hsumint16_t_ fastup_fx_hsum16
FASTUP_FX_HPLAIN(fastup_fx_h8_plain, uint8_t, int16_t, fastup_fx_to16, k1)
FASTUP_FX_HPLAIN(fastup_fx_h16_plain, int16_t, uint8_t, fastup_fx_to8, k2)

/* the sum (its rounding term already in) shifted: to int16, or saturated to uint8 */
static inline int16_t fastup_fx_fin16(int32_t acc, int k) { return (int16_t)(acc >> k); }
static inline uint8_t fastup_fx_fin8(int32_t acc, int k) {
    int32_t v = acc >> k;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Sums of rows, portable: o[i] = sum_t rows[t][i] q[t], rounded and shifted by k (uint8 rows
 * -> I: fastup_fx_v8_plain; I rows -> uint8: fastup_fx_v16_plain). */
#define FASTUP_FX_VPLAIN(NAME, SRC_T, DST_T, FINISH)                                         \
    static void NAME(const SRC_T *const *rows, const int16_t *q, ptrdiff_t T, ptrdiff_t n,    \
                     DST_T *o, int k) {                                                       \
        int32_t acc[FASTUP_FX_CHUNK];                                                         \
        ptrdiff_t i0, i, t;                                                                   \
        for (i0 = 0; i0 < n; i0 += FASTUP_FX_CHUNK) {                                         \
            ptrdiff_t m = n - i0 < FASTUP_FX_CHUNK ? n - i0 : FASTUP_FX_CHUNK;                \
            const int32_t bias = 1 << (k - 1);                                                \
            for (i = 0; i < m; i++) acc[i] = bias;                                            \
            for (t = 0; t + 1 < T; t += 2) { /* two rows per pass over the sums */           \
                const SRC_T *r0 = rows[t] + i0, *r1 = rows[t + 1] + i0;                       \
                const int32_t w0 = q[t], w1 = q[t + 1];                                       \
                for (i = 0; i < m; i++)                                                       \
                    acc[i] += (int32_t)r0[i] * w0 + (int32_t)r1[i] * w1;                      \
            }                                                                                 \
            for (; t < T; t++) {                                                              \
                const SRC_T *r = rows[t] + i0;                                                \
                const int32_t w = q[t];                                                       \
                for (i = 0; i < m; i++) acc[i] += (int32_t)r[i] * w;                          \
            }                                                                                 \
            for (i = 0; i < m; i++) o[i0 + i] = FINISH(acc[i], k);                            \
        }                                                                                     \
    }
FASTUP_FX_VPLAIN(fastup_fx_v8_plain, uint8_t, int16_t, fastup_fx_fin16)
FASTUP_FX_VPLAIN(fastup_fx_v16_plain, int16_t, uint8_t, fastup_fx_fin8)

/* Sums of rows for several output rows at once (V first): neighbouring output rows read
 * mostly the same input rows (a shrink by s with a kernel of support r: 2 r of them for each
 * input row), so the tiled kernels widen each pair of input rows once and multiply it into the
 * sums of every output row of the tile whose window holds it. The pairs run over the union of
 * the windows; output g's weights are 0 outside its own window, and its sums skip the pairs
 * that do not meet it (bit g of act[t]). The sums are those of the per-row kernels (exact
 * int32), so the bytes are the same. */
#define FASTUP_FX_TILE 4       /* the most output rows of a tile */
#define FASTUP_FX_TILE_PAIRS 96 /* the most pairs of input rows of a tile */
typedef struct {
    /* pair t: rows row0 + 2 t stride and the next, but the last pair of an odd union: its
     * row with itself (the second weight 0); the kernels step through them by address */
    const uint8_t *row0;
    ptrdiff_t stride;
    int odd;
    int32_t wp[FASTUP_FX_TILE][FASTUP_FX_TILE_PAIRS]; /* (q[t], q[t + 1]) as one int32 */
    uint8_t act[FASTUP_FX_TILE_PAIRS]; /* bit g: output g reads the pair */
    ptrdiff_t npair;
    int G;
} fastup_fx_tile;

/* The union [*u0, *u1) of G windows of T rows starting at ys[g]. */
static void fastup_fx_tile_union(const ptrdiff_t *ys, ptrdiff_t G, ptrdiff_t T, ptrdiff_t *u0,
                                 ptrdiff_t *u1) {
    ptrdiff_t g;
    *u0 = ys[0];
    *u1 = ys[0] + T;
    for (g = 1; g < G; g++) {
        if (ys[g] < *u0) *u0 = ys[g];
        if (ys[g] + T > *u1) *u1 = ys[g] + T;
    }
}

/* The tile of G output rows whose windows start at rows ys[g] of ``plane`` (rows of
 * ``stride`` bytes), T weights each in q (G x T); -1 when their union has too many pairs. */
static int fastup_fx_tile_make(fastup_fx_tile *tl, const uint8_t *plane, ptrdiff_t stride,
                               const ptrdiff_t *ys, const int16_t *q, ptrdiff_t T, int G) {
    ptrdiff_t u0, u1, i;
    int g;
    fastup_fx_tile_union(ys, G, T, &u0, &u1);
    tl->npair = (u1 - u0 + 1) / 2;
    if (tl->npair > FASTUP_FX_TILE_PAIRS) return -1;
    tl->G = G;
    tl->row0 = plane + u0 * stride;
    tl->stride = stride;
    tl->odd = (int)((u1 - u0) & 1);
    for (i = 0; i < tl->npair; i++) tl->act[i] = 0;
    for (g = 0; g < G; g++) { /* output g's weights and the pairs that meet its window */
        ptrdiff_t d = ys[g] - u0;
        for (i = 0; i < tl->npair; i++) {
            ptrdiff_t t0 = 2 * i - d, t1 = t0 + 1;
            uint32_t a = t0 >= 0 && t0 < T ? (uint16_t)q[g * T + t0] : 0;
            uint32_t b = t1 >= 0 && t1 < T ? (uint16_t)q[g * T + t1] : 0;
            tl->wp[g][i] = (int32_t)(a | b << 16);
            if (t1 >= 0 && t0 < T) tl->act[i] |= (uint8_t)(1u << g);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * the AVX2 copy
 * ------------------------------------------------------------------------------------------ */
#if FASTUP_HAVE_AVX2_PATH

/* the pair (q[t], q[t + 1]) as one int32, the second 0 past the last tap */
static inline int32_t fastup_fx_pair(const int16_t *q, ptrdiff_t t, ptrdiff_t T) {
    uint32_t lo = (uint16_t)q[t], hi = t + 1 < T ? (uint16_t)q[t + 1] : 0;
    return (int32_t)(lo | hi << 16);
}

/* Sums of uint8 rows -> I, AVX2: 32 outputs at a time; rows paired (the last one with
 * itself, its partner's weight 0), each pair's bytes interleaved and widened to int16 pairs
 * for pmaddwd. The outputs past the last multiple of 32 are computed again by the last
 * vector ending at n (the same values), or one at a time when n < 32. */
static FASTUP_AVX2 void fastup_fx_v8_avx2(const uint8_t *const *rows, const int16_t *q,
                                          ptrdiff_t T, ptrdiff_t n, int16_t *o, int k) {
    const __m256i bias = _mm256_set1_epi32(1 << (k - 1)), zero = _mm256_setzero_si256();
    const __m128i sh = _mm_cvtsi32_si128(k);
    ptrdiff_t i, t, npair = (T + 1) / 2;
    int32_t wp[64];
    if (n < 32 || npair > 64) {
        fastup_fx_v8_plain(rows, q, T, n, o, k);
        return;
    }
    for (t = 0; t < npair; t++) wp[t] = fastup_fx_pair(q, 2 * t, T);
    for (i = 0;; i += 32) {
        __m256i a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        if (i > n - 32) i = n - 32;
        for (t = 0; t < npair; t++) {
            const uint8_t *ra = rows[2 * t], *rb = 2 * t + 1 < T ? rows[2 * t + 1] : ra;
            __m256i a = _mm256_loadu_si256((const __m256i *)(ra + i));
            __m256i b = _mm256_loadu_si256((const __m256i *)(rb + i));
            __m256i w = _mm256_set1_epi32(wp[t]);
            if ((i & 63) == 0) { /* many rows at once: the hardware prefetchers fall behind */
                _mm_prefetch((const char *)(ra + i + FASTUP_FX_AHEAD), _MM_HINT_T0);
                _mm_prefetch((const char *)(rb + i + FASTUP_FX_AHEAD), _MM_HINT_T0);
            }
            __m256i lo = _mm256_unpacklo_epi8(a, b), hi = _mm256_unpackhi_epi8(a, b);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(lo, zero), w));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(lo, zero), w));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(hi, zero), w));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(hi, zero), w));
        }
        /* a0: outputs 0-3 | 16-19, a1: 4-7 | 20-23, a2: 8-11 | 24-27, a3: 12-15 | 28-31 */
        a0 = _mm256_packs_epi32(_mm256_sra_epi32(a0, sh), _mm256_sra_epi32(a1, sh));
        a2 = _mm256_packs_epi32(_mm256_sra_epi32(a2, sh), _mm256_sra_epi32(a3, sh));
        _mm256_storeu_si256((__m256i *)(o + i), _mm256_permute2x128_si256(a0, a2, 0x20));
        _mm256_storeu_si256((__m256i *)(o + i + 16), _mm256_permute2x128_si256(a0, a2, 0x31));
        if (i + 32 >= n) break;
    }
}

/* Sums of uint8 rows -> I, AVX-512: fastup_fx_v8_avx2 on vectors twice as wide (64 outputs
 * at a time; rows shorter than 64 take the AVX2 copy). */
static FASTUP_AVX512BW void fastup_fx_v8_avx512(const uint8_t *const *rows, const int16_t *q,
                                               ptrdiff_t T, ptrdiff_t n, int16_t *o, int k) {
    const __m512i bias = _mm512_set1_epi32(1 << (k - 1)), zero = _mm512_setzero_si512();
    const __m512i lo_idx = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
    const __m512i hi_idx = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    const __m128i sh = _mm_cvtsi32_si128(k);
    ptrdiff_t i, t, npair = (T + 1) / 2;
    int32_t wp[64];
    const uint8_t *ra[64], *rb[64];
    if (n < 64 || npair > 64) {
        fastup_fx_v8_avx2(rows, q, T, n, o, k);
        return;
    }
    for (t = 0; t < npair; t++) {
        wp[t] = fastup_fx_pair(q, 2 * t, T);
        ra[t] = rows[2 * t];
        rb[t] = 2 * t + 1 < T ? rows[2 * t + 1] : rows[2 * t];
    }
    for (i = 0;; i += 64) {
        __m512i a0 = bias, a1 = bias, a2 = bias, a3 = bias, p01, p23;
        if (i > n - 64) i = n - 64;
        for (t = 0; t < npair; t++) {
            __m512i a = _mm512_loadu_si512((const void *)(ra[t] + i));
            __m512i b = _mm512_loadu_si512((const void *)(rb[t] + i));
            __m512i w = _mm512_set1_epi32(wp[t]);
            __m512i lo = _mm512_unpacklo_epi8(a, b), hi = _mm512_unpackhi_epi8(a, b);
            _mm_prefetch((const char *)(ra[t] + i + FASTUP_FX_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(rb[t] + i + FASTUP_FX_AHEAD), _MM_HINT_T0);
            a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi8(lo, zero), w));
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi8(lo, zero), w));
            a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_unpacklo_epi8(hi, zero), w));
            a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_unpackhi_epi8(hi, zero), w));
        }
        /* per 128-bit lane L: a0 outputs 16L + 0-3, a1 4-7, a2 8-11, a3 12-15 */
        p01 = _mm512_packs_epi32(_mm512_sra_epi32(a0, sh), _mm512_sra_epi32(a1, sh));
        p23 = _mm512_packs_epi32(_mm512_sra_epi32(a2, sh), _mm512_sra_epi32(a3, sh));
        _mm512_storeu_si512((void *)(o + i), _mm512_permutex2var_epi64(p01, lo_idx, p23));
        _mm512_storeu_si512((void *)(o + i + 32), _mm512_permutex2var_epi64(p01, hi_idx, p23));
        if (i + 64 >= n) break;
    }
}

/* A tile of 2 output rows (fastup_fx_tile), AVX2: each pair of input rows widened as in
 * fastup_fx_v8_avx2 once for both. Where the pairs are read by row 0 alone, then both, then
 * row 1 alone (two windows down the rows, or one), three loops without a test per pair; the
 * last pair of an odd union (its row with itself) after them. n >= 32. */
static FASTUP_AVX2 void fastup_fx_v8t_avx2(const fastup_fx_tile *tl, ptrdiff_t n,
                                           int16_t *const *o, int k) {
    const __m256i bias = _mm256_set1_epi32(1 << (k - 1)), zero = _mm256_setzero_si256();
    const __m128i sh = _mm_cvtsi32_si128(k);
    const ptrdiff_t np = tl->npair, st = tl->stride, full = tl->odd ? np - 1 : np;
    ptrdiff_t i, t, s1 = 0, e0;
    int runs = 1;
    /* [0, s1): row 0 alone, [s1, e0): both, [e0, full): row 1 alone */
    while (s1 < np && tl->act[s1] == 1) s1++;
    for (e0 = s1; e0 < np && tl->act[e0] == 3; e0++) {
    }
    for (t = e0; t < np; t++) runs &= tl->act[t] == 2;
    for (i = 0;; i += 32) {
        __m256i c00 = bias, c01 = bias, c02 = bias, c03 = bias;
        __m256i c10 = bias, c11 = bias, c12 = bias, c13 = bias;
        if (i > n - 32) i = n - 32;
        const uint8_t *ra = tl->row0 + i;
#define FASTUP_FX_T2_PAIR(RB, ROW0, ROW1)                                                 \
    {                                                                                     \
        const uint8_t *rb = (RB);                                                         \
        __m256i a = _mm256_loadu_si256((const __m256i *)ra);                              \
        __m256i b = _mm256_loadu_si256((const __m256i *)rb);                              \
        __m256i lo = _mm256_unpacklo_epi8(a, b), hi = _mm256_unpackhi_epi8(a, b);         \
        __m256i p0 = _mm256_unpacklo_epi8(lo, zero), p1 = _mm256_unpackhi_epi8(lo, zero); \
        __m256i p2 = _mm256_unpacklo_epi8(hi, zero), p3 = _mm256_unpackhi_epi8(hi, zero); \
        if ((i & 63) == 0) { /* many rows at once: the hardware prefetchers fall behind */ \
            _mm_prefetch((const char *)(ra + FASTUP_FX_AHEAD), _MM_HINT_T0);              \
            _mm_prefetch((const char *)(rb + FASTUP_FX_AHEAD), _MM_HINT_T0);              \
        }                                                                                 \
        FASTUP_FX_T2(0, ROW0)                                                             \
        FASTUP_FX_T2(1, ROW1)                                                             \
    }
#define FASTUP_FX_T2(g, READS)                                                            \
    if (READS) {                                                                          \
        __m256i w = _mm256_set1_epi32(tl->wp[g][t]);                                      \
        c##g##0 = _mm256_add_epi32(c##g##0, _mm256_madd_epi16(p0, w));                    \
        c##g##1 = _mm256_add_epi32(c##g##1, _mm256_madd_epi16(p1, w));                    \
        c##g##2 = _mm256_add_epi32(c##g##2, _mm256_madd_epi16(p2, w));                    \
        c##g##3 = _mm256_add_epi32(c##g##3, _mm256_madd_epi16(p3, w));                    \
    }
        if (runs) {
            const ptrdiff_t a1 = s1 < full ? s1 : full, a2 = e0 < full ? e0 : full;
            for (t = 0; t < a1; t++, ra += 2 * st) FASTUP_FX_T2_PAIR(ra + st, 1, 0)
            for (; t < a2; t++, ra += 2 * st) FASTUP_FX_T2_PAIR(ra + st, 1, 1)
            for (; t < full; t++, ra += 2 * st) FASTUP_FX_T2_PAIR(ra + st, 0, 1)
            t = full;
        } else {
            for (t = 0; t < full; t++, ra += 2 * st)
                FASTUP_FX_T2_PAIR(ra + st, tl->act[t] & 1, tl->act[t] & 2)
        }
        if (full < np) FASTUP_FX_T2_PAIR(ra, tl->act[t] & 1, tl->act[t] & 2)
#undef FASTUP_FX_T2
#undef FASTUP_FX_T2_PAIR
        /* c_g0: outputs 0-3 | 16-19, c_g1: 4-7 | 20-23, c_g2: 8-11 | 24-27, c_g3: 12-15 | 28-31 */
#define FASTUP_FX_T2_STORE(g)                                                             \
    if (g < tl->G) {                                                                      \
        __m256i x0 = _mm256_packs_epi32(_mm256_sra_epi32(c##g##0, sh),                   \
                                        _mm256_sra_epi32(c##g##1, sh));                   \
        __m256i x2 = _mm256_packs_epi32(_mm256_sra_epi32(c##g##2, sh),                   \
                                        _mm256_sra_epi32(c##g##3, sh));                   \
        _mm256_storeu_si256((__m256i *)(o[g] + i), _mm256_permute2x128_si256(x0, x2, 0x20)); \
        _mm256_storeu_si256((__m256i *)(o[g] + i + 16),                                   \
                            _mm256_permute2x128_si256(x0, x2, 0x31));                     \
    }
        FASTUP_FX_T2_STORE(0)
        FASTUP_FX_T2_STORE(1)
#undef FASTUP_FX_T2_STORE
        if (i + 32 >= n) break;
    }
}

/* A tile of up to 4 output rows (fastup_fx_tile), AVX512_VNNI + AVX512_VBMI: 64 elements
 * of each at a time (4 vectors of 16 int32 sums); each pair of input rows widened once by 6
 * unpacks (bytes of both rows side by side, then each byte beside a zero: vector v holds
 * elements 16 L + 4 v .. 16 L + 4 v + 3 of each 128-bit lane L) and multiplied into the sums
 * of every output row that reads it by vpdpwssd. (The unpacks are one port-5 uop each; the
 * three vpermt2b that gathered the same pairs in order cost two cycles each there.) The sums
 * narrowed and put in order (two packs and two vpermt2q) are stored
 * C = 0: as an I row o[g];
 * C = 2, 3, 4 (``planar``): as C planes of ``ps`` int16 each (o[g] + c ps: element c of
 * every pixel), each plane's elements of the 64 gathered by one vpermt2w and stored masked.
 * n >= 64. */
static FASTUP_AVX512VNNI inline __attribute__((always_inline)) void
fastup_fx_v8t_vnni_body(const fastup_fx_tile *tl, ptrdiff_t n, int16_t *const *o, int k,
                        const int C, ptrdiff_t ps) {
    const __m512i bias = _mm512_set1_epi32(1 << (k - 1)), zero = _mm512_setzero_si512();
    const __m512i lanes0 = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
    const __m512i lanes1 = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    const __m128i sh = _mm_cvtsi32_si128(k);
    const ptrdiff_t np = tl->npair, st = tl->stride, last = tl->odd ? np - 1 : -1;
    /* planar: for a vector starting at element i with i % C == r, plane c's elements are
     * m = m0 + C j of the 64 (m0 = (c - r) mod C): gathered by pick[r][c], cnt[r][c] of them,
     * the first pixel (i + m0) / C */
    int16_t pick[4][4][32];
    int cnt[4][4], m0s[4][4];
    ptrdiff_t i, t;
    if (C) {
        int r, c, j;
        for (r = 0; r < C; r++)
            for (c = 0; c < C; c++) {
                int m0 = (c - r + C) % C;
                m0s[r][c] = m0;
                cnt[r][c] = (64 - m0 + C - 1) / C;
                for (j = 0; j < 32; j++) pick[r][c][j] = (int16_t)((m0 + C * j) & 63);
            }
    }
    for (i = 0;; i += 64) {
        __m512i c00 = bias, c01 = bias, c02 = bias, c03 = bias;
        __m512i c10 = bias, c11 = bias, c12 = bias, c13 = bias;
        __m512i c20 = bias, c21 = bias, c22 = bias, c23 = bias;
        __m512i c30 = bias, c31 = bias, c32 = bias, c33 = bias;
        if (i > n - 64) i = n - 64;
        const uint8_t *ra = tl->row0 + i;
        for (t = 0; t < np; t++, ra += 2 * st) {
            const uint8_t *rb = t != last ? ra + st : ra;
            __m512i a = _mm512_loadu_si512((const void *)ra);
            __m512i b = _mm512_loadu_si512((const void *)rb);
            /* each row loaded once, into a register (folded into both unpacks as a memory
             * operand, the second row's mostly line-splitting load would be made twice) */
            __asm__("" : "+v"(a), "+v"(b));
            __m512i lo = _mm512_unpacklo_epi8(a, b), hi = _mm512_unpackhi_epi8(a, b);
            __m512i p0 = _mm512_unpacklo_epi8(lo, zero), p1 = _mm512_unpackhi_epi8(lo, zero);
            __m512i p2 = _mm512_unpacklo_epi8(hi, zero), p3 = _mm512_unpackhi_epi8(hi, zero);
            const unsigned act = tl->act[t];
            _mm_prefetch((const char *)(ra + FASTUP_FX_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(rb + FASTUP_FX_AHEAD), _MM_HINT_T0);
#define FASTUP_FX_T4(g)                                                                   \
    if (act & (1u << g)) {                                                                \
        __m512i w = _mm512_set1_epi32(tl->wp[g][t]);                                      \
        c##g##0 = _mm512_dpwssd_epi32(c##g##0, p0, w);                                    \
        c##g##1 = _mm512_dpwssd_epi32(c##g##1, p1, w);                                    \
        c##g##2 = _mm512_dpwssd_epi32(c##g##2, p2, w);                                    \
        c##g##3 = _mm512_dpwssd_epi32(c##g##3, p3, w);                                    \
    }
            FASTUP_FX_T4(0)
            FASTUP_FX_T4(1)
            FASTUP_FX_T4(2)
            FASTUP_FX_T4(3)
#undef FASTUP_FX_T4
        }
        /* the sums fit int16 (the plan's bound): packs does not saturate */
#define FASTUP_FX_T4_STORE(g)                                                             \
    if (g < tl->G) {                                                                      \
        __m512i x = _mm512_packs_epi32(_mm512_sra_epi32(c##g##0, sh),                    \
                                       _mm512_sra_epi32(c##g##1, sh));                    \
        __m512i y = _mm512_packs_epi32(_mm512_sra_epi32(c##g##2, sh),                    \
                                       _mm512_sra_epi32(c##g##3, sh));                    \
        __m512i e0 = _mm512_permutex2var_epi64(x, lanes0, y); /* elements 0-31 */         \
        __m512i e1 = _mm512_permutex2var_epi64(x, lanes1, y); /* 32-63 */                 \
        if (C == 0) {                                                                     \
            _mm512_storeu_si512((void *)(o[g] + i), e0);                                  \
            _mm512_storeu_si512((void *)(o[g] + i + 32), e1);                             \
        } else {                                                                          \
            int r = (int)(i % C), c;                                                      \
            for (c = 0; c < C; c++) {                                                     \
                __m512i v = _mm512_permutex2var_epi16(                                    \
                    e0, _mm512_loadu_si512((const void *)pick[r][c]), e1);                \
                _mm512_mask_storeu_epi16(o[g] + c * ps + (i + m0s[r][c]) / C,             \
                                         (__mmask32)(0xFFFFFFFFu >> (32 - cnt[r][c])), v); \
            }                                                                             \
        }                                                                                 \
    }
        FASTUP_FX_T4_STORE(0)
        FASTUP_FX_T4_STORE(1)
        FASTUP_FX_T4_STORE(2)
        FASTUP_FX_T4_STORE(3)
#undef FASTUP_FX_T4_STORE
        if (i + 64 >= n) break;
    }
}

/* fastup_fx_v8t_vnni_body for C = 0 (in order) or 2, 3, 4 (planes of ps) */
static FASTUP_AVX512VNNI void fastup_fx_v8t_vnni(const fastup_fx_tile *tl, ptrdiff_t n,
                                                 int16_t *const *o, int k, int C,
                                                 ptrdiff_t ps) {
    switch (C) {
    case 2:
        fastup_fx_v8t_vnni_body(tl, n, o, k, 2, ps);
        break;
    case 3:
        fastup_fx_v8t_vnni_body(tl, n, o, k, 3, ps);
        break;
    case 4:
        fastup_fx_v8t_vnni_body(tl, n, o, k, 4, ps);
        break;
    default:
        fastup_fx_v8t_vnni_body(tl, n, o, k, 0, 0);
    }
}

/* The long W pass of H first, AVX512_VBMI: a block of 16 outputs from one 64-byte window,
 * each pair of taps gathered and widened by one vpermb (the odd bytes zeroed by its mask),
 * multiplied by pmaddwd; blocks that do not fit are computed one output at a time. */
static FASTUP_AVX512VBMI void fastup_fx_opv_avx512(const uint8_t *s, int16_t *o,
                                                   const fastup_fx *f) {
    const __m512i step = _mm512_set1_epi8((char)(2 * f->C));
    const __m512i bias = _mm512_set1_epi32(1 << (f->k1 - 1));
    const __m128i sh = _mm_cvtsi32_si128(f->k1);
    const __mmask64 even = 0x5555555555555555ULL;
    const ptrdiff_t np = (f->Tx + 1) / 2;
    const __m512i *w = (const __m512i *)f->vw;
    ptrdiff_t b, e, k;
    for (b = 0, e = 0; b < f->vnb; b++, e += 16, w += np) {
        __m512i win, idx, acc;
        if (!f->vfit[b]) {
            fastup_fx_h8_one(s, o, e, e + 16, f);
            continue;
        }
        win = _mm512_loadu_si512((const void *)(s + f->vbase[b]));
        idx = _mm512_loadu_si512((const void *)(f->vidx + 64 * b));
        acc = _mm512_add_epi32(
            bias, _mm512_madd_epi16(_mm512_maskz_permutexvar_epi8(even, idx, win),
                                    _mm512_loadu_si512((const void *)w)));
        for (k = 1; k < np; k++) {
            idx = _mm512_add_epi8(idx, step);
            acc = _mm512_add_epi32(
                acc, _mm512_madd_epi16(_mm512_maskz_permutexvar_epi8(even, idx, win),
                                       _mm512_loadu_si512((const void *)(w + k))));
        }
        _mm256_storeu_si256((__m256i *)(o + e),
                            _mm512_cvtsepi32_epi16(_mm512_sra_epi32(acc, sh)));
    }
    fastup_fx_h8_one(s, o, e, f->Wo * f->C, f);
}

/* Sums of I rows -> uint8, AVX2: 32 outputs at a time (pairs of rows interleaved for
 * pmaddwd). With ``stream``, the whole cache lines of o get non-temporal stores. The tail is
 * computed one output at a time (o is the caller's array: no overlapping vectors). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_v16_32(const int16_t *const *rows, const int32_t *wp, ptrdiff_t T, ptrdiff_t i,
                 __m256i bias, __m128i sh) {
    __m256i a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    ptrdiff_t t, npair = (T + 1) / 2;
    for (t = 0; t < npair; t++) {
        const int16_t *ra = rows[2 * t], *rb = 2 * t + 1 < T ? rows[2 * t + 1] : ra;
        __m256i w = _mm256_set1_epi32(wp[t]);
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(ra + i));
        __m256i y0 = _mm256_loadu_si256((const __m256i *)(rb + i));
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(ra + i + 16));
        __m256i y1 = _mm256_loadu_si256((const __m256i *)(rb + i + 16));
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, y0), w));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, y0), w));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi16(x1, y1), w));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi16(x1, y1), w));
    }
    /* a0: 0-3 | 8-11, a1: 4-7 | 12-15 -> packs: 0-15 in order; a2, a3: 16-31 */
    a0 = _mm256_packs_epi32(_mm256_sra_epi32(a0, sh), _mm256_sra_epi32(a1, sh));
    a2 = _mm256_packs_epi32(_mm256_sra_epi32(a2, sh), _mm256_sra_epi32(a3, sh));
    return _mm256_permute4x64_epi64(_mm256_packus_epi16(a0, a2), 0xD8);
}

static FASTUP_AVX2 void fastup_fx_v16_avx2(const int16_t *const *rows, const int16_t *q,
                                           ptrdiff_t T, ptrdiff_t n, uint8_t *o, int k,
                                           int stream) {
    const __m256i bias = _mm256_set1_epi32(1 << (k - 1));
    const __m128i sh = _mm_cvtsi32_si128(k);
    ptrdiff_t i = 0, t, h = 0, e = 0, npair = (T + 1) / 2;
    size_t hb, eb;
    int32_t wp[64];
    if (npair > 64) {
        fastup_fx_v16_plain(rows, q, T, n, o, k);
        return;
    }
    for (t = 0; t < npair; t++) wp[t] = fastup_fx_pair(q, 2 * t, T);
    if (stream) {
        fastup_stream_lines(o, (size_t)n, &hb, &eb);
        h = (ptrdiff_t)hb;
        e = (ptrdiff_t)eb;
    }
    for (; i + 32 <= h; i += 32)
        _mm256_storeu_si256((__m256i *)(o + i), fastup_fx_v16_32(rows, wp, T, i, bias, sh));
    if (i < h) { /* the head line's last outputs */
        const int16_t *part[128];
        for (t = 0; t < T; t++) part[t] = rows[t] + i;
        fastup_fx_v16_plain(part, q, T, h - i, o + i, k);
        i = h;
    }
    for (; i + 32 <= e; i += 32)
        _mm256_stream_si256((__m256i *)(o + i), fastup_fx_v16_32(rows, wp, T, i, bias, sh));
    for (; i + 32 <= n; i += 32)
        _mm256_storeu_si256((__m256i *)(o + i), fastup_fx_v16_32(rows, wp, T, i, bias, sh));
    if (i < n) {
        const int16_t *part[128];
        for (t = 0; t < T; t++) part[t] = rows[t] + i;
        fastup_fx_v16_plain(part, q, T, n - i, o + i, k);
    }
}

/* Sums of I rows -> uint8, AVX-512: fastup_fx_v16_avx2 on vectors twice as wide (64
 * outputs at a time; the head and tail lines of a streamed row, and rows shorter than 64,
 * through the AVX2 copy, which computes the same integers). */
static FASTUP_AVX512BW inline __attribute__((always_inline)) __m512i
fastup_fx_v16_64(const int16_t *const *rows, const int32_t *wp, ptrdiff_t T, ptrdiff_t i,
                 __m512i bias, __m128i sh, __m512i order) {
    __m512i a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    ptrdiff_t t, npair = (T + 1) / 2;
    for (t = 0; t < npair; t++) {
        const int16_t *ra = rows[2 * t], *rb = 2 * t + 1 < T ? rows[2 * t + 1] : ra;
        __m512i w = _mm512_set1_epi32(wp[t]);
        __m512i x0 = _mm512_loadu_si512((const void *)(ra + i));
        __m512i y0 = _mm512_loadu_si512((const void *)(rb + i));
        __m512i x1 = _mm512_loadu_si512((const void *)(ra + i + 32));
        __m512i y1 = _mm512_loadu_si512((const void *)(rb + i + 32));
        a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi16(x0, y0), w));
        a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi16(x0, y0), w));
        a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_unpacklo_epi16(x1, y1), w));
        a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_unpackhi_epi16(x1, y1), w));
    }
    /* per 128-bit lane L: packs(a0, a1) outputs 8L .. 8L + 7, packs(a2, a3) 32 + 8L ..;
     * packus interleaves them by lane, the qword permute puts the 64 bytes in order */
    a0 = _mm512_packs_epi32(_mm512_sra_epi32(a0, sh), _mm512_sra_epi32(a1, sh));
    a2 = _mm512_packs_epi32(_mm512_sra_epi32(a2, sh), _mm512_sra_epi32(a3, sh));
    return _mm512_permutexvar_epi64(order, _mm512_packus_epi16(a0, a2));
}

static FASTUP_AVX512BW void fastup_fx_v16_avx512(const int16_t *const *rows, const int16_t *q,
                                                 ptrdiff_t T, ptrdiff_t n, uint8_t *o, int k,
                                                 int stream) {
    const __m512i bias = _mm512_set1_epi32(1 << (k - 1));
    const __m512i order = _mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0);
    const __m128i sh = _mm_cvtsi32_si128(k);
    const int16_t *part[128];
    ptrdiff_t i, t, h = 0, e, npair = (T + 1) / 2;
    size_t hb, eb;
    int32_t wp[64];
    if (npair > 64 || n < 128) {
        fastup_fx_v16_avx2(rows, q, T, n, o, k, stream);
        return;
    }
    for (t = 0; t < npair; t++) wp[t] = fastup_fx_pair(q, 2 * t, T);
    e = n / 64 * 64;
    if (stream) { /* whole lines streamed; the partial ones at the ends by the AVX2 copy */
        fastup_stream_lines(o, (size_t)n, &hb, &eb);
        h = (ptrdiff_t)hb;
        e = (ptrdiff_t)eb;
        e = h + (e - h) / 64 * 64;
        if (h > 0) fastup_fx_v16_avx2(rows, q, T, h, o, k, 0);
    }
    for (i = h; i < e; i += 64) {
        __m512i v = fastup_fx_v16_64(rows, wp, T, i, bias, sh, order);
        if (stream)
            _mm512_stream_si512((void *)(o + i), v);
        else
            _mm512_storeu_si512((void *)(o + i), v);
    }
    if (e < n) {
        for (t = 0; t < T; t++) part[t] = rows[t] + e;
        fastup_fx_v16_avx2(part, q, T, n - e, o + e, k, 0);
    }
}

/* uint8 -> int16, AVX2 (the input row of the tap-parallel W pass of H first) */
static FASTUP_AVX2 void fastup_fx_widen_avx2(const uint8_t *s, int16_t *o, ptrdiff_t n) {
    ptrdiff_t i;
    for (i = 0; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(o + i),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s + i))));
    for (; i < n; i++) o[i] = s[i];
}

/* --- OP: blocks of 16 outputs of a uint8 row (H first) ----------------------------------- */

static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_lanes(const uint8_t *lo, const uint8_t *hi) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
                                   _mm_loadu_si128((const __m128i *)hi), 1);
}

/* One block: windows va (outputs 0-7) and vb (8-15); ``np`` pairs of taps (a constant where
 * it helps). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_op_block(__m256i va, __m256i vb, const __m256i *m, const __m256i *w, ptrdiff_t np,
                   __m256i step, __m256i bias, __m128i sh) {
    __m256i ma = _mm256_loadu_si256(m), mb = _mm256_loadu_si256(m + 1);
    __m256i aa = _mm256_add_epi32(bias, _mm256_madd_epi16(_mm256_shuffle_epi8(va, ma),
                                                          _mm256_loadu_si256(w)));
    __m256i ab = _mm256_add_epi32(bias, _mm256_madd_epi16(_mm256_shuffle_epi8(vb, mb),
                                                          _mm256_loadu_si256(w + 1)));
    ptrdiff_t k;
    for (k = 1; k < np; k++) {
        ma = _mm256_add_epi8(ma, step);
        mb = _mm256_add_epi8(mb, step);
        aa = _mm256_add_epi32(aa, _mm256_madd_epi16(_mm256_shuffle_epi8(va, ma),
                                                    _mm256_loadu_si256(w + 2 * k)));
        ab = _mm256_add_epi32(ab, _mm256_madd_epi16(_mm256_shuffle_epi8(vb, mb),
                                                    _mm256_loadu_si256(w + 2 * k + 1)));
    }
    /* aa: outputs 0-3 | 4-7, ab: 8-11 | 12-15 -> packs: 0-3, 8-11 | 4-7, 12-15 */
    return _mm256_permute4x64_epi64(
        _mm256_packs_epi32(_mm256_sra_epi32(aa, sh), _mm256_sra_epi32(ab, sh)), 0xD8);
}

static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_op_loop(const uint8_t *s, int16_t *o, const fastup_fx *f, ptrdiff_t np) {
    const __m256i step = _mm256_set1_epi8((char)(2 * f->C));
    const __m256i bias = _mm256_set1_epi32(1 << (f->k1 - 1));
    const __m128i sh = _mm_cvtsi32_si128(f->k1);
    const uint8_t *kinds = f->kind;
    const int32_t *base = f->base;
    const __m256i *m = (const __m256i *)f->mask;
    const __m256i *w = (const __m256i *)f->wb;
    ptrdiff_t b, e;
    for (b = 0, e = 0; b < f->nb; b++, e += 16, base += 4, m += 2, w += 2 * np) {
        __m256i va, vb;
        if (kinds[b] == 2) {
            va = vb = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(s + base[0])));
        } else if (kinds[b] == 1) {
            va = fastup_fx_lanes(s + base[0], s + base[1]);
            vb = fastup_fx_lanes(s + base[2], s + base[3]);
        } else {
            fastup_fx_h8_one(s, o, e, e + 16, f);
            continue;
        }
        _mm256_storeu_si256((__m256i *)(o + e),
                            fastup_fx_op_block(va, vb, m, w, np, step, bias, sh));
    }
    fastup_fx_h8_one(s, o, e, f->Wo * f->C, f);
}

static FASTUP_AVX2 void fastup_fx_op_avx2(const uint8_t *s, int16_t *o, const fastup_fx *f) {
    if (f->np == 1)
        fastup_fx_op_loop(s, o, f, 1);
    else if (f->np == 2)
        fastup_fx_op_loop(s, o, f, 2);
    else if (f->np == 3)
        fastup_fx_op_loop(s, o, f, 3);
    else
        fastup_fx_op_loop(s, o, f, f->np);
}

/* --- SHORT: blocks of 16 outputs of a uint8 row in two lanes of 8, a pshufb per tap --------- */

/* The 16 outputs of a SHORT block from the lanes' windows v: T taps (a constant where it
 * helps), tap t's mask that of tap 0 plus t C. */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_short_block(__m256i v, __m256i m, const __m256i *w, ptrdiff_t T, __m256i step) {
    __m256i acc = _mm256_mulhrs_epi16(_mm256_slli_epi16(_mm256_shuffle_epi8(v, m), 7),
                                      _mm256_loadu_si256(w));
    ptrdiff_t t;
    for (t = 1; t < T; t++) {
        m = _mm256_add_epi8(m, step);
        acc = _mm256_add_epi16(
            acc, _mm256_mulhrs_epi16(_mm256_slli_epi16(_mm256_shuffle_epi8(v, m), 7),
                                     _mm256_loadu_si256(w + t)));
    }
    return acc;
}

static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_short_loop(const uint8_t *s, int16_t *o, const fastup_fx *f, ptrdiff_t T) {
    const __m256i step = _mm256_set1_epi8((char)f->C);
    const uint8_t *kinds = f->kind;
    const int32_t *base = f->base;
    const __m256i *m = (const __m256i *)f->mask;
    const __m256i *w = (const __m256i *)f->wb;
    ptrdiff_t b, e;
    for (b = 0, e = 0; b < f->nb; b++, e += 16, base += 4, m++, w += T) {
        if (kinds[b] == 0) {
            fastup_fx_hs_one(s, o, e, e + 16, f);
            continue;
        }
        _mm256_storeu_si256((__m256i *)(o + e),
                            fastup_fx_short_block(fastup_fx_lanes(s + base[0], s + base[1]),
                                                  _mm256_loadu_si256(m), w, T, step));
    }
    fastup_fx_hs_one(s, o, e, f->Wo * f->C, f);
}

static FASTUP_AVX2 void fastup_fx_short_avx2(const uint8_t *s, int16_t *o, const fastup_fx *f) {
    if (f->Tx == 2)
        fastup_fx_short_loop(s, o, f, 2);
    else if (f->Tx == 4)
        fastup_fx_short_loop(s, o, f, 4);
    else
        fastup_fx_short_loop(s, o, f, f->Tx);
}

/* The short H pass, AVX2: 32 outputs at a time (T a constant where it helps); with
 * ``stream``, the whole cache lines of o get non-temporal stores. */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_vs_32(const int16_t *const *rows, const __m256i *w, ptrdiff_t T, ptrdiff_t i,
                __m256i m) {
    __m256i a = _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(rows[0] + i)), w[0]);
    __m256i b = _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(rows[0] + i + 16)),
                                    w[0]);
    ptrdiff_t t;
    for (t = 1; t < T; t++) {
        a = _mm256_add_epi16(
            a, _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(rows[t] + i)), w[t]));
        b = _mm256_add_epi16(b, _mm256_mulhrs_epi16(
                                    _mm256_loadu_si256((const __m256i *)(rows[t] + i + 16)), w[t]));
    }
    return _mm256_permute4x64_epi64(
        _mm256_packus_epi16(_mm256_mulhrs_epi16(a, m), _mm256_mulhrs_epi16(b, m)), 0xD8);
}

static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_vs_loop(const int16_t *const *rows, const __m256i *w, ptrdiff_t T, ptrdiff_t n,
                  uint8_t *o, __m256i m, ptrdiff_t h, ptrdiff_t e) {
    ptrdiff_t i = 0;
    for (; i + 32 <= h; i += 32)
        _mm256_storeu_si256((__m256i *)(o + i), fastup_fx_vs_32(rows, w, T, i, m));
    for (i = h > i ? h : i; i + 32 <= e; i += 32)
        _mm256_stream_si256((__m256i *)(o + i), fastup_fx_vs_32(rows, w, T, i, m));
    for (; i + 32 <= n; i += 32)
        _mm256_storeu_si256((__m256i *)(o + i), fastup_fx_vs_32(rows, w, T, i, m));
}

static FASTUP_AVX2 void fastup_fx_vs_avx2(const int16_t *const *rows, const int16_t *q,
                                          ptrdiff_t T, ptrdiff_t n, uint8_t *o, int32_t m,
                                          int stream) {
    __m256i w[FASTUP_FX_SHORT_TAPS];
    const __m256i mv = _mm256_set1_epi16((int16_t)m);
    ptrdiff_t t, h = 0, e = 0, i;
    size_t hb, eb;
    const int16_t *part[FASTUP_FX_SHORT_TAPS];
    for (t = 0; t < T; t++) w[t] = _mm256_set1_epi16(q[t]);
    if (stream) {
        fastup_stream_lines(o, (size_t)n, &hb, &eb);
        h = (ptrdiff_t)hb;
        e = (ptrdiff_t)eb;
    }
    /* the head's partial line, one output at a time (the streamed lines start at h) */
    if (h > 0) {
        for (t = 0; t < T; t++) part[t] = rows[t];
        fastup_fx_vs_plain(part, q, T, h, o, m);
    }
    for (t = 0; t < T; t++) part[t] = rows[t] + h;
    if (T == 2)
        fastup_fx_vs_loop(part, w, 2, n - h, o + h, mv, 0, e - h);
    else if (T == 4)
        fastup_fx_vs_loop(part, w, 4, n - h, o + h, mv, 0, e - h);
    else
        fastup_fx_vs_loop(part, w, T, n - h, o + h, mv, 0, e - h);
    i = h + (n - h) / 32 * 32;
    if (i < n) {
        for (t = 0; t < T; t++) part[t] = rows[t] + i;
        fastup_fx_vs_plain(part, q, T, n - i, o + i, m);
    }
}

/* --- G1: tap-parallel W pass of an int16 row, 1 to 4 elements per pixel ------------------ */

/* taps per group of 16 weights, by C */
static inline ptrdiff_t fastup_fx_group(ptrdiff_t C) { return C == 1 ? 16 : C == 2 ? 8 : 4; }

/* The taps of group g of the pixel at p, pshufb'd: pairs of taps of each element side by
 * side (C = 3: the lanes start at taps 4g and 4g + 2). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_g1_load(const int16_t *p, ptrdiff_t g, ptrdiff_t C, __m256i shuf) {
    if (C == 1) return _mm256_loadu_si256((const __m256i *)(p + 16 * g));
    if (C == 3)
        return _mm256_shuffle_epi8(
            fastup_fx_lanes((const uint8_t *)(p + 12 * g), (const uint8_t *)(p + 12 * g + 6)),
            shuf);
    return _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(p + 16 * g)), shuf);
}

/* The int32 sums of output pixel x (C = 3, 4: lanes [c0 c1 c2 c3 | c0 c1 c2 c3] to add;
 * C = 2: [c0 c1 c0 c1 | ...]; C = 1: eight partial sums). */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_g1_pixel(const int16_t *s, const fastup_fx *f, ptrdiff_t x, ptrdiff_t C, ptrdiff_t ng,
                   __m256i shuf) {
    const int16_t *p = s + C * f->xs[x];
    const __m256i *w = (const __m256i *)(f->wg + 16 * ng * x);
    __m256i acc = _mm256_madd_epi16(fastup_fx_g1_load(p, 0, C, shuf), _mm256_loadu_si256(w));
    ptrdiff_t g;
    for (g = 1; g < ng; g++)
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(fastup_fx_g1_load(p, g, C, shuf),
                                                      _mm256_loadu_si256(w + g)));
    return acc;
}

/* 8 int32 sums of 4 pixels of 1 or 2 elements, or 2 pixels of 3 or 4, in order. */
static FASTUP_AVX2 inline __attribute__((always_inline)) __m256i
fastup_fx_g1_fold4(__m256i a, __m256i b, __m256i c, __m256i d, ptrdiff_t C) {
    if (C == 2) { /* [c0 c1 c0 c1 | c0 c1 c0 c1] per pixel */
        __m256i ab = _mm256_add_epi32(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
        __m256i cd = _mm256_add_epi32(_mm256_unpacklo_epi64(c, d), _mm256_unpackhi_epi64(c, d));
        return _mm256_add_epi32(_mm256_permute2x128_si256(ab, cd, 0x20),
                                _mm256_permute2x128_si256(ab, cd, 0x31));
    }
    (void)c;
    (void)d;
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20),
                            _mm256_permute2x128_si256(a, b, 0x31));
}

/* pixels [x0, x1) of a G1 pass from the int16 row s: to16 into o (H first), or to8 into d
 * (V first). The pixels past the last full group of 4 (C <= 2: 8) are done one at a time. */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_g1_loop(const int16_t *s, int16_t *o, uint8_t *d, const fastup_fx *f, ptrdiff_t C,
                  ptrdiff_t ng) {
    static const uint8_t shufs[5][16] = {
        {0},
        {0},
        {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15},
        {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, 0x80, 0x80, 0x80, 0x80},
        {0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15}};
    const __m256i shuf = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)shufs[C]));
    const int k = d != NULL ? f->k2 : f->k1;
    const __m256i bias = _mm256_set1_epi32(1 << (k - 1));
    const __m128i sh = _mm_cvtsi32_si128(k);
    const ptrdiff_t step = C <= 2 ? 8 : 4; /* pixels per iteration */
    ptrdiff_t x = 0;
    for (; x + step <= f->Wo; x += step) {
        __m256i v0, v1;
        if (C == 1) {
            __m256i a[8], h0, h1;
            int i;
            for (i = 0; i < 8; i++) a[i] = fastup_fx_g1_pixel(s, f, x + i, 1, ng, shuf);
            h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[0], a[1]), _mm256_hadd_epi32(a[2], a[3]));
            h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[4], a[5]), _mm256_hadd_epi32(a[6], a[7]));
            v0 = _mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20),
                                  _mm256_permute2x128_si256(h0, h1, 0x31));
            v1 = v0;
        } else if (C == 2) {
            v0 = fastup_fx_g1_fold4(fastup_fx_g1_pixel(s, f, x, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 1, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 2, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 3, 2, ng, shuf), 2);
            v1 = fastup_fx_g1_fold4(fastup_fx_g1_pixel(s, f, x + 4, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 5, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 6, 2, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 7, 2, ng, shuf), 2);
        } else {
            __m256i zero = _mm256_setzero_si256();
            v0 = fastup_fx_g1_fold4(fastup_fx_g1_pixel(s, f, x, C, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 1, C, ng, shuf), zero, zero,
                                    C);
            v1 = fastup_fx_g1_fold4(fastup_fx_g1_pixel(s, f, x + 2, C, ng, shuf),
                                    fastup_fx_g1_pixel(s, f, x + 3, C, ng, shuf), zero, zero,
                                    C);
        }
        v0 = _mm256_sra_epi32(_mm256_add_epi32(v0, bias), sh);
        v1 = _mm256_sra_epi32(_mm256_add_epi32(v1, bias), sh);
        /* C = 1: v0 = 8 outputs (v1 the same); C = 2: v0, v1 = 4 pixels each; C = 3, 4:
         * v0 = pixels x, x + 1 and v1 = x + 2, x + 3, 4 slots each */
        if (C == 1) {
            __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v0),
                                          _mm256_extracti128_si256(v0, 1));
            if (d != NULL)
                _mm_storel_epi64((__m128i *)(d + x), _mm_packus_epi16(w16, w16));
            else
                _mm_storeu_si128((__m128i *)(o + x), w16);
        } else {
            /* packs: [v0 lane 0, v1 lane 0 | v0 lane 1, v1 lane 1] -> permute: in order */
            __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
            if (C == 2 || C == 4) {
                if (d != NULL) {
                    __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w16),
                                                 _mm256_extracti128_si256(w16, 1));
                    _mm_storeu_si128((__m128i *)(d + C * x), b);
                } else {
                    _mm256_storeu_si256((__m256i *)(o + C * x), w16);
                }
            } else { /* C = 3: 4 slots per pixel, the fourth dropped */
                static const uint8_t pick[16] = {0, 1, 2, 4, 5, 6, 8, 9,
                                                 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80};
                static const uint8_t pick16[16] = {0, 1, 2, 3, 4, 5, 8, 9,
                                                   10, 11, 12, 13, 0x80, 0x80, 0x80, 0x80};
                if (d != NULL) {
                    __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w16),
                                                 _mm256_extracti128_si256(w16, 1));
                    b = _mm_shuffle_epi8(b, _mm_loadu_si128((const __m128i *)pick));
                    _mm_storel_epi64((__m128i *)(d + 3 * x), b);
                    {
                        int32_t tail = _mm_extract_epi32(b, 2);
                        memcpy(d + 3 * x + 8, &tail, 4);
                    }
                } else {
                    __m256i c = _mm256_shuffle_epi8(
                        w16, _mm256_broadcastsi128_si256(
                                 _mm_loadu_si128((const __m128i *)pick16)));
                    /* 6 words per lane: pixels x, x + 1 | x + 2, x + 3 (slack after o) */
                    _mm_storeu_si128((__m128i *)(o + 3 * x), _mm256_castsi256_si128(c));
                    _mm_storeu_si128((__m128i *)(o + 3 * x + 6), _mm256_extracti128_si256(c, 1));
                }
            }
        }
    }
    if (x < f->Wo) {
        if (d != NULL)
            fastup_fx_h16_one(s, d, C * x, C * f->Wo, f);
        else {
            ptrdiff_t e;
            for (e = C * x; e < C * f->Wo; e++)
                o[e] = fastup_fx_to16(fastup_fx_hsum16(s, e, C, f->xs, f->qx, f->Tx), f->k1);
        }
    }
}

/* The G1 pass of V first for RGB (f->wq): 8 pixels at a time, pixels x + k and x + k + 4 in
 * the two lanes of one vector (each lane a whole pixel: no lanes to fold), 2 taps per group,
 * the 8 pixels packed to 24 bytes in order. The sums of fastup_fx_g1_loop with fewer
 * shuffles (those of the shuffle port bound it). */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_g1q_loop(const int16_t *s, uint8_t *d, const fastup_fx *f, ptrdiff_t np) {
    static const uint8_t taps[16] = {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, 0x80, 0x80, 0x80, 0x80};
    static const uint8_t pick[16] = {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80};
    const __m256i shuf = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)taps));
    const __m256i bias = _mm256_set1_epi32(1 << (f->k2 - 1));
    const __m128i sh = _mm_cvtsi32_si128(f->k2);
    const ptrdiff_t full = f->Wo / 8 * 8;
    ptrdiff_t x, k, g;
    for (x = 0; x < full; x += 8) {
        const __m256i *w = (const __m256i *)(f->wq + 16 * 4 * np * (x / 8));
        __m256i v[4], u;
        __m128i hi;
        int32_t tail;
        for (k = 0; k < 4; k++, w += np) {
            const int16_t *pa = s + 3 * f->xs[x + k], *pb = s + 3 * f->xs[x + k + 4];
            __m256i acc = _mm256_madd_epi16(
                _mm256_shuffle_epi8(fastup_fx_lanes((const uint8_t *)pa, (const uint8_t *)pb),
                                    shuf),
                _mm256_loadu_si256(w));
            for (g = 1; g < np; g++)
                acc = _mm256_add_epi32(
                    acc, _mm256_madd_epi16(
                             _mm256_shuffle_epi8(fastup_fx_lanes((const uint8_t *)(pa + 6 * g),
                                                                 (const uint8_t *)(pb + 6 * g)),
                                                 shuf),
                             _mm256_loadu_si256(w + g)));
            v[k] = _mm256_sra_epi32(_mm256_add_epi32(acc, bias), sh);
        }
        /* pixels 0, 1 | 4, 5 and 2, 3 | 6, 7 -> bytes of pixels 0-3 | 4-7, 4 slots each */
        u = _mm256_packus_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
        u = _mm256_shuffle_epi8(u,
                                _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)pick)));
        hi = _mm256_extracti128_si256(u, 1);
        tail = _mm_extract_epi32(hi, 2);
        /* pixels 0-3 (and 4 bytes that the next stores write), then 4-7 */
        _mm_storeu_si128((__m128i *)(d + 3 * x), _mm256_castsi256_si128(u));
        _mm_storel_epi64((__m128i *)(d + 3 * x + 12), hi);
        memcpy(d + 3 * x + 20, &tail, 4);
    }
    if (x < f->Wo) fastup_fx_h16_one(s, d, 3 * x, 3 * f->Wo, f);
}

static FASTUP_AVX2 void fastup_fx_g1_avx2(const int16_t *s, int16_t *o, uint8_t *d,
                                          const fastup_fx *f) {
    if (d != NULL && f->wq != NULL) { /* V first, RGB */
        if (f->nq == 2)
            fastup_fx_g1q_loop(s, d, f, 2);
        else if (f->nq == 3)
            fastup_fx_g1q_loop(s, d, f, 3);
        else if (f->nq == 4)
            fastup_fx_g1q_loop(s, d, f, 4);
        else
            fastup_fx_g1q_loop(s, d, f, f->nq);
        return;
    }
    switch (f->C) {
    case 1:
        if (f->ng == 1)
            fastup_fx_g1_loop(s, o, d, f, 1, 1);
        else
            fastup_fx_g1_loop(s, o, d, f, 1, f->ng);
        break;
    case 2:
        if (f->ng == 1)
            fastup_fx_g1_loop(s, o, d, f, 2, 1);
        else
            fastup_fx_g1_loop(s, o, d, f, 2, f->ng);
        break;
    case 3:
        if (f->ng == 1)
            fastup_fx_g1_loop(s, o, d, f, 3, 1);
        else if (f->ng == 2)
            fastup_fx_g1_loop(s, o, d, f, 3, 2);
        else
            fastup_fx_g1_loop(s, o, d, f, 3, f->ng);
        break;
    default:
        if (f->ng == 1)
            fastup_fx_g1_loop(s, o, d, f, 4, 1);
        else if (f->ng == 2)
            fastup_fx_g1_loop(s, o, d, f, 4, 2);
        else
            fastup_fx_g1_loop(s, o, d, f, 4, f->ng);
    }
}
/* --- RGB planes: the W pass of V first, one plane of elements at a time (AVX2) ----------- */

/* The n RGB pixels of int16 elements at s split into 3 planes of ps elements (p + c ps: element
 * c of each pixel), 16 pixels at a time: each 128-bit lane takes 8 pixels (24 words, three
 * loads), each plane's 8 words ORed from three pshufb. */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_rgb_planes(const int16_t *s, ptrdiff_t n, int16_t *p, ptrdiff_t ps) {
    static const uint8_t m3[3][3][16] = {
        /* [source vector][plane]: words 0-7, 8-15, 16-23 of 8 pixels x 3 */
        {{0, 1, 6, 7, 12, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
         {2, 3, 8, 9, 14, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
         {4, 5, 10, 11, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 2, 3, 8, 9, 14, 15, 0x80, 0x80, 0x80, 0x80},
         {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 4, 5, 10, 11, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
         {0x80, 0x80, 0x80, 0x80, 0, 1, 6, 7, 12, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 4, 5, 10, 11},
         {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 1, 6, 7, 12, 13},
         {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 2, 3, 8, 9, 14, 15}}};
    ptrdiff_t x, c, k;
    for (x = 0; x + 16 <= n; x += 16) {
        const int16_t *q = s + 3 * x;
        __m256i v[3];
        for (k = 0; k < 3; k++)
            v[k] = fastup_fx_lanes((const uint8_t *)(q + 8 * k),
                                   (const uint8_t *)(q + 24 + 8 * k));
        for (c = 0; c < 3; c++) {
            __m256i r = _mm256_setzero_si256();
            for (k = 0; k < 3; k++)
                r = _mm256_or_si256(
                    r, _mm256_shuffle_epi8(v[k], _mm256_broadcastsi128_si256(_mm_loadu_si128(
                                                     (const __m128i *)m3[k][c]))));
            _mm256_storeu_si256((__m256i *)(p + c * ps + x), r);
        }
    }
    for (; x < n; x++)
        for (c = 0; c < 3; c++) p[c * ps + x] = s[3 * x + c];
}

/* The W pass of V first on RGB planes, AVX2 (f->planar where the sums of rows come in pixel
 * order): the I row s split into 3 planes (pl: 3 x ps int16), then 4 output pixels at a time:
 * each pixel's ng groups of 16 weights loaded once for its 3 planes (one element per pixel:
 * the taps of a plane are contiguous, 16 per pmaddwd), the 12 vectors of partial sums reduced
 * by hadd, the 12 bytes put in pixel order by one pshufb. The sums are those of every other W
 * pass. */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_fx_g1pl_loop(const int16_t *s, uint8_t *d, int16_t *pl, const fastup_fx *f,
                    ptrdiff_t ng) {
    /* bytes [c0 x 4, c2 x 4, c1 x 4] -> pixel order */
    static const uint8_t order[16] = {0, 8, 4, 1, 9, 5, 2, 10, 6, 3, 11, 7,
                                      0x80, 0x80, 0x80, 0x80};
    const ptrdiff_t ps = f->W + FASTUP_FX_SLACK, Wo = f->Wo, *xs = f->xs;
    const int16_t *wg = f->wg;
    const __m256i bias = _mm256_set1_epi32(1 << (f->k2 - 1));
    const __m128i sh = _mm_cvtsi32_si128(f->k2);
    const __m128i put = _mm_loadu_si128((const __m128i *)order);
    ptrdiff_t x, c, g, j, pp;
    fastup_fx_rgb_planes(s, f->W, pl, ps);
    for (x = 0; x + 4 <= Wo; x += 4) {
        __m256i H[3][2], y01, y22;
        __m128i b;
        int32_t tail;
        for (pp = 0; pp < 2; pp++) { /* pixels x + 2 pp, x + 2 pp + 1 */
            __m256i A[3][2];
            for (j = 0; j < 2; j++) {
                const ptrdiff_t px = x + 2 * pp + j;
                const int16_t *p = pl + xs[px];
                const __m256i *w = (const __m256i *)(wg + 16 * ng * px);
                const __m256i w0 = _mm256_loadu_si256(w);
                const __m256i w1 = ng > 1 ? _mm256_loadu_si256(w + 1) : w0;
                const __m256i w2 = ng > 2 ? _mm256_loadu_si256(w + 2) : w0;
                for (c = 0; c < 3; c++) {
                    const __m256i *q = (const __m256i *)(p + c * ps);
                    __m256i acc = _mm256_madd_epi16(_mm256_loadu_si256(q), w0);
                    if (ng > 1)
                        acc = _mm256_add_epi32(acc,
                                               _mm256_madd_epi16(_mm256_loadu_si256(q + 1), w1));
                    if (ng > 2)
                        acc = _mm256_add_epi32(acc,
                                               _mm256_madd_epi16(_mm256_loadu_si256(q + 2), w2));
                    for (g = 3; g < ng; g++)
                        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_loadu_si256(q + g),
                                                                      _mm256_loadu_si256(w + g)));
                    A[c][j] = acc;
                }
            }
            for (c = 0; c < 3; c++) H[c][pp] = _mm256_hadd_epi32(A[c][0], A[c][1]);
        }
        /* per plane [x .. x + 3 | x .. x + 3] halves of the sums; two planes per vector */
        for (c = 0; c < 3; c++) H[c][0] = _mm256_hadd_epi32(H[c][0], H[c][1]);
        y01 = _mm256_add_epi32(_mm256_permute2x128_si256(H[0][0], H[1][0], 0x20),
                               _mm256_permute2x128_si256(H[0][0], H[1][0], 0x31));
        y22 = _mm256_add_epi32(_mm256_permute2x128_si256(H[2][0], H[2][0], 0x20),
                               _mm256_permute2x128_si256(H[2][0], H[2][0], 0x31));
        y01 = _mm256_sra_epi32(_mm256_add_epi32(y01, bias), sh);
        y22 = _mm256_sra_epi32(_mm256_add_epi32(y22, bias), sh);
        /* packs: words [c0, c2 | c1, c2]; packus of the halves: bytes c0, c2, c1, c2 */
        y01 = _mm256_packs_epi32(y01, y22);
        b = _mm_shuffle_epi8(
            _mm_packus_epi16(_mm256_castsi256_si128(y01), _mm256_extracti128_si256(y01, 1)),
            put);
        tail = _mm_extract_epi32(b, 2);
        _mm_storel_epi64((__m128i *)(d + 3 * x), b);
        memcpy(d + 3 * x + 8, &tail, 4);
    }
    for (; x < Wo; x++)
        for (c = 0; c < 3; c++) {
            const int16_t *p = pl + c * ps + xs[x], *w = f->qx + f->Tx * x;
            int32_t acc = 0;
            for (j = 0; j < f->Tx; j++) acc += (int32_t)p[j] * w[j];
            d[3 * x + c] = fastup_fx_to8(acc, f->k2);
        }
}

static FASTUP_AVX2 void fastup_fx_g1pl_avx2(const int16_t *s, uint8_t *d, int16_t *pl,
                                            const fastup_fx *f) {
    switch (f->ng) {
    case 1:
        fastup_fx_g1pl_loop(s, d, pl, f, 1);
        break;
    case 2:
        fastup_fx_g1pl_loop(s, d, pl, f, 2);
        break;
    case 3:
        fastup_fx_g1pl_loop(s, d, pl, f, 3);
        break;
    default:
        fastup_fx_g1pl_loop(s, d, pl, f, f->ng);
    }
}

/* The sums of 16 pixels in order: A[j] holds pixel j's 16 partial sums. */
static FASTUP_AVX512VNNI inline __attribute__((always_inline)) __m512i
fastup_fx_hsum16x16(const __m512i *A) {
    __m512i B[8], Cv[4], e0, e1, s01, s23;
    int j;
    for (j = 0; j < 8; j++) /* per 128-bit lane: (a0 + a2, b0 + b2, a1 + a3, b1 + b3) */
        B[j] = _mm512_add_epi32(_mm512_unpacklo_epi32(A[2 * j], A[2 * j + 1]),
                                _mm512_unpackhi_epi32(A[2 * j], A[2 * j + 1]));
    for (j = 0; j < 4; j++) /* per lane: pixels 4 j .. 4 j + 3 */
        Cv[j] = _mm512_add_epi32(_mm512_unpacklo_epi64(B[2 * j], B[2 * j + 1]),
                                 _mm512_unpackhi_epi64(B[2 * j], B[2 * j + 1]));
    /* lanes (0 + 1, 2 + 3) of two vectors side by side, then those pairs summed */
    e0 = _mm512_shuffle_i32x4(Cv[0], Cv[1], 0x88), e1 = _mm512_shuffle_i32x4(Cv[0], Cv[1], 0xDD);
    s01 = _mm512_add_epi32(e0, e1);
    e0 = _mm512_shuffle_i32x4(Cv[2], Cv[3], 0x88), e1 = _mm512_shuffle_i32x4(Cv[2], Cv[3], 0xDD);
    s23 = _mm512_add_epi32(e0, e1);
    return _mm512_add_epi32(_mm512_shuffle_i32x4(s01, s23, 0x88),
                            _mm512_shuffle_i32x4(s01, s23, 0xDD));
}

/* The sums of 16 pixels in order: A[m] holds pixel 2 m's 8 partial sums in its low half,
 * pixel 2 m + 1's in its high half. */
static FASTUP_AVX512VNNI inline __attribute__((always_inline)) __m512i
fastup_fx_hsum16x8(const __m512i *A) {
    __m512i B[4], C0, C1, f;
    int j;
    for (j = 0; j < 4; j++)
        B[j] = _mm512_add_epi32(_mm512_unpacklo_epi32(A[2 * j], A[2 * j + 1]),
                                _mm512_unpackhi_epi32(A[2 * j], A[2 * j + 1]));
    /* lanes 0, 1: pixels 8 j + (0, 2, 4, 6); lanes 2, 3: 8 j + (1, 3, 5, 7) */
    C0 = _mm512_add_epi32(_mm512_unpacklo_epi64(B[0], B[1]), _mm512_unpackhi_epi64(B[0], B[1]));
    C1 = _mm512_add_epi32(_mm512_unpacklo_epi64(B[2], B[3]), _mm512_unpackhi_epi64(B[2], B[3]));
    /* pixels (0 2 4 6) (1 3 5 7) (8 10 12 14) (9 11 13 15) */
    f = _mm512_add_epi32(_mm512_shuffle_i32x4(C0, C1, 0x88), _mm512_shuffle_i32x4(C0, C1, 0xDD));
    return _mm512_permutexvar_epi32(
        _mm512_set_epi32(15, 11, 14, 10, 13, 9, 12, 8, 7, 3, 6, 2, 5, 1, 4, 0), f);
}

/* The W pass of the planar I rows of a VNNI tile (f->planar, V first): rows in[g], g < n <=
 * 4, each C = 2..4 planes of ps int16 -> the output rows d[g]. Each plane along W (the same
 * weights for every plane and row: G1 with one element per pixel, ng groups of 16 taps) into
 * the rows of ``tmp`` (4 C rows of Wo + 8 bytes), 4 pixels of the 4 rows at a time: each
 * pixel's taps multiplied by vpdpwssd, 32 per instruction (one group: two pixels per vector),
 * each pixel's weights loaded once for the 4 rows, the 16 vectors of sums reduced together;
 * then each row's C planes interleaved into d[g]. (A tile of fewer rows computes row 0 in
 * place of the missing ones and does not store them.) */
static FASTUP_AVX512VNNI inline __attribute__((always_inline)) void
fastup_fx_g1p_loop(const int16_t *const *in, ptrdiff_t n, ptrdiff_t ps, uint8_t *const *d,
                   uint8_t *tmp, const fastup_fx *f, const int C, ptrdiff_t ng) {
    static const uint8_t m3[4][16] = {
        /* bytes 0-15 of 8 pixels x 3 from (c0 c1) pairs, then from c2; bytes 16-23 alike */
        {0, 1, 0x80, 2, 3, 0x80, 4, 5, 0x80, 6, 7, 0x80, 8, 9, 0x80, 10},
        {0x80, 0x80, 0, 0x80, 0x80, 1, 0x80, 0x80, 2, 0x80, 0x80, 3, 0x80, 0x80, 4, 0x80},
        {11, 0x80, 12, 13, 0x80, 14, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
        {0x80, 5, 0x80, 0x80, 6, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}};
    const __m512i bias = _mm512_set1_epi32(1 << (f->k2 - 1)), zero = _mm512_setzero_si512();
    const __m128i sh = _mm_cvtsi32_si128(f->k2);
    const ptrdiff_t Wo = f->Wo, rs = Wo + 8, full = Wo / 4 * 4, *xs = f->xs;
    const int16_t *wg = f->wg;
    ptrdiff_t x, c, g, t, j, k;
    for (c = 0; c < C; c++) {
        const int16_t *pl[4];
        for (g = 0; g < 4; g++) pl[g] = in[g < n ? g : 0] + c * ps;
        for (x = 0; x < full; x += 4) {
            __m512i A[16], v;
            __m128i bytes;
            if (ng == 1) { /* A[2 g + j / 2]: pixels x + j, x + j + 1 of row g side by side */
                for (j = 0; j < 4; j += 2) {
                    const __m512i w = _mm512_loadu_si512((const void *)(wg + 16 * (x + j)));
                    const ptrdiff_t xa = xs[x + j], xb = xs[x + j + 1];
#pragma GCC unroll 4
                    for (g = 0; g < 4; g++) {
                        __m512i ab = _mm512_inserti64x4(
                            _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(pl[g] + xa))),
                            _mm256_loadu_si256((const __m256i *)(pl[g] + xb)), 1);
                        A[2 * g + j / 2] = _mm512_madd_epi16(ab, w);
                    }
                }
                v = fastup_fx_hsum16x8(A);
            } else { /* A[4 g + j]: pixel x + j of row g */
#pragma GCC unroll 4
                for (j = 0; j < 4; j++) {
                    const int16_t *w = wg + 16 * ng * (x + j);
                    const ptrdiff_t xa = xs[x + j];
                    const __m512i w0 = _mm512_loadu_si512((const void *)w);
                    const __m512i w1 = ng == 2 ? zero
                                       : ng == 3
                                           ? _mm512_zextsi256_si512(
                                                 _mm256_loadu_si256((const __m256i *)(w + 32)))
                                           : _mm512_loadu_si512((const void *)(w + 32));
#pragma GCC unroll 4
                    for (g = 0; g < 4; g++) {
                        const int16_t *p = pl[g] + xa;
                        __m512i acc = _mm512_madd_epi16(_mm512_loadu_si512((const void *)p), w0);
                        if (ng == 3)
                            acc = _mm512_dpwssd_epi32(
                                acc,
                                _mm512_zextsi256_si512(
                                    _mm256_loadu_si256((const __m256i *)(p + 32))),
                                w1);
                        else if (ng >= 4) {
                            acc = _mm512_dpwssd_epi32(
                                acc, _mm512_loadu_si512((const void *)(p + 32)), w1);
                            for (k = 4; k + 1 < ng; k += 2)
                                acc = _mm512_dpwssd_epi32(
                                    acc, _mm512_loadu_si512((const void *)(p + 16 * k)),
                                    _mm512_loadu_si512((const void *)(w + 16 * k)));
                            if (ng & 1) /* the last group alone: half a vector */
                                acc = _mm512_dpwssd_epi32(
                                    acc,
                                    _mm512_zextsi256_si512(
                                        _mm256_loadu_si256((const __m256i *)(p + 16 * k))),
                                    _mm512_zextsi256_si512(
                                        _mm256_loadu_si256((const __m256i *)(w + 16 * k))));
                        }
                        A[4 * g + j] = acc;
                    }
                }
                v = fastup_fx_hsum16x16(A);
            }
            /* sums in order of (row, pixel): 4 bytes of each row */
            v = _mm512_max_epi32(_mm512_sra_epi32(_mm512_add_epi32(v, bias), sh), zero);
            bytes = _mm512_cvtusepi32_epi8(v);
            for (g = 0; g < n; g++) {
                int32_t q = _mm_extract_epi32(bytes, 0);
                memcpy(tmp + (g * C + c) * rs + x, &q, 4);
                bytes = _mm_srli_si128(bytes, 4);
            }
        }
        for (g = 0; g < n; g++)
            for (x = full; x < Wo; x++) {
                const int16_t *p = pl[g] + xs[x], *w = f->qx + f->Tx * x;
                int32_t acc = 0;
                for (t = 0; t < f->Tx; t++) acc += (int32_t)p[t] * w[t];
                tmp[(g * C + c) * rs + x] = fastup_fx_to8(acc, f->k2);
            }
    }
    for (g = 0; g < n; g++) {
        const uint8_t *b = tmp + g * C * rs;
        uint8_t *o = d[g];
        for (x = 0; x + 8 <= Wo; x += 8) {
            __m128i v0 = _mm_loadl_epi64((const __m128i *)(b + x));
            __m128i v1 = _mm_loadl_epi64((const __m128i *)(b + rs + x));
            if (C == 2) {
                _mm_storeu_si128((__m128i *)(o + 2 * x), _mm_unpacklo_epi8(v0, v1));
            } else if (C == 4) {
                __m128i v2 = _mm_loadl_epi64((const __m128i *)(b + 2 * rs + x));
                __m128i v3 = _mm_loadl_epi64((const __m128i *)(b + 3 * rs + x));
                __m128i t0 = _mm_unpacklo_epi8(v0, v1), t1 = _mm_unpacklo_epi8(v2, v3);
                _mm_storeu_si128((__m128i *)(o + 4 * x), _mm_unpacklo_epi16(t0, t1));
                _mm_storeu_si128((__m128i *)(o + 4 * x + 16), _mm_unpackhi_epi16(t0, t1));
            } else {
                __m128i v2 = _mm_loadl_epi64((const __m128i *)(b + 2 * rs + x));
                __m128i t0 = _mm_unpacklo_epi8(v0, v1);
                __m128i lo = _mm_or_si128(
                    _mm_shuffle_epi8(t0, _mm_loadu_si128((const __m128i *)m3[0])),
                    _mm_shuffle_epi8(v2, _mm_loadu_si128((const __m128i *)m3[1])));
                __m128i hi = _mm_or_si128(
                    _mm_shuffle_epi8(t0, _mm_loadu_si128((const __m128i *)m3[2])),
                    _mm_shuffle_epi8(v2, _mm_loadu_si128((const __m128i *)m3[3])));
                _mm_storeu_si128((__m128i *)(o + 3 * x), lo);
                _mm_storel_epi64((__m128i *)(o + 3 * x + 16), hi);
            }
        }
        for (; x < Wo; x++)
            for (c = 0; c < C; c++) o[C * x + c] = b[c * rs + x];
    }
}

static FASTUP_AVX512VNNI void fastup_fx_g1p_vnni(const int16_t *const *in, ptrdiff_t n,
                                                 ptrdiff_t ps, uint8_t *const *d, uint8_t *tmp,
                                                 const fastup_fx *f) {
#define FASTUP_FX_G1P(C)                                                                  \
    switch (f->ng) {                                                                      \
    case 1:                                                                               \
        fastup_fx_g1p_loop(in, n, ps, d, tmp, f, C, 1);                                   \
        break;                                                                            \
    case 2:                                                                               \
        fastup_fx_g1p_loop(in, n, ps, d, tmp, f, C, 2);                                   \
        break;                                                                            \
    case 3:                                                                               \
        fastup_fx_g1p_loop(in, n, ps, d, tmp, f, C, 3);                                   \
        break;                                                                            \
    default:                                                                              \
        fastup_fx_g1p_loop(in, n, ps, d, tmp, f, C, f->ng);                               \
    }
    switch (f->C) {
    case 2:
        FASTUP_FX_G1P(2)
        break;
    case 3:
        FASTUP_FX_G1P(3)
        break;
    default:
        FASTUP_FX_G1P(4)
    }
#undef FASTUP_FX_G1P
}

#endif /* FASTUP_HAVE_AVX2_PATH */

/* ------------------------------------------------------------------------------------------
 * the tables of the W pass
 * ------------------------------------------------------------------------------------------ */

/* The first and last input byte read by outputs e0..e0+count of a row. */
static void fastup_fx_span(const fastup_fx *f, ptrdiff_t e0, ptrdiff_t count, ptrdiff_t *lo,
                           ptrdiff_t *hi) {
    ptrdiff_t e;
    *lo = -1;
    *hi = -1;
    for (e = e0; e < e0 + count; e++) {
        ptrdiff_t first = f->C * f->xs[e / f->C] + e % f->C, last = first + (f->Tx - 1) * f->C;
        *lo = *lo < 0 || first < *lo ? first : *lo;
        *hi = last > *hi ? last : *hi;
    }
}

/* OP blocks; the fraction of blocks of 16 outputs not computed one at a time in *fit, or -1
 * when out of memory. */
static int fastup_fx_op_build(fastup_fx *f, double *fit) {
    ptrdiff_t inlen = f->W * f->C, n = f->Wo * f->C, nb = n / 16, np = (f->Tx + 1) / 2;
    ptrdiff_t b, l, i, k, good = 0;
    f->nb = nb;
    f->np = np;
    f->kind = (uint8_t *)calloc((size_t)nb + 1, 1);
    f->base = (int32_t *)calloc((size_t)(4 * nb + 4), sizeof(int32_t));
    f->mask = (uint8_t *)calloc((size_t)(nb * 64 + 64), 1);
    f->wb = (int16_t *)calloc((size_t)(nb * np * 32 + 32), sizeof(int16_t));
    *fit = 0.0;
    if (f->kind == NULL || f->base == NULL || f->mask == NULL || f->wb == NULL) return -1;
    if (inlen < 16 || nb == 0 || 2 * f->Tx * f->C >= 112) return 0; /* all one at a time */
    for (b = 0; b < nb; b++) {
        ptrdiff_t lo[4], hi[4], all_lo, all_hi;
        int kind = 2;
        fastup_fx_span(f, 16 * b, 16, &all_lo, &all_hi);
        if (all_hi - all_lo >= 16) kind = 1;
        for (l = 0; l < 4; l++) {
            fastup_fx_span(f, 16 * b + 4 * l, 4, &lo[l], &hi[l]);
            if (kind == 2) lo[l] = all_lo;
            if (hi[l] - lo[l] >= 16) kind = 0;
        }
        if (kind == 0) continue;
        for (l = 0; l < 4; l++) {
            if (lo[l] + 16 > inlen) lo[l] = inlen - 16; /* the load ends in the row */
            f->base[4 * b + l] = (int32_t)lo[l];
            for (i = 0; i < 4; i++) {
                ptrdiff_t e = 16 * b + 4 * l + i, x = e / f->C;
                ptrdiff_t at = f->C * f->xs[x] + e % f->C - lo[l];
                /* vector l / 2, lane l % 2, output slot i: words 2 i, 2 i + 1 = taps 2k, 2k+1 */
                uint8_t *m = f->mask + 64 * b + 32 * (l / 2) + 16 * (l % 2) + 4 * i;
                m[0] = (uint8_t)at;
                m[1] = 0x80;
                m[2] = (uint8_t)(at + f->C);
                m[3] = 0x80;
                for (k = 0; k < np; k++) {
                    int16_t *w = f->wb + 32 * (np * b + k) + 16 * (l / 2) + 8 * (l % 2) + 2 * i;
                    w[0] = f->qx[x * f->Tx + 2 * k];
                    w[1] = 2 * k + 1 < f->Tx ? f->qx[x * f->Tx + 2 * k + 1] : 0;
                }
            }
        }
        f->kind[b] = (uint8_t)kind;
        good++;
    }
    *fit = (double)good / (double)nb;
    return 0;
}

/* SHORT blocks: two lanes of 8 outputs, each with its taps within 16 bytes; the fraction of
 * blocks not computed one at a time in *fit, or -1 when out of memory. */
static int fastup_fx_short_build(fastup_fx *f, double *fit) {
    ptrdiff_t inlen = f->W * f->C, n = f->Wo * f->C, nb = n / 16, b, l, i, t, good = 0;
    f->nb = nb;
    f->np = 0;
    f->kind = (uint8_t *)calloc((size_t)nb + 1, 1);
    f->base = (int32_t *)calloc((size_t)(4 * nb + 4), sizeof(int32_t));
    f->mask = (uint8_t *)calloc((size_t)(nb * 32 + 32), 1);
    f->wb = (int16_t *)calloc((size_t)(nb * f->Tx * 16 + 16), sizeof(int16_t));
    *fit = 0.0;
    if (f->kind == NULL || f->base == NULL || f->mask == NULL || f->wb == NULL) return -1;
    if (inlen < 16 || nb == 0 || f->Tx > FASTUP_FX_SHORT_TAPS || f->Tx * f->C >= 112) return 0;
    for (b = 0; b < nb; b++) {
        ptrdiff_t lo[2], hi[2];
        int ok = 1;
        for (l = 0; l < 2; l++) {
            fastup_fx_span(f, 16 * b + 8 * l, 8, &lo[l], &hi[l]);
            ok = ok && hi[l] - lo[l] < 16;
            if (lo[l] + 16 > inlen) lo[l] = inlen - 16;
        }
        if (!ok) continue;
        for (l = 0; l < 2; l++) {
            f->base[4 * b + l] = (int32_t)lo[l];
            for (i = 0; i < 8; i++) {
                ptrdiff_t e = 16 * b + 8 * l + i, x = e / f->C;
                uint8_t *m = f->mask + 32 * b + 16 * l + 2 * i;
                m[0] = (uint8_t)(f->C * f->xs[x] + e % f->C - lo[l]);
                m[1] = 0x80;
                for (t = 0; t < f->Tx; t++)
                    f->wb[16 * (f->Tx * b + t) + 8 * l + i] = f->qx[x * f->Tx + t];
            }
        }
        f->kind[b] = 2;
        good++;
    }
    *fit = (double)good / (double)nb;
    return 0;
}

/* The blocks of fastup_fx_opv_avx512 (with the quantised weights); -1 when out of memory. */
static int fastup_fx_opv_build(fastup_fx *f) {
    ptrdiff_t inlen = f->W * f->C, n = f->Wo * f->C, nb = n / 16, np = (f->Tx + 1) / 2;
    ptrdiff_t b, i, k;
    f->vnb = inlen >= 64 && 2 * np * f->C < 64 ? nb : 0;
    f->vfit = (uint8_t *)calloc((size_t)nb + 1, 1);
    f->vbase = (int32_t *)calloc((size_t)nb + 1, sizeof(int32_t));
    f->vidx = (uint8_t *)calloc((size_t)(nb * 64 + 64), 1);
    f->vw = (int16_t *)calloc((size_t)(nb * np * 32 + 32), sizeof(int16_t));
    if (f->vfit == NULL || f->vbase == NULL || f->vidx == NULL || f->vw == NULL) return -1;
    for (b = 0; b < f->vnb; b++) {
        ptrdiff_t lo, hi;
        fastup_fx_span(f, 16 * b, 16, &lo, &hi);
        if (hi - lo >= 64) continue;
        if (lo + 64 > inlen) lo = inlen - 64; /* the load ends in the row */
        f->vfit[b] = 1;
        f->vbase[b] = (int32_t)lo;
        for (i = 0; i < 16; i++) {
            ptrdiff_t e = 16 * b + i, x = e / f->C;
            ptrdiff_t at = f->C * f->xs[x] + e % f->C - lo;
            f->vidx[64 * b + 4 * i] = (uint8_t)at;
            f->vidx[64 * b + 4 * i + 2] = (uint8_t)(at + f->C);
            for (k = 0; k < np; k++) {
                int16_t *w = f->vw + 32 * (np * b + k) + 2 * i;
                w[0] = f->qx[x * f->Tx + 2 * k];
                w[1] = 2 * k + 1 < f->Tx ? f->qx[x * f->Tx + 2 * k + 1] : 0;
            }
        }
    }
    return 0;
}

/* Whether the windows of every FASTUP_FX_TILE neighbouring output rows fit one tile. */
static int fastup_fx_tiles_fit(const fastup_fx *f) {
    ptrdiff_t y, u0, u1;
    for (y = 0; y < f->Ho; y++) {
        ptrdiff_t G = f->Ho - y < FASTUP_FX_TILE ? f->Ho - y : FASTUP_FX_TILE;
        fastup_fx_tile_union(f->ys + y, G, f->Ty, &u0, &u1);
        if ((u1 - u0 + 1) / 2 > FASTUP_FX_TILE_PAIRS) return 0;
    }
    return 1;
}

/* G1 weights: per output pixel, ng groups of 16 in the order fastup_fx_g1_load leaves the
 * taps (0 past the last tap); for RGB rows of V first (not planar), the two-pixel layout of
 * fastup_fx_g1q_loop instead (wq), the only one its pass reads. -1 when out of memory. */
static int fastup_fx_g1_build(fastup_fx *f) {
    ptrdiff_t C = f->planar ? 1 : f->C; /* planar: each plane has one element per pixel */
    ptrdiff_t G = C == 1 ? 16 : C == 2 ? 8 : 4, ng = (f->Tx + G - 1) / G, x, g, k;
    if (f->vfirst && !f->planar && C == 3 && f->Wo >= 8) {
        ptrdiff_t np = (f->Tx + 1) / 2, nblk = f->Wo / 8, b, lane, c, j;
        f->nq = np;
        f->wq = (int16_t *)calloc((size_t)(nblk * 4 * np * 16), sizeof(int16_t));
        if (f->wq == NULL) return -1;
        for (b = 0; b < nblk; b++)
            for (k = 0; k < 4; k++)
                for (g = 0; g < np; g++)
                    for (lane = 0; lane < 2; lane++)
                        for (c = 0; c < C; c++)
                            for (j = 0; j < 2; j++) {
                                ptrdiff_t t = 2 * g + j;
                                x = 8 * b + k + 4 * lane;
                                if (t < f->Tx)
                                    f->wq[16 * ((4 * b + k) * np + g) + 8 * lane + 2 * c + j] =
                                        f->qx[x * f->Tx + t];
                            }
        return 0;
    }
    f->ng = ng;
    f->wg = (int16_t *)calloc((size_t)(f->Wo * ng * 16 + 16), sizeof(int16_t));
    if (f->wg == NULL) return -1;
    for (x = 0; x < f->Wo; x++)
        for (g = 0; g < ng; g++)
            for (k = 0; k < 16; k++) {
                ptrdiff_t lane = k / 8, slot = k % 8, t;
                if (C == 1)
                    t = 16 * g + k;
                else if (C == 2) /* words: (c0 t0 t1) (c1 t0 t1) (c0 t2 t3) (c1 t2 t3) */
                    t = 8 * g + 4 * lane + 2 * (slot / 4) + slot % 2;
                else if (C == 3 && slot >= 6)
                    continue;
                else /* C = 3, 4: (c t0 t1) for each element c */
                    t = 4 * g + 2 * lane + slot % 2;
                if (t < f->Tx) f->wg[16 * (ng * x + g) + k] = f->qx[x * f->Tx + t];
            }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * the plan
 * ------------------------------------------------------------------------------------------ */

static void fastup_fx_free(fastup_fx *f) {
    free(f->xs);
    free(f->ys);
    free(f->qx);
    free(f->qy);
    free(f->kind);
    free(f->base);
    free(f->mask);
    free(f->wb);
    free(f->wg);
    free(f->wq);
    free(f->vfit);
    free(f->vbase);
    free(f->vidx);
    free(f->vw);
    memset(f, 0, sizeof(*f));
}

/* Input rows (of each plane) some output row reads. */
static ptrdiff_t fastup_fx_rows_read(const ptrdiff_t *ys, ptrdiff_t Ho, ptrdiff_t Ty) {
    ptrdiff_t y, count = 0, end = -1;
    for (y = 0; y < Ho; y++) {
        ptrdiff_t a = ys[y] > end ? ys[y] : end, b = ys[y] + Ty;
        if (b > a) count += b - a;
        end = b > end ? b : end;
    }
    return count;
}

/* The bound of |I| of a first pass: long, from the largest sums of positive and negative
 * weights; short, from the sum of |q| of each window (each product within half a unit). */
static int64_t fastup_fx_imax(const int16_t *q, ptrdiff_t n, ptrdiff_t T, int shrt, int b,
                              int S) {
    int64_t best = 0;
    ptrdiff_t i, t;
    for (i = 0; i < n; i++) {
        int64_t pos = 0, neg = 0, v;
        for (t = 0; t < T; t++) {
            int64_t w = q[i * T + t];
            if (shrt) /* |mulhrs(p << 7, w)| <= (32640 |w| + 2**14) >> 15 */
                pos += (32640 * (w < 0 ? -w : w) + 16384) >> 15;
            else if (w > 0)
                pos += w;
            else
                neg -= w;
        }
        if (shrt) {
            v = pos;
        } else {
            int k = b - S;
            int64_t half = (int64_t)1 << (k - 1), hi = (255 * pos + half) >> k,
                    lo = (-255 * neg + half) >> k;
            v = hi > -lo ? hi : -lo;
        }
        best = v > best ? v : best;
    }
    return best;
}

/* Quantises the tables for the plan's order and short passes; 0, 1 when the precision is
 * not enough, -1 out of memory. The intermediate's fraction bits S and the precision of a
 * long second pass trade against each other (|I| times the sum of |q2| must stay in int32):
 * of S = 7 down to 1, the one with the smallest error bound is taken (a wide second pass
 * prefers a smaller S). A short pass has 14 bits, a short first pass S = 6. */
static int fastup_fx_weights(fastup_fx *f, const double *xw, const double *yw) {
    const double *w1 = f->vfirst ? yw : xw, *w2 = f->vfirst ? xw : yw;
    ptrdiff_t n1 = f->vfirst ? f->Ho : f->Wo, n2 = f->vfirst ? f->Wo : f->Ho;
    ptrdiff_t T1 = f->vfirst ? f->Ty : f->Tx, T2 = f->vfirst ? f->Tx : f->Ty;
    int16_t *q1 = f->vfirst ? f->qy : f->qx, *q2 = f->vfirst ? f->qx : f->qy;
    int16_t *trial = (int16_t *)malloc((size_t)(n2 * T2) * sizeof(int16_t));
    int b1, S, best_S = -1, best_b2 = -1;
    int64_t mag;
    double slop1, abs1, slop2, abs2, best = 1e300;
    if (trial == NULL) return -1;
    if (f->short1)
        b1 = fastup_fx_quantise(w1, n1, T1, 14, q1, &mag) == 0 ? 14 : -1;
    else
        b1 = fastup_fx_bits(w1, n1, T1, 255, 0, q1);
    if (b1 < 0) {
        free(trial);
        return 1;
    }
    fastup_fx_slop(w1, q1, n1, T1, b1, &slop1, &abs1);
    for (S = f->short1 ? 6 : 7; S >= 1; S--) {
        int b2;
        int64_t imax;
        double error, first;
        if ((!f->short1 && b1 - S < 1) || (f->short2 && S < 2)) continue; /* m = 2**(16 - S) */
        imax = fastup_fx_imax(q1, n1, T1, f->short1, b1, S);
        if (imax > 32767) continue; /* I would leave int16 */
        if (imax < 1) imax = 1;
        if (f->short2) {
            /* every partial sum of mulhrs(I, q) within int16 */
            if (fastup_fx_quantise(w2, n2, T2, 14, trial, &mag) != 0 ||
                (imax * mag + 16384 * T2) / 32768 + T2 > 32767)
                continue;
            b2 = 14;
        } else {
            b2 = fastup_fx_bits(w2, n2, T2, imax, S, trial);
            if (b2 < 0) continue;
        }
        fastup_fx_slop(w2, trial, n2, T2, b2, &slop2, &abs2);
        /* the first pass: its weights (255 slop1) and its roundings (one of half a unit of
         * 2**-S, or half a unit of 2**-6 per product), through the second pass (sum |w2|);
         * the second: its weights times the largest |I|, and (short) half a unit of
         * 2**-(S - 1) per product */
        first = 255.0 * slop1 + (f->short1 ? ldexp(0.5, -6) * (double)T1 : ldexp(0.5, -S));
        error = first * abs2 + ldexp((double)imax, -S) * slop2 +
                (f->short2 ? ldexp(1.0, -S) * (double)T2 : 0.0);
        if (error < best) {
            best = error;
            best_S = S;
            best_b2 = b2;
            memcpy(q2, trial, (size_t)(n2 * T2) * sizeof(int16_t));
        }
        if (f->short1) break;
    }
    free(trial);
    if (best_S < 0) return 1;
    f->S = best_S;
    f->k1 = b1 - best_S;
    f->k2 = best_b2 + best_S;
    f->bx = f->vfirst ? best_b2 : b1;
    f->by = f->vfirst ? b1 : best_b2;
    f->error = best;
    return f->error <= FASTUP_FX_MAX_ERROR ? 0 : 1;
}

/* Relative costs per unit of work, measured on x86-64 (AVX2): a pair of taps of 32 outputs
 * summed from rows (uint8 rows, I rows) and the rounding of 32 of them; a tap of 32 outputs
 * of a short sum of rows and the rounding of 32; a block of 16 outputs of the OP W pass and
 * each pair of taps in it, of the SHORT pass and each tap; a pixel of the G1 W pass and each
 * group of taps in it; an output computed alone, per tap; an element widened to int16. */
#define FASTUP_FX_COST_V8 6.0
#define FASTUP_FX_COST_V16 4.5
#define FASTUP_FX_COST_V16_OUT 6.0
#define FASTUP_FX_COST_VS 2.0
#define FASTUP_FX_COST_VS_OUT 3.0
#define FASTUP_FX_COST_OP_BLOCK 5.0
#define FASTUP_FX_COST_OP_PAIR 2.5
#define FASTUP_FX_COST_SHORT_BLOCK 2.5
#define FASTUP_FX_COST_SHORT_TAP 1.5
#define FASTUP_FX_COST_ONE 1.5
#define FASTUP_FX_COST_G1_PIXEL 3.0
#define FASTUP_FX_COST_G1_GROUP 1.6
#define FASTUP_FX_COST_WIDEN 0.1

/* The cost of the W pass of one row of kind ``kind`` (fit: the share of SHORT or OP blocks). */
static double fastup_fx_hcost(const fastup_fx *f, int kind, double fit) {
    ptrdiff_t C = f->C, G = C == 1 ? 16 : C == 2 ? 8 : 4;
    double n = (double)(f->Wo * C), T = (double)f->Tx, one = n * FASTUP_FX_COST_ONE * T;
    switch (kind) {
    case FASTUP_FX_SHORT:
        return n / 16.0 * (FASTUP_FX_COST_SHORT_BLOCK + FASTUP_FX_COST_SHORT_TAP * T) * fit +
               one * (1.0 - fit);
    case FASTUP_FX_OP:
        return n / 16.0 *
                   (FASTUP_FX_COST_OP_BLOCK + FASTUP_FX_COST_OP_PAIR * (double)((f->Tx + 1) / 2)) *
                   fit +
               one * (1.0 - fit);
    case FASTUP_FX_CV:
        return C < FASTUP_FX_CV_MIN_C || f->Tx > 256
                   ? 1e300
                   : (double)f->Wo * (20.0 + (double)C / 32.0 * FASTUP_FX_COST_V8 *
                                                 (double)((f->Tx + 1) / 2));
    case FASTUP_FX_G1:
        return C > 4 ? 1e300
                     : (double)f->Wo * (FASTUP_FX_COST_G1_PIXEL +
                                        FASTUP_FX_COST_G1_GROUP * (double)((f->Tx + G - 1) / G)) +
                           FASTUP_FX_COST_WIDEN * (double)(f->W * C);
    default:
        return one;
    }
}

/* Frees the W-pass tables (to build others). */
static void fastup_fx_unbuild(fastup_fx *f) {
    free(f->kind);
    free(f->base);
    free(f->mask);
    free(f->wb);
    free(f->wg);
    free(f->wq);
    f->kind = NULL, f->base = NULL, f->mask = NULL, f->wb = NULL, f->wg = NULL, f->wq = NULL;
}

/* The plan of a uint8 resize of (P, H, W, C) -> (P, Ho, Wo, C) with the tables (xs, xw: Wo x
 * Tx; ys, yw: Ho x Ty, float64 weights): the order, which passes are short, the fixed-point
 * weights and the W-pass tables, chosen by cost. The choices can be forced, for tests (every
 * choice computes its own definition exactly) and for chunked callers that must follow the
 * plan of a whole array: vfirst (-1: choose; 0: H first; 1: V first), hkind (-1: choose, else
 * FASTUP_FX_*: the W pass of the AVX2 copy; SHORT makes the first pass short), vshort (-1:
 * choose; 0 or 1: whether the second pass of H first is short, when it has few taps).
 * 0: ready; 1: the fixed point does not suit these tables (the float32 route); -1: out of
 * memory. f is to be released with fastup_fx_free. */
static int fastup_fx_plan(fastup_fx *f, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t C,
                          ptrdiff_t Ho, ptrdiff_t Wo, const ptrdiff_t *xs, const double *xw,
                          ptrdiff_t Tx, const ptrdiff_t *ys, const double *yw, ptrdiff_t Ty,
                          int vfirst, int hkind, int vshort) {
    double fit_short = 0.0, fit_op = 0.0, cost[6], cost_h, cost_v, vpass, wpass;
    int kind, k, status;
    memset(f, 0, sizeof(*f));
    f->P = P, f->H = H, f->W = W, f->C = C, f->Ho = Ho, f->Wo = Wo, f->Tx = Tx, f->Ty = Ty;
    if (Wo * C < 1 || Ho < 1 || Tx < 1 || Ty < 1 || (W + Tx) * C >= 2147483647 / 2) return 1;
    f->xs = (ptrdiff_t *)malloc((size_t)Wo * sizeof(ptrdiff_t));
    f->ys = (ptrdiff_t *)malloc((size_t)Ho * sizeof(ptrdiff_t));
    f->qx = (int16_t *)calloc((size_t)(Wo * Tx), sizeof(int16_t));
    f->qy = (int16_t *)calloc((size_t)(Ho * Ty), sizeof(int16_t));
    if (f->xs == NULL || f->ys == NULL || f->qx == NULL || f->qy == NULL) return -1;
    memcpy(f->xs, xs, (size_t)Wo * sizeof(ptrdiff_t));
    memcpy(f->ys, ys, (size_t)Ho * sizeof(ptrdiff_t));

    /* which blocks of the output-parallel passes fit depends on the windows alone: measured
     * with the (zero) weights not yet quantised */
    if (fastup_fx_short_build(f, &fit_short) != 0) return -1;
    fastup_fx_unbuild(f);
    if (fastup_fx_op_build(f, &fit_op) != 0) return -1;
    fastup_fx_unbuild(f);
    cost[FASTUP_FX_SHORT] = fit_short >= 0.75 ? fastup_fx_hcost(f, FASTUP_FX_SHORT, fit_short)
                                              : 1e300;
    cost[FASTUP_FX_OP] = fastup_fx_hcost(f, FASTUP_FX_OP, fit_op);
    cost[FASTUP_FX_G1] = fastup_fx_hcost(f, FASTUP_FX_G1, 0.0);
    cost[FASTUP_FX_ONE] = fastup_fx_hcost(f, FASTUP_FX_ONE, 0.0);
    cost[FASTUP_FX_VOP] = 1e300; /* chosen below, where the machine has it */
    cost[FASTUP_FX_CV] = fastup_fx_hcost(f, FASTUP_FX_CV, 0.0);
    for (kind = 0, k = 1; k < 6; k++)
        if (cost[k] < cost[kind]) kind = k;
    f->short2 = vshort >= 0 ? vshort && Ty <= FASTUP_FX_SHORT_TAPS : Ty <= FASTUP_FX_SHORT_TAPS;
    vpass = f->short2 ? FASTUP_FX_COST_VS * (double)Ty + FASTUP_FX_COST_VS_OUT
                      : FASTUP_FX_COST_V16 * (double)((Ty + 1) / 2) + FASTUP_FX_COST_V16_OUT;
    cost_h = (double)fastup_fx_rows_read(ys, Ho, Ty) * cost[kind] +
             (double)Ho * (double)(Wo * C) / 32.0 * vpass;
    /* V first: the W pass on int16 rows (no widening), the cheapest of G1, CV and ONE */
    wpass = cost[FASTUP_FX_G1] - FASTUP_FX_COST_WIDEN * (double)(W * C);
    wpass = cost[FASTUP_FX_CV] < wpass ? cost[FASTUP_FX_CV] : wpass;
    wpass = cost[FASTUP_FX_ONE] < wpass ? cost[FASTUP_FX_ONE] : wpass;
    cost_v = (double)Ho *
             ((double)(W * C) / 32.0 * FASTUP_FX_COST_V8 * (double)((Ty + 1) / 2) + wpass);
    f->vfirst = vfirst >= 0 ? vfirst : cost_v < cost_h;
    if (hkind >= 0) kind = hkind;
    if (f->vfirst) { /* G1, CV or ONE */
        if (hkind < 0)
            kind = cost[FASTUP_FX_CV] <= cost[FASTUP_FX_G1] && cost[FASTUP_FX_CV] <= cost[FASTUP_FX_ONE]
                       ? FASTUP_FX_CV
                   : C > 4 ? FASTUP_FX_ONE
                           : FASTUP_FX_G1;
        else if (kind != FASTUP_FX_ONE && kind != FASTUP_FX_CV)
            kind = FASTUP_FX_G1;
        f->short2 = 0;
    }
    if (C > 4 && kind == FASTUP_FX_G1) kind = FASTUP_FX_ONE;
    if (kind == FASTUP_FX_CV && (C < 2 || Tx > 256)) kind = FASTUP_FX_ONE;
    if (kind == FASTUP_FX_SHORT && Tx > FASTUP_FX_SHORT_TAPS) kind = FASTUP_FX_OP;
    f->hkind = kind;
    f->short1 = kind == FASTUP_FX_SHORT;

    status = fastup_fx_weights(f, xw, yw);
    if (status == 1 && (f->short1 || f->short2)) { /* short passes too coarse: long ones */
        f->short1 = f->short2 = 0;
        if (kind == FASTUP_FX_SHORT) f->hkind = kind = FASTUP_FX_OP;
        status = fastup_fx_weights(f, xw, yw);
    }
    if (status != 0) return status;
    if (!f->vfirst && !f->short1 && fastup_use_avx512vbmi() &&
        (hkind < 0 || hkind == FASTUP_FX_VOP)) {
        /* AVX512_VBMI: one window of 64 bytes per 16 outputs, where most blocks fit */
        ptrdiff_t b, good = 0;
        if (fastup_fx_opv_build(f) != 0) return -1;
        for (b = 0; b < f->vnb; b++) good += f->vfit[b];
        if (f->vnb > 0 && (hkind == FASTUP_FX_VOP || 4 * good >= 3 * f->vnb)) {
            f->hkind = FASTUP_FX_VOP;
            return 0;
        }
        free(f->vfit), free(f->vbase), free(f->vidx), free(f->vw);
        f->vfit = NULL, f->vbase = NULL, f->vidx = NULL, f->vw = NULL;
    }
    if (kind == FASTUP_FX_VOP) f->hkind = kind = FASTUP_FX_OP; /* elsewhere: the AVX2 OP */
    if (kind == FASTUP_FX_SHORT) return fastup_fx_short_build(f, &fit_short) != 0 ? -1 : 0;
    if (kind == FASTUP_FX_OP) return fastup_fx_op_build(f, &fit_op) != 0 ? -1 : 0;
    if (kind == FASTUP_FX_G1) {
        /* planes where the taps fill groups of 16 (the W pass then reduces one sum per
         * element: cheaper than pshufb'd pixels only with many taps) */
        f->planar = f->vfirst && C >= 2 && C <= 4 &&
                    Tx >= (C == 3 ? FASTUP_FX_PLANAR_TAPS_RGB : FASTUP_FX_PLANAR_TAPS) &&
                    W * C >= 64 &&
                    ((fastup_use_avx512vnni() && fastup_fx_tiles_fit(f)) ||
                     (C == 3 && fastup_use_avx2()));
        return fastup_fx_g1_build(f) != 0 ? -1 : 0;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * rows
 * ------------------------------------------------------------------------------------------ */

#if FASTUP_HAVE_AVX2_PATH
/* The W pass of V first on channel vectors (CV): each output pixel's taps' pixels of the I row
 * summed as rows (fastup_fx_v16_*), into the output row d. */
static FASTUP_AVX2 void fastup_fx_cv16_avx2(const int16_t *s, uint8_t *d, const fastup_fx *f,
                                            int avx2) {
    const int16_t *taps[256];
    ptrdiff_t x, t, C = f->C;
    for (x = 0; x < f->Wo; x++) {
        for (t = 0; t < f->Tx; t++) taps[t] = s + C * (f->xs[x] + t);
        if (avx2 == 2)
            fastup_fx_v16_avx512(taps, f->qx + f->Tx * x, f->Tx, C, d + C * x, f->k2, 0);
        else
            fastup_fx_v16_avx2(taps, f->qx + f->Tx * x, f->Tx, C, d + C * x, f->k2, 0);
    }
}
#endif

/* The W pass of H first: input row ``in`` -> I row ``out`` (``wide``: a row of int16 for G1). */
static inline void fastup_fx_hpass(const fastup_fx *f, const uint8_t *in, int16_t *out,
                                   int16_t *wide, int avx2) {
#if FASTUP_HAVE_AVX2_PATH
    if (avx2) {
        switch (f->hkind) {
        case FASTUP_FX_VOP: /* planned on AVX512_VBMI machines only */
            fastup_fx_opv_avx512(in, out, f);
            return;
        case FASTUP_FX_SHORT:
            fastup_fx_short_avx2(in, out, f);
            return;
        case FASTUP_FX_OP:
            fastup_fx_op_avx2(in, out, f);
            return;
        case FASTUP_FX_G1:
            fastup_fx_widen_avx2(in, wide, f->W * f->C);
            fastup_fx_g1_avx2(wide, out, NULL, f);
            return;
        case FASTUP_FX_CV: { /* each output pixel: its taps' pixels summed as rows */
            const uint8_t *taps[256];
            ptrdiff_t x, t, C = f->C;
            for (x = 0; x < f->Wo; x++) {
                for (t = 0; t < f->Tx; t++) taps[t] = in + C * (f->xs[x] + t);
                if (avx2 == 2)
                    fastup_fx_v8_avx512(taps, f->qx + f->Tx * x, f->Tx, C, out + C * x, f->k1);
                else
                    fastup_fx_v8_avx2(taps, f->qx + f->Tx * x, f->Tx, C, out + C * x, f->k1);
            }
            return;
        }
        }
    }
#endif
    (void)wide;
    (void)avx2;
    if (f->short1)
        fastup_fx_hs_plain(in, out, f);
    else
        fastup_fx_h8_plain(in, out, f);
}

/* Output rows r0..r1 of plan f, V first: the rows of each output row summed into an I row
 * (a tile of up to 4 output rows at a time where a tiled kernel runs: into slots, rows of
 * ``stride`` elements), then each I row along W into its output row. rows: room for Ty
 * pointers; planar: bytes, 4 C rows of Wo + 8 bytes (after a VNNI tile), *pl, C planes of W +
 * FASTUP_FX_SLACK int16 for I rows in pixel order split (made by the first such row: a VNNI
 * tile writes its own planes; the caller frees it). 0, or -1 when out of memory. */
static inline int fastup_fx_vfirst(const fastup_fx *f, const uint8_t *src, uint8_t *dst,
                                   ptrdiff_t r0, ptrdiff_t r1, int avx2, int16_t *slots,
                                   ptrdiff_t stride, const uint8_t **rows, uint8_t *bytes,
                                   int16_t **pl) {
    ptrdiff_t inlen = f->W * f->C, outlen = f->Wo * f->C, T = f->Ty, r, t, g, n;
    int tile = 1;
#if FASTUP_HAVE_AVX2_PATH
    fastup_fx_tile tl;
    ptrdiff_t ps = f->W + FASTUP_FX_SLACK; /* planar: each plane's elements */
    int planes = 0; /* the sums of rows were written as planes (a VNNI tile) */
    int vnni = avx2 == 2 && fastup_use_avx512vnni();
    /* VNNI: tiles of 4 (where planar, writing planes); AVX2: of 2; AVX-512 without VNNI:
     * its per-row kernel (faster there than AVX2 tiles) */
    if (vnni && inlen >= 64)
        tile = 4;
    else if (avx2 == 1 && inlen >= 32)
        tile = 2;
#endif
    for (r = r0; r < r1; r += n) {
        ptrdiff_t p = r / f->Ho, y = r - p * f->Ho;
        const uint8_t *plane = src + p * f->H * inlen;
        n = tile;
        if (n > r1 - r) n = r1 - r;
        if (n > f->Ho - y) n = f->Ho - y;
#if FASTUP_HAVE_AVX2_PATH
        planes = 0;
        if ((n > 1 || (f->planar && tile == 4)) &&
            fastup_fx_tile_make(&tl, plane, inlen, f->ys + y, f->qy + y * T, T, (int)n) == 0) {
            int16_t *o[FASTUP_FX_TILE];
            for (g = 0; g < n; g++) o[g] = slots + g * stride;
            planes = f->planar && tile == 4;
            if (tile == 4)
                fastup_fx_v8t_vnni(&tl, inlen, o, f->k1, planes ? (int)f->C : 0, ps);
            else
                fastup_fx_v8t_avx2(&tl, inlen, o, f->k1);
        } else
#endif
        {
            n = 1;
            for (t = 0; t < T; t++) rows[t] = plane + (f->ys[y] + t) * inlen;
#if FASTUP_HAVE_AVX2_PATH
            if (avx2 == 2)
                fastup_fx_v8_avx512(rows, f->qy + y * T, T, inlen, slots, f->k1);
            else if (avx2)
                fastup_fx_v8_avx2(rows, f->qy + y * T, T, inlen, slots, f->k1);
            else
#endif
                fastup_fx_v8_plain(rows, f->qy + y * T, T, inlen, slots, f->k1);
        }
#if FASTUP_HAVE_AVX2_PATH
        if (f->planar && planes) { /* the VNNI tile's planes along W */
            const int16_t *in[FASTUP_FX_TILE];
            uint8_t *drows[FASTUP_FX_TILE];
            for (g = 0; g < n; g++) in[g] = slots + g * stride, drows[g] = dst + (r + g) * outlen;
            fastup_fx_g1p_vnni(in, n, ps, drows, bytes, f);
            continue;
        }
        if (f->planar) { /* rows in pixel order: RGB split into planes, then along W (2 and
                            * 4 elements are planned planar only where VNNI tiles always fit) */
            if (f->C == 3 && *pl == NULL) { /* zeros in the planes' slack */
                *pl = (int16_t *)calloc((size_t)(3 * (f->W + FASTUP_FX_SLACK)), 2);
                if (*pl == NULL) return -1;
            }
            for (g = 0; g < n; g++) {
                uint8_t *drow = dst + (r + g) * outlen;
                if (f->C == 3)
                    fastup_fx_g1pl_avx2(slots + g * stride, drow, *pl, f);
                else
                    fastup_fx_h16_plain(slots + g * stride, drow, f);
            }
            continue;
        }
#endif
        for (g = 0; g < n; g++) { /* each I row along W */
            const int16_t *in = slots + g * stride;
            uint8_t *drow = dst + (r + g) * outlen;
#if FASTUP_HAVE_AVX2_PATH
            if (avx2 && f->hkind == FASTUP_FX_G1) {
                fastup_fx_g1_avx2(in, NULL, drow, f);
                continue;
            }
            if (avx2 && f->hkind == FASTUP_FX_CV) {
                fastup_fx_cv16_avx2(in, drow, f, avx2);
                continue;
            }
#endif
            fastup_fx_h16_plain(in, drow, f);
        }
    }
    return 0;
}

/* Output rows r0..r1 (of P * Ho) of plan f; 0, or -1 when out of memory. avx2: 0 the
 * portable copy, 1 the AVX2 copy, 2 the AVX2 copy with the AVX-512 kernels. */
static inline int fastup_fx_body(const fastup_fx *f, const uint8_t *src, uint8_t *dst,
                                 ptrdiff_t r0, ptrdiff_t r1, int avx2) {
    ptrdiff_t inlen = f->W * f->C, outlen = f->Wo * f->C, T = f->Ty, r, t, s;
    ptrdiff_t stride = f->planar   ? f->C * (f->W + FASTUP_FX_SLACK) /* C planes */
                       : f->vfirst ? inlen + FASTUP_FX_SLACK
                                   : outlen + FASTUP_FX_SLACK;
    ptrdiff_t nslots = f->vfirst ? FASTUP_FX_TILE : T;
    int g1 = avx2 && f->hkind == FASTUP_FX_G1;
    int16_t *slots = (int16_t *)calloc((size_t)(nslots * stride), sizeof(int16_t));
    int16_t *wide = NULL;
    uint8_t *bytes =
        f->planar ? (uint8_t *)malloc((size_t)(FASTUP_FX_TILE * f->C * (f->Wo + 8))) : NULL;
    int16_t *pl = NULL; /* planar rows in pixel order: their planes (fastup_fx_vfirst) */
    ptrdiff_t *tags = (ptrdiff_t *)malloc((size_t)nslots * sizeof(ptrdiff_t));
    const void **rows = (const void **)malloc((size_t)T * sizeof(void *));
    const int32_t m = f->short2 ? 1 << (16 - f->S) : 0;
    int stream = avx2 && !f->vfirst &&
                 (double)(f->P * f->Ho) * (double)outlen >= (double)FASTUP_STREAM_BYTES &&
                 fastup_pages_resident(dst + r0 * outlen, (double)((r1 - r0) * outlen));
    int status = 0;
    if (g1 && !f->vfirst) wide = (int16_t *)calloc((size_t)(inlen + FASTUP_FX_SLACK), 2);
    if (slots == NULL || tags == NULL || rows == NULL || (g1 && !f->vfirst && wide == NULL) ||
        (f->planar && bytes == NULL)) {
        status = -1;
        goto done;
    }
    if (f->vfirst) {
        status = fastup_fx_vfirst(f, src, dst, r0, r1, avx2, slots, stride,
                                  (const uint8_t **)rows, bytes, &pl);
        goto done;
    }
    for (s = 0; s < nslots; s++) tags[s] = -1;
    ptrdiff_t p = r0 / f->Ho, y = r0 - p * f->Ho - 1; /* (p, y) of row r, by counting */
    for (r = r0; r < r1; r++) {
        ptrdiff_t y0, s0;
        if (++y == f->Ho) {
            y = 0;
            p++;
        }
        y0 = f->ys[y];
        s0 = y0 % T; /* the ring slot of tap 0 */
        const int16_t *qy = f->qy + y * T;
        uint8_t *drow = dst + r * outlen;
        for (t = 0; t < T; t++) { /* H first: the I rows this output row reads, cached */
            ptrdiff_t tag = p * f->H + y0 + t, k = s0 + t < T ? s0 + t : s0 + t - T;
            int16_t *slot = slots + k * stride;
            if (tags[k] != tag) {
                fastup_fx_hpass(f, src + tag * inlen, slot, wide, avx2);
                tags[k] = tag;
            }
            rows[t] = slot;
        }
#if FASTUP_HAVE_AVX2_PATH
        if (avx2) {
            if (f->short2)
                fastup_fx_vs_avx2((const int16_t *const *)rows, qy, T, outlen, drow, m, stream);
            else if (avx2 == 2)
                fastup_fx_v16_avx512((const int16_t *const *)rows, qy, T, outlen, drow, f->k2,
                                     stream);
            else
                fastup_fx_v16_avx2((const int16_t *const *)rows, qy, T, outlen, drow, f->k2,
                                   stream);
            continue;
        }
#endif
        if (f->short2)
            fastup_fx_vs_plain((const int16_t *const *)rows, qy, T, outlen, drow, m);
        else
            fastup_fx_v16_plain((const int16_t *const *)rows, qy, T, outlen, drow, f->k2);
    }
done:
    if (stream) fastup_stream_fence(); /* order the streamed stores before the caller's reads */
    free(slots);
    free(wide);
    free(bytes);
    free(pl);
    free(tags);
    free((void *)rows);
    return status;
}

#if FASTUP_HAVE_AVX2_PATH
static FASTUP_AVX2 int fastup_fx_body_avx2(const fastup_fx *f, const uint8_t *src,
                                           uint8_t *dst, ptrdiff_t r0, ptrdiff_t r1) {
    return fastup_fx_body(f, src, dst, r0, r1, 1);
}

/* the AVX2 body calling the AVX-512 kernels where there are some (avx2 == 2) */
static FASTUP_AVX2 int fastup_fx_body_avx512(const fastup_fx *f, const uint8_t *src,
                                             uint8_t *dst, ptrdiff_t r0, ptrdiff_t r1) {
    return fastup_fx_body(f, src, dst, r0, r1, 2);
}
#endif

/* Output rows r0..r1 (of P * Ho) of a planned uint8 resize; 0, or -1 when out of memory. */
static int fastup_fx_rows(const fastup_fx *f, const void *src, void *dst, ptrdiff_t r0,
                          ptrdiff_t r1) {
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_use_avx512bw())
        return fastup_fx_body_avx512(f, (const uint8_t *)src, (uint8_t *)dst, r0, r1);
    if (fastup_use_avx2())
        return fastup_fx_body_avx2(f, (const uint8_t *)src, (uint8_t *)dst, r0, r1);
#endif
    return fastup_fx_body(f, (const uint8_t *)src, (uint8_t *)dst, r0, r1, 0);
}

#endif
