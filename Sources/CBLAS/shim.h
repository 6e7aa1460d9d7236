#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* Debian's OpenBLAS cblas.h also declares openblas_set_num_threads and openblas_get_config. */
#include <cblas.h>
#endif
