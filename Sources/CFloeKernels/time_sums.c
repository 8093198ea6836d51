#include "floe_kernels.h"

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>

// No fused multiply-add: d * d and the sum round separately, as in the Swift loop.
#pragma STDC FP_CONTRACT OFF

bool floe_kernels_have_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

__attribute__((target("avx2"))) void floe_time_sums_avx2(const float *values, size_t steps,
                                                         size_t points, float m0, float m1,
                                                         bool fresh, double *count, double *sum,
                                                         double *squares) {
  // Totals of 4 + 8 (+ 8) bytes per point, 24 KiB of them: within the L1 cache while each
  // step's run of the block streams past.
  const size_t width = (24u << 10) / (squares ? 20 : 12) / 8 * 8;
  __m256i *counts = aligned_alloc(32, width * 4);
  __m256d *sums = aligned_alloc(32, width * 8);
  __m256d *squareSums = aligned_alloc(32, width * 8);
  const __m256 missing0 = _mm256_set1_ps(m0);
  const __m256 missing1 = _mm256_set1_ps(m1);
  for (size_t first = 0; first < points; first += width) {
    size_t length = points - first < width ? points - first : width;
    size_t vectors = length / 8;
    // Continue from the totals so far (counts are whole numbers), or start from zero.
    for (size_t k = 0; k < vectors; k++) {
      size_t p = first + 8 * k;
      if (fresh) {
        counts[k] = _mm256_setzero_si256();
        sums[2 * k] = sums[2 * k + 1] = _mm256_setzero_pd();
        squareSums[2 * k] = squareSums[2 * k + 1] = _mm256_setzero_pd();
        continue;
      }
      counts[k] = _mm256_set_epi32((int32_t)count[p + 7], (int32_t)count[p + 6],
                                   (int32_t)count[p + 5], (int32_t)count[p + 4],
                                   (int32_t)count[p + 3], (int32_t)count[p + 2],
                                   (int32_t)count[p + 1], (int32_t)count[p]);
      sums[2 * k] = sum ? _mm256_loadu_pd(sum + p) : _mm256_setzero_pd();
      sums[2 * k + 1] = sum ? _mm256_loadu_pd(sum + p + 4) : _mm256_setzero_pd();
      squareSums[2 * k] = squares ? _mm256_loadu_pd(squares + p) : _mm256_setzero_pd();
      squareSums[2 * k + 1] = squares ? _mm256_loadu_pd(squares + p + 4) : _mm256_setzero_pd();
    }
    for (size_t t = 0; t < steps; t++) {
      const float *row = values + t * points + first;
      for (size_t k = 0; k < vectors; k++) {
        __m256 v = _mm256_loadu_ps(row + 8 * k);
        // Valid: ordered (not NaN) and unequal to both missing values (unequal to a NaN
        // missing value always holds, as Swift's != does).
        __m256 ok = _mm256_and_ps(
            _mm256_cmp_ps(v, v, _CMP_ORD_Q),
            _mm256_and_ps(_mm256_cmp_ps(v, missing0, _CMP_NEQ_UQ),
                          _mm256_cmp_ps(v, missing1, _CMP_NEQ_UQ)));
        counts[k] = _mm256_sub_epi32(counts[k], _mm256_castps_si256(ok));
        if (sum) {
          __m256 kept = _mm256_and_ps(v, ok);
          __m256d low = _mm256_cvtps_pd(_mm256_castps256_ps128(kept));
          __m256d high = _mm256_cvtps_pd(_mm256_extractf128_ps(kept, 1));
          sums[2 * k] = _mm256_add_pd(sums[2 * k], low);
          sums[2 * k + 1] = _mm256_add_pd(sums[2 * k + 1], high);
          if (squares) {
            squareSums[2 * k] = _mm256_add_pd(squareSums[2 * k], _mm256_mul_pd(low, low));
            squareSums[2 * k + 1] = _mm256_add_pd(squareSums[2 * k + 1], _mm256_mul_pd(high, high));
          }
        }
      }
    }
    for (size_t k = 0; k < vectors; k++) {
      size_t p = first + 8 * k;
      int32_t c[8];
      _mm256_storeu_si256((__m256i *)c, counts[k]);
      for (int lane = 0; lane < 8; lane++) count[p + lane] = (double)c[lane];
      if (sum) {
        _mm256_storeu_pd(sum + p, sums[2 * k]);
        _mm256_storeu_pd(sum + p + 4, sums[2 * k + 1]);
      }
      if (squares) {
        _mm256_storeu_pd(squares + p, squareSums[2 * k]);
        _mm256_storeu_pd(squares + p + 4, squareSums[2 * k + 1]);
      }
    }
    // The last points of a block that is not a multiple of eight, one by one.
    for (size_t p = first + 8 * vectors; p < first + length; p++) {
      double n = fresh ? 0 : count[p];
      double s = sum && !fresh ? sum[p] : 0, q = squares && !fresh ? squares[p] : 0;
      for (size_t t = 0; t < steps; t++) {
        float v = values[t * points + p];
        int ok = v == v && v != m0 && v != m1;
        double d = ok ? (double)v : 0;
        n += ok ? 1 : 0;
        s += d;
        q += d * d;
      }
      count[p] = n;
      if (sum) sum[p] = s;
      if (squares) squares[p] = q;
    }
  }
  free(counts);
  free(sums);
  free(squareSums);
}
