#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* Debian's OpenBLAS cblas.h also declares openblas_set_num_threads, openblas_get_config and
   openblas_get_corename. */
#include <cblas.h>

/* The widest of OpenBLAS's x86 kernel sets this CPU runs: 2 for SkylakeX's (AVX-512 F, CD, BW,
   DQ, VL), 1 for Haswell's (AVX2 and FMA), 0 for neither. */
static inline int preflab_cpu_vector_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}
#endif
