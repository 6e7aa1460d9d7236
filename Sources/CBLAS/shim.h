#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* Debian's OpenBLAS cblas.h also declares openblas_set_num_threads, openblas_get_config and
   openblas_get_corename. */
#include <cblas.h>

/* Whether this CPU runs OpenBLAS's Haswell kernels: AVX2 and FMA. */
static inline int preflab_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
#endif
