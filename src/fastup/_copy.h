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
 * Only whole cache lines are streamed; the partial lines at a row's ends get ordinary stores,
 * fetched for writing a few rows ahead (fastup_stream_lines). A buffer read while the output
 * rows are written is placed half a page away from them (fastup_half_page_from).
 *
 * Byte gather: rows whose output byte j is src_row[at(j)] (a nearest resize along the last
 * axis: at(j) = last[j / block] + j % block). Blocks of 16 output bytes whose sources lie
 * within 16 bytes get a pshufb mask (AVX2 machines), the others are copied byte by byte.
 *
 * The AVX2 copies are chosen at run time (_cpu.h).
 */
#ifndef FASTUP_COPY_H
#define FASTUP_COPY_H

/* outputs of at least this many bytes are written with non-temporal stores (when their pages
 * are in memory already: fastup_pages_resident) */
#define FASTUP_STREAM_BYTES 16777216

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "_cpu.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

/* Whether the pages of the n bytes at p are in memory (8 of them sampled; Linux, elsewhere
 * assumed). A large output is written with non-temporal stores only then: a fresh allocation
 * (np.empty of a large array, pages the kernel zeroes at the first write) is written faster
 * with ordinary stores, which find the lines the kernel has just zeroed in the caches;
 * measured here, a 134 MB output 1.2x (one thread) to 2x (two) faster that way, where a
 * reused one is 1.5x faster streamed. */
static inline int fastup_pages_resident(const void *p, double n) {
#if defined(__linux__)
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    int k;
    if (page == 0 || (page & (page - 1)) != 0) return 1;
    for (k = 0; k < 8; k++) {
        uintptr_t a = ((uintptr_t)p + (uintptr_t)(n / 8.0 * k)) & ~(page - 1);
        unsigned char in = 0;
        if (mincore((void *)a, 1, &in) != 0) return 1; /* cannot tell: as if resident */
        if (!(in & 1)) return 0;
    }
#else
    (void)p;
    (void)n;
#endif
    return 1;
}

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

/* The whole cache lines of a row of n bytes at d, bytes [*h, *e) from d: what is streamed. A
 * line is never written partly by each kind of store: a partly streamed line leaves the
 * write-combining buffer as a partial write, which costs a read of the line from memory (on
 * Intel, W5 nearest was 1.8x slower streamed from 32-byte boundaries than not streamed). The
 * partial lines at the row's ends get ordinary stores (the ends of two rows, when rows follow
 * one another), and an ordinary store that misses the cache holds up the streamed stores
 * behind it: so the line where the row four ahead ends is fetched for writing (PREFETCHW) now.
 * W1 nearest x2 with rows 16 bytes into a line took 18.6 ms without, 10.5 ms with, and 7.5 ms
 * with rows on line boundaries. */
static inline void fastup_stream_lines(const void *d, size_t n, size_t *h, size_t *e) {
    const char *end = (const char *)d + n;
    size_t head = (64 - ((size_t)d & 63)) & 63;
    if (((size_t)end & 63) != 0) __asm__ volatile("prefetchw %0" : : "m"(end[3 * n]));
    *h = head < n ? head : n;
    *e = *h + (n - *h) / 64 * 64;
}

/* n bytes from src to dst: the whole cache lines of dst with non-temporal stores, the partial
 * lines at either end with ordinary ones (fastup_stream_lines). */
static FASTUP_AVX2 void fastup_stream_avx2(void *dst, const void *src, size_t n) {
    char *d = (char *)dst;
    const char *s = (const char *)src;
    size_t h, e, i;
    fastup_stream_lines(d, n, &h, &e);
    memcpy(d, s, h);
    for (i = h; i < e; i += 64) {
        _mm256_stream_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(s + i)));
        _mm256_stream_si256((__m256i *)(d + i + 32),
                            _mm256_loadu_si256((const __m256i *)(s + i + 32)));
    }
    memcpy(d + e, s + e, n - e);
}

static FASTUP_AVX2 void fastup_sfence_avx2(void) { _mm_sfence(); }

/* The interior of fastup_line2_add_f: outputs 2m, 2m + 1 for m in [m0, m1) (every tap valid
 * there, m1 - m0 >= 8), 16 at a time: the line's even and odd outputs separated, the taps of
 * each phase added in order (the ne even ones first in col, off, then the odd ones),
 * interleaved back. The last 16 overlap the ones before, and keep those as they were. */
static FASTUP_AVX2 inline __attribute__((always_inline)) void
fastup_line2_16(float *dst, const float *const *col, const ptrdiff_t *off, ptrdiff_t ne,
                ptrdiff_t nq, ptrdiff_t m, __m256i keep) {
    __m256 d0 = _mm256_loadu_ps(dst + 2 * m), d1 = _mm256_loadu_ps(dst + 2 * m + 8);
    /* d0 d2 d8 d10 | d4 d6 d12 d14 -> d0 d2 d4 ... d14, and the odd ones alike */
    __m256 e0 = _mm256_castpd_ps(
               _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(d0, d1, 0x88)), 0xD8)),
           o0 = _mm256_castpd_ps(
               _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(d0, d1, 0xDD)), 0xD8)),
           e = e0, o = o0, lo, hi;
    ptrdiff_t q;
    for (q = 0; q < ne; q++) e = _mm256_add_ps(e, _mm256_loadu_ps(col[q] + (m - off[q])));
    for (; q < nq; q++) o = _mm256_add_ps(o, _mm256_loadu_ps(col[q] + (m - off[q])));
    e = _mm256_blendv_ps(e, e0, _mm256_castsi256_ps(keep));
    o = _mm256_blendv_ps(o, o0, _mm256_castsi256_ps(keep));
    lo = _mm256_unpacklo_ps(e, o);
    hi = _mm256_unpackhi_ps(e, o);
    _mm256_storeu_ps(dst + 2 * m, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(dst + 2 * m + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

static FASTUP_AVX2 void fastup_line2_add_f_avx2(float *dst, const float *const *col,
                                                const ptrdiff_t *off, ptrdiff_t ne, ptrdiff_t nq,
                                                ptrdiff_t m0, ptrdiff_t m1) {
    const __m256i none = _mm256_setzero_si256();
    ptrdiff_t m;
    for (m = m0; m + 8 <= m1; m += 8) fastup_line2_16(dst, col, off, ne, nq, m, none);
    if (m < m1) /* lanes below m - (m1 - 8) are done */
        fastup_line2_16(dst, col, off, ne, nq, m1 - 8,
                        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(m - (m1 - 8))),
                                           _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
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
    ptrdiff_t b, j, end = 0, o = 0, i = 0, at[16];
    t->nb = n_last * block / 16;
    t->fit = 0;
    t->lo = (int32_t *)malloc((size_t)(t->nb + 1) * sizeof(int32_t));
    t->mask = (uint8_t *)malloc((size_t)(t->nb + 1) * 16);
    if (t->lo == NULL || t->mask == NULL) return -1;
    for (j = 0; j < n_last; j++) end = last[j] + block > end ? last[j] + block : end;
    for (b = 0; b < t->nb; b++) {
        ptrdiff_t lo, hi;
        for (j = 0; j < 16; j++) { /* output byte 16 b + j is byte i of output o */
            at[j] = last[o] + i;
            if (++i == block) {
                i = 0;
                o++;
            }
        }
        lo = hi = at[0];
        for (j = 1; j < 16; j++) {
            lo = at[j] < lo ? at[j] : lo;
            hi = at[j] > hi ? at[j] : hi;
        }
        /* a window that would pass the end is moved back to end there */
        if (lo + 16 > end) lo = end - 16;
        if (lo >= 0 && hi - lo < 16 && lo <= 2147483647) {
            t->lo[b] = (int32_t)lo;
            for (j = 0; j < 16; j++) t->mask[16 * b + j] = (uint8_t)(at[j] - lo);
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

/* The extra bytes a buffer placed by fastup_half_page_from needs. */
#define FASTUP_PLACE_SLACK 4096

/* The address in [raw, raw + 4096) that lies half a page (2048 bytes modulo 4096) from ref:
 * for a buffer read while the rows at ref are written (raw: an allocation of
 * FASTUP_PLACE_SLACK bytes more than the buffer). A load whose address matches an earlier,
 * still pending store in its low 12 bits waits for that store ("4K aliasing"); sums of rows
 * that read a row cache 16 to 80 bytes below the output rows (modulo 4096) while streaming
 * them out ran 3x slower (W2 NHWC x2 bilinear 37-70 ms against 12-14 ms; where malloc put the
 * cache decided it, run to run). Same 64-byte offset as ref within its line. */
static inline void *fastup_half_page_from(void *raw, const void *ref) {
    uintptr_t r = (uintptr_t)raw, want = ((uintptr_t)ref + 2048) & 4095;
    return (void *)(r + ((want - (r & 4095)) & 4095));
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

/* One output line of col2im at stride 2 along it, all taps along the line at once: for q < nq
 * in order, dst[2 * v + shift[q]] += col[q][v - lo] for v in [lo, hi) with
 * 0 <= 2 v + shift[q] < n.
 * Each output element receives its taps in the order of q, as in one fastup_strided_add_f per
 * tap: the same bits. nq <= FASTUP_LINE2_TAPS. */
#define FASTUP_LINE2_TAPS 32
static inline void fastup_line2_add_f(float *dst, ptrdiff_t n, const float *const *col,
                                      const ptrdiff_t *shift, ptrdiff_t nq, ptrdiff_t lo,
                                      ptrdiff_t hi) {
    ptrdiff_t off[FASTUP_LINE2_TAPS], q, v, m0 = 0, m1 = n / 2, m;
    int phase[FASTUP_LINE2_TAPS];
    /* tap q writes output 2 m + phase[q] from col[q][m - off[q]] (off[q] counted from lo) */
    for (q = 0; q < nq; q++) {
        phase[q] = (int)(shift[q] & 1);
        off[q] = (shift[q] - phase[q]) / 2 + lo;
        m0 = off[q] > m0 ? off[q] : m0;
        m1 = hi - lo + off[q] < m1 ? hi - lo + off[q] : m1;
    }
#if FASTUP_HAVE_AVX2_PATH
    if (m1 - m0 >= 8 && fastup_use_avx2()) {
        /* the taps by phase, each phase in order */
        const float *bycol[FASTUP_LINE2_TAPS];
        ptrdiff_t byoff[FASTUP_LINE2_TAPS], ne = 0, k = 0;
        for (q = 0; q < nq; q++)
            if (phase[q] == 0) ne++;
        for (q = 0; q < nq; q++) {
            ptrdiff_t at = phase[q] == 0 ? k++ : ne + (q - k);
            bycol[at] = col[q];
            byoff[at] = off[q];
        }
        fastup_line2_add_f_avx2(dst, bycol, byoff, ne, nq, m0, m1);
        m = m1;
    } else
#endif
        m = m0;
    /* the rest, tap by tap: v - lo outside [m0 - off[q], m - off[q]) */
    for (q = 0; q < nq; q++) {
        ptrdiff_t skip0 = m0 - off[q], skip1 = m - off[q];
        for (v = 0; v < hi - lo; v++) {
            ptrdiff_t x = 2 * (v + lo) + shift[q];
            if (v == skip0 && skip1 > skip0) {
                v = skip1 - 1;
                continue;
            }
            if (x >= 0 && x < n) dst[x] += col[q][v];
        }
    }
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
