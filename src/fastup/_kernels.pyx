# cython: language_level=3, boundscheck=False, wraparound=False
# cython: cdivision=True, initializedcheck=False
"""fastup's compiled kernels: the hot loops, with the GIL released.

The kernels never see a mode name or a convention. They apply per-axis tables built in Python
(``fastup._tables``):

* ``gather``: nearest-neighbour N-D gather of raw bytes (any dtype) through per-axis byte-offset
  tables;
* ``resample``: out[p, m, i] = sum_t w[m, t] * x[p, start[m] + t, i] along one axis, either as a
  gather over outputs (few elements follow the axis) or as sums of whole contiguous rows;
* ``resample2d``: two neighbouring axes in one fused float32 step, no intermediate array
  (``_resample.h``, with an AVX2 copy chosen at run time);
* ``gemm``, ``unfolded_products``, ``col2im``: the convolution family (``_gemm.h``, ``_copy.h``).

Thread rules (the Python side, ``fastup._threads``, decides ``nthreads``): with ``nthreads <= 1``
no OpenMP region is entered at all (safe in a child forked from a multi-threaded parent); with
more, the rows are split into ``nthreads`` equal contiguous blocks (a static schedule), each output
element is written by exactly one thread, and it is computed by the same instructions whatever the
thread count, so results are bit-identical for any ``nthreads``.

Taps with an exact zero weight are skipped, so a NaN or inf next to, but outside of, an output's
support does not leak into it.
"""

from cpython.buffer cimport (PyBUF_FORMAT, PyBUF_ND, PyBUF_SIMPLE, PyBUF_STRIDES,
                             PyBUF_WRITABLE, PyBuffer_IsContiguous, PyBuffer_Release,
                             PyObject_GetBuffer)
from cython.parallel cimport prange
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.math cimport rint
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

cdef extern from "_openmp_shim.h" nogil:
    int FASTUP_OPENMP_VERSION
    int fastup_omp_get_max_threads()
    int fastup_omp_get_thread_num()

cdef extern from "_copy.h" nogil:
    ctypedef struct fastup_bytes16:
        Py_ssize_t fit
        Py_ssize_t nb
    int fastup_bytes16_build(const Py_ssize_t* last, Py_ssize_t n_last, Py_ssize_t block,
                             fastup_bytes16* t)
    void fastup_bytes16_free(fastup_bytes16* t)
    void fastup_bytes16_row(const uint8_t* s, uint8_t* out, const Py_ssize_t* last,
                            Py_ssize_t n_last, Py_ssize_t block, const fastup_bytes16* t)
    void fastup_strided_f(float* dst, const float* src, Py_ssize_t n, Py_ssize_t stride)
    void fastup_strided_d(double* dst, const double* src, Py_ssize_t n, Py_ssize_t stride)
    void fastup_strided_add_f(float* dst, const float* src, Py_ssize_t n, Py_ssize_t stride)
    void fastup_strided_add_d(double* dst, const double* src, Py_ssize_t n, Py_ssize_t stride)
    void fastup_line2_add_f(float* dst, Py_ssize_t n, const float* const* col,
                            const Py_ssize_t* shift, Py_ssize_t nq, Py_ssize_t lo, Py_ssize_t hi)
    enum: FASTUP_LINE2_TAPS
    void fastup_stream_copy(void* dst, const void* src, size_t n)
    void* fastup_half_page_from(void* raw, const void* ref)
    enum: FASTUP_PLACE_SLACK
    void fastup_stream_fence()
    int fastup_pages_resident(const void* p, double n)
    const Py_ssize_t FASTUP_STREAM_BYTES

cdef extern from "_cpu.h" nogil:
    int fastup_use_avx2()
    int fastup_use_avx512()

cdef extern from "_convert.h" nogil:
    void fastup_convert16(const void* src, void* dst, Py_ssize_t n, int kind)
    enum:
        FASTUP_HALF_TO_FLOAT
        FASTUP_FLOAT_TO_HALF
        FASTUP_BFLOAT_TO_FLOAT
        FASTUP_FLOAT_TO_BFLOAT

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
    uint32_t
    int64_t
    uint64_t
    float
    double

ctypedef fused dst_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    int32_t
    uint32_t
    int64_t
    uint64_t
    float
    double

ctypedef fused acc_t:
    float
    double

# Rows of a "rows" pass are processed in chunks of this many elements, so the running sum stays
# in L1 cache while the taps stream through.
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
    cdef int i, _unit, count = 0
    if nthreads < 1 or nthreads > 256:
        raise ValueError("team_probe: 1 to 256 threads")
    for i in range(256):
        seen[i] = 0
    with nogil:
        for _unit in prange(nthreads, num_threads=nthreads, schedule="static"):
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
    elif dst_t is int64_t or dst_t is uint64_t:
        # (acc_t is double here.) The bounds are powers of two, exact in double; a double at or
        # beyond 2**63 (2**64) does not convert, and magic-number rounding needs |v| < 2**51.
        v = rint(v)
        if dst_t is int64_t:
            if v >= 9223372036854775808.0:
                p[0] = <dst_t>9223372036854775807
            elif v < -9223372036854775808.0:
                p[0] = <dst_t>(-9223372036854775807 - 1)
            else:
                p[0] = <dst_t>v
        else:
            if v >= 18446744073709551616.0:
                p[0] = <dst_t>18446744073709551615ULL
            elif v <= 0:
                p[0] = 0
            else:
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
        elif dst_t is uint32_t:
            lo = 0
            hi = 4294967295.0
        else:
            lo = -2147483648.0
            hi = 2147483647.0
        # written as selects, so that the compiler vectorises loops of stores (min/max)
        v = lo if v < lo else v
        v = hi if v > hi else v
        if acc_t is float:
            v = (v + ROUND_MAGIC_F) - ROUND_MAGIC_F
        else:
            v = (v + ROUND_MAGIC_D) - ROUND_MAGIC_D
        p[0] = <dst_t>v


# --------------------------------------------------------------------------------------------
# nearest: N-D gather of raw bytes
# --------------------------------------------------------------------------------------------

# a streamed output (at least FASTUP_STREAM_BYTES, _copy.h) is staged in rows of at most this
DEF STAGE_MAX = 1048576

cdef void _gather_row(const uint8_t* s, uint8_t* out, const Py_ssize_t* last, Py_ssize_t n_last,
                      Py_ssize_t block, const fastup_bytes16* shuffle,
                      bint shuffled) noexcept nogil:
    """One output row: out[o, :block] = s[last[o] : last[o] + block]."""
    cdef Py_ssize_t o
    if shuffled:
        fastup_bytes16_row(s, out, last, n_last, block, shuffle)
    elif block == 1:
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
    elif block == 3:  # uint8 RGB
        for o in range(n_last):
            memcpy(out + 3 * o, s + last[o], 3)
    elif block == 6:  # uint16 RGB
        for o in range(n_last):
            memcpy(out + 6 * o, s + last[o], 6)
    elif block == 12:  # float32 RGB
        for o in range(n_last):
            memcpy(out + 12 * o, s + last[o], 12)
    elif block == 16:
        for o in range(n_last):
            memcpy(out + 16 * o, s + last[o], 16)
    else:
        for o in range(n_last):
            memcpy(out + block * o, s + last[o], block)


# a streamed output keeps at most this many bytes of gathered rows per thread
DEF STAGE_CACHE = 262144
# a thread shuffles rows of small pixels (fastup_bytes16) only when it writes this many rows
DEF GATHER_SHUFFLE_ROWS = 4

cdef int _gather_rows(const uint8_t* src, uint8_t* dst, const Py_ssize_t* offsets,
                      const Py_ssize_t* dims, const Py_ssize_t* table_start, Py_ssize_t k,
                      Py_ssize_t block, const Py_ssize_t* run_of, Py_ssize_t nslots,
                      Py_ssize_t r0, Py_ssize_t r1, bint stream) noexcept nogil:
    """Output rows r0..r1, in order. Each source row is gathered once into a slot and copied
    from there to every later output row that reads it while it is held: with one slot, the
    rows repeated by an upscaled dim k - 2; with ``nslots`` = the number of runs of equal
    offsets along dim k - 2 (slot: the run of the row's index), also the whole planes repeated
    by an upscaled dim before it (D in 3-D). With ``stream`` (a large output), the slots are a
    buffer of this thread, and rows are copied out of it with non-temporal stores (_copy.h);
    otherwise a slot points at the output row where this thread gathered it. 0, or -1 out of
    memory (nothing written)."""
    cdef Py_ssize_t n_last = dims[k - 1]
    cdef const Py_ssize_t* last = offsets + table_start[k - 1]
    cdef Py_ssize_t rowbytes = n_last * block
    cdef Py_ssize_t r, rem, d, base, slot, slotbytes = 0
    cdef Py_ssize_t c[64]
    cdef uint8_t* row
    cdef uint8_t* stage = NULL
    cdef void* stage_raw = NULL
    cdef Py_ssize_t* tag = <Py_ssize_t*>malloc(nslots * sizeof(Py_ssize_t))
    cdef uint8_t** held = <uint8_t**>malloc(nslots * sizeof(uint8_t*))
    cdef fastup_bytes16 shuffle
    cdef bint shuffled = False
    if tag == NULL or held == NULL:
        free(tag)
        free(held)
        return -1
    if stream:  # slots of whole cache lines, and one line of slack
        slotbytes = (rowbytes + 127) // 64 * 64
        # half a page from the first output row's line (fastup_half_page_from: the copies out
        # read the slots while they stream the rows)
        stage_raw = malloc(nslots * slotbytes + FASTUP_PLACE_SLACK)
        if stage_raw == NULL:
            stream = False
        else:
            stage = <uint8_t*>fastup_half_page_from(
                stage_raw, <void*>(<size_t>(dst + r0 * rowbytes) & ~(<size_t>63)))
    for slot in range(nslots):  # empty (tag[slot] is read only once held)
        held[slot] = NULL
    # AVX2: rows of small pixels (uint8 images) in blocks of 16 bytes shuffled from the source
    # when most blocks' bytes lie within 16 source bytes (an upscale), if this thread writes
    # rows enough to repay building the shuffles (a few bytes of work per output byte)
    if block < 8 and rowbytes >= 64 and r1 - r0 >= GATHER_SHUFFLE_ROWS and fastup_use_avx2():
        shuffled = fastup_bytes16_build(last, n_last, block, &shuffle) == 0 and (
            4 * shuffle.fit >= 3 * shuffle.nb)
        if not shuffled:
            fastup_bytes16_free(&shuffle)
    rem = r0
    for d in range(k - 2, -1, -1):
        c[d] = rem % dims[d]
        rem = rem // dims[d]
    base = 0
    for d in range(k - 1):
        base = base + offsets[table_start[d] + c[d]]
    for r in range(r0, r1):
        slot = run_of[c[k - 2]] if nslots > 1 else 0
        row = dst + r * rowbytes
        if held[slot] == NULL or tag[slot] != base:
            # a slot shares the row's offset within a cache line: the streamed copy's 32-byte
            # loads then never straddle two lines
            held[slot] = stage + slot * slotbytes + (<size_t>row & 63) if stream else row
            tag[slot] = base
            _gather_row(src + base, held[slot], last, n_last, block, &shuffle, shuffled)
        elif not stream:
            memcpy(row, held[slot], rowbytes)
        if stream:
            fastup_stream_copy(row, held[slot], rowbytes)
        d = k - 2  # the next row: its index and source offset
        while d >= 0:
            c[d] += 1
            if c[d] < dims[d]:
                base = base + offsets[table_start[d] + c[d]] - offsets[table_start[d] + c[d] - 1]
                break
            c[d] = 0
            base = base + offsets[table_start[d]] - offsets[table_start[d] + dims[d] - 1]
            d -= 1
    if stream:
        fastup_stream_fence()
        free(stage_raw)
    free(tag)
    free(held)
    if shuffled:
        fastup_bytes16_free(&shuffle)
    return 0


def gather(const uint8_t[::1] src, uint8_t[::1] dst, const Py_ssize_t[::1] offsets,
           const Py_ssize_t[::1] dims, Py_ssize_t block, int nthreads):
    """dst[o_0, ..., o_{k-1}, :block] = src[sum_d offsets_d[o_d] : ... + block] (bytes).

    ``offsets`` holds the k per-dim tables of byte offsets one after the other (table d has
    ``dims[d]`` entries); ``dst`` is C-contiguous with shape ``dims + (block,)``.
    """
    cdef Py_ssize_t k = dims.shape[0]
    cdef Py_ssize_t table_start[64]
    cdef Py_ssize_t d, i, nrows = 1, pos = 0, c, nthr, nruns = 1, nslots, rowbytes
    cdef Py_ssize_t* run_of = NULL
    cdef bint stream
    cdef int failed = 0
    if k < 1 or k > 64:
        raise ValueError("gather: 1 to 64 dims")
    for d in range(k):
        if dims[d] < 0:
            raise ValueError("gather: negative dim")
        table_start[d] = pos
        pos += dims[d]
        if d < k - 1:
            nrows *= dims[d]
    if offsets.shape[0] != pos or dst.shape[0] != nrows * dims[k - 1] * block:
        raise ValueError("gather: table or output size mismatch")
    if nrows == 0 or dims[k - 1] == 0:
        return
    rowbytes = dims[k - 1] * block
    nthr = min(<Py_ssize_t>nthreads, nrows)
    # a large output is staged row by row and streamed out (AVX2 non-temporal stores), unless
    # its pages are fresh (see fastup_pages_resident)
    stream = (dst.shape[0] >= FASTUP_STREAM_BYTES and rowbytes <= STAGE_MAX
              and fastup_use_avx2() and fastup_pages_resident(&dst[0], dst.shape[0]))
    if k > 1:  # the run of equal offsets that each index of dim k - 2 lies in
        run_of = <Py_ssize_t*>malloc(dims[k - 2] * sizeof(Py_ssize_t))
        if run_of == NULL:
            raise MemoryError()
        for i in range(dims[k - 2]):
            if i > 0 and offsets[table_start[k - 2] + i] != offsets[table_start[k - 2] + i - 1]:
                nruns += 1
            run_of[i] = nruns - 1
    # one slot (the previous row), or, when a dim before k - 2 repeats its offsets (whole
    # planes repeat), one slot per distinct row of a plane, if a streamed plane's rows fit in
    # STAGE_CACHE bytes
    nslots = 1
    for d in range(k - 2):
        for i in range(1, dims[d]):
            if offsets[table_start[d] + i] == offsets[table_start[d] + i - 1]:
                nslots = nruns
                break
    if stream and nslots * rowbytes > STAGE_CACHE:
        nslots = 1
    try:
        with nogil:
            if nthr > 1:
                for c in prange(nthr, num_threads=nthr, schedule="static"):
                    if _gather_rows(&src[0], &dst[0], &offsets[0], &dims[0], table_start, k,
                                    block, run_of, nslots, c * nrows // nthr,
                                    (c + 1) * nrows // nthr, stream) != 0:
                        failed |= 1
            else:
                failed = _gather_rows(&src[0], &dst[0], &offsets[0], &dims[0], table_start, k,
                                      block, run_of, nslots, 0, nrows, stream) != 0
    finally:
        free(run_of)
    if failed:
        raise MemoryError("gather: cannot allocate the row slots")


# --------------------------------------------------------------------------------------------
# linear / cubic / lanczos / area: apply a (start, weights) table along one axis
# --------------------------------------------------------------------------------------------
#
# The array is viewed as (P, L, I): P independent outer slices, the resized axis of length L,
# and I elements after it. A pass computes out[p, m, i] = sum_t w[m, t] * x[p, start[m] + t, i].
#
# * "gather" passes (small I: the resized axis is the last one, or only a few channels follow
#   it): loop over outputs m, then the I channels, with the taps unrolled for T = 2 and 4;
# * "rows" passes (large I): each output row is a weighted sum of T whole input rows, and the
#   innermost loop runs over I contiguous elements (SIMD).
#
# Taps with an exact zero weight are not read (NaN/inf outside an output's support stay out):
# the rows kernel tests every weight (once per row); the gather kernel recomputes the outputs
# listed in ``careful`` (those whose window holds a zero weight) after its branch-free loop.

cdef void _gather_span(const src_t* s, dst_t* d, Py_ssize_t I, const Py_ssize_t* start,
                       const acc_t* w, Py_ssize_t T, Py_ssize_t m0,
                       Py_ssize_t m1) noexcept nogil:
    """Outputs m0..m1 of one slice, every tap read (branch-free, unrolled for T = 2, 4)."""
    cdef Py_ssize_t m, t, c
    cdef const src_t* x
    cdef const acc_t* wm
    cdef dst_t* dm
    cdef acc_t acc
    if I == 1 and T == 2:
        for m in range(m0, m1):
            x = s + start[m]
            _put(d + m, w[2 * m] * <acc_t>x[0] + w[2 * m + 1] * <acc_t>x[1])
    elif I == 1 and T == 4:
        for m in range(m0, m1):
            x = s + start[m]
            wm = w + 4 * m
            _put(d + m, wm[0] * <acc_t>x[0] + wm[1] * <acc_t>x[1]
                 + wm[2] * <acc_t>x[2] + wm[3] * <acc_t>x[3])
    elif I == 3 and T == 2:  # RGB
        for m in range(m0, m1):
            x = s + start[m] * 3
            dm = d + m * 3
            _put(dm, w[2 * m] * <acc_t>x[0] + w[2 * m + 1] * <acc_t>x[3])
            _put(dm + 1, w[2 * m] * <acc_t>x[1] + w[2 * m + 1] * <acc_t>x[4])
            _put(dm + 2, w[2 * m] * <acc_t>x[2] + w[2 * m + 1] * <acc_t>x[5])
    elif I == 3 and T == 4:
        for m in range(m0, m1):
            x = s + start[m] * 3
            dm = d + m * 3
            wm = w + 4 * m
            for c in range(3):
                _put(dm + c, wm[0] * <acc_t>x[c] + wm[1] * <acc_t>x[3 + c]
                     + wm[2] * <acc_t>x[6 + c] + wm[3] * <acc_t>x[9 + c])
    elif I == 4 and T == 2:  # RGBA
        for m in range(m0, m1):
            x = s + start[m] * 4
            dm = d + m * 4
            for c in range(4):
                _put(dm + c, w[2 * m] * <acc_t>x[c] + w[2 * m + 1] * <acc_t>x[4 + c])
    elif T == 2:
        for m in range(m0, m1):
            x = s + start[m] * I
            dm = d + m * I
            for c in range(I):
                _put(dm + c, w[2 * m] * <acc_t>x[c] + w[2 * m + 1] * <acc_t>x[I + c])
    elif T == 4:
        for m in range(m0, m1):
            x = s + start[m] * I
            dm = d + m * I
            wm = w + 4 * m
            for c in range(I):
                _put(dm + c, wm[0] * <acc_t>x[c] + wm[1] * <acc_t>x[I + c]
                     + wm[2] * <acc_t>x[2 * I + c] + wm[3] * <acc_t>x[3 * I + c])
    else:
        for m in range(m0, m1):
            x = s + start[m] * I
            dm = d + m * I
            wm = w + T * m
            for c in range(I):
                acc = wm[0] * <acc_t>x[c]
                for t in range(1, T):
                    acc = acc + wm[t] * <acc_t>x[t * I + c]
                _put(dm + c, acc)


cdef void _careful_outputs(const src_t* s, dst_t* d, Py_ssize_t I, const Py_ssize_t* start,
                           const acc_t* w, Py_ssize_t T, const Py_ssize_t* careful,
                           Py_ssize_t k0, Py_ssize_t k1) noexcept nogil:
    """Recompute the outputs careful[k0:k1] of one slice reading only their nonzero taps."""
    cdef Py_ssize_t k, m, t, c
    cdef const src_t* x
    cdef const acc_t* wm
    cdef acc_t acc
    for k in range(k0, k1):
        m = careful[k]
        x = s + start[m] * I
        wm = w + T * m
        for c in range(I):
            acc = 0
            for t in range(T):
                if wm[t] != 0:
                    acc = acc + wm[t] * <acc_t>x[t * I + c]
            _put(d + m * I + c, acc)


# A gather pass walks the outputs in blocks of this many, each block over all its slices, so the
# block's part of the table stays in cache however long the rows are.
DEF GATHER_BLOCK = 2048


cdef void _gather_rows_w(const src_t* src, dst_t* dst, Py_ssize_t L, Py_ssize_t M, Py_ssize_t I,
                         const Py_ssize_t* start, const acc_t* w, const Py_ssize_t* careful,
                         Py_ssize_t ncareful, Py_ssize_t T, Py_ssize_t r0,
                         Py_ssize_t r1) noexcept nogil:
    """Outer slices r0..r1 of a gather pass. Every output is first computed with all its taps;
    then the few outputs listed in ``careful`` (sorted), whose windows hold a zero weight, are
    recomputed reading only their nonzero taps."""
    cdef Py_ssize_t r, m0, m1, k0 = 0, k1 = 0
    while k0 < ncareful and careful[k0] < 0:
        k0 = k0 + 1
    m0 = 0
    while m0 < M:
        m1 = M if M - m0 < GATHER_BLOCK else m0 + GATHER_BLOCK
        k1 = k0
        while k1 < ncareful and careful[k1] < m1:
            k1 = k1 + 1
        for r in range(r0, r1):
            _gather_span(src + r * L * I, dst + r * M * I, I, start, w, T, m0, m1)
            if k1 > k0:
                _careful_outputs(src + r * L * I, dst + r * M * I, I, start, w, T, careful,
                                 k0, k1)
        k0 = k1
        m0 = m1


cdef void _row_sums(const src_t* src, dst_t* dst, Py_ssize_t L, Py_ssize_t M, Py_ssize_t I,
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


cdef void _pass(const src_t* src, dst_t* dst, const acc_t* w, Py_ssize_t P, Py_ssize_t L,
                Py_ssize_t M, Py_ssize_t I, const Py_ssize_t* start, const Py_ssize_t* careful,
                Py_ssize_t ncareful, Py_ssize_t T, bint rows, int nthreads) noexcept nogil:
    """One pass, on ``nthreads`` threads: equal contiguous blocks of outer slices (gather) or
    of output rows (rows)."""
    cdef Py_ssize_t units = P * M if rows else P
    cdef Py_ssize_t c, nthr = nthreads
    if nthr > units:
        nthr = units
    if nthr > 1:
        for c in prange(nthr, num_threads=nthr, schedule="static"):
            if rows:
                _row_sums(src, dst, L, M, I, start, w, T, c * units // nthr,
                          (c + 1) * units // nthr)
            elif acc_t is double:  # float32 gather passes are resample2d's
                _gather_rows_w(src, dst, L, M, I, start, w, careful, ncareful, T,
                               c * units // nthr, (c + 1) * units // nthr)
    elif rows:
        _row_sums(src, dst, L, M, I, start, w, T, 0, units)
    elif acc_t is double:
        _gather_rows_w(src, dst, L, M, I, start, w, careful, ncareful, T, 0, units)


def resample(src, dst, const Py_ssize_t[::1] start, weights, const Py_ssize_t[::1] careful,
             Py_ssize_t P, Py_ssize_t L, Py_ssize_t M, Py_ssize_t I, bint rows, int nthreads):
    """out[p, m, i] = sum_t weights[m, t] * src[p, start[m] + t, i] along one axis.

    ``src`` (P * L * I elements) and ``dst`` (P * M * I) are C-contiguous arrays;
    ``weights`` (M, T) is float32 when the pair (src, dst) accumulates in float32 (uint8,
    int8, uint16, int16, float32) and float64 for 32- and 64-bit integers and float64.
    ``careful`` lists the outputs with a zero weight inside their window. ``rows`` picks the
    rows kernel; with float32 weights only the rows kernel is here (the other passes are
    ``resample2d``'s).
    """
    cdef const uint8_t[::1] s = _bytes(src, P * L * I)
    cdef uint8_t[::1] d = _bytes(dst, P * M * I)
    cdef Py_ssize_t T = weights.shape[1] if weights.ndim == 2 else 0
    cdef const float[:, ::1] wf
    cdef const double[:, ::1] wd
    cdef const void* sp
    cdef void* dp
    cdef const Py_ssize_t* st
    cdef const Py_ssize_t* cf
    cdef Py_ssize_t nc = careful.shape[0], k
    cdef int kind
    if weights.shape[0] != M or start.shape[0] != M or T < 1:
        raise ValueError("resample: table size mismatch")
    for k in range(nc):
        if careful[k] < 0 or careful[k] >= M or (k > 0 and careful[k] <= careful[k - 1]):
            raise ValueError("resample: careful output indices must be increasing, in range")
    if P * M * I == 0:
        return
    if not _windows_inside(&start[0], M, T, L):
        raise ValueError("resample: a table window reaches outside the input")
    kind = _PAIRS.get((_code(src.dtype), _code(dst.dtype), _code(weights.dtype)), -1)
    if kind < 0:
        raise TypeError(f"resample: no kernel for {src.dtype} -> {dst.dtype} "
                        f"with {weights.dtype} weights")
    if not rows and weights.dtype.char == "f":
        raise ValueError("resample: float32 passes that gather go through resample2d")
    sp = <const void*>&s[0]
    dp = <void*>&d[0]
    st = &start[0]
    cf = &careful[0] if nc else NULL
    if weights.dtype.char == "f":
        wf = weights
        _dispatch_f(kind, sp, dp, &wf[0, 0], P, L, M, I, st, cf, nc, T, rows, nthreads)
    else:
        wd = weights
        _dispatch_d(kind, sp, dp, &wd[0, 0], P, L, M, I, st, cf, nc, T, rows, nthreads)


cdef object _bytes(a, Py_ssize_t count):
    """A flat byte view of a C-contiguous array of ``count`` elements (checked)."""
    if not a.flags.c_contiguous or a.size != count:
        raise ValueError("resample: arrays must be C-contiguous and of the stated size")
    return a.reshape(-1).view("u1")


cdef bint _windows_inside(const Py_ssize_t* start, Py_ssize_t M, Py_ssize_t T,
                          Py_ssize_t L) noexcept:
    """Every window [start[m], start[m] + T) lies in [0, L): the kernels index without checks."""
    cdef Py_ssize_t m
    if L < 1:
        return False
    for m in range(M):
        if start[m] < 0 or start[m] + T > L:
            return False
    return True


# (src dtype, dst dtype, weights dtype) as kind + itemsize (the same on every platform, where
# the one-letter codes of 32- and 64-bit integers are not) -> kernel number. float32
# accumulation: small integers and float32; float64 accumulation: 32- and 64-bit integers and
# float64. Integers in, float out is the first pass of several; float in, integer out the last;
# integer to the same integer a single pass.
_PAIRS = {
    ("u1", "f4", "f4"): 0, ("i1", "f4", "f4"): 1, ("u2", "f4", "f4"): 2, ("i2", "f4", "f4"): 3,
    ("f4", "f4", "f4"): 4, ("f4", "u1", "f4"): 5, ("f4", "i1", "f4"): 6, ("f4", "u2", "f4"): 7,
    ("f4", "i2", "f4"): 8, ("u1", "u1", "f4"): 9, ("i1", "i1", "f4"): 10, ("u2", "u2", "f4"): 11,
    ("i2", "i2", "f4"): 12,
    ("i4", "f8", "f8"): 20, ("f8", "f8", "f8"): 21, ("f8", "i4", "f8"): 22, ("i4", "i4", "f8"): 23,
    ("u4", "f8", "f8"): 24, ("f8", "u4", "f8"): 25, ("u4", "u4", "f8"): 26,
    ("i8", "f8", "f8"): 27, ("f8", "i8", "f8"): 28, ("i8", "i8", "f8"): 29,
    ("u8", "f8", "f8"): 30, ("f8", "u8", "f8"): 31, ("u8", "u8", "f8"): 32,
}


cdef str _code(dtype):
    """``dtype`` as kind + itemsize ("u1", "f8")."""
    return f"{dtype.kind}{dtype.itemsize}"


cdef void _dispatch_f(int kind, const void* s, void* d, const float* w, Py_ssize_t P,
                      Py_ssize_t L, Py_ssize_t M, Py_ssize_t I, const Py_ssize_t* st,
                      const Py_ssize_t* cf, Py_ssize_t nc, Py_ssize_t T, bint rows,
                      int n) noexcept:
    with nogil:
        if kind == 0:
            _pass(<const uint8_t*>s, <float*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 1:
            _pass(<const int8_t*>s, <float*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 2:
            _pass(<const uint16_t*>s, <float*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 3:
            _pass(<const int16_t*>s, <float*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 4:
            _pass(<const float*>s, <float*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 5:
            _pass(<const float*>s, <uint8_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 6:
            _pass(<const float*>s, <int8_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 7:
            _pass(<const float*>s, <uint16_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 8:
            _pass(<const float*>s, <int16_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 9:
            _pass(<const uint8_t*>s, <uint8_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 10:
            _pass(<const int8_t*>s, <int8_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 11:
            _pass(<const uint16_t*>s, <uint16_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 12:
            _pass(<const int16_t*>s, <int16_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)


cdef void _dispatch_d(int kind, const void* s, void* d, const double* w, Py_ssize_t P,
                      Py_ssize_t L, Py_ssize_t M, Py_ssize_t I, const Py_ssize_t* st,
                      const Py_ssize_t* cf, Py_ssize_t nc, Py_ssize_t T, bint rows,
                      int n) noexcept:
    with nogil:
        if kind == 20:
            _pass(<const int32_t*>s, <double*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 21:
            _pass(<const double*>s, <double*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 22:
            _pass(<const double*>s, <int32_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 23:
            _pass(<const int32_t*>s, <int32_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 24:
            _pass(<const uint32_t*>s, <double*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 25:
            _pass(<const double*>s, <uint32_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 26:
            _pass(<const uint32_t*>s, <uint32_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 27:
            _pass(<const int64_t*>s, <double*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 28:
            _pass(<const double*>s, <int64_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 29:
            _pass(<const int64_t*>s, <int64_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 30:
            _pass(<const uint64_t*>s, <double*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 31:
            _pass(<const double*>s, <uint64_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)
        elif kind == 32:
            _pass(<const uint64_t*>s, <uint64_t*>d, w, P, L, M, I, st, cf, nc, T, rows, n)


# --------------------------------------------------------------------------------------------
# fused 2-D resample along two adjacent axes (H, W) in float32 (_resample.h)
# --------------------------------------------------------------------------------------------

cdef extern from "_resample.h" nogil:
    ctypedef struct fastup_rs2d:
        Py_ssize_t P, H, W, C, Ho, Wo
        const Py_ssize_t* ys
        const float* yw
        Py_ssize_t Ty
        const Py_ssize_t* xs
        const float* xw
        Py_ssize_t Tx
        const Py_ssize_t* careful
        Py_ssize_t ncareful
        int src_type, dst_type
        int vfirst
    int fastup_rs2d_rows(const fastup_rs2d* j, const void* src, void* dst, Py_ssize_t r0,
                         Py_ssize_t r1)
    int fastup_rs2d_prepare(fastup_rs2d* j)
    void fastup_rs2d_unprepare(fastup_rs2d* j)

# dtype char -> element type number of _resample.h
_RS2D_TYPES = {"B": 0, "b": 1, "H": 2, "h": 3, "f": 4}
_RS2D_SIZES = {"B": 1, "b": 1, "H": 2, "h": 2, "f": 4}
_TYPE_NAMES = {"B": "uint8", "b": "int8", "H": "uint16", "h": "int16", "f": "float32",
               "d": "float64", "i": "int32", "e": "float16"}


cdef class Resample2D:
    """A checked fastup_rs2d job, made once and run on many arrays: the arguments of
    ``resample2d`` (but the arrays) turned into the C struct (the memoryviews it points into
    are kept alive here)."""
    cdef fastup_rs2d job
    cdef Py_ssize_t src_bytes, dst_bytes
    cdef const Py_ssize_t[::1] ys, xs, careful
    cdef const float[:, ::1] yw, xw

    def __init__(self, str src_char, str dst_char, ys, yw, const Py_ssize_t[::1] xs,
                 const float[:, ::1] xw, const Py_ssize_t[::1] careful, Py_ssize_t P,
                 Py_ssize_t H, Py_ssize_t W, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo,
                 bint vfirst):
        cdef Py_ssize_t nc = careful.shape[0], k
        if src_char not in _RS2D_TYPES or dst_char not in _RS2D_TYPES:
            raise TypeError(f"resample2d: no kernel for {_TYPE_NAMES.get(src_char, src_char)} "
                            f"-> {_TYPE_NAMES.get(dst_char, dst_char)}")
        self.job.P, self.job.H, self.job.W, self.job.C = P, H, W, C
        self.job.Ho, self.job.Wo = Ho, Wo
        self.job.vfirst = vfirst
        self.job.src_type = _RS2D_TYPES[src_char]
        self.job.dst_type = _RS2D_TYPES[dst_char]
        self.src_bytes = P * H * W * C * _RS2D_SIZES[src_char]
        self.dst_bytes = P * Ho * Wo * C * _RS2D_SIZES[dst_char]
        if xw.shape[0] != Wo or xs.shape[0] != Wo or xw.shape[1] < 1:
            raise ValueError("resample2d: W table size mismatch")
        self.job.Tx = xw.shape[1]
        self.job.ys = NULL
        self.job.yw = NULL
        self.job.Ty = 1
        if ys is None:
            if Ho != H:
                raise ValueError("resample2d: without an H table Ho must equal H")
        else:
            self.ys = ys
            self.yw = yw
            if self.yw.shape[0] != Ho or self.ys.shape[0] != Ho or self.yw.shape[1] < 1:
                raise ValueError("resample2d: H table size mismatch")
            self.job.Ty = self.yw.shape[1]
        for k in range(nc):
            if careful[k] < 0 or careful[k] >= Wo or (k > 0 and careful[k] <= careful[k - 1]):
                raise ValueError(
                    "resample2d: careful output indices must be increasing, in range")
        self.xs, self.xw, self.careful = xs, xw, careful
        self.job.careful = &careful[0] if nc else NULL
        self.job.ncareful = nc
        if P * Ho * Wo * C == 0:
            return
        if not _windows_inside(&xs[0], Wo, self.job.Tx, W):
            raise ValueError("resample2d: a W table window reaches outside the input")
        if ys is not None:
            if not _windows_inside(&self.ys[0], Ho, self.job.Ty, H):
                raise ValueError("resample2d: an H table window reaches outside the input")
            self.job.ys = &self.ys[0]
            self.job.yw = &self.yw[0, 0]
        self.job.xs = &xs[0]
        self.job.xw = &xw[0, 0]
        if fastup_rs2d_prepare(&self.job) != 0:
            raise MemoryError("Resample2D: out of memory")

    def __dealloc__(self):
        fastup_rs2d_unprepare(&self.job)

    def run(self, src, dst, int nthreads):
        """Fills ``dst`` from ``src`` (C-contiguous arrays of the job's types and sizes)."""
        if self.dst_bytes == 0:
            return
        _run_rows(<_rows_fn>fastup_rs2d_rows, &self.job, src, self.src_bytes, dst,
                  self.dst_bytes, self.job.P * self.job.Ho, nthreads)


def resample2d(src, dst, ys, yw, const Py_ssize_t[::1] xs, const float[:, ::1] xw,
               const Py_ssize_t[::1] careful, Py_ssize_t P, Py_ssize_t H, Py_ssize_t W,
               Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo, bint vfirst, int nthreads):
    """out[p, y, x, c] = sum_s yw[y, s] sum_t xw[x, t] src[p, ys[y] + s, xs[x] + t, c] in
    float32, fused: each input row resampled along W once into a cache of Ty rows, or with
    ``vfirst`` each output row summed along H first, then resampled along W. (uint8 -> uint8
    usually takes the fixed-point route, ``FixedPlan``, instead.)

    ``src`` (P * H * W * C elements) and ``dst`` (P * Ho * Wo * C) are C-contiguous arrays of
    uint8, int8, uint16, int16 or float32; ``ys``/``yw`` may be None (no H table, Ho == H).
    ``careful`` lists the W outputs with a zero weight inside their window (recomputed from
    their nonzero taps; pass an empty list for integer input, which holds no NaN).
    """
    Resample2D(src.dtype.char, dst.dtype.char, ys, yw, xs, xw, careful, P, H, W, C, Ho, Wo,
               vfirst).run(src, dst, nthreads)


ctypedef int (*_rows_fn)(const void* job, const void* src, void* dst, Py_ssize_t r0,
                         Py_ssize_t r1) noexcept nogil


cdef int _split_rows(_rows_fn rows_of, const void* job, const void* src, void* dst,
                     Py_ssize_t rows, int nthreads) noexcept:
    """The output rows [0, rows) of a row kernel, split into ``nthreads`` contiguous blocks (a
    static schedule; no OpenMP region at all for one thread); nonzero when a block failed
    (out of memory)."""
    cdef Py_ssize_t c, nthr = min(<Py_ssize_t>nthreads, rows)
    cdef int failed = 0
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                if rows_of(job, src, dst, c * rows // nthr, (c + 1) * rows // nthr) != 0:
                    failed |= 1
        else:
            failed = rows_of(job, src, dst, 0, rows) != 0
    return failed


cdef int _run_rows(_rows_fn rows_of, const void* job, src, Py_ssize_t src_bytes, dst,
                   Py_ssize_t dst_bytes, Py_ssize_t rows, int nthreads) except -1:
    """``_split_rows`` on the memory of two C-contiguous arrays (the buffer protocol: no
    NumPy calls, a repeated small call stays cheap), checked to hold the given bytes."""
    cdef Py_buffer s
    cdef Py_buffer d
    PyObject_GetBuffer(src, &s, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &d, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if s.len != src_bytes or d.len != dst_bytes:
                raise ValueError(f"arrays of {s.len} and {d.len} bytes; the kernel expects "
                                 f"{src_bytes} and {dst_bytes}")
            if _split_rows(rows_of, job, s.buf, d.buf, rows, nthreads):
                raise MemoryError("cannot allocate the row buffers")
        finally:
            PyBuffer_Release(&d)
    finally:
        PyBuffer_Release(&s)
    return 0


cdef extern from "_resample_fixed.h" nogil:
    ctypedef struct fastup_fx:
        Py_ssize_t P, H, W, C, Ho, Wo, Tx, Ty
        int vfirst, hkind, short1, short2, planar, bx, by, S, k1, k2
        int16_t* qx
        int16_t* qy
        double error
        Py_ssize_t nb
        uint8_t* kind
        Py_ssize_t vnb
        uint8_t* vfit
    int fastup_fx_plan(fastup_fx* f, Py_ssize_t P, Py_ssize_t H, Py_ssize_t W, Py_ssize_t C,
                       Py_ssize_t Ho, Py_ssize_t Wo, const Py_ssize_t* xs, const double* xw,
                       Py_ssize_t Tx, const Py_ssize_t* ys, const double* yw, Py_ssize_t Ty,
                       int vfirst, int hkind, int vshort)
    void fastup_fx_free(fastup_fx* f)
    int fastup_fx_rows(const fastup_fx* f, const void* src, void* dst, Py_ssize_t r0,
                       Py_ssize_t r1)

_FX_KINDS = ("op", "g1", "one", "short", "vop", "cv")


cdef class FixedPlan:
    """A uint8 -> uint8 resample of two neighbouring axes in fixed point, planned once
    (``_resample_fixed.h``): the order of the passes, the int16 weights and the tables of the
    W pass, built from the per-axis tables and the shape (P, H, W, C) -> (P, Ho, Wo, C).

    ``suits`` is False when the tables need more precision than the fixed point has (then the
    float32 route, ``resample2d``, is to be used). ``vfirst`` (-1: choose by cost), ``hkind``
    (-1: choose; 'op', 'g1', 'one', 'short', 'vop', 'cv' by index; 'vop' needs AVX512_VBMI,
    else 'op') and ``vshort`` (-1: choose; 0 or 1: a
    short second pass) force a plan, for tests: every choice computes the integers of its own
    definition.
    """
    cdef fastup_fx f
    cdef readonly bint suits
    cdef Py_ssize_t src_bytes, dst_bytes

    def __cinit__(self):
        memset(&self.f, 0, sizeof(fastup_fx))

    def __init__(self, const Py_ssize_t[::1] ys, const double[:, ::1] yw,
                 const Py_ssize_t[::1] xs, const double[:, ::1] xw, Py_ssize_t P, Py_ssize_t H,
                 Py_ssize_t W, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo, int vfirst=-1,
                 int hkind=-1, int vshort=-1):
        cdef int status
        if (xw.shape[0] != Wo or xs.shape[0] != Wo or yw.shape[0] != Ho or ys.shape[0] != Ho
                or xw.shape[1] < 1 or yw.shape[1] < 1 or min(P, H, W, C, Ho, Wo) < 1):
            raise ValueError("FixedPlan: table or shape mismatch")
        if not _windows_inside(&xs[0], Wo, xw.shape[1], W):
            raise ValueError("FixedPlan: a W table window reaches outside the input")
        if not _windows_inside(&ys[0], Ho, yw.shape[1], H):
            raise ValueError("FixedPlan: an H table window reaches outside the input")
        status = fastup_fx_plan(&self.f, P, H, W, C, Ho, Wo, &xs[0], &xw[0, 0], xw.shape[1],
                                &ys[0], &yw[0, 0], yw.shape[1], vfirst, hkind, vshort)
        if status < 0:
            raise MemoryError("FixedPlan: out of memory")
        self.suits = status == 0
        self.src_bytes, self.dst_bytes = P * H * W * C, P * Ho * Wo * C

    def __dealloc__(self):
        fastup_fx_free(&self.f)

    def info(self):
        """The plan, for tests: the order, the W pass (with its blocks of 16 outputs by kind:
        one at a time, a window per lane, one window), the short passes, the weight bits, the
        fraction bits of the intermediate, the two shifts, the error bound and the int16
        weights."""
        if not self.suits:
            return None
        cdef Py_ssize_t nx = self.f.Wo * self.f.Tx, ny = self.f.Ho * self.f.Ty, b
        blocks = [0, 0, 0]
        if (self.f.hkind == 0 or self.f.hkind == 3) and self.f.kind != NULL:
            for b in range(self.f.nb):
                blocks[self.f.kind[b]] += 1
        if self.f.hkind == 4 and self.f.vfit != NULL:  # VOP: one at a time, one window
            for b in range(self.f.vnb):
                blocks[2 * self.f.vfit[b]] += 1
        return {
            "blocks": tuple(blocks),
            "vfirst": bool(self.f.vfirst), "hkind": _FX_KINDS[self.f.hkind],
            "short1": bool(self.f.short1), "short2": bool(self.f.short2),
            "planar": bool(self.f.planar),
            "bx": self.f.bx, "by": self.f.by, "S": self.f.S, "k1": self.f.k1, "k2": self.f.k2,
            "error": self.f.error,
            "qx": _copy_int16(self.f.qx, nx).reshape(self.f.Wo, self.f.Tx),
            "qy": _copy_int16(self.f.qy, ny).reshape(self.f.Ho, self.f.Ty),
        }

    def run(self, src, dst, int nthreads):
        """Fills ``dst`` (P * Ho * Wo * C uint8, C-contiguous) from ``src`` (P * H * W * C
        uint8; the sizes are checked, the element types are the caller's to get right)."""
        if not self.suits:
            raise ValueError("FixedPlan.run: the tables do not suit the fixed point")
        _run_rows(<_rows_fn>fastup_fx_rows, &self.f, src, self.src_bytes, dst, self.dst_bytes,
                  self.f.P * self.f.Ho, nthreads)


# --------------------------------------------------------------------------------------------
# A peer library's fixed-point pass (_peer_fixed.h), for fastup.compat
# --------------------------------------------------------------------------------------------

cdef extern from "_peer_fixed.h" nogil:
    ctypedef struct fastup_pf:
        Py_ssize_t P, L, M, I, T
        const Py_ssize_t* start
        const int32_t* q
        int shift
        int64_t lo, hi
        int src32, dst32
        const uint8_t* src_end
    int fastup_pf_prepare(fastup_pf* j)
    void fastup_pf_release(fastup_pf* j)
    int fastup_pf_rows(const fastup_pf* j, const void* src, void* dst, Py_ssize_t r0,
                       Py_ssize_t r1)


cdef int _pf_job(fastup_pf* j, src, const Py_ssize_t[::1] start, const int32_t[:, ::1] q,
                 Py_ssize_t P, Py_ssize_t L, Py_ssize_t M, Py_ssize_t I, int shift, int64_t lo,
                 int64_t hi, bint dst32, str name) except -1:
    """The job of a peer pass (peer_pass, cv_fused) along the middle axis of (P, L, I) ``src``,
    its table checked (every window inside the input); ready for fastup_pf_prepare."""
    cdef Py_ssize_t m, T = q.shape[1], src_size = src.dtype.itemsize
    if start.shape[0] != M or q.shape[0] != M or T < 1 or min(P, L, M, I) < 1:
        raise ValueError(f"{name}: table or shape mismatch")
    for m in range(M):
        if start[m] < 0 or start[m] + T > L:
            raise ValueError(f"{name}: a window reaches outside the input")
    j.P, j.L, j.M, j.I, j.T = P, L, M, I, T
    j.start = &start[0]
    j.q = &q[0, 0]
    j.shift = shift
    j.lo, j.hi = lo, hi
    j.src32, j.dst32 = src_size == 4, dst32
    cdef const uint8_t[::1] whole = _bytes(src, P * L * I)
    j.src_end = &whole[0] + P * L * I * src_size
    return 0


def peer_pass(src, dst, const Py_ssize_t[::1] start, const int32_t[:, ::1] q, Py_ssize_t P,
              Py_ssize_t L, Py_ssize_t M, Py_ssize_t I, int shift, int64_t lo, int64_t hi,
              int nthreads):
    """dst[p, m, i] = clip((2**(shift-1) + sum_t q[m, t] src[p, start[m] + t, i]) >> shift,
    lo, hi) along the middle axis of C-contiguous (P, L, I) -> (P, M, I) arrays of uint8 or
    int32 (sums in int32 for uint8 sources, shift <= 31: the caller checks they cannot
    overflow; int64 for int32 ones). Every tap must lie inside [0, L)."""
    cdef fastup_pf j
    cdef int src_size = src.dtype.itemsize, dst_size = dst.dtype.itemsize
    if not 0 <= shift <= (31 if src_size == 1 else 62) or src_size not in (1, 4) \
            or dst_size not in (1, 4):
        raise ValueError("peer_pass: uint8 or int32 arrays, shift in [0, 31] for uint8 sources "
                         "and [0, 62] for int32 ones")
    if dst_size == 1 and (lo < 0 or hi > 255) or dst_size == 4 and (lo < -2**31 or hi > 2**31 - 1):
        raise ValueError("peer_pass: results clipped within the result type")
    _pf_job(&j, src, start, q, P, L, M, I, shift, lo, hi, dst_size == 4, "peer_pass")
    if fastup_pf_prepare(&j):
        raise MemoryError("peer_pass: cannot allocate the weight tables")
    try:
        _run_rows(<_rows_fn>fastup_pf_rows, &j, src, P * L * I * src_size, dst,
                  P * M * I * dst_size, P * M, nthreads)
    finally:
        fastup_pf_release(&j)


cdef extern from "_peer_fixed.h" nogil:
    ctypedef struct fastup_cvv:
        Py_ssize_t L, M, I, K
        int kind
        const Py_ssize_t* rows
        const int32_t* beta
        const float* fbeta
        Py_ssize_t split
    int fastup_cvv_rows(const fastup_cvv* j, const void* src, void* dst, Py_ssize_t r0,
                        Py_ssize_t r1)
    ctypedef struct fastup_cva:
        Py_ssize_t H, W, C, Ho, Wo, sy, sx
        int type
        int shift2
        float scale
    int fastup_cva_rows(const fastup_cva* j, const void* src, void* dst, Py_ssize_t r0,
                        Py_ssize_t r1)
    ctypedef struct fastup_cvf:
        const fastup_pf* h
        const fastup_cvv* v
    int fastup_cvf_rows(const fastup_cvf* j, const void* src, void* dst, Py_ssize_t r0,
                        Py_ssize_t r1)


cdef dict _CV_KINDS = {"linear": (0, 2), "cubic": (1, 4), "lanczos4": (2, 8)}


cdef int _cvv_job(fastup_cvv* j, const Py_ssize_t[:, ::1] rows, const int32_t[:, ::1] beta,
                  const float[:, ::1] fbeta, str kind, Py_ssize_t split, Py_ssize_t L,
                  Py_ssize_t M, Py_ssize_t I, str name) except -1:
    """The job of OpenCV's vertical pass (cv_rows, cv_fused), its tables checked."""
    cdef Py_ssize_t m, k, K = rows.shape[1]
    if kind not in _CV_KINDS or _CV_KINDS[kind][1] != K:
        raise ValueError(f"{name}: kind linear (2 taps), cubic (4) or lanczos4 (8)")
    if not (rows.shape[0] == beta.shape[0] == fbeta.shape[0] == M) or beta.shape[1] != K \
            or fbeta.shape[1] != K or min(L, M, I) < 1 or not 0 <= split <= I:
        raise ValueError(f"{name}: table or shape mismatch")
    for m in range(M):
        for k in range(K):
            if not 0 <= rows[m, k] < L:
                raise ValueError(f"{name}: a row index outside the input")
    j.L, j.M, j.I, j.K = L, M, I, K
    j.kind = _CV_KINDS[kind][0]
    j.rows, j.beta, j.fbeta = &rows[0, 0], &beta[0, 0], &fbeta[0, 0]
    j.split = split
    return 0


def cv_rows(src, dst, const Py_ssize_t[:, ::1] rows, const int32_t[:, ::1] beta,
            const float[:, ::1] fbeta, str kind, Py_ssize_t split, Py_ssize_t L, Py_ssize_t M,
            Py_ssize_t I, int nthreads):
    """OpenCV's uint8 vertical passes (``_peer_fixed.h``): the int32 rows ``src`` (L, I) of
    horizontal sums into the uint8 rows ``dst`` (M, I); ``kind`` "linear" (2 taps), "cubic"
    (4; its first ``split`` elements of a row by the float32 path, ``fbeta``) or "lanczos4"
    (8). The caller checks that the int32 sums cannot overflow."""
    cdef fastup_cvv j
    if src.dtype.itemsize != 4 or dst.dtype.itemsize != 1:
        raise ValueError("cv_rows: int32 rows in, uint8 rows out")
    _cvv_job(&j, rows, beta, fbeta, kind, split, L, M, I, "cv_rows")
    _run_rows(<_rows_fn>fastup_cvv_rows, &j, src, L * I * 4, dst, M * I, M, nthreads)


def cv_fused(src, dst, const Py_ssize_t[::1] start, const int32_t[:, ::1] q,
             const Py_ssize_t[:, ::1] rows, const int32_t[:, ::1] beta,
             const float[:, ::1] fbeta, str kind, Py_ssize_t split, Py_ssize_t H, Py_ssize_t W,
             Py_ssize_t C, Py_ssize_t M_h, Py_ssize_t M_w, int nthreads):
    """OpenCV's uint8 resize of a C-contiguous (H, W, C) uint8 image ``src`` into (M_h, M_w, C)
    ``dst``, fused (``_peer_fixed.h``, fastup_cvf): the int32 horizontal sums of ``peer_pass``
    (windows ``start``, weights ``q``, no shift or clip) of the input rows each output row
    reads, kept in a ring of K rows, summed by OpenCV's vertical pass of ``cv_rows``. The rows
    of each output row must be consecutive (some repeated); the caller checks that the int32
    sums cannot overflow."""
    cdef fastup_pf h
    cdef fastup_cvv v
    cdef fastup_cvf f
    cdef Py_ssize_t m, k, K = rows.shape[1]
    if src.dtype.itemsize != 1 or dst.dtype.itemsize != 1:
        raise ValueError("cv_fused: uint8 images in and out")
    _pf_job(&h, src, start, q, H, W, M_w, C, 0, -2**31, 2**31 - 1, True, "cv_fused")
    _cvv_job(&v, rows, beta, fbeta, kind, split, H, M_h, M_w * C, "cv_fused")
    for m in range(M_h):
        for k in range(1, K):
            if rows[m, k] != rows[m, k - 1] and rows[m, k] != rows[m, k - 1] + 1:
                raise ValueError("cv_fused: the rows of an output row are not consecutive")
    f.h, f.v = &h, &v
    if fastup_pf_prepare(&h):
        raise MemoryError("cv_fused: cannot allocate the weight tables")
    try:
        _run_rows(<_rows_fn>fastup_cvf_rows, &f, src, H * W * C, dst, M_h * M_w * C, M_h,
                  nthreads)
    finally:
        fastup_pf_release(&h)


def cv_area(src, dst, Py_ssize_t H, Py_ssize_t W, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo,
            Py_ssize_t sy, Py_ssize_t sx, bint shift2, int nthreads):
    """OpenCV's ``INTER_AREA`` by the integer factors ``sy``, ``sx`` (``_peer_fixed.h``) of a
    C-contiguous uint8, uint16 or int16 (H, W, C) image into (Ho, Wo, C) of the same type."""
    cdef fastup_cva j
    cdef dict types = {"u1": 0, "u2": 1, "i2": 2}
    code = src.dtype.kind + str(src.dtype.itemsize)
    if code not in types or dst.dtype != src.dtype:
        raise ValueError("cv_area: uint8, uint16 or int16 images, the result of the same type")
    if min(H, W, C, Ho, Wo, sy, sx) < 1 or Ho > (H + sy - 1) // sy + 1 \
            or Wo > (W + sx - 1) // sx + 1:
        raise ValueError("cv_area: sizes mismatch")
    if shift2 and not (sy == sx == 2 and C in (1, 3, 4)):
        raise ValueError("cv_area: shift2 is for 2x2 cells of 1, 3 or 4 channels")
    j.H, j.W, j.C, j.Ho, j.Wo, j.sy, j.sx = H, W, C, Ho, Wo, sy, sx
    j.type = types[code]
    j.shift2 = shift2
    j.scale = <float>1.0 / <float>(sx * sy)
    _run_rows(<_rows_fn>fastup_cva_rows, &j, src, H * W * C * src.dtype.itemsize, dst,
              Ho * Wo * C * src.dtype.itemsize, Ho, nthreads)


# --------------------------------------------------------------------------------------------
# mode="majority" (_majority.h)
# --------------------------------------------------------------------------------------------

cdef extern from "_majority.h" nogil:
    ctypedef struct fastup_mj:
        int ndim
        Py_ssize_t out_len[32]
        Py_ssize_t T[32]
        Py_ssize_t stride[32]
        const Py_ssize_t* start[32]
        const int64_t* w[32]
        int itemsize, is_signed
        Py_ssize_t F
    int fastup_mj_rows(const fastup_mj* j, const void* src, void* dst, Py_ssize_t r0,
                       Py_ssize_t r1)


def majority(src, dst, tables, bint is_signed, int nthreads):
    """out = the value of largest summed weight over each output's footprint, ties to the
    smallest (``_majority.h``). ``src`` and ``dst`` are C-contiguous integer arrays of one
    itemsize (1, 2, 4, 8); ``tables`` holds one (in_len, start, weights) per axis of ``src``:
    start intp (M,), weights int64 (M, T) with every window inside [0, in_len). The caller
    bounds every footprint's sum of weight products below 2**62."""
    cdef fastup_mj j
    cdef const Py_ssize_t[::1] sv
    cdef const int64_t[:, ::1] wv
    cdef Py_ssize_t a, m, L, M, T, rows = 1, in_size = 1, out_size = 1, stride = 1
    cdef int n = len(tables)
    if not 1 <= n <= 32 or src.dtype.itemsize not in (1, 2, 4, 8):
        raise ValueError("majority: 1 to 32 axes, items of 1, 2, 4 or 8 bytes")
    memset(&j, 0, sizeof(fastup_mj))
    j.ndim = n
    j.itemsize = src.dtype.itemsize
    j.is_signed = is_signed
    j.F = 1
    for a in range(n - 1, -1, -1):
        L = tables[a][0]
        sv = tables[a][1]
        wv = tables[a][2]
        M, T = wv.shape[0], wv.shape[1]
        if sv.shape[0] != M or M < 1 or T < 1 or L < 1:
            raise ValueError("majority: table mismatch")
        for m in range(M):
            if sv[m] < 0 or sv[m] + T > L:
                raise ValueError("majority: a window reaches outside the input")
        j.out_len[a], j.T[a], j.stride[a] = M, T, stride
        j.start[a] = &sv[0]
        j.w[a] = &wv[0, 0]
        stride *= L
        in_size *= L
        out_size *= M
        j.F *= T
        if j.F > (1 << 24):
            raise ValueError("majority: footprints of more than 2**24 elements")
        if a < n - 1:
            rows *= M
    _run_rows(<_rows_fn>fastup_mj_rows, &j, src, in_size * j.itemsize, dst,
              out_size * j.itemsize, rows, nthreads)


# --------------------------------------------------------------------------------------------
# 16-bit floats <-> float32 (_convert.h)
# --------------------------------------------------------------------------------------------

# a thread converts at least this many elements (smaller arrays: one thread)
DEF CONVERT_BLOCK = 65536


def widen(const uint16_t[::1] src, float[::1] dst, bint bfloat, int nthreads):
    """dst = float32 of the float16 (or, with ``bfloat``, bfloat16) bits in src."""
    if dst.shape[0] != src.shape[0]:
        raise ValueError("widen: sizes differ")
    if src.shape[0]:
        _convert16(&src[0], &dst[0], src.shape[0],
                   FASTUP_BFLOAT_TO_FLOAT if bfloat else FASTUP_HALF_TO_FLOAT, nthreads)


def narrow(const float[::1] src, uint16_t[::1] dst, bint bfloat, int nthreads):
    """dst = the float16 (or, with ``bfloat``, bfloat16) bits of src, rounded to nearest even."""
    if dst.shape[0] != src.shape[0]:
        raise ValueError("narrow: sizes differ")
    if src.shape[0]:
        _convert16(&src[0], &dst[0], src.shape[0],
                   FASTUP_FLOAT_TO_BFLOAT if bfloat else FASTUP_FLOAT_TO_HALF, nthreads)


cdef void _convert16(const void* s, void* d, Py_ssize_t n, int kind, int nthreads) noexcept:
    """fastup_convert16 in equal contiguous blocks on up to ``nthreads`` threads."""
    cdef Py_ssize_t c, i0, i1
    cdef Py_ssize_t nthr = min(<Py_ssize_t>nthreads, (n + CONVERT_BLOCK - 1) // CONVERT_BLOCK)
    # bytes per element of the source and the destination (float32 and a 16-bit float)
    cdef bint narrowing = kind == FASTUP_FLOAT_TO_HALF or kind == FASTUP_FLOAT_TO_BFLOAT
    cdef Py_ssize_t src_bytes = 4 if narrowing else 2
    cdef Py_ssize_t dst_bytes = 6 - src_bytes
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                i0 = c * n // nthr
                i1 = (c + 1) * n // nthr
                fastup_convert16(<const char*>s + i0 * src_bytes, <char*>d + i0 * dst_bytes,
                                 i1 - i0, kind)
        else:
            fastup_convert16(s, d, n, kind)


cdef bint _ready_x(Py_buffer* s, Py_ssize_t alignment):
    """The memory check of a repeated call's ``x``: C-contiguous and aligned."""
    return PyBuffer_IsContiguous(s, b'C') and <size_t>s.buf % <size_t>alignment == 0


cdef bint _ready_pair(Py_buffer* s, Py_buffer* d, Py_ssize_t alignment, Py_ssize_t nbytes):
    """The memory checks of a repeated call: ``s`` (x) as ``_ready_x``; ``d`` (out, exported
    writeable) C-contiguous, aligned, of ``nbytes`` bytes, apart from ``s``."""
    return (_ready_x(s, alignment)
            and PyBuffer_IsContiguous(d, b'C') and d.len == nbytes
            and <size_t>d.buf % <size_t>alignment == 0
            and not (<char*>d.buf < <char*>s.buf + s.len
                     and <char*>s.buf < <char*>d.buf + d.len and d.len > 0 and s.len > 0))


cdef bint _get_pair(x, out, tuple shape, dtype, Py_buffer* s, Py_buffer* d) except -1:
    """The buffers of ``x`` and ``out`` (an ndarray of ``shape`` and ``dtype``, writeable) for
    ``_ready_pair``: True with both held, False (none held) when one is refused or ``out`` is
    of another shape or dtype."""
    if out.shape != shape or not (out.dtype is dtype or out.dtype == dtype):
        return False
    try:
        PyObject_GetBuffer(x, s, PyBUF_STRIDES)
    except Exception:  # a dtype without a buffer format
        return False
    try:
        PyObject_GetBuffer(out, d, PyBUF_STRIDES | PyBUF_WRITABLE)
    except Exception:  # read-only
        PyBuffer_Release(s)
        return False
    return True


def repeat_ready(x, out, tuple shape, dtype, Py_ssize_t alignment, Py_ssize_t nbytes):
    """The checks of a repeated call (``resize``'s fast path) in one step: ``x`` (an ndarray
    of a remembered shape, dtype and strides) C-contiguous and aligned, and ``out`` None or a
    C-contiguous, aligned, writeable ndarray of ``shape`` and ``dtype`` (``nbytes`` bytes)
    whose memory does not meet ``x``'s. False for anything else: the long way then says what
    is wrong."""
    cdef Py_buffer s
    cdef Py_buffer d
    cdef bint ok
    if out is None:
        try:
            PyObject_GetBuffer(x, &s, PyBUF_STRIDES)
        except Exception:  # a dtype without a buffer format
            return False
        ok = _ready_x(&s, alignment)
        PyBuffer_Release(&s)
        return ok
    if not _get_pair(x, out, shape, dtype, &s, &d):
        return False
    ok = _ready_pair(&s, &d, alignment, nbytes)
    PyBuffer_Release(&d)
    PyBuffer_Release(&s)
    return ok


def run_ready(kernel, x, out, tuple shape, dtype, Py_ssize_t alignment, int nthreads):
    """A repeated call of a resize that is one prepared kernel (a ``Resample2D`` or a
    ``FixedPlan``): ``repeat_ready``'s checks of ``x`` and ``out`` (an ndarray, given or
    new), then the kernel on the buffers the checks got. True when done; False, nothing
    written, when a check fails (the long way then says what is wrong)."""
    cdef Py_buffer s
    cdef Py_buffer d
    cdef _rows_fn fn
    cdef const void* job
    cdef Py_ssize_t rows, src_bytes, dst_bytes
    cdef Resample2D r2
    cdef FixedPlan fx
    if type(kernel) is Resample2D:
        r2 = <Resample2D>kernel
        fn, job, rows = <_rows_fn>fastup_rs2d_rows, &r2.job, r2.job.P * r2.job.Ho
        src_bytes, dst_bytes = r2.src_bytes, r2.dst_bytes
    else:
        fx = <FixedPlan?>kernel
        if not fx.suits:
            return False
        fn, job, rows = <_rows_fn>fastup_fx_rows, &fx.f, fx.f.P * fx.f.Ho
        src_bytes, dst_bytes = fx.src_bytes, fx.dst_bytes
    if not _get_pair(x, out, shape, dtype, &s, &d):
        return False
    try:
        if not _ready_pair(&s, &d, alignment, dst_bytes) or s.len != src_bytes:
            return False
        if dst_bytes and _split_rows(fn, job, s.buf, d.buf, rows, nthreads):
            raise MemoryError("cannot allocate the row buffers")
        return True
    finally:
        PyBuffer_Release(&d)
        PyBuffer_Release(&s)


cdef object _copy_int16(const int16_t* p, Py_ssize_t n):
    import numpy
    out = numpy.empty(n, dtype=numpy.int16)
    cdef int16_t[::1] o = out
    if n:
        memcpy(&o[0], p, n * sizeof(int16_t))
    return out


# --------------------------------------------------------------------------------------------
# convolution and transposed convolution: GEMM, products over the unfolded input, col2im
# --------------------------------------------------------------------------------------------
#
# One group at a time, the Python side (fastup._deconv) runs
#   conv:            out = W @ U(x)
#   conv_transpose:  cols = W^T @ x;       out = col2im(cols)
#   backward:        grad_x = W @ U(grad_out);  grad_W += x @ U(grad_out)^T
# where U(x) = im2col(x) is read in place from the phase-split planes of x (_split_planes).
# Spatial geometry is always 3-D here (1-D and 2-D problems get leading length-1 dims).
# Every kernel splits its work into fixed units (column blocks of C, rows of U, output
# planes) so that no element's arithmetic depends on the thread count.

ctypedef fused real_t:
    float
    double

cdef extern from "_gemm.h" nogil:
    int fastup_sgemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float* A, Py_ssize_t rsa,
                     Py_ssize_t csa, const float* B, Py_ssize_t rsb, Py_ssize_t csb, float* C,
                     Py_ssize_t ldc, int accumulate)
    int fastup_dgemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const double* A, Py_ssize_t rsa,
                     Py_ssize_t csa, const double* B, Py_ssize_t rsb, Py_ssize_t csb, double* C,
                     Py_ssize_t ldc, int accumulate)
    int fastup_sgemm_gb(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float* A, Py_ssize_t rsa,
                        Py_ssize_t csa, const float* G, const Py_ssize_t* rowofs,
                        const Py_ssize_t* colofs, float* C, Py_ssize_t ldc, int accumulate)
    int fastup_dgemm_gb(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const double* A,
                        Py_ssize_t rsa, Py_ssize_t csa, const double* G,
                        const Py_ssize_t* rowofs, const Py_ssize_t* colofs, double* C,
                        Py_ssize_t ldc, int accumulate)
    int fastup_sgemm_ga(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float* G,
                        const Py_ssize_t* rowofs, const Py_ssize_t* colofs, const float* B,
                        Py_ssize_t rsb, Py_ssize_t csb, float* C, Py_ssize_t ldc, int accumulate)
    int fastup_dgemm_ga(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const double* G,
                        const Py_ssize_t* rowofs, const Py_ssize_t* colofs, const double* B,
                        Py_ssize_t rsb, Py_ssize_t csb, double* C, Py_ssize_t ldc,
                        int accumulate)
    void* fastup_planes_malloc(size_t nbytes)
    void* fastup_aligned_malloc(size_t nbytes)
    void fastup_aligned_free(void* p)

# columns of C per unit of GEMM work handed to a thread
DEF GEMM_COLUMN_UNIT = 64


def simd_isa():
    """Which copy of the hand-vectorised loops (matrix product, fused resample) runs here:
    'avx512' (the matrix product on AVX-512F, the rest on AVX2; unless FASTUP_DISABLE_AVX512
    is set), 'avx2' (x86-64 with AVX2 and FMA, unless FASTUP_DISABLE_AVX2 is set) or
    'generic'."""
    if fastup_use_avx512():
        return "avx512"
    return "avx2" if fastup_use_avx2() else "generic"


cdef int _gemm_block(const real_t* A, Py_ssize_t rsa, Py_ssize_t csa, const real_t* B,
                     Py_ssize_t rsb, Py_ssize_t csb, real_t* C, Py_ssize_t ldc, Py_ssize_t M,
                     Py_ssize_t K, Py_ssize_t j0, Py_ssize_t j1, int accumulate) noexcept nogil:
    if real_t is float:
        return fastup_sgemm(M, j1 - j0, K, A, rsa, csa, B + j0 * csb, rsb, csb, C + j0, ldc,
                            accumulate)
    else:
        return fastup_dgemm(M, j1 - j0, K, A, rsa, csa, B + j0 * csb, rsb, csb, C + j0, ldc,
                            accumulate)


def gemm(const real_t[:, :] A, const real_t[:, :] B, real_t[:, :] C, bint accumulate,
         int nthreads):
    """C = (C if accumulate else 0) + A @ B, for A and B of any strides; C with unit column
    stride (any row stride), not overlapping A or B."""
    cdef Py_ssize_t M = A.shape[0], K = A.shape[1], N = B.shape[1]
    cdef Py_ssize_t ldc = C.strides[0] // sizeof(real_t)
    if N > 1 and C.strides[1] != sizeof(real_t):
        raise ValueError("gemm: C must have unit column stride")
    cdef Py_ssize_t rsa = A.strides[0] // sizeof(real_t), csa = A.strides[1] // sizeof(real_t)
    cdef Py_ssize_t rsb = B.strides[0] // sizeof(real_t), csb = B.strides[1] // sizeof(real_t)
    cdef Py_ssize_t units, c, nthr, u0, u1
    cdef int failed = 0
    if B.shape[0] != K or C.shape[0] != M or C.shape[1] != N:
        raise ValueError("gemm: shape mismatch")
    if M == 0 or N == 0:
        return
    units = (N + GEMM_COLUMN_UNIT - 1) // GEMM_COLUMN_UNIT
    nthr = min(<Py_ssize_t>nthreads, units)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                u0 = c * units // nthr
                u1 = (c + 1) * units // nthr
                if _gemm_block(&A[0, 0], rsa, csa, &B[0, 0], rsb, csb, &C[0, 0], ldc, M, K,
                               u0 * GEMM_COLUMN_UNIT, min(u1 * GEMM_COLUMN_UNIT, N),
                               accumulate) != 0:
                    failed |= 1
        else:
            failed = _gemm_block(&A[0, 0], rsa, csa, &B[0, 0], rsb, csb, &C[0, 0], ldc, M, K,
                                 0, N, accumulate) != 0
    if failed:
        raise MemoryError("gemm: cannot allocate the packing buffers")


cdef inline Py_ssize_t _ceil_div(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """ceil(a / b) for b > 0 and any a."""
    if a >= 0:
        return (a + b - 1) // b
    return -((-a) // b)


cdef inline void _valid_range(Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t s, Py_ssize_t shift,
                              Py_ssize_t n, Py_ssize_t* first, Py_ssize_t* last) noexcept nogil:
    """The positions v in [lo, hi) with 0 <= v * s + shift < n, as [first, last)."""
    cdef Py_ssize_t a = _ceil_div(-shift, s), b = _ceil_div(n - shift, s)
    first[0] = lo if a < lo else (hi if a > hi else a)
    last[0] = hi if b > hi else (first[0] if b < first[0] else b)


cdef void _split_planes(const real_t* x, real_t* G, const Py_ssize_t* t, Py_ssize_t c0,
                        Py_ssize_t c1) noexcept nogil:
    """The phase-split planes of channels [c0, c1) of x, from which the products read the
    unfolded input in place: G[c, (jz, jy, jx), u] = x[c, (u + mmin) * s + a] per axis (zero
    outside the input), a running over the phases the kernel taps use.

    t (see ``_Geometry.unfolding``): input lengths (3), output lengths (3), phase-plane
    lengths E (3), stride (3), mmin (3), phase counts (3), then the phases of each axis."""
    cdef Py_ssize_t c, jz, jy, jx, uz, uy, iz, iy, first, last, shift
    cdef Py_ssize_t E1 = t[7], E2 = t[8], s2 = t[11]
    cdef Py_ssize_t plane = t[6] * t[7] * t[8], src_plane = t[0] * t[1] * t[2]
    cdef const Py_ssize_t* az = t + 18
    cdef const Py_ssize_t* ay = az + t[15]
    cdef const Py_ssize_t* ax = ay + t[16]
    cdef real_t* dst
    cdef const real_t* src
    for c in range(c0, c1):
        dst = G + c * t[15] * t[16] * t[17] * plane
        for jz in range(t[15]):
            for jy in range(t[16]):
                for jx in range(t[17]):
                    shift = t[14] * s2 + ax[jx]
                    _valid_range(0, E2, s2, shift, t[2], &first, &last)
                    for uz in range(t[6]):
                        iz = (uz + t[12]) * t[9] + az[jz]
                        if iz < 0 or iz >= t[0]:
                            memset(dst, 0, E1 * E2 * sizeof(real_t))
                            dst = dst + E1 * E2
                            continue
                        for uy in range(E1):
                            iy = (uy + t[13]) * t[10] + ay[jy]
                            if iy < 0 or iy >= t[1] or last <= first:
                                memset(dst, 0, E2 * sizeof(real_t))
                            else:
                                # one offset: the line's start plus a negative shift
                                # alone would point before the array
                                src = x + (c * src_plane + (iz * t[1] + iy) * t[2] + shift
                                           + first * s2)
                                if first > 0:
                                    memset(dst, 0, first * sizeof(real_t))
                                if real_t is float:
                                    fastup_strided_f(dst + first, src, last - first, s2)
                                else:
                                    fastup_strided_d(dst + first, src, last - first, s2)
                                if last < E2:
                                    memset(dst + last, 0, (E2 - last) * sizeof(real_t))
                            dst = dst + E2


cdef void _output_offsets(const Py_ssize_t* t, Py_ssize_t o0, Py_ssize_t w,
                          Py_ssize_t* colofs) noexcept nogil:
    """colofs[i] = the offset in a phase plane of output position o0 + i (see _split_planes)."""
    cdef Py_ssize_t i, line = o0 // t[5], ox = o0 - line * t[5]
    cdef Py_ssize_t oz = line // t[4], oy = line - oz * t[4]
    for i in range(w):
        colofs[i] = (oz * t[7] + oy) * t[8] + ox
        ox = ox + 1
        if ox == t[5]:
            ox = 0
            oy = oy + 1
            if oy == t[4]:
                oy = 0
                oz = oz + 1


cdef inline int _gemm_gb(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const real_t* A,
                         Py_ssize_t rsa, const real_t* G, const Py_ssize_t* rowofs,
                         const Py_ssize_t* colofs, real_t* C, Py_ssize_t ldc) noexcept nogil:
    """C += A @ U, U[k, j] = G[rowofs[k] + colofs[j]] (A has unit column stride)."""
    if real_t is float:
        return fastup_sgemm_gb(M, N, K, A, rsa, 1, G, rowofs, colofs, C, ldc, 1)
    else:
        return fastup_dgemm_gb(M, N, K, A, rsa, 1, G, rowofs, colofs, C, ldc, 1)


cdef inline int _gemm_ga(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const real_t* G,
                         const Py_ssize_t* rowofs, const Py_ssize_t* colofs, const real_t* S,
                         Py_ssize_t rss, real_t* C, Py_ssize_t ldc,
                         int accumulate) noexcept nogil:
    """C = (C if accumulate else 0) + U @ S^T, U[i, k] = G[rowofs[i] + colofs[k]] (S: N rows
    of unit stride, rss apart)."""
    if real_t is float:
        return fastup_sgemm_ga(M, N, K, G, rowofs, colofs, S, 1, rss, C, ldc, accumulate)
    else:
        return fastup_dgemm_ga(M, N, K, G, rowofs, colofs, S, 1, rss, C, ldc, accumulate)


cdef inline bint _col2im_line(const Py_ssize_t* g, Py_ssize_t i, Py_ssize_t i1, Py_ssize_t qz,
                              Py_ssize_t qy, Py_ssize_t* ix0, Py_ssize_t* ix1,
                              Py_ssize_t* row) noexcept nogil:
    """The input line of position i: its positions [ix0, ix1) from i on and before i1, and the
    offset ``row`` in an output plane of the output line that the taps (qz, qy, any x) add it
    to; False when that line lies outside the output (see _col2im_planes for g)."""
    cdef Py_ssize_t line = i // g[2], iz, iy, oz, oy
    ix0[0] = i - line * g[2]
    ix1[0] = g[2] if i1 - i + ix0[0] > g[2] else i1 - i + ix0[0]
    iz = line // g[1]
    iy = line - iz * g[1]
    oz = iz * g[9] - g[12] + qz * g[15]
    oy = iy * g[10] - g[13] + qy * g[16]
    row[0] = (oz * g[4] + oy) * g[5]
    return 0 <= oz < g[3] and 0 <= oy < g[4]


# lines of one output plane taken together by _col2im_lines2
DEF LINE2_BATCH = 64

cdef void _col2im_lines2(const float* cols, float* plane, const Py_ssize_t* g,
                         Py_ssize_t* lines, Py_ssize_t nl, Py_ssize_t width) noexcept nogil:
    """The scatter at stride 2 along x of ``nl`` input lines into one output plane, in their
    order: line a (4 entries: output line offset, positions [ix0, ix1), offset in cols of its
    first x tap) adds its g[8] x taps to its output line. A line is taken together with the
    following lines of the same output line and positions, up to the first one of that output
    line that differs (so every output element still receives its taps in the order of the
    list), in one fastup_line2_add_f: the output line is loaded and stored once for them all."""
    cdef const float* taps[FASTUP_LINE2_TAPS]
    cdef Py_ssize_t shifts[FASTUP_LINE2_TAPS]
    cdef Py_ssize_t nxt[LINE2_BATCH]
    cdef Py_ssize_t slot_row[2 * LINE2_BATCH]
    cdef Py_ssize_t slot_at[2 * LINE2_BATCH]
    cdef Py_ssize_t a, b, h, qx, nt
    # nxt[a]: the next line of the same output line (a small hash table of output lines)
    for h in range(2 * LINE2_BATCH):
        slot_at[h] = -1
    for b in range(nl - 1, -1, -1):
        h = (lines[4 * b] // g[5]) % (2 * LINE2_BATCH)
        while slot_at[h] >= 0 and slot_row[h] != lines[4 * b]:
            h = (h + 1) % (2 * LINE2_BATCH)
        nxt[b] = slot_at[h]
        slot_row[h] = lines[4 * b]
        slot_at[h] = b
    for a in range(nl):
        if lines[4 * a] < 0:  # taken with an earlier line
            continue
        nt = 0
        b = a
        while b >= 0:
            if b > a and (lines[4 * b + 1] != lines[4 * a + 1]
                          or lines[4 * b + 2] != lines[4 * a + 2]
                          or nt + g[8] > FASTUP_LINE2_TAPS):
                break
            for qx in range(g[8]):
                taps[nt] = cols + (lines[4 * b + 3] + qx * width)
                shifts[nt] = qx * g[17] - g[14]
                nt = nt + 1
            if b > a:
                lines[4 * b] = -1
            b = nxt[b]
        fastup_line2_add_f(plane + lines[4 * a], g[5], taps, shifts, nt, lines[4 * a + 1],
                           lines[4 * a + 2])


cdef void _col2im_planes(const real_t* cols, real_t* out, const Py_ssize_t* g, Py_ssize_t c0,
                         Py_ssize_t c1, Py_ssize_t i0, Py_ssize_t i1) noexcept nogil:
    """out[c, i*s - p + q*d] += cols[(c, q), i - i0] for output planes c in [c0, c1) and input
    positions i in [i0, i1): the scatter of a transposed convolution, one plane per unit,
    walked line by line (fixed z, y) with the valid x range worked out once per line. Within
    the call, every output element receives its taps in the order of q.

    g: input lengths (3), output lengths (3), kernel (3), stride (3), pad begin (3), dilation
    (3) (``_Geometry.table``), with "input" the transposed convolution's input (the columns) and
    "output" its output (the planes written)."""
    cdef Py_ssize_t c, q, qz, qy, qx, qzy, i, ix0, ix1, row, first, last
    cdef Py_ssize_t kprod = g[6] * g[7] * g[8], width = i1 - i0
    cdef Py_ssize_t plane = g[3] * g[4] * g[5], shift, sx = g[11], base, at
    cdef const real_t* col
    cdef Py_ssize_t lines[LINE2_BATCH * 4]
    cdef Py_ssize_t nl
    if real_t is float:
        if sx == 2 and g[8] <= FASTUP_LINE2_TAPS and fastup_use_avx2():
            # stride 2 along x (AVX2): an output line gets its taps along x at once
            # (fastup_line2_add_f), and those of the (z, y) taps that reach it from other
            # input lines of the chunk too (_col2im_lines2); the lines are listed by (z, y)
            # tap, then input line, the order of q
            for c in range(c0, c1):
                nl = 0
                for qzy in range(g[6] * g[7]):
                    qz = qzy // g[7]
                    qy = qzy - qz * g[7]
                    i = i0
                    while i < i1:
                        if _col2im_line(g, i, i1, qz, qy, &ix0, &ix1, &row):
                            lines[4 * nl] = row
                            lines[4 * nl + 1] = ix0
                            lines[4 * nl + 2] = ix1
                            lines[4 * nl + 3] = (c * kprod + qzy * g[8]) * width + (i - i0)
                            nl = nl + 1
                            if nl == LINE2_BATCH:
                                _col2im_lines2(<const float*>cols, <float*>out + c * plane, g,
                                               lines, nl, width)
                                nl = 0
                        i = i + (ix1 - ix0)
                _col2im_lines2(<const float*>cols, <float*>out + c * plane, g, lines, nl, width)
            return
    for c in range(c0, c1):
        for q in range(kprod):
            qz = q // (g[7] * g[8])
            qy = (q // g[8]) % g[7]
            qx = q % g[8]
            shift = qx * g[17] - g[14]
            col = cols + (c * kprod + q) * width
            i = i0
            while i < i1:
                if _col2im_line(g, i, i1, qz, qy, &ix0, &ix1, &row):
                    _valid_range(ix0, ix1, sx, shift, g[5], &first, &last)
                    base = c * plane + row + shift
                    at = i - i0 - ix0  # col[at + v] holds column x = v of this line
                    if last > first:
                        if real_t is float:
                            fastup_strided_add_f(out + (base + first * sx), col + (at + first),
                                                 last - first, sx)
                        else:
                            fastup_strided_add_d(out + (base + first * sx), col + (at + first),
                                                 last - first, sx)
                i = i + (ix1 - ix0)


def fill_planes(real_t[:, ::1] planes, const real_t[::1] values, int nthreads):
    """planes[r, :] = values[r % len(values)] (a convolution's output set to its bias before
    the products add into it), the rows shared out among ``nthreads`` threads: the first
    touch of a fresh output's pages happens on all of them."""
    cdef Py_ssize_t rows = planes.shape[0], length = planes.shape[1], nv = values.shape[0]
    cdef Py_ssize_t c, nthr, r, i, r0, r1
    cdef real_t v
    cdef real_t* row
    if nv == 0 or rows % nv != 0:
        raise ValueError("fill_planes: one value per plane of each sample")
    if rows == 0 or length == 0:
        return
    nthr = min(<Py_ssize_t>nthreads, rows)
    with nogil:
        for c in prange(nthr, num_threads=nthr, schedule="static"):
            r0 = c * rows // nthr
            r1 = (c + 1) * rows // nthr
            for r in range(r0, r1):
                v = values[r % nv]
                row = &planes[r, 0]
                for i in range(length):
                    row[i] = v


def col2im(const real_t[:, ::1] cols, real_t[::1] out, const Py_ssize_t[::1] geometry,
           Py_ssize_t i0, int nthreads):
    """Scatter-add columns i0 .. i0 + cols.shape[1] of a transposed convolution into ``out``
    (C planes of the output lengths); rows of cols are (c, kernel position)."""
    cdef const Py_ssize_t* g = &geometry[0]
    cdef Py_ssize_t kprod, planes, width = cols.shape[1], c, nthr
    if geometry.shape[0] != 18:
        raise ValueError("col2im: geometry has 18 entries")
    kprod = g[6] * g[7] * g[8]
    planes = cols.shape[0] // kprod
    if planes * kprod != cols.shape[0] or out.shape[0] != planes * g[3] * g[4] * g[5]:
        raise ValueError("col2im: size mismatch")
    if i0 < 0 or i0 + width > g[0] * g[1] * g[2]:
        raise ValueError("col2im: column range outside the input")
    if planes == 0 or width == 0:
        return
    nthr = min(<Py_ssize_t>nthreads, planes)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                _col2im_planes(&cols[0, 0], &out[0], g, c * planes // nthr,
                               (c + 1) * planes // nthr, i0, i0 + width)
        else:
            _col2im_planes(&cols[0, 0], &out[0], g, 0, planes, i0, i0 + width)


cdef void _plane_sums(const real_t* src, Py_ssize_t channels, Py_ssize_t plane,
                      double* out) noexcept nogil:
    """out[c] = the sum of plane c of src, in float64: 16 running sums (element i into sum
    i % 16, a loop the compiler vectorises; four sums were bound by the latency of the adds),
    then added pairwise."""
    cdef Py_ssize_t c, i, j, width
    cdef const real_t* p
    cdef double a[16]
    for c in range(channels):
        p = src + c * plane
        for j in range(16):
            a[j] = 0.0
        i = 0
        while i + 16 <= plane:
            for j in range(16):
                a[j] += p[i + j]
            i += 16
        for j in range(plane - i):
            a[j] += p[i + j]
        width = 8
        while width > 0:
            for j in range(width):
                a[j] += a[j + width]
            width //= 2
        out[c] = a[0]


cdef int _samples(const real_t* src, Py_ssize_t src_step, const Py_ssize_t* t,
                  const Py_ssize_t* rowofs, Py_ssize_t rows, Py_ssize_t gsize,
                  Py_ssize_t width, Py_ssize_t length, const real_t* W, Py_ssize_t ct,
                  real_t* tgt, Py_ssize_t tgt_step, Py_ssize_t tgt_row, const real_t* gsrc,
                  Py_ssize_t gsrc_step, Py_ssize_t gsrc_row, real_t* gw, Py_ssize_t cg,
                  double* sums, Py_ssize_t sums_row, Py_ssize_t cs, Py_ssize_t n0,
                  Py_ssize_t n1) noexcept nogil:
    """Samples n0..n1 of unfolded_products on the calling thread; 0, or -1 out of memory."""
    cdef real_t* G = <real_t*>fastup_planes_malloc(gsize * sizeof(real_t))
    cdef Py_ssize_t* colofs = <Py_ssize_t*>malloc(width * sizeof(Py_ssize_t))
    cdef Py_ssize_t n, o0, w
    cdef int status = 0
    if G == NULL or colofs == NULL:
        fastup_aligned_free(G)
        free(colofs)
        return -1
    for n in range(n0, n1):
        _split_planes(src + n * src_step, G, t, 0, cs)
        if sums != NULL:  # the source planes are still in cache from the split
            _plane_sums(src + n * src_step, cs, t[0] * t[1] * t[2], sums + n * sums_row)
        o0 = 0
        while o0 < length and status == 0:
            w = min(width, length - o0)
            if n == n0 or w < length:  # one chunk of all positions: the same for every sample
                _output_offsets(t, o0, w, colofs)
            if tgt != NULL:
                status = _gemm_gb(ct, w, rows, W, rows, G, rowofs, colofs,
                                  tgt + n * tgt_step + o0, tgt_row)
            if gw != NULL and status == 0:
                status = _gemm_ga(rows, cg, w, G, rowofs, colofs, gsrc + n * gsrc_step + o0,
                                  gsrc_row, gw + n * rows * cg, cg, o0 > 0)
            o0 = o0 + w
    fastup_aligned_free(G)
    free(colofs)
    return status


def sum_planes(const real_t[:, :, :] source, double[:, :] out, int nthreads):
    """out[n, c] = the float64 sum of source[n, c, :] (as ``unfolded_products`` computes it), the
    samples shared out among ``nthreads`` threads."""
    cdef Py_ssize_t nb = source.shape[0], cs = source.shape[1], plane = source.shape[2], n, c
    cdef Py_ssize_t nthr
    if out.shape[0] != nb or out.shape[1] != cs:
        raise ValueError("sum_planes: out must be (samples, channels)")
    if (plane > 1 and source.strides[2] != <Py_ssize_t>sizeof(real_t)) or (
            cs > 1 and source.strides[1] != plane * <Py_ssize_t>sizeof(real_t)) or (
            cs > 1 and out.strides[1] != <Py_ssize_t>sizeof(double)):
        raise ValueError("sum_planes: planes and rows of out must be contiguous")
    if nb == 0 or cs == 0:
        return
    if plane == 0:
        out[:, :] = 0.0
        return
    nthr = min(<Py_ssize_t>nthreads, nb)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                for n in range(c * nb // nthr, (c + 1) * nb // nthr):
                    _plane_sums(&source[n, 0, 0], cs, plane, &out[n, 0])
        else:
            for n in range(nb):
                _plane_sums(&source[n, 0, 0], cs, plane, &out[n, 0])


def unfolded_products(const real_t[:, :, :] source, const Py_ssize_t[::1] table,
                      const Py_ssize_t[::1] rowofs, const real_t[:, ::1] weight,
                      real_t[:, :, :] target, const real_t[:, :, :] grad_source,
                      real_t[:, :, ::1] grad_weight, Py_ssize_t width, int nthreads,
                      double[:, :] plane_sums=None):
    """Per sample n: target[n] += weight @ U_n and grad_weight[n] = U_n @ grad_source[n]^T,
    where U_n = im2col(source[n]) (rows (channel, tap), columns the output positions) is read in
    place from the phase-split planes of source[n] (``_split_planes``; ``table`` and the row
    offsets ``rowofs`` from ``_Geometry.unfolding``), ``width`` output positions at a time; with
    ``plane_sums`` (n, channels) also the float64 sum of each plane of source[n] (the bias
    gradient of conv_transpose). target / grad_source / grad_weight may be None (the products
    not wanted); grad_weight[n] is (rows, grad_source channels).

    A batch is shared out by sample, one sample per thread; a single sample splits each step
    among the threads (planes by channel, products by columns or rows of their result). Each
    result element is computed by the same operations whatever the split, so results do not
    depend on ``nthreads``; summing grad_weight and plane_sums over n is the caller's."""
    cdef const Py_ssize_t* t = &table[0]
    cdef Py_ssize_t nb = source.shape[0], cs = source.shape[1], length, rows, c, nthr
    cdef Py_ssize_t ct = 0, cg = 0, tgt_step = 0, tgt_row = 0, gsrc_step = 0, gsrc_row = 0
    cdef Py_ssize_t gsize, units, o0, w, u0, u1
    cdef const real_t* W = NULL
    cdef real_t* tgt = NULL
    cdef const real_t* gsrc = NULL
    cdef real_t* gw = NULL
    cdef double* sums = NULL
    cdef real_t* G = NULL
    cdef Py_ssize_t* colofs = NULL
    cdef Py_ssize_t item = sizeof(real_t), sums_row = 0, kprod
    cdef int failed = 0
    if table.shape[0] < 18 or table.shape[0] != 18 + table[15] + table[16] + table[17]:
        raise ValueError("unfolded_products: bad table")
    kprod = rowofs.shape[0] // cs if cs else 0
    rows = rowofs.shape[0]
    if rows != cs * kprod:
        raise ValueError("unfolded_products: one row offset per (channel, tap)")
    length = t[3] * t[4] * t[5]
    gsize = cs * t[15] * t[16] * t[17] * t[6] * t[7] * t[8]
    if source.shape[2] != t[0] * t[1] * t[2] or (
            nb and cs > 1 and source.strides[1] != source.shape[2] * item) or (
            source.shape[2] > 1 and source.strides[2] != item):
        raise ValueError("unfolded_products: source planes must be contiguous, of the input "
                         "size")
    if width < 1:
        raise ValueError("unfolded_products: bad column chunk")
    if target is not None:
        ct = target.shape[1]
        if (target.shape[0] != nb or target.shape[2] != length or weight.shape[0] != ct
                or weight.shape[1] != rows or (length > 1 and target.strides[2] != item)):
            raise ValueError("unfolded_products: target or weight of the wrong shape")
    if grad_weight is not None:
        if grad_source is None:
            raise ValueError("unfolded_products: grad_weight needs grad_source")
        cg = grad_weight.shape[2]
        if (grad_weight.shape[0] != nb or grad_weight.shape[1] != rows
                or grad_source.shape[0] != nb or grad_source.shape[1] != cg
                or grad_source.shape[2] != length
                or (length > 1 and grad_source.strides[2] != item)):
            raise ValueError("unfolded_products: grad_weight or grad_source of the wrong shape")
    if plane_sums is not None and (plane_sums.shape[0] != nb or plane_sums.shape[1] != cs or (
            cs > 1 and plane_sums.strides[1] != <Py_ssize_t>sizeof(double))):
        raise ValueError("unfolded_products: plane_sums must be (samples, channels), rows "
                         "contiguous")
    if plane_sums is not None and cs > 0 and nb > 0:
        sums = &plane_sums[0, 0]
        sums_row = plane_sums.strides[0] // sizeof(double)
    if nb == 0 or rows == 0 or length == 0:
        if plane_sums is not None:  # no products: the sums alone
            sum_planes(source, plane_sums, nthreads)
        if grad_weight is not None and nb and rows and cg:
            grad_weight[:, :, :] = 0
        return
    if target is not None and ct > 0:
        W = &weight[0, 0]
        tgt = &target[0, 0, 0]
        tgt_step = target.strides[0] // item
        tgt_row = target.strides[1] // item
    if grad_weight is not None and cg > 0:
        gw = &grad_weight[0, 0, 0]
        gsrc = &grad_source[0, 0, 0]
        gsrc_step = grad_source.strides[0] // item
        gsrc_row = grad_source.strides[1] // item
    width = min(width, length)
    nthr = min(<Py_ssize_t>nthreads, nb)
    if nb > 1 or nthreads <= 1:
        with nogil:
            if nthr > 1:
                for c in prange(nthr, num_threads=nthr, schedule="static"):
                    if _samples(&source[0, 0, 0], source.strides[0] // item, t, &rowofs[0],
                                rows, gsize, width, length, W, ct, tgt, tgt_step, tgt_row,
                                gsrc, gsrc_step, gsrc_row, gw, cg, sums, sums_row, cs,
                                c * nb // nthr, (c + 1) * nb // nthr) != 0:
                        failed |= 1
            else:
                failed = _samples(&source[0, 0, 0], source.strides[0] // item, t, &rowofs[0],
                                  rows, gsize, width, length, W, ct, tgt, tgt_step, tgt_row,
                                  gsrc, gsrc_step, gsrc_row, gw, cg, sums, sums_row, cs, 0,
                                  nb) != 0
        if failed:
            raise MemoryError("unfolded_products: cannot allocate the phase-split planes")
        return
    # one sample, several threads: every step split among them
    if plane_sums is not None:
        sum_planes(source, plane_sums, nthreads)
    G = <real_t*>fastup_planes_malloc(gsize * sizeof(real_t))
    colofs = <Py_ssize_t*>malloc(width * sizeof(Py_ssize_t))
    if G == NULL or colofs == NULL:
        fastup_aligned_free(G)
        free(colofs)
        raise MemoryError("unfolded_products: cannot allocate the phase-split planes")
    with nogil:
        nthr = min(<Py_ssize_t>nthreads, cs)
        for c in prange(nthr, num_threads=nthr, schedule="static"):
            _split_planes(&source[0, 0, 0], G, t, c * cs // nthr, (c + 1) * cs // nthr)
        o0 = 0
        while o0 < length and failed == 0:
            w = min(width, length - o0)
            _output_offsets(t, o0, w, colofs)
            if tgt != NULL:
                units = (w + GEMM_COLUMN_UNIT - 1) // GEMM_COLUMN_UNIT
                nthr = min(<Py_ssize_t>nthreads, units)
                for c in prange(nthr, num_threads=nthr, schedule="static"):
                    u0 = c * units // nthr * GEMM_COLUMN_UNIT
                    u1 = min((c + 1) * units // nthr * GEMM_COLUMN_UNIT, w)
                    if _gemm_gb(ct, u1 - u0, rows, W, rows, G, &rowofs[0], colofs + u0,
                                tgt + o0 + u0, tgt_row) != 0:
                        failed |= 1
            if gw != NULL and failed == 0:
                units = (rows + 5) // 6
                nthr = min(<Py_ssize_t>nthreads, units)
                for c in prange(nthr, num_threads=nthr, schedule="static"):
                    u0 = c * units // nthr * 6
                    u1 = min((c + 1) * units // nthr * 6, rows)
                    if _gemm_ga(u1 - u0, cg, w, G, &rowofs[u0], colofs, gsrc + o0, gsrc_row,
                                gw + u0 * cg, cg, o0 > 0) != 0:
                        failed |= 1
            o0 = o0 + w
    fastup_aligned_free(G)
    free(colofs)
    if failed:
        raise MemoryError("unfolded_products: cannot allocate the packing buffers")


cdef int _samples_t(const real_t* src, Py_ssize_t src_step, Py_ssize_t src_row,
                    const real_t* W, Py_ssize_t cin, Py_ssize_t rows, const Py_ssize_t* g,
                    Py_ssize_t width, Py_ssize_t length, real_t* out, Py_ssize_t out_step,
                    Py_ssize_t cout, Py_ssize_t n0, Py_ssize_t n1) noexcept nogil:
    """Samples n0..n1 of sample_transposed on the calling thread; 0, or -1 out of memory."""
    cdef real_t* cols = <real_t*>malloc(rows * width * sizeof(real_t))
    cdef Py_ssize_t n, i0, w
    cdef int status = 0
    if cols == NULL:
        return -1
    for n in range(n0, n1):
        i0 = 0
        while i0 < length and status == 0:
            w = min(width, length - i0)
            # cols (rows x w, compact) = W^T @ x[n][:, i0:i0+w]; W is (cin, rows)
            status = _gemm_block(W, 1, rows, src + n * src_step + i0, src_row, 1, cols, w,
                                 rows, cin, 0, w, 0)
            if status == 0:
                _col2im_planes(cols, out + n * out_step, g, 0, cout, i0, i0 + w)
            i0 = i0 + w
    free(cols)
    return status


def sample_transposed(const real_t[:, :, :] source, const Py_ssize_t[::1] geometry,
                      const real_t[:, ::1] weight, real_t[:, :, :] out, Py_ssize_t width,
                      int nthreads):
    """Per sample n of a batch, on one thread each: out[n] += col2im(weight^T @ source[n]),
    the columns ``width`` at a time (a transposed convolution; weight is (C_in, rows)). A
    sample's arithmetic is the same on any thread: results do not depend on ``nthreads``."""
    cdef const Py_ssize_t* g = &geometry[0]
    cdef Py_ssize_t nb = source.shape[0], cin = source.shape[1], length = source.shape[2]
    cdef Py_ssize_t rows = weight.shape[1], cout = out.shape[1], c, nthr
    cdef Py_ssize_t item = sizeof(real_t)
    cdef int failed = 0
    if geometry.shape[0] != 18:
        raise ValueError("sample_transposed: geometry has 18 entries")
    if (weight.shape[0] != cin or rows != cout * g[6] * g[7] * g[8]
            or length != g[0] * g[1] * g[2] or out.shape[0] != nb
            or out.shape[2] != g[3] * g[4] * g[5]):
        raise ValueError("sample_transposed: size mismatch")
    if nb == 0 or rows == 0 or length == 0 or cout == 0:
        return
    if ((length > 1 and source.strides[2] != item) or (out.shape[2] > 1 and out.strides[2] != item)
            or (cout > 1 and out.strides[1] != out.shape[2] * item) or width < 1):
        raise ValueError("sample_transposed: planes must be contiguous")
    nthr = min(<Py_ssize_t>nthreads, nb)
    with nogil:
        if nthr > 1:
            for c in prange(nthr, num_threads=nthr, schedule="static"):
                if _samples_t(&source[0, 0, 0], source.strides[0] // item,
                              source.strides[1] // item, &weight[0, 0], cin, rows, g, width,
                              length, &out[0, 0, 0], out.strides[0] // item, cout,
                              c * nb // nthr, (c + 1) * nb // nthr) != 0:
                    failed |= 1
        else:
            failed = _samples_t(&source[0, 0, 0], source.strides[0] // item,
                                source.strides[1] // item, &weight[0, 0], cin, rows, g, width,
                                length, &out[0, 0, 0], out.strides[0] // item, cout,
                                0, nb) != 0
    if failed:
        raise MemoryError("sample_transposed: cannot allocate the column buffers")


# --------------------------------------------------------------------------------------------
# Large outputs: the memory of freed ones kept for the next (no page faults to pay again)
# --------------------------------------------------------------------------------------------

cdef extern from "_gemm.h" nogil:
    void* fastup_planes_malloc(size_t bytes)
    void fastup_planes_lend(void* p, size_t bytes)
    void fastup_aligned_free(void* p)

cdef extern from "Python.h":
    int PyTraceMalloc_Track(unsigned int domain, size_t ptr, size_t size)
    int PyTraceMalloc_Untrack(unsigned int domain, size_t ptr)

# tracemalloc's domain of the blocks (NumPy's own, 389047, counts its arrays the same way): an
# output in use is traced, a kept one is not
cdef unsigned int TRACE_DOMAIN = 389047

cdef enum:
    POOL_SLOTS = 2
cdef void* _pool_ptr[2]
cdef Py_ssize_t _pool_size[2]
cdef Py_ssize_t _pool_age[2]
cdef Py_ssize_t _pool_clock = 0
cdef Py_ssize_t POOL_MAX_BYTES = 1 << 30  # a block larger than this (1 GiB) is never kept
# a kept block larger than this (256 MiB) is left to the system for when memory runs short
cdef Py_ssize_t POOL_LENT_BYTES = 1 << 28


cdef class OutputBlock:
    """Memory for one output array (``np.frombuffer`` of it), taken from the blocks kept from
    freed outputs when one of a fitting size is there, else allocated (2 MiB-aligned, huge
    pages where Linux allows); when the last array using it is freed, kept for the next
    output (at most two blocks, of at most 1 GiB each; the pages of one over 256 MiB are the
    system's to take back when memory runs short), else released. The GIL guards the kept
    blocks."""
    cdef void* ptr
    cdef Py_ssize_t size

    def __cinit__(self, Py_ssize_t nbytes):
        cdef int k, best = -1
        if nbytes < 1:
            raise ValueError("OutputBlock: a size of at least 1 byte")
        for k in range(POOL_SLOTS):  # the smallest kept block that fits, within 25% waste
            if (_pool_ptr[k] != NULL and nbytes <= _pool_size[k] <= nbytes + nbytes // 4
                    and (best < 0 or _pool_size[k] < _pool_size[best])):
                best = k
        if best >= 0:
            self.ptr, self.size = _pool_ptr[best], _pool_size[best]
            _pool_ptr[best] = NULL
        else:
            self.ptr = fastup_planes_malloc(nbytes)
            self.size = nbytes
            if self.ptr == NULL:
                raise MemoryError(f"cannot allocate {nbytes:,} bytes")
        PyTraceMalloc_Track(TRACE_DOMAIN, <size_t>self.ptr, <size_t>self.size)

    def __getbuffer__(self, Py_buffer* view, int flags):
        view.buf = self.ptr
        view.obj = self
        view.len = self.size
        view.readonly = 0
        view.itemsize = 1
        view.format = NULL
        if flags & PyBUF_FORMAT:
            view.format = b"B"
        view.ndim = 1
        view.shape = NULL
        if flags & PyBUF_ND:
            view.shape = &self.size
        view.strides = NULL
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer* view):
        pass

    def __dealloc__(self):
        global _pool_clock
        cdef int k, slot = -1
        if self.ptr == NULL:
            return
        PyTraceMalloc_Untrack(TRACE_DOMAIN, <size_t>self.ptr)
        if self.size <= POOL_MAX_BYTES:
            for k in range(POOL_SLOTS):  # a free slot, else the block kept longest
                if _pool_ptr[k] == NULL:
                    slot = k
                    break
                if slot < 0 or _pool_age[k] < _pool_age[slot]:
                    slot = k
            if _pool_ptr[slot] != NULL:
                fastup_aligned_free(_pool_ptr[slot])
            if self.size > POOL_LENT_BYTES:
                fastup_planes_lend(self.ptr, <size_t>self.size)
            _pool_clock += 1
            _pool_ptr[slot], _pool_size[slot], _pool_age[slot] = self.ptr, self.size, _pool_clock
        else:
            fastup_aligned_free(self.ptr)
        self.ptr = NULL


def release_kept_outputs():
    """Release the memory kept from freed outputs (``OutputBlock``); returns its bytes."""
    cdef int k
    cdef Py_ssize_t total = 0
    for k in range(POOL_SLOTS):
        if _pool_ptr[k] != NULL:
            total += _pool_size[k]
            fastup_aligned_free(_pool_ptr[k])
            _pool_ptr[k] = NULL
    return total
