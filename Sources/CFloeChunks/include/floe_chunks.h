#ifndef FLOE_CHUNKS_H
#define FLOE_CHUNKS_H
#include <stddef.h>
#include <stdint.h>

// Undoes HDF5's shuffle filter: `in` holds byte 0 of every element, then byte 1 of every
// element, and so on (`bytes / size` elements); `out` gets the elements back. Trailing bytes
// that make no whole element are copied as they are, as HDF5 does. `in` and `out` must not
// overlap.
void floe_unshuffle(const uint8_t *in, uint8_t *out, size_t bytes, size_t size);

#endif
