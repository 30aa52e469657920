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

typedef struct {
    ptrdiff_t P, L, M, I, T;
    const ptrdiff_t *start; /* M */
    const int32_t *q;       /* M * T */
    int shift;
    int64_t lo, hi;
    int src32, dst32;       /* int32 source / result (else uint8) */
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
            for (ptrdiff_t i = 0; i < I; i++) {
                int64_t v = fastup_pf_clamp(acc[i] >> j->shift, j->lo, j->hi);
                if (j->dst32)
                    dst32[o + i] = (int32_t)v;
                else
                    dst8[o + i] = (uint8_t)v;
            }
        } else {
            int32_t *acc = (int32_t *)buffer;
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

#endif
