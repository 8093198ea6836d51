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

// Where a call's counts go. Deferred: not written while every count so far is `steps`
// (every value valid: the caller then holds the count once, `base` + steps); at the first
// block with a missing value, the points before it get `base` + steps and from then on
// every count is written, as `base` + its own. Added: each count is added to the one in
// `count` (a partial's, merged with this unit's).
typedef struct {
  bool deferred;
  bool written;
  bool added;
  double base;
} count_store;

// Whether the block's counts must be written (and, at the first that must, the counts
// left out before it filled in).
static inline __attribute__((always_inline, target("avx2"))) bool
counts_to_write(count_store *store, const __m256i *n, int V, size_t steps, double *count,
                size_t p) {
  if (!store->deferred || store->written) return true;
  __m256i same = _mm256_set1_epi32(-1);
  for (int k = 0; k < V; k++)
    same = _mm256_and_si256(same, _mm256_cmpeq_epi32(n[k], _mm256_set1_epi32((int)steps)));
  if (_mm256_movemask_epi8(same) == -1) return false;
  for (size_t i = 0; i < p; i++) count[i] = store->base + (double)steps;
  store->written = true;
  return true;
}

// A block's count of valid values (int32 lanes, converted exactly) as stored: plus what
// `at` holds when added, plus `base` when deferred.
static inline __attribute__((always_inline, target("avx2"))) __m256d
count_out(const count_store *store, __m128i n, const double *at) {
  __m256d c = _mm256_cvtepi32_pd(n);
  if (store->added) return _mm256_add_pd(_mm256_loadu_pd(at), c);
  if (store->deferred) return _mm256_add_pd(_mm256_set1_pd(store->base), c);
  return c;
}

// A block's totals as stored: plus what `at` holds when `add` (a partial's, merged with
// this unit's: one addition per point, as merging the unit's own partial into it would).
static inline __attribute__((always_inline, target("avx2"))) __m256d
total_out(bool add, __m256d total, const double *at) {
  return add ? _mm256_add_pd(_mm256_loadu_pd(at), total) : total;
}

// Every step of one block of 8 * V points (`row`: its first step) into the totals n, s, q
// (counts, sums, sums of squares, in registers).
static inline __attribute__((always_inline, target("avx2"))) void
accumulate_steps(const float *row, size_t steps, size_t points, __m256 missing0,
                 __m256 missing1, __m256i *n, __m256d *s, __m256d *q, const int V,
                 const bool withSum, const bool withSquares) {
  for (size_t t = 0; t < steps; t++, row += points) {
    // One stream per step is more than the hardware prefetcher follows: fetch this step's
    // run of the block two blocks ahead (16 GB/s instead of 5 from memory on the VM).
    for (int line = 0; line < V; line += 2)
      _mm_prefetch((const char *)(row + 8 * V * 2 + 8 * line), _MM_HINT_T0);
    for (int k = 0; k < V; k++) {
      __m256 v = _mm256_loadu_ps(row + 8 * k);
      // Valid: ordered (not NaN) and unequal to both missing values (unequal to a NaN
      // missing value always holds, as Swift's != does).
      __m256 ok = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_ORD_Q),
                                _mm256_and_ps(_mm256_cmp_ps(v, missing0, _CMP_NEQ_UQ),
                                              _mm256_cmp_ps(v, missing1, _CMP_NEQ_UQ)));
      n[k] = _mm256_sub_epi32(n[k], _mm256_castps_si256(ok));
      if (withSum) {
        __m256 kept = _mm256_and_ps(v, ok);
        __m256d low = _mm256_cvtps_pd(_mm256_castps256_ps128(kept));
        __m256d high = _mm256_cvtps_pd(_mm256_extractf128_ps(kept, 1));
        s[2 * k] = _mm256_add_pd(s[2 * k], low);
        s[2 * k + 1] = _mm256_add_pd(s[2 * k + 1], high);
        if (withSquares) {
          q[2 * k] = _mm256_add_pd(q[2 * k], _mm256_mul_pd(low, low));
          q[2 * k + 1] = _mm256_add_pd(q[2 * k + 1], _mm256_mul_pd(high, high));
        }
      }
    }
  }
}

// One vector of four points' count, mean and sum of squared deviations from the mean, from
// their count c, sum s and sum of squares q, as MomentsReducer.foldMoments has them:
// mean = c > 0 ? s / c : 0, M2 = c > 0 ? max(0, q - mean * mean * c) : 0 (Swift's max(0, x):
// x when x >= 0, else 0, also for NaN).
static inline __attribute__((always_inline, target("avx2"))) void
store_moment(__m256d c, __m256d s, __m256d q, double *count, double *mean, double *m2) {
  const __m256d zero = _mm256_setzero_pd();
  __m256d some = _mm256_cmp_pd(c, zero, _CMP_GT_OQ);
  __m256d mu = _mm256_and_pd(_mm256_div_pd(s, c), some);
  __m256d d = _mm256_sub_pd(q, _mm256_mul_pd(_mm256_mul_pd(mu, mu), c));
  d = _mm256_and_pd(d, _mm256_cmp_pd(d, zero, _CMP_GE_OQ));
  _mm256_storeu_pd(count, c);
  _mm256_storeu_pd(mean, mu);
  _mm256_storeu_pd(m2, _mm256_and_pd(d, some));
}

// A block's moments stored: counts, means and sums of squared deviations (a fresh unit of a
// variance or standard deviation, its partial made in the store instead of a pass after).
static inline __attribute__((always_inline, target("avx2"))) void
store_moments(const __m256i *n, const __m256d *s, const __m256d *q, size_t p, double *count,
              double *mean, double *m2, const int V) {
  for (int k = 0; k < V; k++) {
    size_t at = p + 8 * (size_t)k;
    store_moment(_mm256_cvtepi32_pd(_mm256_castsi256_si128(n[k])), s[2 * k], q[2 * k],
                 count + at, mean + at, m2 + at);
    store_moment(_mm256_cvtepi32_pd(_mm256_extracti128_si256(n[k], 1)), s[2 * k + 1],
                 q[2 * k + 1], count + at + 4, mean + at + 4, m2 + at + 4);
  }
}

// A block's totals stored (counts as `store` says; sums and squares added to what they hold
// when `add`).
static inline __attribute__((always_inline, target("avx2"))) void
store_totals(count_store *store, const __m256i *n, const __m256d *s, const __m256d *q,
             size_t steps, size_t p, bool add, bool moments, double *count, double *sum,
             double *squares, const int V, const bool withSum, const bool withSquares) {
  if (moments) {
    store_moments(n, s, q, p, count, sum, squares, V);
    return;
  }
  const bool withCount = counts_to_write(store, n, V, steps, count, p);
  for (int k = 0; k < V; k++) {
    size_t at = p + 8 * (size_t)k;
    if (withCount) {
      __m256d low = count_out(store, _mm256_castsi256_si128(n[k]), count + at);
      __m256d high = count_out(store, _mm256_extracti128_si256(n[k], 1), count + at + 4);
      _mm256_storeu_pd(count + at, low);
      _mm256_storeu_pd(count + at + 4, high);
    }
    if (withSum) {
      _mm256_storeu_pd(sum + at, total_out(add, s[2 * k], sum + at));
      _mm256_storeu_pd(sum + at + 4, total_out(add, s[2 * k + 1], sum + at + 4));
    }
    if (withSquares) {
      _mm256_storeu_pd(squares + at, total_out(add, q[2 * k], squares + at));
      _mm256_storeu_pd(squares + at + 4, total_out(add, q[2 * k + 1], squares + at + 4));
    }
  }
}

// One block of 8 * V points through every step, its totals in registers: per 8 values one
// load and the arithmetic, no load or store of running totals (a block's totals kept in L1
// cost three loads and three stores per 8 values, and the stores held the loop to ~8 GB/s).
// Each point still sees its values in step order from the totals it had: the same bits.
static inline __attribute__((always_inline, target("avx2"))) void
time_sums_block(const float *values, size_t steps, size_t points, size_t p, __m256 missing0,
                __m256 missing1, bool fresh, bool add, bool moments, count_store *store,
                double *count, double *sum, double *squares, const int V, const bool withSum,
                const bool withSquares) {
  __m256i n[4];
  __m256d s[8], q[8];
  for (int k = 0; k < V; k++) {
    size_t at = p + 8 * (size_t)k;
    if (fresh) {
      n[k] = _mm256_setzero_si256();
      s[2 * k] = s[2 * k + 1] = q[2 * k] = q[2 * k + 1] = _mm256_setzero_pd();
      continue;
    }
    // Counts are whole numbers: exact as int32.
    n[k] = _mm256_set_m128i(_mm256_cvttpd_epi32(_mm256_loadu_pd(count + at + 4)),
                            _mm256_cvttpd_epi32(_mm256_loadu_pd(count + at)));
    s[2 * k] = withSum ? _mm256_loadu_pd(sum + at) : _mm256_setzero_pd();
    s[2 * k + 1] = withSum ? _mm256_loadu_pd(sum + at + 4) : _mm256_setzero_pd();
    q[2 * k] = withSquares ? _mm256_loadu_pd(squares + at) : _mm256_setzero_pd();
    q[2 * k + 1] = withSquares ? _mm256_loadu_pd(squares + at + 4) : _mm256_setzero_pd();
  }
  accumulate_steps(values + p, steps, points, missing0, missing1, n, s, q, V, withSum,
                   withSquares);
  store_totals(store, n, s, q, steps, p, add, moments, count, sum, squares, V, withSum,
               withSquares);
}

// Blocks as wide as the 16 vector registers allow (4 vectors of points for counts and sums,
// 2 with squares too), then single vectors for the rest.
#define FLOE_TIME_SUMS_BLOCKS(WIDE, WITH_SUM, WITH_SQUARES)                                   \
  do {                                                                                       \
    for (; p + 8 * (WIDE) <= points; p += 8 * (WIDE))                                        \
      time_sums_block(values, steps, points, p, missing0, missing1, fresh, add, moments,     \
                      &store, count, sum, squares, (WIDE), (WITH_SUM), (WITH_SQUARES));      \
    for (; p + 8 <= points; p += 8)                                                          \
      time_sums_block(values, steps, points, p, missing0, missing1, fresh, add, moments,     \
                      &store, count, sum, squares, 1, (WITH_SUM), (WITH_SQUARES));           \
  } while (0)

// Returns whether the counts were written (always, unless `store` defers them).
static inline __attribute__((always_inline, target("avx2"))) bool
time_sums(const float *values, size_t steps, size_t points, float m0, float m1, bool fresh,
          bool add, bool moments, count_store store, double *count, double *sum,
          double *squares) {
  const __m256 missing0 = _mm256_set1_ps(m0);
  const __m256 missing1 = _mm256_set1_ps(m1);
  size_t p = 0;
  if (squares && sum)
    FLOE_TIME_SUMS_BLOCKS(2, true, true);
  else if (squares)
    FLOE_TIME_SUMS_BLOCKS(2, false, true);
  else if (sum)
    FLOE_TIME_SUMS_BLOCKS(4, true, false);
  else
    FLOE_TIME_SUMS_BLOCKS(4, false, false);
  // The last points (fewer than eight), one by one.
  for (; p < points; p++) {
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
    if (store.deferred && !store.written && n != (double)steps) {
      for (size_t i = 0; i < p; i++) count[i] = store.base + (double)steps;
      store.written = true;
    }
    if (!store.deferred || store.written)
      count[p] = store.added ? count[p] + n : store.deferred ? store.base + n : n;
    if (moments) {
      double mean = n > 0 ? s / n : 0;
      double d = q - mean * mean * n;
      sum[p] = mean;
      squares[p] = n > 0 ? (d >= 0 ? d : 0) : 0;
      continue;
    }
    if (sum) sum[p] = add ? sum[p] + s : s;
    if (squares) squares[p] = add ? squares[p] + q : q;
  }
  return !store.deferred || store.written;
}

__attribute__((target("avx2"))) void floe_time_sums_avx2(const float *values, size_t steps,
                                                         size_t points, float m0, float m1,
                                                         bool fresh, double *count, double *sum,
                                                         double *squares) {
  count_store store = {false, false, false, 0};
  time_sums(values, steps, points, m0, m1, fresh, false, false, store, count, sum, squares);
}

__attribute__((target("avx2"))) bool floe_fresh_time_sums_avx2(const float *values, size_t steps,
                                                               size_t points, float m0, float m1,
                                                               double *count, double *sum,
                                                               double *squares) {
  count_store store = {true, false, false, 0};
  return !time_sums(values, steps, points, m0, m1, true, false, false, store, count, sum,
                    squares);
}

__attribute__((target("avx2"))) bool floe_time_sums_added_avx2(const float *values, size_t steps,
                                                               size_t points, float m0, float m1,
                                                               double *count, double count_base,
                                                               double *sum) {
  // Counts per point (base NaN) are added to; counts held once are deferred from the base.
  count_store store = {count_base == count_base, false, count_base != count_base, count_base};
  return time_sums(values, steps, points, m0, m1, true, true, false, store, count, sum, NULL);
}

__attribute__((target("avx2"))) void floe_time_moments_avx2(const float *values, size_t steps,
                                                          size_t points, float m0, float m1,
                                                          double *count, double *mean, double *m2) {
  count_store store = {false, false, false, 0};
  time_sums(values, steps, points, m0, m1, true, false, true, store, count, mean, m2);
}
