#ifndef RNNKERNEL_CPU_FEATURES_H
#define RNNKERNEL_CPU_FEATURES_H

/// Bits of rnnkernel_cpu_features(): what the processor offers and the operating system enables.
#define RNNKERNEL_CPU_AVX2_FMA 1  // AVX2 and FMA, with the ymm state enabled
#define RNNKERNEL_CPU_AVX512 2    // AVX-512 F, DQ, VL, with the zmm and mask state enabled

/// The instruction sets the training kernels can use on this machine (0 on anything but x86-64).
int rnnkernel_cpu_features(void);

#endif
