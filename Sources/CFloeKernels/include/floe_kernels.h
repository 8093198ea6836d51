// The inner loops of the time sums and the weighted field mean in C, for the one thing
// Swift cannot say per function: use AVX2 where the processor has it, with the portable
// Swift loops (FloeKernels.timeSums, weightedRowSums) everywhere else. Each pair does the
// same IEEE operations in the same order, so they give the same bits.
#ifndef FLOE_KERNELS_H
#define FLOE_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

/// Whether this processor runs floe_time_sums_avx2.
bool floe_kernels_have_avx2(void);

/// Over float32 values laid out [steps][points]: for each point, continues `count`, `sum`
/// (may be NULL) and `squares` (may be NULL) with its valid values (not NaN, not m0, not
/// m1) in step order; or, if `fresh`, starts them from zero without reading what they hold.
/// Only call when floe_kernels_have_avx2().
void floe_time_sums_avx2(const float *values, size_t steps, size_t points, float m0, float m1,
                         bool fresh, double *count, double *sum, double *squares);

/// As floe_time_sums_avx2 with `fresh`, except that the counts are written only if some
/// value is missing: returns true when every value was valid (every count is `steps`, and
/// `count` was not written), false when `count` holds every point's count.
bool floe_fresh_time_sums_avx2(const float *values, size_t steps, size_t points, float m0,
                               float m1, double *count, double *sum, double *squares);

/// One unit's fresh counts and sums (as floe_time_sums_avx2 with `fresh`) merged into a
/// partial's, each point's sum becoming the partial's + the unit's (one addition, as merging
/// the unit's own partial would). The partial's counts are per point in `count` when
/// `count_base` is NaN (each gets the unit's added), or held once as `count_base`: then they
/// are written only if some value is missing, as count_base + the unit's. Returns whether
/// `count` was written (always when per point; when held once, false means every value was
/// valid: the count is count_base + steps at every point).
bool floe_time_sums_added_avx2(const float *values, size_t steps, size_t points, float m0,
                               float m1, double *count, double count_base, double *sum);

/// A fresh unit's moments: as floe_time_sums_avx2 with `fresh` and squares, then, in the same
/// store, each point's mean (sum / count, 0 without a valid value) into `mean` and its sum of
/// squared deviations (max(0, squares - mean * mean * count), 0 without a valid value) into
/// `m2`: MomentsReducer's partial, bit for bit. Only call when floe_kernels_have_avx2().
void floe_time_moments_avx2(const float *values, size_t steps, size_t points, float m0,
                            float m1, double *count, double *mean, double *m2);

/// Over one row of `n` float32 values: the sum of the weights of its valid values (not NaN,
/// not m0, not m1) and of weight x value, in four float64 lanes (lane k takes values
/// i = k mod 4), the lanes added in order, then the last n mod 4 values one by one. The
/// weights run along the row (`step` 1) or are weights[0] for the whole row (`step` 0).
/// Only call when floe_kernels_have_avx2().
void floe_weighted_row_sums_avx2(const float *x, size_t n, float m0, float m1,
                                 const double *weights, size_t step, double *weightTotal,
                                 double *total);

/// From `series`, time-major (value of step t at point p: series[t * points + p]), the
/// series of points first ..< first + count, point-major into `to` (to[j * steps + t]), in
/// tiles of 16 steps; values of `element_size` bytes (4 or 8), copied as they are.
void floe_gather_series(const void *series, size_t element_size, size_t points, size_t steps,
                        size_t first, size_t count, void *to);

/// Copies the values of x[0 ..< n] that lie between lo and hi (inclusive) to the start of
/// `out` (room for n), in order, and returns how many; `below` gets how many are less than
/// lo, `missing` how many are NaN. Only call when floe_kernels_have_avx2().
size_t floe_split_f32_avx2(const float *x, size_t n, float lo, float hi, float *out,
                           size_t *below, size_t *missing);

#endif
