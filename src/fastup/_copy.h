/* fastup's copies.
 *
 * Strided: dst[i] = src[i * stride] for i < n, the inner loop of the phase split of a
 * convolution's input (a line of an input plane read every ``stride`` elements). Stride 1 is a
 * memcpy; stride 2 (the usual downsampling convolution, and the input gradient of a stride-2
 * transposed convolution) has an AVX2 copy that takes the even elements of two vectors at a
 * time.
 *
 * Strided add: dst[i * stride] += src[i], the inner loop of col2im (the scatter of a transposed
 * convolution); stride 2 has an AVX2 copy that adds two vectors of dst at a time and keeps the
 * odd elements as they were (blended back, so even a -0.0 there stays).
 *
 * Streaming: a copy into a large output with non-temporal stores (AVX2), which write to memory
 * without first reading the destination into the cache (half the memory traffic of ordinary
 * stores for an output far larger than the cache); fastup_stream_fence() once after the last.
 *
 * Byte gather: rows whose output byte j is src_row[at(j)] (a nearest resize along the last
 * axis: at(j) = last[j / block] + j % block). Blocks of 16 output bytes whose sources lie
 * within 16 bytes get a pshufb mask (AVX2 machines), the others are copied byte by byte.
 *
 * The AVX2 copies are chosen at run time (_cpu.h).
 */
#ifndef FASTUP_COPY_H
#define FASTUP_COPY_H

/* outputs of at least this many bytes are written with non-temporal stores */
#define FASTUP_STREAM_BYTES 16777216

#include <stddef.h>
#include <string.h>

#include "_cpu.h"

#if FASTUP_HAVE_AVX2_PATH
#include <immintrin.h>

static FASTUP_AVX2 ptrdiff_t fastup_even_f_avx2(float *dst, const float *src, ptrdiff_t n) {
    ptrdiff_t i = 0;
    /* the last vector pair reads src[2 * i + 15]: stop while that is below 2 * n - 1 */
    for (; i + 8 <= n && 2 * i + 16 <= 2 * n - 1; i += 8) {
        __m256 a = _mm256_loadu_ps(src + 2 * i), b = _mm256_loadu_ps(src + 2 * i + 8);
        /* a0 a2 b0 b2 | a4 a6 b4 b6 -> a0 a2 a4 a6 b0 b2 b4 b6 */
        __m256 e = _mm256_shuffle_ps(a, b, 0x88);
        _mm256_storeu_ps(dst + i, _mm256_castpd_ps(
                                      _mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
    }
    return i;
}

static FASTUP_AVX2 ptrdiff_t fastup_even_add_f_avx2(float *dst, const float *src, ptrdiff_t n) {
    ptrdiff_t i = 0;
    const __m256 zero = _mm256_setzero_ps();
    /* reads and writes dst[2 * i + 15]: stop while that is below 2 * n - 1 (the odd element
     * after the last one added belongs to this line, and is written back unchanged) */
    for (; i + 8 <= n && 2 * i + 16 <= 2 * n - 1; i += 8) {
        __m256 v = _mm256_loadu_ps(src + i);
        /* v0 0 v1 0 v2 0 v3 0 | v4 0 ... in two vectors, in order */
        __m256 lo = _mm256_unpacklo_ps(v, zero), hi = _mm256_unpackhi_ps(v, zero);
        __m256 a = _mm256_permute2f128_ps(lo, hi, 0x20), b = _mm256_permute2f128_ps(lo, hi, 0x31);
        __m256 d0 = _mm256_loadu_ps(dst + 2 * i), d1 = _mm256_loadu_ps(dst + 2 * i + 8);
        _mm256_storeu_ps(dst + 2 * i, _mm256_blend_ps(d0, _mm256_add_ps(d0, a), 0x55));
        _mm256_storeu_ps(dst + 2 * i + 8, _mm256_blend_ps(d1, _mm256_add_ps(d1, b), 0x55));
    }
    return i;
}

/* n bytes from src to dst, the 32-byte-aligned part of dst with non-temporal stores */
static FASTUP_AVX2 void fastup_stream_avx2(void *dst, const void *src, size_t n) {
    char *d = (char *)dst;
    const char *s = (const char *)src;
    size_t head = (32 - ((size_t)d & 31)) & 31, i;
    if (head > n) head = n;
    memcpy(d, s, head);
    for (i = head; i + 32 <= n; i += 32)
        _mm256_stream_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(s + i)));
    memcpy(d + i, s + i, n - i);
}

static FASTUP_AVX2 void fastup_sfence_avx2(void) { _mm_sfence(); }
#endif

/* memcpy, with non-temporal stores where the AVX2 copy runs */
static inline void fastup_stream_copy(void *dst, const void *src, size_t n) {
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_use_avx2()) {
        fastup_stream_avx2(dst, src, n);
        return;
    }
#endif
    memcpy(dst, src, n);
}

/* The byte-gather tables of rows of n_last * block output bytes (see the top). */
typedef struct {
    ptrdiff_t nb;    /* blocks of 16 output bytes */
    int32_t *lo;     /* per block: the first source byte of its 16, or -1 (byte by byte) */
    uint8_t *mask;   /* per block: 16 pshufb indices */
    ptrdiff_t fit;   /* blocks with a mask */
} fastup_bytes16;

/* Builds t; 0, or -1 out of memory. Windows end at the furthest byte any output reads, so
 * that no 16-byte load leaves the source. */
static int fastup_bytes16_build(const ptrdiff_t *last, ptrdiff_t n_last, ptrdiff_t block,
                                fastup_bytes16 *t) {
    ptrdiff_t n = n_last * block, b, j, end = 0, o;
    t->nb = n / 16;
    t->fit = 0;
    t->lo = (int32_t *)malloc((size_t)(t->nb + 1) * sizeof(int32_t));
    t->mask = (uint8_t *)malloc((size_t)(t->nb + 1) * 16);
    if (t->lo == NULL || t->mask == NULL) return -1;
    for (o = 0; o < n_last; o++) end = last[o] + block > end ? last[o] + block : end;
    for (b = 0; b < t->nb; b++) {
        ptrdiff_t lo = -1, hi = -1;
        for (j = 16 * b; j < 16 * b + 16; j++) {
            ptrdiff_t at = last[j / block] + j % block;
            lo = lo < 0 || at < lo ? at : lo;
            hi = at > hi ? at : hi;
        }
        /* a window that would pass the end is moved back to end there */
        if (lo + 16 > end) lo = end - 16;
        if (lo >= 0 && hi - lo < 16 && lo <= 2147483647) {
            t->lo[b] = (int32_t)lo;
            for (j = 0; j < 16; j++)
                t->mask[16 * b + j] =
                    (uint8_t)(last[(16 * b + j) / block] + (16 * b + j) % block - lo);
            t->fit++;
        } else {
            t->lo[b] = -1;
        }
    }
    return 0;
}

static void fastup_bytes16_free(fastup_bytes16 *t) {
    free(t->lo);
    free(t->mask);
}

#if FASTUP_HAVE_AVX2_PATH
static FASTUP_AVX2 void fastup_bytes16_row_avx2(const uint8_t *s, uint8_t *out,
                                                const ptrdiff_t *last, ptrdiff_t n_last,
                                                ptrdiff_t block, const fastup_bytes16 *t) {
    ptrdiff_t b, j;
    for (b = 0; b < t->nb; b++) {
        if (t->lo[b] >= 0)
            _mm_storeu_si128((__m128i *)(out + 16 * b),
                             _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + t->lo[b])),
                                              _mm_loadu_si128((const __m128i *)(t->mask +
                                                                                 16 * b))));
        else
            for (j = 16 * b; j < 16 * b + 16; j++) out[j] = s[last[j / block] + j % block];
    }
    for (j = 16 * t->nb; j < n_last * block; j++) out[j] = s[last[j / block] + j % block];
}
#endif

/* One row of the byte gather with the tables t (AVX2 machines only: the caller checks). */
static inline void fastup_bytes16_row(const uint8_t *s, uint8_t *out, const ptrdiff_t *last,
                                      ptrdiff_t n_last, ptrdiff_t block,
                                      const fastup_bytes16 *t) {
#if FASTUP_HAVE_AVX2_PATH
    fastup_bytes16_row_avx2(s, out, last, n_last, block, t);
#else
    ptrdiff_t j;
    (void)t;
    for (j = 0; j < n_last * block; j++) out[j] = s[last[j / block] + j % block];
#endif
}

/* Orders the streamed stores of this thread before what follows (a no-op without them). */
static inline void fastup_stream_fence(void) {
#if FASTUP_HAVE_AVX2_PATH
    if (fastup_use_avx2()) fastup_sfence_avx2();
#endif
}

static inline void fastup_strided_f(float *dst, const float *src, ptrdiff_t n, ptrdiff_t stride) {
    ptrdiff_t i = 0;
    if (stride == 1) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
#if FASTUP_HAVE_AVX2_PATH
    if (stride == 2 && fastup_use_avx2()) i = fastup_even_f_avx2(dst, src, n);
#endif
    for (; i < n; i++) dst[i] = src[i * stride];
}

static inline void fastup_strided_add_f(float *dst, const float *src, ptrdiff_t n,
                                        ptrdiff_t stride) {
    ptrdiff_t i = 0;
#if FASTUP_HAVE_AVX2_PATH
    if (stride == 2 && fastup_use_avx2()) i = fastup_even_add_f_avx2(dst, src, n);
#endif
    for (; i < n; i++) dst[i * stride] += src[i];
}

static inline void fastup_strided_add_d(double *dst, const double *src, ptrdiff_t n,
                                        ptrdiff_t stride) {
    ptrdiff_t i;
    for (i = 0; i < n; i++) dst[i * stride] += src[i];
}

static inline void fastup_strided_d(double *dst, const double *src, ptrdiff_t n, ptrdiff_t stride) {
    ptrdiff_t i;
    if (stride == 1) {
        memcpy(dst, src, (size_t)n * sizeof(double));
        return;
    }
    for (i = 0; i < n; i++) dst[i] = src[i * stride];
}

#endif
