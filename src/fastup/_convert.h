/* fastup's conversions between the 16-bit floats and float32.
 *
 * float16 and bfloat16 (ml_dtypes) are resized in float32: converted on the way in, rounded
 * back on the way out. NumPy's float16 casts run at a fraction of memory speed, so fastup
 * converts itself, in blocks that the caller spreads over threads:
 *
 * - float16 -> float32 is exact; float32 -> float16 rounds to nearest, ties to even, with
 *   overflow to infinity and gradual underflow (IEEE 754 binary16, as NumPy's astype).
 * - bfloat16 is the upper half of a float32: widening is a shift; narrowing rounds to
 *   nearest, ties to even, and keeps a NaN a NaN (quiet), as ml_dtypes does.
 *
 * The AVX2 copies use F16C's vcvtph2ps / vcvtps2ph and integer vector arithmetic; the
 * portable copies compute the same bits one element at a time. A NaN stays a NaN of the same
 * sign in both (its payload may differ: F16C quiets and truncates it).
 */
#ifndef FASTUP_CONVERT_H
#define FASTUP_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "_cpu.h"

#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>
#define FASTUP_AVX2_F16C __attribute__((target("avx2,fma,f16c")))
static int fastup_use_f16c(void) {
    static int answer = -1;
    if (answer < 0) answer = fastup_use_avx2() && __builtin_cpu_supports("f16c");
    return answer;
}
#endif

static inline float fastup_bits_f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint32_t fastup_f_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float fastup_half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0x1f) return fastup_bits_f(sign | 0x7f800000u | (mantissa << 13));
    if (exponent == 0) /* zero or subnormal: mantissa * 2**-24, exact */
        return fastup_bits_f(sign | fastup_f_bits((float)mantissa * 5.9604644775390625e-08f));
    return fastup_bits_f(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

static inline uint16_t fastup_float_to_half(float f) {
    const uint32_t x = fastup_f_bits(f);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00u | (uint16_t)((ax >> 13) & 0x3ffu); /* NaN */
    if (ax >= 0x477ff000u) return sign | 0x7c00u; /* at least 65520: infinity */
    if (ax < 0x38800000u) {
        /* below 2**-14: a multiple of 2**-24, rounded to nearest even (the sum below rounds
         * the exact ax * 2**24 < 2**10 once, as float addition does) */
        const float scaled = fastup_bits_f(ax) * 16777216.0f;
        return sign | (uint16_t)((scaled + 12582912.0f) - 12582912.0f);
    }
    /* normal: rebias the exponent (127 -> 15), round the 13 dropped bits to nearest even */
    return sign | (uint16_t)((ax - 0x38000000u + 0xfffu + ((ax >> 13) & 1u)) >> 13);
}

static inline uint16_t fastup_float_to_bfloat(float f) {
    const uint32_t x = fastup_f_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

enum {
    FASTUP_HALF_TO_FLOAT = 0,
    FASTUP_FLOAT_TO_HALF = 1,
    FASTUP_BFLOAT_TO_FLOAT = 2,
    FASTUP_FLOAT_TO_BFLOAT = 3
};

#if FASTUP_HAVE_AVX2_PATH
FASTUP_AVX2_F16C static void fastup_half_to_float_avx2(const uint16_t *src, float *dst,
                                                       ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256 b = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i + 8)));
        _mm256_storeu_ps(dst + i, a);
        _mm256_storeu_ps(dst + i + 8, b);
    }
    for (; i < n; i++) dst[i] = fastup_half_to_float(src[i]);
}

FASTUP_AVX2_F16C static void fastup_float_to_half_avx2(const float *src, uint16_t *dst,
                                                       ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i a = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        __m128i b = _mm256_cvtps_ph(_mm256_loadu_ps(src + i + 8), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128((__m128i *)(dst + i), a);
        _mm_storeu_si128((__m128i *)(dst + i + 8), b);
    }
    for (; i < n; i++) dst[i] = fastup_float_to_half(src[i]);
}

FASTUP_AVX2 static void fastup_bfloat_to_float_avx2(const uint16_t *src, float *dst,
                                                    ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i a = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256i b = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i + 8)));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_slli_epi32(a, 16));
        _mm256_storeu_si256((__m256i *)(dst + i + 8), _mm256_slli_epi32(b, 16));
    }
    for (; i < n; i++) dst[i] = fastup_bits_f((uint32_t)src[i] << 16);
}

/* 8 floats -> their bfloat16 bits in the low halves of 8 int32 lanes */
FASTUP_AVX2 static inline __m256i fastup_bfloat8_avx2(__m256 v) {
    const __m256i x = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_add_epi32(_mm256_add_epi32(x, _mm256_set1_epi32(0x7fff)), lsb);
    const __m256i quiet = _mm256_or_si256(x, _mm256_set1_epi32(0x400000));
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_srli_epi32(_mm256_blendv_epi8(rounded, quiet, nan), 16);
}

FASTUP_AVX2 static void fastup_float_to_bfloat_avx2(const float *src, uint16_t *dst,
                                                    ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i a = fastup_bfloat8_avx2(_mm256_loadu_ps(src + i));
        __m256i b = fastup_bfloat8_avx2(_mm256_loadu_ps(src + i + 8));
        /* packus works within 128-bit lanes: a0 b0 a1 b1 -> a0 a1 b0 b1 */
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
        _mm256_storeu_si256((__m256i *)(dst + i), packed);
    }
    for (; i < n; i++) dst[i] = fastup_float_to_bfloat(src[i]);
}
#endif

/* The conversion ``kind`` (FASTUP_HALF_TO_FLOAT ...) of n elements from src to dst. */
static void fastup_convert16(const void *src, void *dst, ptrdiff_t n, int kind) {
    const uint16_t *h = (const uint16_t *)src;
    const float *f = (const float *)src;
    uint16_t *hd = (uint16_t *)dst;
    float *fd = (float *)dst;
    ptrdiff_t i;
#if FASTUP_HAVE_AVX2_PATH
    if (kind <= FASTUP_FLOAT_TO_HALF ? fastup_use_f16c() : fastup_use_avx2()) {
        switch (kind) {
            case FASTUP_HALF_TO_FLOAT: fastup_half_to_float_avx2(h, fd, n); return;
            case FASTUP_FLOAT_TO_HALF: fastup_float_to_half_avx2(f, hd, n); return;
            case FASTUP_BFLOAT_TO_FLOAT: fastup_bfloat_to_float_avx2(h, fd, n); return;
            default: fastup_float_to_bfloat_avx2(f, hd, n); return;
        }
    }
#endif
    for (i = 0; i < n; i++) {
        switch (kind) {
            case FASTUP_HALF_TO_FLOAT: fd[i] = fastup_half_to_float(h[i]); break;
            case FASTUP_FLOAT_TO_HALF: hd[i] = fastup_float_to_half(f[i]); break;
            case FASTUP_BFLOAT_TO_FLOAT: fd[i] = fastup_bits_f((uint32_t)h[i] << 16); break;
            default: hd[i] = fastup_float_to_bfloat(f[i]);
        }
    }
}

#endif
