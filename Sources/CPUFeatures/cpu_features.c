// cpuid and xgetbv, which Swift cannot issue: a feature counts only when the processor has it
// (cpuid) and the operating system saves its registers across context switches (xgetbv).
#include "cpu_features.h"

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int rnnkernel_cpu_features(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    unsigned long long x = xcr0();
    if ((x & 0x6) != 0x6) return 0;  // xmm and ymm state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1, f = (b >> 16) & 1, dq = (b >> 17) & 1, vl = (b >> 31) & 1;
    int features = 0;
    if (avx2 && fma) features |= RNNKERNEL_CPU_AVX2_FMA;
    // opmask, upper halves of zmm0-15, and zmm16-31 state
    if ((features & RNNKERNEL_CPU_AVX2_FMA) && f && dq && vl && (x & 0xE0) == 0xE0) features |= RNNKERNEL_CPU_AVX512;
    return features;
}
#else
int rnnkernel_cpu_features(void) { return 0; }
#endif
