// The time mean's inner loop in C, for the one thing Swift cannot say per function: use
// AVX2 where the processor has it, with the portable Swift loop (FloeKernels.timeSums)
// everywhere else. Both fold each point's values in step order with the same IEEE
// operations, so they give the same bits.
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

#endif
