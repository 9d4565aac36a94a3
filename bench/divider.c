/* How fast this processor takes correctly rounded square roots and divisions of doubles, the two
 * operations adagrad needs per element (θ −= lr·g / (√v + ε)), on 4-lane (AVX2) and 8-lane
 * (AVX-512) vectors: cycles an element at the clock given (GHz, default 2.75), best of 5.
 * docs/benchmarks.md quotes it for where min-char-rnn's time goes.
 *   cc -O2 -o .build/bench-divider bench/divider.c && .build/bench-divider [GHz]        (x86-64) */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 15616 /* min-char-rnn's parameter count, rounded up to 8 */
#define STEPS 400
static double th[N], v[N], g[N];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx2,fma"))) static void adagrad4(void) {
    __m256d lr = _mm256_set1_pd(1e-9), eps = _mm256_set1_pd(1e-10);
    for (int i = 0; i < N; i += 4) {
        __m256d gi = _mm256_loadu_pd(g + i), vi = _mm256_add_pd(_mm256_loadu_pd(v + i), _mm256_mul_pd(gi, gi));
        _mm256_storeu_pd(v + i, vi);
        __m256d s = _mm256_add_pd(_mm256_sqrt_pd(vi), eps);
        _mm256_storeu_pd(th + i, _mm256_sub_pd(_mm256_loadu_pd(th + i), _mm256_mul_pd(lr, _mm256_div_pd(gi, s))));
    }
}
__attribute__((target("avx512f"))) static void adagrad8(void) {
    __m512d lr = _mm512_set1_pd(1e-9), eps = _mm512_set1_pd(1e-10);
    for (int i = 0; i < N; i += 8) {
        __m512d gi = _mm512_loadu_pd(g + i), vi = _mm512_add_pd(_mm512_loadu_pd(v + i), _mm512_mul_pd(gi, gi));
        _mm512_storeu_pd(v + i, vi);
        __m512d s = _mm512_add_pd(_mm512_sqrt_pd(vi), eps);
        _mm512_storeu_pd(th + i, _mm512_sub_pd(_mm512_loadu_pd(th + i), _mm512_mul_pd(lr, _mm512_div_pd(gi, s))));
    }
}
__attribute__((target("avx2,fma"))) static void sqrt4(void) { for (int i = 0; i < N; i += 4) _mm256_storeu_pd(th + i, _mm256_sqrt_pd(_mm256_loadu_pd(v + i))); }
__attribute__((target("avx512f"))) static void sqrt8(void) { for (int i = 0; i < N; i += 8) _mm512_storeu_pd(th + i, _mm512_sqrt_pd(_mm512_loadu_pd(v + i))); }
__attribute__((target("avx2,fma"))) static void div4(void) { for (int i = 0; i < N; i += 4) _mm256_storeu_pd(th + i, _mm256_div_pd(_mm256_loadu_pd(g + i), _mm256_loadu_pd(v + i))); }
__attribute__((target("avx512f"))) static void div8(void) { for (int i = 0; i < N; i += 8) _mm512_storeu_pd(th + i, _mm512_div_pd(_mm512_loadu_pd(g + i), _mm512_loadu_pd(v + i))); }

int main(int argc, char **argv) {
    double ghz = argc > 1 ? atof(argv[1]) : 2.75;
    for (int i = 0; i < N; i++) { th[i] = 0.1 * i / N; v[i] = 1 + i % 7; g[i] = 0.01 * (i % 13) - 0.05; }
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512f");
    struct { const char *name; void (*f)(void); int needs512; } runs[] = {
        {"sqrt, 4 lanes", sqrt4, 0}, {"division, 4 lanes", div4, 0}, {"adagrad, 4 lanes", adagrad4, 0},
        {"sqrt, 8 lanes", sqrt8, 1}, {"division, 8 lanes", div8, 1}, {"adagrad, 8 lanes", adagrad8, 1},
    };
    for (unsigned r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        if (runs[r].needs512 && !wide) continue;
        double best = 1e9;
        for (int rep = 0; rep < 5; rep++) {
            double t = now();
            for (int k = 0; k < STEPS; k++) runs[r].f();
            double s = now() - t;
            if (s < best) best = s;
        }
        printf("%-18s %5.2f cycles an element (%.1f ms for %d steps of %d)\n", runs[r].name, best * ghz * 1e9 / ((double)STEPS * N),
               best * 1e3, STEPS, N);
    }
    return 0;
}
