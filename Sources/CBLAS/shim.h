#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* Debian's OpenBLAS cblas.h also declares openblas_set_num_threads, openblas_get_config and
   openblas_get_corename. */
#include <cblas.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* A DYNAMIC_ARCH OpenBLAS exports these but declares them in no header. gotoblas_dynamic_init
   chooses a kernel set as the library does when it loads: the one OPENBLAS_CORETYPE names, else
   its own pick from the CPU's model; it does nothing while a set is chosen, so
   gotoblas_dynamic_quit (which only forgets the choice) goes first. Neither may run while a BLAS
   call is in flight. */
extern void gotoblas_dynamic_init(void);
extern void gotoblas_dynamic_quit(void);

/* Whether this CPU runs OpenBLAS's Haswell kernels: AVX2 and FMA. */
static inline int preflab_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
/* Whether the operating system saves the AVX-512 registers (opmask, both halves of ZMM0-15,
   ZMM16-31) and the AVX and SSE ones: without that the instructions fault even where the CPU
   has them. */
static inline int preflab_os_saves_avx512_state(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return (low & 0xE6) == 0xE6;
}
#endif

/* Whether this CPU runs OpenBLAS's SkylakeX kernels: AVX-512 F, BW, VL, DQ and CD, with the
   operating system's support. */
static inline int preflab_cpu_has_avx512(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned needed = bit_AVX512F | bit_AVX512BW | bit_AVX512VL | bit_AVX512DQ | bit_AVX512CD;
    return (ebx & needed) == needed && preflab_os_saves_avx512_state();
#else
    return 0;
#endif
}

/* Whether this CPU also has AVX512_BF16, which OpenBLAS's Cooperlake kernels add to SkylakeX's. */
static inline int preflab_cpu_has_avx512_bf16(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!preflab_cpu_has_avx512() || !__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return 0;
    return (eax & (1u << 5)) != 0;
#else
    return 0;
#endif
}

/* The CPU's model name as lscpu shows it (cpuid's brand string, spaces trimmed), or "" when the
   CPU has none. `name` holds at least 49 bytes. */
static inline void preflab_cpu_model_name(char *name) {
    name[0] = 0;
#if defined(__x86_64__)
    unsigned regs[12];
    if (__get_cpuid_max(0x80000000, 0) < 0x80000004) return;
    for (unsigned i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    __builtin_memcpy(name, regs, 48);
    name[48] = 0;
#endif
}

/* The CPU's vendor ("GenuineIntel", "AuthenticAMD"), family and model as /proc/cpuinfo counts them,
   for a CPU without a brand string. `vendor` holds at least 13 bytes. */
static inline void preflab_cpu_signature(char *vendor, int *family, int *model) {
    vendor[0] = 0;
    *family = 0;
    *model = 0;
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return;
    __builtin_memcpy(vendor, &ebx, 4);
    __builtin_memcpy(vendor + 4, &edx, 4);
    __builtin_memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    int base = (eax >> 8) & 0xF;
    *family = base == 0xF ? base + ((eax >> 20) & 0xFF) : base;
    *model = (base == 0x6 || base == 0xF) ? (((eax >> 16) & 0xF) << 4) | ((eax >> 4) & 0xF) : (eax >> 4) & 0xF;
#endif
}
#endif
