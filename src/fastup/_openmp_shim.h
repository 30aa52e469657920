/* OpenMP shim: the kernels build with or without OpenMP. Without it, every query answers as a
 * serial runtime would, and Cython's prange (guarded by #ifdef _OPENMP) runs serially. */
#ifndef FASTUP_OPENMP_SHIM_H
#define FASTUP_OPENMP_SHIM_H

#ifdef _OPENMP
#include <omp.h>
#define FASTUP_OPENMP_VERSION _OPENMP
static int fastup_omp_get_max_threads(void) { return omp_get_max_threads(); }
static int fastup_omp_get_thread_num(void) { return omp_get_thread_num(); }
#else
#define FASTUP_OPENMP_VERSION 0
static int fastup_omp_get_max_threads(void) { return 1; }
static int fastup_omp_get_thread_num(void) { return 0; }
#endif

#endif
