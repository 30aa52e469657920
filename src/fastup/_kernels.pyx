# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""fastup's compiled kernels: the hot loops, with the GIL released.

The kernels never see a mode name or a convention. They apply per-axis tables built in Python
(``fastup._tables``):

* ``gather``: nearest-neighbour N-D gather of raw bytes (any dtype) through per-axis byte-offset
  tables;
* ``resample_last``: out[r, m] = sum_t w[m, t] * x[r, start[m] + t], the resized axis contiguous;
* ``resample_mid``: out[p, m, :] = sum_t w[m, t] * x[p, start[m] + t, :], whole contiguous rows.

Thread rules (the Python side, ``fastup._threads``, decides ``nthreads``): with ``nthreads <= 1``
no OpenMP region is entered at all (safe in a child forked from a multi-threaded parent); with
more, the rows are split into ``nthreads`` equal contiguous blocks (a static schedule), each output
element is written by exactly one thread, and it is computed by the same instructions whatever the
thread count, so results are bit-identical for any ``nthreads``.

Taps with an exact zero weight are skipped, so a NaN or inf next to, but outside of, an output's
support does not leak into it.
"""

from cython.parallel cimport prange
from libc.stdint cimport int8_t, int16_t, int32_t, uint8_t, uint16_t
from libc.string cimport memcpy, memset

cdef extern from "_openmp_shim.h" nogil:
    int FASTUP_OPENMP_VERSION
    int fastup_omp_get_max_threads()
    int fastup_omp_get_thread_num()

cdef extern from "fastup_build_info.h":
    const char* FASTUP_BUILD_COMPILER
    const char* FASTUP_BUILD_CFLAGS
    const char* FASTUP_BUILD_LDFLAGS
    int FASTUP_BUILD_REQUIRE_OPENMP


# The element types the generic row loops below are instantiated for (cdef fused functions are
# compiled only for the combinations the wrappers use).
ctypedef fused src_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    int32_t
    float
    double

ctypedef fused dst_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    int32_t
    float
    double

ctypedef fused acc_t:
    float
    double

# The wrappers' combinations: small integers and float32 accumulate in float32 (``*_f``); int32
# and float64 accumulate in float64 (``*_d``). Integers in, float out is a first pass of several;
# float in, integer out is a last pass, rounded and saturated.
ctypedef fused fin_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    float

ctypedef fused fout_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    float

ctypedef fused din_t:
    int32_t
    double

ctypedef fused dout_t:
    int32_t
    double

# Rows of a resample_mid output are processed in chunks of this many elements, so the running sum
# stays in L1 cache while the taps stream through.
DEF CHUNK = 1024

# Adding then subtracting 1.5 * 2**(mantissa bits) rounds to the nearest integer, ties to even
# (IEEE default rounding), exactly like numpy.rint, for |v| < 2**22 (float) / 2**51 (double).
cdef float ROUND_MAGIC_F = 12582912.0
cdef double ROUND_MAGIC_D = 6755399441055744.0


def build_info():
    """Facts fixed when this module was compiled (reported by ``fastup.show_config``)."""
    return {
        "openmp_version": FASTUP_OPENMP_VERSION,
        "compiler": FASTUP_BUILD_COMPILER.decode("utf-8", "replace"),
        "cflags": FASTUP_BUILD_CFLAGS.decode("utf-8", "replace"),
        "ldflags": FASTUP_BUILD_LDFLAGS.decode("utf-8", "replace"),
        "require_openmp": bool(FASTUP_BUILD_REQUIRE_OPENMP),
    }


def omp_max_threads():
    """``omp_get_max_threads()`` of the calling thread (1 without OpenMP): OMP_NUM_THREADS and
    threadpoolctl limits show up here."""
    return fastup_omp_get_max_threads()


def team_probe(int nthreads):
    """Run one parallel region of ``nthreads`` and return how many distinct threads ran in it
    (1 in a serial build): a build test checks that OpenMP really runs threads."""
    cdef int seen[256]
    cdef int i, count = 0
    if nthreads < 1 or nthreads > 256:
        raise ValueError("team_probe: 1 to 256 threads")
    for i in range(256):
        seen[i] = 0
    with nogil:
        for i in prange(nthreads, num_threads=nthreads, schedule="static"):
            seen[fastup_omp_get_thread_num()] = 1
    for i in range(256):
        count += seen[i]
    return count


cdef inline void _put(dst_t* p, acc_t v) noexcept nogil:
    """Store one result: as is into a float output; rounded half-to-even and saturated into an
    integer output."""
    cdef acc_t lo, hi
    if dst_t is float or dst_t is double:
        p[0] = <dst_t>v
    else:
        if dst_t is uint8_t:
            lo = 0
            hi = 255
        elif dst_t is int8_t:
            lo = -128
            hi = 127
        elif dst_t is uint16_t:
            lo = 0
            hi = 65535
        elif dst_t is int16_t:
            lo = -32768
            hi = 32767
        else:
            lo = -2147483648.0
            hi = 2147483647.0
        if v < lo:
            v = lo
        elif v > hi:
            v = hi
        if acc_t is float:
            v = (v + ROUND_MAGIC_F) - ROUND_MAGIC_F
        else:
            v = (v + ROUND_MAGIC_D) - ROUND_MAGIC_D
        p[0] = <dst_t>v


# --------------------------------------------------------------------------------------------
# nearest: N-D gather of raw bytes
# --------------------------------------------------------------------------------------------

cdef void _gather_rows(const uint8_t* src, uint8_t* dst, const Py_ssize_t* offsets,
                       const Py_ssize_t* dims, const Py_ssize_t* table_start, Py_ssize_t k,
                       Py_ssize_t block, Py_ssize_t r0, Py_ssize_t r1) noexcept nogil:
    cdef Py_ssize_t n_last = dims[k - 1]
    cdef const Py_ssize_t* last = offsets + table_start[k - 1]
    cdef Py_ssize_t rowbytes = n_last * block
    cdef Py_ssize_t r, rem, d, c, o, base, prev_base = -1
    cdef const uint8_t* s
    cdef uint8_t* out
    for r in range(r0, r1):
        rem = r
        base = 0
        for d in range(k - 2, -1, -1):
            c = rem % dims[d]
            rem = rem // dims[d]
            base = base + offsets[table_start[d] + c]
        out = dst + r * rowbytes
        if r > r0 and base == prev_base:
            # the same source row as the previous output row (an upscaled outer axis): copy it
            memcpy(out, out - rowbytes, rowbytes)
            continue
        prev_base = base
        s = src + base
        if block == 1:
            for o in range(n_last):
                out[o] = s[last[o]]
        elif block == 2:
            for o in range(n_last):
                memcpy(out + 2 * o, s + last[o], 2)
        elif block == 4:
            for o in range(n_last):
                memcpy(out + 4 * o, s + last[o], 4)
        elif block == 8:
            for o in range(n_last):
                memcpy(out + 8 * o, s + last[o], 8)
        elif block == 16:
            for o in range(n_last):
                memcpy(out + 16 * o, s + last[o], 16)
        else:
            for o in range(n_last):
                memcpy(out + block * o, s + last[o], block)


def gather(const uint8_t[::1] src, uint8_t[::1] dst, const Py_ssize_t[::1] offsets,
           const Py_ssize_t[::1] dims, Py_ssize_t block, int nthreads):
    """dst[o_0, ..., o_{k-1}, :block] = src[sum_d offsets_d[o_d] : ... + block] (bytes).

    ``offsets`` holds the k per-dim tables of byte offsets one after the other (table d has
    ``dims[d]`` entries); ``dst`` is C-contiguous with shape ``dims + (block,)``.
    """
    cdef Py_ssize_t k = dims.shape[0]
    cdef Py_ssize_t table_start[64]
    cdef Py_ssize_t d, nrows = 1, pos = 0, c, nthr
    if k < 1 or k > 64:
        raise ValueError("gather: 1 to 64 dims")
    for d in range(k):
        table_start[d] = pos
        pos += dims[d]
        if d < k - 1:
            nrows *= dims[d]
    if offsets.shape[0] != pos or dst.shape[0] != nrows * dims[k - 1] * block:
        raise ValueError("gather: table or output size mismatch")
    if nrows == 0 or dims[k - 1] == 0:
        return
    nthr = min(<Py_ssize_t>nthreads, nrows)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _gather_rows(&src[0], &dst[0], &offsets[0], &dims[0], table_start, k, block,
                             c * nrows // nthr, (c + 1) * nrows // nthr)
        else:
            _gather_rows(&src[0], &dst[0], &offsets[0], &dims[0], table_start, k, block,
                         0, nrows)


# --------------------------------------------------------------------------------------------
# linear / cubic / lanczos / area: apply a (start, weights) table along one axis
# --------------------------------------------------------------------------------------------

cdef void _last_rows(const src_t* src, dst_t* dst, Py_ssize_t L, Py_ssize_t M,
                     const Py_ssize_t* start, const acc_t* w, Py_ssize_t T,
                     Py_ssize_t r0, Py_ssize_t r1) noexcept nogil:
    cdef Py_ssize_t r, m, t
    cdef const src_t* s
    cdef const src_t* x
    cdef const acc_t* wm
    cdef dst_t* d
    cdef acc_t acc, wt
    for r in range(r0, r1):
        s = src + r * L
        d = dst + r * M
        for m in range(M):
            x = s + start[m]
            wm = w + m * T
            acc = 0
            for t in range(T):
                wt = wm[t]
                if wt != 0:
                    acc = acc + wt * <acc_t>x[t]
            _put(d + m, acc)


def resample_last_f(const fin_t[:, ::1] src, fout_t[:, ::1] dst, const Py_ssize_t[::1] start,
                  const float[:, ::1] weights, int nthreads):
    """dst[r, m] = sum_t weights[m, t] * src[r, start[m] + t]; every start[m] + t < src.shape[1]."""
    cdef Py_ssize_t R = src.shape[0], L = src.shape[1], M = dst.shape[1], T = weights.shape[1]
    cdef Py_ssize_t c, nthr
    if dst.shape[0] != R or start.shape[0] != M or weights.shape[0] != M:
        raise ValueError("resample_last: shape mismatch")
    if R == 0 or M == 0:
        return
    if T == 0 or L == 0:
        raise ValueError("resample_last: empty table or input")
    nthr = min(<Py_ssize_t>nthreads, R)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _last_rows(&src[0, 0], &dst[0, 0], L, M, &start[0], &weights[0, 0], T,
                           c * R // nthr, (c + 1) * R // nthr)
        else:
            _last_rows(&src[0, 0], &dst[0, 0], L, M, &start[0], &weights[0, 0], T, 0, R)


def resample_last_d(const din_t[:, ::1] src, dout_t[:, ::1] dst, const Py_ssize_t[::1] start,
                  const double[:, ::1] weights, int nthreads):
    """dst[r, m] = sum_t weights[m, t] * src[r, start[m] + t]; every start[m] + t < src.shape[1]."""
    cdef Py_ssize_t R = src.shape[0], L = src.shape[1], M = dst.shape[1], T = weights.shape[1]
    cdef Py_ssize_t c, nthr
    if dst.shape[0] != R or start.shape[0] != M or weights.shape[0] != M:
        raise ValueError("resample_last: shape mismatch")
    if R == 0 or M == 0:
        return
    if T == 0 or L == 0:
        raise ValueError("resample_last: empty table or input")
    nthr = min(<Py_ssize_t>nthreads, R)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _last_rows(&src[0, 0], &dst[0, 0], L, M, &start[0], &weights[0, 0], T,
                           c * R // nthr, (c + 1) * R // nthr)
        else:
            _last_rows(&src[0, 0], &dst[0, 0], L, M, &start[0], &weights[0, 0], T, 0, R)


cdef void _mid_rows(const src_t* src, dst_t* dst, Py_ssize_t L, Py_ssize_t M, Py_ssize_t I,
                    const Py_ssize_t* start, const acc_t* w, Py_ssize_t T,
                    Py_ssize_t r0, Py_ssize_t r1) noexcept nogil:
    cdef acc_t buf[CHUNK]
    cdef acc_t* acc
    cdef Py_ssize_t r, p, m, t, i, i0, n
    cdef bint first
    cdef acc_t wt
    cdef const src_t* s
    cdef const src_t* row
    cdef dst_t* d
    for r in range(r0, r1):
        p = r // M
        m = r - p * M
        s = src + (p * L + start[m]) * I
        d = dst + r * I
        i0 = 0
        while i0 < I:
            n = I - i0
            if n > CHUNK:
                n = CHUNK
            # accumulate straight into a float output of the accumulator's own type
            if (dst_t is float and acc_t is float) or (dst_t is double and acc_t is double):
                acc = <acc_t*>(d + i0)
            else:
                acc = buf
            first = True
            for t in range(T):
                wt = w[m * T + t]
                if wt == 0:
                    continue
                row = s + t * I + i0
                if first:
                    for i in range(n):
                        acc[i] = wt * <acc_t>row[i]
                    first = False
                else:
                    for i in range(n):
                        acc[i] = acc[i] + wt * <acc_t>row[i]
            if first:  # no tap at all (an extrapolated position): zeros, filled in later
                memset(acc, 0, n * sizeof(acc_t))
            if not ((dst_t is float and acc_t is float) or (dst_t is double and acc_t is double)):
                for i in range(n):
                    _put(d + i0 + i, acc[i])
            i0 = i0 + n


def resample_mid_f(const fin_t[:, :, ::1] src, fout_t[:, :, ::1] dst, const Py_ssize_t[::1] start,
                 const float[:, ::1] weights, int nthreads):
    """dst[p, m, :] = sum_t weights[m, t] * src[p, start[m] + t, :] (whole contiguous rows)."""
    cdef Py_ssize_t P = src.shape[0], L = src.shape[1], I = src.shape[2]
    cdef Py_ssize_t M = dst.shape[1], T = weights.shape[1], R, c, nthr
    if dst.shape[0] != P or dst.shape[2] != I or start.shape[0] != M or weights.shape[0] != M:
        raise ValueError("resample_mid: shape mismatch")
    R = P * M
    if R == 0 or I == 0:
        return
    if T == 0 or L == 0:
        raise ValueError("resample_mid: empty table or input")
    nthr = min(<Py_ssize_t>nthreads, R)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _mid_rows(&src[0, 0, 0], &dst[0, 0, 0], L, M, I, &start[0], &weights[0, 0], T,
                          c * R // nthr, (c + 1) * R // nthr)
        else:
            _mid_rows(&src[0, 0, 0], &dst[0, 0, 0], L, M, I, &start[0], &weights[0, 0], T, 0, R)


def resample_mid_d(const din_t[:, :, ::1] src, dout_t[:, :, ::1] dst, const Py_ssize_t[::1] start,
                 const double[:, ::1] weights, int nthreads):
    """dst[p, m, :] = sum_t weights[m, t] * src[p, start[m] + t, :] (whole contiguous rows)."""
    cdef Py_ssize_t P = src.shape[0], L = src.shape[1], I = src.shape[2]
    cdef Py_ssize_t M = dst.shape[1], T = weights.shape[1], R, c, nthr
    if dst.shape[0] != P or dst.shape[2] != I or start.shape[0] != M or weights.shape[0] != M:
        raise ValueError("resample_mid: shape mismatch")
    R = P * M
    if R == 0 or I == 0:
        return
    if T == 0 or L == 0:
        raise ValueError("resample_mid: empty table or input")
    nthr = min(<Py_ssize_t>nthreads, R)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _mid_rows(&src[0, 0, 0], &dst[0, 0, 0], L, M, I, &start[0], &weights[0, 0], T,
                          c * R // nthr, (c + 1) * R // nthr)
        else:
            _mid_rows(&src[0, 0, 0], &dst[0, 0, 0], L, M, I, &start[0], &weights[0, 0], T, 0, R)
