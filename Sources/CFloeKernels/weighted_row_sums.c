#include "floe_kernels.h"

#include <immintrin.h>

// No fused multiply-add: w * x and the sum round separately, as in the Swift loop.
#pragma STDC FP_CONTRACT OFF

__attribute__((target("avx2"))) void floe_weighted_row_sums_avx2(
    const float *x, size_t n, float m0, float m1, const double *weights, size_t step,
    double *weightTotal, double *total) {
  __m256d weightLanes = _mm256_setzero_pd();
  __m256d sumLanes = _mm256_setzero_pd();
  // Compared in float64, as the Swift loop does: widening a float32 is exact, NaN stays NaN.
  const __m256d missing0 = _mm256_set1_pd((double)m0);
  const __m256d missing1 = _mm256_set1_pd((double)m1);
  const __m256d rowWeight = _mm256_set1_pd(weights[0]);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    __m256d ok = _mm256_and_pd(
        _mm256_cmp_pd(v, v, _CMP_ORD_Q),
        _mm256_and_pd(_mm256_cmp_pd(v, missing0, _CMP_NEQ_UQ),
                      _mm256_cmp_pd(v, missing1, _CMP_NEQ_UQ)));
    __m256d w = step == 0 ? rowWeight : _mm256_loadu_pd(weights + i);
    __m256d kept = _mm256_and_pd(w, ok);
    weightLanes = _mm256_add_pd(weightLanes, kept);
    sumLanes = _mm256_add_pd(sumLanes, _mm256_mul_pd(kept, _mm256_and_pd(v, ok)));
  }
  // The lanes in order from zero, as Swift's SIMD sum() adds them.
  double w[4], s[4];
  _mm256_storeu_pd(w, weightLanes);
  _mm256_storeu_pd(s, sumLanes);
  double weightSum = 0, sum = 0;
  for (int lane = 0; lane < 4; lane++) {
    weightSum += w[lane];
    sum += s[lane];
  }
  for (; i < n; i++) {
    float v = x[i];
    if (v == v && v != m0 && v != m1) {
      double wi = weights[step * i];
      weightSum += wi;
      sum += wi * (double)v;
    }
  }
  *weightTotal = weightSum;
  *total = sum;
}
