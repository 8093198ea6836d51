#include "floe_kernels.h"

#include <stdint.h>
#include <string.h>

// Steps per tile: each point's tile of float32 values fills one 64-byte line of `to`.
enum { TILE = 16 };

// One element type's gather: E bytes per value, copied as such (no conversion).
#define FLOE_GATHER(E)                                                                     \
  do {                                                                                     \
    const char *from = (const char *)series;                                               \
    char *out = (char *)to;                                                                \
    for (size_t tile = 0; tile < steps; tile += TILE) {                                    \
      size_t end = tile + TILE < steps ? tile + TILE : steps;                              \
      /* The next tile's rows, fetched while this one is copied: rows lie `points`       \
         values apart, farther than the hardware prefetcher follows. */                    \
      size_t later = end + TILE < steps ? end + TILE : steps;                              \
      for (size_t t = end; t < later; t++)                                                 \
        for (size_t j = 0; j < count; j += 64 / (E))                                       \
          __builtin_prefetch(from + ((t * points + first + j) * (E)), 0, 3);               \
      for (size_t j = 0; j < count; j++)                                                   \
        for (size_t t = tile; t < end; t++)                                                \
          memcpy(out + (j * steps + t) * (E), from + (t * points + first + j) * (E), (E)); \
    }                                                                                      \
  } while (0)

void floe_gather_series(const void *series, size_t element_size, size_t points, size_t steps,
                        size_t first, size_t count, void *to) {
  if (element_size == 4)
    FLOE_GATHER(4);
  else
    FLOE_GATHER(8);
}

#include <immintrin.h>

// For each of the 256 masks of eight lanes: the lanes set, in order, then the rest (their
// values are stored past the kept ones and overwritten or ignored).
static int32_t keep_lanes[256][8];

__attribute__((constructor)) static void fill_keep_lanes(void) {
  for (int mask = 0; mask < 256; mask++) {
    int at = 0;
    for (int lane = 0; lane < 8; lane++)
      if (mask & (1 << lane)) keep_lanes[mask][at++] = lane;
    for (int lane = 0; lane < 8; lane++)
      if (!(mask & (1 << lane))) keep_lanes[mask][at++] = lane;
  }
}

__attribute__((target("avx2,popcnt"))) size_t floe_split_f32_avx2(const float *x, size_t n,
                                                                   float lo, float hi,
                                                                   float *out, size_t *below,
                                                                   size_t *missing) {
  const __m256 low = _mm256_set1_ps(lo), high = _mm256_set1_ps(hi);
  size_t kept = 0, under = 0, nan = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    // Ordered comparisons: a NaN is neither between nor below.
    int between = _mm256_movemask_ps(
        _mm256_and_ps(_mm256_cmp_ps(v, low, _CMP_GE_OQ), _mm256_cmp_ps(v, high, _CMP_LE_OQ)));
    under += (size_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(v, low, _CMP_LT_OQ)));
    nan += (size_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
    __m256i lanes = _mm256_loadu_si256((const __m256i *)keep_lanes[between]);
    // kept <= i: the eight stored end within the first i + 8 of `out`.
    _mm256_storeu_ps(out + kept, _mm256_permutevar8x32_ps(v, lanes));
    kept += (size_t)__builtin_popcount(between);
  }
  for (; i < n; i++) {
    float v = x[i];
    out[kept] = v;
    kept += (v >= lo) & (v <= hi);
    under += v < lo;
    nan += v != v;
  }
  *below = under;
  *missing = nan;
  return kept;
}
