// The machine's measured float64 peak on one core: independent fused multiply-adds on the widest
// vectors the processor has (AVX-512, AVX2+FMA, else SSE2 multiply and add), best of several
// runs. Prints GFLOP/s and the vector width as JSON. Built and run by train_bench.py.
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Twelve chains: enough to cover the multiply-add latency on two units.
#define CHAINS(T, SET, FMA)                                                                          \
    T a0 = SET(1.0), a1 = SET(1.1), a2 = SET(1.2), a3 = SET(1.3), a4 = SET(1.4), a5 = SET(1.5);      \
    T a6 = SET(1.6), a7 = SET(1.7), a8 = SET(1.8), a9 = SET(1.9), a10 = SET(2.0), a11 = SET(2.1);    \
    T m = SET(0.9999999), c = SET(1e-7);                                                             \
    for (long i = 0; i < n; i++) {                                                                   \
        a0 = FMA(a0, m, c); a1 = FMA(a1, m, c); a2 = FMA(a2, m, c); a3 = FMA(a3, m, c);              \
        a4 = FMA(a4, m, c); a5 = FMA(a5, m, c); a6 = FMA(a6, m, c); a7 = FMA(a7, m, c);              \
        a8 = FMA(a8, m, c); a9 = FMA(a9, m, c); a10 = FMA(a10, m, c); a11 = FMA(a11, m, c);          \
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));           \
        __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));         \
    }                                                                                                \
    T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                               \
    return ((double *)&s)[0];

__attribute__((target("avx512f"))) static double run512(long n) {
#define SET512(x) _mm512_set1_pd(x)
    CHAINS(__m512d, SET512, _mm512_fmadd_pd)
}

__attribute__((target("avx2,fma"))) static double run256(long n) {
#define SET256(x) _mm256_set1_pd(x)
    CHAINS(__m256d, SET256, _mm256_fmadd_pd)
}

#define MULADD(a, b, c) _mm_add_pd(_mm_mul_pd(a, b), c)
static double run128(long n) {
    CHAINS(__m128d, _mm_set1_pd, MULADD)
}

// An argument "avx2" (or "baseline") measures those vectors on a wider machine: the peak of the
// machine `make bench BENCH_ISA=avx2` stands in for.
int main(int argc, char **argv) {
    __builtin_cpu_init();
    int lanes = __builtin_cpu_supports("avx512f") ? 8 : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 4 : 2;
    if (argc > 1 && strcmp(argv[1], "avx2") == 0 && lanes > 4) lanes = 4;
    if (argc > 1 && strcmp(argv[1], "baseline") == 0) lanes = 2;
    // flops an iteration: twelve chains of `lanes` multiply-adds (two flops each; SSE2's are two instructions)
    double flops = 12.0 * lanes * 2, best = 0, sink = 0;
    long n = 20000000;
    for (int r = 0; r < 7; r++) {
        double t = now();
        sink += lanes == 8 ? run512(n) : lanes == 4 ? run256(n) : run128(n);
        t = now() - t;
        double g = flops * n / t / 1e9;
        if (g > best) best = g;
    }
    printf("{\"gflops\": %.2f, \"lanes\": %d, \"sink\": %g}\n", best, lanes, sink > 0 ? 1.0 : 0.0);
    return 0;
}
#else
int main(void) { printf("{\"gflops\": null, \"lanes\": null}\n"); return 0; }
#endif
